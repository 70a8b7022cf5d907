"""The association's main journeys on a 360-px phone: attendance, storage, and the yield chart."""

from datetime import date

import pytest

from association import services
from tests.browser import check_phone_page, collect_console_errors, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def season(grower_a, grower_b, red_pear, baozhu, store, session):
    services.record_harvest(
        grower=grower_a, season=2004, cultivar=baozhu, premium_kg=4_500, standard_kg=15_000, substandard_kg=10_500
    )
    services.record_harvest(
        grower=grower_a, season=2024, cultivar=red_pear, premium_kg=1_500_000, standard_kg=1_400_000, substandard_kg=0
    )
    services.record_harvest(
        grower=grower_b, season=2024, cultivar=baozhu, premium_kg=0, standard_kg=0, substandard_kg=500_000
    )
    services.book_in(
        store=store,
        grower=grower_a,
        cultivar=red_pear,
        grade="premium",
        quantity_kg=420_000,
        stored_on=date(2024, 9, 1),
    )
    return session


def test_staff_take_attendance_on_a_phone(page, live_server, association_staff, season, grower_a, grower_b):
    errors = collect_console_errors(page)
    log_in(page, live_server, association_staff.username)
    page.goto(f"{live_server.url}/association/trainings/{season.pk}/attendance/")
    check_phone_page(page, "association-attendance")
    # The whole row is the tap target, and it is big enough for a thumb.
    row = page.locator(f"label[for=grower-{grower_a.pk}]")
    assert row.bounding_box()["height"] >= 44
    row.click()
    page.locator(f"label[for=grower-{grower_b.pk}]").click()
    page.click("text=保存签到")
    page.wait_for_load_state("networkidle")
    assert "2 位会员到场" in page.content()
    assert set(season.attendees.all()) == {grower_a, grower_b}
    check_phone_page(page, "association-training-detail")
    assert errors == []


def test_the_township_sees_the_yield_story_as_a_chart(page, live_server, township_official, season):
    errors = collect_console_errors(page)
    log_in(page, live_server, township_official.username)
    page.goto(f"{live_server.url}/association/")
    page.wait_for_selector("[data-source=yields-data] canvas")
    page.wait_for_selector("[data-chart=fill] canvas")
    check_phone_page(page, "association-dashboard")
    for path in ["harvests/", "storage/", "trainings/", "growers/", "processing/", "cultivars/"]:
        page.goto(f"{live_server.url}/association/{path}")
        check_phone_page(page, "association-" + path.strip("/"))
    assert errors == []


def test_booking_into_the_store_on_a_phone_refuses_overfilling(
    page, live_server, association_staff, season, grower_a, red_pear
):
    log_in(page, live_server, association_staff.username)
    page.goto(f"{live_server.url}/association/storage/in/")
    page.select_option("select[name=grower]", str(grower_a.pk))
    page.select_option("select[name=cultivar]", str(red_pear.pk))
    page.fill("input[name=quantity_kg]", "80001")
    page.fill("input[name=stored_on]", "2024-09-02")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "只能再存 80,000 公斤" in page.content()
    check_phone_page(page, "association-storage-in-refused")
