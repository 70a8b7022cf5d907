"""The chart: the 42 accounts of the system's list with their three-digit codes, and the move to them."""

import importlib
from datetime import date

import pytest
from django.apps import apps

from books import chart, reports, services
from books.models import Account
from books.services import Line

pytestmark = pytest.mark.django_db

rename = importlib.import_module("books.migrations.0003_three_digit_account_codes")


def test_the_chart_is_the_systems_list_of_42_accounts():
    codes = [code for code, *_rest in chart.ACCOUNTS]
    assert len(codes) == len(set(codes)) == 42
    assert all(len(code) == 3 for code in codes)
    names = {code: name for code, name, *_rest in chart.ACCOUNTS}
    assert (names["101"], names["102"], names["133"], names["213"], names["322"]) == (
        "库存现金",
        "银行存款",
        "生产性生物资产累计折旧",
        "应付劳务费",
        "收益分配",
    )
    assert (names["501"], names["502"], names["511"], names["521"]) == (
        "经营收入",
        "投资收益",
        "经营支出",
        "所得税费用",
    )
    # Each standard sub-account's code is its parent's and two digits.
    for code, parent, _name, _category in chart.SUB_ACCOUNTS:
        assert code.startswith(parent) and len(code) == len(parent) + 2


@pytest.mark.parametrize(
    ("former", "current"),
    [("1002", "102"), ("2121", "213"), ("500101", "50101"), ("50010201", "5010201"), ("111102", "11202")],
)
def test_a_former_code_reads_as_todays(former, current):
    assert chart.current_code(former) == current
    assert chart.current_code(current) == current


def test_the_rename_keeps_every_account_and_every_figure(company, association_a, household_a):
    services.household_account(organisation=association_a, parent_code="112", household=household_a)
    services.post_system_voucher(
        organisation=company,
        voucher_date=date(2024, 3, 5),
        summary="土地经营收入",
        lines=[
            Line(account=services.account(organisation=company, code="102"), debit_fen=9_000_000),
            Line(account=services.account(organisation=company, code="50101"), credit_fen=9_000_000),
        ],
        source="test:rename",
    )
    bank = services.account(organisation=company, code="102")
    before = {(a.pk, a.code, a.parent_id, a.category) for a in Account.objects.all()}
    rename.to_former(apps, None)
    former = dict(Account.objects.values_list("pk", "code"))
    assert former[bank.pk] == "1002"
    assert {code for pk, code in former.items()} >= {"1001", "500101", "50010201", "330101", "111101"}
    rename.to_current(apps, None)
    assert {(a.pk, a.code, a.parent_id, a.category) for a in Account.objects.all()} == before
    rows = {
        row.account.code: row
        for row in reports.trial_balance(organisation=company, start=date(2024, 1, 1), end=date(2024, 12, 31)).rows
    }
    assert rows["501"].credit_fen == rows["50101"].credit_fen == 9_000_000
    assert rows["102"].closing_fen == 9_000_000


def test_code_written_for_the_former_chart_finds_todays_account(company):
    assert services.account(organisation=company, code="330102").code == "32202"
    assert services.account(organisation=company, code="2121").name == "应付劳务费"
