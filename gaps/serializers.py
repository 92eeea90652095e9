"""The gap API's shapes: what a gap looks like to staff, and what answering, dismissing and following up take."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from conversations.models import Channel, Language
from gaps.models import DismissReason, Gap, GapStatus
from gaps.services import followups, inbox
from knowledge.models import Category


class GapFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=GapStatus.choices, required=False, default=GapStatus.OPEN)
    language = serializers.ChoiceField(choices=Language.choices, required=False, default="")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default="")


class ExampleSerializer(serializers.Serializer):
    text = serializers.CharField()
    language = serializers.CharField()
    channel = serializers.CharField()
    asked_at = serializers.DateTimeField()


class GapSerializer(serializers.ModelSerializer):
    examples = serializers.SerializerMethodField()
    suggested_title = serializers.SerializerMethodField()
    suggested_category = serializers.SerializerMethodField()

    class Meta:
        model = Gap
        fields = [
            "id",
            "status",
            "question_count",
            "first_seen_at",
            "last_seen_at",
            "languages",
            "channels",
            "examples",
            "suggested_title",
            "suggested_category",
            "closed_at",
            "dismiss_reason",
            "dismiss_note",
            "knowledge_item_ids",
            "answer_en",
            "answer_ms",
        ]

    def get_examples(self, gap: Gap) -> list[dict[str, Any]]:
        return ExampleSerializer(inbox.examples(gap), many=True).data

    def get_suggested_title(self, gap: Gap) -> str:
        return inbox.suggested_title(gap)

    def get_suggested_category(self, gap: Gap) -> str:
        return inbox.guess_category(gap)


class WaitingSerializer(serializers.Serializer):
    conversation_id = serializers.IntegerField(source="conversation.pk")
    channel = serializers.CharField(source="conversation.channel")
    language = serializers.CharField()
    followed_up = serializers.BooleanField()


class CheckSerializer(serializers.Serializer):
    question = serializers.CharField()
    found = serializers.BooleanField()
    similarity = serializers.FloatField()


class GapDetailSerializer(GapSerializer):
    waiting = serializers.SerializerMethodField()

    class Meta(GapSerializer.Meta):
        fields = [*GapSerializer.Meta.fields, "waiting"]

    def get_waiting(self, gap: Gap) -> list[dict[str, Any]]:
        return WaitingSerializer(followups.waiting_guests(gap), many=True).data


class AnswerSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=inbox.MAX_TITLE)
    category = serializers.ChoiceField(choices=Category.choices)
    answer_en = serializers.CharField(max_length=inbox.MAX_ANSWER)
    answer_ms = serializers.CharField(max_length=inbox.MAX_ANSWER, required=False, allow_blank=True, default="")


class AnswerResultSerializer(serializers.Serializer):
    gap = GapSerializer()
    item_ids = serializers.ListField(child=serializers.IntegerField())
    checks = CheckSerializer(many=True)
    check_passed = serializers.BooleanField()


class DismissSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=DismissReason.choices)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    write_knowledge = serializers.BooleanField(required=False, default=False)
    title = serializers.CharField(max_length=inbox.MAX_TITLE, required=False, allow_blank=True, default="")
    text_en = serializers.CharField(max_length=inbox.MAX_ANSWER, required=False, allow_blank=True, default="")
    text_ms = serializers.CharField(max_length=inbox.MAX_ANSWER, required=False, allow_blank=True, default="")


class FollowUpRequestSerializer(serializers.Serializer):
    conversation_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, allow_null=True, max_length=500, default=None
    )


class FollowUpResultSerializer(serializers.Serializer):
    sent = serializers.ListField(child=serializers.IntegerField())
    already = serializers.ListField(child=serializers.IntegerField())
    skipped = serializers.ListField(child=serializers.IntegerField())
