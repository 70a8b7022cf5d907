"""`make bench`: a county-sized distribution on PostgreSQL with real Celery workers, and pages under load.

For each size (BENCH_SIZES, households): write a synthetic county (bench/generate_county.py), compute a
run with one and then two Celery workers (started here, on their own Redis database), each
BENCH_REPEAT times (default 3; the table shows the median run and the fastest and slowest), time a
bare COPY of as many payout rows into a table of the payouts' shape and the floor (the same payouts
computed from the share ledger in one INSERT, nothing frozen: what no design of the run can go
below), and, on the last county, measure pages and the API (and the API's root, signed in, for what
a request costs before any list) on loopback under 8 concurrent clients (wrk, or a Python load
generator when wrk is missing) against gunicorn with DEBUG off, each BENCH_REPEAT times (the median
by throughput).
Prints one table. docs/scaling.md reads it.

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/gantian_scale; the
database is flushed), BENCH_BROKER_URL (default redis://127.0.0.1:6379/7; flushed), BENCH_CACHE_URL (default
redis://127.0.0.1:6379/8; flushed), BENCH_GUNICORN (gunicorn's worker options, default "-w 4"), BENCH_SECONDS
(load per endpoint, default 10).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gantian_scale")
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/7")
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/8")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
# A key for this benchmark only: sessions are made here and read by gunicorn, so both need it.
SECRET_KEY = "bench-only-secret-key-never-used-in-production-7c1f0e9a2b"
PASSWORD = "bench-password-123"
CLIENTS = 8

ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE_URL,
    "CELERY_BROKER_URL": BROKER_URL,
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "SECRET_KEY": SECRET_KEY,
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "LOG_LEVEL": "WARNING",
}
os.environ.update(ENV)
sys.path.insert(0, str(BASE_DIR))


def manage(*args: str, env: dict | None = None) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env or ENV, check=True)


def ensure_database() -> None:
    import psycopg

    url = urlparse(DATABASE_URL)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    manage("migrate", "--noinput", "-v0")


# --- Memory: peak resident set size from /proc (VmHWM), over a process and its children ------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _descendants(pid: int) -> list[int]:
    children = _children(pid)
    return children + [grandchild for child in children for grandchild in _descendants(child)]


def peak_rss_mb(pid: int) -> float:
    """The largest VmHWM of the process and its descendants, in MB."""
    peak = 0
    for each in [pid, *_descendants(pid)]:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            continue
    return peak / 1024


# --- Celery workers ------------------------------------------------------------------------------


class Workers:
    """`count` worker processes (prefork, one child each), as on `count` machines."""

    def __init__(self, count: int) -> None:
        from config.celery import app

        self.app = app
        self.names = [f"bench{index}-{os.getpid()}@{os.uname().nodename}" for index in range(count)]
        self.processes = []
        self.log = open(f"/tmp/gantian-bench-workers-{os.getpid()}.log", "a")  # noqa: SIM115
        for name in self.names:
            self.processes.append(
                subprocess.Popen(
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
                        "--without-gossip",
                        "--without-mingle",
                        f"--hostname={name.split('@')[0]}@%h",
                    ],
                    cwd=BASE_DIR,
                    env=ENV,
                    stdout=self.log,
                    stderr=self.log,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            answered = self.app.control.ping(destination=self.names, timeout=0.5)
            if len(answered) == len(self.names):
                return
        self.stop()
        raise RuntimeError("the Celery workers did not answer within 60 s")

    def peak_rss_mb(self) -> float:
        return max(peak_rss_mb(process.pid) for process in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.log.close()


# --- One run -------------------------------------------------------------------------------------


@dataclass
class RunFigures:
    households: int
    workers: int
    seconds: float
    payouts: int
    worker_mb: float
    driver_mb: float
    status: str
    # prepare / chunks / finish, in seconds (the prepare's end is when it froze the inputs).
    phases: str = ""
    # Every row the run wrote (frozen holdings and lines, payout parts, payouts), per payout.
    rows_per_payout: float = 0.0
    # The fastest and slowest of the repeats this run is the median of.
    spread: str = ""


def reset_runs() -> None:
    """Remove earlier runs (not timed) and vacuum, so every run starts from the same tables."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "dividends_objection",
            "dividends_noticeread",
            "dividends_payout",
            "dividends_payoutpart",
            "dividends_runchunk",
            "dividends_runcontractline",
            "dividends_runlabourline",
            "dividends_pool",
            "dividends_historicaldistributionrun",
            "dividends_distributionrun",
        ):
            cursor.execute(f"DELETE FROM {table}")
        for table in ("dividends_payout", "dividends_payoutpart", "dividends_pool"):
            cursor.execute(f"VACUUM {table}")


