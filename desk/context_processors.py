from django.utils.functional import SimpleLazyObject

from desk.notifications import unread_count


def notifications(request) -> dict:
    """The menu's count of unread notifications, counted only when a page shows it."""
    user = getattr(request, "user", None)
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user) if user else 0)}
