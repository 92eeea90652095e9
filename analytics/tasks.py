"""Beat jobs, sent to every property's schema (tenant-aware beat); each decides by its local clock."""

from __future__ import annotations

import smtplib

from celery import shared_task

from analytics.services.aggregation import compute_yesterday_if_due
from analytics.services.report import send_report_if_due
from core.durability import DurableTask, TransientError


@shared_task(base=DurableTask)
def aggregate_yesterday() -> str | None:
    aggregate = compute_yesterday_if_due()
    return aggregate.date.isoformat() if aggregate else None


@shared_task(base=DurableTask)
def send_daily_report() -> str | None:
    try:
        report = send_report_if_due()
    except (smtplib.SMTPException, OSError) as error:  # the mail server is down or refused: retry
        raise TransientError(str(error)) from error
    return report.report_date.isoformat() if report else None
