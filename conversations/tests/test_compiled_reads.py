"""The reads every guest turn makes with their SQL compiled once per process (`core.compiled.first`): the
widget key with its property, the conversation with its guest (daphne's POST and the worker's turn). Each must
send the ORM's own statement and build the same rows, `select_related`'s included; and a statement compiled
while one property's schema was active must read the other property's rows under its schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from conversations import engine, sessions
from conversations.models import Channel, Conversation, Guest, Message, MessageRole, SessionState
from conversations.widget import api
from core import compiled
from properties.models import WidgetKey
from testsupport.inbound import web_conversation

pytestmark = pytest.mark.django_db


def fields(obj: Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def same_statement(ours: Any, theirs: Any) -> None:
    with CaptureQueriesContext(connection) as mine:
        ours()
    with CaptureQueriesContext(connection) as orm:
        theirs()
    assert [q["sql"] for q in mine.captured_queries] == [q["sql"] for q in orm.captured_queries]


def test_the_turns_conversation_is_read_as_the_orm_reads_it_with_its_guest(world, django_assert_num_queries) -> None:
    with schema_context("alpha"):
        conversation = web_conversation()
        Guest.objects.filter(pk=conversation.guest_id).update(name="Siti Aminah", email="siti@example.com")
        orm = Conversation.objects.select_related("guest").filter(pk=conversation.pk).first()
        with django_assert_num_queries(1):  # the guest comes with it, no second statement
            found = compiled.first(engine.conversation_with_guest, conversation.pk)
            guest = found.guest
        assert fields(found) == fields(orm)
        assert fields(guest) == fields(orm.guest) and guest.name == "Siti Aminah"  # decrypted as the ORM does
        assert found._state.adding is False and guest._state.adding is False
        same_statement(
            lambda: compiled.first(engine.conversation_with_guest, conversation.pk),
            lambda: Conversation.objects.select_related("guest").filter(pk=conversation.pk).first(),
        )
        assert compiled.first(engine.conversation_with_guest, conversation.pk + 1000) is None


def test_the_widget_post_reads_only_web_conversations(world) -> None:
    with schema_context("alpha"):
        conversation = web_conversation()
        assert compiled.first(api._web_conversation, conversation.pk).pk == conversation.pk
        Conversation.objects.filter(pk=conversation.pk).update(channel=Channel.WHATSAPP)
        assert compiled.first(api._web_conversation, conversation.pk) is None


def test_the_widget_key_is_read_with_its_property_and_only_under_its_schema(world) -> None:
    key = WidgetKey.objects.create(property=world.a, allowed_origins=["https://alpha.example"])
    with schema_context("alpha"):
        found = compiled.first(api.granted_key, key.pk, "alpha")
        orm = WidgetKey.objects.select_related("property").filter(pk=key.pk, property__schema_name="alpha").first()
        assert fields(found) == fields(orm) and fields(found.property) == fields(orm.property)
        same_statement(
            lambda: compiled.first(api.granted_key, key.pk, "alpha"),
            lambda: (
                WidgetKey.objects.select_related("property").filter(pk=key.pk, property__schema_name="alpha").first()
            ),
        )
        assert compiled.first(api.granted_key, key.pk, "bravo") is None  # a grant naming another property


def test_the_widget_key_and_the_conversation_are_read_in_one_statement_as_the_orm_reads_each(world) -> None:
    """The message door's two reads in one round trip: each row built as its own read builds it, None where a read
    finds nothing (the other read unaffected), and under each property its own conversation."""
    key = WidgetKey.objects.create(property=world.a, allowed_origins=["https://alpha.example"])
    ids = {}
    for schema in ("alpha", "bravo"):
        with schema_context(schema):
            conversation = web_conversation()
            Guest.objects.filter(pk=conversation.guest_id).update(name=f"Guest of {schema}")
            ids[schema] = conversation.pk
    with schema_context("alpha"):
        with CaptureQueriesContext(connection) as sent_now:
            found_key, found = compiled.firsts(
                (api.granted_key, (key.pk, "alpha")), (api._web_conversation, (ids["alpha"],))
            )
        assert len([q for q in sent_now.captured_queries if not q["sql"].startswith("SET search_path")]) == 1
        orm_key = compiled.first(api.granted_key, key.pk, "alpha")
        orm = compiled.first(api._web_conversation, ids["alpha"])
        assert fields(found_key) == fields(orm_key) and fields(found_key.property) == fields(orm_key.property)
        assert fields(found) == fields(orm) and fields(found.guest) == fields(orm.guest)
        assert found.guest.name == "Guest of alpha" and found._state.adding is False  # decrypted as the ORM does
        none_key, still = compiled.firsts(  # a grant naming another property: no key, the conversation still read
            (api.granted_key, (key.pk, "bravo")), (api._web_conversation, (ids["alpha"],))
        )
        assert none_key is None and still.pk == ids["alpha"]
        key_alone, missing = compiled.firsts(
            (api.granted_key, (key.pk, "alpha")), (api._web_conversation, (ids["alpha"] + 1000,))
        )
        assert key_alone.pk == key.pk and missing is None
    with schema_context("bravo"):  # compiled under alpha, run under bravo: bravo's own conversation
        _, theirs = compiled.firsts((api.granted_key, (key.pk, "bravo")), (api._web_conversation, (ids["bravo"],)))
        assert theirs.guest.name == "Guest of bravo"
    with pytest.raises(ValueError, match="one column"):
        compiled.firsts((sessions._recent_messages, (ids["alpha"],)))


def test_one_compiled_statement_reads_each_propertys_own_rows(world) -> None:
    names = {"alpha": "Guest of Alpha", "bravo": "Guest of Bravo"}
    ids = {}
    for schema, name in names.items():
        with schema_context(schema):
            conversation = web_conversation()
            Guest.objects.filter(pk=conversation.guest_id).update(name=name)
            ids[schema] = conversation.pk
    for schema in ("alpha", "bravo", "alpha"):  # compiled under the first, run under each
        with schema_context(schema):
            assert compiled.first(engine.conversation_with_guest, ids[schema]).guest.name == names[schema]
    assert "alpha" not in compiled._compiled_read(engine.conversation_with_guest, (int,)).sql  # no schema baked in
    assert "bravo" not in compiled._compiled_read(engine.conversation_with_guest, (int,)).sql


def test_a_compiled_read_takes_ints_and_strings_only(world) -> None:
    with pytest.raises(TypeError, match="int or str"):
        compiled.first(engine.conversation_with_guest, 1.5)


def test_the_turns_lock_read_is_the_orms_select_for_update(world) -> None:
    with schema_context("alpha"):
        conversation = web_conversation()
        with transaction.atomic():
            assert compiled.value(engine._locked_ai_mode, conversation.pk) == conversation.ai_mode
            same_statement(
                lambda: compiled.value(engine._locked_ai_mode, conversation.pk),
                lambda: (
                    Conversation.objects.select_for_update()
                    .filter(pk=conversation.pk)
                    .values_list("ai_mode", flat=True)
                    .first()
                ),
            )
            assert compiled.value(engine._locked_ai_mode, conversation.pk + 1000) is None
        Conversation.objects.filter(pk=conversation.pk).update(ai_mode="staff")
        with transaction.atomic():
            assert compiled.value(engine._locked_ai_mode, conversation.pk) == "staff"
        assert "FOR UPDATE" in compiled._compiled_read(engine._locked_ai_mode, (int,)).sql
        with pytest.raises(ValueError, match="one column"):
            compiled.value(engine.conversation_with_guest, conversation.pk)


def sent(write: Any) -> list[tuple[str, int]]:
    """The statements `write` sends, as written (before the values go in), with their number of values."""
    statements: list[tuple[str, int]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, len(params)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        write()
    return statements


LONG_AGO = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)


def _session_row(conversation_id: int, history: list, lead: dict, streak: int, mode: str = "concierge") -> SessionState:
    return SessionState(
        conversation_id=conversation_id, history=history, mode=mode, language="ms", lead=lead,
        low_confidence_streak=streak, updated_at=LONG_AGO,
    )  # fmt: skip


def test_the_sessions_write_through_is_the_orms_upsert_and_writes_the_same_row(world) -> None:
    # sessions.save's INSERT … ON CONFLICT DO UPDATE compiled once: the ORM's statement, the same row written
    # (the encrypted history and lead decrypt to what was saved), a second write updates it in place.
    with schema_context("alpha"):
        ours, theirs = web_conversation(), web_conversation()

        def orm(row: SessionState) -> None:
            SessionState.objects.bulk_create(
                [row], update_conflicts=True, unique_fields=["conversation"], update_fields=list(sessions.UPSERT_FIELDS)
            )

        def mine(row: SessionState) -> None:
            compiled.upsert(row, unique_fields=sessions.UPSERT_KEY, update_fields=sessions.UPSERT_FIELDS)

        for n, history in enumerate(([{"role": "guest", "content": "Ada kolam renang?"}], [], [{"role": "ai"}] * 3)):
            lead = {"party": {"adults": n + 1}} if n != 1 else {}
            row_mine, row_orm = _session_row(ours.pk, history, lead, n), _session_row(theirs.pk, history, lead, n)
            assert sent(lambda: mine(row_mine)) == sent(lambda: orm(row_orm))  # noqa: B023 - run at once
            mine_row, orm_row = (SessionState.objects.get(pk=c.pk) for c in (ours, theirs))
            assert mine_row.history == orm_row.history == history and mine_row.lead == orm_row.lead == lead
            assert (mine_row.mode, mine_row.language, mine_row.low_confidence_streak) == ("concierge", "ms", n)
            assert mine_row.updated_at > timezone.now() - dt.timedelta(minutes=5)  # auto_now: set, as the ORM sets it
            assert orm_row.updated_at > timezone.now() - dt.timedelta(minutes=5)
        assert SessionState.objects.filter(pk__in=[ours.pk, theirs.pk]).count() == 2  # updated in place


def test_the_compiled_upsert_writes_each_propertys_own_row(world) -> None:
    ids = {}
    for schema in ("alpha", "bravo"):
        with schema_context(schema):
            ids[schema] = web_conversation().pk
    for schema in ("alpha", "bravo", "alpha"):  # compiled under the first, run under each
        with schema_context(schema):
            history = [{"role": "guest", "content": f"asked at {schema}"}]
            compiled.upsert(
                _session_row(ids[schema], history, {}, 0),
                unique_fields=sessions.UPSERT_KEY,
                update_fields=sessions.UPSERT_FIELDS,
            )
    for schema in ("alpha", "bravo"):
        with schema_context(schema):
            assert [s.history for s in SessionState.objects.all()] == [
                [{"role": "guest", "content": f"asked at {schema}"}]
            ]
    sql, _ = compiled._compiled_upsert(SessionState, sessions.UPSERT_KEY, sessions.UPSERT_FIELDS)
    assert "alpha" not in sql and "bravo" not in sql and "ON CONFLICT" in sql


# --- The reply's INSERT and the raw reads compiled once (p30w) ---------------------------------------------------


def _reply(conversation: Conversation, text: str) -> Message:
    metadata = {"reply_to": 1, "answers": [1], "confidence": 0.75, "knowledge": [{"title": "Pool"}]}
    return Message(
        conversation=conversation, role=MessageRole.AI, content=text, channel=conversation.channel,
        metadata=metadata, created_at=LONG_AGO,
    )  # fmt: skip


def test_the_replys_insert_is_the_orms_and_writes_the_same_row(world) -> None:
    with schema_context("alpha"):
        conversation = web_conversation()
        ours, theirs = (
            _reply(conversation, "Kolam renang dibuka 7 pagi."),
            _reply(conversation, "Kolam renang dibuka 7 pagi."),
        )
        assert sent(lambda: compiled.insert(ours)) == sent(lambda: theirs.save(force_insert=True))
        assert (
            ours.pk is not None and ours.pk != theirs.pk and ours._state.adding is False and ours._state.db == "default"
        )
        mine_row, orm_row = Message.objects.get(pk=ours.pk), Message.objects.get(pk=theirs.pk)
        assert {**fields(mine_row), "id": 0} == {**fields(orm_row), "id": 0}  # decrypted as it was written
        assert mine_row.content == "Kolam renang dibuka 7 pagi." and mine_row.metadata["confidence"] == 0.75
        with pytest.raises(ValueError, match="new row"):
            compiled.insert(ours)  # its id is set: not a new row


def test_the_compiled_insert_writes_each_propertys_own_row(world) -> None:
    conversations = {}
    for schema in ("alpha", "bravo"):
        with schema_context(schema):
            conversations[schema] = web_conversation()
    for schema in ("alpha", "bravo", "alpha"):  # compiled under the first, run under each
        with schema_context(schema):
            compiled.insert(_reply(conversations[schema], f"written at {schema}"))
    for schema, count in (("alpha", 2), ("bravo", 1)):
        with schema_context(schema):
            assert (
                list(Message.objects.filter(role=MessageRole.AI).values_list("content", flat=True))
                == [f"written at {schema}"] * count
            )
    insert = compiled._compiled_insert(Message)
    assert (
        "alpha" not in insert.sql
        and "bravo" not in insert.sql
        and insert.sql.endswith('RETURNING "conversations_message"."id"')
    )


def test_a_model_with_a_save_receiver_is_saved_by_the_orm(world) -> None:
    from django.db.models.signals import post_save

    seen: list[int] = []

    def receiver(sender: Any, instance: Message, created: bool, **kwargs: Any) -> None:
        seen.append(instance.pk)

    post_save.connect(receiver, sender=Message, dispatch_uid="p30w-test")
    try:
        with schema_context("alpha"):
            reply = compiled.insert(_reply(web_conversation(), "Hello"))
    finally:
        post_save.disconnect(dispatch_uid="p30w-test", sender=Message)
    assert seen == [reply.pk]  # the signal was sent: the ORM saved it


def test_the_pending_read_builds_the_rows_orm_raw_builds(world) -> None:
    with schema_context("alpha"):
        conversation = web_conversation()
        first, _ = engine.record_guest_message(conversation, "Ada kolam renang?", provider_message_id="p1")
        second, _ = engine.record_guest_message(conversation, "Dan gim?", provider_message_id="p2")
        params = {
            "conversation": conversation.pk, "replied_to": second.pk, "ai": MessageRole.AI,
            "staff": MessageRole.STAFF, "guest": MessageRole.GUEST,
        }  # fmt: skip
        ours = compiled.raw(Message, engine._PENDING_SQL, params)
        theirs = list(Message.objects.raw(engine._PENDING_SQL, params))
        assert [fields(m) for m in ours] == [fields(m) for m in theirs] and [m.pk for m in ours] == [
            first.pk,
            second.pk,
        ]
        assert [m.content for m in ours] == ["Ada kolam renang?", "Dan gim?"]  # decrypted
        assert [m.redelivered for m in ours] == [m.redelivered for m in theirs] == [False, False]  # the annotation
        assert ours[0]._state.adding is False and ours[0]._state.db == "default"
        reply = _reply(conversation, "Ya.")
        reply.metadata = {"reply_to": second.pk, "answers": [first.pk]}  # a turn that answered the first only
        compiled.insert(reply)
        ours, theirs = (
            compiled.raw(Message, engine._PENDING_SQL, params),
            list(Message.objects.raw(engine._PENDING_SQL, params)),
        )
        assert [(m.pk, m.redelivered) for m in ours] == [(m.pk, m.redelivered) for m in theirs] == [(second.pk, True)]
        Message.objects.filter(pk=reply.pk).update(metadata={"reply_to": second.pk, "answers": [first.pk, second.pk]})
        assert (
            compiled.raw(Message, engine._PENDING_SQL, params)
            == []
            == list(Message.objects.raw(engine._PENDING_SQL, params))
        )
        with pytest.raises(ValueError, match="primary key"):
            compiled.raw(Message, "SELECT content FROM conversations_message", {})


def test_one_raw_plan_reads_each_propertys_own_rows(world) -> None:
    ids = {}
    for schema in ("alpha", "bravo"):
        with schema_context(schema):
            conversation = web_conversation()
            message, _ = engine.record_guest_message(conversation, f"asked at {schema}", provider_message_id="p")
            ids[schema] = (conversation.pk, message.pk)
    for schema in ("alpha", "bravo", "alpha"):  # planned under the first, run under each
        with schema_context(schema):
            conversation_id, message_id = ids[schema]
            params = {
                "conversation": conversation_id, "replied_to": message_id, "ai": MessageRole.AI,
                "staff": MessageRole.STAFF, "guest": MessageRole.GUEST,
            }  # fmt: skip
            assert [m.content for m in compiled.raw(Message, engine._PENDING_SQL, params)] == [f"asked at {schema}"]


def test_the_guests_language_is_written_as_the_orms_update_writes_it(world) -> None:
    # The turn's plain UPDATE changes the language alone, as `Guest.objects.filter(pk=…).update(language=…)` does.
    with schema_context("alpha"):
        ours, other = web_conversation(), web_conversation()
        before = {pk: fields(Guest.objects.get(pk=pk)) for pk in (ours.guest_id, other.guest_id)}
        with connection.cursor() as cursor:
            cursor.execute(f"WITH {engine._GUEST_LANGUAGE} SELECT 1", ["ms", ours.guest_id])
        assert fields(Guest.objects.get(pk=ours.guest_id)) == {**before[ours.guest_id], "language": "ms"}
        assert fields(Guest.objects.get(pk=other.guest_id)) == before[other.guest_id]


def test_a_rebuilt_session_is_cached_by_its_save_not_its_load(world) -> None:
    with schema_context("alpha"):
        conversation = web_conversation()
        engine.record_guest_message(conversation, "Ada kolam renang?", provider_message_id="p1")
        same_statement(
            lambda: compiled.first(sessions._session_row, conversation.pk),
            lambda: SessionState.objects.filter(conversation=conversation).first(),
        )
        session = sessions.load(conversation)
        assert session.source == "messages"
        assert sessions.load(conversation).source == "messages"  # nothing went to Redis on the way
        sessions.save(session)
        assert sessions.load(conversation).source == "redis"
        sessions.forget(conversation.pk)
        assert sessions.load(conversation).source == "database"


def test_compiled_rows_are_the_orms_values_rows_and_each_propertys_own(world) -> None:
    # A conversation's first turn rebuilds the history from its messages: the ORM's statement and rows (the
    # encrypted text decrypted), with and without the turn's first message as the bound; under each schema its own.
    ids = {}
    for schema in ("alpha", "bravo"):
        with schema_context(schema):
            conversation = web_conversation()
            made = [
                engine.record_guest_message(conversation, f"{schema} {n}", provider_message_id=f"m{n}")[0]
                for n in range(12)
            ]
            ids[schema] = (conversation.pk, made[-1].pk)
    for schema in ("alpha", "bravo", "alpha"):  # compiled under the first, run under each
        with schema_context(schema):
            conversation_id, last = ids[schema]
            every = Message.objects.filter(conversation_id=conversation_id).order_by("-id").values("role", "content")
            assert compiled.rows(sessions._recent_messages, conversation_id) == list(every[:10])
            assert compiled.rows(sessions._recent_messages_before, conversation_id, last) == list(
                every.filter(pk__lt=last)[:10]
            )
            assert compiled.rows(sessions._recent_messages, conversation_id)[0] == {
                "role": "guest",
                "content": f"{schema} 11",
            }
    with schema_context("alpha"):
        conversation_id, last = ids["alpha"]
        conversation = Conversation.objects.get(pk=conversation_id)
        same_statement(  # what sessions.load ran: the related manager's statement
            lambda: compiled.rows(sessions._recent_messages_before, conversation_id, last),
            lambda: list(conversation.messages.filter(pk__lt=last).order_by("-id").values("role", "content")[:10]),
        )
        with pytest.raises(ValueError, match="values"):
            compiled.rows(engine.conversation_with_guest, conversation_id)


def test_a_guest_message_is_stored_with_its_touch_in_one_statement_under_each_property(world) -> None:
    """The guest's message, the conversation's last message time and the guest's last visit: one round trip, and
    each property's statement writes only its own rows (the INSERT and the touch compiled under the first)."""
    conversations, before = {}, timezone.now() - dt.timedelta(days=2)
    for schema in ("alpha", "bravo"):
        with schema_context(schema):
            conversations[schema] = web_conversation()
            Conversation.objects.filter(pk=conversations[schema].pk).update(last_message_at=before)
            Guest.objects.filter(pk=conversations[schema].guest_id).update(last_seen_at=before)
    for schema in ("alpha", "bravo"):
        with schema_context(schema), CaptureQueriesContext(connection) as sent_now:
            message, created = engine.record_guest_message(
                conversations[schema], f"Ada kolam renang? ({schema})", provider_message_id=f"{schema}:1"
            )
        sql = [q["sql"] for q in sent_now.captured_queries]
        writes = [text for text in sql if not text.startswith(("SAVEPOINT", "RELEASE", "SET search_path"))]
        assert created and len(writes) == 1, writes  # the INSERT carries the touch: one round trip
        with schema_context(schema):
            conversation = Conversation.objects.select_related("guest").get(pk=conversations[schema].pk)
            assert conversation.last_message_at == message.created_at == conversation.guest.last_seen_at
            assert Message.objects.get(pk=message.pk).content == f"Ada kolam renang? ({schema})"
    with schema_context("alpha"):  # a retried delivery: the first row, nothing written or touched again
        Conversation.objects.filter(pk=conversations["alpha"].pk).update(last_message_at=before)
        again, created = engine.record_guest_message(
            conversations["alpha"], "Ada kolam renang? (alpha)", provider_message_id="alpha:1"
        )
        assert not created and Message.objects.filter(role=MessageRole.GUEST).count() == 1
        assert Conversation.objects.get(pk=conversations["alpha"].pk).last_message_at == before
    with schema_context("bravo"):  # A's message never reached B's conversation or guest
        assert list(Message.objects.values_list("content", flat=True)) == ["Ada kolam renang? (bravo)"]


def test_the_writes_alongside_an_insert_run_when_the_orm_saves_it(world) -> None:
    from django.db.models.signals import post_save

    def receiver(**kwargs: Any) -> None:
        pass

    post_save.connect(receiver, sender=Message, dispatch_uid="p41-test")
    try:
        with schema_context("alpha"):
            conversation = web_conversation()
            stamp = timezone.now() - dt.timedelta(hours=3)
            compiled.insert(_reply(conversation, "Hello"), alongside=(engine._TOUCH, [stamp, conversation.pk, stamp]))
            touched = Conversation.objects.select_related("guest").get(pk=conversation.pk)
    finally:
        post_save.disconnect(dispatch_uid="p41-test", sender=Message)
    assert touched.last_message_at == stamp == touched.guest.last_seen_at
