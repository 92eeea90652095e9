"""Staff conversation routes under the public host's /api/v1/ (included from nocturn.urls_public)."""

from django.urls import path

from conversations import api

base = "properties/<int:property_id>/conversations"
urlpatterns = [
    path(base, api.conversation_list, name="conversation-list"),
    path(f"{base}/<int:conversation_id>", api.conversation_detail, name="conversation-detail"),
    path(f"{base}/<int:conversation_id>/handoff", api.conversation_handoff, name="conversation-handoff"),
    path(f"{base}/<int:conversation_id>/takeover", api.conversation_takeover, name="conversation-takeover"),
    path(f"{base}/<int:conversation_id>/resolve", api.conversation_resolve, name="conversation-resolve"),
    path(f"{base}/<int:conversation_id>/messages", api.conversation_reply, name="conversation-reply"),
    path(f"{base}/<int:conversation_id>/assign", api.conversation_assign, name="conversation-assign"),
    path(f"{base}/<int:conversation_id>/notes", api.conversation_notes, name="conversation-notes"),
    path("properties/<int:property_id>/saved-replies", api.saved_replies, name="saved-replies"),
    path("properties/<int:property_id>/saved-replies/<int:reply_id>", api.saved_reply, name="saved-reply"),
]
