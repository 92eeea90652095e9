from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"

    def ready(self) -> None:
        from conversations import metrics  # deferred: it reads the models, which exist only once every app is loaded

        metrics.register()
