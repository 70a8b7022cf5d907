"""Membership identification: start a round, propose from the registry, post three times, apply the final list.

Callers check permissions first (membership.rules); these functions check the round's own rules and
raise ValidationError with a message for people. Every date that decides when a posting opens or
may close is the server's (timezone.localdate()), never one typed by a user.

Layering: membership sits above collective (and land, whose contracts one rule reads); collective
never imports it. The registry is changed only through collective.services (cease_membership), and
a quantification from a round goes through collective.services' own preview and commit with the
round's final list as the members counted (QuantificationRule.members); the refusal of a round that
is not final lives here, where rounds are known.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collective import services as collective
from collective.hooks import check_quantification
from collective.models import Member, MemberMove, Organisation, ShareEvent, User
from land.models import Parcel
from membership.criteria import NO_RULE, RULE_LIST, RULES, decide, facts_for
from membership.models import (
    MIN_PERIOD_DAYS,
    POSTINGS,
    Criterion,
    Entry,
    Objection,
    Posting,
    Restoration,
    Round,
    Status,
)

CEASE_REASON_BY_RULE = {
    "deceased": Member.CeaseReason.DEATH,
    "married_out": Member.CeaseReason.MARRIED_OUT,
    "moved_away": Member.CeaseReason.MOVED_AWAY,
}


def default_criteria() -> list[tuple[str, str]]:
    """Every named rule with its usual outcome, in the order they are tried."""
    return [(rule.code, rule.default_outcome) for rule in RULE_LIST]


def _today() -> date:
    return timezone.localdate()


def _locked(round_: Round) -> Round:
    return Round.objects.select_for_update().get(pk=round_.pk)


# --- Starting a round and proposing statuses -------------------------------------------------------


@transaction.atomic
def start_round(
    *,
    association: Organisation,
    title: str,
    base_date: date,
    criteria: Sequence[tuple[str, str]],
    started_by: User,
    resolution: File | None = None,
    resolution_adopted_on: date | None = None,
    is_synthetic: bool = False,
) -> Round:
    """Start a round on a base date with the criteria the assembly adopted, and propose every status."""
    Organisation.objects.select_for_update().filter(pk=association.pk).first()
    if base_date > _today():
        raise ValidationError(_("The base date cannot be in the future."), code="future_base_date")
    if Round.objects.filter(association=association).exclude(stage=Round.Stage.COMPLETED).exists():
        raise ValidationError(
            _("This association has a round in progress: complete it before starting another."), code="round_open"
        )
    latest = Round.objects.filter(association=association).order_by("-base_date").first()
    if latest is not None and base_date <= latest.base_date:
        raise ValidationError(
            _("The base date must come after the last round's (%(date)s)."),
            code="base_date_not_later",
            params={"date": latest.base_date.isoformat()},
        )
    _check_criteria(criteria)
    round_ = Round(
        association=association,
        title=title.strip(),
        base_date=base_date,
        created_by=started_by,
        resolution_adopted_on=resolution_adopted_on,
        is_synthetic=is_synthetic,
    )
    if resolution is not None:
        round_.resolution.save(resolution.name, resolution, save=False)
    round_.save()
    Criterion.objects.bulk_create(
        Criterion(round=round_, rule=code, outcome=outcome, position=position)
        for position, (code, outcome) in enumerate(criteria, start=1)
    )
    propose(round_=round_)
    return round_


def _check_criteria(criteria: Sequence[tuple[str, str]]) -> None:
    if not criteria:
        raise ValidationError(_("Adopt at least one criterion."), code="no_criteria")
    codes = [code for code, _outcome in criteria]
    if len(set(codes)) != len(codes) or any(code not in RULES for code in codes):
        raise ValidationError(_("Each criterion must be one of the named rules, once."), code="bad_criteria")
    if any(outcome not in Status.values for _code, outcome in criteria):
        raise ValidationError(_("Each criterion gives either member or not a member."), code="bad_outcome")


def _check_editable(round_: Round) -> None:
    if round_.is_completed:
        raise ValidationError(_("This round is completed: its final list cannot change."), code="completed")
    postings = list(round_.postings.all())
    if any(posting.is_open for posting in postings):
        raise ValidationError(
            _("A posting is open for objections: change the list after it closes, before the next posting."),
            code="posting_open",
        )
    if len(postings) >= POSTINGS:
        raise ValidationError(_("The final list has been posted: it cannot change any more."), code="final_posted")


def _people(round_: Round):
    """The people of the registry the round decides on: in the association on the base date.

    Born (and joined) by the base date, and not already decided out by an earlier completed round:
    someone whose membership ended before the previous round's base date is not listed again.
    """
    members = Member.objects.filter(association=round_.association).filter(
        Q(birth_date__isnull=True) | Q(birth_date__lte=round_.base_date),
        Q(joined_on__isnull=True) | Q(joined_on__lte=round_.base_date),
    )
    previous = (
        Round.objects.filter(
            association=round_.association, stage=Round.Stage.COMPLETED, base_date__lt=round_.base_date
        )
        .order_by("-base_date")
        .first()
    )
    if previous is not None:
        members = members.filter(Q(ceased_on__isnull=True) | Q(ceased_on__gt=previous.base_date))
    return members.order_by("pk")


@transaction.atomic
def propose(*, round_: Round) -> int:
    """(Re)compute every entry's proposed status and deciding rule from the registry; keep overrides.

    Returns the number of entries. People no longer in the registry's scope are dropped (unless an
    objection names them, in which case they stay with their last proposal).
    """
    round_ = _locked(round_)
    _check_editable(round_)
    criteria = list(round_.criteria.order_by("position").values_list("rule", "outcome"))
    base = round_.base_date
    household_on_base: dict[int, int] = {}
    for member_id, from_household_id in (
        MemberMove.objects.filter(member__association=round_.association, moved_on__gt=base)
        .order_by("-moved_on", "-pk")
        .values_list("member_id", "from_household_id")
    ):
        household_on_base[member_id] = from_household_id
    with_land = set(
        Parcel.objects.filter(association=round_.association, contract_household__isnull=False).values_list(
            "contract_household_id", flat=True
        )
    )
    existing = {entry.member_id: entry for entry in round_.entries.all()}
    new, changed, seen = [], [], set()
    for member in _people(round_).only("pk", "household_id", "relation", "ceased_on", "cease_reason"):
        seen.add(member.pk)
        household_id = household_on_base.get(member.pk, member.household_id)
        entry = existing.get(member.pk) or Entry(round=round_, member=member, household_id=household_id)
        facts = facts_for(
            member=member,
            household_id=household_id,
            base_date=base,
            circumstances=entry.circumstances,
            households_with_land=with_land,
        )
        status, rule = decide(facts, criteria)
        if entry.pk is None:
            entry.proposed_status, entry.proposed_rule = status, rule
            new.append(entry)
        elif (entry.proposed_status, entry.proposed_rule, entry.household_id) != (status, rule, household_id):
            entry.proposed_status, entry.proposed_rule, entry.household_id = status, rule, household_id
            changed.append(entry)
    Entry.objects.bulk_create(new, batch_size=500)
    Entry.history.bulk_history_create(new, default_change_reason="proposed from the registry")
    for entry in changed:
        entry.save(update_fields=["proposed_status", "proposed_rule", "household"])
    round_.entries.exclude(member_id__in=seen).filter(objections__isnull=True).delete()
    return round_.entries.count()


@transaction.atomic
def set_circumstances(*, entry: Entry, circumstances: Iterable[str]) -> Entry:
    """Record the circumstances an official knows of a person (student, soldier, 入赘 ...), and re-propose."""
    _check_editable(_locked(entry.round))
    circumstances = sorted(set(circumstances))
    if any(value not in Entry.Circumstance.values for value in circumstances):
        raise ValidationError(_("Unknown circumstance."), code="bad_circumstance")
    if circumstances != entry.circumstances:
        entry.circumstances = circumstances
        entry.save(update_fields=["circumstances"])
        propose(round_=entry.round)
        entry.refresh_from_db()
    return entry


@transaction.atomic
def override_entry(*, entry: Entry, status: str, reason: str, by: User) -> Entry:
    """Set a person's status against the proposal, with the reason; an empty status returns to the proposal."""
    _check_editable(_locked(entry.round))
    reason = reason.strip()
    if status and status not in Status.values:
        raise ValidationError(_("Choose member or not a member."), code="bad_status")
    if status and not reason:
        raise ValidationError(_("Give the reason for setting the status by hand."), code="no_reason")
    entry.override_status = status
    entry.override_reason = reason if status else ""
    entry.overridden_by = by if status else None
    entry.save(update_fields=["override_status", "override_reason", "overridden_by"])
    return entry


