"""What the pear association does: register growers, take attendance, record harvests, store and process fruit.

Every change to a cold store's stock goes through `book_in` or `_take_out`, which lock the store row
(select_for_update) before reading its stock, so two clerks booking at once are serialised; the
database's check constraints are the last line of defence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from association.models import (
    Attendance,
    ColdStore,
    Cultivar,
    Grade,
    Grower,
    Harvest,
    ProcessingBatch,
    Product,
    ProductSale,
    StorageLot,
    StorageMovement,
    TrainingSession,
)
from collective.models import Member, Organisation, User
from collective.money import round_half_up
from dividends.models import LedgerEntry
from dividends.services import post_entry

KG_PER_TONNE = 1000


class StorageError(ValidationError):
    """A booking the cold store refuses: it would overfill the store or empty a lot below zero."""


def _number(value: int) -> str:
    return f"{value:,}"


def next_code(queryset, prefix: str, width: int = 3) -> str:
    """Return prefix + the next free number (zero-padded) among the codes of queryset that start with prefix."""
    last = 0
    for code in queryset.filter(code__startswith=prefix).values_list("code", flat=True):
        suffix = code[len(prefix) :]
        if suffix.isdigit():
            last = max(last, int(suffix))
    return f"{prefix}{last + 1:0{width}d}"


# Growers ------------------------------------------------------------------------------------------


@transaction.atomic
def create_grower(
    *,
    association: Organisation,
    name: str,
    orchard_area_mu: Decimal,
    joined_on: date,
    village: Organisation | None = None,
    member: Member | None = None,
    cultivars: Iterable[Cultivar] = (),
    phone: str = "",
) -> Grower:
    """Register a grower with the association; the code is derived from the village."""
    if member is not None and Grower.objects.filter(association=association, member=member).exists():
        raise ValidationError(_("%(member)s is already registered as a grower.") % {"member": member.name})
    prefix = f"{village.code if village else association.code}-G"
    grower = Grower.objects.create(
        association=association,
        code=next_code(Grower.objects.all(), prefix),
        name=name,
        member=member,
        village=village,
        orchard_area_mu=orchard_area_mu,
        joined_on=joined_on,
        phone=phone,
    )
    grower.cultivars.set(cultivars)
    return grower


# Trainings ----------------------------------------------------------------------------------------


def create_training_session(
    *,
    association: Organisation,
    held_on: date,
    topic: str,
    trainer: str,
    place: str,
    title: str = "",
) -> TrainingSession:
    """Schedule or record a training session; its code is T<year>-<number>."""
    with transaction.atomic():
        return TrainingSession.objects.create(
            association=association,
            code=next_code(TrainingSession.objects.all(), f"T{held_on.year}-"),
            held_on=held_on,
            topic=topic,
            trainer=trainer,
            place=place,
            title=title,
        )


@transaction.atomic
def record_attendance(*, session: TrainingSession, growers: Iterable[Grower]) -> int:
    """Make the growers present at the session exactly these; return how many attended."""
    wanted = {grower.pk: grower for grower in growers}
    strangers = [g for g in wanted.values() if g.association_id != session.association_id]
    if strangers:
        raise ValidationError(
            _("%(grower)s is not a grower of this association.") % {"grower": strangers[0]},
        )
    present = set(session.attendances.values_list("grower_id", flat=True))
    session.attendances.filter(grower_id__in=present - wanted.keys()).delete()
    bulk_create_with_history(
        [Attendance(session=session, grower_id=grower_id) for grower_id in sorted(wanted.keys() - present)], Attendance
    )
    return len(wanted)


@transaction.atomic
def add_attendance(*, session: TrainingSession, growers: Iterable[Grower]) -> int:
    """Mark more growers present at a session (keeping those already marked); return how many were new."""
    growers = list(growers)
    if any(g.association_id != session.association_id for g in growers):
        raise ValidationError(_("A grower of another association cannot attend this session."))
    present = set(session.attendances.values_list("grower_id", flat=True))
    new = [Attendance(session=session, grower=g) for g in growers if g.pk not in present]
    bulk_create_with_history(new, Attendance)
    return len(new)


# Harvests -----------------------------------------------------------------------------------------


def record_harvest(
    *,
    grower: Grower,
    season: int,
    cultivar: Cultivar,
    premium_kg: int,
    standard_kg: int,
    substandard_kg: int,
) -> Harvest:
    """Record (or correct) a grower's harvest of one cultivar in one season, in whole kg by grade."""
    quantities = {"premium_kg": premium_kg, "standard_kg": standard_kg, "substandard_kg": substandard_kg}
    if any(kg < 0 for kg in quantities.values()):
        raise ValidationError(_("A quantity cannot be negative."))
    if not any(quantities.values()):
        raise ValidationError(_("Enter the kilograms of at least one grade."))
    harvest, _created = Harvest.objects.update_or_create(
        grower=grower, season=season, cultivar=cultivar, defaults=quantities
    )
    return harvest


