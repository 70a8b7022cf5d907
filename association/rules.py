"""Who may see and change the pear association's records.

Lists and objects are scoped by `.visible_to(user)` on each model's QuerySet; these rules say which
roles may open the pages at all: the association's staff read and write, township officials read.
"""

import rules

from collective.rules import is_association_staff, is_township_official


@rules.predicate
def works_for_an_association(user) -> bool:
    return is_association_staff(user) and user.organisation_id is not None


@rules.predicate
def works_for(user, association) -> bool:
    """Staff of this very association."""
    return association is not None and works_for_an_association(user) and user.organisation_id == association.pk


rules.add_perm("association.view_records", is_township_official | works_for_an_association)
rules.add_perm("association.change_records", works_for_an_association)
rules.add_perm("association.change_association", works_for)
