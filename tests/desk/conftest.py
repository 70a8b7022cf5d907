"""Desk fixtures: the appendix run of DESIGN.md (built by the dividends fixtures), computed and published."""

import pytest
from django.utils import timezone

from dividends import services
from dividends.models import DistributionRun
from tests.dividends import conftest as dividends_fixtures

appendix = dividends_fixtures.appendix
compute = dividends_fixtures.compute
household_a = dividends_fixtures.household_a
household_b = dividends_fixtures.household_b


@pytest.fixture
def in_notice(appendix, compute, accountant) -> DistributionRun:
    run = compute(appendix.policy)
    return services.publish_notice(user=accountant, run=run, starts_on=timezone.localdate())
