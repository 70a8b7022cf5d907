"""Hooks this floor offers the apps above it, filled in their AppConfig.ready() (docs/architecture.md).

collective imports no app above it; a rule that needs their records (a membership round, a run)
is added here by the app that knows them, and collective calls it without knowing who added it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collective.models import Organisation
    from collective.services import QuantificationRule

# Checks every share event must pass, each called as check(association=, effective_date=) and raising
# ValidationError to refuse it (dividends: no event on or before an approved run's record date).
share_event_checks: list[Callable[..., None]] = []

# Checks every quantification (折股量化) a person starts must pass, each called as
# check(association=, rule=) and raising ValidationError to refuse it (membership: only a completed
# round's final list on the rule's base date). The registry page and membership's pages call
# check_quantification before a preview and before issuing shares.
quantification_checks: list[Callable[..., None]] = []


def check_quantification(*, association: Organisation, rule: QuantificationRule) -> None:
    """Run the checks the apps above registered; a ValidationError refuses the quantification."""
    for check in quantification_checks:
        check(association=association, rule=rule)


def check_share_event(*, association: Organisation, effective_date: date) -> None:
    """Run the share-event checks the apps above registered; a ValidationError refuses the event."""
    for check in share_event_checks:
        check(association=association, effective_date=effective_date)
