# ruff: noqa: RUF001 - Chinese names and notes use Chinese punctuation.
"""The Gantian demo, pear association part.

From the case study: the Gantian Premium Pear Association, more than 200 technical training
sessions over two decades, a yield that grew from 30 tons to 3,400 tons, the Yunnan Red Pear
among new cultivars, pollution-free certification, a 500-ton cold store and a line that turns
substandard fruit into pear vinegar and fruit wine.

Synthetic (labelled `is_synthetic`): the growers, their names, areas and joining dates; every
training session; the harvest of each year between 2004 (30 t) and 2024 (3,400 t), the only two
figures from the paper, and how each year is split over growers, cultivars and grades; the
certificates' numbers and dates; the cold store's fee, lots and movements; the processing
batches and sales. The years the cultivars were introduced are synthetic too.

Growers are linked to collective members of their village where the registry has members;
otherwise they stand alone. Loading twice changes nothing: everything is keyed by stable codes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from association import services
from association.models import (
    Attendance,
    Certification,
    ColdStore,
    Cultivar,
    Grade,
    Grower,
    Harvest,
    Product,
    StorageMovement,
    TrainingSession,
)
from collective.demo import PEAR_ASSOCIATION_CODE
from collective.models import Member, Organisation
from collective.money import split_largest_remainder

SEED = 2004
STORE_CODE = "PEAR-CS1"
STORE_CAPACITY_KG = 500_000  # the paper's 500-ton cold store
STORE_FEE_FEN_PER_TONNE_DAY = 100  # synthetic: ¥1.00 per tonne per day

# Association-wide harvest per season in kg. 2004 (30 t) and 2024 (3,400 t) are the paper's;
# the years between are a synthetic, plausible path (with the 2010 Yunnan drought as a dip).
YEARLY_HARVEST_KG = {
    2004: 30_000,
    2005: 42_000,
    2006: 61_000,
    2007: 88_000,
    2008: 126_000,
    2009: 170_000,
    2010: 148_000,
    2011: 235_000,
    2012: 318_000,
    2013: 420_000,
    2014: 540_000,
    2015: 690_000,
    2016: 860_000,
    2017: 1_050_000,
    2018: 1_280_000,
    2019: 1_560_000,
    2020: 1_850_000,
    2021: 2_200_000,
    2022: 2_560_000,
    2023: 2_950_000,
    2024: 3_400_000,
}
PAPER_FIGURES = {2004, 2024}

# (name, year introduced or None for the local cultivars, notes, synthetic?)
CULTIVARS = [
    ("宝珠梨", None, "昆明一带的传统地方品种。", True),
    ("火把梨", None, "云南地方品种，果皮向阳面红色。", True),
    ("翠冠", 2007, "早熟砂梨，协会引进试种（引进年份为示例数据）。", True),
    ("云南红梨", 2010, "案例所述协会引进的新品种；引进年份为示例数据。", False),
    ("黄金梨", 2014, "引进品种（示例数据）。", True),
]
BASE_CULTIVARS = ["宝珠梨", "火把梨"]
NEW_CULTIVARS = ["翠冠", "云南红梨", "黄金梨"]

# Growers per village: Gantian is the pear village.
GROWERS_PER_VILLAGE = {"GT01": 60}
DEFAULT_GROWERS_PER_VILLAGE = 15
FOUNDERS = 15

# Sessions per year, 2005-2024: 212 in all.
SESSIONS_PER_YEAR = [4, 5, 6, 7, 8, 9, 9, 10, 10, 11, 12, 13, 13, 13, 13, 14, 14, 13, 14, 14]

# Topic by month: pruning in winter, pollination in spring, pests in summer, harvest in autumn.
TOPICS_BY_MONTH = {
    1: TrainingSession.Topic.PRUNING,
    2: TrainingSession.Topic.GRAFTING,
    3: TrainingSession.Topic.POLLINATION,
    4: TrainingSession.Topic.THINNING,
    5: TrainingSession.Topic.PESTS,
    6: TrainingSession.Topic.PESTS,
    7: TrainingSession.Topic.STANDARDS,
    8: TrainingSession.Topic.HARVEST,
    9: TrainingSession.Topic.HARVEST,
    10: TrainingSession.Topic.PROCESSING,
    11: TrainingSession.Topic.FERTILISATION,
    12: TrainingSession.Topic.PRUNING,
}
TRAINERS = [
    "云南省农业科学院园艺作物研究所专家",
    "县农业技术推广中心农艺师",
    "乡农业综合服务中心技术员",
    "协会技术骨干",
    "云南农业大学园艺学院教师",
]
SURNAMES = "李王张杨赵刘陈段普字罗何周李杨张王施鲁毕起"
GIVEN = "国华建明德福贵荣兴发学文正云红梅兰英秀芳春光永成志家顺"

CERTIFICATIONS = [
    # (kind, number, scope, issuer, valid from, valid to)
    (
        Certification.Kind.POLLUTION_FREE,
        "WNCR-2008-0231",
        "甘田梨（宝珠梨、火把梨）鲜果，示范果园",
        "农业部农产品质量安全中心",
        date(2008, 11, 20),
        date(2011, 11, 19),
    ),
    (
        Certification.Kind.POLLUTION_FREE,
        "WNCR-2011-0877",
        "甘田梨鲜果，协会会员果园",
        "农业部农产品质量安全中心",
        date(2011, 11, 20),
        date(2014, 11, 19),
    ),
    (
        Certification.Kind.POLLUTION_FREE,
        "WNCR-2014-1530",
        "甘田梨鲜果，协会会员果园",
        "农业部农产品质量安全中心",
        date(2014, 11, 20),
        date(2017, 11, 19),
    ),
    (
        Certification.Kind.GREEN,
        "LB-15-2206-5301",
        "甘田梨鲜果（含云南红梨）",
        "中国绿色食品发展中心",
        date(2022, 6, 1),
        date(2025, 5, 31),
    ),
    (
        Certification.Kind.GREEN,
        "LB-15-2506-5301",
        "甘田梨鲜果（含云南红梨）",
        "中国绿色食品发展中心",
        date(2025, 6, 1),
        date(2028, 5, 31),
    ),
    (
        Certification.Kind.ORGANIC,
        "ORG-530-2024-0042",
        "云南红梨有机转换示范园 50 亩",
        "有机产品认证机构（示例）",
        date(2024, 2, 1),
        date(2027, 1, 31),
    ),
]

STORAGE_SEASONS = [2024, 2025, 2026]
STORAGE_LOTS_PER_SEASON = 30
STORAGE_SEASON_KG = {2024: 440_000, 2025: 465_000, 2026: 420_000}
# Fruit leaves the store until this day; the 2026 season is still partly in store.
STORAGE_LAST_MOVEMENT = date(2026, 11, 20)
VINEGAR_LITRES_PER_KG = Decimal("0.72")
WINE_LITRES_PER_KG = Decimal("0.48")
PRICE_FEN_PER_LITRE = {Product.VINEGAR: 1_500, Product.WINE: 4_500}
FRUIT_BUYERS = ["昆明金马正昌水果批发市场客商", "广东水果客商", "电商平台订单", "绿荷街市场商户"]
PRODUCT_BUYERS = ["昆明连锁超市", "绿荷街市场商户", "电商平台订单", "县城酒店"]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def load_cultivars() -> dict[str, Cultivar]:
    cultivars = {}
    for name, year, notes, synthetic in CULTIVARS:
        cultivars[name], _ = Cultivar.objects.update_or_create(
            name=name, defaults={"introduced_year": year, "notes": notes, "is_synthetic": synthetic}
        )
    return cultivars


def _grower_plan(villages: list[Organisation]) -> list[dict]:
    """Return the synthetic growers, deterministic: code, village, name, area, joining year, cultivars."""
    rng = random.Random(SEED)
    plan = []
    for village in villages:
        count = GROWERS_PER_VILLAGE.get(village.code, DEFAULT_GROWERS_PER_VILLAGE)
        for number in range(1, count + 1):
            if village.code == "GT01" and number <= FOUNDERS:
                joined = date(2004, 3, 1)
            elif village.code == "GT01":
                joined = date(rng.randint(2005, 2016), rng.randint(1, 12), rng.randint(1, 28))
            else:
                joined = date(rng.randint(2008, 2023), rng.randint(1, 12), rng.randint(1, 28))
            base = rng.choice(BASE_CULTIVARS)
            new = rng.sample(NEW_CULTIVARS, rng.randint(0, 2))
            plan.append(
                {
                    "code": f"{village.code}-G{number:03d}",
                    "village": village,
                    "name": _name(rng),
                    "area": Decimal(rng.randint(20, 160)) / 10,
                    "joined_on": joined,
                    "cultivars": [base, *new],
                    "phone": f"139{rng.randint(10_000_000, 99_999_999)}",
                }
            )
    return plan


def load_growers(pear: Organisation, cultivars: dict[str, Cultivar]) -> list[Grower]:
    villages = list(Organisation.objects.collectives().order_by("code"))
    plan = _grower_plan(villages)
    linked = set(Grower.objects.filter(association=pear, member__isnull=False).values_list("member_id", flat=True))
    # Link about a third of each village's growers to collective members where the registry has them.
    free_members: dict[int, list[Member]] = {}
    for village in villages:
        members = Member.objects.filter(household__association=village).order_by("household__code", "pk")
        free_members[village.pk] = [m for m in members[:40] if m.pk not in linked]
    growers = []
    for row in plan:
        grower = Grower.objects.filter(code=row["code"]).first()
        member = grower.member if grower else None
        number = int(row["code"].rsplit("G", 1)[1])
        if member is None and number % 3 == 1 and free_members[row["village"].pk]:
            member = free_members[row["village"].pk].pop(0)
            linked.add(member.pk)
        grower, _ = Grower.objects.update_or_create(
            code=row["code"],
            defaults={
                "association": pear,
                "name": member.name if member else row["name"],
                "member": member,
                "village": row["village"],
                "orchard_area_mu": row["area"],
                "joined_on": row["joined_on"],
                "phone": row["phone"],
                "is_synthetic": True,
            },
        )
        wanted = {cultivars[name].pk for name in row["cultivars"]}
        if set(grower.cultivars.values_list("pk", flat=True)) != wanted:
            grower.cultivars.set(wanted)
        growers.append(grower)
    return growers


def load_trainings(pear: Organisation, growers: list[Grower]) -> None:
    rng = random.Random(SEED + 1)
    existing = set(TrainingSession.objects.filter(association=pear).values_list("code", flat=True))
    places = ["甘田村活动室", "甘田示范果园", "绿荷乡农业综合服务中心"]
    new_sessions, planned_attendance = [], {}
    for year, count in zip(range(2005, 2025), SESSIONS_PER_YEAR, strict=True):
        months = sorted(rng.choice(range(1, 13)) for _ in range(count))
        for number, month in enumerate(months, start=1):
            held_on = date(year, month, rng.randint(1, 28))
            code = f"T{year}-{number:03d}"
            topic = TOPICS_BY_MONTH[month]
            if year >= 2015 and rng.random() < 0.15:
                topic = TrainingSession.Topic.STANDARDS
            trainer = rng.choice(TRAINERS)
            place = rng.choice(places)
            active = [g for g in growers if g.joined_on <= held_on]
            present = rng.sample(active, min(len(active), max(5, int(len(active) * rng.uniform(0.2, 0.45)))))
            if code in existing:
                continue
            new_sessions.append(
                TrainingSession(
                    association=pear,
                    code=code,
                    held_on=held_on,
                    topic=topic,
                    title="",
                    trainer=trainer,
                    place=place,
                    is_synthetic=True,
                )
            )
            planned_attendance[code] = present
    TrainingSession.objects.bulk_create(new_sessions)
    by_code = {s.code: s for s in TrainingSession.objects.filter(code__in=planned_attendance)}
    Attendance.objects.bulk_create(
        [
            Attendance(session=by_code[code], grower=grower)
            for code, present in planned_attendance.items()
            for grower in sorted(present, key=lambda g: g.code)
        ]
    )


def _grade_shares(season: int) -> dict[str, int]:
    """Percent by grade: training shows as more premium fruit and less substandard over the years."""
    progress = season - 2004
    premium = 15 + progress * 3 // 2
    substandard = max(35 - progress, 14)
    return {"premium_kg": premium, "standard_kg": 100 - premium - substandard, "substandard_kg": substandard}


def harvest_plan(growers: list[Grower], cultivars: dict[str, Cultivar]) -> list[dict]:
    """Split each season's total over growers x cultivars and grades, exactly, by largest remainder."""
    grown = {g.pk: [c.name for c in g.cultivars.all()] for g in growers}
    introduced = {name: year for name, year, _notes, _synthetic in CULTIVARS}
    rows = []
    for season, total_kg in YEARLY_HARVEST_KG.items():
        weights = {}
        for grower in growers:
            if grower.joined_on.year > season:
                continue
            # Young orchards and newly grafted cultivars bear little in their first years.
            maturity = min(season - grower.joined_on.year + 1, 4)
            for name in grown[grower.pk]:
                year = introduced[name]
                if year is not None and year > season:
                    continue
                age = 4 if year is None else min(season - year + 1, 4)
                weights[(grower.code, name)] = grower.orchard_area_mu * maturity * age
        by_code = {g.code: g for g in growers}
        for (code, name), kg in sorted(split_largest_remainder(total_kg, weights).items()):
            if kg == 0:
                continue
            grades = split_largest_remainder(kg, _grade_shares(season))
            rows.append({"grower": by_code[code], "season": season, "cultivar": cultivars[name], **grades})
    return rows


