from django.apps import AppConfig

from properties.realtime import register_staff_typing


class ConversationsConfig(AppConfig):
    name = "conversations"

    def ready(self) -> None:
        # Imported once the apps are loaded: both modules import models.
        from conversations.metrics import tenant_counts
        from core.metrics import state

        # Every property's outbox backlog and waiting handoffs, read at each /metrics scrape.
        state.register_source("tenants", tenant_counts)
        # deferred: conversations.realtime imports models, which cannot load before the apps are ready
        from conversations.realtime import staff_typing_to_guest

        # Staff typing reaches the guest's widget; the staff websocket (properties) cannot import this app.
        register_staff_typing(staff_typing_to_guest)
