"""Fixtures of the pear association: cultivars, growers, a cold store, and a second association."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from association import services
from association.models import ColdStore, Cultivar, Grade, TrainingSession
from collective.models import Organisation, User
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def _english_messages():
    """Service messages are asserted in English here; pages are checked in Chinese, the default language."""
    with translation.override("en"):
        yield


@pytest.fixture
def red_pear(db) -> Cultivar:
    return Cultivar.objects.create(name="云南红梨", introduced_year=2010)


@pytest.fixture
def baozhu(db) -> Cultivar:
    return Cultivar.objects.create(name="宝珠梨")


@pytest.fixture
def grower_a(pear_association, association_a, red_pear):
    return services.create_grower(
        association=pear_association,
        name="李国华",
        orchard_area_mu=Decimal("8.50"),
        joined_on=date(2004, 3, 1),
        village=association_a,
        cultivars=[red_pear],
    )


@pytest.fixture
def grower_b(pear_association, association_a, baozhu):
    return services.create_grower(
        association=pear_association,
        name="杨秀芳",
        orchard_area_mu=Decimal("5.00"),
        joined_on=date(2010, 5, 1),
        village=association_a,
        cultivars=[baozhu],
    )


@pytest.fixture
def store(pear_association) -> ColdStore:
    return ColdStore.objects.create(
        association=pear_association, code="CS1", name="甘田冷库", capacity_kg=500_000, fee_fen_per_tonne_day=150
    )


@pytest.fixture
def substandard_lot(store, grower_a, red_pear):
    return services.book_in(
        store=store,
        grower=grower_a,
        cultivar=red_pear,
        grade=Grade.SUBSTANDARD,
        quantity_kg=10_000,
        stored_on=date(2024, 9, 1),
    )


@pytest.fixture
def session(pear_association) -> TrainingSession:
    return services.create_training_session(
        association=pear_association,
        held_on=date(2024, 3, 12),
        topic=TrainingSession.Topic.POLLINATION,
        trainer="云南省农业科学院专家",
        place="甘田示范果园",
    )


@pytest.fixture
def other_association(township) -> Organisation:
    return Organisation.objects.create(
        code="APPLE", name="绿荷苹果协会", kind=Organisation.Kind.SOCIAL, township=township
    )


@pytest.fixture
def other_staff(other_association) -> User:
    return make_user("apple_staff", User.Role.ASSOCIATION_STAFF, organisation=other_association)


@pytest.fixture
def other_grower(other_association, red_pear):
    return services.create_grower(
        association=other_association, name="王建明", orchard_area_mu=Decimal("3"), joined_on=date(2015, 1, 1)
    )
