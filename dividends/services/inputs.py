"""What a run reads: its inputs gathered from the other apps, through their published functions only.

The registry as of the record date (collective.services.registry_as_of), the contract lines and
labour records of the year (land.services), the company's equity on the record date
(EquityEvent.objects.holdings_as_of) and the company's ledger totals of the year.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, Max, Q, Sum
from django.utils.translation import gettext as _

from collective.models import (
    EquityEvent,
    Organisation,
    QuantityUnits,
    ShareEvent,
    ShareEventLine,
    ShareType,
)
from dividends import engine
from dividends.models import DistributionRun
from dividends.services import sql
from dividends.services.ledger import year_figures
from land.models import LandTransferContract
from land.services import contract_lines_for_year, labour_lines_for_year


@dataclass(frozen=True)
class LedgerReference:
    """A run's holdings, as a reference into the append-only share ledger (docs/distribution.md).

    The lines of the associations' share events up to `mark` (the last event the run read), effective
    on or before the record date, summed per holder and share type, weighted by the share types'
    weights as the run froze them: the same rows whenever they are read, since a later correction
    is a new event above the mark.
    """

    association_ids: tuple[int, ...]
    as_of: date
    mark: int
    # Each share type's (code, weight) as the run read them.
    share_types: Mapping[int, tuple[str, Decimal]]

    @classmethod
    def of_run(cls, run: DistributionRun) -> LedgerReference | None:
        """The reference a computed run recorded (None before its inputs are frozen)."""
        if run.ledger_mark is None or run.record_date is None:
            return None
        frozen = run.inputs or {}
        return cls(
            association_ids=tuple(row["association_id"] for row in frozen.get("equity", [])),
            as_of=run.record_date,
            mark=run.ledger_mark,
            share_types={row["id"]: (row["code"], Decimal(row["weight"])) for row in frozen.get("share_types", [])},
        )

    def rows(
        self,
        *,
        association_ids: Iterable[int] | None = None,
        household_ids: Iterable[int] | None = None,
        with_codes: bool = False,
        where: Q | None = None,
    ):
        """The holdings as rows (a_id, h_id, t_id, held in whole ten-thousandths), zero sums left out.

        where: a condition on the ledger's lines (e.g. the holders a user may see).
        """
        rows = registry_rows(
            association_ids=self.association_ids if association_ids is None else association_ids,
            as_of=self.as_of,
            mark=self.mark,
            with_codes=with_codes,
        )
        if where is not None:
            rows = rows.filter(where)
        return rows if household_ids is None else rows.filter(household_id__in=list(household_ids))

    def select(self, *, association_ids: Iterable[int] | None = None) -> tuple[str, Sequence]:
        """The SELECT of rows(), with its parameters, for the set-based statements (services/sql.py)."""
        return self.rows(association_ids=association_ids).query.sql_with_params()

    @property
    def weights(self) -> dict[int, Decimal]:
        return {pk: weight for pk, (_code, weight) in self.share_types.items()}

    def holdings(
        self,
        *,
        association_ids: Iterable[int] | None = None,
        household_ids: Iterable[int] | None = None,
        where: Q | None = None,
    ) -> dict[int, list[engine.HoldingInput]]:
        """{association id: its holdings}, each with its holder's code and the frozen weight (one query)."""
        result: dict[int, list[engine.HoldingInput]] = {}
        rows = self.rows(association_ids=association_ids, household_ids=household_ids, with_codes=True, where=where)
        for row in rows.order_by("a_id", "h_code", "t_id"):
            code, weight = self.share_types[row["t_id"]]
            result.setdefault(row["a_id"], []).append(
                engine.HoldingInput(
                    household_id=row["h_id"],
                    household_code=row["h_code"],
                    share_type_id=row["t_id"],
                    share_type_code=code,
                    weight=weight,
                    quantity=Decimal(row["held"]).scaleb(-4),
                )
            )
        return result


@dataclass(frozen=True)
class LedgerHolding:
    """One holding a run split, with its association, as the API's inputs document lists it."""

    association: Organisation
    holding: engine.HoldingInput

    @property
    def association_id(self) -> int:
        return self.association.pk

    def __getattr__(self, name: str):
        # household_id, household_code, share_type_id, share_type_code, weight, quantity
        return getattr(self.holding, name)


def take_ledger_mark() -> int:
    """The id of the last share event, every event up to it committed (0: an empty ledger).

    On PostgreSQL the share events are locked against writers until the run's transaction commits,
    so no event with a lower id can still be committing: an event recorded later is above the mark.
    """
    sql.lock_share_ledger()
    return ShareEvent.objects.aggregate(last=Max("pk"))["last"] or 0


