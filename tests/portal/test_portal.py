# ruff: noqa: RUF001 - the expected texts are Chinese, with Chinese punctuation
"""The farmer's pages: only their own household, and every amount a payout line of the database to the fen."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from collective.money import format_yuan
from dividends import engine, services
from dividends.models import DistributionRun, NoticeRead, Payout, Pool
from land import services as land
from portal.presenters import home_years, masked_id_number
from tests.pdf import pdf_text
from tests.portal.pages import money_in, run_card, text_of, total_of_year_card, year_card

HOUSEHOLD_PAGES = ["portal:household", "portal:land", "portal:payouts", "portal:notice", "portal:statements"]


def page_urls(household_pk: int, run_pk: int) -> list[str]:
    """Every page and file of the portal that carries a household's id."""
    return [reverse(name, kwargs={"household_pk": household_pk}) for name in HOUSEHOLD_PAGES] + [
        reverse("portal:statement-pdf", kwargs={"household_pk": household_pk, "year": 2024}),
        reverse("portal:objection-create", kwargs={"household_pk": household_pk, "run_pk": run_pk}),
    ]


def test_a_farmer_opens_every_page_and_file_of_their_household(client, farmer_a, in_notice):
    client.force_login(farmer_a)
    for url in [reverse("home"), reverse("portal:home"), *page_urls(farmer_a.household_id, in_notice.pk)]:
        response = client.get(url)
        assert response.status_code == 200, url
    pdf = client.get(reverse("portal:statement-pdf", kwargs={"household_pk": farmer_a.household_id, "year": 2024}))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize("other", ["A01-002", "A02-001"])
def test_another_households_id_gives_404_on_every_page_and_file(client, farmer_a, in_notice, appendix, other):
    """A household of the same association and one of another association: both are someone else's."""
    client.force_login(farmer_a)
    for url in page_urls(appendix.household(other).pk, in_notice.pk):
        assert client.get(url).status_code == 404, url
    objection = reverse(
        "portal:objection-create", kwargs={"household_pk": appendix.household(other).pk, "run_pk": in_notice.pk}
    )
    assert client.post(objection, {"text": "不对"}).status_code == 404
    assert not in_notice.objections.exists()


def test_a_run_the_farmer_may_not_see_gives_404(client, farmer_a, computed):
    """A computed run is not yet published: for the farmer it does not exist."""
    client.force_login(farmer_a)
    url = reverse("portal:objection-create", kwargs={"household_pk": farmer_a.household_id, "run_pk": computed.pk})
    assert client.get(url).status_code == 404
    read = reverse("portal:news-read", kwargs={"run_pk": computed.pk, "status": "notice"})
    assert client.post(read).status_code == 404
    assert not NoticeRead.objects.exists()


def test_a_year_without_a_published_line_has_no_statement(client, farmer_a, in_notice):
    client.force_login(farmer_a)
    url = reverse("portal:statement-pdf", kwargs={"household_pk": farmer_a.household_id, "year": 2023})
    assert client.get(url).status_code == 404


def test_officials_do_not_use_the_farmers_portal(client, village_official_a, household_a):
    client.force_login(village_official_a)
    assert client.get(reverse("portal:home")).status_code == 403
    assert client.get(reverse("portal:household", kwargs={"household_pk": household_a.pk})).status_code == 403


def test_a_farmer_lands_on_the_portal_home(client, farmer_a, in_notice):
    client.force_login(farmer_a)
    response = client.get(reverse("home"))
    assert "portal/home.html" in [template.name for template in response.templates]


# --- Amounts: every page shows the payout lines of the database, to the fen -------------------------------


