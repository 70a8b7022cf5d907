# ruff: noqa: RUF001 - the expected messages are Chinese, with Chinese punctuation
"""The chart and the voucher rules: balanced, numbered, reviewed by a second person, posted for good."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from books import chart, services
from books.models import Account, Voucher, VoucherLine
from books.reports import trial_balance, year_figures
from books.services import Line
from collective.models import Organisation

pytestmark = pytest.mark.django_db


def acct(organisation, code):
    return Account.objects.get(organisation=organisation, code=code)


def sale(user, company, day=date(2024, 3, 5), amount=9_000_000, code="50101"):
    return services.enter_voucher(
        user=user,
        organisation=company,
        voucher_date=day,
        summary="土地经营收入",
        attachments=2,
        lines=[
            Line(account=acct(company, "102"), debit_fen=amount),
            Line(account=acct(company, code), credit_fen=amount),
        ],
    )


def test_every_organisation_gets_the_chart_when_it_is_created(company, association_a, pear_association):
    for organisation in (company, association_a, pear_association):
        codes = set(Account.objects.filter(organisation=organisation).values_list("code", flat=True))
        assert {code for code, *_rest in chart.ACCOUNTS} <= codes
        assert {"50101", "5010201", "5010202"} <= codes
    rental = acct(company, "5010201")
    assert rental.full_name == "经营收入—租赁—市场管理权"
    assert not acct(company, "501").is_leaf and not acct(company, "50102").is_leaf and rental.is_leaf
    assert services.load_chart(organisation=company) == 0


def test_a_household_gets_its_own_sub_ledger_once(association_a, household_a):
    first = services.household_account(organisation=association_a, parent_code="112", household=household_a)
    again = services.household_account(organisation=association_a, parent_code="112", household=household_a)
    assert first == again
    assert first.code.startswith("112") and first.full_name == "应收款—A01-001"


def test_a_household_of_another_association_is_refused(association_b, household_a):
    with pytest.raises(ValidationError, match="该农户属于其他合作社"):
        services.household_account(organisation=association_b, parent_code="112", household=household_a)


def test_vouchers_are_numbered_per_organisation_and_month(accountant, company, pear_association):
    first = sale(accountant, company)
    second = sale(accountant, company, day=date(2024, 3, 20))
    april = sale(accountant, company, day=date(2024, 4, 1))
    assert (first.number, second.number, april.number) == (1, 2, 1)
    assert second.label == "记-2024-03-002"


def test_an_unbalanced_voucher_is_refused_with_the_difference(accountant, company):
    with pytest.raises(ValidationError) as error:
        services.enter_voucher(
            user=accountant,
            organisation=company,
            voucher_date=date(2024, 3, 5),
            summary="x",
            lines=[
                Line(account=acct(company, "102"), debit_fen=100),
                Line(account=acct(company, "50101"), credit_fen=99),
            ],
        )
    assert error.value.messages == ["借方合计（100 分）与贷方合计（99 分）不等：凭证不平衡。"]
    assert not Voucher.objects.exists()


def test_a_parent_account_takes_no_entry(accountant, company):
    with pytest.raises(ValidationError, match="501"):
        services.enter_voucher(
            user=accountant,
            organisation=company,
            voucher_date=date(2024, 3, 5),
            summary="x",
            lines=[Line(account=acct(company, "102"), debit_fen=1), Line(account=acct(company, "501"), credit_fen=1)],
        )


def test_a_village_official_keeps_only_their_own_books(village_official_a, association_b):
    with pytest.raises(PermissionDenied):
        sale(village_official_a, association_b, code="50401")


def test_review_needs_a_second_person_and_posting_needs_review(accountant, second_accountant, company):
    voucher = sale(accountant, company)
    with pytest.raises(ValidationError, match="只有已审核的凭证才能记账"):
        services.post_voucher(user=accountant, voucher=voucher)
    with pytest.raises(ValidationError, match="须由第二人审核"):
        services.review_voucher(user=accountant, voucher=voucher)
    services.review_voucher(user=second_accountant, voucher=voucher)
    services.post_voucher(user=accountant, voucher=voucher)
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.POSTED and voucher.reviewed_by == second_accountant


def test_the_database_refuses_a_reviewer_who_entered_the_voucher(accountant, company):
    voucher = sale(accountant, company)
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.filter(pk=voucher.pk).update(reviewed_by=accountant)


def posted_sale(accountant, reviewer, company, **kwargs):
    voucher = sale(accountant, company, **kwargs)
    services.review_voucher(user=reviewer, voucher=voucher)
    return services.post_voucher(user=accountant, voucher=voucher)


def test_a_posted_voucher_is_reversed_in_red_never_changed(accountant, second_accountant, company):
    voucher = posted_sale(accountant, second_accountant, company)
    with pytest.raises(ValidationError):
        services.replace_lines(user=accountant, voucher=voucher, summary="x", lines=[])
    reversal = services.reverse_voucher(user=accountant, voucher=voucher, reversal_date=date(2024, 3, 31))
    assert [(x.debit_fen, x.credit_fen) for x in reversal.lines.all()] == [(-9_000_000, 0), (0, -9_000_000)]
    services.review_voucher(user=second_accountant, voucher=reversal)
    services.post_voucher(user=accountant, voucher=reversal)
    assert year_figures(organisation=company, year=2024) == ({}, {})
    with pytest.raises(ValidationError, match="该凭证已冲销"):
        services.reverse_voucher(user=accountant, voucher=voucher)


def test_a_closed_month_refuses_entries_and_waits_for_posting(accountant, second_accountant, company):
    draft = sale(accountant, company)
    with pytest.raises(ValidationError, match="1"):
        services.close_period(user=accountant, organisation=company, year=2024, month=3)
    services.review_voucher(user=second_accountant, voucher=draft)
    services.post_voucher(user=accountant, voucher=draft)
    services.close_period(user=accountant, organisation=company, year=2024, month=3)
    with pytest.raises(ValidationError, match="2024-03"):
        sale(accountant, company, day=date(2024, 3, 31))
    sale(accountant, company, day=date(2024, 4, 1))


def test_trial_balance_rolls_sub_accounts_up_and_balances(accountant, second_accountant, company):
    posted_sale(accountant, second_accountant, company)
    posted_sale(accountant, second_accountant, company, amount=12_000_000, code="5010201")
    sale(accountant, company, amount=5)  # entered, not posted: not in the books
    report = trial_balance(organisation=company, start=date(2024, 1, 1), end=date(2024, 12, 31))
    rows = {row.account.code: row for row in report.rows}
    assert rows["501"].credit_fen == 21_000_000 and rows["50102"].credit_fen == 12_000_000
    assert rows["102"].closing_debit == 21_000_000
    assert report.balances
    assert year_figures(organisation=company, year=2024) == ({"land_operation": 9_000_000, "rental": 12_000_000}, {})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_an_unbalanced_voucher_at_commit(accountant, company):
    voucher = sale(accountant, company)
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        VoucherLine.objects.filter(voucher=voucher, position=1).update(debit_fen=8_999_999)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        VoucherLine.objects.create(voucher=voucher, position=3, account=acct(company, "101"), debit_fen=1)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_any_change_to_a_posted_voucher(accountant, second_accountant, company):
    voucher = posted_sale(accountant, second_accountant, company)
    with pytest.raises(IntegrityError, match="posted"), transaction.atomic():
        VoucherLine.objects.filter(voucher=voucher).update(summary="changed")
    with pytest.raises(IntegrityError, match="posted"), transaction.atomic():
        Voucher.objects.filter(pk=voucher.pk).update(summary="changed")


def test_a_new_organisation_made_later_gets_the_chart_too(township):
    organisation = Organisation.objects.create(code="A09", name="九村", kind=Organisation.Kind.COLLECTIVE)
    assert Account.objects.filter(organisation=organisation, code="322").exists()


def test_an_association_publishes_a_quarter_that_is_over_and_only_its_members_read_it(
    village_official_a, association_a, association_b, farmer_a, farmer_b
):
    from books.models import Disclosure

    services.post_system_voucher(
        organisation=association_a,
        voucher_date=date(2024, 2, 1),
        summary="补助",
        lines=[
            Line(account=acct(association_a, "102"), debit_fen=500_000),
            Line(account=acct(association_a, "50301"), credit_fen=500_000),
        ],
        source="test:subsidy",
    )
    with pytest.raises(PermissionDenied):
        services.publish_disclosure(user=village_official_a, organisation=association_b, year=2024, quarter=1)
    disclosure = services.publish_disclosure(user=village_official_a, organisation=association_a, year=2024, quarter=1)
    assert disclosure.figures["start"] == "2024-01-01" and disclosure.figures["end"] == "2024-03-31"
    assert ["加：补助收入", 500_000, 0, 0] in disclosure.figures["income"]
    assert disclosure.figures["assets"][0] == ["货币资金", 500_000, 0, 0]
    assert list(Disclosure.objects.visible_to(farmer_a)) == [disclosure]
    assert list(Disclosure.objects.visible_to(farmer_b)) == []


def test_a_bank_statement_is_matched_to_the_bank_journal_and_the_balances_reconcile(
    accountant, second_accountant, company
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from books import reconciliation

    posted_sale(accountant, second_accountant, company, day=date(2024, 3, 5))  # 90,000 in, on the 5th
    posted_sale(accountant, second_accountant, company, day=date(2024, 3, 30), amount=50_000)  # not yet in the bank
    csv = (
        "账号,6222000000\n"
        "交易日期,摘要,收入金额,支出金额,余额,流水号\n"
        '2024-03-06,土地经营收入,"90,000.00",,90000.00,B001\n'
        "2024/03/20,手续费,,12.50,89987.50,B002\n"
    ).encode("gb18030")
    statement = reconciliation.read_statement(upload=SimpleUploadedFile("s.csv", csv), filename="s.csv")
    assert [(x.day, x.amount_fen) for x in statement] == [(date(2024, 3, 6), 9_000_000), (date(2024, 3, 20), -1250)]
    result = reconciliation.reconcile(
        organisation=company, statement=statement, start=date(2024, 3, 1), end=date(2024, 3, 31)
    )
    assert len(result.matched) == 1
    assert [x.amount_fen for x in result.bank_only] == [-1250]
    assert [x.amount_fen for x in result.book_only] == [50_000]
    assert result.book_balance_fen == 9_050_000 and result.bank_balance_fen == 8_998_750
    assert result.adjusted_book_fen == result.adjusted_bank_fen == 9_048_750
    bad = SimpleUploadedFile("b.csv", "交易日期,金额\n2024-13-01,5\n".encode())
    with pytest.raises(ValidationError, match="第 2 行"):
        reconciliation.read_statement(upload=bad, filename="b.csv")
