"""Scripted guest dialogues run through the real engine, and what they show (`manage.py eval --dialogues`).

A dialogue is what one guest types, turn by turn, on the widget or on WhatsApp, the lead fields a
good receptionist would have written down at the end, and what each turn gave away (`gives`). Each
turn goes through `engine.run_turn` in the property's schema, with every registered turn step (the
lead step) and the configured provider; the whole dialogue is rolled back afterwards, so a live
hotel's inbox, leads and figures never see it.

What is measured, from the guest's side (the text of the replies) and the staff's (the lead as the
handoff shows it, through `turn_steps.handoff_summary`):
- lead fields: each expected field against the lead at the end;
- handover without a contact: the lead went to the team with neither phone nor e-mail;
- dismissive reply: "I don't have information" to a message that gave details;
- re-asked detail: a reply asks for something the guest has already given;
- summary and question in one breath: a reply that summarises the lead and asks for a detail;
- language: each reply is in the guest's language (the turn's `language`, else the dialogue's), read from its own
  words: a hotel's text it quotes in the language the hotel wrote it in does not count.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from assistant.language import detect_language
from conversations import engine, sessions, turn_steps
from conversations.models import Channel, Conversation
from messaging.base import NormalizedMessage
from properties.models import Property

FIELDS = (
    "intent", "check_in", "check_out", "nights", "adults", "children", "group_size", "room_type",
    "event_date", "name", "phone", "email", "special_requests",
)  # fmt: skip
GIVABLE = FIELDS[1:]
CHANNELS = (Channel.WEB, Channel.WHATSAPP)
_RELATIVE = re.compile(r"^today\+(\d{1,3})$")

DISMISSIVE = re.compile(
    r"don't have confirmed information|won't guess|no information about|"
    r"tiada maklumat yang disahkan|tidak mahu meneka",
    re.IGNORECASE,
)
SUMMARY = re.compile(r"^(?:Request|Permintaan):", re.MULTILINE)
# A hotel's own words quoted in the language it wrote them in ('… hanya ada dalam bahasa Inggeris: "Pets are not
# allowed …"'): the reply's language is that of the words around the quote, which must say so in the guest's.
QUOTED = re.compile(r'"[^"\n]*"|“[^”\n]*”')
# What a question in a reply asks for, in both languages; the details that answer it.
ASKS: dict[str, tuple[re.Pattern[str], set[str]]] = {
    "date": (
        re.compile(r"\b(?:which|what) dates?\b|\bwhen\b|\btarikh\b|\bbila\b", re.I),
        {"check_in", "event_date"},
    ),
    "nights": (re.compile(r"how many nights|berapa malam", re.I), {"nights", "check_out"}),
    "party": (
        re.compile(r"how many (?:adults|guests|people|persons|pax)|berapa (?:orang|ramai|tetamu)", re.I),
        {"adults", "group_size"},
    ),
    "room_type": (re.compile(r"room type|which room|jenis bilik", re.I), {"room_type"}),
    "contact": (
        re.compile(r"phone|e-?mail|whatsapp number|nombor telefon|e-?mel|reach you|\bhubungi anda", re.I),
        {"phone", "email"},
    ),
    "name": (re.compile(r"your name|nama anda", re.I), {"name"}),
}


class DialogueFileError(ValueError):
    """The dialogue file is not what the command expects; the message says where."""


@dataclass
class GuestTurn:
    text: str
    gives: list[str]
    language: str


@dataclass
class Dialogue:
    id: str
    language: str
    channel: str
    turns: list[GuestTurn]
    expect: dict[str, Any]
    handed_over: bool | None = None
    tags: list[str] = field(default_factory=list)


@dataclass
class Broken:
    dialogue: str
    turn: int  # 1-based; 0 = the dialogue as a whole
    rule: str
    detail: str


@dataclass
class DialogueResult:
    dialogue: Dialogue
    replies: list[str]
    lead: dict[str, Any]
    field_checks: dict[str, tuple[Any, Any]]  # field → (expected, got)
    broken: list[Broken]
    languages_matched: int


@dataclass
class Report:
    results: list[DialogueResult]

    @property
    def broken(self) -> list[Broken]:
        return [b for r in self.results for b in r.broken]

    def rule_count(self, rule: str) -> int:
        return sum(1 for b in self.broken if b.rule == rule)

    def field_accuracy(self) -> dict[str, tuple[int, int]]:
        totals: dict[str, list[int]] = {}
        for result in self.results:
            for name, (expected, got) in result.field_checks.items():
                entry = totals.setdefault(name, [0, 0])
                entry[0] += int(_same(expected, got, name))
                entry[1] += 1
        return {name: (ok, n) for name, (ok, n) in totals.items()}

    @property
    def fields_right(self) -> tuple[int, int]:
        accuracy = self.field_accuracy().values()
        return sum(ok for ok, _ in accuracy), sum(n for _, n in accuracy)

    @property
    def language_matched(self) -> tuple[int, int]:
        return sum(r.languages_matched for r in self.results), sum(len(r.replies) for r in self.results)

    def figures(self) -> dict[str, Any]:
        ok, n = self.fields_right
        matched, replies = self.language_matched
        return {
            "dialogues": len(self.results),
            "turns": replies,
            "lead_fields_pct": round(100.0 * ok / n, 1) if n else 100.0,
            "handovers_without_contact": self.rule_count("handover_without_contact"),
            "dismissive_after_details": self.rule_count("dismissive_after_details"),
            "reasked_details": self.rule_count("reasked_detail"),
            "summary_with_question": self.rule_count("summary_with_question"),
            "handover_expectation_missed": self.rule_count("handover_expected"),
            "language_matched_pct": round(100.0 * matched / replies, 1) if replies else 100.0,
        }


# A salutation before a name, in either language ("Encik", "Puan", "Dato' Seri", "Dr.", "Miss"): the lead keeps it as
# the guest said it, for staff to greet them by; an expectation may be written with or without it.
TITLE = re.compile(
    r"(?i)^(?:(?:(?:dato['’]?|datuk|datin|tan|puan|toh\s+puan)\s+s(?:e)?ri|mr|mrs|ms|miss|mdm|madam|dr|prof|ts|ir|en"
    r"|encik|pn|puan|cik|tuan|tn|hj|haji|hjh|hajah|dato['’]?|datuk|datin|toh\s+puan)\.?\s+)+"
)


def without_title(name: str) -> str:
    """`name` less the salutations that open it ("Dato' Seri Azman" → "Azman"); a title alone stays as it is."""
    return TITLE.sub("", name.strip()) or name.strip()


def _same(expected: Any, got: Any, field_name: str = "") -> bool:
    if field_name == "name" and isinstance(expected, str) and isinstance(got, str):
        return without_title(expected).casefold() == without_title(got).casefold()
    # Special requests are the guest's own words: a list names what the lead must hold, in any order.
    if isinstance(expected, list) and all(isinstance(e, str) for e in expected):
        return isinstance(got, str) and all(e.casefold() in got.casefold() for e in expected)
    if isinstance(expected, str) and isinstance(got, str):
        return expected.casefold() == got.casefold()
    return expected == got


def load_dialogues(path: Path) -> list[Dialogue]:
    """Read and check a dialogue file; DialogueFileError names the first problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DialogueFileError(f"{path}: cannot read a JSON file ({exc}).") from exc
    items = data.get("dialogues") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise DialogueFileError(f"{path}: expected a non-empty list of dialogues (or {{'dialogues': [...]}}).")
    dialogues, seen = [], set()
    for number, raw in enumerate(items, start=1):
        where = f"{path}: dialogue {number}"
        if not isinstance(raw, dict):
            raise DialogueFileError(f"{where} is not an object.")
        ident = str(raw.get("id") or number)
        if ident in seen:
            raise DialogueFileError(f"{where}: id {ident!r} is used twice.")
        seen.add(ident)
        language = raw.get("language")
        if language not in ("en", "ms"):
            raise DialogueFileError(f"{where}: language must be 'en' or 'ms'.")
        channel = raw.get("channel", Channel.WEB)
        if channel not in CHANNELS:
            raise DialogueFileError(f"{where}: channel must be one of {', '.join(CHANNELS)}.")
        turns_raw = raw.get("turns")
        if not isinstance(turns_raw, list) or not turns_raw:
            raise DialogueFileError(f"{where}: 'turns' must be a non-empty list.")
        turns = []
        for index, turn in enumerate(turns_raw, start=1):
            turn = {"guest": turn} if isinstance(turn, str) else turn
            text = turn.get("guest") if isinstance(turn, dict) else None
            if not isinstance(text, str) or not text.strip():
                raise DialogueFileError(f"{where}, turn {index}: 'guest' text is missing.")
            gives = turn.get("gives", [])
            if not isinstance(gives, list) or any(g not in GIVABLE for g in gives):
                raise DialogueFileError(f"{where}, turn {index}: 'gives' must list fields of {', '.join(GIVABLE)}.")
            turns.append(GuestTurn(text, list(gives), turn.get("language") or language))
        expect = raw.get("expect", {})
        if not isinstance(expect, dict) or any(name not in FIELDS for name in expect):
            raise DialogueFileError(f"{where}: 'expect' may only name {', '.join(FIELDS)}.")
        handed_over = raw.get("handed_over")
        if handed_over is not None and not isinstance(handed_over, bool):
            raise DialogueFileError(f"{where}: 'handed_over' must be true or false.")
        dialogues.append(Dialogue(ident, language, channel, turns, expect, handed_over, list(raw.get("tags", []))))
    return dialogues


