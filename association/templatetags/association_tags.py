from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def thousands(value: int | Decimal | None) -> str:
    """Group digits by thousands with commas, as amounts of money are shown: 3400000 -> 3,400,000."""
    if value is None or value == "":
        return ""
    return f"{value:,}"
