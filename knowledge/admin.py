"""The knowledge base in the property's back office (tenant admin).

List / filter / search / edit items (an edit that changes the embedded text re-embeds on save),
bulk activate / deactivate, an upload form that previews what it will create before saving, and a
"try a question" page showing the ranked chunks with their scores (why the AI answered what it did).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from core.admin import ReadOnlyAdmin
from knowledge.forms import TryForm, UploadForm
from knowledge.models import AUTHORED_FIELDS, EmbeddingStatus, IngestionJob, JobStatus, KnowledgeChunk, KnowledgeItem
from knowledge.services.embeddings import get_provider, min_similarity
from knowledge.services.ingestion import embed_items, save_item, set_active
from knowledge.services.parsers import FORMATS, IngestError
from knowledge.services.retrieval import search_detailed
from knowledge.services.upload import confirm_upload, keep_preview, preview_or_receive, summary, take_preview
from properties.tenant_admin import tenant_admin_site


class ChunkInline(admin.TabularInline):
    model = KnowledgeChunk
    extra = 0
    fields = ["ordinal", "language", "token_count", "text", "embedding_model"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(KnowledgeItem, site=tenant_admin_site)
class KnowledgeItemAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "category",
        "language",
        "is_active",
        "valid_from",
        "valid_to",
        "chunk_count",
        "embedding_status",
        "updated_at",
    ]
    list_filter = ["category", "language", "is_active", "embedding_status"]
    search_fields = ["title", "content", "title_ms", "content_ms"]
    fields = [
        *AUTHORED_FIELDS,
        "source",
        "embedding_status",
        "embedding_error",
        "embedded_at",
        "content_hash",
    ]
    readonly_fields = ["embedding_status", "embedding_error", "embedded_at", "content_hash"]
    actions = ["activate", "deactivate", "reembed"]
    inlines = [ChunkInline]
    change_list_template = "admin/knowledge/knowledgeitem/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[KnowledgeItem]:
        return super().get_queryset(request).annotate(_chunks=Count("chunks"))

    @admin.display(description="chunks", ordering="_chunks")
    def chunk_count(self, obj: KnowledgeItem) -> int:
        return obj._chunks  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: KnowledgeItem, form: forms.Form, change: bool) -> None:
        save_item(obj)
        if obj.embedding_status == EmbeddingStatus.FAILED:
            messages.warning(request, f"Saved, but embedding failed: {obj.embedding_error}")

    @admin.action(description="Activate selected items", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[KnowledgeItem]) -> None:
        count = set_active(queryset.values_list("pk", flat=True), True)
        messages.success(request, f"{count} item(s) activated.")

    @admin.action(description="Deactivate selected items", permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[KnowledgeItem]) -> None:
        count = set_active(queryset.values_list("pk", flat=True), False)
        messages.success(request, f"{count} item(s) deactivated.")

    @admin.action(description="Re-embed selected items", permissions=["change"])
    def reembed(self, request: HttpRequest, queryset: QuerySet[KnowledgeItem]) -> None:
        result = embed_items(queryset.values_list("pk", flat=True), force=True)
        level = messages.ERROR if result.failed else messages.SUCCESS
        messages.add_message(request, level, f"Re-embedded {result.embedded}, failed {result.failed}.")

    def get_urls(self) -> list[URLPattern]:
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="knowledge_knowledgeitem_upload"),
            path("try/", self.admin_site.admin_view(self.try_view), name="knowledge_knowledgeitem_try"),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Upload → preview (nothing saved) → confirm (upsert + embed). The parsed items wait in the session."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Upload knowledge",
            "formats": ", ".join(sorted(FORMATS)),
        }
        if request.method == "POST" and request.POST.get("token"):
            return self._confirm_upload(request)
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            file = form.cleaned_data["file"]
            try:
                preview = preview_or_receive(
                    file.name,
                    file.read(),
                    category=form.cleaned_data["category"],
                    language=form.cleaned_data["language"],
                    requested_by=request.user.email,
                )
            except IngestError as exc:
                form.add_error("file", str(exc))
            else:
                if isinstance(preview, IngestionJob):  # a document or a large file: the worker reads it
                    messages.info(request, summary(preview))
                    return HttpResponseRedirect(reverse(f"{self.admin_site.name}:knowledge_ingestionjob_changelist"))
                token = keep_preview(request.session, preview)
                context.update(plan=preview.plan, token=token, source=preview.source)
        context["form"] = form
        return TemplateResponse(request, "admin/knowledge/knowledgeitem/upload.html", context)

    def _confirm_upload(self, request: HttpRequest) -> HttpResponse:
        kept = take_preview(request.session, request.POST["token"])
        changelist = reverse(f"{self.admin_site.name}:knowledge_knowledgeitem_changelist")
        if kept is None:
            messages.error(request, "This preview has expired or was already saved; upload the file again.")
            return HttpResponseRedirect(changelist)
        try:
            job = confirm_upload(kept.items, source=kept.source, requested_by=request.user.email)
        except IngestError as exc:
            messages.error(request, f"Nothing was saved: {exc}")
            return HttpResponseRedirect(changelist)
        messages.add_message(
            request, messages.ERROR if job.status == JobStatus.FAILED else messages.SUCCESS, summary(job)
        )
        return HttpResponseRedirect(changelist)

    def try_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = TryForm(request.GET or None)
        results = None
        if form.is_valid():
            results = search_detailed(
                form.cleaned_data["q"], k=10, today=form.cleaned_data["on"], include_below_threshold=True
            )
        provider = get_provider()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Try a question",
            "form": form,
            "results": results,
            "threshold": min_similarity(provider.name),
            "provider": f"{provider.name} ({provider.model}, {provider.dimensions} dimensions)",
        }
        return TemplateResponse(request, "admin/knowledge/knowledgeitem/try.html", context)


@admin.register(IngestionJob, site=tenant_admin_site)
class IngestionJobAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "source",
        "stage",
        "progress",
        "reason",
        "created_count",
        "updated_count",
        "unchanged_count",
        "embedded_count",
        "failed_count",
        "requested_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status"]
    search_fields = ["source", "requested_by"]
    # A large set's staged items (up to KNOWLEDGE_MAX_ITEMS_PER_JOB) are not shown: the progress says enough.
    exclude = ["staged_items"]
    readonly_fields = [field.name for field in IngestionJob._meta.fields if field.name != "staged_items"] + [
        "progress",
        "stage",
    ]

    @admin.display(description="written")
    def progress(self, job: IngestionJob) -> str:
        """A large set the worker writes in batches: how far it is; "—" for a set written on its request."""
        return f"{job.items_written:,} / {job.items_total:,}" if job.items_total else "—"

    @admin.display(description="state")
    def stage(self, job: IngestionJob) -> str:
        return job.stage

    @admin.display(description="why it failed")
    def reason(self, job: IngestionJob) -> str:
        return (job.error[:300] + ("…" if len(job.error) > 300 else "")) if job.status == JobStatus.FAILED else ""
