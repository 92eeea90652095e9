"""Provider webhooks on the public host: authenticate, parse, store, enqueue, answer at once.

Nothing slow happens here: the signature is checked before parsing (401, nothing stored), a body
we cannot read is a 400, an event for a number or address nobody owns is logged and answered 200
(so providers stop retrying), and a failure of ours (the database down) is a 503 so they retry.
The WhatsApp POST is `pipeline.receive.receive_whatsapp`, the flow the ASGI fast path runs too.
"""

from __future__ import annotations

import structlog
from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from conversations.pipeline import inbound, ratelimit, routing
from conversations.pipeline.receive import MAX_BODY_BYTES, receive_whatsapp
from messaging.email import MalformedEmail, UnroutableEmail, check_basic_auth, parse_inbound
from messaging.email.inbound import form_fields
from messaging.whatsapp import verify_subscription

log = structlog.get_logger(__name__)

EMAIL_MAX_BYTES = 30 * 1024 * 1024  # SendGrid's own limit for a post with attachments


def _error(status: int, reason: str) -> JsonResponse:
    return JsonResponse({"error": reason}, status=status)


def _busy(retry_after: int) -> JsonResponse:
    response = _error(503, "over capacity: retry later")
    response["Retry-After"] = str(retry_after)
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        challenge = verify_subscription(request.GET, settings.WHATSAPP_VERIFY_TOKEN)
        if challenge is None:
            return _error(403, "verification failed")
        return HttpResponse(challenge, content_type="text/plain")
    if (retry_after := ratelimit.shed_webhook(request.META.get("REMOTE_ADDR"))) is not None:
        return _busy(retry_after)  # the optional hard ceiling (off by default): nothing stored, Meta retries
    # read() with a bound rather than .body: the size answer is the flow's (413), as at the ASGI door.
    outcome = receive_whatsapp(request.read(MAX_BODY_BYTES + 1), request.headers.get("X-Hub-Signature-256"))
    return JsonResponse(outcome.body, status=outcome.status)


@csrf_exempt
@require_http_methods(["POST"])
def email_webhook(request: HttpRequest) -> HttpResponse:
    if not check_basic_auth(request.headers.get("Authorization"), settings.INBOUND_EMAIL_WEBHOOK_SECRET):
        response = _error(401, "authentication required")
        response["WWW-Authenticate"] = 'Basic realm="inbound-email"'
        return response
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > EMAIL_MAX_BYTES:
        return _error(413, f"over {EMAIL_MAX_BYTES} bytes")
    # read() rather than .body: Django's 2.5 MB form limit is for forms, not for mail with attachments.
    body = request.read(EMAIL_MAX_BYTES + 1)
    if len(body) > EMAIL_MAX_BYTES:
        return _error(413, f"over {EMAIL_MAX_BYTES} bytes")
    try:
        fields = form_fields(body, request.META.get("CONTENT_TYPE", ""))
        mail = parse_inbound(fields, resolve_schema=routing.email_schema)
        if isinstance(mail, UnroutableEmail):
            log.warning("email_unroutable", recipients=mail.recipients, message_id=mail.message_id)
            return JsonResponse({"received": 1, "new": 0})
        new = inbound.store_email(mail)
    except MalformedEmail as exc:
        return _error(400, exc.reason)
    except DatabaseError:
        log.exception("email_webhook_store_failed")
        return _error(503, "temporarily unavailable")
    return JsonResponse({"received": 1, "new": new})
