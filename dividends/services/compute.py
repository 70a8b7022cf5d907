"""Computing a run on Celery: prepare (freeze the inputs, size the pools), chunks (floors), finish (fen).

DESIGN.md §6. `prepare_run` freezes every input with the run and computes the company-level pools
(small), then fans out a flat group of chunk tasks, one per block of an association's holders.
Each chunk computes integer floors and exact remainders for its block and writes them in bulk into
the staging table PayoutPart, marks itself done and counts itself on the run row; the chunk that
completes the count enqueues one `finish_run`, which under a lock hands the left-over fen of each
pool to the largest remainders over the whole pool, builds the payouts set-based, checks every pool
against its lines and marks the run computed. Every step is safe to run twice, so `resume_stalled_runs`
(on beat) sends a run that stopped moving its pending step again.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Min, Q, Sum, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from collective.models import Household, Organisation
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
    RunHolding,
    RunLabourLine,
)
from dividends.services.bulk import insert_rows

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock(class, id): the class keeps the run's lock apart from other users of advisory locks.
ADVISORY_LOCK_CLASS = 0x6474  # "dt"


@dataclass(frozen=True)
class RegistrySource:
    """Where the holdings on the record date come from: the share ledger, read by SQL (dividends/inputs.py).

    On PostgreSQL the run freezes the registry with one INSERT … SELECT instead of carrying every
    holding through Python and back (DESIGN.md §6: writing is what costs).
    """

    association_ids: tuple[int, ...]
    as_of: date

    def freeze_sql(self, run_id: int) -> tuple[str, list]:
        from dividends.inputs import frozen_holdings_sql

        return frozen_holdings_sql(run_id=run_id, association_ids=self.association_ids, as_of=self.as_of)


@dataclass
class GatheredInputs:
    """What a run needs, as gathered from the registry, the land contracts and the ledger."""

    company: engine.CompanyInputs
    # (association id, holdings on the record date): consumed one association at a time.
    holdings: Iterable[tuple[int, Sequence[engine.HoldingInput]]]
    record_date_iso: str
    policy_id: int | None = None
    policy_version: int | None = None
    # The rent each contract line has in the land app, to refuse a run where the two disagree.
    land_rents: Mapping[tuple[str, str], int] = field(default_factory=dict)
    # Set by gather_inputs: the same holdings as `holdings`, for the set-based freeze on PostgreSQL.
    registry: RegistrySource | None = None


def enqueue_on_commit(callback) -> None:
    transaction.on_commit(callback)


def _enqueue_chunks(run_id: int, chunks: Sequence[tuple[int, int]]) -> None:
    from celery import group

    from dividends.tasks import compute_chunks_task

    batches = batch_chunks(chunks, settings.DIVIDENDS_CHUNK_HOUSEHOLDS)
    if batches:
        group(compute_chunks_task.s(run_id, numbers) for numbers in batches).apply_async()


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


def resume_stalled_runs(*, stalled_after: timedelta | None = None) -> list[int]:
    """Send again the step a computing run waits for when it has not moved for longer than any step takes.

    A message can be lost between the broker and a worker killed at the wrong moment; the run would then
    stay computing, and a computing run cannot be started again. Every step is safe to run twice, and a
    prepare delivered again sends what is pending: the whole prepare if the inputs are not frozen, else
    the chunks not done, else the finish. By default a run is stalled after the task time limit (no step
    can still be running then) and five minutes more. Returns the ids of the runs resumed.
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
        _enqueue_prepare(run_id)
    return resumed


def _enqueue_prepare(run_id: int) -> None:
    from dividends.tasks import prepare_run_task

    prepare_run_task.delay(run_id)


def _enqueue_finish(run_id: int) -> None:
    from dividends.tasks import finish_run_task

    finish_run_task.delay(run_id)


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
    with connection.cursor() as cursor:
        for model in (Payout, PayoutPart, RunChunk, RunHolding, RunContractLine, RunLabourLine, Pool):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} WHERE run_id = %s", [run.pk])


