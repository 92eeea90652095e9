"""Webhook ingest: signed WhatsApp webhooks at rising rates against the real stack, beside a hello-world.

Not a test: it prints figures (record them in docs/benchmarks.md, "Ingest"). The stack is the real
one: daphne + a Celery worker + PostgreSQL + Redis, on a throwaway database ("bench_ingest"), with
a fake Graph API on 127.0.0.1 for the worker's read receipts and replies. The load comes from a
second process (this script with --load), so the generator does not share daphne's interpreter.

For each target rate (open loop: requests start on schedule, whatever the answers do) it reports
the ack latency p50/p99 from each request's due time, the rate actually achieved, and how late the
generator itself sent (a generator that cannot keep its schedule says so); then a closed loop (N
clients back to back) gives the sustained throughput, for the webhook and for a bare ASGI hello-world
served by daphne on the same machine (the ceiling). Every phase is bounded in time and count; only 127.0.0.1 is used.

    .venv/bin/python bench/ingest.py [--rates 50,100,200,300] [--seconds 8] [--clients 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testsupport.wait import wait_until  # noqa: E402

APP_SECRET = "bench-app-secret"
NUMBER = "500000000001"
SLOW_IN_APP_MS = 25  # the goal's p99
CLIENT_CONNECTIONS = 24  # the open loop's cap (see _open_loop)
GUESTS = 40  # guests round-robin: bursts per guest are buffered into one turn, as in real life


# --- Load generator (the second process) ---------------------------------------------------------


def _bodies(count: int, offset: int) -> list[tuple[bytes, dict[str, str]]]:
    from testsupport.payloads import whatsapp_signed_headers, whatsapp_text_body

    out = []
    for i in range(count):
        wa_id = f"6019{(offset + i) % GUESTS:07d}"
        body = whatsapp_text_body(NUMBER, wa_id, f"bench message {offset + i}", wamid=f"wamid.BENCH{offset + i:012d}")
        out.append((body, whatsapp_signed_headers(body, APP_SECRET)))
    return out


async def _open_loop(url: str, rate: float, seconds: float, offset: int) -> dict:
    """Requests due every 1/rate s on up to CLIENT_CONNECTIONS kept-alive connections; each ack's latency is
    taken from the moment its request was due (so a late generator or a full set of connections counts
    against the ack, not for it: no coordinated omission).

    HTTP/1.1 straight on asyncio streams, each request's bytes built before the clock starts: the load
    generator shares the server's two cores, and Meta's delivery does not. httpx cost several times
    daphne's CPU per request here, and once behind schedule its pool's wait list made every further
    request dearer (the generator, not the server, set the tail at 200/s: docs/benchmarks.md, "p28w").
    The generator says how late it sent (`send_lag_*`: due → written to the socket) and its own CPU per
    request, so a run where it could not keep its schedule says so.
    """
    from urllib.parse import urlsplit

    count = int(rate * seconds)
    target = urlsplit(url)
    requests = [_http_request(target.path, target.netloc, body, headers) for body, headers in _bodies(count, offset)]
    latencies: list[float] = []
    lags: list[float] = []
    errors = 0
    # Connections are capped: each in-flight request holds daphne's attention and the database is shared
    # with everyone's tests. A request due while all are busy waits for one, and that wait is in its latency
    # (and in `send_lag_*`).
    due: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    connections = [await asyncio.open_connection(target.hostname, target.port) for _ in range(CLIENT_CONNECTIONS)]
    # Warm: open the connections and send two rounds of unsigned requests (refused with a 401 before any
    # database work) before the clock starts. A fresh load process's first requests pay for its own cold
    # start, and at 400 requests a phase those few were the whole p99 (p20); Meta keeps its connections open.
    for _ in range(2):
        for connection in connections:
            await _exchange(*connection, _http_request(target.path, target.netloc, b"{}", {}))

    async def sender(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal errors
        while (item := await due.get()) is not None:
            index, started = item
            lags.append((time.perf_counter() - started) * 1000)
            try:
                ok = await asyncio.wait_for(_exchange(reader, writer, requests[index]), 10.0) == 200
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
                ok = False
                writer.close()
                reader, writer = await asyncio.open_connection(target.hostname, target.port)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += not ok
        writer.close()

    cpu = time.process_time()
    start = time.perf_counter()
    senders = [asyncio.create_task(sender(*connection)) for connection in connections]
    for i in range(count):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        due.put_nowait((i, start + i / rate))
    for _ in senders:
        due.put_nowait(None)
    await asyncio.gather(*senders)
    elapsed = time.perf_counter() - start
    lag = _percentiles(lags)
    return {
        "sent": count,
        "errors": errors,
        "achieved_rps": count / elapsed,
        **_percentiles(latencies),
        "send_lag_p50": lag["p50"],
        "send_lag_p99": lag["p99"],
        "send_lag_max": lag["max"],
        "generator_cpu_ms_per_request": (time.process_time() - cpu) * 1000 / max(count, 1),
    }


def _http_request(path: str, host: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One request on a kept-alive connection; its status once the whole answer has been read."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, chunked = 0, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()  # the hello-world sends no length: daphne chunks it
    if chunked:
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    elif length:
        await reader.readexactly(length)
    return status


async def _closed_loop(url: str, clients: int, seconds: float, offset: int, signed: bool) -> dict:
    import httpx

    bodies = _bodies(min(20000, int(seconds * 1500)), offset) if signed else [(b"{}", {})] * 20000
    index = 0
    done = 0
    errors = 0
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(timeout=10.0, limits=httpx.Limits(max_connections=clients)) as client:

        async def worker() -> None:
            nonlocal index, done, errors
            while time.perf_counter() < deadline and index < len(bodies):
                body, headers = bodies[index]
                index += 1
                started = time.perf_counter()
                try:
                    response = await client.post(url, content=body, headers=headers)
                    errors += response.status_code != 200
                except httpx.HTTPError:
                    errors += 1
                latencies.append((time.perf_counter() - started) * 1000)
                done += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return {"requests": done, "errors": errors, "rps": done / elapsed, **_percentiles(latencies)}


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(values)
    return {
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max": ordered[-1],
    }


def load_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--mode", choices=["open", "closed"], required=True)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--unsigned", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")
    import django

    django.setup()  # the payload builders import the channel package; done before any timing
    if args.mode == "open":
        result = asyncio.run(_open_loop(args.url, args.rate, args.seconds, args.offset))
    else:
        result = asyncio.run(_closed_loop(args.url, args.clients, args.seconds, args.offset, not args.unsigned))
    print(json.dumps(result))


# --- Orchestration ---------------------------------------------------------------------------------


def _load(url: str, *extra: str) -> dict:
    process = subprocess.run(
        [sys.executable, __file__, "--load", "--url", url, *extra],
        capture_output=True,
        text=True,
        timeout=150,
        check=True,
    )
    return json.loads(process.stdout.strip().splitlines()[-1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc): the cost of a request whatever the load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _open_loop_args(url: str, rate: float, seconds: float, offset: int) -> tuple[str, ...]:
    """The load process's arguments for an open loop: requests start on schedule at `rate` per second."""
    return (url, "--mode", "open", "--rate", str(rate), "--seconds", str(seconds), "--offset", str(offset))


