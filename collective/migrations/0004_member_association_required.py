import django.db.models.deletion
from django.db import migrations, models


def fill_member_association(apps, schema_editor):
    Member = apps.get_model("collective", "Member")
    Household = apps.get_model("collective", "Household")
    for household_id, association_id in Household.objects.values_list("pk", "association_id"):
        Member.objects.filter(household_id=household_id).update(association_id=association_id)


class Migration(migrations.Migration):

    dependencies = [
        ("collective", "0003_registry"),
    ]

    operations = [
        migrations.RunPython(fill_member_association, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="member",
            name="association",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="collective.organisation",
                verbose_name="association",
            ),
        ),
    ]
