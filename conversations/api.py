"""Staff API on the public host (JWT or session): a property's conversations, handoff, takeover, resolve, reply.

Every call names its property (conversation ids are per property schema). Outside the caller's
properties the answer is 404; viewers may read but never change anything (403).
"""

from __future__ import annotations

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
from conversations.models import Conversation, Message
from conversations.services import conversation_for
from properties.permissions import WRITERS, property_for_user

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
    return data


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


def _act(request: Request, property_id: int, conversation_id: int, action: str) -> Response:
    property_ = property_for_user(request.user, property_id, WRITERS)
    with schema_context(property_.schema_name):
        conversation = conversation_for(conversation_id)
        try:
            if action == "handoff":
                handoff.begin_handoff(conversation.pk, trigger="manual", user_id=request.user.pk, tell_guest=True)
            elif action == "takeover":
                handoff.take_over(conversation.pk, user_id=request.user.pk)
            else:
                handoff.resolve(conversation.pk, user_id=request.user.pk)
        except handoff.HandoffError as exc:
            return Response({"detail": str(exc)}, status=http.HTTP_409_CONFLICT)
        return Response(conversation_data(conversation_for(conversation.pk)))


@extend_schema(summary="Hand the conversation to staff (manual)", request=None)
@api_view(["POST"])
def conversation_handoff(request: Request, property_id: int, conversation_id: int) -> Response:
    return _act(request, property_id, conversation_id, "handoff")


@extend_schema(summary="Take the conversation over: the AI is locked until it is resolved", request=None)
@api_view(["POST"])
def conversation_takeover(request: Request, property_id: int, conversation_id: int) -> Response:
    return _act(request, property_id, conversation_id, "takeover")


@extend_schema(summary="Resolve: the conversation goes back to the AI", request=None)
@api_view(["POST"])
def conversation_resolve(request: Request, property_id: int, conversation_id: int) -> Response:
    return _act(request, property_id, conversation_id, "resolve")


class StaffReplySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=handoff.service.MAX_STAFF_REPLY, trim_whitespace=True)


@extend_schema(
    summary="A staff reply, sent on the guest's own channel (takes the conversation over first)",
    request=StaffReplySerializer,
    responses={201: inline_serializer("StaffMessage", {"id": serializers.IntegerField()})},
)
@api_view(["POST"])
def conversation_reply(request: Request, property_id: int, conversation_id: int) -> Response:
    property_ = property_for_user(request.user, property_id, WRITERS)
    body = StaffReplySerializer(data=request.data)
    body.is_valid(raise_exception=True)
    with schema_context(property_.schema_name):
        conversation = conversation_for(conversation_id)
        try:
            message = handoff.staff_reply(conversation.pk, user_id=request.user.pk, text=body.validated_data["text"])
        except handoff.HandoffError as exc:
            return Response({"detail": str(exc)}, status=http.HTTP_400_BAD_REQUEST)
        return Response(message_data(message), status=http.HTTP_201_CREATED)
