"""Writes to leads: upsert from a conversation, staff updates, consent, the review queue.

Call these inside the property's schema (`schema_context(property.schema_name)`, a tenant task,
or a request on the property's host).

One guest, one open lead: a conversation joins the open lead (status new or contacted) of its
own guest, or of any guest with the same phone or e-mail (the WhatsApp guest who also writes by
e-mail is a different `Guest` row until the conversations app merges guests; we do not merge
Guest rows here, that is the conversations app's business). The lead keeps the guest it was
created for; the new conversation is linked through `LeadConversation`, and the lead is
re-extracted from the guest messages of *all* its conversations in time order, so the story
told on WhatsApp and completed by e-mail is read as one. A converted or lost lead is closed: the
next inquiry in a *new* conversation starts a new lead (a conversation already linked to a closed
lead keeps refreshing that lead's details; its status stays as staff left it). Concurrent upserts
for the same guest, phone or e-mail are serialised with transaction-scoped advisory locks, so two
channels arriving together cannot open two leads.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import structlog
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from conversations.models import Channel, Conversation, Guest, GuestIdentity, Message, MessageRole
from core import compiled
from leads.models import (
    OPEN_STATUSES,
    STATUS_TRANSITIONS,
    ConsentStatus,
    Intent,
    Lead,
    LeadConversation,
    LeadReview,
    LeadSettings,
    LeadStatus,
    ReviewStatus,
    Verdict,
)
from leads.services import catalogue, stay_value
from leads.services.extraction import ExtractionResult, GuestText, Signals, extract
from leads.services.reading import ModelOutcome, merged, model_reads, read_with_model
from leads.services.rubric import assess, expected_revenue
from leads.services.schema import ExtractedLead, ExtractionContext, validate_fields
from properties.models import Property, User
from properties.realtime import notify_staff
from properties.services import current_property

MAX_MESSAGES = 200  # the newest guest messages read per lead; a lead's story fits well within this
REVIEW_SAMPLE_EVERY = 10  # every tenth new lead is reviewed even when the rubric is confident
HISTORY_LENGTH = 20  # re-scorings remembered per lead (each one undoable, newest first)
log = structlog.get_logger(__name__)

# extracted field → Lead attribute
FIELD_MAP = {
    "name": "guest_name", "phone": "phone", "email": "email", "intent": "intent", "check_in": "check_in",
    "check_out": "check_out", "nights": "nights", "adults": "adults", "children": "children", "rooms": "rooms",
    "group_size": "group_size", "room_type": "room_type", "event_date": "event_date",
    "special_requests": "special_requests",
}  # fmt: skip


class LeadError(Exception):
    """A change to a lead that is not allowed; the message says why (shown to the caller)."""


def extraction_context(property_: Property, reference: dt.datetime | None = None) -> ExtractionContext:
    return ExtractionContext(
        reference=reference or timezone.now(),
        timezone=property_.timezone,
        country=property_.country or "MY",
        rooms=tuple(catalogue.room_options()),
    )


def _guest_texts(conversation_ids: list[int]) -> list[GuestText]:
    """The guest's messages, oldest first; a bare answer ("2") carries what it answered ("2 nights", its hint)."""
    if len(conversation_ids) == 1:  # every turn's upsert: the same rows, the statement compiled once per process
        rows = compiled.rows(_one_conversations_guest_messages, conversation_ids[0])
    else:
        rows = _guest_messages(Message.objects.filter(conversation_id__in=conversation_ids))
    texts = []
    for text, sent_at, metadata in reversed(rows):
        hint = (metadata or {}).get(HINT_KEY)
        texts.append(GuestText(f"{text}\n{hint}" if hint else text, sent_at))
    return texts


def _guest_messages(messages: QuerySet[Message]) -> QuerySet[Message]:
    """The guest's newest messages with their text, newest first."""
    return (
        messages.filter(role=MessageRole.GUEST)
        .exclude(content="")
        .order_by("-created_at", "-id")
        .values_list("content", "created_at", "metadata")[:MAX_MESSAGES]
    )


