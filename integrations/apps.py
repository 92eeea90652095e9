from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations (hotel systems)"

    def ready(self) -> None:
        # Imported here: the signal handlers reach models, which are loaded only once apps are ready.
        from integrations import signals

        signals.install()
