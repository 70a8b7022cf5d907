"""Fractional issues, cancellations, transfers, splits and merges give the same registry and the same run on
SQLite and PostgreSQL: each is checked against a pure-Python Decimal reference computed here (issue 24).

CI runs this file on both databases; so does the engineer: `pytest tests/dividends/test_exact_quantities_property.py`
with and without DATABASE_URL.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collective import services as registry
from collective.models import Household
from dividends.models import DistributionRun, Pool
from dividends.services.inputs import LedgerReference
from tests.dividends.conftest import REVENUE, Builder, Category, World

D = Decimal
START = date(2021, 1, 1)
RECORD_DATE = date(2024, 12, 31)
WEIGHTS = {"population": D(1), "labour": D("0.1")}

household = st.integers(min_value=0, max_value=4)
share_type = st.sampled_from(sorted(WEIGHTS))
# 0.0001 to 3.0000 shares: four decimals, the registry's scale.
quantity = st.integers(min_value=1, max_value=30_000).map(lambda n: D(n).scaleb(-4))
operation = st.one_of(
    st.tuples(st.just("issue"), household, share_type, quantity),
    st.tuples(st.just("cancel"), household, share_type, quantity),
    st.tuples(st.just("transfer"), household, household, share_type, quantity),
    st.tuples(st.just("split"), household, quantity),
    st.tuples(st.just("merge"), household, household),
)


def reference_split(pool: int, weights: dict[str, Fraction]) -> dict[str, int]:
    """Largest remainders, ties to the smaller household code (DESIGN.md §3), in Fractions."""
    total = sum(weights.values(), Fraction(0))
    exact = {code: pool * weight / total for code, weight in weights.items()}
    parts = {code: share.numerator // share.denominator for code, share in exact.items()}
    order = sorted((code for code in weights if weights[code]), key=lambda code: (-(exact[code] - parts[code]), code))
    for code in order[: pool - sum(parts.values())]:
        parts[code] += 1
    return parts


class Ledger:
    """The reference: what each household holds, in Decimals, and which households exist."""

    def __init__(self) -> None:
        self.held: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self.alive: set[str] = set()

    def holdings(self, code: str) -> dict[str, Decimal]:
        return {t: self.held[code, t] for t in WEIGHTS if self.held[code, t]}


def _apply(op, *, world: World, build: Builder, ledger: Ledger, codes: list[str], day: date, types) -> None:
    """Apply one operation through the services and, if they accept it, to the reference."""
    kind = op[0]
    association = world.associations["A01"]
    pick = lambda index: codes[index % len(codes)]  # noqa: E731
    try:
        if kind == "issue":
            _kind, h, t, q = op
            code = pick(h)
            registry.issue_shares(
                association=association, household=world.household(code), share_type=types[t], quantity=q,
                effective_date=day,
            )  # fmt: skip
            assert code in ledger.alive
            ledger.held[code, t] += q
        elif kind == "cancel":
            _kind, h, t, q = op
            code = pick(h)
            registry.cancel_shares(
                association=association, household=world.household(code), share_type=types[t], quantity=q,
                effective_date=day, note="核减",
            )  # fmt: skip
            assert code in ledger.alive and ledger.held[code, t] >= q
            ledger.held[code, t] -= q
        elif kind == "transfer":
            _kind, a, b, t, q = op
            source, target = pick(a), pick(b)
            registry.transfer_shares(
                from_household=world.household(source), to_household=world.household(target), share_type=types[t],
                quantity=q, effective_date=day,
            )  # fmt: skip
            assert {source, target} <= ledger.alive and ledger.held[source, t] >= q
            ledger.held[source, t] -= q
            ledger.held[target, t] += q
        elif kind == "split":
            _kind, h, q = op
            code = pick(h)
            if code not in ledger.alive:
                return
            held = ledger.holdings(code)
            moved = {t: min(q, held.get(t, D(0))) for t in WEIGHTS}
            kept = {t: held.get(t, D(0)) - moved[t] for t in WEIGHTS}
            new_code = f"A01-{len(codes) + 1:03d}"
            leaving = build.member(world.household(code), f"分户{new_code}")
            registry.split_household(
                household=world.household(code), effective_date=day, new_code=new_code, new_head=leaving,
                members=[leaving], kept={types[t]: kept[t] for t in WEIGHTS},
                moved={types[t]: moved[t] for t in WEIGHTS},
            )  # fmt: skip
            world.households[new_code] = Household.objects.get(code=new_code)
            codes.append(new_code)
            ledger.alive.add(new_code)
            for t in WEIGHTS:
                ledger.held[code, t] -= moved[t]
                ledger.held[new_code, t] += moved[t]
        elif kind == "merge":
            _kind, a, b = op
            absorbed, into = pick(a), pick(b)
            registry.merge_households(
                absorbed=world.household(absorbed), into=world.household(into), effective_date=day, note="合户"
            )
            assert {absorbed, into} <= ledger.alive and absorbed != into
            for t in WEIGHTS:
                ledger.held[into, t] += ledger.held[absorbed, t]
                ledger.held[absorbed, t] = D(0)
            ledger.alive.discard(absorbed)
            world.households[absorbed].refresh_from_db()
    except ValidationError:
        # Refused: below zero, a dissolved household, a split that moves nothing... The reference agrees
        # that a cancellation or transfer was refused only for want of shares or of a live household.
        if kind == "cancel":
            _kind, h, t, q = op
            assert pick(h) not in ledger.alive or ledger.held[pick(h), t] < q
        elif kind == "transfer":
            _kind, a, b, t, q = op
            assert not {pick(a), pick(b)} <= ledger.alive or ledger.held[pick(a), t] < q or pick(a) == pick(b)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=2, max_size=9))
def test_fractional_registries_and_runs_match_a_decimal_reference(
    operations, company, association_a, accountant, compute
):
    with transaction.atomic():
        world = World(company=company)
        build = Builder(world, accountant)
        build.equity(association_a, 1000)
        types = {code: build.share_type(association_a, code, str(weight)) for code, weight in WEIGHTS.items()}
        ledger = Ledger()
        codes = []
        for number in range(1, 4):
            code = f"A01-{number:03d}"
            build.household(association_a, code)
            codes.append(code)
            ledger.alive.add(code)
        # Everyone starts with a fractional holding, so a run has holders to split over.
        for code in codes:
            build.shares(world.household(code), association_a, "population", "1.0001", on=START)
            ledger.held[code, "population"] += D("1.0001")
        for index, op in enumerate(operations):
            _apply(
                op, world=world, build=build, ledger=ledger, codes=codes, day=START + timedelta(days=20 * (index + 1)),
                types=types,
            )  # fmt: skip

        expected = {(code, t): q for (code, t), q in ledger.held.items() if q}
        assert all(q > 0 for q in expected.values()), expected
        got = {
            (holding.household_code, holding.share_type_code): holding.quantity
            for holding in registry.registry_as_of(association=association_a, as_of=RECORD_DATE)
        }
        assert got == expected
        # Exactly four decimals, never a float's tail.
        assert all(q.as_tuple().exponent == -4 for q in got.values())

        build.entry(REVENUE, Category.RENTAL, "12345.67", date(2024, 6, 30), source="lvhe_market")
        build.policy(2024, "0.30", "0.20", "0.10", "0.80", "0.10", RECORD_DATE)
        run = compute(world.policy)
        if not expected:
            # Everything cancelled: the split has no holder, and the run says so.
            assert run.status == DistributionRun.Status.FAILED
            assert "total weight zero" in run.error
            transaction.set_rollback(True)
            return
        assert run.status == DistributionRun.Status.COMPUTED, run.error
        frozen = {
            (h.household_code or "", h.share_type_code): h.quantity
            for holdings in LedgerReference.of_run(run).holdings().values()
            for h in holdings
        }
        assert frozen == expected
        pool = Pool.objects.get(run=run, kind="association_split", association=association_a).amount_fen
        weights: dict[str, Fraction] = defaultdict(Fraction)
        for (code, t), q in expected.items():
            weights[code] += Fraction(q) * Fraction(WEIGHTS[t])
        paid = dict(run.payouts.values_list("household__code", "share_dividend_fen"))
        assert paid == {code: fen for code, fen in reference_split(pool, weights).items() if fen}
        transaction.set_rollback(True)