def _one_conversations_guest_messages(conversation_id: int) -> QuerySet[Message]:
    return _guest_messages(Message.objects.filter(conversation_id=conversation_id))


HINT_KEY = "lead_hint"


def add_answer_hint(conversation: Conversation, hint: str) -> None:
    """Note on the guest's latest message what its bare answer meant, so every later re-reading agrees."""
    message = Message.objects.filter(conversation=conversation, role=MessageRole.GUEST).order_by("-id").first()
    if message is not None:
        Message.objects.filter(pk=message.pk).update(metadata={**(message.metadata or {}), HINT_KEY: hint})


def channel_phone(guests: list[Guest]) -> str | None:
    """On WhatsApp the guest's number is known: their identity there is it (E.164)."""
    identities = GuestIdentity.objects.filter(guest__in=guests, channel=Channel.WHATSAPP).order_by("id")
    # Encrypted at rest: compared here, not in SQL.
    return next((number for number in identities.values_list("external_id", flat=True) if number[:1] == "+"), None)


def _lock(*keys: str) -> None:
    """Transaction-scoped advisory locks, taken in a fixed order so two writers cannot deadlock."""
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"leads:{connection.schema_name}:{key}"])


def _is_lead_worthy(result: ExtractionResult) -> bool:
    return result.fields.intent != Intent.GENERAL or bool(result.signals.booking_words)


