from django.urls import path

from conversations.widget import api

urlpatterns = [
    path("conversations", api.conversations_collection, name="widget-conversations"),
    path("conversations/<int:conversation_id>", api.conversation_detail, name="widget-conversation"),
    path("conversations/<int:conversation_id>/messages", api.conversation_messages, name="widget-messages"),
]