@transaction.atomic
def attach_resolution(*, round_: Round, resolution: File, adopted_on: date) -> Round:
    """Attach the members' assembly resolution that adopted the criteria (the scanned paper)."""
    round_ = _locked(round_)
    if round_.postings.exists():
        raise ValidationError(
            _("The resolution cannot be replaced once the list has been posted."), code="already_posted"
        )
    if adopted_on > _today() or adopted_on < round_.base_date.replace(year=round_.base_date.year - 5):
        raise ValidationError(_("Give the day the assembly adopted the resolution."), code="bad_adopted_on")
    round_.resolution.save(resolution.name, resolution, save=False)
    round_.resolution_adopted_on = adopted_on
    round_.save(update_fields=["resolution", "resolution_adopted_on"])
    return round_


# --- The three postings --------------------------------------------------------------------------


def _snapshot(round_: Round) -> list[dict]:
    entries = round_.entries.select_related("member", "household").order_by("household__code", "member_id")
    return [
        {
            "entry": entry.pk,
            "member": entry.member_id,
            "name": entry.member.name,
            "sex": entry.member.get_sex_display() and str(entry.member.get_sex_display()),
            "household": entry.household.code,
            "household_id": entry.household_id,
            "masked_id": entry.member.masked_id_number,
            "status": entry.status,
            "rule": entry.proposed_rule if not entry.override_status else "",
            "reason": entry.override_reason,
        }
        for entry in entries
    ]


