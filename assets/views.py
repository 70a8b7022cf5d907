"""Assets, resources, ledger contracts and the parcel map. Thin: scope, check a rule, call a service, render."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assets import forms, services
from assets.models import (
    Asset,
    AssetPhoto,
    Contract,
    ContractInstallment,
    InventoryCheck,
    ParcelBoundary,
    Resource,
)
from collective.models import Organisation
from collective.quantities import format_area
from collective.shortcuts import add_service_errors, paginate, require_permission
from land.models import Parcel


def _card_url(request, asset: Asset) -> str:
    return request.build_absolute_uri(reverse("assets:asset-card", args=[asset.code]))


# --- assets --------------------------------------------------------------------------------------


@require_GET
def asset_list(request):
    require_permission(request, "assets.view_assets")
    assets = Asset.objects.visible_to(request.user).select_related("owner")
    q = request.GET.get("q", "").strip()
    if q:
        assets = assets.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(location__icontains=q))
    category = request.GET.get("category", "")
    if category in Asset.Category.values:
        assets = assets.filter(category=category)
    status = request.GET.get("status", "")
    if status in Asset.Status.values:
        assets = assets.filter(status=status)
    totals = assets.aggregate(count=Count("pk"), cost=Sum("cost_fen"))
    today = timezone.localdate()
    page, query_string = paginate(request, assets.order_by("code"))
    rows = [(asset, services.depreciation_line(asset, year=today.year, month=today.month)) for asset in page]
    return render(
        request,
        "assets/asset_list.html",
        {
            "page_obj": page,
            "query_string": query_string,
            "rows": rows,
            "totals": totals,
            "q": q,
            "category": category,
            "status": status,
            "categories": Asset.Category.choices,
            "statuses": Asset.Status.choices,
            "can_change": request.user.has_perm("assets.change_assets"),
        },
    )


@require_http_methods(["GET", "POST"])
def asset_form(request, code: str | None = None):
    asset = None
    if code is not None:
        asset = get_object_or_404(Asset.objects.visible_to(request.user), code=code)
    require_permission(request, "assets.change_assets", asset)
    form = forms.AssetForm(request.POST or None, instance=asset, user=request.user)
    if request.method == "POST" and form.is_valid():
        candidate = form.save(commit=False)
        try:
            services.save_asset(asset=candidate)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Asset %(code)s saved.") % {"code": candidate.code})
            return redirect("assets:asset-card", code=candidate.code)
    return render(request, "assets/asset_form.html", {"form": form, "asset": asset})


@require_GET
def asset_card(request, code: str):
    """The asset card: what a label's QR code opens on a phone."""
    require_permission(request, "assets.view_assets")
    asset = get_object_or_404(Asset.objects.visible_to(request.user).select_related("owner"), code=code)
    today = timezone.localdate()
    can_change = request.user.has_perm("assets.change_assets", asset)
    open_check = None
    if can_change:
        open_check = InventoryCheck.objects.filter(owner_id=asset.owner_id, closed_at__isnull=True).first()
    schedule = services.depreciation_schedule(asset)
    this_year = [line for line in schedule if line.year == today.year]
    return render(
        request,
        "assets/asset_card.html",
        {
            "asset": asset,
            "now": services.depreciation_line(asset, year=today.year, month=today.month),
            "this_year": this_year,
            "year": today.year,
            "photos": asset.photos.all(),
            "contracts": Contract.objects.visible_to(request.user).filter(asset=asset),
            "can_change": can_change,
            "open_check": open_check,
            "already_found": open_check is not None and open_check.findings.filter(code=asset.code).exists(),
            "dispose_form": forms.DisposeForm(initial={"disposed_on": today}),
            "photo_form": forms.PhotoForm(),
            "card_url": _card_url(request, asset),
        },
    )


@require_GET
def asset_qr(request, code: str):
    require_permission(request, "assets.view_assets")
    asset = get_object_or_404(Asset.objects.visible_to(request.user), code=code)
    return HttpResponse(services.render_qr_svg(_card_url(request, asset)), content_type="image/svg+xml")


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response


@require_GET
def asset_label(request, code: str):
    require_permission(request, "assets.view_assets")
    asset = get_object_or_404(Asset.objects.visible_to(request.user).select_related("owner"), code=code)
    pdf = services.render_labels_pdf(assets=[asset], card_url_of=lambda a: _card_url(request, a))
    return _pdf_response(pdf, f"{asset.code}-label.pdf")


