"""Running the HTTP face with uvicorn: in the foreground (the CLI) or in a thread (tests)."""

from __future__ import annotations

import errno
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ._local import LocalServer


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket, or an ``OSError`` whose message says what to do about it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Named as TCP (not protocol 0) so asyncio turns Nagle off on every accepted connection, and
    # off on the listener too (Linux hands it down): with Nagle on, a kept-alive connection's
    # every response waited ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(128)
    except (OSError, OverflowError) as error:
        sock.close()
        reason = getattr(error, "strerror", None) or str(error)
        hint = " (try another --port, or --port 0 for any free one)"
        if isinstance(error, socket.gaierror):
            hint = " (is the --host spelled right?)"
        elif not isinstance(error, OverflowError) and error.errno != errno.EADDRINUSE:
            hint = ""
        raise OSError(f"cannot listen on {host}:{port}: {reason}{hint}") from None
    sock.setblocking(False)
    return sock


def _base_url(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _config(server: LocalServer, log_level: str) -> object:
    import uvicorn

    from ._asgi import quiet_injected_drops

    quiet_injected_drops()
    return uvicorn.Config(
        server.asgi_app(),
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=2,
        lifespan="off",
    )


def serve(
    server: LocalServer,
    host: str = "127.0.0.1",
    port: int = 4010,
    *,
    ready: Callable[[str], None] | None = None,
    log_level: str = "warning",
) -> None:
    """Serve ``server`` over HTTP until SIGINT/SIGTERM; ``ready(base_url)`` runs once bound.

    Binding happens before ``ready`` is called, so with ``port=0`` the URL has the real port.
    """
    import uvicorn

    sock = _bind(host, port)
    if ready is not None:
        ready(_base_url(sock, host))
    uvicorn.Server(_config(server, log_level)).run(sockets=[sock])  # type: ignore[arg-type]


@contextmanager
def serve_in_thread(
    server: LocalServer, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning"
) -> Iterator[str]:
    """``with serve_in_thread(LocalServer()) as base_url:`` — a real HTTP server for tests."""
    import uvicorn

    sock = _bind(host, port)
    http = uvicorn.Server(_config(server, log_level))  # type: ignore[arg-type]
    # uvicorn installs signal handlers only on the main thread, so a thread is safe here.
    thread = threading.Thread(target=http.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not http.started and thread.is_alive():
            threading.Event().wait(0.01)
        yield _base_url(sock, host)
    finally:
        http.should_exit = True
        thread.join(timeout=10)
        sock.close()