def prepare_run(*, run_id: int, gathered: GatheredInputs | None = None, enqueue: bool = True) -> None:
    """Freeze the run's inputs, compute its pools and enqueue its chunks (the first step on Celery).

    enqueue=False leaves the chunks and the finish to the caller (compute_run_now).
    """
    try:
        with transaction.atomic():
            run = DistributionRun.objects.select_for_update().filter(pk=run_id).first()
            if run is None or run.status != DistributionRun.Status.COMPUTING:
                return
            if run.inputs_frozen_at:
                if not enqueue:
                    return
                # A redelivered prepare: the inputs are frozen; make sure the chunks were sent.
                pending = list(
                    run.chunks.filter(done=False)
                    .order_by("number")
                    .values_list("number", F("ordinal_to") - F("ordinal_from"))
                )
                if pending:
                    enqueue_on_commit(lambda: _enqueue_chunks(run_id, pending))
                elif run.chunks_done >= run.chunks_total:
                    enqueue_on_commit(lambda: _enqueue_finish(run_id))
                return
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # Freezing sorts and groups the whole registry: in memory, not in temporary files.
                    cursor.execute("SET LOCAL work_mem = '128MB'")
            clear_outputs(run)
            if gathered is None:
                from dividends.inputs import gather_inputs

                gathered = gather_inputs(run=run)
            chunks = freeze_and_plan(run=run, gathered=gathered)
            if not enqueue:
                return
            if chunks:
                enqueue_on_commit(lambda: _enqueue_chunks(run_id, chunks))
            else:
                enqueue_on_commit(lambda: _enqueue_finish(run_id))
    except DistributionError as error:
        fail_run(run_id=run_id, message=str(error))


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
    if connection.vendor == "postgresql" and gathered.registry is not None:
        units = _freeze_registry(run, gathered.registry, associations.keys())
        for association_id in sorted(associations, key=lambda pk: associations[pk].association.code):
            chunks += _plan_split(
                run,
                associations[association_id],
                split_pools[association_id],
                units.get(association_id, Counter()),
                chunk_size,
                len(chunks),
                plan_leftover=True,
            )
    else:
        seen: set[int] = set()
        for association_id, holdings in gathered.holdings:
            if association_id not in associations or association_id in seen:
                continue
            seen.add(association_id)
            chunks += _freeze_holdings(
                run, associations[association_id], split_pools[association_id], holdings, chunk_size, len(chunks)
            )
        for association_id in sorted(associations.keys() - seen, key=lambda pk: associations[pk].association.code):
            chunks += _freeze_holdings(
                run, associations[association_id], split_pools[association_id], (), chunk_size, len(chunks)
            )
    RunChunk.objects.bulk_create(chunks)

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
    }
    run.figures = company.figures()
    run.notes = list(company.notes)
    run.chunks_total = len(chunks)
    run.chunks_done = 0
    run.inputs_frozen_at = run.progressed_at = timezone.now()
    run.save(
        update_fields=["inputs", "figures", "notes", "chunks_total", "chunks_done", "inputs_frozen_at", "progressed_at"]
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


PART_COLUMNS = (
    "run_id",
    "household_id",
    "association_id",
    "part",
    "pool_id",
    "ordinal",
    "weight",
    "floor_fen",
    "remainder",
    "amount_fen",
)


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


def _freeze_holdings(
    run: DistributionRun,
    association: engine.AssociationResult,
    pool: Pool,
    holdings: Sequence[engine.HoldingInput],
    chunk_size: int,
    first_number: int,
) -> list[RunChunk]:
    """Freeze one association's holdings with each holder's ordinal; size its split; plan its chunks."""
    holders = engine.shareholders(holdings)
    ordinals = {(holder.household_id, holder.household_code): index for index, holder in enumerate(holders)}
    insert_rows(
        RunHolding,
        (
            "run_id",
            "association_id",
            "household_id",
            "household_code",
            "ordinal",
            "share_type_id",
            "share_type_code",
            "weight",
            "quantity",
        ),
        (
            (
                run.pk,
                association.association.association_id,
                h.household_id,
                h.household_code or "",
                ordinals[(h.household_id, h.household_code)],
                h.share_type_id,
                h.share_type_code,
                h.weight,
                h.quantity,
            )
            for h in holdings
        ),
    )
    return _plan_split(
        run, association, pool, Counter(holder.weight_units for holder in holders), chunk_size, first_number
    )


def _freeze_registry(run: DistributionRun, registry: RegistrySource, association_ids) -> dict[int, Counter]:
    """Freeze the holdings with one INSERT … SELECT; return each association's {holder's weight units: holders}.

    Holders with the same weight have the same share of a pool, so the pool's plan needs only the
    distinct weights: a handful of rows for an association of thousands of households.
    """
    sql, params = RegistrySource(tuple(sorted(association_ids)), registry.as_of).freeze_sql(run.pk)
    holdings = connection.ops.quote_name(RunHolding._meta.db_table)
    units: dict[int, Counter] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # The chunks read blocks of these rows by (run, association, ordinal): without fresh statistics the
        # planner takes the million new rows for none and scans the table once per chunk.
        cursor.execute(f"ANALYZE {holdings}")
        cursor.execute(
            f"""
            SELECT association_id, units, COUNT(*) FROM (
                SELECT association_id, ordinal, SUM((quantity * 10000) * (weight * 10000)) AS units
                FROM {holdings} WHERE run_id = %s GROUP BY association_id, ordinal
            ) holders
            GROUP BY association_id, units
            """,
            [run.pk],
        )
        for association_id, value, count in cursor.fetchall():
            units.setdefault(association_id, Counter())[int(value)] += count
    return units


def _plan_split(
    run: DistributionRun,
    association: engine.AssociationResult,
    pool: Pool,
    units_count: Counter,
    chunk_size: int,
    first_number: int,
    *,
    plan_leftover: bool = False,
) -> list[RunChunk]:
    """Size an association's split from its holders' weights ({weight units: holders}) and plan its chunks.

    plan_leftover (PostgreSQL): also find which lines the left-over fen will reach, so the chunks write
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
    if plan_leftover and pool.amount_fen:
        pool.leftover_fen, pool.leftover_remainder, pool.leftover_ordinal = _leftover_threshold(run, pool, units_count)
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


def _leftover_threshold(run: DistributionRun, pool: Pool, units_count: Counter) -> tuple[int, int, int]:
    """The pool's left-over fen and the (remainder, ordinal) of the last line they reach.

    A holder's floor and remainder depend on its weight alone, so the distinct weights give the
    left-over fen and the remainder where they run out; only when they run out inside a group of equal
    remainders does one query find the ordinal of the last holder of that group they reach.
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
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT ordinal FROM (
                    SELECT ordinal, SUM((quantity * 10000) * (weight * 10000)) AS units
                    FROM {connection.ops.quote_name(RunHolding._meta.db_table)}
                    WHERE run_id = %s AND association_id = %s GROUP BY ordinal
                ) holders
                WHERE units = ANY(%s::numeric[])
                ORDER BY ordinal OFFSET %s LIMIT 1
                """,
                [
                    run.pk,
                    pool.association_id,
                    [Decimal(value) for value in units_by_remainder[remainder]],
                    remaining - 1,
                ],
            )
            return leftover, remainder, cursor.fetchone()[0]
    # No left-over fen: no line is reached (every remainder is below the pool's total weight).
    return leftover, total, -1


def compute_chunk(*, run_id: int, number: int, enqueue: bool = True) -> None:
    """Write one block's floors and exact remainders; the chunk that completes the run enqueues the finish."""
    with transaction.atomic():
        chunk = (
            RunChunk.objects.select_for_update()
            .select_related("pool", "run")
            .filter(run_id=run_id, number=number)
            .first()
        )
        if chunk is None or chunk.run.status != DistributionRun.Status.COMPUTING:
            return
        if chunk.done:
            # Delivered again after it committed: nothing to write; make sure the finish was sent.
            if enqueue and chunk.run.chunks_done >= chunk.run.chunks_total:
                enqueue_on_commit(lambda: _enqueue_finish(run_id))
            return
        pool = chunk.pool
        if connection.vendor == "postgresql":
            written = _insert_chunk_rows(chunk, pool)
        else:
            written = insert_rows(PayoutPart, PART_COLUMNS, _chunk_rows(chunk, pool))
        RunChunk.objects.filter(pk=chunk.pk).update(done=True, rows=written)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {DistributionRun._meta.db_table} SET chunks_done = chunks_done + 1, progressed_at = %s "
                "WHERE id = %s RETURNING chunks_done, chunks_total",
                [connection.ops.adapt_datetimefield_value(timezone.now()), run_id],
            )
            done, total = cursor.fetchone()
        if enqueue and done >= total:
            enqueue_on_commit(lambda: _enqueue_finish(run_id))