def run_once(households: int, workers: int) -> RunFigures:
    from collective.models import User
    from dividends import services
    from dividends.models import DistributionPolicy, DistributionRun

    reset_runs()
    accountant = User.objects.get(username="scale-accountant")
    policy = DistributionPolicy.objects.get(organisation__code="SC-CO")
    pool = Workers(workers)
    try:
        run = services.create_run(user=accountant, policy=policy)
        started, wall_start = time.perf_counter(), time.time()
        services.start_computation(user=accountant, run=run)  # autocommit: the prepare task leaves now
        status = DistributionRun.Status.COMPUTING
        chunks_done_at = None
        deadline = time.monotonic() + 900
        while status == DistributionRun.Status.COMPUTING and time.monotonic() < deadline:
            time.sleep(0.05)
            status, done, total = (
                DistributionRun.objects.filter(pk=run.pk).values_list("status", "chunks_done", "chunks_total").get()
            )
            if chunks_done_at is None and total and done >= total:
                chunks_done_at = time.perf_counter()
        seconds = time.perf_counter() - started
        worker_mb = pool.peak_rss_mb()
    finally:
        pool.stop()
    run.refresh_from_db()
    payouts = run.payouts.count()
    written = payouts + sum(related.count() for related in (run.parts, run.contract_lines, run.labour_lines))
    prepare = run.inputs_frozen_at.timestamp() - wall_start if run.inputs_frozen_at else 0.0
    finish = seconds - (chunks_done_at - started) if chunks_done_at else 0.0
    return RunFigures(
        phases=f"{prepare:.1f}/{seconds - prepare - finish:.1f}/{finish:.1f}",
        households=households,
        workers=workers,
        seconds=seconds,
        payouts=payouts,
        rows_per_payout=written / payouts if payouts else 0.0,
        worker_mb=worker_mb,
        driver_mb=peak_rss_mb(os.getpid()),
        status=f"{status} {run.error[:80]}".strip(),
    )


# The payout columns the bare COPY and the floor write (the rest have defaults).
PAYOUT_COLUMNS = (
    "run_id, household_id, household_code, association_id, rent_fen, land_dividend_fen, share_dividend_fen, "
    "wage_fen, total_fen, status, company_bank_reference, association_bank_reference"
)


def bare_copy_seconds(rows: int) -> float:
    """COPY `rows` payout rows from Python into a new table with the payouts' columns, indexes and keys."""
    from django.db import connection, transaction

    from collective.models import Household, Organisation
    from dividends.models import DistributionRun

    run_id = DistributionRun.objects.values_list("pk", flat=True).first()
    association_id = Organisation.objects.filter(code__startswith="SC-A").values_list("pk", flat=True).first()
    households = list(Household.objects.order_by("pk").values_list("pk", "code")[:rows])
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_payout")
        cursor.execute("CREATE TABLE bench_copy_payout (LIKE dividends_payout INCLUDING ALL)")
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'dividends_payout'::regclass AND contype = 'f'"
        )
        for (definition,) in cursor.fetchall():
            cursor.execute(f"ALTER TABLE bench_copy_payout ADD {definition}")
    try:
        started = time.perf_counter()
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.copy(f"COPY bench_copy_payout ({PAYOUT_COLUMNS}) FROM STDIN") as copy,
        ):
            for index, (household_id, household_code) in enumerate(households):
                share = 10_000 + index % 9_000
                row = (run_id, household_id, household_code, association_id, 0, 0, share, 0, share, "pending", "", "")
                copy.write_row(row)
        # Timed to the end of the COMMIT, as the run is: rows are written when they are committed.
        return time.perf_counter() - started
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_copy_payout")


