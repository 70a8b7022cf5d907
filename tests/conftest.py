"""Shared fixtures: the organisations and one persona per role."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from collective.models import Household, Organisation, User

PASSWORD = "a-long-test-password"
CHROMIUM = "/usr/bin/chromium"

# Playwright's sync API runs an event loop in the test thread; the ORM calls the live server's
# fixtures make there are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
BASE_DIR = Path(settings.BASE_DIR)


@pytest.fixture(scope="session", autouse=True)
def _one_broker_database_per_test_process():
    """Give each pytest-xdist process its own Redis database as the Celery broker.

    Every process has its own test database, so a real worker started by one process must never
    take a task sent by another: gw0 keeps the broker's database, gw1 the one below it, and so on.
    """
    from config.celery import app

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = settings.CELERY_BROKER_URL
    if not (worker.startswith("gw") and url.startswith("redis://")):
        return
    base, _, number = url.rpartition("/")
    own = f"{base}/{(int(number or 0) - int(worker[2:])) % 16}"
    settings.CELERY_BROKER_URL = own
    os.environ["CELERY_BROKER_URL"] = own
    app.conf.broker_url = own


@pytest.fixture(autouse=True)
def _eager_celery_and_fast_hashing(settings):
    """Run tasks in-process unless a test asks for the real worker; hash passwords cheaply."""
    from config.celery import app

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def authenticator(user: User) -> TOTPDevice:
    """The official's confirmed authenticator (TOTP device), made on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def authenticator_code(device: TOTPDevice) -> str:
    """The code the official's phone would show now, as an authenticator app computes it.

    django-otp refuses a code twice: a second sign-in in the same 30 s takes the next step's code
    (within the device's tolerance), or waits for it.
    """
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    while (step := max(totp.t(), device.last_t + 1)) > totp.t() + device.drift + device.tolerance:
        time.sleep(1)
    totp.drift = step - totp.t()
    return f"{totp.token():0{device.digits}d}"


def verify_second_factor(client: Client, user: User) -> None:
    """Mark the test client's session as past the second factor, as django_otp.login does after a code."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
    session.save()


@pytest.fixture(autouse=True)
def _test_logins_include_the_second_factor(request, monkeypatch):
    """In tests, client.login() and client.force_login() sign an official in with the second factor too.

    Officials must give a code after the password (collective/second_factor.py); tests that are
    about something else log in as before. Tests of the second factor itself are marked
    `second_factor` and get the plain password log-in.
    """
    if request.node.get_closest_marker("second_factor"):
        return
    plain_login = Client._login

    def _login(self, user, backend=None):
        plain_login(self, user, backend)
        if getattr(user, "needs_second_factor", False):
            verify_second_factor(self, user)

    monkeypatch.setattr(Client, "_login", _login)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the browser tests after every other test, keeping each group's order.

    Playwright's event loop stays running in the main thread from the first browser test to the end
    of the session, and while it runs Django keeps the main thread's connections per context, not per
    thread. A database test after it (pytest-django puts last a test that asks for the database only
    inside its body) then opened a second connection whose test transaction was never rolled back, and
    the test database could not be dropped at the end.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's chromium: Playwright cannot download its own browser here."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 360, "height": 740}, "locale": "zh-CN"}


@pytest.fixture
def township(db) -> Organisation:
    return Organisation.objects.create(code="T1", name="绿荷乡", kind=Organisation.Kind.TOWNSHIP)


@pytest.fixture
def company(township) -> Organisation:
    return Organisation.objects.create(
        code="XL", name="兴绿农业开发有限公司", kind=Organisation.Kind.COMPANY, township=township
    )


@pytest.fixture
def association_a(township) -> Organisation:
    return Organisation.objects.create(
        code="A01", name="甘田村股份经济合作社", kind=Organisation.Kind.COLLECTIVE, township=township
    )


@pytest.fixture
def association_b(township) -> Organisation:
    return Organisation.objects.create(
        code="A02", name="绿荷村股份经济合作社", kind=Organisation.Kind.COLLECTIVE, township=township
    )


@pytest.fixture
def pear_association(township) -> Organisation:
    return Organisation.objects.create(
        code="PEAR", name="甘田优质梨协会", kind=Organisation.Kind.SOCIAL, township=township
    )


@pytest.fixture
def household_a(association_a) -> Household:
    return Household.objects.create(association=association_a, code="A01-001")


@pytest.fixture
def household_b(association_b) -> Household:
    return Household.objects.create(association=association_b, code="A02-001")


def make_user(username: str, role: str, **fields) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, role=role, **fields)
    return user


@pytest.fixture
def township_official(township) -> User:
    return make_user("township", User.Role.TOWNSHIP, organisation=township)


@pytest.fixture
def village_official_a(association_a) -> User:
    return make_user("village_a", User.Role.VILLAGE, organisation=association_a)


@pytest.fixture
def village_official_b(association_b) -> User:
    return make_user("village_b", User.Role.VILLAGE, organisation=association_b)


@pytest.fixture
def accountant(company) -> User:
    return make_user("accountant", User.Role.ACCOUNTANT, organisation=company)


@pytest.fixture
def association_staff(pear_association) -> User:
    return make_user("pear_staff", User.Role.ASSOCIATION_STAFF, organisation=pear_association)


@pytest.fixture
def farmer_a(household_a) -> User:
    return make_user("13800000001", User.Role.FARMER, household=household_a, phone="13800000001")


@pytest.fixture
def farmer_b(household_b) -> User:
    return make_user("13800000002", User.Role.FARMER, household=household_b, phone="13800000002")


def uses_real_services() -> bool:
    return connection.vendor == "postgresql" and settings.CELERY_BROKER_URL.startswith("redis://")


@pytest.fixture
def celery_worker_process(transactional_db):
    """Start a real Celery worker process on Redis against this test database; yield its Popen.

    Tests that use it must commit their data (transactional_db), as the worker has its own
    connection. Skipped in the embedded mode (SQLite, no broker).
    """
    if not uses_real_services():
        pytest.skip("needs PostgreSQL and a Redis broker (the embedded mode has neither)")
    from config.celery import app

    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER'] or ''}:{db['PASSWORD'] or ''}@{db['HOST'] or ''}:{db['PORT'] or ''}/{db['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_TASK_ALWAYS_EAGER": "false"}
    app.control.purge()
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
            f"--hostname=test-{os.getpid()}@%h",
        ],
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(destination=[f"test-{os.getpid()}@{os.uname().nodename}"], timeout=0.5):
            break
        if process.poll() is not None:
            raise RuntimeError("the Celery worker exited while starting")
    else:
        os.killpg(process.pid, signal.SIGKILL)
        raise RuntimeError("the Celery worker did not answer a ping within 60 s")
    app.conf.task_always_eager = False
    try:
        yield process
    finally:
        app.conf.task_always_eager = True
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
