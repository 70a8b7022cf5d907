"""The pages: each role sees what it may, another association's ids give 404, the progress bar polls."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from collective.models import Member
from dividends import services
from dividends.models import DistributionRun
from dividends.services.inputs import LedgerReference
from dividends.templatetags.dividends_extras import plain


@pytest.fixture
def published(appendix, compute, accountant):
    run = compute(appendix.policy)
    return services.publish_notice(user=accountant, run=run, starts_on=date(2025, 1, 2), published_on=date(2025, 1, 2))


def test_the_whole_flow_through_the_pages(
    client, appendix, accountant, township_official, django_capture_on_commit_callbacks
):
    client.force_login(accountant)
    response = client.post(reverse("dividends:run-create"), {"policy": appendix.policy.pk})
    run = DistributionRun.objects.get()
    assert response.url == reverse("dividends:run-detail", args=[run.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dividends:run-compute", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == DistributionRun.Status.COMPUTED
    page = client.get(reverse("dividends:run-detail", args=[run.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert "¥102,952.68" in content  # the shareholder pool
    assert "¥7,412.59" in content  # A01's collective share line
    client.post(reverse("dividends:run-publish", args=[run.pk]), {"starts_on": timezone.localdate().isoformat()})
    run.refresh_from_db()
    assert run.status == DistributionRun.Status.NOTICE
    assert run.notice_published_on == timezone.localdate()
    # The notice as if published on 2025-01-02, so that its period has run.
    DistributionRun.objects.filter(pk=run.pk).update(
        notice_published_on=date(2025, 1, 2), notice_starts_on=date(2025, 1, 2), notice_ends_on=date(2025, 1, 9)
    )
    client.force_login(township_official)
    client.post(
        reverse("dividends:run-approve", args=[run.pk]),
        {"resolution_date": "2025-01-12", "resolution_reference": "甘田成员代表大会决议2025-1号"},
    )
    run.refresh_from_db()
    assert run.status == DistributionRun.Status.APPROVED
    client.force_login(accountant)
    client.post(
        reverse("dividends:payment-mark", args=[run.pk, appendix.company.pk]),
        {"paid_on": "2025-02-01", "bank_reference": "B-1"},
    )
    for code in ("A01", "A02"):
        client.post(
            reverse("dividends:payment-mark", args=[run.pk, appendix.associations[code].pk]),
            {"paid_on": "2025-02-02", "bank_reference": f"B-{code}"},
        )
    run.refresh_from_db()
    assert run.status == DistributionRun.Status.PAID


def test_the_progress_partial_polls_while_computing_and_reloads_when_done(client, appendix, accountant):
    run = services.create_run(user=accountant, policy=appendix.policy)
    DistributionRun.objects.filter(pk=run.pk).update(
        status=DistributionRun.Status.COMPUTING, chunks_total=8, chunks_done=3, inputs_frozen_at="2025-01-01T00:00:00Z"
    )
    client.force_login(accountant)
    url = reverse("dividends:run-progress", args=[run.pk])
    response = client.get(url, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert 'hx-trigger="every 1s"' in content
    assert '<progress value="3" max="8">' in content
    assert "HX-Refresh" not in response
    DistributionRun.objects.filter(pk=run.pk).update(status=DistributionRun.Status.COMPUTED)
    response = client.get(url, headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"
    assert "hx-trigger" not in response.content.decode()


def test_payouts_list_searches_pages_and_is_scoped(client, appendix, published, village_official_a, settings):
    client.force_login(village_official_a)
    url = reverse("dividends:payout-list", args=[published.pk])
    response = client.get(url)
    assert [p.household.code for p in response.context["page_obj"]] == ["A01-001", "A01-002", "A01-003"]
    response = client.get(url, {"q": "002"})
    assert [p.household.code for p in response.context["page_obj"]] == ["A01-002"]
    response = client.get(url, {"association": appendix.associations["A02"].pk})
    assert list(response.context["page_obj"]) == []


def test_payouts_list_pages(client, appendix, published, accountant, monkeypatch):
    from collective import shortcuts

    monkeypatch.setattr(shortcuts, "PAGE_SIZE", 2)
    client.force_login(accountant)
    url = reverse("dividends:payout-list", args=[published.pk])
    first = client.get(url)
    assert first.context["page_obj"].paginator.num_pages == 3
    third = client.get(url, {"page": 3})
    assert [p.household.code for p in third.context["page_obj"]] == ["A02-002"]


def test_the_notice_lists_households_and_amounts_with_id_numbers_masked(client, appendix, published, accountant):
    head = Member.objects.get(pk=appendix.heads["A01-001"].pk)
    client.force_login(accountant)
    response = client.get(reverse("dividends:notice", args=[published.pk, appendix.associations["A01"].pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert head.masked_id_number in content and "*" in head.masked_id_number
    assert head.id_number not in content
    for amount in ("¥37,764.02", "¥18,746.92", "¥18,531.48", "¥7,412.59"):
        assert amount in content
    assert "A02-001" not in content
    # Each line's weighted holdings: the household's shares in the ledger up to the run's mark on the record date.
    household = appendix.household("A01-001")
    holdings = LedgerReference.of_run(published).holdings(household_ids=[household.pk])
    weighted = sum(h.quantity * h.weight for rows in holdings.values() for h in rows)
    assert published.payouts.get(household=household).weighted_holdings == weighted > 0
    assert f'<td class="money">{plain(weighted)}</td>' in content
    assert published.record_date.isoformat() in content


def test_another_associations_objects_give_404(client, appendix, published, village_official_a, accountant, farmer_a):
    a02 = appendix.associations["A02"]
    other_payout = published.payouts.get(household__code="A02-001")
    own_payout = published.payouts.get(household__code="A01-001")
    objection = services.lodge_objection(user=accountant, payout=other_payout, text="核对")
    a02_entry = services.record_entry(
        user=accountant,
        organisation=appendix.company,
        direction="expense",
        category="other",
        entry_date=date(2025, 3, 1),
        amount_fen=100,
    )
    client.force_login(village_official_a)
    assert client.get(reverse("dividends:notice", args=[published.pk, a02.pk])).status_code == 404
    assert client.get(reverse("dividends:objection-create", args=[other_payout.pk])).status_code == 404
    assert client.get(reverse("dividends:objection-answer", args=[objection.pk])).status_code == 404
    assert client.get(reverse("dividends:ledger-update", args=[a02_entry.pk])).status_code == 404
    assert client.get(reverse("dividends:statement", args=[other_payout.household_id, 2024])).status_code == 404
    assert client.get(reverse("dividends:objection-create", args=[own_payout.pk])).status_code == 200
    # A farmer: nothing of another household, nothing before the notice.
    farmer_a.household = appendix.household("A01-001")
    farmer_a.save()
    client.force_login(farmer_a)
    assert client.get(reverse("dividends:objection-create", args=[other_payout.pk])).status_code == 404
    assert client.get(reverse("dividends:objection-create", args=[own_payout.pk])).status_code == 200
    response = client.post(reverse("dividends:objection-create", args=[own_payout.pk]), {"text": "请核对我家的股数。"})
    assert response.status_code == 302
    assert published.objections.filter(household__code="A01-001", raised_by=farmer_a).exists()
    listing = client.get(reverse("dividends:objection-list", args=[published.pk]))
    assert [o.household.code for o in listing.context["objections"]] == ["A01-001"]
    assert client.get(reverse("dividends:ledger-list")).status_code == 403
    assert client.get(reverse("dividends:notice", args=[published.pk, a02.pk])).status_code == 404
    # Not even their own association's full list: a farmer sees no other household's money.
    own_notice = reverse("dividends:notice", args=[published.pk, appendix.associations["A01"].pk])
    assert client.get(own_notice).status_code == 404


def test_every_page_renders_for_each_official(
    client, appendix, published, accountant, township_official, village_official_a
):
    urls = [
        reverse("dividends:run-list"),
        reverse("dividends:run-detail", args=[published.pk]),
        reverse("dividends:payout-list", args=[published.pk]),
        reverse("dividends:objection-list", args=[published.pk]),
        reverse("dividends:notice", args=[published.pk, appendix.associations["A01"].pk]),
        reverse("dividends:ledger-list"),
        reverse("dividends:income-statement"),
        reverse("dividends:policy-list"),
        reverse("dividends:statement", args=[appendix.household("A01-001").pk, 2024]),
    ]
    for user in (accountant, township_official, village_official_a):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 200, (user.role, url)
    client.force_login(accountant)
    assert client.get(reverse("dividends:policy-create")).status_code == 200
    assert client.get(reverse("dividends:ledger-create")).status_code == 200
    assert client.get(reverse("dividends:ledger-import")).status_code == 200
    client.force_login(township_official)
    assert client.get(reverse("dividends:policy-create")).status_code == 403
    assert client.get(reverse("dividends:ledger-create")).status_code == 403


def test_the_income_statement_opens_on_the_accountants_own_company(client, appendix, accountant):
    """It once opened on the first organisation by name (甘田村), not on the company the accountant keeps."""
    client.force_login(accountant)
    response = client.get(reverse("dividends:income-statement"))
    assert response.status_code == 200
    assert response.context["form"]["organisation"].value() == accountant.organisation_id
    assert response.context["statement"] is not None


@pytest.mark.django_db(transaction=True)
def test_the_embedded_mode_says_computed_once_the_run_is_computed(client, appendix, accountant):
    """In-process the run is computed within the request: no stale "正在计算收益分配。" beside "已计算"."""
    run = services.create_run(user=accountant, policy=appendix.policy)
    client.force_login(accountant)
    response = client.post(reverse("dividends:run-compute", args=[run.pk]), follow=True)
    run.refresh_from_db()
    assert run.status == DistributionRun.Status.COMPUTED
    assert [str(message) for message in response.context["messages"]] == ["收益分配已计算完成。"]
    assert "正在计算收益分配。" not in response.content.decode()


def test_a_run_no_worker_takes_says_it_is_waiting_for_a_worker(client, appendix, accountant, settings):
    """With a broker and no worker, a run said "计算中…" for ever: after a while it says what it waits for."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    run = services.create_run(user=accountant, policy=appendix.policy)
    started = timezone.now()
    DistributionRun.objects.filter(pk=run.pk).update(status=DistributionRun.Status.COMPUTING, progressed_at=started)
    client.force_login(accountant)
    url = reverse("dividends:run-progress", args=[run.pk])
    assert "正在等待后台任务进程" not in client.get(url).content.decode()
    DistributionRun.objects.filter(pk=run.pk).update(progressed_at=started - timedelta(minutes=2))
    content = client.get(url).content.decode()
    assert "正在等待后台任务进程" in content
    assert 'hx-trigger="every 1s"' in content  # it goes on polling, and moves on once a worker runs
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert "正在等待后台任务进程" not in client.get(url).content.decode()
