from __future__ import annotations

from rest_framework import serializers

from properties.models import Property


class PropertySerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Property
        fields = ["id", "name", "slug", "timezone", "country", "website", "plan", "is_active", "role"]

    def get_role(self, obj: Property) -> str | None:
        user = self.context["request"].user
        return "platform_admin" if user.is_superuser else user.role_in(obj)
