"""The gap inbox's pages on a property's host: the list, one gap (answer, dismiss, the check, follow-ups).

Every member may read them; answering, dismissing and following up are for managers (others get the
pages without forms, and 403 if they post anyway). Thin: each calls one service of gaps.services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from conversations.models import Channel, Language
from gaps.models import DismissReason, GapStatus
from gaps.services import followups, inbox
from knowledge.models import Category
from properties.permissions import MANAGERS, READERS, request_allows, staff_page


@staff_page(READERS)
def gap_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", GapStatus.OPEN)
    language = request.GET.get("language", "")
    channel = request.GET.get("channel", "")
    filters = {
        "status": status if status in GapStatus.values else GapStatus.OPEN,
        "language": language if language in Language.values else "",
        "channel": channel if channel in Channel.values else "",
    }
    rows = [(gap, inbox.examples(gap, 1)) for gap in inbox.gaps(**filters)[:200]]
    return render(
        request,
        "gaps/inbox.html",
        {
            "rows": rows,
            "filters": filters,
            "statuses": GapStatus.choices,
            "languages": Language.choices,
            "channels": Channel.choices,
        },
    )


@staff_page(READERS)
def gap_detail(request: HttpRequest, gap_id: int) -> HttpResponse:
    gap = inbox.gap_for(gap_id)
    context: dict[str, Any] = {
        "gap": gap,
        "examples": inbox.examples(gap),
        "can_write": request_allows(request, MANAGERS),
        "categories": Category.choices,
        "reasons": DismissReason.choices,
    }
    if gap.is_open:
        context["draft"] = inbox.draft_for(gap)
    else:
        context["checks"] = inbox.try_questions(gap) if gap.knowledge_item_ids else []
        context["check_passed"] = bool(context["checks"]) and all(c.found for c in context["checks"])
        context["waiting"] = followups.waiting_guests(gap) if gap.status == GapStatus.ANSWERED else []
    return render(request, "gaps/gap.html", context)


def _posted(request: HttpRequest, *names: str) -> dict[str, str]:
    """The form's text fields by name ("" for one left out): the services validate them."""
    return {name: request.POST.get(name, "") for name in names}


def _act(request: HttpRequest, gap_id: int, run: Callable[[], str]) -> HttpResponse:
    inbox.gap_for(gap_id)
    try:
        flash.success(request, run())
    except inbox.GapError as exc:
        flash.error(request, str(exc))
    except inbox.GapUnavailable as exc:
        flash.error(request, str(exc))
    return redirect("gaps:gap", gap_id)


@staff_page(MANAGERS)
@require_POST
def gap_answer(request: HttpRequest, gap_id: int) -> HttpResponse:
    def run() -> str:
        fields = _posted(request, "title", "category", "answer_en", "answer_ms")
        result = inbox.answer_gap(gap_id, user=request.user, **fields)
        return f"Answered: {len(result.item_ids)} knowledge item(s) saved and searchable."

    return _act(request, gap_id, run)


@staff_page(MANAGERS)
@require_POST
def gap_dismiss(request: HttpRequest, gap_id: int) -> HttpResponse:
    def run() -> str:
        fields = _posted(request, "reason", "note", "title")
        inbox.dismiss_gap(
            gap_id, user=request.user, write_knowledge=request.POST.get("write_knowledge") == "on", **fields
        )
        return "Dismissed."

    return _act(request, gap_id, run)


@staff_page(MANAGERS)
@require_POST
def gap_follow_up(request: HttpRequest, gap_id: int) -> HttpResponse:
    def run() -> str:
        result = followups.send_follow_ups(gap_id, user=request.user)
        return f"Sent to {len(result.sent)} guest(s); {len(result.already)} had it already."

    return _act(request, gap_id, run)
