"""The pages: the card, its QR label as PDF, the inventory check, the ledger, the map; each role's scope."""

import io
import json
import subprocess
from datetime import date

import pytest
from django.urls import reverse

from assets import services
from assets.models import Asset, Contract, InventoryFinding, ParcelBoundary

from .conftest import make_asset, rectangle


def decode_qr_codes_of_pdf(pdf: bytes) -> list[str]:
    """Rasterise the PDF with poppler and read every QR code on it with zxing-cpp, as a phone would."""
    import tempfile
    from pathlib import Path

    import zxingcpp
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "label"
        subprocess.run(["pdftoppm", "-png", "-r", "200", "-", str(root)], input=pdf, capture_output=True, check=True)
        texts = []
        for page in sorted(Path(folder).glob("label*.png")):
            texts += [result.text for result in zxingcpp.read_barcodes(Image.open(page))]
    return sorted(texts)


def test_the_label_pdf_holds_a_qr_code_of_the_cards_absolute_url(client, accountant, cold_store):
    client.force_login(accountant)
    response = client.get(reverse("assets:asset-label", args=[cold_store.code]))
    assert response["Content-Type"] == "application/pdf"
    assert decode_qr_codes_of_pdf(response.content) == ["http://testserver/assets/card/ZC-XL-001/"]


def test_the_sheet_of_labels_has_one_qr_code_per_asset_in_the_register(client, accountant, cold_store, company):
    make_asset(company, "ZC-XL-002", name="分选线", category=Asset.Category.MACHINERY)
    gone = make_asset(company, "ZC-XL-003", name="旧车")
    services.dispose_asset(asset=gone, disposed_on=date(2024, 1, 1), disposal=Asset.Disposal.SCRAPPED)
    client.force_login(accountant)
    pdf = client.get(reverse("assets:labels")).content
    assert decode_qr_codes_of_pdf(pdf) == [
        "http://testserver/assets/card/ZC-XL-001/",
        "http://testserver/assets/card/ZC-XL-002/",
    ]


def test_the_card_shows_the_book_value_and_its_qr_image(client, accountant, cold_store):
    client.force_login(accountant)
    response = client.get(reverse("assets:asset-card", args=[cold_store.code]))
    page = response.content.decode()
    assert "500吨冷库" in page
    assert "¥1,800,000.00" in page
    qr = client.get(reverse("assets:asset-qr", args=[cold_store.code]))
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<svg")


def test_a_village_official_sees_only_the_associations_assets(
    client, village_official_a, village_official_b, cold_store, orchard
):
    client.force_login(village_official_a)
    page = client.get(reverse("assets:asset-list")).content.decode()
    assert "ZC-A01-001" in page
    assert "ZC-XL-001" not in page
    assert client.get(reverse("assets:asset-card", args=[cold_store.code])).status_code == 404
    client.force_login(village_official_b)
    assert client.get(reverse("assets:asset-card", args=[orchard.code])).status_code == 404
    assert client.get(reverse("assets:asset-label", args=[orchard.code])).status_code == 404


def test_farmers_and_association_staff_have_no_asset_pages(client, farmer_a, association_staff, orchard):
    for user in (farmer_a, association_staff):
        client.force_login(user)
        assert client.get(reverse("assets:asset-list")).status_code == 403
        assert client.get(reverse("assets:contract-list")).status_code == 403


def test_a_township_official_reads_but_cannot_add_an_asset(client, township_official, orchard, company):
    client.force_login(township_official)
    assert client.get(reverse("assets:asset-card", args=[orchard.code])).status_code == 200
    assert client.get(reverse("assets:asset-create")).status_code == 403


