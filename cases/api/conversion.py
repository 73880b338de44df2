"""The request bodies of converting and reclassifying a case (``POST /cases/{number}/convert/`` and
``/reclassify/``), resolved into the rows ``services.convert_case`` and ``services.reclassify_case`` take.

The lines are read exactly as for opening a case (``CaseIn``): by the order's line number, with the
wanted variant's SKU for an exchange.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from cases.api.serializers import CaseIn, CaseLineIn
from cases.models import CaseKind, Order, ReasonCode
from cases.workflow.conversion import CONVERSION_KINDS

VERSION_HELP = "The case version the client saw; another one is a 409 and nothing is written."


class ConvertIn(serializers.Serializer):
    """What the case becomes: the kind, the customer's order, its lines and quantities, the reason."""

    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)
    kind = serializers.ChoiceField(choices=[(k, CaseKind(k).label) for k in CONVERSION_KINDS])
    order = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        default="",
        help_text="The order number; it must be the case customer's. Required for goods kinds.",
    )
    lines = CaseLineIn(many=True, required=False, default=list)
    reason_code = serializers.ChoiceField(choices=ReasonCode.choices)
    reason_text = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    has_photos = serializers.BooleanField(default=False, help_text="The customer sent photos of the item.")

    def validate(self, attrs: dict) -> dict:
        order = None
        if attrs["order"]:
            order = Order.objects.filter(number=attrs["order"]).first()
            if order is None:
                raise serializers.ValidationError(
                    {"order": [_("There is no order %(number)s.") % {"number": attrs["order"]}]}
                )
        attrs["order"] = order
        # The same reading of the lines as for a new case (the order's line numbers, the variant's SKU).
        attrs["lines"] = CaseIn()._lines(attrs["lines"], order)
        attrs["expected_version"] = attrs.pop("version", None)
        return attrs


class ReclassifyIn(serializers.Serializer):
    """The corrected kind and/or reason, and why."""

    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)
    kind = serializers.ChoiceField(choices=CaseKind.choices, required=False)
    reason_code = serializers.ChoiceField(choices=ReasonCode.choices, required=False)
    why = serializers.CharField(max_length=1000, help_text="Why the classification changes (on the timeline).")

    def validate(self, attrs: dict) -> dict:
        if "kind" not in attrs and "reason_code" not in attrs:
            raise serializers.ValidationError(_("Give the new kind, the new reason, or both."))
        attrs["expected_version"] = attrs.pop("version", None)
        return attrs
