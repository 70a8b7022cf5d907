"""One way in for identifiers people type: resident ID numbers and bank account numbers.

Chinese keyboards type full-width digits (U+FF10 to U+FF19), phones and spreadsheets add spaces, and the
check character of an ID number is often typed as a lower-case x. Stored as typed, the same number
would make a second person or go to the bank as something no bank reads. Every writer (forms,
imports, services, the models' setters) normalises through normalise_identifier, and the pages say
what was changed.
"""

import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from collective.crypto import mask


@dataclass(frozen=True)
class Normalised:
    """The identifier as stored, and what was changed from what was typed (empty when nothing was)."""

    value: str
    changes: list[str] = field(default_factory=list)

    def message(self, label: str) -> str:
        """One sentence for the page: 'The ID number was normalised: full-width characters ..., spaces removed.'"""
        if not self.changes:
            return ""
        return _("%(label)s was normalised (%(changes)s): %(masked)s.") % {
            "label": label,
            "changes": _(", ").join(self.changes),
            "masked": _mask_for_message(self.value),
        }


def _mask_for_message(value: str) -> str:
    return mask(value, keep_start=4, keep_end=4)


def normalise_identifier(value: str | None) -> Normalised:
    """NFKC (full-width digits and letters to ASCII), no spaces of any kind, and an upper-case X."""
    text = value or ""
    changes = []
    folded = unicodedata.normalize("NFKC", text)
    if folded != text:
        changes.append(_("full-width characters made ordinary"))
    joined = "".join(folded.split())
    if joined != folded.strip():
        changes.append(_("spaces removed"))
    upper = joined.upper()
    if upper != joined:
        changes.append(_("lower-case x written as X"))
    return Normalised(value=upper, changes=changes)
