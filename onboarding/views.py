"""Pages: the onboarding wizard, the settings page and staff management (a property's host, its managers
and platform admins), the invitation accept page (anyone with the link), and the new-property page
(public host, platform admins). Thin: every write is one call to a service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_tenants.utils import schema_context

from conversations.views import public_base_url
from knowledge.forms import UploadForm
from knowledge.models import IngestionJob, KnowledgeItem
from knowledge.services.upload import keep_preview, recent_jobs, summary, take_preview
from onboarding.forms import AcceptForm, InviteForm, RoleForm
from onboarding.services import bindings, staff, wizard
from onboarding.services.settings import (
    SECTIONS,
    SettingsInvalid,
    build_form,
    confirm_suggested_room_rates,
    rotate_property_key,
    suggested_room_rates,
    update_settings,
    usable_keys,
)
from properties.models import Membership, PendingEmailBinding, Property, Role, User
from properties.permissions import MANAGERS, served_property, staff_page
from properties.services import NewProperty, property_origin

# The wizard, the settings and staff management: the property's managers and platform admins.
manager = staff_page(MANAGERS)


def _property() -> Property:
    """The property whose host serves these pages (they are routed on property hosts only)."""
    property_ = served_property()
    if property_ is None:
        raise Http404("This page lives on a property's host.")
    return property_


def _onto_form(form: BaseForm, exc: ValidationError, other: str | None = None) -> None:
    """A service's refusal shown on the form: each message on its field, or on `other` (None: the form's own
    errors, above its fields) when the form has no such field or the refusal names none."""
    for field, errors in (exc.message_dict if hasattr(exc, "error_dict") else {other: exc.messages}).items():
        for error in errors:
            form.add_error(field if field in form.fields else other, error)


def _flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    for field, errors in (exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}).items():
        for error in errors:
            messages.error(request, f"{field}: {error}" if field and field != "__all__" else error)


# --- Wizard ----------------------------------------------------------------------------------------


@manager
def wizard_home(request: HttpRequest) -> HttpResponse:
    return redirect("onboarding:step", step=wizard.next_step(_property()))


def _step_context(request: HttpRequest, property_: Property, step: str) -> dict[str, Any]:
    return {
        "step": step,
        "steps": [(s, wizard.STEP_TITLES[s]) for s in wizard.STEPS],
        "checklist": wizard.checklist(property_),
        "progress": wizard.progress_of(property_),
        "property": property_,
    }


@manager
def wizard_step(request: HttpRequest, step: str) -> HttpResponse:
    if step not in wizard.STEPS:
        raise Http404
    property_ = _property()
    context = _step_context(request, property_, step)
    handler = _STEP_HANDLERS[step]
    response = handler(request, property_, context)
    if response is not None:
        return response
    context["checklist"] = wizard.checklist(property_)  # what the POST just changed
    return render(request, f"onboarding/step_{step}.html", context)


def _bound(form_class: type, request: HttpRequest, initial: dict[str, Any]) -> Any:
    return form_class(request.POST) if request.method == "POST" else form_class(initial=initial)


def _details(request: HttpRequest, property_: Property, context: dict[str, Any]) -> HttpResponse | None:
    initial = {f: getattr(property_, f) for f in ("name", "timezone", "country", "notification_email", "website")}
    form = _bound(wizard.DetailsForm, request, initial)
    if request.method == "POST":
        try:
            wizard.save_details(property_, request.POST, actor=request.user, request=request)
        except ValidationError:
            form.is_valid()
        else:
            messages.success(request, "Details saved.")
            return redirect("onboarding:step", step="hours")
    context["form"] = form
    return None


def _hours(request: HttpRequest, property_: Property, context: dict[str, Any]) -> HttpResponse | None:
    if request.method == "POST":
        data = request.POST.copy()
        data["timezone"] = property_.timezone
        try:
            wizard.save_hours(property_, data, actor=request.user, request=request)
        except SettingsInvalid:
            form = build_form("hours", property_, data)
            form.is_valid()
            context["form"] = form
            return None
        messages.success(request, "Operating hours saved.")
        return redirect("onboarding:step", step="channels")
    context["form"] = build_form("hours", property_)
    return None


def _channels(request: HttpRequest, property_: Property, context: dict[str, Any]) -> HttpResponse | None:
    binding = property_.whatsapp_bindings.order_by("-id").first()
    email = property_.email_bindings.order_by("-id").first()
    key = wizard.widget_key_of(property_)
    forms = {
        "whatsapp": wizard.WhatsAppForm(
            initial={
                "phone_number_id": binding.phone_number_id,
                "display_phone_number": binding.display_phone_number,
                "waba_id": binding.waba_id,
            }
            if binding
            else None  # fmt: skip
        ),
        "test": wizard.TestMessageForm(),
        "email": wizard.EmailForm(initial={"address": email.address, "from_name": email.from_name} if email else None),
        "widget": wizard.WidgetOriginsForm(initial={"allowed_origins": key.allowed_origins} if key else None),
    }
    action = request.POST.get("action", "")
    if request.method == "POST" and action in forms:
        save = {
            "whatsapp": wizard.save_whatsapp,
            "test": wizard.send_test_message,
            "email": wizard.save_email,
            "widget": wizard.save_widget,
        }[action]
        try:
            result = save(property_, request.POST, actor=request.user, request=request)
        except ValidationError as exc:
            form = type(forms[action])(request.POST)
            form.is_valid()
            for field, errors in exc.message_dict.items():
                if field in form.fields and field not in form.errors:
                    for error in errors:
                        form.add_error(field, error)
            forms[action] = form
        else:
            notes = {
                "whatsapp": "WhatsApp number connected. Now send yourself a test message.",
                "test": f"Test message sent (id {result}). Check your phone.",
                "email": "Inbound e-mail address saved."
                if not isinstance(result, PendingEmailBinding)
                else f"Pending verification: we sent a link to {result.address}; the address works once it is opened.",
                "widget": "Widget key saved: paste the snippet into the hotel's website.",
            }
            messages.success(request, notes[action])
            return redirect("onboarding:step", step="channels")
    key = wizard.widget_key_of(property_)
    context.update(
        forms=forms,
        binding=property_.whatsapp_bindings.order_by("-id").first(),
        email_binding=email,
        widget_key=key,
        snippet=wizard.snippet(key, public_base_url(request)) if key else "",
    )
    return None


def _knowledge(request: HttpRequest, property_: Property, context: dict[str, Any]) -> HttpResponse | None:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and request.POST.get("token"):
        kept = take_preview(request.session, request.POST["token"])
        if kept is None:
            messages.error(request, "This preview has expired or was already saved; upload the file again.")
            return redirect("onboarding:step", step="knowledge")
        try:
            saved = wizard.knowledge_save(property_, kept.items, kept.source, actor=request.user, request=request)
        except ValidationError as exc:
            _flash_errors(request, exc)
            return redirect("onboarding:step", step="knowledge")
        messages.success(request, saved["summary"])
        return redirect("onboarding:step", step="knowledge")
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            preview = wizard.knowledge_preview(
                property_,
                upload.name,
                upload.read(),
                category=form.cleaned_data["category"],
                language=form.cleaned_data["language"],
                actor=request.user,
                request=request,
            )
        except ValidationError as exc:
            form.add_error("file", exc.message_dict["file"])
        else:
            if isinstance(preview, IngestionJob):  # read by the worker: the jobs list below follows it
                messages.info(request, summary(preview))
                return redirect("onboarding:step", step="knowledge")
            token = keep_preview(request.session, preview)
            context.update(plan=preview.plan, token=token, source=preview.source)
    with schema_context(property_.schema_name):
        context["items"] = list(KnowledgeItem.objects.order_by("category", "title")[:200])
        context["jobs"] = recent_jobs()
    context["suggested_rates"] = suggested_room_rates(property_)
    context["form"] = form
    return None


def _try(request: HttpRequest, property_: Property, context: dict[str, Any]) -> HttpResponse | None:
    question = request.POST.get("question", "") if request.method == "POST" else ""
    if request.method == "POST":
        try:
            context["answer"] = wizard.try_question(property_, question)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
    context["question"] = question
    return None


def _live(request: HttpRequest, property_: Property, context: dict[str, Any]) -> HttpResponse | None:
    if request.method == "POST":
        try:
            wizard.go_live(property_, actor=request.user, request=request)
        except ValidationError as exc:
            _flash_errors(request, exc)
        else:
            messages.success(request, f"{property_.name} is live.")
        return redirect("onboarding:step", step="live")
    context["missing"] = wizard.missing(property_)
    key = wizard.widget_key_of(property_)
    context["snippet"] = wizard.snippet(key, public_base_url(request)) if key else ""
    return None


_STEP_HANDLERS: dict[str, Callable[[HttpRequest, Property, dict[str, Any]], HttpResponse | None]] = {
    "details": _details,
    "hours": _hours,
    "channels": _channels,
    "knowledge": _knowledge,
    "try": _try,
    "live": _live,
}


# --- Settings --------------------------------------------------------------------------------------


def _settings_page(request: HttpRequest, property_: Property, bound: dict[str, Any] | None = None) -> HttpResponse:
    bound = bound or {}
    with schema_context(property_.schema_name):
        sections = [(name, s.title, bound.get(name) or build_form(name, property_)) for name, s in SECTIONS.items()]
    return render(
        request,
        "onboarding/settings.html",
        {
            "sections": sections,
            "keys": usable_keys(property_),
            "email_bindings": property_.email_bindings.order_by("address"),
            "pending_addresses": bindings.pending_addresses(property_),
            "suggested_rates": suggested_room_rates(property_),
            "property": property_,
        },
        status=400 if bound else 200,
    )


@manager
def settings_page(request: HttpRequest) -> HttpResponse:
    return _settings_page(request, _property())


@manager
@require_POST
def settings_section(request: HttpRequest, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404
    property_ = _property()
    data = request.POST.dict()
    data.pop("csrfmiddlewaretoken", None)
    try:
        update_settings(property_, {section: data}, actor=request.user, request=request, partial=False)
    except SettingsInvalid:
        with schema_context(property_.schema_name):
            form = build_form(section, property_, request.POST)
            form.is_valid()
        messages.error(request, f"{SECTIONS[section].title}: not saved, see the errors below.")
        return _settings_page(request, property_, {section: form})
    messages.success(request, f"{SECTIONS[section].title}: saved.")
    return redirect(reverse("onboarding:settings") + f"#{section}")


@manager
@require_POST
def confirm_room_rates(request: HttpRequest) -> HttpResponse:
    rates = confirm_suggested_room_rates(_property(), actor=request.user, request=request)
    if rates:
        messages.success(request, f"Room rates saved from the knowledge base: {', '.join(r['name'] for r in rates)}.")
    else:
        messages.error(request, "No rates to confirm: the rate table is already filled, or the knowledge states none.")
    return redirect(reverse("onboarding:settings") + "#leads")


@manager
@require_POST
def pending_email_address(request: HttpRequest, pending_id: int, action: str) -> HttpResponse:
    """Resend the link of a pending inbound address (a new link and expiry; older links stop working) or cancel it."""
    property_ = _property()
    pending = bindings.pending_address(property_, pending_id)  # 404 for another property's
    if action == "resend":
        wizard.request_email_verification(
            property_, pending.address, pending.from_name, actor=request.user, request=request
        )
        messages.success(request, f"A new link was sent to {pending.address}; the earlier one no longer works.")
    elif action == "cancel":
        wizard.cancel_email_verification(property_, pending, actor=request.user, request=request)
        messages.success(request, f"{pending.address}: the request is cancelled; its link no longer works.")
    else:
        raise Http404
    return redirect(reverse("onboarding:settings") + "#inbound-email")


@manager
@require_POST
def rotate_key(request: HttpRequest, key_id: int) -> HttpResponse:
    property_ = _property()
    try:
        rotated = rotate_property_key(property_, key_id, actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("onboarding:settings") + "#widget")
    if rotated is None:
        raise Http404("No such widget key.")
    _, new = rotated
    messages.success(request, f"New key {new.public_key}; the old one keeps working for 24 hours.")
    return redirect(reverse("onboarding:settings") + "#widget")


# --- Staff -----------------------------------------------------------------------------------------


@manager
def staff_page(request: HttpRequest) -> HttpResponse:
    property_ = _property()
    form = InviteForm(request.POST or None, allow_manager=request.user.is_superuser)
    if request.method == "POST" and form.is_valid():
        accept_url = request.build_absolute_uri("/invitations/") + "{token}/"
        try:
            staff.invite(
                property_,
                form.cleaned_data["email"],
                form.cleaned_data["role"],
                actor=request.user,
                accept_url=accept_url,
                request=request,
            )
        except ValidationError as exc:
            _onto_form(form, exc)
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("onboarding:staff")
    return render(
        request,
        "onboarding/staff.html",
        {
            "form": form,
            "members": staff.members(property_),
            "invitations": staff.pending_invitations(property_),
            "roles": Role.choices,
            "property": property_,
        },
    )


@manager
@require_POST
def staff_member(request: HttpRequest, membership_id: int, action: str) -> HttpResponse:
    property_ = _property()
    try:
        if action == "remove":
            staff.remove(property_, membership_id, actor=request.user, request=request)
            messages.success(request, "Member removed.")
        elif action == "role":
            form = RoleForm(request.POST)
            if not form.is_valid():
                raise ValidationError({"role": "Choose a role."})
            staff.change_role(property_, membership_id, form.cleaned_data["role"], actor=request.user, request=request)
            messages.success(request, "Role changed.")
        else:
            raise Http404
    except Membership.DoesNotExist:
        raise Http404("No such member.") from None
    except ValidationError as exc:
        _flash_errors(request, exc)
    return redirect("onboarding:staff")


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Open to anyone holding the link; the token decides. A new account chooses its password here."""
    property_ = _property()
    invitation = staff.invitation_for(property_, token)
    if invitation is None:
        return render(request, "onboarding/accept.html", {"expired": True, "property": property_}, status=404)
    existing = User.objects.filter(email__iexact=invitation.email).exists()
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["password"]
        if not existing and password != form.cleaned_data["password2"]:
            form.add_error("password2", "The two passwords differ.")
        else:
            try:
                user = staff.accept(property_, token, password, request=request)
            except ValidationError as exc:
                _onto_form(form, exc, other="password")
            else:
                login(request, user, backend="properties.auth.PropertyMemberBackend")
                messages.success(request, f"Welcome to {property_.name}.")
                return redirect("dashboard:home")
    return render(
        request,
        "onboarding/accept.html",
        {"form": form, "invitation": invitation, "existing": existing, "property": property_},
    )


