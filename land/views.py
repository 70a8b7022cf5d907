"""Land pages. Thin: scope with `.visible_to`, check a rule, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collective.models import Member, Organisation
from collective.money import fen_to_yuan_string, format_yuan
from collective.shortcuts import add_service_errors, paginate, require_permission
from land import forms, imports, services
from land.models import (
    LabourRecord,
    LandTransferContract,
    Parcel,
    RentInstallment,
)


def _visible_contract(request, pk: int) -> LandTransferContract:
    return get_object_or_404(
        LandTransferContract.objects.visible_to(request.user).select_related(
            "household__association", "transferee", "renewed_from"
        ),
        pk=pk,
    )


# --- parcels -------------------------------------------------------------------------------------


@require_GET
def parcel_list(request):
    require_permission(request, "land.view_land")
    form = forms.ParcelFilterForm(request.GET or None, user=request.user)
    parcels = Parcel.objects.visible_to(request.user).select_related("association", "contract_household")
    if form.is_valid():
        if form.cleaned_data["q"]:
            q = form.cleaned_data["q"].strip()
            parcels = parcels.filter(Q(code__icontains=q) | Q(contract_household__code__icontains=q))
        if form.cleaned_data["association"]:
            parcels = parcels.filter(association=form.cleaned_data["association"])
    totals = parcels.aggregate(count=Count("pk"), area=Sum("area_mu"))
    page, query_string = paginate(request, parcels.order_by("code"))
    return render(
        request,
        "land/parcel_list.html",
        {
            "form": form,
            "page_obj": page,
            "query_string": query_string,
            "totals": totals,
            "can_change": request.user.has_perm("land.change_land"),
        },
    )


@require_GET
def parcel_detail(request, pk: int):
    require_permission(request, "land.view_land")
    parcel = get_object_or_404(
        Parcel.objects.visible_to(request.user).select_related("association", "contract_household"), pk=pk
    )
    contracts = LandTransferContract.objects.visible_to(request.user)
    lines = (
        parcel.contract_lines.filter(contract__in=contracts)
        .select_related("contract__household", "contract__transferee")
        .order_by("start_date", "contract__number")
    )
    return render(
        request,
        "land/parcel_detail.html",
        {
            "parcel": parcel,
            "lines": lines,
            "can_change": request.user.has_perm("land.change_land", parcel),
            "history": parcel.history.select_related("history_user").order_by("-history_date")[:20],
        },
    )


@require_http_methods(["GET", "POST"])
def parcel_form(request, pk: int | None = None):
    parcel = None
    if pk is not None:
        parcel = get_object_or_404(Parcel.objects.visible_to(request.user), pk=pk)
    require_permission(request, "land.change_land", parcel)
    form = forms.ParcelForm(request.POST or None, instance=parcel, user=request.user)
    if request.method == "POST" and form.is_valid():
        candidate = form.save(commit=False)
        try:
            services.save_parcel(parcel=candidate)
        except ValidationError as error:
            add_service_errors(form, error, {"contract_household": "household_code"})
        else:
            messages.success(request, _("Parcel %(code)s saved.") % {"code": candidate.code})
            return redirect("land:parcel-detail", pk=candidate.pk)
    return render(request, "land/parcel_form.html", {"form": form, "parcel": parcel})


# --- contracts -----------------------------------------------------------------------------------


@require_GET
def contract_list(request):
    require_permission(request, "land.view_land")
    today = timezone.localdate()
    form = forms.ContractFilterForm(request.GET or None, user=request.user)
    contracts = LandTransferContract.objects.visible_to(request.user).select_related(
        "household__association", "transferee"
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            q = data["q"].strip()
            contracts = contracts.filter(Q(number__icontains=q) | Q(household__code__icontains=q))
        if data["status"]:
            contracts = contracts.filter(status=data["status"])
        if data["association"]:
            contracts = contracts.filter(household__association=data["association"])
        if data["expiring"]:
            contracts = contracts.expiring_within(today=today)
    contracts = contracts.annotate(area=Sum("lines__area_mu")).order_by("number")
    page, query_string = paginate(request, contracts)
    return render(
        request,
        "land/contract_list.html",
        {
            "form": form,
            "page_obj": page,
            "query_string": query_string,
            "can_change": request.user.has_perm("land.change_land"),
        },
    )


@require_GET
def contract_detail(request, pk: int):
    require_permission(request, "land.view_land")
    contract = _visible_contract(request, pk)
    today = timezone.localdate()
    schedule = services.rent_schedule(contract=contract, today=today)
    payments = contract.payments.prefetch_related("allocations__installment").order_by("paid_on", "pk")
    return render(
        request,
        "land/contract_detail.html",
        {
            "contract": contract,
            "lines": contract.lines.select_related("parcel").order_by("parcel__code"),
            "schedule": schedule,
            "schedule_total": sum(row.amount_fen for row in schedule),
            "paid_total": sum(row.paid_fen for row in schedule),
            "payments": payments,
            "renewals": LandTransferContract.objects.visible_to(request.user).filter(renewed_from=contract),
            "can_change": request.user.has_perm("land.change_land", contract),
            "rent_this_year": services.rent_per_mu_for_year(contract=contract, year=today.year),
            "today": today,
            "history": contract.history.select_related("history_user").order_by("-history_date")[:20],
        },
    )


def _contract_form_page(request, contract: LandTransferContract | None):
    visible_parcels = Parcel.objects.visible_to(request.user)
    initial, lines_initial = {}, []
    if contract is not None:
        initial = forms.ContractForm.initial_from(contract)
        lines_initial = [
            {"parcel_code": line.parcel.code, "area_mu": line.area_mu}
            for line in contract.lines.select_related("parcel").order_by("parcel__code")
        ]
    form = forms.ContractForm(request.POST or None, initial=initial, user=request.user)
    formset = forms.ContractParcelFormSet(
        request.POST or None, initial=lines_initial, prefix="lines", form_kwargs={"parcels": visible_parcels}
    )
    parcel_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        lines = formset.lines()
        try:
            if contract is None:
                contract = services.draft_contract(**form.terms(), parcels=lines)
            else:
                services.update_draft_contract(contract=contract, parcels=lines, **form.terms())
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                parcel_errors = error.message_dict.get("parcels", [])
            add_service_errors(form, error, forms.CONTRACT_FIELD_MAP, skip=("parcels",))
        else:
            messages.success(request, _("Draft contract %(number)s saved.") % {"number": contract.number})
            return redirect("land:contract-detail", pk=contract.pk)
    return render(
        request,
        "land/contract_form.html",
        {"form": form, "formset": formset, "parcel_errors": parcel_errors, "contract": contract},
    )


@require_http_methods(["GET", "POST"])
def contract_create(request):
    require_permission(request, "land.change_land")
    return _contract_form_page(request, None)


@require_http_methods(["GET", "POST"])
def contract_edit(request, pk: int):
    contract = _visible_contract(request, pk)
    require_permission(request, "land.change_land", contract)
    if not contract.is_draft:
        messages.error(request, _("A signed contract's terms cannot be edited. Terminate it and make a new contract."))
        return redirect("land:contract-detail", pk=contract.pk)
    return _contract_form_page(request, contract)


@require_POST
def contract_delete(request, pk: int):
    contract = _visible_contract(request, pk)
    require_permission(request, "land.change_land", contract)
    try:
        services.delete_draft_contract(contract=contract)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("land:contract-detail", pk=contract.pk)
    messages.success(request, _("Draft %(number)s deleted.") % {"number": contract.number})
    return redirect("land:contract-list")


def _action_page(request, contract, form, *, title: str, button: str, run, field_map=None):
    """Render a one-form action on a contract; on a valid POST call `run(data)` and go back to the contract."""
    if request.method == "POST" and form.is_valid():
        try:
            result = run(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, field_map)
        else:
            target = result if isinstance(result, LandTransferContract) else contract
            return redirect("land:contract-detail", pk=target.pk)
    return render(
        request,
        "land/contract_action.html",
        {"contract": contract, "form": form, "title": title, "button": button},
    )


@require_http_methods(["GET", "POST"])
def contract_sign(request, pk: int):
    contract = _visible_contract(request, pk)
    require_permission(request, "land.change_land", contract)

    def run(data):
        signed = services.sign_contract(contract=contract, signed_on=data["signed_on"])
        messages.success(request, _("Contract %(number)s signed.") % {"number": signed.number})
        return signed

    return _action_page(
        request,
        contract,
        forms.SignForm(request.POST or None),
        title=_("Sign contract %(number)s") % {"number": contract.number},
        button=_("Sign"),
        run=run,
        field_map={"parcels": None},
    )


@require_http_methods(["GET", "POST"])
def contract_terminate(request, pk: int):
    contract = _visible_contract(request, pk)
    require_permission(request, "land.change_land", contract)

    def run(data):
        ended = services.terminate_contract(
            contract=contract, terminated_on=data["terminated_on"], reason=data["reason"]
        )
        messages.success(request, _("Contract %(number)s terminated.") % {"number": ended.number})
        return ended

    return _action_page(
        request,
        contract,
        forms.TerminateForm(request.POST or None),
        title=_("Terminate contract %(number)s") % {"number": contract.number},
        button=_("Terminate"),
        run=run,
    )


@require_http_methods(["GET", "POST"])
def contract_renew(request, pk: int):
    contract = _visible_contract(request, pk)
    require_permission(request, "land.change_land", contract)

    def run(data):
        renewal = services.renew_contract(
            contract=contract,
            number=data["number"],
            end_date=data["end_date"],
            rent_per_mu_fen=data["rent_per_mu"],
            escalation_percent=data["escalation_percent"],
            escalation_every_years=data["escalation_every_years"],
            note=data["note"],
        )
        messages.success(request, _("Renewal %(number)s drafted: check it, then sign it.") % {"number": renewal.number})
        return renewal

    return _action_page(
        request,
        contract,
        forms.RenewForm(request.POST or None),
        title=_("Renew contract %(number)s") % {"number": contract.number},
        button=_("Draft the renewal"),
        run=run,
        field_map={"rent_per_mu_fen": "rent_per_mu", "parcels": None, "household": None},
    )


@require_http_methods(["GET", "POST"])
def contract_payment(request, pk: int):
    contract = _visible_contract(request, pk)
    require_permission(request, "land.change_land", contract)

    def run(data):
        payment = services.record_rent_payment(
            contract=contract,
            paid_on=data["paid_on"],
            amount_fen=data["amount"],
            reference=data["reference"],
            note=data["note"],
            first_year=data["first_year"],
            last_year=data["last_year"],
            recorded_by=request.user,
        )
        messages.success(request, _("Payment of %(amount)s recorded.") % {"amount": format_yuan(payment.amount_fen)})
        return contract

    return _action_page(
        request,
        contract,
        forms.PaymentForm(request.POST or None),
        title=_("Record rent paid on %(number)s") % {"number": contract.number},
        button=_("Record payment"),
        run=run,
    )


@require_GET
def contract_pdf(request, pk: int):
    require_permission(request, "land.view_land")
    contract = _visible_contract(request, pk)
    pdf = services.render_contract_pdf(contract=contract, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{contract.number}.pdf"'
    return response


# --- rent due ------------------------------------------------------------------------------------


@require_GET
def rent_list(request):
    """The rent of one year over every visible contract: due, paid, outstanding, overdue."""
    require_permission(request, "land.view_land")
    today = timezone.localdate()
    form = forms.YearForm(request.GET or None, user=request.user)
    year = form.year_or(today.year)
    installments = (
        RentInstallment.objects.visible_to(request.user)
        .filter(year=year)
        .with_paid()
        .select_related("contract__household__association")
        .order_by("due_date", "contract__number")
    )
    if form.is_valid() and form.cleaned_data.get("association"):
        installments = installments.filter(contract__household__association=form.cleaned_data["association"])
    rows = list(installments)
    for row in rows:
        row.outstanding_fen = row.amount_fen - row.paid_total_fen
        row.is_overdue = row.due_date < today and row.outstanding_fen > 0
    totals = {
        "due": sum(row.amount_fen for row in rows),
        "paid": sum(row.paid_total_fen for row in rows),
        "overdue": sum(row.outstanding_fen for row in rows if row.is_overdue),
    }
    totals["outstanding"] = totals["due"] - totals["paid"]
    return render(
        request,
        "land/rent_list.html",
        {"form": form, "year": year, "rows": rows, "totals": totals, "today": today},
    )


# --- labour --------------------------------------------------------------------------------------


@require_GET
def labour_list(request):
    require_permission(request, "land.view_land")
    form = forms.YearForm(request.GET or None, user=request.user)
    year = form.year_or(timezone.localdate().year)
    records = (
        LabourRecord.objects.visible_to(request.user)
        .filter(work_date__year=year)
        .select_related("household", "member")
        .order_by("-work_date", "-pk")
    )
    if form.is_valid() and form.cleaned_data.get("association"):
        records = records.filter(household__association=form.cleaned_data["association"])
    page, query_string = paginate(request, records)
    for record in page.object_list:
        record.wage_fen = services.wage_fen(days=record.days, day_wage_fen=record.day_wage_fen)
    return render(
        request,
        "land/labour_list.html",
        {
            "form": form,
            "year": year,
            "page_obj": page,
            "query_string": query_string,
            "can_change": request.user.has_perm("land.change_land"),
        },
    )


@require_GET
def labour_totals(request):
    """Labour income (薪金) per household for a year: what the distribution pays as wages."""
    require_permission(request, "land.view_land")
    form = forms.YearForm(request.GET or None, user=request.user)
    year = form.year_or(timezone.localdate().year)
    records = LabourRecord.objects.visible_to(request.user).filter(work_date__year=year).select_related("household")
    if form.is_valid() and form.cleaned_data.get("association"):
        records = records.filter(household__association=form.cleaned_data["association"])
    totals = services.labour_totals(records=records)
    return render(
        request,
        "land/labour_totals.html",
        {
            "form": form,
            "year": year,
            "totals": totals,
            "total_days": sum((t.days for t in totals), 0),
            "total_wage": sum(t.wage_fen for t in totals),
        },
    )


@require_http_methods(["GET", "POST"])
def labour_create(request):
    require_permission(request, "land.change_land")
    form = forms.LabourForm(request.POST or None, user=request.user, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        require_permission(request, "land.change_land", data["household_code"])
        try:
            record = services.record_labour(
                member=data["member"],
                employer=data["employer"],
                work_date=data["work_date"],
                days=data["days"],
                day_wage_fen=data["day_wage"],
                task=data["task"],
                recorded_by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error, {"day_wage": "day_wage"})
        else:
            messages.success(
                request,
                _("%(days)s days of %(member)s recorded.") % {"days": record.days, "member": record.member.name},
            )
            # The next entry is often the same day's work of the same household.
            query = urlencode(
                {
                    "household_code": record.household.code,
                    "work_date": record.work_date.isoformat(),
                    "day_wage": fen_to_yuan_string(record.day_wage_fen),
                    "task": record.task,
                }
            )
            return redirect(f"{reverse('land:labour-create')}?{query}")
    return render(request, "land/labour_form.html", {"form": form})


@require_GET
def labour_members(request):
    """The member choices of one household, for the labour form (htmx)."""
    require_permission(request, "land.change_land")
    code = request.GET.get("household_code", "").strip()
    members = Member.objects.filter(
        household__code=code, household__association__in=Organisation.objects.collectives().visible_to(request.user)
    ).order_by("pk")
    return render(request, "land/_member_options.html", {"members": members})


# --- import --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def import_view(request, kind: str):
    if kind not in imports.IMPORT_KINDS:
        raise Http404
    require_permission(request, "land.change_land")
    label, columns, run = imports.IMPORT_KINDS[kind]
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = run(upload=form.cleaned_data["file"], user=request.user)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            if result.ok:
                messages.success(request, _("%(count)s rows imported.") % {"count": result.created})
                return redirect("land:parcel-list" if kind == "parcels" else "land:contract-list")
    return render(
        request,
        "land/import.html",
        {"form": form, "kind": kind, "label": label, "columns": columns, "result": result},
    )


@require_GET
def import_template(request, kind: str):
    if kind not in imports.IMPORT_KINDS:
        raise Http404
    require_permission(request, "land.view_land")
    _label, columns, _run = imports.IMPORT_KINDS[kind]
    response = HttpResponse("\ufeff" + imports.template_csv(columns), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="land-{kind}-template.csv"'
    return response
