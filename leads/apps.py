from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self) -> None:
        from leads import turn  # deferred: it reads the models, which exist only once every app is loaded

        turn.register()
