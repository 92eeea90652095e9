"""Thin views of the staff dashboard (property host). Reads are for every member; writes (POST) only for
managers and agents: viewers get pages without forms, and a 403 if they post anyway."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from conversations import handoff
from conversations.models import Conversation
from conversations.services import conversation_for, inbox, unanswered_after_hours
from core import audit
from core.audit import AuditAction
from knowledge.models import KnowledgeItem
from leads.models import STATUS_TRANSITIONS, Intent, Lead, LeadStatus, Priority, Verdict
from leads.services.export import leads_csv
from leads.services.leads import (
    LeadChanges,
    LeadError,
    record_review,
    rubric_agreement_rate,
    undo_rescore,
    update_lead,
)
from leads.services.queries import lead_filter, lead_for, open_after_hours_leads, pending_reviews
from leads.services.reviews import INTENTS, REVIEWED_FIELDS, corrections_from, field_agreement
from leads.services.rubric import readable_breakdown
from properties.permissions import MANAGERS, READERS, WRITERS, request_allows, served_property, staff_page


def _can_write(request: HttpRequest) -> bool:
    return request_allows(request, WRITERS)


# --- Inbox ---------------------------------------------------------------------------------------


@staff_page(READERS)
def home(request: HttpRequest) -> HttpResponse:
    """The staff home page (/ on a property's host) is the live inbox."""
    return render(request, "dashboard/inbox.html", {"rows": inbox(request.user.pk)})


@staff_page(READERS)
def inbox_list(request: HttpRequest) -> HttpResponse:
    """The inbox's list alone: the page's script swaps it in when a live event arrives."""
    return render(request, "dashboard/_inbox_list.html", {"rows": inbox(request.user.pk)})


# --- Conversation ------------------------------------------------------------------------------


def _messages_context(conversation: Conversation) -> dict[str, Any]:
    messages = list(conversation.messages.order_by("id"))
    item_ids = {k.get("item_id") for m in messages for k in (m.metadata or {}).get("knowledge", [])}
    titles = dict(KnowledgeItem.objects.filter(pk__in=item_ids).values_list("pk", "title")) if item_ids else {}
    for m in messages:
        meta = m.metadata or {}
        m.used_knowledge = [
            {**k, "title": k.get("title") or titles.get(k.get("item_id"), f"item {k.get('item_id')}")}
            for k in meta.get("knowledge", [])
        ]
        m.confidence = meta.get("confidence")
    return {"conversation": conversation, "messages": messages, "episode": handoff.open_episode(conversation.pk)}


@staff_page(READERS)
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    item = conversation_for(conversation_id)
    handoff.mark_read(item.pk, user_id=request.user.pk)
    return render(request, "dashboard/conversation.html", {**_messages_context(item), "can_write": _can_write(request)})


@staff_page(READERS)
def conversation_messages(request: HttpRequest, conversation_id: int) -> HttpResponse:
    item = conversation_for(conversation_id)
    handoff.mark_read(item.pk, user_id=request.user.pk)
    return render(
        request, "dashboard/_conversation_live.html", {**_messages_context(item), "can_write": _can_write(request)}
    )


def _action(request: HttpRequest, conversation_id: int, run: Callable[[int], Any]) -> HttpResponse:
    item = conversation_for(conversation_id)
    try:
        run(item.pk)
    except handoff.HandoffError as exc:
        flash.error(request, str(exc))
    return redirect("dashboard:conversation", conversation_id=item.pk)


@staff_page(WRITERS)
@require_POST
def conversation_takeover(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _action(request, conversation_id, lambda pk: handoff.take_over(pk, user_id=request.user.pk))


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
    return render(
        request,
        "dashboard/lead.html",
        {
            "lead": lead,
            "allowed_statuses": allowed,
            "rubric_summary": rubric_summary,
            "rubric_rows": rubric_rows,
            "can_write": _can_write(request),
            "conversations": lead.conversations.order_by("-last_message_at"),
        },
    )


@staff_page(WRITERS)
@require_POST
def lead_update(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_for(lead_id)
    status = request.POST.get("status") or None
    value: Decimal | None = None
    if request.POST.get("converted_value"):
        try:
            value = Decimal(request.POST["converted_value"])
        except InvalidOperation:
            flash.error(request, "The converted value must be a number.")
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
    return render(
        request,
        "dashboard/after_hours.html",
        {"leads": open_after_hours_leads(), "conversations": unanswered_after_hours()},
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
