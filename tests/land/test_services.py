"""The contract rules, in the service and (on PostgreSQL) in the database itself."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from collective.models import Household, Member
from land import services
from land.models import ContractParcel, LandTransferContract, RentAllocation, RentInstallment, RentPayment

from .conftest import TODAY

Status = LandTransferContract.Status


def messages(error: ValidationError) -> list[str]:
    return [message for field_messages in error.message_dict.values() for message in field_messages]


# --- overlaps -----------------------------------------------------------------------------------


def test_the_same_parcel_in_two_contracts_with_overlapping_terms_is_refused(make_contract, household_a, parcel_a):
    make_contract(number="HT-1", household=household_a, parcels=[(parcel_a, Decimal(5))])
    with pytest.raises(ValidationError) as error:
        make_contract(
            number="HT-2",
            household=household_a,
            parcels=[(parcel_a, Decimal(5))],
            start_date=date(2030, 12, 31),
            end_date=date(2035, 12, 31),
        )
    assert error.value.message_dict["parcels"] == [
        "Parcel P-01 is already under contract HT-1 from 2021-01-01 to 2030-12-31."
    ]
    assert not LandTransferContract.objects.filter(number="HT-2").exists()


def test_a_contract_starting_the_day_after_another_ends_is_accepted(make_contract, household_a, parcel_a):
    make_contract(number="HT-1", household=household_a, parcels=[(parcel_a, Decimal(5))])
    second = make_contract(
        number="HT-2",
        household=household_a,
        parcels=[(parcel_a, Decimal("12.5"))],
        start_date=date(2031, 1, 1),
        end_date=date(2035, 12, 31),
    )
    assert second.status == Status.SIGNED


def test_the_overlap_is_checked_again_when_a_draft_is_signed(make_contract, household_a, parcel_a):
    first = make_contract(number="HT-1", household=household_a, parcels=[(parcel_a, Decimal(5))], sign=False)
    second = make_contract(number="HT-2", household=household_a, parcels=[(parcel_a, Decimal(5))], sign=False)
    services.sign_contract(contract=first, signed_on=date(2021, 1, 1), today=TODAY)
    with pytest.raises(ValidationError, match="already under contract HT-1"):
        services.sign_contract(contract=second, signed_on=date(2021, 1, 1), today=TODAY)
    second.refresh_from_db()
    assert second.status == Status.DRAFT
    assert not second.lines.filter(binding=True).exists()


def test_a_terminated_contract_frees_its_parcel_after_the_termination_date(make_contract, household_a, parcel_a):
    first = make_contract(number="HT-1", household=household_a, parcels=[(parcel_a, Decimal(5))])
    services.terminate_contract(contract=first, terminated_on=date(2024, 6, 30), reason="改签新合同")
    second = make_contract(
        number="HT-2",
        household=household_a,
        parcels=[(parcel_a, Decimal("12.5"))],
        start_date=date(2024, 7, 1),
        end_date=date(2034, 6, 30),
    )
    assert second.status == Status.SIGNED  # it starts after TODAY
    with pytest.raises(ValidationError, match="already under contract HT-1 from 2021-01-01 to 2024-06-30"):
        make_contract(
            number="HT-3",
            household=household_a,
            parcels=[(parcel_a, Decimal(1))],
            start_date=date(2024, 6, 30),
            end_date=date(2024, 6, 30),
        )


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints exist on PostgreSQL only")
def test_postgresql_itself_refuses_overlapping_binding_lines(make_contract, household_a, parcel_a):
    make_contract(number="HT-1", household=household_a, parcels=[(parcel_a, Decimal(5))])
    second = make_contract(
        number="HT-2",
        household=household_a,
        parcels=[(parcel_a, Decimal(5))],
        start_date=date(2031, 1, 1),
        end_date=date(2035, 12, 31),
    )
    line = second.lines.get()
    # Bypass the service, as a careless script would: the database refuses on its own.
    line.start_date = date(2030, 12, 31)
    with pytest.raises(IntegrityError, match="contract_parcel_no_overlap"), transaction.atomic():
        line.save(update_fields=["start_date"])
    with pytest.raises(IntegrityError, match="contract_parcel_no_overlap"), transaction.atomic():
        ContractParcel.objects.create(
            contract=LandTransferContract.objects.create(
                number="HT-3",
                household=household_a,
                transferee=second.transferee,
                start_date=date(2024, 1, 1),
                end_date=date(2024, 1, 1),
                rent_per_mu_fen=1,
            ),
            parcel=parcel_a,
            area_mu=1,
            start_date=date(2024, 1, 1),
            end_date=date(2024, 1, 1),
            binding=True,
        )


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints exist on PostgreSQL only")
def test_postgresql_lets_drafts_over_the_same_days_be(make_contract, household_a, parcel_a):
    first = make_contract(number="HT-1", household=household_a, parcels=[(parcel_a, Decimal(5))], sign=False)
    second = make_contract(number="HT-2", household=household_a, parcels=[(parcel_a, Decimal(5))], sign=False)
    assert [first.lines.get().binding, second.lines.get().binding] == [False, False]
    services.sign_contract(contract=first, signed_on=TODAY, today=TODAY)
    with transaction.atomic(), pytest.raises(IntegrityError, match="contract_parcel_no_overlap"):
        second.lines.update(binding=True)


# --- contract right and area -----------------------------------------------------------------------


def test_a_transfer_past_the_end_of_the_contract_right_is_refused(make_contract, household_a, parcel_a):
    parcel_a.contract_right_end = date(2027, 12, 31)
    parcel_a.save()
    with pytest.raises(ValidationError) as error:
        make_contract(household=household_a, parcels=[(parcel_a, Decimal(5))])
    assert error.value.message_dict["parcels"] == [
        "Parcel P-01: the term ends after the household's contract right ends on 2027-12-31."
    ]
    contract = make_contract(household=household_a, parcels=[(parcel_a, Decimal(5))], end_date=date(2027, 12, 31))
    assert contract.status == Status.ACTIVE


def test_an_area_larger_than_the_parcel_is_refused(make_contract, household_a, parcel_a):
    with pytest.raises(ValidationError) as error:
        make_contract(household=household_a, parcels=[(parcel_a, Decimal("12.5001"))])
    assert error.value.message_dict["parcels"] == ["Parcel P-01: 12.5001 mu is more than the parcel's 12.5 mu."]
    assert LandTransferContract.objects.count() == 0


def test_another_households_parcel_is_refused(make_contract, household_b, parcel_a):
    with pytest.raises(ValidationError, match="not held by household A02-001"):
        make_contract(household=household_b, parcels=[(parcel_a, Decimal(1))])


def test_every_broken_rule_is_reported_at_once(make_contract, household_a, parcel_a):
    parcel_a.contract_right_end = date(2025, 12, 31)
    parcel_a.save()
    with pytest.raises(ValidationError) as error:
        make_contract(
            household=household_a,
            parcels=[(parcel_a, Decimal(20))],
            escalation_percent=Decimal(5),
        )
    assert set(error.value.message_dict) == {"parcels", "escalation_percent"}
    assert len(error.value.message_dict["parcels"]) == 2


def test_a_parcel_cannot_shrink_below_a_signed_contract_or_its_right_end_before_it(
    make_contract, household_a, parcel_a
):
    make_contract(household=household_a, parcels=[(parcel_a, Decimal(10))])
    parcel_a.area_mu = Decimal(9)
    parcel_a.contract_right_end = date(2029, 12, 31)
    with pytest.raises(ValidationError) as error:
        services.save_parcel(parcel=parcel_a)
    assert set(error.value.message_dict) == {"area_mu", "contract_right_end"}
    parcel_a.refresh_from_db()
    assert parcel_a.area_mu == Decimal("12.5")


def test_a_parcels_household_must_belong_to_its_association(parcel_a, household_b):
    parcel_a.contract_household = household_b
    with pytest.raises(ValidationError, match="belongs to another association"):
        services.save_parcel(parcel=parcel_a)


# --- lifecycle ----------------------------------------------------------------------------------


def test_a_contract_goes_from_draft_to_signed_to_active_to_expired(make_contract, household_a, parcel_a):
    contract = make_contract(
        household=household_a,
        parcels=[(parcel_a, Decimal(5))],
        start_date=date(2024, 7, 1),
        end_date=date(2024, 12, 31),
        sign=False,
    )
    assert contract.status == Status.DRAFT
    assert not contract.installments.exists()
    contract = services.sign_contract(contract=contract, signed_on=date(2024, 6, 1), today=TODAY)
    assert contract.status == Status.SIGNED
    # 5 mu * 60000 fen * 184/366 (1 July - 31 December) = 150819.67… → 150820 fen.
    assert list(contract.installments.values_list("year", "amount_fen")) == [(2024, 150820)]
    services.mark_reminders(today=date(2024, 7, 1))
    contract.refresh_from_db()
    assert contract.status == Status.ACTIVE
    services.mark_reminders(today=date(2025, 1, 1))
    contract.refresh_from_db()
    assert contract.status == Status.EXPIRED
    statuses = [h.status for h in contract.history.order_by("history_date")]
    assert statuses == ["draft", "signed", "active", "expired"]


def test_signed_terms_cannot_be_edited(make_contract, household_a, parcel_a):
    contract = make_contract(household=household_a, parcels=[(parcel_a, Decimal(5))])
    with pytest.raises(ValidationError, match="its terms cannot be edited"):
        services.update_draft_contract(contract=contract, rent_per_mu_fen=70000)
    with pytest.raises(ValidationError, match="its terms cannot be edited"):
        services.update_draft_contract(contract=contract, parcels=[(parcel_a, Decimal(6))])
    with pytest.raises(ValidationError, match="Only a draft can be deleted"):
        services.delete_draft_contract(contract=contract)
    contract.refresh_from_db()
    assert contract.rent_per_mu_fen == 60000
    assert contract.lines.get().area_mu == Decimal(5)


def test_a_draft_can_be_edited_and_deleted(make_contract, household_a, parcel_a):
    contract = make_contract(household=household_a, parcels=[(parcel_a, Decimal(5))], sign=False)
    services.update_draft_contract(contract=contract, rent_per_mu_fen=70000, parcels=[(parcel_a, Decimal(6))])
    contract.refresh_from_db()
    assert (contract.rent_per_mu_fen, contract.lines.get().area_mu) == (70000, Decimal(6))
    services.delete_draft_contract(contract=contract)
    assert not LandTransferContract.objects.exists()


def test_signing_in_the_future_or_twice_is_refused(make_contract, household_a, parcel_a):
    contract = make_contract(household=household_a, parcels=[(parcel_a, Decimal(5))], sign=False)
    with pytest.raises(ValidationError) as error:
        services.sign_contract(contract=contract, signed_on=date(2024, 6, 16), today=TODAY)
    assert error.value.message_dict == {"signed_on": ["The signing date cannot be in the future."]}
    services.sign_contract(contract=contract, signed_on=TODAY, today=TODAY)
    with pytest.raises(ValidationError, match="signed already"):
        services.sign_contract(contract=contract, signed_on=TODAY, today=TODAY)


def test_termination_needs_a_reason_a_date_in_the_term_and_a_contract_in_force(make_contract, household_a, parcel_a):
    contract = make_contract(household=household_a, parcels=[(parcel_a, Decimal(5))])
    with pytest.raises(ValidationError) as error:
        services.terminate_contract(contract=contract, terminated_on=date(2031, 1, 1), reason=" ")
    assert set(error.value.message_dict) == {"reason", "terminated_on"}
    services.terminate_contract(contract=contract, terminated_on=date(2024, 6, 30), reason="双方协商解除")
    contract.refresh_from_db()
    assert (contract.status, contract.terminated_on, contract.termination_reason) == (
        Status.TERMINATED,
        date(2024, 6, 30),
        "双方协商解除",
    )
    assert contract.installments.order_by("year").last().year == 2024
    with pytest.raises(ValidationError, match="Only a signed or active contract can be terminated"):
        services.terminate_contract(contract=contract, terminated_on=date(2024, 7, 30), reason="again")
    draft = make_contract(
        number="HT-D",
        household=household_a,
        parcels=[(parcel_a, Decimal(1))],
        start_date=date(2031, 1, 1),
        end_date=date(2032, 12, 31),
        sign=False,
    )
    with pytest.raises(ValidationError, match="Only a signed or active contract"):
        services.terminate_contract(contract=draft, terminated_on=date(2031, 2, 1), reason="x")


def test_renewal_drafts_a_linked_contract_from_the_day_after(make_contract, household_a, parcel_a):
    old = make_contract(
        household=household_a,
        parcels=[(parcel_a, Decimal(5))],
        escalation_percent=Decimal(5),
        escalation_every_years=3,
    )
    renewal = services.renew_contract(contract=old, number="HT-R", end_date=date(2040, 12, 31))
    assert renewal.renewed_from == old
    assert (renewal.status, renewal.start_date, renewal.household) == (Status.DRAFT, date(2031, 1, 1), household_a)
    # The rent carries over as escalated for 2031: 60000 * 1.05³ = 69457.5 → 69458 fen per mu.
    assert renewal.rent_per_mu_fen == 69458
    assert not renewal.has_escalation
    assert [(line.parcel, line.area_mu) for line in renewal.lines.all()] == [(parcel_a, Decimal(5))]
    with pytest.raises(ValidationError, match="renewed already by HT-R"):
        services.renew_contract(contract=old, number="HT-R2", end_date=date(2040, 12, 31))
    services.sign_contract(contract=renewal, signed_on=TODAY, today=TODAY)
    assert list(old.renewals.all()) == [renewal]


# --- rent schedule and payments --------------------------------------------------------------------


def test_the_schedule_has_a_row_a_year_with_its_due_date(make_contract, household_a, parcel_a):
    contract = make_contract(
        household=household_a,
        parcels=[(parcel_a, Decimal(8))],
        start_date=date(2024, 7, 1),
        end_date=date(2026, 6, 30),
        payment_due_month=3,
        payment_due_day=31,
    )
    rows = services.rent_schedule(contract=contract, today=TODAY)
    # 2024: due 31 March is before the start, so on the start day; 2026: 31 March, inside the term.
    assert [(row.year, row.due_date, row.amount_fen) for row in rows] == [
        (2024, date(2024, 7, 1), 241311),
        (2025, date(2025, 3, 31), 480000),
        (2026, date(2026, 3, 31), 238027),  # 8 * 60000 * 181/365 = 238027.39… → 238027
    ]


def test_a_lump_sum_paid_in_advance_is_recognised_over_the_years_it_covers(make_contract, household_a, parcel_a):
    contract = make_contract(household=household_a, parcels=[(parcel_a, Decimal(10))])
    payment = services.record_rent_payment(
        contract=contract,
        paid_on=date(2024, 1, 10),
        amount_fen=1_800_000,
        reference="银行流水 2024-001",
        first_year=2024,
        last_year=2026,
    )
    assert list(payment.allocations.values_list("installment__year", "amount_fen")) == [
        (2024, 600000),
        (2025, 600000),
        (2026, 600000),
    ]
    rows = {row.year: row for row in services.rent_schedule(contract=contract, today=date(2027, 1, 1))}
    assert (rows[2025].paid_fen, rows[2025].outstanding_fen, rows[2025].overdue) == (600000, 0, False)
    assert (rows[2027].paid_fen, rows[2027].overdue) == (0, False)
    assert rows[2023].overdue is True


def test_a_payment_larger_than_what_is_outstanding_is_refused(make_contract, household_a, parcel_a):
    contract = make_contract(household=household_a, parcels=[(parcel_a, Decimal(10))])
    with pytest.raises(ValidationError) as error:
        services.record_rent_payment(
            contract=contract, paid_on=TODAY, amount_fen=600001, first_year=2024, last_year=2024
        )
    assert error.value.message_dict["amount"] == [
        "The payment of ¥6,000.01 is more than the ¥6,000.00 outstanding in the years it covers."
    ]
    assert not RentAllocation.objects.exists()


def test_a_termination_after_an_advance_keeps_the_overpayment_visible(make_contract, household_a, parcel_a):
    contract = make_contract(household=household_a, parcels=[(parcel_a, Decimal(10))])
    services.record_rent_payment(contract=contract, paid_on=TODAY, amount_fen=1_200_000, first_year=2025)
    services.terminate_contract(contract=contract, terminated_on=date(2025, 6, 30), reason="征收")
    rows = {row.year: row for row in services.rent_schedule(contract=contract, today=TODAY)}
    # 2025: 1 January - 30 June = 181 days of 365: 10 * 60000 * 181/365 = 297534.24… → 297534 fen.
    assert rows[2025].amount_fen == 297534
    assert rows[2026].amount_fen == 0
    assert rows[2026].outstanding_fen == -600000
    assert 2027 not in rows
    assert RentInstallment.objects.filter(contract=contract).count() == 6


# --- labour -----------------------------------------------------------------------------------------


def test_labour_lines_round_each_wage_half_up_and_sort_by_household(company, household_a, household_b, member_a):
    member_b = Member.objects.create(household=household_b, name="李四")
    services.record_labour(
        member=member_b,
        employer=company,
        work_date=date(2024, 3, 2),
        days=Decimal("7.5"),
        day_wage_fen=12000,
        task="田埂修复",
    )
    first = services.record_labour(
        member=member_a,
        employer=company,
        work_date=date(2024, 5, 1),
        days=Decimal("0.25"),
        day_wage_fen=12002,
        task="灌溉渠清淤",
    )
    services.record_labour(
        member=member_a, employer=company, work_date=date(2023, 5, 1), days=1, day_wage_fen=12000, task="除草"
    )
    lines = services.labour_lines_for_year(employer=company, year=2024)
    # 0.25 * 12002 = 3000.5 → 3001 fen; 7.5 * 12000 = 90000 fen.
    assert [(line.household_code, line.member_name, line.wage_fen) for line in lines] == [
        ("A01-001", "张三", 3001),
        ("A02-001", "李四", 90000),
    ]
    assert lines[0].record_id == first.pk
    assert lines[0].household_id == household_a.pk


def test_a_labour_record_keeps_the_members_household_of_the_day(company, household_a, member_a):
    record = services.record_labour(
        member=member_a, employer=company, work_date=date(2024, 5, 1), days=1, day_wage_fen=12000, task="除草"
    )
    moved_to = Household.objects.create(association=household_a.association, code="A01-050")
    member_a.household = moved_to
    member_a.save()
    record.refresh_from_db()
    assert record.household == household_a


def test_labour_with_no_days_or_no_task_is_refused(company, member_a):
    with pytest.raises(ValidationError) as error:
        services.record_labour(
            member=member_a, employer=company, work_date=TODAY, days=Decimal(0), day_wage_fen=-1, task=" "
        )
    assert set(error.value.message_dict) == {"days", "day_wage", "task"}


# --- a dissolved household (注销) ------------------------------------------------------------------


def test_a_dissolved_household_gets_no_new_contract_nor_renewal(make_contract, household_a, parcel_a):
    """Today's main drafted, signed and paid a renewal for a household dissolved the year before."""
    old = make_contract(household=household_a, parcels=[(parcel_a, Decimal(5))], end_date=date(2024, 6, 30))
    Household.objects.filter(pk=household_a.pk).update(dissolved_on=date(2023, 6, 1))
    household_a.refresh_from_db()
    dissolved = (
        "Household A01-001 was dissolved (注销) on 2023-06-01: it can hold no contract in force from that day on. "
        "Make the contract with the household that took over its land."
    )
    with pytest.raises(ValidationError) as refused:
        services.renew_contract(contract=old, number="HT-XQ", end_date=date(2034, 6, 30))
    assert refused.value.message_dict["household"] == [dissolved]
    with pytest.raises(ValidationError) as refused:
        make_contract(
            household=household_a,
            parcels=[(parcel_a, Decimal(5))],
            number="HT-NEW",
            start_date=date(2024, 7, 1),
            end_date=date(2034, 6, 30),
        )
    assert refused.value.message_dict["household"] == [dissolved]
    assert not LandTransferContract.objects.exclude(pk=old.pk).exists()


