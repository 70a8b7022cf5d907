"""Who may read and keep the books. Lists are scoped by `.visible_to(user)`; steps are checked in services."""

import rules

from collective.rules import is_accountant, is_association_staff, is_township_official, is_village_official


@rules.predicate
def is_superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


is_bookkeeper = is_accountant | is_village_official | is_association_staff

rules.add_perm("books.view_books", is_bookkeeper | is_township_official | is_superuser)
rules.add_perm("books.enter_voucher", is_bookkeeper | is_superuser)
rules.add_perm("books.review_voucher", is_bookkeeper | is_township_official | is_superuser)
