"""Constraints that exist only on PostgreSQL; on SQLite the service runs the same check."""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Func


class DateRange(Func):
    """PostgreSQL's daterange(lower, upper, bounds)."""

    function = "DATERANGE"
    output_field = DateRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint on PostgreSQL, and nothing on other databases.

    The embedded SQLite mode has no exclusion constraints: there the service that writes the rows
    makes the same check under the same lock.
    """

    def constraint_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if connections[using].vendor != "postgresql":
            return
        super().validate(model, instance, exclude=exclude, using=using)

    def _check_postgres_installed(self, *args):
        # Only the constraint's DDL and its validation query are used, none of the fields, lookups
        # or type handlers that django.contrib.postgres installs; the project runs on SQLite too.
        return []
