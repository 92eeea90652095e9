"""Webhook routes (public host, under /api/v1/); a trailing slash is accepted too, never redirected."""

from django.urls import re_path

from conversations import webhooks

urlpatterns = [
    re_path(r"^webhook/whatsapp/?$", webhooks.whatsapp_webhook, name="webhook-whatsapp"),
    re_path(r"^webhook/email/?$", webhooks.email_webhook, name="webhook-email"),
]
