"""Pooled connections keep properties apart (DATABASE_POOL, on in daphne).

A connection from the pool still carries the search_path of whoever used it last. django-tenants
must issue `SET search_path` again on every connection it takes from the pool, or a request for
property B would read property A's tables. Here threads interleave A and B on a two-connection pool,
so nearly every turn takes a connection last used for the other property; each must see only its
own property's row.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from django.db import connection
from django.db.utils import ConnectionHandler
from django.test.utils import CaptureQueriesContext

ALIAS = "pooled"
THREADS, TURNS = 4, 40


@pytest.fixture
def probe_tables(committed_db) -> Iterator[tuple[str, str]]:
    """A table of the same name in A's and B's schemas, each holding its own schema's name."""
    schemas = (committed_db.a.schema_name, committed_db.b.schema_name)
    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(f'CREATE TABLE IF NOT EXISTS "{schema}".pool_probe (owner text)')
            cursor.execute(f'TRUNCATE "{schema}".pool_probe')
            cursor.execute(f'INSERT INTO "{schema}".pool_probe VALUES (%s)', [schema])
    yield schemas
    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(f'DROP TABLE IF EXISTS "{schema}".pool_probe')


def _pooled_handler(max_size: int) -> ConnectionHandler:
    options = {
        **connection.settings_dict.get("OPTIONS", {}),
        "pool": {"min_size": 1, "max_size": max_size, "timeout": 20},
    }
    pooled_settings = {**connection.settings_dict, "CONN_MAX_AGE": 0, "OPTIONS": options}
    # A handler needs a "default"; only ALIAS is ever connected.
    return ConnectionHandler({"default": dict(connection.settings_dict), ALIAS: pooled_settings})


@pytest.fixture
def pool_of() -> Iterator[Callable[[int], ConnectionHandler]]:
    """The test database through Django's own pool, as daphne uses it, of at most N connections (closed after)."""
    handlers: list[ConnectionHandler] = []

    def make(max_size: int) -> ConnectionHandler:
        handlers.append(_pooled_handler(max_size))
        return handlers[-1]

    yield make
    for handler in handlers:
        handler[ALIAS].close_pool()


@pytest.fixture
def pooled(pool_of: Callable[[int], ConnectionHandler]) -> ConnectionHandler:
    """Two connections at most, shared by every thread."""
    return pool_of(2)


@pytest.fixture
def single(pool_of: Callable[[int], ConnectionHandler]) -> ConnectionHandler:
    """A pool of one connection: whoever takes it gets the one the last user left."""
    return pool_of(1)


