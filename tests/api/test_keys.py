"""API keys: created by a township official and shown once, stored hashed, used, revoked, throttled."""

import hashlib
import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from collective.models import ApiKey
from collective.services.accounts import create_api_key, revoke_api_key
from tests.api.conftest import key_client

KEY_PATTERN = re.compile(r"gt_[0-9a-f]{8}_[A-Za-z0-9_-]{40,}")


def test_a_township_official_creates_a_key_that_is_shown_once_and_stored_hashed(client, township_official, township):
    client.force_login(township_official)
    response = client.post(
        reverse("collective:api-key-create"), {"name": "农经站报表系统", "organisation": township.pk}
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw_key = KEY_PATTERN.search(response.content.decode()).group(0)
    key = ApiKey.objects.get()
    assert (key.name, key.organisation, key.created_by) == ("农经站报表系统", township, township_official)
    assert key.key_hash == hashlib.sha256(raw_key.encode()).hexdigest()
    assert raw_key.startswith(f"gt_{key.prefix}_")
    assert raw_key not in str(ApiKey.objects.values_list().get())
    # The list shows the prefix only, never the key again.
    listing = client.get(reverse("collective:api-key-list")).content.decode()
    assert f"gt_{key.prefix}_" in listing
    assert raw_key not in listing
    assert key_client(raw_key).get("/api/v1/associations/").status_code == 200


def test_a_key_can_be_scoped_to_one_association(client, township_official, association_a):
    client.force_login(township_official)
    response = client.post(reverse("collective:api-key-create"), {"name": "甘田村", "organisation": association_a.pk})
    assert response.status_code == 200
    assert ApiKey.objects.get().organisation == association_a


@pytest.mark.parametrize("persona", ["village_official_a", "accountant", "farmer_a", "association_staff"])
def test_only_township_officials_manage_keys(client, persona, request, township):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("collective:api-key-list")).status_code == 403
    response = client.post(reverse("collective:api-key-create"), {"name": "x", "organisation": township.pk})
    assert response.status_code == 403
    assert not ApiKey.objects.exists()


def test_the_menu_links_the_key_page_for_township_officials_only(client, township_official, village_official_a):
    client.force_login(township_official)
    assert reverse("collective:api-key-list") in client.get(reverse("home")).content.decode()
    client.force_login(village_official_a)
    assert reverse("collective:api-key-list") not in client.get(reverse("home")).content.decode()


def test_using_a_key_records_when_it_was_last_used(make_key, township):
    raw_key = make_key(township)
    assert ApiKey.objects.get().last_used_at is None
    assert key_client(raw_key).get("/api/v1/households/").status_code == 200
    first = ApiKey.objects.get().last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=30)
    # Within the minute no write is made; a minute later it moves on.
    assert key_client(raw_key).get("/api/v1/households/").status_code == 200
    assert ApiKey.objects.get().last_used_at == first
    ApiKey.objects.update(last_used_at=first - timedelta(minutes=2))
    assert key_client(raw_key).get("/api/v1/households/").status_code == 200
    assert ApiKey.objects.get().last_used_at > first - timedelta(minutes=2)


def test_a_revoked_key_gets_401_with_a_json_error(client, make_key, township, township_official):
    raw_key = make_key(township)
    key = ApiKey.objects.get()
    client.force_login(township_official)
    page = client.get(reverse("collective:api-key-revoke", args=[key.pk]))
    assert page.status_code == 200 and key.name in page.content.decode()
    assert client.post(reverse("collective:api-key-revoke", args=[key.pk])).status_code == 302
    key.refresh_from_db()
    assert key.is_revoked and key.revoked_by == township_official

    response = key_client(raw_key).get("/api/v1/households/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "This API key is not valid or has been revoked."}
    assert response["WWW-Authenticate"] == "Api-Key"


def test_revoking_twice_keeps_the_first_date(make_key, township, township_official):
    make_key(township)
    key = revoke_api_key(key=ApiKey.objects.get(), revoked_by=township_official)
    again = revoke_api_key(key=key, revoked_by=township_official)
    assert again.revoked_at == key.revoked_at


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Api-Key gt_00000000_not-a-real-key-at-all",
        "Api-Key",
        "Api-Key two words",
        "Api-Key not-our-format",
    ],
)
def test_a_missing_or_wrong_key_gets_401(db, make_key, township, header):
    make_key(township)
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/households/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}


def test_a_key_with_the_right_prefix_but_a_wrong_secret_gets_401(make_key, township):
    raw_key = make_key(township)
    response = key_client(raw_key[:-2] + ("aa" if not raw_key.endswith("aa") else "bb")).get("/api/v1/households/")
    assert response.status_code == 401


def test_a_key_cannot_log_in_to_the_pages(make_key, township):
    raw_key = make_key(township)
    response = key_client(raw_key).get(reverse("collective:household-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_api_requests_get_401_not_the_login_redirect(db):
    response = APIClient().get("/api/v1/")
    assert response.status_code == 401


def test_keys_are_throttled_per_key(settings, make_key, township, association_a):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "3/minute", "api_session": "100/minute"},
    }
    first = key_client(make_key(township))
    second = key_client(make_key(association_a))
    assert [first.get("/api/v1/associations/").status_code for _ in range(3)] == [200, 200, 200]
    refused = first.get("/api/v1/associations/", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert "throttled" in refused.json()["detail"].lower()
    assert int(refused["Retry-After"]) > 0
    # Another key has its own allowance.
    assert second.get("/api/v1/associations/").status_code == 200


def test_sessions_are_throttled_per_user(settings, township_official, village_official_a):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "100/minute", "api_session": "2/minute"},
    }
    client = APIClient()
    client.force_login(township_official)
    assert [client.get("/api/v1/associations/").status_code for _ in range(3)] == [200, 200, 429]
    other = APIClient()
    other.force_login(village_official_a)
    assert other.get("/api/v1/associations/").status_code == 200


def test_a_company_cannot_be_a_key_scope(company, township_official):
    with pytest.raises(ValueError):
        create_api_key(name="x", organisation=company, created_by=township_official)


def _redis_cache_url() -> str | None:
    """A Redis to test the throttle on: CACHE_URL, else the local one if it answers."""
    import os

    import redis

    url = os.environ.get("CACHE_URL") or "redis://127.0.0.1:6379/5"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        return None
    return url


@pytest.mark.parametrize("backend", ["local memory", "redis"])
def test_a_keys_limit_holds_under_16_parallel_clients(settings, backend):
    """600 a minute means 600: 16 clients sending 800 requests at once get exactly 600 through."""
    from concurrent.futures import ThreadPoolExecutor
    from types import SimpleNamespace

    from django.core.cache import cache

    from collective.authentication import ApiKeyRateThrottle
    from collective.models import ApiKey

    if backend == "redis":
        url = _redis_cache_url()
        if url is None:
            pytest.skip("no Redis answers")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": f"throttle-test-{uuid.uuid4().hex}",
            }
        }
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_key": "600/minute"}}
    request = SimpleNamespace(auth=ApiKey(pk=424242), user=None)
    start = 1_800_000_000.0  # one fixed minute: the window must not turn over during the test

    def client(_: int) -> int:
        allowed = 0
        for _request in range(50):
            throttle = ApiKeyRateThrottle()
            throttle.timer = lambda: start
            allowed += throttle.allow_request(request, view=None)
        return allowed

    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            through = sum(pool.map(client, range(16)))
    finally:
        cache.delete(f"throttle_api_key_424242:{int(start // 60)}")
    assert through == 600
