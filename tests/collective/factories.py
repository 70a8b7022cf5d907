"""Factories of the registry: households, members with valid ID numbers, share types."""

import itertools
from datetime import date
from decimal import Decimal

import factory

from collective.models import Household, Member, ShareType
from collective.resident_id import make_id_number

_sequences = itertools.count()


def id_number_for(born: date, *, male: bool = True, region: str = "530102") -> str:
    """Return a fresh valid ID number for a birth date (each call takes the next sequence, so none repeat)."""
    return make_id_number(region, born, (next(_sequences) % 500) * 2 + (1 if male else 0))


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    code = factory.Sequence(lambda n: f"F-{n:04d}")
    village_group = "一组"
    established_on = date(2000, 1, 1)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    household = factory.SubFactory(HouseholdFactory)
    association = factory.SelfAttribute("household.association")
    name = factory.Sequence(lambda n: f"成员{n}")
    sex = Member.Sex.MALE
    birth_date = date(1980, 5, 17)
    relation = Member.Relation.HEAD
    id_number = factory.LazyAttribute(lambda member: id_number_for(member.birth_date, male=member.sex == "male"))


class ShareTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShareType
        django_get_or_create = ("association", "code")

    code = "population"
    name = "人口股"
    weight = Decimal(1)
