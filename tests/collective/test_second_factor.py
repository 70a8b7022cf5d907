# ruff: noqa: RUF001 - the expected texts are Chinese, with Chinese punctuation
"""The second factor of officials: enrolment with a QR code, a code at each sign-in, recovery codes, resets."""

import re
import time

import pytest
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from collective import second_factor
from collective.models import SecondFactorEvent
from tests.conftest import PASSWORD, authenticator, authenticator_code

pytestmark = [pytest.mark.django_db, pytest.mark.second_factor]


def sign_in(client, user) -> None:
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content


def test_an_official_with_a_password_alone_reaches_only_the_second_factor(client, village_official_a):
    sign_in(client, village_official_a)
    response = client.get("/collective/households/")
    assert response.status_code == 302
    assert response["Location"] == "/second-factor/?next=/collective/households/"
    # Not enrolled yet: the second-factor page sends them to set it up, keeping where they were going.
    response = client.get(response["Location"])
    assert response["Location"] == "/second-factor/enrol/?next=%2Fcollective%2Fhouseholds%2F"
    # The API refuses too, in JSON, rather than redirect.
    response = client.get("/api/v1/households/")
    assert response.status_code == 403
    assert response.json() == {"detail": "请先完成第二重验证。"}


def test_enrolment_shows_a_qr_code_and_ends_with_ten_recovery_codes(client, village_official_a):
    sign_in(client, village_official_a)
    page = client.get("/second-factor/enrol/?next=/collective/households/")
    assert "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html
    device = TOTPDevice.objects.get(user=village_official_a, confirmed=False)
    # Reloading the page keeps the same secret: the QR code does not change under the phone's camera.
    client.get("/second-factor/enrol/")
    assert TOTPDevice.objects.get(user=village_official_a).pk == device.pk

    wrong = client.post("/second-factor/enrol/", {"token": "000000"})
    assert "这个验证码不对" in wrong.content.decode()
    assert not second_factor.is_enrolled(village_official_a)
    # django-otp makes the next try wait after a wrong code (1 s, then 2, 4, ...).
    time.sleep(1.1)
    done = client.post(
        "/second-factor/enrol/", {"token": authenticator_code(device), "next": "/collective/households/"}
    )
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=village_official_a).values_list("token", flat=True)
    )
    assert "no-store" in done["Cache-Control"]
    assert client.get("/collective/households/").status_code == 200
    assert SecondFactorEvent.objects.get().kind == SecondFactorEvent.Kind.ENROLLED


def test_an_enrolled_official_gives_a_code_at_each_sign_in(client, accountant):
    device = authenticator(accountant)
    sign_in(client, accountant)
    assert client.get("/dividends/runs/")["Location"].startswith("/second-factor/")
    wrong = client.post("/second-factor/", {"token": "123456", "next": "/dividends/runs/"})
    assert wrong.status_code == 200
    assert "这个验证码不对，或已经用过" in wrong.content.decode()
    time.sleep(1.1)
    code = authenticator_code(device)
    right = client.post("/second-factor/", {"token": code, "next": "/dividends/runs/"})
    assert right["Location"] == "/dividends/runs/"
    assert client.get("/dividends/runs/").status_code == 200
    # The same code does not work twice.
    client.post("/logout/")
    sign_in(client, accountant)
    assert client.post("/second-factor/", {"token": code}).status_code == 200
    assert client.get("/dividends/runs/").status_code == 302


def test_a_recovery_code_works_once_and_is_recorded(client, township_official):
    authenticator(township_official)
    codes = second_factor.renew_recovery_codes(user=township_official)
    sign_in(client, township_official)
    response = client.post("/second-factor/", {"token": codes[0], "next": "/"})
    assert response["Location"] == "/"
    assert second_factor.recovery_codes_left(township_official) == 9
    assert SecondFactorEvent.objects.filter(kind=SecondFactorEvent.Kind.RECOVERY_CODE_USED).count() == 1
    client.post("/logout/")
    sign_in(client, township_official)
    assert client.post("/second-factor/", {"token": codes[0]}).status_code == 200
    assert client.get("/").status_code == 302


def test_open_redirects_are_refused(client, accountant):
    device = authenticator(accountant)
    sign_in(client, accountant)
    response = client.post("/second-factor/", {"token": authenticator_code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_farmers_and_association_staff_keep_the_password_alone(client, farmer_a, association_staff):
    sign_in(client, farmer_a)
    assert client.get("/me/").status_code == 200
    client.post("/logout/")
    sign_in(client, association_staff)
    assert client.get("/association/").status_code == 200
    assert not TOTPDevice.objects.exists()


def test_a_township_official_resets_a_lost_phone_with_a_reason_on_record(
    client, township_official, village_official_a, village_official_b
):
    authenticator(village_official_a)
    second_factor.renew_recovery_codes(user=village_official_a)
    client.force_login(township_official)
    from tests.conftest import verify_second_factor

    verify_second_factor(client, township_official)
    page = client.get("/second-factor/officials/")
    assert page.status_code == 200
    assert "village_a" in page.content.decode()
    assert client.post(f"/second-factor/officials/{village_official_a.pk}/reset/", {"reason": ""}).status_code == 302
    assert second_factor.is_enrolled(village_official_a)
    client.post(f"/second-factor/officials/{village_official_a.pk}/reset/", {"reason": "换了新手机"})
    assert not second_factor.is_enrolled(village_official_a)
    assert second_factor.recovery_codes_left(village_official_a) == 0
    event = SecondFactorEvent.objects.get(kind=SecondFactorEvent.Kind.RESET)
    assert (event.user, event.actor, event.reason) == (village_official_a, township_official, "换了新手机")
    assert "换了新手机" in client.get("/second-factor/officials/").content.decode()


def test_only_the_township_resets(client, village_official_a, village_official_b):
    authenticator(village_official_b)
    client.force_login(village_official_a)
    from tests.conftest import verify_second_factor

    verify_second_factor(client, village_official_a)
    assert client.get("/second-factor/officials/").status_code == 403
    assert client.post(f"/second-factor/officials/{village_official_b.pk}/reset/", {"reason": "x"}).status_code == 403
    assert second_factor.is_enrolled(village_official_b)
