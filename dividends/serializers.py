"""The API's shapes for the money: ledger, income statements, policies, runs, payouts, objections,
the frozen inputs of a run and its results (re-verification), and the annual report."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from collective.serializers import MuField, QuantityField, YuanField
from dividends.models import DistributionPolicy, DistributionRun, LedgerEntry, Objection, Payout, PayoutPart, Pool

RATE = {"decimal_places": 6}


def money(name: str, source: str | None = None, **kwargs) -> dict[str, serializers.Field]:
    """The pair `name` (yuan string) and `name_fen` (integer) read from one fen attribute."""
    source = source or f"{name}_fen"
    fen_source = {} if source == f"{name}_fen" else {"source": source}
    return {
        name: YuanField(source=source, **kwargs),
        f"{name}_fen": serializers.IntegerField(read_only=True, **fen_source, **kwargs),
    }


class LedgerEntrySerializer(serializers.ModelSerializer):
    organisation_code = serializers.CharField(source="organisation.code", read_only=True)
    amount = YuanField(source="amount_fen")

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "organisation",
            "organisation_code",
            "direction",
            "category",
            "rental_source",
            "entry_date",
            "amount",
            "amount_fen",
            "counterparty",
            "source_reference",
            "note",
            "created_at",
            "is_synthetic",
        ]


class StatementLineSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    amount = YuanField(source="amount_fen")
    amount_fen = serializers.IntegerField()
    previous = YuanField(source="previous_fen", help_text=_("The same line in the year before."))
    previous_fen = serializers.IntegerField()
    indent = serializers.BooleanField(help_text=_("A detail of the line above (not added again to the total)."))


class IncomeStatementSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(source="organisation.pk")
    organisation_code = serializers.CharField(source="organisation.code")
    year = serializers.IntegerField()
    revenue = StatementLineSerializer(many=True)
    expenses = StatementLineSerializer(many=True)
    computed = StatementLineSerializer(
        many=True,
        help_text=_(
            "From the year's distribution run: for the company the rent, wages and land dividend it computed, "
            "for an association what it received."
        ),
    )
    below_the_line = StatementLineSerializer(many=True, help_text=_("Borrowed funds: not income."))
    revenue_total = StatementLineSerializer()
    expense_total = StatementLineSerializer()
    net = StatementLineSerializer()
    run = serializers.IntegerField(source="run.pk", allow_null=True, default=None)


class PolicySerializer(serializers.ModelSerializer):
    organisation_code = serializers.CharField(source="organisation.code", read_only=True)
    land_share_rate = QuantityField(**RATE)
    reserve_rate = QuantityField(**RATE)
    welfare_rate = QuantityField(**RATE)
    payout_rate = QuantityField(**RATE)
    retention_rate = QuantityField(**RATE)
    member_dividend_rate = QuantityField(
        decimal_places=12, help_text=_("payout * (1 - reserve - welfare): the share of net profit paid to members.")
    )

    class Meta:
        model = DistributionPolicy
        fields = [
            "id",
            "organisation",
            "organisation_code",
            "year",
            "version",
            "land_share_rate",
            "reserve_rate",
            "welfare_rate",
            "payout_rate",
            "retention_rate",
            "member_dividend_rate",
            "record_date",
            "note",
            "created_at",
        ]


FIGURES = (
    "revenue",
    "borrowed",
    "expense",
    "land_revenue",
    "land_expense",
    "rent",
    "wages",
    "land_profit",
    "land_pool",
    "net_profit",
    "reserve",
    "welfare",
    "distributable",
    "shareholder_pool",
    "retained",
)

RunFiguresSerializer = type(
    "RunFiguresSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "The run's headline figures (DESIGN.md §3), each in yuan and in fen.",
        **{key: field for name in FIGURES for key, field in money(name).items()},
    },
)


class PoolSerializer(serializers.ModelSerializer):
    association_code = serializers.CharField(source="association.code", allow_null=True, read_only=True)
    name = serializers.CharField(read_only=True)
    amount = YuanField(source="amount_fen")
    total_weight = QuantityField(decimal_places=8, allow_null=True)

    class Meta:
        model = Pool
        fields = [
            "id",
            "kind",
            "name",
            "association",
            "association_code",
            "parent",
            "amount",
            "amount_fen",
            "total_weight",
            "lines_count",
        ]


class PoolWithSumSerializer(PoolSerializer):
    lines_sum = YuanField(
        source="lines_sum_fen",
        allow_null=True,
        help_text=_(
            "The sum of the pool's lines: payout parts for rent, wages, land dividend and share dividend pools; "
            "the pools below it for the shareholder pool and each association's received pool; null for pools "
            "without lines (reserve, welfare, retained, retention)."
        ),
    )
    lines_sum_fen = serializers.IntegerField(allow_null=True, read_only=True)

    class Meta(PoolSerializer.Meta):
        fields = [*PoolSerializer.Meta.fields, "lines_sum", "lines_sum_fen"]


class RunSerializer(serializers.ModelSerializer):
    company_code = serializers.CharField(source="company.code", read_only=True)
    policy_version = serializers.IntegerField(source="policy.version", read_only=True)
    figures = serializers.SerializerMethodField()
    pools = PoolSerializer(many=True, read_only=True, source="visible_pools")

    class Meta:
        model = DistributionRun
        fields = [
            "id",
            "company",
            "company_code",
            "year",
            "kind",
            "status",
            "policy",
            "policy_version",
            "reverses",
            "replaces",
            "created_at",
            "inputs_frozen_at",
            "computed_at",
            "notice_starts_on",
            "notice_ends_on",
            "approved_at",
            "resolution_date",
            "resolution_reference",
            "paid_at",
            "closed_at",
            "error",
            "notes",
            "figures",
            "pools",
        ]

    @extend_schema_field(RunFiguresSerializer(allow_null=True))
    def get_figures(self, run: DistributionRun) -> dict | None:
        return RunFiguresSerializer(run.figures).data if run.figures else None


class PayoutSerializer(serializers.ModelSerializer):
    """A payout's row; its queryset is annotated with_year_and_association_code()."""

    year = serializers.IntegerField(read_only=True)
    household_code = serializers.CharField(read_only=True)
    association_code = serializers.CharField(read_only=True)
    rent = YuanField(source="rent_fen", label=PayoutPart.Part.RENT.label)
    land_dividend = YuanField(source="land_dividend_fen", label=PayoutPart.Part.LAND_DIVIDEND.label)
    share_dividend = YuanField(source="share_dividend_fen", label=PayoutPart.Part.SHARE_DIVIDEND.label)
    wage = YuanField(source="wage_fen", label=PayoutPart.Part.WAGES.label)
    total = YuanField(source="total_fen")
    paid_on = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Payout
        fields = [
            "id",
            "run",
            "year",
            "household",
            "household_code",
            "association",
            "association_code",
            "rent",
            "rent_fen",
            "land_dividend",
            "land_dividend_fen",
            "share_dividend",
            "share_dividend_fen",
            "wage",
            "wage_fen",
            "total",
            "total_fen",
            "status",
            "company_paid_on",
            "association_paid_on",
            "paid_on",
        ]


