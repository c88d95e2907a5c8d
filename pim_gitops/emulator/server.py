"""Run the emulator with uvicorn: blocking for the CLI, or in a background thread for tests,
benchmarks and the demo (bound to a free port)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from pim_gitops.emulator.app import Emulator


def _server(emulator: Emulator, log_level: str) -> uvicorn.Server:
    config = uvicorn.Config(
        emulator.app, log_level=log_level, access_log=False, lifespan="off", timeout_keep_alive=30
    )
    return uvicorn.Server(config)


def serve(emulator: Emulator, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve until interrupted."""
    server = _server(emulator, "warning")
    server.config.host, server.config.port = host, port
    server.run()


@contextmanager
def running(emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve in a background thread; yields the base URL (``http://host:port``)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    server = _server(emulator, "critical")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the emulator did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
