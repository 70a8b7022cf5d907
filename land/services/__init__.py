"""The land app's operations, one module per concern; the public ones are re-exported here.

Land: the rules of parcels and transfer contracts, the rent they owe, and remediation labour. The rent
and escalation rules are written out in docs/land.md; the tests check them to the fen.
"""

from land.services.contracts import (
    TERM_FIELDS,
    ReminderCounts,
    delete_draft_contract,
    draft_contract,
    household_term_errors,
    mark_reminders,
    refresh_statuses,
    renew_contract,
    sign_contract,
    status_on,
    terminate_contract,
    update_draft_contract,
    validate_contract,
)
from land.services.documents import (
    render_contract_pdf,
    rent_steps,
)
from land.services.labour import (
    HouseholdLabourTotal,
    LabourLine,
    labour_lines_for_year,
    labour_totals,
    record_labour,
    wage_fen,
)
from land.services.parcels import (
    save_parcel,
    validate_parcel,
)
from land.services.rent import (
    BINDING_STATUSES,
    RENT_FIELDS,
    ContractLine,
    Status,
    contract_lines_for_year,
    contract_rent_for_year,
    days_in_force_in_year,
    days_in_year,
    due_date_for_year,
    escalation_steps,
    rent_per_mu_for_year,
)
from land.services.schedule import (
    ScheduleRow,
    build_rent_schedule,
    pay_installments_in_full,
    record_rent_payment,
    refuse_payment_to_dissolved_household,
    rent_schedule,
    settle_rent_for_year,
)

__all__ = [
    "BINDING_STATUSES",
    "RENT_FIELDS",
    "TERM_FIELDS",
    "ContractLine",
    "HouseholdLabourTotal",
    "LabourLine",
    "ReminderCounts",
    "ScheduleRow",
    "Status",
    "build_rent_schedule",
    "contract_lines_for_year",
    "contract_rent_for_year",
    "days_in_force_in_year",
    "days_in_year",
    "delete_draft_contract",
    "draft_contract",
    "due_date_for_year",
    "escalation_steps",
    "household_term_errors",
    "labour_lines_for_year",
    "labour_totals",
    "mark_reminders",
    "pay_installments_in_full",
    "record_labour",
    "record_rent_payment",
    "refresh_statuses",
    "refuse_payment_to_dissolved_household",
    "render_contract_pdf",
    "renew_contract",
    "rent_per_mu_for_year",
    "rent_schedule",
    "rent_steps",
    "save_parcel",
    "settle_rent_for_year",
    "sign_contract",
    "status_on",
    "terminate_contract",
    "update_draft_contract",
    "validate_contract",
    "validate_parcel",
    "wage_fen",
]
