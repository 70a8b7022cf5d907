import pytest
from django.urls import reverse

from tests.conftest import PASSWORD, authenticator, authenticator_code

ROLE_HOMES = [
    ("township_official", "collective/home_township.html"),
    ("accountant", "collective/home_township.html"),
    ("village_official_a", "collective/home_village.html"),
    ("association_staff", "collective/home_association.html"),
    ("farmer_a", "portal/home.html"),
]


@pytest.mark.parametrize(("persona", "template"), ROLE_HOMES)
def test_each_role_lands_on_its_own_home(client, request, persona, template):
    user = request.getfixturevalue(persona)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    if user.needs_second_factor:
        # An official gives the code of their authenticator app first (collective/second_factor.py).
        assert client.get(reverse("home"))["Location"] == "/second-factor/?next=/"
        client.post("/second-factor/", {"token": authenticator_code(authenticator(user)), "next": "/"})
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert template in [t.name for t in home.templates]


def test_an_anonymous_request_is_sent_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_village_home_shows_the_association_and_the_equity(client, village_official_a, company, association_b):
    from datetime import date

    from collective.models import EquityEvent

    EquityEvent.objects.create(
        company=company,
        holder=village_official_a.organisation,
        effective_date=date(2020, 1, 1),
        shares_delta=600,
        reason=EquityEvent.Reason.FOUNDING,
    )
    EquityEvent.objects.create(
        company=company,
        holder=association_b,
        effective_date=date(2020, 1, 1),
        shares_delta=400,
        reason=EquityEvent.Reason.FOUNDING,
    )
    client.force_login(village_official_a)
    html = client.get(reverse("home")).content.decode()
    assert "甘田村股份经济合作社" in html
    assert "60.00%" in html
    assert "40.00%" in html


def test_five_wrong_passwords_lock_the_account_on_that_address(client, farmer_a):
    for _ in range(5):
        client.post(reverse("login"), {"username": farmer_a.username, "password": "wrong-password"})
    response = client.post(reverse("login"), {"username": farmer_a.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "密码" in response.content.decode()
    # The same user name from another terminal is not locked: the lock is on name and address together.
    response = client.post(
        reverse("login"), {"username": farmer_a.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert response.status_code == 302


def test_a_user_whose_password_an_official_set_must_change_it_first(client, farmer_a):
    farmer_a.must_change_password = True
    farmer_a.save()
    client.post(reverse("login"), {"username": farmer_a.username, "password": PASSWORD})
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "pear-blossom-2024", "new_password2": "pear-blossom-2024"},
    )
    assert response.status_code == 302
    farmer_a.refresh_from_db()
    assert farmer_a.must_change_password is False
    assert client.get(reverse("home")).status_code == 200


def test_one_user_name_from_many_addresses_is_locked_after_ten_failures(client, farmer_a):
    for attempt in range(10):
        client.post(
            reverse("login"), {"username": farmer_a.username, "password": "wrong"}, REMOTE_ADDR=f"10.1.0.{attempt}"
        )
    response = client.post(
        reverse("login"), {"username": farmer_a.username, "password": PASSWORD}, REMOTE_ADDR="10.1.1.1"
    )
    assert response.status_code == 429


def test_one_address_trying_many_user_names_is_locked_after_thirty_failures(client, farmer_a, farmer_b):
    for attempt in range(30):
        client.post(
            reverse("login"), {"username": f"1390000{attempt:04d}", "password": "123456"}, REMOTE_ADDR="10.2.0.1"
        )
    # Even a right password, for a name never tried, from that address.
    response = client.post(
        reverse("login"), {"username": farmer_b.username, "password": PASSWORD}, REMOTE_ADDR="10.2.0.1"
    )
    assert response.status_code == 429
    # Another address is not affected.
    response = client.post(
        reverse("login"), {"username": farmer_b.username, "password": PASSWORD}, REMOTE_ADDR="10.2.0.2"
    )
    assert response.status_code == 302


def test_a_few_failures_from_the_office_terminal_do_not_lock_it(client, farmer_a, farmer_b):
    for attempt in range(4):
        client.post(reverse("login"), {"username": farmer_a.username, "password": f"wrong-{attempt}"})
    response = client.post(reverse("login"), {"username": farmer_b.username, "password": PASSWORD})
    assert response.status_code == 302
