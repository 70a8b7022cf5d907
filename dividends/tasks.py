"""Thin Celery tasks of a distribution run: ids in, one service call, safe to run twice (DESIGN.md §6).

A lost database connection is retried (each step is idempotent); any other error stops the run as
failed with its message, so the accountant sees it instead of a run that computes forever.
"""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)
RETRY = {"autoretry_for": (OperationalError, InterfaceError), "max_retries": 5, "retry_backoff": True}


def _guarded(run_id: int, step) -> None:
    from dividends.services.compute import fail_run

    try:
        step()
    except (OperationalError, InterfaceError):
        raise
    except Exception as error:
        logger.exception("Distribution run %s stopped", run_id)
        fail_run(run_id=run_id, message=f"{type(error).__name__}: {error}")


@shared_task(name="dividends.prepare_run", acks_late=True, **RETRY)
def prepare_run_task(run_id: int) -> None:
    """Freeze the run's inputs, size its pools and send its chunks."""
    from dividends.services.compute import prepare_run

    _guarded(run_id, lambda: prepare_run(run_id=run_id))


@shared_task(name="dividends.compute_chunks", acks_late=True, **RETRY)
def compute_chunks_task(run_id: int, numbers: list[int]) -> None:
    """Write a few blocks of holders' floors and remainders, each block in its own transaction."""
    from dividends.services.compute import compute_chunk

    def compute_each() -> None:
        for number in numbers:
            compute_chunk(run_id=run_id, number=number)

    _guarded(run_id, compute_each)


@shared_task(name="dividends.finish_run", acks_late=True, **RETRY)
def finish_run_task(run_id: int) -> None:
    """Hand out the left-over fen, build the payouts, check the pools, mark the run computed."""
    from dividends.services.compute import finish_run

    _guarded(run_id, lambda: finish_run(run_id=run_id))


@shared_task(name="dividends.resume_stalled_runs")
def resume_stalled_runs_task() -> None:
    """Send again what a computing run that has stopped moving waits for (a lost message)."""
    from dividends.services.compute import resume_stalled_runs

    resume_stalled_runs()
