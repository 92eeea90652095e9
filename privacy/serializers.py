from __future__ import annotations

from typing import Any

from rest_framework import serializers


class ErasureRequestSerializer(serializers.Serializer):
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not (attrs.get("phone") or "").strip() and not (attrs.get("email") or "").strip():
            raise serializers.ValidationError("Give the guest's phone number or e-mail address (or both).")
        return attrs


class ErasureResultSerializer(serializers.Serializer):
    guests = serializers.IntegerField(help_text="Guest records erased (0: nobody matched).")
    deleted = serializers.DictField(child=serializers.IntegerField(), help_text="Rows deleted per table.")
    files = serializers.IntegerField(help_text="Stored media files deleted.")
    reports = serializers.IntegerField(help_text="Stored GM reports the guest's callback rows were taken out of.")
    audit_event = serializers.IntegerField(allow_null=True)
