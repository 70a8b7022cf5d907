from decimal import Decimal

from django import template

from collective.services import format_shares

register = template.Library()


@register.filter(name="amount")
def amount(value) -> str:
    """A quantity for people, grouped and without trailing zeros: Decimal('590645.6000') -> '590,645.6'."""
    if value is None or value == "":
        return ""
    text = format_shares(Decimal(value))
    sign = "-" if text.startswith("-") else ""
    whole, _dot, decimals = text.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}" + (f".{decimals}" if decimals else "")
