"""Thin views of the staff dashboard (property host). Reads are for every member; writes (POST) only for
managers and agents: viewers get pages without forms, and a 403 if they post anyway."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from conversations import handoff
from conversations.handoff import desk
from conversations.models import (
    AiMode,
    Channel,
    Conversation,
    ConversationStatus,
    Language,
    SavedReply,
)
from conversations.services import (
    TEXT_SEARCH_WINDOW,
    InboxFilter,
    conversation_for,
    inbox,
    last_messages,
    unanswered_after_hours,
)
from conversations.staff_files import guest_file_response
from core import audit
from core.audit import AuditAction
from knowledge.models import KnowledgeItem
from leads.models import STATUS_TRANSITIONS, ConsentStatus, Intent, Lead, LeadStatus, Priority, Verdict
from leads.services.export import leads_csv
from leads.services.leads import (
    LeadChanges,
    LeadError,
    record_review,
    rubric_agreement_rate,
    staff_amount,
    undo_rescore,
    update_lead,
)
from leads.services.queries import (
    guests_named,
    lead_filter,
    lead_for,
    names_by_guest,
    open_after_hours_leads,
    pending_reviews,
)
from leads.services.reviews import INTENTS, REVIEWED_FIELDS, corrections_from, field_agreement
from leads.services.rubric import missing_in_words, readable_breakdown
from properties.permissions import MANAGERS, READERS, WRITERS, request_allows, served_property, staff_page
from properties.services import staff_names, writers_of


def _can_write(request: HttpRequest) -> bool:
    return request_allows(request, WRITERS)


# --- Inbox ---------------------------------------------------------------------------------------


INBOX_PAGE = 25


def _inbox_context(request: HttpRequest) -> dict[str, Any]:
    """One page of the inbox as filtered, each row with the guest's name, a preview, its holder and waits."""
    wanted = InboxFilter.from_params(request.GET)
    named = guests_named(wanted.q) if wanted.q else set()
    page = Paginator(inbox(request.user.pk, wanted, named), INBOX_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    previews = last_messages([c.pk for c in rows])
    holders = staff_names({c.holder_id for c in rows if c.holder_id})
    lead_names = names_by_guest({c.guest_id for c in rows})
    for c in rows:
        c.display_name = lead_names.get(c.guest_id) or str(c.guest)
        c.preview = previews.get(c.pk)
        c.holder_name = holders.get(c.holder_id, "")
    params = request.GET.copy()
    params.pop("page", None)
    return {
        "rows": rows,
        "page": page,
        "wanted": wanted,
        "query": params.urlencode(),
        "waiting": Conversation.objects.filter(ai_mode=AiMode.HANDOFF).count(),
        "statuses": ConversationStatus.choices,
        "channels": Channel.choices,
        "text_window": TEXT_SEARCH_WINDOW,
    }


@staff_page(READERS)
def home(request: HttpRequest) -> HttpResponse:
    """The staff home page (/ on a property's host) is the live inbox."""
    return render(request, "dashboard/inbox.html", _inbox_context(request))


@staff_page(READERS)
def next_waiting(request: HttpRequest) -> HttpResponse:
    """The guest who has waited longest for a person (the "next waiting" shortcut), else the inbox."""
    waiting = inbox(request.user.pk, InboxFilter()).filter(ai_mode=AiMode.HANDOFF).order_by("waiting_since")
    first = waiting.values_list("pk", flat=True).first()
    return redirect("dashboard:conversation", conversation_id=first) if first else redirect("dashboard:home")


@staff_page(READERS)
def waiting_count(request: HttpRequest) -> JsonResponse:
    """How many guests wait for a person: the tab title's count on every staff page."""
    return JsonResponse({"waiting": Conversation.objects.filter(ai_mode=AiMode.HANDOFF).count()})


@staff_page(READERS)
def missed_alerts(request: HttpRequest) -> JsonResponse:
    """The alerts a staff page raises once its socket listens, for what was said while it did not (the page
    loading, a dropped connection): the guests' unread messages in conversations this person holds, each as
    the live feed's own `message.new` payload."""
    unread = desk.unread_from_guests(request.user.pk)
    return JsonResponse({"alerts": [handoff.message_event(m, m.conversation) for m in unread]})


@staff_page(READERS)
def inbox_list(request: HttpRequest) -> HttpResponse:
    """The inbox's list alone (same filters and page): the page's script swaps it in when a live event arrives."""
    return render(request, "dashboard/_inbox_list.html", _inbox_context(request))


# --- Conversation ------------------------------------------------------------------------------


def _label(choices: type[models.TextChoices], value: Any) -> str:
    return choices(value).label if value in choices.values else str(value or "")


def _messages_context(conversation: Conversation, request: HttpRequest) -> dict[str, Any]:
    messages = list(conversation.messages.order_by("id").prefetch_related("attachments"))
    item_ids = {k.get("item_id") for m in messages for k in (m.metadata or {}).get("knowledge", [])}
    titles = dict(KnowledgeItem.objects.filter(pk__in=item_ids).values_list("pk", "title")) if item_ids else {}
    for m in messages:
        meta = m.metadata or {}
        m.used_knowledge = [
            {**k, "title": k.get("title") or titles.get(k.get("item_id"), f"item {k.get('item_id')}")}
            for k in meta.get("knowledge", [])
        ]
        m.confidence = meta.get("confidence")
        m.delivery = meta.get("delivery")  # the outbox mirrors sent / delivered / read / failed onto the message
        m.files = [a for a in m.attachments.all() if a.storage_name]  # a voice note staff must hear, a photo
    senders = staff_names({m.sent_by_user_id for m in messages if m.sent_by_user_id})
    for m in messages:
        m.sender_name = senders.get(m.sent_by_user_id, "")
    notes = desk.notes_of(conversation.pk)
    for note in notes:
        note.role = "note"
    # One timeline: the transcript with the internal notes where they were written.
    timeline = sorted([*messages, *notes], key=lambda entry: entry.created_at)
    can_write = _can_write(request)
    episode = handoff.open_episode(conversation.pk)
    episode_lead = (episode.context.get("lead") if episode else None) or {}
    return {
        "conversation": conversation,
        # "thread", not "messages": that name is Django's flash messages in every template.
        "thread": timeline,
        "episode": episode,
        # The handoff's context keeps the stored values ("room_booking", "web"); staff read their labels.
        "episode_intent": _label(Intent, episode.context.get("intent")) if episode else "",
        "episode_channel": _label(Channel, episode.context.get("channel")) if episode else "",
        "episode_consent": _label(ConsentStatus, episode_lead.get("consent_status")),
        "holder": handoff.holder_of(conversation.pk),
        "can_write": can_write,
        "colleagues": writers_of(served_property()) if can_write else [],
        "saved_replies": desk.replies_for(conversation) if can_write else [],
    }


@staff_page(READERS)
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    item = conversation_for(conversation_id)
    handoff.mark_read(item.pk, user_id=request.user.pk)
    # The name the inbox shows (the one the guest gave), not "Guest 1203" for the same person.
    name = names_by_guest({item.guest_id}).get(item.guest_id) or str(item.guest)
    return render(request, "dashboard/conversation.html", {**_messages_context(item, request), "guest_name": name})


@staff_page(READERS)
def conversation_media(request: HttpRequest, conversation_id: int, attachment_id: int) -> HttpResponse:
    """A guest's file of this conversation (a voice note, a photo, a document), for the staff who read it."""
    return guest_file_response(
        conversation_id, attachment_id, request.headers.get("Range", ""), request.headers.get("If-Range", "")
    )


@staff_page(READERS)
def conversation_messages(request: HttpRequest, conversation_id: int) -> HttpResponse:
    item = conversation_for(conversation_id)
    handoff.mark_read(item.pk, user_id=request.user.pk)
    return render(request, "dashboard/_conversation_live.html", _messages_context(item, request))


def _action(request: HttpRequest, conversation_id: int, run: Callable[[int], Any]) -> HttpResponse:
    item = conversation_for(conversation_id)
    try:
        run(item.pk)
    except handoff.HandoffError as exc:
        flash.error(request, str(exc))
    if request.headers.get("X-Requested-With") == "fetch":
        # The page's script posted it: answer with the refreshed conversation (and any refusal) in place,
        # so the reply box stays where the person was typing.
        return render(request, "dashboard/_conversation_live.html", _messages_context(item, request))
    # Back where the action was taken: the actions and the composer, not the top of a long page.
    return redirect(reverse("dashboard:conversation", kwargs={"conversation_id": item.pk}) + "#actions")


@staff_page(WRITERS)
@require_POST
def conversation_takeover(request: HttpRequest, conversation_id: int) -> HttpResponse:
    take_from = _user_id(request.POST.get("take_from"))
    return _action(
        request, conversation_id, lambda pk: handoff.take_over(pk, user_id=request.user.pk, take_from=take_from)
    )


@staff_page(WRITERS)
@require_POST
def conversation_assign(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """To me or to a colleague; `take_from` when someone else holds it (the explicit takeover)."""
    conversation_for(conversation_id)  # 404 for an id outside this property before anything about the form
    to = request.user.pk if request.POST.get("to") == "me" else _user_id(request.POST.get("to"))
    if to is None:
        return HttpResponseBadRequest("Choose who should hold the conversation.")
    take_from = _user_id(request.POST.get("take_from"))
    return _action(
        request,
        conversation_id,
        lambda pk: handoff.assign(pk, user_id=request.user.pk, to_user_id=to, take_from=take_from),
    )


@staff_page(WRITERS)
@require_POST
def conversation_note(request: HttpRequest, conversation_id: int) -> HttpResponse:
    text = request.POST.get("text", "")
    return _action(request, conversation_id, lambda pk: desk.add_note(pk, user_id=request.user.pk, text=text))


def _user_id(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@staff_page(WRITERS)
@require_POST
def conversation_resolve(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _action(request, conversation_id, lambda pk: handoff.resolve(pk, user_id=request.user.pk))


@staff_page(WRITERS)
@require_POST
def conversation_handoff(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _action(
        request,
        conversation_id,
        lambda pk: handoff.begin_handoff(pk, trigger="manual", user_id=request.user.pk, tell_guest=True),
    )


@staff_page(WRITERS)
@require_POST
def conversation_reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    text = request.POST.get("text", "")
    return _action(request, conversation_id, lambda pk: handoff.staff_reply(pk, user_id=request.user.pk, text=text))


# --- Leads, after-hours recovery, reviews ----------------------------------------------------------


@staff_page(READERS)
def lead_list(request: HttpRequest) -> HttpResponse:
    wanted, _ = lead_filter(request.GET)  # a value that is not one of the choices is left out
    leads = wanted.apply(Lead.objects.select_related("guest")).order_by("-created_at", "-id")
    chosen = wanted.as_params()
    audit.record(AuditAction.LEAD_LIST, request=request, target_type="leads.lead", details={"filters": chosen})
    return render(
        request,
        "dashboard/leads.html",
        {
            "leads": leads[:200],
            "chosen": chosen,
            "statuses": LeadStatus.choices,
            "intents": Intent.choices,
            "priorities": Priority.choices,
            "can_export": request_allows(request, MANAGERS),
            "query": urlencode(chosen),
        },
    )


@staff_page(MANAGERS)  # every lead's contact details at once: the property's managers only
def lead_export(request: HttpRequest) -> HttpResponse:
    wanted, _ = lead_filter(request.GET)  # the page's filter: the same leads as the page shows
    leads = wanted.apply(Lead.objects.all()).order_by("-created_at", "-id")
    audit.record(AuditAction.LEAD_EXPORT, request=request, target_type="leads.lead",
                 details={"filters": wanted.as_params()})  # fmt: skip
    response = HttpResponse(leads_csv(leads.iterator(), served_property()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="leads.csv"'
    return response


@staff_page(READERS)
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_for(lead_id)
    audit.record(AuditAction.LEAD_VIEW, request=request, target_type="leads.lead", target_id=str(lead.pk))
    allowed = [(value, label) for value, label in LeadStatus.choices if value in STATUS_TRANSITIONS[lead.status]]
    rubric_summary, rubric_rows = readable_breakdown(lead.rubric_breakdown)
    conversations = list(lead.conversations.order_by("-last_message_at"))
    for c in conversations:  # who has the guest now: the person calling back, or nobody yet
        c.holder = handoff.holder_of(c.pk)
    return render(
        request,
        "dashboard/lead.html",
        {
            "lead": lead,
            "allowed_statuses": allowed,
            "rubric_summary": rubric_summary,
            "rubric_rows": rubric_rows,
            "missing": missing_in_words(lead.missing_fields),
            "can_write": _can_write(request),
            "conversations": conversations,
        },
    )


@staff_page(WRITERS)
@require_POST
def lead_update(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_for(lead_id)
    status = request.POST.get("status") or None
    value: Decimal | None = None
    if request.POST.get("converted_value", "").strip():
        value = staff_amount(request.POST["converted_value"], lead.currency)
        if value is None:
            example = f"1500, 1,500.50 or {lead.currency} 1,500"
            flash.error(request, f"The converted value must be an amount in {lead.currency}, such as {example}.")
            return redirect("dashboard:lead", lead_id=lead.pk)
    try:
        update_lead(
            lead.pk,
            LeadChanges(
                status=status if status != lead.status else None,
                notes=request.POST.get("notes", lead.notes)[:5000],
                converted_value=value,
            ),
        )
        flash.success(request, "Lead saved.")
    except LeadError as exc:
        flash.error(request, str(exc))
    return redirect("dashboard:lead", lead_id=lead.pk)


@staff_page(WRITERS)
@require_POST
def lead_undo_rescore(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_for(lead_id)
    try:
        undone = undo_rescore(lead.pk)
        flash.success(request, f"Re-scoring undone: score {undone.lead_score} again.")
    except LeadError as exc:
        flash.error(request, str(exc))
    return redirect("dashboard:lead", lead_id=lead.pk)


@staff_page(READERS)
def after_hours(request: HttpRequest) -> HttpResponse:
    """What came in while the team was offline and still needs a person: open leads first, then conversations."""
    conversations = list(unanswered_after_hours())
    names = names_by_guest({c.guest_id for c in conversations})  # the name the guest gave, as the inbox shows
    for c in conversations:
        c.display_name = names.get(c.guest_id) or str(c.guest)
    return render(
        request,
        "dashboard/after_hours.html",
        {"leads": open_after_hours_leads(), "conversations": conversations},
    )


@staff_page(READERS)
def reviews(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboard/reviews.html",
        {
            "pending": pending_reviews()[:200],
            "verdicts": Verdict.choices,
            "agreement": rubric_agreement_rate(),
            "weeks": field_agreement(),
            "fields": REVIEWED_FIELDS,
            "intents": INTENTS,
            "can_write": _can_write(request),
        },
    )


@staff_page(WRITERS)
@require_POST
def review_verdict(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_for(lead_id)
    corrected = corrections_from(request.POST)
    try:
        record_review(lead.pk, request.user, request.POST.get("verdict", ""), corrected,
                      comment=request.POST.get("comment", "")[:2000])  # fmt: skip
        flash.success(request, f"Verdict recorded for lead #{lead.pk}.")
    except LeadError as exc:
        flash.error(request, str(exc))
    return redirect("dashboard:reviews")


# --- Saved replies (managed from the settings page; picked with "/" in the composer) ---------------


@staff_page(READERS)
def saved_replies(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboard/saved_replies.html",
        {
            "replies": SavedReply.objects.all(),
            "languages": Language.choices,
            "can_manage": request_allows(request, MANAGERS),
        },
    )


@staff_page(MANAGERS)
@require_POST
def saved_reply_save(request: HttpRequest, reply_id: int | None = None) -> HttpResponse:
    post = request.POST
    fields = desk.SavedReplyFields(post.get("title", ""), post.get("language", ""), post.get("text", ""))
    if reply_id is not None:
        desk.saved_reply_for(reply_id)  # 404 before anything else for an id outside this property
    try:
        reply = desk.save_reply(fields, reply_id)
        flash.success(request, f"Saved reply {reply.title!r} ({reply.language}) saved.")
    except handoff.HandoffError as exc:
        flash.error(request, str(exc))
    return redirect("dashboard:saved-replies")


@staff_page(MANAGERS)
@require_POST
def saved_reply_delete(request: HttpRequest, reply_id: int) -> HttpResponse:
    desk.delete_reply(reply_id)
    flash.success(request, "Saved reply deleted.")
    return redirect("dashboard:saved-replies")
