"""Fractional share quantities are summed exactly on both databases (issue 24).

SQLite keeps a DECIMAL column as a REAL, and SUM() of REALs drifts: 1.0001 issued and 1 cancelled
summed to 0.0000999999999999890, a merged-away household left about -4.4e-16, and the run failed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from collective import services as registry
from collective.models import Household
from dividends.models import DistributionRun
from dividends.services.inputs import LedgerReference
from tests.dividends.conftest import Builder, World

D = Decimal


def _fractional(appendix: World, accountant, association_a) -> None:
    """The issue's two cases on top of the appendix: 1.0001 issued and 1 cancelled; 1.0001 merged away."""
    build = Builder(appendix, accountant)
    labour = appendix.share_types[("A01", "labour")]
    small = build.household(association_a, "A01-004")
    build.shares(small, association_a, "labour", "1.0001", on=date(2022, 1, 1))
    registry.cancel_shares(
        association=association_a,
        household=small,
        share_type=labour,
        quantity=D(1),
        effective_date=date(2023, 1, 1),
        note="核减",
    )
    merged = build.household(association_a, "A01-005")
    build.shares(merged, association_a, "labour", "1.0001", on=date(2022, 1, 1))
    registry.merge_households(
        absorbed=merged, into=appendix.household("A01-003"), effective_date=date(2023, 6, 1), note="合户"
    )


def test_fractional_holdings_are_exact_and_the_run_computes(appendix, compute, accountant, association_a):
    _fractional(appendix, accountant, association_a)
    registry_rows = {
        (holding.household_code, holding.share_type_code): holding.quantity
        for holding in registry.registry_as_of(association=association_a, as_of=date(2024, 12, 31))
    }
    assert registry_rows[("A01-004", "labour")] == D("0.0001")
    assert str(registry_rows[("A01-004", "labour")]) == "0.0001"
    assert registry_rows[("A01-003", "labour")] == D("1.0001")
    # The merged-away household holds nothing at all, not a float's -4.4e-16.
    assert not any(code == "A01-005" for code, _type in registry_rows)
    assert Household.objects.get(code="A01-005").dissolved_on == date(2023, 6, 1)

    run = compute(appendix.policy)
    assert run.status == DistributionRun.Status.COMPUTED, run.error
    frozen = {
        h.household_code: h.quantity
        for holdings in LedgerReference.of_run(run).holdings().values()
        for h in holdings
        if h.share_type_code == "labour"
    }
    assert frozen == {"A01-001": D(10), "A01-003": D("1.0001"), "A01-004": D("0.0001")}
    # A01's split of 5,559,445 fen over weights 5 / 3 / 5.10001 / 0.00001 / 2 (collective), total 15.10002:
    # floors 1840873 / 1104524 / 1877694 / 3 / 736349, the two fen left over to the largest remainders
    # (A01-004's 0.68, A01-003's 0.54).
    shares = dict(
        run.payouts.filter(household__association=association_a).values_list("household__code", "share_dividend_fen")
    )
    assert shares == {"A01-001": 1840873, "A01-002": 1104524, "A01-003": 1877695, "A01-004": 4}
