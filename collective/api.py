"""The read-only API's common parts (CSV, pagination, the base viewset) and the registry's endpoints.

Every viewset scopes its rows with the models' `.visible_to(request.user)`; for an API key the
user is the key's principal (collective.models.ApiKeyPrincipal), which those methods understand.
Every list has a stable order ending in the primary key.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import partial
from typing import Any

from django.core.paginator import Paginator
from django.db.models import BigIntegerField, Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import renderers, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from collective import filters
from collective.models import (
    EquityEvent,
    Household,
    Member,
    Organisation,
    QuantityUnits,
    ShareEvent,
    ShareEventLine,
    ShareType,
    equity_percentages,
)
from collective.serializers import (
    AssociationSerializer,
    EquitySerializer,
    HoldingSerializer,
    HouseholdSerializer,
    MemberSerializer,
    ShareEventSerializer,
    ShareTypeSerializer,
    percent_string,
)
from collective.services import registries_as_of
from collective.spreadsheets import safe_cell

# --- CSV -----------------------------------------------------------------------------------------


def csv_cell(value: Any) -> str:
    """One cell as text, with formula-like text defused by a leading apostrophe (a plain number is left alone)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=False)
    return safe_cell(str(value))


def flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted columns (policy.payout_rate); lists stay one JSON cell."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


class CSVRenderer(renderers.BaseRenderer):
    """`?format=csv` (or the `.csv` suffix): a list's rows as CSV, UTF-8 with a byte-order mark for spreadsheets.

    A paginated list renders the page's rows only; the pagination goes to the Link and X-Total-Count
    headers. A view may say which rows a document has by defining `csv_rows(data)`.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        renderer_context = renderer_context or {}
        view = renderer_context.get("view")
        response = renderer_context.get("response")
        failed = response is not None and response.status_code >= 400
        if isinstance(data, list):
            rows = data
        elif not failed and view is not None and hasattr(view, "csv_rows"):
            rows = view.csv_rows(data)
        elif isinstance(data, Mapping) and isinstance(data.get("results"), list):
            rows = data["results"]
        else:
            rows = [data]
        flat_rows = [flatten(row) if isinstance(row, Mapping) else {"value": row} for row in rows]
        columns: dict[str, None] = {}
        for row in flat_rows:
            columns.update(dict.fromkeys(row))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([csv_cell(column) for column in columns])
        for row in flat_rows:
            writer.writerow([csv_cell(row.get(column)) for column in columns])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- Pagination ----------------------------------------------------------------------------------


class StablePaginator(Paginator):
    """Django's paginator, told the count when the view read it with its totals, and able to read a page
    keys first: the page's keys in the list's order over the narrow join the order needs, then those rows
    with their relations, in one query (`WHERE pk IN (SELECT pk ... ORDER BY ... LIMIT ... OFFSET ...)`).
    Sorting every filtered row with all the columns of its relations is what that saves."""

    def __init__(self, object_list, per_page, *, count: int | None = None, keys_first: bool = False, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        if count is not None:
            self.count = count
        self.keys_first = keys_first

    def page(self, number):
        if not self.keys_first:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        keys = self.object_list.values("pk")[bottom : bottom + self.per_page]
        return self._get_page(self.object_list.filter(pk__in=keys), number, self)


class StablePagination(PageNumberPagination):
    """Pages of 50 (page_size up to 1000). JSON gets the envelope; CSV gets the rows and the envelope in headers.

    A view that defines `get_totals(rows)` and `totals_schema` adds `totals` over all the filtered rows;
    one that defines `get_count_and_totals(rows)` reads the count with them, in the same query. A view
    with `page_keys_first = True` reads its page keys first (StablePaginator).
    """

    page_size_query_param = "page_size"
    max_page_size = 1000
    totals_schema: dict | None = None

    def paginate_queryset(self, queryset, request, view=None):
        count, self.totals = None, None
        if view is not None and hasattr(view, "get_count_and_totals"):
            count, self.totals = view.get_count_and_totals(queryset)
        elif view is not None and hasattr(view, "get_totals"):
            self.totals = view.get_totals(queryset)
        self.django_paginator_class = partial(
            StablePaginator, count=count, keys_first=getattr(view, "page_keys_first", False)
        )
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if getattr(self.request, "accepted_renderer", None) and self.request.accepted_renderer.format == "csv":
            links = [f'<{url}>; rel="{rel}"' for rel, url in (("next", self.get_next_link()),) if url]
            previous = self.get_previous_link()
            if previous:
                links.append(f'<{previous}>; rel="prev"')
            headers = {"X-Total-Count": str(self.page.paginator.count)}
            if links:
                headers["Link"] = ", ".join(links)
            return Response(data, headers=headers)
        envelope = {
            "count": self.page.paginator.count,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
        }
        if self.totals is not None:
            envelope["totals"] = self.totals
        envelope["results"] = data
        return Response(envelope)

    def get_previous_link(self):
        if not self.page.has_previous():
            return None
        url = self.request.build_absolute_uri()
        page_number = self.page.previous_page_number()
        if page_number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, page_number)

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        if self.totals_schema:
            properties = dict(paginated["properties"])
            results = properties.pop("results")
            properties["totals"] = self.totals_schema
            properties["results"] = results
            paginated = {**paginated, "properties": properties}
        paginated["required"] = ["count", "results"]
        return paginated


def pagination_with_totals(**fields: dict) -> type[StablePagination]:
    """A pagination class whose envelope documents `totals` with these fields (name -> JSON schema)."""
    schema = {"type": "object", "properties": fields, "required": list(fields)}
    return type("TotalsPagination", (StablePagination,), {"totals_schema": schema})


MU_SCHEMA = {"type": "string", "format": "decimal", "pattern": r"^-?[0-9]+\.[0-9]{4}$", "example": "1897.5000"}
YUAN_SCHEMA = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "example": "90000.00"}
FEN_SCHEMA = {"type": "integer", "example": 9000000}


def mu_string(value: Decimal | None) -> str:
    return str((value or Decimal(0)).quantize(Decimal("0.0001")))


# --- Schema --------------------------------------------------------------------------------------


ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A filter or parameter that does not validate: {"year": ["A valid integer is required."]}.
INVALID_SCHEMA = {
    "type": "object",
    "additionalProperties": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
}
ERRORS = {
    "400": (_("Invalid filter or parameter."), INVALID_SCHEMA),
    "401": (_("Missing, wrong or revoked credentials (send `Authorization: Api-Key …`)."), ERROR_SCHEMA),
    "403": (_("The caller may not read this."), ERROR_SCHEMA),
    "404": (_("Not found, or outside the caller's scope."), ERROR_SCHEMA),
    "429": (_("Too many requests for this key; retry after the time in Retry-After."), ERROR_SCHEMA),
}


class AutoSchema(SpectacularAutoSchema):
    """The CSV form of a response is text, not the JSON shape; the error answers are documented too."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response":
            for code, (description, schema) in ERRORS.items():
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": schema}}}
                )
        return responses

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        content = response.get("content") if isinstance(response, dict) else None
        if content and CSVRenderer.media_type in content:
            content[CSVRenderer.media_type] = {
                "schema": {"type": "string", "description": _("CSV, UTF-8 with a byte-order mark")}
            }
        return response


