"""Portal fixtures: the appendix run of DESIGN.md (built by the dividends fixtures) at each step a farmer sees."""

from datetime import timedelta

import pytest
from django.utils import timezone

from collective.models import User
from dividends import services
from dividends.models import DistributionRun
from tests.conftest import make_user
from tests.dividends import conftest as dividends_fixtures

# The dividends fixtures build the appendix through the real services; household_a is shared with farmer_a.
appendix = dividends_fixtures.appendix
compute = dividends_fixtures.compute
household_a = dividends_fixtures.household_a
household_b = dividends_fixtures.household_b


@pytest.fixture
def computed(appendix, compute) -> DistributionRun:
    return compute(appendix.policy)


@pytest.fixture
def in_notice(computed, accountant) -> DistributionRun:
    """The 2024 run in public notice from today: farmers see it and may object."""
    return services.publish_notice(user=accountant, run=computed, starts_on=timezone.localdate())


@pytest.fixture
def approved(computed, accountant, township_official) -> DistributionRun:
    """The 2024 run after a notice that ended, approved by the township."""
    run = services.publish_notice(
        user=accountant,
        run=computed,
        starts_on=timezone.localdate() - timedelta(days=10),
        published_on=timezone.localdate() - timedelta(days=10),
    )
    return services.approve_run(
        user=township_official,
        run=run,
        resolution_date=timezone.localdate(),
        resolution_reference="甘田成员代表大会决议",
    )


@pytest.fixture
def paid(approved, accountant, village_official_a, village_official_b, association_a, association_b) -> DistributionRun:
    """Every part of every payout paid: the company's yesterday, each association's today."""
    today = timezone.localdate()
    services.mark_paid(
        user=accountant, run=approved, payer=approved.company, paid_on=today - timedelta(days=1), bank_reference="XL-1"
    )
    services.mark_paid(user=village_official_a, run=approved, payer=association_a, paid_on=today, bank_reference="A1")
    services.mark_paid(user=village_official_b, run=approved, payer=association_b, paid_on=today, bank_reference="B1")
    approved.refresh_from_db()
    assert approved.status == DistributionRun.Status.PAID
    return approved


@pytest.fixture
def farmer_a2(appendix) -> User:
    """A farmer of A01-002, the appendix's household with wages, in the same association as farmer_a."""
    return make_user("13800000003", User.Role.FARMER, household=appendix.household("A01-002"), phone="13800000003")
