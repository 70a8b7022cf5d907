"""The 403, 404 and 500 pages are the product's own: Chinese, a way back, no stack trace."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as site_patterns


def _broken(request):
    raise RuntimeError("secret detail from the stack")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [path("broken/", _broken), path("forbidden/", _forbidden), *site_patterns]


@pytest.fixture
def error_urls(settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False


def test_403_404_and_500_are_in_chinese_with_a_way_back(error_urls, client, farmer_a):
    client.force_login(farmer_a)
    forbidden = client.get("/forbidden/")
    assert forbidden.status_code == 403
    assert "您无权打开这个页面" in forbidden.content.decode()
    assert 'href="/"' in forbidden.content.decode()

    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "找不到这个页面" in missing.content.decode()
    assert 'href="/"' in missing.content.decode()

    server = Client(raise_request_exception=False)
    server.force_login(farmer_a)
    broken = server.get("/broken/")
    assert broken.status_code == 500
    html = broken.content.decode()
    assert "出了点问题" in html and 'href="/"' in html
    assert "secret detail" not in html and "Traceback" not in html
