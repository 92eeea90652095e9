"""daphne, on uvloop where it is installed: `python -m nocturn.serve [daphne's arguments]`.

daphne runs Twisted's asyncio reactor on an event loop it makes when `daphne.server` is first imported,
before it loads our application, so the loop's kind can only be chosen by whoever starts the process:
here. On uvloop (libuv's loop in C) every wake-up of the loop — Twisted's socket reads and writes, the
webhook's group-commit rounds on libpq's socket, the channel layer's Redis replies — costs less of
daphne's CPU than on the standard loop's Python selector (docs/benchmarks.md, "p42w").

Without uvloop installed, or with NOCTURN_EVENT_LOOP=asyncio, daphne runs on the standard loop as before.
Every daphne the project starts goes through here (devstack's serve, the container, the live tests, the
benches; the benches' hello-world too, so that their ratio compares one server under two applications).
"""

from __future__ import annotations

import asyncio
import os
import sys

# The command line that starts daphne this way, for the launchers that spawn it (arguments follow).
DAPHNE_COMMAND: tuple[str, ...] = (sys.executable, "-m", "nocturn.serve")


def install_event_loop() -> str:
    """Make new event loops uvloop's when it is installed and not turned off; say which kind is used."""
    if os.environ.get("NOCTURN_EVENT_LOOP", "uvloop") == "asyncio":
        return "asyncio"
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


def main() -> None:
    install_event_loop()
    # Imported only now: importing daphne's server creates the loop Twisted's reactor will run on.
    from daphne.cli import CommandLineInterface

    sys.argv[0] = "daphne"
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
