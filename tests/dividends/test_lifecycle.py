# ruff: noqa: RUF001 - the expected messages are Chinese, with Chinese punctuation
"""The life of a run: who may take each step, the notice, objections, approval, immutability, reversal."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from dividends import services
from dividends.models import DistributionRun, Objection, Payout
from tests.dividends.conftest import lines_of

Status = DistributionRun.Status
LONG_AGO = date(2025, 1, 10)


def publish(run, accountant, starts_on=LONG_AGO):
    published_on = min(starts_on, timezone.localdate())
    return services.publish_notice(user=accountant, run=run, starts_on=starts_on, published_on=published_on)


def approve(run, township_official):
    return services.approve_run(
        user=township_official,
        run=run,
        resolution_date=date(2025, 1, 20),
        resolution_reference="成员代表大会决议2025-1号",
    )


def test_each_step_is_allowed_only_to_its_role(
    appendix, compute, accountant, township_official, village_official_a, farmer_a
):
    policy = appendix.policy
    for user in (township_official, village_official_a, farmer_a):
        with pytest.raises(PermissionDenied):
            services.create_run(user=user, policy=policy)
    run = services.create_run(user=accountant, policy=policy)
    for user in (township_official, village_official_a, farmer_a):
        with pytest.raises(PermissionDenied):
            services.start_computation(user=user, run=run)
    run = compute(run)
    for user in (township_official, village_official_a, farmer_a):
        with pytest.raises(PermissionDenied):
            services.publish_notice(user=user, run=run)
    run = publish(run, accountant)
    for user in (accountant, village_official_a, farmer_a):
        with pytest.raises(PermissionDenied):
            approve(run, user)
    run = approve(run, township_official)
    assert run.status == Status.APPROVED
    assert run.approved_by == township_official
    assert run.resolution_reference == "成员代表大会决议2025-1号"
    for user in (township_official, farmer_a):
        with pytest.raises(PermissionDenied):
            services.mark_paid(user=user, run=run, payer=appendix.company, paid_on=date(2025, 2, 1), bank_reference="X")
    # A village official confirms only their own association's share dividends, never the company's.
    with pytest.raises(PermissionDenied):
        services.mark_paid(
            user=village_official_a, run=run, payer=appendix.company, paid_on=date(2025, 2, 1), bank_reference="X"
        )
    services.mark_paid(
        user=village_official_a,
        run=run,
        payer=appendix.associations["A01"],
        paid_on=date(2025, 2, 1),
        bank_reference="A01-B1",
    )
    with pytest.raises(PermissionDenied):
        services.mark_paid(
            user=village_official_a,
            run=run,
            payer=appendix.associations["A02"],
            paid_on=date(2025, 2, 1),
            bank_reference="X",
        )


def test_the_notice_lasts_at_least_seven_days(appendix, compute, accountant, township_official):
    run = publish(compute(appendix.policy), accountant, starts_on=timezone.localdate() - timedelta(days=6))
    assert run.notice_ends_on == run.notice_starts_on + timedelta(days=7)
    with pytest.raises(ValidationError, match="at least 7 days"):
        approve(run, township_official)
    DistributionRun.objects.filter(pk=run.pk).update(
        notice_published_on=timezone.localdate() - timedelta(days=7),
        notice_starts_on=timezone.localdate() - timedelta(days=7),
        notice_ends_on=timezone.localdate(),
    )
    run.refresh_from_db()
    assert approve(run, township_official).status == Status.APPROVED


def test_a_notice_cannot_start_before_the_day_the_server_records_its_publication(
    appendix, compute, accountant, township_official
):
    """Today's main let a notice start ten days ago and be approved the day it was published."""
    run = compute(appendix.policy)
    today = timezone.localdate()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        services.publish_notice(user=accountant, run=run, starts_on=today - timedelta(days=10))
    assert refused.value.messages == [
        f"公示不能从{today - timedelta(days=10)}开始，早于发布日（{today}）：公示期从发布之日起算。"
        f"请选择{today}或之后的日期。"
    ]
    run.refresh_from_db()
    assert run.status == Status.COMPUTED
    run = services.publish_notice(user=accountant, run=run)
    assert (run.notice_published_on, run.notice_starts_on) == (today, today)
    with pytest.raises(ValidationError, match="at least 7 days"):
        approve(run, township_official)
    assert DistributionRun.objects.get(pk=run.pk).status == Status.NOTICE


