"""What a run reads: its inputs gathered from the other apps, through their published functions only.

The registry as of the record date (collective.services.registry_as_of), the contract lines and
labour records of the year (land.services), the company's equity on the record date
(EquityEvent.objects.holdings_as_of) and the company's ledger totals of the year.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import F, Sum
from django.utils.translation import gettext as _

from collective.models import EquityEvent, Household, Organisation, QuantityUnits, ShareEventLine
from collective.services import registry_as_of
from dividends import engine
from dividends.models import DistributionRun
from dividends.services.ledger import year_figures
from land.models import LandTransferContract
from land.services import contract_lines_for_year, labour_lines_for_year


@dataclass(frozen=True)
class RegistrySource:
    """Where the holdings on the record date come from: the share ledger, read by SQL (registry_rows).

    On PostgreSQL the run freezes the registry with one INSERT … SELECT instead of carrying every
    holding through Python and back (DESIGN.md §6: writing is what costs).
    """

    association_ids: tuple[int, ...]
    as_of: date

    def select(self) -> tuple[str, Sequence]:
        """The SELECT of registry_rows, with its parameters, for the set-based freeze (sql.freeze_registry)."""
        return registry_rows(association_ids=self.association_ids, as_of=self.as_of).query.sql_with_params()


@dataclass
class GatheredInputs:
    """What a run needs, as gathered from the registry, the land contracts and the ledger."""

    company: engine.CompanyInputs
    # (association id, holdings on the record date): consumed one association at a time.
    holdings: Iterable[tuple[int, Sequence[engine.HoldingInput]]]
    record_date_iso: str
    policy_id: int | None = None
    policy_version: int | None = None
    # The rent each contract line has in the land app, to refuse a run where the two disagree.
    land_rents: Mapping[tuple[str, str], int] = field(default_factory=dict)
    # Set by gather_inputs: the same holdings as `holdings`, for the set-based freeze on PostgreSQL.
    registry: RegistrySource | None = None


def gather_inputs(*, run: DistributionRun) -> GatheredInputs:
    """Everything the run computes from, as of its policy's record date."""
    policy = run.policy
    company = run.company
    year = run.year
    # The year's revenue and expenses as the company's posted vouchers say (books/reports.py).
    revenue, expense = year_figures(organisation=company, year=year)
    contract_lines = contract_lines_for_year(transferee=company, year=year)
    _refuse_dissolved_households(contract_lines, year)
    labour_lines = labour_lines_for_year(employer=company, year=year)
    equity = EquityEvent.objects.holdings_as_of(company, policy.record_date)
    associations = {
        association.pk: association
        for association in Organisation.objects.filter(pk__in=[pk for pk, shares in equity.items() if shares])
    }
    company_inputs = engine.CompanyInputs(
        year=year,
        rates=policy.rates,
        revenue_by_category=revenue,
        expense_by_category=expense,
        contract_lines=[
            engine.ContractLineInput(
                contract_id=line.contract_id,
                contract_number=line.contract_number,
                parcel_code=line.parcel_code,
                household_id=line.household_id,
                household_code=line.household_code,
                association_id=line.association_id,
                area_mu=line.area_mu,
                rent_per_mu_fen=line.rent_per_mu_fen,
                days_active=line.days_active,
                days_in_year=line.days_in_year,
                profit_share=line.profit_share,
                profit_share_weight=line.profit_share_weight,
                terms=engine.ContractTerms(
                    start_date=line.start_date,
                    end_date=line.end_date,
                    terminated_on=line.terminated_on,
                    base_rent_per_mu_fen=line.base_rent_per_mu_fen,
                    escalation_percent=line.escalation_percent,
                    escalation_every_years=line.escalation_every_years,
                ),
            )
            for line in contract_lines
        ],
        labour_lines=[
            engine.LabourLineInput(
                record_id=line.record_id,
                household_id=line.household_id,
                household_code=line.household_code,
                association_id=line.association_id,
                member_name=line.member_name,
                work_date=line.work_date,
                days=line.days,
                day_wage_fen=line.day_wage_fen,
                member_id=line.member_id,
                left_household_on=line.left_household_on,
            )
            for line in labour_lines
        ],
        associations=[
            engine.AssociationInput(association_id=pk, code=association.code, equity_shares=int(equity[pk]))
            for pk, association in associations.items()
        ],
    )
    ordered = sorted(associations.values(), key=lambda a: a.code)
    return GatheredInputs(
        company=company_inputs,
        holdings=_holdings(ordered, policy.record_date),
        registry=RegistrySource(tuple(association.pk for association in ordered), policy.record_date),
        record_date_iso=policy.record_date.isoformat(),
        policy_id=policy.pk,
        policy_version=policy.version,
        land_rents={(line.contract_number, line.parcel_code): line.rent_fen for line in contract_lines},
    )


def _refuse_dissolved_households(contract_lines: Sequence, year: int) -> None:
    """No rent or land dividend for a household on days after it was dissolved (注销): the run stops, naming it."""
    dissolved = dict(
        Household.objects.filter(
            pk__in={line.household_id for line in contract_lines}, dissolved_on__lte=date(year, 12, 31)
        ).values_list("pk", "dissolved_on")
    )
    if not dissolved:
        return
    contract_ids = {line.contract_id for line in contract_lines if line.household_id in dissolved}
    for contract in LandTransferContract.objects.filter(pk__in=contract_ids).select_related("household"):
        if contract.last_day_in_force >= dissolved[contract.household_id]:
            raise engine.DistributionError(
                _(
                    "Contract %(number)s is in force after its household %(household)s was dissolved (注销) on "
                    "%(dissolved)s: terminate it on %(last_day)s at the latest and make a contract with the household "
                    "that took over the land, then compute again."
                )
                % {
                    "number": contract.number,
                    "household": contract.household.code,
                    "dissolved": dissolved[contract.household_id].isoformat(),
                    "last_day": (dissolved[contract.household_id] - timedelta(days=1)).isoformat(),
                }
            )


def _holdings(associations: Sequence[Organisation], record_date) -> Iterator[tuple[int, list[engine.HoldingInput]]]:
    """One association's registry at a time, so a county's never sits in memory at once."""
    for association in associations:
        yield (
            association.pk,
            [
                engine.HoldingInput(
                    household_id=holding.household_id,
                    household_code=holding.household_code,
                    share_type_id=holding.share_type_id,
                    share_type_code=holding.share_type_code,
                    weight=holding.weight,
                    quantity=holding.quantity,
                )
                for holding in registry_as_of(association=association, as_of=record_date)
            ],
        )


def registry_rows(*, association_ids: Iterable[int], as_of: date):
    """The associations' holdings on a date as rows (a_id, h_id, t_id, held in whole ten-thousandths).

    The same ORM query as collective.services.registries_as_of: lines of the associations' events
    effective on or before the date, summed per holder and share type, zero sums left out.
    tests/scale checks the frozen registry against the Python path.
    """
    return (
        ShareEventLine.objects.filter(event__association_id__in=list(association_ids), event__effective_date__lte=as_of)
        .values(a_id=F("event__association_id"), h_id=F("household_id"), t_id=F("share_type_id"))
        .annotate(held=Sum(QuantityUnits("quantity_delta")))
        .exclude(held=0)
        .order_by()
    )
