from __future__ import annotations

from celery import shared_task
from celery.signals import worker_process_init
from django.db import connection

from conversations import engine, realtime, services
from conversations.channels.base import reply_handler
from conversations.models import Channel, Conversation, Message
from conversations.payloads import message_payload
from core.durability import enqueue


@worker_process_init.connect
def _fresh_realtime_loop(**_: object) -> None:
    realtime.reset_after_fork()


@shared_task(acks_late=True)
def refresh_conversation_stats(conversation_id: int) -> int | None:
    """Runs in the schema the task was sent from (tenant-schemas-celery)."""
    conversation = services.refresh_conversation_stats(conversation_id)
    return conversation.message_count if conversation else None


def _web_sink(schema: str, conversation_id: int) -> engine.TurnSink:
    stream = realtime.GuestStream(schema, conversation_id)

    def on_done(message: Message) -> None:
        stream.push("message", message_payload(message))
        stream.flush()  # the task is acknowledged only once the guest has been sent the reply

    return engine.TurnSink(
        on_token=lambda piece: stream.push("token", {"text": piece}),
        on_reset=lambda: stream.push("reset", {}),
        on_done=on_done,
    )


@shared_task(acks_late=True)
def generate_reply(conversation_id: int, message_id: int) -> int | None:
    """Answer a guest message in the schema the task carries; idempotent (see engine.run_turn)."""
    conversation = Conversation.objects.filter(pk=conversation_id).only("channel").first()
    if conversation is None:
        return None
    schema = connection.schema_name
    sink = _web_sink(schema, conversation_id) if conversation.channel == Channel.WEB else None
    reply = engine.run_turn(conversation_id, message_id, sink=sink)
    if reply is None:
        return None
    handler = reply_handler(conversation.channel) if conversation.channel != Channel.WEB else None
    if handler is not None:
        handler(schema, conversation_id, reply.pk)
    return reply.pk


def enqueue_reply(schema_name: str, conversation_id: int, message_id: int) -> None:
    """Queue the answer with its schema named explicitly (the request may be on the public host)."""
    enqueue(generate_reply, args=[conversation_id, message_id], schema=schema_name)
