import time
from datetime import timedelta

import pytest
from django.utils import timezone

from collective.models import Heartbeat
from collective.tasks import record_heartbeat_task


@pytest.mark.celery_worker
def test_a_task_enqueued_on_commit_runs_in_a_real_worker_and_lands_in_postgresql(celery_worker_process):
    from django.db import transaction

    with transaction.atomic():
        record_heartbeat_task.delay_on_commit("ci-worker")
        # Not sent yet: the transaction has not committed.
        assert not Heartbeat.objects.filter(name="ci-worker").exists()

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not Heartbeat.objects.filter(name="ci-worker").exists():
        time.sleep(0.2)
    assert Heartbeat.objects.filter(name="ci-worker").exists()


def test_a_task_is_not_sent_when_the_transaction_rolls_back(db, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                record_heartbeat_task.delay_on_commit("rolled-back")
                raise RuntimeError("abort")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Heartbeat.objects.filter(name="rolled-back").exists()


def test_health_reports_the_last_heartbeat(client, db):
    record_heartbeat_task.delay("beat")  # beat's heartbeat, which a worker runs: both are seen
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "worker" in response.json()["heartbeats"]


def test_health_is_not_ok_without_worker_and_beat_heartbeats_when_a_broker_is_used(client, db, settings):
    """It answered ok with no heartbeat at all: in the PostgreSQL/Redis mode runs would wait for ever."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["status"] == "not ok"
    assert response.json()["missing"] == ["worker", "beat"]
    Heartbeat.objects.create(name="beat", seen_at=timezone.now() - timedelta(hours=1))
    assert client.get("/health/").json()["missing"] == ["worker", "beat"]  # a stale beat is missing too
    record_heartbeat_task("beat")  # what beat schedules every 5 minutes, run by a worker
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_health_stays_ok_without_heartbeats_in_the_embedded_mode(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
