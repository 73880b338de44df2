"""Stored phone numbers as E.164 (core.phones): phone identities (kept as digits with the country
code before), phone lines, the numbers on phone messages and their sender keys, and portal codes
sent by SMS. A number that cannot be read is left as it is (it then matches nobody); an identity
whose E.164 form another identity already holds is merged into it when both are the same
customer's, else left alone for an agent to merge the customers."""

from django.db import migrations

from core import phones


def _identity_e164(value: str) -> str | None:
    # Before: digits with the country code ("8613800138000"), or the digits of a number that had none.
    return phones.e164_or_none("+" + value.lstrip("+")) or phones.e164_or_none(value)


def _sender_key(key: str) -> str:
    head, sep, value = key.rpartition(":")
    if not sep or not head.startswith("phone:"):
        return key
    number = _identity_e164(value) if value else None
    return f"{head}:{number}" if number else key


def identities_to_e164(apps, schema_editor):
    ContactIdentity = apps.get_model("channels_app", "ContactIdentity")
    for row in ContactIdentity.objects.filter(kind="phone").order_by("id"):
        number = _identity_e164(row.value)
        if number is None or number == row.value:
            continue
        holder = ContactIdentity.objects.filter(kind="phone", provider=row.provider, value=number).first()
        if holder is None:
            ContactIdentity.objects.filter(pk=row.pk).update(value=number)
        elif holder.customer_id == row.customer_id:
            if row.verified and not holder.verified:
                ContactIdentity.objects.filter(pk=holder.pk).update(verified=True)
            ContactIdentity.objects.filter(pk=row.pk).delete()


def phone_lines_to_e164(apps, schema_editor):
    PhoneLine = apps.get_model("channels_app", "PhoneLine")
    for row in PhoneLine.objects.all():
        number = phones.e164_or_raw(row.number)
        if number != row.number and not PhoneLine.objects.filter(number=number).exists():
            PhoneLine.objects.filter(pk=row.pk).update(number=number)


def messages_to_e164(apps, schema_editor):
    Message = apps.get_model("channels_app", "Message")
    rows = Message.objects.filter(channel="phone").only("id", "direction", "sender", "recipient", "data")
    for row in rows.iterator(chunk_size=2000):
        changes = {}
        field = "sender" if row.direction == "in" else "recipient"
        number = phones.e164_or_raw(getattr(row, field))
        if number != getattr(row, field):
            changes[field] = number
        key = (row.data or {}).get("sender_key")
        if isinstance(key, str) and _sender_key(key) != key:
            changes["data"] = {**row.data, "sender_key": _sender_key(key)}
        if changes:
            Message.objects.filter(pk=row.pk).update(**changes)


def portal_codes_to_e164(apps, schema_editor):
    PortalCode = apps.get_model("channels_app", "PortalCode")
    for row in PortalCode.objects.exclude(sent_to__contains="@").only("id", "sent_to"):
        number = phones.e164_or_raw(row.sent_to)
        if number != row.sent_to:
            PortalCode.objects.filter(pk=row.pk).update(sent_to=number)


def to_e164(apps, schema_editor):
    identities_to_e164(apps, schema_editor)
    phone_lines_to_e164(apps, schema_editor)
    messages_to_e164(apps, schema_editor)
    portal_codes_to_e164(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("channels_app", "0005_coupon_requested_event")]

    operations = [migrations.RunPython(to_e164, migrations.RunPython.noop, elidable=True)]
