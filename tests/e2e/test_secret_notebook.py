"""A real kernel (nbclient) under ``%xmode Verbose``: bad keys give one clear error each, and no
cell output of the saved ``.ipynb`` holds the key or any 8-character piece of it, even where a
verbose traceback prints every frame's locals (a refused connection, an echoing server, a
failing interpolation).

The keys reach the kernel through its environment, never through a cell's source.
"""

from __future__ import annotations

import json
import socket
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

from scripted_http import Exchange, scripted_server  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

GOOD = "AIzaSyW4nQ8rTz2KpLx7VbM3cHd9Jf6Ge1Us5Yo"
NEWLINE = "AIzaSyN7bQ2wXe5RtY8uIo" + "\n" + "3pAsDf6GhJk9LzXcV1bN"
ZWSP = "AIzaSyZ3mK8vB1nC6xL9qW2eR5tY7uI0oPaSdFg" + "\u200b"


def fragments(key: str) -> set[str]:
    pieces = set()
    for part in key.replace("\u200b", "\n").split("\n"):
        pieces |= {part[i : i + 8] for i in range(len(part) - 7)}
    whole = key.replace("\n", "").replace("\u200b", "")
    pieces |= {whole[i : i + 8] for i in range(len(whole) - 7)}
    return pieces


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _echo(exchange: Exchange) -> None:
    key = exchange.headers.get("x-goog-api-key", "")
    body = {"error": {"code": 400, "message": f"API key not valid: {key}", "status": "X"}}
    headers = {"content-type": "application/json", "x-echo": urllib.parse.quote(key)}
    exchange.send(400, headers, json.dumps(body).encode())


SETUP = """\
import os
from gemini_interactions.api import Client

class Loud:
    def __str__(self):
        raise RuntimeError("this object cannot be shown")

loud = Loud()
"""


def _notebook(echo_url: str, closed_url: str) -> Any:
    v4 = nbformat.v4
    cells = [
        "%load_ext gemini_interactions",
        "%xmode Verbose",
        SETUP,
        # GEMINI_API_KEY holds the key with a line break inside
        "%%gemini\nHello",
        "Client()",
        "Client(os.environ['ZWSP_KEY'])",
        "os.environ['GEMINI_API_KEY'] = os.environ['ZWSP_KEY']",
        "%%gemini\nHello",
        # a good key, then failures whose verbose tracebacks show the frames of the call path
        "os.environ['GEMINI_API_KEY'] = os.environ['GOOD_KEY']\n"
        f"os.environ['GEMINI_BASE_URL'] = {closed_url!r}",
        "Client().interactions.create(model='m', input='hi')",
        "%%gemini\nHello",
        f"Client(base_url={echo_url!r}, max_retries=0).interactions.create(model='m', input='hi')",
        f"%gemini backend {echo_url}",
        "%%gemini\nHello {loud}",
        f"%config GeminiMagics.base_url = {echo_url!r}",
        "%gemini backend live",
        "%%gemini\nHello",
        # a mistake found while reading the environment: its frames hold the environment
        "Client(project='p')",
    ]
    return v4.new_notebook(cells=[v4.new_code_cell(c) for c in cells])


def test_bad_and_echoed_keys_never_reach_the_saved_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", NEWLINE)
    monkeypatch.setenv("ZWSP_KEY", ZWSP)
    monkeypatch.setenv("GOOD_KEY", GOOD)
    with scripted_server(_echo) as echo:
        nb = _notebook(echo.url, f"http://127.0.0.1:{_closed_port()}")
        client = nbclient.NotebookClient(
            nb,
            timeout=120,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(tmp_path)}},
        )
        client.execute()
        sent = [e.headers.get("x-goog-api-key") for e in echo.seen]
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)
    saved = path.read_text(encoding="utf-8")

    outputs = [json.dumps(cell.get("outputs", []), ensure_ascii=False) for cell in nb.cells]
    # each bad key: one clear message naming where it came from and what is wrong
    assert "GEMINI_API_KEY contains a line break (U+000A)" in outputs[3]
    assert "GEMINI_API_KEY contains a line break" in outputs[4]
    assert "api_key= contains an invisible or non-ASCII character (U+200B" in outputs[5]
    assert "GEMINI_API_KEY contains an invisible" in outputs[7]
    for index in (3, 4, 5, 7):
        assert "Traceback" not in outputs[index] and "Illegal header" not in outputs[index]
    assert "APIConnectionError" in outputs[9] and "Traceback" in outputs[9]  # verbose frames
    assert "API key not valid" in outputs[11]  # the echo came back, scrubbed
    assert GOOD in sent  # the echoing server really had the key to echo
    assert "RuntimeError" in outputs[13]  # a verbose traceback through the interpolation
    assert "ConfigurationError" in outputs[17]

    leaked = {
        name: sorted(f for f in fragments(key) if f in saved)
        for name, key in (("newline", NEWLINE), ("zwsp", ZWSP), ("good", GOOD))
    }
    assert leaked == {"newline": [], "zwsp": [], "good": []}, leaked