def frozen_share_types(association_ids: Iterable[int]) -> dict[int, tuple[str, Decimal]]:
    """The associations' share types with their codes and weights now (a run freezes them in its inputs)."""
    return {
        pk: (code, weight)
        for pk, code, weight in ShareType.objects.filter(association_id__in=list(association_ids)).values_list(
            "pk", "code", "weight"
        )
    }


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
    # Set by gather_inputs: where `holdings` come from, for the set-based statements on PostgreSQL.
    ledger: LedgerReference | None = None


def gather_inputs(*, run: DistributionRun, fresh: bool = False) -> GatheredInputs:
    """Everything the run computes from, as of its policy's record date.

    fresh: read the ledger up to its last event now (the prepare step); otherwise a computed run's
    holdings are read up to the mark it recorded, with the weights it froze.
    """
    policy = run.policy
    company = run.company
    year = run.year
    # The year's revenue and expenses as the company's posted vouchers say (books/reports.py).
    revenue, expense = year_figures(organisation=company, year=year)
    contract_lines = contract_lines_for_year(transferee=company, year=year)
    _refuse_dissolved_households(company, contract_lines, year)
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
    ordered = tuple(association.pk for association in sorted(associations.values(), key=lambda a: a.code))
    ledger = None if fresh else LedgerReference.of_run(run)
    if ledger is None:
        ledger = LedgerReference(
            association_ids=ordered,
            as_of=policy.record_date,
            mark=take_ledger_mark(),
            share_types=frozen_share_types(ordered),
        )
    return GatheredInputs(
        company=company_inputs,
        holdings=_holdings(ledger, ordered),
        ledger=ledger,
        record_date_iso=policy.record_date.isoformat(),
        policy_id=policy.pk,
        policy_version=policy.version,
        land_rents={(line.contract_number, line.parcel_code): line.rent_fen for line in contract_lines},
    )


def _refuse_dissolved_households(company: Organisation, contract_lines: Sequence, year: int) -> None:
    """No rent or land dividend for a household on days after it was dissolved (注销): the run stops, naming it.

    The company's contracts with a household dissolved by the year's end are few; asking for them by
    the company, not by the ids of every line's household (50,000 at a million households), is one
    small query.
    """
    in_year = {line.contract_id for line in contract_lines}
    contracts = (
        LandTransferContract.objects.filter(transferee=company, household__dissolved_on__lte=date(year, 12, 31))
        .select_related("household")
        .order_by("number")
    )
    for contract in contracts:
        dissolved_on = contract.household.dissolved_on
        if contract.pk in in_year and contract.last_day_in_force >= dissolved_on:
            raise engine.DistributionError(
                _(
                    "Contract %(number)s is in force after its household %(household)s was dissolved (注销) on "
                    "%(dissolved)s: terminate it on %(last_day)s at the latest and make a contract with the household "
                    "that took over the land, then compute again."
                )
                % {
                    "number": contract.number,
                    "household": contract.household.code,
                    "dissolved": dissolved_on.isoformat(),
                    "last_day": (dissolved_on - timedelta(days=1)).isoformat(),
                }
            )


def _holdings(ledger: LedgerReference, ordered: Sequence[int]) -> Iterator[tuple[int, list[engine.HoldingInput]]]:
    """One association's registry at a time, so a county's never sits in memory at once."""
    for association_id in ordered:
        yield association_id, ledger.holdings(association_ids=[association_id]).get(association_id, [])


def registry_rows(*, association_ids: Iterable[int], as_of: date, mark: int, with_codes: bool = False):
    """The associations' holdings on a date as rows (a_id, h_id, t_id, held in whole ten-thousandths).

    The same ORM query as collective.services.registries_as_of, read up to the share event `mark`:
    lines of the associations' events effective on or before the date, summed per holder and share
    type, zero sums left out. tests/scale checks the set-based split against the Python path.
    """
    return (
        ShareEventLine.objects.filter(
            event__association_id__in=list(association_ids), event__effective_date__lte=as_of, event_id__lte=mark
        )
        .values(
            a_id=F("event__association_id"),
            h_id=F("household_id"),
            t_id=F("share_type_id"),
            **({"h_code": F("household__code")} if with_codes else {}),
        )
        .annotate(held=Sum(QuantityUnits("quantity_delta")))
        .exclude(held=0)
        .order_by()
    )