@require_GET
def labels_pdf(request):
    """Labels for every asset in the register (not disposed) the user sees, one per label."""
    require_permission(request, "assets.view_assets")
    assets = list(Asset.objects.visible_to(request.user).exclude(status=Asset.Status.DISPOSED).select_related("owner"))
    pdf = services.render_labels_pdf(assets=assets, card_url_of=lambda a: _card_url(request, a))
    return _pdf_response(pdf, "asset-labels.pdf")


@require_POST
def asset_dispose(request, code: str):
    asset = get_object_or_404(Asset.objects.visible_to(request.user), code=code)
    require_permission(request, "assets.change_assets", asset)
    form = forms.DisposeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.dispose_asset(
                asset=asset,
                disposed_on=data["disposed_on"],
                disposal=data["disposal"],
                proceeds_fen=data["proceeds"] or 0,
                note=data["note"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Asset %(code)s disposed of.") % {"code": asset.code})
    else:
        messages.error(request, _("Give the disposal date and how the asset left."))
    return redirect("assets:asset-card", code=asset.code)


@require_POST
def asset_photo(request, code: str):
    asset = get_object_or_404(Asset.objects.visible_to(request.user), code=code)
    require_permission(request, "assets.change_assets", asset)
    form = forms.PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        AssetPhoto.objects.create(asset=asset, image=form.cleaned_data["image"], caption=form.cleaned_data["caption"])
        messages.success(request, _("Photo added."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("assets:asset-card", code=asset.code)


@require_GET
def depreciation(request):
    """One month's depreciation per asset: what the books will post (services.month_depreciation)."""
    require_permission(request, "assets.view_assets")
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        date(year, month, 1)
    except ValueError:
        year, month = today.year, today.month
    visible = Asset.objects.visible_to(request.user)
    lines = [line for line in services.month_depreciation(year=year, month=month) if line.asset in visible]
    return render(
        request,
        "assets/depreciation.html",
        {"lines": lines, "month": f"{year:04d}-{month:02d}", "total": sum(line.amount_fen for line in lines)},
    )


# --- inventory checks ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def check_list(request):
    require_permission(request, "assets.view_assets")
    checks = InventoryCheck.objects.visible_to(request.user).select_related("owner").annotate(found=Count("findings"))
    can_change = request.user.has_perm("assets.change_assets")
    form = forms.StartCheckForm(request.POST or None, user=request.user)
    if request.method == "POST":
        require_permission(request, "assets.change_assets")
        if form.is_valid():
            try:
                check = services.start_inventory_check(
                    owner=form.cleaned_data["owner"],
                    started_on=form.cleaned_data["started_on"],
                    user=request.user,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("assets:check-detail", pk=check.pk)
    return render(request, "assets/check_list.html", {"checks": checks, "form": form, "can_change": can_change})


@require_http_methods(["GET", "POST"])
def check_detail(request, pk: int):
    """The phone page of a check: scan a label or type a code; what is found and the differences."""
    check = get_object_or_404(InventoryCheck.objects.visible_to(request.user).select_related("owner"), pk=pk)
    require_permission(request, "assets.view_assets")
    can_change = request.user.has_perm("assets.change_assets", check)
    form = forms.ScanForm(request.POST or None)
    if request.method == "POST":
        require_permission(request, "assets.change_assets", check)
        if form.is_valid():
            try:
                result = services.record_finding(check=check, scanned=form.cleaned_data["scanned"], user=request.user)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                getattr(messages, result.level)(request, result.message)
            return redirect("assets:check-detail", pk=check.pk)
    return render(
        request,
        "assets/check_detail.html",
        {
            "check": check,
            "form": form,
            "can_change": can_change,
            "differences": services.check_differences(check=check),
            "findings": check.findings.select_related("asset").order_by("-recorded_at", "-pk"),
        },
    )


@require_POST
def check_close(request, pk: int):
    check = get_object_or_404(InventoryCheck.objects.visible_to(request.user), pk=pk)
    require_permission(request, "assets.change_assets", check)
    services.close_inventory_check(check=check)
    messages.success(request, _("The inventory check is closed."))
    return redirect("assets:check-detail", pk=check.pk)


# --- resources -----------------------------------------------------------------------------------


@require_GET
def resource_list(request):
    require_permission(request, "assets.view_assets")
    resources = Resource.objects.visible_to(request.user).select_related("owner")
    kind = request.GET.get("kind", "")
    if kind in Resource.Kind.values:
        resources = resources.filter(kind=kind)
    status = request.GET.get("status", "")
    if status in Resource.Status.values:
        resources = resources.filter(status=status)
    summary = (
        resources.values("kind", "status").annotate(area=Sum("area_mu"), count=Count("pk")).order_by("kind", "status")
    )
    kinds, statuses = dict(Resource.Kind.choices), dict(Resource.Status.choices)
    page, query_string = paginate(request, resources.order_by("owner__code", "code"))
    return render(
        request,
        "assets/resource_list.html",
        {
            "page_obj": page,
            "query_string": query_string,
            "summary": [
                {
                    **row,
                    "area_text": format_area(row["area"]),
                    "kind_label": kinds[row["kind"]],
                    "status_label": statuses[row["status"]],
                }
                for row in summary
            ],
            "kind": kind,
            "status": status,
            "kinds": Resource.Kind.choices,
            "statuses": Resource.Status.choices,
            "can_change": request.user.has_perm("assets.change_assets"),
        },
    )


@require_http_methods(["GET", "POST"])
def resource_form(request, pk: int | None = None):
    resource = None
    if pk is not None:
        resource = get_object_or_404(Resource.objects.visible_to(request.user), pk=pk)
    require_permission(request, "assets.change_assets", resource)
    form = forms.ResourceForm(request.POST or None, instance=resource, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, _("Resource %(code)s saved.") % {"code": saved.code})
        return redirect("assets:resource-list")
    return render(request, "assets/resource_form.html", {"form": form, "resource": resource})


# --- contracts -----------------------------------------------------------------------------------


@require_GET
def contract_list(request):
    require_permission(request, "assets.view_assets")
    contracts = Contract.objects.visible_to(request.user).select_related("owner")
    status = request.GET.get("status", "")
    if status in Contract.Status.values:
        contracts = contracts.filter(status=status)
    if request.GET.get("expiring"):
        contracts = contracts.filter(expiring_soon=True)
    contracts = contracts.annotate(
        scheduled=Sum("installments__amount_fen", distinct=False),
        overdue_count=Count("installments", filter=Q(installments__overdue=True)),
    )
    page, query_string = paginate(request, contracts.order_by("end_date", "number"))
    return render(
        request,
        "assets/contract_list.html",
        {
            "page_obj": page,
            "query_string": query_string,
            "status": status,
            "statuses": Contract.Status.choices,
            "can_change": request.user.has_perm("assets.change_assets"),
        },
    )


@require_http_methods(["GET", "POST"])
def contract_create(request):
    require_permission(request, "assets.change_assets")
    form = forms.ContractForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contract = services.create_contract(**data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Contract %(number)s drafted.") % {"number": contract.number})
            return redirect("assets:contract-detail", pk=contract.pk)
    return render(request, "assets/contract_form.html", {"form": form})


def _visible_contract(request, pk: int) -> Contract:
    return get_object_or_404(Contract.objects.visible_to(request.user).select_related("owner", "asset"), pk=pk)


@require_GET
def contract_detail(request, pk: int):
    require_permission(request, "assets.view_assets")
    contract = _visible_contract(request, pk)
    installments = list(contract.installments.with_received().order_by("due_date"))
    for installment in installments:
        installment.outstanding_fen = installment.amount_fen - installment.received_fen
    return render(
        request,
        "assets/contract_detail.html",
        {
            "contract": contract,
            "installments": installments,
            "scheduled_fen": sum(i.amount_fen for i in installments),
            "received_fen": sum(i.received_fen for i in installments),
            "deposits": services.deposit_balances(contract=contract),
            "movements": contract.deposit_movements.order_by("on", "pk"),
            "can_change": request.user.has_perm("assets.change_assets", contract),
            "sign_form": forms.SignForm(),
            "terminate_form": forms.TerminateForm(),
            "receipt_form": forms.ReceiptForm(),
            "deposit_form": forms.DepositForm(),
        },
    )


def _contract_action(request, pk: int, form_class, action, success: str):
    contract = _visible_contract(request, pk)
    require_permission(request, "assets.change_assets", contract)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(contract, form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, success)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("assets:contract-detail", pk=contract.pk)


@require_POST
def contract_sign(request, pk: int):
    return _contract_action(
        request,
        pk,
        forms.SignForm,
        lambda contract, data: services.sign_contract(
            contract=contract, signed_on=data["signed_on"], today=timezone.localdate()
        ),
        _("The contract is signed."),
    )


@require_POST
def contract_terminate(request, pk: int):
    return _contract_action(
        request,
        pk,
        forms.TerminateForm,
        lambda contract, data: services.terminate_contract(contract=contract, terminated_on=data["terminated_on"]),
        _("The contract is terminated."),
    )


@require_POST
def contract_receipt(request, pk: int):
    def receive(contract, data):
        installment = get_object_or_404(ContractInstallment, pk=data["installment"], contract=contract)
        services.record_receipt(
            installment=installment,
            received_on=data["received_on"],
            amount_fen=data["amount"],
            reference=data["reference"],
        )

    return _contract_action(request, pk, forms.ReceiptForm, receive, _("Payment recorded."))


@require_POST
def contract_deposit(request, pk: int):
    return _contract_action(
        request,
        pk,
        forms.DepositForm,
        lambda contract, data: services.record_deposit(
            contract=contract,
            kind=data["kind"],
            movement=data["movement"],
            amount_fen=data["amount"],
            on=data["on"],
            reference=data["reference"],
        ),
        _("Deposit recorded."),
    )


@require_GET
def reminders(request):
    require_permission(request, "assets.view_assets")
    return render(request, "assets/reminders.html", services.reminder_lists(user=request.user))


# --- the parcel map ------------------------------------------------------------------------------


@require_GET
def parcel_map(request):
    require_permission(request, "land.view_land")
    parcels = Parcel.objects.visible_to(request.user)
    associations = Organisation.objects.filter(pk__in=parcels.values("association_id")).order_by("code")
    association = request.GET.get("association", "")
    if association:
        parcels = parcels.filter(association__code=association)
    features = services.parcel_map_features(parcels=parcels, today=timezone.localdate())
    return render(
        request,
        "assets/parcel_map.html",
        {
            "features": features,
            "associations": associations,
            "association": association,
            "without_boundary": parcels.filter(boundary__isnull=True).count(),
            "can_change": request.user.has_perm("land.change_land"),
        },
    )


@require_http_methods(["GET", "POST"])
def boundary_import(request):
    require_permission(request, "land.change_land")
    form = forms.BoundaryImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        parcels = [p for p in Parcel.objects.visible_to(request.user) if request.user.has_perm("land.change_land", p)]
        result = services.import_boundaries(data=upload.read(), parcels=parcels, source=upload.name)
        if not result.errors:
            messages.success(request, _("%(count)s boundaries imported.") % {"count": len(result.saved)})
            return redirect("assets:parcel-map")
    return render(request, "assets/boundary_import.html", {"form": form, "result": result})


@require_http_methods(["GET", "POST"])
def boundary_edit(request, pk: int):
    """Set one parcel's boundary: drawn on the map (the page's script fills the field) or pasted as GeoJSON."""
    parcel = get_object_or_404(Parcel.objects.visible_to(request.user).select_related("association"), pk=pk)
    require_permission(request, "land.change_land", parcel)
    boundary = ParcelBoundary.objects.filter(parcel=parcel).first()
    initial = {}
    if boundary is not None:
        import json

        initial["geometry"] = json.dumps(boundary.geometry)
    form = forms.BoundaryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_boundary(parcel=parcel, geometry=form.cleaned_data["geometry"], source=_("drawn on the map"))
        except ValidationError as error:
            form.add_error("geometry", error.messages)
        else:
            messages.success(request, _("The boundary of %(code)s is saved.") % {"code": parcel.code})
            return redirect("assets:parcel-map")
    others = services.parcel_map_features(
        parcels=Parcel.objects.visible_to(request.user).filter(association=parcel.association).exclude(pk=parcel.pk),
        today=timezone.localdate(),
    )
    return render(request, "assets/boundary_form.html", {"form": form, "parcel": parcel, "features": others})
