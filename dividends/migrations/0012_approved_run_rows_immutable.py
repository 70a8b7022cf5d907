"""On PostgreSQL, an approved (paid, closed) run's rows refuse any change but the payment fields.

The application never changes an approved run (a correction is a reversal plus a new run); these
triggers make the database hold that rule against any other writer, an ORM `update()` included:

- the run itself: its figures, frozen inputs, policy, year, company and kind stay as approved, its
  status never goes back before approval, and it cannot be deleted;
- its payouts: only the payment fields (status, company/association paid on and bank reference)
  may change; no payout may be deleted;
- its pools, pool lines (payout parts), frozen contract, labour and holding lines and chunks: no
  UPDATE, no DELETE.

SQLite has no such triggers: there the rule is the application's alone.
"""

from django.db import migrations

LOCKED = "('approved', 'paid', 'closed')"
PAYMENT_FIELDS = (
    "'status', 'company_paid_on', 'company_bank_reference', 'association_paid_on', 'association_bank_reference'"
)
RUN_FIELDS = "'company_id', 'year', 'policy_id', 'kind', 'inputs', 'figures', 'inputs_frozen_at', 'replaces_id', 'reverses_id'"
CHILD_TABLES = [
    "dividends_pool",
    "dividends_payoutpart",
    "dividends_runcontractline",
    "dividends_runlabourline",
    "dividends_runholding",
    "dividends_runchunk",
]

FORWARD = f"""
CREATE FUNCTION dividends_approved_run_guard() RETURNS trigger AS $$
BEGIN
    IF OLD.status IN {LOCKED} THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'distribution run % is approved and cannot be deleted', OLD.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF NEW.status NOT IN {LOCKED}
           OR (SELECT jsonb_object_agg(key, value) FROM jsonb_each(to_jsonb(NEW)) WHERE key IN ({RUN_FIELDS}))
              IS DISTINCT FROM
              (SELECT jsonb_object_agg(key, value) FROM jsonb_each(to_jsonb(OLD)) WHERE key IN ({RUN_FIELDS})) THEN
            RAISE EXCEPTION 'distribution run % is approved: its figures and inputs cannot be changed', OLD.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER dividends_approved_run_guard BEFORE UPDATE OR DELETE ON dividends_distributionrun
    FOR EACH ROW EXECUTE FUNCTION dividends_approved_run_guard();

CREATE FUNCTION dividends_approved_run_rows_guard() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM dividends_distributionrun WHERE id = OLD.run_id AND status IN {LOCKED}) THEN
        IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'dividends_payout'
           AND (to_jsonb(NEW) - ARRAY[{PAYMENT_FIELDS}]) = (to_jsonb(OLD) - ARRAY[{PAYMENT_FIELDS}]) THEN
            RETURN NEW;  -- payment: only the payment fields changed
        END IF;
        RAISE EXCEPTION '% of distribution run % cannot be changed: the run is approved', TG_TABLE_NAME, OLD.run_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_approved_run_guard BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION dividends_approved_run_rows_guard();
"""
    for table in ["dividends_payout", *CHILD_TABLES]
)

BACKWARD = (
    "".join(f"DROP TRIGGER IF EXISTS {table}_approved_run_guard ON {table};" for table in ["dividends_payout", *CHILD_TABLES])
    + "DROP TRIGGER IF EXISTS dividends_approved_run_guard ON dividends_distributionrun;"
    + "DROP FUNCTION IF EXISTS dividends_approved_run_rows_guard();"
    + "DROP FUNCTION IF EXISTS dividends_approved_run_guard();"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("dividends", "0011_notice_published_on")]

    operations = [migrations.RunPython(forward, backward)]
