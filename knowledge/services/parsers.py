"""Turn an uploaded file into knowledge items, or refuse it with a message that says what is wrong.

Formats (chosen by file extension):
- Markdown: `# Category` headings (one of the six categories) hold `## Title` items; everything
  under a `## Title` (deeper headings included) is that item's content. Optional front matter
  (`---` / `language: ms` / `---`) sets the language of every item.
- JSON: a list of items (or `{"items": [...]}`), each with category, title, content and optional
  language, title_ms, content_ms, metadata, is_active, valid_from, valid_to (ISO dates).
- CSV: a header with category, title, content and optional language, title_ms, content_ms,
  valid_from, valid_to.
- PDF and DOCX: documents have no category of their own, so the caller names it. A DOCX is cut
  into one item per "Heading 1" (the whole document is one item if it has none); a PDF is one item
  titled by its metadata title or its file name. Long items are chunked later, as any other.
An English item may carry the same fact in Bahasa Malaysia (`title_ms`, `content_ms`). In Markdown,
DOCX and PDF the Malay text follows a line that reads `Bahasa Malaysia` (a `### Bahasa Malaysia`
heading in Markdown, any heading or paragraph in a document), optionally with the Malay title after a
colon: `### Bahasa Malaysia: Waktu Daftar Masuk`. Everything after that line is the Malay text.
Nothing is written here: parsing either returns every item of the file or raises `IngestError`.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import defusedxml.ElementTree as SafeXML
from defusedxml import DefusedXmlException
from django.conf import settings
from lxml.etree import LxmlError

from core.inputs import BadInput, check_date, clean_json, clean_text, decode_text, load_json
from knowledge.models import AUTHORED_FIELDS, Category, Language

CATEGORIES = [choice.value for choice in Category]
LANGUAGES = [choice.value for choice in Language]
FORMATS = {".md": "markdown", ".markdown": "markdown", ".json": "json", ".csv": "csv", ".pdf": "pdf", ".docx": "docx"}
DOCUMENT_FORMATS = {"pdf", "docx"}
MAX_TITLE = 300


class IngestError(ValueError):
    """A file or item that cannot be ingested; the message is meant for the person who uploaded it."""


@dataclass
class ParsedItem:
    category: str
    title: str
    content: str
    language: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    is_active: bool = True
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    title_ms: str = ""
    content_ms: str = ""

    def authored(self) -> dict[str, Any]:
        """The item's values of the knowledge item's authored fields, by field name (what a row is written from)."""
        return {name: getattr(self, name) for name in AUTHORED_FIELDS}

    def as_json(self) -> dict[str, Any]:
        return {
            **self.authored(),
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
        }


# The line that starts an item's Malay text in Markdown, DOCX and PDF (see the module's docstring).
_MALAY_MARKER = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]*)?Bahasa Malaysia[ \t]*(?::[ \t]*(?P<title>[^\n]*?))?[ \t]*$", re.I | re.M
)


def split_malay(text: str) -> tuple[str, str, str]:
    """(English text, Malay title, Malay text): the text after a `Bahasa Malaysia` line is the Malay one."""
    marker = _MALAY_MARKER.search(text)
    if marker is None:
        return text, "", ""
    return text[: marker.start()], (marker.group("title") or "").strip(), text[marker.end() :]


def _text_item(category: str, title: str, body: str, language: str, where: str) -> ParsedItem:
    """An item of a Markdown section or a document, its Malay text split off at the marker line."""
    content, title_ms, content_ms = split_malay(body)
    return validate(ParsedItem(category, title, content, language, title_ms=title_ms, content_ms=content_ms), where)


_MALAY_MARKERS = frozenset(
    str.split(
        "dan yang di ke untuk dengan ini itu adalah boleh tidak kami anda bilik sarapan kolam renang harga "
        "dari pada akan atau juga setiap hari malam pagi tetamu sila disediakan percuma"
    )
)
_ENGLISH_MARKERS = frozenset(
    str.split(
        "the and is are for with this that of to in our you your room breakfast pool price from on will or "
        "also every day night morning guests please available free"
    )
)


def detect_language(text: str) -> str:
    """English or Malay by function words: enough for a hotel's own text; explicit values win."""
    words = re.findall(r"[a-z]+", text.lower())[:400]
    malay = sum(word in _MALAY_MARKERS for word in words)
    english = sum(word in _ENGLISH_MARKERS for word in words)
    return Language.MALAY.value if malay > english else Language.ENGLISH.value


