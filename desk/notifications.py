"""News for officials in the app: a run they may see entered public notice or was paid.

The same events reach a farmer on the portal's home; officials read them here, with a count in the
menu. Like the portal's news, a notification is derived from the run (the day it entered notice,
the time it was paid); only the reading is stored, as a NoticeRead per user, run and event
(dividends.services.mark_news_read, which the portal records it with too).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from collective.models import User
from dividends.models import DistributionRun, NoticeRead

NOTICE = DistributionRun.Status.NOTICE
PAID = DistributionRun.Status.PAID


def receives_notifications(user: User) -> bool:
    return user.is_authenticated and user.role in (User.Role.TOWNSHIP, User.Role.VILLAGE, User.Role.ACCOUNTANT)


def _runs(user: User):
    return (
        DistributionRun.objects.visible_to(user)
        .filter(Q(notice_starts_on__isnull=False) | Q(paid_at__isnull=False))
        .annotate(
            notice_read=Exists(NoticeRead.objects.filter(user_id=user.pk, run=OuterRef("pk"), status=NOTICE)),
            paid_read=Exists(NoticeRead.objects.filter(user_id=user.pk, run=OuterRef("pk"), status=PAID)),
        )
    )


def unread_count(user: User) -> int:
    """How many notifications the user has not read: one query, for the menu of every page."""
    if not receives_notifications(user):
        return 0
    counts = _runs(user).aggregate(
        notice=Count("pk", filter=Q(notice_starts_on__isnull=False, notice_read=False)),
        paid=Count("pk", filter=Q(paid_at__isnull=False, paid_read=False)),
    )
    return counts["notice"] + counts["paid"]


@dataclass(frozen=True)
class Notification:
    run: DistributionRun
    event: str
    text: str
    url: str
    read: bool
    day: object


def _text(run: DistributionRun, event: str) -> str:
    names = {"company": run.company.name, "year": run.year}
    if event == PAID:
        return _("The %(year)s distribution of %(company)s was paid on %(date)s.") % {
            **names,
            "date": date_format(timezone.localtime(run.paid_at).date()),
        }
    return _("The %(year)s distribution of %(company)s entered public notice from %(start)s to %(end)s.") % {
        **names,
        "start": date_format(run.notice_starts_on),
        "end": date_format(run.notice_ends_on) if run.notice_ends_on else "",
    }


def notifications(*, user: User) -> list[Notification]:
    """Every notification of the user, newest first, unread ones marked."""
    if not receives_notifications(user):
        return []
    items = []
    for run in _runs(user).select_related("company"):
        url = reverse("dividends:run-detail", args=[run.pk])
        if run.notice_starts_on:
            items.append(Notification(run, NOTICE, _text(run, NOTICE), url, run.notice_read, run.notice_starts_on))
        if run.paid_at:
            paid_on = timezone.localtime(run.paid_at).date()
            items.append(Notification(run, PAID, _text(run, PAID), url, run.paid_read, paid_on))
    return sorted(items, key=lambda item: (item.day, item.run.pk, item.event), reverse=True)
