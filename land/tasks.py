from celery import shared_task


@shared_task(name="land.mark_reminders")
def mark_reminders_task() -> dict[str, int]:
    """Daily: bring contract statuses up to date, mark contracts expiring within 90 days and rent overdue.

    Then run the reminders other apps name in settings.DAILY_REMINDERS (the contracts ledger's), in the same job.
    """
    from django.conf import settings
    from django.utils import timezone
    from django.utils.module_loading import import_string

    from land.services import mark_reminders

    today = timezone.localdate()
    counts = mark_reminders(today=today)
    result = {
        "activated": counts.activated,
        "expired": counts.expired,
        "expiring": counts.expiring,
        "overdue": counts.overdue,
    }
    for path in getattr(settings, "DAILY_REMINDERS", []):
        result.update(import_string(path)(today=today))
    return result