def _date(value: Any, where: str, name: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    try:
        return check_date(datetime.date.fromisoformat(str(value).strip()), name)
    except BadInput as error:
        raise IngestError(f"{where}: {error}.") from None
    except ValueError:
        raise IngestError(f"{where}: {name} {value!r} is not a date (use YYYY-MM-DD).") from None


def _bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"", "1", "true", "yes", "y"}:
        return True
    if text in {"0", "false", "no", "n"}:
        return False
    raise IngestError(f"{where}: is_active {value!r} is not true or false.")


def validate(item: ParsedItem, where: str) -> ParsedItem:
    """Normalise one item and refuse what cannot be stored; `where` names it in the message.

    Text from a document (PDF, DOCX) may hold a NUL or a lone surrogate its author never saw: they
    are dropped or replaced here, the last step before storing; text files and API bodies have
    already been refused for them, naming the field.
    """
    item.category = _storable(item.category).strip().lower()
    item.title = re.sub(r"\s+", " ", _storable(item.title)).strip()
    item.content = _storable(item.content).strip()
    item.language = _storable(item.language)
    if isinstance(item.metadata, dict):
        item.metadata = clean_json(item.metadata, surrogates="replace")
    item.language = (item.language or "").strip().lower() or detect_language(f"{item.title} {item.content}")
    item.title_ms = re.sub(r"\s+", " ", _storable(item.title_ms)).strip()
    item.content_ms = _storable(item.content_ms).strip()
    if item.category not in CATEGORIES:
        raise IngestError(f"{where}: category {item.category!r} is not one of {', '.join(CATEGORIES)}.")
    if not item.title:
        raise IngestError(f"{where}: the title is empty.")
    if len(item.title) > MAX_TITLE:
        raise IngestError(f"{where}: the title is longer than {MAX_TITLE} characters.")
    if not item.content:
        raise IngestError(f"{where}: the content of {item.title!r} is empty.")
    if item.language not in LANGUAGES:
        raise IngestError(f"{where}: language {item.language!r} is not one of {', '.join(LANGUAGES)}.")
    if item.title_ms and not item.content_ms:
        raise IngestError(f"{where}: {item.title!r} has a Malay title (title_ms) but no Malay text (content_ms).")
    if item.content_ms and item.language != Language.ENGLISH:
        raise IngestError(
            f"{where}: {item.title!r} is already in Bahasa Malaysia; "
            "a Malay text (content_ms) goes beside an English one only."
        )
    if len(item.title_ms) > MAX_TITLE:
        raise IngestError(f"{where}: the Malay title is longer than {MAX_TITLE} characters.")
    if item.valid_from and item.valid_to and item.valid_from > item.valid_to:
        raise IngestError(f"{where}: valid_from {item.valid_from} is after valid_to {item.valid_to}.")
    if not isinstance(item.metadata, dict):
        raise IngestError(f"{where}: metadata must be an object.")
    return item


def _storable(text: str | None) -> str:
    return clean_text(text or "", surrogates="replace")


def check_unique(items: list[ParsedItem], name: str = "The input") -> list[ParsedItem]:
    seen: set[tuple[str, str]] = set()
    for item in items:
        key = (item.category, item.title)
        if key in seen:
            raise IngestError(f"{name} has two items titled {item.title!r} in {item.category}.")
        seen.add(key)
    return items


def _text(data: bytes, name: str) -> str:
    try:
        return decode_text(data, name, nul="reject")
    except BadInput as error:
        raise IngestError(f"{name} {error.reason}.") from None


def parse_markdown(data: bytes, name: str, language: str = "") -> list[ParsedItem]:
    from markdown_it import MarkdownIt

    text = _text(data, name).replace("\r\n", "\n")
    front = re.match(r"\A---\n(.*?)\n---\n", text, re.S)
    if front:
        for line in front.group(1).splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() == "language":
                language = value.strip()
        text = text[front.end() :]
    lines = text.split("\n")
    headings = [
        (token.map[0], int(token.tag[1]), lines[token.map[0]].lstrip("#").strip())
        for token in MarkdownIt().parse(text)
        if token.type == "heading_open" and token.tag in {"h1", "h2"} and token.map
    ]
    items: list[ParsedItem] = []
    category = ""
    for index, (line_no, level, heading) in enumerate(headings):
        if level == 1:
            category = heading.strip().lower()
            if category not in CATEGORIES:
                raise IngestError(
                    f"{name}, line {line_no + 1}: '# {heading}' is not a category; use one of {', '.join(CATEGORIES)}."
                )
            continue
        if not category:
            raise IngestError(f"{name}, line {line_no + 1}: '## {heading}' comes before any '# Category' heading.")
        end = headings[index + 1][0] if index + 1 < len(headings) else len(lines)
        body = "\n".join(lines[line_no + 1 : end])
        items.append(_text_item(category, heading, body, language, f"{name}, line {line_no + 1}"))
    if not items:
        raise IngestError(f"{name} has no items: use '# Category' headings with '## Title' items under them.")
    return items


