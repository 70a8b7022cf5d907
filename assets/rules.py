"""Who may do what with assets, resources and ledger contracts. Lists are scoped by `.visible_to(user)`.

A village official keeps their association's, the company accountant the company's; the township
reads everything and changes nothing; association staff and farmers have no pages here.
"""

import rules

from collective.rules import is_accountant, is_township_official, is_village_official


@rules.predicate
def keeps_owner(user, obj) -> bool:
    """A village official or the accountant of the organisation the object belongs to (any when obj is None)."""
    if not (is_village_official(user) or is_accountant(user)) or not user.organisation_id:
        return False
    if obj is None:
        return True
    owner_id = getattr(obj, "owner_id", None)
    if owner_id is None and hasattr(obj, "contract"):
        owner_id = obj.contract.owner_id
    return owner_id == user.organisation_id


can_view_assets = rules.is_superuser | is_township_official | is_village_official | is_accountant
can_change_assets = rules.is_superuser | keeps_owner

rules.add_perm("assets.view_assets", can_view_assets)
rules.add_perm("assets.change_assets", can_change_assets)
