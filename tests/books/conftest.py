"""The books' personas: a second bookkeeper of the company, to review what the accountant enters."""

import pytest

from collective.models import User
from tests.conftest import make_user


@pytest.fixture
def second_accountant(company) -> User:
    return make_user("accountant2", User.Role.ACCOUNTANT, organisation=company)


# The appendix run of DESIGN.md, as the dividends tests build it.
from tests.dividends.conftest import appendix, compute  # noqa: E402, F401