def assert_parts(card: str, payout: Payout) -> None:
    assert money_in(card, "part-rent") == format_yuan(payout.rent_fen)
    assert money_in(card, "part-land_dividend") == format_yuan(payout.land_dividend_fen)
    assert money_in(card, "part-share_dividend") == format_yuan(payout.share_dividend_fen)
    assert money_in(card, "part-wages") == format_yuan(payout.wage_fen)
    assert money_in(card, "part-total") == format_yuan(payout.total_fen)
    text = text_of(card)
    assert format_yuan(payout.land_dividend_fen) in text
    assert format_yuan(payout.share_dividend_fen) in text


@pytest.mark.parametrize("farmer", ["farmer_a", "farmer_a2"])
def test_amounts_on_every_page_equal_the_payout_lines(client, request, farmer, in_notice):
    farmer = request.getfixturevalue(farmer)
    payout = Payout.objects.get(run=in_notice, household=farmer.household)
    assert payout.total_fen > 0
    client.force_login(farmer)
    household_pk = farmer.household_id

    payouts_page = client.get(reverse("portal:payouts", kwargs={"household_pk": household_pk})).content.decode()
    assert_parts(run_card(payouts_page, in_notice.pk), payout)

    notice_page = client.get(reverse("portal:notice", kwargs={"household_pk": household_pk})).content.decode()
    assert_parts(run_card(notice_page, in_notice.pk), payout)
    pools = {pool.kind: pool for pool in Pool.objects.filter(run=in_notice, association=farmer.household.association)}
    notice_text = text_of(notice_page)
    for kind in (engine.POOL_RECEIVED, engine.POOL_RETENTION, engine.POOL_SPLIT):
        assert format_yuan(pools[kind].amount_fen) in notice_text

    home = client.get(reverse("home")).content.decode()
    card = year_card(home, 2024)
    assert total_of_year_card(home, 2024) == format_yuan(payout.total_fen)
    assert money_in(card, "income-rent") == format_yuan(payout.rent_fen)
    assert money_in(card, "income-land_dividend") == format_yuan(payout.land_dividend_fen)
    assert money_in(card, "income-share_dividend") == format_yuan(payout.share_dividend_fen)
    assert money_in(card, "income-wages") == format_yuan(payout.wage_fen)


def test_the_explanation_rebuilds_each_part_from_the_frozen_inputs(client, farmer_a, in_notice):
    """DESIGN.md's appendix for A01-001: 12.5 mu at 600 for 366 days; 5 of 15 weighted shares of A01's pool."""
    client.force_login(farmer_a)
    page = client.get(reverse("portal:payouts", kwargs={"household_pk": farmer_a.household_id})).content.decode()
    text = text_of(run_card(page, in_notice.pk))
    assert "HT-2021-001 / P-01" in text
    assert "12.5" in text and "¥600.00" in text and "366/366" in text and "¥7,500.00" in text
    # Land dividend: 4575 of 6047 mu-days of the land pool 1550745 fen.
    assert "4,575" in text and "6,047" in text and "¥15,507.45" in text and "¥11,732.53" in text
    # Share dividend: 4 population + 10 labour x 0.1 = 5 of 15 weighted shares x 5559445 fen = 1853149 fen.
    assert "¥55,594.45" in text and "¥18,531.49" in text
    assert "甘田村股份经济合作社" in text


def test_the_home_gives_this_year_and_last_year_and_the_latest_year_with_money(farmer_a, in_notice, household_a):
    payout = Payout.objects.get(run=in_notice, household=household_a)
    summaries = home_years(household=household_a, today=date(2025, 3, 1))
    assert [summary.year for summary in summaries] == [2025, 2024]
    assert not summaries[0].has_runs and summaries[0].total_fen == 0
    last = summaries[1]
    assert [(income.key, income.amount_fen) for income in last.incomes] == [
        ("rent", payout.rent_fen),
        ("land_dividend", payout.land_dividend_fen),
        ("share_dividend", payout.share_dividend_fen),
        ("wages", 0),
    ]
    assert all(income.why for income in last.incomes)
    # Years later, neither this year nor last year has money: the latest year that has is shown as well.
    later = home_years(household=household_a, today=date(2027, 5, 1))
    assert [summary.year for summary in later] == [2027, 2026, 2024]


