"""The named rules a round's criteria are made of, and how they decide a person's proposed status.

Each rule reads facts the registry already holds (the relation to the head, a membership ended on
or before the base date with its reason, a land contract held by the household) or circumstances an
official records on the person's entry (a student, a soldier, 入赘, a married-out woman whose
registration stayed ...). The round lists the rules it adopted, each with the status it gives; the
first adopted rule that applies decides, and the entry keeps its code so the list can say why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from collective.models import Member
from membership.models import Entry, Status

NO_RULE = "no_rule"

BORN_IN_RELATIONS = {
    Member.Relation.HEAD,
    Member.Relation.CHILD,
    Member.Relation.GRANDCHILD,
    Member.Relation.SIBLING,
}
MARRIED_IN_RELATIONS = {Member.Relation.SPOUSE, Member.Relation.CHILD_IN_LAW}


@dataclass(frozen=True)
class Facts:
    """What the rules read about one person on the base date."""

    relation: str
    ceased_by: str  # the cease reason when the membership ended on or before the base date, else ""
    circumstances: frozenset[str]
    household_holds_land: bool


@dataclass(frozen=True)
class Rule:
    code: str
    label: Promise
    default_outcome: str
    applies: Callable[[Facts], bool]


def _has(circumstance: str) -> Callable[[Facts], bool]:
    return lambda facts: circumstance in facts.circumstances


_C = Entry.Circumstance
_R = Member.CeaseReason

RULE_LIST = [
    Rule("deceased", _("Deceased (死亡)"), Status.NOT_MEMBER, lambda f: f.ceased_by == _R.DEATH),
    Rule(
        "civil_servant",
        _("Civil servant on the state payroll (国家公职人员)"),
        Status.NOT_MEMBER,
        _has(_C.CIVIL_SERVANT),
    ),
    Rule("soldier", _("Serving soldier (现役军人)"), Status.MEMBER, _has(_C.SOLDIER)),
    Rule("student", _("Student whose registration moved for school (在校学生)"), Status.MEMBER, _has(_C.STUDENT)),
    Rule(
        "married_out_stayed",
        _("Married-out woman whose registration stayed (外嫁女)"),
        Status.MEMBER,
        _has(_C.MARRIED_OUT_STAYED),
    ),
    Rule(
        "married_out",
        _("Married out with registration moved (外嫁)"),
        Status.NOT_MEMBER,
        lambda f: f.ceased_by == _R.MARRIED_OUT or _C.MARRIED_OUT in f.circumstances,
    ),
    Rule("uxorilocal", _("Married in as a son-in-law (入赘)"), Status.MEMBER, _has(_C.UXORILOCAL)),
    Rule(
        "moved_away",
        _("Moved away (迁出)"),
        Status.NOT_MEMBER,
        lambda f: f.ceased_by == _R.MOVED_AWAY or _C.REGISTRATION_OUT in f.circumstances,
    ),
    Rule(
        "ceased_other", _("Membership ended for another reason"), Status.NOT_MEMBER, lambda f: f.ceased_by == _R.OTHER
    ),
    Rule("born_in", _("Born into the collective (原始取得)"), Status.MEMBER, lambda f: f.relation in BORN_IN_RELATIONS),
    Rule("married_in", _("Married in (婚姻迁入)"), Status.MEMBER, lambda f: f.relation in MARRIED_IN_RELATIONS),
    Rule(
        "land_contracted",
        _("Household holds contracted land (承包土地)"),
        Status.MEMBER,
        lambda f: f.household_holds_land,
    ),
    Rule(
        "household_registration",
        _("Household registration in the village (户籍在本村)"),
        Status.MEMBER,
        lambda f: not f.ceased_by,
    ),
]
RULES = {rule.code: rule for rule in RULE_LIST}
NO_RULE_LABEL = _("No adopted criterion applies")


def decide(facts: Facts, criteria: Iterable[tuple[str, str]]) -> tuple[str, str]:
    """Return (status, rule code) from the first adopted rule that applies; no rule: not a member."""
    for code, outcome in criteria:
        if RULES[code].applies(facts):
            return outcome, code
    return Status.NOT_MEMBER, NO_RULE


def facts_for(
    *, member: Member, household_id: int, base_date: date, circumstances: Iterable[str], households_with_land: set[int]
) -> Facts:
    ceased = member.ceased_on is not None and member.ceased_on <= base_date
    return Facts(
        relation=member.relation,
        ceased_by=member.cease_reason if ceased else "",
        circumstances=frozenset(circumstances),
        household_holds_land=household_id in households_with_land,
    )