def test_a_later_typed_start_moves_the_end_of_the_notice(appendix, compute, accountant):
    today = timezone.localdate()
    run = services.publish_notice(user=accountant, run=compute(appendix.policy), starts_on=today + timedelta(days=3))
    assert run.notice_published_on == today
    assert run.notice_ends_on == today + timedelta(days=10)


def test_the_publish_page_refuses_a_start_in_the_past(client, appendix, compute, accountant):
    run = compute(appendix.policy)
    client.force_login(accountant)
    response = client.post(reverse("dividends:run-publish", args=[run.pk]), {"starts_on": "2025-01-02"}, follow=True)
    assert "公示期从发布之日起算" in response.content.decode()
    run.refresh_from_db()
    assert (run.status, run.notice_starts_on) == (Status.COMPUTED, None)


def test_the_database_refuses_a_notice_that_starts_before_its_publication(appendix, compute, accountant):
    run = services.publish_notice(user=accountant, run=compute(appendix.policy))
    with pytest.raises(IntegrityError), transaction.atomic():
        DistributionRun.objects.filter(pk=run.pk).update(notice_starts_on=run.notice_published_on - timedelta(days=10))


def test_an_open_objection_blocks_approval_until_it_is_answered(
    appendix, compute, accountant, township_official, farmer_a, farmer_b, village_official_a
):
    from collective.models import User

    run = publish(compute(appendix.policy), accountant)
    farmer_a.household = appendix.household("A01-001")
    farmer_a.save()
    payout = run.payouts.get(household__code="A01-001")
    other = run.payouts.get(household__code="A02-001")
    with pytest.raises(PermissionDenied):
        services.lodge_objection(user=farmer_a, payout=other, text="不是我的")
    objection = services.lodge_objection(user=farmer_a, payout=payout, text="我家的劳龄股应是12股。")
    assert objection.amount_fen == 3776402
    with pytest.raises(ValidationError, match="1 objection"):
        approve(run, township_official)
    # The village official of another association may not answer it; the one of A01 may.
    other_official = User.objects.create_user(
        "village_x", role=User.Role.VILLAGE, organisation=appendix.associations["A02"]
    )
    with pytest.raises(PermissionDenied):
        services.answer_objection(user=other_official, objection=objection, answer="…")
    services.answer_objection(user=village_official_a, objection=objection, answer="经核对 劳龄股为10股 金额无误。")
    objection.refresh_from_db()
    assert objection.status == Objection.Status.ANSWERED
    assert approve(run, township_official).status == Status.APPROVED
    # No objections once the notice is over.
    with pytest.raises(ValidationError, match="public notice"):
        services.lodge_objection(user=farmer_a, payout=payout, text="再议")


def test_an_approved_run_cannot_be_recomputed_or_edited(appendix, compute, accountant, township_official, client):
    run = approve(publish(compute(appendix.policy), accountant), township_official)
    before = lines_of(run)
    with pytest.raises(ValidationError):
        services.start_computation(user=accountant, run=run)
    with pytest.raises(ValidationError):
        services.create_run(user=accountant, policy=appendix.policy)
    assert appendix.policy.is_frozen
    with pytest.raises(ValidationError, match="frozen"):
        services.save_policy(
            user=accountant,
            policy=appendix.policy,
            organisation=appendix.company,
            year=2024,
            land_share_rate=appendix.policy.land_share_rate,
            reserve_rate=appendix.policy.reserve_rate,
            welfare_rate=appendix.policy.welfare_rate,
            payout_rate=appendix.policy.payout_rate,
            retention_rate=appendix.policy.retention_rate,
            record_date=appendix.policy.record_date,
        )
    entry = appendix.company.ledger_entries.first()
    with pytest.raises(ValidationError, match="locked"):
        services.update_entry(user=accountant, entry=entry, note="changed")
    client.force_login(accountant)
    response = client.post(reverse("dividends:run-compute", args=[run.pk]), follow=True)
    assert [message.level_tag for message in response.context["messages"]] == ["error"]
    run.refresh_from_db()
    assert run.status == Status.APPROVED
    assert lines_of(run) == before


