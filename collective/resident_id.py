"""The 18-character resident ID number of GB 11643, checked here rather than with python-stdnum.

python-stdnum rejects numbers whose region code was retired, but people keep their numbers when
their county is renamed or merged, so an unknown region is only a warning here.
Layout: 6 digits region, 8 digits birth date (YYYYMMDD), 3 digits sequence (odd for men), and an
ISO 7064 MOD 11-2 check character (0-9 or an upper-case X).
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collective.identifiers import normalise_identifier

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"

# Province-level codes of GB/T 2260 (and 81-83 of the residence permits of Hong Kong, Macao and
# Taiwan residents). Finer region codes change too often to be checked: counties are renamed.
PROVINCE_CODES = frozenset(
    {
        *("11", "12", "13", "14", "15"),
        *("21", "22", "23"),
        *("31", "32", "33", "34", "35", "36", "37"),
        *("41", "42", "43", "44", "45", "46"),
        *("50", "51", "52", "53", "54"),
        *("61", "62", "63", "64", "65"),
        *("71", "81", "82", "83"),
    }
)


@dataclass(frozen=True)
class IdNumberCheck:
    """What a valid number says: the birth date, the sex, and warnings that do not make it invalid."""

    number: str
    birth_date: date
    sex: str
    warnings: list[str] = field(default_factory=list)


def check_character(first_17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first_17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def validate_id_number(value: str, *, birth_date: date | None = None, today: date | None = None) -> IdNumberCheck:
    """Return what a resident ID number says, or raise ValidationError with a reason people understand.

    With birth_date, the number's birth date must be that date. The number itself is never put in
    an error message: error messages end up in logs.
    """
    normalised = normalise_identifier(value)
    number = normalised.value
    if len(number) == 15 and number.isdigit():
        raise ValidationError(
            _("This is an old 15-digit ID number. Enter the 18-character number of the current card."),
            code="old_format",
        )
    if len(number) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(count)d."), code="length", params={"count": len(number)}
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("An ID number is 17 digits followed by a digit or an X."), code="characters")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in the ID number (characters 7 to 14) is not a real date."), code="birth_date"
        ) from None
    today = today or timezone.localdate()
    if born > today or born.year < 1880:
        raise ValidationError(
            _("The birth date in the ID number (characters 7 to 14) is not possible."), code="birth_date"
        )
    if number[17] != check_character(number[:17]):
        raise ValidationError(
            _("The check character (the last one) does not match: the number has a typing error."), code="checksum"
        )
    if birth_date is not None and birth_date != born:
        raise ValidationError(
            _("The ID number gives the birth date %(born)s, but the birth date entered is %(entered)s."),
            code="birth_date_mismatch",
            params={"born": born.isoformat(), "entered": birth_date.isoformat()},
        )
    warnings = [normalised.message(str(_("The ID number")))] if normalised.changes else []
    if number[:2] not in PROVINCE_CODES:
        warnings.append(
            str(
                _(
                    "The region code %(region)s of the ID number is not a known province; "
                    "the number was accepted, please check it."
                )
                % {"region": number[:6]}
            )
        )
    sex = "male" if int(number[16]) % 2 else "female"
    return IdNumberCheck(number=number, birth_date=born, sex=sex, warnings=warnings)


def make_id_number(region: str, born: date, sequence: int) -> str:
    """Return a valid number for a region, a birth date and a sequence 0-999 (odd: a man)."""
    first_17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first_17 + check_character(first_17)
