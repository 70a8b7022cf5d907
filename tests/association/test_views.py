import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from association import services
from association.models import (
    Attendance,
    ColdStore,
    Grade,
    Grower,
    Harvest,
    ProcessingBatch,
    ProductSale,
    StorageLot,
    TrainingSession,
)
from tests.association.test_imports import HARVEST_HEADER, xlsx

READ_PAGES = ["dashboard", "grower-list", "training-list", "harvest-list", "storage", "batch-list", "cultivar-list"]
WRITE_PAGES = [
    "grower-create",
    "training-create",
    "harvest-create",
    "storage-in",
    "batch-create",
    "cultivar-create",
    "certification-create",
    "import",
]


@pytest.fixture
def records(session, grower_a, substandard_lot, pear_association):
    """One of each record, so every object page has something to show."""
    services.record_attendance(session=session, growers=[grower_a])
    batch = services.record_processing_batch(
        association=pear_association,
        product="vinegar",
        processed_on=date(2024, 12, 5),
        output_litres=Decimal("72.0"),
        draws=[(substandard_lot, 100)],
    )
    return {
        "grower-detail": grower_a.pk,
        "grower-edit": grower_a.pk,
        "training-detail": session.pk,
        "training-attendance": session.pk,
        "lot-detail": substandard_lot.pk,
        "lot-out": substandard_lot.pk,
        "batch-detail": batch.pk,
        "sale-create": batch.pk,
    }


OBJECT_READ_PAGES = ["grower-detail", "training-detail", "lot-detail", "batch-detail"]
OBJECT_WRITE_PAGES = ["grower-edit", "training-attendance", "lot-out", "sale-create"]


def test_staff_open_every_page(client, association_staff, records):
    client.force_login(association_staff)
    for name in READ_PAGES + WRITE_PAGES:
        assert client.get(reverse(f"association:{name}")).status_code == 200, name
    for name in OBJECT_READ_PAGES + OBJECT_WRITE_PAGES:
        assert client.get(reverse(f"association:{name}", args=[records[name]])).status_code == 200, name


def test_township_officials_read_but_cannot_change(client, township_official, records, grower_a):
    client.force_login(township_official)
    for name in READ_PAGES:
        assert client.get(reverse(f"association:{name}")).status_code == 200, name
    for name in OBJECT_READ_PAGES:
        assert client.get(reverse(f"association:{name}", args=[records[name]])).status_code == 200, name
    for name in WRITE_PAGES:
        assert client.get(reverse(f"association:{name}")).status_code == 403, name
    for name in OBJECT_WRITE_PAGES:
        assert client.get(reverse(f"association:{name}", args=[records[name]])).status_code == 403, name
    response = client.post(
        reverse("association:training-attendance", args=[records["training-attendance"]]), {"growers": []}
    )
    assert response.status_code == 403
    assert Attendance.objects.count() == 1
    assert "新会员" not in client.get(reverse("association:grower-list")).content.decode()


