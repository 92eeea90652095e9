"""Apps both shared and tenant keep each model in its one schema: public-only, or in each property only.

django-tenants migrates an app listed in SHARED_APPS and TENANT_APPS into every schema. A tenant
copy of a public table would shadow the public one on a tenant's search path (`alpha, public`):
the audit trail would split, and a signature check made inside a property's schema would find no
integration credential. `settings.PUBLIC_ONLY_MODELS` names, per such app, the models that live
in the public schema only; the app's other models live in property schemas only.

Listed before django-tenants' router: it only ever says "not here", and leaves every other
decision (and every other app) to that router.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections
from django_tenants.utils import get_public_schema_name, get_tenant_database_alias


class PublicOnlyModelsRouter:
    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        public_only = settings.PUBLIC_ONLY_MODELS.get(app_label)
        if public_only is None or model_name is None or db != get_tenant_database_alias():
            return None
        in_public = connections[db].schema_name == get_public_schema_name()
        if (model_name.lower() in public_only) != in_public:
            return False
        return None  # the right schema: django-tenants' router still checks the app lists
