"""Tenant schema: a property's knowledge items, their embedded chunks and ingestion jobs.

Every table here exists once per property schema, so each property has its own HNSW index and a
search can neither scan nor return another property's content.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from pgvector.django import HnswIndex, VectorField

from core.languages import Language


class Category(models.TextChoices):
    ROOMS = "rooms", "Rooms"
    RATES = "rates", "Rates"
    FACILITIES = "facilities", "Facilities"
    FAQ = "faq", "FAQ"
    POLICIES = "policies", "Policies"
    DINING = "dining", "Dining"


class EmbeddingStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be embedded"
    READY = "ready", "Searchable"
    FAILED = "failed", "Embedding failed"


# What a manager writes of an item (a knowledge file's keys, the admin form's first fields); the rest is derived.
AUTHORED_FIELDS = (
    "category",
    "title",
    "content",
    "language",
    "title_ms",
    "content_ms",
    "metadata",
    "is_active",
    "valid_from",
    "valid_to",
)


class KnowledgeItem(models.Model):
    category = models.CharField(max_length=16, choices=Category.choices)
    title = models.CharField(max_length=300)
    content = models.TextField()
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    # The same fact in Bahasa Malaysia, beside an English item: embedded as chunks of their own, so a
    # Malay question is answered in the hotel's Malay words instead of a quoted English text.
    title_ms = models.CharField("title (Bahasa Malaysia)", max_length=300, blank=True)
    content_ms = models.TextField(
        "content (Bahasa Malaysia)",
        blank=True,
        help_text="Optional: the same information in Bahasa Malaysia, answered to guests who write in Malay.",
    )
    metadata = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    valid_from = models.DateField(null=True, blank=True, help_text="First day this fact applies (seasonal).")
    valid_to = models.DateField(null=True, blank=True, help_text="Last day this fact applies (inclusive).")
    # Hash of what is embedded (title, category, language, content, the Malay text when there is one);
    # `embedded_hash` is the hash the current chunks were built from, so "needs embedding" is simply
    # `embedded_hash != content_hash`.
    content_hash = models.CharField(max_length=64, editable=False)
    embedded_hash = models.CharField(max_length=64, blank=True, editable=False)
    embedding_status = models.CharField(
        max_length=16, choices=EmbeddingStatus.choices, default=EmbeddingStatus.PENDING, editable=False
    )
    embedding_error = models.TextField(blank=True, editable=False)
    embedded_at = models.DateTimeField(null=True, blank=True, editable=False)
    source = models.CharField(max_length=300, blank=True, help_text="The file or channel this item came from.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "title"], name="knowledge_item_unique_title_per_category"),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_to__isnull=True)
                | models.Q(valid_from__lte=models.F("valid_to")),
                name="knowledge_item_valid_range",
            ),
        ]
        indexes = [models.Index(fields=["is_active", "category"])]
        ordering = ["category", "title"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.title}"

    def is_valid_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class KnowledgeChunk(models.Model):
    item = models.ForeignKey(KnowledgeItem, on_delete=models.CASCADE, related_name="chunks")
    ordinal = models.PositiveIntegerField()
    text = models.TextField()
    # The chunk's own language: an English item with a Malay text has chunks in both.
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    token_count = models.PositiveIntegerField()
    embedding = VectorField(dimensions=settings.EMBEDDING_DIMENSIONS, null=True)
    # 'simple' configuration: no stemming, no stop words. PostgreSQL has no Malay dictionary, and an
    # English stemmer would mangle Malay words; exact-word matching suits names, prices and times.
    search_vector = SearchVectorField(null=True)
    embedding_model = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "ordinal"], name="knowledge_chunk_unique_ordinal")]
        indexes = [
            HnswIndex(
                name="knowledge_chunk_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
            GinIndex(fields=["search_vector"], name="knowledge_chunk_search_gin"),
        ]
        ordering = ["item_id", "ordinal"]

    def __str__(self) -> str:
        return f"{self.item_id}#{self.ordinal}"


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class IngestionJob(models.Model):
    """One ingestion (API upload, admin upload, command): what it changed and how embedding went."""

    FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)  # nothing runs for the job again

    source = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    requested_by = models.CharField(max_length=254, blank=True, help_text="E-mail of the staff account.")
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    item_ids = models.JSONField(default=list, help_text="Items this job must embed.")
    embedded_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # A set larger than one request may write (KNOWLEDGE_MAX_ITEMS_PER_REQUEST) is kept here, validated,
    # and written by the worker in batches; items_written / items_total is its progress.
    staged_items = models.JSONField(default=list, blank=True, help_text="Items still to be written by the worker.")
    items_total = models.PositiveIntegerField(default=0)
    items_written = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.status})"

    @property
    def stage(self) -> str:
        """Where an unfinished job is, in a staff member's words (the knowledge page lists jobs)."""
        if self.status in self.FINISHED:
            return self.get_status_display()
        if self.items_total and self.items_written < self.items_total:
            return "Writing items"
        if self.item_ids:
            return "Embedding"
        return "Reading the file"


class UploadedFile(models.Model):
    """An uploaded file's bytes, kept in the property's schema until the worker has read them (issue 18:
    the request only checks size and type; parsing has a time limit on the worker). Dropped once read."""

    job = models.OneToOneField(IngestionJob, on_delete=models.CASCADE, primary_key=True, related_name="upload")
    name = models.CharField(max_length=300)
    category = models.CharField(max_length=16, blank=True)
    language = models.CharField(max_length=8, blank=True)
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
