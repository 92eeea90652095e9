"""The channel pipeline: webhooks stored idempotently, processed on workers, replies sent through an outbox.

- routing: which property a phone number id or an inbound address belongs to
- inbound: store events on the request path; process them on a worker (ingest, media, greeting, turn)
- greeting: once per day per contact per property number, by the property's local date
- outbox: outbound rows written with their message, dispatched once, retried by meaning
- tasks: the Celery tasks (DurableTask) and the 2-minute beat job
"""
