"""Households and members: codes, ID numbers, registering, moving and ceasing, and revealing what is masked."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from collective.models import (
    Household,
    Member,
    MemberMove,
    Organisation,
    PiiReveal,
    ShareEventLine,
    User,
)
from collective.resident_id import validate_id_number
from collective.services.events import _check_effective_date, _check_household_exists_on, _move


def next_household_code(*, association: Organisation) -> str:
    """Return the next free code of the form <association code>-NNN."""
    prefix = f"{association.code}-"
    numbers = [
        int(code[len(prefix) :])
        for code in Household.objects.filter(code__startswith=prefix).values_list("code", flat=True)
        if code[len(prefix) :].isdigit()
    ]
    return f"{prefix}{(max(numbers, default=0) + 1):03d}"


@sensitive_variables("id_number")
def id_number_in_use(*, association: Organisation, id_number: str, exclude_member_id: int | None = None) -> bool:
    """Whether another member of the association has this resident ID number."""
    members = Member.objects.filter(association=association).with_id_number(id_number)
    if exclude_member_id is not None:
        members = members.exclude(pk=exclude_member_id)
    return members.exists()


@sensitive_variables("id_number")
def member_elsewhere(*, association: Organisation, id_number: str) -> Member | None:
    """The member in membership of another association with this ID number, if any.

    A person is a member of only one collective economic organisation: a second association takes
    them only through transfer_membership, which ends the first membership.
    """
    return (
        Member.objects.with_id_number(id_number)
        .filter(ceased_on__isnull=True)
        .exclude(association=association)
        .select_related("association")
        .first()
    )


def member_elsewhere_message(other: Member) -> str:
    return _(
        "The person with ID number %(masked)s is already a member of %(association)s: a person may be a member "
        "of only one collective economic organisation. If they have moved here, an official records a transfer "
        "of membership, which ends the membership there."
    ) % {"masked": other.masked_id_number, "association": other.association.name}


@sensitive_variables("id_number")
def _check_id_number(*, association: Organisation, id_number: str, birth_date: date | None, member_id: int | None):
    validate_id_number(id_number, birth_date=birth_date)
    if id_number_in_use(association=association, id_number=id_number, exclude_member_id=member_id):
        raise ValidationError(_("Another member of this association has this ID number."), code="id_number_in_use")
    other = member_elsewhere(association=association, id_number=id_number)
    if other is not None:
        raise ValidationError(member_elsewhere_message(other), code="member_elsewhere")


@sensitive_variables("bank_account")
@transaction.atomic
def create_household(
    *,
    association: Organisation,
    code: str,
    village_group: str = "",
    address: str = "",
    established_on: date | None = None,
    bank_name: str = "",
    bank_account: str = "",
    certificate_number: str = "",
) -> Household:
    """Create a household of an association."""
    code = code.strip()
    if Household.objects.filter(code=code).exists():
        raise ValidationError(
            _("The household code %(code)s is already in use."), code="code_in_use", params={"code": code}
        )
    household = Household(
        association=association,
        code=code,
        village_group=village_group,
        address=address,
        established_on=established_on,
        bank_name=bank_name,
        certificate_number=certificate_number,
    )
    household.bank_account = bank_account
    household.save()
    return household


@sensitive_variables("bank_account")
@transaction.atomic
def update_household(
    *,
    household: Household,
    village_group: str,
    address: str,
    established_on: date | None,
    head: Member | None,
    bank_name: str,
    bank_account: str | None = None,
    certificate_number: str = "",
) -> Household:
    """Change a household's particulars; bank_account None keeps the stored number."""
    if head is not None and (head.household_id != household.pk or head.ceased_on is not None):
        raise ValidationError(_("The head must be a member of this household in membership."), code="head_not_member")
    if established_on is not None:
        earlier = (
            ShareEventLine.objects.filter(household=household, event__effective_date__lt=established_on)
            .order_by("event__effective_date")
            .values_list("event__effective_date", flat=True)
            .first()
        )
        if earlier is not None:
            raise ValidationError(
                _("The household has a share event on %(date)s, before this establishment date."),
                code="events_before",
                params={"date": earlier.isoformat()},
            )
    household.village_group = village_group
    household.address = address
    household.established_on = established_on
    household.head = head
    household.bank_name = bank_name
    household.certificate_number = certificate_number
    if bank_account is not None:
        household.bank_account = bank_account
    household.save()
    return household


