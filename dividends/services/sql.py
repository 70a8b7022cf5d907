"""The run's SQL statements, and the one place that asks which database runs them (DESIGN.md §6).

On PostgreSQL a run reads and writes what it can set-based: the holders' weights on the record date
are read from the share ledger up to the run's mark, each chunk's share lines and the payouts are
one statement each, in transactions with room to sort in memory, under an advisory
lock for the finish. On SQLite (the embedded mode) the same steps run through Python and the ORM;
`postgresql()` is the only vendor test of the pipeline, and every statement that only PostgreSQL
runs is written here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.db import connection
from django.db.models import DecimalField, ExpressionWrapper, F, Max, Min, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone

from collective.models import Household, ShareEvent
from dividends import engine
from dividends.models import DistributionRun, Payout, PayoutPart, RunChunk

# pg_advisory_xact_lock(class, id): the class keeps the run's lock apart from other users of advisory locks.
ADVISORY_LOCK_CLASS = 0x6474  # "dt"

# The columns of a payout part (the staging lines the payouts are summed from), in the order rows give them.
PART_COLUMNS = (
    "run_id",
    "household_id",
    "association_id",
    "part",
    "pool_id",
    "ordinal",
    "weight",
    "floor_fen",
    "remainder",
    "amount_fen",
)

# A line's rank key, remainder * 2^32 + (2^32 - 1 - ordinal), overflows a bigint: exact numeric.
RANK_KEY = DecimalField(max_digits=40, decimal_places=0)


def _part_sum(part: str) -> str:
    """A household's amount in one part, summed over its lines (the payouts' columns)."""
    return f"SUM(CASE WHEN part = '{part}' THEN amount_fen ELSE 0 END)"


def postgresql() -> bool:
    """Whether the set-based statements below run (PostgreSQL) or the steps go through Python (SQLite)."""
    return connection.vendor == "postgresql"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def tune_transaction() -> None:
    """Sorts and hashes of a million rows in memory, not in temporary files (PostgreSQL; this transaction only)."""
    if postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '128MB'")


def lock_run(run_id: int) -> None:
    """Serialise the finish of one run across workers (PostgreSQL; SQLite has one writer anyway)."""
    if postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_LOCK_CLASS, run_id])


def analyze(*models) -> None:
    """Fresh statistics after a run wrote its rows: otherwise the planner takes a million new rows for none."""
    if postgresql():
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {_table(model)}")


def delete_run_rows(run_id: int, models: Iterable) -> None:
    """One DELETE per table: the ORM's delete() would load every row first."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"DELETE FROM {_table(model)} WHERE run_id = %s", [run_id])


def lock_share_ledger() -> None:
    """Hold back new share events until this transaction commits, and wait for those still committing.

    SHARE mode conflicts with the ROW EXCLUSIVE lock every INSERT takes: the last event id read under
    it is a mark no later event can come in below (PostgreSQL; SQLite has one writer anyway). Outside a
    transaction (a reader, not a run) there is nothing to hold the lock for.
    """
    if postgresql() and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {_table(ShareEvent)} IN SHARE MODE")