def _after_hours(property_: Property, conversation: Conversation) -> bool:
    if conversation.is_after_hours:
        return True
    first = (
        Message.objects.filter(conversation=conversation, role=MessageRole.GUEST)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return not property_.is_open_at(first or conversation.started_at)


def _merged_fields(lead: Lead, result: ExtractionResult, guests: list[Guest]) -> ExtractedLead:
    """Extracted values fill the lead; what a person corrected (locked) stays; unknown never erases known."""
    extracted = result.fields.model_dump()
    for field_name, attribute in FIELD_MAP.items():
        if attribute in lead.locked_fields or field_name in lead.locked_fields:
            continue
        value = extracted[field_name]
        if field_name == "intent" and value == Intent.GENERAL and lead.intent != Intent.GENERAL:
            continue
        if value is not None:
            setattr(lead, attribute, value)
    # What the channels told us (a WhatsApp number, a mail sender) fills what the text did not.
    for guest in guests:
        lead.phone = lead.phone or guest.phone
        lead.email = lead.email or guest.email
        lead.guest_name = lead.guest_name or guest.name
    lead.phone = lead.phone or channel_phone(guests) or ""
    return lead_fields(lead)


def lead_fields(lead: Lead) -> ExtractedLead:
    values = {field_name: getattr(lead, attribute) or None for field_name, attribute in FIELD_MAP.items()}
    values["intent"] = lead.intent
    values["children"] = lead.children  # 0 children is a value
    return ExtractedLead.model_construct(**values)


def _scoring(lead: Lead) -> dict[str, Any]:
    """What a re-scoring may change, as JSON: kept in the lead's history so it can be undone."""
    money = {"booking_value": lead.booking_value, "estimated_value": lead.estimated_value}
    return {
        "score": lead.lead_score, "confidence": lead.confidence, "qualified": lead.is_qualified,
        "priority": lead.priority, "review_status": lead.review_status, "currency": lead.currency,
        **{name: None if value is None else str(value) for name, value in money.items()},
    }  # fmt: skip


def _score(
    lead: Lead,
    fields: ExtractedLead,
    signals: Signals,
    property_: Property,
    now: dt.datetime,
    model_confidence: float | None = None,
) -> None:
    settings = LeadSettings.cached()  # read only: the per-process copy (core.settings_cache)
    options = catalogue.room_options()
    rate = catalogue.nightly_rate(lead.room_type, settings, options)
    stay = None
    if rate is not None:
        stay = stay_value.price_stay(
            rate, lead.room_type, lead.check_in, lead.nights, lead.rooms, stay_value.stay_rules(), settings.currency
        )
    result = assess(
        fields,
        signals,
        is_after_hours=lead.is_after_hours,
        today=property_.local_now(now).date(),
        settings=settings,
        rooms=options,
        rate=rate,
        stay=stay,
    )
    lead.lead_score = result.score
    # A model's reading carries its own confidence; the rubric's stands when the rules read alone.
    lead.confidence = result.confidence if model_confidence is None else round(model_confidence, 2)
    if model_confidence is not None:
        result.breakdown["_summary"]["model_confidence"] = model_confidence
        result.needs_review = lead.confidence < settings.review_below_confidence
    lead.is_qualified = result.qualified
    if "priority" not in lead.locked_fields:  # a person's choice of priority outlives re-scoring
        lead.priority = result.priority
    # A value once known is never dropped because a rate is missing now (rates removed, a re-scoring
    # on a property that never had a rate table): unknown never erases known.
    value = result.booking_value if result.booking_value is not None else lead.booking_value
    lead.booking_value = value
    lead.estimated_value = expected_revenue(value, result.score)
    if result.booking_value is not None:
        lead.currency = settings.currency
    lead.rubric_breakdown = result.breakdown
    lead.missing_fields = result.missing_fields
    needs_review = result.needs_review or lead.sampled_for_review
    if needs_review and lead.review_status == ReviewStatus.NOT_NEEDED:
        lead.review_status = ReviewStatus.PENDING
    elif not needs_review and lead.review_status == ReviewStatus.PENDING:
        lead.review_status = ReviewStatus.NOT_NEEDED  # more messages made the reading clear


def read_conversation(
    conversation: Conversation, now: dt.datetime | None = None, *, ctx: ExtractionContext | None = None
) -> ModelOutcome | None:
    """The model's structured reading of the conversation's guest messages (None offline or when it failed).

    `ctx`: the turn's extraction context when the caller has it. Offline nothing is read from the database.
    """
    if not model_reads():
        return None
    ctx = ctx or extraction_context(current_property(), now or timezone.now())
    return read_with_model(_guest_texts([conversation.pk]), ctx)


def upsert_lead_for_conversation(
    conversation: Conversation,
    now: dt.datetime | None = None,
    *,
    reading: ModelOutcome | None | Literal["ask"] = "ask",
    ctx: ExtractionContext | None = None,
    property_: Property | None = None,
    keep_contact: bool = False,
    for_person: bool = False,
) -> Lead | None:
    """Extract, attach and score the lead of `conversation`; None when the conversation shows no lead intent yet.

    `keep_contact`: the conversation goes to a person (a complaint, a request for staff): a lead is opened only
    for a phone or e-mail the guest gave, so the team has it on the handoff, booking intent or not;
    `for_person`: the guest made a booking enquiry to a person in so many words (no complaint), so it opens a lead too.

    `reading`: the model's reading of this turn when the caller already has it (the turn's one call,
    `read_conversation`); "ask" reads now. `ctx`, `property_`: the turn's, when the caller has read them.
    Idempotent: it derives everything from the stored messages, so running it twice changes nothing.
    """
    now = now or timezone.now()
    property_ = property_ or current_property()
    ctx = ctx or extraction_context(property_, now)
    guest = conversation.guest
    texts = _guest_texts([conversation.pk])
    # The model (when configured) reads before any lock is taken: a slow model never holds a lead.
    model = read_with_model(texts, ctx) if isinstance(reading, str) else reading
    first_read = merged(extract(texts, ctx), model, ctx)
    phones = {p for p in (guest.phone, first_read.fields.phone) if p}
    emails = {e.lower() for e in (guest.email, first_read.fields.email) if e}

    with transaction.atomic():
        _lock(f"conversation:{conversation.pk}", f"guest:{guest.pk}", *(f"phone:{p}" for p in phones),
              *(f"email:{e}" for e in emails))  # fmt: skip
        linked = compiled.value(_linked_lead_id, conversation.pk)  # every turn: its SQL built once
        lead = Lead.objects.select_for_update().get(pk=linked) if linked is not None else None
        created = False
        if lead is None:
            lead = _open_lead(guest.pk, phones, emails)
            if lead is None:
                contact = first_read.fields.phone or first_read.fields.email
                worthy = (for_person or not keep_contact) and _is_lead_worthy(first_read)
                if not ((keep_contact and contact) or worthy):
                    return None
                lead = Lead.objects.create(
                    guest=guest, conversation=conversation, source_channel=conversation.channel,
                    is_after_hours=_after_hours(property_, conversation),
                )  # fmt: skip
                created = True
                # Confident leads are reviewed too (a sample), or the rubric's agreement rate would only
                # ever be measured on the leads it found hard.
                lead.sampled_for_review = Lead.objects.count() % REVIEW_SAMPLE_EVERY == 0
            LeadConversation.objects.create(lead=lead, conversation=conversation)
            if not lead.is_after_hours and _after_hours(property_, conversation):
                lead.is_after_hours = True

        conversation_ids = list(lead.conversation_links.values_list("conversation_id", flat=True))
        result = extract(_guest_texts(conversation_ids), ctx) if conversation_ids != [conversation.pk] else first_read
        guests = [lead.guest, *Guest.objects.filter(conversations__pk__in=conversation_ids).exclude(pk=lead.guest_id)]
        fields = _merged_fields(lead, result, guests)
        lead.extraction = result.as_json()
        _score(lead, fields, result.signals, property_, now, model_confidence=result.confidence)
        lead.save()
        notify_staff(connection.schema_name, "lead.created" if created else "lead.updated", lead_event(lead))
    return lead


def rescore_open_leads(now: dt.datetime | None = None, limit: int = 5000) -> int:
    """Re-score open leads with the property's current thresholds and rates (after a settings change).

    Uses the stored fields and signals (no re-extraction). Each lead is locked while it is updated;
    at most `limit` leads per run, newest first. A lead whose scoring changes keeps the previous one
    in its history (`undo_rescore` restores it) and the change is logged. Returns how many changed.
    """
    now = now or timezone.now()
    property_ = current_property()
    ids = list(
        Lead.objects.filter(status__in=OPEN_STATUSES).order_by("-created_at").values_list("pk", flat=True)[:limit]
    )
    changed = 0
    for lead_id in ids:
        with transaction.atomic():
            lead = Lead.objects.select_for_update().get(pk=lead_id)
            before = _scoring(lead)
            _score(lead, lead_fields(lead), _signals_from(lead.extraction, keep_ambiguities=True), property_, now)
            after = _scoring(lead)
            if after == before:
                continue
            lead.score_history = [*lead.score_history, {**before, "at": now.isoformat(), "reason": "rescore"}][
                -HISTORY_LENGTH:
            ]
            lead.save()
            changed += 1
            log.info("lead_rescored", lead_id=lead.pk, before=before, after=after)
    return changed


def undo_rescore(lead_id: int) -> Lead:
    """Put back the scoring the lead had before its latest re-scoring (LeadError when there is none)."""
    with transaction.atomic():
        lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
        if lead is None:
            raise Lead.DoesNotExist
        if not lead.score_history:
            raise LeadError("This lead has not been re-scored: there is nothing to undo.")
        *rest, previous = lead.score_history
        undone = _scoring(lead)
        lead.lead_score, lead.confidence = previous["score"], previous["confidence"]
        lead.is_qualified, lead.review_status = previous["qualified"], previous["review_status"]
        if "priority" not in lead.locked_fields:
            lead.priority = previous["priority"]
        lead.currency = previous["currency"]
        for name in ("booking_value", "estimated_value"):
            setattr(lead, name, None if previous[name] is None else Decimal(previous[name]))
        lead.score_history = rest
        lead.save()
        log.info("lead_rescore_undone", lead_id=lead.pk, undone=undone, restored=previous)
        notify_staff(connection.schema_name, "lead.updated", lead_event(lead))
    return lead


def _open_lead(guest_id: int, phones: set[str], emails: set[str]) -> Lead | None:
    """The oldest open lead of the guest or of their phone or e-mail, locked.

    Without a phone or e-mail (most turns) the ORM's OR is the guest's own open lead alone: its empty `__in` parts
    are FALSE, behind a LEFT JOIN to the guest that adds no row. That read is compiled once, without the join (it
    was built on every call, ~2 ms); so only the lead's row is locked, not the guest's too: the advisory locks the
    caller holds are what serialise the upsert."""
    if not phones and not emails:
        return compiled.first(_open_lead_of_guest, guest_id)
    return (
        Lead.objects.select_for_update()
        .filter(status__in=OPEN_STATUSES)
        .filter(
            Q(guest=guest_id)
            | Q(guest__phone__in=phones)
            | Q(phone__in=phones)
            | Q(guest__email__in=emails)
            | Q(email__in=emails)
        )
        .order_by("created_at", "id")
        .first()
    )


def _open_lead_of_guest(guest_id: int) -> QuerySet[Lead]:
    return (
        Lead.objects.select_for_update()
        .filter(status__in=OPEN_STATUSES)
        .filter(guest=guest_id)
        .order_by("created_at", "id")
    )


def lead_for_conversation(conversation_id: int) -> Lead | None:
    """The lead a conversation belongs to (for the handoff context package and the consent step), if any."""
    return compiled.first(conversation_lead, conversation_id)  # every turn: its SQL built once


def conversation_lead(conversation_id: int) -> QuerySet[Lead]:
    """`lead_for_conversation`'s read, for a caller that reads it with others (`core.compiled.firsts`)."""
    return Lead.objects.filter(conversation_links__conversation_id=conversation_id)


def _linked_lead_id(conversation_id: int) -> QuerySet[LeadConversation]:
    # The id alone: the lead is read again under its lock (a join decrypting the whole lead was thrown away).
    return LeadConversation.objects.filter(conversation_id=conversation_id).values_list("lead_id", flat=True)


def lead_event(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.pk, "intent": lead.intent, "status": lead.status, "priority": lead.priority,
        "score": lead.lead_score, "qualified": lead.is_qualified, "after_hours": lead.is_after_hours,
        "guest_name": lead.guest_name, "review_status": lead.review_status,
    }  # fmt: skip


@dataclass(frozen=True)
class LeadChanges:
    """What staff may change through the API; None = leave as is."""

    status: str | None = None
    notes: str | None = None
    priority: str | None = None
    converted_value: Decimal | None = None


# An amount as staff type it: "1500", "1500.5", "1,500", "RM 1,500.50", "MYR1500" (commas only between thousands).
_AMOUNT = re.compile(r"^(?:(?P<currency>[A-Z]{2,3})\s*)?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$", re.IGNORECASE)
LARGEST_AMOUNT = Decimal("9999999999.99")  # the column's 12 digits, 2 of them sen


def staff_amount(text: str, currency: str) -> Decimal | None:
    """The amount in `currency` that staff typed, to the sen; None for anything else: negative, NaN, Infinity, 1e20,
    too large, or written in another currency ("SGD 1,500" on a ringgit lead is not 1,500 ringgit)."""
    match = _AMOUNT.match(text.strip())
    if match is None:
        return None
    said = (match.group("currency") or currency).upper()
    if said != currency.upper() and not (said == "RM" and currency.upper() == "MYR"):
        return None
    value = Decimal(match.group(2).replace(",", "") + (match.group(3) or ""))
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP) if value <= LARGEST_AMOUNT else None


