"""Read a page's forms as a browser would submit them, for in-process tests of "save without changes".

`submitted_fields(html)` → {form id: [(name, value), …]}: text-like inputs with their value, checked
checkboxes and radios, each textarea's text, each select's selected option (else its first). Buttons
and unchecked boxes send nothing, as in a browser.
"""

from __future__ import annotations

from html.parser import HTMLParser

_NOT_SENT = {"submit", "button", "reset", "image", "file"}


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self._form: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._option: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._form = a.get("id") or f"form{len(self.forms)}"
            self.forms[self._form] = []
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in _NOT_SENT or (kind in ("checkbox", "radio") and "checked" not in a):
                return
            self.forms[self._form].append((name, a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select:
            self._option = {"value": a.get("value"), "selected": "selected" if "selected" in a else None}
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None or self._option is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            # A browser drops the one newline that follows <textarea>.
            text = "".join(self._text)
            self.forms[self._form].append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "option" and self._option is not None:
            value = self._option["value"]
            self._options.append((value if value is not None else "".join(self._text), bool(self._option["selected"])))
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = next(
                (v for v, selected in self._options if selected), self._options[0][0] if self._options else ""
            )
            self.forms[self._form].append((self._select, chosen))
            self._select = None


def submitted_fields(html: str) -> dict[str, list[tuple[str, str]]]:
    reader = _FormReader()
    reader.feed(html)
    return reader.forms
