"""Log-in by user name and password, with permissions from `rules` alone.

Gantian grants nothing through Django's permission tables (roles are rules predicates,
collective/rules.py and each app's rules.py). Django's ModelBackend would still read those tables
(two queries) on every page whose menu asks a question a rule answers "no" to; this backend
authenticates as ModelBackend does and answers every permission question with "not from here".
Superusers keep every permission (User.has_perm grants them before asking any backend).
"""

from django.contrib.auth.backends import ModelBackend


class PasswordBackend(ModelBackend):
    def get_user_permissions(self, user_obj, obj=None) -> set:
        return set()

    def get_group_permissions(self, user_obj, obj=None) -> set:
        return set()

    def get_all_permissions(self, user_obj, obj=None) -> set:
        return set()

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return False