@sensitive_variables("id_number")
@transaction.atomic
def register_member(
    *,
    household: Household,
    name: str,
    sex: str,
    birth_date: date,
    id_number: str,
    relation: str,
    phone: str = "",
    joined_on: date | None = None,
) -> Member:
    """Add a member to a household; the first head of household becomes the household's head."""
    _check_id_number(association=household.association, id_number=id_number, birth_date=birth_date, member_id=None)
    member = Member(
        household=household,
        association_id=household.association_id,
        name=name.strip(),
        sex=sex,
        birth_date=birth_date,
        phone=phone,
        relation=relation,
        joined_on=joined_on,
    )
    member.id_number = id_number
    member.save()
    if relation == Member.Relation.HEAD and household.head_id is None:
        household.head = member
        household.save(update_fields=["head"])
    return member


@sensitive_variables("id_number")
@transaction.atomic
def update_member(
    *,
    member: Member,
    name: str,
    sex: str,
    birth_date: date,
    relation: str,
    phone: str = "",
    joined_on: date | None = None,
    id_number: str | None = None,
) -> Member:
    """Change a member's particulars; id_number None keeps the stored number (checked against the birth date)."""
    if id_number is not None:
        _check_id_number(
            association=member.household.association, id_number=id_number, birth_date=birth_date, member_id=member.pk
        )
        member.id_number = id_number
    elif member.id_number_encrypted:
        validate_id_number(member.id_number, birth_date=birth_date)
    member.name = name.strip()
    member.sex = sex
    member.birth_date = birth_date
    member.relation = relation
    member.phone = phone
    member.joined_on = joined_on
    member.save()
    return member


@transaction.atomic
def transfer_membership(
    *,
    member: Member,
    to_household: Household,
    transferred_on: date,
    relation: str,
    recorded_by: User | None = None,
    note: str = "",
) -> Member:
    """Move a person's membership to another association: end it in the old one, start it in the new one.

    The only way one ID number becomes a member of a second association. Both changes are in the
    members' history (who, when, before and after); the note names the other side of the transfer.
    """
    member = Member.objects.select_for_update().select_related("association").get(pk=member.pk)
    if to_household.association_id == member.association_id:
        raise ValidationError(
            _("The household is in the same association: move the member between households instead."),
            code="same_association",
        )
    _check_household_exists_on(to_household, transferred_on)
    id_number = member.id_number
    if id_number_in_use(association=to_household.association, id_number=id_number):
        raise ValidationError(_("Another member of this association has this ID number."), code="id_number_in_use")
    cease_membership(
        member=member,
        ceased_on=transferred_on,
        reason=Member.CeaseReason.MOVED_AWAY,
        note=_("Membership transferred to %(association)s, household %(household)s. %(note)s")
        % {"association": to_household.association.name, "household": to_household.code, "note": note},
    )
    new = Member(
        household=to_household,
        association_id=to_household.association_id,
        name=member.name,
        sex=member.sex,
        birth_date=member.birth_date,
        phone=member.phone,
        relation=relation,
        joined_on=transferred_on,
    )
    new.id_number = id_number
    new._change_reason = _("Membership transferred from %(association)s by %(user)s.") % {
        "association": member.association.name,
        "user": recorded_by.username if recorded_by else "-",
    }
    new.save()
    return new


@transaction.atomic
def cease_membership(*, member: Member, ceased_on: date, reason: str, note: str = "") -> Member:
    """Record that a member's membership ended (death, moving away, marrying out, ...) on a date."""
    _check_effective_date(ceased_on)
    if member.ceased_on is not None:
        raise ValidationError(
            _("The membership of %(name)s already ended on %(date)s."),
            code="already_ceased",
            params={"name": member.name, "date": member.ceased_on.isoformat()},
        )
    if reason not in Member.CeaseReason.values:
        raise ValidationError(_("Choose why the membership ended."), code="no_reason")
    for start in (member.joined_on, member.birth_date):
        if start is not None and ceased_on < start:
            raise ValidationError(
                _("The membership cannot end (%(date)s) before it began (%(start)s)."),
                code="before_start",
                params={"date": ceased_on.isoformat(), "start": start.isoformat()},
            )
    member.ceased_on = ceased_on
    member.cease_reason = reason
    member.cease_note = note
    member.save(update_fields=["ceased_on", "cease_reason", "cease_note"])
    return member


