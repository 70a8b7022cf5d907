"""A run in the books: on approval its vouchers (what it owes and distributes), on payment the bank side.

Posted as system vouchers (机制凭证): the township's approval is their review. Each names its source
(`run:<id>:…`), so posting twice changes nothing. Accounts: docs/accounting.md, "The run's vouchers".
"""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _

from books import services as books
from books.chart import BANK
from books.models import Voucher
from collective.models import Organisation, User
from dividends import engine
from dividends.models import DistributionRun


def _pair(organisation: Organisation, debit_code: str, credit_code: str, amount: int, summary: str) -> list:
    if not amount:
        return []
    debit = books.account(organisation=organisation, code=debit_code)
    credit = books.account(organisation=organisation, code=credit_code)
    return [
        books.Line(account=debit, debit_fen=amount, summary=summary),
        books.Line(account=credit, credit_fen=amount, summary=summary),
    ]


def post_run_vouchers(*, run: DistributionRun, user: User | None = None) -> list:
    """The approved run's vouchers: the company's, then each association's that received a dividend."""
    day = run.resolution_date or run.approved_at.date()
    company_kinds = (
        engine.POOL_RENT,
        engine.POOL_WAGES,
        engine.POOL_LAND_DIVIDEND,
        engine.POOL_RESERVE,
        engine.POOL_WELFARE,
        engine.POOL_SHAREHOLDER,
    )
    pools = dict(
        run.pools.filter(kind__in=company_kinds).values_list("kind").annotate(total=Sum("amount_fen")).order_by()
    )
    company = run.company
    lines = (
        _pair(company, "51105", "21101", pools.get(engine.POOL_RENT, 0), _("Guaranteed rent payable"))
        + _pair(company, "51106", "213", pools.get(engine.POOL_WAGES, 0), _("Wages payable"))
        + _pair(company, "32206", "21102", pools.get(engine.POOL_LAND_DIVIDEND, 0), _("Land dividend payable"))
        + _pair(company, "32202", "311", pools.get(engine.POOL_RESERVE, 0), _("Provident fund set aside"))
        + _pair(company, "32203", "21103", pools.get(engine.POOL_WELFARE, 0), _("Welfare fund payable"))
        + _pair(company, "32204", "21104", pools.get(engine.POOL_SHAREHOLDER, 0), _("Dividends to the associations"))
    )
    vouchers = []
    summary = _("Distribution of %(year)s (run %(run)s)") % {"year": run.year, "run": run.pk}
    if lines:
        vouchers.append(
            books.post_system_voucher(
                organisation=company, voucher_date=day, summary=summary, lines=lines, source=f"run:{run.pk}", user=user
            )
        )
    received = run.pools.filter(kind=engine.POOL_RECEIVED).select_related("association")
    for pool in received.order_by("association__code"):
        association = pool.association
        split = (
            run.pools.filter(kind=engine.POOL_SPLIT, association=association).aggregate(s=Sum("amount_fen"))["s"] or 0
        )
        lines = _pair(association, "11201", "502", pool.amount_fen, _("Dividend from the company")) + _pair(
            association, "32205", "21105", split, _("Share dividends to households")
        )
        if lines:
            vouchers.append(
                books.post_system_voucher(
                    organisation=association,
                    voucher_date=day,
                    summary=summary,
                    lines=lines,
                    source=f"run:{run.pk}:{association.pk}",
                    user=user,
                )
            )
    return vouchers


def post_payment_voucher(
    *, run: DistributionRun, payer: Organisation, paid_on, amounts: dict[str, int], reference: str, user: User
):
    """The bank side of a payment: what was payable is paid from 银行存款."""
    codes = {"rent": "21101", "land": "21102", "wages": "213", "share": "21105"}
    lines = [
        books.Line(account=books.account(organisation=payer, code=codes[key]), debit_fen=amount)
        for key, amount in amounts.items()
        if amount
    ]
    total = sum(amounts.values())
    if not total:
        return None
    lines.append(books.Line(account=books.account(organisation=payer, code=BANK), credit_fen=total))
    prefix = f"run:{run.pk}:paid:{payer.pk}:"
    number = Voucher.objects.filter(source__startswith=prefix).count() + 1
    return books.post_system_voucher(
        organisation=payer,
        voucher_date=paid_on,
        summary=_("Payment of the %(year)s distribution, bank reference %(reference)s")
        % {"year": run.year, "reference": reference},
        lines=lines,
        source=f"{prefix}{number}",
        user=user,
    )
