"""The chunks of a run: each block of an association's holders gets its floors and exact remainders.

A chunk reads its block of holders from the share ledger, up to the run's mark, and writes one
share-dividend line per holder into the staging table PayoutPart (with the left-over fen the prepare
step planned, on PostgreSQL), marks itself done and counts itself on the run row, in one transaction.
The chunk that completes the count tells the worker to send the finish. A chunk delivered again
after it committed writes nothing.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from dividends import engine
from dividends.models import DistributionRun, PayoutPart, Pool, RunChunk
from dividends.services import sql
from dividends.services.bulk import insert_rows
from dividends.services.inputs import LedgerReference
from dividends.services.sql import PART_COLUMNS


def compute_chunk(*, run_id: int, number: int) -> bool:
    """Write one block's floors and exact remainders; return whether the run's chunks are all done (send the finish)."""
    with transaction.atomic():
        chunk = (
            # Only the chunk's row: locking the joined run row too would make every other worker's chunk wait.
            RunChunk.objects.select_for_update(of=("self",))
            .select_related("pool", "run")
            .filter(run_id=run_id, number=number)
            .first()
        )
        if chunk is None or chunk.run.status != DistributionRun.Status.COMPUTING:
            return False
        if chunk.done:
            # Delivered again after it committed: nothing to write; make sure the finish is sent.
            return chunk.run.chunks_done >= chunk.run.chunks_total
        pool = chunk.pool
        ledger = LedgerReference.of_run(chunk.run)
        if sql.postgresql():
            written = sql.insert_share_lines(
                chunk, pool, registry=ledger.select(association_ids=[chunk.association_id]), weights=ledger.weights
            )
        else:
            written = insert_rows(PayoutPart, PART_COLUMNS, _chunk_rows(chunk, pool, ledger))
        RunChunk.objects.filter(pk=chunk.pk).update(done=True, rows=written)
        done, total = sql.count_chunk_done(run_id)
        return done >= total


def _chunk_rows(chunk: RunChunk, pool: Pool, ledger: LedgerReference):
    """The block's lines in Python: the association's holders from the ledger, in order, sliced to the block."""
    holdings = ledger.holdings(association_ids=[chunk.association_id]).get(chunk.association_id, [])
    holders = engine.shareholders(holdings)
    for ordinal in range(chunk.ordinal_from, min(chunk.ordinal_to, len(holders))):
        holder = holders[ordinal]
        yield share_row(chunk, pool, ordinal, holder.household_id, holder.weight_units)


def share_row(chunk: RunChunk, pool: Pool, ordinal: int, household_id: int | None, units: int) -> tuple:
    """One holder's share-dividend line: its floor and exact remainder of the pool (the finish hands out the rest)."""
    floor, remainder = engine.floor_and_remainder(pool.amount_fen, units // pool.weight_divisor, pool.total_units)
    weight = Decimal(units).scaleb(-8)
    return (
        chunk.run_id,
        household_id,
        chunk.association_id,
        engine.SHARE_DIVIDEND,
        pool.pk,
        ordinal,
        weight,
        floor,
        remainder,
        floor,
    )
