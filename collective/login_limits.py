"""Login throttling: django-axes' lock on user name and address, plus two wider limits against spraying.

- a user name and an address together: locked after AXES_FAILURE_LIMIT failures (5), so one farmer
  mistyping does not lock everyone at the village office's shared terminal;
- a user name from any address: locked after AXES_USERNAME_FAILURE_LIMIT failures (10), so guessing
  one official's password from many addresses stops too;
- an address for any user name: locked after AXES_IP_FAILURE_LIMIT failures (30), so trying one
  common password on many user names (password spraying) stops.

Each lock lasts AXES_COOLOFF_TIME after the last failure; a correct password from a locked address or
for a locked name is refused until then (the locked-out page, HTTP 429).
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


class LoginLimitHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        """Axes' count for the name and address; a wider limit that is reached counts as the lock itself.

        Axes compares this with AXES_FAILURE_LIMIT both before a log-in (is the request locked?) and
        after a failure (does this failure lock?), so the wider limits take effect at both points.
        """
        failures = super().get_failures(request, credentials)
        recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
        username = get_client_username(request, credentials)
        address = getattr(request, "axes_ip_address", None)
        if (username and _failures(recent.filter(username=username)) >= settings.AXES_USERNAME_FAILURE_LIMIT) or (
            address and _failures(recent.filter(ip_address=address)) >= settings.AXES_IP_FAILURE_LIMIT
        ):
            return max(failures, settings.AXES_FAILURE_LIMIT)
        return failures


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
