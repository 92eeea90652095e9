"""The settings and staff pages in a real browser on a real daphne: a manager fixes a bad value in
place, invites an agent (the e-mail goes out over SMTP to a fake server), and the agent accepts
the link, chooses a password and lands signed in; the agent then gets 403 on the settings page."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import schema_context

from properties.models import Membership, User
from testsupport.browser import signed_in_context
from testsupport.live import Daphne, own_daphne
from testsupport.smtp import FakeSmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def mail_daphne(committed_db: Any, live_logs: Path, fake_smtp: FakeSmtpServer) -> Iterator[Daphne]:
    env = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_PORT": str(fake_smtp.port)}
    with own_daphne(live_logs, EMAIL_HOST=fake_smtp.host, **env) as server:
        yield server


@pytest.fixture
def invitee(committed_db: Any) -> Iterator[str]:
    email = f"night.{secrets.token_hex(3)}@alpha.example"
    yield email
    User.objects.filter(email=email).delete()


@pytest.fixture
def restore_channel_settings(committed_db: Any) -> Iterator[None]:
    from conversations.models import ChannelSettings

    with schema_context(committed_db.a.schema_name):
        before = ChannelSettings.current().buffer_window_seconds
    yield
    with schema_context(committed_db.a.schema_name):
        ChannelSettings.update_current(buffer_window_seconds=before)  # live processes' cached copies dropped too


def test_a_manager_changes_a_setting_and_invites_an_agent_who_joins(
    committed_db: Any,
    mail_daphne: Daphne,
    fake_smtp: FakeSmtpServer,
    browser: Any,
    invitee: str,
    restore_channel_settings: None,
) -> None:
    from playwright.sync_api import expect

    world = committed_db
    base = f"http://alpha.localhost:{mail_daphne.port}"
    context = signed_in_context(browser, world.a, world.manager_a, base)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/settings/")
    form = page.locator("#form-buffering")
    form.locator("input[name=window_seconds]").fill("45")
    form.locator("button").click()
    expect(page.locator("#form-buffering")).to_contain_text("less than or equal to 30")
    page.locator("#form-buffering input[name=window_seconds]").fill("4")
    page.locator("#form-buffering button").click()
    expect(page.locator(".messages-flash")).to_contain_text("Buffering window: saved.")
    with schema_context(world.a.schema_name):
        from conversations.models import ChannelSettings

        assert ChannelSettings.current().buffer_window_seconds == 4

    page.goto("/settings/staff/")
    page.fill("#invite-form input[name=email]", invitee)
    page.select_option("#invite-form select[name=role]", "agent")
    page.click("#invite-form button")
    expect(page.locator(".messages-flash")).to_contain_text(f"Invitation sent to {invitee}")
    mails = fake_smtp.wait_for(1, timeout=10)
    assert mails and invitee in mails[0].rcpt_tos
    body = mails[0].message.get_content()
    link = re.search(r"http://alpha\.localhost:\d+/invitations/[\w-]+/", body)
    assert link, body
    context.close()

    joining = browser.new_context().new_page()
    joining.goto(link.group(0))
    joining.fill("#id_password", "lantern-harbour-97")
    joining.fill("#id_password2", "lantern-harbour-97")
    joining.click("#accept-form button")
    joining.wait_for_url(f"{base}/")
    expect(joining.locator("header")).to_contain_text(f"{invitee} · agent")
    user = User.objects.get(email=invitee)
    assert Membership.objects.get(user=user, property=world.a).role == "agent"
    response = joining.goto(f"{base}/settings/")
    assert response is not None and response.status == 403
    joining.context.close()
