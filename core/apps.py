from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The platform library under every app. An app only because it owns a public table (DeadLetter)."""

    name = "core"
    verbose_name = "Platform"
