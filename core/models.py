"""Public schema: what the platform operator needs across properties (`core` is a shared app only)."""

from __future__ import annotations

from typing import Self

from django.db import connection, models
from django.db.models.signals import post_delete, post_save

from core import settings_cache


class OneRowSettings(models.Model):
    """A property's settings of one concern: one row per schema (pk=1), made with its defaults on first read.

    Saving or deleting a row drops its cached copies everywhere (a queryset's delete sends post_delete per
    row too); an UPDATE through the queryset must go through `update_current` to do the same.
    """

    class Meta:
        abstract = True

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        uid = f"settings-cache:{cls.__module__}.{cls.__name__}"
        for signal in (post_save, post_delete):
            signal.connect(_settings_changed, sender=cls, dispatch_uid=uid)

    @classmethod
    def current(cls) -> Self:
        row, _ = cls.objects.get_or_create(pk=1)
        return row

    @classmethod
    def cached(cls) -> Self:
        """The row for reading on a hot path (a guest turn), from this process's cache while it holds
        (`core.settings_cache`): shared by the process's callers, so never change or save it."""
        return settings_cache.cached(connection.schema_name, cls._meta.label, cls.current)

    @classmethod
    def update_current(cls, **fields: object) -> None:
        """Set these fields of the row in one UPDATE (other fields untouched) and drop cached copies."""
        cls.objects.filter(pk=cls.current().pk).update(**fields)
        settings_cache.changed(connection.schema_name)


def _settings_changed(sender: type, **kwargs: object) -> None:
    settings_cache.changed(connection.schema_name)


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
