"""The demo ends with XingLv's 2024 distribution approved over the demo registry and contracts, and 2025's in notice."""

from django.core.management import call_command
from django.db.models import Sum

from dividends.models import DistributionRun, LedgerEntry
from dividends.services.finish import check_pools


def test_the_demo_books_and_its_approved_2024_run(db):
    call_command("load_gantian_demo", verbosity=0)
    company_entries = LedgerEntry.objects.filter(organisation__code="XINGLV")
    land = company_entries.filter(entry_date__year=2024, direction="revenue", category="land_operation")
    rental = company_entries.filter(entry_date__year=2024, direction="revenue", category="rental")
    assert land.aggregate(total=Sum("amount_fen"))["total"] == 9000000  # ¥90,000.00, the paper's figure
    assert rental.aggregate(total=Sum("amount_fen"))["total"] == 20000000  # ¥200,000.00, the paper's figure
    assert set(rental.values_list("rental_source", flat=True)) == {"lvhe_market", "township_canteen"}
    assert set(company_entries.dates("entry_date", "year").values_list("entry_date__year", flat=True)) == {
        2022,
        2023,
        2024,
        2025,  # the year of the run in public notice
    }
    run = DistributionRun.objects.get(company__code="XINGLV", year=2024)
    assert run.status == DistributionRun.Status.APPROVED
    assert run.resolution_reference
    check_pools(run)  # every pool equals its lines
    assert run.figures["net_profit_fen"] > 0 and run.figures["shareholder_pool_fen"] > 0
    assert run.pools.filter(kind="association_received").count() == 9
    assert run.payouts.count() > 100
    assert run.payouts.aggregate(total=Sum("rent_fen"))["total"] == run.figures["rent_fen"]
