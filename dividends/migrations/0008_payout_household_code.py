"""Payouts keep their household's code as of the run, and the lists read their order from an index."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_household_codes(apps, schema_editor):
    Household = apps.get_model("collective", "Household")
    Payout = apps.get_model("dividends", "Payout")
    Payout.objects.update(household_code=Subquery(Household.objects.filter(pk=OuterRef("household_id")).values("code")))


class Migration(migrations.Migration):
    dependencies = [
        ("collective", "0006_household_id_code_index"),
        ("dividends", "0007_payout_one_association_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="payout",
            name="household_code",
            field=models.CharField(default="", max_length=32, verbose_name="household code"),
            preserve_default=False,
        ),
        migrations.RunPython(copy_household_codes, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="payout",
            options={"ordering": ["run", "household_code"], "verbose_name": "payout", "verbose_name_plural": "payouts"},
        ),
        migrations.RemoveConstraint(model_name="payout", name="payout_one_per_household"),
        migrations.RemoveIndex(model_name="payout", name="payout_association_run"),
        migrations.AlterField(
            model_name="payout",
            name="household",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payouts",
                to="collective.household",
                verbose_name="household",
            ),
        ),
        migrations.AddIndex(
            model_name="payout",
            index=models.Index(fields=["run", "household_code", "id"], name="payout_run_code"),
        ),
        migrations.AddIndex(
            model_name="payout",
            index=models.Index(
                fields=["association", "run", "household_code", "id", "total_fen"], name="payout_association_run"
            ),
        ),
        migrations.AddConstraint(
            model_name="payout",
            constraint=models.UniqueConstraint(fields=("household", "run"), name="payout_one_per_household"),
        ),
    ]
