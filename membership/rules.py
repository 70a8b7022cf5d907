"""Who may do what with membership rounds. Lists are scoped by `.visible_to(user)`; these rules guard actions.

Village officials run their own association's rounds; township officials read every round and
change none; farmers read their own household's lines of the postings and object in the portal.
"""

import rules

from collective.rules import is_township_official, is_village_official


@rules.predicate
def keeps_round(user, round_) -> bool:
    """The village official of the round's association."""
    return round_ is not None and is_village_official(user) and user.organisation_id == round_.association_id


@rules.predicate
def keeps_member(user, member) -> bool:
    """The village official of the member's association."""
    return member is not None and is_village_official(user) and user.organisation_id == member.association_id


rules.add_perm("membership.view_rounds", is_township_official | is_village_official)
rules.add_perm("membership.start_round", is_village_official)
rules.add_perm("membership.change_round", keeps_round)
rules.add_perm("membership.restore_member", keeps_member)
