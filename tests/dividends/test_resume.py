"""A run whose message was lost (a worker killed at the wrong moment) is sent its pending step again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dividends import services
from dividends.models import DistributionRun
from dividends.services.chunks import compute_chunk
from dividends.services.prepare import prepare_run
from dividends.tasks import resume_stalled_runs_task as resume_stalled_runs
from tests.dividends.conftest import lines_of

LONG_AGO = timedelta(hours=1)


def _lose_messages(run: DistributionRun, accountant, lost: str) -> None:
    """Start computing the run again and carry it as far as the lost message let it go."""
    services.start_computation(user=accountant, run=run, enqueue=False)
    if lost == "prepare":
        return
    prepare_run(run_id=run.pk)
    pending = list(run.chunks.filter(done=False).order_by("number").values_list("number", flat=True))
    done = pending[:-1] if lost == "a chunk" else pending
    for number in done:
        compute_chunk(run_id=run.pk, number=number)


@pytest.mark.parametrize("lost", ["prepare", "a chunk", "finish"])
def test_a_stalled_run_is_resumed_and_computes_the_same_lines(
    appendix, compute, accountant, settings, django_capture_on_commit_callbacks, lost
):
    settings.DIVIDENDS_CHUNK_HOUSEHOLDS = 2
    run = compute(appendix.policy)
    expected = lines_of(run)
    _lose_messages(run, accountant, lost)
    run.refresh_from_db()
    assert run.status == DistributionRun.Status.COMPUTING
    if lost == "a chunk":
        assert run.chunks_done == run.chunks_total - 1 > 0

    # Moving recently: left alone.
    assert resume_stalled_runs() == []
    DistributionRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now() - LONG_AGO)
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_stalled_runs() == [run.pk]

    run.refresh_from_db()
    assert run.status == DistributionRun.Status.COMPUTED, run.error
    assert run.chunks_done == run.chunks_total
    assert lines_of(run) == expected
    # The sweep marked it: the next one does not send anything again.
    assert resume_stalled_runs() == []


def test_a_run_that_keeps_moving_or_is_not_computing_is_left_alone(appendix, compute, accountant):
    run = compute(appendix.policy)
    DistributionRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now() - LONG_AGO)
    assert resume_stalled_runs() == []  # computed, not computing
    services.start_computation(user=accountant, run=run, enqueue=False)
    prepare_run(run_id=run.pk)
    number = run.chunks.filter(done=False).order_by("number").values_list("number", flat=True).first()
    DistributionRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now() - LONG_AGO)
    compute_chunk(run_id=run.pk, number=number)  # a chunk done is progress
    assert resume_stalled_runs() == []
    run.refresh_from_db()
    assert run.status == DistributionRun.Status.COMPUTING
