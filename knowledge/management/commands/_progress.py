"""A small text progress bar for management commands (on stderr, so stdout stays the summary)."""

from __future__ import annotations

from django.core.management.base import OutputWrapper


class ProgressBar:
    def __init__(self, label: str, stream: OutputWrapper, width: int = 30) -> None:
        self.label = label
        self.stream = stream
        self.width = width

    def __call__(self, done: int, total: int) -> None:
        filled = int(self.width * done / total) if total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}", ending="\n" if done >= total else "")
        self.stream.flush()
