"""The privacy app is both shared and tenant: its audit trail lives in the public schema only,
its per-property settings in each property's schema only.

django-tenants migrates an app in both SHARED_APPS and TENANT_APPS into every schema; a tenant copy
of the audit table would shadow the public one on a tenant's search path (`alpha, public`) and
split the trail. Listed before django-tenants' router: it only ever says "not here", and leaves
every other decision to that router.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django_tenants.utils import get_public_schema_name, get_tenant_database_alias

PUBLIC_ONLY_MODELS = {"auditevent"}


class PrivacyModelsRouter:
    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        if app_label != "privacy" or model_name is None or db != get_tenant_database_alias():
            return None
        in_public = connections[db].schema_name == get_public_schema_name()
        if (model_name.lower() in PUBLIC_ONLY_MODELS) != in_public:
            return False
        return None
