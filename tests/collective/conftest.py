"""Fixtures of the registry: share types, households with members, and a ledger of events."""

from datetime import date
from decimal import Decimal

import pytest

from collective import services
from collective.models import Household, Member, ShareType
from tests.collective.factories import HouseholdFactory, MemberFactory, id_number_for


@pytest.fixture
def share_types(association_a) -> dict[str, ShareType]:
    return {
        "population": ShareType.objects.create(association=association_a, code="population", name="人口股", weight=1),
        "labour": ShareType.objects.create(
            association=association_a, code="labour", name="劳龄股", weight=Decimal("0.1")
        ),
        "collective": ShareType.objects.create(
            association=association_a, code="collective", name="集体股", weight=1, is_collective=True
        ),
    }


@pytest.fixture
def population(share_types) -> ShareType:
    return share_types["population"]


@pytest.fixture
def share_types_b(association_b) -> dict[str, ShareType]:
    return {
        "population": ShareType.objects.create(association=association_b, code="population", name="人口股", weight=1)
    }


def make_household(association, code: str, *, members: int = 2, established_on=date(2000, 1, 1)) -> Household:
    """A household with a head and (members - 1) children, all with valid ID numbers."""
    household = HouseholdFactory(association=association, code=code, established_on=established_on)
    head = MemberFactory(household=household, name=f"{code}户主", birth_date=date(1960, 3, 1))
    household.head = head
    household.save(update_fields=["head"])
    for index in range(members - 1):
        MemberFactory(
            household=household,
            name=f"{code}子女{index}",
            birth_date=date(1990 + index, 6, 15),
            relation=Member.Relation.CHILD,
            sex=Member.Sex.FEMALE,
            id_number=id_number_for(date(1990 + index, 6, 15), male=False),
        )
    return household


@pytest.fixture
def households(association_a) -> list[Household]:
    return [make_household(association_a, f"A01-{n:03d}") for n in range(1, 4)]


@pytest.fixture
def issued(association_a, households, population) -> list[Household]:
    """Three households with 5, 3 and 0 population shares since 2021-01-01."""
    for household, quantity in zip(households[:2], (5, 3), strict=True):
        services.issue_shares(
            association=association_a,
            household=household,
            share_type=population,
            quantity=Decimal(quantity),
            effective_date=date(2021, 1, 1),
        )
    return households


ACCOUNT = "6217000012345678901"


@pytest.fixture
def registry_a(association_a, issued, share_types):
    """Association A's three households; the first with a known ID number and bank account."""
    first = issued[0]
    first.bank_account = ACCOUNT
    first.save()
    services.issue_shares(
        association=association_a,
        household=None,
        share_type=share_types["collective"],
        quantity=Decimal(4),
        effective_date=date(2021, 1, 1),
    )
    return issued
