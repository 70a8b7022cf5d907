from celery import shared_task


@shared_task(name="land.mark_reminders")
def mark_reminders_task() -> dict[str, int]:
    """Daily: bring contract statuses up to date, mark contracts expiring within 90 days and rent overdue."""
    from django.utils import timezone

    from land.services import mark_reminders

    counts = mark_reminders(today=timezone.localdate())
    return {
        "activated": counts.activated,
        "expired": counts.expired,
        "expiring": counts.expiring,
        "overdue": counts.overdue,
    }
