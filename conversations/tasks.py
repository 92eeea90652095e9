"""The app's Celery tasks, found by Celery's autodiscovery of each app's `tasks` module.

The tasks themselves live beside what they wrap: the channel pipeline's (inbound events, every
channel's guest turn, the outbox, the beat job) and the handoff's no-takeover alert. Importing
them here registers them in every worker; the services send them by name (`task_names`).
"""

from __future__ import annotations

from conversations.handoff import tasks as handoff_tasks
from conversations.pipeline import tasks as pipeline_tasks

__all__ = ["handoff_tasks", "pipeline_tasks"]
