from django.apps import AppConfig
from rest_framework import serializers

from core import querycount
from core.fields import EncryptedJSONField


class CoreConfig(AppConfig):
    """The platform library under every app. An app only because it owns a public table (DeadLetter)."""

    name = "core"
    verbose_name = "Platform"

    def ready(self) -> None:
        # DRF serialises an encrypted JSON field as the JSON it holds, not as a string.
        serializers.ModelSerializer.serializer_field_mapping[EncryptedJSONField] = serializers.JSONField
        # Benchmarks only (NOCTURN_QUERY_COUNT_DIR): statements per process, see core/querycount.py.
        querycount.install_if_asked()