@transaction.atomic
def publish_posting(*, round_: Round, period_days: int, by: User) -> Posting:
    """Post the list (refreshed from the registry) for at least period_days, from the server's today."""
    return _publish(round_=round_, period_days=period_days, by=by, today=_today())


def _publish(*, round_: Round, period_days: int, by: User, today: date) -> Posting:
    round_ = _locked(round_)
    if period_days < MIN_PERIOD_DAYS:
        raise ValidationError(
            _("A posting stays up at least %(days)d days."), code="short_period", params={"days": MIN_PERIOD_DAYS}
        )
    previous = round_.postings.order_by("-number").first()
    if previous is not None and previous.is_open:
        raise ValidationError(_("Close the current posting before publishing the next."), code="posting_open")
    if previous is not None and previous.objections.unanswered().exists():
        raise ValidationError(
            _("Answer every objection to posting %(number)d before publishing the next."),
            code="unanswered",
            params={"number": previous.number},
        )
    if not round_.resolution or round_.resolution_adopted_on is None:
        raise ValidationError(
            _("Attach the members' assembly resolution that adopted the criteria before posting the list."),
            code="no_resolution",
        )
    propose(round_=round_)
    number = previous.number + 1 if previous else 1
    posting = Posting.objects.create(
        round=round_,
        number=number,
        published_on=today,
        period_days=period_days,
        closes_on=Posting.closing_day(today, period_days),
        published_by=by,
        snapshot=_snapshot(round_),
    )
    if round_.stage == Round.Stage.DRAFT:
        round_.stage = Round.Stage.POSTING
        round_.save(update_fields=["stage"])
    return posting


@transaction.atomic
def close_posting(*, posting: Posting, by: User) -> Posting:
    """Close a posting once its period is over (by the server's date)."""
    return _close(posting=posting, by=by, today=_today())


def _close(*, posting: Posting, by: User, today: date) -> Posting:
    posting = Posting.objects.select_for_update().get(pk=posting.pk)
    if not posting.is_open:
        raise ValidationError(_("This posting is already closed."), code="closed")
    if today < posting.closes_on:
        raise ValidationError(
            _(
                "Posting %(number)d was published on %(published)s for %(days)d days: "
                "it can be closed on %(closes)s at the earliest."
            ),
            code="period_not_over",
            params={
                "number": posting.number,
                "published": posting.published_on.isoformat(),
                "days": posting.period_days,
                "closes": posting.closes_on.isoformat(),
            },
        )
    posting.closed_on = today
    posting.closed_by = by
    posting.save(update_fields=["closed_on", "closed_by"])
    return posting


def current_posting(round_: Round) -> Posting | None:
    return round_.postings.order_by("-number").first()


