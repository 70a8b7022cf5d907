"""On PostgreSQL an approved run's rows refuse every change but payment, whoever writes (ORM update() included)."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from dividends import services
from dividends.models import DistributionRun, Payout, PayoutPart, Pool, RunContractLine

pytestmark = pytest.mark.postgres


@pytest.fixture
def approved(appendix, compute, accountant, township_official):
    if connection.vendor != "postgresql":
        pytest.skip("the triggers are PostgreSQL's; on SQLite the rule is the application's")
    run = compute(appendix.policy)
    services.publish_notice(user=accountant, run=run, starts_on=date(2025, 1, 2), published_on=date(2025, 1, 2))
    return services.approve_run(
        user=township_official, run=run, resolution_date=date(2025, 1, 12), resolution_reference="决议1号"
    )


def refused(change) -> None:
    with pytest.raises(IntegrityError, match="approved"), transaction.atomic():
        change()


def test_an_orm_update_of_an_approved_runs_payouts_pools_lines_and_figures_is_refused(approved):
    payouts = Payout.objects.filter(run=approved)
    before = sorted(payouts.values_list("household_code", "total_fen", "rent_fen"))
    refused(lambda: payouts.update(rent_fen=F("rent_fen") + 100, total_fen=F("total_fen") + 100))
    refused(lambda: payouts.filter(household_code="A01-001").delete())
    refused(lambda: Pool.objects.filter(run=approved).update(amount_fen=F("amount_fen") + 1))
    refused(lambda: PayoutPart.objects.filter(run=approved).update(amount_fen=0))
    refused(lambda: PayoutPart.objects.filter(run=approved).delete())
    refused(lambda: RunContractLine.objects.filter(run=approved).update(area_mu=1))
    refused(lambda: payouts.update(weighted_holdings=0))
    # Its holdings are a reference into the share ledger: the reference cannot be moved either.
    refused(lambda: DistributionRun.objects.filter(pk=approved.pk).update(ledger_mark=F("ledger_mark") - 1))
    refused(lambda: DistributionRun.objects.filter(pk=approved.pk).update(record_date="2020-01-01"))
    refused(lambda: DistributionRun.objects.filter(pk=approved.pk).update(figures={"net_profit_fen": 1}))
    refused(lambda: DistributionRun.objects.filter(pk=approved.pk).update(inputs={}))
    refused(lambda: DistributionRun.objects.filter(pk=approved.pk).update(status="draft"))
    assert sorted(payouts.values_list("household_code", "total_fen", "rent_fen")) == before


def test_payment_may_still_set_its_fields_and_close_the_run(approved, accountant, appendix):
    count = Payout.objects.filter(run=approved).update(company_paid_on=date(2025, 2, 1), company_bank_reference="B-1")
    assert count == Payout.objects.filter(run=approved).count()
    for code in ("A01", "A02"):
        services.mark_paid(
            user=accountant,
            run=approved,
            payer=appendix.associations[code],
            paid_on=date(2025, 2, 4),
            bank_reference=f"{code}-3",
        )
    approved.refresh_from_db()
    assert approved.status == DistributionRun.Status.PAID
    assert services.close_run(user=accountant, run=approved).status == DistributionRun.Status.CLOSED


def test_a_draft_runs_rows_may_still_change(appendix, compute):
    if connection.vendor != "postgresql":
        pytest.skip("the triggers are PostgreSQL's")
    run = compute(appendix.policy)
    assert Pool.objects.filter(run=run).update(amount_fen=F("amount_fen")) > 0
    assert Payout.objects.filter(run=run).update(rent_fen=F("rent_fen")) > 0
