"""Django's PostgreSQL backend, its connection pool checking a connection without a round trip when it can.

django-tenants' backend is built on this one (`ORIGINAL_BACKEND` in nocturn/settings.py). With
`CONN_HEALTH_CHECKS`, Django gives its pool psycopg_pool's check, an empty query: a round trip to
PostgreSQL on every check-out, i.e. on every request daphne serves (the widget's message POST among them).
`check_connection` asks the socket first: a connection PostgreSQL closed (a restart, a terminated backend,
an idle timeout) has something to read — the server's farewell or the end of the stream — while a healthy
idle one has nothing. Only then is the empty query run, which raises for a dead connection (the pool then
drops it and hands out another) and reads whatever else the server sent. The race the empty query leaves
(the server going away between the check and the request's first statement) is the same.

It also remembers, with each server connection, the search path django-tenants last set on it: a pooled
connection's next request for the same property (nearly every widget POST) then sends no `SET search_path`
(`search_path_set_schemas` below).
"""

from __future__ import annotations

import select
import weakref
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


# The search path each server connection was last given by django-tenants' `SET search_path`, kept beside the
# psycopg connection (which the pool hands from request to request), forgotten whenever that SET may be undone.
_set_on: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()


class DatabaseWrapper(base.DatabaseWrapper):
    """django-tenants' base: the pool's check without a round trip, and no `SET search_path` a connection has already.

    django-tenants sends `SET search_path` on a connection's first cursor unless `search_path_set_schemas` says it
    is set (TENANT_LIMIT_SET_CALLS), and forgets that on every schema switch and every check-out from the pool, so
    each widget POST sent one. The attribute here also answers from the server connection itself: when the path it
    was last given is the one the wrapper's schema wants now, that path is in force and the SET is skipped; any
    other path (another property's, public's, none yet) is set as before. A SET is transactional, so the
    connection's path is forgotten on a rollback, a savepoint's rollback, and a connection given back to the pool
    inside a transaction (the pool rolls it back).
    """

    @property
    def search_path_set_schemas(self) -> list[str] | None:
        known = self.__dict__.get("_search_path_set_schemas")
        conn = self.__dict__.get("connection")
        if known is None and conn is not None and self.__dict__.get("schema_name"):
            held = _set_on.get(conn)
            if held is not None and held == self._get_cursor_search_paths():
                return held
        return known

    @search_path_set_schemas.setter
    def search_path_set_schemas(self, paths: list[str] | None) -> None:
        # django-tenants sets it after its SET succeeded on this wrapper's connection, and clears it otherwise.
        self.__dict__["_search_path_set_schemas"] = paths
        conn = self.__dict__.get("connection")
        if paths is not None and conn is not None:
            _set_on[conn] = list(paths)

    def _forget_search_path(self) -> None:
        conn = self.__dict__.get("connection")
        if conn is not None:
            _set_on.pop(conn, None)

    def rollback(self) -> None:
        self._forget_search_path()
        super().rollback()

    def savepoint_rollback(self, sid: str) -> None:
        self._forget_search_path()
        super().savepoint_rollback(sid)

    def _close(self) -> None:
        conn = self.connection
        if conn is not None and conn.info.transaction_status != pq.TransactionStatus.IDLE:
            _set_on.pop(conn, None)  # the pool rolls back what it is given inside a transaction
        super()._close()

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