def update_lead(lead_id: int, changes: LeadChanges) -> Lead:
    """Apply a staff edit all at once or not at all (LeadError says why)."""
    with transaction.atomic():
        lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
        if lead is None:
            raise Lead.DoesNotExist
        if changes.status is not None and changes.status != lead.status:
            if changes.status not in STATUS_TRANSITIONS[lead.status]:
                allowed = ", ".join(sorted(STATUS_TRANSITIONS[lead.status])) or "none (final)"
                raise LeadError(f"A {lead.status} lead cannot become {changes.status}; allowed: {allowed}.")
            if changes.status in OPEN_STATUSES and lead.status not in OPEN_STATUSES:
                other = Lead.objects.filter(guest=lead.guest, status__in=OPEN_STATUSES).exclude(pk=lead.pk).first()
                if other is not None:
                    raise LeadError(f"This guest already has an open lead (#{other.pk}); work on that one.")
            if lead.status == LeadStatus.CONVERTED:
                # Reopened: no longer a conversion, so no longer in the converted revenue of any day.
                lead.converted_at, lead.converted_value = None, None
            lead.status = changes.status
            if changes.status == LeadStatus.CONVERTED:
                lead.converted_at = timezone.now()
        if changes.converted_value is not None:
            if lead.status != LeadStatus.CONVERTED:
                raise LeadError("A value can only be recorded for a converted lead.")
            lead.converted_value = changes.converted_value
        if changes.notes is not None:
            lead.notes = changes.notes
        if changes.priority is not None and changes.priority != lead.priority:
            lead.priority = changes.priority
            lead.locked_fields = sorted({*lead.locked_fields, "priority"})
        lead.save()
        notify_staff(connection.schema_name, "lead.updated", lead_event(lead))
    return lead


