"""The one router of the read-only REST API (/api/v1/), its OpenAPI schema and its documentation page."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from association.api import ColdStoreViewSet, HarvestTotalViewSet, TrainingCountViewSet
from collective.api import (
    AssociationViewSet,
    EquityViewSet,
    HoldingViewSet,
    HouseholdViewSet,
    MemberViewSet,
    ShareEventViewSet,
    ShareTypeViewSet,
)
from dividends.api import (
    AnnualReportViewSet,
    IncomeStatementViewSet,
    LedgerEntryViewSet,
    ObjectionViewSet,
    PayoutViewSet,
    PolicyViewSet,
    RunViewSet,
)
from land.api import ContractViewSet, LabourRecordViewSet, ParcelViewSet, RentInstallmentViewSet, RentPaymentViewSet

router = DefaultRouter()
router.register("associations", AssociationViewSet, basename="association")
router.register("households", HouseholdViewSet, basename="household")
router.register("members", MemberViewSet, basename="member")
router.register("share-types", ShareTypeViewSet, basename="share-type")
router.register("share-events", ShareEventViewSet, basename="share-event")
router.register("share-holdings", HoldingViewSet, basename="share-holding")
router.register("company-equity", EquityViewSet, basename="company-equity")
router.register("parcels", ParcelViewSet, basename="parcel")
router.register("contracts", ContractViewSet, basename="contract")
router.register("rent-schedules", RentInstallmentViewSet, basename="rent-schedule")
router.register("rent-payments", RentPaymentViewSet, basename="rent-payment")
router.register("labour-records", LabourRecordViewSet, basename="labour-record")
router.register("ledger-entries", LedgerEntryViewSet, basename="ledger-entry")
router.register("income-statements", IncomeStatementViewSet, basename="income-statement")
router.register("distribution-policies", PolicyViewSet, basename="distribution-policy")
router.register("distribution-runs", RunViewSet, basename="distribution-run")
router.register("payouts", PayoutViewSet, basename="payout")
router.register("objections", ObjectionViewSet, basename="objection")
router.register("reports/annual", AnnualReportViewSet, basename="annual-report")
router.register("pear/trainings", TrainingCountViewSet, basename="pear-training")
router.register("pear/harvests", HarvestTotalViewSet, basename="pear-harvest")
router.register("pear/cold-stores", ColdStoreViewSet, basename="pear-cold-store")

# DRF's views answer for themselves (401 with a JSON error, never the site's log-in redirect).
urlpatterns = [
    *router.urls,
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The documentation pages are for people: they take the site's log-in like every page.
    # The split view serves Swagger UI's start-up script as a file: the CSP refuses inline scripts.
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    # ReDoc is not served: its bundle writes <style> elements (styled-components) and stops when the CSP
    # refuses them; Swagger UI runs with none. The old address leads to the one documentation page.
    path("redoc/", RedirectView.as_view(pattern_name="api-docs", permanent=True), name="api-redoc"),
]
