"""The integrations app is both shared and tenant: credentials live in the public schema only,
events in each property's schema only.

django-tenants migrates an app listed in SHARED_APPS and TENANT_APPS into every schema; a tenant
copy of the credential table would shadow the public one on a tenant's search path
(`alpha, public`), so a signature check made inside a tenant's schema would find no credential.
This router, placed before django-tenants' own, keeps each model in its one place and leaves
every other app to the next router.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django_tenants.utils import get_public_schema_name, get_tenant_database_alias

PUBLIC_ONLY_MODELS = {"integrationcredential"}


class IntegrationsSchemaRouter:
    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        if app_label != "integrations" or model_name is None or db != get_tenant_database_alias():
            return None
        in_public = connections[db].schema_name == get_public_schema_name()
        if (model_name.lower() in PUBLIC_ONLY_MODELS) != in_public:
            return False
        return None  # the right schema: django-tenants' router still checks the app lists
