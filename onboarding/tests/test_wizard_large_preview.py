"""Issue 18: the wizard confirms a knowledge preview through the knowledge app's one upload door, so a
preview larger than one request may write is staged for the worker like the API's large sets."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import schema_context

from knowledge.models import IngestionJob, KnowledgeItem
from knowledge.services import ingestion
from onboarding.services.wizard import knowledge_save


def items(count: int, marker: str) -> list[dict[str, str]]:
    return [
        {"category": "faq", "title": f"Question {n} {marker}", "content": f"Answer number {n} about the hotel."}
        for n in range(count)
    ]


@pytest.mark.django_db
def test_a_large_preview_confirmed_in_the_wizard_is_written_by_the_worker_too(world: Any, settings: Any) -> None:
    # The admin and the wizard confirm a preview through the same confirm_upload as the API: a preview
    # holding more items than one request may write is staged for the worker, never written here.
    settings.KNOWLEDGE_MAX_ITEMS_PER_REQUEST = 10
    with schema_context(world.a.schema_name):
        parsed = ingestion.items_from_objects(items(12, "w"), "rooms.csv")
    saved = knowledge_save(world.a, parsed, "rooms.csv", actor=world.manager_a)
    assert saved["status"] == "pending" and "writing 0 of 12 items" in saved["summary"]
    with schema_context(world.a.schema_name):
        assert not KnowledgeItem.objects.exists()
        assert IngestionJob.objects.get(pk=saved["job_id"]).items_total == 12
    with schema_context(world.b.schema_name):
        assert not IngestionJob.objects.exists()
