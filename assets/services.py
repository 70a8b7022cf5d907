"""Assets, resources and the contracts ledger: the operations, called by views, admin, tasks and the demo.

Money is whole fen; depreciation by month is exact (the months of an asset add up to its cost
minus its residual value to the fen). Nothing here posts vouchers: `month_depreciation` and
`contract_receipts` return what the books (issue 16) will post.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.models import (
    EXPIRY_NOTICE_DAYS,
    Asset,
    Contract,
    ContractInstallment,
    ContractReceipt,
    DepositMovement,
    InventoryCheck,
    InventoryFinding,
    ParcelBoundary,
)
from collective.models import Organisation
from collective.money import MU_PER_HECTARE, format_yuan
from collective.quantities import format_area
from land.models import ContractParcel, LandTransferContract, Parcel

SQUARE_METRES_PER_MU = Decimal(10000) / MU_PER_HECTARE  # 666.67 m²


# ---------------------------------------------------------------------------------------------
# Depreciation


def month_number(day: date) -> int:
    """Number the months so that consecutive months differ by one."""
    return day.year * 12 + day.month - 1


def first_depreciation_month(asset: Asset) -> int:
    """An asset put into service in a month is depreciated from the next month (当月增加, 当月不提)."""
    return month_number(asset.in_service_on) + 1


def months_depreciated_through(asset: Asset, *, year: int, month: int) -> int:
    """How many months of depreciation the asset has had up to and including this month.

    A disposed asset is depreciated in the month it leaves and not after (当月减少, 当月照提).
    """
    last = year * 12 + month - 1
    if asset.disposed_on is not None:
        last = min(last, month_number(asset.disposed_on))
    return max(0, min(asset.useful_life_months, last - first_depreciation_month(asset) + 1))


def accumulated_depreciation_fen(*, depreciable_fen: int, life_months: int, months: int) -> int:
    """The floor of the exact straight-line amount of `months` months.

    Each month's depreciation is the difference of two of these, so every month is within one fen
    of the exact 1/life share, and the months of the whole life add up to `depreciable_fen` exactly.
    """
    months = max(0, min(months, life_months))
    return depreciable_fen * months // life_months


def depreciation_of_month(asset: Asset, *, year: int, month: int) -> int:
    """The asset's depreciation in one calendar month, in fen."""
    done = months_depreciated_through(asset, year=year, month=month)
    before = (
        months_depreciated_through(asset, year=year, month=month - 1)
        if month > 1
        else (months_depreciated_through(asset, year=year - 1, month=12))
    )
    if done == before:
        return 0
    return accumulated_depreciation_fen(
        depreciable_fen=asset.depreciable_fen, life_months=asset.useful_life_months, months=done
    ) - accumulated_depreciation_fen(
        depreciable_fen=asset.depreciable_fen, life_months=asset.useful_life_months, months=before
    )


@dataclass(frozen=True)
class DepreciationLine:
    asset: Asset
    year: int
    month: int
    amount_fen: int
    accumulated_fen: int
    net_book_value_fen: int


def depreciation_line(asset: Asset, *, year: int, month: int) -> DepreciationLine:
    accumulated = accumulated_depreciation_fen(
        depreciable_fen=asset.depreciable_fen,
        life_months=asset.useful_life_months,
        months=months_depreciated_through(asset, year=year, month=month),
    )
    return DepreciationLine(
        asset=asset,
        year=year,
        month=month,
        amount_fen=depreciation_of_month(asset, year=year, month=month),
        accumulated_fen=accumulated,
        net_book_value_fen=asset.cost_fen - accumulated,
    )


def month_depreciation(*, year: int, month: int, owner: Organisation | None = None) -> list[DepreciationLine]:
    """Return each asset's depreciation of one month (only lines above zero): what the books will post.

    The books (issue 16) post one voucher a month per owner from these lines: debit the cost of the
    asset's use (管理费用 or 生产成本), credit accumulated depreciation (累计折旧; for a productive
    biological asset, 生产性生物资产累计折旧). This function posts nothing.
    """
    assets = Asset.objects.select_related("owner").order_by("code")
    if owner is not None:
        assets = assets.filter(owner=owner)
    month_start = date(year, month, 1)
    assets = assets.filter(in_service_on__lt=month_start).filter(
        Q(disposed_on__isnull=True) | Q(disposed_on__gte=month_start)
    )
    lines = [depreciation_line(asset, year=year, month=month) for asset in assets]
    return [line for line in lines if line.amount_fen > 0]


