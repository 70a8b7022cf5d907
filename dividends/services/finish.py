"""The finish of a run: the left-over fen over each whole pool, the payouts, the checks, *computed*.

One task, one transaction, under the run's lock: it reads every pool's lines once (part_stats),
checks that the chunks handed each pool's left-over fen to the lines that rank first (or hands them
out by the ranking itself), builds the payouts set-based, checks their references and every pool
against its lines (DESIGN.md §3), and marks the run computed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from collective.models import Household, Organisation
from dividends import engine
from dividends.engine import DistributionError
from dividends.models import DistributionRun, Objection, Payout, PayoutPart, Pool, RunContractLine, RunLabourLine
from dividends.services import sql
from dividends.services.prepare import fail_run


def finish_run(*, run_id: int) -> None:
    """Hand out the left-over fen over each whole pool, build the payouts, check every pool, mark computed."""
    try:
        with transaction.atomic():
            run = DistributionRun.objects.select_for_update().filter(pk=run_id).first()
            sql.lock_run(run_id)
            # The ranking of the remainders and the payouts' GROUP BY sort and hash a million rows.
            sql.tune_transaction()
            if (
                run is None
                or run.status != DistributionRun.Status.COMPUTING
                or run.inputs_frozen_at is None
                or run.chunks_done < run.chunks_total
            ):
                return
            stats = part_stats(run)
            repaired = hand_out_leftovers(run, stats)
            if repaired:
                stats = part_stats(run)
            # The chunks paid the holders from the lines they wrote: only a repair changes those lines.
            build_payouts(run, rebuild=repaired)
            check_payout_references(run)
            check_pools(run, stats)
            # Pages look a household's lines up in these tables at once: with statistics from before
            # the million new rows the planner would scan the whole run for one household.
            sql.analyze(PayoutPart, Payout)
            run.status = DistributionRun.Status.COMPUTED
            run.computed_at = timezone.now()
            run.error = ""
            run.save(update_fields=["status", "computed_at", "error"])
    except DistributionError as error:
        fail_run(run_id=run_id, message=str(error))


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
    aggregates.update(sql.ranking_aggregates())
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
            or (leftover and not sql.postgresql())
            or (lowest is not None and highest is not None and lowest <= highest)
        ):
            pending.append(pool.pk)
    if not pending:
        return False
    PayoutPart.objects.filter(pool_id__in=pending).exclude(amount_fen=F("floor_fen")).update(amount_fen=F("floor_fen"))
    # The rare repair: one ranking per pool that the chunks did not hand out as planned.
    for pool in Pool.objects.filter(pk__in=pending).only("pk", "leftover_fen"):
        sql.hand_out_by_rank(run_id=run.pk, pool_id=pool.pk, leftover=pool.leftover_fen)
    return True


def build_payouts(run: DistributionRun, *, rebuild: bool = True) -> None:
    """One payout per household with anything in any part, built in one INSERT … SELECT.

    rebuild=False keeps the payouts the chunks wrote with their lines and adds the rest (sql.insert_payouts).
    """
    Objection.objects.filter(run=run, payout__isnull=False).update(payout=None)
    sql.insert_payouts(run.pk, rebuild=rebuild)


def check_payout_references(run: DistributionRun) -> None:
    """Refuse a run whose payouts name a household or association that does not exist.

    The payouts' references are not checked row by row by the database (models.FROZEN_FK): a million
    rows would cost a key lookup and a row lock each. One anti-join per reference checks them all.
    """
    # Each household once per run; a few hundred associations, each named by thousands of payouts.
    references = (
        ("household_id", Household, False, _("A payout of this run names household id %(id)s, which does not exist.")),
        (
            "association_id",
            Organisation,
            True,
            _("A payout of this run names association id %(id)s, which does not exist."),
        ),
    )
    for column, model, distinct, message in references:
        missing = sql.first_missing_reference(run_id=run.pk, column=column, model=model, distinct=distinct)
        if missing is not None:
            raise DistributionError(message % {"id": missing})


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
