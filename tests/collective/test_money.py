# ruff: noqa: RUF001, RUF003 - Chinese messages and the full-width characters people type
"""The one parser of money typed by people (collective.money.yuan_to_fen): what it takes and how it refuses."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from collective.money import MAX_FEN, yuan_to_fen

FULL_WIDTH_100 = "\uff11\uff10\uff10"  # １００ as a Chinese keyboard types it


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("1,000.00", 100000),
        ("1000", 100000),
        ("1200.5", 120050),
        ("¥1,200.50", 120050),
        ("1200元", 120000),
        (" 12.34 ", 1234),
        (FULL_WIDTH_100, 10000),
        ("\uff11\uff0c\uff10\uff10\uff10\uff0e\uff15\uff10", 100050),  # １，０００．５０
        ("999999999999.99", MAX_FEN),
        (1200.5, 120050),  # a spreadsheet's number
        (Decimal("3.10"), 310),
        (7, 700),
    ],
)
def test_amounts_people_type_are_read_to_the_fen(typed, fen):
    assert yuan_to_fen(typed) == fen


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "请输入以元为单位的金额，例如 1200.50 或 1,200.50。"),
        ("1,00", "请输入以元为单位的金额，例如 1200.50 或 1,200.50。"),
        ("1e3", "请输入以元为单位的金额，例如 1200.50 或 1,200.50。"),
        ("NaN", "请输入以元为单位的金额，例如 1200.50 或 1,200.50。"),
        ("12.345", "金额最多保留两位小数（到分）。"),
        ("-5", "金额不能为负数。"),
        ("1000000000000", "金额不能超过¥999,999,999,999.99。"),
        ("=SUM(B2:B9)", "此单元格是公式（=SUM(B2:B9)），不是金额：请直接填写金额。"),
    ],
)
def test_what_is_not_an_amount_is_refused_in_chinese(typed, message):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        yuan_to_fen(typed)
    assert refused.value.messages == [message]


def test_a_negative_amount_only_where_the_caller_allows_it():
    assert yuan_to_fen("-1,000.50", allow_negative=True) == -100050