def _holders(registry: tuple[str, Sequence], weights: Mapping[int, Decimal], *, ordinals: bool) -> tuple[str, list]:
    """Each holder's weight units Σ held * (type weight * 10⁴), from the ledger's rows and the frozen weights.

    registry: the SELECT of the holdings (inputs.LedgerReference.select): association, household, share
    type and the quantity held in whole ten-thousandths. With ordinals, each holder's place in
    engine.shareholders' order: households by code, compared character by character as Python compares
    strings (COLLATE "C": UTF-8 byte order is code-point order), the association's own line last.
    """
    select, params = registry
    pairs = sorted(weights.items()) or [(None, None)]
    values = ", ".join(["(%s::bigint, %s::numeric)"] * len(pairs))
    # With ordinals each holder's code is looked up by its key (a few thousand probes per association),
    # not by hashing the whole household table once per chunk.
    code = f", (SELECT h.code FROM {_table(Household)} h WHERE h.id = r.h_id) AS code" if ordinals else ""
    weighted = f"""
        SELECT r.a_id, r.h_id, SUM(r.held * (w.weight * 10000)) AS units{code}
        FROM ({select}) r
        JOIN (VALUES {values}) w (t_id, weight) ON w.t_id = r.t_id
        GROUP BY r.a_id, r.h_id
    """
    arguments = [*params, *(value for pair in pairs for value in pair)]
    if not ordinals:
        return weighted, arguments
    return (
        f"""
        SELECT a_id, h_id, units, code,
            ROW_NUMBER() OVER (PARTITION BY a_id ORDER BY h_id IS NULL, code COLLATE "C") - 1 AS ordinal
        FROM ({weighted}) holders
        """,
        arguments,
    )


def holders_by_units(*, registry: tuple[str, Sequence], weights: Mapping[int, Decimal]) -> dict[int, Counter]:
    """Each association's {holder's weight units: holders}, read from the ledger in one pass.

    Holders with the same weight have the same share of a pool, so the pool's plan needs only the
    distinct weights: a handful of rows for an association of thousands of households.
    """
    holders, params = _holders(registry, weights, ordinals=False)
    units: dict[int, Counter] = {}
    with connection.cursor() as cursor:
        # The one pass over the whole ledger (two million lines for a million households): with the
        # default costs PostgreSQL reads it in one process; its parallel workers halve the time.
        cursor.execute("SET LOCAL parallel_setup_cost = 0")
        cursor.execute("SET LOCAL parallel_tuple_cost = 0")
        cursor.execute(f"SELECT a_id, units, COUNT(*) FROM ({holders}) h GROUP BY a_id, units", params)
        for association_id, value, count in cursor.fetchall():
            units.setdefault(association_id, Counter())[int(value)] += count
        cursor.execute("RESET parallel_setup_cost")
        cursor.execute("RESET parallel_tuple_cost")
    return units


def nth_holder_with_units(
    *, registry: tuple[str, Sequence], weights: Mapping[int, Decimal], units: Iterable[int], offset: int
) -> int:
    """The ordinal of the holder at `offset` among one association's holders with any of these weight units."""
    holders, params = _holders(registry, weights, ordinals=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ordinal FROM ({holders}) h WHERE units = ANY(%s::numeric[]) ORDER BY ordinal OFFSET %s LIMIT 1",
            [*params, [Decimal(value) for value in units], offset],
        )
        return cursor.fetchone()[0]


