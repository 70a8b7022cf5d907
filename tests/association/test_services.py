from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from association import services
from association.models import (
    Attendance,
    ColdStore,
    Grade,
    Harvest,
    ProcessingBatch,
    Product,
    ProductSale,
    StorageLot,
    StorageMovement,
    TrainingSession,
)
from association.services import StorageError


def book(store, grower, cultivar, kg, day, grade=Grade.STANDARD):
    return services.book_in(store=store, grower=grower, cultivar=cultivar, grade=grade, quantity_kg=kg, stored_on=day)


# Growers and trainings ----------------------------------------------------------------------------


def test_grower_codes_follow_the_village(grower_a, grower_b, pear_association):
    assert (grower_a.code, grower_b.code) == ("A01-G001", "A01-G002")
    loner = services.create_grower(
        association=pear_association, name="张三", orchard_area_mu=Decimal("1"), joined_on=date(2020, 1, 1)
    )
    assert loner.code == "PEAR-G001"
    assert list(grower_a.cultivars.values_list("name", flat=True)) == ["云南红梨"]


def test_a_collective_member_is_registered_as_a_grower_only_once(pear_association, household_a):
    from collective.models import Member

    member = Member.objects.create(household=household_a, name="李国华")
    services.create_grower(
        association=pear_association,
        name="李国华",
        orchard_area_mu=Decimal("2"),
        joined_on=date(2020, 1, 1),
        member=member,
    )
    with pytest.raises(ValidationError, match="already registered"):
        services.create_grower(
            association=pear_association,
            name="李国华",
            orchard_area_mu=Decimal("2"),
            joined_on=date(2020, 1, 1),
            member=member,
        )


def test_attendance_is_exactly_the_growers_ticked(session, grower_a, grower_b):
    assert services.record_attendance(session=session, growers=[grower_a, grower_b]) == 2
    assert set(session.attendees.all()) == {grower_a, grower_b}
    # Taking attendance again with one fewer grower removes the other; nothing is duplicated.
    assert services.record_attendance(session=session, growers=[grower_b]) == 1
    assert list(session.attendees.all()) == [grower_b]
    assert Attendance.objects.count() == 1


def test_a_grower_of_another_association_cannot_attend(session, other_grower):
    with pytest.raises(ValidationError, match="not a grower of this association"):
        services.record_attendance(session=session, growers=[other_grower])
    assert not Attendance.objects.exists()


def test_training_counts_per_year_and_topic(pear_association, grower_a, grower_b):
    topic = TrainingSession.Topic
    plan = [
        (date(2005, 3, 1), topic.POLLINATION, [grower_a]),
        (date(2005, 12, 1), topic.PRUNING, [grower_a]),
        (date(2024, 1, 10), topic.PRUNING, [grower_a, grower_b]),
        (date(2024, 6, 1), topic.PESTS, []),
        (date(2024, 7, 1), topic.PRUNING, [grower_b]),
    ]
    for held_on, session_topic, present in plan:
        session = services.create_training_session(
            association=pear_association, held_on=held_on, topic=session_topic, trainer="专家", place="甘田"
        )
        services.record_attendance(session=session, growers=present)
    sessions = TrainingSession.objects.filter(association=pear_association)
    assert sessions.counts_by_year() == [
        {"year": 2005, "sessions": 2, "attendances": 2},
        {"year": 2024, "sessions": 3, "attendances": 3},
    ]
    assert [(row["topic"], row["sessions"]) for row in sessions.counts_by_topic()] == [
        ("pruning", 3),
        ("pests", 1),
        ("pollination", 1),
    ]
    assert sessions.counts_by_year_and_topic() == {
        2005: {"pollination": 1, "pruning": 1},
        2024: {"pests": 1, "pruning": 2},
    }
    # Each grower's training history.
    assert grower_a.attendances.count() == 3
    assert sorted(a.session.held_on.year for a in grower_b.attendances.all()) == [2024, 2024]
    assert [s.code for s in sessions.order_by("held_on")] == [
        "T2005-001",
        "T2005-002",
        "T2024-001",
        "T2024-002",
        "T2024-003",
    ]


# Harvests -----------------------------------------------------------------------------------------