def parse_json(data: bytes, name: str, language: str = "") -> list[ParsedItem]:
    try:
        payload = load_json(
            data,
            name,
            max_bytes=settings.KNOWLEDGE_UPLOAD_MAX_BYTES,
            max_depth=settings.INPUT_MAX_JSON_DEPTH,
            nul="reject",
        )
    except BadInput as error:
        where = error.field if error.field == name else f"{name}, {error.field}"
        raise IngestError(f"{where}: {error.reason}.") from None
    return items_from_objects(payload, name, language)


def items_from_objects(payload: Any, name: str, language: str = "") -> list[ParsedItem]:
    """Items from decoded JSON (a file, or an API request body)."""
    if isinstance(payload, dict) and "items" in payload:
        payload = payload["items"]
    if not isinstance(payload, list):
        raise IngestError(f"{name} must be a list of items (or an object with an 'items' list).")
    if not payload:
        raise IngestError(f"{name} has no items.")
    items: list[ParsedItem] = []
    for index, raw in enumerate(payload, start=1):
        where = f"{name}, item {index}"
        if not isinstance(raw, dict):
            raise IngestError(f"{where}: each item must be an object.")
        missing = [key for key in ("category", "title", "content") if not raw.get(key)]
        if missing:
            raise IngestError(f"{where}: missing {', '.join(missing)}.")
        unknown = set(raw) - set(AUTHORED_FIELDS)
        if unknown:
            raise IngestError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}.")
        items.append(
            validate(
                ParsedItem(
                    category=str(raw["category"]),
                    title=str(raw["title"]),
                    content=str(raw["content"]),
                    language=str(raw.get("language") or language),
                    metadata=raw.get("metadata") or {},
                    is_active=_bool(raw.get("is_active", True), where),
                    valid_from=_date(raw.get("valid_from"), where, "valid_from"),
                    valid_to=_date(raw.get("valid_to"), where, "valid_to"),
                    title_ms=str(raw.get("title_ms") or ""),
                    content_ms=str(raw.get("content_ms") or ""),
                ),
                where,
            )
        )
    return items


def parse_csv(data: bytes, name: str, language: str = "") -> list[ParsedItem]:
    text = _text(data, name)
    reader = csv.DictReader(io.StringIO(text))
    header = [column.strip().lower() for column in (reader.fieldnames or [])]
    missing = [column for column in ("category", "title", "content") if column not in header]
    if missing:
        raise IngestError(
            f"{name}: the header is missing column(s) {', '.join(missing)} "
            "(expected category, title, content[, language, title_ms, content_ms, valid_from, valid_to])."
        )
    reader.fieldnames = header
    items: list[ParsedItem] = []
    try:
        for row in reader:
            where = f"{name}, line {reader.line_num}"
            if None in row:
                raise IngestError(f"{where}: more values than columns in the header.")
            if not any((value or "").strip() for value in row.values()):
                continue
            items.append(
                validate(
                    ParsedItem(
                        category=row.get("category") or "",
                        title=row.get("title") or "",
                        content=row.get("content") or "",
                        language=row.get("language") or language,
                        valid_from=_date(row.get("valid_from"), where, "valid_from"),
                        valid_to=_date(row.get("valid_to"), where, "valid_to"),
                        title_ms=row.get("title_ms") or "",
                        content_ms=row.get("content_ms") or "",
                    ),
                    where,
                )
            )
    except csv.Error as exc:
        raise IngestError(f"{name}, line {reader.line_num}: {exc}.") from None
    if not items:
        raise IngestError(f"{name} has a header but no rows.")
    return items


