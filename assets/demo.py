# ruff: noqa: RUF001 - Chinese names and notes use Chinese punctuation.
"""The Gantian demo, assets part: the cold store, the pear orchard, the market and canteen contracts, GT01's map.

From the case study: the 500-ton cold storage, the pear orchard, and XingLv's rental income of
¥200,000 in 2024 from the Lvhe market's management rights and the township canteen.
Synthetic (labelled `is_synthetic`, notes 合成数据): every cost, life, counterparty, term, schedule,
deposit and resource area, and GT01's parcel boundaries (rectangles laid out in rows, sized to
each parcel's declared mu: the village's real survey is not in the paper).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from assets import services
from assets.models import Asset, Contract, ContractReceipt, DepositMovement, ParcelBoundary, Resource
from collective.models import Organisation
from land.models import Parcel

NOTE = "合成数据"
COMPANY_CODE = "XINGLV"
MAP_ASSOCIATION = "GT01"
# Where GT01's synthetic rectangles are laid out (an arbitrary point in central Yunnan).
ORIGIN_LON, ORIGIN_LAT = 102.9, 24.7
ROW_DEPTH_M = 60.0
GAP_M = 5.0
PER_ROW = 5

ASSETS = [
    # code, owner, name, category, source, location, acquired, in service, cost yuan, salvage yuan, life months
    (
        "ZC-XL-001",
        COMPANY_CODE,
        "500吨果品冷库",
        Asset.Category.BUILDING,
        Asset.Source.SELF_BUILT,
        "甘田村梨园加工区",
        date(2019, 5, 20),
        date(2019, 9, 1),
        1_800_000,
        90_000,
        240,
    ),
    (
        "ZC-XL-002",
        COMPANY_CODE,
        "梨果分选线",
        Asset.Category.MACHINERY,
        Asset.Source.PURCHASED,
        "冷库一层",
        date(2021, 8, 10),
        date(2021, 8, 20),
        260_000,
        13_000,
        120,
    ),
    (
        "ZC-GT01-001",
        MAP_ASSOCIATION,
        "甘田村集体梨园（投产期）",
        Asset.Category.BIOLOGICAL,
        Asset.Source.SELF_BUILT,
        "甘田村一组、二组",
        date(2012, 3, 1),
        date(2016, 8, 31),
        640_000,
        0,
        240,
    ),
    (
        "ZC-GT01-002",
        MAP_ASSOCIATION,
        "村集体办公用房",
        Asset.Category.BUILDING,
        Asset.Source.GOVERNMENT,
        "甘田村委会",
        date(2015, 10, 1),
        date(2015, 12, 1),
        420_000,
        21_000,
        360,
    ),
]

RESOURCES = [
    ("ZY-GT01-01", "甘田村承包耕地", Resource.Kind.FARMLAND, "水浇地", "1200", Resource.Status.CONTRACTED),
    ("ZY-GT01-02", "后山集体林地", Resource.Kind.FOREST, "商品林", "350", Resource.Status.SELF_RUN),
    ("ZY-GT01-03", "村东小坝塘", Resource.Kind.WATER, "坑塘水面", "18.5", Resource.Status.IDLE),
    (
        "ZY-GT01-04",
        "原村小学集体建设用地",
        Resource.Kind.CONSTRUCTION,
        "经营性建设用地",
        "6",
        Resource.Status.TRANSFERRED,
    ),
]


def _assets(owners: dict[str, Organisation]) -> dict[str, Asset]:
    made = {}
    for code, owner_code, name, category, source, location, acquired, in_service, cost, salvage, life in ASSETS:
        owner = owners.get(owner_code)
        if owner is None:
            continue
        asset = Asset.objects.filter(code=code).first()
        if asset is None:
            asset = services.save_asset(
                asset=Asset(
                    code=code,
                    owner=owner,
                    name=name,
                    category=category,
                    source=source,
                    location=location,
                    acquired_on=acquired,
                    in_service_on=in_service,
                    cost_fen=cost * 100,
                    salvage_fen=salvage * 100,
                    useful_life_months=life,
                    note=NOTE,
                    is_synthetic=True,
                )
            )
        made[code] = asset
    return made


def _resources(association: Organisation) -> None:
    for code, name, kind, land_class, area, status in RESOURCES:
        Resource.objects.get_or_create(
            code=code,
            defaults={
                "owner": association,
                "name": name,
                "kind": kind,
                "land_class": land_class,
                "area_mu": area,
                "status": status,
                "note": NOTE,
                "is_synthetic": True,
            },
        )


def _contract(*, today: date, payments: list[tuple[date, int, str, bool]], deposits, **fields) -> Contract:
    contract = Contract.objects.filter(number=fields["number"]).first()
    if contract is None:
        contract = services.create_contract(
            schedule=[(due, amount, text) for due, amount, text, _paid in payments],
            note=NOTE,
            is_synthetic=True,
            **fields,
        )
        contract = services.sign_contract(contract=contract, signed_on=fields["start_date"], today=today)
    for installment in contract.installments.order_by("due_date"):
        paid = next((paid for due, _a, _t, paid in payments if due == installment.due_date), False)
        reference = f"DEMO-{contract.number}-{installment.due_date.isoformat()}"
        if paid and installment.due_date <= today and not ContractReceipt.objects.filter(reference=reference).exists():
            services.record_receipt(
                installment=installment,
                received_on=installment.due_date,
                amount_fen=installment.amount_fen,
                reference=reference,
            )
    for kind, movement, amount_fen, on in deposits:
        reference = f"DEMO-{contract.number}-{kind}-{movement}-{on.isoformat()}"
        if on <= today and not DepositMovement.objects.filter(reference=reference).exists():
            services.record_deposit(
                contract=contract, kind=kind, movement=movement, amount_fen=amount_fen, on=on, reference=reference
            )
    return contract


def _contracts(company: Organisation, cold_store: Asset | None, today: date) -> None:
    # Rental income of 2024: ¥140,000 from the market and ¥60,000 from the canteen = ¥200,000 (the paper's figure).
    _contract(
        today=today,
        number="ZL-XL-2024-001",
        title="绿荷街市场管理经营权出租",
        kind=Contract.Kind.OPERATING_RIGHTS,
        owner=company,
        counterparty="云南绿荷市场服务有限公司（合成）",
        counterparty_contact="李经理 13800000000（合成）",
        subject="绿荷街集贸市场管理经营权（摊位出租、保洁、秩序维护）",
        start_date=date(2024, 1, 1),
        end_date=date(2026, 12, 31),
        payments=[
            (date(2024, 1, 15), 7_000_000, "2024年上半年", True),
            (date(2024, 7, 15), 7_000_000, "2024年下半年", True),
            (date(2025, 1, 15), 7_000_000, "2025年上半年", True),
            (date(2025, 7, 15), 7_000_000, "2025年下半年", True),
            (date(2026, 1, 15), 7_000_000, "2026年上半年", True),
            (date(2026, 7, 15), 7_000_000, "2026年下半年", False),
        ],
        deposits=[
            (DepositMovement.Kind.PERFORMANCE_BOND, DepositMovement.Movement.RECEIVED, 2_000_000, date(2024, 1, 5))
        ],
    )
    _contract(
        today=today,
        number="ZL-XL-2023-002",
        title="绿荷乡人民政府食堂承包经营",
        kind=Contract.Kind.CONTRACTED_OPERATION,
        owner=company,
        counterparty="王某某（合成，食堂承包人）",
        subject="乡政府机关食堂（含厨房设备）",
        start_date=date(2023, 7, 1),
        end_date=date(2028, 6, 30),
        payments=[(date(year, 7, 1), 6_000_000, f"{year}年度承包费", True) for year in range(2023, 2028)],
        deposits=[
            (DepositMovement.Kind.SECURITY_DEPOSIT, DepositMovement.Movement.RECEIVED, 1_000_000, date(2023, 6, 25)),
            (DepositMovement.Kind.SECURITY_DEPOSIT, DepositMovement.Movement.RETURNED, 300_000, date(2025, 7, 1)),
        ],
    )
    if cold_store is not None:
        _contract(
            today=today,
            number="ZL-XL-2025-003",
            title="冷库库位出租（甘田优质梨协会）",
            kind=Contract.Kind.LEASE,
            owner=company,
            counterparty="甘田优质梨协会",
            subject="500吨冷库 200吨库位",
            asset=cold_store,
            start_date=date(2025, 8, 1),
            end_date=date(2027, 7, 31),
            payments=[
                (date(2025, 8, 1), 2_400_000, "第一年库位费", True),
                (date(2026, 8, 1), 2_400_000, "第二年库位费", True),
            ],
            deposits=[
                (DepositMovement.Kind.SECURITY_DEPOSIT, DepositMovement.Movement.RECEIVED, 500_000, date(2025, 8, 1))
            ],
        )


def _boundaries(association: Organisation) -> None:
    """Lay GT01's parcels out as rectangles of their declared area, in rows, and store them (synthetic)."""
    from pyproj import Transformer

    inverse = Transformer.from_crs(
        f"+proj=laea +lat_0={ORIGIN_LAT} +lon_0={ORIGIN_LON} +datum=WGS84 +units=m +no_defs",
        "EPSG:4326",
        always_xy=True,
    )
    parcels = list(Parcel.objects.filter(association=association).order_by("code"))
    x = y = 0.0
    for index, parcel in enumerate(parcels):
        if index and index % PER_ROW == 0:
            x, y = 0.0, y - ROW_DEPTH_M - GAP_M
        width = float(parcel.area_mu * services.SQUARE_METRES_PER_MU) / ROW_DEPTH_M
        corners = [(x, y), (x + width, y), (x + width, y - ROW_DEPTH_M), (x, y - ROW_DEPTH_M)]
        x += width + GAP_M
        if ParcelBoundary.objects.filter(parcel=parcel).exists():
            continue
        ring = [list(inverse.transform(cx, cy)) for cx, cy in corners]
        ring = [[round(lon, 7), round(lat, 7)] for lon, lat in ring]
        ring.append(ring[0])
        services.save_boundary(
            parcel=parcel,
            geometry={"type": "Polygon", "coordinates": [ring]},
            source="合成数据：示意地块边界，非实测",
            is_synthetic=True,
        )


@transaction.atomic
def load() -> None:
    """Create the demo assets, resources, contracts and GT01's boundaries; running it again changes nothing."""
    owners = {o.code: o for o in Organisation.objects.filter(code__in=[COMPANY_CODE, MAP_ASSOCIATION])}
    today = timezone.localdate()
    made = _assets(owners)
    if MAP_ASSOCIATION in owners:
        _resources(owners[MAP_ASSOCIATION])
        _boundaries(owners[MAP_ASSOCIATION])
    if COMPANY_CODE in owners:
        _contracts(owners[COMPANY_CODE], made.get("ZC-XL-001"), today)
    services.mark_contract_reminders(today=today)
