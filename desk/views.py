"""The officials' desk: dashboards, the annual report as a page, workbook and PDF, a village's workbook
and the notifications. Figures come from desk.dashboards; who sees which village from the querysets."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from collective.models import Organisation
from collective.shortcuts import require_permission
from desk import dashboards, exports, notifications
from desk.forms import YearForm
from dividends.models import DistributionRun
from dividends.reports import default_year, report_years
from dividends.services.reads import NEWS_EVENTS, mark_news_read


def _year(request) -> tuple[YearForm, int]:
    """The year asked for, or the latest with a distribution; the form offers every year with figures."""
    years = report_years(request.user)
    year = default_year(request.user, timezone.localdate())
    if year not in years:
        years.append(year)
    form = YearForm(request.GET or None, years=years)
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"]
    elif form.is_bound:
        raise Http404
    else:
        form = YearForm(initial={"year": year}, years=years)
    return form, year


def _charts(villages: list[dashboards.VillageYear], years: list[dashboards.TrendYear]) -> dict:
    return {
        "income": dashboards.chart_by_association(
            villages,
            [(_("Own revenue"), "revenue_fen"), (_("From the company"), "income_from_company_fen")],
        ),
        "dividends": dashboards.chart_by_association(
            villages,
            [
                (_("Dividends per member"), "dividends_per_member_fen"),
                (_("Dividends per household"), "dividends_per_household_fen"),
            ],
        ),
        "payments": dashboards.chart_by_association(
            villages,
            [(_("Rent"), "rent_fen"), (_("Wages"), "wage_fen"), (_("Retained by the association"), "retention_fen")],
        ),
        "income_trend": dashboards.chart_trend(years, villages, "collective_income_fen"),
        "gini_trend": dashboards.chart_trend(years, villages, "gini", scale="ratio"),
    }


@require_GET
def dashboard(request):
    """The township's nine villages side by side (a village official: their own), with what awaits them."""
    require_permission(request, "desk.view_dashboard")
    today = timezone.localdate()
    form, year = _year(request)
    report, villages = dashboards.village_years(user=request.user, year=year)
    years = dashboards.trend(user=request.user, until=year)
    context = {
        "form": form,
        "year": year,
        "report": report,
        "villages": villages,
        "trend": dashboards.trend_rows(years, villages),
        "charts": _charts(villages, years),
        "awaiting": dashboards.awaiting_decision(user=request.user, today=today),
    }
    if request.user.is_village_official:
        context["association"] = request.user.organisation
        context["todo"] = dashboards.village_todo(user=request.user, association=request.user.organisation, today=today)
    return render(request, "desk/dashboard.html", context)


@require_GET
def annual_report(request):
    """The annual report as a page: every figure and indicator, its charts, and the downloads."""
    require_permission(request, "desk.view_dashboard")
    form, year = _year(request)
    report, villages = dashboards.village_years(user=request.user, year=year)
    years = dashboards.trend(user=request.user, until=year)
    return render(
        request,
        "desk/annual_report.html",
        {"form": form, "year": year, "report": report, "villages": villages, "charts": _charts(villages, years)},
    )


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def annual_report_xlsx(request, year: int):
    require_permission(request, "desk.view_dashboard")
    response = HttpResponse(content_type=exports.XLSX_CONTENT_TYPE)
    exports.annual_report_workbook(user=request.user, year=year).save(response)
    response["Content-Disposition"] = f'attachment; filename="annual-report-{year}.xlsx"'
    return _no_store(response)


@require_GET
def annual_report_pdf(request, year: int):
    require_permission(request, "desk.view_dashboard")
    pdf = exports.annual_report_pdf(user=request.user, year=year, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="annual-report-{year}.pdf"'
    return _no_store(response)


@require_GET
def village_workbook(request, association_pk: int, year: int):
    """One workbook of a village's year for an auditor: members, households, shares, contracts, rent, payouts."""
    require_permission(request, "desk.view_dashboard")
    association = get_object_or_404(Organisation.objects.visible_to(request.user).collectives(), pk=association_pk)
    response = HttpResponse(content_type=exports.XLSX_CONTENT_TYPE)
    exports.village_workbook(user=request.user, association=association, year=year).save(response)
    response["Content-Disposition"] = f'attachment; filename="village-{association.code}-{year}.xlsx"'
    return _no_store(response)


@require_GET
def notification_list(request):
    require_permission(request, "desk.view_dashboard")
    return render(
        request, "desk/notification_list.html", {"notifications": notifications.notifications(user=request.user)}
    )


@require_POST
def notification_read(request, run_pk: int, event: str):
    require_permission(request, "desk.view_dashboard")
    run = get_object_or_404(DistributionRun.objects.visible_to(request.user), pk=run_pk)
    if event not in NEWS_EVENTS:
        raise Http404
    mark_news_read(user=request.user, run=run, event=event)
    messages.success(request, _("Marked as read."))
    return redirect("desk:notification-list")
