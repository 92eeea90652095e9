from __future__ import annotations

from rest_framework import serializers

from properties.models import Property
from properties.permissions import role_label


class PropertySerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Property
        fields = ["id", "name", "slug", "timezone", "country", "website", "plan", "is_active", "role"]

    def get_role(self, obj: Property) -> str | None:
        return role_label(self.context["request"].user, obj)
