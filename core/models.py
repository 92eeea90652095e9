"""Public schema: what the platform operator needs across properties (`core` is a shared app only)."""

from __future__ import annotations

from typing import Self

from django.db import models


class OneRowSettings(models.Model):
    """A property's settings of one concern: one row per schema (pk=1), made with its defaults on first read."""

    class Meta:
        abstract = True

    @classmethod
    def current(cls) -> Self:
        row, _ = cls.objects.get_or_create(pk=1)
        return row


class DeadLetter(models.Model):
    """A background task that failed for good: kept whole so a platform admin can see and replay it."""

    task_name = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64, blank=True)
    schema_name = models.CharField(max_length=63, help_text="The property schema the task ran in.")
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    error = models.TextField()
    traceback = models.TextField(blank=True)
    retries = models.PositiveIntegerField(default=0)
    failed_at = models.DateTimeField(auto_now_add=True)
    replayed_at = models.DateTimeField(null=True, blank=True)
    replay_task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-failed_at"]
        indexes = [models.Index(fields=["replayed_at", "-failed_at"])]

    def __str__(self) -> str:
        return f"{self.task_name} in {self.schema_name} at {self.failed_at:%Y-%m-%d %H:%M}"
