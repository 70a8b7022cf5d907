"""Personal data at rest: encrypted, found through a keyed hash, shown masked."""

from datetime import date

import pytest
from cryptography.fernet import Fernet
from django.db import IntegrityError, connection

from collective import crypto, services
from collective.models import Household, Member
from tests.collective.factories import id_number_for

NUMBER = "530102198503070114"
ACCOUNT = "6217000012345678901"


def all_cells(table: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        return [str(cell) for row in cursor.fetchall() for cell in row]


def test_encrypt_and_decrypt_round_trip_without_the_plain_text_in_the_token():
    token = crypto.encrypt(NUMBER)
    assert NUMBER not in token
    assert crypto.decrypt(token) == NUMBER
    assert crypto.encrypt("") == "" and crypto.decrypt("") == ""


def test_an_old_key_still_decrypts_after_rotation(settings):
    old_key = settings.PII_ENCRYPTION_KEY
    token = crypto.encrypt(NUMBER)
    settings.PII_ENCRYPTION_KEY = f"{Fernet.generate_key().decode()},{old_key}"
    assert crypto.decrypt(token) == NUMBER
    assert crypto.decrypt(crypto.encrypt(NUMBER)) == NUMBER


def test_the_keyed_hash_depends_on_the_key(settings):
    first = crypto.keyed_hash(NUMBER)
    assert len(first) == 64 and NUMBER not in first
    settings.PII_HASH_KEY = "another-key"
    assert crypto.keyed_hash(NUMBER) != first


def test_mask_keeps_the_region_and_the_last_four():
    assert crypto.mask(NUMBER) == "530102********0114"
    assert crypto.mask(ACCOUNT, keep_start=4, keep_end=4) == "6217***********8901"
    assert crypto.mask("1234") == "****"
    assert crypto.mask("") == ""


def test_the_plain_numbers_are_absent_from_the_tables_and_their_history(household_a):
    services.update_household(
        household=household_a,
        village_group="一组",
        address="",
        established_on=None,
        head=None,
        bank_name="农村信用社",
        bank_account=ACCOUNT,
    )
    member = services.register_member(
        household=household_a,
        name="李国华",
        sex="male",
        birth_date=date(1985, 3, 7),
        id_number=NUMBER,
        relation=Member.Relation.HEAD,
    )
    for table in ("collective_member", "collective_historicalmember", "collective_household",
                  "collective_historicalhousehold"):  # fmt: skip
        cells = " ".join(all_cells(table))
        assert NUMBER not in cells, table
        assert ACCOUNT not in cells, table
    assert "530102********0114" in " ".join(all_cells("collective_member"))
    member.refresh_from_db()
    assert member.id_number == NUMBER
    assert Household.objects.get(pk=household_a.pk).bank_account == ACCOUNT
    assert Household.objects.get(pk=household_a.pk).masked_bank_account == "6217***********8901"


def test_members_are_found_by_the_keyed_hash(household_a):
    member = Member.objects.create(household=household_a, name="张三", id_number=NUMBER, birth_date=date(1985, 3, 7))
    assert member.association_id == household_a.association_id
    assert list(Member.objects.with_id_number(NUMBER)) == [member]
    assert member.id_number_last4 == "0114"


def test_an_id_number_is_unique_per_association_in_the_database(household_a, household_b, association_a):
    Member.objects.create(household=household_a, name="张三", id_number=NUMBER)
    # The same person may be on another association's roster (they moved and kept their number) ...
    Member.objects.create(household=household_b, name="张三", id_number=NUMBER)
    other = Household.objects.create(association=association_a, code="A01-002")
    # ... but not twice on one association's.
    with pytest.raises(IntegrityError):
        Member.objects.create(household=other, name="张三", id_number=NUMBER)


def test_members_without_an_id_number_do_not_clash(household_a):
    Member.objects.create(household=household_a, name="甲")
    Member.objects.create(household=household_a, name="乙", id_number=id_number_for(date(2001, 1, 1)))
    Member.objects.create(household=household_a, name="丙")
    assert Member.objects.filter(household=household_a).count() == 3
