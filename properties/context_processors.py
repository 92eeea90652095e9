from django.db import connection
from django.http import HttpRequest


def current_property(request: HttpRequest) -> dict[str, object]:
    tenant = getattr(connection, "tenant", None)
    is_property = tenant is not None and connection.schema_name != "public"
    return {"current_property": tenant if is_property else None, "current_role": getattr(request, "role", None)}
