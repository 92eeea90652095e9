"""Bindings must be proven (issue 18): a WhatsApp number only once Meta, asked with the property's own
token through the real adapter (fake Graph server on 127.0.0.1), answers for it; an inbound address only
in the property's own subdomain or once a link mailed to it is opened. Squatting on another property's
number or address is refused with exactly the answer an unusable one gets, and no quicker."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import transaction

from conftest import host_client
from onboarding import tasks
from onboarding.services import bindings
from properties.models import EmailBinding, WhatsAppBinding

pytestmark = pytest.mark.django_db
TOKEN_A, TOKEN_B = "token-of-alpha", "token-of-bravo"


def onboard(client: Any, property_id: int, step: str, data: dict[str, Any]) -> Any:
    body = json.dumps({"step": step, "data": data})
    return client.post(f"/api/v1/properties/{property_id}/onboard", data=body, content_type="application/json")


def bind_number(world: Any, property_: Any, number: str, token: str) -> Any:
    manager = world.manager_a if property_ == world.a else world.manager_b
    data = {"phone_number_id": number, "display_phone_number": "+60 3-1234 5678", "access_token": token}
    return onboard(host_client(None, manager), property_.pk, "whatsapp", data)


def number_lookups(graph: Any, number: str) -> int:
    return sum(1 for r in graph.requests if r.method == "GET" and r.path.endswith(f"/{number}"))


def test_a_number_is_bound_only_once_meta_confirms_the_token_may_use_it(world: Any, fake_graph: Any) -> None:
    fake_graph.accepted_tokens |= {TOKEN_A, TOKEN_B}
    fake_graph.add_phone_number("4440001", tokens={TOKEN_A})
    for number, token in (("4449999", TOKEN_A), ("4440001", TOKEN_B), ("4440001", "revoked")):
        refused = bind_number(world, world.a, number, token)
        assert refused.status_code == 400
        assert refused.json()["errors"] == {"phone_number_id": [bindings.NUMBER_UNVERIFIED]}
    assert not WhatsAppBinding.objects.filter(phone_number_id__in=["4440001", "4449999"]).exists()
    assert number_lookups(fake_graph, "4449999") == 1 and number_lookups(fake_graph, "4440001") == 2
    bound = bind_number(world, world.a, "4440001", TOKEN_A)
    assert bound.status_code == 200, bound.content
    assert WhatsAppBinding.objects.get(phone_number_id="4440001").property_id == world.a.pk
    lookup = [r for r in fake_graph.requests if r.method == "GET" and r.path.endswith("/4440001")][-1]
    assert lookup.headers["authorization"] == f"Bearer {TOKEN_A}"  # the property's own token, not the platform's


def test_meta_unreachable_is_said_as_such_and_binds_nothing(world: Any, fake_graph: Any) -> None:
    fake_graph.add_phone_number("4440002")
    fake_graph.fail(times=5, status=503)
    refused = bind_number(world, world.a, "4440002", fake_graph.token)
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"phone_number_id": [bindings.GRAPH_UNREACHABLE]}
    assert not WhatsAppBinding.objects.filter(phone_number_id="4440002").exists()


def test_squatting_on_a_number_gets_the_answer_of_an_unusable_one_and_no_quicker(world: Any, fake_graph: Any) -> None:
    fake_graph.accepted_tokens |= {TOKEN_A, TOKEN_B}
    fake_graph.add_phone_number("4440003", tokens={TOKEN_A})
    assert bind_number(world, world.a, "4440003", TOKEN_A).status_code == 200
    fake_graph.delay(0.4, times=10)  # every Graph answer takes 0.4 s from here on
    answers, seconds = [], []
    # B with its own token on A's number; with A's token (leaked, or a shared partner token); an unknown id.
    for number, token in (("4440003", TOKEN_B), ("4440003", TOKEN_A), ("4449998", TOKEN_B)):
        started = time.monotonic()
        response = bind_number(world, world.b, number, token)
        seconds.append(time.monotonic() - started)
        answers.append((response.status_code, response.json()["errors"]))
    assert answers[0] == answers[1] == answers[2] == (400, {"phone_number_id": [bindings.NUMBER_UNVERIFIED]})
    assert "another" not in json.dumps(answers) and world.a.name not in json.dumps(answers)
    assert min(seconds) >= 0.4, seconds  # "taken" is not answered before Meta is asked
    assert number_lookups(fake_graph, "4440003") == 3
    assert WhatsAppBinding.objects.get(phone_number_id="4440003").property_id == world.a.pk


@pytest.fixture(autouse=True)
def confirmation_mails(monkeypatch: pytest.MonkeyPatch) -> list[list[Any]]:
    """The confirmation mail is queued for the worker; here the queued task runs in this process on commit,
    so `mail.outbox` shows what the worker would send. Returns what was queued."""
    queued: list[list[Any]] = []

    def run_here_on_commit(name: str, *, args: list[Any]) -> None:
        assert name == bindings.CONFIRMATION_MAIL_TASK
        queued.append(list(args))
        transaction.on_commit(lambda: tasks.send_address_confirmation.apply(args=args))

    monkeypatch.setattr(bindings, "enqueue_on_commit", run_here_on_commit)
    return queued


def own_address(property_: Any, local: str = "stay") -> str:
    return f"{local}@{property_.slug}.{settings.INBOUND_EMAIL_DOMAIN}"


def ask_address(world: Any, property_: Any, address: str, capture: Any) -> Any:
    manager = world.manager_a if property_ == world.a else world.manager_b
    with capture(execute=True):
        return onboard(host_client(None, manager), property_.pk, "email", {"address": address})


def link_in(message: Any) -> str:
    return re.search(r"https?://\S+/email-addresses/confirm/\S+/", message.body).group(0)


def test_an_own_subdomain_address_binds_at_once_and_another_after_its_link(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    own = own_address(world.a)
    response = ask_address(world, world.a, own.upper(), django_capture_on_commit_callbacks)
    assert response.json()["email"] == {"address": own, "status": "bound"}
    assert EmailBinding.objects.get(address=own).property_id == world.a.pk and not mail.outbox

    response = ask_address(world, world.a, "Reservations@Alpha-Hotel.example", django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert response.json()["email"] == {"address": "reservations@alpha-hotel.example", "status": "pending_verification"}
    assert not EmailBinding.objects.filter(address="reservations@alpha-hotel.example").exists()
    (sent,) = mail.outbox
    assert sent.to == ["reservations@alpha-hotel.example"]
    link = link_in(sent)
    assert link.startswith(f"http://{world.a.slug}.{settings.BASE_DOMAIN}/email-addresses/confirm/")
    path = link.split("//", 1)[1].split("/", 1)[1]
    page = host_client(world.a).get(f"/{path}")  # opening it (a mail scanner would) binds nothing
    assert page.status_code == 200 and b"confirm-email-form" in page.content
    assert not EmailBinding.objects.filter(address="reservations@alpha-hotel.example").exists()
    # The link means nothing on B's host.
    assert host_client(world.b).post(f"/{path}").status_code == 404
    done = host_client(world.a).post(f"/{path}")
    assert done.status_code == 200 and b"is connected" in done.content
    binding = EmailBinding.objects.get(address="reservations@alpha-hotel.example")
    assert binding.property_id == world.a.pk and binding.is_active


def test_a_link_expires(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False):
        ask_address(world, world.a, "desk@alpha-hotel.example", django_capture_on_commit_callbacks)
    path = "/" + link_in(mail.outbox[-1]).split("//", 1)[1].split("/", 1)[1]
    hours = settings.EMAIL_BINDING_LINK_HOURS
    with time_machine.travel(start + dt.timedelta(hours=hours, minutes=1), tick=False):
        refused = host_client(world.a).post(path)
    assert refused.status_code == 404 and bindings.ADDRESS_UNVERIFIED.encode() in refused.content
    assert not EmailBinding.objects.filter(address="desk@alpha-hotel.example").exists()
    forged = host_client(world.a).post(path.replace("/confirm/", "/confirm/x"))
    assert forged.status_code == 404 and bindings.ADDRESS_UNVERIFIED.encode() in forged.content


def test_squatting_on_an_address_gets_the_answer_of_a_free_one_and_mails_nobody(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ask_address(world, world.a, "front@alpha-hotel.example", django_capture_on_commit_callbacks)
    a_link = link_in(mail.outbox[-1])
    assert host_client(world.a).post("/" + a_link.split("//", 1)[1].split("/", 1)[1]).status_code == 200
    own_a = own_address(world.a)
    ask_address(world, world.a, own_a, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    answers = {}
    for address in ("front@alpha-hotel.example", own_a, own_address(world.a, "other"), "free@bravo-hotel.example"):
        response = ask_address(world, world.b, address, django_capture_on_commit_callbacks)
        answers[address] = (response.status_code, response.json()["email"]["status"], response.json().get("errors"))
    assert set(answers.values()) == {(200, "pending_verification", None)}
    # Only the free address got a link; A's addresses and A's subdomain were mailed nothing.
    assert [m.to for m in mail.outbox] == [["free@bravo-hotel.example"]]
    assert EmailBinding.objects.get(address="front@alpha-hotel.example").property_id == world.a.pk
    assert EmailBinding.objects.get(address=own_a).property_id == world.a.pk
    # A link B obtained for an address A binds meanwhile is refused like an expired one.
    b_link = "/" + link_in(mail.outbox[-1]).split("//", 1)[1].split("/", 1)[1]
    EmailBinding.objects.create(property=world.a, address="free@bravo-hotel.example")
    refused = host_client(world.b).post(b_link)
    assert refused.status_code == 404 and bindings.ADDRESS_UNVERIFIED.encode() in refused.content
    assert EmailBinding.objects.get(address="free@bravo-hotel.example").property_id == world.a.pk


def test_bindings_in_the_django_admin_are_the_platform_admins_back_office(world: Any) -> None:
    """The public admin writes bindings without proof: it is for platform admins only (support moves a
    number between properties after checking with Meta and the hotel); a hotel's manager cannot reach it."""
    for path in ("/admin/properties/whatsappbinding/add/", "/admin/properties/emailbinding/add/"):
        assert host_client(None, world.manager_a).get(path).status_code in (302, 403)
        assert host_client(world.a, world.manager_a).get(path).status_code in (302, 403, 404)
        assert host_client(None, world.platform_admin).get(path).status_code == 200


def test_the_confirmation_mail_leaves_from_the_worker_not_the_request(
    world: Any, confirmation_mails: list[list[Any]], django_capture_on_commit_callbacks: Any
) -> None:
    """An SMTP round trip inside the request for free addresses only would time which ones are taken."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        address = {"address": "desk@alpha-hotel.example"}
        response = onboard(host_client(None, world.manager_a), world.a.pk, "email", address)
    assert response.json()["email"]["status"] == "pending_verification"
    assert not mail.outbox  # nothing sent while the request ran
    (queued,) = confirmation_mails
    assert queued[0] == "desk@alpha-hotel.example" and "/email-addresses/confirm/" in queued[2]
    assert len(callbacks) == 1
