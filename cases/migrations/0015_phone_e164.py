"""Customers' phone numbers as E.164 (core.phones); a number that cannot be read is left as it is."""

from django.db import migrations

from core import phones

BATCH = 2000


def customers_to_e164(apps, schema_editor):
    Customer = apps.get_model("cases", "Customer")
    changed = []
    for row in Customer.objects.exclude(phone="").only("id", "phone").order_by("id").iterator(chunk_size=BATCH):
        number = phones.e164_or_raw(row.phone)
        if number != row.phone:
            row.phone = number
            changed.append(row)
        if len(changed) >= BATCH:
            Customer.objects.bulk_update(changed, ["phone"])
            changed = []
    if changed:
        Customer.objects.bulk_update(changed, ["phone"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0014_order_indexes")]

    operations = [migrations.RunPython(customers_to_e164, migrations.RunPython.noop, elidable=True)]
