"""Serializers of the feedback API, one per direction: ``*In`` validates a request, the others render.

The import's rows are checked by ``feedback.importing`` (all or nothing, with every bad row in the
answer); ``ResponseImportRowIn`` describes them for the schema.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from cases.models import CaseKind, Channel, Customer
from feedback.importing import MAX_BATCH
from feedback.models import SCALES, FeedbackCategory, FreeFeedback, QuestionKind, ResponseSource, SurveyResponse
from feedback.services import MAX_COMMENT

# --- import --------------------------------------------------------------------------------------------


class ResponseImportRowIn(serializers.Serializer):
    """One answer from the survey tool. At least one score or a comment."""

    external_id = serializers.CharField(
        max_length=100, help_text="The survey tool's id of the answer; the idempotency key."
    )
    case = serializers.CharField(max_length=32, help_text="The case number (RMA-2026-000123).")
    csat = serializers.IntegerField(
        required=False, allow_null=True, min_value=SCALES[QuestionKind.CSAT][0], max_value=SCALES[QuestionKind.CSAT][1]
    )
    nps = serializers.IntegerField(
        required=False, allow_null=True, min_value=SCALES[QuestionKind.NPS][0], max_value=SCALES[QuestionKind.NPS][1]
    )
    ces = serializers.IntegerField(
        required=False, allow_null=True, min_value=SCALES[QuestionKind.CES][0], max_value=SCALES[QuestionKind.CES][1]
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=MAX_COMMENT)
    answered_at = serializers.DateTimeField(
        help_text="ISO 8601; without an offset it is read in the site's time zone. Not in the future."
    )


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row's index in the batch, from 0.")
    external_id = serializers.CharField(allow_null=True)
    errors = serializers.DictField(  # type: ignore[assignment]  # a field named like Serializer.errors
        child=serializers.ListField(child=serializers.CharField()), help_text="{field: [messages]}"
    )


class RowErrorDetailsSerializer(serializers.Serializer):
    rows = RowErrorSerializer(many=True)


class ImportRejectedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    details = RowErrorDetailsSerializer(required=False)


class ImportResultSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.CharField(), help_text="The external ids stored now.")
    duplicates = serializers.ListField(
        child=serializers.CharField(), help_text="The external ids stored before: left as they were."
    )
    low = serializers.ListField(
        child=serializers.CharField(),
        help_text="The created answers that opened a revisit (a low score or a complaint).",
    )


IMPORT_LIMIT_HELP = f"A JSON array of 1 to {MAX_BATCH} answers."


# --- list and export -----------------------------------------------------------------------------------


class SurveyResponseSerializer(serializers.ModelSerializer):
    case: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="number", read_only=True, help_text="The case number."
    )
    team: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="The team's code (null: none)."
    )
    agent: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The agent's user id."
    )
    customer: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The customer's id."
    )
    kind = serializers.ChoiceField(choices=CaseKind.choices, read_only=True)

    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "case",
            "customer",
            "agent",
            "team",
            "channel",
            "kind",
            "csat",
            "nps",
            "ces",
            "comment",
            "complaint",
            "language",
            "source",
            "external_id",
            "answered_at",
        ]
        read_only_fields = fields


class ExportRowSerializer(serializers.Serializer):
    """One row of the export (the CSV's columns, in this order)."""

    answered_at = serializers.DateTimeField()
    case = serializers.CharField(allow_null=True)
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    team = serializers.CharField(allow_null=True)
    agent = serializers.CharField(allow_null=True, help_text="The agent's user name.")
    csat = serializers.IntegerField(allow_null=True)
    nps = serializers.IntegerField(allow_null=True)
    ces = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField()
    complaint = serializers.BooleanField()
    source = serializers.ChoiceField(choices=ResponseSource.choices)  # type: ignore[assignment]  # named like Field.source
    language = serializers.CharField()


# --- free feedback -------------------------------------------------------------------------------------


class FreeFeedbackIn(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_COMMENT, help_text="What the customer wrote.")
    channel = serializers.ChoiceField(choices=Channel.choices)
    customer_external_id = serializers.CharField(
        required=False, max_length=64, help_text="The shop's id of the customer, when known."
    )
    contact = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=254, help_text="How to reach them (optional)."
    )

    def validate(self, attrs: dict) -> dict:
        """Resolve the customer into the row ``services.submit_free_feedback`` takes."""
        external_id = attrs.pop("customer_external_id", None)
        customer = None
        if external_id:
            customer = Customer.objects.filter(external_id=external_id).first()
            if customer is None:
                raise serializers.ValidationError({"customer_external_id": [_("There is no such customer.")]})
        attrs["customer"] = customer
        return attrs


class FeedbackCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = FeedbackCategory
        fields = ["code", "name_en", "name_zh"]


class FreeFeedbackSerializer(serializers.ModelSerializer):
    category = FeedbackCategorySerializer(read_only=True, allow_null=True, help_text="None: no keyword matched.")
    team: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="The team it went to (null: none)."
    )
    matched = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="The keywords found.")
    language = serializers.ChoiceField(choices=settings.LANGUAGES, read_only=True)

    class Meta:
        model = FreeFeedback
        fields = ["id", "channel", "category", "team", "matched", "language", "created_at"]
        read_only_fields = fields
