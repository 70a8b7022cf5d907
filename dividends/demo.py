"""The Gantian demo, dividends part: XingLv's books for 2022-2025, its 2024 distribution approved in
January 2025, and its 2025 distribution in public notice, so a new user can lodge an objection.

From the case study: in 2024 XingLv earned land-operation revenue of ¥90,000.00 and rental income
of ¥200,000.00 (the Lvhe market management rights and the township canteen contract), and "allocated
partial profits to support village collectives".
Synthetic (is_synthetic, note 合成数据): how the rental income splits between its two sources, every
cost, the fee and subsidy of the land-remediation project that make the year profitable, the two
earlier years and 2025, a village's own entries, the policies, and the dates of the notices and the approval.
The 2024 run keeps its dated history (published on 6 January 2025, approved on 16 January 2025); the 2025
run is published on the day the demo is loaded, so its notice is open whenever someone first tries it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from collective.models import Organisation, User
from dividends import services
from dividends.models import DistributionPolicy, DistributionRun, LedgerEntry

COMPANY_CODE = "XINGLV"
YEAR = 2024
NOTE = "合成数据"
PAPER = "论文数据"
SPLIT = "论文数据 - 租赁收入合计20万元, 按来源拆分为合成数据"
R, E = LedgerEntry.Direction.REVENUE, LedgerEntry.Direction.EXPENSE
C = LedgerEntry.Category
S = LedgerEntry.RentalSource

# (reference, direction, category, rental source, yuan, date, counterparty, note, synthetic)
COMPANY_ENTRIES = [
    ("XL-2024-R01", R, C.LAND_OPERATION, "", "90000.00", date(2024, 11, 30), "梨果收购商", PAPER, False),
    (
        "XL-2024-R02",
        R,
        C.RENTAL,
        S.LVHE_MARKET,
        "140000.00",
        date(2024, 6, 30),
        "绿荷市场经营户",
        SPLIT,
        True,
    ),
    (
        "XL-2024-R03",
        R,
        C.RENTAL,
        S.TOWNSHIP_CANTEEN,
        "60000.00",
        date(2024, 12, 31),
        "绿荷乡人民政府",
        SPLIT,
        True,
    ),
    (
        "XL-2024-R04",
        R,
        C.SERVICES,
        "",
        "1450000.00",
        date(2024, 12, 20),
        "绿荷乡人民政府",
        "合成数据 - 土地整治项目后期管护服务费",
        True,
    ),
    (
        "XL-2024-R05",
        R,
        C.SUBSIDIES,
        "",
        "380000.00",
        date(2024, 9, 30),
        "县农业农村局",
        "合成数据 - 占补平衡项目补助",
        True,
    ),
    ("XL-2024-E01", E, C.LAND_OPERATION, "", "32000.00", date(2024, 4, 15), "农资站", "合成数据 - 农资与机耕", True),
    ("XL-2024-E02", E, C.RENTAL, "", "18000.00", date(2024, 8, 10), "", "合成数据 - 市场维护", True),
    ("XL-2024-E03", E, C.SERVICES, "", "210000.00", date(2024, 10, 31), "农机合作社", "合成数据 - 管护机械作业", True),
    ("XL-2024-E04", E, C.ADMINISTRATION, "", "96000.00", date(2024, 12, 25), "", "合成数据 - 管理费用", True),
    ("XL-2024-E05", E, C.OTHER, "", "12000.00", date(2024, 12, 28), "", "合成数据", True),
    ("XL-2025-R01", R, C.LAND_OPERATION, "", "96000.00", date(2025, 11, 28), "梨果收购商", NOTE, True),
    ("XL-2025-R02", R, C.RENTAL, S.LVHE_MARKET, "145000.00", date(2025, 6, 30), "绿荷市场经营户", NOTE, True),
    ("XL-2025-R03", R, C.RENTAL, S.TOWNSHIP_CANTEEN, "60000.00", date(2025, 12, 31), "绿荷乡人民政府", NOTE, True),
    ("XL-2025-R04", R, C.SERVICES, "", "1500000.00", date(2025, 12, 19), "绿荷乡人民政府", NOTE, True),
    ("XL-2025-R05", R, C.SUBSIDIES, "", "300000.00", date(2025, 9, 30), "县农业农村局", NOTE, True),
    ("XL-2025-E01", E, C.LAND_OPERATION, "", "33000.00", date(2025, 4, 15), "农资站", NOTE, True),
    ("XL-2025-E02", E, C.RENTAL, "", "19000.00", date(2025, 8, 11), "", NOTE, True),
    ("XL-2025-E03", E, C.SERVICES, "", "215000.00", date(2025, 10, 31), "农机合作社", NOTE, True),
    ("XL-2025-E04", E, C.ADMINISTRATION, "", "98000.00", date(2025, 12, 24), "", NOTE, True),
    ("XL-2023-R01", R, C.LAND_OPERATION, "", "72000.00", date(2023, 11, 30), "梨果收购商", NOTE, True),
    ("XL-2023-R02", R, C.RENTAL, S.LVHE_MARKET, "120000.00", date(2023, 6, 30), "绿荷市场经营户", NOTE, True),
    ("XL-2023-R03", R, C.RENTAL, S.TOWNSHIP_CANTEEN, "60000.00", date(2023, 12, 31), "绿荷乡人民政府", NOTE, True),
    ("XL-2023-R04", R, C.SERVICES, "", "1300000.00", date(2023, 12, 20), "绿荷乡人民政府", NOTE, True),
    ("XL-2023-E01", E, C.LAND_OPERATION, "", "28000.00", date(2023, 4, 15), "农资站", NOTE, True),
    ("XL-2023-E02", E, C.SERVICES, "", "190000.00", date(2023, 10, 31), "农机合作社", NOTE, True),
    ("XL-2023-E03", E, C.ADMINISTRATION, "", "88000.00", date(2023, 12, 25), "", NOTE, True),
    ("XL-2022-R01", R, C.LAND_OPERATION, "", "45000.00", date(2022, 11, 30), "梨果收购商", NOTE, True),
    ("XL-2022-R02", R, C.RENTAL, S.LVHE_MARKET, "80000.00", date(2022, 6, 30), "绿荷市场经营户", NOTE, True),
    ("XL-2022-R03", R, C.SERVICES, "", "1100000.00", date(2022, 12, 20), "绿荷乡人民政府", NOTE, True),
    ("XL-2022-E01", E, C.LAND_OPERATION, "", "25000.00", date(2022, 4, 15), "农资站", NOTE, True),
    ("XL-2022-E02", E, C.ADMINISTRATION, "", "81000.00", date(2022, 12, 25), "", NOTE, True),
]
VILLAGE_ENTRIES = [
    ("GT01-2024-R01", R, C.RENTAL, S.OTHER, "36000.00", date(2024, 12, 31), "村集体厂房承租人", NOTE, True),
    ("GT01-2024-R02", R, C.SUBSIDIES, "", "50000.00", date(2024, 7, 1), "绿荷乡人民政府", NOTE, True),
    ("GT01-2024-E01", E, C.ADMINISTRATION, "", "42000.00", date(2024, 12, 20), "", NOTE, True),
    ("GT01-2023-R01", R, C.RENTAL, S.OTHER, "36000.00", date(2023, 12, 31), "村集体厂房承租人", NOTE, True),
    ("GT01-2023-E01", E, C.ADMINISTRATION, "", "39000.00", date(2023, 12, 20), "", NOTE, True),
]
NOTICE_STARTS = date(2025, 1, 6)
RESOLUTION = (date(2025, 1, 16), "兴绿[2025]1号 成员代表大会决议")
APPROVED_ON = RESOLUTION[0]  # the township approved on the day of the assembly's resolution
CURRENT_YEAR = 2025  # the run in public notice
POLICY = {
    "land_share_rate": Decimal("0.30"),
    "reserve_rate": Decimal("0.20"),
    "welfare_rate": Decimal("0.10"),
    "payout_rate": Decimal("0.80"),
    "retention_rate": Decimal("0.10"),
}


def _record(user: User, organisation: Organisation, entries) -> None:
    for reference, direction, category, source, yuan, day, counterparty, note, synthetic in entries:
        if LedgerEntry.objects.filter(organisation=organisation, source_reference=reference).exists():
            continue
        services.record_entry(
            user=user,
            organisation=organisation,
            direction=direction,
            category=category,
            rental_source=source,
            entry_date=day,
            amount_fen=int(Decimal(yuan) * 100),
            counterparty=counterparty,
            source_reference=reference,
            note=note,
            is_synthetic=synthetic,
        )


def _policy(accountant: User, company: Organisation, year: int) -> DistributionPolicy:
    policy = DistributionPolicy.objects.filter(organisation=company, year=year).order_by("version").first()
    if policy is None:
        policy = services.save_policy(
            user=accountant, organisation=company, year=year, record_date=date(year, 12, 31), note=NOTE, **POLICY
        )
    return policy


def _computed_run(accountant: User, policy: DistributionPolicy) -> DistributionRun:
    """The year's regular run, computed in this process whether or not a broker runs."""
    company, year = policy.organisation, policy.year
    run = DistributionRun.objects.filter(company=company, year=year, kind=DistributionRun.Kind.REGULAR).first()
    if run is None:
        run = services.create_run(user=accountant, policy=policy)
    if run.status in DistributionRun.COMPUTABLE_STATUSES:
        run = services.compute_run_now(user=accountant, run=run)
    return run


