from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce, Now


def members_so_far_were_welcomed(apps, schema_editor):
    # The welcome card is for a new member's first visit: whoever is in a
    # group already has found their way and is not greeted again.
    Membership = apps.get_model("groups", "Membership")
    Membership.objects.filter(welcomed_at=None).update(
        welcomed_at=Coalesce(F("joined_at"), F("requested_at"), Now())
    )


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0002_membership_muted_until"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="welcomed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="velkomst lukket"),
        ),
        migrations.RunPython(members_so_far_were_welcomed, migrations.RunPython.noop),
    ]