def record_consent(lead_id: int, given: bool, at: dt.datetime | None = None) -> Lead:
    """The guest's YES or NO to passing their details to the reservations team; NO is final for this lead."""
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead_id)
        if lead.consent_status == ConsentStatus.DECLINED and given:
            raise LeadError("The guest said NO; ask again only in a new conversation.")
        lead.consent_status = ConsentStatus.GIVEN if given else ConsentStatus.DECLINED
        lead.consent_at = at or timezone.now()
        lead.save(update_fields=["consent_status", "consent_at", "updated_at"])
    return lead


def reopen_consent(lead_id: int) -> Lead:
    """The guest's NO corrected the summary ("no, it's 3 nights"): the YES/NO is asked again over the corrected
    details. Only before a handover, and only from a question asked or a NO (a YES stays given)."""
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead_id)
        if lead.handed_over_at is None and lead.consent_status in (ConsentStatus.ASKED, ConsentStatus.DECLINED):
            lead.consent_status, lead.consent_at = ConsentStatus.NOT_ASKED, None
            lead.save(update_fields=["consent_status", "consent_at", "updated_at"])
    return lead


def mark_consent_asked(lead_id: int) -> Lead:
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead_id)
        if lead.consent_status == ConsentStatus.NOT_ASKED:
            lead.consent_status = ConsentStatus.ASKED
            lead.save(update_fields=["consent_status", "updated_at"])
    return lead


