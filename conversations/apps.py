from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"

    def ready(self) -> None:
        # Imported once the apps are loaded: these modules import models.
        from conversations.channels.base import register_reply_handler
        from conversations.metrics import tenant_counts
        from conversations.models import Channel
        from conversations.pipeline import outbox
        from core.metrics import state

        # The engine's generate_reply calls these after a turn; the row already exists (staged in the
        # turn). Registered at start-up, not when a tasks module happens to be imported.
        register_reply_handler(Channel.WHATSAPP, outbox.ensure_for_message)
        register_reply_handler(Channel.EMAIL, outbox.ensure_for_message)
        # Every property's outbox backlog and waiting handoffs, read at each /metrics scrape.
        state.register_source("tenants", tenant_counts)