def floor_seconds() -> tuple[float, int]:
    """The least any design of the run must write, timed: the share ledger to the payouts in one statement.

    For the run left in the database: the holdings on the record date summed per holder from the
    ledger, each association's split by largest remainder (ties in household code order, the
    association's own line last), joined to the run's rent, land-dividend and wage lines and
    inserted as payouts into a table of the payouts' shape, timed to the COMMIT. Nothing frozen, no
    staging table, no Celery, no checks: what no design can go below on this machine, against which
    the run ÷ COPY target can be judged. Returns the seconds and how many of its payouts differ from
    the run's (0: it computed the same money).
    """
    from django.db import connection, transaction

    from dividends import engine
    from dividends.models import DistributionRun

    run = DistributionRun.objects.order_by("-pk").first()
    share = "s.floor + CASE WHEN s.place <= s.leftover THEN 1 ELSE 0 END"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor_payout")
        cursor.execute("CREATE TABLE bench_floor_payout (LIKE dividends_payout INCLUDING ALL)")
    try:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '128MB'")
            cursor.execute(
                f"""
                INSERT INTO bench_floor_payout ({PAYOUT_COLUMNS})
                WITH held AS (
                    SELECT e.association_id, l.household_id,
                        SUM((l.quantity_delta * 10000) * (t.weight * 10000)) AS units
                    FROM collective_shareeventline l
                    JOIN collective_shareevent e ON e.id = l.event_id
                    JOIN collective_sharetype t ON t.id = l.share_type_id
                    WHERE e.effective_date <= %(as_of)s
                    GROUP BY 1, 2
                ), weighted AS (
                    SELECT held.*, p.amount_fen AS amount, SUM(units) OVER (PARTITION BY held.association_id) AS total
                    FROM held
                    JOIN dividends_pool p
                        ON p.run_id = %(run)s AND p.kind = %(split)s AND p.association_id = held.association_id
                    WHERE units > 0
                ), split AS (
                    SELECT association_id, household_id, amount, div(amount * units, total) AS floor,
                        mod(amount * units, total) AS remainder
                    FROM weighted
                ), ranked AS (
                    SELECT s.association_id, s.household_id, h.code, s.floor,
                        s.amount - SUM(s.floor) OVER (PARTITION BY s.association_id) AS leftover,
                        ROW_NUMBER() OVER (
                            PARTITION BY s.association_id
                            ORDER BY s.remainder DESC, s.household_id IS NULL, h.code COLLATE "C"
                        ) AS place
                    FROM split s LEFT JOIN collective_household h ON h.id = s.household_id
                ), other AS (
                    SELECT household_id,
                        SUM(CASE WHEN part = %(rent)s THEN amount_fen ELSE 0 END) AS rent,
                        SUM(CASE WHEN part = %(land)s THEN amount_fen ELSE 0 END) AS land,
                        SUM(CASE WHEN part = %(wages)s THEN amount_fen ELSE 0 END) AS wages
                    FROM dividends_payoutpart WHERE run_id = %(run)s AND part <> %(share)s
                    GROUP BY household_id
                )
                SELECT %(run)s, s.household_id, s.code, s.association_id, COALESCE(o.rent, 0), COALESCE(o.land, 0),
                    {share}, COALESCE(o.wages, 0),
                    COALESCE(o.rent, 0) + COALESCE(o.land, 0) + COALESCE(o.wages, 0) + {share}, 'pending', '', ''
                FROM ranked s LEFT JOIN other o ON o.household_id = s.household_id
                WHERE s.household_id IS NOT NULL
                """,
                {
                    "as_of": run.inputs["record_date"],
                    "run": run.pk,
                    "split": engine.POOL_SPLIT,
                    "rent": engine.RENT,
                    "land": engine.LAND_DIVIDEND,
                    "wages": engine.WAGES,
                    "share": engine.SHARE_DIVIDEND,
                },
            )
        seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT COUNT(*) FROM (SELECT * FROM dividends_payout WHERE run_id = %s) p
                FULL JOIN bench_floor_payout f ON f.household_id = p.household_id
                WHERE p.total_fen IS DISTINCT FROM f.total_fen
                    OR p.share_dividend_fen IS DISTINCT FROM f.share_dividend_fen
                """,
                [run.pk],
            )
            differing = cursor.fetchone()[0]
        return seconds, differing
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_floor_payout")


# --- Latency under load ----------------------------------------------------------------------------


@dataclass
class LoadFigures:
    name: str
    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    note: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def session_cookie(username: str) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.sessions.backends.db import SessionStore

    from collective.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = next(
        path for path in settings.AUTHENTICATION_BACKENDS if isinstance(load_backend(path), ModelBackend)
    )
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if user.needs_second_factor:
        # An official's session past the second factor, as django_otp.login leaves it after a code.
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="bench", confirmed=True
        )
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return f"sessionid={session.session_key}"


def _load_with_wrk(name: str, url: str, cookie: str | None) -> LoadFigures:
    command = ["wrk", "-t2", f"-c{CLIENTS}", f"-d{SECONDS}s", "--timeout", "5s"]
    command += ["-s", str(BASE_DIR / "bench" / "wrk_report.lua"), "-H", "Accept-Language: zh-hans"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    report = json.loads(next(line for line in output.splitlines() if line.startswith("{")))
    return LoadFigures(
        name=name,
        requests=report["requests"],
        seconds=report["duration_us"] / 1e6,
        errors=report["errors"],
        p50_ms=report["p50_us"] / 1000,
        p95_ms=report["p95_us"] / 1000,
        p99_ms=report["p99_us"] / 1000,
    )


def _load_with_threads(name: str, url: str, cookie: str | None) -> LoadFigures:
    """What wrk measures, with 8 threads of http.client: for machines without wrk."""
    parsed = urlparse(url)
    headers = {"Accept-Language": "zh-hans", **({"Cookie": cookie} if cookie else {})}
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + SECONDS

    def client() -> None:
        mine, failed = [], 0
        while time.perf_counter() < stop_at:
            connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=5)
            started = time.perf_counter()
            try:
                connection.request("GET", parsed.path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    failed += 1
            except OSError:
                failed += 1
            finally:
                connection.close()
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1000 if latencies else 0.0

    return LoadFigures(
        name=name,
        requests=len(latencies),
        seconds=time.perf_counter() - started,
        errors=errors[0],
        p50_ms=percentile(50),
        p95_ms=percentile(95),
        p99_ms=percentile(99),
        note="python load generator",
    )


def measure_latency(repeat: int = 1) -> list[LoadFigures]:
    """Each endpoint loaded `repeat` times; the load with the median throughput is reported."""
    from django.db import connection

    from collective.models import User
    from collective.services import record_heartbeat
    from dividends import services
    from dividends.models import DistributionRun

    run = DistributionRun.objects.filter(status=DistributionRun.Status.COMPUTED).order_by("-pk").first()
    if run is not None:
        services.publish_notice(user=User.objects.get(username="scale-accountant"), run=run)
    # What autovacuum does to a table in steady state (and a fresh county has not had yet): the visibility
    # map lets the lists read counts and codes from their indexes alone.
    with connection.cursor() as cursor:
        for table in ("collective_household", "dividends_payout", "dividends_payoutpart"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    # /health/ answers 503 without a live worker and beat: none runs while the pages are loaded.
    for name in ("worker", "beat"):
        record_heartbeat(name=name)
    farmer = User.objects.get(username="scale-farmer")
    village, farmer_cookie = session_cookie("scale-village"), session_cookie("scale-farmer")
    web_env = {
        **ENV,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        # The synthetic county's tokens were made under the development keys.
        "PII_ENCRYPTION_KEY": os.environ.get("PII_ENCRYPTION_KEY", "3q2-7wuxhdQnXhN1bz2lLzI2ZB1vJ8oR0cQwV6P4mYk="),
        "PII_HASH_KEY": os.environ.get("PII_HASH_KEY", "gantian-development-hash-key"),
        # The API's per-session throttle (600/minute) would answer 429 to a load test.
        "API_SESSION_THROTTLE_RATE": "1000000/minute",
        "CONN_MAX_AGE": "60",
        # The web processes share one cache, as in production (sessions, the API's throttles).
        "CACHE_URL": CACHE_URL,
    }
    # Compressing 200 MB of vendor files takes minutes: once per checkout (`rm -r staticfiles` to redo it).
    if not (BASE_DIR / "staticfiles" / "staticfiles.json").exists():
        manage("collectstatic", "--noinput", "-v0", env=web_env)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level=warning",
            *os.environ.get("BENCH_GUNICORN", "-w 4").split(),
        ],
        cwd=BASE_DIR,
        env=web_env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{PORT}"
    endpoints = [
        ("trivial JSON view (/health/)", "/health/", None),
        # Signed in, no data: what the session, the user and the framework cost before any list.
        ("API root, signed in (no data)", "/api/v1/", village),
        ("farmer's payouts page", f"/me/households/{farmer.household_id}/payouts/", farmer_cookie),
        ("API payouts list, page 1", "/api/v1/payouts/", village),
        ("officials' households list", "/collective/households/", village),
    ]
    results = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                connection.request("GET", "/health/")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        load = _load_with_wrk if shutil.which("wrk") else _load_with_threads
        for name, path, cookie in endpoints:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                results.append(LoadFigures(name=name, note=f"HTTP {response.status}, not measured"))
                continue
            loads = sorted((load(name, base + path, cookie) for _ in range(repeat)), key=lambda figures: figures.rps)
            results.append(loads[len(loads) // 2])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return results


# --- The table -----------------------------------------------------------------------------------


@dataclass
class SizeFigures:
    households: int
    generate_seconds: float
    runs: list[RunFigures] = field(default_factory=list)
    copy_seconds: float = 0.0
    floor_seconds: float = 0.0
    floor_differing: int = 0


def median_run(repeats: list[RunFigures]) -> RunFigures:
    """The median of repeated runs, with the fastest and slowest: one run on a shared machine can be 20 % off."""
    ordered = sorted(repeats, key=lambda run: run.seconds)
    median = ordered[len(ordered) // 2]
    if len(ordered) > 1:
        median.spread = f"{ordered[0].seconds:.2f}-{ordered[-1].seconds:.2f}"
    return median


def print_table(sizes: list[SizeFigures], load: list[LoadFigures]) -> None:
    print()
    print(f"Gantian bench on {os.cpu_count()} cores, PostgreSQL at {urlparse(DATABASE_URL).hostname}")
    print()
    header = (
        f"{'households':>10} {'workers':>7} {'run s':>7} {'min-max s':>11} {'payouts/s':>10} {'worker MB':>9} "
        f"{'driver MB':>9} "
        f"{'COPY s':>7} {'run/COPY':>8} {'rows/payout':>11} {'prep/chunks/finish':>18}  status"
    )
    print(header)
    print("-" * len(header))
    for size in sizes:
        for run in size.runs:
            ratio = run.seconds / size.copy_seconds if size.copy_seconds else 0
            print(
                f"{run.households:>10,} {run.workers:>7} {run.seconds:>7.2f} {run.spread:>11} "
                f"{run.payouts / run.seconds:>10,.0f} "
                f"{run.worker_mb:>9.0f} {run.driver_mb:>9.0f} {size.copy_seconds:>7.2f} {ratio:>8.2f} "
                f"{run.rows_per_payout:>11.2f} {run.phases:>18}  {run.status}"
            )
        if size.floor_seconds:
            same = "the same payouts" if not size.floor_differing else f"{size.floor_differing:,} payouts DIFFER"
            print(
                f"{'':>10} floor (ledger to payouts in one INSERT, nothing frozen, no Celery): "
                f"{size.floor_seconds:.2f} s = {size.floor_seconds / size.copy_seconds:.2f} x COPY ({same})"
            )
        print(f"{'':>10} generate_county: {size.generate_seconds:.1f} s")
    if load:
        print()
        baseline = next((figures.rps for figures in load if figures.requests), 0)
        header = f"{'endpoint (8 clients, ' + str(SECONDS) + ' s)':<34} {'rps':>7} {'p50 ms':>7} {'p95 ms':>7} "
        header += f"{'p99 ms':>7} {'errors':>6} {'x trivial':>9}"
        print(header)
        print("-" * len(header))
        for figures in load:
            print(
                f"{figures.name:<34} {figures.rps:>7.0f} {figures.p50_ms:>7.1f} {figures.p95_ms:>7.1f} "
                f"{figures.p99_ms:>7.1f} {figures.errors:>6} {figures.rps / baseline if baseline else 0:>9.2f} "
                f"{figures.note}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=os.environ.get("BENCH_SIZES", "100000,1000000"),
        help='households, comma-separated; "" measures the pages on the county already there',
    )
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--no-load", action="store_true", help="skip the latency part")
    parser.add_argument(
        "--repeat",
        type=int,
        default=int(os.environ.get("BENCH_REPEAT", "3")),
        help="runs, bare COPYs and page loads per configuration; the table shows the median",
    )
    options = parser.parse_args()
    sizes = [int(value) for value in options.sizes.split(",") if value.strip()]
    worker_counts = [int(value) for value in options.workers.split(",") if value.strip()]

    ensure_database()
    import django

    django.setup()
    import redis

    redis.Redis.from_url(BROKER_URL).flushdb()
    redis.Redis.from_url(CACHE_URL).flushdb()
    figures: list[SizeFigures] = []
    for households in sizes:
        print(f"== {households:,} households", flush=True)
        manage("flush", "--noinput", "-v0")
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "bench/generate_county.py",
                f"--households={households}",
                f"--associations={max(1, households // 3000)}",
                "--seed=1",
                f"--password={PASSWORD}",
            ],
            cwd=BASE_DIR,
            env=ENV,
            check=True,
        )
        size = SizeFigures(households=households, generate_seconds=time.perf_counter() - started)
        for workers in worker_counts:
            repeats = []
            for _ in range(options.repeat):
                repeats.append(run_once(households, workers))
                print(f"   {workers} worker(s): {repeats[-1].seconds:.2f} s, {repeats[-1].status}", flush=True)
            size.runs.append(median_run(repeats))
        size.copy_seconds = statistics.median(
            bare_copy_seconds(size.runs[-1].payouts or households) for _ in range(options.repeat)
        )
        print(f"   bare COPY of {size.runs[-1].payouts:,} payout rows: {size.copy_seconds:.2f} s", flush=True)
        floors = [floor_seconds() for _ in range(options.repeat)]
        size.floor_seconds = statistics.median(seconds for seconds, _differing in floors)
        size.floor_differing = max(differing for _seconds, differing in floors)
        print(f"   floor, the ledger to the payouts in one statement: {size.floor_seconds:.2f} s", flush=True)
        figures.append(size)
    load = [] if options.no_load else measure_latency(options.repeat)
    print_table(figures, load)


if __name__ == "__main__":
    main()
