"""The demo farmer (13800000001, household GT01-001) logs in, understands what the household got in 2024, and
may object to 2025's line while it is in public notice."""

from datetime import date

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from collective.demo import DEMO_PASSWORD, FARMER_HOUSEHOLD_CODE, FARMER_PHONE
from collective.models import Household
from collective.money import format_yuan
from dividends.models import DistributionRun, Objection, Payout
from tests.portal.pages import money_in, run_card, text_of, total_of_year_card, year_card


def test_the_demo_farmer_sees_the_2024_distribution_and_nobody_elses(client, db):
    call_command("load_gantian_demo", verbosity=0)
    household = Household.objects.get(code=FARMER_HOUSEHOLD_CODE)
    run = DistributionRun.objects.get(company__code="XINGLV", year=2024, kind=DistributionRun.Kind.REGULAR)
    payout = Payout.objects.get(run=run, household=household)
    assert payout.rent_fen and payout.share_dividend_fen and payout.wage_fen

    assert client.post(reverse("login"), {"username": FARMER_PHONE, "password": DEMO_PASSWORD}).status_code == 302
    # The home page opens on the latest years: 2025, whose distribution is in public notice.
    current = Payout.objects.get(run__year=2025, run__kind=DistributionRun.Kind.REGULAR, household=household)
    home = client.get(reverse("home")).content.decode()
    assert total_of_year_card(home, 2025) == format_yuan(current.total_fen)
    assert money_in(year_card(home, 2025), "income-rent") == format_yuan(current.rent_fen)

    payouts = client.get(reverse("portal:payouts", kwargs={"household_pk": household.pk})).content.decode()
    card = run_card(payouts, run.pk)
    assert money_in(card, "part-total") == format_yuan(payout.total_fen)
    assert money_in(card, "part-rent") == format_yuan(payout.rent_fen)
    assert money_in(card, "part-land_dividend") == format_yuan(payout.land_dividend_fen)
    assert money_in(card, "part-share_dividend") == format_yuan(payout.share_dividend_fen)
    assert money_in(card, "part-wages") == format_yuan(payout.wage_fen)
    land = text_of(client.get(reverse("portal:land", kwargs={"household_pk": household.pk})).content.decode())
    assert household.land_contracts.get().number in land
    pdf = client.get(reverse("portal:statement-pdf", kwargs={"household_pk": household.pk, "year": 2024}))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    neighbour = Household.objects.get(code="GT01-002")
    assert client.get(reverse("portal:payouts", kwargs={"household_pk": neighbour.pk})).status_code == 404
    assert neighbour.code not in payouts


def test_the_demo_keeps_a_dated_history_and_a_run_in_notice_to_object_to(client, db):
    """2024 was approved in January 2025 and the portal says so; 2025 is in notice and the farmer can object."""
    call_command("load_gantian_demo", verbosity=0)
    household = Household.objects.get(code=FARMER_HOUSEHOLD_CODE)
    approved = DistributionRun.objects.get(company__code="XINGLV", year=2024, kind=DistributionRun.Kind.REGULAR)
    assert approved.status == DistributionRun.Status.APPROVED
    assert timezone.localtime(approved.approved_at).date() == date(2025, 1, 16)
    assert approved.notice_published_on == date(2025, 1, 6)
    current = DistributionRun.objects.get(company__code="XINGLV", year=2025, kind=DistributionRun.Kind.REGULAR)
    assert current.status == DistributionRun.Status.NOTICE
    assert current.notice_starts_on <= timezone.localdate() <= current.notice_ends_on
    payout = Payout.objects.get(run=current, household=household)

    assert client.post(reverse("login"), {"username": FARMER_PHONE, "password": DEMO_PASSWORD}).status_code == 302
    payouts = client.get(reverse("portal:payouts", kwargs={"household_pk": household.pk})).content.decode()
    card = text_of(run_card(payouts, approved.pk))
    assert "2025年1月16日" in card
    assert date_format(timezone.localdate()) not in card

    url = reverse("portal:objection-create", kwargs={"household_pk": household.pk, "run_pk": current.pk})
    notice = client.get(reverse("portal:notice", kwargs={"household_pk": household.pk})).content.decode()
    assert url in run_card(notice, current.pk)
    assert client.post(url, {"text": "我家的租金面积少算了半亩。"}).status_code == 302
    objection = Objection.objects.get(run=current)
    assert (objection.household, objection.payout, objection.text) == (household, payout, "我家的租金面积少算了半亩。")
