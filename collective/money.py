"""One home for the money rules: whole fen in, whole fen out, never a float."""

import math
import re
import unicodedata
from collections.abc import Hashable, Mapping
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FEN_PER_YUAN = 100
MU_PER_HECTARE = Decimal(15)


def format_yuan(fen: int) -> str:
    """Return fen as yuan for people: 9000000 -> '¥90,000.00'."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def fen_to_yuan_string(fen: int) -> str:
    """Return fen as a plain yuan string with two decimals: 9000000 -> '90000.00'."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{yuan}.{cents:02d}"


# The largest amount anyone may type: a trillion yuan less a fen, far above any village's books and
# well inside the 64-bit fen columns.
MAX_FEN = 10**14 - 1
# An amount as people type it, once normalised: digits with or without thousands separators in
# groups of three, and at most some decimals (more than two are refused with their own message).
AMOUNT_TEXT = re.compile(r"^(?P<sign>-?)(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<part>[0-9]+))?$")
CURRENCY_MARKS = str.maketrans("", "", "¥元 \u00a0\t")
INVALID_AMOUNT = _("Enter an amount in yuan, such as 1200.50 or 1,200.50.")


def yuan_to_fen(yuan: Decimal | str | int | float | None, *, allow_negative: bool = False) -> int:
    """Return an amount in yuan as whole fen: the one parser of money typed by people, in forms and imports.

    Accepts "1,000.00", "1000", "¥1000", "1000元", a number from a spreadsheet cell, and full-width
    characters as Chinese keyboards type them (full-width "100" is 100, normalised by NFKC). Refuses, with
    the same messages wherever it is used: text that is not an amount, thousands separators out of
    place, more than two decimals, a negative amount (unless allow_negative), an amount above
    MAX_FEN (said in yuan), and a spreadsheet formula (said as a formula, not as an empty cell).
    """
    if yuan is None or isinstance(yuan, bool):
        raise ValidationError(INVALID_AMOUNT, code="invalid")
    if isinstance(yuan, float):
        # A spreadsheet's number: its shortest text ("1200.5"), never the binary fraction behind it.
        yuan = repr(yuan)
    if isinstance(yuan, Decimal | int):
        amount = Decimal(yuan)
    else:
        text = unicodedata.normalize("NFKC", str(yuan)).strip()
        if text.startswith("="):
            raise ValidationError(
                _("This cell holds a formula (%(formula)s), not an amount: enter the amount itself."),
                code="formula",
                params={"formula": text[:40]},
            )
        match = AMOUNT_TEXT.match(text.translate(CURRENCY_MARKS))
        if match is None:
            raise ValidationError(INVALID_AMOUNT, code="invalid")
        amount = Decimal(f"{match['sign']}{match['whole'].replace(',', '')}.{match['part'] or '0'}")
    if not amount.is_finite():
        raise ValidationError(INVALID_AMOUNT, code="invalid")
    fen = amount * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValidationError(_("An amount cannot have more than two decimals (fen)."), code="precision")
    if fen < 0 and not allow_negative:
        raise ValidationError(_("An amount cannot be negative."), code="negative")
    if abs(fen) > MAX_FEN:
        raise ValidationError(
            _("An amount cannot be more than %(max)s."), code="too_large", params={"max": format_yuan(MAX_FEN)}
        )
    return int(fen)


def round_half_up(value: Fraction | Decimal | int) -> int:
    """Round an exact value to the nearest whole number, halves away from zero."""
    return round_half_up_product(value)


def round_half_up_product(*factors: Fraction | Decimal | int, divisor: int = 1) -> int:
    """round_half_up(the product of the factors / divisor), exact, without a Fraction per product.

    The hot loops (a county's contract lines and wages) multiply the integer ratios of their exact
    Decimal factors (Decimal.as_integer_ratio) and round once.
    """
    numerator, denominator = 1, divisor
    for factor in factors:
        factor_numerator, factor_denominator = factor.as_integer_ratio()
        numerator *= factor_numerator
        denominator *= factor_denominator
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    if numerator < 0:
        return -((2 * -numerator + denominator) // (2 * denominator))
    return (2 * numerator + denominator) // (2 * denominator)


def floor_fraction(value: Fraction | Decimal | int) -> int:
    """Return the floor of an exact value."""
    exact = Fraction(value)
    return exact.numerator // exact.denominator


def split_largest_remainder(
    pool_fen: int, weights: Mapping[Hashable, Fraction | Decimal | int], *, pool_name: str = ""
) -> dict:
    """Split pool_fen by weights so the parts add up to pool_fen exactly.

    Each key gets the floor of its exact share; the fen left over go one each to the largest
    remainders, ties broken by key ascending, so the result never depends on input order.
    Keys with weight zero get nothing.
    """
    if pool_fen < 0:
        raise ValueError(f"Cannot split a negative pool {pool_name}: {pool_fen} fen.")
    ratios = {key: weight.as_integer_ratio() for key, weight in weights.items()}
    if any(numerator < 0 for numerator, _denominator in ratios.values()):
        raise ValueError(f"A weight in the pool {pool_name} is negative.")
    # Every weight as a whole number of 1/common: the floors and remainders are then integer divisions,
    # and remainders over the one denominator compare exactly as the Fractions would.
    common = math.lcm(*(denominator for _numerator, denominator in ratios.values())) if ratios else 1
    units = {key: numerator * (common // denominator) for key, (numerator, denominator) in ratios.items()}
    total = sum(units.values())
    if total == 0:
        if pool_fen == 0:
            return dict.fromkeys(units, 0)
        name = f" {pool_name}" if pool_name else ""
        raise ValueError(f"Cannot split the pool{name} of {pool_fen} fen over a total weight of zero.")
    parts: dict = {}
    remainders: dict = {}
    for key, unit in units.items():
        parts[key], remainders[key] = divmod(pool_fen * unit, total)
    leftover = pool_fen - sum(parts.values())
    for key in sorted((k for k in remainders if units[k] > 0), key=lambda k: (-remainders[k], k))[:leftover]:
        parts[key] += 1
    return parts
