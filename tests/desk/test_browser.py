"""The dashboards in Debian's chromium: charts drawn from local ECharts, no console error, at 1280 and 360 px."""

import pytest
from django.urls import reverse

from tests.browser import check_phone_page, collect_console_errors, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 360])
def test_the_township_dashboard_and_report_draw_every_chart(page, live_server, in_notice, township_official, width):
    page.set_viewport_size({"width": width, "height": 900})
    errors = collect_console_errors(page)
    log_in(page, live_server, township_official.username)

    for name in ("desk:dashboard", "desk:annual-report"):
        response = page.goto(f"{live_server.url}{reverse(name)}?year=2024")
        assert response.status == 200
        page.wait_for_load_state("networkidle")
        charts = page.locator("[data-chart]")
        assert charts.count() >= 3
        for index in range(charts.count()):
            assert charts.nth(index).locator("canvas").count() == 1, f"chart {index} of {name} not drawn"
        assert "¥" in page.locator("table").first.inner_text()
        check_phone_page(page, f"desk-{name.split(':')[1]}-{width}")
    assert errors == []


def test_a_village_official_sees_the_to_do_list_on_a_phone(page, live_server, in_notice, village_official_a):
    errors = collect_console_errors(page)
    log_in(page, live_server, village_official_a.username)
    page.goto(f"{live_server.url}{reverse('desk:dashboard')}")
    page.wait_for_load_state("networkidle")
    assert "待办事项" in page.locator("main").inner_text()
    assert "公示中的收益分配" in page.locator("main").inner_text()
    assert page.locator(".role-nav .badge").inner_text() == "1"
    check_phone_page(page, "desk-village")
    assert errors == []
