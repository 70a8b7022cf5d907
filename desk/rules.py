"""Who may open the officials' desk: the township, the accountant and village officials."""

import rules

from collective.rules import is_accountant, is_township_official, is_village_official

rules.add_perm("desk.view_dashboard", is_township_official | is_accountant | is_village_official)