def _closed_loop_args(url: str, clients: int, seconds: float, offset: int) -> tuple[str, ...]:
    """The load process's arguments for a closed loop: `clients` senders, each waiting for its answer."""
    return (url, "--mode", "closed", "--clients", str(clients), "--seconds", str(seconds), "--offset", str(offset))


def _load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _measured(pid: int, url: str, *extra: str) -> dict:
    """A load run, plus the server process's CPU milliseconds per request during it (and the load average)."""
    load = _load_average()
    before = _cpu_seconds(pid)
    row = _load(url, *extra)
    requests = row.get("requests", row.get("sent", 1))
    row["server_cpu_ms_per_request"] = (_cpu_seconds(pid) - before) * 1000 / max(requests, 1)
    row["server_pid"] = pid
    row["load_average"] = load
    return row


def _wait_http(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    import urllib.error
    import urllib.request

    def answering() -> bool:
        if process.poll() is not None:
            raise RuntimeError("the hello-world daphne exited")
        try:
            urllib.request.urlopen(urllib.request.Request(url, data=b"{}"), timeout=2).close()  # noqa: S310 - 127.0.0.1
        except urllib.error.HTTPError:
            return True  # an error status is an answer too
        except OSError:
            return False
        return True

    if not wait_until(answering, timeout=timeout, interval=0.2):
        raise RuntimeError("the hello-world daphne did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="50,100,200,300")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--cpu-rate", type=float, default=200.0, help="open-loop rate at which both servers' CPU per request is taken"
    )
    parser.add_argument("--drain-seconds", type=float, default=120.0, help="wait at most this long for the backlog")
    parser.add_argument("--profile", type=Path, help="py-spy the webhook's daphne (worker paused) into this directory")
    parser.add_argument(
        "--worker-nice", type=int, default=10, help="the worker's WORKER_NICE (10, as devstack; 0 = daphne's)"
    )
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument(
        "--ack-only",
        action="store_true",
        help="the open loops and the drain after them only (no closed loops, no hello-world, no CPU ratio)",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rates = [min(float(r), 1000.0) for r in args.rates.split(",") if r][:6]  # bounded: a shared 2-core machine
    seconds = min(args.seconds, 20.0)
    cpu_rate = min(args.cpu_rate, 1000.0)
    drain = min(args.drain_seconds, 300.0)
    if args.profile:
        from bench import pyspy

        if pyspy.py_spy() is None:
            parser.error("--profile needs py-spy (pip install -r requirements.txt)")

    os.environ.setdefault("NOCTURN_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")
    os.environ.setdefault("TEST_DATABASE_NAME", "bench_ingest")
    from devtools import devstack

    devstack.up()
    import django

    django.setup()
    from django.test.utils import setup_databases, teardown_databases
    from django_tenants.utils import schema_context

    from conversations.models import InboundEvent, Message, MessageRole
    from properties.models import Property, WhatsAppBinding
    from properties.services import NewProperty, create_property
    from testsupport.graph import FakeGraphServer
    from testsupport.http import free_port
    from testsupport.live import BIN_DIR, start_daphne, start_worker, stop

    print("building the bench database …", flush=True)
    config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    log_dir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    processes: list[subprocess.Popen] = []
    results: dict = {
        "open_loop": [],
        "cpu_count": os.cpu_count(),
        "load_average_before": _load_average(),
        "cpu_rate": cpu_rate,
    }
    graph = FakeGraphServer().start()
    try:
        property_ = Property.objects.filter(slug="benchingest").first() or create_property(
            NewProperty(name="Bench Ingest Hotel", slug="benchingest")
        )
        WhatsAppBinding.objects.get_or_create(
            phone_number_id=NUMBER, defaults={"property": property_, "display_phone_number": "60300000000"}
        )
        env = {
            "WHATSAPP_APP_SECRET": APP_SECRET,
            "GRAPH_API_BASE_URL": graph.url,
            "WHATSAPP_ACCESS_TOKEN": graph.token,
            "LOG_LEVEL": "WARNING",
            "LLM_API_KEY": "",
            "ANTHROPIC_API_KEY": "",
            # Requests over the goal's 25 ms *inside the app* are logged with their stages (read below).
            "WEBHOOK_SLOW_REQUEST_MS": str(SLOW_IN_APP_MS),
        }
        worker_env = {**env, "WORKER_NICE": str(args.worker_nice)}
        results["worker_nice"], results["worker_concurrency"] = args.worker_nice, args.worker_concurrency
        daphne = start_daphne(log_dir, **env)
        processes.append(daphne.process)
        worker = start_worker(log_dir, concurrency=args.worker_concurrency, **worker_env)
        processes.append(worker.process)
        url = daphne.url("/api/v1/webhook/whatsapp")

        _load(url, "--mode", "open", "--rate", "20", "--seconds", "2", "--offset", "900000")  # warm-up
        offset = 0
        daphne_log = next(log_dir.glob(f"daphne-{daphne.port}.log"))
        for rate in rates:
            print(f"open loop at {rate:.0f} msg/s for {seconds:.0f} s (load average {_load_average()}) …", flush=True)
            load = _load_average()
            log_from = daphne_log.stat().st_size
            row = _load(url, "--mode", "open", "--rate", str(rate), "--seconds", str(seconds), "--offset", str(offset))
            offset += row["sent"]
            slow = _slow_in_app(daphne_log, log_from)
            results["open_loop"].append({"target_rps": rate, "load_average": load, **row, "slow_in_app": slow})
        if args.ack_only:
            # Did the worker, at its priority, still get every event done? How long after the load it took.
            with schema_context(property_.schema_name):
                results["pending_after_open_loops"] = InboundEvent.objects.filter(state="pending").count()
                results["drain_seconds"] = _drain(InboundEvent, drain)
                _count_outcome(results, InboundEvent, Message, MessageRole)
            return _report_ack_only(results)
        print(f"closed loop, {args.clients} clients, {seconds:.0f} s …", flush=True)
        results["ingest_closed"] = _load(*_closed_loop_args(url, args.clients, seconds, 2000000))
        # The request path alone: the worker paused (its tasks wait in Redis), so it takes no CPU from daphne.
        stop(worker.process)
        print(f"closed loop without the worker, {args.clients} clients, {seconds:.0f} s …", flush=True)
        results["ingest_closed_no_worker"] = _measured(
            daphne.process.pid, *_closed_loop_args(url, args.clients, seconds, 3000000)
        )
        # CPU per request at one fixed rate for both servers: the closed loop's rate differs between
        # them (the load generator caps the hello-world), and a server's fixed costs per second (its
        # event loop's timers) weigh more per request at a lower rate.
        print(f"open loop at {cpu_rate:.0f} msg/s without the worker, CPU per request …", flush=True)
        profilers = []
        if args.profile:
            profilers.append(pyspy.record("webhook-daphne", daphne.process.pid, seconds, args.profile, rate=250))
        results["ingest_open_no_worker"] = _measured(
            daphne.process.pid, *_open_loop_args(url, cpu_rate, seconds, 4000000)
        )
        for profiler in profilers:
            profiler.wait(timeout=120)
            pyspy.write_table("webhook-daphne", args.profile)
            print(f"    py-spy table in {args.profile}/webhook-daphne.md", flush=True)

        port = free_port()
        hello = subprocess.Popen(
            [str(BIN_DIR / "daphne"), "-b", "127.0.0.1", "-p", str(port), "bench.hello_asgi:application"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(hello)
        hello_url = f"http://127.0.0.1:{port}/"
        _wait_http(hello_url, hello)
        print("hello-world closed loop …", flush=True)
        results["hello_closed"] = _measured(hello.pid, *_closed_loop_args(hello_url, args.clients, seconds, 0))
        print(f"hello-world open loop at {cpu_rate:.0f}/s …", flush=True)
        results["hello_open"] = _measured(hello.pid, *_open_loop_args(hello_url, cpu_rate, seconds, 0))

        worker = start_worker(log_dir, concurrency=args.worker_concurrency, **worker_env)
        processes.append(worker.process)
        # The pipeline kept up? Every stored event processed and answered (bounded wait).
        with schema_context(property_.schema_name):
            results["pending_after_open_loops"] = InboundEvent.objects.filter(state="pending").count()
            results["drain_seconds"] = _drain(InboundEvent, drain)
            _count_outcome(results, InboundEvent, Message, MessageRole)
    finally:
        _stop_all(graph, processes, config, teardown_databases)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    _report(results, args.clients, cpu_rate)


def _slow_in_app(log: Path, start: int) -> dict:
    """The requests the app itself logged as slower than SLOW_IN_APP_MS since byte `start` of daphne's log.

    An ack over the goal whose app time was short waited outside the app (the load generator, daphne's
    HTTP layer, the event loop or the CPU); one whose app time was long shows the stage it waited in.
    """
    with log.open("rb") as f:
        f.seek(start)
        lines = f.read().splitlines()
    slow = []
    for line in lines:
        if b"webhook_slow_request" not in line:
            continue
        try:
            slow.append(json.loads(line))
        except ValueError:
            continue
    stages = sorted({key for entry in slow for key in entry if key.endswith("_ms") and key != "ms"})
    return {
        # One line stands for `slow_requests` requests (the app logs at most one a second: fast_webhook._SlowLog).
        "count": sum(entry.get("slow_requests", 1) for entry in slow),
        "max_ms": max((entry["ms"] for entry in slow), default=0.0),
        "stage_max_ms": {stage: max(entry.get(stage, 0.0) for entry in slow) for stage in stages},
    }


def _drain(events: Any, timeout: float) -> float | None:
    """Seconds until no event is pending (the worker running), or None if some still are after `timeout`."""
    started = time.monotonic()
    if not wait_until(lambda: not events.objects.filter(state="pending").exists(), timeout=timeout, interval=0.5):
        return None
    return time.monotonic() - started


def _count_outcome(results: dict, events: Any, messages: Any, roles: Any) -> None:
    results["events_stored"] = events.objects.count()
    results["events_pending_after_drain"] = events.objects.filter(state="pending").count()
    results["ai_replies"] = messages.objects.filter(role=roles.AI).count()


def _stop_all(graph: Any, processes: list[subprocess.Popen], config: Any, teardown: Any) -> None:
    from testsupport.live import stop

    graph.stop()
    for process in processes:
        stop(process)
    teardown(config, verbosity=0)


def _print_open_loop(results: dict) -> None:
    print(
        f"\nopen loop (ack latency, ms; worker nice {results['worker_nice']}, concurrency "
        f"{results['worker_concurrency']}):"
    )
    print(
        f"  {'target/s':>9}{'achieved/s':>12}{'p50':>9}{'p99':>9}{'max':>9}{'errors':>8}"
        f"  {'in app >' + str(SLOW_IN_APP_MS) + ' ms':>15}{'sent late p99/max':>19}{'gen. CPU/req':>14}  load average"
    )
    for row in results["open_loop"]:
        slow = row["slow_in_app"]
        late = f"{row['send_lag_p99']:.1f}/{row['send_lag_max']:.1f}"
        print(
            f"  {row['target_rps']:>9.0f}{row['achieved_rps']:>12.1f}{row['p50']:>9.1f}"
            f"{row['p99']:>9.1f}{row['max']:>9.1f}{row['errors']:>8}{slow['count']:>17}{late:>19}"
            f"{row['generator_cpu_ms_per_request']:>11.2f} ms  {row['load_average']}"
        )
    print(
        "  (latency from each request's due time; 'sent late': due → handed to its connection, ms: a generator"
        " behind its schedule or out of free connections shows here, and its lateness is in the latency)"
    )
    for row in results["open_loop"]:
        if row["slow_in_app"]["count"]:
            slow = row["slow_in_app"]
            stages = ", ".join(f"{k[:-3]} {v:.1f}" for k, v in slow["stage_max_ms"].items())
            print(
                f"  at {row['target_rps']:.0f}/s, slowest in the app {slow['max_ms']:.1f} ms; max per stage: {stages}"
            )


def _print_outcome(results: dict) -> None:
    drained = results["drain_seconds"]
    took = f"{drained:.1f} s" if drained is not None else "more than the --drain-seconds"
    print(
        f"events stored {results['events_stored']}, pending when the drain began "
        f"{results['pending_after_open_loops']}, drained in "
        f"{took}, still pending "
        f"{results['events_pending_after_drain']}, AI replies {results['ai_replies']}"
    )


def _report_ack_only(results: dict) -> None:
    _print_open_loop(results)
    _print_outcome(results)


def _report(results: dict, clients: int, cpu_rate: float) -> None:
    _print_open_loop(results)
    ingest, hello_row = results["ingest_closed"], results["hello_closed"]
    print(
        f"\nclosed loop ({clients} clients): ingest {ingest['rps']:.0f}/s (p50 {ingest['p50']:.1f} ms), "
        f"hello-world {hello_row['rps']:.0f}/s (p50 {hello_row['p50']:.1f} ms), "
        f"ratio {ingest['rps'] / hello_row['rps']:.2f}"
    )
    alone = results["ingest_closed_no_worker"]
    print(
        f"without the worker: ingest {alone['rps']:.0f}/s (p50 {alone['p50']:.1f} ms, p99 {alone['p99']:.1f} ms), "
        f"ratio {alone['rps'] / hello_row['rps']:.2f}"
    )
    print("\nserver CPU per request (utime+stime of the daphne process from /proc/<pid>/stat, worker paused,")
    print("the same load process for both; ratio = hello-world's ÷ webhook's, goal ≥ 0.6):")
    for label, key_ingest, key_hello in (
        ("closed loop", "ingest_closed_no_worker", "hello_closed"),
        (f"open loop {cpu_rate:.0f}/s", "ingest_open_no_worker", "hello_open"),
    ):
        ingest_row, hello_cpu = results[key_ingest], results[key_hello]
        cpu_ingest, cpu_hello = ingest_row["server_cpu_ms_per_request"], hello_cpu["server_cpu_ms_per_request"]
        print(
            f"  {label}: webhook daphne (pid {ingest_row['server_pid']}) {cpu_ingest:.3f} ms, "
            f"hello-world daphne (pid {hello_cpu['server_pid']}) {cpu_hello:.3f} ms, "
            f"ratio {cpu_hello / cpu_ingest:.2f} (load average {ingest_row['load_average']} / "
            f"{hello_cpu['load_average']})"
        )
    _print_outcome(results)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--load":
        load_main(sys.argv[2:])
    else:
        main()