def mark_handed_over(lead_id: int, at: dt.datetime | None = None) -> Lead:
    """Hand the lead to the reservations team: only ever after a recorded YES (also a database constraint)."""
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead_id)
        if lead.consent_status != ConsentStatus.GIVEN:
            raise LeadError("No recorded YES from the guest: the lead cannot be handed over.")
        if not (lead.phone or lead.email):
            raise LeadError("No phone or e-mail: the team could not reach the guest, the lead cannot be handed over.")
        if lead.handed_over_at is None:
            lead.handed_over_at = at or timezone.now()
            lead.save(update_fields=["handed_over_at", "updated_at"])
            notify_staff(connection.schema_name, "lead.handed_over", lead_event(lead))
    return lead


def record_review(
    lead_id: int, reviewer: User, verdict: str, corrected: dict[str, Any] | None = None, comment: str = ""
) -> LeadReview:
    """Store a reviewer's verdict; corrections go through the extraction validators, then lock and re-score.

    Invalid corrections raise LeadError and nothing is written.
    """
    corrected = dict(corrected or {})
    if verdict not in Verdict.values:
        raise LeadError(f"verdict must be one of {', '.join(Verdict.values)}.")
    if verdict == Verdict.AGREE and corrected:
        fields = ", ".join(sorted(corrected))
        raise LeadError(f"Agreeing means the reading is right: choose Disagree to correct {fields}.")
    if verdict == Verdict.DISAGREE and not corrected and not comment.strip():
        raise LeadError("Say what the rubric got wrong: correct the fields, or write a comment.")
    unknown = set(corrected) - set(FIELD_MAP)
    if unknown:
        raise LeadError(f"Unknown field(s): {', '.join(sorted(unknown))}. Allowed: {', '.join(FIELD_MAP)}.")
    property_ = current_property()
    now = timezone.now()
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead_id)
        if corrected:
            ctx = extraction_context(property_, now)
            current = lead_fields(lead).model_dump()
            if "nights" in corrected and "check_out" not in corrected:
                current["check_out"] = None  # the corrected length moves the check-out, not the other way round
            checked, rejected = validate_fields({**current, **corrected}, ctx)
            bad = {name: reason for name, reason in rejected.items() if name in corrected}
            if bad:
                raise LeadError("; ".join(f"{name}: {reason}" for name, reason in sorted(bad.items())))
            for name in corrected:
                value = getattr(checked, name)
                setattr(lead, FIELD_MAP[name], value if value is not None else ("" if name in _TEXT else None))
            if {"check_in", "check_out", "nights"} & set(corrected):
                lead.check_out, lead.nights = checked.check_out, checked.nights
            lead.locked_fields = sorted(set(lead.locked_fields) | {FIELD_MAP[name] for name in corrected})
        review = LeadReview.objects.create(
            lead=lead, reviewer_id=reviewer.pk, reviewer_email=reviewer.email, verdict=verdict,
            corrected_fields=_jsonable(corrected), comment=comment, score_at_review=lead.lead_score,
            qualified_at_review=lead.is_qualified, intent_at_review=lead.intent,
        )  # fmt: skip
        lead.review_status = ReviewStatus.REVIEWED
        if corrected:
            signals = _signals_from(lead.extraction)
            _score(lead, lead_fields(lead), signals, property_, now)
        lead.save()
    return review


