from django.apps import AppConfig

from privacy import checks  # noqa: F401 - registers the system check (it reads no model)


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy (PDPA)"

    def ready(self) -> None:
        from privacy import signals  # deferred: the audit trail is a model, which exists only once apps are loaded

        signals.register()
