"""Who may see a property's figures: its managers and platform admins.

Revenue and response-time figures are commercial; agents and viewers get 403, and anyone who is
not a member of the property gets 404 (they must not even learn it exists).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from properties.models import Property, Role, User
from properties.permissions import property_for_user


def property_for_figures(user: User, property_id: int | str) -> Property:
    property_ = property_for_user(user, property_id)
    if not user.is_superuser and user.role_in(property_) != Role.MANAGER:
        raise PermissionDenied("Only the property's managers see its figures.")
    return property_
