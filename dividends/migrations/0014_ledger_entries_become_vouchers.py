"""Every ledger entry becomes a posted voucher in its organisation's books (books/services.py does the same
for each new entry): 银行存款 against the account of its category, source `ledger:<entry id>#1`.

The figures do not move: the 2024 demo's land operation ¥90,000 and rental ¥200,000 read the same from
the vouchers as from the entries.
"""

from django.db import migrations
from django.db.models import Max
from django.utils import timezone


def book_entries(apps, schema_editor):
    LedgerEntry = apps.get_model("dividends", "LedgerEntry")
    Voucher = apps.get_model("books", "Voucher")
    VoucherLine = apps.get_model("books", "VoucherLine")
    Account = apps.get_model("books", "Account")
    booked = set(Voucher.objects.filter(source__startswith="ledger:").values_list("source", flat=True))
    last = {
        (row["organisation_id"], row["year"], row["month"]): row["last"]
        for row in Voucher.objects.values("organisation_id", "year", "month").annotate(last=Max("number")).order_by()
    }
    accounts = {}

    def account_for(organisation_id, key_list):
        for key in key_list:
            if (organisation_id, key) not in accounts:
                accounts[(organisation_id, key)] = (
                    Account.objects.filter(organisation_id=organisation_id, category=key, is_leaf=True)
                    .order_by("-code")
                    .first()
                )
            if accounts[(organisation_id, key)] is not None:
                return accounts[(organisation_id, key)]
        raise RuntimeError(f"organisation {organisation_id} has no account for {key_list}")

    for entry in LedgerEntry.objects.order_by("organisation_id", "entry_date", "pk").iterator():
        source = f"ledger:{entry.pk}#1"
        if source in booked:
            continue
        keys = [f"{entry.direction}:{entry.category}:{entry.rental_source}"] if entry.rental_source else []
        keys += [f"{entry.direction}:{entry.category}:other", f"{entry.direction}:{entry.category}"]
        other = account_for(entry.organisation_id, keys)
        bank = Account.objects.get(organisation_id=entry.organisation_id, code="1002")
        month = (entry.organisation_id, entry.entry_date.year, entry.entry_date.month)
        last[month] = (last.get(month) or 0) + 1
        voucher = Voucher.objects.create(
            organisation_id=entry.organisation_id,
            voucher_date=entry.entry_date,
            year=entry.entry_date.year,
            month=entry.entry_date.month,
            number=last[month],
            summary=(" ".join(t for t in (entry.category, entry.counterparty, entry.source_reference, entry.note) if t))[
                :200
            ],
            source=source,
            prepared_by_id=entry.recorded_by_id,
            is_synthetic=entry.is_synthetic,
        )
        amount = entry.amount_fen
        if entry.direction == "revenue":
            pairs = [(bank, amount, 0), (other, 0, amount)]
        else:
            pairs = [(other, amount, 0), (bank, 0, amount)]
        VoucherLine.objects.bulk_create(
            VoucherLine(voucher=voucher, position=n, account=a, summary=voucher.summary, debit_fen=d, credit_fen=c)
            for n, (a, d, c) in enumerate(pairs, start=1)
        )
        Voucher.objects.filter(pk=voucher.pk).update(
            status="posted", posted_at=timezone.now(), posted_by_id=entry.recorded_by_id
        )


class Migration(migrations.Migration):
    dependencies = [
        ("dividends", "0013_payment_exports"),
        ("books", "0002_load_chart_and_balance_trigger"),
    ]

    operations = [migrations.RunPython(book_entries, migrations.RunPython.noop)]
