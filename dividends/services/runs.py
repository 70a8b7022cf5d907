"""The life of a run: draft → computing → computed → public notice → approved → paid → closed.

Each step is allowed only to its role (dividends/rules.py) and only from its status. An approved
run is never changed: a correction is a reversal that cancels it line for line plus a new run.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from collective.models import Organisation, User
from dividends.models import DistributionPolicy, DistributionRun, Objection, Payout, PayoutPart, Pool
from dividends.services.bookkeeping import post_run_vouchers
from dividends.services.chunks import compute_chunk
from dividends.services.finish import finish_run
from dividends.services.prepare import prepare_run

Status = DistributionRun.Status


def _require(user: User, permission: str, obj=None, message: str = "") -> None:
    if not user.has_perm(permission, obj):
        raise PermissionDenied(message or _("Your role may not take this step."))


def _require_step(user: User, run: DistributionRun, step: str, message: str) -> None:
    """Refuse a step that is not the user's role's (the run's STEP_PERMISSIONS, as allowed_steps reads them)."""
    _require(user, DistributionRun.STEP_PERMISSIONS[step], run, message)


def _locked(run: DistributionRun) -> DistributionRun:
    return DistributionRun.objects.select_for_update().get(pk=run.pk)


@transaction.atomic
def create_run(*, user: User, policy: DistributionPolicy, replaces: DistributionRun | None = None) -> DistributionRun:
    """Open a draft run for the policy's company and year.

    While a run of the year stands approved, a new one is allowed only as the correction of a
    reversed run.
    """
    _require(user, "dividends.compute_run", message=_("Only the company accountant prepares a distribution."))
    company = policy.organisation
    standing = DistributionRun.objects.filter(
        company=company, year=policy.year, kind=DistributionRun.Kind.REGULAR, reversal__isnull=True
    ).locking()
    if standing.exists():
        raise ValidationError(
            _("The %(year)s distribution is already approved. Reverse it first; the new run then corrects it.")
            % {"year": policy.year}
        )
    if replaces is not None and not hasattr(replaces, "reversal"):
        raise ValidationError(_("Only a reversed run can be corrected by a new run."))
    already_prepared = ValidationError(
        _("A %(year)s run is already being prepared; continue with that one.") % {"year": policy.year}
    )
    if DistributionRun.objects.filter(
        company=company,
        year=policy.year,
        kind=DistributionRun.Kind.REGULAR,
        status__in=[Status.DRAFT, Status.COMPUTING, Status.COMPUTED, Status.FAILED, Status.NOTICE],
    ).exists():
        raise already_prepared
    if replaces is None:
        replaces = (
            DistributionRun.objects.filter(
                company=company, year=policy.year, kind=DistributionRun.Kind.REGULAR, reversal__isnull=False
            )
            .order_by("-pk")
            .first()
        )
    try:
        # A second submit at the same moment passes the check above before the first commits; the
        # database's one-open-run constraint then refuses it, and it gets the same answer.
        with transaction.atomic():
            return DistributionRun.objects.create(
                company=company, year=policy.year, policy=policy, created_by=user, replaces=replaces
            )
    except IntegrityError as error:
        if "run_one_open_regular_run_per_year" not in str(error):
            raise
        raise already_prepared from error


@transaction.atomic
def start_computation(*, user: User, run: DistributionRun, enqueue: bool = True) -> DistributionRun:
    """Send the run to Celery (draft, computed or failed): the same inputs give the same lines.

    enqueue=False only marks it computing, for compute_run_now, which runs the steps itself.
    """
    _require_step(user, run, "compute", _("Only the company accountant computes a distribution."))
    run = _locked(run)
    if run.is_reversal:
        raise ValidationError(_("A reversal is not computed; it mirrors the run it reverses."))
    if not run.step_is_open("compute"):
        raise ValidationError(
            _("A run that is %(status)s cannot be computed again.") % {"status": run.get_status_display()}
        )
    if run.policy.organisation_id != run.company_id or run.policy.year != run.year:
        raise ValidationError(_("The policy belongs to another company or year."))
    run.status = Status.COMPUTING
    run.chunks_total = 0
    run.chunks_done = 0
    run.inputs_frozen_at = None
    run.computed_at = None
    run.progressed_at = timezone.now()
    run.error = ""
    run.save()
    if enqueue:
        send_to_worker_on_commit(run.pk)
    return run


def send_to_worker_on_commit(run_id: int) -> None:
    """The one place a service sends a task: the run's prepare, once the transaction that marked it computing commits.

    Every later step is sent by the task module (dividends/tasks.py) from what the step before returned.
    """
    from dividends.tasks import prepare_run_task  # the tasks import the services: imported when sent

    prepare_run_task.delay_on_commit(run_id)


def compute_run_now(*, user: User, run: DistributionRun) -> DistributionRun:
    """Compute a run in this process, step by step, with the very functions the Celery tasks call.

    For the demo and management commands, which must end with the run computed whether or not a
    broker is configured; pages go through Celery (start_computation).
    """
    run = start_computation(user=user, run=run, enqueue=False)
    prepare_run(run_id=run.pk)
    for number in run.chunks.filter(done=False).order_by("number").values_list("number", flat=True):
        compute_chunk(run_id=run.pk, number=number)
    finish_run(run_id=run.pk)
    run.refresh_from_db()
    return run


@transaction.atomic
def publish_notice(
    *, user: User, run: DistributionRun, starts_on: date | None = None, published_on: date | None = None
) -> DistributionRun:
    """Put a computed run on public notice (公示) for at least the county's minimum number of days.

    The period counts from the day the server records the publication (today); a typed first day
    may only be later. published_on is for loading a past that really happened (the demo's history,
    tests): pages and the API never pass it.
    """
    _require_step(user, run, "publish", _("Only the company accountant publishes a distribution."))
    run = _locked(run)
    if not run.step_is_open("publish"):
        raise ValidationError(_("Only a computed run can be put on public notice."))
    today = timezone.localdate()
    published_on = published_on or today
    if published_on > today:
        raise ValidationError(_("A notice cannot be published on a future day."), code="published_in_future")
    starts_on = starts_on or published_on
    if starts_on < published_on:
        raise ValidationError(
            _(
                "The public notice cannot start on %(starts)s, before it is published (%(published)s): "
                "the notice period counts from the day of publication. Choose %(published)s or a later day."
            )
            % {"starts": starts_on.isoformat(), "published": published_on.isoformat()},
            code="starts_before_publication",
        )
    run.status = Status.NOTICE
    run.notice_published_on = published_on
    run.notice_starts_on = starts_on
    run.notice_ends_on = run.notice_ends_for(starts_on)
    run.published_by = user
    run.save()
    return run


@transaction.atomic
def withdraw_notice(*, user: User, run: DistributionRun) -> DistributionRun:
    """Take a run off notice to correct and recompute it; its objections stay with it."""
    _require_step(user, run, "withdraw", _("Only the company accountant withdraws a notice."))
    run = _locked(run)
    if not run.step_is_open("withdraw"):
        raise ValidationError(_("Only a run in public notice can be withdrawn."))
    run.status = Status.COMPUTED
    run.notice_published_on = None
    run.notice_starts_on = None
    run.notice_ends_on = None
    run.save()
    return run


@transaction.atomic
def approve_run(
    *,
    user: User,
    run: DistributionRun,
    resolution_date: date,
    resolution_reference: str,
    approved_on: date | None = None,
) -> DistributionRun:
    """The township approves a run after its notice, recording the members' representative assembly's resolution.

    approved_on, like publish_notice's published_on, loads a past that really happened (the demo's history):
    pages and the API never pass it. It may not precede the resolution nor come after today.
    """
    _require_step(user, run, "approve", _("Only a township official approves a distribution."))
    run = _locked(run)
    if not run.step_is_open("approve"):
        if run.is_reversal:
            raise ValidationError(_("Only a computed reversal can be approved."))
        raise ValidationError(_("Only a run in public notice can be approved."))
    if not run.is_reversal:
        if not run.notice_over:
            raise ValidationError(
                _("The public notice runs until %(date)s; it must last at least %(days)s days.")
                % {
                    "date": max(run.notice_ends_on, run.notice_ends_for(run.notice_starts_on)),
                    "days": settings.DIVIDENDS_MIN_NOTICE_DAYS,
                }
            )
        open_count = run.objections.open().count()
        if open_count:
            raise ValidationError(
                _("%(count)s objection(s) are still open. Answer every objection before approving.")
                % {"count": open_count}
            )
        if (
            run.replaces_id
            and not DistributionRun.objects.filter(
                reverses_id=run.replaces_id, status__in=DistributionRun.LOCKING_STATUSES
            ).exists()
        ):
            raise ValidationError(_("Approve the reversal of the run this one corrects first."))
    if not resolution_reference.strip() or resolution_date is None:
        raise ValidationError(_("Record the date and reference of the assembly's resolution."))
    if resolution_date > timezone.localdate():
        raise ValidationError(_("The resolution date cannot be in the future."))
    if approved_on is not None and not resolution_date <= approved_on <= timezone.localdate():
        raise ValidationError(_("A run is approved on or after its resolution, and not in the future."))
    run.status = Status.APPROVED
    run.approved_by = user
    run.approved_at = timezone.now() if approved_on is None else _noon_of(approved_on)
    run.resolution_date = resolution_date
    run.resolution_reference = resolution_reference.strip()
    run.save()
    post_run_vouchers(run=run, user=user)
    return run


def _noon_of(day: date) -> datetime:
    """Midday of a day in the server's time zone: the moment a past approval is recorded at."""
    return timezone.make_aware(datetime.combine(day, time(12)))


def refuse_share_event_before_approved_run(*, association: Organisation, effective_date: date) -> None:
    """Refuse a share event that would change the holdings an approved run split (docs/distribution.md).

    An approved run took the association's registry as of its record date; an event effective on or
    before that date would make the registry disagree with what was paid. Once the run is reversed
    the event is allowed, and the run that corrects it counts it.
    """
    run = (
        DistributionRun.objects.locking()
        .filter(
            kind=DistributionRun.Kind.REGULAR,
            reversal__isnull=True,
            policy__record_date__gte=effective_date,
        )
        .filter(Exists(Pool.objects.filter(run=OuterRef("pk"), association=association)))
        .select_related("policy")
        .order_by("-policy__record_date", "-pk")
        .first()
    )
    if run is None:
        return
    raise ValidationError(
        _(
            "The approved %(year)s distribution (run #%(run)s) split %(association)s's shares as held on its "
            "record date %(record_date)s; an event effective on %(date)s would change what it paid. Date the "
            "event after %(record_date)s, or, if the holdings on that date were wrong, have the accountant "
            "reverse run #%(run)s first: the new run then counts the corrected holdings."
        )
        % {
            "year": run.year,
            "run": run.pk,
            "association": association.name,
            "record_date": run.policy.record_date.isoformat(),
            "date": effective_date.isoformat(),
        },
        code="before_approved_run",
    )


@transaction.atomic
def close_run(*, user: User, run: DistributionRun) -> DistributionRun:
    _require_step(user, run, "close", _("Only the company accountant closes a distribution."))
    run = _locked(run)
    if not run.step_is_open("close"):
        raise ValidationError(_("Only a paid run can be closed."))
    run.status = Status.CLOSED
    run.closed_at = timezone.now()
    run.save()
    return run


@transaction.atomic
def reverse_run(*, user: User, run: DistributionRun) -> DistributionRun:
    """Cancel an approved run line for line with a reversal run (its pools, lines and payouts negated)."""
    _require_step(user, run, "reverse", _("Only the company accountant reverses a distribution."))
    run = _locked(run)
    if not run.step_is_open("reverse"):
        if run.is_reversal or not run.is_locked:
            raise ValidationError(_("Only an approved distribution can be reversed."))
        raise ValidationError(_("This run is already reversed."))
    reversal = DistributionRun.objects.create(
        company=run.company,
        year=run.year,
        policy=run.policy,
        kind=DistributionRun.Kind.REVERSAL,
        reverses=run,
        status=Status.COMPUTED,
        inputs=run.inputs,
        figures={key: -value for key, value in run.figures.items()},
        notes=run.notes,
        inputs_frozen_at=timezone.now(),
        computed_at=timezone.now(),
        created_by=user,
    )
    mapping: dict[int, Pool] = {}
    _mirror_pools_in_order(run, mapping, reversal)
    parts = PayoutPart._meta.db_table
    pools = Pool._meta.db_table
    payouts = Payout._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {parts} (run_id, household_id, association_id, part, pool_id, ordinal, weight, floor_fen,
                remainder, amount_fen)
            SELECT %s, p.household_id, p.association_id, p.part, np.id, p.ordinal, p.weight, -p.floor_fen,
                p.remainder, -p.amount_fen
            FROM {parts} p
            JOIN {pools} op ON op.id = p.pool_id
            JOIN {pools} np ON np.run_id = %s AND np.kind = op.kind
                AND (np.association_id = op.association_id OR (np.association_id IS NULL AND op.association_id IS NULL))
            WHERE p.run_id = %s
            """,
            [reversal.pk, reversal.pk, run.pk],
        )
        cursor.execute(
            f"""
            INSERT INTO {payouts} (run_id, household_id, household_code, association_id, rent_fen, land_dividend_fen,
                share_dividend_fen, wage_fen, total_fen, status, company_bank_reference, association_bank_reference)
            SELECT %s, household_id, household_code, association_id, -rent_fen, -land_dividend_fen,
                -share_dividend_fen, -wage_fen, -total_fen, %s, '', ''
            FROM {payouts} WHERE run_id = %s
            """,
            [reversal.pk, Payout.Status.PENDING, run.pk],
        )
    _check_mirror(run, reversal)
    return reversal


def _check_mirror(run: DistributionRun, reversal: DistributionRun) -> None:
    """A reversal cancels its run exactly: every pool, line and payout, to the fen."""
    from django.db.models import Count, Sum

    for model in (Pool, PayoutPart, Payout):
        field = "total_fen" if model is Payout else "amount_fen"
        original = model.objects.filter(run=run).aggregate(n=Count("pk"), total=Sum(field))
        mirrored = model.objects.filter(run=reversal).aggregate(n=Count("pk"), total=Sum(field))
        if original["n"] != mirrored["n"] or (original["total"] or 0) != -(mirrored["total"] or 0):
            raise ValidationError(
                _("The reversal does not cancel the run line for line (%(what)s).") % {"what": model._meta.verbose_name}
            )


def _mirror_pools_in_order(run: DistributionRun, mapping: dict[int, Pool], reversal: DistributionRun) -> None:
    """Mirror the pools negated, parents before children (a tree of any depth)."""
    remaining = [pool for pool in run.pools.order_by("pk") if pool.pk not in mapping]
    while remaining:
        progressed = False
        for pool in list(remaining):
            if pool.parent_id is None or pool.parent_id in mapping:
                mapping[pool.pk] = Pool.objects.create(
                    run=reversal,
                    kind=pool.kind,
                    association_id=pool.association_id,
                    parent=mapping.get(pool.parent_id),
                    amount_fen=-pool.amount_fen,
                    total_weight=pool.total_weight,
                    total_units=pool.total_units,
                    weight_divisor=pool.weight_divisor,
                    leftover_fen=-pool.leftover_fen,
                    lines_count=pool.lines_count,
                    position=pool.position,
                )
                remaining.remove(pool)
                progressed = True
        if not progressed:
            raise ValidationError(_("The pools of this run do not form a tree."))


def runs_for_payer(*, run: DistributionRun, payer: Organisation) -> bool:
    """Whether an organisation pays anything in this run: the company always, an association its dividends."""
    if payer.pk == run.company_id:
        return True
    return payer.is_collective and run.pools.filter(association=payer).exists()


def objections_open(run: DistributionRun) -> int:
    return Objection.objects.filter(run=run, status=Objection.Status.OPEN).count()
