"""Land pages: who sees what, the forms' field errors, and the reminders on the home page."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from collective.models import Organisation
from land import services
from land.models import LabourRecord, LandTransferContract, Parcel, RentPayment

from .conftest import TODAY


@pytest.fixture
def contracts(make_contract, household_a, household_b, parcel_a, parcel_b):
    return {
        "a": make_contract(number="HT-A-001", household=household_a, parcels=[(parcel_a, Decimal(10))]),
        "b": make_contract(number="HT-B-001", household=household_b, parcels=[(parcel_b, Decimal(20))]),
    }


def login(client, user):
    client.force_login(user)
    return client


# --- scoping ---------------------------------------------------------------------------------------


def test_a_village_official_sees_only_their_own_associations_land(client, village_official_a, contracts):
    login(client, village_official_a)
    parcels = client.get(reverse("land:parcel-list")).content.decode()
    assert "P-01" in parcels
    assert "P-03" not in parcels
    listing = client.get(reverse("land:contract-list")).content.decode()
    assert "HT-A-001" in listing
    assert "HT-B-001" not in listing
    other_parcel = Parcel.objects.get(code="P-03")
    assert client.get(reverse("land:parcel-detail", args=[other_parcel.pk])).status_code == 404
    for name in ("contract-detail", "contract-sign", "contract-terminate", "contract-payment", "contract-renew"):
        assert client.get(reverse(f"land:{name}", args=[contracts["b"].pk])).status_code == 404


def test_the_accountant_sees_every_contract_the_company_takes_and_no_other(
    client, accountant, contracts, household_a, township
):
    other_company = Organisation.objects.create(code="OTHER", name="别的公司", kind=Organisation.Kind.COMPANY)
    other_parcel = Parcel.objects.create(
        code="P-77", association=household_a.association, area_mu=5, contract_household=household_a
    )
    services.draft_contract(
        number="HT-OTHER",
        household=household_a,
        transferee=other_company,
        start_date=date(2024, 1, 1),
        end_date=date(2024, 12, 31),
        rent_per_mu_fen=50000,
        parcels=[(other_parcel, Decimal(5))],
    )
    login(client, accountant)
    listing = client.get(reverse("land:contract-list")).content.decode()
    assert "HT-A-001" in listing
    assert "HT-B-001" in listing
    assert "HT-OTHER" not in listing
    assert client.get(reverse("land:contract-detail", args=[contracts["b"].pk])).status_code == 200


def test_the_township_reads_everything_and_changes_nothing(client, township_official, contracts):
    login(client, township_official)
    assert "HT-B-001" in client.get(reverse("land:contract-list")).content.decode()
    assert client.get(reverse("land:contract-detail", args=[contracts["a"].pk])).status_code == 200
    assert client.get(reverse("land:contract-create")).status_code == 403
    response = client.post(
        reverse("land:contract-terminate", args=[contracts["a"].pk]),
        {"terminated_on": "2024-06-30", "reason": "x"},
    )
    assert response.status_code == 403
    assert LandTransferContract.objects.get(number="HT-A-001").status != LandTransferContract.Status.TERMINATED


@pytest.mark.parametrize("persona", ["farmer_a", "association_staff"])
def test_farmers_and_pear_staff_have_no_land_pages(client, request, persona, contracts):
    login(client, request.getfixturevalue(persona))
    assert client.get(reverse("land:contract-list")).status_code == 403
    assert client.get(reverse("land:parcel-list")).status_code == 403
    assert client.get(reverse("land:contract-detail", args=[contracts["a"].pk])).status_code == 403


def test_a_village_official_cannot_change_another_associations_contract(client, village_official_a, contracts):
    login(client, village_official_a)
    response = client.post(
        reverse("land:contract-payment", args=[contracts["b"].pk]), {"paid_on": "2024-06-01", "amount": "100"}
    )
    assert response.status_code == 404
    assert not RentPayment.objects.exists()


# --- forms ---------------------------------------------------------------------------------------


def contract_post(**overrides) -> dict:
    data = {
        "number": "HT-2024-100",
        "household_code": "A01-001",
        "transfer_mode": "lease",
        "start_date": "2024-01-01",
        "end_date": "2033-12-31",
        "rent_per_mu": "650.00",
        "escalation_percent": "",
        "escalation_every_years": "",
        "profit_share": "on",
        "profit_share_weight": "1",
        "payment_due_month": "12",
        "payment_due_day": "20",
        "note": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "50",
        "lines-0-parcel_code": "P-01",
        "lines-0-area_mu": "12.5",
    }
    data.update(overrides)
    return data


def test_drafting_a_contract_through_the_form(client, village_official_a, company, parcel_a):
    login(client, village_official_a)
    response = client.post(reverse("land:contract-create"), contract_post(transferee=company.pk))
    contract = LandTransferContract.objects.get(number="HT-2024-100")
    assert response.status_code == 302
    assert response["Location"] == reverse("land:contract-detail", args=[contract.pk])
    assert (contract.status, contract.rent_per_mu_fen, contract.household.code) == ("draft", 65000, "A01-001")
    assert [(line.parcel.code, line.area_mu) for line in contract.lines.all()] == [("P-01", Decimal("12.5"))]
    detail = client.get(response["Location"]).content.decode()
    assert "HT-2024-100" in detail
    assert "¥8,125.00" in detail  # 12.5 mu * ¥650 for the full year 2025, projected


def test_the_contract_form_shows_each_error_beside_its_field(client, village_official_a, company, parcel_a):
    login(client, village_official_a)
    response = client.post(
        reverse("land:contract-create"),
        contract_post(
            transferee=company.pk,
            household_code="A02-999",
            rent_per_mu="650.005",
            escalation_percent="5",
            **{"lines-0-area_mu": "13"},
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["household_code"] == ["No household A02-999 in the associations you keep."]
    assert "rent_per_mu" in form.errors
    assert form.errors["escalation_every_years"] == [
        "Give both the escalation percentage and how often it applies, or neither."
    ]
    assert not LandTransferContract.objects.exists()


def test_the_service_rules_come_back_as_parcel_errors(client, village_official_a, company, parcel_a):
    login(client, village_official_a)
    response = client.post(
        reverse("land:contract-create"), contract_post(transferee=company.pk, **{"lines-0-area_mu": "13"})
    )
    assert response.status_code == 200
    assert response.context["parcel_errors"] == ["Parcel P-01: 13 mu is more than the parcel's 12.5 mu."]
    assert "Parcel P-01: 13 mu is more than the parcel" in response.content.decode()


def test_sign_terminate_renew_and_pay_through_the_pages(
    client, village_official_a, make_contract, household_a, parcel_a
):
    contract = make_contract(household=household_a, parcels=[(parcel_a, Decimal(10))], sign=False)
    login(client, village_official_a)
    response = client.post(reverse("land:contract-sign", args=[contract.pk]), {"signed_on": "2020-12-01"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == LandTransferContract.Status.ACTIVE
    assert client.get(reverse("land:contract-edit", args=[contract.pk])).status_code == 302

    response = client.post(
        reverse("land:contract-payment", args=[contract.pk]),
        {"paid_on": "2024-12-20", "amount": "12000.01", "first_year": "2024", "last_year": "2025"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [
        "The payment of ¥12,000.01 is more than the ¥12,000.00 outstanding in the years it covers."
    ]
    response = client.post(
        reverse("land:contract-payment", args=[contract.pk]),
        {"paid_on": "2024-12-20", "amount": "12000", "reference": "转账001", "first_year": "2024", "last_year": "2025"},
    )
    assert response.status_code == 302
    assert RentPayment.objects.get().amount_fen == 1_200_000

    response = client.post(reverse("land:contract-terminate", args=[contract.pk]), {"terminated_on": "2025-12-31"})
    assert response.context["form"].errors["reason"] == ["This field is required."]
    response = client.post(
        reverse("land:contract-terminate", args=[contract.pk]),
        {"terminated_on": "2025-12-31", "reason": "改为新合同"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("land:contract-renew", args=[contract.pk]),
        {"number": "HT-NEW", "end_date": "2035-12-31", "rent_per_mu": "700"},
    )
    renewal = LandTransferContract.objects.get(number="HT-NEW")
    assert response["Location"] == reverse("land:contract-detail", args=[renewal.pk])
    assert (renewal.start_date, renewal.rent_per_mu_fen, renewal.renewed_from_id) == (
        date(2026, 1, 1),
        70000,
        contract.pk,
    )


def test_parcels_are_created_and_edited_with_field_errors(client, village_official_a, household_a, household_b):
    login(client, village_official_a)
    association = village_official_a.organisation
    data = {
        "code": "P-NEW",
        "association": association.pk,
        "village_group": "二组",
        "area_mu": "0",
        "land_class": "orchard",
        "household_code": "A02-001",
        "contract_right_end": "2057-12-31",
    }
    response = client.post(reverse("land:parcel-create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["household_code"] == ["No household A02-001 in the associations you keep."]
    assert errors["area_mu"] == ["The area must be more than 0 mu."]
    data.update(area_mu="3.25", household_code="A01-001")
    response = client.post(reverse("land:parcel-create"), data)
    parcel = Parcel.objects.get(code="P-NEW")
    assert response["Location"] == reverse("land:parcel-detail", args=[parcel.pk])
    assert (parcel.area_mu, parcel.contract_household, parcel.area_hectares) == (
        Decimal("3.25"),
        household_a,
        Decimal("0.2167"),
    )


def test_rent_and_labour_pages_add_up(client, accountant, contracts, member_a, company):
    login(client, accountant)
    page = client.get(reverse("land:rent-list"), {"year": 2024})
    # 10 mu * ¥600 + 20 mu * ¥600 for 2024.
    assert page.context["totals"]["due"] == 1_800_000
    response = client.post(
        reverse("land:labour-create"),
        {
            "household_code": "A01-001",
            "member": member_a.pk,
            "employer": company.pk,
            "work_date": "2024-05-01",
            "days": "2.5",
            "day_wage": "120.50",
            "task": "灌溉渠清淤",
        },
    )
    assert response.status_code == 302
    record = LabourRecord.objects.get()
    assert (record.household, record.day_wage_fen, record.recorded_by) == (member_a.household, 12050, accountant)
    totals = client.get(reverse("land:labour-totals"), {"year": 2024}).context["totals"]
    # 2.5 * 12050 = 30125 fen.
    assert [(t.household_code, t.wage_fen) for t in totals] == [("A01-001", 30125)]
    options = client.get(reverse("land:labour-members"), {"household_code": "A01-001"}).content.decode()
    assert "张三" in options


def test_a_member_of_another_household_is_refused_in_the_labour_form(
    client, village_official_a, member_a, company, household_b
):
    from collective.models import Member

    stranger = Member.objects.create(household=household_b, name="王五")
    login(client, village_official_a)
    response = client.post(
        reverse("land:labour-create"),
        {
            "household_code": "A01-001",
            "member": stranger.pk,
            "employer": company.pk,
            "work_date": "2024-05-01",
            "days": "1",
            "day_wage": "120",
            "task": "除草",
        },
    )
    assert response.status_code == 200
    assert "member" in response.context["form"].errors
    assert not LabourRecord.objects.exists()


# --- reminders on the home page ---------------------------------------------------------------------


def render_reminders(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template('{% include "land/_home_reminders.html" %}').render(Context({"request": request}))


def test_the_home_reminders_list_what_the_job_marked_as_the_user_may_see(
    village_official_a, village_official_b, farmer_a, make_contract, household_a, parcel_a
):
    contract = make_contract(
        number="HT-SOON", household=household_a, parcels=[(parcel_a, Decimal(5))], end_date=date(2024, 8, 31)
    )
    services.mark_reminders(today=TODAY)
    html = render_reminders(village_official_a)
    assert "HT-SOON" in html
    assert "2024-08-31" in html
    # The 2021-2023 rents were never paid: overdue.
    assert "2021" in html
    assert "HT-SOON" not in render_reminders(village_official_b)
    assert render_reminders(farmer_a).strip() == ""
    contract.refresh_from_db()
    assert contract.expiring_soon is True


# --- every page renders, in Chinese by default ---------------------------------------------------------


def test_every_land_page_renders_in_chinese(client, settings, village_official_a, contracts, member_a, company):
    settings.LANGUAGE_CODE = "zh-hans"
    login(client, village_official_a)
    contract = contracts["a"]
    services.record_rent_payment(contract=contract, paid_on=TODAY, amount_fen=100, reference="R1")
    services.record_labour(
        member=member_a, employer=company, work_date=TODAY, days=Decimal(1), day_wage_fen=12000, task="除草"
    )
    draft = services.renew_contract(contract=contract, number="HT-A-002", end_date=date(2035, 12, 31))
    parcel = Parcel.objects.get(code="P-01")
    pages = [
        reverse("land:parcel-list"),
        reverse("land:parcel-detail", args=[parcel.pk]),
        reverse("land:parcel-edit", args=[parcel.pk]),
        reverse("land:parcel-create"),
        reverse("land:contract-list") + "?status=active&expiring=on",
        reverse("land:contract-detail", args=[contract.pk]),
        reverse("land:contract-detail", args=[draft.pk]),
        reverse("land:contract-create"),
        reverse("land:contract-edit", args=[draft.pk]),
        reverse("land:contract-sign", args=[draft.pk]),
        reverse("land:contract-terminate", args=[contract.pk]),
        reverse("land:contract-renew", args=[contract.pk]),
        reverse("land:contract-payment", args=[contract.pk]),
        reverse("land:rent-list") + "?year=2024",
        reverse("land:labour-list") + "?year=2024",
        reverse("land:labour-create") + "?household_code=A01-001",
        reverse("land:labour-totals") + "?year=2024",
        reverse("land:import", args=["parcels"]),
        reverse("land:import", args=["contracts"]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="zh-hans">' in response.content.decode(), url
    assert "土地流转合同" in client.get(reverse("land:contract-list")).content.decode()
    detail = client.get(reverse("land:contract-detail", args=[contract.pk])).content.decode()
    assert "租金计划" in detail
    assert "¥6,000.00" in detail  # 10 mu * ¥600 a year


def test_parcel_errors_are_shown_once_above_the_parcel_rows(client, village_official_a, company, parcel_a):
    login(client, village_official_a)
    response = client.post(
        reverse("land:contract-create"), contract_post(transferee=company.pk, **{"lines-0-area_mu": "13"})
    )
    assert response.context["form"].non_field_errors() == []
    assert response.content.decode().count("13 mu is more than the parcel") == 1


# --- areas -----------------------------------------------------------------------------------------


def test_areas_read_alike_without_trailing_zeros(client, village_official_a, make_contract, household_a, parcel_a):
    """13.9 stands next to 11 and 12.5 on every land page, never 13.9000."""
    others = [
        Parcel.objects.create(
            code=code,
            association=household_a.association,
            area_mu=area,
            contract_household=household_a,
            contract_right_end=date(2057, 12, 31),
        )
        for code, area in (("P-02", Decimal("13.9")), ("P-03", Decimal(11)))
    ]
    contract = make_contract(
        household=household_a, parcels=[(parcel_a, Decimal("12.5")), *((parcel, parcel.area_mu) for parcel in others)]
    )
    login(client, village_official_a)
    parcels = client.get(reverse("land:parcel-list")).content.decode()
    detail = client.get(reverse("land:contract-detail", args=[contract.pk])).content.decode()
    listing = client.get(reverse("land:contract-list")).content.decode()
    for page in (parcels, detail):
        cells = re.findall(r'<td class="money">([^<]*)</td>', page)
        assert {"12.5", "13.9", "11", "0.8333"} <= set(cells)  # 12.5 mu is 0.8333 ha
        assert not [cell for cell in cells if "¥" not in cell and "." in cell and cell.endswith("0")]
    assert "37.4 mu in all" in parcels  # the total of the three parcels
    assert '<td class="money">37.4</td>' in listing
    assert '<th class="money">37.4</th>' in detail
