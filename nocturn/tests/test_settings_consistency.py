"""Settings that only work together: a countdown longer than the broker's visibility timeout makes Redis
hand the same task to a second worker (kombu restores every unacknowledged message older than the timeout),
so the pipeline's retry delays must stay under it. The values here are the ones `nocturn.settings` reads."""

from __future__ import annotations

from django.conf import settings


def test_the_pipelines_retry_delays_stay_under_the_brokers_visibility_timeout() -> None:
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    delays = {name: getattr(settings, name) for name in ("OUTBOX_BACKOFF_MAX", "INBOUND_RETRY_MAX_DELAY")}
    too_long = {name: delay for name, delay in delays.items() if delay >= visibility}
    assert not too_long, f"longer than the visibility timeout ({visibility} s): {too_long}"