def _expected_value(value: Any, today: dt.date) -> Any:
    if isinstance(value, str) and (match := _RELATIVE.match(value)):
        return (today + dt.timedelta(days=int(match.group(1)))).isoformat()
    return value


def _start(dialogue: Dialogue, text: str) -> tuple[Conversation, int]:
    """A fresh guest and conversation on the dialogue's channel, with its first message stored."""
    if dialogue.channel == Channel.WHATSAPP:
        number = "+6019" + f"{uuid.uuid4().int % 10**7:07d}"
        conversation, message, _ = engine.ingest(
            NormalizedMessage(
                channel=Channel.WHATSAPP,
                property_schema="",
                sender_id=number,
                sender_name="",
                text=text,
                provider_message_id=f"eval-{uuid.uuid4().hex}",
                timestamp=timezone.now(),
                thread_id="eval",
            )
        )
        return conversation, message.pk
    conversation = engine.start_web_conversation(widget_key_id=0, consent_text="evaluation", language=dialogue.language)
    message, _ = engine.record_guest_message(conversation, text, provider_message_id=f"eval-{uuid.uuid4().hex}")
    return conversation, message.pk


def _asked_slots(reply: str) -> list[str]:
    questions = [s for s in re.split(r"(?<=[.!?])\s+|\n+", reply) if s.strip().endswith("?")]
    return [slot for slot, (pattern, _) in ASKS.items() if any(pattern.search(q) for q in questions)]


