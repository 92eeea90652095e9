"""bench/turn_floor.py: the parent process talks to the Redis of the stack it starts."""

from __future__ import annotations

from bench import turn_floor


def test_the_parent_pings_the_worker_on_the_redis_it_gives_the_stack(monkeypatch) -> None:
    monkeypatch.setattr(turn_floor, "REDIS", turn_floor.REDIS)
    monkeypatch.setitem(turn_floor.celery.conf, "broker_url", turn_floor.celery.conf.broker_url)
    given = turn_floor.use_redis("redis://127.0.0.1:6391/7")  # what main() hands its daphne and worker
    assert given == turn_floor.REDIS == "redis://127.0.0.1:6391/7"
    with turn_floor.celery.connection_for_write() as connection:  # what `celery.control.ping` sends on
        assert connection.as_uri().endswith("127.0.0.1:6391/7")
