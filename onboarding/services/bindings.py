"""Channel bindings must be proven before they route a guest to a property (issue 18).

A WhatsApp number id is bound only once Meta's Graph API, asked with the property's own token,
answers for that number: Meta refuses an unknown id and one the token may not use alike. An
inbound e-mail address in the property's own inbound subdomain (`<anything>@<slug>.<INBOUND_EMAIL_DOMAIN>`)
binds at once; any other address waits for a signed, expiring link mailed to it, stored meanwhile as a
`PendingEmailBinding` (shown on the settings page with resend and cancel; confirming turns it into the
binding; past its expiry it is dropped).

Refusals never tell one property about another: a number taken by another property gets the same
words as an unknown or unusable one, after the same Graph call (so no quicker answer either); an
address taken elsewhere, or in another property's subdomain, gets the same "we sent a link" answer
as a free one, and its link (if any ever reached anyone) fails with the same words as an expired one.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone

from core.durability import enqueue_on_commit
from messaging.whatsapp import errors as whatsapp_errors
from messaging.whatsapp.adapter import WhatsAppAdapter
from properties.models import EmailBinding, PendingEmailBinding, Property, User, WhatsAppBinding, new_nonce
from properties.services import property_origin

NUMBER_UNVERIFIED = (
    "This number could not be verified with this access token: check the phone number id in Meta's "
    "WhatsApp Manager and that the token's system user may use it."
)
GRAPH_UNREACHABLE = "Meta could not be reached to verify the number. Try again in a minute."
ADDRESS_UNVERIFIED = "This address could not be verified: the link is wrong or has expired."
_SALT = "onboarding.email-binding"
CONFIRMATION_MAIL_TASK = "onboarding.send_address_confirmation"


def verify_whatsapp_number(property_: Property, phone_number_id: str, access_token: str) -> dict[str, object]:
    """Meta's record of the number, read with `access_token`; raises the one refusal otherwise.

    The Graph call comes first, also for a number another property holds, so "taken" costs the same
    time and gets the same words as "unknown" or "not this token's".
    """
    try:
        with WhatsAppAdapter.from_settings(phone_number_id, access_token, schema=property_.schema_name) as adapter:
            record = adapter.phone_number()
    except whatsapp_errors.Transient as exc:
        raise ValidationError({"phone_number_id": GRAPH_UNREACHABLE}) from exc
    except whatsapp_errors.WhatsAppError as exc:
        raise ValidationError({"phone_number_id": NUMBER_UNVERIFIED}) from exc
    if WhatsAppBinding.objects.filter(phone_number_id=phone_number_id).exclude(property=property_).exists():
        raise ValidationError({"phone_number_id": NUMBER_UNVERIFIED})
    return record


# --- Inbound e-mail -------------------------------------------------------------------------------


def own_domain(property_: Property) -> str:
    return f"{property_.slug}.{settings.INBOUND_EMAIL_DOMAIN}".lower()


def is_own_address(property_: Property, address: str) -> bool:
    return address.lower().rpartition("@")[2] == own_domain(property_)


def _in_inbound_domain(address: str) -> bool:
    """Whether the address is in some property's inbound subdomain (ours routes it to that property)."""
    return address.lower().rpartition("@")[2].endswith(f".{settings.INBOUND_EMAIL_DOMAIN}".lower())


def taken_elsewhere(property_: Property, address: str) -> bool:
    return EmailBinding.objects.filter(address=address.lower()).exclude(property=property_).exists()


def confirmation_link(pending: PendingEmailBinding, request: HttpRequest | None = None) -> str:
    """The link on the property's host: with the asking request's scheme and port when there is one
    (":8000" in development, as invitation links), else STAFF_URL_TEMPLATE's."""
    property_ = pending.property
    token = signing.dumps(
        {"p": property_.pk, "a": pending.address, "n": pending.from_name, "k": pending.nonce}, salt=_SALT, compress=True
    )
    return f"{property_origin(property_.slug, request)}/email-addresses/confirm/{token}/"


def request_verification(
    property_: Property,
    address: str,
    from_name: str,
    request: HttpRequest | None = None,
    *,
    requested_by: User | None = None,
) -> PendingEmailBinding:
    """Store the address as pending (a second request for it renews it: new link, new expiry) and mail a
    confirmation link to it, unless it is another property's: then nothing is sent, and the caller sees the
    same pending address. The mail goes from the worker (queued on commit), never from the request: an SMTP
    round trip only for free addresses would tell a squatter which are taken."""
    address = address.lower()
    with transaction.atomic():
        pending, _ = PendingEmailBinding.objects.select_for_update().update_or_create(
            property=property_,
            address=address,
            defaults={
                "from_name": from_name,
                "requested_by": requested_by,
                "requested_at": timezone.now(),
                "expires_at": timezone.now() + dt.timedelta(hours=settings.EMAIL_BINDING_LINK_HOURS),
                "nonce": new_nonce(),
            },
        )
        if not taken_elsewhere(property_, address) and not _in_inbound_domain(address):
            link = confirmation_link(pending, request)
            hours = settings.EMAIL_BINDING_LINK_HOURS
            subject = f"Confirm {address} for {property_.name} on Nocturn AI"
            body = (
                f"{property_.name} asked Nocturn AI to answer guests' e-mails sent to {address}.\n\n"
                f"If this is your hotel's address, confirm it here (valid for {hours} hours):\n{link}\n\n"
                "If you did not ask for this, ignore this message: nothing changes.\n"
            )
            enqueue_on_commit(CONFIRMATION_MAIL_TASK, args=[address, subject, body])
    return pending


def pending_addresses(property_: Property) -> list[PendingEmailBinding]:
    """The property's addresses waiting for their link; those past their expiry are dropped here."""
    PendingEmailBinding.objects.filter(property=property_, expires_at__lte=timezone.now()).delete()
    return list(PendingEmailBinding.objects.filter(property=property_).select_related("requested_by"))


def pending_address(property_: Property, pending_id: int) -> PendingEmailBinding:
    """One of the property's pending addresses; 404 for another property's, or an expired one."""
    pending = PendingEmailBinding.objects.filter(
        pk=pending_id, property=property_, expires_at__gt=timezone.now()
    ).first()
    if pending is None:
        raise Http404("No such pending address.")
    return pending


def cancel_verification(pending: PendingEmailBinding) -> None:
    """Drop a pending address: the link already mailed confirms nothing any more."""
    pending.delete()


def read_confirmation(property_: Property, token: str) -> PendingEmailBinding:
    """The pending address a link confirms for this property; raises the one refusal otherwise (a bad or old
    link, a cancelled or expired request, an address another property bound meanwhile)."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.EMAIL_BINDING_LINK_HOURS * 3600)
    except signing.BadSignature as exc:
        raise ValidationError(ADDRESS_UNVERIFIED) from exc
    if not isinstance(data, dict) or data.get("p") != property_.pk or not isinstance(data.get("a"), str):
        raise ValidationError(ADDRESS_UNVERIFIED)
    pending = PendingEmailBinding.objects.filter(
        property=property_, address=data["a"], nonce=str(data.get("k") or ""), expires_at__gt=timezone.now()
    ).first()
    if pending is None or taken_elsewhere(property_, pending.address):
        raise ValidationError(ADDRESS_UNVERIFIED)
    return pending
