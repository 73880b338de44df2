"""Phone numbers left as free feedback contacts, as E.164 (core.phones); email addresses and what
cannot be read stay as they are."""

from django.db import migrations

from core import phones


def contacts_to_e164(apps, schema_editor):
    FreeFeedback = apps.get_model("feedback", "FreeFeedback")
    for row in FreeFeedback.objects.exclude(contact="").exclude(contact__contains="@").only("id", "contact"):
        number = phones.e164_or_raw(row.contact)
        if number != row.contact:
            FreeFeedback.objects.filter(pk=row.pk).update(contact=number)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_default_categories")]

    operations = [migrations.RunPython(contacts_to_e164, migrations.RunPython.noop, elidable=True)]
