"""The registry part of the demo: nine plausible synthetic populations, quantified, with later events."""

import time
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from collective import demo, services
from collective.models import Household, Member, Organisation, ShareEvent, ShareType
from collective.resident_id import validate_id_number


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        started = time.monotonic()
        demo.load()
        elapsed = time.monotonic() - started
        yield elapsed
        # Module-scoped data lives outside the tests' transactions: take it away again.
        from django.core.management import call_command

        call_command("flush", verbosity=0, interactive=False)


@pytest.mark.django_db
def test_each_association_has_100_to_250_households_with_members_and_holdings(loaded):
    associations = list(Organisation.objects.collectives())
    assert len(associations) == 9
    registries = services.registries_as_of(associations=associations, as_of=date(2024, 12, 31))
    for association in associations:
        households = Household.objects.filter(association=association)
        # The demo's one split adds a household to the 100-250 generated.
        assert 100 <= households.count() <= 251, association.code
        assert households.filter(head__isnull=True, dissolved_on__isnull=True).count() == 0
        assert Member.objects.filter(association=association).count() >= households.count()
        types = {t.code: t for t in ShareType.objects.filter(association=association)}
        assert (types["population"].weight, types["labour"].weight, types["collective"].weight) == (
            Decimal(1), Decimal("0.1"), Decimal(1),
        )  # fmt: skip
        assert types["collective"].is_collective
        holdings = registries[association.pk]
        assert any(h.household_id is None and h.share_type_code == "collective" for h in holdings)
        assert len({h.household_id for h in holdings}) > 100


@pytest.mark.django_db
def test_every_member_has_a_valid_id_number_matching_the_birth_date(loaded):
    for member in Member.objects.all():
        check = validate_id_number(member.id_number, birth_date=member.birth_date)
        assert check.sex == member.sex
        assert member.id_number.startswith(("5301", "5302", "5303"))
    per_association = Counter(Member.objects.values_list("association_id", "id_number_hash"))
    assert max(per_association.values()) == 1


@pytest.mark.django_db
def test_the_quantification_and_the_later_events_are_there(loaded):
    for association in Organisation.objects.collectives():
        events = ShareEvent.objects.filter(association=association)
        quantification = events.get(base_date__isnull=False)
        assert quantification.effective_date == date(2021, 1, 1)
        assert set(events.values_list("kind", flat=True)) == {"issue", "transfer", "inheritance", "split"}
        assert Household.objects.filter(association=association, dissolved_on__isnull=False).count() == 1


@pytest.mark.django_db
def test_the_farmers_household_keeps_its_code_and_gets_a_family(loaded):
    household = Household.objects.get(code=demo.FARMER_HOUSEHOLD_CODE)
    assert household.head.phone == demo.FARMER_PHONE
    assert household.users.get().username == demo.FARMER_PHONE
    assert services.household_holdings(household=household, as_of=date(2024, 1, 1))


@pytest.mark.django_db
def test_loading_again_changes_nothing_and_the_first_load_is_fast(loaded):
    counts = (Household.objects.count(), Member.objects.count(), ShareEvent.objects.count())
    demo.load()
    assert (Household.objects.count(), Member.objects.count(), ShareEvent.objects.count()) == counts
    assert loaded < 30, f"the collective demo took {loaded:.1f} s"