def insert_share_lines(chunk: RunChunk, pool, *, registry: tuple[str, Sequence], weights: Mapping[int, Decimal]) -> int:
    """The block's share lines and its holders' payouts, computed and written by PostgreSQL in one statement.

    The holders are read from the ledger (registry: the chunk's association up to the run's mark), the
    same integers as chunks.share_row: weight units reduced by the pool's divisor, floor and remainder
    of amount * units / total in exact numeric arithmetic. The left-over fen go where prepare planned
    them (a pool over several chunks) or, for a pool in this one chunk, to its lines that rank first
    here: remainder descending, then the code order. Each holder's payout is written with its share line,
    with the rent, land dividend and wages prepare wrote for it and, as insert_payouts gives it, the
    lowest association of its lines, so the finish has only the households without shares left to pay.
    Returns the share lines written.
    """
    holders, holder_params = _holders(registry, weights, ordinals=True)
    share = "%s::numeric * div(h.units, %s::numeric)"
    share_params = [pool.amount_fen, pool.weight_divisor]
    if pool.leftover_remainder is not None:
        reached = "CASE WHEN s.remainder > %s OR (s.remainder = %s AND s.ordinal <= %s) THEN 1 ELSE 0 END"
        reached_params = [pool.leftover_remainder, pool.leftover_remainder, pool.leftover_ordinal]
    elif chunk.ordinal_from == 0 and chunk.ordinal_to >= pool.lines_count:
        reached = "CASE WHEN ROW_NUMBER() OVER (ORDER BY s.remainder DESC, s.ordinal) <= %s THEN 1 ELSE 0 END"
        reached_params = [pool.leftover_fen]
    else:
        # No plan: the lines keep their floors and the finish hands the left-over fen out.
        reached, reached_params = "0", []

    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH lines AS MATERIALIZED (
                SELECT s.ordinal, s.h_id, s.code, s.weight, s.floor, s.remainder, s.floor + {reached} AS amount
                FROM (
                    SELECT h.ordinal, h.h_id, h.code, h.units * 0.00000001 AS weight,
                        div({share}, %s::numeric) AS floor, mod({share}, %s::numeric) AS remainder
                    FROM ({holders}) h
                    WHERE h.ordinal >= %s AND h.ordinal < %s
                ) s
            ), written AS (
                INSERT INTO {_table(PayoutPart)} ({", ".join(PART_COLUMNS)})
                SELECT %s, h_id, %s, %s, %s, ordinal, weight, floor, remainder, amount FROM lines ORDER BY ordinal
                RETURNING 1
            ), paid AS (
                INSERT INTO {_table(Payout)} (run_id, household_id, household_code, association_id, rent_fen,
                    land_dividend_fen, share_dividend_fen, wage_fen, total_fen, weighted_holdings, status,
                    company_bank_reference, association_bank_reference)
                SELECT %s, l.h_id, l.code, LEAST(%s, o.association_id), COALESCE(o.rent, 0), COALESCE(o.land, 0),
                    l.amount,
                    COALESCE(o.wages, 0), COALESCE(o.rent, 0) + COALESCE(o.land, 0) + l.amount + COALESCE(o.wages, 0),
                    l.weight, %s, '', ''
                FROM lines l
                -- The household's other parts looked up by its key: a few per holder, never the run's million.
                LEFT JOIN LATERAL (
                    SELECT {_part_sum(engine.RENT)} AS rent, {_part_sum(engine.LAND_DIVIDEND)} AS land,
                        {_part_sum(engine.WAGES)} AS wages, MAX(ABS(amount_fen)) AS largest,
                        MIN(association_id) AS association_id
                    FROM {_table(PayoutPart)}
                    WHERE run_id = %s AND household_id = l.h_id AND part <> %s
                ) o ON true
                WHERE l.h_id IS NOT NULL AND (l.amount <> 0 OR COALESCE(o.largest, 0) > 0)
                RETURNING 1
            )
            SELECT (SELECT COUNT(*) FROM written), (SELECT COUNT(*) FROM paid)
            """,
            [
                *reached_params,
                *share_params,
                pool.total_units,
                *share_params,
                pool.total_units,
                *holder_params,
                chunk.ordinal_from,
                chunk.ordinal_to,
                chunk.run_id,
                chunk.association_id,
                engine.SHARE_DIVIDEND,
                pool.pk,
                chunk.run_id,
                chunk.association_id,
                Payout.Status.PENDING,
                chunk.run_id,
                engine.SHARE_DIVIDEND,
            ],
        )
        return cursor.fetchone()[0]


def count_chunk_done(run_id: int) -> tuple[int, int]:
    """Count one more chunk done on the run row; return (chunks done, chunks in all)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table(DistributionRun)} SET chunks_done = chunks_done + 1, progressed_at = %s "
            "WHERE id = %s RETURNING chunks_done, chunks_total",
            [connection.ops.adapt_datetimefield_value(timezone.now()), run_id],
        )
        return cursor.fetchone()