def _chunk_rows(chunk: RunChunk, pool: Pool):
    holdings = (
        RunHolding.objects.filter(
            run_id=chunk.run_id,
            association_id=chunk.association_id,
            ordinal__gte=chunk.ordinal_from,
            ordinal__lt=chunk.ordinal_to,
        )
        .order_by("ordinal")
        .values_list("ordinal", "household_id", "weight", "quantity")
    )
    current: int | None = None
    household_id: int | None = None
    units = 0
    for ordinal, holder_id, weight, quantity in holdings.iterator(chunk_size=5000):
        if ordinal != current:
            if current is not None:
                yield _share_row(chunk, pool, current, household_id, units)
            current, household_id, units = ordinal, holder_id, 0
        units += engine.holding_units(quantity, weight)
    if current is not None:
        yield _share_row(chunk, pool, current, household_id, units)


def _insert_chunk_rows(chunk: RunChunk, pool: Pool) -> int:
    """The block's floors and exact remainders computed and written by PostgreSQL in one INSERT … SELECT.

    The same integers as _share_row: weight units = Σ (quantity * 10⁴)(type weight * 10⁴), reduced by
    the pool's divisor, floor and remainder of amount * units / total in exact numeric arithmetic.
    """
    parts = connection.ops.quote_name(PayoutPart._meta.db_table)
    holdings = connection.ops.quote_name(RunHolding._meta.db_table)
    share = "%(amount)s::numeric * div(h.units, %(divisor)s::numeric)"
    # The left-over fen planned by _leftover_threshold; without a plan the finish hands them out.
    reached = (
        "CASE WHEN s.remainder > %(last_remainder)s OR (s.remainder = %(last_remainder)s "
        "AND s.ordinal <= %(last_ordinal)s) THEN 1 ELSE 0 END"
        if pool.leftover_remainder is not None
        else "0"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {parts} ({", ".join(PART_COLUMNS)})
            SELECT %(run)s, s.household_id, %(association)s, %(part)s, %(pool)s, s.ordinal, s.weight,
                s.floor, s.remainder, s.floor + {reached}
            FROM (
                SELECT h.ordinal, h.household_id, h.units * 0.00000001 AS weight,
                    div({share}, %(total)s::numeric) AS floor, mod({share}, %(total)s::numeric) AS remainder
                FROM (
                    SELECT ordinal, MIN(household_id) AS household_id,
                        SUM((quantity * 10000) * (weight * 10000)) AS units
                    FROM {holdings}
                    WHERE run_id = %(run)s AND association_id = %(association)s
                        AND ordinal >= %(start)s AND ordinal < %(end)s
                    GROUP BY ordinal
                ) h
            ) s
            ORDER BY s.ordinal
            """,
            {
                "run": chunk.run_id,
                "association": chunk.association_id,
                "part": engine.SHARE_DIVIDEND,
                "pool": pool.pk,
                "amount": pool.amount_fen,
                "divisor": pool.weight_divisor,
                "total": pool.total_units,
                "start": chunk.ordinal_from,
                "end": chunk.ordinal_to,
                "last_remainder": pool.leftover_remainder,
                "last_ordinal": pool.leftover_ordinal,
            },
        )
        return cursor.rowcount


def _share_row(chunk: RunChunk, pool: Pool, ordinal: int, household_id: int | None, units: int) -> tuple:
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


def finish_run(*, run_id: int) -> None:
    """Hand out the left-over fen over each whole pool, build the payouts, check every pool, mark computed."""
    try:
        with transaction.atomic():
            run = DistributionRun.objects.select_for_update().filter(pk=run_id).first()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_LOCK_CLASS, run_id])
                    # The ranking of the remainders and the payouts' GROUP BY sort and hash a million rows:
                    # in memory, not in temporary files.
                    cursor.execute("SET LOCAL work_mem = '128MB'")
            if (
                run is None
                or run.status != DistributionRun.Status.COMPUTING
                or run.inputs_frozen_at is None
                or run.chunks_done < run.chunks_total
            ):
                return
            stats = part_stats(run)
            if hand_out_leftovers(run, stats):
                stats = part_stats(run)
            build_payouts(run)
            check_payout_references(run)
            check_pools(run, stats)
            if connection.vendor == "postgresql":
                # Pages look a household's lines up in these tables at once: with statistics from before
                # the million new rows the planner would scan the whole run for one household.
                with connection.cursor() as cursor:
                    for model in (PayoutPart, Payout):
                        cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
            run.status = DistributionRun.Status.COMPUTED
            run.computed_at = timezone.now()
            run.error = ""
            run.save(update_fields=["status", "computed_at", "error"])
    except DistributionError as error:
        fail_run(run_id=run_id, message=str(error))


# A line's rank key, remainder * 2^32 + (2^32 - 1 - ordinal), overflows a bigint: exact numeric.
RANK_KEY = DecimalField(max_digits=40, decimal_places=0)


def part_stats(run: DistributionRun) -> dict[int, dict]:
    """Each pool's lines in one pass over the run's parts: what the left-over step and the pool checks read.

    On PostgreSQL also the ranking check of the left-over fen: a line's rank key is
    remainder * 2^32 + (2^32 - 1 - ordinal); in a pool handed out right, the lowest key of the lines
    that got a fen is above the highest key of those that did not.
    """
    aggregates = {
        "floors": Sum("floor_fen"),
        "lines": Count("id"),
        "extra": Sum(F("amount_fen") - F("floor_fen")),
        "odd": Count("id", filter=~Q(amount_fen=F("floor_fen")) & ~Q(amount_fen=F("floor_fen") + 1)),
        "total": Sum("amount_fen"),
        "collective": Sum("amount_fen", filter=Q(household__isnull=True)),
    }
    if connection.vendor == "postgresql":
        key = ExpressionWrapper(
            Cast("remainder", RANK_KEY) * Value(2**32) + (Value(2**32 - 1) - F("ordinal")), output_field=RANK_KEY
        )
        aggregates["lowest_reached"] = Min(key, filter=Q(amount_fen__gt=F("floor_fen")))
        aggregates["highest_not_reached"] = Max(key, filter=Q(amount_fen=F("floor_fen")))
    return {
        row["pool_id"]: row
        for row in PayoutPart.objects.filter(run=run).values("pool_id").annotate(**aggregates).order_by()
    }


def hand_out_leftovers(run: DistributionRun, stats: Mapping[int, dict] | None = None) -> bool:
    """The remainder step, global over each pool: ORDER BY remainder DESC, then the stable code order.

    Where the chunks already wrote the amounts planned before them, this only checks that exactly the
    pool's left-over fen went, one each, to the lines that rank first; any other pool's lines are set
    back to their floors and handed the left-over fen here, by the ranking itself. Returns whether it
    changed any line.
    """
    stats = part_stats(run) if stats is None else stats
    pending = []
    for pool in run.pools.filter(kind=engine.POOL_SPLIT).select_related("association"):
        row = stats.get(pool.pk) or {"floors": 0, "lines": 0, "extra": 0, "odd": 0}
        leftover = pool.amount_fen - (row["floors"] or 0)
        if leftover < 0 or leftover > row["lines"]:
            raise DistributionError(
                _("The lines of the %(pool)s are incomplete: %(leftover)s fen cannot be handed out.")
                % {"pool": pool.name, "leftover": leftover},
                pool=pool.name,
            )
        if leftover != pool.leftover_fen:
            Pool.objects.filter(pk=pool.pk).update(leftover_fen=leftover)
        lowest, highest = row.get("lowest_reached"), row.get("highest_not_reached")
        if (
            row["odd"]
            or (row["extra"] or 0) != leftover
            or (leftover and connection.vendor != "postgresql")
            or (lowest is not None and highest is not None and lowest <= highest)
        ):
            pending.append(pool.pk)
    if not pending:
        return False
    parts = PayoutPart._meta.db_table
    PayoutPart.objects.filter(pool_id__in=pending).exclude(amount_fen=F("floor_fen")).update(amount_fen=F("floor_fen"))
    # The rare repair: one ranking per pool that the chunks did not hand out as planned.
    for pool in Pool.objects.filter(pk__in=pending).only("pk", "leftover_fen"):
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {parts} SET amount_fen = floor_fen + 1
                WHERE id IN (
                    SELECT id FROM {parts}
                    WHERE run_id = %s AND part = %s AND pool_id = %s
                    ORDER BY remainder DESC, ordinal ASC
                    LIMIT %s
                )
                """,
                [run.pk, engine.SHARE_DIVIDEND, pool.pk, pool.leftover_fen],
            )
    return True