def test_harvest_totals_by_year(grower_a, grower_b, red_pear, baozhu):
    services.record_harvest(
        grower=grower_a, season=2004, cultivar=baozhu, premium_kg=4_500, standard_kg=15_000, substandard_kg=10_500
    )
    services.record_harvest(
        grower=grower_a,
        season=2024,
        cultivar=red_pear,
        premium_kg=1_000_000,
        standard_kg=900_000,
        substandard_kg=300_000,
    )
    services.record_harvest(
        grower=grower_b, season=2024, cultivar=baozhu, premium_kg=500_000, standard_kg=500_000, substandard_kg=200_000
    )
    totals = Harvest.objects.totals_by_year()
    assert [(row["season"], row["total_kg"], row["growers"]) for row in totals] == [
        (2004, 30_000, 1),
        (2024, 3_400_000, 2),
    ]
    assert totals[1]["premium_kg"] == 1_500_000
    assert totals[1]["substandard_kg"] == 500_000
    assert Harvest.objects.totals_by_season_and_cultivar() == {
        2004: {"宝珠梨": 30_000},
        2024: {"云南红梨": 2_200_000, "宝珠梨": 1_200_000},
    }


def test_recording_a_harvest_again_corrects_it(grower_a, red_pear):
    services.record_harvest(
        grower=grower_a, season=2024, cultivar=red_pear, premium_kg=1, standard_kg=2, substandard_kg=3
    )
    services.record_harvest(
        grower=grower_a, season=2024, cultivar=red_pear, premium_kg=10, standard_kg=0, substandard_kg=0
    )
    assert Harvest.objects.get().total_kg == 10


def test_an_empty_or_negative_harvest_is_refused(grower_a, red_pear):
    with pytest.raises(ValidationError, match="at least one grade"):
        services.record_harvest(
            grower=grower_a, season=2024, cultivar=red_pear, premium_kg=0, standard_kg=0, substandard_kg=0
        )
    with pytest.raises(ValidationError, match="negative"):
        services.record_harvest(
            grower=grower_a, season=2024, cultivar=red_pear, premium_kg=-1, standard_kg=5, substandard_kg=0
        )
    assert not Harvest.objects.exists()


# Cold storage -------------------------------------------------------------------------------------


def test_booking_in_and_out_keeps_lot_and_store_stock(store, grower_a, red_pear):
    lot = book(store, grower_a, red_pear, 12_000, date(2024, 9, 1))
    assert lot.code == "CS1-2024-0001"
    services.book_out(lot=lot, quantity_kg=5_000, moved_on=date(2024, 10, 1), buyer="昆明客商")
    lot.refresh_from_db()
    store.refresh_from_db()
    assert (lot.remaining_kg, store.stock_kg) == (7_000, 7_000)
    assert StorageMovement.objects.get().kind == StorageMovement.Kind.SALE


def test_the_store_cannot_be_filled_above_capacity(store, grower_a, red_pear):
    book(store, grower_a, red_pear, 300_000, date(2024, 9, 1))
    book(store, grower_a, red_pear, 200_000, date(2024, 9, 2))  # exactly full is allowed
    with pytest.raises(StorageError) as refused:
        book(store, grower_a, red_pear, 1, date(2024, 9, 3))
    assert refused.value.code == "capacity"
    assert "500,000" in refused.value.messages[0]
    store.refresh_from_db()
    assert store.stock_kg == 500_000
    assert StorageLot.objects.count() == 2


def test_a_back_dated_lot_cannot_overfill_the_store_on_a_later_day(store, grower_a, red_pear):
    """Fruit booked with a past date would have been in store on every later day too."""
    first = book(store, grower_a, red_pear, 300_000, date(2024, 9, 10))
    book(store, grower_a, red_pear, 150_000, date(2024, 9, 20))
    services.book_out(lot=first, quantity_kg=300_000, moved_on=date(2024, 11, 1))
    # Today the store holds 150 t, but on 20 September it held 450 t: 100 t more dated 1 September do not fit.
    with pytest.raises(StorageError, match="2024-09-20"):
        book(store, grower_a, red_pear, 100_000, date(2024, 9, 1))
    # Booked after the first lot left, it fits.
    book(store, grower_a, red_pear, 100_000, date(2024, 11, 2))
    store.refresh_from_db()
    assert store.stock_kg == 250_000


