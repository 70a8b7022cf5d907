"""Land fixtures: parcels of the two test associations and a helper that drafts and signs contracts."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from collective.models import Household, Member
from land import services
from land.models import LandTransferContract, Parcel

TODAY = date(2024, 6, 15)


@pytest.fixture(autouse=True)
def _messages_in_english(settings):
    """Assert the messages as written in the code; test_translations.py checks the Chinese is complete."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def household_a2(association_a) -> Household:
    return Household.objects.create(association=association_a, code="A01-002")


@pytest.fixture
def parcel_a(household_a) -> Parcel:
    return Parcel.objects.create(
        code="P-01",
        association=household_a.association,
        village_group="一组",
        area_mu=Decimal("12.5"),
        contract_household=household_a,
        contract_right_end=date(2057, 12, 31),
    )


@pytest.fixture
def parcel_b(household_b) -> Parcel:
    return Parcel.objects.create(
        code="P-03",
        association=household_b.association,
        area_mu=Decimal("20.25"),
        contract_household=household_b,
        contract_right_end=date(2057, 12, 31),
    )


@pytest.fixture
def member_a(household_a) -> Member:
    return Member.objects.create(household=household_a, name="张三")


@pytest.fixture
def make_contract(company):
    """Draft (and by default sign) a contract; keyword arguments override the terms."""

    def make(
        *, household, parcels, number="HT-TEST", sign=True, signed_on=None, today=TODAY, **terms
    ) -> LandTransferContract:
        fields = {
            "start_date": date(2021, 1, 1),
            "end_date": date(2030, 12, 31),
            "rent_per_mu_fen": 60000,
            "transferee": company,
        }
        fields.update(terms)
        contract = services.draft_contract(number=number, household=household, parcels=parcels, **fields)
        if sign:
            contract = services.sign_contract(
                contract=contract, signed_on=signed_on or min(fields["start_date"], today), today=today
            )
        return contract

    return make
