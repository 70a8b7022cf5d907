"""Preparing a run: gather and freeze its inputs, create its pools, plan its chunks (DESIGN.md §6).

`prepare_run` is the first step on Celery, one transaction: it reads what the run needs
(services/inputs.py), computes the company-level pools with the engine (small), freezes the
contract and labour lines with the run, records where its holdings are in the share ledger (the
record date and the last event read: a reference, not a copy), sizes each association's split from
the holders' weights and plans the chunks (blocks of an association's holders). It returns what the
worker sends next; dividends/tasks.py sends it once the transaction has committed. Every step is
safe to run twice, so `resume_stalled_runs` (on beat) finds the runs whose step was lost and the
task module sends their prepare again, which sends what is pending.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dividends import engine
from dividends.engine import DistributionError
from dividends.models import (
    DistributionRun,
    Objection,
    Payout,
    PayoutPart,
    Pool,
    RunChunk,
    RunContractLine,
    RunLabourLine,
)
from dividends.services import sql
from dividends.services.bulk import insert_rows
from dividends.services.inputs import GatheredInputs, LedgerReference, gather_inputs
from dividends.services.sql import PART_COLUMNS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Next:
    """What the worker sends once a step has committed: batches of chunks, the finish, or nothing."""

    chunk_batches: tuple[tuple[int, ...], ...] = ()
    finish: bool = False


NOTHING = Next()


def batch_chunks(chunks: Sequence[tuple[int, int]], limit: int) -> list[list[int]]:
    """Consecutive chunks, (number, holders), grouped up to `limit` holders a task.

    A chunk never spans two associations, so a county of small villages would otherwise send one
    task per village (333 for a million households): each task costs a message, a commit and a poll.
    """
    batches: list[list[int]] = []
    current: list[int] = []
    holders = 0
    for number, size in chunks:
        if current and holders + size > limit:
            batches.append(current)
            current, holders = [], 0
        current.append(number)
        holders += size
    if current:
        batches.append(current)
    return batches


def _send_chunks(chunks: Sequence[tuple[int, int]]) -> Next:
    batches = batch_chunks(chunks, settings.DIVIDENDS_CHUNK_HOUSEHOLDS)
    return Next(chunk_batches=tuple(tuple(batch) for batch in batches)) if batches else Next(finish=True)


def resume_stalled_runs(*, stalled_after: timedelta | None = None) -> list[int]:
    """The computing runs that have not moved for longer than any step takes: their prepare is to be sent again.

    A message can be lost between the broker and a worker killed at the wrong moment; the run would then
    stay computing, and a computing run cannot be started again. Every step is safe to run twice, and a
    prepare delivered again (the task module sends one for each id returned) sends what is pending: the
    whole prepare if the inputs are not frozen, else the chunks not done, else the finish. By default a
    run is stalled after the task time limit (no step can still be running then) and five minutes more.
    """
    if stalled_after is None:
        stalled_after = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT, minutes=5)
    now = timezone.now()
    # No mark at all: a run started before runs were marked.
    stalled = Q(progressed_at__lt=now - stalled_after) | Q(progressed_at__isnull=True)
    resumed = list(
        DistributionRun.objects.filter(stalled, status=DistributionRun.Status.COMPUTING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # Marked first, so the next sweep waits as long again before sending anything more.
    DistributionRun.objects.filter(pk__in=resumed).update(progressed_at=now)
    for run_id in resumed:
        logger.warning(
            "Distribution run %s has not moved for %s: its pending step is sent again", run_id, stalled_after
        )
    return resumed


def fail_run(*, run_id: int, message: str) -> None:
    """Stop a computation that cannot complete; the accountant sees why and may compute again."""
    with transaction.atomic():
        updated = DistributionRun.objects.filter(pk=run_id, status=DistributionRun.Status.COMPUTING).update(
            status=DistributionRun.Status.FAILED, error=message
        )
    if updated:
        logger.warning("Distribution run %s failed: %s", run_id, message)


def clear_outputs(run: DistributionRun) -> None:
    """Remove what an earlier computation of this run wrote (a draft is recomputed from scratch).

    One DELETE per table: the ORM's delete() would load every payout to null its objections first.
    """
    Objection.objects.filter(run=run, payout__isnull=False).update(payout=None)
    sql.delete_run_rows(run.pk, (Payout, PayoutPart, RunChunk, RunContractLine, RunLabourLine, Pool))


def prepare_run(*, run_id: int, gathered: GatheredInputs | None = None) -> Next:
    """Freeze the run's inputs, compute its pools and plan its chunks (the first step); return what to send next.

    A prepare delivered again after it committed writes nothing and returns what is pending: the chunks
    not done, else the finish.
    """
    try:
        with transaction.atomic():
            run = DistributionRun.objects.select_for_update().filter(pk=run_id).first()
            if run is None or run.status != DistributionRun.Status.COMPUTING:
                return NOTHING
            if run.inputs_frozen_at:
                pending = list(
                    run.chunks.filter(done=False)
                    .order_by("number")
                    .values_list("number", F("ordinal_to") - F("ordinal_from"))
                )
                if pending:
                    return _send_chunks(pending)
                return Next(finish=run.chunks_done >= run.chunks_total)
            sql.tune_transaction()
            clear_outputs(run)
            if gathered is None:
                gathered = gather_inputs(run=run, fresh=True)
            return _send_chunks(freeze_and_plan(run=run, gathered=gathered))
    except DistributionError as error:
        fail_run(run_id=run_id, message=str(error))
        return NOTHING


def freeze_and_plan(*, run: DistributionRun, gathered: GatheredInputs) -> list[tuple[int, int]]:
    """Write the frozen inputs and the pools; return the chunks to compute as (number, holders)."""
    company = engine.compute_company(gathered.company)
    for result in company.contract_lines:
        land_rent = gathered.land_rents.get(result.line.sort_key)
        if land_rent is not None and land_rent != result.rent_fen:
            raise DistributionError(
                _(
                    "Contract %(contract)s parcel %(parcel)s: the land records give a rent of %(land)s fen for the "
                    "year, the distribution rule %(rule)s fen. Correct the contract before computing."
                )
                % {
                    "contract": result.line.contract_number,
                    "parcel": result.line.parcel_code,
                    "land": land_rent,
                    "rule": result.rent_fen,
                },
                pool=engine.pool_name(engine.POOL_RENT),
            )

    pools = _create_company_pools(run, company)
    _write_contract_lines(run, company, pools)
    _write_labour_lines(run, company, pools)

    chunk_size = max(1, settings.DIVIDENDS_CHUNK_HOUSEHOLDS)
    associations = {result.association.association_id: result for result in company.associations}
    split_pools = _create_association_pools(run, company, pools[engine.POOL_SHAREHOLDER])
    chunks: list[RunChunk] = []
    ledger = gathered.ledger
    if sql.postgresql() and ledger is not None:
        # Each association's holders' weights read from the ledger in one pass; nothing is copied.
        units = sql.holders_by_units(
            registry=ledger.select(association_ids=sorted(associations)), weights=ledger.weights
        )
    else:
        units = {}
        for association_id, holdings in gathered.holdings:
            if association_id in associations and association_id not in units:
                units[association_id] = Counter(holder.weight_units for holder in engine.shareholders(holdings))
        ledger = None
    for association_id in sorted(associations, key=lambda pk: associations[pk].association.code):
        chunks += _plan_split(
            run,
            associations[association_id],
            split_pools[association_id],
            units.get(association_id, Counter()),
            chunk_size,
            len(chunks),
            ledger=ledger,
        )
    RunChunk.objects.bulk_create(chunks)
    # Each chunk looks its holders' rent, land dividend and wages up by household: with statistics that
    # have not seen this run, the planner would scan the run's lines for every holder instead.
    sql.analyze(PayoutPart)

    inputs = gathered.company
    run.inputs = {
        "year": inputs.year,
        "record_date": gathered.record_date_iso,
        "policy": {
            "id": gathered.policy_id,
            "version": gathered.policy_version,
            "land_share_rate": str(inputs.rates.land_share),
            "reserve_rate": str(inputs.rates.reserve),
            "welfare_rate": str(inputs.rates.welfare),
            "payout_rate": str(inputs.rates.payout),
            "retention_rate": str(inputs.rates.retention),
        },
        "revenue_by_category": dict(sorted(inputs.revenue_by_category.items())),
        "expense_by_category": dict(sorted(inputs.expense_by_category.items())),
        "equity": [
            {"association_id": a.association_id, "code": a.code, "shares": a.equity_shares}
            for a in sorted(inputs.associations, key=lambda a: a.code)
        ],
        "county_rules": {
            "min_reserve_and_welfare_rate": str(settings.DIVIDENDS_MIN_RESERVE_AND_WELFARE_RATE),
            "max_member_dividend_rate": str(settings.DIVIDENDS_MAX_MEMBER_DIVIDEND_RATE),
        },
        "weight_scale": engine.WEIGHT_SCALE,
        # The weights the holdings on the record date were weighted by (the ledger keeps quantities only).
        "share_types": [
            {"id": pk, "code": code, "weight": str(weight)}
            for pk, (code, weight) in sorted(gathered.ledger.share_types.items())
        ]
        if gathered.ledger
        else [],
    }
    run.figures = company.figures()
    run.notes = list(company.notes)
    run.chunks_total = len(chunks)
    run.chunks_done = 0
    run.inputs_frozen_at = run.progressed_at = timezone.now()
    run.record_date = gathered.ledger.as_of if gathered.ledger else None
    run.ledger_mark = gathered.ledger.mark if gathered.ledger else None
    run.save(
        update_fields=[
            "inputs",
            "figures",
            "notes",
            "chunks_total",
            "chunks_done",
            "inputs_frozen_at",
            "progressed_at",
            "record_date",
            "ledger_mark",
        ]
    )
    return [(chunk.number, chunk.ordinal_to - chunk.ordinal_from) for chunk in chunks]


def _create_company_pools(run: DistributionRun, company: engine.CompanyResult) -> dict[str, Pool]:
    land_weight = sum((line.land_weight for line in company.contract_lines), Fraction(0))
    specs = [
        (engine.POOL_RENT, company.rent_fen, None, len(company.contract_lines)),
        (
            engine.POOL_LAND_DIVIDEND,
            company.land_pool_fen,
            land_weight,
            sum(1 for line in company.contract_lines if line.land_weight),
        ),
        (engine.POOL_WAGES, company.wages_fen, None, len(company.labour_lines)),
        (engine.POOL_RESERVE, company.reserve_fen, None, 0),
        (engine.POOL_WELFARE, company.welfare_fen, None, 0),
        (
            engine.POOL_SHAREHOLDER,
            company.shareholder_pool_fen,
            Fraction(sum(a.association.equity_shares for a in company.associations)),
            len(company.associations),
        ),
        (engine.POOL_RETAINED, company.retained_fen, None, 0),
    ]
    pools = Pool.objects.bulk_create(
        Pool(
            run=run,
            kind=kind,
            amount_fen=amount,
            total_weight=_decimal(weight) if weight is not None else None,
            lines_count=lines,
            position=position,
        )
        for position, (kind, amount, weight, lines) in enumerate(specs)
    )
    return {pool.kind: pool for pool in pools}


def _create_association_pools(
    run: DistributionRun, company: engine.CompanyResult, shareholder: Pool
) -> dict[int, Pool]:
    received = Pool.objects.bulk_create(
        Pool(
            run=run,
            kind=engine.POOL_RECEIVED,
            association_id=result.association.association_id,
            parent=shareholder,
            amount_fen=result.received_fen,
            total_weight=Decimal(result.association.equity_shares),
            lines_count=2,
            position=10 + index * 3,
        )
        for index, result in enumerate(company.associations)
    )
    children = []
    for index, (result, parent) in enumerate(zip(company.associations, received, strict=True)):
        children.append(
            Pool(
                run=run,
                kind=engine.POOL_RETENTION,
                association_id=result.association.association_id,
                parent=parent,
                amount_fen=result.retention_fen,
                position=11 + index * 3,
            )
        )
        children.append(
            Pool(
                run=run,
                kind=engine.POOL_SPLIT,
                association_id=result.association.association_id,
                parent=parent,
                amount_fen=result.split_fen,
                position=12 + index * 3,
            )
        )
    created = Pool.objects.bulk_create(children)
    return {pool.association_id: pool for pool in created if pool.kind == engine.POOL_SPLIT}


def _decimal(value: Fraction) -> Decimal:
    """An exact weight with at most 8 decimals as a Decimal (mu-days and share weights always are)."""
    scaled = value * engine.WEIGHT_SCALE
    if scaled.denominator != 1:
        raise DistributionError(_("A weight has more than eight decimals: %(weight)s.") % {"weight": value})
    return Decimal(scaled.numerator).scaleb(-8)


def _write_contract_lines(run: DistributionRun, company: engine.CompanyResult, pools: Mapping[str, Pool]) -> None:
    columns = (
        "run_id",
        "ordinal",
        "contract_id",
        "contract_number",
        "parcel_code",
        "household_id",
        "household_code",
        "association_id",
        "area_mu",
        "rent_per_mu_fen",
        "days_active",
        "days_in_year",
        "profit_share",
        "profit_share_weight",
        "land_weight",
        "rent_fen",
        "land_dividend_fen",
        "start_date",
        "end_date",
        "terminated_on",
        "base_rent_per_mu_fen",
        "escalation_percent",
        "escalation_every_years",
    )
    insert_rows(
        RunContractLine,
        columns,
        (
            (
                run.pk,
                ordinal,
                r.line.contract_id,
                r.line.contract_number,
                r.line.parcel_code,
                r.line.household_id,
                r.line.household_code,
                r.line.association_id,
                r.line.area_mu,
                str(r.line.rent_per_mu_fen),
                r.line.days_active,
                r.line.days_in_year,
                r.line.profit_share,
                r.line.profit_share_weight,
                _decimal(r.land_weight),
                r.rent_fen,
                r.land_dividend_fen,
                *(
                    (
                        r.line.terms.start_date,
                        r.line.terms.end_date,
                        r.line.terms.terminated_on,
                        r.line.terms.base_rent_per_mu_fen,
                        r.line.terms.escalation_percent,
                        r.line.terms.escalation_every_years,
                    )
                    if r.line.terms
                    else (None,) * 6
                ),
            )
            for ordinal, r in enumerate(company.contract_lines)
        ),
    )
    rent: dict[int, int] = defaultdict(int)
    land: dict[int, int] = defaultdict(int)
    weight: dict[int, Fraction] = defaultdict(Fraction)
    association: dict[int, int] = {}
    for r in company.contract_lines:
        rent[r.line.household_id] += r.rent_fen
        land[r.line.household_id] += r.land_dividend_fen
        weight[r.line.household_id] += r.land_weight
        association[r.line.household_id] = r.line.association_id
    rows = []
    for household_id in sorted(rent):
        rows.append(
            (
                run.pk,
                household_id,
                association[household_id],
                engine.RENT,
                pools[engine.POOL_RENT].pk,
                0,
                None,
                rent[household_id],
                0,
                rent[household_id],
            )
        )
        if weight[household_id] or land[household_id]:
            rows.append(
                (
                    run.pk,
                    household_id,
                    association[household_id],
                    engine.LAND_DIVIDEND,
                    pools[engine.POOL_LAND_DIVIDEND].pk,
                    0,
                    _decimal(weight[household_id]),
                    land[household_id],
                    0,
                    land[household_id],
                )
            )
    insert_rows(PayoutPart, PART_COLUMNS, rows)


def _write_labour_lines(run: DistributionRun, company: engine.CompanyResult, pools: Mapping[str, Pool]) -> None:
    columns = (
        "run_id",
        "record_id",
        "household_id",
        "household_code",
        "association_id",
        "member_name",
        "work_date",
        "days",
        "day_wage_fen",
        "wage_fen",
        "member_id",
        "left_household_on",
    )
    insert_rows(
        RunLabourLine,
        columns,
        (
            (
                run.pk,
                r.line.record_id,
                r.line.household_id,
                r.line.household_code,
                r.line.association_id,
                r.line.member_name,
                r.line.work_date,
                r.line.days,
                r.line.day_wage_fen,
                r.wage_fen,
                r.line.member_id,
                r.line.left_household_on,
            )
            for r in company.labour_lines
        ),
    )
    wages: dict[int, int] = defaultdict(int)
    association: dict[int, int] = {}
    for r in company.labour_lines:
        wages[r.line.household_id] += r.wage_fen
        association[r.line.household_id] = r.line.association_id
    insert_rows(
        PayoutPart,
        PART_COLUMNS,
        (
            (
                run.pk,
                household_id,
                association[household_id],
                engine.WAGES,
                pools[engine.POOL_WAGES].pk,
                0,
                None,
                amount,
                0,
                amount,
            )
            for household_id, amount in sorted(wages.items())
        ),
    )


def _plan_split(
    run: DistributionRun,
    association: engine.AssociationResult,
    pool: Pool,
    units_count: Counter,
    chunk_size: int,
    first_number: int,
    *,
    ledger: LedgerReference | None = None,
) -> list[RunChunk]:
    """Size an association's split from its holders' weights ({weight units: holders}) and plan its chunks.

    ledger (PostgreSQL): also find which lines the left-over fen will reach, so the chunks write
    final amounts and the finish has nothing to update.
    """
    holders_count = sum(units_count.values())
    divisor = engine.units_divisor(units_count)
    total_units = sum((value // divisor) * count for value, count in units_count.items())
    name = engine.pool_name(engine.POOL_SPLIT, association.association.code)
    if pool.amount_fen and total_units == 0:
        raise DistributionError(
            _("The %(pool)s of %(amount)s fen has no holder with shares on the record date (total weight zero).")
            % {"pool": name, "amount": pool.amount_fen},
            pool=name,
        )
    if total_units >= engine.MAX_WEIGHT_UNITS:
        raise DistributionError(_("The weights of the %(pool)s are too large to split exactly.") % {"pool": name})
    pool.total_weight = Decimal(total_units * divisor).scaleb(-8)
    pool.total_units = total_units
    pool.weight_divisor = divisor
    pool.lines_count = holders_count
    fields = ["total_weight", "total_units", "weight_divisor", "lines_count"]
    if ledger is not None and pool.amount_fen:
        # A pool in one chunk is ranked by that chunk's own statement; only a pool split over several
        # chunks needs to know beforehand where its left-over fen run out.
        pool.leftover_fen, pool.leftover_remainder, pool.leftover_ordinal = _leftover_threshold(
            ledger if holders_count > chunk_size else None, pool, units_count
        )
        fields += ["leftover_fen", "leftover_remainder", "leftover_ordinal"]
    pool.save(update_fields=fields)
    if not pool.amount_fen:
        return []
    return [
        RunChunk(
            run=run,
            number=first_number + index,
            association_id=association.association.association_id,
            pool=pool,
            ordinal_from=start,
            ordinal_to=min(start + chunk_size, holders_count),
        )
        for index, start in enumerate(range(0, holders_count, chunk_size))
    ]


# Above any ordinal: "every line with this remainder".
ALL_ORDINALS = 2**62


def _leftover_threshold(
    ledger: LedgerReference | None, pool: Pool, units_count: Counter
) -> tuple[int, int | None, int | None]:
    """The pool's left-over fen and the (remainder, ordinal) of the last line they reach.

    A holder's floor and remainder depend on its weight alone, so the distinct weights give the
    left-over fen and the remainder where they run out; only when they run out inside a group of equal
    remainders does one query find the ordinal of the last holder of that group they reach. Without a
    ledger to query (a pool its one chunk ranks), the left-over fen alone and no threshold.
    """
    amount, divisor, total = pool.amount_fen, pool.weight_divisor, pool.total_units
    floors = 0
    holders_by_remainder: Counter = Counter()
    units_by_remainder: dict[int, list[int]] = defaultdict(list)
    for value, count in units_count.items():
        floor, remainder = engine.floor_and_remainder(amount, value // divisor, total)
        floors += floor * count
        holders_by_remainder[remainder] += count
        units_by_remainder[remainder].append(value)
    leftover = amount - floors
    if ledger is None:
        return leftover, None, None
    remaining = leftover
    for remainder in sorted(holders_by_remainder, reverse=True):
        if remaining == 0:
            break
        holders = holders_by_remainder[remainder]
        if holders <= remaining:
            remaining -= holders
            if remaining == 0:
                return leftover, remainder, ALL_ORDINALS
            continue
        ordinal = sql.nth_holder_with_units(
            registry=ledger.select(association_ids=[pool.association_id]),
            weights=ledger.weights,
            units=units_by_remainder[remainder],
            offset=remaining - 1,
        )
        return leftover, remainder, ordinal
    # No left-over fen: no line is reached (every remainder is below the pool's total weight).
    return leftover, total, -1
