"""Thin Celery tasks of a distribution run: ids in, one service call, safe to run twice (DESIGN.md §6).

The path runs one way: each task calls its step in dividends/services (prepare, chunks, finish),
which returns what is to be sent next, and the task sends it once the step's transaction has
committed. A lost database connection is retried (each step is idempotent); any other error stops
the run as failed with its message, so the accountant sees it instead of a run that computes forever.
"""

import logging

from celery import group, shared_task
from django.db import InterfaceError, OperationalError, transaction

from dividends.services.chunks import compute_chunk
from dividends.services.finish import finish_run
from dividends.services.prepare import Next, fail_run, prepare_run, resume_stalled_runs

logger = logging.getLogger(__name__)
RETRY = {"autoretry_for": (OperationalError, InterfaceError), "max_retries": 5, "retry_backoff": True}


def _guarded(run_id: int, step) -> None:
    try:
        step()
    except (OperationalError, InterfaceError):
        raise
    except Exception as error:
        logger.exception("Distribution run %s stopped", run_id)
        fail_run(run_id=run_id, message=f"{type(error).__name__}: {error}")


def _send(run_id: int, following: Next) -> None:
    """Send what a step returned, after the commit (at once outside a transaction, as in a worker)."""
    if following.chunk_batches:
        batches = following.chunk_batches
        transaction.on_commit(
            lambda: group(compute_chunks_task.s(run_id, list(numbers)) for numbers in batches).apply_async()
        )
    elif following.finish:
        transaction.on_commit(lambda: finish_run_task.delay(run_id))


@shared_task(name="dividends.prepare_run", acks_late=True, **RETRY)
def prepare_run_task(run_id: int) -> None:
    """Freeze the run's inputs, size its pools and send its chunks."""
    _guarded(run_id, lambda: _send(run_id, prepare_run(run_id=run_id)))


@shared_task(name="dividends.compute_chunks", acks_late=True, **RETRY)
def compute_chunks_task(run_id: int, numbers: list[int]) -> None:
    """Write a few blocks of holders' floors and remainders, each block in its own transaction."""

    def compute_each() -> None:
        for number in numbers:
            if compute_chunk(run_id=run_id, number=number):
                _send(run_id, Next(finish=True))

    _guarded(run_id, compute_each)


@shared_task(name="dividends.finish_run", acks_late=True, **RETRY)
def finish_run_task(run_id: int) -> None:
    """Hand out the left-over fen, build the payouts, check the pools, mark the run computed."""
    _guarded(run_id, lambda: finish_run(run_id=run_id))


@shared_task(name="dividends.resume_stalled_runs")
def resume_stalled_runs_task() -> list[int]:
    """Send again what a computing run that has stopped moving waits for (a lost message): its prepare."""
    resumed = resume_stalled_runs()
    for run_id in resumed:
        prepare_run_task.delay(run_id)
    return resumed
