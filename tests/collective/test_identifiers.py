# ruff: noqa: RUF001, RUF002 - Chinese messages, and the full-width characters people type
"""Resident ID and bank account numbers are normalised on the way in, wherever they come from."""

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.urls import reverse

from collective import services
from collective.crypto import encrypt, keyed_hash, mask
from collective.identifiers import normalise_identifier
from collective.models import Household, Member
from collective.resident_id import make_id_number
from tests.collective.factories import id_number_for
from tests.collective.test_imports import do_import, roster_rows

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def full_width(text: str) -> str:
    return text.translate(FULL_WIDTH)


def test_the_normaliser_folds_full_width_spaces_and_a_lower_case_x():
    assert normalise_identifier(" ５３０１ 0219 8503 0701 1x ").value == "53010219850307011X"
    assert normalise_identifier("6217 0000 1234").value == "621700001234"
    assert normalise_identifier("621700001234").changes == []


def test_a_full_width_id_number_is_the_same_person_not_a_second_one(client, village_official_a, association_a):
    """Today's main stored ５３０１… as typed: a second member with the same ID number."""
    household = Household.objects.create(association=association_a, code="A01-001")
    number = id_number_for(date(2001, 2, 3))
    client.force_login(village_official_a)
    url = reverse("collective:member-create", args=[household.pk])
    data = {"name": "新成员", "sex": "male", "birth_date": "2001-02-03", "relation": "child"}
    response = client.post(url, {**data, "id_number": full_width(number[:9]) + " " + number[9:]}, follow=True)
    assert f"身份证号已规范化（全角字符改为半角、删除空格）：{mask(number, keep_start=4, keep_end=4)}。" in (
        response.content.decode()
    )
    member = Member.objects.with_id_number(number).get()
    assert (member.id_number, member.id_number_hash) == (number, keyed_hash(number))
    response = client.post(url, {**data, "name": "又一个", "id_number": number})
    assert "本合作社已有其他成员使用此身份证号。" in response.content.decode()
    assert Member.objects.count() == 1


def test_a_lower_case_x_is_written_as_x_by_the_service(association_a):
    household = Household.objects.create(association=association_a, code="A01-001")
    numbers = (make_id_number("530102", date(1990, 1, 1), sequence) for sequence in range(1, 999, 2))
    number = next(number for number in numbers if number[-1] == "X")
    member = services.register_member(
        household=household, name="甲", sex="male", birth_date=date(1990, 1, 1), id_number=number.lower(),
        relation="head",
    )  # fmt: skip
    assert member.id_number == number
    assert Member.objects.with_id_number(number.lower()).get() == member


def test_a_full_width_bank_account_is_stored_as_the_bank_reads_it(client, village_official_a, association_a):
    client.force_login(village_official_a)
    response = client.post(
        reverse("collective:household-create"),
        {"code": "A01-009", "bank_name": "农村信用社", "bank_account": "６２１７ ０００ ０１２３４５６７８"},
        follow=True,
    )
    assert "银行账号已规范化（全角字符改为半角、删除空格）：6217********5678。" in response.content.decode()
    household = Household.objects.get(code="A01-009")
    assert household.bank_account == "6217000012345678"
    assert household.masked_bank_account == "6217********5678"


def test_the_roster_import_normalises_and_says_how_many(association_a, share_types):
    rows = roster_rows()
    id_column = rows[0].index("身份证号")
    bank_column = rows[0].index("银行账号")
    number = rows[1][id_column]
    rows[1][id_column] = full_width(number)
    rows[1][bank_column] = "6217 0000 1234 5678 901"
    result = do_import(association_a, rows)
    assert result.normalised == 2
    head = Member.objects.get(name="李国华")
    assert head.id_number == number
    assert head.household.bank_account == "6217000012345678901"


def test_the_migration_normalises_the_numbers_stored_as_typed(association_a):
    household = Household.objects.create(association=association_a, code="A01-001")
    number = id_number_for(date(1980, 5, 6))
    typed = full_width(number[:6]) + number[6:]
    member = Member.objects.create(household=household, association=association_a, name="甲")
    Member.objects.filter(pk=member.pk).update(
        id_number_encrypted=encrypt(typed), id_number_hash=keyed_hash(typed), masked_id_number=mask(typed)
    )
    Household.objects.filter(pk=household.pk).update(bank_account_encrypted=encrypt("６２１７ ００００ １２３４"))
    migration = importlib.import_module("collective.migrations.0007_normalise_identifiers")
    migration.normalise_rows(apps, None)
    member.refresh_from_db()
    household.refresh_from_db()
    assert (member.id_number, member.id_number_hash, member.id_number_last4) == (
        number,
        keyed_hash(number),
        number[-4:],
    )
    assert member.masked_id_number == mask(number)
    assert Member.objects.with_id_number(number).get() == member
    assert household.bank_account == "621700001234"
    assert household.masked_bank_account == "6217****1234"


def test_one_person_is_a_member_of_one_association_unless_an_official_transfers_them(
    client, village_official_b, association_a, association_b, share_types
):
    """Today's main took the same resident ID in a second association without a word."""
    from django.core.exceptions import ValidationError
    from django.utils import translation

    number = id_number_for(date(1975, 8, 9))
    there = Household.objects.create(association=association_a, code="A01-001")
    here = Household.objects.create(association=association_b, code="A02-001")
    first = services.register_member(
        household=there, name="甲", sex="male", birth_date=date(1975, 8, 9), id_number=number, relation="head"
    )
    expected = (
        f"身份证号为 {mask(number)} 的人已是{association_a.name}的成员：一个人只能是一个集体经济组织的成员。"
        "如果此人已迁入本社，请由干部办理成员资格转移，同时终止其在原组织的成员资格。"
    )
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        services.register_member(
            household=here, name="甲", sex="male", birth_date=date(1975, 8, 9), id_number=number, relation="head"
        )
    assert refused.value.messages == [expected]
    client.force_login(village_official_b)
    response = client.post(
        reverse("collective:member-create", args=[here.pk]),
        {"name": "甲", "sex": "male", "birth_date": "1975-08-09", "relation": "head", "id_number": number},
    )
    assert expected in response.content.decode()
    assert not Member.objects.filter(association=association_b).exists()

    moved = services.transfer_membership(
        member=first, to_household=here, transferred_on=date(2024, 3, 1), relation="head"
    )
    first.refresh_from_db()
    assert (first.ceased_on, first.cease_reason) == (date(2024, 3, 1), "moved_away")
    assert association_b.name in first.cease_note
    assert (moved.association, moved.joined_on, moved.id_number) == (association_b, date(2024, 3, 1), number)
    assert moved.history.get().history_change_reason == f"成员资格由-从{association_a.name}转入。"
    assert first.history.count() == 2  # created, then ceased: both audited