@pytest.mark.parametrize("persona", ["village_official_a", "farmer_a", "accountant"])
def test_everyone_else_is_refused(client, request, persona, records):
    client.force_login(request.getfixturevalue(persona))
    for name in READ_PAGES + WRITE_PAGES:
        assert client.get(reverse(f"association:{name}")).status_code == 403, name
    for name, pk in records.items():
        assert client.get(reverse(f"association:{name}", args=[pk])).status_code == 403, name


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(reverse("association:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_of_another_association_get_404_for_our_records(client, other_staff, records):
    client.force_login(other_staff)
    for name, pk in records.items():
        assert client.get(reverse(f"association:{name}", args=[pk])).status_code == 404, name
    html = client.get(reverse("association:grower-list")).content.decode()
    assert "李国华" not in html


def test_the_menu_shows_the_association_to_its_staff_only(client, association_staff, village_official_a):
    client.force_login(association_staff)
    assert reverse("association:storage") in client.get(reverse("home")).content.decode()
    client.force_login(village_official_a)
    assert reverse("association:dashboard") not in client.get(reverse("home")).content.decode()


def test_taking_attendance_on_the_phone_checklist(client, association_staff, session, grower_a, grower_b):
    client.force_login(association_staff)
    url = reverse("association:training-attendance", args=[session.pk])
    html = client.get(url).content.decode()
    assert html.count('type="checkbox" name="growers"') == 2
    assert "甘田村股份经济合作社" in html  # grouped by village
    response = client.post(url, {"growers": [grower_a.pk, grower_b.pk]}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("association:training-detail", args=[session.pk])
    assert "2 位会员到场" in response.content.decode()
    assert set(session.attendees.all()) == {grower_a, grower_b}
    # Ticked boxes stay ticked when the list is opened again.
    assert client.get(url).content.decode().count(" checked") == 2


def test_a_new_training_session_leads_to_attendance(client, association_staff):
    client.force_login(association_staff)
    response = client.post(
        reverse("association:training-create"),
        {"held_on": "2024-03-12", "topic": "pollination", "title": "", "trainer": "专家", "place": "甘田"},
    )
    session = TrainingSession.objects.get()
    assert response["Location"] == reverse("association:training-attendance", args=[session.pk])
    assert session.code == "T2024-001"


def test_recording_a_harvest(client, association_staff, grower_a, red_pear):
    client.force_login(association_staff)
    url = reverse("association:harvest-create")
    data = {"grower": grower_a.pk, "season": 2024, "cultivar": red_pear.pk}
    response = client.post(url, {**data, "premium_kg": 0, "standard_kg": 0, "substandard_kg": 0})
    assert "请至少填写一个等级的公斤数" in response.content.decode()
    response = client.post(url, {**data, "premium_kg": 1200, "standard_kg": 3400, "substandard_kg": 500})
    assert response.status_code == 302
    assert Harvest.objects.get().total_kg == 5100
    html = client.get(reverse("association:harvest-list")).content.decode()
    assert "5,100" in html


def test_registering_a_grower_who_is_a_collective_member(client, association_staff, household_a, association_a):
    from collective.models import Member

    member = Member.objects.create(household=household_a, name="段德福")
    client.force_login(association_staff)
    data = {
        "name": "段德福",
        "village": association_a.pk,
        "household_code": "A01-999",
        "phone": "",
        "orchard_area_mu": "6.5",
        "joined_on": "2024-01-01",
    }
    response = client.post(reverse("association:grower-create"), data)
    assert "A01-999 户没有名为 段德福 的成员" in response.content.decode()
    response = client.post(reverse("association:grower-create"), {**data, "household_code": household_a.code})
    grower = Grower.objects.get()
    assert response["Location"] == reverse("association:grower-detail", args=[grower.pk])
    assert (grower.member, grower.orchard_area_mu, grower.code) == (member, Decimal("6.50"), "A01-G001")


def test_booking_fruit_in_shows_stock_against_capacity_and_refuses_overfilling(
    client, association_staff, store, grower_a, red_pear
):
    client.force_login(association_staff)
    data = {"store": store.pk, "grower": grower_a.pk, "cultivar": red_pear.pk, "grade": Grade.PREMIUM}
    response = client.post(
        reverse("association:storage-in"), {**data, "quantity_kg": 480_000, "stored_on": "2024-09-01"}
    )
    lot = StorageLot.objects.get()
    assert response["Location"] == reverse("association:lot-detail", args=[lot.pk])
    html = client.get(reverse("association:storage")).content.decode()
    assert "480,000" in html and "500,000" in html and "96.0%" in html
    response = client.post(
        reverse("association:storage-in"), {**data, "quantity_kg": 20_001, "stored_on": "2024-09-02"}
    )
    assert response.status_code == 200
    assert "冷库空间不足" in response.content.decode()
    assert "只能再存 20,000 公斤" in response.content.decode()
    assert StorageLot.objects.count() == 1
    assert ColdStore.objects.get().stock_kg == 480_000


def test_taking_fruit_out_of_a_lot(client, association_staff, substandard_lot):
    client.force_login(association_staff)
    url = reverse("association:lot-out", args=[substandard_lot.pk])
    response = client.post(url, {"quantity_kg": 10_001, "moved_on": "2024-10-01", "buyer": "客商"})
    assert "只有 10,000 公斤" in response.content.decode()
    response = client.post(url, {"quantity_kg": 4_000, "moved_on": "2024-10-01", "buyer": "客商"})
    assert response.status_code == 302
    substandard_lot.refresh_from_db()
    assert substandard_lot.remaining_kg == 6_000
    html = client.get(reverse("association:lot-detail", args=[substandard_lot.pk])).content.decode()
    assert "客商" in html
    # 150 fen per tonne per day: 4 t x 30 days + 6 t x days until today.
    assert "仓储费" in html


def test_recording_a_vinegar_batch_and_its_sale(client, association_staff, substandard_lot):
    client.force_login(association_staff)
    response = client.post(
        reverse("association:batch-create"),
        {
            "product": "vinegar",
            "processed_on": "2024-12-05",
            "output_litres": "4320.0",
            "draw-TOTAL_FORMS": "3",
            "draw-INITIAL_FORMS": "0",
            "draw-0-lot": substandard_lot.pk,
            "draw-0-quantity_kg": "6000",
            "draw-1-lot": "",
            "draw-1-quantity_kg": "",
            "draw-2-lot": "",
            "draw-2-quantity_kg": "",
        },
    )
    batch = ProcessingBatch.objects.get()
    assert response["Location"] == reverse("association:batch-detail", args=[batch.pk])
    assert (batch.input_kg, batch.yield_litres_per_kg) == (6_000, Decimal("0.720"))
    response = client.post(
        reverse("association:sale-create", args=[batch.pk]),
        {"sold_on": "2025-01-10", "litres": "200", "amount_yuan": "3,000.50", "buyer": "昆明连锁超市"},
    )
    assert response.status_code == 302
    sale = ProductSale.objects.get()
    assert (sale.amount_fen, sale.product, sale.litres) == (300_050, "vinegar", Decimal("200.0"))
    html = client.get(reverse("association:batch-list")).content.decode()
    assert "¥3,000.50" in html


def test_a_batch_needs_at_least_one_lot(client, association_staff, substandard_lot):
    client.force_login(association_staff)
    response = client.post(
        reverse("association:batch-create"),
        {
            "product": "wine",
            "processed_on": "2024-12-05",
            "output_litres": "10",
            "draw-TOTAL_FORMS": "1",
            "draw-INITIAL_FORMS": "0",
            "draw-0-lot": "",
            "draw-0-quantity_kg": "",
        },
    )
    assert response.status_code == 200
    assert not ProcessingBatch.objects.exists()


def test_importing_a_sheet_with_bad_rows_lists_them_and_writes_nothing(client, association_staff, grower_a, red_pear):
    client.force_login(association_staff)
    upload = xlsx([HARVEST_HEADER, [grower_a.code, 2024, "云南红梨", 1, 2, 3], ["NOBODY", 2024, "云南红梨", 1, 2, 3]])
    response = client.post(reverse("association:import"), {"kind": "harvests", "file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert "未导入任何数据" in html
    assert re.search(r"<td>3</td><td>会员编号</td><td>没有编号为 NOBODY 的会员。</td>", html)
    assert not Harvest.objects.exists()
    good = xlsx([HARVEST_HEADER, [grower_a.code, 2024, "云南红梨", 1, 2, 3]])
    response = client.post(reverse("association:import"), {"kind": "harvests", "file": good}, follow=True)
    assert "已导入 1 行" in response.content.decode()
    assert Harvest.objects.get().total_kg == 6


def test_the_charts_get_their_data_through_json_script(client, township_official, grower_a, red_pear, store):
    from django.utils import timezone

    services.record_harvest(
        grower=grower_a, season=2004, cultivar=red_pear, premium_kg=30_000, standard_kg=0, substandard_kg=0
    )
    services.record_harvest(
        grower=grower_a, season=2024, cultivar=red_pear, premium_kg=3_400_000, standard_kg=0, substandard_kg=0
    )
    services.book_in(
        store=store, grower=grower_a, cultivar=red_pear, grade="premium", quantity_kg=1_000, stored_on=date(2024, 9, 1)
    )
    client.force_login(township_official)
    html = client.get(reverse("association:dashboard")).content.decode()
    assert "/static/vendor/echarts/echarts.min.js" in html
    yields = json.loads(re.search(r'<script id="yields-data" type="application/json">(.*?)</script>', html).group(1))
    assert yields["years"] == [2004, 2024]
    assert yields["series"][0] == {"name": "特级", "data": [30_000, 3_400_000]}
    cultivars = json.loads(
        re.search(r'<script id="cultivar-data" type="application/json">(.*?)</script>', html).group(1)
    )
    assert cultivars["series"] == [{"name": "云南红梨", "data": [30_000, 3_400_000]}]
    fill = json.loads(
        re.search(rf'<script id="storage-data-{store.pk}" type="application/json">(.*?)</script>', html).group(1)
    )
    assert fill["capacity_kg"] == 500_000
    # The last stock is carried on to today, so the line reaches the present.
    assert fill["points"] == [["2024-09-01", 1_000], [timezone.localdate().isoformat(), 1_000]]
    # No data is written into JavaScript: the only scripts are the libraries and the JSON blocks.
    inline = re.findall(r"<script(?![^>]*(?:src=|application/json))[^>]*>", html)
    assert inline == []


def test_expiring_certificates_are_flagged(client, association_staff, pear_association):
    from django.utils import timezone

    from association.models import Certification

    today = timezone.localdate()
    Certification.objects.create(
        association=pear_association,
        kind=Certification.Kind.GREEN,
        certificate_number="LB-1",
        scope="甘田梨",
        issuer="中国绿色食品发展中心",
        valid_from=date(2022, 1, 1),
        valid_to=date.fromordinal(today.toordinal() + 30),
    )
    for number, kind, end in [
        ("WGH-1", Certification.Kind.POLLUTION_FREE, date(2017, 11, 19)),  # lapsed, never renewed
        ("ORG-1", Certification.Kind.ORGANIC, date(2020, 1, 31)),  # expired but renewed below
        ("ORG-2", Certification.Kind.ORGANIC, date(2099, 1, 31)),
    ]:
        Certification.objects.create(
            association=pear_association,
            kind=kind,
            certificate_number=number,
            scope="甘田梨",
            issuer="认证机构",
            valid_from=date(2014, 11, 20),
            valid_to=end,
        )
    client.force_login(association_staff)
    html = client.get(reverse("association:dashboard")).content.decode()
    assert "LB-1" in html
    assert "无公害农产品\uff1a证书已过期且未续期" in html
    assert "有机产品\uff1a证书已过期" not in html
    html = client.get(reverse("association:cultivar-list")).content.decode()
    assert html.count('<span class="flag-expiring">⚠ 即将到期</span>') == 1
    assert html.count('<span class="flag-expired">已过期</span>') == 2


def test_the_processing_totals_count_each_batch_once_and_show_litres_to_a_tenth(
    client, association_staff, substandard_lot, pear_association
):
    """Three sales of one batch once tripled its fruit and litres in the totals (batches joined to sales)."""
    batch = services.record_processing_batch(
        association=pear_association,
        product="vinegar",
        processed_on=date(2024, 12, 5),
        output_litres=Decimal("4320.5"),
        draws=[(substandard_lot, 6_000)],
    )
    for litres, fen in ((Decimal("100.2"), 150_000), (Decimal("200"), 300_000), (Decimal("1000.1"), 1_500_000)):
        services.record_product_sale(
            batch=batch, sold_on=date(2025, 1, 10), litres=litres, amount_fen=fen, buyer="超市"
        )
    client.force_login(association_staff)
    html = client.get(reverse("association:batch-list")).content.decode()
    summary = html.split("<tfoot>")[0]
    assert '<td class="money">6,000</td><td class="money">4,320.5</td><td class="money">¥19,500.00</td>' in summary
    assert "18,000" not in html and "12,961.5" not in html
    # The batch's own row: litres to a tenth with thousands, never a raw decimal.
    assert '<td class="money">4,320.5</td><td class="money">0.720</td><td class="money">1,300.3</td>' in html
    assert "0000" not in html.split("<h2>")[1]
