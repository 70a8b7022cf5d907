"""Scale fixtures: a county that grows by N households at a time, and django-zeal raising on N+1 queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import count

import pytest

from association.models import Grower, TrainingSession
from collective.models import EquityEvent, Household, Member, ShareEvent, ShareEventLine, ShareType
from dividends.models import DistributionPolicy, DistributionRun, LedgerEntry, Payout
from land.models import ContractParcel, LandTransferContract, Parcel

YEAR = 2024
_numbers = count(1)


@pytest.fixture(scope="session", autouse=True)
def _zeal_patched():
    """Patch the ORM once for django-zeal (what its AppConfig.ready does), without adding it to INSTALLED_APPS."""
    from zeal.constants import initialize_app_registry
    from zeal.patch import patch

    initialize_app_registry()
    patch()


@pytest.fixture
def n_plus_one_raises(settings):
    """Inside the block, a lazy load repeated for each row of a list raises zeal.NPlusOneError."""
    from zeal import zeal_context

    settings.ZEAL_RAISE = True
    settings.ZEAL_NPLUSONE_THRESHOLD = 2
    return zeal_context


class County:
    """Rows in every list a page shows, added `grow(n)` households at a time (with their lines)."""

    def __init__(self, company, association, pear_association, accountant) -> None:
        self.company = company
        self.association = association
        self.pear_association = pear_association
        self.population = ShareType.objects.create(
            association=association, code="population", name="人口股", weight=Decimal(1)
        )
        EquityEvent.objects.create(
            company=company,
            holder=association,
            effective_date=date(2020, 6, 1),
            shares_delta=600,
            reason=EquityEvent.Reason.FOUNDING,
        )
        self.policy = DistributionPolicy.objects.create(
            organisation=company,
            year=YEAR,
            land_share_rate=Decimal("0.3"),
            reserve_rate=Decimal("0.2"),
            welfare_rate=Decimal("0.1"),
            payout_rate=Decimal("0.8"),
            retention_rate=Decimal("0.1"),
            record_date=date(YEAR, 12, 31),
            created_by=accountant,
        )
        self.run = DistributionRun.objects.create(
            company=company, year=YEAR, policy=self.policy, status=DistributionRun.Status.COMPUTED
        )

    def grow(self, n: int) -> None:
        numbers = [next(_numbers) for _ in range(n)]
        households = Household.objects.bulk_create(
            Household(association=self.association, code=f"A01-{number:04d}", village_group=f"{number % 3}组")
            for number in numbers
        )
        heads = Member.objects.bulk_create(
            Member(household=household, association=self.association, name=f"户主{household.code}")
            for household in households
        )
        Member.objects.bulk_create(
            Member(household=household, association=self.association, name=f"成员{household.code}")
            for household in households
        )
        for household, head in zip(households, heads, strict=True):
            household.head = head
        Household.objects.bulk_update(households, ["head"])
        event = ShareEvent.objects.create(
            association=self.association, kind=ShareEvent.Kind.ISSUE, effective_date=date(2021, 1, 1)
        )
        ShareEventLine.objects.bulk_create(
            ShareEventLine(event=event, household=household, share_type=self.population, quantity_delta=Decimal(2))
            for household in households
        )
        parcels = Parcel.objects.bulk_create(
            Parcel(
                code=f"P-{household.code}",
                association=self.association,
                area_mu=Decimal(5),
                contract_household=household,
            )
            for household in households
        )
        contracts = LandTransferContract.objects.bulk_create(
            LandTransferContract(
                number=f"HT-{household.code}",
                household=household,
                transferee=self.company,
                signed_on=date(2021, 1, 1),
                start_date=date(2021, 1, 1),
                end_date=date(2030, 12, 31),
                rent_per_mu_fen=60000,
                status=LandTransferContract.Status.ACTIVE,
            )
            for household in households
        )
        ContractParcel.objects.bulk_create(
            ContractParcel(
                contract=contract,
                parcel=parcel,
                area_mu=parcel.area_mu,
                start_date=contract.start_date,
                end_date=contract.end_date,
                binding=True,
            )
            for contract, parcel in zip(contracts, parcels, strict=True)
        )
        Payout.objects.bulk_create(
            Payout(
                run=self.run,
                household=household,
                household_code=household.code,
                association=self.association,
                rent_fen=300000,
                share_dividend_fen=1000,
                total_fen=301000,
            )
            for household in households
        )
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                organisation=self.company,
                direction=LedgerEntry.Direction.EXPENSE,
                category=LedgerEntry.Category.ADMINISTRATION,
                entry_date=date(YEAR, 1 + number % 12, 1),
                amount_fen=1000 + number,
                note=f"条目 {number}",
            )
            for number in numbers
        )
        Grower.objects.bulk_create(
            Grower(
                association=self.pear_association,
                code=f"G-{number:04d}",
                name=f"梨农{number}",
                village=self.association,
                orchard_area_mu=Decimal(3),
                joined_on=date(2020, 1, 1),
            )
            for number in numbers
        )
        TrainingSession.objects.bulk_create(
            TrainingSession(
                association=self.pear_association,
                code=f"T-{number:04d}",
                held_on=date(YEAR, 1 + number % 12, 1),
                topic=TrainingSession.Topic.PRUNING,
                trainer="技术员",
                place="甘田村",
            )
            for number in numbers
        )


@pytest.fixture
def county(company, association_a, pear_association, accountant) -> County:
    return County(company, association_a, pear_association, accountant)