# Cold storage -------------------------------------------------------------------------------------


def _lock_store(store: ColdStore) -> ColdStore:
    return ColdStore.objects.select_for_update().get(pk=store.pk)


def stock_by_day(*, store: ColdStore) -> list[tuple[date, int]]:
    """Return the store's stock at the end of each day on which fruit moved, in date order."""
    deltas: dict[date, int] = {}
    for day, kg in StorageLot.objects.filter(store=store).values_list("stored_on").annotate(kg=Sum("quantity_kg")):
        deltas[day] = deltas.get(day, 0) + kg
    movements = StorageMovement.objects.filter(lot__store=store).values_list("moved_on").annotate(kg=Sum("quantity_kg"))
    for day, kg in movements:
        deltas[day] = deltas.get(day, 0) - kg
    series, stock = [], 0
    for day in sorted(deltas):
        stock += deltas[day]
        series.append((day, stock))
    return series


def _peak_stock_from(store: ColdStore, day: date) -> tuple[date, int]:
    """Return the day and amount of the highest stock from `day` on (fruit may be booked with past dates)."""
    series = stock_by_day(store=store)
    before = [stock for when, stock in series if when <= day]
    peak_day, peak = day, (before[-1] if before else 0)
    for when, stock in series:
        if when > day and stock > peak:
            peak_day, peak = when, stock
    return peak_day, peak


@transaction.atomic
def book_in(
    *,
    store: ColdStore,
    grower: Grower,
    cultivar: Cultivar,
    grade: str,
    quantity_kg: int,
    stored_on: date,
) -> StorageLot:
    """Book a lot of fruit into the cold store, refusing it when the store would hold more than its capacity."""
    if quantity_kg <= 0:
        raise StorageError(_("The quantity must be more than 0 kg."))
    if grade not in Grade.values:
        raise StorageError(_("Unknown grade %(grade)s.") % {"grade": grade})
    store = _lock_store(store)
    if grower.association_id != store.association_id:
        raise StorageError(_("%(grower)s is not a grower of this association.") % {"grower": grower})
    peak_day, peak = _peak_stock_from(store, stored_on)
    if peak + quantity_kg > store.capacity_kg or store.stock_kg + quantity_kg > store.capacity_kg:
        free = store.capacity_kg - max(peak, store.stock_kg)
        raise StorageError(
            _(
                "Not enough room in %(store)s: on %(day)s it holds %(stock)s kg of %(capacity)s kg, "
                "so only %(free)s kg more fit; this lot is %(quantity)s kg."
            )
            % {
                "store": store.name,
                "day": peak_day.isoformat(),
                "stock": _number(max(peak, store.stock_kg)),
                "capacity": _number(store.capacity_kg),
                "free": _number(max(free, 0)),
                "quantity": _number(quantity_kg),
            },
            code="capacity",
        )
    lot = StorageLot.objects.create(
        store=store,
        code=next_code(StorageLot.objects.filter(store=store), f"{store.code}-{stored_on.year}-", width=4),
        grower=grower,
        cultivar=cultivar,
        grade=grade,
        quantity_kg=quantity_kg,
        remaining_kg=quantity_kg,
        stored_on=stored_on,
        fee_fen_per_tonne_day=store.fee_fen_per_tonne_day,
    )
    ColdStore.objects.filter(pk=store.pk).update(stock_kg=F("stock_kg") + quantity_kg)
    return lot


