"""Data for the refund ledger (issue 16).

* Default approval limits, as data a manager edits: agent 500.00 and manager 5,000.00 for every
  refunding resolution; rows that exist are left as they are. Above the manager's limit an
  administrator approves (the admin role has no limit).
* Every refund cost line written before the ledger becomes a ``Refund`` (status requested, key
  ``legacy-costline-<id>``) linked to it, so what the orders refunded before still counts.
"""

from decimal import Decimal

from django.db import migrations

REFUNDING = ("refund", "return_and_refund", "partial_refund", "price_protection")
DEFAULTS = {"agent": Decimal("500.00"), "manager": Decimal("5000.00")}


def forwards(apps, schema_editor):
    ApprovalLimit = apps.get_model("cases", "ApprovalLimit")
    CostLine = apps.get_model("cases", "CostLine")
    Refund = apps.get_model("cases", "Refund")
    for role, amount in DEFAULTS.items():
        for resolution in REFUNDING:
            ApprovalLimit.objects.get_or_create(role=role, resolution_type=resolution, defaults={"max_amount": amount})
    legacy = (
        CostLine.objects.filter(kind="refund", refund__isnull=True, amount__gt=0, case__order__isnull=False)
        .select_related("case", "case__order")
        .order_by("id")
    )
    for line in legacy.iterator(chunk_size=2000):
        case = line.case
        resolution = case.resolution_type if case.resolution_type in REFUNDING else "refund"
        Refund.objects.create(
            case=case,
            order=case.order,
            amount=line.amount,
            currency=case.order.currency,
            resolution_type=resolution,
            reason="",
            key=f"legacy-costline-{line.pk}",
            requested_by_id=line.created_by_id,
            cost_line=line,
            created_at=line.created_at,
        )


def backwards(apps, schema_editor):
    Refund = apps.get_model("cases", "Refund")
    Refund.objects.filter(key__startswith="legacy-costline-").delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_refund_ledger")]

    operations = [migrations.RunPython(forwards, backwards)]
