"""Who may do what with the money. Lists are scoped by `.visible_to(user)`; steps are checked here."""

import rules

from collective.rules import is_accountant, is_farmer, is_township_official, is_village_official


@rules.predicate
def is_superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


@rules.predicate
def keeps_organisation(user, organisation) -> bool:
    """The village official of this association, or the accountant for a company's books."""
    if organisation is None:
        return False
    if is_village_official(user):
        return user.organisation_id == organisation.pk
    if is_accountant(user):
        return not organisation.is_collective
    return False


@rules.predicate
def entry_is_own(user, entry) -> bool:
    return entry is not None and keeps_organisation(user, entry.organisation)


@rules.predicate
def pays_for(user, payer) -> bool:
    """The accountant pays for everyone; a village official for their association's share dividends."""
    if payer is None:
        return False
    if is_accountant(user):
        return True
    return is_village_official(user) and payer.is_collective and user.organisation_id == payer.pk


@rules.predicate
def may_object_to(user, payout) -> bool:
    """A farmer of the household, or an official who sees the line."""
    if payout is None:
        return False
    if is_farmer(user):
        return user.household_id == payout.household_id
    if is_village_official(user):
        return user.organisation_id == payout.association_id
    return bool(is_township_official(user) or is_accountant(user))


@rules.predicate
def may_answer(user, objection) -> bool:
    if objection is None:
        return False
    if is_village_official(user):
        return user.organisation_id == objection.household.association_id
    return bool(is_township_official(user) or is_accountant(user))


is_money_official = is_township_official | is_accountant | is_village_official

rules.add_perm("dividends.view_ledger", is_money_official | is_superuser)
rules.add_perm("dividends.record_entry", keeps_organisation | is_superuser)
rules.add_perm("dividends.change_entry", entry_is_own | is_superuser)
rules.add_perm("dividends.view_policy", is_money_official | is_superuser)
rules.add_perm("dividends.manage_policy", is_accountant | is_superuser)
rules.add_perm("dividends.view_run", is_money_official | is_superuser)
rules.add_perm("dividends.compute_run", is_accountant | is_superuser)
rules.add_perm("dividends.publish_run", is_accountant | is_superuser)
rules.add_perm("dividends.approve_run", is_township_official)
rules.add_perm("dividends.reverse_run", is_accountant | is_superuser)
rules.add_perm("dividends.close_run", is_accountant | is_superuser)
# Pays some payer's part of a run (which payer: export_payment and confirm_payment, on the payer).
rules.add_perm("dividends.pay_run", is_accountant | is_village_official | is_superuser)
rules.add_perm("dividends.export_payment", pays_for | is_superuser)
rules.add_perm("dividends.confirm_payment", pays_for | is_superuser)
rules.add_perm("dividends.lodge_objection", may_object_to)
rules.add_perm("dividends.answer_objection", may_answer)