class SingleDocumentSchema(AutoSchema):
    """For a `list` action that answers one document (a report), not a list of rows."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "collective.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _("`Api-Key gt_…`: a key created by a township official on the API keys page."),
        }


# --- Base viewsets -------------------------------------------------------------------------------


class JsonErrorsMixin:
    """Read-only (GET and HEAD); errors are JSON even when CSV was asked for, so a client parses one shape."""

    http_method_names = ["get", "head"]
    # Any path segment reaches the view, so a malformed id is a JSON 404 like an unknown one.
    lookup_value_regex = "[^/]+"

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and renderer is not None and renderer.format == CSVRenderer.format:
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = request.accepted_renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class ScopedReadOnlyViewSet(JsonErrorsMixin, viewsets.ReadOnlyModelViewSet):
    """A read-only list and detail of the rows the caller may see, in a stable order ending in the key."""

    filter_backends = [DjangoFilterBackend]
    renderer_classes = [renderers.JSONRenderer, CSVRenderer]
    pagination_class = StablePagination
    ordering: tuple[str, ...] = ("pk",)

    def scoped_queryset(self):
        """The rows of `queryset` the caller may see; a subclass adds its relations and annotations."""
        return self.queryset.all().visible_to(self.request.user)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset.none()
        ordering = self.ordering if self.ordering[-1] in ("pk", "id") else (*self.ordering, "pk")
        return self.scoped_queryset().order_by(*ordering)


class ComputedListViewSet(JsonErrorsMixin, viewsets.GenericViewSet):
    """A list computed from a service (not a table): filtered by a FilterSet's form, paginated like the rest.

    A subclass defines `rows(params)`: the service's rows for the FilterSet's cleaned data.
    """

    filter_backends = [DjangoFilterBackend]
    renderer_classes = [renderers.JSONRenderer, CSVRenderer]
    pagination_class = StablePagination

    def get_queryset(self):
        # Only for the schema and the FilterSet: the rows come from `rows()`.
        return self.queryset.none()

    def filter_params(self) -> dict:
        filterset = self.filterset_class(self.request.query_params, queryset=self.get_queryset(), request=self.request)
        if not filterset.is_valid():
            from django_filters.utils import translate_validation

            raise translate_validation(filterset.errors)
        return filterset.form.cleaned_data

    def list(self, request, *args, **kwargs):
        rows = self.rows(self.filter_params())
        page = self.paginate_queryset(rows)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)


# --- Registry endpoints --------------------------------------------------------------------------


def _today() -> date:
    return timezone.localdate()


def subquery_total(queryset, group_by: str, expression, output_field):
    """One aggregate of a correlated queryset as a subquery, so the outer rows are never multiplied by a join."""
    grouped = queryset.order_by().values(group_by).annotate(value=expression).values("value")
    return Coalesce(Subquery(grouped[:1], output_field=output_field), Value(0), output_field=output_field)


@extend_schema_view(
    list=extend_schema(summary=_("Associations with their household, member and share totals")),
    retrieve=extend_schema(summary=_("One association with its totals")),
)
class AssociationViewSet(ScopedReadOnlyViewSet):
    """The village collective economic associations the caller may see (all nine for the township)."""

    queryset = Organisation.objects.all()
    serializer_class = AssociationSerializer
    filterset_class = filters.AssociationFilter
    ordering = ("code",)

    def scoped_queryset(self):
        today = _today()
        big = BigIntegerField()
        units = QuantityUnits("quantity_delta")
        integer = IntegerField()
        households = Household.objects.filter(association=OuterRef("pk")).active_on(today)
        # OuterRef reaches only the enclosing query: the households' condition is a plain (uncorrelated) subquery.
        members = (
            Member.objects.filter(association=OuterRef("pk"))
            .filter(household__in=Household.objects.active_on(today))
            .in_membership_on(today)
        )
        lines = ShareEventLine.objects.filter(event__association=OuterRef("pk"), event__effective_date__lte=today)
        equity = EquityEvent.objects.filter(holder=OuterRef("pk"), effective_date__lte=today)
        return (
            super()
            .scoped_queryset()
            .collectives()
            .select_related("township")
            .annotate(
                household_count=subquery_total(households, "association", Count("pk"), integer),
                member_count=subquery_total(members, "association", Count("pk"), integer),
                # Whole ten-thousandths (of a share; of a share times a weight: 10⁻⁸), exact on both databases.
                shares_total=subquery_total(lines, "event__association", Sum(units), big),
                weighted_shares_total=subquery_total(
                    lines, "event__association", Sum(units * QuantityUnits("share_type__weight")), big
                ),
                collective_shares_total=subquery_total(
                    lines.filter(household__isnull=True), "event__association", Sum(units), big
                ),
                company_shares=subquery_total(equity, "holder", Sum("shares_delta"), integer),
            )
        )


@extend_schema_view(
    list=extend_schema(summary=_("Households (bank accounts masked)")),
    retrieve=extend_schema(summary=_("One household")),
)
class HouseholdViewSet(ScopedReadOnlyViewSet):
    """Households the caller may see: a farmer their own, a village official (or key) their association's."""

    queryset = Household.objects.all()
    serializer_class = HouseholdSerializer
    filterset_class = filters.HouseholdFilter
    ordering = ("code",)

    def scoped_queryset(self):
        members = Member.objects.filter(household=OuterRef("pk")).in_membership_on(_today())
        return (
            super()
            .scoped_queryset()
            .select_related("association", "head")
            .annotate(member_count=subquery_total(members, "household", Count("pk"), IntegerField()))
        )


