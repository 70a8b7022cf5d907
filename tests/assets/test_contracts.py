"""The contracts ledger: schedules, receipts, deposits, reminders on land's daily job, and who sees what."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from assets import services
from assets.models import Contract, ContractInstallment, DepositMovement
from land import tasks as land_tasks

from .conftest import TODAY


def test_a_payment_schedule_outside_the_term_is_refused_with_the_dates(company):
    with pytest.raises(ValidationError) as error:
        services.create_contract(
            number="ZL-1",
            title="食堂",
            kind="lease",
            owner=company,
            counterparty="王某",
            subject="食堂",
            start_date=date(2024, 1, 1),
            end_date=date(2024, 12, 31),
            schedule=[(date(2025, 1, 15), 100, "")],
        )
    assert error.value.message_dict == {
        "schedule": ["The payment due on 2025-01-15 is outside the term 2024-01-01 to 2024-12-31."]
    }
    assert not Contract.objects.exists()


def test_a_typed_schedule_is_read_line_by_line_and_a_bad_line_is_named():
    assert services.parse_schedule("2025-01-15 50,000.00 上半年\n\n2025-07-15 50000") == [
        (date(2025, 1, 15), 5_000_000, "上半年"),
        (date(2025, 7, 15), 5_000_000, ""),
    ]
    with pytest.raises(ValidationError) as error:
        services.parse_schedule("2025-01-15 50000\n15/07/2025 50000")
    assert error.value.messages == ["Line 2: write a date and an amount in yuan, such as “2025-01-15 50000.00”."]


def test_a_receipt_cannot_exceed_what_is_still_owed(market_contract):
    installment = market_contract.installments.get(due_date=date(2024, 1, 15))
    services.record_receipt(installment=installment, received_on=date(2024, 1, 10), amount_fen=4_000_000)
    with pytest.raises(ValidationError) as error:
        services.record_receipt(installment=installment, received_on=date(2024, 1, 12), amount_fen=3_000_001)
    assert error.value.message_dict == {"amount": ["Only ¥30,000.00 is still owed on the payment due 2024-01-15."]}
    services.record_receipt(installment=installment, received_on=date(2024, 1, 12), amount_fen=3_000_000)
    receipts = services.contract_receipts(start=date(2024, 1, 1), end=date(2024, 12, 31))
    assert [(r.received_on, r.amount_fen) for r in receipts] == [
        (date(2024, 1, 10), 4_000_000),
        (date(2024, 1, 12), 3_000_000),
    ]


def test_deposits_are_returned_or_kept_only_up_to_what_is_held(market_contract):
    bond, received, returned, kept = (
        DepositMovement.Kind.PERFORMANCE_BOND,
        DepositMovement.Movement.RECEIVED,
        DepositMovement.Movement.RETURNED,
        DepositMovement.Movement.FORFEITED,
    )
    services.record_deposit(contract=market_contract, kind=bond, movement=received, amount_fen=2_000_000, on=TODAY)
    services.record_deposit(contract=market_contract, kind=bond, movement=kept, amount_fen=500_000, on=TODAY)
    services.record_deposit(contract=market_contract, kind=bond, movement=returned, amount_fen=1_000_000, on=TODAY)
    with pytest.raises(ValidationError) as error:
        services.record_deposit(contract=market_contract, kind=bond, movement=returned, amount_fen=500_001, on=TODAY)
    assert error.value.message_dict == {
        "amount": ["Only ¥5,000.00 of this deposit is held; ¥5,000.01 cannot be returned or kept."]
    }
    [balance] = services.deposit_balances(contract=market_contract)
    assert (balance.received_fen, balance.returned_fen, balance.forfeited_fen, balance.held_fen) == (
        2_000_000,
        1_000_000,
        500_000,
        500_000,
    )
    with pytest.raises(ValidationError):
        services.record_deposit(
            contract=market_contract,
            kind=DepositMovement.Kind.SECURITY_DEPOSIT,
            movement=returned,
            amount_fen=1,
            on=TODAY,
        )


def test_the_daily_job_marks_the_market_contract_expiring_and_its_unpaid_payment_overdue(market_contract):
    first = market_contract.installments.get(due_date=date(2024, 1, 15))
    services.record_receipt(installment=first, received_on=date(2024, 1, 15), amount_fen=7_000_000)
    counts = services.mark_contract_reminders(today=TODAY)  # 20 November 2026: 41 days before the end
    market_contract.refresh_from_db()
    assert market_contract.expiring_soon is True
    overdue = ContractInstallment.objects.filter(overdue=True).order_by("due_date")
    assert [i.due_date for i in overdue] == [date(2024, 7, 15), date(2026, 7, 15)]
    assert counts == {"ledger_expired": 0, "ledger_expiring": 1, "ledger_overdue": 2}

    counts = services.mark_contract_reminders(today=date(2027, 1, 1))
    market_contract.refresh_from_db()
    assert (market_contract.status, market_contract.expiring_soon) == ("expired", False)
    assert counts["ledger_expired"] == 1


def test_lands_daily_task_runs_the_ledger_reminders_too(company):
    from django.utils import timezone

    today = timezone.localdate()
    contract = services.create_contract(
        number="ZL-SOON",
        title="市场",
        kind="operating_rights",
        owner=company,
        counterparty="某公司",
        subject="市场",
        start_date=date(2020, 1, 1),
        end_date=today,
        schedule=[],
    )
    services.sign_contract(contract=contract, signed_on=date(2020, 1, 1), today=date(2020, 1, 1))
    result = land_tasks.mark_reminders_task.delay().get()
    assert result["ledger_expiring"] == 1
    contract.refresh_from_db()
    assert contract.expiring_soon is True


def test_each_role_sees_its_own_organisations_contracts(
    market_contract,
    association_a,
    village_official_a,
    village_official_b,
    accountant,
    township_official,
    association_staff,
):
    village_lease = services.create_contract(
        number="ZL-A01-1",
        title="村小学出租",
        kind="lease",
        owner=association_a,
        counterparty="某人",
        subject="校舍",
        start_date=date(2024, 1, 1),
        end_date=date(2028, 12, 31),
        schedule=[],
    )

    def seen(user):
        return sorted(Contract.objects.visible_to(user).values_list("number", flat=True))

    assert seen(village_official_a) == [village_lease.number]
    assert seen(village_official_b) == []
    assert seen(accountant) == [market_contract.number]
    assert seen(township_official) == [village_lease.number, market_contract.number]
    assert seen(association_staff) == []
    assert accountant.has_perm("assets.change_assets", market_contract)
    assert not village_official_a.has_perm("assets.change_assets", market_contract)
    assert village_official_a.has_perm("assets.change_assets", village_lease)
    assert not township_official.has_perm("assets.change_assets", village_lease)
    assert township_official.has_perm("assets.view_assets")
