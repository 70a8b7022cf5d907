"""The accounts take the three-digit codes of the system's list (docs/accounting.md, "The system").

Until now the chart carried four-digit codes of our own reading (1001 库存现金 ... 5801 所得税费用). Every
organisation's accounts are renamed: a first-level account to its code in the list (1002 → 102), a
sub-account to its parent's new code and its own digits (500101 → 50101, 50010201 → 5010201, a household's
111102 → 11202). Names, kinds, sides, categories, parents and every voucher line stay as they are: the lines
point at the account rows, not at their codes, so no figure moves.

The table is frozen here (a migration does not read books/chart.py, which moves on). It runs after the
dividends migration that booked the ledger entries, which looked the bank account up by its old code 1002.
"""

from django.db import migrations

FORMER_TO_CURRENT = {
    "1001": "101", "1002": "102", "1101": "111", "1111": "112", "1121": "113", "1131": "121",
    "1141": "131", "1142": "132", "1143": "133", "1144": "134", "1201": "141", "1301": "151",
    "1302": "152", "1303": "153", "1304": "154", "1401": "161", "1402": "162", "1501": "171",
    "1601": "181", "2001": "201", "2101": "211", "2111": "212", "2121": "213", "2131": "214",
    "2201": "221", "2301": "231", "2401": "241", "3001": "301", "3101": "311", "3201": "321",
    "3301": "322", "4001": "401", "5001": "501", "5401": "502", "5501": "503", "5601": "504",
    "5101": "511", "5201": "512", "5301": "513", "5302": "514", "5701": "515", "5801": "521",
}  # fmt: skip
CURRENT_TO_FORMER = {new: old for old, new in FORMER_TO_CURRENT.items()}
PENDING = "~"  # codes are moved in two steps, so that no new code meets an old one on the way


def _rename(apps, table: dict[str, str], width: int) -> None:
    Account = apps.get_model("books", "Account")
    moved = []
    for account in Account.objects.only("pk", "code").iterator():
        code = account.code
        # The two schemes never share a length parity: four digits then pairs, three digits then pairs.
        if len(code) % 2 == width % 2 and code[:width] in table:
            account.code = PENDING + table[code[:width]] + code[width:]
            moved.append(account)
    Account.objects.bulk_update(moved, ["code"], batch_size=1000)
    for account in moved:
        account.code = account.code.removeprefix(PENDING)
    Account.objects.bulk_update(moved, ["code"], batch_size=1000)


def to_current(apps, schema_editor):
    _rename(apps, FORMER_TO_CURRENT, 4)


def to_former(apps, schema_editor):
    _rename(apps, CURRENT_TO_FORMER, 3)


class Migration(migrations.Migration):
    dependencies = [
        ("books", "0002_load_chart_and_balance_trigger"),
        ("dividends", "0014_ledger_entries_become_vouchers"),
    ]

    operations = [migrations.RunPython(to_current, to_former)]
