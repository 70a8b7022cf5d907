"""Membership rounds through the services: proposals, postings, objections, the final list and the registry."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from collective import services as collective
from collective.models import Member, ShareType
from membership import services
from membership.models import Entry, Posting, Restoration, Round, Status
from tests.membership.conftest import BASE_DATE, run_postings

pytestmark = pytest.mark.usefixtures("english")


def statuses(round_: Round) -> dict[str, tuple[str, str]]:
    return {e.member.name: (e.status, e.proposed_rule) for e in round_.entries.select_related("member")}


def test_the_round_proposes_each_person_from_the_registry_with_the_deciding_rule(round_, village):
    assert statuses(round_) == {
        "张国华": ("member", "born_in"),
        "李秀英": ("member", "married_in"),
        "张明": ("member", "born_in"),
        "张老汉": ("not_member", "deceased"),
        "王建军": ("member", "born_in"),
        "王芳": ("member", "born_in"),
        # 王小宝, born after the base date, is not on this round's list.
    }


def test_named_rules_for_special_groups_decide_before_the_general_ones(round_, village):
    entries = {e.member.name: e for e in round_.entries.select_related("member")}
    services.set_circumstances(entry=entries["王芳"], circumstances=[Entry.Circumstance.MARRIED_OUT])
    services.set_circumstances(entry=entries["张明"], circumstances=[Entry.Circumstance.STUDENT])
    services.set_circumstances(entry=entries["王建军"], circumstances=[Entry.Circumstance.UXORILOCAL])
    assert statuses(round_)["王芳"] == ("not_member", "married_out")
    assert statuses(round_)["张明"] == ("member", "student")
    assert statuses(round_)["王建军"] == ("member", "uxorilocal")
    services.set_circumstances(entry=entries["王芳"], circumstances=[Entry.Circumstance.MARRIED_OUT_STAYED])
    assert statuses(round_)["王芳"] == ("member", "married_out_stayed")


def test_criteria_the_assembly_changed_give_their_own_outcome(start, village):
    criteria = [(code, outcome) for code, outcome in services.default_criteria() if code != "born_in"]
    criteria = [("civil_servant", Status.MEMBER), *[c for c in criteria if c[0] != "civil_servant"]]
    round_ = start(criteria=criteria)
    # Without the born-in rule, the head is decided by the household registration rule.
    assert statuses(round_)["张国华"] == ("member", "household_registration")
    assert round_.criteria.get(rule="civil_servant").outcome == Status.MEMBER


def test_an_override_needs_a_reason_and_is_kept_when_the_list_is_proposed_again(round_, village, village_official_a):
    entry = round_.entries.get(member=village.head2)
    with pytest.raises(ValidationError) as error:
        services.override_entry(entry=entry, status=Status.NOT_MEMBER, reason=" ", by=village_official_a)
    assert error.value.messages == ["Give the reason for setting the status by hand."]
    services.override_entry(entry=entry, status=Status.NOT_MEMBER, reason="国家公职人员、已入编", by=village_official_a)
    services.propose(round_=round_)
    entry.refresh_from_db()
    assert (entry.status, entry.proposed_status, entry.override_reason) == (
        "not_member",
        "member",
        "国家公职人员、已入编",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(override_reason="")


def test_the_list_cannot_be_posted_without_the_assembly_resolution(start, village_official_a):
    round_ = start(resolution=None, resolution_adopted_on=None)
    with pytest.raises(ValidationError) as error:
        services.publish_posting(round_=round_, period_days=7, by=village_official_a)
    assert error.value.code == "no_resolution"


def test_a_posting_opens_on_the_server_date_and_cannot_close_before_its_period(round_, village_official_a):
    posting = services.publish_posting(round_=round_, period_days=10, by=village_official_a)
    today = timezone.localdate()
    assert (posting.published_on, posting.closes_on) == (today, today + timedelta(days=10))
    with pytest.raises(ValidationError) as error:
        services.close_posting(posting=posting, by=village_official_a)
    assert error.value.messages == [
        f"Posting 1 was published on {today.isoformat()} for 10 days: "
        f"it can be closed on {(today + timedelta(days=10)).isoformat()} at the earliest."
    ]
    # The database refuses an early close too, whatever code writes it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.filter(pk=posting.pk).update(closed_on=today + timedelta(days=9))
    services._close(posting=posting, by=village_official_a, today=today + timedelta(days=10))
    posting.refresh_from_db()
    assert posting.closed_on == today + timedelta(days=10)


def test_a_posting_is_up_at_least_seven_days(round_, village_official_a):
    with pytest.raises(ValidationError) as error:
        services.publish_posting(round_=round_, period_days=6, by=village_official_a)
    assert error.value.messages == ["A posting stays up at least 7 days."]


def test_the_list_is_frozen_while_posted_and_objections_are_answered_before_the_next(
    round_, village, village_official_a, farmer_a, household_a
):
    posting = services._publish(round_=round_, period_days=7, by=village_official_a, today=date(2025, 5, 6))
    entry = round_.entries.get(member=village.student)
    with pytest.raises(ValidationError) as error:
        services.override_entry(entry=entry, status=Status.NOT_MEMBER, reason="x", by=village_official_a)
    assert error.value.code == "posting_open"
    objection = services.lodge_objection(
        posting=posting, household=household_a, entry=entry, text="张明在外读书、应保留成员身份", by=farmer_a
    )
    with pytest.raises(ValidationError) as error:
        other = round_.entries.get(member=village.head2)
        services.lodge_objection(posting=posting, household=household_a, entry=other, text="x", by=farmer_a)
    assert error.value.messages == ["That person is not of your household."]
    services._close(posting=posting, by=village_official_a, today=date(2025, 5, 13))
    with pytest.raises(ValidationError) as error:
        services.lodge_objection(posting=posting, household=household_a, text="迟到的异议", by=farmer_a)
    assert error.value.code == "closed"
    with pytest.raises(ValidationError) as error:
        services._publish(round_=round_, period_days=7, by=village_official_a, today=date(2025, 5, 14))
    assert error.value.messages == ["Answer every objection to posting 1 before publishing the next."]
    services.answer_objection(objection=objection, answer="已核实、保留", outcome="upheld", by=village_official_a)
    services._publish(round_=round_, period_days=7, by=village_official_a, today=date(2025, 5, 14))


def test_changes_between_postings_are_listed_side_by_side(round_, village, village_official_a):
    first = services._publish(round_=round_, period_days=7, by=village_official_a, today=date(2025, 5, 6))
    services._close(posting=first, by=village_official_a, today=date(2025, 5, 13))
    entry = round_.entries.get(member=village.daughter)
    services.set_circumstances(entry=entry, circumstances=[Entry.Circumstance.MARRIED_OUT])
    second = services._publish(round_=round_, period_days=7, by=village_official_a, today=date(2025, 5, 14))
    changes = services.changes_between(earlier=first, later=second)
    assert [(c.name, c.household, c.before, c.after, c.reason) for c in changes] == [
        ("王芳", "A01-002", "member", "not_member", "Married out with registration moved (外嫁)")
    ]
    assert changes[0].masked_id.startswith("5301") and "*" in changes[0].masked_id


def test_the_final_list_drives_the_registry(round_, village, village_official_a):
    def revise(number):
        if number == 2:
            entry = round_.entries.get(member=village.daughter)
            services.set_circumstances(entry=entry, circumstances=[Entry.Circumstance.MARRIED_OUT])

    run_postings(round_, village_official_a, before_each=revise)
    services.complete_round(round_=round_, by=village_official_a)
    village.daughter.refresh_from_db()
    assert (village.daughter.ceased_on, village.daughter.cease_reason) == (BASE_DATE, Member.CeaseReason.MARRIED_OUT)
    assert "Married out with registration moved" in village.daughter.cease_note
    village.grandfather.refresh_from_db()
    assert village.grandfather.ceased_on == date(2020, 2, 2)  # already ceased: untouched
    village.newborn.refresh_from_db()
    assert village.newborn.ceased_on is None
    assert services.registry_differences(round_) == []
    round_.refresh_from_db()
    assert (round_.stage, round_.completed_by) == (Round.Stage.COMPLETED, village_official_a)
    # Every decision has its audit trail.
    assert village.daughter.history.first().ceased_on == BASE_DATE
    assert round_.history.filter(stage=Round.Stage.COMPLETED).exists()
    assert Entry.history.filter(member_id=village.daughter.pk, proposed_status="not_member").exists()


def test_a_round_is_completed_only_after_the_third_posting_closed(round_, village_official_a):
    posting = services._publish(round_=round_, period_days=7, by=village_official_a, today=date(2025, 5, 6))
    services._close(posting=posting, by=village_official_a, today=date(2025, 5, 13))
    with pytest.raises(ValidationError) as error:
        services.complete_round(round_=round_, by=village_official_a)
    assert error.value.messages == ["The round is completed after the third posting has closed."]


def test_quantification_refuses_a_round_that_is_not_final(round_, association_a):
    population = ShareType.objects.create(association=association_a, code="population", name="人口股", weight=1)
    rule = collective.QuantificationRule(base_date=BASE_DATE, population_type=population)
    with pytest.raises(ValidationError) as error:
        services.preview_quantification(round_=round_, rule=rule)
    assert error.value.messages == [
        "A quantification may use only a final membership list: this round is not completed."
    ]


def test_quantification_from_a_final_list_counts_only_its_members(round_, village, village_official_a, association_a):
    population = ShareType.objects.create(association=association_a, code="population", name="人口股", weight=1)

    def revise(number):
        if number == 2:
            entry = round_.entries.get(member=village.head2)
            services.override_entry(entry=entry, status=Status.NOT_MEMBER, reason="国家公职人员", by=village_official_a)

    run_postings(round_, village_official_a, before_each=revise)
    services.complete_round(round_=round_, by=village_official_a)
    rule = collective.QuantificationRule(base_date=date(2000, 1, 1), population_type=population)
    preview = services.preview_quantification(round_=round_, rule=rule)
    assert preview.rule.base_date == BASE_DATE
    assert [(line.household_code, line.population) for line in preview.lines] == [
        ("A01-001", Decimal(3)),
        ("A01-002", Decimal(1)),
    ]
    event = services.commit_quantification(
        round_=round_, rule=rule, expected_digest=preview.digest, by=village_official_a
    )
    assert event.details["members_listed"] == 4


def test_a_second_round_starts_for_a_later_base_date_only(completed, start, village, village_official_a):
    with pytest.raises(ValidationError) as error:
        start(base_date=date(2024, 12, 31))
    assert error.value.code == "base_date_not_later"
    second = start(base_date=timezone.localdate(), title="第二轮")
    names = set(second.entries.values_list("member__name", flat=True))
    # The grandfather died before the first round's base date: he is not listed again; the newborn is.
    assert "张老汉" not in names and "王小宝" in names
    with pytest.raises(ValidationError) as error:
        start(base_date=timezone.localdate() - timedelta(days=1), title="第三轮")
    assert error.value.code in ("round_open", "base_date_not_later")


def test_only_one_open_round_per_association_in_the_database(round_, association_a, village_official_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.create(
            association=association_a, title="x", base_date=date(2025, 5, 1), created_by=village_official_a
        )


def test_certificates_are_a_pdf_for_confirmed_members_only(completed, village):
    pdf = services.render_certificates_pdf(round_=completed, member_ids=[village.head.pk, village.grandfather.pk])
    assert pdf.startswith(b"%PDF")
    from tests.land.test_pdf import pdf_text

    text = pdf_text(pdf)
    assert services.certificate_number(round_=completed, member_id=village.head.pk) in text
    assert services.certificate_number(round_=completed, member_id=village.grandfather.pk) not in text


def test_a_quantification_counting_other_members_than_the_final_list_is_refused(completed, village, association_a):
    from collective.hooks import check_quantification

    population = ShareType.objects.create(association=association_a, code="population", name="人口股", weight=1)
    listed = services.final_member_ids(completed)
    rule = collective.QuantificationRule(base_date=BASE_DATE, population_type=population, members=listed)
    check_quantification(association=association_a, rule=rule)  # the final list itself passes
    with pytest.raises(ValidationError) as error:
        check_quantification(association=association_a, rule=replace(rule, members=listed | {village.newborn.pk}))
    assert error.value.messages == [
        "A quantification may use only a final membership list: these are not the members of 2025年成员身份确认."
    ]


# --- Restoring a ceased membership ------------------------------------------------------------------


def test_a_membership_ceased_by_the_final_list_is_restored_with_its_reason_and_audit_trail(
    round_, village, village_official_a
):
    def revise(number):
        if number == 2:
            entry = round_.entries.get(member=village.head2)
            services.override_entry(entry=entry, status=Status.NOT_MEMBER, reason="国家公职人员", by=village_official_a)

    run_postings(round_, village_official_a, before_each=revise)
    services.complete_round(round_=round_, by=village_official_a)
    village.head2.refresh_from_db()
    assert village.head2.ceased_on == BASE_DATE and village.head2.cease_reason == Member.CeaseReason.OTHER

    restoration = services.restore_membership(
        member=village.head2, reason="经复核王建军不是国家公职人员、误列", by=village_official_a
    )
    village.head2.refresh_from_db()
    assert (village.head2.ceased_on, village.head2.cease_reason, village.head2.cease_note) == (None, "", "")
    assert (restoration.ceased_on, restoration.cease_reason, restoration.restored_by) == (
        BASE_DATE,
        Member.CeaseReason.OTHER,
        village_official_a,
    )
    assert restoration.cease_note.startswith("Membership round 2025年成员身份确认")
    record = village.head2.history.latest()
    assert record.history_user == village_official_a
    assert record.history_change_reason == "Membership restored: 经复核王建军不是国家公职人员、误列"
    # The registry on the base date no longer equals the final list, and says who differs.
    assert services.registry_differences(round_) == ["王建军"]


def test_a_restoration_is_refused_for_the_deceased_a_dissolved_household_or_no_reason(village, village_official_a):
    def refused(member, reason="误操作") -> str:
        with pytest.raises(ValidationError) as error:
            services.restore_membership(member=member, reason=reason, by=village_official_a)
        return error.value.messages[0]

    assert refused(village.grandfather) == (
        "张老汉 is recorded as deceased (2020-02-02): a membership that ended by death is not restored."
    )
    assert refused(village.head) == "The membership of 张国华 has not ended: there is nothing to restore."
    collective.cease_membership(
        member=village.daughter, ceased_on=date(2024, 3, 1), reason=Member.CeaseReason.MARRIED_OUT
    )
    assert refused(village.daughter, reason="  ") == "Give the reason for restoring the membership."
    village.household2.dissolved_on = date(2025, 1, 1)
    village.household2.save(update_fields=["dissolved_on"])
    assert refused(village.daughter) == (
        "Household A01-002 was dissolved on 2025-01-01: record 王芳 in a household that exists before "
        "restoring the membership."
    )
    assert not services.restorable_members(village.household2.association).exists()
    assert not Restoration.objects.exists()


def test_a_restoration_names_the_objection_upheld_about_that_person_only(round_, village, village_official_a):
    posting = services._publish(round_=round_, period_days=7, by=village_official_a, today=date(2025, 5, 6))
    about = {e.member_id: e for e in round_.entries.all()}

    def objection(member, outcome):
        lodged = services.lodge_objection(
            posting=posting,
            household=village.household2,
            entry=about[member.pk],
            text="她仍在本村生活",
            by=village_official_a,
            on_paper=True,
        )
        return services.answer_objection(objection=lodged, answer="已核实", outcome=outcome, by=village_official_a)

    upheld, rejected = objection(village.daughter, "upheld"), objection(village.head2, "rejected")
    collective.cease_membership(
        member=village.daughter, ceased_on=date(2024, 3, 1), reason=Member.CeaseReason.MARRIED_OUT
    )
    collective.cease_membership(member=village.head2, ceased_on=date(2024, 3, 1), reason=Member.CeaseReason.MOVED_AWAY)
    with pytest.raises(ValidationError) as error:
        services.restore_membership(member=village.head2, reason="异议", objection=rejected, by=village_official_a)
    assert error.value.messages == ["That objection was not upheld about 王建军."]
    with pytest.raises(ValidationError):
        services.restore_membership(member=village.head2, reason="异议", objection=upheld, by=village_official_a)
    restoration = services.restore_membership(
        member=village.daughter, reason="异议成立", objection=upheld, by=village_official_a
    )
    assert restoration.objection == upheld and restoration.cease_reason == Member.CeaseReason.MARRIED_OUT
