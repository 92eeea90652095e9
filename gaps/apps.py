from django.apps import AppConfig


class GapsConfig(AppConfig):
    name = "gaps"
    verbose_name = "Questions we could not answer"

    def ready(self) -> None:
        # deferred: both modules import models, which exist only once the apps are loaded
        from conversations.unanswered import register_recorder
        from gaps.services.recording import record_unanswered  # deferred: imports models

        # The engine reports every turn it could not answer through this seam (conversations never imports gaps).
        register_recorder(record_unanswered)
