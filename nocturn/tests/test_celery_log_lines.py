"""Which of Celery's per-task lines the worker writes at `-l info` (the product's level: docker-compose, devstack)."""

from __future__ import annotations

import logging

from celery.app import trace
from celery.worker import strategy


def test_a_task_logs_its_outcome_but_not_its_receipt(monkeypatch) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "level", logging.INFO)  # what `celery worker -l info` sets
    assert not strategy.logger.isEnabledFor(logging.INFO)  # "Task …[id] received": one line a task, nothing in it
    assert strategy.logger.isEnabledFor(logging.WARNING)
    assert trace.logger.isEnabledFor(logging.INFO)  # "succeeded in …", a retry: each task's outcome stays
