from django.http import HttpRequest

from properties.permissions import role_of, served_property


def current_property(request: HttpRequest) -> dict[str, object]:
    """The property whose host this is, and the signed-in user's role in it, for every template."""
    property_ = served_property()
    return {"current_property": property_, "current_role": role_of(request.user, property_) if property_ else None}
