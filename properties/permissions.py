"""DRF permissions and the one lookup helper for property-scoped API resources."""

from __future__ import annotations

from django.http import Http404
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from properties.models import Membership, Property, Role, User


def property_for_user(user: User, property_id: int | str, roles: set[str] | None = None) -> Property:
    """The property `property_id` if `user` may act on it with one of `roles`, else 404.

    A 404 (not 403) so that staff of one property cannot even learn that another exists.
    """
    try:
        property_ = Property.objects.exclude(schema_name="public").get(pk=int(property_id))
    except (Property.DoesNotExist, ValueError, TypeError):
        raise Http404("No such property.") from None
    if user.is_superuser:
        return property_
    membership = Membership.objects.filter(user=user, property=property_).first()
    if membership is None or (roles is not None and membership.role not in roles):
        raise Http404("No such property.")
    return property_


class IsPropertyMember(BasePermission):
    """On a property's host: members only; viewers may only read."""

    message = "You are not a member of this property."

    def has_permission(self, request: Request, view: APIView) -> bool:
        from properties.auth import current_role

        user = request.user
        if not (user and user.is_authenticated):
            return False
        if user.is_superuser:
            return True
        role = current_role(user)
        if role is None:
            return False
        return request.method in SAFE_METHODS or role != Role.VIEWER