def test_interleaved_properties_on_pooled_connections_each_see_only_their_own_rows(
    probe_tables: tuple[str, str], pooled: ConnectionHandler, committed_db
) -> None:
    tenants = {committed_db.a.schema_name: committed_db.a, committed_db.b.schema_name: committed_db.b}
    seen: list[tuple[str, list[str], int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        db = pooled[ALIAS]  # this thread's wrapper; its connections come from the shared pool
        try:
            for turn in range(TURNS):
                schema = probe_tables[(index + turn) % 2]
                db.set_tenant(tenants[schema])
                with db.cursor() as cursor:
                    cursor.execute("SELECT owner FROM pool_probe")
                    owners = [row[0] for row in cursor.fetchall()]
                    cursor.execute("SELECT pg_backend_pid()")
                    pid = cursor.fetchone()[0]
                with lock:
                    seen.append((schema, owners, pid))
                db.close()  # back to the pool, as Django does at the end of every request
        except BaseException as exc:  # reported below, with the thread's failure
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    assert len(seen) == THREADS * TURNS
    wrong = [(schema, owners) for schema, owners, _ in seen if owners != [schema]]
    assert not wrong, f"{len(wrong)} queries saw another property's rows, e.g. {wrong[:3]}"
    # The pool really was shared: a couple of server connections served both properties.
    pids = {pid for _, _, pid in seen}
    assert len(pids) <= 2
    assert all({s for s, _, p in seen if p == pid} == set(probe_tables) for pid in pids)


def test_switching_property_without_closing_a_pooled_connection(
    probe_tables: tuple[str, str], pooled: ConnectionHandler, committed_db
) -> None:
    db = pooled[ALIAS]
    try:
        for tenant in (committed_db.a, committed_db.b, committed_db.a):
            db.set_tenant(tenant)
            with db.cursor() as cursor:
                cursor.execute("SELECT owner FROM pool_probe")
                assert [row[0] for row in cursor.fetchall()] == [tenant.schema_name]
    finally:
        db.close()


def test_a_connection_back_from_another_property_is_set_again_without_a_new_set_tenant(
    probe_tables: tuple[str, str], single: ConnectionHandler, committed_db
) -> None:
    """The case set_tenant's own reset does not cover: same wrapper, same property, but the one
    pooled connection was used for B in between. django-tenants' close() must forget the path it set."""

    def owners(db: object) -> list[str]:
        with db.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute("SELECT owner FROM pool_probe")
            return [row[0] for row in cursor.fetchall()]

    db = single[ALIAS]
    db.set_tenant(committed_db.a)
    assert owners(db) == [committed_db.a.schema_name]
    db.close()

    def other_request() -> None:  # another thread's request for B takes the only connection
        other = single[ALIAS]
        other.set_tenant(committed_db.b)
        seen.append(owners(other))
        other.close()

    seen: list[list[str]] = []
    thread = threading.Thread(target=other_request)
    thread.start()
    thread.join(timeout=60)
    assert seen == [[committed_db.b.schema_name]]

    try:
        assert owners(db) == [committed_db.a.schema_name]  # no set_tenant: A is still this wrapper's property
    finally:
        db.close()


def _backend_state(pid: int) -> tuple[str, object]:
    """The server's view of one backend (another connection's read): its state and when that last changed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT state, state_change FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()


def _pooled_pid(db: object) -> int:
    with db.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_healthy_pooled_connection_is_checked_out_without_a_round_trip(
    single: ConnectionHandler, committed_db
) -> None:
    """The pool's health check asks the socket, not the server: no statement reaches the backend between
    one request giving the connection back and the next request's own first statement."""
    db = single[ALIAS]
    db.set_tenant(committed_db.a)
    pid = _pooled_pid(db)
    db.close()
    before = _backend_state(pid)
    db.ensure_connection()  # the check-out, and the pool's check with it
    try:
        assert db.connection.info.backend_pid == pid
        assert _backend_state(pid) == before  # the empty query would have made it active and idle again
    finally:
        db.close()


def test_a_pooled_connection_the_server_ended_is_replaced_at_check_out(single: ConnectionHandler, committed_db) -> None:
    """A connection PostgreSQL closed while it sat in the pool (a restart, an idle timeout) is never handed to a
    request: the check sees it and the pool gives a new one, so the request's statements succeed."""
    db = single[ALIAS]
    db.set_tenant(committed_db.a)
    pid = _pooled_pid(db)
    db.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    for _ in range(100):  # the backend's goodbye reaches the socket within a moment
        if _backend_state(pid) is None:
            break
        time.sleep(0.02)
    try:
        db.set_tenant(committed_db.b)
        new_pid = _pooled_pid(db)
        assert new_pid != pid
    finally:
        db.close()


def _search_path_sets(db: object, work: Callable[[], object]) -> list[str]:
    with CaptureQueriesContext(db) as captured:  # type: ignore[arg-type]
        work()
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SET search_path")]


def test_a_pooled_connection_already_on_the_property_s_path_is_not_set_again(
    probe_tables: tuple[str, str], single: ConnectionHandler, committed_db
) -> None:
    """The connection remembers the path it was given: a request for the same property sends no `SET search_path`
    (each widget POST sent one); a request for another property, or for public, still sets its own."""

    def request(tenant: object) -> list[str]:
        db = single[ALIAS]
        db.set_tenant(tenant)
        try:
            with db.cursor() as cursor:
                cursor.execute("SELECT owner FROM pool_probe")
                assert [row[0] for row in cursor.fetchall()] == [tenant.schema_name]  # type: ignore[attr-defined]
        finally:
            db.close()

    db = single[ALIAS]
    assert len(_search_path_sets(db, lambda: request(committed_db.a))) == 1
    assert _search_path_sets(db, lambda: request(committed_db.a)) == []
    assert len(_search_path_sets(db, lambda: request(committed_db.b))) == 1
    assert _search_path_sets(db, lambda: request(committed_db.b)) == []
    assert len(_search_path_sets(db, lambda: request(committed_db.a))) == 1


def test_a_search_path_set_in_a_transaction_rolled_back_is_set_again(
    probe_tables: tuple[str, str], single: ConnectionHandler, committed_db
) -> None:
    """A SET is undone with its transaction: the connection forgets it, and the next request sets it again."""
    db = single[ALIAS]
    db.set_tenant(committed_db.b)
    with db.cursor() as cursor:  # B's path, committed (autocommit)
        cursor.execute("SELECT 1")
    db.close()

    db.set_tenant(committed_db.a)
    db.set_autocommit(False)  # as an atomic block begins (the pooled wrapper is not in `connections`)
    with db.cursor() as cursor:  # A's path set inside the transaction, then rolled back: B's again
        cursor.execute("SELECT owner FROM pool_probe")
    db.rollback()
    db.set_autocommit(True)
    db.close()

    def read_a() -> None:
        db.set_tenant(committed_db.a)
        try:
            with db.cursor() as cursor:
                cursor.execute("SELECT owner FROM pool_probe")
                assert [row[0] for row in cursor.fetchall()] == [committed_db.a.schema_name]
        finally:
            db.close()

    assert len(_search_path_sets(db, read_a)) == 1
