"""The dividends app's operations, one module per concern; the public ones are re-exported here."""

from dividends.services.ledger import (
    IncomeStatement,
    delete_entry,
    income_statement,
    is_year_locked,
    post_entry,
    record_entry,
    update_entry,
)
from dividends.services.objections import answer_objection, lodge_objection
from dividends.services.payments import export_payment_batch, mark_paid, payment_rows
from dividends.services.policies import save_policy, validate_policy
from dividends.services.reads import mark_news_read
from dividends.services.runs import (
    approve_run,
    close_run,
    compute_run_now,
    create_run,
    publish_notice,
    reverse_run,
    start_computation,
    withdraw_notice,
)
from dividends.services.statements import (
    HouseholdStatement,
    build_household_statement,
    build_household_statements,
    render_statement_pdf,
)

__all__ = [
    "HouseholdStatement",
    "IncomeStatement",
    "answer_objection",
    "approve_run",
    "build_household_statement",
    "build_household_statements",
    "close_run",
    "compute_run_now",
    "create_run",
    "delete_entry",
    "export_payment_batch",
    "income_statement",
    "is_year_locked",
    "lodge_objection",
    "mark_news_read",
    "mark_paid",
    "payment_rows",
    "post_entry",
    "publish_notice",
    "record_entry",
    "render_statement_pdf",
    "reverse_run",
    "save_policy",
    "start_computation",
    "update_entry",
    "validate_policy",
    "withdraw_notice",
]
