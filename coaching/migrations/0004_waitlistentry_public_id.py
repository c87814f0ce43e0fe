import uuid

from django.db import migrations, models


def give_each_entry_its_own_id(apps, schema_editor):
    WaitListEntry = apps.get_model("coaching", "WaitListEntry")
    for entry in WaitListEntry.objects.only("pk").iterator():
        WaitListEntry.objects.filter(pk=entry.pk).update(public_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("coaching", "0003_status_constraints_one_paid_payment"),
    ]

    operations = [
        migrations.AddField(
            model_name="waitlistentry",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(give_each_entry_its_own_id, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="waitlistentry",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
