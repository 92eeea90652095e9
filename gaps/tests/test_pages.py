"""The gap inbox's pages on a property's host: who sees them, who may act, and what answering shows."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from conftest import host_client
from gaps.models import Gap, GapStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def bike_gap(world, ask_unanswered) -> Gap:
    with schema_context(world.a.schema_name):
        ask_unanswered("can I rent a bike")
        return ask_unanswered("boleh sewa basikal?", language="ms")


def test_the_inbox_lists_gaps_by_count_and_filters_them(world, bike_gap, ask_unanswered) -> None:
    with schema_context(world.a.schema_name):
        umbrella = ask_unanswered("can I borrow an umbrella")
    page = host_client(world.a, world.manager_a).get("/gaps/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(f'data-gap="{bike_gap.pk}"') < html.index(f'data-gap="{umbrella.pk}"')  # 2× before 1×
    assert "boleh sewa basikal?" in html and "can I borrow an umbrella" in html
    only_malay = host_client(world.a, world.manager_a).get("/gaps/?language=ms").content.decode()
    assert "umbrella" not in only_malay and f'data-gap="{bike_gap.pk}"' in only_malay
    # On a phone the table's head is hidden: each figure says what it is ("Asked: 2×", "Languages: en, ms").
    cells = re.findall(r"<td[^>]*>", html.split('class="list gaps"')[1].split("</table>")[0])
    assert sum("data-label" not in cell for cell in cells) == 2  # the two questions, read as links


def test_a_manager_answers_from_the_page_and_sees_the_check_pass(world, bike_gap) -> None:
    client = host_client(world.a, world.manager_a)
    detail = client.get(f"/gaps/{bike_gap.pk}/").content.decode()
    assert 'name="answer_en"' in detail and "Can I rent a bike" in detail  # the prefilled title
    response = client.post(
        f"/gaps/{bike_gap.pk}/answer/",
        {
            "title": "Bicycle hire",
            "category": "facilities",
            "answer_en": "Bicycles can be rented at the front desk: RM15 per hour.",
            "answer_ms": "Boleh, sewa basikal di kaunter hadapan: RM15 sejam.",
        },
        follow=True,
    )
    html = response.content.decode()
    assert 'data-status="answered"' in html
    assert 'data-passed="true"' in html, html[html.find("Try a question") :]
    assert html.count('data-found="true"') == 2


def test_a_bad_answer_from_the_page_is_explained_and_changes_nothing(world, bike_gap) -> None:
    client = host_client(world.a, world.manager_a)
    response = client.post(
        f"/gaps/{bike_gap.pk}/answer/", {"title": "Bikes", "category": "facilities", "answer_en": " "}, follow=True
    )
    assert "answer_en is required" in response.content.decode()
    with schema_context(world.a.schema_name):
        assert Gap.objects.get(pk=bike_gap.pk).status == GapStatus.OPEN


def test_other_propertys_staff_get_404_and_viewers_see_no_forms_and_403_on_posts(world, bike_gap) -> None:
    outsider, viewer = host_client(world.a, world.manager_b), host_client(world.a, world.viewer_a)
    paths = [f"/gaps/{bike_gap.pk}/answer/", f"/gaps/{bike_gap.pk}/dismiss/", f"/gaps/{bike_gap.pk}/follow-up/"]
    assert outsider.get("/gaps/").status_code == 404
    assert outsider.get(f"/gaps/{bike_gap.pk}/").status_code == 404
    for path in paths:
        assert outsider.post(path, {"reason": "other"}).status_code == 404
        assert (
            viewer.post(path, {"reason": "other", "title": "x", "category": "faq", "answer_en": "y"}).status_code == 403
        )
    page = viewer.get(f"/gaps/{bike_gap.pk}/")
    assert page.status_code == 200 and 'name="answer_en"' not in page.content.decode()
    # B's own inbox on B's host does not know A's gap.
    assert host_client(world.b, world.manager_b).get(f"/gaps/{bike_gap.pk}/").status_code == 404
    with schema_context(world.a.schema_name):
        assert Gap.objects.get(pk=bike_gap.pk).status == GapStatus.OPEN