def parse_pdf(data: bytes, name: str, category: str, language: str = "") -> list[ParsedItem]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or ""
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise IngestError(f"{name} is not a readable PDF ({exc.__class__.__name__}: {exc}).") from None
    if not pages:
        raise IngestError(f"{name} is not a readable PDF (no pages).")
    content = "\n\n".join(page.strip() for page in pages if page.strip())
    if not content:
        raise IngestError(f"{name} has no text to extract (a scanned PDF? OCR is not supported).")
    title = str(title).strip() or PurePath(name).stem.replace("_", " ").replace("-", " ").strip()
    return [_text_item(category, title, content, language, name)]


def check_docx_package(data: bytes, name: str) -> None:
    """Refuse a DOCX before python-docx opens it: too much once decompressed, or XML it must not read.

    A zip's own directory states each part's size, checked before anything is inflated (and each
    read is capped, in case a part lies about it). Every XML part is then parsed with defusedxml,
    which refuses DTDs and entities (Word never writes them; an entity chain is how a 10 KB part
    becomes gigabytes) and malformed XML.
    """
    limit = settings.KNOWLEDGE_DOCX_MAX_EXPANDED_BYTES
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        parts = package.infolist()
        expanded = sum(part.file_size for part in parts)
        if expanded > limit:
            raise IngestError(f"{name} expands to {expanded} bytes; at most {limit} are accepted.")
        for part in parts:
            if part.filename.endswith((".xml", ".rels")):
                with package.open(part) as stream:
                    xml = stream.read(limit + 1)
                if len(xml) > limit:
                    raise IngestError(f"{name} expands to more than {limit} bytes.")
                SafeXML.fromstring(xml, forbid_dtd=True)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
        raise IngestError(f"{name} is not a readable DOCX ({exc.__class__.__name__}).") from None
    except (SafeXML.ParseError, DefusedXmlException) as exc:
        raise IngestError(f"{name} has XML that cannot be read safely ({exc.__class__.__name__}).") from None


def parse_docx(data: bytes, name: str, category: str, language: str = "") -> list[ParsedItem]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_docx_package(data, name)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, LxmlError) as exc:
        raise IngestError(f"{name} is not a readable DOCX ({exc.__class__.__name__}).") from None
    sections: list[tuple[str, list[str]]] = []
    fallback_title = (document.core_properties.title or "").strip() or PurePath(name).stem.replace("_", " ")
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style in {"Heading 1", "Title"} and text:
            sections.append((text, []))
        elif text:
            if not sections:
                sections.append((fallback_title, []))
            prefix = "### " if style.startswith("Heading") else ""
            sections[-1][1].append(prefix + text)
    for table in document.tables:
        rows = [" | ".join(cell.text.strip() for cell in row.cells) for row in table.rows]
        if rows:
            if not sections:
                sections.append((fallback_title, []))
            sections[-1][1].append("\n".join(rows))
    items = [
        _text_item(category, title, "\n\n".join(body), language, f"{name}, section {title!r}")
        for title, body in sections
        if body
    ]
    if not items:
        raise IngestError(f"{name} is empty: no text found.")
    return items


def check_file(name: str, size: int, *, category: str = "", limit: int | None = None) -> str:
    """What a request checks before keeping a file for the worker (and the worker again before reading it):
    its type, its size (at most `limit` bytes, when the file came through a door), a category for
    documents. Returns the format; raises `IngestError`."""
    suffix = PurePath(name).suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise IngestError(f"{name}: unsupported file type {suffix or '(none)'}; use .md, .json, .csv, .pdf or .docx.")
    if size <= 0:
        raise IngestError(f"{name} is empty.")
    if limit is not None and size > limit:
        raise IngestError(f"{name} is larger than {limit} bytes.")
    if fmt in DOCUMENT_FORMATS and (category or "").strip().lower() not in CATEGORIES:
        raise IngestError(f"{name}: a {fmt.upper()} needs a category, one of {', '.join(CATEGORIES)}.")
    return fmt


def parse_file(name: str, data: bytes, *, category: str = "", language: str = "") -> list[ParsedItem]:
    """Every item in the file `name`, or `IngestError`. `category` is required for PDF and DOCX."""
    fmt = check_file(name, len(data), category=category)
    if not data.strip():
        raise IngestError(f"{name} is empty.")
    if fmt in DOCUMENT_FORMATS:
        category = category.strip().lower()
        parser = parse_pdf if fmt == "pdf" else parse_docx
        return check_unique(parser(data, name, category, language), name)
    parser = {"markdown": parse_markdown, "json": parse_json, "csv": parse_csv}[fmt]
    return check_unique(parser(data, name, language), name)
