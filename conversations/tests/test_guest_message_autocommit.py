"""A guest message stored outside any transaction (daphne's widget POST): one autocommitted statement."""

from __future__ import annotations

import psycopg
from django.db import connection, transaction
from django_tenants.utils import schema_context

from conversations import engine
from conversations.models import Conversation, Message


def test_a_guest_message_outside_a_transaction_is_one_autocommitted_statement(committed_db, monkeypatch) -> None:
    """No BEGIN and COMMIT around the message's one statement when no caller holds a transaction: the row (and its
    touch) is committed by the time the staff event goes; a retried delivery gets the first row back. Inside a
    caller's transaction it is a savepoint, the caller's transaction usable after a retried delivery's conflict."""
    at_notify: list[tuple[bool, object]] = []
    real_notify = engine._notify_inbox

    def notify(conversation: object, message: object) -> None:
        at_notify.append((connection.in_atomic_block, connection.connection.info.transaction_status))
        real_notify(conversation, message)

    monkeypatch.setattr(engine, "_notify_inbox", notify)
    schema = committed_db.a.schema_name
    with schema_context(schema):
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
        try:
            first_id = f"{conversation.pk}:1"
            message, created = engine.record_guest_message(conversation, "Hi", provider_message_id=first_id)
            assert created and at_notify[-1] == (False, psycopg.pq.TransactionStatus.IDLE)  # committed, no block
            touched = Conversation.objects.get(pk=conversation.pk).last_message_at
            assert touched == message.created_at
            again, created = engine.record_guest_message(conversation, "Hi", provider_message_id=first_id)
            assert not created and again.pk == message.pk and len(at_notify) == 1
            with transaction.atomic():
                again, created = engine.record_guest_message(
                    conversation, "Hi", provider_message_id=f"{conversation.pk}:1"
                )
                assert not created and again.pk == message.pk
                assert Message.objects.filter(conversation=conversation).count() == 1  # the transaction still usable
                later, created = engine.record_guest_message(
                    conversation, "More", provider_message_id=f"{conversation.pk}:2"
                )
                assert created and at_notify[-1][0] is True
        finally:
            Conversation.objects.filter(pk=conversation.pk).delete()
