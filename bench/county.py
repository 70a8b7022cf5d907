"""A synthetic county for measuring the distribution at scale (issue 9, docs/scaling.md).

`generate_county` writes, with PostgreSQL COPY, the very tables the real services read — the
organisations and the company's equity, households with members, share types and the share
ledger (a quantification plus later transfers), parcels and land-transfer contracts, remediation
labour, and the company's ledger and policy for the year — so a real run computes it. Only the
ORM's per-row cost is skipped: no model objects, no history rows (the synthetic rows are marked
is_synthetic instead), and one precomputed token in the encrypted personal-data columns (see
SYNTHETIC_PII_TEXT). Connected as a superuser, the bulk tables are written as pg_restore
--disable-triggers writes them, without the per-row foreign-key checks (the generator takes every
id it references itself). Everything follows from the seed: the same arguments give the same county.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import StringIO

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from collective.crypto import encrypt
from collective.models import EquityEvent, Organisation, ShareType, User
from collective.resident_id import check_character
from dividends.models import DistributionPolicy, LedgerEntry

# The encrypted ID and bank account columns of every synthetic row hold the encryption of this text,
# computed once: Fernet costs ~20 µs a row, minutes for a county. Revealing such a number shows it.
SYNTHETIC_PII_TEXT = "SYNTHETIC"
PREFIX = "SC"
YEAR = 2024
QUANTIFIED_ON = date(2021, 1, 1)
TRANSFERRED_ON = date(2023, 5, 1)
RECORD_DATE = date(YEAR, 12, 31)
# How many households rent land to the company, and how many members worked on its remediation project.
CONTRACT_SHARE = 0.05
LABOUR_SHARE = 0.02
# Households per transaction: each commit is a few seconds of work.
BATCH_HOUSEHOLDS = 20_000

REGIONS = ("530102", "530103", "530111", "530112", "530113", "530114", "530124", "530125", "530126", "530181")
FAMILY_NAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
GIVEN_CHARACTERS = "明华国建军伟芳丽秀英桂兰玉春海平志强永红德成文学金荣林宏云凤顺兴福贵英梅"
SEXES = ("male", "female")


@dataclass
class County:
    """What generate_county wrote, for the caller to report and to drive a run."""

    company: Organisation
    associations: int
    households: int = 0
    members: int = 0
    share_lines: int = 0
    contracts: int = 0
    labour_records: int = 0
    policy: DistributionPolicy | None = None
    users: dict[str, User] = field(default_factory=dict)
    skip_key_checks: bool = False


def _reserve_ids(cursor, table: str, count: int) -> int:
    """Take `count` consecutive ids from the table's sequence; return the first."""
    if count == 0:
        return 0
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
        [table, table, count],
    )
    return cursor.fetchone()[0] - count + 1


def _copy(cursor, table: str, columns: Sequence[str], lines: Iterable[str]) -> int:
    """COPY preformatted tab-separated lines (no value here needs escaping) into a table."""
    buffer = StringIO()
    count = 0
    for line in lines:
        buffer.write(line)
        buffer.write("\n")
        count += 1
    if count:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
    return count