def test_the_home_tells_each_income_why(client, farmer_a2, in_notice):
    client.force_login(farmer_a2)
    text = text_of(year_card(client.get(reverse("home")).content.decode(), 2024))
    assert "8 亩" in text  # the rent is for the 8 mu of HT-2024-002
    assert "12 天" in text and "¥120.00" in text  # 12 days of remediation work at ¥120.00


# --- News at the top of the home page until read -------------------------------------------------------


def news_on_home(client) -> str:
    html = client.get(reverse("home")).content.decode()
    return " ".join(text_of(block) for block in html.split('<article class="news"')[1:])


def test_a_run_in_public_notice_is_news_until_read(client, farmer_a, in_notice):
    client.force_login(farmer_a)
    assert "公示" in news_on_home(client)
    response = client.post(
        reverse("portal:news-read", kwargs={"run_pk": in_notice.pk, "status": "notice"}), {"then": "notice"}
    )
    assert response["Location"] == reverse("portal:notice", kwargs={"household_pk": farmer_a.household_id})
    assert NoticeRead.objects.filter(user=farmer_a, run=in_notice, status="notice").exists()
    assert news_on_home(client) == ""


def test_opening_the_notice_reads_its_news(client, farmer_a, in_notice):
    client.force_login(farmer_a)
    client.get(reverse("portal:notice", kwargs={"household_pk": farmer_a.household_id}))
    assert news_on_home(client) == ""


def test_news_read_by_one_farmer_stays_news_for_another(client, farmer_a, farmer_a2, in_notice):
    client.force_login(farmer_a)
    client.post(reverse("portal:news-read", kwargs={"run_pk": in_notice.pk, "status": "notice"}))
    client.force_login(farmer_a2)
    assert "公示" in news_on_home(client)


def test_a_notice_put_up_again_after_a_withdrawal_is_news_again(client, farmer_a, in_notice, accountant):
    client.force_login(farmer_a)
    client.post(reverse("portal:news-read", kwargs={"run_pk": in_notice.pk, "status": "notice"}))
    run = services.withdraw_notice(user=accountant, run=in_notice)
    assert news_on_home(client) == ""
    services.publish_notice(user=accountant, run=run, starts_on=timezone.localdate() + timedelta(days=1))
    assert "公示" in news_on_home(client)


def test_a_paid_run_is_news_with_the_amount_and_the_day(client, farmer_a, paid, household_a):
    payout = Payout.objects.get(run=paid, household=household_a)
    client.force_login(farmer_a)
    news = news_on_home(client)
    assert format_yuan(payout.total_fen) in news
    assert f"{payout.paid_on.year}年{payout.paid_on.month}月{payout.paid_on.day}日" in news
    client.post(reverse("portal:news-read", kwargs={"run_pk": paid.pk, "status": "paid"}), {"then": "payouts"})
    assert news_on_home(client) == ""


def test_the_payouts_page_says_paid_on_which_day(client, farmer_a, paid, household_a):
    payout = Payout.objects.get(run=paid, household=household_a)
    client.force_login(farmer_a)
    text = text_of(
        run_card(
            client.get(reverse("portal:payouts", kwargs={"household_pk": household_a.pk})).content.decode(), paid.pk
        )
    )
    assert f"已于{payout.paid_on.year}年{payout.paid_on.month}月{payout.paid_on.day}日支付" in text


def test_the_status_follows_the_run(client, farmer_a, approved, household_a):
    client.force_login(farmer_a)
    page = client.get(reverse("portal:payouts", kwargs={"household_pk": household_a.pk})).content.decode()
    today = timezone.localdate()
    assert approved.status == DistributionRun.Status.APPROVED
    assert f"已于{today.year}年{today.month}月{today.day}日批准，尚未支付" in text_of(run_card(page, approved.pk))


# --- My household and my land ------------------------------------------------------------------------------


