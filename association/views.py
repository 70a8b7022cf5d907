"""Pages of the pear association: thin views over the services and the QuerySets' `.visible_to(user)`.

Staff of the association read and write; township officials read; everyone else gets 403, and a
record of another association 404.
"""

from decimal import Decimal
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from association import imports, services
from association.forms import (
    AttendanceForm,
    BookInForm,
    BookOutForm,
    CertificationForm,
    CultivarForm,
    DrawFormSet,
    GrowerForm,
    HarvestForm,
    ImportForm,
    ProcessingBatchForm,
    ProductSaleForm,
    TrainingSessionForm,
)
from association.models import (
    Certification,
    ColdStore,
    Cultivar,
    Grade,
    Grower,
    Harvest,
    ProcessingBatch,
    Product,
    ProductSale,
    StorageLot,
    TrainingSession,
)
from collective.models import Organisation
from collective.shortcuts import paginate


def association_page(*, write: bool = False):
    """Let in who may see (or, with write=True, change) the records; pass the association the page is about."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.has_perm("association.view_records"):
                raise PermissionDenied
            if (write or request.method == "POST") and not user.has_perm("association.change_records"):
                raise PermissionDenied
            if user.is_association_staff:
                association = user.organisation
            else:
                association = Organisation.objects.filter(kind=Organisation.Kind.SOCIAL).order_by("code").first()
            if association is None:
                raise Http404
            request.association = association
            request.can_change = user.has_perm("association.change_records")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _growers(request):
    return Grower.objects.visible_to(request.user).filter(association=request.association)


def _render(request, template: str, context: dict | None = None, status: int = 200):
    return render(
        request,
        template,
        {"association": request.association, "can_change": request.can_change, **(context or {})},
        status=status,
    )


# Dashboard and charts -----------------------------------------------------------------------------


def yields_chart(harvests) -> dict:
    """Data for the yields-by-year chart: kg by grade per season."""
    totals = harvests.totals_by_year()
    return {
        "years": [row["season"] for row in totals],
        "series": [
            {"name": str(label), "data": [row[f"{grade}_kg"] for row in totals]} for grade, label in Grade.choices
        ],
        "unit": _("tonnes"),
    }


def cultivar_chart(harvests) -> dict:
    """Data for the yields-by-cultivar chart: kg of each cultivar per season."""
    table = harvests.totals_by_season_and_cultivar()
    years = sorted(table)
    names = sorted({name for row in table.values() for name in row})
    return {
        "years": years,
        "series": [{"name": name, "data": [table[year].get(name, 0) for year in years]} for name in names],
        "unit": _("tonnes"),
    }


def storage_chart(store: ColdStore) -> dict:
    """Data for the storage-fill chart: stock at the end of each day fruit moved, against capacity."""
    points = [[day.isoformat(), stock] for day, stock in services.stock_by_day(store=store)]
    today = timezone.localdate().isoformat()
    if points and points[-1][0] < today:
        # Carry the last stock on to today so the line reaches the present.
        points.append([today, points[-1][1]])
    return {
        "id": f"storage-data-{store.pk}",
        "name": store.name,
        "data": {
            "capacity_kg": store.capacity_kg,
            "points": points,
            "stock_label": _("Stock"),
            "capacity_label": _("Capacity"),
            "unit": _("tonnes"),
        },
    }


@association_page()
def dashboard(request):
    association = request.association
    user = request.user
    harvests = Harvest.objects.visible_to(user).filter(grower__association=association)
    sessions = TrainingSession.objects.visible_to(user).filter(association=association)
    totals = harvests.totals_by_year()
    stores = ColdStore.objects.visible_to(user).filter(association=association)
    today = timezone.localdate()
    certifications = Certification.objects.visible_to(user).filter(association=association)
    growers = _growers(request).aggregate(count=Count("pk"), area=Sum("orchard_area_mu"))
    growers["area"] = (growers["area"] or Decimal(0)).quantize(Decimal("0.01"))
    valid_kinds = set(certifications.valid_on(today).values_list("kind", flat=True))
    context = {
        "growers": growers,
        "session_count": sessions.count(),
        "attendance_count": sessions.aggregate(n=Count("attendances"))["n"],
        "first_season": totals[0] if totals else None,
        "last_season": totals[-1] if totals else None,
        "stores": stores,
        "expiring": certifications.expiring(today),
        # A kind of certification once held and not valid today: it lapsed and was not renewed.
        "lapsed": [
            Certification.Kind(kind).label
            for kind in sorted(set(certifications.values_list("kind", flat=True)) - valid_kinds)
        ],
        "yields_chart": yields_chart(harvests),
        "cultivar_chart": cultivar_chart(harvests),
        "storage_charts": [storage_chart(store) for store in stores],
        "batch_count": ProcessingBatch.objects.visible_to(user).filter(association=association).count(),
    }
    return _render(request, "association/dashboard.html", context)


# Growers ------------------------------------------------------------------------------------------


@association_page()
def grower_list(request):
    growers = _growers(request).select_related("village", "member").prefetch_related("cultivars")
    query = request.GET.get("q", "").strip()
    village = request.GET.get("village", "")
    if query:
        growers = growers.filter(Q(name__icontains=query) | Q(code__icontains=query))
    if village:
        growers = growers.filter(village__code=village)
    growers = growers.annotate(trainings=Count("attendances", distinct=True)).order_by("code")
    return _render(
        request,
        "association/grower_list.html",
        {
            "page_obj": paginate(request, growers)[0],
            "query": query,
            "village": village,
            "villages": Organisation.objects.collectives(),
            "query_string": urlencode({"q": query, "village": village}),
        },
    )


@association_page()
def grower_detail(request, pk: int):
    grower = get_object_or_404(
        Grower.objects.visible_to(request.user).select_related("village", "member__household"), pk=pk
    )
    attendances = grower.attendances.select_related("session").order_by("-session__held_on")
    by_year: dict[int, int] = {}
    for attendance in attendances:
        by_year[attendance.session.held_on.year] = by_year.get(attendance.session.held_on.year, 0) + 1
    return _render(
        request,
        "association/grower_detail.html",
        {
            "grower": grower,
            "attendances": attendances,
            "trainings_by_year": sorted(by_year.items(), reverse=True),
            "harvests": grower.harvests.select_related("cultivar").order_by("-season", "cultivar__name"),
            "lots": grower.storage_lots.select_related("cultivar", "store").order_by("-stored_on")[:20],
        },
    )


@association_page(write=True)
def grower_create(request):
    form = GrowerForm(request.POST or None, association=request.association)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grower = services.create_grower(
                association=request.association,
                name=data["name"],
                orchard_area_mu=data["orchard_area_mu"],
                joined_on=data["joined_on"],
                village=data["village"],
                member=form.member,
                cultivars=data["cultivars"],
                phone=data["phone"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Grower %(name)s registered as %(code)s.") % {"name": grower.name, "code": grower.code}
            )
            return redirect("association:grower-detail", pk=grower.pk)
    return _render(request, "association/form.html", {"form": form, "title": _("New grower")})


@association_page(write=True)
def grower_edit(request, pk: int):
    grower = get_object_or_404(Grower.objects.visible_to(request.user), pk=pk)
    form = GrowerForm(request.POST or None, instance=grower, association=request.association)
    if request.method == "POST" and form.is_valid():
        grower = form.save(commit=False)
        grower.member = form.member
        grower.save()
        form.save_m2m()
        messages.success(request, _("Grower %(name)s saved.") % {"name": grower.name})
        return redirect("association:grower-detail", pk=grower.pk)
    return _render(request, "association/form.html", {"form": form, "title": _("Edit grower"), "object": grower})


# Trainings ----------------------------------------------------------------------------------------


@association_page()
def training_list(request):
    sessions = TrainingSession.objects.visible_to(request.user).filter(association=request.association)
    year = request.GET.get("year", "")
    topic = request.GET.get("topic", "")
    listed = sessions.annotate(present=Count("attendances")).order_by("-held_on", "-code")
    if year.isdigit():
        listed = listed.filter(held_on__year=int(year))
    if topic in TrainingSession.Topic.values:
        listed = listed.filter(topic=topic)
    by_year_topic = sessions.counts_by_year_and_topic()
    topics = TrainingSession.Topic.choices
    table = [
        {
            "year": row["year"],
            "sessions": row["sessions"],
            "attendances": row["attendances"],
            "topics": [by_year_topic.get(row["year"], {}).get(value, 0) for value, _label in topics],
        }
        for row in sessions.counts_by_year()
    ]
    # The totals by topic and in all follow from the year-by-topic table: two queries fewer per page.
    labels = dict(topics)
    topic_totals: dict[str, int] = {}
    for counts in by_year_topic.values():
        for value, sessions_count in counts.items():
            topic_totals[value] = topic_totals.get(value, 0) + sessions_count
    by_topic = [
        {"topic": value, "label": labels.get(value, value), "sessions": sessions_count}
        for value, sessions_count in sorted(topic_totals.items(), key=lambda item: (-item[1], item[0]))
    ]
    return _render(
        request,
        "association/training_list.html",
        {
            "page_obj": paginate(request, listed, per_page=30)[0],
            "total": sum(row["sessions"] for row in table),
            "by_year": table,
            "topics": topics,
            "by_topic": by_topic,
            "year": year,
            "topic": topic,
            "query_string": urlencode({"year": year, "topic": topic}),
            "trainings_chart": {
                "years": [row["year"] for row in table],
                "series": [{"name": _("Number of sessions"), "data": [row["sessions"] for row in table]}],
            },
        },
    )


@association_page(write=True)
def training_create(request):
    form = TrainingSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = services.create_training_session(association=request.association, **form.cleaned_data)
        messages.success(
            request, _("Training session %(code)s recorded. Now take attendance.") % {"code": session.code}
        )
        return redirect("association:training-attendance", pk=session.pk)
    return _render(request, "association/form.html", {"form": form, "title": _("New training session")})


@association_page()
def training_detail(request, pk: int):
    session = get_object_or_404(TrainingSession.objects.visible_to(request.user), pk=pk)
    attendances = session.attendances.select_related("grower__village").order_by("grower__code")
    return _render(request, "association/training_detail.html", {"session": session, "attendances": attendances})


@association_page(write=True)
def training_attendance(request, pk: int):
    """The phone checklist: every grower of the association, grouped by village, tap to mark present."""
    session = get_object_or_404(TrainingSession.objects.visible_to(request.user), pk=pk)
    growers = Grower.objects.filter(association=session.association).select_related("village")
    form = AttendanceForm(
        request.POST or None,
        growers=growers,
        initial={"growers": list(session.attendances.values_list("grower_id", flat=True))},
    )
    if request.method == "POST" and form.is_valid():
        count = services.record_attendance(session=session, growers=form.cleaned_data["growers"])
        messages.success(request, _("%(count)s growers marked present.") % {"count": count})
        return redirect("association:training-detail", pk=session.pk)
    present = {int(value) for value in form["growers"].value() or []}
    groups: dict[str, dict] = {}
    for grower in growers.order_by("village__code", "code"):
        name = grower.village.name if grower.village else _("No village")
        group = groups.setdefault(name, {"village": name, "rows": [], "checked": 0})
        group["rows"].append({"grower": grower, "checked": grower.pk in present})
        group["checked"] += grower.pk in present
    return _render(
        request,
        "association/training_attendance.html",
        {"session": session, "form": form, "groups": list(groups.values()), "present_count": len(present)},
    )


# Harvests -----------------------------------------------------------------------------------------


@association_page()
def harvest_list(request):
    harvests = Harvest.objects.visible_to(request.user).filter(grower__association=request.association)
    totals = harvests.totals_by_year()
    season = request.GET.get("season", "")
    if not season.isdigit() and totals:
        season = str(totals[-1]["season"])
    rows = harvests.filter(season=int(season)) if season.isdigit() else harvests.none()
    rows = rows.select_related("grower", "cultivar").order_by("grower__code", "cultivar__name")
    return _render(
        request,
        "association/harvest_list.html",
        {
            "totals": list(reversed(totals)),
            "season": season,
            "page_obj": paginate(request, rows)[0],
            "query_string": urlencode({"season": season}),
            "yields_chart": yields_chart(harvests),
            "cultivar_chart": cultivar_chart(harvests),
        },
    )


@association_page(write=True)
def harvest_create(request):
    form = HarvestForm(request.POST or None, growers=_growers(request))
    if request.method == "POST" and form.is_valid():
        try:
            harvest = services.record_harvest(**form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Harvest of %(grower)s recorded: %(kg)s kg of %(cultivar)s in %(season)s.")
                % {
                    "grower": harvest.grower.name,
                    "kg": f"{harvest.total_kg:,}",
                    "cultivar": harvest.cultivar,
                    "season": harvest.season,
                },
            )
            return redirect(f"{request.path}?grower={harvest.grower.pk}")
    if request.method == "GET" and request.GET.get("grower", "").isdigit():
        form.initial["grower"] = int(request.GET["grower"])
    return _render(request, "association/form.html", {"form": form, "title": _("Record a harvest")})


# Cold storage -------------------------------------------------------------------------------------


@association_page()
def storage(request):
    stores = ColdStore.objects.visible_to(request.user).filter(association=request.association)
    lots = (
        StorageLot.objects.visible_to(request.user)
        .filter(store__association=request.association)
        .in_stock()
        .select_related("grower", "cultivar", "store")
        .order_by("stored_on", "code")
    )
    today = timezone.localdate()
    page = paginate(request, lots)[0]
    for lot in page:
        lot.fee_fen = services.storage_fee_fen(lot=lot, as_of=today)
    return _render(
        request,
        "association/storage.html",
        {"stores": stores, "page_obj": page, "today": today, "storage_charts": [storage_chart(s) for s in stores]},
    )


@association_page(write=True)
def storage_in(request):
    stores = ColdStore.objects.visible_to(request.user).filter(association=request.association)
    form = BookInForm(request.POST or None, stores=stores, growers=_growers(request))
    if request.method == "POST" and form.is_valid():
        try:
            lot = services.book_in(**form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Lot %(code)s booked in: %(kg)s kg.") % {"code": lot.code, "kg": f"{lot.quantity_kg:,}"}
            )
            return redirect("association:lot-detail", pk=lot.pk)
    return _render(
        request, "association/form.html", {"form": form, "title": _("Book fruit into the cold store"), "stores": stores}
    )


@association_page()
def lot_detail(request, pk: int):
    lot = get_object_or_404(
        StorageLot.objects.visible_to(request.user).select_related("store", "grower", "cultivar"), pk=pk
    )
    today = timezone.localdate()
    return _render(
        request,
        "association/lot_detail.html",
        {
            "lot": lot,
            "movements": lot.movements.select_related("batch"),
            "today": today,
            "fee_fen": services.storage_fee_fen(lot=lot, as_of=today),
            "tonne_days": Decimal(services.storage_kg_days(lot=lot, as_of=today)) / 1000,
        },
    )


@association_page(write=True)
def lot_out(request, pk: int):
    lot = get_object_or_404(StorageLot.objects.visible_to(request.user).select_related("store"), pk=pk)
    form = BookOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.book_out(lot=lot, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(kg)s kg taken out of lot %(code)s.")
                % {"kg": f"{form.cleaned_data['quantity_kg']:,}", "code": lot.code},
            )
            return redirect("association:lot-detail", pk=lot.pk)
    return _render(
        request,
        "association/form.html",
        {"form": form, "title": _("Take fruit out of lot %(code)s") % {"code": lot.code}, "lot": lot},
    )


# Processing ---------------------------------------------------------------------------------------


@association_page()
def batch_list(request):
    own_batches = ProcessingBatch.objects.visible_to(request.user).filter(association=request.association)
    batches = own_batches.annotate(sold_litres=Sum("sales__litres")).order_by("-processed_on", "-code")
    sales = ProductSale.objects.visible_to(request.user).filter(association=request.association)
    # The totals come from the batches alone: joined to their sales, each batch would count once per sale.
    by_product = {
        row["product"]: row
        for row in own_batches.order_by().values("product").annotate(input=Sum("input_kg"), output=Sum("output_litres"))
    }
    summary = [
        {
            "label": label,
            "input_kg": by_product.get(value, {}).get("input") or 0,
            "output_litres": by_product.get(value, {}).get("output") or 0,
            "sold_fen": sales.filter(product=value).total_fen(),
        }
        for value, label in Product.choices
    ]
    return _render(
        request,
        "association/batch_list.html",
        {"page_obj": paginate(request, batches)[0], "summary": summary, "sales_total_fen": sales.total_fen()},
    )


def _substandard_lots(request):
    return (
        StorageLot.objects.visible_to(request.user)
        .filter(store__association=request.association, grade=Grade.SUBSTANDARD)
        .in_stock()
        .select_related("cultivar", "grower")
        .order_by("stored_on", "code")
    )


@association_page(write=True)
def batch_create(request):
    lots = _substandard_lots(request)
    form = ProcessingBatchForm(request.POST or None)
    draws = DrawFormSet(request.POST or None, form_kwargs={"lots": lots}, prefix="draw")
    if request.method == "POST" and form.is_valid() and draws.is_valid():
        try:
            batch = services.record_processing_batch(
                association=request.association, draws=draws.draws, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Batch %(code)s recorded: %(kg)s kg of fruit into %(litres)s litres.")
                % {"code": batch.code, "kg": f"{batch.input_kg:,}", "litres": batch.output_litres},
            )
            return redirect("association:batch-detail", pk=batch.pk)
    return _render(request, "association/batch_form.html", {"form": form, "draws": draws, "has_lots": lots.exists()})


@association_page()
def batch_detail(request, pk: int):
    batch = get_object_or_404(ProcessingBatch.objects.visible_to(request.user), pk=pk)
    return _render(
        request,
        "association/batch_detail.html",
        {
            "batch": batch,
            "draws": batch.draws.select_related("lot__cultivar", "lot__grower"),
            "sales": batch.sales.all(),
            "unsold": services.litres_unsold(batch=batch),
        },
    )


@association_page(write=True)
def sale_create(request, pk: int):
    batch = get_object_or_404(ProcessingBatch.objects.visible_to(request.user), pk=pk)
    form = ProductSaleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sale = services.record_product_sale(
                batch=batch,
                sold_on=data["sold_on"],
                litres=data["litres"],
                amount_fen=data["amount_yuan"],
                buyer=data["buyer"],
                recorded_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Sale %(code)s recorded.") % {"code": sale.code})
            return redirect("association:batch-detail", pk=batch.pk)
    return _render(
        request,
        "association/form.html",
        {"form": form, "title": _("Sell from batch %(code)s") % {"code": batch.code}, "batch": batch},
    )


# Cultivars and certifications ---------------------------------------------------------------------


@association_page()
def cultivar_list(request):
    today = timezone.localdate()
    certifications = Certification.objects.visible_to(request.user).filter(association=request.association)
    return _render(
        request,
        "association/cultivar_list.html",
        {
            "cultivars": Cultivar.objects.annotate(
                grower_count=Count("growers", filter=Q(growers__association=request.association))
            ),
            "certifications": [(c, c.status_on(today)) for c in certifications],
            "today": today,
        },
    )


@association_page(write=True)
def cultivar_create(request):
    form = CultivarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Cultivar %(name)s added.") % {"name": form.instance.name})
        return redirect("association:cultivar-list")
    return _render(request, "association/form.html", {"form": form, "title": _("New cultivar")})


@association_page(write=True)
def certification_create(request):
    form = CertificationForm(request.POST or None, association=request.association)
    if request.method == "POST" and form.is_valid():
        certification = form.save(commit=False)
        certification.association = request.association
        certification.save()
        messages.success(request, _("Certificate %(number)s recorded.") % {"number": certification.certificate_number})
        return redirect("association:cultivar-list")
    return _render(request, "association/form.html", {"form": form, "title": _("New certification")})


# Import -------------------------------------------------------------------------------------------


@association_page(write=True)
def import_sheet(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        importer = (
            imports.import_harvests
            if form.cleaned_data["kind"] == ImportForm.Kind.HARVESTS
            else imports.import_attendance
        )
        report = importer(association=request.association, upload=form.cleaned_data["file"])
        if report.ok:
            messages.success(
                request,
                _("Imported %(rows)s rows: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
                % {
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                },
            )
            return redirect("association:import")
    return _render(
        request,
        "association/import.html",
        {
            "form": form,
            "report": report,
            "harvest_columns": [label for label, _aliases in imports.HARVEST_COLUMNS.values()],
            "attendance_columns": [label for label, _aliases in imports.ATTENDANCE_COLUMNS.values()],
        },
        status=400 if report and not report.ok else 200,
    )
