"""What a user has read of a run's news: that it entered public notice, or was paid.

The news is derived from the run (the day it entered notice, the time it was paid); only the reading
is stored, as a NoticeRead per user, run and event. The farmer's portal and the officials'
notifications (desk) both record it here.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from collective.models import User
from dividends.models import DistributionRun, NoticeRead

NEWS_EVENTS = (DistributionRun.Status.NOTICE, DistributionRun.Status.PAID)


def mark_news_read(*, user: User, run: DistributionRun, event: str) -> NoticeRead:
    """Record that the user read the news of this run's notice or payment (again: the time is renewed)."""
    if event not in NEWS_EVENTS:
        raise ValidationError(_("There is no such news."))
    read, _created = NoticeRead.objects.update_or_create(
        user=user, run=run, status=event, defaults={"read_at": timezone.now()}
    )
    return read
