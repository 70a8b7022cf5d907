"""Who may do what. Object access is checked here; lists are scoped by `.visible_to(user)`."""

import rules

from collective.models import User


@rules.predicate
def is_township_official(user) -> bool:
    return getattr(user, "role", None) == User.Role.TOWNSHIP


@rules.predicate
def is_village_official(user) -> bool:
    return getattr(user, "role", None) == User.Role.VILLAGE


@rules.predicate
def is_accountant(user) -> bool:
    return getattr(user, "role", None) == User.Role.ACCOUNTANT


@rules.predicate
def is_association_staff(user) -> bool:
    return getattr(user, "role", None) == User.Role.ASSOCIATION_STAFF


@rules.predicate
def is_farmer(user) -> bool:
    return getattr(user, "role", None) == User.Role.FARMER


@rules.predicate
def keeps_association(user, association) -> bool:
    """The village official who keeps this association's registry."""
    return association is not None and is_village_official(user) and user.organisation_id == association.pk


is_official = is_township_official | is_village_official | is_accountant

rules.add_perm("collective.view_registry", is_township_official | is_village_official | is_accountant)
rules.add_perm("collective.change_registry", keeps_association)


@rules.predicate
def keeps_household(user, household) -> bool:
    """The village official who keeps the household's association."""
    return household is not None and is_village_official(user) and user.organisation_id == household.association_id


# The registry pages (households, members, shares): village officials keep their own association's,
# township officials read all nine; farmers and everyone else see none of them.
manages_farmer_accounts = keeps_household | is_township_official

rules.add_perm("collective.view_household_pages", is_township_official | is_village_official)
rules.add_perm("collective.change_household", keeps_household)
rules.add_perm("collective.reveal_personal_data", keeps_household)
