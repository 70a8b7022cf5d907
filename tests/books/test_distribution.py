"""The distribution and the books: the run reads its year from posted vouchers and posts its own."""

from datetime import date

import pytest
from django.core.management import call_command

from books import reports
from books.models import Account, Voucher
from dividends import services
from dividends.models import DistributionRun, LedgerEntry

pytestmark = pytest.mark.django_db


def balances(organisation, code, start=date(2024, 1, 1), end=date(2025, 12, 31)):
    report = reports.trial_balance(organisation=organisation, start=start, end=end)
    return next(row for row in report.rows if row.account.code == code)


def test_every_ledger_entry_is_a_posted_voucher_and_the_run_reads_the_books(appendix, compute, company):
    entries = LedgerEntry.objects.filter(organisation=company, entry_date__year=2024)
    vouchers = Voucher.objects.filter(organisation=company, source__startswith="ledger:", status="posted")
    assert vouchers.count() == entries.count() == 6
    revenue, expense = reports.year_figures(organisation=company, year=2024)
    assert revenue == {"land_operation": 9_000_000, "rental": 20_000_000}
    assert expense == {"land_operation": 1_500_000, "rental": 2_000_000, "administration": 3_000_000}
    run = compute(appendix.policy)
    assert run.figures["revenue_fen"] == sum(revenue.values()) == 29_000_000
    assert run.figures["expense_fen"] == sum(expense.values()) == 6_500_000
    assert run.figures["land_revenue_fen"] == revenue["land_operation"]
    statement = reports.income_statement(organisation=company, start=date(2024, 1, 1), end=date(2024, 12, 31))
    assert statement.net_fen == run.figures["revenue_fen"] - run.figures["expense_fen"]


def test_a_changed_entry_is_reversed_in_red_and_posted_again(appendix, company, accountant):
    entry = LedgerEntry.objects.get(organisation=company, category="administration")
    services.update_entry(user=accountant, entry=entry, amount_fen=3_100_000)
    vouchers = Voucher.objects.filter(source__startswith=f"ledger:{entry.pk}#").order_by("pk")
    assert [[(x.debit_fen, x.credit_fen) for x in v.lines.all()] for v in vouchers] == [
        [(3_000_000, 0), (0, 3_000_000)],
        [(-3_000_000, 0), (0, -3_000_000)],
        [(3_100_000, 0), (0, 3_100_000)],
    ]
    assert vouchers[1].reverses == vouchers[0]
    assert reports.year_figures(organisation=company, year=2024)[1]["administration"] == 3_100_000
    services.delete_entry(user=accountant, entry=entry)
    assert "administration" not in reports.year_figures(organisation=company, year=2024)[1]


def test_entries_written_around_the_services_are_booked_before_a_run_reads_them(appendix, compute, company):
    LedgerEntry.objects.create(
        organisation=company,
        direction="revenue",
        category="other",
        entry_date=date(2024, 9, 1),
        amount_fen=1_000_003,
    )
    run = compute(appendix.policy)
    assert run.figures["revenue_fen"] == 30_000_003
    assert reports.year_figures(organisation=company, year=2024)[0]["other"] == 1_000_003


def test_the_approved_run_posts_its_vouchers_and_the_payment_its_bank_side(
    appendix, compute, accountant, township_official, company, association_a
):
    run = compute(appendix.policy)
    services.publish_notice(user=accountant, run=run, starts_on=date(2025, 1, 2), published_on=date(2025, 1, 2))
    services.approve_run(user=township_official, run=run, resolution_date=date(2025, 1, 12), resolution_reference="1号")
    voucher = Voucher.objects.get(source=f"run:{run.pk}")
    assert voucher.is_posted and voucher.voucher_date == date(2025, 1, 12)
    assert balances(company, "21101").closing_fen == 2_330_849  # rent payable
    assert balances(company, "213").closing_fen == 234_000  # wages payable (应付劳务费)
    assert balances(company, "21102").closing_fen == 1_550_745  # land dividend payable
    assert balances(company, "311").closing_fen == 3_676_881  # 公积公益金
    assert balances(company, "21103").closing_fen == 1_838_440  # welfare payable
    assert balances(company, "21104").closing_fen == 10_295_268  # dividends to the associations
    assert balances(association_a, "502").closing_fen == 6_177_161  # 投资收益
    assert balances(association_a, "21105").closing_fen == 5_559_445  # owed to households and itself
    for organisation in (company, association_a):
        report = reports.trial_balance(organisation=organisation, start=date(2024, 1, 1), end=date(2025, 12, 31))
        assert report.balances
        sheet = reports.balance_sheet(organisation=organisation, as_of=date(2025, 12, 31))
        assert sheet.balances
    # Approving is done once: the vouchers are not posted again.
    assert Voucher.objects.filter(source__startswith=f"run:{run.pk}").count() == 3
    services.mark_paid(user=accountant, run=run, payer=company, paid_on=date(2025, 2, 3), bank_reference="B-1")
    assert balances(company, "21101").closing_fen == 0
    assert balances(company, "213").closing_fen == 0
    assert balances(company, "21102").closing_fen == 0
    assert balances(company, "102").closing_fen == 29_000_000 - 6_500_000 - 2_330_849 - 234_000 - 1_550_745


def test_the_demo_books_of_2024_balance_for_every_organisation(db):
    call_command("load_gantian_demo", verbosity=0)
    run = DistributionRun.objects.get(company__code="XINGLV", year=2024)
    organisations = {a.organisation for a in Account.objects.filter(code="101").select_related("organisation")}
    assert len(organisations) >= 11  # the company, nine associations, the pear association (and the township)
    for organisation in organisations:
        report = reports.trial_balance(organisation=organisation, start=date(2024, 1, 1), end=date(2024, 12, 31))
        assert report.balances, organisation
        assert reports.balance_sheet(organisation=organisation, as_of=date(2024, 12, 31)).balances, organisation
    company = run.company
    revenue, _expense = reports.year_figures(organisation=company, year=2024)
    assert revenue["land_operation"] == 9_000_000 and revenue["rental"] == 20_000_000
    assert run.figures["revenue_fen"] == sum(v for k, v in revenue.items() if k != "borrowing")
    assert Voucher.objects.filter(source=f"run:{run.pk}", status="posted").exists()
