"""The demo farmer (13800000001, household GT01-001) logs in and understands what the household got in 2024."""

from django.core.management import call_command
from django.urls import reverse

from collective.demo import DEMO_PASSWORD, FARMER_HOUSEHOLD_CODE, FARMER_PHONE
from collective.models import Household
from collective.money import format_yuan
from dividends.models import DistributionRun, Payout
from tests.portal.pages import money_in, run_card, text_of, total_of_year_card, year_card


def test_the_demo_farmer_sees_the_2024_distribution_and_nobody_elses(client, db):
    call_command("load_gantian_demo", verbosity=0)
    household = Household.objects.get(code=FARMER_HOUSEHOLD_CODE)
    run = DistributionRun.objects.get(company__code="XINGLV", year=2024, kind=DistributionRun.Kind.REGULAR)
    payout = Payout.objects.get(run=run, household=household)
    assert payout.rent_fen and payout.share_dividend_fen and payout.wage_fen

    assert client.post(reverse("login"), {"username": FARMER_PHONE, "password": DEMO_PASSWORD}).status_code == 302
    home = client.get(reverse("home")).content.decode()
    assert total_of_year_card(home, 2024) == format_yuan(payout.total_fen)
    card = year_card(home, 2024)
    assert money_in(card, "income-rent") == format_yuan(payout.rent_fen)
    assert money_in(card, "income-land_dividend") == format_yuan(payout.land_dividend_fen)
    assert money_in(card, "income-share_dividend") == format_yuan(payout.share_dividend_fen)
    assert money_in(card, "income-wages") == format_yuan(payout.wage_fen)

    payouts = client.get(reverse("portal:payouts", kwargs={"household_pk": household.pk})).content.decode()
    assert money_in(run_card(payouts, run.pk), "part-total") == format_yuan(payout.total_fen)
    land = text_of(client.get(reverse("portal:land", kwargs={"household_pk": household.pk})).content.decode())
    assert household.land_contracts.get().number in land
    pdf = client.get(reverse("portal:statement-pdf", kwargs={"household_pk": household.pk, "year": 2024}))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    neighbour = Household.objects.get(code="GT01-002")
    assert client.get(reverse("portal:payouts", kwargs={"household_pk": neighbour.pk})).status_code == 404
    assert neighbour.code not in payouts
