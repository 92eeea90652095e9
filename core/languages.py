"""The languages the product speaks: a guest's, a conversation's, a knowledge item's, a saved reply's."""

from django.db import models


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    MALAY = "ms", "Bahasa Malaysia"
