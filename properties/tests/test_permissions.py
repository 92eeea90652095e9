"""The one access rule: not a member (or no such property) → 404, a member of another role → 403, platform
admins pass; and the page decorator that applies it on a property's host."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django_tenants.utils import tenant_context

from properties.permissions import (
    MANAGERS,
    PLATFORM_ADMIN,
    READERS,
    WRITERS,
    allows,
    property_for_user,
    require_role,
    role_label,
    role_of,
    served_property,
    staff_page,
)

pytestmark = pytest.mark.django_db


def test_the_role_sets_name_every_role_writers_and_managers():
    assert {"manager", "agent", "viewer"} == READERS
    assert {"manager", "agent"} == WRITERS
    assert {"manager"} == MANAGERS


def test_a_role_is_read_from_the_membership_and_a_platform_admin_is_labelled_as_such(world):
    assert [role_of(u, world.a) for u in (world.manager_a, world.agent_a, world.viewer_a)] == [
        "manager",
        "agent",
        "viewer",
    ]
    assert role_of(world.manager_b, world.a) is None
    assert role_of(AnonymousUser(), world.a) is None
    assert role_of(world.platform_admin, world.a) is None  # no membership: the label says what they are
    assert role_label(world.platform_admin, world.a) == PLATFORM_ADMIN
    assert role_label(world.agent_a, world.a) == "agent"


def test_a_non_member_gets_404_a_member_of_another_role_403_and_a_platform_admin_passes(world):
    with pytest.raises(Http404):
        require_role(world.manager_b, world.a, READERS)
    with pytest.raises(Http404):
        require_role(world.manager_b, world.a, MANAGERS)  # 404 whatever the door asks: B learns nothing of A
    with pytest.raises(PermissionDenied):
        require_role(world.viewer_a, world.a, WRITERS)
    with pytest.raises(PermissionDenied):
        require_role(world.agent_a, world.a, MANAGERS)
    require_role(world.viewer_a, world.a, READERS)
    require_role(world.manager_a, world.a, MANAGERS)
    require_role(world.platform_admin, world.a, MANAGERS)
    require_role(world.platform_admin, world.b, MANAGERS)
    assert allows(world.agent_a, world.a, WRITERS) and not allows(world.viewer_a, world.a, WRITERS)
    assert not allows(world.manager_b, world.a, READERS) and allows(world.platform_admin, world.b, READERS)


def test_an_api_path_names_a_property_that_answers_404_unless_the_caller_may_see_it(world):
    assert property_for_user(world.viewer_a, world.a.pk) == world.a
    assert property_for_user(world.platform_admin, str(world.b.pk), MANAGERS) == world.b
    for unknown in (999_999, "not-a-number", None):
        with pytest.raises(Http404):
            property_for_user(world.platform_admin, unknown)
    with pytest.raises(Http404):
        property_for_user(world.manager_b, world.a.pk, READERS)
    with pytest.raises(PermissionDenied):
        property_for_user(world.agent_a, world.a.pk, MANAGERS)


def _page(request_user, roles, property_=None):
    """Call a page decorated with `staff_page(roles)` as `request_user`, served on `property_`'s host."""

    @staff_page(roles)
    def page(request):
        return HttpResponse("ok")

    request = RequestFactory().get("/somewhere/")
    request.user = request_user
    if property_ is None:
        return page(request)
    with tenant_context(property_):
        return page(request)


def test_a_staff_page_sends_anonymous_visitors_to_the_login_then_applies_the_rule(world):
    anonymous = _page(AnonymousUser(), READERS, world.a)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/?next=/somewhere/")
    assert _page(world.viewer_a, READERS, world.a).status_code == 200
    assert _page(world.platform_admin, MANAGERS, world.a).status_code == 200
    with pytest.raises(PermissionDenied):
        _page(world.viewer_a, WRITERS, world.a)
    with pytest.raises(Http404):
        _page(world.manager_b, READERS, world.a)
    with pytest.raises(Http404):
        _page(world.manager_a, READERS)  # not on a property's host at all


def test_the_served_property_is_the_hosts_and_none_on_the_public_host(world):
    assert served_property() is None
    with tenant_context(world.b):
        assert served_property() == world.b
