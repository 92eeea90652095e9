"""core.routers: one router keeps each listed app's models in their one schema (settings.PUBLIC_ONLY_MODELS)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from core.routers import PublicOnlyModelsRouter

pytestmark = pytest.mark.django_db


def test_a_listed_model_only_in_public_and_the_apps_others_only_in_properties(world, settings) -> None:
    settings.PUBLIC_ONLY_MODELS = {"shop": {"ledger"}}
    router = PublicOnlyModelsRouter()
    with schema_context("public"):
        assert router.allow_migrate("default", "shop", "Ledger") is None  # the next router decides
        assert router.allow_migrate("default", "shop", "basket") is False
    with schema_context(world.a.schema_name):
        assert router.allow_migrate("default", "shop", "ledger") is False
        assert router.allow_migrate("default", "shop", "basket") is None
        assert router.allow_migrate("default", "other", "ledger") is None  # apps not listed: not its business
        assert router.allow_migrate("default", "shop") is None  # no model named (RunSQL …): not its business


def test_the_settings_keep_the_audit_trail_and_credentials_public(settings) -> None:
    assert {"privacy": {"auditevent"}, "integrations": {"integrationcredential"}} == settings.PUBLIC_ONLY_MODELS
    assert settings.DATABASE_ROUTERS[0] == "core.routers.PublicOnlyModelsRouter"
