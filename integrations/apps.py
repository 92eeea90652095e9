from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations (hotel systems)"

    def ready(self) -> None:
        from integrations import signals

        signals.install()
