"""The Gantian demo, land part: 1,897.5 mu (126.5 ha) transferred to XingLv in 2024, and remediation labour.

From the case study: the company took 126.5 hectares by land transfer for a guaranteed rent plus a
share of the profit (保底+分红), and farmers earned wages maintaining the remediated land.
Synthetic (labelled `is_synthetic`, notes 合成数据): every parcel, area, rent, term, payment and work day.
The area is split over households of the nine associations with the largest-remainder method, so
it adds up to exactly 1,897.5 mu whatever number of households the registry demo made.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from collective.models import Household, Member, Organisation
from collective.money import split_largest_remainder
from land import services
from land.models import LabourRecord, LandTransferContract, Parcel, RentPayment

COMPANY_CODE = "XINGLV"
ASSOCIATION_CODES = [f"GT{number:02d}" for number in range(1, 10)]
TOTAL_TENTHS_OF_MU = 18975  # 1,897.5 mu = 126.5 ha, the paper's figure
HOUSEHOLDS_PER_ASSOCIATION = 20
# Guaranteed rent per mu per year by association, in yuan (synthetic); orchards pay 200 more.
BASE_RENT_YUAN = [600, 550, 500, 650, 600, 700, 550, 500, 600]
RIGHT_END = date(2057, 12, 31)  # second-round contract rights, extended by thirty years
SHORT_RIGHT_END = date(2027, 12, 31)
NOTE = "合成数据"
TASKS = ["田埂修复", "灌溉渠清淤", "土壤改良施肥", "除草与养护", "机耕道维护"]
DAY_WAGE_FEN = 12000
FIRST_START = date(2021, 1, 1)


def _chosen_households() -> list[tuple[int, Organisation, list[Household]]]:
    chosen = []
    for index, code in enumerate(ASSOCIATION_CODES):
        association = Organisation.objects.filter(code=code).first()
        if association is None:
            continue
        # Only households that exist over every contract's whole term: no contract for a dissolved (注销)
        # household, nor for one established after the first contracts began.
        households = list(
            Household.objects.filter(association=association, dissolved_on__isnull=True)
            .filter(Q(established_on__isnull=True) | Q(established_on__lte=FIRST_START))
            .order_by("code")[:HOUSEHOLDS_PER_ASSOCIATION]
        )
        if households:
            chosen.append((index, association, households))
    return chosen


def _plan(chosen) -> list[dict]:
    """Decide every household's parcel and contract; areas in tenths of a mu adding up to the total."""
    rng = random.Random(20241231)
    plans = []
    for index, association, households in chosen:
        for number, household in enumerate(households, start=1):
            plans.append(
                {
                    "index": index,
                    "association": association,
                    "household": household,
                    "n": number,
                    "weight": rng.randint(60, 160),
                    "spare_tenths": rng.choice([0, 0, 0, 5, 10, 20]),
                }
            )
    tenths = split_largest_remainder(TOTAL_TENTHS_OF_MU, {i: plan["weight"] for i, plan in enumerate(plans)})
    for i, plan in enumerate(plans):
        plan["area"] = Decimal(tenths[i]) / 10
    return plans


def _terms(plan) -> dict:
    n = plan["n"]
    terms = {"start_date": FIRST_START, "end_date": date(2030, 12, 31), "signed_on": date(2020, 12, 15)}
    if n % 10 == 1 and n > 1:
        terms.update(end_date=SHORT_RIGHT_END)
    elif n % 10 == 3:  # taken in the middle of 2024
        terms.update(start_date=date(2024, 7, 1), end_date=date(2034, 6, 30), signed_on=date(2024, 6, 10))
    elif n % 10 == 5:
        terms.update(start_date=date(2021, 3, 1), end_date=date(2031, 2, 28), signed_on=date(2021, 2, 20))
    elif n % 10 == 7:  # a three-year contract ending in the middle of 2024, renewed from the next day
        terms.update(start_date=date(2021, 7, 1), end_date=date(2024, 6, 30), signed_on=date(2021, 6, 20))
    if plan["index"] == 0 and n == 2:  # the contract with an escalation
        terms.update(end_date=date(2035, 12, 31), escalation_percent=Decimal(5), escalation_every_years=3)
    return terms