class ObjectionSerializer(serializers.ModelSerializer):
    household_code = serializers.CharField(source="household.code", read_only=True)
    association = serializers.IntegerField(source="household.association_id", read_only=True)
    association_code = serializers.CharField(source="household.association.code", read_only=True)
    amount = YuanField(source="amount_fen")

    class Meta:
        model = Objection
        fields = [
            "id",
            "run",
            "household",
            "household_code",
            "association",
            "association_code",
            "payout",
            "amount",
            "amount_fen",
            "text",
            "status",
            "answer",
            "created_at",
            "answered_at",
        ]


# --- Re-verification: a run's frozen inputs and its results --------------------------------------


class RunSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    company = serializers.IntegerField(source="company_id")
    company_code = serializers.CharField(source="company.code")
    year = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    inputs_frozen_at = serializers.DateTimeField(allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)
    reverses = serializers.IntegerField(
        source="reverses_id",
        allow_null=True,
        help_text=_("For a reversal: the run it cancels, whose lines this document carries negated."),
    )


class FrozenPolicySerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    version = serializers.IntegerField(allow_null=True)
    land_share_rate = serializers.CharField()
    reserve_rate = serializers.CharField()
    welfare_rate = serializers.CharField()
    payout_rate = serializers.CharField()
    retention_rate = serializers.CharField()


class CategoryTotalSerializer(serializers.Serializer):
    category = serializers.CharField()
    amount = YuanField(source="amount_fen")
    amount_fen = serializers.IntegerField()


class EquityLineSerializer(serializers.Serializer):
    association = serializers.IntegerField(source="association_id")
    association_code = serializers.CharField(source="code")
    shares = serializers.IntegerField()


class CountyRulesSerializer(serializers.Serializer):
    min_reserve_and_welfare_rate = serializers.CharField()
    max_member_dividend_rate = serializers.CharField()