@extend_schema_view(
    list=extend_schema(summary=_("Members (ID numbers masked)")),
    retrieve=extend_schema(summary=_("One member")),
)
class MemberViewSet(ScopedReadOnlyViewSet):
    queryset = Member.objects.all()
    serializer_class = MemberSerializer
    filterset_class = filters.MemberFilter
    ordering = ("household__code", "pk")

    def scoped_queryset(self):
        return super().scoped_queryset().select_related("household", "association")


@extend_schema_view(
    list=extend_schema(summary=_("Share types with their weights")),
    retrieve=extend_schema(summary=_("One share type")),
)
class ShareTypeViewSet(ScopedReadOnlyViewSet):
    queryset = ShareType.objects.all()
    serializer_class = ShareTypeSerializer
    filterset_class = filters.ShareTypeFilter
    ordering = ("association__code", "is_collective", "code")

    def scoped_queryset(self):
        return super().scoped_queryset().select_related("association")


def visible_share_lines(user):
    """Lines of households the user may see, and the collective lines of associations whose registry they see."""
    return ShareEventLine.objects.filter(
        Q(household__in=Household.objects.visible_to(user))
        | Q(household__isnull=True, event__association__in=Organisation.objects.visible_to(user))
    )


@extend_schema_view(
    list=extend_schema(summary=_("Share events (the append-only share ledger) with their lines")),
    retrieve=extend_schema(summary=_("One share event")),
)
class ShareEventViewSet(ScopedReadOnlyViewSet):
    queryset = ShareEvent.objects.all()
    serializer_class = ShareEventSerializer
    filterset_class = filters.ShareEventFilter
    ordering = ("effective_date", "pk")

    def scoped_queryset(self):
        lines = (
            visible_share_lines(self.request.user)
            .select_related("household", "share_type")
            .order_by("household__code", "share_type__code", "pk")
        )
        return (
            super()
            .scoped_queryset()
            .select_related("association")
            .prefetch_related(Prefetch("lines", queryset=lines, to_attr="visible_lines"))
        )