def _parcel(plan) -> Parcel:
    association, household, n = plan["association"], plan["household"], plan["n"]
    area = plan["area"] + Decimal(plan["spare_tenths"]) / 10
    parcel, _created = Parcel.objects.get_or_create(
        code=f"{association.code}-DK{n:03d}",
        defaults={
            "association": association,
            "village_group": household.village_group,
            "area_mu": area,
            "land_class": Parcel.LandClass.ORCHARD if n % 6 == 0 else Parcel.LandClass.ARABLE,
            "contract_household": household,
            "contract_right_end": SHORT_RIGHT_END if n % 10 == 1 and n > 1 else RIGHT_END,
            "note": NOTE,
            "is_synthetic": True,
        },
    )
    return parcel


def _contract(plan, parcel: Parcel, company: Organisation, today: date) -> list[LandTransferContract]:
    association, n = plan["association"], plan["n"]
    number = f"HT-{association.code}-{n:03d}"
    existing = LandTransferContract.objects.filter(number=number).first()
    if existing is not None:
        return [existing, *existing.renewals.all()]
    terms = _terms(plan)
    signed_on = terms.pop("signed_on")
    rent_yuan = BASE_RENT_YUAN[plan["index"]] + (200 if parcel.land_class == Parcel.LandClass.ORCHARD else 0)
    contract = services.draft_contract(
        number=number,
        household=plan["household"],
        transferee=company,
        parcels=[(parcel, plan["area"])],
        rent_per_mu_fen=rent_yuan * 100,
        profit_share=n % 10 != 9,
        note=NOTE,
        is_synthetic=True,
        **terms,
    )
    contract = services.sign_contract(contract=contract, signed_on=signed_on, today=today)
    contracts = [contract]
    if n % 10 == 7:
        renewal = services.renew_contract(
            contract=contract, number=f"{number}-XQ", end_date=date(2034, 6, 30), note=NOTE
        )
        contracts.append(services.sign_contract(contract=renewal, signed_on=date(2024, 6, 20), today=today))
    return contracts


def _payments(contract: LandTransferContract, today: date, *, leave_last_unpaid: bool, lump_sum: bool) -> list:
    """Each year's rent paid on its due date, as the company did; some leave the last year unpaid."""
    installments = [i for i in contract.installments.order_by("year") if i.due_date < today and i.amount_fen]
    if leave_last_unpaid and installments:
        installments = installments[:-1]
    if lump_sum:
        reference = f"DEMO-{contract.number}-2024-2026"
        if not RentPayment.objects.filter(reference=reference).exists() and today > date(2024, 12, 20):
            services.record_rent_payment(
                contract=contract,
                paid_on=date(2024, 12, 20),
                amount_fen=sum(i.amount_fen for i in contract.installments.filter(year__range=(2024, 2026))),
                reference=reference,
                note="合成数据 - 一次性预付三年租金",
                first_year=2024,
                last_year=2026,
            )
    return [
        (installment, installment.due_date, f"DEMO-{contract.number}-{installment.year}")
        for installment in installments
        if not (lump_sum and 2024 <= installment.year <= 2026)
    ]


def _labour(plans, company: Organisation) -> None:
    rng = random.Random(2024)
    for plan in plans[::3]:
        member = Member.objects.filter(household=plan["household"]).order_by("pk").first()
        if member is None:
            continue
        for _visit in range(rng.randint(1, 3)):
            work_date = date(2024, 3, 1) + timedelta(days=rng.randrange(0, 270))
            task = rng.choice(TASKS)
            days = Decimal(rng.randint(1, 16)) / 2
            if LabourRecord.objects.filter(member=member, work_date=work_date, task=task).exists():
                continue
            services.record_labour(
                member=member,
                employer=company,
                work_date=work_date,
                days=days,
                day_wage_fen=DAY_WAGE_FEN,
                task=task,
                is_synthetic=True,
            )


@transaction.atomic
def load() -> None:
    """Create the demo parcels, contracts, payments and labour records; running it again changes nothing."""
    company = Organisation.objects.filter(code=COMPANY_CODE).first()
    if company is None:
        return
    today = timezone.localdate()
    plans = _plan(_chosen_households())
    payments = []
    for plan in plans:
        parcel = _parcel(plan)
        n = plan["n"]
        for contract in _contract(plan, parcel, company, today):
            payments += _payments(contract, today, leave_last_unpaid=n == 12, lump_sum=plan["index"] == 0 and n == 1)
    services.pay_installments_in_full(payments=payments, note=NOTE)
    _labour(plans, company)
    services.mark_reminders(today=today)
