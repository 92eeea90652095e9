from __future__ import annotations

from rest_framework import serializers

from knowledge.models import IngestionJob


class IngestionJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = IngestionJob
        fields = [
            "id",
            "status",
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


class KnowledgeItemsSerializer(serializers.Serializer):
    """A JSON body: {"items": [{category, title, content, language?, metadata?, is_active?, valid_from?, ...}]}."""

    items = serializers.ListField(child=serializers.DictField())