@extend_schema_view(list=extend_schema(summary=_("Share holdings as of a date (derived from the share ledger)")))
class HoldingViewSet(ComputedListViewSet):
    """Every non-zero holding on `as_of` (default today), by association, household and share type.

    A row with a null household is the association's own collective share (集体股).
    """

    queryset = ShareEventLine.objects.all()
    serializer_class = HoldingSerializer
    filterset_class = filters.HoldingFilter

    def rows(self, params: dict) -> list[dict]:
        user = self.request.user
        as_of = params.get("as_of") or _today()
        association = params.get("association")
        full = Organisation.objects.visible_to(user).collectives()
        partial = Household.objects.visible_to(user).exclude(association__in=full)
        if association is not None:
            full = full.filter(pk=association.pk)
            partial = partial.filter(association=association)
        full_ids = {org.pk for org in full}
        partial_households = dict(partial.values_list("pk", "association_id"))
        associations = list(full)
        if partial_households:
            associations += Organisation.objects.filter(pk__in=set(partial_households.values()))
        associations.sort(key=lambda org: (org.code, org.pk))
        codes = {org.pk: org.code for org in associations}
        registries = registries_as_of(associations=associations, as_of=as_of)
        household = params.get("household")
        share_type = params.get("share_type")
        rows = []
        for association_id in codes:
            for holding in registries[association_id]:
                if association_id not in full_ids and holding.household_id not in partial_households:
                    continue
                if household is not None and holding.household_id != household.pk:
                    continue
                if share_type is not None and holding.share_type_id != share_type.pk:
                    continue
                rows.append(
                    {
                        "association_id": association_id,
                        "association_code": codes[association_id],
                        "holding": holding,
                        "weighted": holding.quantity * holding.weight,
                    }
                )
        return rows


@extend_schema_view(list=extend_schema(summary=_("The company's equity: each association's shares on a date")))
class EquityViewSet(ComputedListViewSet):
    """Company shares each association holds on `as_of` (default today), derived from the equity events."""

    queryset = EquityEvent.objects.all()
    serializer_class = EquitySerializer
    filterset_class = filters.EquityFilter

    def rows(self, params: dict) -> list[dict]:
        as_of = params.get("as_of") or _today()
        companies = Organisation.objects.companies().order_by("code", "pk")
        if params.get("company") is not None:
            companies = companies.filter(pk=params["company"].pk)
        holders = {org.pk: org for org in Organisation.objects.collectives()}
        rows = []
        for company in companies:
            holdings = EquityEvent.objects.holdings_as_of(company, as_of)
            total = sum(holdings.values())
            percentages = equity_percentages(holdings)
            for holder_id in sorted(holdings, key=lambda pk: (holders[pk].code, pk)):
                rows.append(
                    {
                        "company": company.pk,
                        "company_code": company.code,
                        "holder": holder_id,
                        "holder_code": holders[holder_id].code,
                        "holder_name": holders[holder_id].name,
                        "shares": holdings[holder_id],
                        "company_shares_total": total,
                        "percent": percent_string(percentages.get(holder_id, Fraction(0))),
                        "as_of": as_of,
                    }
                )
        return rows
