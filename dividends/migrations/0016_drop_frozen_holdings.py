"""The frozen copy of the holdings goes: a run's holdings are read from the share ledger up to its mark (0015).

On PostgreSQL the approved run's guard (0012) also holds the reference itself: an approved run's record
date and ledger mark cannot change, as its frozen inputs cannot.
"""

import importlib

from django.db import migrations

GUARD = importlib.import_module("dividends.migrations.0012_approved_run_rows_immutable")
REFERENCE_FIELDS = ", 'record_date', 'ledger_mark'"


def _run_guard(run_fields: str) -> str:
    """0012's guard of the run row, over these fields, as CREATE OR REPLACE."""
    start = GUARD.FORWARD.index("CREATE FUNCTION dividends_approved_run_guard()")
    end = GUARD.FORWARD.index("$$ LANGUAGE plpgsql;", start) + len("$$ LANGUAGE plpgsql;")
    function = GUARD.FORWARD[start:end].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
    return function.replace(GUARD.RUN_FIELDS, run_fields)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_run_guard(GUARD.RUN_FIELDS + REFERENCE_FIELDS), params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_run_guard(GUARD.RUN_FIELDS), params=None)


class Migration(migrations.Migration):
    dependencies = [("dividends", "0015_run_holdings_in_the_ledger")]

    operations = [
        migrations.RemoveIndex(model_name="runholding", name="run_holding_block"),
        migrations.DeleteModel(name="RunHolding"),
        migrations.RunPython(forward, backward),
    ]
