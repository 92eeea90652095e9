from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy (PDPA)"

    def ready(self) -> None:
        # Imported once the apps are loaded: signals imports models; importing checks registers it.
        from core import audit as audit_seam
        from privacy import checks, signals  # noqa: F401  (registers the system check)
        from privacy.services import audit

        signals.install()
        audit_seam.register_recorder(audit.record)