@transaction.atomic
def lodge_objection(
    *, posting: Posting, household, text: str, by: User, entry: Entry | None = None, on_paper: bool = False
) -> Objection:
    """An objection to a posted list, by a farmer for their household or by an official from paper."""
    posting = Posting.objects.select_for_update().get(pk=posting.pk)
    text = text.strip()
    if not text:
        raise ValidationError(_("Write what you object to."), code="empty")
    if not posting.is_open:
        raise ValidationError(_("This posting is closed: objections are no longer taken."), code="closed")
    if household.association_id != posting.round.association_id:
        raise ValidationError(_("The household is not of this association."), code="foreign_household")
    if entry is not None and entry.round_id != posting.round_id:
        raise ValidationError(_("That person is not on this list."), code="foreign_entry")
    if entry is not None and not on_paper and entry.household_id != household.pk:
        # In the portal a household objects about its own people; anyone else's case goes on paper.
        raise ValidationError(_("That person is not of your household."), code="foreign_person")
    return Objection.objects.create(
        posting=posting, household=household, entry=entry, text=text, lodged_by=by, on_paper=on_paper
    )


@transaction.atomic
def answer_objection(*, objection: Objection, answer: str, outcome: str, by: User) -> Objection:
    """Answer an objection (the answer is shown to the household); correct the list by an override if upheld."""
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    answer = answer.strip()
    if objection.is_answered:
        raise ValidationError(_("This objection has been answered already."), code="answered")
    if not answer:
        raise ValidationError(_("Write the answer."), code="empty")
    if outcome not in Objection.Outcome.values:
        raise ValidationError(_("Say whether the objection is upheld."), code="bad_outcome")
    objection.answer, objection.outcome = answer, outcome
    objection.answered_by, objection.answered_at = by, timezone.now()
    objection.save(update_fields=["answer", "outcome", "answered_by", "answered_at"])
    return objection


# --- Changes between postings ---------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    name: str
    household: str
    masked_id: str
    before: str  # a status, or "" when the person was not on the earlier list
    after: str  # a status, or "" when the person is not on the later list
    reason: str


def changes_between(*, earlier: Posting, later: Posting) -> list[Change]:
    """The people whose status differs between two postings (added, removed, or changed), side by side."""
    before = {row["member"]: row for row in earlier.snapshot}
    after = {row["member"]: row for row in later.snapshot}
    changes = []
    for member_id in sorted(before.keys() | after.keys(), key=lambda m: ((before.get(m) or after[m])["household"], m)):
        old, new = before.get(member_id), after.get(member_id)
        if old and new and old["status"] == new["status"]:
            continue
        row = new or old
        changes.append(
            Change(
                name=row["name"],
                household=row["household"],
                masked_id=row["masked_id"],
                before=old["status"] if old else "",
                after=new["status"] if new else "",
                reason=row_reason(row),
            )
        )
    return changes


def row_reason(row: dict) -> str:
    """Why a posted row has its status: the rule's name, or the official's reason."""
    if row.get("reason"):
        return row["reason"]
    rule = RULES.get(row.get("rule", ""))
    return str(rule.label) if rule else str(_("No adopted criterion applies")) if row.get("rule") == NO_RULE else ""


# --- The final list drives the registry ------------------------------------------------------------


def final_posting(round_: Round) -> Posting | None:
    return round_.postings.filter(number=POSTINGS, closed_on__isnull=False).first()


