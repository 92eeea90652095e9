"""Channel-layer sends from synchronous code, on one long-lived event loop per process.

Plain `async_to_sync(layer.group_send)` from a thread that no event loop owns (a Celery worker's
task, a management command) starts a thread, a new event loop and a new Redis connection (with its
handshake) for every send, then throws all three away: the worker's staff-inbox event cost a turn
that much (docs/perf/README.md). Here the process keeps one loop thread instead, so the Redis
layer's connections for that loop live as long as the process.

`send_group` sends from the calling thread on the layer's blocking clients (kept by the layer), in
daphne's request threads and Celery's pool processes alike; only a layer whose hosts are not given by
address sends on a loop: the request's own through `async_to_sync` in a thread asgiref runs for it, the
process's loop thread where the process said it has none (`use_own_loop`, each Celery pool process).

The layer itself (`PipelinedRedisChannelLayer`, CHANNEL_LAYERS' backend) is channels_redis' with fewer waits per
group send.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from channels_redis.core import logger as channels_redis_log
from channels_redis.serializers import MsgPackSerializer
from redis.exceptions import NoScriptError

SEND_TIMEOUT = 10.0  # seconds a send may take before the caller gives up on it

# channels_redis' script for a group's members on one connection, as its `group_send` sends it.
_GROUP_SEND_LUA = """
    local over_capacity = 0
    local current_time = ARGV[#ARGV - 1]
    local expiry = ARGV[#ARGV]
    for i=1,#KEYS do
        if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[i + #KEYS]) then
            redis.call('ZADD', KEYS[i], current_time, ARGV[i])
            redis.call('EXPIRE', KEYS[i], expiry)
        else
            over_capacity = over_capacity + 1
        end
    end
    return over_capacity
"""


# A whole group send in one script, so one round trip: the group's expired members dropped and the rest read, then
# for each Redis queue of theirs (a process's channels share one) the queue's expired messages dropped and, below its
# capacity, the message queued with the queue's channels in it: the commands and the message's bytes of channels_redis'
# `group_send` (`_map_channel_keys_to_connection`, `_GROUP_SEND_LUA`). The message is msgpack's, written by Python up
# to its last key's value, `__asgi_channel__`: the script adds that value, the array of the queue's channel names
# (msgpack's array and str headers, as the Python msgpack writes them), after the random prefix that keeps equal
# messages apart in the queue's sorted set. Several messages to one group (a stream's last events) go in one call, in
# order: each its own score, as consecutive sends get. KEYS[1]: the group; ARGV: the group's expiry cutoff, the
# layer's prefix, the queues' expiry cutoff, the capacity, the queues' expiry, then per message its random prefix,
# head and score. Returns {members, then per message the queues over capacity}.
_ONE_TRIP_GROUP_SEND_LUA = """
    local function header(n, small, one, two, four)
        if n < small then return string.char(one + n) end
        if two == nil and n < 256 then return string.char(0xd9, n) end
        if n < 65536 then return string.char(two or 0xda, math.floor(n / 256), n % 256) end
        return string.char(four or 0xdb, math.floor(n / 16777216), math.floor(n / 65536) % 256,
            math.floor(n / 256) % 256, n % 256)
    end
    redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, ARGV[1])
    local members = redis.call('ZRANGE', KEYS[1], 0, -1)
    local order, names_of = {}, {}
    for _, member in ipairs(members) do
        local bang = string.find(member, '!', 1, true)
        local queue = ARGV[2] .. (bang and string.sub(member, 1, bang) or member)
        if names_of[queue] == nil then
            names_of[queue] = {}
            order[#order + 1] = queue
        end
        table.insert(names_of[queue], member)
    end
    local result = {#members}
    for first = 6, #ARGV, 3 do
        local over_capacity = 0
        for _, queue in ipairs(order) do
            local names = names_of[queue]
            local parts = {ARGV[first], ARGV[first + 1], header(#names, 16, 0x90, 0xdc, 0xdd)}
            for _, name in ipairs(names) do
                parts[#parts + 1] = header(#name, 32, 0xa0)
                parts[#parts + 1] = name
            end
            redis.call('ZREMRANGEBYSCORE', queue, 0, ARGV[3])
            if redis.call('ZCOUNT', queue, '-inf', '+inf') < tonumber(ARGV[4]) then
                redis.call('ZADD', queue, ARGV[first + 2], table.concat(parts))
                redis.call('EXPIRE', queue, ARGV[5])
            else
                over_capacity = over_capacity + 1
            end
        end
        result[#result + 1] = over_capacity
    end
    return result
"""
_ONE_TRIP_SHA = hashlib.sha1(_ONE_TRIP_GROUP_SEND_LUA.encode(), usedforsecurity=False).hexdigest()  # how Redis names it


class PipelinedRedisChannelLayer(RedisChannelLayer):
    """channels_redis' Redis layer whose `group_send` waits for Redis once instead of four times.

    Upstream's `group_send` awaits each step alone: drop the group's expired members, read the members, drop
    the members' expired messages (a MULTI), run the script that queues the message for each. A guest turn
    sends ~4–5 events (the reply's pieces to the guest, the inbox's to staff), each paying four round trips and
    four turns of the event loop, in the worker and in daphne. Here one script runs the same commands and queues
    the same bytes (`_ONE_TRIP_GROUP_SEND_LUA`) where the layer is one msgpack host without encryption or
    capacities by name (ours); elsewhere the same commands go in the same order on the same connections as two
    pipelines: the group's two, then the drop and the script in one MULTI/EXEC (a group nobody is in: one).
    Receiving takes one round trip an event instead of four, and keeps an event through a cancelled read
    (`receive_single`).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pops: dict[str, asyncio.Task[bytes | None]] = {}  # per queue: the one Redis read in flight

    async def receive_single(self, channel: str) -> tuple[str, dict[str, Any]]:
        """The next message of a process-local queue in one round trip (`BZPOPMIN`), kept through a cancelled read.

        Upstream restores a backup queue, pops, copies the message to the backup and removes it from there after:
        four round trips an event, in the task of whichever socket is receiving for the whole process. And its
        backup does not cover the one dangerous moment: a socket closing (its receive cancelled) while the pop is
        in flight cancels the `BZPOPMIN` after Redis has popped, and the event, perhaps another guest's, is lost
        (redis-py drops the connection with the reply in it). Here the pop is a task of its own that no caller's
        cancellation reaches: a cancelled caller leaves it running, and the next receive on this process's queue
        (any socket's) takes its message. One pop at a time per queue (upstream's receive lock), so the order holds.
        """
        if "!" not in channel:
            return await super().receive_single(channel)  # a general channel (none of ours): upstream's
        assert self.require_valid_channel_name(channel, receive=True), "Channel name invalid"
        assert channel.endswith("!")
        index, channel_key = self.consistent_hash(channel), self.prefix + channel
        loop = asyncio.get_running_loop()
        content = None
        while content is None:
            pop = self._pops.get(channel_key)
            if pop is not None and pop.done() and (pop.cancelled() or pop.exception() is not None):
                pop = None  # it failed with no one waiting (Redis restarting as its caller closed): pop again
            if pop is None or pop.get_loop() is not loop:  # a pop of a closed loop (tests) had its connection
                pop = self._pops[channel_key] = loop.create_task(self._pop(index, channel_key))
                pop.add_done_callback(_retrieved)
            try:
                content = await asyncio.shield(pop)
            except BaseException:
                # This caller cancelled: the pop goes on (or has its message) for the next receive. The pop
                # itself failed (Redis) or was cancelled (the loop closing): the next receive pops again.
                if (
                    pop.done()
                    and (pop.cancelled() or pop.exception() is not None)
                    and self._pops.get(channel_key) is pop
                ):
                    del self._pops[channel_key]
                raise
            del self._pops[channel_key]  # taken: no await from here until the caller has it
        message = self.deserialize(content)
        if "__asgi_channel__" in message:
            channel = message.pop("__asgi_channel__")
        return channel, message

    async def _pop(self, index: int, channel_key: str) -> bytes | None:
        result = await self.connection(index).bzpopmin(channel_key, timeout=self.brpop_timeout)
        return None if result is None else result[1]

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await self.group_send_all(group, [message])

    async def group_send_all(self, group: str, messages: list[dict[str, Any]]) -> None:
        """`group_send` of each message in order: in one round trip where the script can write them."""
        assert self.require_valid_group_name(group), "Group name not valid"
        if not messages:
            return
        key = self._group_key(group)
        args = self._one_trip_args(messages)
        if args is not None:
            client = self.connection(0)
            try:
                members, *over = await client.evalsha(_ONE_TRIP_SHA, 1, key, *args)
            except NoScriptError:  # a Redis that has not seen the script yet (a restart): sent whole, then known
                members, *over = await client.eval(_ONE_TRIP_GROUP_SEND_LUA, 1, key, *args)
            for over_capacity in over:
                self._log_over_capacity(over_capacity, members, group)
            return
        for message in messages:
            async with self.connection(self.consistent_hash(group)).pipeline(transaction=False) as pipe:
                _, members = await self._read_group(pipe, key).execute()
            for index, channel_keys, queued in self._queues(members, message):
                # Upstream drops the expired messages through the group's connection, a no-op on any other host.
                async with self.connection(index).pipeline(transaction=True) as pipe:
                    over_capacity = (await self._queue(pipe, channel_keys, queued).execute())[-1]
                self._log_over_capacity(over_capacity, len(members), group)

    def group_send_blocking(self, group: str, *messages: dict[str, Any]) -> bool:
        """`group_send_all` from the calling thread on blocking clients: the same script, or commands in the same
        pipelines.

        A Celery pool process's sends (the staff inbox's events) went to its loop thread and back: two thread
        hand-offs, asyncio's turns and redis' asyncio client around the round trips, more CPU than the round trips
        themselves (docs/benchmarks.md, p28e). False, having sent nothing, when a host is not given by address
        (a Sentinel): the caller sends on the loop then."""
        assert self.require_valid_group_name(group), "Group name not valid"
        clients = self._blocking_clients()
        if clients is None:
            return False
        if not messages:
            return True
        key = self._group_key(group)
        args = self._one_trip_args(list(messages))
        if args is not None:
            try:
                members, *over = clients[0].evalsha(_ONE_TRIP_SHA, 1, key, *args)
            except NoScriptError:
                members, *over = clients[0].eval(_ONE_TRIP_GROUP_SEND_LUA, 1, key, *args)
            for over_capacity in over:
                self._log_over_capacity(over_capacity, members, group)
            return True
        for message in messages:
            with clients[self.consistent_hash(group)].pipeline(transaction=False) as pipe:
                _, members = self._read_group(pipe, key).execute()
            for index, channel_keys, queued in self._queues(members, message):
                with clients[index].pipeline(transaction=True) as pipe:
                    over_capacity = self._queue(pipe, channel_keys, queued).execute()[-1]
                self._log_over_capacity(over_capacity, len(members), group)
        return True

    def _one_trip_args(self, messages: list[dict[str, Any]]) -> list[Any] | None:
        """The one-round-trip script's arguments after the group's key, or None where it cannot write what upstream
        writes: more than one Redis host (a queue may live on another), capacities by channel name, encrypted
        messages or a serializer other than msgpack (the script writes msgpack's bytes), a message naming its
        channels already."""
        if (
            self.ring_size != 1
            or self.channel_capacity
            or type(self._serializer) is not MsgPackSerializer
            or self._serializer.crypter is not None
        ):
            return None
        now = time.time()
        args: list[Any] = [int(now) - self.group_expiry, self.prefix, int(now) - int(self.expiry), self.capacity]
        args.append(self.expiry)
        length = self._serializer.random_prefix_length
        for n, message in enumerate(messages):
            if "__asgi_channel__" in message:
                return None
            # As upstream writes it for one channel key, up to the names: `__asgi_channel__` last, an empty array.
            head = self._serializer.as_bytes({**message, "__asgi_channel__": []})
            if not head.endswith(b"\x90"):
                return None
            # A microsecond apart: the order of consecutive sends (a score's tie would go by the random prefix).
            args += [random.getrandbits(8 * length).to_bytes(length, "big") if length > 0 else b"", head[:-1]]
            args.append(now + n / 1e6)
        return args

    def _read_group(self, pipe: Any, key: bytes) -> Any:
        pipe.zremrangebyscore(key, min=0, max=int(time.time()) - self.group_expiry)
        pipe.zrange(key, 0, -1)
        return pipe

    def _queues(self, members: list[bytes], message: dict[str, Any]) -> list[tuple[int, list[Any], list[Any]]]:
        """Per connection: its members' channel keys and the queueing script's arguments."""
        channel_names = [member.decode("utf8") for member in members]
        by_connection, message_for, capacity_of = self._map_channel_keys_to_connection(channel_names, message)
        return [
            (index, keys, [message_for[k] for k in keys] + [capacity_of[k] for k in keys])
            for index, keys in by_connection.items()
        ]

    def _queue(self, pipe: Any, channel_keys: list[Any], args: list[Any]) -> Any:
        for channel_key in channel_keys:
            pipe.zremrangebyscore(channel_key, min=0, max=int(time.time()) - int(self.expiry))
        pipe.eval(_GROUP_SEND_LUA, len(channel_keys), *channel_keys, *args, time.time(), self.expiry)
        return pipe

    @staticmethod
    def _log_over_capacity(over_capacity: int, members: int, group: str) -> None:
        if over_capacity > 0:
            channels_redis_log.info("%s of %s channels over capacity in group %s", over_capacity, members, group)

    def _blocking_clients(self) -> list[redis.Redis] | None:
        """One blocking client per host (built on first use, kept by the layer), or None when a host is not given
        by address. Sends give up after SEND_TIMEOUT, as `run` does; the hosts' own socket timeout is for the
        receiving side (a BZPOPMIN may block longer)."""
        if "_blocking" not in self.__dict__:
            clients = []
            for host in self.hosts:
                options = dict(host)
                address = options.pop("address", None)
                if not isinstance(address, str):
                    clients = None
                    break
                clients.append(redis.Redis.from_url(address, **{**options, "socket_timeout": SEND_TIMEOUT}))
            self.__dict__["_blocking"] = clients
        return self.__dict__["_blocking"]


def _retrieved(pop: asyncio.Task[Any]) -> None:
    """A pop whose caller was cancelled may fail with no one awaiting it: its error is the next receive's."""
    if not pop.cancelled():
        pop.exception()


_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()
_own_loop_for_sync_sends = False


def background_loop() -> asyncio.AbstractEventLoop:
    """This process's loop for channel-layer work started from synchronous code (started on first use)."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="channel-layer", daemon=True).start()
            _loop = loop
        return _loop


def use_own_loop() -> None:
    """In a forked worker process: forget the parent's loop (its thread does not exist here), and send
    every synchronous `send_group` on this process's own loop."""
    global _loop, _own_loop_for_sync_sends
    _loop = None
    _own_loop_for_sync_sends = True


def run(coroutine: Coroutine[Any, Any, Any], timeout: float = SEND_TIMEOUT) -> Any:
    """Run `coroutine` on the background loop and wait for its result."""
    return asyncio.run_coroutine_threadsafe(coroutine, background_loop()).result(timeout)


def send_group(group: str, message: dict[str, Any]) -> None:
    """`group_send`, delivered before returning, from synchronous code.

    From the calling thread on a blocking client (the same commands) wherever the layer can: a Celery pool
    process's thread has no loop of its own (p28e), and a daphne request thread's hop to the server's loop and
    back cost ~0.3 ms of CPU a send against ~0.1 here (the widget's message POST, p30d). Where it cannot (a
    host not given by address), on the process's loop thread or the request's loop.
    """
    send_group_all(group, [message])


def send_group_all(group: str, messages: list[dict[str, Any]]) -> None:
    """`send_group` of each message in order (one round trip where the layer can: `group_send_all`)."""
    layer = get_channel_layer()
    if not isinstance(layer, PipelinedRedisChannelLayer):
        for message in messages:
            _on_a_loop(layer.group_send, group, message)
    elif not layer.group_send_blocking(group, *messages):
        _on_a_loop(layer.group_send_all, group, messages)


def _on_a_loop(send: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> None:
    if _own_loop_for_sync_sends:
        run(send(*args))
    else:
        async_to_sync(send)(*args)
