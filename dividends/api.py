"""Read-only API of the money: ledger, income statements, policies, runs (re-verifiable), payouts,
objections and the annual report."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from collective.api import (
    FEN_SCHEMA,
    YUAN_SCHEMA,
    CSVRenderer,
    JsonErrorsMixin,
    ScopedReadOnlyViewSet,
    SingleDocumentSchema,
    pagination_with_totals,
)
from collective.models import Household, Organisation
from collective.money import fen_to_yuan_string
from dividends import engine, filters
from dividends.models import (
    DistributionPolicy,
    DistributionRun,
    LedgerEntry,
    Objection,
    Payout,
    PayoutPart,
    Pool,
    RunContractLine,
    RunLabourLine,
)
from dividends.reports import annual_report, default_year
from dividends.serializers import (
    AnnualReportSerializer,
    IncomeStatementSerializer,
    LedgerEntrySerializer,
    ObjectionSerializer,
    PayoutSerializer,
    PolicySerializer,
    RunInputsSerializer,
    RunResultsSerializer,
    RunSerializer,
)
from dividends.services import income_statement
from dividends.services.inputs import LedgerHolding, LedgerReference


class YearQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=1990, max_value=2100, help_text=_("Fiscal year"))


class OptionalYearQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        min_value=1990,
        max_value=2100,
        required=False,
        help_text=_("Fiscal year; by default the latest year with a computed distribution"),
    )


def year_param(request, *, default: int | None = None) -> int:
    query = (YearQuerySerializer if default is None else OptionalYearQuerySerializer)(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data.get("year", default)


def _money(fen: int | None, name: str) -> dict:
    fen = int(fen or 0)
    return {name: fen_to_yuan_string(fen), f"{name}_fen": fen}


@extend_schema_view(
    list=extend_schema(summary=_("Revenue and expense entries of the company and the associations")),
    retrieve=extend_schema(summary=_("One ledger entry")),
)
class LedgerEntryViewSet(ScopedReadOnlyViewSet):
    queryset = LedgerEntry.objects.all()
    serializer_class = LedgerEntrySerializer
    filterset_class = filters.LedgerEntryFilter
    pagination_class = pagination_with_totals(
        revenue=YUAN_SCHEMA, revenue_fen=FEN_SCHEMA, expenses=YUAN_SCHEMA, expenses_fen=FEN_SCHEMA
    )
    ordering = ("entry_date", "pk")

    def scoped_queryset(self):
        return super().scoped_queryset().select_related("organisation")

    def get_totals(self, queryset) -> dict:
        totals = queryset.order_by().aggregate(
            revenue=Sum("amount_fen", filter=Q(direction=LedgerEntry.Direction.REVENUE)),
            expenses=Sum("amount_fen", filter=Q(direction=LedgerEntry.Direction.EXPENSE)),
        )
        return {**_money(totals["revenue"], "revenue"), **_money(totals["expenses"], "expenses")}


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("The income statement of one organisation for a year, with the year before"),
        parameters=[
            YearQuerySerializer,
            OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("Organisation id")),
        ],
        responses=IncomeStatementSerializer,
    )
)
class IncomeStatementViewSet(JsonErrorsMixin, viewsets.GenericViewSet):
    """`/income-statements/{organisation id}/?year=`: revenue and expenses by category, and the net."""

    queryset = Organisation.objects.all()
    serializer_class = IncomeStatementSerializer
    pagination_class = None
    filter_backends = []
    renderer_classes = [JSONRenderer, CSVRenderer]

    def retrieve(self, request, pk=None, format=None):  # format: the router's `.csv`/`.json` suffix
        year = year_param(request)
        if not request.user.has_perm("dividends.view_ledger"):
            raise PermissionDenied(_("Income statements are for officials."))
        organisation = get_object_or_404(
            Organisation.objects.visible_to(request.user).exclude(kind=Organisation.Kind.TOWNSHIP), pk=pk
        )
        return Response(IncomeStatementSerializer(income_statement(organisation=organisation, year=year)).data)

    def csv_rows(self, data: dict) -> list[dict]:
        rows = []
        for section in ("revenue", "expenses", "computed", "below_the_line"):
            rows += [{"section": section, **line} for line in data[section]]
        rows += [{"section": key, **data[key]} for key in ("revenue_total", "expense_total", "net")]
        return [{"organisation_code": data["organisation_code"], "year": data["year"], **row} for row in rows]


@extend_schema_view(
    list=extend_schema(summary=_("Distribution policies: rates and record dates")),
    retrieve=extend_schema(summary=_("One distribution policy")),
)
class PolicyViewSet(ScopedReadOnlyViewSet):
    queryset = DistributionPolicy.objects.all()
    serializer_class = PolicySerializer
    filterset_class = filters.PolicyFilter
    ordering = ("organisation__code", "year", "version")

    def scoped_queryset(self):
        return super().scoped_queryset().select_related("organisation")


def sees_every_line(user) -> bool:
    """Whether the user sees every household and association (a township key, the township, the accountant)."""
    return not (
        Household.objects.exclude(pk__in=Household.objects.visible_to(user)).exists()
        or Organisation.objects.collectives().exclude(pk__in=Organisation.objects.visible_to(user)).exists()
    )


def _negated(lines, *fields: str):
    """The lines with the amounts in `fields` negated, as a reversal carries them (nothing is saved)."""
    for line in lines:
        for name in fields:
            setattr(line, name, -getattr(line, name))
        yield line


@extend_schema_view(
    list=extend_schema(summary=_("Distribution runs with their figures and pools")),
    retrieve=extend_schema(summary=_("One distribution run")),
)
class RunViewSet(ScopedReadOnlyViewSet):
    queryset = DistributionRun.objects.all()
    serializer_class = RunSerializer
    filterset_class = filters.RunFilter
    ordering = ("year", "pk")

    def scoped_queryset(self):
        pools = Pool.objects.visible_to(self.request.user).select_related("association").order_by("position", "pk")
        return (
            super()
            .scoped_queryset()
            .select_related("company", "policy")
            .prefetch_related(Prefetch("pools", queryset=pools, to_attr="visible_pools"))
        )

    def _scoped_lines(self, run: DistributionRun):
        """The run's frozen lines the caller may see; a reversal's are those of the run it reverses, negated.

        A reversal mirrors its run's pools, parts and payouts but freezes no lines of its own: its
        documents carry the reversed run's contract, labour and holding lines (amounts negated) so each
        stands alone.
        """
        user = self.request.user
        households = Household.objects.visible_to(user)
        organisations = Organisation.objects.visible_to(user)
        source = run.reverses_id if run.is_reversal else run.pk
        contract_lines = (
            RunContractLine.objects.filter(run_id=source, household__in=households)
            .select_related("association")
            .order_by("ordinal")
        )
        labour_lines = (
            RunLabourLine.objects.filter(run_id=source, household__in=households)
            .select_related("association")
            .order_by("household_code", "work_date", "record_id")
        )
        if run.is_reversal:
            contract_lines = _negated(contract_lines, "rent_fen", "land_dividend_fen")
            labour_lines = _negated(labour_lines, "wage_fen")
        return {
            "contract_lines": contract_lines,
            "labour_lines": labour_lines,
            "share_lines": PayoutPart.objects.filter(run=run, part=engine.SHARE_DIVIDEND)
            .filter(Q(household__in=households) | Q(household__isnull=True, association__in=organisations))
            .select_related("association", "household")
            .order_by("association__code", "ordinal"),
        }

    def _scoped_holdings(self, run: DistributionRun) -> list[LedgerHolding]:
        """The holdings the run split that the caller may see: the share ledger up to the run's mark.

        In the split's order: by association code, then holder (household code, the association's own
        line last), then share type code. A reversal's are those of the run it reverses.
        """
        user = self.request.user
        source = DistributionRun.objects.get(pk=run.reverses_id) if run.is_reversal else run
        ledger = LedgerReference.of_run(source)
        if ledger is None:
            return []
        where = Q(household__in=Household.objects.visible_to(user)) | Q(
            household__isnull=True, event__association__in=Organisation.objects.visible_to(user)
        )
        by_association = ledger.holdings(where=where)
        associations = Organisation.objects.in_bulk(list(by_association))
        rows = [
            LedgerHolding(associations[association_id], holding)
            for association_id, holdings in by_association.items()
            for holding in holdings
        ]
        rows.sort(
            key=lambda row: (
                row.association.code,
                engine.holder_sort_key(row.household_code),
                row.share_type_code,
                row.share_type_id,
            )
        )
        return rows

    def _frozen(self) -> DistributionRun:
        run = self.get_object()
        if run.inputs_frozen_at is None or not run.inputs:
            raise NotFound(_("This run has not been computed: its inputs are not frozen yet."))
        return run

    @extend_schema(
        summary=_("Everything the run's computation used, frozen with the run"),
        description=_(
            "The policy and its rates, the revenue and expense totals by category, the company's equity, "
            "every contract line and labour record of the year and every holding on the record date, as the run "
            "froze them. With the payouts document this lets anyone recompute the run (docs/api.md). A key for "
            "one association gets the company's figures and its own association's lines only."
        ),
        responses=RunInputsSerializer,
    )
    @action(detail=True, renderer_classes=[JSONRenderer], filter_backends=[], pagination_class=None)
    def inputs(self, request, pk=None, format=None):  # format: the router's `.csv`/`.json` suffix
        run = self._frozen()
        frozen = run.inputs
        lines = self._scoped_lines(run)
        document = {
            "run": run,
            "sign": -1 if run.is_reversal else 1,
            "year": frozen["year"],
            "record_date": frozen["record_date"],
            "policy": frozen["policy"],
            "county_rules": frozen.get("county_rules")
            or {"min_reserve_and_welfare_rate": "", "max_member_dividend_rate": ""},
            "revenue_by_category": [
                {"category": category, "amount_fen": amount}
                for category, amount in sorted(frozen["revenue_by_category"].items())
            ],
            "expense_by_category": [
                {"category": category, "amount_fen": amount}
                for category, amount in sorted(frozen["expense_by_category"].items())
            ],
            "non_income_categories": [engine.BORROWING],
            "land_operation_category": engine.LAND_OPERATION,
            "equity": frozen["equity"],
            "contract_lines": lines["contract_lines"],
            "labour_lines": lines["labour_lines"],
            "holdings": self._scoped_holdings(run),
            "complete": sees_every_line(request.user),
        }
        return Response(RunInputsSerializer(document).data)

    @extend_schema(
        summary=_("Every payout with its parts, every pool with its lines' sum, every line of every split"),
        responses=RunResultsSerializer,
    )
    @action(detail=True, renderer_classes=[JSONRenderer, CSVRenderer], filter_backends=[], pagination_class=None)
    def payouts(self, request, pk=None, format=None):  # format: the router's `.csv`/`.json` suffix
        run = self._frozen()
        lines = self._scoped_lines(run)
        part_sums = dict(
            PayoutPart.objects.filter(run=run)
            .values("pool_id")
            .annotate(total=Sum("amount_fen"))
            .values_list("pool_id", "total")
            .order_by()
        )
        child_sums: dict[int, int] = defaultdict(int)
        for parent_id, amount in Pool.objects.filter(run=run, parent__isnull=False).values_list(
            "parent_id", "amount_fen"
        ):
            child_sums[parent_id] += amount
        pools = list(
            Pool.objects.visible_to(request.user)
            .filter(run=run)
            .select_related("association")
            .order_by("position", "pk")
        )
        for pool in pools:
            if pool.kind in (engine.POOL_SHAREHOLDER, engine.POOL_RECEIVED):
                pool.lines_sum_fen = child_sums.get(pool.pk, 0)
            elif pool.kind in (engine.POOL_RENT, engine.POOL_WAGES, engine.POOL_LAND_DIVIDEND, engine.POOL_SPLIT):
                pool.lines_sum_fen = part_sums.get(pool.pk, 0)
            else:
                pool.lines_sum_fen = None
        document = {
            "run": run,
            "figures": run.figures or None,
            "pools": pools,
            "contract_lines": lines["contract_lines"],
            "labour_lines": lines["labour_lines"],
            "share_lines": lines["share_lines"],
            "payouts": Payout.objects.visible_to(request.user)
            .filter(run=run)
            .with_year_and_association_code()
            .order_by("household_code", "pk"),
            "complete": sees_every_line(request.user),
        }
        return Response(RunResultsSerializer(document).data)

    def csv_rows(self, data: dict) -> list[dict]:
        if self.action == "payouts":
            return data["payouts"]
        return [data]


@extend_schema_view(
    list=extend_schema(summary=_("Payouts: each household's rent, land dividend, share dividend and wages per run")),
    retrieve=extend_schema(summary=_("One payout")),
)
class PayoutViewSet(ScopedReadOnlyViewSet):
    queryset = Payout.objects.all()
    serializer_class = PayoutSerializer
    filterset_class = filters.PayoutFilter
    pagination_class = pagination_with_totals(total=YUAN_SCHEMA, total_fen=FEN_SCHEMA)
    ordering = ("run_id", "household_code", "pk")
    # The page's keys in list order from an index, then those rows with their relations.
    page_keys_first = True

    def scoped_queryset(self):
        return super().scoped_queryset().with_year_and_association_code()

    def get_count_and_totals(self, queryset) -> tuple[int, dict]:
        figures = queryset.order_by().aggregate(count=Count("*"), total=Sum("total_fen"))
        return figures["count"], _money(figures["total"], "total")


@extend_schema_view(
    list=extend_schema(summary=_("Objections lodged during public notices, with their answers")),
    retrieve=extend_schema(summary=_("One objection")),
)
class ObjectionViewSet(ScopedReadOnlyViewSet):
    queryset = Objection.objects.all()
    serializer_class = ObjectionSerializer
    filterset_class = filters.ObjectionFilter
    ordering = ("created_at", "pk")

    def scoped_queryset(self):
        return super().scoped_queryset().select_related("household__association")


@extend_schema_view(
    list=extend_schema(
        summary=_("Annual report per association and for the township"),
        parameters=[OptionalYearQuerySerializer],
        responses=AnnualReportSerializer,
    )
)
class AnnualReportViewSet(JsonErrorsMixin, viewsets.GenericViewSet):
    """Collective income, the weak-village line, land, payouts and common-prosperity indicators (docs/api.md)."""

    queryset = Organisation.objects.all()
    serializer_class = AnnualReportSerializer
    schema = SingleDocumentSchema()
    pagination_class = None
    filter_backends = []
    renderer_classes = [JSONRenderer, CSVRenderer]

    def list(self, request, format=None):  # format: the router's `.csv`/`.json` suffix
        default = default_year(request.user, timezone.localdate())
        report = annual_report(user=request.user, year=year_param(request, default=default))
        return Response(AnnualReportSerializer(report).data)

    def csv_rows(self, data: dict) -> list[dict]:
        rows = [dict(row) for row in data["associations"]]
        if data["township"]:
            rows.append(
                {
                    "association": None,
                    "association_code": "",
                    "association_name": str(_("Township total")),
                    "weak_village": None,
                    **data["township"],
                }
            )
        return [{"year": data["year"], **row} for row in rows]
