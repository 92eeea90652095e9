"""Staff API on the public host (JWT or session): a property's conversations, handoff, takeover, resolve, reply.

Every call names its property (conversation ids are per property schema). Outside the caller's
properties the answer is 404; viewers may read but never change anything (403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django_tenants.utils import schema_context
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from conversations import handoff
from conversations.handoff import desk
from conversations.models import Conversation, Language, Message, SavedReply, StaffNote
from conversations.services import conversation_for
from properties.permissions import MANAGERS, READERS, WRITERS, property_for_user

STATUSES = {"active", "handed_off", "resolved", "expired"}


def conversation_data(conversation: Conversation, with_messages: bool = False) -> dict[str, Any]:
    guest = conversation.guest
    data: dict[str, Any] = {
        "id": conversation.pk,
        "channel": conversation.channel,
        "status": conversation.status,
        "ai_mode": conversation.ai_mode,
        "is_after_hours": conversation.is_after_hours,
        "message_count": conversation.message_count,
        "last_message_at": conversation.last_message_at.isoformat(),
        "guest": {"id": guest.pk, "name": guest.name, "phone": guest.phone, "email": guest.email},
    }
    if with_messages:
        episode = handoff.open_episode(conversation.pk)
        data["handoff"] = (
            {
                "id": episode.pk,
                "trigger": episode.trigger,
                "reason": episode.reason,
                "context": episode.context,
                "created_at": episode.created_at.isoformat(),
                "taken_over_at": episode.taken_over_at.isoformat() if episode.taken_over_at else None,
            }
            if episode
            else None
        )
        data["messages"] = [message_data(m) for m in conversation.messages.select_related("outbox").order_by("id")]
        data["holder"] = holder_data(handoff.holder_of(conversation.pk))
    return data


def holder_data(holder: handoff.Holder | None) -> dict[str, Any] | None:
    return {"user_id": holder.user_id, "name": holder.name, "since": holder.since.isoformat()} if holder else None


def _refused(exc: handoff.HandoffError) -> Response:
    """Someone else holds the conversation: 409 naming them; anything else the request asked is a 400."""
    if isinstance(exc, handoff.HeldByOther):
        return _conflict(exc)
    return Response({"detail": str(exc)}, status=http.HTTP_400_BAD_REQUEST)


def _conflict(exc: handoff.HandoffError) -> Response:
    body: dict[str, Any] = {"detail": str(exc)}
    if isinstance(exc, handoff.HeldByOther):
        body["holder"] = holder_data(exc.holder)
    return Response(body, status=http.HTTP_409_CONFLICT)


def message_data(message: Message) -> dict[str, Any]:
    meta = message.metadata or {}
    return {
        "id": message.pk,
        "role": message.role,
        "content": message.content,
        "created_at": message.created_at.isoformat(),
        "confidence": meta.get("confidence"),
        "knowledge": meta.get("knowledge", []),
        "event": meta.get("event"),
        "sent_by_user_id": message.sent_by_user_id,
        # WhatsApp and e-mail messages to the guest: queued / sent / delivered / read / failed + reason, and the
        # template that went instead of the words (None for guest messages and the widget).
        "delivery": _delivery(message),
    }


def _delivery(message: Message) -> dict[str, Any] | None:
    try:
        return message.outbox.delivery_summary()
    except ObjectDoesNotExist:
        return None


@extend_schema(summary="A property's conversations (newest first; ?status=handed_off)")
@api_view(["GET"])
def conversation_list(request: Request, property_id: int) -> Response:
    property_ = property_for_user(request.user, property_id)
    wanted = request.query_params.get("status")
    if wanted and wanted not in STATUSES:
        return Response({"status": f"One of {', '.join(sorted(STATUSES))}."}, status=http.HTTP_400_BAD_REQUEST)
    with schema_context(property_.schema_name):
        rows = Conversation.objects.select_related("guest").order_by("-last_message_at")
        if wanted:
            rows = rows.filter(status=wanted)
        return Response({"results": [conversation_data(c) for c in rows[:100]]})


@extend_schema(summary="One conversation: messages (with the knowledge each AI answer used) and its handoff")
@api_view(["GET"])
def conversation_detail(request: Request, property_id: int, conversation_id: int) -> Response:
    property_ = property_for_user(request.user, property_id)
    with schema_context(property_.schema_name):
        return Response(conversation_data(conversation_for(conversation_id), with_messages=True))


class TakeOverSerializer(serializers.Serializer):
    take_from = serializers.IntegerField(
        required=False, allow_null=True, help_text="The present holder's user id: the explicit takeover."
    )


def _act(request: Request, property_id: int, conversation_id: int, action: str) -> Response:
    property_ = property_for_user(request.user, property_id, WRITERS)
    body = TakeOverSerializer(data=request.data if action == "takeover" else {})
    body.is_valid(raise_exception=True)
    with schema_context(property_.schema_name):
        conversation = conversation_for(conversation_id)
        try:
            if action == "handoff":
                handoff.begin_handoff(conversation.pk, trigger="manual", user_id=request.user.pk, tell_guest=True)
            elif action == "takeover":
                take_from = body.validated_data.get("take_from")
                handoff.take_over(conversation.pk, user_id=request.user.pk, take_from=take_from)
            else:
                handoff.resolve(conversation.pk, user_id=request.user.pk)
        except handoff.HandoffError as exc:
            return _conflict(exc)
        return Response(conversation_data(conversation_for(conversation.pk), with_messages=True))


@extend_schema(summary="Hand the conversation to staff (manual)", request=None)
@api_view(["POST"])
def conversation_handoff(request: Request, property_id: int, conversation_id: int) -> Response:
    return _act(request, property_id, conversation_id, "handoff")


@extend_schema(
    summary="Take the conversation over: the AI is locked until it is resolved (409 naming the holder if "
    "someone else holds it, unless take_from names them)",
    request=TakeOverSerializer,
)
@api_view(["POST"])
def conversation_takeover(request: Request, property_id: int, conversation_id: int) -> Response:
    return _act(request, property_id, conversation_id, "takeover")


@extend_schema(summary="Resolve: the conversation goes back to the AI", request=None)
@api_view(["POST"])
def conversation_resolve(request: Request, property_id: int, conversation_id: int) -> Response:
    return _act(request, property_id, conversation_id, "resolve")


def _write_with_body(
    request: Request,
    property_id: int,
    conversation_id: int,
    serializer: type[serializers.Serializer],
    write: Callable[[Conversation, dict[str, Any]], Response],
) -> Response:
    """A staff write carrying a body: validated before the schema is entered, then `write` in it; a
    refusal is a 400, someone else holding the conversation a 409 naming them."""
    property_ = property_for_user(request.user, property_id, WRITERS)
    body = serializer(data=request.data)
    body.is_valid(raise_exception=True)
    with schema_context(property_.schema_name):
        conversation = conversation_for(conversation_id)
        try:
            return write(conversation, body.validated_data)
        except handoff.HandoffError as exc:
            return _refused(exc)


class StaffReplySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=handoff.service.MAX_STAFF_REPLY, trim_whitespace=True)


@extend_schema(
    summary="A staff reply, sent on the guest's own channel (takes the conversation over first)",
    request=StaffReplySerializer,
    responses={201: inline_serializer("StaffMessage", {"id": serializers.IntegerField()})},
)
@api_view(["POST"])
def conversation_reply(request: Request, property_id: int, conversation_id: int) -> Response:
    def write(conversation: Conversation, body: dict[str, Any]) -> Response:
        message = handoff.staff_reply(conversation.pk, user_id=request.user.pk, text=body["text"])
        return Response(message_data(message), status=http.HTTP_201_CREATED)

    return _write_with_body(request, property_id, conversation_id, StaffReplySerializer, write)


class AssignSerializer(serializers.Serializer):
    to_user_id = serializers.IntegerField(help_text="A manager or agent of the property (your own id: to me).")
    take_from = serializers.IntegerField(required=False, allow_null=True)


@extend_schema(summary="Assign the conversation to a colleague or to yourself", request=AssignSerializer)
@api_view(["POST"])
def conversation_assign(request: Request, property_id: int, conversation_id: int) -> Response:
    def write(conversation: Conversation, body: dict[str, Any]) -> Response:
        take_from = body.get("take_from")
        handoff.assign(conversation.pk, user_id=request.user.pk, to_user_id=body["to_user_id"], take_from=take_from)
        return Response(conversation_data(conversation_for(conversation.pk), with_messages=True))

    return _write_with_body(request, property_id, conversation_id, AssignSerializer, write)


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=desk.MAX_NOTE, trim_whitespace=True)


def note_data(note: StaffNote) -> dict[str, Any]:
    return {
        "id": note.pk,
        "text": note.text,
        "author_user_id": note.author_user_id,
        "author": getattr(note, "author_name", ""),
        "created_at": note.created_at.isoformat(),
    }


@extend_schema(summary="Internal notes on a conversation (staff only; never sent to the guest)", request=NoteSerializer)
@api_view(["GET", "POST"])
def conversation_notes(request: Request, property_id: int, conversation_id: int) -> Response:
    roles = WRITERS if request.method == "POST" else READERS
    property_ = property_for_user(request.user, property_id, roles)
    with schema_context(property_.schema_name):
        conversation = conversation_for(conversation_id)
        if request.method == "GET":
            return Response({"results": [note_data(n) for n in desk.notes_of(conversation.pk)]})
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        note = desk.add_note(conversation.pk, user_id=request.user.pk, text=body.validated_data["text"])
        return Response(note_data(note), status=http.HTTP_201_CREATED)


class SavedReplySerializer(serializers.Serializer):
    title = serializers.CharField(max_length=80)
    language = serializers.ChoiceField(choices=Language.choices)
    text = serializers.CharField(max_length=desk.MAX_SAVED_REPLY)


def saved_reply_data(reply: SavedReply) -> dict[str, Any]:
    return {"id": reply.pk, "title": reply.title, "language": reply.language, "text": reply.text}


def _saved_reply_write(request: Request, reply_id: int | None) -> Response:
    body = SavedReplySerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        reply = desk.save_reply(desk.SavedReplyFields(**body.validated_data), reply_id)
    except handoff.HandoffError as exc:
        return Response({"detail": str(exc)}, status=http.HTTP_400_BAD_REQUEST)
    return Response(saved_reply_data(reply), status=http.HTTP_200_OK if reply_id else http.HTTP_201_CREATED)


@extend_schema(summary="The property's saved replies (managers change them)", request=SavedReplySerializer)
@api_view(["GET", "POST"])
def saved_replies(request: Request, property_id: int) -> Response:
    property_ = property_for_user(request.user, property_id, MANAGERS if request.method == "POST" else READERS)
    with schema_context(property_.schema_name):
        if request.method == "GET":
            return Response({"results": [saved_reply_data(r) for r in SavedReply.objects.all()]})
        return _saved_reply_write(request, None)


@extend_schema(summary="One saved reply: change (managers) or delete", request=SavedReplySerializer)
@api_view(["GET", "PUT", "DELETE"])
def saved_reply(request: Request, property_id: int, reply_id: int) -> Response:
    property_ = property_for_user(request.user, property_id, READERS if request.method == "GET" else MANAGERS)
    with schema_context(property_.schema_name):
        reply = desk.saved_reply_for(reply_id)
        if request.method == "GET":
            return Response(saved_reply_data(reply))
        if request.method == "DELETE":
            desk.delete_reply(reply.pk)
            return Response(status=http.HTTP_204_NO_CONTENT)
        return _saved_reply_write(request, reply.pk)