def reply_language(reply: str) -> str:
    """The language a reply speaks to the guest in: its words less what it quotes ("?" when only a quote)."""
    return detect_language(QUOTED.sub(" ", reply), default="?")


def run_dialogue(dialogue: Dialogue, property_: Property) -> DialogueResult:
    """Play one dialogue through the engine in the current schema; nothing of it is kept."""
    replies: list[str] = []
    broken: list[Broken] = []
    given: set[str] = set()
    matched = 0
    conversation: Conversation | None = None
    with transaction.atomic():
        for number, turn in enumerate(dialogue.turns, start=1):
            if conversation is None:
                conversation, message_id = _start(dialogue, turn.text)
            else:
                message, _ = engine.record_guest_message(
                    conversation, turn.text, provider_message_id=f"eval-{uuid.uuid4().hex}"
                )
                message_id = message.pk
            reply = engine.run_turn(conversation.pk, message_id)
            text = reply.content if reply is not None else ""
            replies.append(text)
            given |= set(turn.gives)
            if turn.gives and DISMISSIVE.search(text):
                broken.append(Broken(dialogue.id, number, "dismissive_after_details", text[:160]))
            for slot in _asked_slots(text):
                if ASKS[slot][1] & given:
                    broken.append(Broken(dialogue.id, number, "reasked_detail", f"asks {slot}: {text[-160:]}"))
            if SUMMARY.search(text) and _asked_slots(text):
                broken.append(Broken(dialogue.id, number, "summary_with_question", text[:160]))
            language = reply_language(text)
            if language == turn.language:
                matched += 1
            else:
                detail = f"{turn.language} guest, reply {language}: {text[:90]}"
                broken.append(Broken(dialogue.id, number, "language", detail))
        assert conversation is not None
        summary = turn_steps.handoff_summary(conversation, dialogue.language) or {}
        transaction.set_rollback(True)  # an evaluation leaves nothing behind in the hotel's schema
    sessions.forget(conversation.pk)
    lead = dict(summary.get("fields") or {})
    handed_over = bool(summary.get("handed_over"))
    if handed_over and not (lead.get("phone") or lead.get("email")):
        broken.append(Broken(dialogue.id, 0, "handover_without_contact", str(lead)))
    if dialogue.handed_over is not None and handed_over != dialogue.handed_over:
        broken.append(Broken(dialogue.id, 0, "handover_expected", f"expected {dialogue.handed_over}"))
    today = property_.local_now(timezone.now()).date()
    checks = {name: (_expected_value(value, today), lead.get(name)) for name, value in dialogue.expect.items()}
    for name, (expected, got) in checks.items():
        if not _same(expected, got, name):
            broken.append(Broken(dialogue.id, 0, "lead_field", f"{name}: expected {expected!r}, got {got!r}"))
    return DialogueResult(dialogue, replies, lead, checks, broken, matched)


