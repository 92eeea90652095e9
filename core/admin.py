from __future__ import annotations

import re
from typing import Any

from django.contrib import admin, messages
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django_tenants.utils import get_tenant_model

from core.durability import replay_dead_letter
from core.models import DeadLetter


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows only the product writes (a job, an event, a trail, a progress record): shown here, never added or
    changed by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# A phone number as people write it: "+60 12-345 6789", "012-345 6789", "(03) 2141 8000".
_WRITTEN_PHONE = re.compile(r"^\+?[\d(][\d\s().-]{5,}\d$")


class ContactSearchAdmin(admin.ModelAdmin):
    """A search box over a blind-indexed phone: a number written with spaces is one term, not three.

    The admin splits a search at spaces and wants every word to match; "012-345 6789" became "012-345" and
    "6789", neither of them a whole number, and found nobody."""

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        term = search_term.strip()
        if " " in term and _WRITTEN_PHONE.match(term):
            search_term = f'"{term}"'
        return super().get_search_results(request, queryset, search_term)


class SingleRowAdmin(admin.ModelAdmin):
    """A table of one row per property (its settings of one concern): once the row exists, no second one."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not self.model.objects.exists()


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    list_display = ["failed_at", "task_name", "property", "error", "retries", "replayed_at"]
    list_filter = ["task_name", "schema_name", ("replayed_at", admin.EmptyFieldListFilter)]
    search_fields = ["task_name", "error", "task_id"]
    readonly_fields = ["property", *[f.name for f in DeadLetter._meta.fields]]
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[DeadLetter]:
        # The property's name beside its schema, in the list's one query (the tenant model by the library's
        # setting: core imports no app).
        names = get_tenant_model().objects.filter(schema_name=OuterRef("schema_name")).values("name")[:1]
        return super().get_queryset(request).annotate(property_name=Subquery(names))

    @admin.display(description="Property", ordering="schema_name")
    def property(self, letter: DeadLetter) -> str:
        name = getattr(letter, "property_name", None)
        return f"{name} ({letter.schema_name})" if name else letter.schema_name

    @admin.action(description="Replay the selected tasks in their own property")
    def replay(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> None:
        sent = [task_id for letter in queryset if (task_id := replay_dead_letter(letter.pk))]
        skipped = queryset.count() - len(sent)
        self.message_user(
            request,
            f"Replayed {len(sent)} task(s); {skipped} had already been replayed.",
            messages.SUCCESS if sent else messages.WARNING,
        )
