"""Knowledge base API on the public host: upsert a property's knowledge, poll the embedding job.

The caller names the property in the URL; `property_for_user` lets its managers (and platform
admins) change the knowledge base and every member search it: 404 for anyone else, 403 for a
member of another role. Everything after that runs in the property's schema.
"""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.http import Http404
from django_tenants.utils import schema_context
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.boundary import BoundedJSONParser
from knowledge.models import IngestionJob
from knowledge.serializers import IngestionJobSerializer, KnowledgeItemsSerializer, KnowledgeUploadSerializer
from knowledge.services.parsers import IngestError, items_from_objects
from knowledge.services.retrieval import search
from knowledge.services.upload import confirm_upload, receive_file
from properties.permissions import MANAGERS, property_for_user

FILE_FIELDS = ("category", "language")  # what a multipart upload says beside its file


def _job_body(request: Request, property_id: int, job: IngestionJob) -> dict[str, object]:
    body = dict(IngestionJobSerializer(job).data)
    body["status_url"] = request.build_absolute_uri(f"/api/v1/properties/{property_id}/knowledge-base/jobs/{job.pk}")
    return body


@extend_schema(
    summary="Upsert the property's knowledge base (JSON items, or one file the worker reads); embedding is async",
    request={"application/json": KnowledgeItemsSerializer, "multipart/form-data": KnowledgeUploadSerializer},
    responses={202: IngestionJobSerializer, 400: OpenApiResponse(description="What is wrong with the input")},
)
@api_view(["PUT"])
@parser_classes([BoundedJSONParser, MultiPartParser])
def knowledge_base(request: Request, property_id: int) -> Response:
    property_ = property_for_user(request.user, property_id, roles=MANAGERS)
    try:
        if request.content_type.startswith("multipart/"):
            upload = KnowledgeUploadSerializer(data=request.data)
            upload.is_valid(raise_exception=True)
            file = upload.validated_data["file"]
            if file.size > settings.KNOWLEDGE_UPLOAD_MAX_BYTES:
                return Response(
                    {"detail": f"{file.name} is larger than {settings.KNOWLEDGE_UPLOAD_MAX_BYTES} bytes."},
                    status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                )
            with schema_context(property_.schema_name):
                # Never parsed here: the worker reads it within KNOWLEDGE_READ_TIME_LIMIT (the job says how it went).
                fields = upload.validated_data
                job = receive_file(
                    file.name, file.read(), requested_by=request.user.email, **{k: fields[k] for k in FILE_FIELDS}
                )
            return Response(_job_body(request, property_.pk, job), status=status.HTTP_202_ACCEPTED)
        source = "api"
        items = items_from_objects(request.data, "request body")
        if len(items) > settings.KNOWLEDGE_MAX_ITEMS_PER_JOB:
            limit = settings.KNOWLEDGE_MAX_ITEMS_PER_JOB
            return Response(
                {"detail": f"{source} has {len(items)} items; send at most {limit} at once."},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        with schema_context(property_.schema_name):
            # The API never waits: the job it answers with is what the caller polls. A large set is not
            # even written here: the worker writes it in batches (items_written / items_total).
            job = confirm_upload(items, source=source, requested_by=request.user.email, wait=False)
    except IngestError as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    return Response(_job_body(request, property_.pk, job), status=status.HTTP_202_ACCEPTED)


@extend_schema(
    summary="One ingestion job of the property (poll until succeeded or failed)", responses=IngestionJobSerializer
)
@api_view(["GET"])
def knowledge_job(request: Request, property_id: int, job_id: int) -> Response:
    property_ = property_for_user(request.user, property_id, roles=MANAGERS)
    with schema_context(property_.schema_name):
        job = IngestionJob.objects.filter(pk=job_id).first()
        if job is None:
            raise Http404("No such job.")
        return Response(_job_body(request, property_.pk, job))


class KnowledgeHitSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    chunk_id = serializers.IntegerField()
    title = serializers.CharField()
    category = serializers.CharField()
    language = serializers.CharField()
    text = serializers.CharField()
    score = serializers.FloatField()


@extend_schema(
    summary="Search the property's knowledge base as the AI does (hits above the relevance threshold)",
    parameters=[OpenApiParameter("q", str, required=True), OpenApiParameter("k", int, required=False)],
    responses=KnowledgeHitSerializer(many=True),
)
@api_view(["GET"])
def knowledge_search(request: Request, property_id: int) -> Response:
    property_ = property_for_user(request.user, property_id)  # any member may look
    question = request.query_params.get("q", "").strip()
    try:
        k = min(max(int(request.query_params.get("k", 5)), 1), 20)
    except ValueError:
        return Response({"detail": "k must be a number from 1 to 20."}, status=status.HTTP_400_BAD_REQUEST)
    if not question:
        return Response({"detail": "q (the question) is required."}, status=status.HTTP_400_BAD_REQUEST)
    if len(question) > settings.KNOWLEDGE_SEARCH_MAX_CHARS:
        # Embedding runs on the web process here: a 12,000-character query cost seconds of it.
        limit = settings.KNOWLEDGE_SEARCH_MAX_CHARS
        return Response({"detail": f"q is longer than {limit} characters."}, status=status.HTTP_400_BAD_REQUEST)
    with schema_context(property_.schema_name):
        hits = search(question, k)
    return Response(KnowledgeHitSerializer([asdict(hit) for hit in hits], many=True).data)