def evaluate(dialogues: list[Dialogue], property_: Property) -> Report:
    return Report([run_dialogue(dialogue, property_) for dialogue in dialogues])


def rule_counts(report: Report) -> Counter[str]:
    return Counter(b.rule for b in report.broken)


def render(report: Report, title: str) -> list[str]:
    """The report as the command prints it: figures, per-field accuracy, every broken rule."""
    figures = report.figures()
    ok, n = report.fields_right
    matched, replies = report.language_matched
    lines = [
        f"{title}: {figures['dialogues']} dialogues, {figures['turns']} guest turns",
        f"  lead fields: {ok}/{n} right ({figures['lead_fields_pct']}%)",
    ]
    for name, (right, total) in sorted(report.field_accuracy().items()):
        lines.append(f"    {name}: {right}/{total}")
    lines += [
        f"  handovers without a contact: {figures['handovers_without_contact']}",
        f"  dismissive replies after details: {figures['dismissive_after_details']}",
        f"  re-asked details: {figures['reasked_details']}",
        f"  summary and question in one reply: {figures['summary_with_question']}",
        f"  handover not as expected: {figures['handover_expectation_missed']}",
        f"  language matched: {matched}/{replies} ({figures['language_matched_pct']}%)",
    ]
    for item in report.broken:
        where = f"turn {item.turn}" if item.turn else "end"
        lines.append(f"✗ [{item.dialogue} {where}] {item.rule}: {item.detail}")
    return lines


QUALITY_HEADING = "## Dialogues"


def quality_section(
    reports: dict[str, Report],
    command: str,
    heading: str = QUALITY_HEADING,
    source: str = "conversations/tests/fixtures/dialogues.json",
) -> str:
    """A "Dialogues" section of docs/quality.md: the figures of each run (offline, with a model) of one set."""
    lines = [
        heading,
        "",
        f"Regenerated by `{command}` (scripted dialogues: `{source}`).",
        "",
        "The fake model is the fake OpenAI server with a stand-in reader (`test_dialogue_eval.plausible_model`),",
        "read once per guest turn (`leads.services.reading`): it judges the turn's mode with a confidence (a person",
        "or a complaint: handoff; booking words: lead capture; else concierge), returns contacts and the intent",
        "only, cuts every 5th reading off mid-JSON, names a room type the hotel does not have every 7th, answers a",
        "mode and confidence of the wrong type every 11th and leaves both out every 13th. Its row shows that the",
        "model's mode, and partial, malformed and invalid structured output, merged with the rules, keep the",
        "figures; it says nothing of a real model's quality.",
        "",
        "| run | dialogues | guest turns | lead fields | handovers without contact | dismissive after details "
        "| re-asked details | summary + question | language matched |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, report in reports.items():
        f = report.figures()
        lines.append(
            f"| {name} | {f['dialogues']} | {f['turns']} | {f['lead_fields_pct']} % | {f['handovers_without_contact']} "
            f"| {f['dismissive_after_details']} | {f['reasked_details']} | {f['summary_with_question']} "
            f"| {f['language_matched_pct']} % |"
        )
    for name, report in reports.items():
        lines += [
            "",
            f"Per field ({name}): "
            + ", ".join(f"{field} {ok}/{n}" for field, (ok, n) in sorted(report.field_accuracy().items()))
            + ".",
        ]
        broken = [b for b in report.broken]
        if broken:
            lines.append(f"Broken rules ({name}): " + "; ".join(f"{b.dialogue} {b.rule}" for b in broken) + ".")
    return "\n".join(lines) + "\n"


def write_quality_section(path: Path, section: str, heading: str = QUALITY_HEADING) -> None:
    """Replace the section under `heading` of `path` (kept apart from the other sections), or add it."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Quality\n"
    start = text.find(heading + "\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        following = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[following:] if following >= 0 else "")
    path.write_text(text, encoding="utf-8")
