from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self) -> None:
        # Imported once the apps are loaded: both modules import models.
        from conversations.turn_steps import register_turn_step
        from leads.turn import LeadTurnStep

        # The engine's one seam for the lead step of every guest turn (conversations never imports leads).
        register_turn_step(LeadTurnStep())