class InputContractLineSerializer(serializers.Serializer):
    ordinal = serializers.IntegerField()
    contract = serializers.IntegerField(source="contract_id")
    contract_number = serializers.CharField()
    parcel_code = serializers.CharField()
    household = serializers.IntegerField(source="household_id")
    household_code = serializers.CharField()
    association = serializers.IntegerField(source="association_id")
    association_code = serializers.CharField(source="association.code")
    area_mu = MuField()
    rent_per_mu_fen = serializers.CharField(
        help_text=_("The exact rent in fen per mu for the year, after escalation (may have decimals).")
    )
    days_active = serializers.IntegerField()
    days_in_year = serializers.IntegerField()
    profit_share = serializers.BooleanField()
    profit_share_weight = QuantityField()
    start_date = serializers.DateField(allow_null=True, help_text=_("The contract's term as frozen with the run."))
    end_date = serializers.DateField(allow_null=True)
    terminated_on = serializers.DateField(
        allow_null=True, help_text=_("Set when the contract was terminated: its last day in force.")
    )
    base_rent_per_mu_fen = serializers.IntegerField(
        allow_null=True, help_text=_("The contract's guaranteed rent per mu per year before escalation, in fen.")
    )
    escalation_percent = QuantityField(allow_null=True, help_text=_("Each rise in percent, or null."))
    escalation_every_years = serializers.IntegerField(
        allow_null=True, help_text=_("Years between rises, counted in calendar years from the start year.")
    )


class InputLabourLineSerializer(serializers.Serializer):
    record = serializers.IntegerField(source="record_id")
    household = serializers.IntegerField(source="household_id")
    household_code = serializers.CharField()
    association = serializers.IntegerField(source="association_id")
    association_code = serializers.CharField(source="association.code")
    member_name = serializers.CharField()
    work_date = serializers.DateField()
    days = QuantityField(decimal_places=2)
    day_wage = YuanField(source="day_wage_fen")
    day_wage_fen = serializers.IntegerField()
    member = serializers.IntegerField(source="member_id", allow_null=True)
    household_basis = serializers.SerializerMethodField(
        help_text=_(
            "Why this household: 'on_work_date' (the member is still in it) or 'left_after_work' (the member "
            "moved, split off or merged away on left_household_on, after the work date)."
        )
    )
    left_household_on = serializers.DateField(
        allow_null=True, help_text=_("The day the member left this household after the work, if they did.")
    )

    @extend_schema_field({"type": "string", "enum": ["on_work_date", "left_after_work"]})
    def get_household_basis(self, line) -> str:
        return "left_after_work" if line.left_household_on else "on_work_date"


class InputHoldingSerializer(serializers.Serializer):
    association = serializers.IntegerField(source="association_id")
    association_code = serializers.CharField(source="association.code")
    household = serializers.IntegerField(source="household_id", allow_null=True)
    household_code = serializers.SerializerMethodField(help_text=_("Null: the association's collective share."))
    share_type = serializers.IntegerField(source="share_type_id")
    share_type_code = serializers.CharField()
    weight = QuantityField()
    quantity = QuantityField()

    @extend_schema_field({"type": "string", "nullable": True})
    def get_household_code(self, holding) -> str | None:
        return holding.household_code or None


class RunInputsSerializer(serializers.Serializer):
    """Everything the computation used, as frozen with the run on its record date."""

    run = RunSummarySerializer()
    sign = serializers.IntegerField(
        help_text=_("1; -1 for a reversal, whose amounts are those computed from these inputs, negated.")
    )
    year = serializers.IntegerField()
    record_date = serializers.DateField()
    policy = FrozenPolicySerializer()
    county_rules = CountyRulesSerializer()
    revenue_by_category = CategoryTotalSerializer(many=True)
    expense_by_category = CategoryTotalSerializer(many=True)
    non_income_categories = serializers.ListField(
        child=serializers.CharField(), help_text=_("Revenue categories that are not income (borrowed funds).")
    )
    land_operation_category = serializers.CharField()
    equity = EquityLineSerializer(many=True)
    contract_lines = InputContractLineSerializer(many=True)
    labour_lines = InputLabourLineSerializer(many=True)
    holdings = InputHoldingSerializer(many=True)
    complete = serializers.BooleanField(
        help_text=_("True when the caller sees every line of the run (a township key); else only their scope's.")
    )


class ResultContractLineSerializer(serializers.Serializer):
    ordinal = serializers.IntegerField()
    contract_number = serializers.CharField()
    parcel_code = serializers.CharField()
    household = serializers.IntegerField(source="household_id")
    household_code = serializers.CharField()
    land_weight = QuantityField(decimal_places=8, help_text=_("area * days active * profit-share weight, or 0"))
    rent = YuanField(source="rent_fen")
    rent_fen = serializers.IntegerField()
    land_dividend = YuanField(source="land_dividend_fen")
    land_dividend_fen = serializers.IntegerField()


class ResultLabourLineSerializer(serializers.Serializer):
    record = serializers.IntegerField(source="record_id")
    household_code = serializers.CharField()
    wage = YuanField(source="wage_fen")
    wage_fen = serializers.IntegerField()