@transaction.atomic
def complete_round(*, round_: Round, by: User) -> Round:
    """Apply the final list to the registry: confirm its members, cease the others with the reason and date.

    Someone not a member on the final list whose membership has not ended yet is ceased on the base
    date, with the deciding rule's reason (death, married out, moved away, or other with the rule's
    name). Someone a member on the final list whose membership the registry ended by the base date
    cannot be confirmed by this function: the registry must be corrected first, and nothing is applied.
    """
    round_ = _locked(round_)
    if round_.is_completed:
        raise ValidationError(_("This round is completed already."), code="completed")
    final = final_posting(round_)
    if final is None:
        raise ValidationError(_("The round is completed after the third posting has closed."), code="not_final")
    if final.objections.unanswered().exists():
        raise ValidationError(_("Answer every objection to the final list first."), code="unanswered")
    members = Member.objects.in_bulk([row["member"] for row in final.snapshot])
    conflicts = [
        members[row["member"]].name
        for row in final.snapshot
        if row["status"] == Status.MEMBER
        and members[row["member"]].ceased_on is not None
        and members[row["member"]].ceased_on <= round_.base_date
    ]
    if conflicts:
        raise ValidationError(
            _(
                "The final list confirms %(names)s, whose membership the registry ended by the base date. "
                "Correct the registry first."
            ),
            code="registry_conflict",
            params={"names": "、".join(conflicts)},
        )
    for row in final.snapshot:
        member = members[row["member"]]
        if row["status"] == Status.NOT_MEMBER and member.ceased_on is None:
            reason = CEASE_REASON_BY_RULE.get(row["rule"], Member.CeaseReason.OTHER)
            note = _("Membership round %(title)s: %(why)s") % {"title": round_.title, "why": row_reason(row)}
            collective.cease_membership(member=member, ceased_on=round_.base_date, reason=reason, note=note[:200])
    round_.stage = Round.Stage.COMPLETED
    round_.completed_on = _today()
    round_.completed_by = by
    round_.save(update_fields=["stage", "completed_on", "completed_by"])
    return round_


def final_member_ids(round_: Round) -> frozenset[int]:
    """The members on a completed round's final list; refuses any other round."""
    final = final_posting(round_)
    completed = Round.objects.filter(pk=round_.pk, stage=Round.Stage.COMPLETED).exists()
    if not completed or final is None:
        raise ValidationError(
            _("A quantification may use only a final membership list: this round is not completed."),
            code="not_final",
        )
    return frozenset(row["member"] for row in final.snapshot if row["status"] == Status.MEMBER)


def registry_differences(round_: Round) -> list[str]:
    """Names of people whose registry membership on the base date differs from the round's final list."""
    listed = final_member_ids(round_)
    registry = set(
        Member.objects.filter(association=round_.association)
        .in_membership_on(round_.base_date)
        .values_list("pk", flat=True)
    )
    differing = listed ^ registry
    return list(Member.objects.filter(pk__in=differing).order_by("pk").values_list("name", flat=True))


# --- Restoring a ceased membership ------------------------------------------------------------------


@transaction.atomic
def restore_membership(*, member: Member, reason: str, by: User, objection: Objection | None = None) -> Restoration:
    """Annul the end of someone's membership: it ended by mistake, or an objection was upheld after the final list.

    The member is a member again as if the cessation had never been recorded (no new join date); the
    Restoration keeps the cessation that was annulled, the reason and who restored it, and Member's
    history records the change with the same reason. A death is not undone here, nor a membership in
    a household that was dissolved: those are corrections of the registry itself.
    """
    member = Member.objects.select_for_update().select_related("household").get(pk=member.pk)
    reason = reason.strip()
    if member.ceased_on is None:
        raise ValidationError(
            _("The membership of %(name)s has not ended: there is nothing to restore."),
            code="not_ceased",
            params={"name": member.name},
        )
    if member.cease_reason == Member.CeaseReason.DEATH:
        raise ValidationError(
            _("%(name)s is recorded as deceased (%(date)s): a membership that ended by death is not restored."),
            code="deceased",
            params={"name": member.name, "date": member.ceased_on.isoformat()},
        )
    if member.household.dissolved_on is not None:
        raise ValidationError(
            _(
                "Household %(household)s was dissolved on %(date)s: record %(name)s in a household that exists "
                "before restoring the membership."
            ),
            code="household_dissolved",
            params={
                "household": member.household.code,
                "date": member.household.dissolved_on.isoformat(),
                "name": member.name,
            },
        )
    if not reason:
        raise ValidationError(_("Give the reason for restoring the membership."), code="no_reason")
    if objection is not None and (
        objection.entry is None
        or objection.entry.member_id != member.pk
        or objection.outcome != Objection.Outcome.UPHELD
    ):
        raise ValidationError(
            _("That objection was not upheld about %(name)s."), code="foreign_objection", params={"name": member.name}
        )
    restoration = Restoration.objects.create(
        member=member,
        ceased_on=member.ceased_on,
        cease_reason=member.cease_reason,
        cease_note=member.cease_note,
        reason=reason,
        objection=objection,
        restored_by=by,
    )
    member.ceased_on, member.cease_reason, member.cease_note = None, "", ""
    member._change_reason = (_("Membership restored: %(reason)s") % {"reason": reason})[:100]
    member._history_user = by
    member.save(update_fields=["ceased_on", "cease_reason", "cease_note"])
    return restoration


