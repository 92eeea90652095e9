from django.apps import AppConfig


class GapsConfig(AppConfig):
    name = "gaps"
    verbose_name = "Questions we could not answer"

    def ready(self) -> None:
        from gaps.services import recording  # deferred: it reads the models, which exist only once every app is loaded

        recording.register()
