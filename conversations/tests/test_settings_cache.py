"""A turn's property and channel settings come from a per-process cache: per property, and dropped on change.

`core.settings_cache` keeps the rows a guest turn reads (the property, its ChannelSettings) while the
property's stamp in Redis is unchanged; every save bumps it on commit, so a worker sees a manager's change
on its next turn, and property B's turn is never served property A's rows.
"""

from __future__ import annotations

import pytest
import redis
from django_tenants.utils import schema_context

from assistant import prompts
from conversations import engine
from conversations.models import ChannelSettings
from core import settings_cache
from core.redis import get_redis
from properties.models import Property
from properties.services import current_property_cached
from testsupport.counting import redis_gets

pytestmark = pytest.mark.django_db


@pytest.fixture
def tones(world) -> dict[str, str]:
    tones = {"alpha": "formal and brief", "bravo": "warm and chatty"}
    for schema, tone in tones.items():
        with schema_context(schema):
            ChannelSettings.update_current(ai_tone=tone)
    settings_cache.clear()
    # The same stamp for both properties (none yet), so only the schema in the cache's key tells them apart.
    get_redis().delete(*(settings_cache.stamp_key(schema) for schema in tones))
    return tones


def test_each_property_is_served_its_own_rows(world, tones, django_assert_num_queries) -> None:
    for schema in ("alpha", "bravo"):  # fill the cache for both
        with schema_context(schema):
            ChannelSettings.cached()
            current_property_cached()
    with django_assert_num_queries(0):  # from the cache now, and still each property's own
        for schema, prop in (("alpha", world.a), ("bravo", world.b), ("alpha", world.a)):
            with schema_context(schema):
                assert ChannelSettings.cached().ai_tone == tones[schema]
                assert current_property_cached().name == prop.name


def test_property_bs_turn_never_sees_as_settings(world, tones, monkeypatch) -> None:
    seen: list[tuple[str, str]] = []
    system_prompt = prompts.system_prompt

    def recording(**kwargs: object) -> str:
        seen.append((str(kwargs["property_name"]), str(kwargs["tone"])))
        return system_prompt(**kwargs)

    monkeypatch.setattr(prompts, "system_prompt", recording)
    for schema in ("alpha", "bravo", "alpha", "bravo"):  # the second round from the cache
        with schema_context(schema):
            engine.answer("What time is breakfast?")
    names = {"alpha": world.a.name, "bravo": world.b.name}
    assert seen == [(names[s], tones[s]) for s in ("alpha", "bravo", "alpha", "bravo")]


def test_a_saved_change_is_read_on_the_next_turn(world, tones, django_capture_on_commit_callbacks) -> None:
    with schema_context("alpha"):
        assert ChannelSettings.cached().ai_tone == tones["alpha"]
        assert current_property_cached().timezone == world.a.timezone
        with django_capture_on_commit_callbacks(execute=True):
            row = ChannelSettings.current()
            row.ai_tone = "saved tone"
            row.save()
        assert ChannelSettings.cached().ai_tone == "saved tone"
        with django_capture_on_commit_callbacks(execute=True):
            ChannelSettings.update_current(ai_tone="updated tone")  # the settings page's one UPDATE
        assert ChannelSettings.cached().ai_tone == "updated tone"
    with django_capture_on_commit_callbacks(execute=True):
        prop = Property.objects.get(pk=world.a.pk)
        prop.timezone = "Asia/Tokyo"
        prop.save()
    with schema_context("alpha"):
        assert current_property_cached().timezone == "Asia/Tokyo"


def test_a_change_committed_by_another_process_is_seen_through_the_stamp(world, tones) -> None:
    with schema_context("alpha"):
        ChannelSettings.cached()
        # Another process writes the row; until its commit moves the stamp, this process keeps its copy.
        ChannelSettings.objects.filter(pk=1).update(ai_tone="from elsewhere")
        assert ChannelSettings.cached().ai_tone == tones["alpha"]
        get_redis().incr(settings_cache.stamp_key("alpha"))  # that process's commit
        assert ChannelSettings.cached().ai_tone == "from elsewhere"
    with schema_context("bravo"):
        assert ChannelSettings.cached().ai_tone == tones["bravo"]  # B's stamp did not move


def test_copies_expire_and_redis_down_means_fresh_reads(world, tones, monkeypatch, django_assert_num_queries) -> None:
    with schema_context("alpha"):
        ChannelSettings.cached()
        ChannelSettings.objects.filter(pk=1).update(ai_tone="changed without a stamp")
        monkeypatch.setattr(settings_cache, "TTL_SECONDS", 0.0)
        settings_cache.clear()
        ChannelSettings.cached()  # cached for 0 s
        ChannelSettings.objects.filter(pk=1).update(ai_tone="after expiry")
        assert ChannelSettings.cached().ai_tone == "after expiry"

        def down(*args: object, **kwargs: object) -> None:
            raise redis.ConnectionError("Redis is down")

        monkeypatch.setattr(settings_cache, "TTL_SECONDS", 10.0)
        monkeypatch.setattr(settings_cache, "get_redis", lambda: type("Down", (), {"get": down})())
        with django_assert_num_queries(2):  # no stamp to trust: each read goes to PostgreSQL
            assert ChannelSettings.cached().ai_tone == "after expiry"
            assert ChannelSettings.cached().ai_tone == "after expiry"


def test_a_turn_reads_each_propertys_stamp_once_and_the_next_turn_sees_a_change(world, tones, monkeypatch) -> None:
    gets = redis_gets(monkeypatch, settings_cache)
    client = get_redis()
    with settings_cache.one_stamp_read():
        for schema in ("alpha", "bravo", "alpha", "bravo"):
            with schema_context(schema):
                assert ChannelSettings.cached().ai_tone == tones[schema]  # each property its own row still
                current_property_cached()
        with schema_context("alpha"):
            ChannelSettings.objects.filter(pk=1).update(ai_tone="committed elsewhere mid-turn")
            client.incr(settings_cache.stamp_key("alpha"))  # that process's commit
            assert ChannelSettings.cached().ai_tone == tones["alpha"]  # this turn keeps the stamp it read
    assert sorted(gets) == sorted(settings_cache.stamp_key(schema) for schema in ("alpha", "bravo"))
    with settings_cache.one_stamp_read(), schema_context("alpha"):  # the next turn
        assert ChannelSettings.cached().ai_tone == "committed elsewhere mid-turn"
    with schema_context("alpha"):  # outside a turn: a read of the stamp per row, as before
        ChannelSettings.cached()
        current_property_cached()
    assert len(gets) == 5
