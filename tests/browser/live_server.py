"""An ASGI app served over real HTTP by uvicorn in a background thread, for a browser to visit.

Listens on a socket bound before the server starts (as `bot/serve.py` does), so the port is
known at once and never raced for.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

START_WITHIN = 10.0  # seconds
STOP_WITHIN = 10.0


@contextlib.contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 and a free port; yields its base URL, `http://127.0.0.1:PORT`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.setblocking(False)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="auto")
    server = uvicorn.Server(config)  # off the main thread uvicorn leaves signals alone
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_WITHIN
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the live server stopped while starting (see its log above)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the live server did not start within {START_WITHIN} s")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(STOP_WITHIN)
        sock.close()
        if thread.is_alive():
            raise RuntimeError(f"the live server did not stop within {STOP_WITHIN} s")