def ranking_aggregates() -> dict:
    """The ranking check of the left-over fen, as aggregates over a pool's lines (PostgreSQL; {} elsewhere).

    A line's rank key is remainder * 2^32 + (2^32 - 1 - ordinal); in a pool handed out right, the lowest
    key of the lines that got a fen is above the highest key of those that did not.
    """
    if not postgresql():
        return {}
    key = ExpressionWrapper(
        Cast("remainder", RANK_KEY) * Value(2**32) + (Value(2**32 - 1) - F("ordinal")), output_field=RANK_KEY
    )
    return {
        "lowest_reached": Min(key, filter=Q(amount_fen__gt=F("floor_fen"))),
        "highest_not_reached": Max(key, filter=Q(amount_fen=F("floor_fen"))),
    }


def hand_out_by_rank(*, run_id: int, pool_id: int, leftover: int) -> None:
    """One fen each to the pool's `leftover` lines that rank first: remainder descending, then the code order."""
    parts = _table(PayoutPart)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {parts} SET amount_fen = floor_fen + 1
            WHERE id IN (
                SELECT id FROM {parts}
                WHERE run_id = %s AND part = %s AND pool_id = %s
                ORDER BY remainder DESC, ordinal ASC
                LIMIT %s
            )
            """,
            [run_id, engine.SHARE_DIVIDEND, pool_id, leftover],
        )


def insert_payouts(run_id: int, *, rebuild: bool) -> None:
    """One payout per household with anything in any part, summed from the parts in one INSERT … SELECT.

    Each carries the weighted holdings its share dividend was paid on (the weight of its share line).
    rebuild: all the run's payouts anew; otherwise only those of the households with parts and no
    payout yet, on PostgreSQL, where each chunk paid its holders (insert_share_lines): the households
    with rent, land dividend or wages and no shares. The embedded mode's chunks pay no one: it rebuilds.
    """

    payouts, parts = _table(Payout), _table(PayoutPart)
    unpaid, unpaid_params = "", []
    if rebuild or not postgresql():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {payouts} WHERE run_id = %s", [run_id])
    else:
        unpaid = f"""AND household_id IN (
            SELECT household_id FROM {parts} WHERE run_id = %s AND part <> %s AND household_id IS NOT NULL
            EXCEPT SELECT household_id FROM {payouts} WHERE run_id = %s
        )"""
        unpaid_params = [run_id, engine.SHARE_DIVIDEND, run_id]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {payouts} (run_id, household_id, household_code, association_id, rent_fen, land_dividend_fen,
                share_dividend_fen, wage_fen, total_fen, weighted_holdings, status, company_bank_reference,
                association_bank_reference)
            SELECT p.run_id, p.household_id, h.code, p.association_id, p.rent, p.land, p.share, p.wages, p.total,
                p.weighted, %s, '', ''
            FROM (
                SELECT run_id, household_id, MIN(association_id) AS association_id, {_part_sum(engine.RENT)} AS rent,
                    {_part_sum(engine.LAND_DIVIDEND)} AS land, {_part_sum(engine.SHARE_DIVIDEND)} AS share,
                    {_part_sum(engine.WAGES)} AS wages, SUM(amount_fen) AS total,
                    MAX(CASE WHEN part = '{engine.SHARE_DIVIDEND}' THEN weight END) AS weighted
                FROM {parts}
                WHERE run_id = %s AND household_id IS NOT NULL {unpaid}
                GROUP BY run_id, household_id
                HAVING MAX(ABS(amount_fen)) > 0
            ) p
            JOIN {_table(Household)} h ON h.id = p.household_id
            """,
            [Payout.Status.PENDING, run_id, *unpaid_params],
        )


def first_missing_reference(*, run_id: int, column: str, model, distinct: bool = False) -> int | None:
    """The first id in the run's payouts' `column` that names no row of `model` (one anti-join), or None."""
    named = f"SELECT {'DISTINCT ' if distinct else ''}{column} AS ref FROM {_table(Payout)} WHERE run_id = %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.ref FROM ({named}) p WHERE NOT EXISTS (SELECT 1 FROM {_table(model)} r WHERE r.id = p.ref) "
            "LIMIT 1",
            [run_id],
        )
        missing = cursor.fetchone()
    return missing[0] if missing else None