@transaction.atomic
def move_member(
    *,
    member: Member,
    to_household: Household,
    moved_on: date,
    relation: str,
    note: str = "",
    recorded_by: User | None = None,
) -> MemberMove:
    """Move a member to another household of the same association on a date."""
    _check_effective_date(moved_on)
    if to_household.pk == member.household_id:
        raise ValidationError(_("The member is in this household already."), code="same_household")
    if to_household.association_id != member.association_id:
        raise ValidationError(
            _(
                "Household %(household)s belongs to another association. A member who leaves the association "
                "ceases membership here and joins the other association there."
            ),
            code="foreign_household",
            params={"household": to_household.code},
        )
    if member.ceased_on is not None:
        raise ValidationError(
            _("%(name)s is no longer in membership and cannot move."), code="ceased", params={"name": member.name}
        )
    _check_household_exists_on(to_household, moved_on)
    last_move = member.moves.order_by("-moved_on").first()
    for start in (member.joined_on, last_move.moved_on if last_move else None):
        if start is not None and moved_on < start:
            raise ValidationError(
                _("The move (%(date)s) cannot be before %(start)s, when the member came to the current household."),
                code="before_start",
                params={"date": moved_on.isoformat(), "start": start.isoformat()},
            )
    old_household = member.household
    move = _move(member=member, to_household=to_household, moved_on=moved_on, note=note, recorded_by=recorded_by)
    member.relation = relation
    member.save(update_fields=["household", "relation"])
    if old_household.head_id == member.pk:
        old_household.head = None
        old_household.save(update_fields=["head"])
    return move


@dataclass(frozen=True)
class HouseholdOnDay:
    """The household a member belonged to on a day, and when (if ever) the member left it afterwards."""

    household_id: int
    left_on: date | None = None
    left_for_id: int | None = None


def households_on(*, member_days: Iterable[tuple[int, date]]) -> dict[tuple[int, date], HouseholdOnDay]:
    """Return {(member id, day): the member's household on that day}, from the members' recorded moves.

    A move (move_member, a split or a merge) on day d puts the member in the new household from d
    on, so on a day before the member's first move after it the member was in that move's
    from_household; with no later move, in the member's household today. Two queries in all.
    """
    pairs = set(member_days)
    member_ids = {member_id for member_id, _day in pairs}
    if not member_ids:
        return {}
    current = dict(Member.objects.filter(pk__in=member_ids).values_list("pk", "household_id"))
    moves: dict[int, list[tuple[date, int, int]]] = defaultdict(list)
    for member_id, moved_on, from_id, to_id in (
        MemberMove.objects.filter(member_id__in=member_ids, moved_on__gt=min(day for _member, day in pairs))
        .order_by("moved_on", "pk")
        .values_list("member_id", "moved_on", "from_household_id", "to_household_id")
    ):
        moves[member_id].append((moved_on, from_id, to_id))
    result = {}
    for member_id, day in pairs:
        later = next((move for move in moves.get(member_id, ()) if move[0] > day), None)
        if later is None:
            result[member_id, day] = HouseholdOnDay(household_id=current[member_id])
        else:
            result[member_id, day] = HouseholdOnDay(household_id=later[1], left_on=later[0], left_for_id=later[2])
    return result


def reveal_id_number(*, member: Member, user: User) -> str:
    """Return a member's plain ID number for an official, recording who looked and when."""
    PiiReveal.objects.create(user=user, household=member.household, member=member, field=PiiReveal.Field.ID_NUMBER)
    return member.id_number


def reveal_bank_account(*, household: Household, user: User) -> str:
    """Return a household's plain bank account number for an official, recording who looked and when."""
    PiiReveal.objects.create(user=user, household=household, field=PiiReveal.Field.BANK_ACCOUNT)
    return household.bank_account
