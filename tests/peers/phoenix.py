"""Arize Phoenix (PyPI ``arize-phoenix``) as a real trace receiver for ``%config
GeminiMagics.tracing``.

    python tests/peers/phoenix.py install     # pip install into its own venv (once, ~3 min)
    python tests/peers/phoenix.py serve       # print the base URL, serve until Ctrl-C

Phoenix pulls in a large tree (about 850 MB: a database, a web app, gRPC), so it gets a venv of
its own under ``<venv>/phoenix/<version>`` (``make clean`` removes it with the project's venv),
pinned, never mixed with the project's dependencies. It listens on 127.0.0.1 only, on free ports,
with its SQLite database in a temporary folder. It takes OTLP/HTTP on ``/v1/traces`` and answers
``GET /v1/projects/{name}/spans`` with what it stored (as it reads it: GenAI attributes become
its ``llm.*`` ones, a GenAI model span is an ``LLM`` span).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

VERSION = "20.26.1"


def prefix() -> Path:
    return Path(os.environ.get("PHOENIX_PREFIX") or Path(sys.prefix) / "phoenix" / VERSION)


def cli() -> Path:
    return prefix() / "bin" / "phoenix"


def install() -> Path:
    """Install the pinned Phoenix once, in its own venv; the path of its CLI."""
    if not cli().exists():
        subprocess.run([sys.executable, "-m", "venv", str(prefix())], check=True)
        pip = [str(prefix() / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run(
            [*pip, "--progress-bar", "off", f"arize-phoenix=={VERSION}"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not cli().exists():
            raise RuntimeError(f"pip installed arize-phoenix {VERSION} but {cli()} is missing")
    return cli()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(ready_within: float = 180.0) -> Iterator[str]:
    """Run Phoenix on free ports of 127.0.0.1 with a fresh database; yield its base URL."""
    script = install()
    with tempfile.TemporaryDirectory(prefix="phoenix-") as work:
        port = _free_port()
        env = {
            **os.environ,
            "PHOENIX_HOST": "127.0.0.1",
            "PHOENIX_PORT": str(port),
            "PHOENIX_GRPC_PORT": str(_free_port()),
            "PHOENIX_WORKING_DIR": work,
            "PHOENIX_TELEMETRY_ENABLED": "false",
        }
        log = Path(work) / "phoenix.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [str(script), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT
            )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_up(base, process, log, ready_within)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_up(base: str, process: subprocess.Popen[bytes], log: Path, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"Phoenix did not start (exit {process.poll()}): {tail}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["install"]:
        try:
            print(f"phoenix {VERSION}: {install()}")
        except (OSError, subprocess.CalledProcessError) as exc:
            # Not an error for make: the peer test fails, saying why, when it tries again.
            print(f"*** phoenix peer not installed: {exc} ***", file=sys.stderr)
        return 0
    if argv[:1] == ["serve"]:
        with serving() as url:
            print(url, flush=True)
            with suppress(KeyboardInterrupt):
                threading.Event().wait()
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