class _Ids:
    """Resident ID numbers unique within an association: a counter per (birth date, sex)."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.counters: dict[tuple[int, int], int] = {}
        self.hasher = hmac.new(settings.PII_HASH_KEY.encode(), digestmod=hashlib.sha256)

    def make(self, born: date, male: bool) -> tuple[str, str]:
        key = (born.toordinal(), male)
        index = self.counters.get(key, 0)
        self.counters[key] = index + 1
        if index >= 500:
            raise ValueError("more than 500 members of one association share a birth date and sex")
        first_17 = f"{self.region}{born:%Y%m%d}{2 * index + (1 if male else 0):03d}"
        number = first_17 + check_character(first_17)
        digest = self.hasher.copy()
        digest.update(number.encode())
        return number, digest.hexdigest()


def generate_county(
    *,
    households: int,
    associations: int,
    seed: int = 1,
    password: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> County:
    """Write a synthetic county of `households` households in `associations` associations (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        raise ValueError("The synthetic county is written with COPY: it needs PostgreSQL.")
    if households < 1 or associations < 1 or associations > households:
        raise ValueError("Give at least one household per association.")
    if Organisation.objects.filter(code__startswith=f"{PREFIX}-").exists():
        raise ValueError("A synthetic county is already in this database: flush it first (manage.py flush).")
    rng = random.Random(seed)
    report = progress or (lambda message: None)
    county = _organisations(associations)
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        county.skip_key_checks = bool(cursor.fetchone()[0])
    pii_token = encrypt(SYNTHETIC_PII_TEXT)
    now = timezone.now().isoformat()
    association_rows = list(Organisation.objects.filter(code__startswith=f"{PREFIX}-A").order_by("code"))
    types = _share_types(association_rows)
    base, extra = divmod(households, associations)
    sizes = [base + (1 if index < extra else 0) for index in range(associations)]
    batch: list[tuple[Organisation, int]] = []
    batch_households = 0
    for association, size in zip(association_rows, sizes, strict=True):
        batch.append((association, size))
        batch_households += size
        if batch_households >= BATCH_HOUSEHOLDS:
            _write_batch(county, batch, types, rng, pii_token, now)
            report(f"{county.households:,} households written")
            batch, batch_households = [], 0
    if batch:
        _write_batch(county, batch, types, rng, pii_token, now)
        report(f"{county.households:,} households written")
    _ledger_and_policy(county)
    county.users = _users(county, password)
    with connection.cursor() as cursor:
        for table in (
            "collective_organisation",
            "collective_household",
            "collective_member",
            "collective_sharetype",
            "collective_shareevent",
            "collective_shareeventline",
            "land_parcel",
            "land_landtransfercontract",
            "land_contractparcel",
            "land_labourrecord",
        ):
            cursor.execute(f"ANALYZE {table}")
    return county


def _organisations(count: int) -> County:
    township = Organisation.objects.create(
        code=f"{PREFIX}-T", name="合成县 (synthetic county)", kind=Organisation.Kind.TOWNSHIP, is_synthetic=True
    )
    company = Organisation.objects.create(
        code=f"{PREFIX}-CO",
        name="合成县农业开发有限公司 (synthetic)",
        kind=Organisation.Kind.COMPANY,
        township=township,
        is_synthetic=True,
    )
    associations = Organisation.objects.bulk_create(
        Organisation(
            code=f"{PREFIX}-A{index:04d}",
            name=f"合成{index}村股份经济合作社",
            kind=Organisation.Kind.COLLECTIVE,
            township=township,
            is_synthetic=True,
        )
        for index in range(1, count + 1)
    )
    EquityEvent.objects.bulk_create(
        EquityEvent(
            company=company,
            holder=association,
            effective_date=date(2020, 6, 1),
            shares_delta=100 + (index * 37) % 900,
            reason=EquityEvent.Reason.FOUNDING,
            note="合成数据",
        )
        for index, association in enumerate(associations)
    )
    return County(company=company, associations=count)


def _share_types(associations: Sequence[Organisation]) -> dict[int, dict[str, ShareType]]:
    specs = [
        ("population", "人口股", Decimal(1), False),
        ("labour", "劳龄股", Decimal("0.1"), False),
        ("collective", "集体股", Decimal(1), True),
    ]
    created = ShareType.objects.bulk_create(
        ShareType(
            association=association,
            code=code,
            name=name,
            weight=weight,
            is_collective=collective,
            description="合成数据",
        )
        for association in associations
        for code, name, weight, collective in specs
    )
    types: dict[int, dict[str, ShareType]] = {}
    for share_type in created:
        types.setdefault(share_type.association_id, {})[share_type.code] = share_type
    return types


def _member_count(rng: random.Random) -> int:
    roll = rng.random()
    for members, cumulative in ((1, 0.10), (2, 0.30), (3, 0.55), (4, 0.80), (5, 0.93)):
        if roll < cumulative:
            return members
    return 6


@transaction.atomic
def _write_batch(
    county: County,
    batch: Sequence[tuple[Organisation, int]],
    types: dict[int, dict[str, ShareType]],
    rng: random.Random,
    pii_token: str,
    now: str,
) -> None:
    """Write a few associations' households, members, share ledger, land and labour in one transaction."""
    company_id = county.company.pk
    total_households = sum(size for _association, size in batch)
    if county.skip_key_checks:
        with connection.cursor() as cursor:
            # As pg_restore --disable-triggers does: the rows reference only ids taken above in this
            # transaction or rows written before it, so the per-row key checks would find nothing.
            cursor.execute("SET LOCAL session_replication_role = replica")
    plans = [[_member_count(rng) for _ in range(size)] for _association, size in batch]
    total_members = sum(sum(plan) for plan in plans)
    with connection.cursor() as cursor:
        # Households point at their head and members at their household: ids are taken first, so both go
        # in by COPY (the head's foreign key is checked at commit).
        household_id = _reserve_ids(cursor, "collective_household", total_households)
        member_id = _reserve_ids(cursor, "collective_member", total_members)
        event_id = _reserve_ids(cursor, "collective_shareevent", 2 * len(batch))
        households_out: list[str] = []
        members_out: list[str] = []
        events_out: list[str] = []
        lines_out: list[str] = []
        parcels_out: list[tuple] = []
        labour_out: list[tuple] = []
        for (association, _size), plan in zip(batch, plans, strict=True):
            association_types = types[association.pk]
            population = association_types["population"].pk
            labour = association_types["labour"].pk
            collective = association_types["collective"].pk
            number = int(association.code[-4:])
            ids = _Ids(REGIONS[number % len(REGIONS)])
            issue_id, transfer_id = event_id, event_id + 1
            event_id += 2
            events_out.append(
                f"{issue_id}\t{association.pk}\tissue\t{QUANTIFIED_ON}\t{QUANTIFIED_ON}\t合成数据 股权量化\t{{}}\t{now}"
            )
            events_out.append(
                f"{transfer_id}\t{association.pk}\ttransfer\t{TRANSFERRED_ON}\t\\N\t合成数据 股权转让\t{{}}\t{now}"
            )
            population_total = 0
            previous: tuple[int, int] | None = None
            for index, members in enumerate(plan, start=1):
                code = f"{association.code[len(PREFIX) + 1 :]}-{index:06d}"
                group = 1 + index * 12 // len(plan)
                head_id = member_id
                account = f"6217{number:04d}{index:08d}"
                households_out.append(
                    f"{household_id}\t{association.pk}\t{code}\t{group}组\t\t{head_id}\t\\N\t\\N\t\t农村信用社"
                    f"\t{pii_token}\t{account[:4]}{'*' * (len(account) - 8)}{account[-4:]}\tt"
                )
                head_born = date.fromordinal(date(1950, 1, 1).toordinal() + rng.randrange(0, 365 * 45))
                counted = 0
                labour_years = 0
                for position in range(members):
                    if position == 0:
                        born, relation, male = head_born, "head", rng.random() < 0.8
                    elif position == 1 and members > 2:
                        born = date.fromordinal(head_born.toordinal() + rng.randrange(-1500, 1500))
                        relation, male = "spouse", rng.random() < 0.2
                    else:
                        born = date.fromordinal(head_born.toordinal() + rng.randrange(20 * 365, 40 * 365))
                        relation, male = "child", rng.random() < 0.5
                    ceased = position > 0 and rng.random() < 0.02
                    number_text, digest = ids.make(born, male)
                    name = (
                        FAMILY_NAMES[rng.randrange(len(FAMILY_NAMES))]
                        + GIVEN_CHARACTERS[rng.randrange(len(GIVEN_CHARACTERS))]
                        + (GIVEN_CHARACTERS[rng.randrange(len(GIVEN_CHARACTERS))] if rng.random() < 0.7 else "")
                    )
                    members_out.append(
                        f"{member_id}\t{household_id}\t{association.pk}\t{name}\t{SEXES[0 if male else 1]}\t{born}"
                        f"\t\t{pii_token}\t{digest}\t{number_text[:6]}********{number_text[-4:]}\t{number_text[-4:]}"
                        f"\t{relation}\t\\N" + ("\t2019-06-30\tmoved_away\t合成数据" if ceased else "\t\\N\t\t") + "\tt"
                    )
                    if not ceased:
                        counted += 1
                        age = QUANTIFIED_ON.year - born.year
                        labour_years += max(0, min(age, 60) - 16)
                    if position == 0 and rng.random() < LABOUR_SHARE:
                        labour_out.append((member_id, household_id))
                    member_id += 1
                population_total += counted
                lines_out.append(f"{counted}\t{issue_id}\t{household_id}\t{population}")
                if labour_years:
                    lines_out.append(f"{labour_years}\t{issue_id}\t{household_id}\t{labour}")
                if rng.random() < CONTRACT_SHARE:
                    parcels_out.append((household_id, association.pk, code, group))
                # A household gives one population share to its neighbour now and then: holdings come from events.
                if previous is not None and counted > 1 and rng.random() < 0.01:
                    lines_out.append(f"-1\t{transfer_id}\t{household_id}\t{population}")
                    lines_out.append(f"1\t{transfer_id}\t{previous[0]}\t{population}")
                previous = (household_id, counted)
                household_id += 1
            lines_out.append(f"{max(1, population_total // 5)}\t{issue_id}\t\\N\t{collective}")
        county.households += _copy(
            cursor,
            "collective_household",
            (
                "id",
                "association_id",
                "code",
                "village_group",
                "address",
                "head_id",
                "established_on",
                "dissolved_on",
                "certificate_number",
                "bank_name",
                "bank_account_encrypted",
                "masked_bank_account",
                "is_synthetic",
            ),
            households_out,
        )
        county.members += _copy(
            cursor,
            "collective_member",
            (
                "id",
                "household_id",
                "association_id",
                "name",
                "sex",
                "birth_date",
                "phone",
                "id_number_encrypted",
                "id_number_hash",
                "masked_id_number",
                "id_number_last4",
                "relation",
                "joined_on",
                "ceased_on",
                "cease_reason",
                "cease_note",
                "is_synthetic",
            ),
            members_out,
        )
        _copy(
            cursor,
            "collective_shareevent",
            ("id", "association_id", "kind", "effective_date", "base_date", "note", "details", "created_at"),
            events_out,
        )
        county.share_lines += _copy(
            cursor,
            "collective_shareeventline",
            ("quantity_delta", "event_id", "household_id", "share_type_id"),
            lines_out,
        )
        county.contracts += _land(cursor, company_id, parcels_out, rng, now)
        county.labour_records += _copy(
            cursor,
            "land_labourrecord",
            (
                "member_id",
                "household_id",
                "employer_id",
                "work_date",
                "days",
                "day_wage_fen",
                "task",
                "is_synthetic",
                "created_at",
            ),
            (
                f"{member}\t{household}\t{company_id}\t{date(YEAR, 3 + rng.randrange(8), 1 + rng.randrange(28))}"
                f"\t{rng.randrange(2, 41) / 2}\t12000\t土地整治 (合成)\tt\t{now}"
                for member, household in labour_out
            ),
        )


def _land(cursor, company_id: int, parcels: Sequence[tuple], rng: random.Random, now: str) -> int:
    """One parcel and one contract to the company per renting household (most share in the land profit)."""
    if not parcels:
        return 0
    parcel_id = _reserve_ids(cursor, "land_parcel", len(parcels))
    contract_id = _reserve_ids(cursor, "land_landtransfercontract", len(parcels))
    parcel_lines, contract_lines, line_lines = [], [], []
    for offset, (household_id, association_id, code, group) in enumerate(parcels):
        area = Decimal(rng.randrange(10, 200)) / 10
        late = rng.random() < 0.1
        start = date(YEAR, 7, 1) if late else date(2021, 1, 1)
        end = date(2033, 6, 30) if late else date(2030, 12, 31)
        escalates = not late and rng.random() < 0.3
        parcel_lines.append(
            f"{parcel_id + offset}\tP-{code}\t{association_id}\t{group}组\t{area}\tarable\t\\N\t\t{household_id}\tt"
        )
        contract_lines.append(
            f"{contract_id + offset}\tHT-{code}\t{household_id}\t{company_id}\tlease\t{start.replace(day=1)}"
            f"\t{start}\t{end}\t{60000 + 500 * rng.randrange(0, 20)}"
            + ("\t5.0000\t3" if escalates else "\t\\N\t\\N")
            + f"\t{'t' if rng.random() < 0.8 else 'f'}\t1\t12\t20\tactive\t\\N\t\tf\t合成数据\tt\t{now}"
        )
        line_lines.append(f"{contract_id + offset}\t{parcel_id + offset}\t{area}\t{start}\t{end}\tt")
    _copy(
        cursor,
        "land_parcel",
        (
            "id",
            "code",
            "association_id",
            "village_group",
            "area_mu",
            "land_class",
            "contract_right_end",
            "note",
            "contract_household_id",
            "is_synthetic",
        ),
        parcel_lines,
    )
    _copy(
        cursor,
        "land_landtransfercontract",
        (
            "id",
            "number",
            "household_id",
            "transferee_id",
            "transfer_mode",
            "signed_on",
            "start_date",
            "end_date",
            "rent_per_mu_fen",
            "escalation_percent",
            "escalation_every_years",
            "profit_share",
            "profit_share_weight",
            "payment_due_month",
            "payment_due_day",
            "status",
            "terminated_on",
            "termination_reason",
            "expiring_soon",
            "note",
            "is_synthetic",
            "created_at",
        ),
        contract_lines,
    )
    _copy(
        cursor,
        "land_contractparcel",
        ("contract_id", "parcel_id", "area_mu", "start_date", "end_date", "binding"),
        line_lines,
    )
    return len(parcels)


def _ledger_and_policy(county: County) -> None:
    """The company's year, sized to the county so that every pool is positive."""
    company = county.company
    scale = county.households
    revenue = [
        (LedgerEntry.Category.LAND_OPERATION, "", 60_000 * scale),
        (LedgerEntry.Category.RENTAL, LedgerEntry.RentalSource.LVHE_MARKET, 30_000 * scale),
        (LedgerEntry.Category.RENTAL, LedgerEntry.RentalSource.TOWNSHIP_CANTEEN, 20_000 * scale),
        (LedgerEntry.Category.PROCESSING, "", 25_000 * scale),
    ]
    expenses = [
        (LedgerEntry.Category.LAND_OPERATION, 8_000 * scale),
        (LedgerEntry.Category.RENTAL, 5_000 * scale),
        (LedgerEntry.Category.ADMINISTRATION, 6_000 * scale),
    ]
    entries = [
        LedgerEntry(
            organisation=company,
            direction=LedgerEntry.Direction.REVENUE,
            category=category,
            rental_source=source,
            entry_date=date(YEAR, 12, 15),
            amount_fen=amount,
            note="合成数据",
            is_synthetic=True,
        )
        for category, source, amount in revenue
    ] + [
        LedgerEntry(
            organisation=company,
            direction=LedgerEntry.Direction.EXPENSE,
            category=category,
            entry_date=date(YEAR, 12, 15),
            amount_fen=amount,
            note="合成数据",
            is_synthetic=True,
        )
        for category, amount in expenses
    ]
    LedgerEntry.objects.bulk_create(entries)
    county.policy = DistributionPolicy.objects.create(
        organisation=company,
        year=YEAR,
        land_share_rate=Decimal("0.30"),
        reserve_rate=Decimal("0.20"),
        welfare_rate=Decimal("0.10"),
        payout_rate=Decimal("0.80"),
        retention_rate=Decimal("0.10"),
        record_date=RECORD_DATE,
        note="合成数据",
    )


def _users(county: County, password: str | None) -> dict[str, User]:
    """One persona per role of the county, to log in with for the page and API benchmarks."""
    hashed = make_password(password)
    first = Organisation.objects.filter(code=f"{PREFIX}-A0001").get()
    household = first.households.order_by("code").first()
    specs = {
        "township": {"role": User.Role.TOWNSHIP, "organisation": county.company.township},
        "accountant": {"role": User.Role.ACCOUNTANT, "organisation": county.company},
        "village": {"role": User.Role.VILLAGE, "organisation": first},
        "farmer": {"role": User.Role.FARMER, "household": household},
    }
    users = {}
    for name, fields in specs.items():
        users[name] = User.objects.create(username=f"scale-{name}", password=hashed, **fields)
    return users