def test_reversal_plus_new_run_nets_to_the_new_run(appendix, compute, accountant, township_official):
    original = approve(publish(compute(appendix.policy), accountant), township_official)
    services.mark_paid(
        user=accountant, run=original, payer=appendix.company, paid_on=date(2025, 2, 1), bank_reference="B-1"
    )
    for code in ("A01", "A02"):
        services.mark_paid(
            user=accountant,
            run=original,
            payer=appendix.associations[code],
            paid_on=date(2025, 2, 1),
            bank_reference=f"B-{code}",
        )
    original.refresh_from_db()
    assert original.status == Status.PAID

    reversal = services.reverse_run(user=accountant, run=original)
    assert reversal.status == Status.COMPUTED and reversal.is_reversal
    with pytest.raises(ValidationError, match="already reversed"):
        services.reverse_run(user=accountant, run=original)
    for payout in original.payouts.all():
        mirrored = reversal.payouts.get(household=payout.household)
        assert (
            mirrored.rent_fen,
            mirrored.land_dividend_fen,
            mirrored.share_dividend_fen,
            mirrored.wage_fen,
            mirrored.total_fen,
        ) == (
            -payout.rent_fen,
            -payout.land_dividend_fen,
            -payout.share_dividend_fen,
            -payout.wage_fen,
            -payout.total_fen,
        )
    approve(reversal, township_official)

    # The correction: A01-003 had one more population share on the record date.
    from collective import services as registry

    registry.issue_shares(
        association=appendix.associations["A01"],
        household=appendix.household("A01-003"),
        share_type=appendix.share_types[("A01", "population")],
        quantity=1,
        effective_date=date(2024, 6, 1),
    )
    new_policy = services.save_policy(
        user=accountant,
        organisation=appendix.company,
        year=2024,
        land_share_rate=appendix.policy.land_share_rate,
        reserve_rate=appendix.policy.reserve_rate,
        welfare_rate=appendix.policy.welfare_rate,
        payout_rate=appendix.policy.payout_rate,
        retention_rate=appendix.policy.retention_rate,
        record_date=appendix.policy.record_date,
    )
    assert new_policy.version == 2
    new = compute(new_policy)
    assert new.status == Status.COMPUTED and new.replaces == original
    net: dict[str, int] = {}
    for run in (original, reversal, new):
        for code, total in run.payouts.values_list("household__code", "total_fen"):
            net[code] = net.get(code, 0) + total
    assert net == dict(new.payouts.values_list("household__code", "total_fen"))
    assert sum(net.values()) == sum(new.payouts.values_list("total_fen", flat=True))
    # A01's split changes: 5559445 over 5 : 3 : 6 : 2.
    assert new.payouts.get(household__code="A01-003").share_dividend_fen == 2084792
    publish(new, accountant)
    approve(new, township_official)
    # The bank batch of the new run pays each household only the difference.
    rows = {row.household_code: row for row in services.payment_rows(run=new, payer=appendix.associations["A01"])}
    assert rows["A01-003"].already_paid_fen == 1853148
    assert rows["A01-003"].net_fen == 2084792 - 1853148
    assert rows["A01-001"].net_fen == new.payouts.get(household__code="A01-001").share_dividend_fen - 1853149


def test_the_run_page_offers_each_role_only_its_steps(
    appendix, compute, accountant, township_official, village_official_a, client
):
    run = compute(appendix.policy)
    client.force_login(accountant)
    page = client.get(reverse("dividends:run-detail", args=[run.pk])).content.decode()
    assert reverse("dividends:run-publish", args=[run.pk]) in page
    client.force_login(township_official)
    page = client.get(reverse("dividends:run-detail", args=[run.pk])).content.decode()
    assert reverse("dividends:run-publish", args=[run.pk]) not in page
    assert client.post(reverse("dividends:run-publish", args=[run.pk])).status_code == 403
    client.force_login(village_official_a)
    assert client.post(reverse("dividends:run-approve", args=[run.pk])).status_code == 403
    assert client.post(reverse("dividends:run-compute", args=[run.pk])).status_code == 403