def test_a_lot_cannot_go_negative(store, grower_a, red_pear):
    lot = book(store, grower_a, red_pear, 1_000, date(2024, 9, 1))
    services.book_out(lot=lot, quantity_kg=600, moved_on=date(2024, 9, 5))
    with pytest.raises(StorageError) as refused:
        services.book_out(lot=lot, quantity_kg=401, moved_on=date(2024, 9, 6))
    assert refused.value.code == "remaining"
    assert "400" in refused.value.messages[0]
    lot.refresh_from_db()
    assert lot.remaining_kg == 400
    assert ColdStore.objects.get().stock_kg == 400


def test_fruit_cannot_leave_before_it_came_in(store, grower_a, red_pear):
    lot = book(store, grower_a, red_pear, 1_000, date(2024, 9, 1))
    with pytest.raises(StorageError, match="2024-09-01"):
        services.book_out(lot=lot, quantity_kg=1, moved_on=date(2024, 8, 31))


def test_zero_or_negative_bookings_are_refused(store, grower_a, red_pear):
    with pytest.raises(StorageError):
        book(store, grower_a, red_pear, 0, date(2024, 9, 1))
    lot = book(store, grower_a, red_pear, 10, date(2024, 9, 1))
    with pytest.raises(StorageError):
        services.book_out(lot=lot, quantity_kg=-5, moved_on=date(2024, 9, 2))
    assert ColdStore.objects.get().stock_kg == 10


def test_a_grower_of_another_association_cannot_use_the_store(store, other_grower, red_pear):
    with pytest.raises(StorageError, match="not a grower of this association"):
        book(store, other_grower, red_pear, 10, date(2024, 9, 1))


def test_stock_by_day(store, grower_a, red_pear):
    lot = book(store, grower_a, red_pear, 1_000, date(2024, 9, 1))
    book(store, grower_a, red_pear, 500, date(2024, 9, 1))
    services.book_out(lot=lot, quantity_kg=300, moved_on=date(2024, 9, 3))
    assert services.stock_by_day(store=store) == [(date(2024, 9, 1), 1_500), (date(2024, 9, 3), 1_200)]


# Storage fees -------------------------------------------------------------------------------------


def test_storage_fee_counts_each_part_until_it_left(store, grower_a, red_pear):
    # 150 fen per tonne per day. 12,345 kg in on 1 September; 5,000 kg out on 1 October (30 days);
    # 7,345 kg still in on 31 December (121 days): 150 + 888.745 = 1038.745 t·d x 150 = 155,811.75 fen.
    lot = book(store, grower_a, red_pear, 12_345, date(2024, 9, 1))
    services.book_out(lot=lot, quantity_kg=5_000, moved_on=date(2024, 10, 1))
    assert services.storage_kg_days(lot=lot, as_of=date(2024, 12, 31)) == 1_038_745
    assert services.storage_fee_fen(lot=lot, as_of=date(2024, 12, 31)) == 155_812
    # Before the sale, all of it was still in: 12,345 kg x 10 days x 150 / 1000 = 18,517.5 → 18,518.
    assert services.storage_fee_fen(lot=lot, as_of=date(2024, 9, 11)) == 18_518
    assert services.storage_fee_fen(lot=lot, as_of=date(2024, 8, 1)) == 0


def test_storage_fee_rounds_half_up_once_per_lot(store, grower_a, red_pear):
    store.fee_fen_per_tonne_day = 500
    store.save()
    lot = book(store, grower_a, red_pear, 1, date(2024, 9, 1))
    # 1 kg for one day at 500 fen per tonne: 0.5 fen rounds up to 1.
    assert services.storage_fee_fen(lot=lot, as_of=date(2024, 9, 2)) == 1
    # Three parts of 0.5 fen each would round to 3 fen one by one; once per lot it is 1.5 → 2.
    lot = book(store, grower_a, red_pear, 3, date(2024, 9, 1))
    for _ in range(3):
        services.book_out(lot=lot, quantity_kg=1, moved_on=date(2024, 9, 2))
    assert services.storage_fee_fen(lot=lot, as_of=date(2024, 12, 31)) == 2


