from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy (PDPA)"

    def ready(self) -> None:
        from privacy import checks, signals  # noqa: F401  (registers the system check)

        signals.install()
        # DRF serialises an encrypted JSON field as the JSON it holds, not as a string.
        from rest_framework import serializers

        from privacy.fields import EncryptedJSONField

        serializers.ModelSerializer.serializer_field_mapping[EncryptedJSONField] = serializers.JSONField
