from django.apps import AppConfig

from properties.realtime import register_staff_typing


class ConversationsConfig(AppConfig):
    name = "conversations"

    def ready(self) -> None:
        from conversations import metrics, realtime  # deferred: both read the models, loaded once apps are

        metrics.register()
        # Staff typing reaches the guest's widget; the staff websocket (properties) cannot import this app.
        register_staff_typing(realtime.staff_typing_to_guest)