def load_harvests(growers: list[Grower], cultivars: dict[str, Cultivar]) -> None:
    existing = set(Harvest.objects.filter(grower__in=growers).values_list("grower_id", "season", "cultivar_id"))
    Harvest.objects.bulk_create(
        [
            Harvest(is_synthetic=True, **row)
            for row in harvest_plan(growers, cultivars)
            if (row["grower"].pk, row["season"], row["cultivar"].pk) not in existing
        ],
        batch_size=1000,
    )


def load_certifications(pear: Organisation) -> None:
    for kind, number, scope, issuer, valid_from, valid_to in CERTIFICATIONS:
        Certification.objects.update_or_create(
            association=pear,
            certificate_number=number,
            defaults={
                "kind": kind,
                "scope": scope,
                "issuer": issuer,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "is_synthetic": True,
            },
        )


def _storage_events(growers: list[Grower], cultivars: dict[str, Cultivar]) -> list[tuple]:
    """Plan the store's seasons as dated events: (day, order, kind, payload)."""
    rng = random.Random(SEED + 2)
    events = []
    for season in STORAGE_SEASONS:
        active = [g for g in growers if g.joined_on.year < season]
        weights = {index: rng.randint(5, 20) for index in range(STORAGE_LOTS_PER_SEASON)}
        quantities = split_largest_remainder(STORAGE_SEASON_KG[season], weights)
        substandard = []
        for index in range(STORAGE_LOTS_PER_SEASON):
            grower = rng.choice(active)
            cultivar = cultivars[rng.choice([c.name for c in grower.cultivars.all()])]
            grade = Grade.SUBSTANDARD if index % 5 == 4 else (Grade.PREMIUM if index % 2 else Grade.STANDARD)
            stored_on = date(season, 8, 10) + timedelta(days=rng.randint(0, 70))
            key = (season, index)
            events.append((stored_on, 0, "in", key, grower, cultivar, grade, quantities[index]))
            if grade == Grade.SUBSTANDARD:
                substandard.append((key, quantities[index]))
                continue
            # Sold in two or three tranches over the winter.
            left = quantities[index]
            day = max(stored_on, date(season, 10, 25))
            tranches = rng.randint(2, 3)
            for tranche in range(tranches):
                day = day + timedelta(days=rng.randint(15, 50))
                kg = left if tranche == tranches - 1 else left * rng.randint(30, 60) // 100
                if kg and day <= STORAGE_LAST_MOVEMENT:
                    events.append((day, 1, "out", key, rng.choice(FRUIT_BUYERS), kg))
                left -= kg
        # Substandard fruit goes to processing in December; the 2026 season's first batch in November.
        if season < 2026:
            half = len(substandard) // 2
            events.append((date(season, 12, 5), 2, "batch", Product.VINEGAR, substandard[:half]))
            events.append((date(season, 12, 15), 2, "batch", Product.WINE, substandard[half:]))
        else:
            events.append(
                (date(season, 11, 10), 2, "batch", Product.VINEGAR, [(k, kg // 2) for k, kg in substandard[:3]])
            )
    return sorted(events, key=lambda event: (event[0], event[1]))


def load_storage(pear: Organisation, growers: list[Grower], cultivars: dict[str, Cultivar]) -> None:
    store, _ = ColdStore.objects.get_or_create(
        code=STORE_CODE,
        defaults={
            "association": pear,
            "name": "甘田梨协会冷库（500吨）",
            "capacity_kg": STORE_CAPACITY_KG,
            "fee_fen_per_tonne_day": STORE_FEE_FEN_PER_TONNE_DAY,
        },
    )
    if store.lots.exists():
        return
    rng = random.Random(SEED + 3)
    lots = {}
    for event in _storage_events(growers, cultivars):
        day, _order, kind = event[:3]
        if kind == "in":
            key, grower, cultivar, grade, kg = event[3:]
            lots[key] = services.book_in(
                store=store, grower=grower, cultivar=cultivar, grade=grade, quantity_kg=kg, stored_on=day
            )
        elif kind == "out":
            key, buyer, kg = event[3:]
            services.book_out(lot=lots[key], quantity_kg=kg, moved_on=day, buyer=buyer)
        else:
            product, draws = event[3:]
            lot_draws = [(lots[key], kg) for key, kg in draws]
            per_kg = VINEGAR_LITRES_PER_KG if product == Product.VINEGAR else WINE_LITRES_PER_KG
            litres = (sum(kg for _lot, kg in lot_draws) * per_kg).quantize(Decimal("0.1"))
            batch = services.record_processing_batch(
                association=pear, product=product, processed_on=day, output_litres=litres, draws=lot_draws
            )
            _sell(batch, rng)
    store.lots.update(is_synthetic=True)
    StorageMovement.objects.filter(lot__store=store).update(is_synthetic=True)


def _sell(batch, rng: random.Random) -> None:
    """Sell about 30 % of a batch in each of the three months that follow it (until the demo's last day)."""
    day = batch.processed_on
    for _tranche in range(3):
        day += timedelta(days=rng.randint(20, 40))
        if day > STORAGE_LAST_MOVEMENT:
            break
        litres = (batch.output_litres * Decimal(rng.randint(25, 32)) / 100).quantize(Decimal("0.1"))
        amount_fen = int((litres * PRICE_FEN_PER_LITRE[batch.product]).to_integral_value())
        services.record_product_sale(
            batch=batch,
            sold_on=day,
            litres=litres,
            amount_fen=amount_fen,
            buyer=rng.choice(PRODUCT_BUYERS),
            is_synthetic=True,
        )
    batch.is_synthetic = True
    batch.save(update_fields=["is_synthetic"])


@transaction.atomic
def load() -> None:
    """Load the pear association's growers, trainings, certificates, harvests and cold store."""
    pear = Organisation.objects.get(code=PEAR_ASSOCIATION_CODE)
    cultivars = load_cultivars()
    growers = load_growers(pear, cultivars)
    growers = list(Grower.objects.filter(pk__in=[g.pk for g in growers]).prefetch_related("cultivars"))
    load_certifications(pear)
    load_trainings(pear, growers)
    load_harvests(growers, cultivars)
    load_storage(pear, growers, cultivars)
