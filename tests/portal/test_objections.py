# ruff: noqa: RUF001 - the expected texts are Chinese, with Chinese punctuation
"""The objection flow: the farmer objects during the notice, the village official answers, the farmer reads it."""

from django.urls import reverse

from dividends.models import Objection, Payout
from tests.portal.pages import run_card, text_of


def objection_url(farmer, run) -> str:
    return reverse("portal:objection-create", kwargs={"household_pk": farmer.household_id, "run_pk": run.pk})


def test_the_farmer_objects_the_official_answers_and_the_farmer_reads_the_answer(
    client, farmer_a, village_official_a, in_notice, household_a
):
    payout = Payout.objects.get(run=in_notice, household=household_a)
    client.force_login(farmer_a)
    notice = client.get(reverse("portal:notice", kwargs={"household_pk": household_a.pk})).content.decode()
    assert objection_url(farmer_a, in_notice) in run_card(notice, in_notice.pk)

    response = client.post(objection_url(farmer_a, in_notice), {"text": "我家的劳龄股少算了两年。"})
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (objection.run, objection.household, objection.payout, objection.raised_by) == (
        in_notice,
        household_a,
        payout,
        farmer_a,
    )
    assert objection.amount_fen == payout.total_fen
    assert objection.is_open
    page = text_of(client.get(response["Location"]).content.decode())
    assert "我家的劳龄股少算了两年。" in page
    assert "等待答复" in page

    # The village official answers on the dividends pages.
    client.force_login(village_official_a)
    response = client.post(
        reverse("dividends:objection-answer", kwargs={"pk": objection.pk}),
        {"answer": "劳龄按2021年1月1日基准日计算，已核对无误。"},
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert not objection.is_open

    client.force_login(farmer_a)
    for name in ("portal:notice", "portal:payouts"):
        text = text_of(client.get(reverse(name, kwargs={"household_pk": household_a.pk})).content.decode())
        assert "劳龄按2021年1月1日基准日计算，已核对无误。" in text, name


def test_an_objection_needs_a_text(client, farmer_a, in_notice):
    client.force_login(farmer_a)
    response = client.post(objection_url(farmer_a, in_notice), {"text": "   "})
    assert response.status_code == 200
    assert not Objection.objects.exists()


def test_an_objection_is_short(client, farmer_a, in_notice):
    client.force_login(farmer_a)
    response = client.post(objection_url(farmer_a, in_notice), {"text": "长" * 501})
    assert response.status_code == 200
    assert not Objection.objects.exists()


def test_no_objection_after_the_notice(client, farmer_a, approved):
    client.force_login(farmer_a)
    response = client.post(objection_url(farmer_a, approved), {"text": "太晚了"})
    assert response.status_code == 302
    assert not Objection.objects.exists()
    notice = text_of(client.get(response["Location"]).content.decode())
    assert "公示期已结束" in notice


def test_a_farmer_sees_only_their_households_objections(client, farmer_a, farmer_a2, in_notice):
    client.force_login(farmer_a2)
    client.post(objection_url(farmer_a2, in_notice), {"text": "A01-002 的异议"})
    client.force_login(farmer_a)
    for name in ("portal:notice", "portal:payouts"):
        text = text_of(client.get(reverse(name, kwargs={"household_pk": farmer_a.household_id})).content.decode())
        assert "A01-002 的异议" not in text
