"""Knowledge base API routes, included under /api/v1/ on the public host."""

from django.urls import path

from knowledge import api

urlpatterns = [
    path("properties/<int:property_id>/knowledge-base", api.knowledge_base, name="knowledge-base"),
    path("properties/<int:property_id>/knowledge-base/search", api.knowledge_search, name="knowledge-search"),
    path("properties/<int:property_id>/knowledge-base/jobs/<int:job_id>", api.knowledge_job, name="knowledge-job"),
]
