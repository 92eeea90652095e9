from __future__ import annotations

from rest_framework import serializers

from knowledge.models import Category, IngestionJob, Language


class IngestionJobSerializer(serializers.ModelSerializer):
    stage = serializers.CharField(read_only=True, help_text="Reading the file, Writing items, Embedding, or its end.")

    class Meta:
        model = IngestionJob
        fields = [
            "id",
            "status",
            "stage",
            "source",
            "created_count",
            "updated_count",
            "unchanged_count",
            "items_total",
            "items_written",
            "item_ids",
            "embedded_count",
            "failed_count",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class KnowledgeUploadSerializer(serializers.Serializer):
    """A multipart upload: one file (.md, .json, .csv, .pdf, .docx); category/language for documents."""

    file = serializers.FileField()
    category = serializers.CharField(required=False, allow_blank=True, default="")
    language = serializers.CharField(required=False, allow_blank=True, default="")


class KnowledgeItemInSerializer(serializers.Serializer):
    """One item of a JSON body, as `knowledge.services.parsers.items_from_objects` reads it (the schema's words)."""

    category = serializers.ChoiceField(choices=Category.choices)
    title = serializers.CharField(max_length=300)
    content = serializers.CharField()
    language = serializers.ChoiceField(choices=Language.choices, required=False, help_text="Detected when omitted.")
    title_ms = serializers.CharField(max_length=300, required=False, help_text="The title in Bahasa Malaysia.")
    content_ms = serializers.CharField(
        required=False, help_text="The same information in Bahasa Malaysia (English items only)."
    )
    metadata = serializers.DictField(required=False)
    is_active = serializers.BooleanField(required=False, default=True)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_to = serializers.DateField(required=False, allow_null=True)


class KnowledgeItemsSerializer(serializers.Serializer):
    """A JSON body: {"items": [{category, title, content, language?, title_ms?, content_ms?, metadata?, ...}]}."""

    items = KnowledgeItemInSerializer(many=True)
