"""Dividends fixtures: the worked run of DESIGN.md's appendix and a second scenario, built through the
real services of collective, land and dividends; and a Celery worker that a test may kill and restart."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation

from collective import services as registry
from collective.models import EquityEvent, Household, Member, Organisation, ShareType
from collective.resident_id import check_character
from dividends import services
from dividends.models import DistributionPolicy, DistributionRun, LedgerEntry
from land import services as land
from land.models import Parcel
from tests.conftest import BASE_DIR, uses_real_services

D = Decimal
_people = itertools.count()


def id_number(birth_date: date, *, female: bool = False) -> str:
    """A valid GB 11643 number for a synthetic person (region 530102, Kunming).

    The sequence's last digit is even for a woman and odd for a man; 449 people of each a birth date
    before the numbers come round again, never within one test.
    """
    sequence = 100 + 2 * (next(_people) % 449) + (0 if female else 1)
    first = f"530102{birth_date:%Y%m%d}{sequence:03d}"
    return first + check_character(first)


@dataclass
class World:
    """Handles on what a scenario built, by stable code."""

    company: Organisation
    associations: dict[str, Organisation] = field(default_factory=dict)
    households: dict[str, Household] = field(default_factory=dict)
    heads: dict[str, Member] = field(default_factory=dict)
    share_types: dict[tuple[str, str], ShareType] = field(default_factory=dict)
    policy: DistributionPolicy | None = None

    def household(self, code: str) -> Household:
        return self.households[code]


class Builder:
    """Builds a company's year through the services, as an accountant and village officials would."""

    def __init__(self, world: World, accountant) -> None:
        self.world = world
        self.accountant = accountant

    def equity(self, association: Organisation, shares: int, on: date = date(2020, 6, 1)) -> None:
        self.world.associations[association.code] = association
        EquityEvent.objects.create(
            company=self.world.company,
            holder=association,
            effective_date=on,
            shares_delta=shares,
            reason=EquityEvent.Reason.FOUNDING,
        )

    def share_type(self, association: Organisation, code: str, weight: str, *, collective: bool = False) -> ShareType:
        share_type = ShareType.objects.create(
            association=association, code=code, name=code, weight=D(weight), is_collective=collective
        )
        self.world.share_types[(association.code, code)] = share_type
        return share_type

    def household(self, association: Organisation, code: str, *, account: str = "") -> Household:
        existing = Household.objects.filter(code=code).first()
        if existing:
            household = existing
            if account:
                household.bank_account = account
                household.save()
        else:
            household = registry.create_household(
                association=association,
                code=code,
                bank_account=account or "6222" + "".join(filter(str.isdigit, code)).rjust(12, "0"),
            )
        head = registry.register_member(
            household=household,
            name=f"户主{code}",
            sex=Member.Sex.MALE,
            birth_date=date(1970, 1, 1),
            id_number=id_number(date(1970, 1, 1)),
            relation=Member.Relation.HEAD,
        )
        household.refresh_from_db()
        self.world.households[code] = household
        self.world.heads[code] = head
        return household

    def member(self, household: Household, name: str) -> Member:
        return registry.register_member(
            household=household,
            name=name,
            sex=Member.Sex.FEMALE,
            birth_date=date(1995, 5, 5),
            id_number=id_number(date(1995, 5, 5), female=True),
            relation=Member.Relation.CHILD,
        )

    def shares(
        self,
        household: Household | None,
        association: Organisation,
        code: str,
        quantity: str,
        on: date = date(2021, 1, 1),
    ) -> None:
        registry.issue_shares(
            association=association,
            household=household,
            share_type=self.world.share_types[(association.code, code)],
            quantity=D(quantity),
            effective_date=on,
        )

    def contract(
        self,
        number: str,
        parcel_code: str,
        household: Household,
        area: str,
        rent_yuan: str,
        start: date,
        end: date,
        *,
        profit_share: bool = True,
        escalation: tuple[str, int] | None = None,
    ):
        parcel = land.save_parcel(
            parcel=Parcel(
                code=parcel_code,
                association=household.association,
                area_mu=D(area),
                contract_household=household,
                contract_right_end=date(2057, 12, 31),
            )
        )
        terms = {}
        if escalation:
            terms = {"escalation_percent": D(escalation[0]), "escalation_every_years": escalation[1]}
        contract = land.draft_contract(
            number=number,
            household=household,
            transferee=self.world.company,
            start_date=start,
            end_date=end,
            rent_per_mu_fen=int(D(rent_yuan) * 100),
            parcels=[(parcel, D(area))],
            profit_share=profit_share,
            **terms,
        )
        return land.sign_contract(contract=contract, signed_on=start)

    def labour(self, member: Member, work_date: date, days: str, wage_yuan: str) -> None:
        land.record_labour(
            member=member,
            employer=self.world.company,
            work_date=work_date,
            days=D(days),
            day_wage_fen=int(D(wage_yuan) * 100),
            task="土地整治田间管护",
        )

    def entry(self, direction: str, category: str, yuan: str, on: date, *, source: str = "") -> LedgerEntry:
        return services.record_entry(
            user=self.accountant,
            organisation=self.world.company,
            direction=direction,
            category=category,
            entry_date=on,
            amount_fen=int(D(yuan) * 100),
            rental_source=source,
        )

    def policy(
        self, year: int, land_share: str, reserve: str, welfare: str, payout: str, retention: str, record_date: date
    ) -> DistributionPolicy:
        self.world.policy = services.save_policy(
            user=self.accountant,
            organisation=self.world.company,
            year=year,
            land_share_rate=D(land_share),
            reserve_rate=D(reserve),
            welfare_rate=D(welfare),
            payout_rate=D(payout),
            retention_rate=D(retention),
            record_date=record_date,
        )
        return self.world.policy


