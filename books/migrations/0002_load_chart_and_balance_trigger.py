"""Every existing organisation gets the chart; on PostgreSQL the database refuses an unbalanced voucher.

The balance is checked by a constraint trigger deferred to the commit, so a voucher's lines can be written
one by one within a transaction; at commit, debits must equal credits for every voucher touched. Posted
vouchers and their lines are refused any change: a correction is a reversal (红字冲销).
"""

from django.db import migrations

from books import chart

BALANCE_SQL = """
CREATE FUNCTION books_voucher_balances() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target bigint;
    difference bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN target := OLD.voucher_id; ELSE target := NEW.voucher_id; END IF;
    SELECT COALESCE(SUM(debit_fen), 0) - COALESCE(SUM(credit_fen), 0) INTO difference
      FROM books_voucherline WHERE voucher_id = target;
    IF difference <> 0 THEN
        RAISE EXCEPTION 'voucher % does not balance: debits and credits differ by % fen', target, difference
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER books_voucher_balances
    AFTER INSERT OR UPDATE OR DELETE ON books_voucherline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION books_voucher_balances();

CREATE FUNCTION books_posted_voucher_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    state varchar;
BEGIN
    IF TG_TABLE_NAME = 'books_voucher' THEN
        IF OLD.status = 'posted' THEN
            RAISE EXCEPTION 'voucher % is posted: reverse it, never change it', OLD.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    SELECT status INTO state FROM books_voucher
     WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.voucher_id ELSE NEW.voucher_id END;
    IF state = 'posted' THEN
        RAISE EXCEPTION 'the lines of a posted voucher are final: reverse it, never change it'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER books_posted_voucher_is_final
    BEFORE UPDATE OR DELETE ON books_voucher
    FOR EACH ROW EXECUTE FUNCTION books_posted_voucher_is_final();

CREATE TRIGGER books_posted_voucher_lines_are_final
    BEFORE INSERT OR UPDATE OR DELETE ON books_voucherline
    FOR EACH ROW EXECUTE FUNCTION books_posted_voucher_is_final();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS books_posted_voucher_lines_are_final ON books_voucherline;
DROP TRIGGER IF EXISTS books_posted_voucher_is_final ON books_voucher;
DROP FUNCTION IF EXISTS books_posted_voucher_is_final();
DROP TRIGGER IF EXISTS books_voucher_balances ON books_voucherline;
DROP FUNCTION IF EXISTS books_voucher_balances();
"""


def load_charts(apps, schema_editor):
    Organisation = apps.get_model("collective", "Organisation")
    Account = apps.get_model("books", "Account")
    for organisation in Organisation.objects.all():
        if Account.objects.filter(organisation=organisation).exists():
            continue
        by_code = {}
        for code, name, kind, side in chart.ACCOUNTS:
            by_code[code] = Account.objects.create(organisation=organisation, code=code, name=name, kind=kind, side=side)
        for code, parent_code, name, category in chart.SUB_ACCOUNTS:
            parent = by_code[parent_code]
            by_code[code] = Account.objects.create(
                organisation=organisation,
                code=code,
                name=name,
                kind=parent.kind,
                side=parent.side,
                parent=parent,
                category=category,
            )
        parents = {parent_code for _code, parent_code, _name, _category in chart.SUB_ACCOUNTS}
        Account.objects.filter(organisation=organisation, code__in=parents).update(is_leaf=False)


def triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BALANCE_SQL, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("books", "0001_chart_vouchers_periods"),
        ("collective", "0006_household_id_code_index"),
    ]

    operations = [
        migrations.RunPython(triggers, drop_triggers),
        migrations.RunPython(load_charts, migrations.RunPython.noop),
    ]