def build_payouts(run: DistributionRun) -> None:
    """One payout per household with anything in any part, built in one INSERT … SELECT."""
    Objection.objects.filter(run=run, payout__isnull=False).update(payout=None)
    parts = PayoutPart._meta.db_table
    payouts = Payout._meta.db_table

    def part_sum(part: str) -> str:
        return f"SUM(CASE WHEN part = '{part}' THEN amount_fen ELSE 0 END)"

    households = Household._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {payouts} WHERE run_id = %s", [run.pk])
        cursor.execute(
            f"""
            INSERT INTO {payouts} (run_id, household_id, household_code, association_id, rent_fen, land_dividend_fen,
                share_dividend_fen, wage_fen, total_fen, status, company_bank_reference, association_bank_reference)
            SELECT p.run_id, p.household_id, h.code, p.association_id, p.rent, p.land, p.share, p.wages, p.total,
                %s, '', ''
            FROM (
                SELECT run_id, household_id, MIN(association_id) AS association_id, {part_sum(engine.RENT)} AS rent,
                    {part_sum(engine.LAND_DIVIDEND)} AS land, {part_sum(engine.SHARE_DIVIDEND)} AS share,
                    {part_sum(engine.WAGES)} AS wages, SUM(amount_fen) AS total
                FROM {parts}
                WHERE run_id = %s AND household_id IS NOT NULL
                GROUP BY run_id, household_id
                HAVING MAX(ABS(amount_fen)) > 0
            ) p
            JOIN {households} h ON h.id = p.household_id
            """,
            [Payout.Status.PENDING, run.pk],
        )