@pytest.fixture(autouse=True)
def _messages_in_english():
    """Service messages are checked in English here; the pages are Chinese by default and tested as such."""
    with translation.override("en"):
        yield


@pytest.fixture
def household_a(association_a) -> Household:
    """The personas' household A01-001, shared with the scenarios that build it through the registry."""
    return Household.objects.get_or_create(code="A01-001", defaults={"association": association_a})[0]


@pytest.fixture
def household_b(association_b) -> Household:
    return Household.objects.get_or_create(code="A02-001", defaults={"association": association_b})[0]


REVENUE = LedgerEntry.Direction.REVENUE
EXPENSE = LedgerEntry.Direction.EXPENSE
Category = LedgerEntry.Category


@pytest.fixture
def appendix(company, association_a, association_b, accountant) -> World:
    """The worked run of DESIGN.md's appendix: fiscal year 2024, two associations, three contracts."""
    world = World(company=company)
    build = Builder(world, accountant)
    build.equity(association_a, 600)
    build.equity(association_b, 400)
    for association in (association_a, association_b):
        build.share_type(association, "population", "1")
        build.share_type(association, "labour", "0.1")
    build.share_type(association_a, "collective", "1", collective=True)

    a1 = build.household(association_a, "A01-001")
    a2 = build.household(association_a, "A01-002")
    a3 = build.household(association_a, "A01-003")
    b1 = build.household(association_b, "A02-001")
    b2 = build.household(association_b, "A02-002")
    build.shares(a1, association_a, "population", "4")
    build.shares(a1, association_a, "labour", "10")
    build.shares(a2, association_a, "population", "3")
    build.shares(a3, association_a, "population", "5")
    build.shares(None, association_a, "collective", "2")
    build.shares(b1, association_b, "population", "6")
    build.shares(b2, association_b, "population", "1")

    build.contract("HT-2021-001", "P-01", a1, "12.5", "600.00", date(2021, 1, 1), date(2030, 12, 31))
    build.contract("HT-2024-002", "P-02", a2, "8", "600.00", date(2024, 7, 1), date(2033, 6, 30))
    # 600.00 rising 5 % a year from 2022: two rises by 2024, 661.50.
    build.contract(
        "HT-2022-003",
        "P-03",
        b1,
        "20.25",
        "600.00",
        date(2022, 3, 1),
        date(2031, 2, 28),
        profit_share=False,
        escalation=("5", 1),
    )
    build.labour(world.heads["A01-002"], date(2024, 5, 10), "12", "120.00")
    build.labour(world.heads["A02-002"], date(2024, 9, 3), "7.5", "120.00")

    build.entry(REVENUE, Category.LAND_OPERATION, "90000.00", date(2024, 10, 31))
    build.entry(REVENUE, Category.RENTAL, "150000.00", date(2024, 6, 30), source="lvhe_market")
    build.entry(REVENUE, Category.RENTAL, "50000.00", date(2024, 12, 31), source="township_canteen")
    build.entry(EXPENSE, Category.LAND_OPERATION, "15000.00", date(2024, 8, 1))
    build.entry(EXPENSE, Category.RENTAL, "20000.00", date(2024, 9, 1))
    build.entry(EXPENSE, Category.ADMINISTRATION, "30000.00", date(2024, 12, 1))
    build.policy(2024, "0.30", "0.20", "0.10", "0.80", "0.10", date(2024, 12, 31))
    return world


