"""ASGI entry point: HTTP through Django (django-tenants middleware), websockets through our own tenancy."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")
# The web process pools its PostgreSQL connections (see DATABASE_POOL in nocturn/settings.py);
# DATABASE_POOL=0 in the environment turns it off.
os.environ.setdefault("DATABASE_POOL", "1")
# Only this process's database connections get the web's statement timeout (WEB_STATEMENT_TIMEOUT_MS).
os.environ["NOCTURN_PROCESS"] = "web"

from core.telemetry import setup_tracing
from nocturn.daphne_http import keep_content_types_parsed, skip_discarded_request_lines

keep_content_types_parsed()  # daphne's Twisted, before it serves a request
skip_discarded_request_lines()

setup_tracing("nocturn-web")  # before Django builds its middleware chain (the tracing middleware joins it)
django_http = get_asgi_application()  # sets Django up before the imports below touch models

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from conversations.consumers import GuestConsumer  # noqa: E402
from conversations.pipeline.fast_webhook import WhatsAppWebhookApp  # noqa: E402
from conversations.widget.fast import WidgetMessageApp  # noqa: E402
from conversations.widget.ws import GuestAuthMiddleware  # noqa: E402
from nocturn.ws import StaffAuthMiddleware  # noqa: E402
from properties.consumers import StaffConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Meta's webhook POST and the widget's message POST skip Django's handler (see fast_webhook and
        # widget/fast); every other request goes to Django.
        "http": WidgetMessageApp(WhatsAppWebhookApp(django_http)),
        "websocket": URLRouter(
            [
                path("ws/staff/", StaffAuthMiddleware(StaffConsumer.as_asgi())),
                path("ws/guest/<int:conversation_id>/", GuestAuthMiddleware(GuestConsumer.as_asgi())),
            ]
        ),
    }
)