def test_an_official_adds_an_asset_card_in_yuan(client, village_official_a, association_a):
    client.force_login(village_official_a)
    response = client.post(
        reverse("assets:asset-create"),
        {
            "code": "zc-a01-009",
            "name": "微耕机",
            "owner": association_a.pk,
            "category": "machinery",
            "cost": "12000.50",
            "salvage": "600",
            "source": "purchased",
            "acquired_on": "2025-03-01",
            "in_service_on": "2025-03-01",
            "useful_life_months": "60",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    asset = Asset.objects.get(code="ZC-A01-009")
    assert (asset.cost_fen, asset.salvage_fen, asset.owner) == (1_200_050, 60_000, association_a)


def test_an_inventory_check_lists_what_was_not_found_and_what_is_not_on_the_register(
    client, accountant, cold_store, company, orchard
):
    sorter = make_asset(company, "ZC-XL-002", name="分选线", category=Asset.Category.MACHINERY)
    client.force_login(accountant)
    response = client.post(reverse("assets:check-list"), {"owner": company.pk, "started_on": "2026-11-20"})
    check_url = response["Location"]
    # A label scanned by a phone's scanner app gives the card's address; a typed code works too.
    client.post(check_url, {"scanned": "http://testserver/assets/card/ZC-XL-001/"})
    client.post(check_url, {"scanned": "zc-xl-001"})
    client.post(check_url, {"scanned": "ZC-XL-777"})
    client.post(check_url, {"scanned": orchard.code})
    page = client.get(check_url).content.decode()
    assert InventoryFinding.objects.count() == 3
    differences = services.check_differences(check=InventoryFinding.objects.first().check_run)
    assert [a.code for a in differences.found] == ["ZC-XL-001"]
    assert [a.code for a in differences.missing] == [sorter.code]
    assert differences.unknown_codes == ["ZC-XL-777"]
    assert [a.code for a in differences.other_owner] == [orchard.code]
    assert "ZC-XL-777" in page
    assert "1 asset on the register not found" in page


def test_the_card_records_a_found_asset_in_the_open_check(client, accountant, cold_store, company):
    check = services.start_inventory_check(owner=company, started_on=date(2026, 11, 20), user=accountant)
    client.force_login(accountant)
    card = client.get(reverse("assets:asset-card", args=[cold_store.code])).content.decode()
    assert "Found it: record in the inventory check of 2026-11-20" in card
    client.post(reverse("assets:check-detail", args=[check.pk]), {"scanned": cold_store.code})
    card = client.get(reverse("assets:asset-card", args=[cold_store.code])).content.decode()
    assert "Recorded as found in the inventory check of 2026-11-20." in card


def test_an_official_drafts_signs_and_collects_a_contract_with_its_deposit(client, accountant, company):
    client.force_login(accountant)
    response = client.post(
        reverse("assets:contract-create"),
        {
            "number": "ZL-XL-2023-002",
            "title": "乡政府食堂承包经营",
            "kind": "contracted_operation",
            "owner": company.pk,
            "counterparty": "王某某",
            "subject": "食堂",
            "start_date": "2023-07-01",
            "end_date": "2028-06-30",
            "schedule": "2023-07-01 60000 2023年度\n2024-07-01 60000 2024年度",
        },
    )
    contract = Contract.objects.get()
    assert response["Location"] == reverse("assets:contract-detail", args=[contract.pk])
    client.post(reverse("assets:contract-sign", args=[contract.pk]), {"signed_on": "2023-06-20"})
    client.post(
        reverse("assets:contract-deposit", args=[contract.pk]),
        {"kind": "security", "movement": "received", "amount": "10000", "on": "2023-06-25"},
    )
    client.post(
        reverse("assets:contract-deposit", args=[contract.pk]),
        {"kind": "security", "movement": "returned", "amount": "10000.01", "on": "2025-07-01"},
    )
    installment = contract.installments.get(due_date=date(2023, 7, 1))
    client.post(
        reverse("assets:contract-receipt", args=[contract.pk]),
        {"installment": installment.pk, "received_on": "2023-07-01", "amount": "60000"},
    )
    page = client.get(reverse("assets:contract-detail", args=[contract.pk])).content.decode()
    assert "Only ¥10,000.00 of this deposit is held; ¥10,000.01 cannot be returned or kept." in page
    assert "¥120,000.00" in page  # scheduled
    assert [b.held_fen for b in services.deposit_balances(contract=contract)] == [1_000_000]
    assert contract.installments.get(due_date=date(2023, 7, 1)).receipts.get().amount_fen == 6_000_000


def test_the_reminders_page_and_the_home_page_list_an_expiring_market_contract(
    client, accountant, township_official, village_official_a, market_contract
):
    services.mark_contract_reminders(today=date(2026, 11, 20))
    client.force_login(accountant)
    assert "ZL-XL-2024-001" in client.get(reverse("assets:reminders")).content.decode()
    client.force_login(township_official)
    assert "ZL-XL-2024-001" in client.get(reverse("home")).content.decode()
    client.force_login(village_official_a)
    assert "ZL-XL-2024-001" not in client.get(reverse("home")).content.decode()


def test_the_map_page_carries_the_parcels_as_geojson(client, village_official_a, make_parcel):
    parcel = make_parcel("P-01", "12")
    services.save_boundary(parcel=parcel, geometry=rectangle(0, 0, 100, 80))
    client.force_login(village_official_a)
    page = client.get(reverse("assets:parcel-map")).content.decode()
    data = page.split('<script id="parcel-features" type="application/json">')[1].split("</script>")[0]
    [feature] = json.loads(data)["features"]
    assert feature["properties"]["code"] == "P-01"
    assert "<script>" not in page  # no inline script: the map's code is a static file


def test_an_overlapping_boundary_import_is_refused_on_the_page(client, village_official_a, make_parcel):
    first, second = make_parcel("P-01", "12"), make_parcel("P-02", "12")
    services.save_boundary(parcel=first, geometry=rectangle(0, 0, 100, 80))
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"code": "P-02"}, "geometry": rectangle(50, 0, 100, 80)}],
    }
    upload = io.BytesIO(json.dumps(collection).encode())
    upload.name = "gt01.geojson"
    client.force_login(village_official_a)
    page = client.post(reverse("assets:boundary-import"), {"file": upload}).content.decode()
    assert "The boundary of P-02 overlaps parcel P-01 by" in page
    assert not ParcelBoundary.objects.filter(parcel=second).exists()


@pytest.mark.parametrize("name", ["depreciation", "resource-list", "contract-list", "check-list", "parcel-map"])
def test_each_list_page_answers_for_the_township(client, township_official, name, cold_store, market_contract):
    client.force_login(township_official)
    assert client.get(reverse(f"assets:{name}")).status_code == 200


def test_a_village_official_records_a_resource_of_their_own_association_only(
    client, village_official_a, association_a, association_b
):
    client.force_login(village_official_a)
    fields = {"code": "ZY-1", "name": "后山林地", "kind": "forest", "area_mu": "350.5", "status": "self_run"}
    response = client.post(reverse("assets:resource-create"), {**fields, "owner": association_b.pk})
    assert "owner" in response.context["form"].errors
    response = client.post(reverse("assets:resource-create"), {**fields, "owner": association_a.pk})
    assert response.status_code == 302
    page = client.get(reverse("assets:resource-list")).content.decode()
    assert "后山林地" in page
    assert "350.5 mu" in page