def test_a_lot_keeps_the_fee_rate_it_was_booked_at(store, grower_a, red_pear):
    lot = book(store, grower_a, red_pear, 1_000, date(2024, 9, 1))
    store.fee_fen_per_tonne_day = 1_000
    store.save()
    lot.refresh_from_db()
    assert services.storage_fee_fen(lot=lot, as_of=date(2024, 9, 11)) == 1_500  # 10 t·d x 150


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kg=st.integers(min_value=1, max_value=500_000),
    out=st.lists(
        st.tuples(st.integers(min_value=1, max_value=50_000), st.integers(min_value=0, max_value=200)), max_size=4
    ),
    rate=st.integers(min_value=0, max_value=10_000),
    days=st.integers(min_value=0, max_value=400),
)
def test_storage_fee_is_exact_in_integers(db, pear_association, kg, out, rate, days):
    from association.models import Cultivar

    store = ColdStore.objects.create(
        association=pear_association,
        code=f"H{ColdStore.objects.count()}",
        name="h",
        capacity_kg=10**9,
        fee_fen_per_tonne_day=rate,
    )
    grower = services.create_grower(
        association=pear_association, name="h", orchard_area_mu=Decimal(1), joined_on=date(2020, 1, 1)
    )
    cultivar, _ = Cultivar.objects.get_or_create(name="h")
    start = date(2024, 1, 1)
    lot = book(store, grower, cultivar, kg, start)
    kg_days, left = 0, kg
    for quantity, after in out:
        quantity = min(quantity, left)
        if quantity == 0:
            break
        moved_on = date.fromordinal(start.toordinal() + after)
        services.book_out(lot=lot, quantity_kg=quantity, moved_on=moved_on)
        if after <= days:
            kg_days += quantity * max(after, 1)
            left -= quantity
        else:
            left -= quantity
            # Not yet out on the day of the bill: it counts as still in.
            kg_days += quantity * max(days, 1)
    as_of = date.fromordinal(start.toordinal() + days)
    kg_days += left * max(days, 1)
    # Round half up of kg_days x rate / 1000, in integers only.
    assert services.storage_fee_fen(lot=lot, as_of=as_of) == (2 * kg_days * rate + 1000) // 2000


# Processing and sales -----------------------------------------------------------------------------


def test_a_vinegar_batch_takes_substandard_fruit_out_of_storage(pear_association, store, substandard_lot):
    batch = services.record_processing_batch(
        association=pear_association,
        product=Product.VINEGAR,
        processed_on=date(2024, 12, 5),
        output_litres=Decimal("4320.0"),
        draws=[(substandard_lot, 6_000)],
    )
    assert batch.code == "B2024-01"
    assert batch.input_kg == 6_000
    assert batch.yield_litres_per_kg == Decimal("0.720")
    substandard_lot.refresh_from_db()
    store.refresh_from_db()
    assert (substandard_lot.remaining_kg, store.stock_kg) == (4_000, 4_000)
    draw = StorageMovement.objects.get()
    assert (draw.kind, draw.batch, draw.quantity_kg) == (StorageMovement.Kind.PROCESSING, batch, 6_000)


def test_a_batch_from_several_lots_adds_up_its_fruit(pear_association, store, grower_a, red_pear, substandard_lot):
    second = book(store, grower_a, red_pear, 2_001, date(2024, 9, 5), grade=Grade.SUBSTANDARD)
    batch = services.record_processing_batch(
        association=pear_association,
        product=Product.WINE,
        processed_on=date(2024, 12, 15),
        output_litres=Decimal("1000.5"),
        draws=[(substandard_lot, 1_000), (second, 2_001)],
    )
    assert batch.input_kg == 3_001
    assert batch.yield_litres_per_kg == Decimal("0.333")  # 1000.5 / 3001 = 0.33339 → 0.333
    assert ColdStore.objects.get().stock_kg == 10_000 - 1_000


def test_only_substandard_fruit_goes_to_processing(pear_association, store, grower_a, red_pear):
    premium = book(store, grower_a, red_pear, 1_000, date(2024, 9, 1), grade=Grade.PREMIUM)
    with pytest.raises(ValidationError, match="only substandard fruit"):
        services.record_processing_batch(
            association=pear_association,
            product=Product.VINEGAR,
            processed_on=date(2024, 12, 5),
            output_litres=Decimal("100"),
            draws=[(premium, 500)],
        )
    assert not ProcessingBatch.objects.exists()
    assert ColdStore.objects.get().stock_kg == 1_000


