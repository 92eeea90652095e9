from __future__ import annotations

from rest_framework import serializers

from leads.models import STATUS_TRANSITIONS, Lead, LeadReview, LeadStatus, Priority, Verdict


class LeadSerializer(serializers.ModelSerializer):
    conversation_ids = serializers.SerializerMethodField()
    probability = serializers.SerializerMethodField(help_text="The chance the lead books (0–1), from its score.")
    expected_revenue = serializers.DecimalField(
        source="estimated_value", max_digits=12, decimal_places=2, read_only=True, allow_null=True,
        help_text="booking_value × probability: a forecast, not what the booking is worth.",
    )  # fmt: skip

    class Meta:
        model = Lead
        fields = [
            "id", "guest_id", "conversation_id", "conversation_ids", "guest_name", "phone", "email", "intent",
            "check_in", "check_out", "nights", "adults", "children", "rooms", "room_type", "group_size", "event_date",
            "status", "priority", "booking_value", "probability", "expected_revenue", "estimated_value", "currency",
            "lead_score", "confidence", "is_qualified",
            "rubric_breakdown", "missing_fields", "review_status", "consent_status", "consent_at", "handed_over_at",
            "source_channel", "is_after_hours", "notes", "locked_fields", "converted_at", "converted_value",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_probability(self, obj: Lead) -> float:
        return round(obj.lead_score / 100, 2)

    def get_conversation_ids(self, obj: Lead) -> list[int]:
        return sorted(link.conversation_id for link in obj.conversation_links.all())


class LeadUpdateSerializer(serializers.Serializer):
    """What staff may change; everything is checked before anything is written."""

    status = serializers.ChoiceField(choices=LeadStatus.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000, trim_whitespace=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    converted_value = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)

    def validate(self, attrs: dict) -> dict:
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError({name: "This field cannot be changed here." for name in sorted(unknown)})
        if not attrs:
            raise serializers.ValidationError("Send at least one of: status, notes, priority, converted_value.")
        lead: Lead = self.context["lead"]
        status = attrs.get("status")
        if status is not None and status != lead.status and status not in STATUS_TRANSITIONS[lead.status]:
            allowed = ", ".join(sorted(STATUS_TRANSITIONS[lead.status])) or "none (final)"
            message = f"A {lead.status} lead cannot become {status}; allowed: {allowed}."
            raise serializers.ValidationError({"status": message})
        if "converted_value" in attrs and attrs.get("status", lead.status) != LeadStatus.CONVERTED:
            raise serializers.ValidationError({"converted_value": "A value can only be recorded for a converted lead."})
        return attrs


class LeadReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeadReview
        fields = ["id", "lead_id", "reviewer_id", "reviewer_email", "verdict", "corrected_fields", "comment",
                  "score_at_review", "qualified_at_review", "intent_at_review", "created_at"]  # fmt: skip
        read_only_fields = fields


class ReviewVerdictSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    corrected_fields = serializers.DictField(required=False, default=dict)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
