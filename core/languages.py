"""The languages the product speaks: a guest's, a conversation's, a knowledge item's, a saved reply's."""

from django.db import models


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    MALAY = "ms", "Bahasa Malaysia"


def spoken(language: str) -> str:
    """The language of our own texts (notices, questions, templates) for `language`: Malay for "ms",
    English for anything else (another language, or none known yet)."""
    return "ms" if language == "ms" else "en"  # plain strings: they go into JSON, sessions and task arguments