def confirm_email_address(request: HttpRequest, token: str) -> HttpResponse:
    """Open to anyone holding the link mailed to the address: reading that mailbox is the proof.

    Opening the link only shows a button; the POST binds. Mail scanners that fetch every link
    therefore confirm nothing by themselves.
    """
    property_ = _property()
    context: dict[str, Any] = {"property": property_, "token": token}
    try:
        context["address"] = bindings.read_confirmation(property_, token).address
        if request.method == "POST":
            actor = request.user if request.user.is_authenticated else None
            context["bound"] = wizard.confirm_email(property_, token, actor=actor, request=request)
    except ValidationError as exc:
        return render(request, "onboarding/confirm_email.html", {**context, "error": exc.messages[0]}, status=404)
    return render(request, "onboarding/confirm_email.html", context)


# --- Public host: a new property ------------------------------------------------------------------


def new_property(request: HttpRequest) -> HttpResponse:
    """Platform admins create a property here (the same service as `manage.py create_property`)."""
    if not request.user.is_authenticated:
        return redirect(f"/admin/login/?next={request.path}")
    if not request.user.is_superuser:
        raise PermissionDenied("Only platform admins create properties.")
    form = wizard.NewPropertyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            property_ = wizard.create_for_onboarding(
                NewProperty(**form.cleaned_data), actor=request.user, request=request
            )
        except ValidationError as exc:
            _onto_form(form, exc)
        else:
            # Back to this origin first: the pages' CSP (form-action 'self') stops a form post from being
            # redirected to another host, and the wizard lives on the new property's own host.
            return HttpResponseRedirect(f"{request.path}?created={property_.pk}")
    # The id this page redirected to after creating; anything else in the link (edited by hand) shows no property.
    created_id = request.GET.get("created", "")
    created = (
        Property.objects.filter(pk=int(created_id)).exclude(schema_name="public").first()
        if created_id.isascii() and created_id.isdigit()
        else None
    )
    wizard_url = f"{property_origin(created.slug, request)}/onboarding/" if created is not None else ""
    return render(request, "onboarding/new_property.html", {"form": form, "created": created, "wizard_url": wizard_url})
