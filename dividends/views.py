"""Dividends pages. Thin: scope with `.visible_to`, check a rule, call a service, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collective.models import Household, Organisation, User
from collective.shortcuts import add_service_errors, paginate, require_permission
from dividends import engine, forms, imports, services
from dividends.models import (
    DistributionPolicy,
    DistributionRun,
    LedgerEntry,
    Objection,
    PaymentExport,
    Payout,
    PayoutPart,
    Pool,
    sees_all_money,
)
from dividends.services import payments
from dividends.services.policies import percent


def _errors(error: ValidationError) -> list[str]:
    return error.messages


def _visible_run(request, pk: int) -> DistributionRun:
    return get_object_or_404(
        DistributionRun.objects.visible_to(request.user).select_related("company", "policy", "reverses", "replaces"),
        pk=pk,
    )


@require_GET
def index(request):
    return redirect("dividends:run-list")


# --- Ledger ---------------------------------------------------------------------------------------


@require_GET
def ledger_list(request):
    require_permission(request, "dividends.view_ledger")
    form = forms.LedgerFilterForm(request.GET or None, user=request.user)
    entries = LedgerEntry.objects.visible_to(request.user).select_related("organisation", "recorded_by")
    if form.is_valid():
        if form.cleaned_data["organisation"]:
            entries = entries.filter(organisation=form.cleaned_data["organisation"])
        if form.cleaned_data["year"]:
            entries = entries.of_year(form.cleaned_data["year"])
        if form.cleaned_data["direction"]:
            entries = entries.filter(direction=form.cleaned_data["direction"])
    page, query = paginate(request, entries)
    locked_years = {(run.company_id, run.year) for run in DistributionRun.objects.locking().only("company_id", "year")}
    return render(
        request,
        "dividends/ledger_list.html",
        {
            "form": form,
            "page_obj": page,
            "query_string": query,
            "locked_years": locked_years,
            "can_record": forms.organisations_for(request.user, recording=True).exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def ledger_create(request):
    if not forms.organisations_for(request.user, recording=True).exists():
        raise PermissionDenied
    form = forms.LedgerEntryForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_entry(
                user=request.user, organisation=form.cleaned_data["organisation"], **form.service_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The entry is recorded."))
            return redirect("dividends:ledger-list")
    return render(request, "dividends/ledger_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def ledger_update(request, pk: int):
    entry = get_object_or_404(LedgerEntry.objects.visible_to(request.user).select_related("organisation"), pk=pk)
    require_permission(request, "dividends.change_entry", entry)
    form = forms.LedgerEntryForm(request.POST or None, user=request.user, entry=entry)
    locked = services.is_year_locked(organisation=entry.organisation, year=entry.year)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_entry(user=request.user, entry=entry, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The entry is changed."))
            return redirect("dividends:ledger-list")
    return render(request, "dividends/ledger_form.html", {"form": form, "entry": entry, "locked": locked})


@require_POST
def ledger_delete(request, pk: int):
    entry = get_object_or_404(LedgerEntry.objects.visible_to(request.user).select_related("organisation"), pk=pk)
    require_permission(request, "dividends.change_entry", entry)
    try:
        services.delete_entry(user=request.user, entry=entry)
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
        return redirect("dividends:ledger-update", pk=pk)
    messages.success(request, _("The entry is deleted."))
    return redirect("dividends:ledger-list")


@require_http_methods(["GET", "POST"])
def ledger_import(request):
    if not forms.organisations_for(request.user, recording=True).exists():
        raise PermissionDenied
    form = forms.LedgerImportForm(request.POST or None, request.FILES or None, user=request.user)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            count = imports.import_entries(
                user=request.user, organisation=form.cleaned_data["organisation"], upload=upload, filename=upload.name
            )
        except imports.ImportRejected as rejected:
            problems = rejected.errors
        else:
            messages.success(request, _("%(count)s entries imported.") % {"count": count})
            return redirect("dividends:ledger-list")
    return render(request, "dividends/ledger_import.html", {"form": form, "problems": problems})


@require_GET
def income_statement(request):
    require_permission(request, "dividends.view_ledger")
    organisations = forms.organisations_for(request.user)
    # It opens on the user's own organisation (the accountant's company), else the first they may read.
    own = organisations.filter(pk=request.user.organisation_id).first()
    initial = {"year": timezone.localdate().year - 1, "organisation": own or organisations.first()}
    form = forms.StatementFilterForm(request.GET or initial, user=request.user)
    statement = None
    if form.is_valid():
        statement = services.income_statement(
            organisation=form.cleaned_data["organisation"], year=form.cleaned_data["year"]
        )
    return render(request, "dividends/income_statement.html", {"form": form, "statement": statement})


# --- Policies -------------------------------------------------------------------------------------


@require_GET
def policy_list(request):
    require_permission(request, "dividends.view_policy")
    policies = DistributionPolicy.objects.visible_to(request.user).select_related("organisation")
    page, query = paginate(request, policies)
    return render(
        request,
        "dividends/policy_list.html",
        {
            "page_obj": page,
            "query_string": query,
            "can_manage": request.user.has_perm("dividends.manage_policy"),
        },
    )


@require_http_methods(["GET", "POST"])
def policy_form(request, pk: int | None = None):
    require_permission(request, "dividends.manage_policy")
    policy = get_object_or_404(DistributionPolicy.objects.visible_to(request.user), pk=pk) if pk else None
    if policy is not None and policy.is_frozen:
        messages.error(request, _("This policy was used by an approved run and is frozen."))
        return redirect("dividends:policy-list")
    form = forms.PolicyForm(request.POST or None, policy=policy)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_policy(
                user=request.user,
                policy=policy,
                organisation=data["organisation"],
                year=data["year"],
                land_share_rate=data["land_share_rate"],
                reserve_rate=data["reserve_rate"],
                welfare_rate=data["welfare_rate"],
                payout_rate=data["payout_rate"],
                retention_rate=data["retention_rate"],
                record_date=data["record_date"],
                note=data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The policy is saved."))
            return redirect("dividends:policy-list")
    return render(
        request,
        "dividends/policy_form.html",
        {
            "form": form,
            "policy": policy,
            "county_minimum": percent(settings.DIVIDENDS_MIN_RESERVE_AND_WELFARE_RATE),
            "county_maximum": percent(settings.DIVIDENDS_MAX_MEMBER_DIVIDEND_RATE),
        },
    )


# --- Runs -----------------------------------------------------------------------------------------


@require_GET
def run_list(request):
    _need_any_run_access(request)
    runs = DistributionRun.objects.visible_to(request.user).select_related("company", "policy")
    page, query = paginate(request, runs)
    can_compute = request.user.has_perm("dividends.compute_run")
    return render(
        request,
        "dividends/run_list.html",
        {
            "page_obj": page,
            "query_string": query,
            "can_compute": can_compute,
            "create_form": forms.RunCreateForm(user=request.user) if can_compute else None,
        },
    )


def _need_any_run_access(request) -> None:
    user = request.user
    if not (user.has_perm("dividends.view_run") or user.role == User.Role.FARMER):
        raise PermissionDenied


@require_POST
def run_create(request):
    require_permission(request, "dividends.compute_run")
    form = forms.RunCreateForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose a policy."))
        return redirect("dividends:run-list")
    try:
        run = services.create_run(user=request.user, policy=form.cleaned_data["policy"])
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
        return redirect("dividends:run-list")
    messages.success(request, _("A draft run is open. Compute it when the year's entries are complete."))
    return redirect("dividends:run-detail", pk=run.pk)


def _run_context(request, run: DistributionRun) -> dict:
    user = request.user
    # What a village may see of a run (the same as its API key): the company-level pools, public in
    # the notice, and its own association's pools and lines; never another village's.
    pools = list(Pool.objects.visible_to(user).filter(run=run).select_related("association").order_by("position"))
    company_pools = [pool for pool in pools if pool.association_id is None]
    association_pools: dict[int, dict] = {}
    for pool in pools:
        if pool.association_id:
            entry = association_pools.setdefault(pool.association_id, {"association": pool.association})
            entry[pool.kind] = pool
    collective_lines = {
        part.association_id: part
        for part in PayoutPart.objects.filter(
            run=run, household__isnull=True, association__in=Organisation.objects.visible_to(user)
        ).only("association_id", "amount_fen")
    }
    for association_id, entry in association_pools.items():
        entry["collective"] = collective_lines.get(association_id)
    totals = (
        Payout.objects.visible_to(user)
        .filter(run=run)
        .aggregate(
            count=Count("pk"),
            rent=Sum("rent_fen"),
            land=Sum("land_dividend_fen"),
            share=Sum("share_dividend_fen"),
            wages=Sum("wage_fen"),
            total=Sum("total_fen"),
        )
    )
    totals["dividends"] = (totals["land"] or 0) + (totals["share"] or 0)
    return {
        "run": run,
        "company_pools": company_pools,
        "association_pools": list(association_pools.values()),
        "totals": totals,
        "notes": [_note_text(note) for note in run.notes],
        # The associations whose pools the user sees (Pool.visible_to): a village official only its own.
        "notice_associations": [entry["association"] for entry in association_pools.values()],
        "open_objections": run.objections.open().count(),
        "steps": run.allowed_steps(user),
        "publish_form": forms.PublishForm(),
        "approve_form": forms.ApproveForm(),
    }


def _note_text(note: str) -> str:
    return {
        engine.NOTE_NET_LOSS: _(
            "The company made no net profit: guaranteed rent and wages are paid, but nothing goes to the reserves "
            "or the shareholders (no distribution from a loss)."
        ),
        engine.NOTE_LAND_LOSS: _(
            "The land operation made no profit after the guaranteed rent: there is no land dividend this year."
        ),
        engine.NOTE_BORROWED_EXCLUDED: _("Borrowed funds are not income: they are left out of the profit distributed."),
        engine.NOTE_NO_PROFIT_SHARE_POOL: _("The policy's land share rate is zero: no land dividend."),
    }.get(note, note)


@require_GET
def run_detail(request, pk: int):
    _need_any_run_access(request)
    run = _visible_run(request, pk)
    return render(request, "dividends/run_detail.html", _run_context(request, run))


@require_GET
def run_progress(request, pk: int):
    """The live progress of a computing run, polled by htmx; reloads the page when it is done."""
    _need_any_run_access(request)
    run = _visible_run(request, pk)
    response = render(request, "dividends/_run_progress.html", {"run": run})
    if run.status != DistributionRun.Status.COMPUTING and request.htmx:
        response["HX-Refresh"] = "true"
    return response


def _step(request, pk: int, action, success: str, **kwargs):
    run = _visible_run(request, pk)
    try:
        action(user=request.user, run=run, **kwargs)
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("dividends:run-detail", pk=pk)


@require_POST
def run_compute(request, pk: int):
    require_permission(request, "dividends.compute_run")
    run = _visible_run(request, pk)
    try:
        run = services.start_computation(user=request.user, run=run)
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
        return redirect("dividends:run-detail", pk=pk)
    # In the embedded mode the run is computed (or failed) by now: say so, not that it is computing.
    run.refresh_from_db()
    if run.status == DistributionRun.Status.COMPUTING:
        messages.success(request, _("The run is computing."))
    elif run.status != DistributionRun.Status.FAILED:
        messages.success(request, _("The run is computed."))
    return redirect("dividends:run-detail", pk=pk)


@require_POST
def run_publish(request, pk: int):
    require_permission(request, "dividends.publish_run")
    form = forms.PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the first day of the public notice."))
        return redirect("dividends:run-detail", pk=pk)
    return _step(
        request,
        pk,
        services.publish_notice,
        _("The run is on public notice."),
        starts_on=form.cleaned_data["starts_on"],
    )


@require_POST
def run_withdraw(request, pk: int):
    require_permission(request, "dividends.publish_run")
    return _step(request, pk, services.withdraw_notice, _("The notice is withdrawn; the run can be recomputed."))


@require_POST
def run_approve(request, pk: int):
    require_permission(request, "dividends.approve_run")
    form = forms.ApproveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("dividends:run-detail", pk=pk)
    return _step(request, pk, services.approve_run, _("The distribution is approved."), **form.cleaned_data)


@require_POST
def run_reverse(request, pk: int):
    require_permission(request, "dividends.reverse_run")
    run = _visible_run(request, pk)
    try:
        reversal = services.reverse_run(user=request.user, run=run)
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
        return redirect("dividends:run-detail", pk=pk)
    messages.success(
        request, _("The reversal is computed. Once the township approves it, a new run can correct the year.")
    )
    return redirect("dividends:run-detail", pk=reversal.pk)


@require_POST
def run_close(request, pk: int):
    require_permission(request, "dividends.close_run")
    return _step(request, pk, services.close_run, _("The run is closed."))


# --- Payouts, notice, objections ------------------------------------------------------------------


@require_GET
def payout_list(request, pk: int):
    _need_any_run_access(request)
    run = _visible_run(request, pk)
    payouts = (
        Payout.objects.visible_to(request.user)
        .filter(run=run)
        .select_related("household", "association")
        .order_by("household_code", "pk")
    )
    q = request.GET.get("q", "").strip()
    payouts = payouts.search(q)
    association = request.GET.get("association", "")
    if association.isdigit():
        payouts = payouts.filter(association_id=int(association))
    page, query = paginate(request, payouts)
    associations = Organisation.objects.filter(pk__in=run.pools.filter(association__isnull=False).values("association"))
    if not sees_all_money(request.user):
        associations = associations.filter(pk__in=payouts.values("association_id"))
    return render(
        request,
        "dividends/payout_list.html",
        {
            "run": run,
            "page_obj": page,
            "query_string": query,
            "q": q,
            "association": association,
            "associations": associations.order_by("code"),
            "steps": run.allowed_steps(request.user),
        },
    )


@require_GET
def notice(request, pk: int, association_pk: int):
    """The printable public notice (公示) of a run for one association: households and amounts, IDs masked.

    Officials print it for the village board. A farmer reads the notice in the portal, which shows
    the association's figures and their own line only: no farmer sees another household's money.
    """
    if request.user.is_farmer:
        raise Http404
    _need_any_run_access(request)
    run = _visible_run(request, pk)
    if run.status == DistributionRun.Status.DRAFT:
        raise Http404
    association = get_object_or_404(Organisation.objects.collectives().visible_to(request.user), pk=association_pk)
    payouts = (
        Payout.objects.filter(run=run, association=association)
        .select_related("household", "household__head")
        .order_by("household_code", "pk")
    )
    pools = {pool.kind: pool for pool in run.pools.filter(association=association)}
    collective = PayoutPart.objects.filter(run=run, association=association, household__isnull=True).first()
    totals = payouts.aggregate(
        rent=Sum("rent_fen"),
        land=Sum("land_dividend_fen"),
        share=Sum("share_dividend_fen"),
        wages=Sum("wage_fen"),
        total=Sum("total_fen"),
    )
    return render(
        request,
        "dividends/notice.html",
        {
            "run": run,
            "association": association,
            "payouts": payouts,
            "received": pools.get(engine.POOL_RECEIVED),
            "retention": pools.get(engine.POOL_RETENTION),
            "split": pools.get(engine.POOL_SPLIT),
            "collective": collective,
            "totals": totals,
            "notes": [_note_text(note) for note in run.notes],
            "part_names": PayoutPart.Part.labels,
        },
    )


@require_GET
def objection_list(request, pk: int):
    _need_any_run_access(request)
    run = _visible_run(request, pk)
    objections = (
        Objection.objects.visible_to(request.user)
        .filter(run=run)
        .select_related("household", "raised_by", "answered_by", "payout")
    )
    return render(request, "dividends/objection_list.html", {"run": run, "objections": objections})


@require_http_methods(["GET", "POST"])
def objection_create(request, payout_pk: int):
    payout = get_object_or_404(Payout.objects.visible_to(request.user).select_related("run", "household"), pk=payout_pk)
    require_permission(request, "dividends.lodge_objection", payout)
    form = forms.ObjectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lodge_objection(user=request.user, payout=payout, text=form.cleaned_data["text"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your objection is lodged. You will find the answer here."))
            return redirect("dividends:objection-list", pk=payout.run_id)
    return render(request, "dividends/objection_form.html", {"form": form, "payout": payout})


@require_http_methods(["GET", "POST"])
def objection_answer(request, pk: int):
    objection = get_object_or_404(
        Objection.objects.visible_to(request.user).select_related("run", "household", "payout"), pk=pk
    )
    require_permission(request, "dividends.answer_objection", objection)
    form = forms.AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_objection(user=request.user, objection=objection, answer=form.cleaned_data["answer"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The objection is answered."))
            return redirect("dividends:objection-list", pk=objection.run_id)
    return render(request, "dividends/objection_answer.html", {"form": form, "objection": objection})


# --- Payment --------------------------------------------------------------------------------------


def _payers(request, run: DistributionRun) -> list[Organisation]:
    candidates = [
        run.company,
        *Organisation.objects.filter(pk__in=run.pools.filter(association__isnull=False).values("association")).order_by(
            "code"
        ),
    ]
    return [payer for payer in candidates if request.user.has_perm("dividends.export_payment", payer)]


@require_GET
def payment(request, pk: int):
    run = _visible_run(request, pk)
    payers = _payers(request, run)
    if not payers:
        raise PermissionDenied
    rows = []
    for payer in payers:
        batch = payments.payer_payouts(run=run, payer=payer)
        pending = batch.filter(
            **(
                {"company_paid_on__isnull": True}
                if payer.pk == run.company_id
                else {"association_paid_on__isnull": True}
            )
        )
        rows.append(
            {
                "payer": payer,
                "count": batch.count(),
                "amount": batch.aggregate(total=Sum("payer_fen"))["total"] or 0,
                "pending": pending.count(),
            }
        )
    return render(
        request,
        "dividends/payment.html",
        {
            "run": run,
            "rows": rows,
            "form": forms.MarkPaidForm(),
            "steps": run.allowed_steps(request.user),
        },
    )


@require_GET
def payment_export(request, pk: int, payer_pk: int, file_format: str):
    run = _visible_run(request, pk)
    payer = get_object_or_404(Organisation, pk=payer_pk)
    if payer not in _payers(request, run):
        raise Http404
    try:
        content = payments.export_payment_batch(user=request.user, run=run, payer=payer, file_format=file_format)
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
        return redirect("dividends:payment", pk=pk)
    content_type = (
        "text/csv; charset=utf-8"
        if file_format == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="payments-{run.year}-{run.pk}-{payer.code}.{file_format}"'
    # Names and account numbers: no browser or proxy keeps a copy.
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def payment_exports(request, pk: int):
    """Who took this run's bank batches, when, for which payer and how many accounts."""
    run = _visible_run(request, pk)
    if request.user.is_farmer:
        raise PermissionDenied
    exports = PaymentExport.objects.visible_to(request.user).filter(run=run).select_related("user", "payer")
    return render(request, "dividends/payment_exports.html", {"run": run, "exports": exports})