_TEXT = {"name", "phone", "email", "room_type", "intent"}


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, dt.date) else value for key, value in values.items()}


def _signals_from(extraction: dict[str, Any], keep_ambiguities: bool = False) -> Signals:
    return Signals(
        intent_hits=dict(extraction.get("intent_hits") or {}),
        booking_words=list(extraction.get("booking_words") or []),
        # After a review a person has read it: nothing is ambiguous any more.
        ambiguities=list(extraction.get("ambiguities") or []) if keep_ambiguities else [],
    )


def rubric_agreement_rate() -> dict[str, Any]:
    """How often reviewers agreed with the rubric, counting each lead's latest verdict once."""
    latest: dict[int, str] = {}
    for lead_id, verdict in LeadReview.objects.order_by("created_at", "id").values_list("lead_id", "verdict"):
        latest[lead_id] = verdict
    total = len(latest)
    agreed = sum(1 for verdict in latest.values() if verdict == Verdict.AGREE)
    return {"reviewed": total, "agreed": agreed, "rate": round(agreed / total, 3) if total else None}


__all__ = [
    "LeadChanges", "LeadError", "LeadStatus", "lead_for_conversation", "mark_consent_asked", "mark_handed_over",
    "record_consent", "record_review", "rescore_open_leads", "rubric_agreement_rate", "undo_rescore", "update_lead",
    "upsert_lead_for_conversation",
]  # fmt: skip
