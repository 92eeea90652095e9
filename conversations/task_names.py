"""The registered names of the app's Celery tasks, in one place.

Services send their tasks by name (`core.durability.enqueue("…")`), so no service imports the tasks
module that wraps it (which imports the service); the tasks modules register the same names. The
names stay as they were first registered: dead letters, beat schedules and traces refer to them.
"""

PROCESS_INBOUND = "conversations.pipeline.tasks.process_inbound"
PROCESS_INBOUND_BATCH = "conversations.pipeline.tasks.process_inbound_batch"
BUFFERED_TURN = "conversations.pipeline.tasks.buffered_turn"  # every channel's guest turn
DISPATCH_OUTBOX = "conversations.pipeline.tasks.dispatch_outbox"
DISPATCH_DUE = "conversations.pipeline.tasks.dispatch_due"  # the beat job (nocturn.settings)
HANDOFF_ALERT_EMAIL = "conversations.handoff_alert_email"
