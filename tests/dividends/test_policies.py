"""Policies and the county rules that bound them."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dividends import services

D = Decimal


def save(user, company, **rates):
    values = {
        "land_share_rate": D("0.30"),
        "reserve_rate": D("0.20"),
        "welfare_rate": D("0.10"),
        "payout_rate": D("0.80"),
        "retention_rate": D("0.10"),
        **rates,
    }
    return services.save_policy(user=user, organisation=company, year=2024, record_date=date(2024, 12, 31), **values)


def test_a_lawful_policy_is_saved_with_versions(company, accountant):
    first = save(accountant, company)
    second = save(accountant, company, payout_rate=D("0.5"))
    assert (first.version, second.version) == (1, 2)
    assert first.member_dividend_rate == D("0.56")


def test_reserve_plus_welfare_below_thirty_percent_is_refused(company, accountant):
    with pytest.raises(ValidationError) as error:
        save(accountant, company, reserve_rate=D("0.15"), welfare_rate=D("0.10"))
    assert error.value.message_dict["reserve_rate"] == [
        "County rule: the provident fund plus the welfare fund must be at least 30 % of net profit; "
        "this policy sets 25 %."
    ]


def test_member_dividends_above_sixty_percent_are_refused(company, accountant):
    with pytest.raises(ValidationError) as error:
        save(accountant, company, payout_rate=D("0.9"))
    assert error.value.message_dict["payout_rate"] == [
        "County rule: member dividends may be at most 60 % of net profit; this policy pays 63 % "
        "(payout rate 90 % × (1 − 30 %))."  # noqa: RUF001
    ]


def test_the_county_rules_are_configurable(company, accountant, settings):
    settings.DIVIDENDS_MIN_RESERVE_AND_WELFARE_RATE = D("0.20")
    settings.DIVIDENDS_MAX_MEMBER_DIVIDEND_RATE = D("0.70")
    assert save(accountant, company, reserve_rate=D("0.15"), welfare_rate=D("0.05"), payout_rate=D("0.85"))


def test_rates_outside_zero_to_one_and_early_record_dates_are_refused(company, accountant):
    with pytest.raises(ValidationError) as error:
        services.save_policy(
            user=accountant,
            organisation=company,
            year=2024,
            land_share_rate=D("1.2"),
            reserve_rate=D("0.2"),
            welfare_rate=D("0.1"),
            payout_rate=D("0.5"),
            retention_rate=D("-0.1"),
            record_date=date(2023, 12, 31),
        )
    assert set(error.value.message_dict) == {"land_share_rate", "retention_rate", "record_date"}


def test_only_the_accountant_sets_policies(company, township_official, village_official_a):
    for user in (township_official, village_official_a):
        with pytest.raises(PermissionDenied):
            save(user, company)


def test_the_policy_form_shows_the_rule_it_breaks(client, company, accountant):
    client.force_login(accountant)
    response = client.post(
        reverse("dividends:policy-create"),
        {
            "organisation": company.pk,
            "year": 2024,
            "land_share_rate": "0.3",
            "reserve_rate": "0.1",
            "welfare_rate": "0.1",
            "payout_rate": "0.8",
            "retention_rate": "0.1",
            "record_date": "2024-12-31",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reserve_rate"]
    assert not company.distribution_policies.exists()
