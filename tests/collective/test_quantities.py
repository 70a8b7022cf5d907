# ruff: noqa: RUF001 - the expected texts are Chinese, with Chinese punctuation
"""Areas read alike everywhere: rounded to 0.0001, without trailing zeros."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from collective.quantities import format_area


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("13.9000"), "13.9"),
        (Decimal("11.0000"), "11"),
        (11, "11"),
        (Decimal("12.5"), "12.5"),
        (Decimal("1897.5000"), "1897.5"),
        (Decimal("12.5") / 15, "0.8333"),
        (Decimal("0.00004"), "0"),
        ("4575.0000", "4575"),
        (0.1, "0.1"),
        (None, ""),
    ],
)
def test_format_area(value, text):
    assert format_area(value) == text


def test_the_mu_and_hectares_filters():
    rendered = Template("{% load quantities %}{{ mu|mu }} 亩（{{ ha|hectares }} 公顷）").render(
        Context({"mu": Decimal("12.5000"), "ha": Decimal("12.5") / 15})
    )
    assert rendered == "12.5 亩（0.8333 公顷）"
