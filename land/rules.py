"""Who may do what with land. Lists are scoped by `.visible_to(user)`; these rules guard the actions.

Village officials keep their own association's parcels, contracts and labour records; the company
accountant keeps the company's side (all parcels, the contracts the company takes, the labour it
pays); township officials read everything and change nothing; farmers have no land pages here.
"""

import rules

from collective.rules import is_accountant, is_township_official, is_village_official


def association_id_of(obj) -> int | None:
    """Return the association an object of the land app belongs to."""
    if obj is None:
        return None
    for path in ("association_id", "household.association_id", "contract.household.association_id"):
        value = obj
        for part in path.split("."):
            value = getattr(value, part, None)
        if value is not None:
            return value
    return None


@rules.predicate
def keeps_land_of(user, obj) -> bool:
    """A village official of the association the object belongs to (any association when obj is None)."""
    if not is_village_official(user):
        return False
    return obj is None or association_id_of(obj) == user.organisation_id


can_view_land = rules.is_superuser | is_township_official | is_village_official | is_accountant
can_change_land = rules.is_superuser | is_accountant | keeps_land_of

rules.add_perm("land.view_land", can_view_land)
rules.add_perm("land.change_land", can_change_land)