def _take_out(
    *,
    lot: StorageLot,
    kind: str,
    quantity_kg: int,
    moved_on: date,
    buyer: str = "",
    batch: ProcessingBatch | None = None,
) -> StorageMovement:
    """Take fruit out of a lot. Call inside a transaction holding the lock on the lot's store."""
    if quantity_kg <= 0:
        raise StorageError(_("The quantity must be more than 0 kg."))
    lot = StorageLot.objects.select_for_update().get(pk=lot.pk)
    if moved_on < lot.stored_on:
        raise StorageError(
            _("Lot %(lot)s was stored on %(stored)s; fruit cannot leave it earlier.")
            % {"lot": lot.code, "stored": lot.stored_on.isoformat()}
        )
    if quantity_kg > lot.remaining_kg:
        raise StorageError(
            _("Lot %(lot)s holds only %(remaining)s kg; %(quantity)s kg cannot be taken out.")
            % {"lot": lot.code, "remaining": _number(lot.remaining_kg), "quantity": _number(quantity_kg)},
            code="remaining",
        )
    movement = StorageMovement.objects.create(
        lot=lot, kind=kind, quantity_kg=quantity_kg, moved_on=moved_on, buyer=buyer, batch=batch
    )
    StorageLot.objects.filter(pk=lot.pk).update(remaining_kg=F("remaining_kg") - quantity_kg)
    ColdStore.objects.filter(pk=lot.store_id).update(stock_kg=F("stock_kg") - quantity_kg)
    return movement


@transaction.atomic
def book_out(*, lot: StorageLot, quantity_kg: int, moved_on: date, buyer: str = "") -> StorageMovement:
    """Take fruit out of a lot for sale, refusing more than the lot holds."""
    _lock_store(lot.store)
    return _take_out(lot=lot, kind=StorageMovement.Kind.SALE, quantity_kg=quantity_kg, moved_on=moved_on, buyer=buyer)


def _days_stored(stored_on: date, until: date) -> int:
    """Days between going in and coming out; fruit in and out on the same day pays for one day."""
    return max((until - stored_on).days, 1)


def storage_kg_days(*, lot: StorageLot, as_of: date) -> int:
    """Return the kilogram-days a lot has been stored up to as_of: each part counted until it left."""
    if as_of < lot.stored_on:
        return 0
    kg_days, out_kg = 0, 0
    for kg, moved_on in lot.movements.filter(moved_on__lte=as_of).values_list("quantity_kg", "moved_on"):
        kg_days += kg * _days_stored(lot.stored_on, moved_on)
        out_kg += kg
    return kg_days + (lot.quantity_kg - out_kg) * _days_stored(lot.stored_on, as_of)


def storage_fee_fen(*, lot: StorageLot, as_of: date) -> int:
    """Return the storage fee of a lot up to as_of: rate x tonne-days, exact, rounded half up once."""
    return round_half_up(Fraction(storage_kg_days(lot=lot, as_of=as_of) * lot.fee_fen_per_tonne_day, KG_PER_TONNE))


# Processing ---------------------------------------------------------------------------------------


