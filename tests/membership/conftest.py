"""A small registry for membership rounds: two households of A01 with the cases the criteria name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.utils import translation

from collective import services as collective
from collective.models import Household, Member
from membership import services
from membership.models import Round
from tests.collective.factories import MemberFactory, id_number_for

BASE_DATE = date(2025, 4, 30)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def english(settings):
    """Assert the messages as written in the code; test_translations.py checks the Chinese is complete."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@dataclass
class Village:
    head: Member
    spouse: Member
    student: Member
    grandfather: Member
    head2: Member
    daughter: Member
    newborn: Member
    household2: Household


def member(household, name, born, relation, sex=Member.Sex.MALE) -> Member:
    return MemberFactory(
        household=household,
        name=name,
        birth_date=born,
        relation=relation,
        sex=sex,
        id_number=id_number_for(born, male=sex == Member.Sex.MALE),
    )


@pytest.fixture
def village(household_a, association_a) -> Village:
    """household_a (A01-001, the farmer's): head, spouse, a student grandson, a grandfather who died in 2020.

    A01-002: head, a daughter who married out in 2024, a child born after the base date.
    """
    household_a.established_on = date(1990, 1, 1)
    household_a.save()
    head = member(household_a, "张国华", date(1960, 3, 1), Member.Relation.HEAD)
    household_a.head = head
    household_a.save(update_fields=["head"])
    spouse = member(household_a, "李秀英", date(1962, 7, 9), Member.Relation.SPOUSE, Member.Sex.FEMALE)
    student = member(household_a, "张明", date(2005, 9, 1), Member.Relation.GRANDCHILD)
    grandfather = member(household_a, "张老汉", date(1935, 1, 5), Member.Relation.PARENT)
    collective.cease_membership(member=grandfather, ceased_on=date(2020, 2, 2), reason=Member.CeaseReason.DEATH)
    household2 = Household.objects.create(association=association_a, code="A01-002", established_on=date(1995, 1, 1))
    head2 = member(household2, "王建军", date(1970, 1, 1), Member.Relation.HEAD)
    household2.head = head2
    household2.save(update_fields=["head"])
    daughter = member(household2, "王芳", date(1995, 5, 5), Member.Relation.CHILD, Member.Sex.FEMALE)
    newborn = member(household2, "王小宝", date(2025, 6, 1), Member.Relation.GRANDCHILD)
    return Village(head, spouse, student, grandfather, head2, daughter, newborn, household2)


def resolution() -> ContentFile:
    return ContentFile(b"%PDF-1.4 resolution", name="resolution.pdf")


@pytest.fixture
def start(village, village_official_a, association_a):
    def start(**kwargs) -> Round:
        fields = {
            "association": association_a,
            "title": "2025年成员身份确认",
            "base_date": BASE_DATE,
            "criteria": services.default_criteria(),
            "started_by": village_official_a,
            "resolution": resolution(),
            "resolution_adopted_on": date(2025, 4, 20),
        }
        return services.start_round(**(fields | kwargs))

    return start


@pytest.fixture
def round_(start) -> Round:
    return start()


def run_postings(round_: Round, official, *, first: date = date(2025, 5, 6), before_each=None) -> None:
    """Publish and close the three postings on past server days (the services' internal day argument)."""
    day = first
    for number in (1, 2, 3):
        if before_each:
            before_each(number)
        posting = services._publish(round_=round_, period_days=7, by=official, today=day)
        day = posting.closes_on
        services._close(posting=posting, by=official, today=day)
        day = date.fromordinal(day.toordinal() + 1)


@pytest.fixture
def completed(round_, village_official_a) -> Round:
    run_postings(round_, village_official_a)
    return services.complete_round(round_=round_, by=village_official_a)
