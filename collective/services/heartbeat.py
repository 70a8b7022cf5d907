"""That a background process is alive."""

from __future__ import annotations

from django.utils import timezone

from collective.models import (
    Heartbeat,
)


def record_heartbeat(*, name: str) -> Heartbeat:
    """Record that a background process named `name` is alive now."""
    heartbeat, _created = Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})
    return heartbeat
