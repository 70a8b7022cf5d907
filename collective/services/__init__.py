"""The collective app's operations, one module per concern; the public ones are re-exported here.

Accounts (accounts.py): farmer log-ins opened by officials, API keys for reporting clients.

Registry operations: the registry as of a date (registry), the share ledger (events), quantification,
households and members. Every change to holdings is a ShareEvent appended by one of the functions in
events.py, which check the rules inside one transaction with the households concerned locked
(select_for_update), so two officials recording at once cannot take the same shares twice. Callers
check permissions first (collective.rules); these functions check the registry's own rules and raise
ValidationError with a message for people.
"""

from collective.services.accounts import (
    check_may_manage,
    create_api_key,
    create_farmer_account,
    find_api_key,
    generate_one_time_password,
    reset_farmer_password,
    revoke_api_key,
)
from collective.services.events import (
    cancel_shares,
    issue_shares,
    merge_households,
    record_inheritance,
    split_household,
    transfer_shares,
)
from collective.services.heartbeat import record_heartbeat
from collective.services.households import (
    HouseholdOnDay,
    cease_membership,
    create_household,
    households_on,
    id_number_in_use,
    member_elsewhere,
    member_elsewhere_message,
    move_member,
    next_household_code,
    register_member,
    reveal_bank_account,
    reveal_id_number,
    transfer_membership,
    update_household,
    update_member,
)
from collective.services.quantification import (
    QuantificationLine,
    QuantificationPreview,
    QuantificationRule,
    SkippedMember,
    commit_quantification,
    labour_years,
    preview_quantification,
)
from collective.services.registry import (
    ZERO,
    Holding,
    format_shares,
    household_holdings,
    registries_as_of,
    registry_as_of,
)

__all__ = [
    "ZERO",
    "Holding",
    "HouseholdOnDay",
    "QuantificationLine",
    "QuantificationPreview",
    "QuantificationRule",
    "SkippedMember",
    "cancel_shares",
    "cease_membership",
    "check_may_manage",
    "commit_quantification",
    "create_api_key",
    "create_farmer_account",
    "create_household",
    "find_api_key",
    "format_shares",
    "generate_one_time_password",
    "household_holdings",
    "households_on",
    "id_number_in_use",
    "issue_shares",
    "labour_years",
    "member_elsewhere",
    "member_elsewhere_message",
    "merge_households",
    "move_member",
    "next_household_code",
    "preview_quantification",
    "record_heartbeat",
    "record_inheritance",
    "register_member",
    "registries_as_of",
    "registry_as_of",
    "reset_farmer_password",
    "reveal_bank_account",
    "reveal_id_number",
    "revoke_api_key",
    "split_household",
    "transfer_membership",
    "transfer_shares",
    "update_household",
    "update_member",
]
