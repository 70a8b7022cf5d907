"""Officials hear in the app what farmers hear in the portal: a notice published, a payment made."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from desk import notifications
from dividends.models import NoticeRead
from dividends.services import mark_news_read

pytestmark = pytest.mark.django_db


def test_a_published_notice_reaches_the_township_and_the_village_with_a_count_in_the_menu(
    client, in_notice, township_official, village_official_a
):
    for official in (township_official, village_official_a):
        assert notifications.unread_count(official) == 1
        client.force_login(official)
        page = client.get(reverse("desk:notification-list"))
        assert "2024年度收益分配已于" in page.content.decode()
        assert 'class="badge"' in client.get(reverse("home")).content.decode()


def test_reading_a_notification_clears_it_for_that_official_only(
    client, in_notice, township_official, village_official_a
):
    client.force_login(township_official)
    response = client.post(reverse("desk:notification-read", args=[in_notice.pk, "notice"]))
    assert response.status_code == 302
    assert notifications.unread_count(township_official) == 0
    assert notifications.unread_count(village_official_a) == 1
    assert 'class="badge"' not in client.get(reverse("desk:notification-list")).content.decode()


def test_a_farmer_has_no_desk_notifications(in_notice, farmer_a):
    assert notifications.unread_count(farmer_a) == 0
    assert notifications.notifications(user=farmer_a) == []


def test_an_unknown_event_is_not_found(client, in_notice, township_official):
    client.force_login(township_official)
    assert client.post(reverse("desk:notification-read", args=[in_notice.pk, "approved"])).status_code == 404


def test_one_service_records_a_reading_for_the_desk_and_the_portal(client, in_notice, township_official, farmer_a):
    """The official's notification and the farmer's news are read through dividends.services.mark_news_read."""
    first = mark_news_read(user=township_official, run=in_notice, event="notice")
    assert notifications.unread_count(township_official) == 0
    again = mark_news_read(user=township_official, run=in_notice, event="notice")
    assert (again.pk, again.read_at > first.read_at) == (first.pk, True)
    with pytest.raises(ValidationError, match="没有这条通知"):
        mark_news_read(user=township_official, run=in_notice, event="approved")
    client.force_login(farmer_a)
    client.post(reverse("portal:news-read", args=[in_notice.pk, "notice"]))
    readers = set(NoticeRead.objects.values_list("user", "status"))
    assert readers == {(township_official.pk, "notice"), (farmer_a.pk, "notice")}


def test_the_api_documentation_loads_nothing_from_another_origin(client, township_official):
    client.force_login(township_official)
    html = client.get(reverse("api-docs")).content.decode()
    assert "googleapis" not in html
    assert "https://" not in html and "http://" not in html
    assert "返回甘田" in html
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "甘田农村集体经济只读报表接口" in schema
