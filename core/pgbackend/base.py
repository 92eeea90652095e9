"""Django's PostgreSQL backend, its connection pool checking a connection without a round trip when it can.

django-tenants' backend is built on this one (`ORIGINAL_BACKEND` in nocturn/settings.py). With
`CONN_HEALTH_CHECKS`, Django gives its pool psycopg_pool's check, an empty query: a round trip to
PostgreSQL on every check-out, i.e. on every request daphne serves (the widget's message POST among them).
`check_connection` asks the socket first: a connection PostgreSQL closed (a restart, a terminated backend,
an idle timeout) has something to read — the server's farewell or the end of the stream — while a healthy
idle one has nothing. Only then is the empty query run, which raises for a dead connection (the pool then
drops it and hands out another) and reads whatever else the server sent. The race the empty query leaves
(the server going away between the check and the request's first statement) is the same.
"""

from __future__ import annotations

import select
from typing import Any

from django.db.backends.postgresql import base
from psycopg import pq
from psycopg_pool import ConnectionPool


def check_connection(conn: Any) -> None:
    """psycopg_pool's check, its round trip only where the socket or libpq says something happened."""
    pgconn = conn.pgconn
    if conn.closed or pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
        ConnectionPool.check_connection(conn)
        return
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN | select.POLLERR | select.POLLHUP)
    if poller.poll(0):
        ConnectionPool.check_connection(conn)


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self) -> ConnectionPool | None:
        pool = super().pool
        # Django passes psycopg_pool's own check when CONN_HEALTH_CHECKS is on; ours is the same check, answered
        # by the socket first. Why the private `_check` and not a public API: the pool's public way is its
        # constructor's `check=`, and Django passes that itself (a `check` in OPTIONS["pool"] is a TypeError,
        # "multiple values for keyword argument 'check'"); the pool has no public setter; and building the pool
        # ourselves would copy Django's `pool` property and lean on two private names of Django's
        # (`_connection_pools`, `_configure_connection`) instead of this one. A psycopg_pool that renamed `_check`
        # keeps its own check, and properties/tests/test_pooled_connections.py (no round trip on a healthy
        # check-out) fails on that upgrade.
        if pool is not None and getattr(pool, "_check", None) is ConnectionPool.check_connection:
            pool._check = check_connection
        return pool