def check_payout_references(run: DistributionRun) -> None:
    """Refuse a run whose payouts name a household or association that does not exist.

    The payouts' references are not checked row by row by the database (models.FROZEN_FK): a million
    rows would cost a key lookup and a row lock each. One anti-join per reference checks them all.
    """
    payouts = connection.ops.quote_name(Payout._meta.db_table)
    # Each household once per run; a few hundred associations, each named by thousands of payouts.
    references = (
        (
            f"SELECT household_id AS ref FROM {payouts} WHERE run_id = %s",
            Household,
            _("A payout of this run names household id %(id)s, which does not exist."),
        ),
        (
            f"SELECT DISTINCT association_id AS ref FROM {payouts} WHERE run_id = %s",
            Organisation,
            _("A payout of this run names association id %(id)s, which does not exist."),
        ),
    )
    for named, model, message in references:
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT p.ref FROM ({named}) p WHERE NOT EXISTS (SELECT 1 FROM {table} r WHERE r.id = p.ref) LIMIT 1",
                [run.pk],
            )
            missing = cursor.fetchone()
        if missing:
            raise DistributionError(message % {"id": missing[0]})


def check_pools(run: DistributionRun, stats: Mapping[int, dict] | None = None) -> None:
    """Refuse to complete unless every pool equals the sum of its lines, to the fen (DESIGN.md §3).

    stats: part_stats(run) when the caller has read them since the last change to the lines.
    """
    pools = list(run.pools.select_related("association"))
    by_kind = {(pool.kind, pool.association_id): pool for pool in pools}
    children: dict[int, int] = defaultdict(int)
    for pool in pools:
        if pool.parent_id:
            children[pool.parent_id] += pool.amount_fen
    part_sums: dict[int, int] = {}
    collective_sum = 0
    for pool_id, row in (part_stats(run) if stats is None else stats).items():
        part_sums[pool_id] = row["total"]
        collective_sum += row["collective"] or 0
    payout_sums = Payout.objects.filter(run=run).aggregate(
        rent=Sum("rent_fen"), land=Sum("land_dividend_fen"), share=Sum("share_dividend_fen"), wages=Sum("wage_fen")
    )
    contract_sums = RunContractLine.objects.filter(run=run).aggregate(
        rent=Sum("rent_fen"), land=Sum("land_dividend_fen")
    )
    labour_sum = RunLabourLine.objects.filter(run=run).aggregate(wages=Sum("wage_fen"))["wages"]

    def expect(pool: Pool, lines_fen: int | None) -> None:
        if pool.amount_fen != (lines_fen or 0):
            raise DistributionError(
                _(
                    "The %(pool)s is %(amount)s fen but its lines add up to %(lines)s fen; "
                    "the run is not marked computed."
                )
                % {"pool": pool.name, "amount": pool.amount_fen, "lines": lines_fen or 0},
                pool=pool.name,
            )

    for pool in pools:
        if pool.kind in (engine.POOL_SHAREHOLDER, engine.POOL_RECEIVED):
            expect(pool, children[pool.pk])
        elif pool.kind in (engine.POOL_RENT, engine.POOL_WAGES, engine.POOL_LAND_DIVIDEND, engine.POOL_SPLIT):
            expect(pool, part_sums.get(pool.pk))
    rent, land, wages = (
        by_kind[(kind, None)] for kind in (engine.POOL_RENT, engine.POOL_LAND_DIVIDEND, engine.POOL_WAGES)
    )
    expect(rent, contract_sums["rent"])
    expect(rent, payout_sums["rent"])
    expect(land, contract_sums["land"])
    expect(land, payout_sums["land"])
    expect(wages, labour_sum)
    expect(wages, payout_sums["wages"])
    split_total = sum(pool.amount_fen for pool in pools if pool.kind == engine.POOL_SPLIT)
    if split_total != (payout_sums["share"] or 0) + (collective_sum or 0):
        name = engine.pool_name(engine.POOL_SHAREHOLDER)
        raise DistributionError(
            _("The share dividend pools add up to %(pools)s fen but the payouts and collective lines to %(lines)s fen.")
            % {"pools": split_total, "lines": (payout_sums["share"] or 0) + (collective_sum or 0)},
            pool=name,
        )
    figures = run.figures
    net = figures.get("net_profit_fen", 0)
    parts_of_net = sum(
        by_kind[(kind, None)].amount_fen
        for kind in (engine.POOL_RESERVE, engine.POOL_WELFARE, engine.POOL_SHAREHOLDER, engine.POOL_RETAINED)
    )
    if parts_of_net != max(net, 0):
        name = engine.pool_name(engine.POOL_SHAREHOLDER)
        raise DistributionError(
            _(
                "Reserve, welfare, shareholder pool and retained earnings add up to %(parts)s fen, not the net profit "
                "of %(net)s fen."
            )
            % {"parts": parts_of_net, "net": max(net, 0)},
            pool=name,
        )
