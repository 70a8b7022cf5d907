"""A save that changes nothing records no history; a save that changes something, or says why, does."""

import pytest
from django.db import IntegrityError, transaction

from collective.models import Household, Organisation


def test_saving_an_unchanged_organisation_records_no_history(association_a):
    assert association_a.history.count() == 1  # created
    association_a.save()
    Organisation.objects.get(pk=association_a.pk).save()
    assert association_a.history.count() == 1


def test_a_change_is_recorded_once_and_saving_it_again_records_nothing(association_a):
    association_a.name = "新名称股份经济合作社"
    association_a.save()
    association_a.save()
    assert list(association_a.history.values_list("name", "history_type")) == [
        ("新名称股份经济合作社", "~"),
        (Organisation.objects.get(pk=association_a.pk).history.last().name, "+"),
    ]


def test_a_save_with_a_reason_is_recorded_though_nothing_changed(household_a):
    household_a._change_reason = "核对户籍"
    household_a.save()
    assert household_a.history.first().history_change_reason == "核对户籍"
    assert household_a.history.count() == 2


def test_an_unchanged_save_that_failed_does_not_silence_the_next_change(household_a, association_a):
    other = Household.objects.create(association=association_a, code="A01-777")
    household_a.code = other.code  # a duplicate code: the save fails after the check
    with pytest.raises(IntegrityError), transaction.atomic():
        household_a.save()
    household_a.refresh_from_db()
    household_a.save()  # unchanged: nothing
    household_a.village_group = "一组"
    household_a.save()
    assert household_a.history.count() == 2
    assert household_a.history.first().village_group == "一组"


def test_save_without_historical_record_still_works(association_a):
    association_a.name = "静默修改"
    association_a.save_without_historical_record()
    assert association_a.history.count() == 1
    association_a.name = "再次修改"
    association_a.save()
    assert association_a.history.count() == 2
