from django.apps import AppConfig

from knowledge import checks  # noqa: F401 - registers the database check (it reads no model)


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        # deferred: importing knowledge.services loads retrieval, which reads the models
        from knowledge.services.embeddings import check_configuration

        # Fail at startup (web, worker, commands alike), not on the first guest question.
        check_configuration()