def load() -> None:
    """Record the books, set lawful policies, approve the 2024 run as of January 2025 and put the 2025 run
    on public notice; safe to repeat."""
    company = Organisation.objects.filter(code=COMPANY_CODE).first()
    accountant = User.objects.filter(username="accountant").first()
    township = User.objects.filter(username="township").first()
    if company is None or accountant is None or township is None:
        return
    with transaction.atomic():
        _record(accountant, company, COMPANY_ENTRIES)
        village = User.objects.filter(username="village01").first()
        gantian = Organisation.objects.filter(code="GT01").first()
        if village and gantian:
            _record(village, gantian, VILLAGE_ENTRIES)
        policy = _policy(accountant, company, YEAR)
        current_policy = _policy(accountant, company, CURRENT_YEAR)
    run = _computed_run(accountant, policy)
    if run.status == DistributionRun.Status.COMPUTED:
        run = services.publish_notice(user=accountant, run=run, starts_on=NOTICE_STARTS, published_on=NOTICE_STARTS)
    if run.status == DistributionRun.Status.NOTICE:
        services.approve_run(
            user=township,
            run=run,
            resolution_date=RESOLUTION[0],
            resolution_reference=RESOLUTION[1],
            approved_on=APPROVED_ON,
        )
    current = _computed_run(accountant, current_policy)
    if current.status == DistributionRun.Status.COMPUTED:
        services.publish_notice(user=accountant, run=current)
