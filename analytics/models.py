"""Tenant schema: daily figures per local date, the widget visitor counter, and the GM reports sent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.fields import EncryptedTextField
from core.models import OneRowSettings


class DailyAggregate(models.Model):
    """What happened on one local date of the property. Recomputing a date rewrites the same row."""

    date = models.DateField(unique=True, help_text="The property's local date.")
    total_inquiries = models.PositiveIntegerField(default=0, help_text="Conversations started that day.")
    after_hours_inquiries = models.PositiveIntegerField(default=0)
    whatsapp_inquiries = models.PositiveIntegerField(default=0)
    web_inquiries = models.PositiveIntegerField(default=0)
    email_inquiries = models.PositiveIntegerField(default=0)
    guest_messages = models.PositiveIntegerField(default=0)
    leads_captured = models.PositiveIntegerField(default=0)
    after_hours_leads = models.PositiveIntegerField(default=0)
    handoffs = models.PositiveIntegerField(default=0)
    resolved_by_ai = models.PositiveIntegerField(
        default=0, help_text="Conversations started that day answered by the AI with no handoff or staff message."
    )
    widget_visitors = models.PositiveIntegerField(default=0)
    # Kept apart on purpose: a bot reply must never count as the team's first response.
    ai_first_response_count = models.PositiveIntegerField(default=0)
    ai_first_response_avg_seconds = models.FloatField(null=True, blank=True)
    ai_first_response_p50_seconds = models.FloatField(null=True, blank=True)
    staff_first_response_count = models.PositiveIntegerField(default=0)
    staff_first_response_avg_seconds = models.FloatField(null=True, blank=True)
    staff_first_response_p50_seconds = models.FloatField(null=True, blank=True)
    estimated_revenue_recovered = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        help_text=(
            "Expected revenue of the after-hours leads captured that day still open (not converted, not lost) "
            "when the row was computed; the pages read it live."
        ),
    )
    conversions = models.PositiveIntegerField(default=0, help_text="Leads marked converted that day.")
    converted_revenue = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        help_text="Leads converted that day: the value staff recorded, else the lead's booking value.",
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"Figures for {self.date}"


class WidgetVisitDay(models.Model):
    """Visitors of the widget per local date; incremented atomically once per visitor session."""

    date = models.DateField(unique=True)
    visitors = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.visitors} widget visitors on {self.date}"


class ReportSettings(OneRowSettings):
    """When the GM's daily report goes out (one row per property schema)."""

    enabled = models.BooleanField(default=True)
    send_at = models.TimeField(default=dt.time(7, 30), help_text="Property-local time of the daily report.")
    callback_list_size = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )

    class Meta:
        verbose_name_plural = "report settings"

    def __str__(self) -> str:
        return f"Daily report at {self.send_at:%H:%M}"


class GMReport(models.Model):
    """A daily report as it was sent: kept whole so the dashboard shows exactly what the GM received."""

    report_date = models.DateField(unique=True, help_text="The local date the figures are for.")
    recipient = models.EmailField()
    subject = models.CharField(max_length=200)
    # The report lists the day's leads by name and number: encrypted like the leads themselves.
    html = EncryptedTextField()
    text = EncryptedTextField()
    chart_png = models.BinaryField()
    figures = models.JSONField(default=dict)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-report_date"]

    def __str__(self) -> str:
        return self.subject
