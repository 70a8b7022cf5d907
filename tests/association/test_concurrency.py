"""Two clerks booking fruit into the same cold store at the same moment cannot overfill it (PostgreSQL)."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections

from association import services
from association.models import ColdStore, Cultivar, Grade, StorageLot
from association.services import StorageError
from collective.models import Organisation

pytestmark = pytest.mark.postgres


@pytest.fixture
def committed_store(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) need PostgreSQL; SQLite locks the whole database")
    pear = Organisation.objects.create(code="PEAR", name="甘田优质梨协会", kind=Organisation.Kind.SOCIAL)
    store = ColdStore.objects.create(association=pear, code="CS1", name="甘田冷库", capacity_kg=500_000)
    grower = services.create_grower(
        association=pear, name="李国华", orchard_area_mu=Decimal("8"), joined_on=date(2004, 3, 1)
    )
    cultivar = Cultivar.objects.create(name="云南红梨")
    return store, grower, cultivar


def run_at_once(*bookings):
    """Run each booking in its own thread and database connection, released together; return outcomes."""
    barrier = threading.Barrier(len(bookings))
    outcomes: list = [None] * len(bookings)

    def clerk(index, booking):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = booking()
        except Exception as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clerk, args=(i, b)) for i, b in enumerate(bookings)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_concurrent_bookings_cannot_overfill_the_store(committed_store):
    store, grower, cultivar = committed_store

    def book(kg):
        return lambda: services.book_in(
            store=store,
            grower=grower,
            cultivar=cultivar,
            grade=Grade.STANDARD,
            quantity_kg=kg,
            stored_on=date(2024, 9, 1),
        )

    outcomes = run_at_once(book(300_000), book(300_000))
    lots = [o for o in outcomes if isinstance(o, StorageLot)]
    refusals = [o for o in outcomes if isinstance(o, StorageError)]
    assert len(lots) == 1, outcomes
    assert len(refusals) == 1, outcomes
    assert refusals[0].code == "capacity"
    store.refresh_from_db()
    assert store.stock_kg == 300_000
    assert StorageLot.objects.count() == 1


def test_two_concurrent_takings_cannot_empty_a_lot_below_zero(committed_store):
    store, grower, cultivar = committed_store
    lot = services.book_in(
        store=store,
        grower=grower,
        cultivar=cultivar,
        grade=Grade.STANDARD,
        quantity_kg=1_000,
        stored_on=date(2024, 9, 1),
    )

    def take():
        return services.book_out(lot=lot, quantity_kg=700, moved_on=date(2024, 10, 1))

    outcomes = run_at_once(take, take)
    assert sum(isinstance(o, StorageError) for o in outcomes) == 1, outcomes
    lot.refresh_from_db()
    store.refresh_from_db()
    assert (lot.remaining_kg, store.stock_kg) == (300, 300)