@transaction.atomic
def record_processing_batch(
    *,
    association: Organisation,
    product: str,
    processed_on: date,
    output_litres: Decimal,
    draws: Sequence[tuple[StorageLot, int]],
) -> ProcessingBatch:
    """Make a batch of vinegar or wine from substandard fruit taken out of storage (lot, kg) by (lot, kg)."""
    if product not in Product.values:
        raise ValidationError(_("Unknown product %(product)s.") % {"product": product})
    if not draws:
        raise ValidationError(_("Take fruit out of at least one lot."))
    if Decimal(output_litres) <= 0:
        raise ValidationError(_("The output must be more than 0 litres."))
    lot_ids = [lot.pk for lot, _kg in draws]
    if len(set(lot_ids)) != len(lot_ids):
        raise ValidationError(_("Each lot may appear only once in a batch."))
    lots = {lot.pk: lot for lot in StorageLot.objects.filter(pk__in=lot_ids).select_related("store")}
    for store in sorted({lot.store for lot in lots.values()}, key=lambda s: s.pk):
        _lock_store(store)
    for lot in lots.values():
        if lot.store.association_id != association.pk:
            raise ValidationError(_("Lot %(lot)s belongs to another association.") % {"lot": lot.code})
        if lot.grade != Grade.SUBSTANDARD:
            raise ValidationError(
                _("Lot %(lot)s is %(grade)s fruit; only substandard fruit goes to processing.")
                % {"lot": lot.code, "grade": lot.get_grade_display()}
            )
    batch = ProcessingBatch.objects.create(
        association=association,
        code=next_code(ProcessingBatch.objects.all(), f"B{processed_on.year}-", width=2),
        product=product,
        processed_on=processed_on,
        input_kg=sum(kg for _lot, kg in draws),
        output_litres=output_litres,
    )
    for lot, kg in sorted(draws, key=lambda draw: draw[0].pk):
        _take_out(
            lot=lots[lot.pk], kind=StorageMovement.Kind.PROCESSING, quantity_kg=kg, moved_on=processed_on, batch=batch
        )
    return batch


def litres_unsold(*, batch: ProcessingBatch) -> Decimal:
    sold = batch.sales.aggregate(total=Sum("litres"))["total"] or Decimal(0)
    return batch.output_litres - sold


@transaction.atomic
def record_product_sale(
    *,
    batch: ProcessingBatch,
    sold_on: date,
    litres: Decimal,
    amount_fen: int,
    buyer: str,
    recorded_by: User | None = None,
    is_synthetic: bool = False,
) -> ProductSale:
    """Sell product from a batch, never more than the batch made, and book it as processing revenue.

    The revenue entry goes to the association's books in the dividends ledger, so the sale reaches
    its income statement; the sale and its entry are written together or not at all.
    """
    batch = ProcessingBatch.objects.select_for_update().get(pk=batch.pk)
    litres = Decimal(litres)
    if litres <= 0:
        raise ValidationError(_("The litres sold must be more than 0."))
    if amount_fen <= 0:
        raise ValidationError(_("The amount must be more than ¥0.00."))
    if sold_on < batch.processed_on:
        raise ValidationError(
            _("Batch %(batch)s was made on %(day)s; it cannot be sold earlier.")
            % {"batch": batch.code, "day": batch.processed_on.isoformat()}
        )
    left = litres_unsold(batch=batch)
    if litres > left:
        raise ValidationError(
            _("Batch %(batch)s has %(left)s litres left to sell; %(litres)s litres cannot be sold.")
            % {"batch": batch.code, "left": left, "litres": litres}
        )
    sale = ProductSale.objects.create(
        association_id=batch.association_id,
        code=next_code(ProductSale.objects.all(), f"S{sold_on.year}-"),
        batch=batch,
        product=batch.product,
        sold_on=sold_on,
        litres=litres,
        amount_fen=amount_fen,
        buyer=buyer,
        is_synthetic=is_synthetic,
    )
    post_entry(
        organisation=batch.association,
        direction=LedgerEntry.Direction.REVENUE,
        category=LedgerEntry.Category.PROCESSING,
        entry_date=sold_on,
        amount_fen=amount_fen,
        counterparty=buyer,
        source_reference=sale.source_reference,
        note=sale.get_product_display(),
        recorded_by=recorded_by,
        is_synthetic=is_synthetic,
    )
    return sale