def test_my_household_masks_id_numbers_to_the_last_four(client, farmer_a, appendix):
    head = appendix.heads["A01-001"]
    client.force_login(farmer_a)
    html = client.get(reverse("portal:household", kwargs={"household_pk": farmer_a.household_id})).content.decode()
    assert masked_id_number(head) == "*" * 14 + head.id_number[-4:]
    assert masked_id_number(head) in html
    assert head.id_number not in html
    assert head.id_number[:6] not in html  # not even the region code that the officials' mask keeps
    text = text_of(html)
    # population 4 x 1 + labour 10 x 0.1 = 5 counted in the dividend; the issue of each is a share event.
    assert "population" in text and "labour" in text
    assert "+4" in text and "+10" in text


def test_my_land_shows_the_contract_its_area_rent_and_whether_this_years_rent_is_paid(client, farmer_a, appendix):
    client.force_login(farmer_a)
    url = reverse("portal:land", kwargs={"household_pk": farmer_a.household_id})
    text = text_of(client.get(url).content.decode())
    assert "HT-2021-001" in text and "P-01" in text
    assert "12.5" in text and "0.8333" in text
    assert "¥600.00" in text
    year = timezone.localdate().year
    contract = appendix.household("A01-001").land_contracts.get()
    rent = land.contract_rent_for_year(contract=contract, year=year)
    assert rent == 750000
    assert format_yuan(rent) in text
    assert "尚未支付" in text

    land.record_rent_payment(
        contract=contract, paid_on=timezone.localdate(), amount_fen=rent, first_year=year, last_year=year
    )
    text = text_of(client.get(url).content.decode())
    today = timezone.localdate()
    assert f"已于{today.year}年{today.month}月{today.day}日支付" in text


def test_my_land_does_not_show_another_households_contracts(client, farmer_a, appendix):
    client.force_login(farmer_a)
    text = text_of(client.get(reverse("portal:land", kwargs={"household_pk": farmer_a.household_id})).content.decode())
    assert "HT-2024-002" not in text and "HT-2022-003" not in text


def test_the_pages_are_in_english_for_who_asks(client, farmer_a, in_notice):
    client.force_login(farmer_a)
    for name in HOUSEHOLD_PAGES:
        html = client.get(reverse(name, kwargs={"household_pk": farmer_a.household_id}), HTTP_ACCEPT_LANGUAGE="en")
        assert 'lang="en"' in html.content.decode(), name
    home = text_of(client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "My income" in home and "Land dividend" in home and "Guaranteed rent for the 12.5 mu" in home


# --- The four parts have one name each, the same everywhere -------------------------------------------------

PART_NAMES = ["租金", "土地分红", "股金分红", "薪金"]


def test_the_four_parts_have_the_same_names_on_every_page_and_file(client, farmer_a, accountant, in_notice):
    """The farmer's "股金" once held the land dividend too: each part is named as the statement names it."""
    client.force_login(farmer_a)
    household = farmer_a.household_id
    pages = {
        "home": client.get(reverse("home")),
        "payouts": client.get(reverse("portal:payouts", kwargs={"household_pk": household})),
        "notice": client.get(reverse("portal:notice", kwargs={"household_pk": household})),
    }
    pdf = client.get(reverse("portal:statement-pdf", kwargs={"household_pk": household, "year": 2024})).content
    client.force_login(accountant)
    association = farmer_a.household.association_id
    pages["run notice"] = client.get(reverse("dividends:notice", args=[in_notice.pk, association]))
    for name, response in pages.items():
        text = text_of(response.content.decode())
        assert all(part in text for part in PART_NAMES), name
        assert "股金" not in text.replace("股金分红", ""), name
    assert all(part in pdf_text(pdf) for part in PART_NAMES)
    from dividends.serializers import PayoutSerializer

    fields = PayoutSerializer().fields
    assert [str(fields[key].label) for key in ("rent", "land_dividend", "share_dividend", "wage")] == PART_NAMES
