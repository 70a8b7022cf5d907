"""The payouts' references are checked set-based by the run, not row by row by the database."""

import pytest
from django.db import connection

from dividends.engine import DistributionError
from dividends.models import DistributionRun, Payout
from dividends.services.finish import check_payout_references

pytestmark = pytest.mark.django_db


def _orphan_payout(run: DistributionRun, *, household_id: int, association_id: int) -> None:
    """A payout row naming ids nothing has: only raw SQL can write one, as a bug in the run's SQL would."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Payout._meta.db_table} (run_id, household_id, household_code, association_id, rent_fen, "
            "land_dividend_fen, share_dividend_fen, wage_fen, total_fen, status, company_bank_reference, "
            "association_bank_reference) VALUES (%s, %s, 'ORPHAN', %s, 0, 0, 100, 0, 100, 'pending', '', '')",
            [run.pk, household_id, association_id],
        )


def test_a_computed_run_names_only_existing_households_and_associations(appendix, compute):
    run = compute(appendix.policy)

    assert run.status == DistributionRun.Status.COMPUTED
    check_payout_references(run)  # does not raise


def test_a_payout_of_a_missing_household_is_refused(appendix, compute):
    run = compute(appendix.policy)
    association_id = run.payouts.values_list("association_id", flat=True).first()
    _orphan_payout(run, household_id=987_654_321, association_id=association_id)

    with pytest.raises(DistributionError, match="names household id 987654321, which does not exist"):
        check_payout_references(run)


def test_a_payout_of_a_missing_association_is_refused(appendix, compute):
    run = compute(appendix.policy)
    household_id = appendix.households["A01-002"].pk
    run.payouts.filter(household_id=household_id).delete()
    _orphan_payout(run, household_id=household_id, association_id=987_654_322)

    with pytest.raises(DistributionError, match="names association id 987654322, which does not exist"):
        check_payout_references(run)
