"""The land demo: exactly the paper's 126.5 ha under transfer to XingLv in 2024.

One test, as loading the whole demo takes seconds; tests/foundation/test_demo.py loads it twice and
checks that the second run changes nothing.
"""

from datetime import date
from decimal import Decimal

from django.core.management import call_command
from django.db.models import F

from collective.models import Household, Organisation, User
from dividends.reports import annual_report
from land import services
from land.models import ContractParcel, LabourRecord, LandTransferContract, RentPayment


def test_the_demo_transfers_exactly_1897_5_mu_to_xinglv_in_2024(db):
    call_command("load_gantian_demo", verbosity=0)
    company = Organisation.objects.get(code="XINGLV")
    lines = services.contract_lines_for_year(transferee=company, year=2024)

    # Each parcel counts once, though some change contract in the middle of the year (a renewal).
    parcels = {line.parcel_code: line.area_mu for line in lines}
    assert sum(parcels.values()) == Decimal("1897.5")
    assert sum(parcels.values()) / 15 == Decimal("126.5")
    in_force_at_year_end = ContractParcel.objects.filter(
        binding=True, contract__transferee=company, start_date__lte=date(2024, 12, 31), end_date__gte=date(2024, 12, 31)
    )
    assert sum(line.area_mu for line in in_force_at_year_end) == Decimal("1897.5")

    # The annual report counts the same distinct parcels: a renewal does not transfer its land twice.
    report = annual_report(user=User.objects.get(username="township"), year=2024)
    assert report["township"]["area_transferred_mu"] == Decimal("1897.5")
    by_association = {}
    for line in lines:
        by_association.setdefault(line.association_id, {})[line.parcel_code] = line.area_mu
    assert {row["association_id"]: row["area_transferred_mu"] for row in report["associations"]} == {
        association_id: sum(parcels.values()) for association_id, parcels in by_association.items()
    }

    # Across the nine associations, some terms starting or ending in mid-2024, one escalation.
    assert len({line.association_id for line in lines}) == 9
    assert any(line.days_active < 366 for line in lines)
    assert LandTransferContract.objects.filter(escalation_percent__isnull=False).count() == 1
    assert LandTransferContract.objects.filter(renewed_from__isnull=False).exists()
    rents = {line.rent_per_mu_fen for line in lines}
    assert min(rents) >= 30000
    assert max(rents) <= 100000  # several hundred yuan per mu
    assert all(contract.is_synthetic for contract in LandTransferContract.objects.all())

    # No household dissolved (注销) holds a contract or is paid rent after its dissolution: today's main
    # renewed HT-GT01-007 as HT-GT01-007-XQ for a household dissolved in 2023 and paid it.
    assert Household.objects.filter(dissolved_on__isnull=False).exists()
    for contract in LandTransferContract.objects.filter(household__dissolved_on__isnull=False).select_related(
        "household"
    ):
        assert contract.last_day_in_force < contract.household.dissolved_on, contract.number
    assert not RentPayment.objects.filter(contract__household__dissolved_on__lte=F("paid_on")).exists()

    # Rent paid (one lump sum in advance for three years) and remediation labour at ¥120 a day.
    assert RentPayment.objects.filter(reference__endswith="-2024-2026").count() == 1
    assert LabourRecord.objects.filter(work_date__year=2024).exists()
    labour = services.labour_lines_for_year(employer=company, year=2024)
    assert all(line.wage_fen == line.days * 12000 for line in labour)
