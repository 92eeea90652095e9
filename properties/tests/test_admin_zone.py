"""The admins name the zone their times are in: UTC in the platform admin, the hotel's own in its back office
(a platform admin reading "11:43 p.m." beside a hotel in Kuala Lumpur must know whose clock that is)."""

from __future__ import annotations

import re

import pytest

from conftest import host_client

pytestmark = pytest.mark.django_db


def _zone(page: str) -> str:
    match = re.search(r'<div id="admin-zone">([^<]*)</div>', page)
    assert match, "the page names no zone"
    return match.group(1)


@pytest.mark.parametrize("path", ["/admin/", "/admin/core/deadletter/", "/admin/properties/property/"])
def test_the_platform_admin_says_its_times_are_utc(world, path: str) -> None:
    response = host_client(None, world.platform_admin).get(path)
    assert response.status_code == 200
    assert _zone(response.content.decode()) == "Times in UTC"


@pytest.mark.parametrize("path", ["/admin/", "/admin/leads/lead/"])
def test_a_property_s_back_office_says_its_times_are_the_hotel_s(world, path: str) -> None:
    world.b.timezone = "Asia/Kuching"
    world.b.save(update_fields=["timezone"])
    response = host_client(world.b, world.manager_b).get(path)
    assert response.status_code == 200
    assert _zone(response.content.decode()) == "Times in Asia/Kuching"
