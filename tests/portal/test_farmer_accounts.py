"""Farmer accounts: an official opens one or resets its password, the farmer must change it, lock-out lifts."""

import re

import pytest
from django.urls import reverse

from collective.models import User
from collective.services import accounts
from tests.conftest import PASSWORD


def one_time_password(response) -> str:
    match = re.search(r'<code id="one-time-password"[^>]*>([^<]+)</code>', response.content.decode())
    assert match, "no one-time password on the page"
    return match.group(1)


def open_account(client, official, household, phone: str, member=None):
    client.force_login(official)
    data = {"household": household.code, "phone": phone, "member": member.pk if member else ""}
    return client.post(reverse("collective:farmer-account-create"), data)


def test_the_one_time_password_passes_the_validators_and_is_easy_to_type():
    from django.contrib.auth.password_validation import validate_password

    passwords = {accounts.generate_one_time_password() for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        validate_password(password)
        assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password)
        assert not set(password) & set("01ilo")


def test_first_log_in_with_the_one_time_password_forces_a_new_password(client, village_official_a, appendix):
    household = appendix.household("A01-001")
    head = appendix.heads["A01-001"]
    response = open_account(client, village_official_a, household, "139 1234 5678", member=head)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    password = one_time_password(response)
    account = User.objects.get(username="13912345678")
    assert (account.role, account.household, account.phone, account.first_name) == (
        User.Role.FARMER,
        household,
        "13912345678",
        head.name,
    )
    assert account.must_change_password
    assert password not in account.password

    client.logout()
    response = client.post(reverse("login"), {"username": "13912345678", "password": password})
    assert response.status_code == 302
    for url in (reverse("home"), reverse("portal:payouts", kwargs={"household_pk": household.pk})):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("password_change")
    too_short = client.post(
        reverse("password_change"), {"old_password": password, "new_password1": "pear7", "new_password2": "pear7"}
    )
    assert too_short.status_code == 200
    response = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": "li-shunguang-2025", "new_password2": "li-shunguang-2025"},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert not account.must_change_password
    assert client.get(reverse("home")).status_code == 200


def test_lock_out_after_five_failures_and_the_reset_lifts_it(client, farmer_a, village_official_a):
    for _ in range(5):
        client.post(reverse("login"), {"username": farmer_a.username, "password": "wrong-password"})
    response = client.post(reverse("login"), {"username": farmer_a.username, "password": PASSWORD})
    assert response.status_code == 429

    client.force_login(village_official_a)
    response = client.post(reverse("collective:farmer-account-reset", kwargs={"pk": farmer_a.pk}))
    assert response.status_code == 200
    password = one_time_password(response)
    client.logout()
    assert client.post(reverse("login"), {"username": farmer_a.username, "password": PASSWORD}).status_code == 200
    response = client.post(reverse("login"), {"username": farmer_a.username, "password": password})
    assert response.status_code == 302
    farmer_a.refresh_from_db()
    assert farmer_a.must_change_password


def test_a_phone_number_is_one_account(client, village_official_a, farmer_a, household_a):
    response = open_account(client, village_official_a, household_a, farmer_a.username)
    assert response.status_code == 200
    assert "one-time-password" not in response.content.decode()
    assert User.objects.filter(username=farmer_a.username).count() == 1


@pytest.mark.parametrize("phone", ["1380000000", "23800000001", "abc", ""])
def test_the_user_name_is_a_mobile_phone_number(client, village_official_a, household_a, phone):
    response = open_account(client, village_official_a, household_a, phone)
    assert response.status_code == 200
    assert not User.objects.filter(role=User.Role.FARMER).exists()


def test_a_village_official_manages_only_their_own_associations_farmers(
    client, village_official_b, farmer_a, household_a
):
    response = open_account(client, village_official_b, household_a, "13712345678")
    assert response.status_code == 200
    assert not User.objects.filter(username="13712345678").exists()
    assert client.get(reverse("collective:farmer-account-reset", kwargs={"pk": farmer_a.pk})).status_code == 404
    assert client.post(reverse("collective:farmer-account-reset", kwargs={"pk": farmer_a.pk})).status_code == 404
    listing = client.get(reverse("collective:farmer-account-list")).content.decode()
    assert farmer_a.username not in listing


def test_a_member_of_another_household_cannot_be_chosen(client, village_official_a, appendix):
    response = open_account(
        client, village_official_a, appendix.household("A01-001"), "13712345678", member=appendix.heads["A01-002"]
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="13712345678").exists()


@pytest.mark.parametrize("persona", ["farmer_a", "accountant", "association_staff"])
def test_only_officials_manage_farmer_accounts(client, request, persona, household_a):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("collective:farmer-account-list")).status_code == 403


def test_the_list_shows_the_associations_farmers(client, village_official_a, farmer_a):
    client.force_login(village_official_a)
    html = client.get(reverse("collective:farmer-account-list") + "?q=A01").content.decode()
    assert farmer_a.username in html
    assert reverse("collective:farmer-account-reset", kwargs={"pk": farmer_a.pk}) in html
