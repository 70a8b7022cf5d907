"""The assets pages in Debian's chromium at 360 px, in Chinese: a label's QR opens the card, the map, reminders."""

from datetime import date
from decimal import Decimal

import pytest

from assets import demo, services
from collective.models import Household, Organisation
from land import services as land_services
from land.models import Parcel
from tests.browser import check_phone_page, collect_console_errors, log_in

from .conftest import make_asset
from .test_views import decode_qr_codes_of_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def test_a_printed_labels_qr_code_opens_the_asset_card_on_a_phone(page, live_server, accountant, company):
    errors = collect_console_errors(page)
    cold_store = make_asset(company, "ZC-XL-001", location="甘田村梨园加工区")
    pdf = services.render_labels_pdf(
        assets=[cold_store], card_url_of=lambda asset: f"{live_server.url}/assets/card/{asset.code}/"
    )
    [url] = decode_qr_codes_of_pdf(pdf)
    log_in(page, live_server, accountant.username)
    page.goto(url)
    main = page.locator("main").inner_text()
    assert "500吨冷库" in main
    assert "净值" in main
    assert "¥1,800,000.00" in main
    check_phone_page(page, "assets-card")
    assert errors == []


def test_the_map_shows_gt01s_parcels_and_an_overlapping_boundary_drawn_on_it_is_refused(
    page, live_server, township, company
):
    from tests.conftest import make_user

    gt01 = Organisation.objects.create(
        code="GT01", name="甘田村股份经济合作社", kind=Organisation.Kind.COLLECTIVE, township=township
    )
    household = Household.objects.create(association=gt01, code="GT01-001")
    parcels = [
        Parcel.objects.create(
            code=f"GT01-DK00{n}", association=gt01, area_mu=Decimal(area), contract_household=household
        )
        for n, area in [(1, "12"), (2, "9.5"), (3, "15")]
    ]
    contract = land_services.draft_contract(
        number="HT-GT01-001",
        household=household,
        transferee=company,
        parcels=[(parcels[0], Decimal(12))],
        start_date=date(2021, 1, 1),
        end_date=date(2030, 12, 31),
        rent_per_mu_fen=60000,
    )
    land_services.sign_contract(contract=contract, signed_on=date(2020, 12, 1), today=date(2024, 1, 1))
    demo._boundaries(gt01)
    official = make_user("village01", "village", organisation=gt01)
    newcomer = Parcel.objects.create(code="GT01-DK004", association=gt01, area_mu=Decimal(12))
    errors = collect_console_errors(page)
    log_in(page, live_server, official.username)

    page.goto(f"{live_server.url}/assets/map/")
    page.wait_for_selector("path[data-parcel]")
    drawn = page.eval_on_selector_all(
        "path[data-parcel]", "paths => paths.map(p => [p.dataset.parcel, p.dataset.status])"
    )
    assert sorted(drawn) == [["GT01-DK001", "active"], ["GT01-DK002", "none"], ["GT01-DK003", "none"]]
    page.locator("path[data-parcel='GT01-DK001']").click()
    assert "HT-GT01-001" in page.locator(".leaflet-popup-content").inner_text()
    check_phone_page(page, "assets-parcel-map")

    # Draw the new parcel right on top of GT01-DK001: the server refuses it and says which parcel it overlaps.
    page.goto(f"{live_server.url}/assets/map/parcels/{newcomer.pk}/")
    page.wait_for_selector("path[data-parcel='GT01-DK001']")
    # The menu above the map grows with the apps: bring the map into the viewport before clicking on it.
    page.locator("#parcel-map").scroll_into_view_if_needed()
    box = page.locator("path[data-parcel='GT01-DK001']").bounding_box()
    for dx, dy in [(0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.1, 0.9)]:
        page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
    assert '"Polygon"' in page.locator("textarea[name=geometry]").input_value()
    page.click("#boundary-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    message = page.locator("#boundary-form").inner_text()
    assert "GT01-DK004 的边界与地块 GT01-DK001 重叠" in message
    from assets.models import ParcelBoundary

    assert not ParcelBoundary.objects.filter(parcel=newcomer).exists()
    check_phone_page(page, "assets-boundary-refused")
    assert errors == []


def test_the_expiry_reminders_list_the_market_rights_contract(page, live_server, accountant, market_contract):
    services.mark_contract_reminders(today=date(2026, 11, 20))
    errors = collect_console_errors(page)
    log_in(page, live_server, accountant.username)
    page.goto(f"{live_server.url}/")
    reminders = page.locator("#ledger-expiring").inner_text()
    assert "ZL-XL-2024-001 绿荷街市场管理经营权出租" in reminders
    assert "2026-12-31 到期" in reminders
    page.goto(f"{live_server.url}/assets/reminders/")
    assert "ZL-XL-2024-001" in page.locator("#ledger-expiring").inner_text()
    assert "2026-07-15" in page.locator("#ledger-overdue").inner_text()
    check_phone_page(page, "assets-reminders")
    assert errors == []
