"""Find a property's guests by phone or e-mail although both are encrypted: through the blind indexes."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from conversations.models import Guest


def find_guests(phone: str = "", email: str = "") -> QuerySet:
    """Guests of the active schema known by this phone (any form: E.164, wa_id, local) or e-mail.

    A guest may be known by the contact on their own row or by a channel identity (the WhatsApp
    wa_id, the mail sender): both are indexed the same way, so either finds them.
    """
    wanted = Q(pk__in=[])
    for value, field_name in ((phone, "phone"), (email, "email")):
        if value:
            wanted |= Q(**{field_name: value}) | Q(identities__external_id=value)
    return Guest.objects.filter(wanted).distinct()
