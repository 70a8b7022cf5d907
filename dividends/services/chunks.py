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
            RunChunk.objects.select_for_update()
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
        # The block's holders read in one pass, their lines computed here and written with COPY on PostgreSQL.
        rows = (share_row(chunk, pool, *holder) for holder in _holders(chunk, ledger))
        written = insert_rows(PayoutPart, PART_COLUMNS, rows)
        RunChunk.objects.filter(pk=chunk.pk).update(done=True, rows=written)
        done, total = sql.count_chunk_done(run_id)
        return done >= total


def _holders(chunk: RunChunk, ledger: LedgerReference) -> list[tuple[int, int | None, int]]:
    """The block's holders in order, (ordinal, household id, weight units), from the ledger up to the run's mark.

    On PostgreSQL one statement ranks the association's holders by code (COLLATE "C") and returns the
    block; elsewhere the association's holdings are read and ordered in Python (engine.shareholders).
    """
    if sql.postgresql():
        return sql.holders_block(
            registry=ledger.select(association_ids=[chunk.association_id]),
            weights=ledger.weights,
            start=chunk.ordinal_from,
            end=chunk.ordinal_to,
        )
    holdings = ledger.holdings(association_ids=[chunk.association_id]).get(chunk.association_id, [])
    holders = engine.shareholders(holdings)
    return [
        (ordinal, holders[ordinal].household_id, holders[ordinal].weight_units)
        for ordinal in range(chunk.ordinal_from, min(chunk.ordinal_to, len(holders)))
    ]


def share_row(chunk: RunChunk, pool: Pool, ordinal: int, household_id: int | None, units: int) -> tuple:
    """One holder's share-dividend line: its floor, exact remainder and amount.

    The amount is the floor plus the fen the prepare step planned for the lines that rank first (remainder,
    then ordinal, at or above the pool's last reached line); without a plan the finish hands them out.
    """
    floor, remainder = engine.floor_and_remainder(pool.amount_fen, units // pool.weight_divisor, pool.total_units)
    weight = Decimal(units).scaleb(-8)
    last = pool.leftover_remainder
    reached = last is not None and (remainder > last or (remainder == last and ordinal <= pool.leftover_ordinal))
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
        floor + 1 if reached else floor,
    )
