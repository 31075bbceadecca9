"""aimock (npm ``@copilotkit/aimock``, a Node mock server for LLM APIs) as a peer for our client.

    python tests/peers/aimock.py install            # npm install into the running venv (once)
    python tests/peers/aimock.py serve FIXTURES     # print the base URL, serve until Ctrl-C

It is installed from the npm registry with npm into ``<venv>/aimock/<version>`` (``make clean``
removes it with the venv), pinned, and bound to 127.0.0.1 only. ``AIMOCK_PREFIX`` installs
elsewhere. What it is known to do (1.43.0): it speaks the steps revision on
``POST /v1beta/interactions`` only, keeps no state (no GET, cancel or background), and answers a
create without ``"stream"`` with a stream all the same.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

VERSION = "1.43.0"
PACKAGE = f"@copilotkit/aimock@{VERSION}"
NODE_AT_LEAST = (20, 15)
_LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


class AimockUnavailable(RuntimeError):
    """Node or npm is missing, or too old: the peer cannot run on this machine."""


def prefix() -> Path:
    return Path(os.environ.get("AIMOCK_PREFIX") or Path(sys.prefix) / "aimock" / VERSION)


def cli() -> Path:
    return prefix() / "node_modules" / "@copilotkit" / "aimock" / "dist" / "cli.js"


def check_node() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise AimockUnavailable("node and npm are not both on PATH (aimock needs Node >= 20.15)")
    found = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    parts = tuple(int(p) for p in re.findall(r"\d+", found)[:2])
    if parts < NODE_AT_LEAST:
        raise AimockUnavailable(f"node {found} is too old for aimock (needs >= 20.15)")
    return node


def install() -> Path:
    """Install the pinned aimock once; the path of its CLI."""
    check_node()
    if not cli().exists():
        prefix().mkdir(parents=True, exist_ok=True)
        npm = shutil.which("npm") or "npm"
        subprocess.run(
            [npm, "install", "--prefix", str(prefix()), "--no-audit", "--no-fund", PACKAGE],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        if not cli().exists():
            raise RuntimeError(f"npm installed {PACKAGE} but {cli()} is missing")
    return cli()


@contextmanager
def serving(fixtures: Path, *flags: str, ready_within: float = 30.0) -> Iterator[str]:
    """Run aimock on a free port of 127.0.0.1 with ``fixtures``; yield its base URL."""
    node = check_node()
    script = install()
    where = ["--host", "127.0.0.1", "--port", "0"]  # 127.0.0.1 only; 0: any free port
    process = subprocess.Popen(
        [node, str(script), *where, "--fixtures", str(fixtures), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    log: list[str] = []

    def drain() -> None:  # keeps reading, so a chatty aimock never blocks on a full pipe
        assert process.stdout is not None
        for line in process.stdout:
            log.append(line)
            lines.put(line)

    threading.Thread(target=drain, daemon=True).start()
    try:
        yield _wait_until_listening(process, lines, log, ready_within)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_listening(
    process: subprocess.Popen[str], lines: queue.Queue[str], log: list[str], within: float
) -> str:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        if match := _LISTENING.search(line):
            return match.group(1)
    raise RuntimeError(f"aimock did not start (exit {process.poll()}): {''.join(log)[-2000:]}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["install"]:
        try:
            print(f"aimock {VERSION}: {install()}")
        except AimockUnavailable as missing:
            # Not an error for make: the peer test says loudly that it did not run.
            print(f"*** aimock peer not installed: {missing} ***", file=sys.stderr)
        return 0
    if argv[:1] == ["serve"] and len(argv) >= 2:
        with serving(Path(argv[1]), *argv[2:]) as url:
            print(url, flush=True)
            with suppress(KeyboardInterrupt):
                threading.Event().wait()
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
