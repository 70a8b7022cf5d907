from django import template

from collective.money import format_yuan

register = template.Library()


@register.filter(name="yuan")
def yuan(fen: int | None) -> str:
    """Show whole fen as yuan: {{ payout.total_fen|yuan }} -> ¥3,776.40."""
    if fen is None or fen == "":
        return ""
    return format_yuan(int(fen))
