from decimal import Decimal

from django import template

register = template.Library()


@register.filter(name="plain")
def plain(value) -> str:
    """A decimal without trailing zeros: Decimal('12.5000') -> '12.5', Decimal('4575.0000') -> '4575'."""
    if value is None or value == "":
        return ""
    text = f"{Decimal(value):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