class ShareLineSerializer(serializers.Serializer):
    association = serializers.IntegerField(source="association_id")
    association_code = serializers.CharField(source="association.code")
    ordinal = serializers.IntegerField(help_text=_("The line's place in the tie-break order of its pool."))
    household = serializers.IntegerField(source="household_id", allow_null=True)
    household_code = serializers.CharField(source="household.code", allow_null=True)
    weight = QuantityField(decimal_places=8, allow_null=True)
    amount = YuanField(source="amount_fen")
    amount_fen = serializers.IntegerField()


class RunResultsSerializer(serializers.Serializer):
    """Every payout with its parts, every pool with its lines' sum, and every line of every split."""

    run = RunSummarySerializer()
    figures = RunFiguresSerializer(allow_null=True)
    pools = PoolWithSumSerializer(many=True)
    contract_lines = ResultContractLineSerializer(many=True)
    labour_lines = ResultLabourLineSerializer(many=True)
    share_lines = ShareLineSerializer(many=True)
    payouts = PayoutSerializer(many=True)
    complete = serializers.BooleanField()


# --- The annual report ---------------------------------------------------------------------------


class PayoutIndicatorsSerializer(serializers.Serializer):
    households_with_payout = serializers.IntegerField()
    households_paid = serializers.IntegerField(help_text=_("Households whose payout is marked paid in full."))
    payouts = YuanField(source="payouts_fen")
    payouts_fen = serializers.IntegerField()
    mean_payout = YuanField(source="mean_payout_fen", allow_null=True)
    mean_payout_fen = serializers.IntegerField(allow_null=True)
    median_payout = YuanField(source="median_payout_fen", allow_null=True)
    median_payout_fen = serializers.IntegerField(allow_null=True)
    gini = serializers.CharField(allow_null=True, help_text=_("Gini coefficient of household payouts, 4 decimals."))
    top_20_to_bottom_20 = serializers.CharField(
        allow_null=True, help_text=_("Share of the top 20 % divided by the share of the bottom 20 %, 4 decimals.")
    )
    bottom_40_share = serializers.CharField(
        allow_null=True,
        # xgettext:no-python-format
        help_text=_("Share of all payouts received by the bottom 40 % of households, 0 to 1."),
    )


class CollectiveIncomeSerializer(serializers.Serializer):
    revenue = YuanField(source="revenue_fen", help_text=_("Ledger revenue of the year, without borrowed funds."))
    revenue_fen = serializers.IntegerField()
    income_from_company = YuanField(
        source="income_from_company_fen", help_text=_("Received from the company's distribution run of the year.")
    )
    income_from_company_fen = serializers.IntegerField()
    collective_income = YuanField(source="collective_income_fen", help_text=_("revenue + income from the company"))
    collective_income_fen = serializers.IntegerField()
    expenses = YuanField(source="expenses_fen")
    expenses_fen = serializers.IntegerField()
    net = YuanField(source="net_fen", help_text=_("collective income - expenses"))
    net_fen = serializers.IntegerField()
    area_transferred_mu = MuField(help_text=_("Area of the contract lines in force for at least one day of the year."))
    rent_due = YuanField(source="rent_due_fen", help_text=_("Rent installments of the year."))
    rent_due_fen = serializers.IntegerField()
    rent_paid = YuanField(source="rent_paid_fen", help_text=_("Rent payments counted against the year."))
    rent_paid_fen = serializers.IntegerField()


class AssociationIdentitySerializer(serializers.Serializer):
    association = serializers.IntegerField(source="association_id")
    association_code = serializers.CharField()
    association_name = serializers.CharField()
    weak_village = serializers.BooleanField(
        help_text=_("集体经济薄弱村: the collective income is below the threshold.")
    )


class AssociationAnnualSerializer(
    AssociationIdentitySerializer, CollectiveIncomeSerializer, PayoutIndicatorsSerializer
):
    """One association's year."""


class TownshipIdentitySerializer(serializers.Serializer):
    associations = serializers.IntegerField()
    weak_villages = serializers.IntegerField()


class TownshipAnnualSerializer(TownshipIdentitySerializer, CollectiveIncomeSerializer, PayoutIndicatorsSerializer):
    """All the associations' year together; the payout indicators over all their households."""


class AnnualReportSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    weak_village_threshold = YuanField(source="weak_village_threshold_fen")
    weak_village_threshold_fen = serializers.IntegerField()
    associations = AssociationAnnualSerializer(many=True)
    township = TownshipAnnualSerializer(
        allow_null=True, help_text=_("All nine associations together; null unless the caller sees all of them.")
    )