def test_a_draft_is_not_signed_once_its_household_is_dissolved(make_contract, household_a, parcel_a):
    draft = make_contract(household=household_a, parcels=[(parcel_a, Decimal(5))], sign=False)
    Household.objects.filter(pk=household_a.pk).update(dissolved_on=date(2024, 1, 1))
    with pytest.raises(ValidationError, match=r"dissolved \(注销\) on 2024-01-01"):
        services.sign_contract(contract=draft, signed_on=TODAY, today=TODAY)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_contract_may_not_start_before_its_household_was_established(make_contract, household_a, parcel_a):
    Household.objects.filter(pk=household_a.pk).update(established_on=date(2022, 1, 1))
    household_a.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        make_contract(household=household_a, parcels=[(parcel_a, Decimal(5))])
    assert refused.value.message_dict["household"] == [
        "Household A01-001 was established on 2022-01-01, after the contract starts (2021-01-01)."
    ]


def test_no_rent_is_paid_to_a_household_after_it_was_dissolved(make_contract, household_a, parcel_a):
    contract = make_contract(household=household_a, parcels=[(parcel_a, Decimal(5))])
    Household.objects.filter(pk=household_a.pk).update(dissolved_on=date(2023, 6, 1))
    message = (
        "Household A01-001 of contract HT-TEST was dissolved (注销) on 2023-06-01: no rent can be paid to it on "
        "2024-12-20. Pay the household that took over its land, under its own contract."
    )
    with pytest.raises(ValidationError) as refused:
        services.record_rent_payment(contract=contract, paid_on=date(2024, 12, 20), amount_fen=100)
    assert refused.value.messages == [message]
    installment = contract.installments.get(year=2024)
    with pytest.raises(ValidationError) as refused:
        services.pay_installments_in_full(payments=[(installment, date(2024, 12, 20), "B-1")])
    assert refused.value.messages == [message]
    assert not RentPayment.objects.exists()
    # Rent owed from before the dissolution, paid before it, is still recorded.
    services.record_rent_payment(contract=contract, paid_on=date(2023, 5, 31), amount_fen=100)
    assert RentPayment.objects.count() == 1
