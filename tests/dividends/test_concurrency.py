# ruff: noqa: RUF001 - the expected message is Chinese, with Chinese punctuation
"""Two accountants opening the year's run at the same moment: one run, and a clear answer to the other (PostgreSQL)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import translation

from dividends import services
from dividends.models import DistributionRun

pytestmark = pytest.mark.postgres


def run_together(monkeypatch, calls):
    """Run each call in its own thread and connection; both pass the service's checks before either writes."""
    barrier = threading.Barrier(len(calls))
    manager = DistributionRun.objects
    create = manager.create

    def create_after_both_checked(**fields):
        barrier.wait(timeout=10)
        return create(**fields)

    monkeypatch.setattr(manager, "create", create_after_both_checked)
    outcomes: list = [None] * len(calls)

    def submit(index, call):
        try:
            with translation.override("zh-hans"):  # the user's language, as the page answers
                outcomes[index] = call()
        except Exception as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_simultaneous_new_runs_make_one_run_and_one_clear_refusal(
    transactional_db, appendix, accountant, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need PostgreSQL; SQLite locks the whole database")
    policy = appendix.policy

    def new_run():
        return services.create_run(user=accountant, policy=policy)

    outcomes = run_together(monkeypatch, [new_run, new_run])
    runs = [o for o in outcomes if isinstance(o, DistributionRun)]
    refusals = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(runs) == 1, outcomes
    assert len(refusals) == 1, outcomes
    # The words the service's own check gives a submit that comes a moment later.
    assert refusals[0].messages == ["2024 年已有一次收益分配在编制中，请继续处理那一次。"]
    assert DistributionRun.objects.filter(year=2024).count() == 1
