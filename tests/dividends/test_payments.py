"""The bank batch of each paying organisation, and marking lines paid."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from collective.models import Member
from dividends import services
from dividends.models import DistributionRun, Payout


@pytest.fixture
def approved(appendix, compute, accountant, township_official):
    run = compute(appendix.policy)
    services.publish_notice(user=accountant, run=run, starts_on=date(2025, 1, 2), published_on=date(2025, 1, 2))
    return services.approve_run(
        user=township_official, run=run, resolution_date=date(2025, 1, 12), resolution_reference="决议1号"
    )


def test_the_company_batch_in_csv_has_each_household_with_its_company_part(appendix, approved, accountant):
    appendix.household("A01-002").bank_account = "6222 0210 0100 1234 567"
    appendix.household("A01-002").save()
    Member.objects.filter(pk=appendix.heads["A01-001"].pk).update(name='=HYPERLINK("http://x")')
    content = services.export_payment_batch(user=accountant, run=approved, payer=appendix.company, file_format="csv")
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == [
        "No.",
        "Household",
        "Head of household",
        "Account (masked)",
        "Account for the bank",
        "Amount to pay (yuan)",
        "Memo",
    ]
    body = {row[1]: row for row in rows[1:]}
    # Company part = rent + land dividend + wages; A01-003 has none and is not in the company's batch.
    assert set(body) == {"A01-001", "A01-002", "A02-001", "A02-002"}
    assert body["A01-001"][5] == "19232.53"  # 750000 + 1173253 fen
    assert body["A01-002"][5] == "7628.03"  # 241311 + 377492 + 144000
    assert body["A02-001"][5] == "13395.38"
    assert body["A02-002"][5] == "900.00"
    assert body["A01-002"][3] == "6222***********4567"
    assert body["A01-002"][4] == "6222021001001234567"
    assert body["A01-002"][2] == "户主A01-002"
    # A name that looks like a formula is written as text.
    assert body["A01-001"][2] == '\'=HYPERLINK("http://x")'
    assert body["A01-001"][6] == f"2024 distribution #{approved.pk} A01-001"


def test_an_association_batch_in_xlsx_has_its_households_share_dividends(appendix, approved, village_official_a):
    content = services.export_payment_batch(
        user=village_official_a, run=approved, payer=appendix.associations["A01"], file_format="xlsx"
    )
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert [row[1] for row in rows[1:]] == ["A01-001", "A01-002", "A01-003"]
    assert [Decimal(str(row[5])) for row in rows[1:]] == [Decimal("18531.49"), Decimal("11118.89"), Decimal("18531.48")]
    with pytest.raises(PermissionDenied):
        services.export_payment_batch(
            user=village_official_a, run=approved, payer=appendix.associations["A02"], file_format="xlsx"
        )


def test_only_an_approved_run_is_exported(appendix, compute, accountant):
    run = compute(appendix.policy)
    with pytest.raises(ValidationError, match="approved"):
        services.export_payment_batch(user=accountant, run=run, payer=appendix.company, file_format="csv")


def test_marking_paid_per_line_and_all_at_once(appendix, approved, accountant):
    company = appendix.company
    one = approved.payouts.get(household__code="A02-002")
    assert (
        services.mark_paid(
            user=accountant,
            run=approved,
            payer=company,
            paid_on=date(2025, 2, 1),
            bank_reference="ONE-1",
            payouts=[one.pk],
        )
        == 1
    )
    one.refresh_from_db()
    assert (one.company_paid_on, one.company_bank_reference) == (date(2025, 2, 1), "ONE-1")
    assert one.status == Payout.Status.PENDING  # its share dividend is the association's to pay
    assert (
        services.mark_paid(
            user=accountant, run=approved, payer=company, paid_on=date(2025, 2, 3), bank_reference="ALL-2"
        )
        == 3
    )
    with pytest.raises(ValidationError, match="future"):
        services.mark_paid(user=accountant, run=approved, payer=company, paid_on=date(2999, 1, 1), bank_reference="X")
    for code in ("A01", "A02"):
        services.mark_paid(
            user=accountant,
            run=approved,
            payer=appendix.associations[code],
            paid_on=date(2025, 2, 4),
            bank_reference=f"{code}-3",
        )
    approved.refresh_from_db()
    assert approved.status == DistributionRun.Status.PAID
    assert set(approved.payouts.values_list("status", flat=True)) == {Payout.Status.PAID}
    a01_003 = approved.payouts.get(household__code="A01-003")
    assert a01_003.paid_on == date(2025, 2, 4) and a01_003.company_paid_on is None
    assert approved.payouts.get(household__code="A02-002").paid_on == date(2025, 2, 4)
    assert services.close_run(user=accountant, run=approved).status == DistributionRun.Status.CLOSED


def test_payment_pages(client, appendix, approved, accountant, village_official_a, farmer_a):
    client.force_login(accountant)
    page = client.get(reverse("dividends:payment", args=[approved.pk]))
    assert page.status_code == 200
    assert [row["payer"].code for row in page.context["rows"]] == ["XL", "A01", "A02"]
    response = client.get(reverse("dividends:payment-export", args=[approved.pk, appendix.company.pk, "csv"]))
    assert response["Content-Type"].startswith("text/csv")
    assert "A02-002" in response.content.decode("utf-8-sig")
    response = client.post(
        reverse("dividends:payment-mark", args=[approved.pk, appendix.company.pk]),
        {"household": "A01-001", "paid_on": "2025-02-01", "bank_reference": "X-9"},
    )
    assert response.status_code == 302
    assert approved.payouts.get(household__code="A01-001").company_bank_reference == "X-9"
    assert approved.payouts.exclude(household__code="A01-001").filter(company_paid_on__isnull=False).count() == 0
    client.force_login(village_official_a)
    page = client.get(reverse("dividends:payment", args=[approved.pk]))
    assert [row["payer"].code for row in page.context["rows"]] == ["A01"]
    assert (
        client.get(
            reverse("dividends:payment-export", args=[approved.pk, appendix.associations["A02"].pk, "csv"])
        ).status_code
        == 404
    )
    client.force_login(farmer_a)
    assert client.get(reverse("dividends:payment", args=[approved.pk])).status_code in (403, 404)


def _company_batch(run, accountant, company) -> dict[str, str]:
    content = services.export_payment_batch(user=accountant, run=run, payer=company, file_format="csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return {row[1]: row[5] for row in rows[1:]}


def test_rent_the_land_schedule_shows_paid_is_not_paid_again_by_the_batch(appendix, approved, accountant):
    from land import services as land_services
    from land.models import LandTransferContract

    contract = LandTransferContract.objects.get(number="HT-2021-001")
    # The company paid 2024's rent of HT-2021-001 (750000 fen) directly, in two parts.
    land_services.record_rent_payment(contract=contract, paid_on=date(2024, 6, 30), amount_fen=500000, first_year=2024)
    land_services.record_rent_payment(contract=contract, paid_on=date(2024, 12, 20), amount_fen=250000, first_year=2024)

    batch = _company_batch(approved, accountant, appendix.company)
    assert batch["A01-001"] == "11732.53"  # only the land dividend: 1173253 fen; the rent is settled
    assert batch["A01-002"] == "7628.03"  # unchanged: 241311 + 377492 + 144000


def test_confirming_the_company_batch_records_the_rent_in_the_land_schedule(appendix, approved, accountant):
    from land import services as land_services
    from land.models import LandTransferContract

    services.mark_paid(
        user=accountant, run=approved, payer=appendix.company, paid_on=date(2025, 2, 1), bank_reference="BANK-7"
    )
    for number, rent_fen in [("HT-2021-001", 750000), ("HT-2024-002", 241311), ("HT-2022-003", 1339538)]:
        year_2024 = next(
            row
            for row in land_services.rent_schedule(contract=LandTransferContract.objects.get(number=number))
            if row.year == 2024
        )
        assert (year_2024.amount_fen, year_2024.paid_fen) == (rent_fen, rent_fen)


def test_a_batch_exported_after_some_lines_are_marked_paid_leaves_those_lines_out(
    appendix, approved, accountant, village_official_a
):
    company = appendix.company
    one = approved.payouts.get(household__code="A02-002")
    services.mark_paid(
        user=accountant, run=approved, payer=company, paid_on=date(2025, 2, 1), bank_reference="ONE-1", payouts=[one.pk]
    )
    content = services.export_payment_batch(user=accountant, run=approved, payer=company, file_format="csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["A01-001", "A01-002", "A02-001"]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3"]
    # The association's batch is its own: A02-002's share dividend is still A02's to pay.
    services.mark_paid(
        user=village_official_a,
        run=approved,
        payer=appendix.associations["A01"],
        paid_on=date(2025, 2, 2),
        bank_reference="A01-ALL",
    )
    content = services.export_payment_batch(
        user=village_official_a, run=approved, payer=appendix.associations["A01"], file_format="xlsx"
    )
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.max_row == 1  # the headers alone: every A01 line is paid
    services.mark_paid(user=accountant, run=approved, payer=company, paid_on=date(2025, 2, 3), bank_reference="ALL")
    content = services.export_payment_batch(user=accountant, run=approved, payer=company, file_format="csv")
    assert len(list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))) == 1


def test_each_export_leaves_an_audit_row_and_only_the_payers_role_gets_full_accounts(
    client, appendix, approved, accountant, village_official_a, township_official, superuser_official
):
    from dividends.models import PaymentExport

    for code in ("A01-001", "A01-002"):
        appendix.household(code).bank_account = f"6222 0210 0100 1234 {code[-3:]}"
        appendix.household(code).save()
    a01 = appendix.associations["A01"]

    client.force_login(accountant)
    response = client.get(reverse("dividends:payment-export", args=[approved.pk, appendix.company.pk, "csv"]))
    assert response["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row[1]: row[4] for row in rows[1:]}["A01-002"] == "6222021001001234002"  # the company's own accountant
    export = PaymentExport.objects.get()
    assert (export.user, export.run, export.payer, export.file_format, export.accounts, export.full_accounts) == (
        accountant, approved, appendix.company, "csv", 4, True,
    )  # fmt: skip

    # The accountant may take an association's batch, but it is the association's to pay: masked.
    content = services.export_payment_batch(user=accountant, run=approved, payer=a01, file_format="csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert {row[1]: row[4] for row in rows[1:]}["A01-002"] == "6222***********4002"
    # Its village official gets them in full.
    content = services.export_payment_batch(user=village_official_a, run=approved, payer=a01, file_format="xlsx")
    rows = list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))
    assert {row[1]: row[4] for row in rows[1:]}["A01-002"] == "6222021001001234002"
    # A superuser exporting the company's batch is not the company's accountant: masked.
    content = services.export_payment_batch(
        user=superuser_official, run=approved, payer=appendix.company, file_format="csv"
    )
    assert "6222021001001234002" not in content.decode("utf-8-sig")
    assert list(
        PaymentExport.objects.order_by("pk").values_list("user__username", "payer__code", "accounts", "full_accounts")
    ) == [
        ("accountant", "XL", 4, True),
        ("accountant", "A01", 3, False),
        ("village_a", "A01", 3, True),
        ("root", "XL", 4, False),
    ]

    # An official sees the log; the township sees it too, without exporting anything.
    client.force_login(township_official)
    page = client.get(reverse("dividends:payment-exports", args=[approved.pk]))
    assert page.status_code == 200
    assert [(e.user.username, e.accounts) for e in page.context["exports"]] == [
        ("root", 4), ("village_a", 3), ("accountant", 3), ("accountant", 4),
    ]  # fmt: skip
    assert "掩码" in page.content.decode() or "masked" in page.content.decode()


def test_a_refused_export_writes_no_audit_row(appendix, approved, village_official_a):
    from dividends.models import PaymentExport

    with pytest.raises(PermissionDenied):
        services.export_payment_batch(
            user=village_official_a, run=approved, payer=appendix.associations["A02"], file_format="csv"
        )
    assert not PaymentExport.objects.exists()


@pytest.fixture
def superuser_official(township):
    from collective.models import User

    return User.objects.create_superuser(
        "root", "", "a-long-test-password", role=User.Role.TOWNSHIP, organisation=township
    )
