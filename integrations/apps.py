from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations (hotel systems)"

    def ready(self) -> None:
        from integrations import signals  # deferred: the handlers reach models, which exist only once apps are loaded

        signals.install()
