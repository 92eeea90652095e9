"""Onboarding's background work: the confirmation mail of an inbound e-mail address (sent by the worker)."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import send_mail

from core.durability import DurableTask
from onboarding.services.bindings import CONFIRMATION_MAIL_TASK


@shared_task(base=DurableTask, name=CONFIRMATION_MAIL_TASK)
def send_address_confirmation(address: str, subject: str, body: str) -> int:
    """SMTP failures retry with the durable back-off, then become a dead letter; the manager can ask again."""
    return send_mail(subject, body, None, [address])
