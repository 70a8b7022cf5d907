# ruff: noqa: RUF001 - the expected messages are Chinese, with Chinese punctuation
"""The same roster imported twice at the same moment: written once, and the other upload told why (PostgreSQL)."""

import threading
from datetime import date

import pytest
from django.db import connection, connections
from django.utils import translation

from collective import imports
from collective.imports import ImportResult, RosterInvalid, import_roster, read_rows
from collective.models import Household, Member
from tests.collective.test_imports import roster_rows, xlsx

pytestmark = pytest.mark.postgres


def test_two_simultaneous_imports_of_one_roster_write_it_once_and_refuse_the_other_clearly(
    transactional_db, association_a, share_types, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need PostgreSQL; SQLite locks the whole database")
    # Both uploads pass every check before either writes: the moment the database must decide.
    barrier = threading.Barrier(2)
    write = imports._write_roster

    def write_after_both_checked(**arguments):
        barrier.wait(timeout=10)
        return write(**arguments)

    monkeypatch.setattr(imports, "_write_roster", write_after_both_checked)
    outcomes: list = [None, None]

    def upload(index):
        try:
            with translation.override("zh-hans"):
                outcomes[index] = import_roster(
                    association=association_a,
                    rows=read_rows(xlsx(roster_rows()), "roster.xlsx"),
                    opening_date=date(2021, 1, 1),
                )
        except Exception as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    results = [o for o in outcomes if isinstance(o, ImportResult)]
    refusals = [o for o in outcomes if isinstance(o, RosterInvalid)]
    assert len(results) == 1, outcomes
    assert len(refusals) == 1, outcomes
    # The same words as an upload a moment later gets from the service's own check.
    messages = {(error.row, error.column, error.message) for error in refusals[0].errors}
    assert (2, "户编号", "农户 A01-101 已存在；导入只能新增农户。") in messages
    assert (6, "户编号", "农户 A01-102 已存在；导入只能新增农户。") in messages
    assert Household.objects.filter(association=association_a).count() == 2
    assert Member.objects.filter(association=association_a).count() == 4
