"""One way to show an area in mu (亩) or hectares: rounded to its places, trailing zeros dropped.

Pages, PDFs and the text of spreadsheets show areas through format_area (the `mu` and `hectares`
template filters), so 13.9 stands next to 11 and 12.5, never 13.9000; amounts of money go through
collective.money.format_yuan.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

AREA_PLACES = 4  # areas are stored to 0.0001 mu


def format_area(value: Decimal | int | float | str | None, places: int = AREA_PLACES) -> str:
    """Decimal('13.9000') -> '13.9'; 11 -> '11'; Decimal('1897.5000') -> '1897.5'; 12.5 / 15 ha -> '0.8333'."""
    if value is None or value == "":
        return ""
    try:
        # A float (a database aggregate on some backends) by its shortest text, never its binary fraction.
        area = Decimal(repr(value) if isinstance(value, float) else value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    area = area.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    text = f"{area:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
