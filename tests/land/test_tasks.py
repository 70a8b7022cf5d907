"""The daily beat job: contract statuses, contracts expiring within 90 days, rent overdue."""

import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from land import services, tasks
from land.models import LandTransferContract, RentInstallment

from .conftest import TODAY


def test_the_job_marks_contracts_expiring_within_90_days_and_unmarks_them_later(make_contract, household_a, parcel_a):
    soon = make_contract(
        number="HT-SOON", household=household_a, parcels=[(parcel_a, Decimal(5))], end_date=date(2024, 9, 13)
    )
    later = make_contract(
        number="HT-LATER",
        household=household_a,
        parcels=[(parcel_a, Decimal(5))],
        start_date=date(2024, 9, 14),
        end_date=date(2030, 12, 31),
    )
    counts = services.mark_reminders(today=TODAY)  # 15 June + 90 days = 13 September
    soon.refresh_from_db()
    later.refresh_from_db()
    assert (soon.expiring_soon, later.expiring_soon) == (True, False)
    assert counts.expiring == 1
    services.mark_reminders(today=TODAY - timedelta(days=1))  # then 13 September is 91 days away
    soon.refresh_from_db()
    assert soon.expiring_soon is False
    services.mark_reminders(today=date(2024, 9, 14))
    soon.refresh_from_db()
    later.refresh_from_db()
    assert (soon.status, soon.expiring_soon, later.status) == ("expired", False, "active")


def test_the_job_marks_rent_overdue_after_its_due_date_until_it_is_paid(make_contract, household_a, parcel_a):
    contract = make_contract(
        household=household_a,
        parcels=[(parcel_a, Decimal(10))],
        start_date=date(2024, 1, 1),
        payment_due_month=6,
        payment_due_day=30,
    )
    services.mark_reminders(today=date(2024, 6, 30))
    assert not RentInstallment.objects.filter(overdue=True).exists()
    counts = services.mark_reminders(today=date(2024, 7, 1))
    assert counts.overdue == 1
    installment = RentInstallment.objects.get(overdue=True)
    assert (installment.year, installment.amount_fen) == (2024, 600000)
    services.record_rent_payment(contract=contract, paid_on=date(2024, 7, 2), amount_fen=300000)
    services.mark_reminders(today=date(2024, 7, 3))
    assert RentInstallment.objects.get(year=2024).overdue is True  # half paid is still overdue
    services.record_rent_payment(contract=contract, paid_on=date(2024, 7, 4), amount_fen=300000)
    assert RentInstallment.objects.get(year=2024).overdue is False
    services.mark_reminders(today=date(2024, 7, 5))
    assert not RentInstallment.objects.filter(overdue=True).exists()


def test_the_job_is_safe_to_run_twice(make_contract, household_a, parcel_a):
    make_contract(household=household_a, parcels=[(parcel_a, Decimal(10))], start_date=date(2024, 7, 1), sign=True)
    first = services.mark_reminders(today=date(2024, 7, 1))
    second = services.mark_reminders(today=date(2024, 7, 1))
    assert (first.activated, second.activated) == (1, 0)
    assert LandTransferContract.objects.get().history.count() == 3  # drafted, signed, active: once each


def test_the_task_runs_the_service_for_today(make_contract, household_a, parcel_a):
    today = timezone.localdate()
    make_contract(
        household=household_a,
        parcels=[(parcel_a, Decimal(10))],
        start_date=today - timedelta(days=400),
        end_date=today + timedelta(days=30),
        today=today,
    )
    result = tasks.mark_reminders_task.delay().get()
    assert result["expiring"] == 1
    assert LandTransferContract.objects.get().expiring_soon is True


def test_beat_runs_the_job_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["land-reminders"]
    assert entry["task"] == "land.mark_reminders"
    assert entry["schedule"].hour == {1}


@pytest.mark.celery_worker
def test_a_real_worker_marks_the_reminders(celery_worker_process, make_contract, household_a, parcel_a):
    today = timezone.localdate()
    contract = make_contract(
        household=household_a,
        parcels=[(parcel_a, Decimal(10))],
        start_date=today - timedelta(days=400),
        end_date=today + timedelta(days=30),
        today=today,
    )
    tasks.mark_reminders_task.delay()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        contract.refresh_from_db()
        if contract.expiring_soon:
            break
        time.sleep(0.2)
    assert contract.expiring_soon is True