def test_payouts_are_visible_by_role(appendix, compute, accountant, township_official, village_official_a, farmer_a):
    run = compute(appendix.policy)
    farmer_a.household = appendix.household("A01-002")
    farmer_a.save()
    assert Payout.objects.visible_to(accountant).filter(run=run).count() == 5
    assert Payout.objects.visible_to(township_official).filter(run=run).count() == 5
    assert set(
        Payout.objects.visible_to(village_official_a).filter(run=run).values_list("household__code", flat=True)
    ) == {"A01-001", "A01-002", "A01-003"}
    # Not before the public notice for a farmer; then only their own household's.
    assert not Payout.objects.visible_to(farmer_a).exists()
    assert not DistributionRun.objects.visible_to(farmer_a).exists()
    publish(run, accountant)
    assert list(Payout.objects.visible_to(farmer_a).values_list("household__code", flat=True)) == ["A01-002"]
    assert list(DistributionRun.objects.visible_to(farmer_a)) == [run]


def test_a_share_event_on_or_before_an_approved_runs_record_date_is_refused(
    appendix, compute, accountant, township_official
):
    """Today's main took a transfer backdated to 2024-06-01 after the 2024 run was approved."""
    from collective import services as registry
    from collective.models import ShareEvent

    run = approve(publish(compute(appendix.policy), accountant), township_official)
    population = appendix.share_types[("A01", "population")]
    events = ShareEvent.objects.count()
    for day in (date(2024, 6, 1), date(2024, 12, 31)):
        with pytest.raises(ValidationError) as refused:
            registry.transfer_shares(
                from_household=appendix.household("A01-001"),
                to_household=appendix.household("A01-002"),
                share_type=population,
                quantity=1,
                effective_date=day,
            )
        assert refused.value.messages == [
            f"The approved 2024 distribution (run #{run.pk}) split {appendix.associations['A01'].name}'s shares "
            f"as held on its record date 2024-12-31; an event effective on {day} would change what it paid. "
            "Date the event after 2024-12-31, or, if the holdings on that date were wrong, have the accountant "
            f"reverse run #{run.pk} first: the new run then counts the corrected holdings."
        ]
    assert ShareEvent.objects.count() == events
    # The day after the record date is the next year's business.
    registry.transfer_shares(
        from_household=appendix.household("A01-001"),
        to_household=appendix.household("A01-002"),
        share_type=population,
        quantity=1,
        effective_date=date(2025, 1, 1),
    )
    # Once the run is reversed, the correction may be recorded; the new run counts it.
    services.reverse_run(user=accountant, run=run)
    registry.transfer_shares(
        from_household=appendix.household("A01-001"),
        to_household=appendix.household("A01-002"),
        share_type=population,
        quantity=1,
        effective_date=date(2024, 6, 1),
    )
    assert ShareEvent.objects.count() == events + 2


def test_a_past_approval_keeps_its_day_and_is_never_before_the_resolution_nor_in_the_future(
    appendix, compute, accountant, township_official
):
    """Loading a past that happened (the demo's history): the run says it was approved then, not today."""
    run = publish(compute(services.create_run(user=accountant, policy=appendix.policy)), accountant)
    kwargs = {"user": township_official, "resolution_date": date(2025, 1, 20), "resolution_reference": "决议2025-1号"}
    for day in (date(2025, 1, 19), timezone.localdate() + timedelta(days=1)):
        with translation.override("en"), pytest.raises(ValidationError) as error:
            services.approve_run(run=run, approved_on=day, **kwargs)
        assert error.value.messages == ["A run is approved on or after its resolution, and not in the future."]
    run = services.approve_run(run=run, approved_on=date(2025, 1, 22), **kwargs)
    assert timezone.localtime(run.approved_at).date() == date(2025, 1, 22)
    assert run.history.first().approved_at == run.approved_at  # the audit trail keeps the day too
