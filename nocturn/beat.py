"""Beat's scheduler: django-celery-beat's tenant-aware one, with "every property" entries really sent to each.

tenant-schemas-celery's database scheduler stamps every entry with the schema its row was read
from (`_schema_name: public`, the only schema holding beat's tables), and an explicit
`_schema_name` wins over the schema it then iterates: each property's copy of an all-properties
entry (the outbox's safety net, analytics, the GM report, retention) ran in the public schema,
where those tables do not exist, and became a dead letter. Dropping the stamp for those entries
lets each copy carry the schema it is sent from.
"""

from __future__ import annotations

from typing import Any

from tenant_schemas_celery.db_scheduler import TenantAwareDatabaseScheduler


class PropertyAwareDatabaseScheduler(TenantAwareDatabaseScheduler):
    def apply_entry(self, entry: Any, producer: Any = None) -> None:
        headers = entry.options.setdefault("headers", {})
        if headers.get("_all_tenants_only"):
            headers.pop("_schema_name", None)
        super().apply_entry(entry, producer=producer)