def depreciation_schedule(asset: Asset) -> list[DepreciationLine]:
    """Every month of the asset's depreciation, from the first to the last (or its disposal)."""
    first = first_depreciation_month(asset)
    lines = []
    for number in range(first, first + asset.useful_life_months):
        line = depreciation_line(asset, year=number // 12, month=number % 12 + 1)
        if line.amount_fen == 0 and asset.disposed_on and number > month_number(asset.disposed_on):
            break
        lines.append(line)
    return lines


# ---------------------------------------------------------------------------------------------
# Asset cards


def validate_asset(*, asset: Asset) -> None:
    errors: dict[str, list[str]] = {}
    if asset.cost_fen is not None and asset.cost_fen <= 0:
        errors.setdefault("cost", []).append(_("The original cost must be more than ¥0.00."))
    if asset.cost_fen is not None and asset.salvage_fen is not None and not 0 <= asset.salvage_fen <= asset.cost_fen:
        errors.setdefault("salvage", []).append(_("The residual value must be between ¥0.00 and the original cost."))
    if asset.acquired_on and asset.in_service_on and asset.in_service_on < asset.acquired_on:
        errors.setdefault("in_service_on", []).append(_("An asset cannot be in service before it was acquired."))
    if asset.owner_id and asset.owner.kind not in (Organisation.Kind.COLLECTIVE, Organisation.Kind.COMPANY):
        errors.setdefault("owner", []).append(_("Assets belong to an association or to the company."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_asset(*, asset: Asset) -> Asset:
    """Create or change an asset card; a disposed asset's card no longer changes."""
    if asset.pk and Asset.objects.select_for_update().get(pk=asset.pk).is_disposed:
        raise ValidationError(
            _("Asset %(code)s has been disposed of; its card can no longer change.") % {"code": asset.code}
        )
    validate_asset(asset=asset)
    asset.save()
    return asset


@transaction.atomic
def dispose_asset(*, asset: Asset, disposed_on: date, disposal: str, proceeds_fen: int = 0, note: str = "") -> Asset:
    """Take an asset out of the register: sold, scrapped, transferred out or lost. Depreciation stops next month."""
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    if asset.is_disposed:
        raise ValidationError(_("Asset %(code)s has already been disposed of.") % {"code": asset.code})
    if disposed_on < asset.acquired_on:
        raise ValidationError(_("An asset cannot be disposed of before it was acquired."))
    if proceeds_fen < 0:
        raise ValidationError(_("The proceeds cannot be negative."))
    asset.status = Asset.Status.DISPOSED
    asset.disposed_on = disposed_on
    asset.disposal = disposal
    asset.disposal_proceeds_fen = proceeds_fen
    if note:
        asset.note = f"{asset.note}\n{note}".strip()
    asset.save()
    return asset


def render_qr_svg(data: str, *, scale: int = 4) -> str:
    """Return a QR code of `data` as an SVG document, generated locally with segno."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="svg", scale=scale, border=2, xmldecl=False)
    return buffer.getvalue().decode()


def render_labels_pdf(*, assets: list[Asset], card_url_of) -> bytes:
    """Render printable QR labels (one per asset) as a PDF; each QR holds the absolute URL of its card."""
    import base64

    from django.template.loader import render_to_string
    from django.utils import translation
    from weasyprint import HTML

    labels = []
    for asset in assets:
        url = card_url_of(asset)
        svg = render_qr_svg(url, scale=6)
        labels.append(
            {
                "asset": asset,
                "url": url,
                "qr": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
            }
        )
    with translation.override("zh-hans"):
        html = render_to_string("assets/labels_pdf.html", {"labels": labels})
    return HTML(string=html).write_pdf()


# ---------------------------------------------------------------------------------------------
# Inventory check (资产盘点)

CARD_URL_CODE = re.compile(r"/assets/card/([^/?#]+)/?")


def code_from_scan(text: str) -> str:
    """Return the asset code in what was scanned or typed: a card URL (from a label) or the code itself."""
    text = (text or "").strip()
    match = CARD_URL_CODE.search(text)
    if match:
        from urllib.parse import unquote

        return unquote(match.group(1)).strip().upper()
    return text.upper()


@transaction.atomic
def start_inventory_check(*, owner: Organisation, started_on: date, user, note: str = "") -> InventoryCheck:
    if InventoryCheck.objects.filter(owner=owner, closed_at__isnull=True).exists():
        raise ValidationError(_("An inventory check of %(owner)s is still open: close it first.") % {"owner": owner})
    return InventoryCheck.objects.create(owner=owner, started_on=started_on, started_by=user, note=note)


@dataclass
class ScanResult:
    finding: InventoryFinding | None
    created: bool
    message: str
    level: str = "success"


@transaction.atomic
def record_finding(*, check: InventoryCheck, scanned: str, user) -> ScanResult:
    """Record that the asset with this code (or card URL) was found; scanning twice records it once."""
    check = InventoryCheck.objects.select_for_update().get(pk=check.pk)
    if not check.is_open:
        raise ValidationError(_("This inventory check is closed."))
    code = code_from_scan(scanned)
    if not code:
        raise ValidationError(_("Scan a label or type an asset code."))
    if len(code) > 32:
        raise ValidationError(_("“%(code)s” is not an asset code.") % {"code": code[:40]})
    asset = Asset.objects.filter(code=code).first()
    finding, created = InventoryFinding.objects.get_or_create(
        check_run=check, code=code, defaults={"asset": asset, "recorded_by": user}
    )
    if not created:
        return ScanResult(finding, False, _("%(code)s was already recorded in this check.") % {"code": code}, "warning")
    if asset is None:
        return ScanResult(finding, True, _("%(code)s: no asset card has this code.") % {"code": code}, "warning")
    if asset.owner_id != check.owner_id:
        return ScanResult(
            finding, True, _("%(code)s belongs to %(owner)s.") % {"code": code, "owner": asset.owner}, "warning"
        )
    return ScanResult(finding, True, _("Found: %(asset)s.") % {"asset": asset})


@dataclass
class CheckDifferences:
    found: list[Asset] = field(default_factory=list)
    missing: list[Asset] = field(default_factory=list)
    unknown_codes: list[str] = field(default_factory=list)
    other_owner: list[Asset] = field(default_factory=list)
    disposed_found: list[Asset] = field(default_factory=list)

    @property
    def has_differences(self) -> bool:
        return bool(self.missing or self.unknown_codes or self.other_owner or self.disposed_found)


def check_differences(*, check: InventoryCheck) -> CheckDifferences:
    """Compare what was found with the register: missing cards, unknown codes, others' and disposed assets."""
    result = CheckDifferences()
    findings = list(check.findings.select_related("asset__owner").order_by("code"))
    found_ids = set()
    for finding in findings:
        asset = finding.asset
        if asset is None:
            result.unknown_codes.append(finding.code)
        elif asset.owner_id != check.owner_id:
            result.other_owner.append(asset)
        elif asset.disposed_on is not None and asset.disposed_on <= check.started_on:
            result.disposed_found.append(asset)
        else:
            result.found.append(asset)
            found_ids.add(asset.pk)
    expected = (
        Asset.objects.filter(owner_id=check.owner_id, acquired_on__lte=check.started_on)
        .filter(Q(disposed_on__isnull=True) | Q(disposed_on__gt=check.started_on))
        .exclude(pk__in=found_ids)
        .order_by("code")
    )
    result.missing = list(expected)
    return result


@transaction.atomic
def close_inventory_check(*, check: InventoryCheck) -> InventoryCheck:
    check = InventoryCheck.objects.select_for_update().get(pk=check.pk)
    if check.is_open:
        check.closed_at = timezone.now()
        check.save(update_fields=["closed_at"])
    return check


# ---------------------------------------------------------------------------------------------
# The contracts ledger

ScheduleLine = tuple[date, int, str]


def _validate_schedule(*, start_date: date, end_date: date, schedule: list[ScheduleLine]) -> None:
    errors = []
    seen = set()
    for due_date, amount_fen, _description in schedule:
        if amount_fen <= 0:
            errors.append(_("The payment due on %(date)s must be more than ¥0.00.") % {"date": due_date.isoformat()})
        if due_date in seen:
            errors.append(_("Two payments are due on %(date)s: make them one.") % {"date": due_date.isoformat()})
        seen.add(due_date)
        if not start_date <= due_date <= end_date:
            errors.append(
                _("The payment due on %(date)s is outside the term %(start)s to %(end)s.")
                % {"date": due_date.isoformat(), "start": start_date.isoformat(), "end": end_date.isoformat()}
            )
    if errors:
        raise ValidationError({"schedule": errors})


def parse_schedule(text: str) -> list[ScheduleLine]:
    """Parse a payment schedule typed one payment a line: `2025-01-15 50000.00 first half-year`."""
    from collective.money import yuan_to_fen

    lines, errors = [], []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        raw = raw.strip()
        if not raw:
            continue
        parts = raw.split(maxsplit=2)
        try:
            if len(parts) < 2:
                raise ValueError
            due = date.fromisoformat(parts[0])
            amount = yuan_to_fen(parts[1])
        except (ValueError, ValidationError):
            errors.append(
                _("Line %(number)s: write a date and an amount in yuan, such as “2025-01-15 50000.00”.")
                % {"number": number}
            )
            continue
        lines.append((due, amount, parts[2] if len(parts) > 2 else ""))
    if errors:
        raise ValidationError({"schedule": errors})
    return lines


@transaction.atomic
def create_contract(
    *,
    number: str,
    title: str,
    kind: str,
    owner: Organisation,
    counterparty: str,
    subject: str,
    start_date: date,
    end_date: date,
    schedule: list[ScheduleLine],
    counterparty_contact: str = "",
    asset: Asset | None = None,
    note: str = "",
    is_synthetic: bool = False,
) -> Contract:
    """Draft a ledger contract with its payment schedule."""
    errors: dict[str, list[str]] = {}
    if end_date < start_date:
        errors["end_date"] = [_("The term cannot end before it starts.")]
    if Contract.objects.filter(number=number).exists():
        errors["number"] = [_("Contract number %(number)s is already used.") % {"number": number}]
    if asset is not None and asset.owner_id != owner.pk:
        errors["asset"] = [_("The asset let must belong to our party.")]
    if errors:
        raise ValidationError(errors)
    _validate_schedule(start_date=start_date, end_date=end_date, schedule=schedule)
    contract = Contract.objects.create(
        number=number,
        title=title,
        kind=kind,
        owner=owner,
        counterparty=counterparty,
        counterparty_contact=counterparty_contact,
        subject=subject,
        asset=asset,
        start_date=start_date,
        end_date=end_date,
        note=note,
        is_synthetic=is_synthetic,
    )
    ContractInstallment.objects.bulk_create(
        ContractInstallment(contract=contract, due_date=due, amount_fen=amount, description=description)
        for due, amount, description in sorted(schedule)
    )
    return contract


@transaction.atomic
def sign_contract(*, contract: Contract, signed_on: date, today: date) -> Contract:
    """Sign a draft: it is in force from then on (expired at once if its term is already over)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != Contract.Status.DRAFT:
        raise ValidationError(_("Only a draft can be signed."))
    contract.signed_on = signed_on
    contract.status = Contract.Status.EXPIRED if contract.end_date < today else Contract.Status.ACTIVE
    contract.save(update_fields=["signed_on", "status"])
    return contract


@transaction.atomic
def terminate_contract(*, contract: Contract, terminated_on: date) -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != Contract.Status.ACTIVE:
        raise ValidationError(_("Only a contract in force can be terminated."))
    if not contract.start_date <= terminated_on <= contract.end_date:
        raise ValidationError(_("The termination date must fall within the term."))
    contract.status = Contract.Status.TERMINATED
    contract.terminated_on = terminated_on
    contract.expiring_soon = False
    contract.save(update_fields=["status", "terminated_on", "expiring_soon"])
    return contract


def outstanding_fen(installment: ContractInstallment) -> int:
    received = installment.receipts.aggregate(total=Sum("amount_fen"))["total"] or 0
    return installment.amount_fen - received


@transaction.atomic
def record_receipt(
    *, installment: ContractInstallment, received_on: date, amount_fen: int, reference: str = ""
) -> ContractReceipt:
    """Record money received against one scheduled payment; never more than is still owed."""
    installment = ContractInstallment.objects.select_for_update().select_related("contract").get(pk=installment.pk)
    if installment.contract.status == Contract.Status.DRAFT:
        raise ValidationError(_("Sign the contract before recording what it pays."))
    if amount_fen <= 0:
        raise ValidationError({"amount": [_("The amount must be more than ¥0.00.")]})
    left = outstanding_fen(installment)
    if amount_fen > left:
        raise ValidationError(
            {
                "amount": [
                    _("Only %(left)s is still owed on the payment due %(date)s.")
                    % {"left": format_yuan(left), "date": installment.due_date.isoformat()}
                ]
            }
        )
    receipt = ContractReceipt.objects.create(
        installment=installment, received_on=received_on, amount_fen=amount_fen, reference=reference
    )
    if left == amount_fen and installment.overdue:
        installment.overdue = False
        installment.save(update_fields=["overdue"])
    return receipt


def contract_receipts(*, start: date, end: date, owner: Organisation | None = None):
    """Return the contract income received between two dates (both included): what the books will post.

    Each receipt is rental income (租赁收入) of the contract's owner on the day it was received.
    """
    receipts = ContractReceipt.objects.filter(received_on__range=(start, end)).select_related(
        "installment__contract__owner"
    )
    if owner is not None:
        receipts = receipts.filter(installment__contract__owner=owner)
    return receipts.order_by("received_on", "pk")


@dataclass(frozen=True)
class DepositBalance:
    kind: str
    label: str
    received_fen: int
    returned_fen: int
    forfeited_fen: int

    @property
    def held_fen(self) -> int:
        return self.received_fen - self.returned_fen - self.forfeited_fen


def deposit_balances(*, contract: Contract) -> list[DepositBalance]:
    """Received, returned, kept and still held, per kind of deposit the contract has."""
    totals: dict[tuple[str, str], int] = {}
    for row in contract.deposit_movements.values("kind", "movement").annotate(total=Sum("amount_fen")):
        totals[(row["kind"], row["movement"])] = row["total"]
    balances = []
    for kind, label in DepositMovement.Kind.choices:
        received = totals.get((kind, DepositMovement.Movement.RECEIVED), 0)
        if not received:
            continue
        balances.append(
            DepositBalance(
                kind=kind,
                label=str(label),
                received_fen=received,
                returned_fen=totals.get((kind, DepositMovement.Movement.RETURNED), 0),
                forfeited_fen=totals.get((kind, DepositMovement.Movement.FORFEITED), 0),
            )
        )
    return balances


@transaction.atomic
def record_deposit(
    *, contract: Contract, kind: str, movement: str, amount_fen: int, on: date, reference: str = ""
) -> DepositMovement:
    """Receive a deposit, or return or keep part of what is held; never more than is held."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if amount_fen <= 0:
        raise ValidationError({"amount": [_("The amount must be more than ¥0.00.")]})
    if movement != DepositMovement.Movement.RECEIVED:
        held = next((b.held_fen for b in deposit_balances(contract=contract) if b.kind == kind), 0)
        if amount_fen > held:
            raise ValidationError(
                {
                    "amount": [
                        _("Only %(held)s of this deposit is held; %(amount)s cannot be returned or kept.")
                        % {"held": format_yuan(held), "amount": format_yuan(amount_fen)}
                    ]
                }
            )
    return DepositMovement.objects.create(
        contract=contract, kind=kind, movement=movement, amount_fen=amount_fen, on=on, reference=reference
    )


def mark_contract_reminders(*, today: date) -> dict[str, int]:
    """Daily, with land's reminders: expire ended contracts, mark those expiring within 90 days and overdue payments."""
    expired = Contract.objects.filter(status=Contract.Status.ACTIVE, end_date__lt=today).update(
        status=Contract.Status.EXPIRED, expiring_soon=False
    )
    expiring_ids = list(
        Contract.objects.expiring_within(today=today, days=EXPIRY_NOTICE_DAYS).values_list("pk", flat=True)
    )
    Contract.objects.filter(pk__in=expiring_ids).update(expiring_soon=True)
    Contract.objects.filter(expiring_soon=True).exclude(pk__in=expiring_ids).update(expiring_soon=False)
    overdue_ids = list(
        ContractInstallment.objects.exclude(contract__status=Contract.Status.DRAFT)
        .unpaid_past_due(today=today)
        .values_list("pk", flat=True)
    )
    ContractInstallment.objects.filter(pk__in=overdue_ids).update(overdue=True)
    ContractInstallment.objects.filter(overdue=True).exclude(pk__in=overdue_ids).update(overdue=False)
    return {"ledger_expired": expired, "ledger_expiring": len(expiring_ids), "ledger_overdue": len(overdue_ids)}


def reminder_lists(*, user, limit: int = 20) -> dict:
    """Ledger contracts expiring within 90 days and payments overdue, as the daily job marked them."""
    expiring = Contract.objects.visible_to(user).filter(expiring_soon=True).order_by("end_date", "number")
    overdue = (
        ContractInstallment.objects.visible_to(user)
        .filter(overdue=True)
        .with_received()
        .select_related("contract")
        .order_by("due_date", "contract__number")
    )
    overdue_rows = list(overdue[:limit])
    for row in overdue_rows:
        row.outstanding_fen = row.amount_fen - row.received_fen
    return {
        "expiring": list(expiring[:limit]),
        "expiring_count": expiring.count(),
        "overdue": overdue_rows,
        "overdue_count": overdue.count(),
    }


# ---------------------------------------------------------------------------------------------
# Parcel boundaries
#
# Boundaries are GeoJSON polygons in WGS 84 longitude/latitude (what a GPS or a survey export gives).
# Areas and overlaps are measured in metres after projecting with pyproj to a Lambert azimuthal
# equal-area projection centred on the parcel: an equal-area projection keeps areas exact on the
# ellipsoid (WGS 84), and centring it on the parcel keeps shapes true at the size of a village.


def overlap_tolerance_m2() -> Decimal:
    return Decimal(str(getattr(settings, "ASSETS_BOUNDARY_OVERLAP_TOLERANCE_M2", "1")))


def area_tolerance_percent() -> Decimal:
    return Decimal(str(getattr(settings, "ASSETS_BOUNDARY_AREA_TOLERANCE_PERCENT", "5")))


def _projector(lon: float, lat: float):
    from pyproj import Transformer

    return Transformer.from_crs(
        "EPSG:4326", f"+proj=laea +lat_0={lat:.7f} +lon_0={lon:.7f} +datum=WGS84 +units=m +no_defs", always_xy=True
    )


def _project(polygon, transformer):
    import shapely

    return shapely.transform(polygon, lambda x, y: transformer.transform(x, y), interleaved=False)


def parse_polygon(geometry):
    """Return a shapely Polygon in lon/lat from a GeoJSON geometry (or a Feature), or raise with a clear message."""
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    if isinstance(geometry, str):
        try:
            geometry = json.loads(geometry)
        except json.JSONDecodeError:
            raise ValidationError(_("The boundary is not valid GeoJSON.")) from None
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") != "Polygon":
        raise ValidationError(_("A boundary must be one GeoJSON Polygon (longitude, latitude)."))
    try:
        polygon = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError):
        raise ValidationError(_("The boundary's coordinates cannot be read.")) from None
    if polygon.is_empty or len(polygon.exterior.coords) < 4:
        raise ValidationError(_("A boundary needs at least three distinct corners."))
    min_lon, min_lat, max_lon, max_lat = polygon.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ValidationError(_("The coordinates must be longitude then latitude in degrees (WGS 84)."))
    if not polygon.is_valid:
        reason = explain_validity(polygon)
        if reason.startswith(("Self-intersection", "Ring Self-intersection")):
            raise ValidationError(_("The boundary crosses itself (%(where)s).") % {"where": reason})
        raise ValidationError(_("The boundary is not a valid polygon (%(where)s).") % {"where": reason})
    return polygon


def area_square_metres(polygon) -> Decimal:
    centre = polygon.centroid
    projected = _project(polygon, _projector(centre.x, centre.y))
    return Decimal(str(round(projected.area, 2)))


def square_metres_to_mu(area_m2: Decimal) -> Decimal:
    return (area_m2 / SQUARE_METRES_PER_MU).quantize(Decimal("0.0001"))


def _neighbours(polygon, *, exclude_parcel_ids):
    min_lon, min_lat, max_lon, max_lat = polygon.bounds
    return (
        ParcelBoundary.objects.exclude(parcel_id__in=exclude_parcel_ids)
        .filter(min_lon__lte=max_lon, max_lon__gte=min_lon, min_lat__lte=max_lat, max_lat__gte=min_lat)
        .select_related("parcel")
    )


def validate_boundary(
    *, parcel: Parcel, polygon, others: list[tuple[str, object]] = (), replacing_ids: list[int] = ()
) -> Decimal:
    """Check a parcel's polygon; return its area in m². Refuse overlaps and an area far from the declared mu.

    `others` are (parcel code, polygon) pairs validated alongside it, e.g. the rest of an import file;
    the stored boundaries of `replacing_ids` are being replaced by those and are not compared.
    """
    from shapely.geometry import shape

    area_m2 = area_square_metres(polygon)
    computed_mu = square_metres_to_mu(area_m2)
    tolerance = area_tolerance_percent()
    difference = abs(computed_mu - parcel.area_mu) * 100 / parcel.area_mu
    errors = []
    if difference > tolerance:
        errors.append(
            _(
                "The boundary measures %(computed)s mu but parcel %(code)s is declared as %(declared)s mu "
                "(%(difference)s%% apart; at most %(tolerance)s%% is accepted)."
            )
            % {
                "computed": format_area(computed_mu),
                "code": parcel.code,
                "declared": format_area(parcel.area_mu),
                "difference": difference.quantize(Decimal("0.1")),
                "tolerance": format_area(tolerance),
            }
        )
    centre = polygon.centroid
    transformer = _projector(centre.x, centre.y)
    projected = _project(polygon, transformer)
    candidates = [
        (boundary.parcel.code, shape(boundary.geometry))
        for boundary in _neighbours(polygon, exclude_parcel_ids=[parcel.pk, *replacing_ids])
    ]
    candidates += [(code, other) for code, other in others if code != parcel.code]
    limit = overlap_tolerance_m2()
    for code, other in sorted(candidates, key=lambda pair: pair[0]):
        if not polygon.intersects(other):
            continue
        shared = Decimal(str(round(projected.intersection(_project(other, transformer)).area, 2)))
        if shared > limit:
            errors.append(
                _("The boundary of %(code)s overlaps parcel %(other)s by %(area)s m² (at most %(limit)s m²).")
                % {"code": parcel.code, "other": code, "area": shared, "limit": format_area(limit)}
            )
    if errors:
        raise ValidationError(errors)
    return area_m2


def _lock_boundaries() -> None:
    """Serialise boundary changes, so two imports cannot each miss the other's overlapping parcel."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('assets.parcel_boundary'))")


def _store_boundary(*, parcel: Parcel, polygon, area_m2: Decimal, source: str, is_synthetic: bool) -> ParcelBoundary:
    from shapely.geometry import mapping

    min_lon, min_lat, max_lon, max_lat = polygon.bounds
    geometry = json.loads(json.dumps(mapping(polygon)))  # tuples to lists
    boundary, _created = ParcelBoundary.objects.update_or_create(
        parcel=parcel,
        defaults={
            "geometry": geometry,
            "area_m2": area_m2,
            "min_lon": min_lon,
            "min_lat": min_lat,
            "max_lon": max_lon,
            "max_lat": max_lat,
            "source": source[:200],
            "is_synthetic": is_synthetic,
        },
    )
    return boundary


@transaction.atomic
def save_boundary(*, parcel: Parcel, geometry, source: str = "", is_synthetic: bool = False) -> ParcelBoundary:
    """Set (or replace) one parcel's boundary after checking it."""
    _lock_boundaries()
    polygon = parse_polygon(geometry)
    area_m2 = validate_boundary(parcel=parcel, polygon=polygon)
    return _store_boundary(parcel=parcel, polygon=polygon, area_m2=area_m2, source=source, is_synthetic=is_synthetic)


@dataclass
class BoundaryImport:
    saved: list[ParcelBoundary] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@transaction.atomic
def import_boundaries(*, data: bytes | str, parcels, source: str = "", is_synthetic: bool = False) -> BoundaryImport:
    """Import a GeoJSON FeatureCollection whose features carry the parcel's `code`: all of it or nothing.

    `parcels` is the queryset of parcels the importer may change; any other code is an error.
    """
    result = BoundaryImport()
    try:
        collection = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        result.errors.append(_("The file is not valid GeoJSON."))
        return result
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        result.errors.append(_("The file must be a GeoJSON FeatureCollection, one feature per parcel."))
        return result
    features = collection.get("features") or []
    if not features:
        result.errors.append(_("The file has no features."))
        return result
    _lock_boundaries()
    by_code = {parcel.code: parcel for parcel in parcels}
    checked: list[tuple[Parcel, object]] = []
    seen = set()
    for number, feature in enumerate(features, start=1):
        properties = (feature or {}).get("properties") or {} if isinstance(feature, dict) else {}
        code = str(properties.get("code") or properties.get("parcel") or "").strip()
        label = _("Feature %(number)s (%(code)s)") % {"number": number, "code": code or "?"}
        if not code:
            result.errors.append(_("%(label)s: give the parcel code in properties.code.") % {"label": label})
            continue
        if code in seen:
            result.errors.append(_("%(label)s: this parcel appears twice in the file.") % {"label": label})
            continue
        seen.add(code)
        parcel = by_code.get(code)
        if parcel is None:
            result.errors.append(_("%(label)s: no parcel with this code that you may change.") % {"label": label})
            continue
        try:
            polygon = parse_polygon(feature)
        except ValidationError as error:
            result.errors += [f"{label}: {message}" for message in error.messages]
            continue
        checked.append((parcel, polygon))
    importing_ids = [parcel.pk for parcel, _polygon in checked]
    for parcel, polygon in checked:
        others = [(other.code, other_polygon) for other, other_polygon in checked if other.pk != parcel.pk]
        try:
            area_m2 = validate_boundary(parcel=parcel, polygon=polygon, others=others, replacing_ids=importing_ids)
        except ValidationError as error:
            result.errors += error.messages
            continue
        result.saved.append(
            _store_boundary(parcel=parcel, polygon=polygon, area_m2=area_m2, source=source, is_synthetic=is_synthetic)
        )
    if result.errors:
        transaction.set_rollback(True)
        result.saved = []
    return result


# ---------------------------------------------------------------------------------------------
# The map


class MapStatus:
    ACTIVE = "active"
    EXPIRING = "expiring"
    SIGNED = "signed"
    NONE = "none"


def parcel_map_features(*, parcels, today: date) -> dict:
    """Return a GeoJSON FeatureCollection of the parcels' boundaries, each with its contracts and a status.

    Status: `active` under a contract in force today, `expiring` when that contract ends within 90 days,
    `signed` when only a future contract is signed, `none` when no binding contract covers it.
    """
    parcels = list(parcels.filter(boundary__isnull=False).select_related("boundary", "association"))
    lines = (
        ContractParcel.objects.filter(parcel__in=parcels, binding=True, end_date__gte=today)
        .select_related("contract")
        .order_by("start_date")
    )
    by_parcel: dict[int, list[ContractParcel]] = {}
    for line in lines:
        by_parcel.setdefault(line.parcel_id, []).append(line)
    features = []
    for parcel in parcels:
        contracts = []
        status = MapStatus.NONE
        for line in by_parcel.get(parcel.pk, []):
            contract = line.contract
            contracts.append(
                {
                    "number": contract.number,
                    "status": contract.get_status_display(),
                    "end": contract.end_date.isoformat(),
                    "area_mu": format_area(line.area_mu),
                    "url": reverse("land:contract-detail", args=[contract.pk]),
                }
            )
            if line.start_date <= today and contract.status == LandTransferContract.Status.ACTIVE:
                status = MapStatus.EXPIRING if contract.expiring_soon else MapStatus.ACTIVE
            elif status == MapStatus.NONE:
                status = MapStatus.SIGNED
        boundary = parcel.boundary
        features.append(
            {
                "type": "Feature",
                "geometry": boundary.geometry,
                "properties": {
                    "pk": parcel.pk,
                    "code": parcel.code,
                    "association": parcel.association.code,
                    "declared_mu": format_area(parcel.area_mu),
                    "computed_mu": format_area(square_metres_to_mu(boundary.area_m2)),
                    "status": status,
                    "synthetic": boundary.is_synthetic,
                    "contracts": contracts,
                    "url": reverse("land:parcel-detail", args=[parcel.pk]),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