def restorable_members(association: Organisation):
    """Members of an association whose membership ended for a reason other than death, in households that exist."""
    return (
        Member.objects.filter(association=association, ceased_on__isnull=False, household__dissolved_on__isnull=True)
        .exclude(cease_reason=Member.CeaseReason.DEATH)
        .select_related("household")
        .order_by("household__code", "pk")
    )


# --- Quantification from a final list -------------------------------------------------------------


def refuse_quantification_without_final_list(*, association: Organisation, rule: collective.QuantificationRule) -> None:
    """Refuse a quantification unless a completed round's final list covers the association on its base date.

    Registered in collective.hooks.quantification_checks (MembershipConfig.ready), so the registry's
    own quantify page obeys it as membership's pages do. The rule counts either exactly the final
    list's members (membership's pages pass them), or the registry in membership on the base date,
    which must then equal the final list.
    """
    round_ = (
        Round.objects.filter(association=association, base_date=rule.base_date, stage=Round.Stage.COMPLETED)
        .order_by("-pk")
        .first()
    )
    if round_ is None:
        raise ValidationError(
            _(
                "A quantification may use only a final membership list: %(association)s has no completed "
                "membership round on the base date %(date)s. Complete a round on that base date (three "
                "postings, then apply the final list), and quantify from its final list."
            ),
            code="no_final_list",
            params={"association": association.name, "date": rule.base_date.isoformat()},
        )
    listed = final_member_ids(round_)
    if rule.members is not None:
        if rule.members != listed:
            raise ValidationError(
                _("A quantification may use only a final membership list: these are not the members of %(title)s."),
                code="not_the_final_list",
                params={"title": round_.title},
            )
        return
    differing = registry_differences(round_)
    if differing:
        raise ValidationError(
            _(
                "A quantification may use only a final membership list: on %(date)s the registry differs from "
                "the final list of %(title)s for %(names)s. Quantify from the round's page, which counts the "
                "final list."
            ),
            code="registry_not_final_list",
            params={"date": rule.base_date.isoformat(), "title": round_.title, "names": "、".join(differing)},
        )


def quantification_rule(*, round_: Round, rule: collective.QuantificationRule) -> collective.QuantificationRule:
    """The rule on the round's base date, counting only the final list's members."""
    return replace(rule, base_date=round_.base_date, members=final_member_ids(round_))


def preview_quantification(*, round_: Round, rule: collective.QuantificationRule) -> collective.QuantificationPreview:
    rule = quantification_rule(round_=round_, rule=rule)
    check_quantification(association=round_.association, rule=rule)
    return collective.preview_quantification(association=round_.association, rule=rule)


def commit_quantification(
    *, round_: Round, rule: collective.QuantificationRule, expected_digest: str | None, by: User
) -> ShareEvent:
    rule = quantification_rule(round_=round_, rule=rule)
    check_quantification(association=round_.association, rule=rule)
    return collective.commit_quantification(
        association=round_.association,
        rule=rule,
        expected_digest=expected_digest,
        recorded_by=by,
        note=_("Quantification from the final list of %(title)s") % {"title": round_.title},
    )


# --- Certificates ----------------------------------------------------------------------------------


def certificate_number(*, round_: Round, member_id: int) -> str:
    return f"{round_.association.code}-CY{round_.base_date:%Y%m%d}-{member_id:06d}"


def render_certificates_pdf(
    *, round_: Round, member_ids: Iterable[int] | None = None, base_url: str | None = None
) -> bytes:
    """Membership certificates (成员身份证明), one page each, for confirmed members of a completed round."""
    from weasyprint import HTML

    confirmed = final_member_ids(round_)
    wanted = confirmed if member_ids is None else confirmed & set(member_ids)
    entries = (
        round_.entries.filter(member_id__in=wanted)
        .select_related("member", "household")
        .order_by("household__code", "member_id")
    )
    with translation.override("zh-hans"):
        html = render_to_string(
            "membership/certificate_pdf.html",
            {
                "round": round_,
                "certificates": [
                    (entry, certificate_number(round_=round_, member_id=entry.member_id)) for entry in entries
                ],
            },
        )
    return HTML(string=html, base_url=base_url).write_pdf()
