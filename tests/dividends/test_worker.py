"""A real Celery worker on Redis, killed with SIGKILL in the middle of a run and restarted."""

import os
import signal
import time
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Count

from collective import services as registry
from dividends import engine, services
from dividends.models import DistributionRun, PayoutPart
from dividends.services.inputs import gather_inputs

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres]


def wait_for(condition, timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def test_a_worker_killed_mid_run_is_restarted_and_finishes_with_the_same_lines_once(killable_worker, appendix):
    association = appendix.associations["A01"]
    population = appendix.share_types[("A01", "population")]
    for number in range(10, 130):
        household = registry.create_household(association=association, code=f"A01-{number:03d}")
        registry.issue_shares(
            association=association,
            household=household,
            share_type=population,
            quantity=Decimal(number % 7 + 1),
            effective_date=date(2022, 1, 1),
        )
    accountant = appendix.policy.created_by
    run = services.create_run(user=accountant, policy=appendix.policy)
    expected = engine.compute_run(*_pure_inputs(run))

    worker = killable_worker(DIVIDENDS_CHUNK_HOUSEHOLDS=1)
    services.start_computation(user=accountant, run=run)  # enqueued on commit (autocommit here)

    def done_some() -> bool:
        run.refresh_from_db()
        return run.chunks_total and run.chunks_done >= 3

    assert wait_for(done_some, timeout=60), "the worker never started the chunks"
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    run.refresh_from_db()
    assert run.status == DistributionRun.Status.COMPUTING
    assert 3 <= run.chunks_done < run.chunks_total, "killed too late to prove anything"
    killed_at = run.chunks_done

    time.sleep(5)  # past the visibility timeout: Redis gives the unacknowledged task to the next worker
    killable_worker(DIVIDENDS_CHUNK_HOUSEHOLDS=1)

    def computed() -> bool:
        run.refresh_from_db()
        return run.status in (DistributionRun.Status.COMPUTED, DistributionRun.Status.FAILED)

    assert wait_for(computed, timeout=120, interval=0.2), f"stuck at {run.chunks_done}/{run.chunks_total}"
    assert run.status == DistributionRun.Status.COMPUTED, run.error
    assert run.chunks_done == run.chunks_total > killed_at
    # Every chunk wrote its rows once: no duplicates, nothing missing.
    assert (
        not PayoutPart.objects.filter(run=run)
        .values("household", "part")
        .annotate(n=Count("pk"))
        .filter(n__gt=1, household__isnull=False)
        .exists()
    )
    assert PayoutPart.objects.filter(run=run, part=engine.SHARE_DIVIDEND).count() == sum(
        run.chunks.values_list("rows", flat=True)
    )
    # The same lines as the single-pass engine.
    payouts = {
        household: (rent, land, share, wages)
        for household, rent, land, share, wages in run.payouts.values_list(
            "household_id", "rent_fen", "land_dividend_fen", "share_dividend_fen", "wage_fen"
        )
    }
    assert payouts == {
        household: (p.rent_fen, p.land_dividend_fen, p.share_dividend_fen, p.wage_fen)
        for household, p in expected.payouts.items()
    }
    assert payouts[appendix.household("A02-001").pk] == (1339538, 0, 3176826, 0)


def _pure_inputs(run):
    gathered = gather_inputs(run=run)
    return gathered.company, dict(gathered.holdings)
