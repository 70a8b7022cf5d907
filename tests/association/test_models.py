from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from association.models import (
    Certification,
    ColdStore,
    Grade,
    Grower,
    Harvest,
    ProcessingBatch,
    Product,
    StorageLot,
    StorageMovement,
    TrainingSession,
)


def test_the_database_refuses_a_store_above_capacity(store):
    with pytest.raises(IntegrityError), transaction.atomic():
        ColdStore.objects.filter(pk=store.pk).update(stock_kg=F("capacity_kg") + 1)
    store.refresh_from_db()
    assert store.stock_kg == 0


def test_the_database_refuses_a_negative_store_stock(store):
    with pytest.raises(IntegrityError), transaction.atomic():
        ColdStore.objects.filter(pk=store.pk).update(stock_kg=-1)


def test_the_database_refuses_a_lot_below_zero_or_above_its_quantity(substandard_lot):
    with pytest.raises(IntegrityError), transaction.atomic():
        StorageLot.objects.filter(pk=substandard_lot.pk).update(remaining_kg=F("remaining_kg") - 10_001)
    with pytest.raises(IntegrityError), transaction.atomic():
        StorageLot.objects.filter(pk=substandard_lot.pk).update(remaining_kg=10_001)
    substandard_lot.refresh_from_db()
    assert substandard_lot.remaining_kg == 10_000


def test_the_database_requires_a_batch_for_processing_and_none_for_a_sale(substandard_lot, pear_association):
    with pytest.raises(IntegrityError), transaction.atomic():
        StorageMovement.objects.create(
            lot=substandard_lot, kind=StorageMovement.Kind.PROCESSING, quantity_kg=1, moved_on=date(2024, 10, 1)
        )
    batch = ProcessingBatch.objects.create(
        association=pear_association,
        code="B1",
        product=Product.VINEGAR,
        processed_on=date(2024, 12, 1),
        input_kg=1,
        output_litres=Decimal("0.7"),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        StorageMovement.objects.create(
            lot=substandard_lot, kind=StorageMovement.Kind.SALE, quantity_kg=1, moved_on=date(2024, 10, 1), batch=batch
        )


def test_the_database_refuses_an_empty_or_duplicate_harvest(grower_a, red_pear):
    with pytest.raises(IntegrityError), transaction.atomic():
        Harvest.objects.create(grower=grower_a, season=2024, cultivar=red_pear)
    Harvest.objects.create(grower=grower_a, season=2024, cultivar=red_pear, premium_kg=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Harvest.objects.create(grower=grower_a, season=2024, cultivar=red_pear, standard_kg=1)


def test_a_grower_attends_a_session_once(session, grower_a):
    session.attendances.create(grower=grower_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        session.attendances.create(grower=grower_a)


def test_certification_status_and_expiring(pear_association):
    def certify(number, start, end, kind=Certification.Kind.POLLUTION_FREE):
        return Certification.objects.create(
            association=pear_association,
            kind=kind,
            certificate_number=number,
            scope="甘田梨鲜果",
            issuer="农业部农产品质量安全中心",
            valid_from=start,
            valid_to=end,
        )

    today = date(2024, 11, 1)
    expired = certify("A", date(2014, 1, 1), date(2017, 12, 31))
    expiring = certify("B", date(2022, 1, 1), date(2025, 1, 15), Certification.Kind.GREEN)
    valid = certify("C", date(2024, 1, 1), date(2027, 1, 1), Certification.Kind.ORGANIC)
    future = certify("D", date(2025, 1, 16), date(2028, 1, 15), Certification.Kind.GREEN)
    assert [c.status_on(today) for c in (expired, expiring, valid, future)] == [
        "expired",
        "expiring",
        "valid",
        "future",
    ]
    assert list(Certification.objects.expiring(today)) == [expiring]
    assert set(Certification.objects.valid_on(today)) == {expiring, valid}
    with pytest.raises(IntegrityError), transaction.atomic():
        certify("E", date(2024, 1, 2), date(2024, 1, 1))


def test_each_role_sees_only_its_associations_records(
    grower_a, other_grower, association_staff, other_staff, township_official, village_official_a, farmer_a, accountant
):
    assert list(Grower.objects.visible_to(association_staff)) == [grower_a]
    assert list(Grower.objects.visible_to(other_staff)) == [other_grower]
    assert set(Grower.objects.visible_to(township_official)) == {grower_a, other_grower}
    for outsider in (village_official_a, farmer_a, accountant):
        assert not Grower.objects.visible_to(outsider).exists()


def test_scoping_follows_relations(substandard_lot, session, grower_a, association_staff, other_staff, red_pear):
    session.attendances.create(grower=grower_a)
    Harvest.objects.create(grower=grower_a, season=2024, cultivar=red_pear, premium_kg=1)
    for model in (StorageLot, ColdStore, TrainingSession, Harvest):
        assert model.objects.visible_to(association_staff).count() == 1, model
        assert model.objects.visible_to(other_staff).count() == 0, model
    assert substandard_lot.grade == Grade.SUBSTANDARD


def test_store_fill_percent(store):
    store.stock_kg = 123_456
    assert store.fill_percent == Decimal("24.7")
    assert store.free_kg == 376_544
