from django import template

from collective.services import format_shares

register = template.Library()


@register.filter(name="shares")
def shares(quantity) -> str:
    """Show a number of shares without trailing zeros: {{ holding.quantity|shares }} -> 12.5."""
    if quantity is None or quantity == "":
        return ""
    return format_shares(quantity)
