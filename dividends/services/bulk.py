"""Writing many rows fast: COPY on PostgreSQL, bulk_create in batches elsewhere (DESIGN.md §6)."""

from collections.abc import Iterable, Sequence
from itertools import islice

from django.db import connection, models

BATCH_SIZE = 2000


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows (tuples in the order of `columns`, which are field attnames) and return how many.

    Never a save() per row, and never more than one batch of model objects in memory.
    """
    if connection.vendor == "postgresql":
        return copy_rows(model, columns, rows)
    count = 0
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH_SIZE)):
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in batch])
        count += len(batch)
    return count


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    table = connection.ops.quote_name(model._meta.db_table)
    column_names = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in columns)
    count = 0
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({column_names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count
