"""One home for the money rules: whole fen in, whole fen out, never a float."""

import math
from collections.abc import Hashable, Mapping
from decimal import Decimal, InvalidOperation
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


def yuan_to_fen(yuan: Decimal | str | int) -> int:
    """Return a yuan amount with at most two decimals as whole fen; refuse anything finer."""
    try:
        amount = Decimal(str(yuan).replace(",", "").replace("¥", "").strip())
    except InvalidOperation:
        raise ValidationError(_("Enter an amount in yuan, such as 1200.50."), code="invalid") from None
    if not amount.is_finite():
        raise ValidationError(_("Enter an amount in yuan, such as 1200.50."), code="invalid")
    fen = amount * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValidationError(_("An amount cannot have more than two decimals (fen)."), code="precision")
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