def test_a_batch_cannot_take_more_than_the_lot_holds_and_writes_nothing(pear_association, store, substandard_lot):
    with pytest.raises(StorageError):
        services.record_processing_batch(
            association=pear_association,
            product=Product.VINEGAR,
            processed_on=date(2024, 12, 5),
            output_litres=Decimal("100"),
            draws=[(substandard_lot, 10_001)],
        )
    assert not ProcessingBatch.objects.exists()
    assert ColdStore.objects.get().stock_kg == 10_000


def test_another_associations_lot_cannot_be_processed(other_association, substandard_lot):
    with pytest.raises(ValidationError, match="another association"):
        services.record_processing_batch(
            association=other_association,
            product=Product.VINEGAR,
            processed_on=date(2024, 12, 5),
            output_litres=Decimal("100"),
            draws=[(substandard_lot, 100)],
        )


def test_product_sales_are_revenue_records_of_the_processing_business(pear_association, substandard_lot):
    batch = services.record_processing_batch(
        association=pear_association,
        product=Product.VINEGAR,
        processed_on=date(2024, 12, 5),
        output_litres=Decimal("720.0"),
        draws=[(substandard_lot, 1_000)],
    )
    first = services.record_product_sale(
        batch=batch, sold_on=date(2025, 1, 10), litres=Decimal("200.0"), amount_fen=300_000, buyer="昆明连锁超市"
    )
    services.record_product_sale(
        batch=batch, sold_on=date(2024, 12, 20), litres=Decimal("20.5"), amount_fen=30_750, buyer="县城酒店"
    )
    assert (first.code, first.product, first.association) == ("S2025-001", Product.VINEGAR, pear_association)
    assert first.source_reference == "association.ProductSale:S2025-001"
    assert ProductSale.objects.in_year(2025).total_fen() == 300_000
    assert ProductSale.objects.in_year(2024).total_fen() == 30_750
    assert services.litres_unsold(batch=batch) == Decimal("499.5")
    with pytest.raises(ValidationError, match=r"499\.5"):
        services.record_product_sale(
            batch=batch, sold_on=date(2025, 2, 1), litres=Decimal("499.6"), amount_fen=1, buyer="x"
        )
    with pytest.raises(ValidationError, match="2024-12-05"):
        services.record_product_sale(
            batch=batch, sold_on=date(2024, 12, 1), litres=Decimal("1"), amount_fen=1, buyer="x"
        )
    assert ProductSale.objects.count() == 2


def test_a_product_sale_reaches_the_income_statement_as_processing_revenue(
    pear_association, substandard_lot, association_staff
):
    from dividends.models import LedgerEntry
    from dividends.services import income_statement

    batch = services.record_processing_batch(
        association=pear_association,
        product=Product.WINE,
        processed_on=date(2024, 10, 5),
        output_litres=Decimal("300.0"),
        draws=[(substandard_lot, 1_000)],
    )
    sale = services.record_product_sale(
        batch=batch,
        sold_on=date(2024, 11, 2),
        litres=Decimal("120.0"),
        amount_fen=456_789,
        buyer="县城酒店",
        recorded_by=association_staff,
    )
    entry = LedgerEntry.objects.get(source_reference=sale.source_reference)
    assert (entry.organisation, entry.direction, entry.category) == (
        pear_association,
        LedgerEntry.Direction.REVENUE,
        LedgerEntry.Category.PROCESSING,
    )
    assert (entry.amount_fen, entry.entry_date, entry.counterparty, entry.recorded_by) == (
        456_789,
        date(2024, 11, 2),
        "县城酒店",
        association_staff,
    )
    statement = income_statement(organisation=pear_association, year=2024)
    processing = next(line for line in statement.revenue if line.key == LedgerEntry.Category.PROCESSING)
    assert (processing.amount_fen, processing.previous_fen) == (456_789, 0)
    assert statement.revenue_total.amount_fen == 456_789


def test_attendance_changes_are_audited(session, grower_a, grower_b):
    services.record_attendance(session=session, growers=[grower_a, grower_b])
    services.record_attendance(session=session, growers=[grower_b])
    history = Attendance.history.order_by("history_id").values_list("grower_id", "history_type")
    assert list(history) == [(grower_a.pk, "+"), (grower_b.pk, "+"), (grower_a.pk, "-")]
