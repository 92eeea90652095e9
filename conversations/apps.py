from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"

    def ready(self) -> None:
        # Imported once the apps are loaded: both modules import models.
        from conversations.metrics import tenant_counts
        from core.metrics import state

        # Every property's outbox backlog and waiting handoffs, read at each /metrics scrape.
        state.register_source("tenants", tenant_counts)
