from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def thousands(value: int | Decimal | None) -> str:
    """Group digits by thousands with commas, as amounts of money are shown: 3400000 -> 3,400,000."""
    if value is None or value == "":
        return ""
    return f"{value:,}"


@register.filter
def litres(value: Decimal | int | None) -> str:
    """Litres to a tenth, grouped by thousands: Decimal("147612.100000000") -> 147,612.1; 0 -> 0."""
    if value is None or value == "":
        return ""
    quantity = Decimal(value).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{quantity:,}".removesuffix(".0")


@register.filter
def tonnes(kg: int | None) -> str:
    """Show whole kilograms as tonnes, to a tenth where needed: 3400000 -> 3,400; 1250 -> 1.3."""
    if kg is None or kg == "":
        return ""
    value = (Decimal(kg) / 1000).quantize(Decimal("0.1"), ROUND_HALF_UP)
    text = f"{value:,}"
    return text.removesuffix(".0")