@require_POST
def payment_mark(request, pk: int, payer_pk: int):
    run = _visible_run(request, pk)
    payer = get_object_or_404(Organisation, pk=payer_pk)
    if payer not in _payers(request, run):
        raise Http404
    form = forms.MarkPaidForm(request.POST)
    payout_ids = [int(value) for value in request.POST.getlist("payout") if value.isdigit()] or None
    household_code = request.POST.get("household", "").strip()
    if household_code:
        payout_ids = list(run.payouts.filter(household__code=household_code).values_list("pk", flat=True)) or [0]
    if payout_ids is not None:
        visible = set(
            Payout.objects.visible_to(request.user).filter(run=run, pk__in=payout_ids).values_list("pk", flat=True)
        )
        payout_ids = [pk_ for pk_ in payout_ids if pk_ in visible]
    if not form.is_valid():
        messages.error(request, _("Give the day paid and the bank's reference."))
    else:
        try:
            count = payments.mark_paid(
                user=request.user,
                run=run,
                payer=payer,
                paid_on=form.cleaned_data["paid_on"],
                bank_reference=form.cleaned_data["bank_reference"],
                payouts=payout_ids,
            )
        except ValidationError as error:
            for message in _errors(error):
                messages.error(request, message)
        else:
            messages.success(request, _("%(count)s line(s) marked paid.") % {"count": count})
    return redirect("dividends:payment", pk=pk)


# --- Statements -----------------------------------------------------------------------------------


def _visible_household(request, pk: int) -> Household:
    return get_object_or_404(Household.objects.visible_to(request.user).select_related("association", "head"), pk=pk)


@require_GET
def statement(request, household_pk: int, year: int):
    household = _visible_household(request, household_pk)
    built = services.build_household_statement(household=household, year=year)
    return render(request, "dividends/statement.html", {"statement": built})


@require_GET
def statement_pdf(request, household_pk: int, year: int):
    household = _visible_household(request, household_pk)
    built = services.build_household_statement(household=household, year=year)
    response = HttpResponse(services.render_statement_pdf(statement=built), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="statement-{household.code}-{year}.pdf"'
    return response