@pytest.fixture
def scenario_b(company, association_a, association_b, accountant) -> World:
    """Our own 2023 scenario (worked by hand in test_scenarios.py): a loss on land operation, an
    escalated rent, and a household split before the record date."""
    world = World(company=company)
    build = Builder(world, accountant)
    build.equity(association_a, 700)
    build.equity(association_b, 300)
    build.share_type(association_a, "population", "1")
    build.share_type(association_a, "labour", "0.5")
    build.share_type(association_b, "population", "1")
    build.share_type(association_b, "collective", "1", collective=True)

    a1 = build.household(association_a, "A01-001")
    leaving = build.member(a1, "分户成员")
    a2 = build.household(association_a, "A01-002")
    b1 = build.household(association_b, "A02-001")
    b2 = build.household(association_b, "A02-002")
    build.shares(a1, association_a, "population", "3")
    build.shares(a1, association_a, "labour", "4")
    build.shares(a2, association_a, "population", "4")
    build.shares(b1, association_b, "population", "5")
    build.shares(b2, association_b, "population", "2")
    build.shares(None, association_b, "collective", "3")
    # The split before the record date: A01-004 leaves A01-001 with 1 population and 2 labour shares.
    registry.split_household(
        household=a1,
        effective_date=date(2023, 9, 1),
        new_code="A01-004",
        new_head=leaving,
        members=[leaving],
        kept={world.share_types[("A01", "population")]: D(2), world.share_types[("A01", "labour")]: D(2)},
        moved={world.share_types[("A01", "population")]: D(1), world.share_types[("A01", "labour")]: D(2)},
    )
    world.households["A01-004"] = Household.objects.get(code="A01-004")
    # After the record date: must not count.
    build.shares(a2, association_a, "population", "10", on=date(2024, 2, 1))

    # 500.00 rising 10 % every 2 years from 2019: two rises by 2023, 605.00.
    build.contract(
        "HT-2019-010", "P-10", a2, "10", "500.00", date(2019, 1, 1), date(2028, 12, 31), escalation=("10", 2)
    )
    build.contract("HT-2023-011", "P-11", a1, "6.5", "400.00", date(2023, 4, 1), date(2032, 3, 31))
    build.contract(
        "HT-2020-012", "P-12", b1, "7.25", "520.00", date(2020, 1, 1), date(2029, 12, 31), profit_share=False
    )
    build.labour(world.heads["A01-001"], date(2023, 4, 20), "2", "135.50")
    build.labour(world.heads["A02-002"], date(2023, 10, 8), "3.5", "150.00")

    build.entry(REVENUE, Category.LAND_OPERATION, "9000.00", date(2023, 11, 30))
    build.entry(REVENUE, Category.RENTAL, "150000.00", date(2023, 6, 30), source="lvhe_market")
    build.entry(REVENUE, Category.SERVICES, "20000.00", date(2023, 12, 15))
    build.entry(EXPENSE, Category.LAND_OPERATION, "3000.00", date(2023, 5, 1))
    build.entry(EXPENSE, Category.ADMINISTRATION, "25000.00", date(2023, 12, 1))
    build.entry(EXPENSE, Category.RENTAL, "10000.00", date(2023, 7, 1))
    build.policy(2023, "0.40", "0.25", "0.10", "0.60", "0.05", date(2023, 12, 31))
    return world


@pytest.fixture
def compute(django_capture_on_commit_callbacks, accountant):
    """Compute a run the way the page does (Celery in-process here), running what waits for the commit."""

    def run_it(run_or_policy, *, user=None) -> DistributionRun:
        user = user or accountant
        if isinstance(run_or_policy, DistributionPolicy):
            run = services.create_run(user=user, policy=run_or_policy)
        else:
            run = run_or_policy
        with django_capture_on_commit_callbacks(execute=True):
            services.start_computation(user=user, run=run)
        run.refresh_from_db()
        return run

    return run_it


def lines_of(run: DistributionRun) -> list[tuple]:
    """A run's payouts and pool lines, comparable across runs."""
    payouts = list(
        run.payouts.order_by("household__code").values_list(
            "household__code", "rent_fen", "land_dividend_fen", "share_dividend_fen", "wage_fen", "total_fen"
        )
    )
    parts = list(
        run.parts.order_by("association__code", "part", "ordinal", "household__code").values_list(
            "association__code", "household__code", "part", "floor_fen", "remainder", "amount_fen"
        )
    )
    pools = list(run.pools.order_by("position").values_list("kind", "association__code", "amount_fen"))
    return [payouts, parts, pools]


@pytest.fixture
def killable_worker(transactional_db):
    """Start real Celery workers on Redis against this test database, which a test may SIGKILL and restart.

    Yields a function start(**env) -> Popen. The broker's visibility timeout is short so a task a
    killed worker had taken is delivered again within seconds.
    """
    if not uses_real_services():
        pytest.skip("needs PostgreSQL and a Redis broker (the embedded mode has neither)")
    from config.celery import app

    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER'] or ''}:{db['PASSWORD'] or ''}@{db['HOST'] or ''}:{db['PORT'] or ''}/{db['NAME']}"
    )
    processes: list[subprocess.Popen] = []
    visibility = 4
    transport = dict(app.conf.broker_transport_options or {})
    app.conf.broker_transport_options = {**transport, "visibility_timeout": visibility}
    app.control.purge()

    def start(**extra_env) -> subprocess.Popen:
        name = f"kill-{os.getpid()}-{len(processes)}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_VISIBILITY_TIMEOUT": str(visibility),
            **{key: str(value) for key, value in extra_env.items()},
        }
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--loglevel=WARNING",
                f"--hostname={name}@%h",
            ],
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,
        )
        processes.append(process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if app.control.ping(destination=[f"{name}@{os.uname().nodename}"], timeout=0.5):
                return process
            if process.poll() is not None:
                raise RuntimeError("the Celery worker exited while starting")
        os.killpg(process.pid, signal.SIGKILL)
        raise RuntimeError("the Celery worker did not answer a ping within 60 s")

    app.conf.task_always_eager = False
    try:
        yield start
    finally:
        app.conf.task_always_eager = True
        app.conf.broker_transport_options = transport
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        app.control.purge()
