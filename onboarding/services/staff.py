"""Staff of a property: invitations by e-mail, roles, removal. A property never loses its last manager."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from core import audit
from onboarding.models import Invitation, hash_token, new_token
from properties.models import Membership, Property, Role, User
from properties.permissions import MANAGERS, allows


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    token: str  # only ever in the e-mail's link; the database keeps its hash


def _require_manager(actor: User, property_: Property) -> None:
    if not allows(actor, property_, MANAGERS):
        raise PermissionDenied("Only the property's managers manage its staff.")


def invite(
    property_: Property,
    email: str,
    role: str,
    *,
    actor: User,
    accept_url: str,
    request: HttpRequest | None = None,
) -> SentInvitation:
    """Invite `email` as `role`; the e-mail with the link leaves once the invitation is committed.

    `accept_url` has a `{token}` placeholder (the view builds it on the property's host).
    Managers invite agents and viewers; only platform admins invite managers. Inviting an address
    again replaces its pending invitation (the old link stops working).
    """
    _require_manager(actor, property_)
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid e-mail address."}) from None
    if role not in Role.values:
        raise ValidationError({"role": "Unknown role."})
    if role == Role.MANAGER and not actor.is_superuser:
        raise ValidationError({"role": "Managers invite agents and viewers; ask a platform admin for a manager."})
    if Membership.objects.filter(property=property_, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of {property_.name}."})
    token = new_token()
    with transaction.atomic():
        now = timezone.now()
        Invitation.objects.filter(
            property=property_, email=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            property=property_, email=email, role=role, token_hash=hash_token(token), invited_by=actor
        )
        audit.By(actor, property_, request).record("staff.invited", "invitation", invitation.pk, {"role": role})
        link = accept_url.format(token=token)
        transaction.on_commit(
            lambda: send_mail(
                f"You are invited to {property_.name} on Nocturn AI",
                f"{actor.email} invited you to join {property_.name} as {Role(role).label.lower()}.\n\n"
                f"Accept and choose your password here (valid for 7 days):\n{link}\n",
                None,
                [email],
            )
        )
    return SentInvitation(invitation, token)


def invitation_for(property_: Property, token: str) -> Invitation | None:
    """The open invitation of this property with this token, else None (expired, used, or another property's)."""
    invitation = Invitation.objects.filter(property=property_, token_hash=hash_token(token)).first()
    return invitation if invitation is not None and invitation.is_open() else None


def accept(property_: Property, token: str, password: str, *, request: HttpRequest | None = None) -> User:
    """Join the property. A new account gets `password`; an existing account must confirm its own password."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().filter(property=property_, token_hash=hash_token(token)).first()
        )
        if invitation is None or not invitation.is_open():
            raise ValidationError("This invitation has expired or was already used.")
        user = User.objects.filter(email__iexact=invitation.email).first()
        if user is None:
            candidate = User(email=invitation.email)
            validate_password(password, candidate)
            user = User.objects.create_user(invitation.email, password)
        elif not user.check_password(password):
            raise ValidationError({"password": "This address already has an account: enter its password."})
        try:
            with transaction.atomic():
                Membership.objects.create(user=user, property=property_, role=invitation.role)
        except IntegrityError:
            raise ValidationError("This account is already a member of the property.") from None
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit.By(user, property_, request).record("staff.joined", "membership", user.pk, {"role": invitation.role})
    return user


def _locked_membership(property_: Property, membership_id: int) -> Membership:
    # Every manager row of the property is locked too, so two managers demoting each other at once
    # cannot both succeed and leave nobody in charge.
    list(Membership.objects.select_for_update().filter(property=property_, role=Role.MANAGER))
    membership = Membership.objects.select_for_update().filter(property=property_, pk=membership_id).first()
    if membership is None:
        raise Membership.DoesNotExist
    return membership


def _is_last_manager(membership: Membership) -> bool:
    return (
        membership.role == Role.MANAGER
        and not Membership.objects.filter(property_id=membership.property_id, role=Role.MANAGER)
        .exclude(pk=membership.pk)
        .exists()
    )


def _require_power_over(actor: User, membership: Membership) -> None:
    """Only platform admins appoint managers, so only they demote or remove one; a manager may step down."""
    if membership.role == Role.MANAGER and membership.user_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied("Only a platform admin may demote or remove another manager.")


def change_role(
    property_: Property, membership_id: int, role: str, *, actor: User, request: HttpRequest | None = None
) -> Membership:
    _require_manager(actor, property_)
    if role not in Role.values:
        raise ValidationError({"role": "Unknown role."})
    with transaction.atomic():
        membership = _locked_membership(property_, membership_id)
        _require_power_over(actor, membership)
        if role == Role.MANAGER and membership.role != Role.MANAGER and not actor.is_superuser:
            raise ValidationError({"role": "Only a platform admin makes someone a manager."})
        if role != Role.MANAGER and _is_last_manager(membership):
            raise ValidationError({"role": "This is the property's last manager; make someone else manager first."})
        before, membership.role = membership.role, role
        membership.save(update_fields=["role"])
        if before != role:
            audit.By(actor, property_, request).record(
                "staff.role_changed", "membership", membership.pk, {"from": before, "to": role}
            )
    return membership


def remove(property_: Property, membership_id: int, *, actor: User, request: HttpRequest | None = None) -> None:
    _require_manager(actor, property_)
    with transaction.atomic():
        membership = _locked_membership(property_, membership_id)
        _require_power_over(actor, membership)
        if _is_last_manager(membership):
            raise ValidationError("This is the property's last manager and cannot be removed.")
        membership.delete()
        audit.By(actor, property_, request).record(
            "staff.removed", "membership", membership_id, {"role": membership.role}
        )


def members(property_: Property) -> list[Membership]:
    return list(Membership.objects.filter(property=property_).select_related("user").order_by("user__email"))


def pending_invitations(property_: Property) -> list[Invitation]:
    now = timezone.now()
    return [
        i
        for i in Invitation.objects.filter(property=property_, accepted_at__isnull=True, revoked_at__isnull=True)
        if i.expires_at > now
    ]
