"""Real recordings of Google's service (tests/data/real, origins in its README), streamed from a
127.0.0.1 server into ``%%gemini`` cells of a real kernel (nbclient): what the saved notebook
shows a reader with no kernel.

- ``google-search.chunks.txt``, byte for byte: every cited URL is a link, the search card counts
  the 8 sources the answer cites, Google's stylesheet appears nowhere outside its sandboxed frame
  (no output text, no timeline).
- ``legacy-image-output.chunks.txt``, byte for byte: Vercel replaced the image by a placeholder,
  so the cell says the data cannot be shown (no broken ``image/*`` output).
- The same recording *adapted*: the placeholder replaced by a PNG drawn here and its
  ``mime_type`` by ``image/png`` (no real image capture is public): the image is an
  ``image/png`` output of its own; the export, its cassette and ``%gemini save``/``load``
  keep it.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

from gemini_interactions.server._offline_media import bar_chart_png  # noqa: E402
from scripted_http import Exchange, scripted_server  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REAL = Path(__file__).parent.parent / "data" / "real" / "vercel-ai"
KEY = "AIzaSy-E2E-REAL-RECORDINGS-0123456789"
PNG = bar_chart_png([2, 5, 3])


def _framed(text: str) -> bytes:
    return b"".join(b"data: " + line.encode() + b"\n\n" for line in text.splitlines() if line)


def _recording(name: str) -> str:
    return (REAL / name).read_text("utf-8")


def _adapted_image() -> str:
    text = _recording("legacy-image-output.chunks.txt")
    text = text.replace("__IMAGE_DATA_TRUNCATED__", base64.b64encode(PNG).decode())
    return text.replace('"mime_type":"image/jpeg"', '"mime_type":"image/png"')


ANSWERS = {
    "last week": _framed(_recording("google-search.chunks.txt")),
    "placeholder": _framed(_recording("legacy-image-output.chunks.txt")),
    "adapted": _framed(_adapted_image()),
}


def _serve(exchange: Exchange) -> None:
    prompt = json.dumps(exchange.json())
    body = next((b for key, b in ANSWERS.items() if key in prompt), None)
    if body is None:
        exchange.send(404, {"content-type": "application/json"}, b'{"error": {"code": 404}}')
        return
    exchange.send(200, {"content-type": "text/event-stream"}, body)


def _cited_urls() -> set[str]:
    return set(re.findall(r'"url":"([^"]+)"', _recording("google-search.chunks.txt")))


def _outside_frames(text: str) -> str:
    return re.sub(r'srcdoc="[^"]*"', "", text)


def test_real_recordings_read_well_in_the_saved_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    with scripted_server(_serve) as server:
        url: str = server.url  # type: ignore[attr-defined]
        assert url.startswith("http://127.0.0.1:")
        v4 = nbformat.v4
        nb = v4.new_notebook(
            cells=[
                v4.new_code_cell(f"%load_ext gemini_interactions\n%gemini backend {url}"),
                v4.new_code_cell("%%gemini --search\nA notable AI development from last week?"),
                v4.new_code_cell("%gemini timeline"),
                v4.new_code_cell("%%gemini -m gemini-3-pro-image-preview\nplaceholder image"),
                v4.new_code_cell("%%gemini -m gemini-3-pro-image-preview\nadapted image"),
                v4.new_code_cell("%gemini export exported.ipynb --cassette"),
                v4.new_code_cell("%gemini save chains.json"),
                v4.new_code_cell("%gemini load chains.json --replace\n%gemini show 3"),
            ]
        )
        client = nbclient.NotebookClient(
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        )
        client.execute()
    path = tmp_path / "saved.ipynb"
    nbformat.write(nb, path)
    saved = nbformat.read(path, as_version=4)
    nbformat.validate(saved)
    cells = [c for c in saved.cells if c.cell_type == "code"]
    for cell in cells:
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source

    grounded, timeline = cells[1].outputs, cells[2].outputs
    html = _outside_frames("".join(o.data.get("text/html", "") for o in grounded))
    urls = _cited_urls()
    assert len(urls) == 8
    for cited in urls:
        assert f'href="{cited}"' in html, cited  # every cited URL is a link
    assert "Used 8 sources" in html and "Used 0" not in html
    plain = "\n".join(o.data.get("text/plain", "") for o in grounded)
    assert "Used 8 sources" in plain and "reduced human intervention.[1]" in plain
    markdown = "\n".join(o.data.get("text/markdown", "") for o in grounded)
    assert "[\\[1\\]](https://vertexaisearch.cloud.google.com/" in markdown
    assert "<iframe sandbox=" in "".join(o.data.get("text/html", "") for o in grounded)

    # No stylesheet text anywhere: none in any output's text or Markdown, and Google's rules
    # (.container, .chip) nowhere in HTML outside the frames (the timeline's own scoped style,
    # keyed to its id, is the project's).
    for cell in cells:
        for output in cell.outputs:
            data = output.get("data", {})
            for text in (output.get("text", ""), data.get("text/plain", "")):
                assert "<style" not in text and ".container" not in text, cell.source
            assert "<style" not in data.get("text/markdown", ""), cell.source
            outside = _outside_frames(data.get("text/html", ""))
            for rule in (".container {", ".chip {", "prefers-color-scheme", "&lt;style"):
                assert rule not in outside, (cell.source, rule)
    assert any("Search suggestions (Google)" in o.data.get("text/plain", "") for o in timeline)

    placeholder, adapted = cells[3].outputs, cells[4].outputs
    assert not any(k.startswith("image/") for o in placeholder for k in o.data)
    assert any("cannot be shown" in o.data.get("text/plain", "") for o in placeholder)
    images = [o for o in adapted if "image/png" in o.data]
    assert len(images) == 1 and base64.b64decode(images[0].data["image/png"]) == PNG
    assert "image/png" in images[0].data["text/plain"]

    exported = json.loads((tmp_path / "exported.ipynb").read_text("utf-8"))
    kept = [
        o
        for c in exported["cells"]
        for o in c.get("outputs", [])
        if "image/png" in o.get("data", {})
    ]
    assert kept and base64.b64decode("".join(kept[0]["data"]["image/png"])) == PNG
    png64 = base64.b64encode(PNG).decode()
    assert png64 in (tmp_path / "exported.cassette.json").read_text("utf-8")  # replays it
    assert png64 in (tmp_path / "chains.json").read_text("utf-8")
    shown = [o for o in cells[-1].outputs if "image/png" in o.get("data", {})]
    assert len(shown) == 1 and base64.b64decode(shown[0].data["image/png"]) == PNG  # loaded
    assert KEY not in path.read_text("utf-8")


def test_the_grounded_recording_streams_markers_before_the_turn_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a frontend receives (IOPub), not only what is saved: a message carrying the first
    marker arrives before the one carrying the final status."""
    from jupyter_client.manager import start_new_kernel

    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    with scripted_server(_serve) as server:
        manager, client = start_new_kernel(kernel_name="python3")
        try:
            url: str = server.url  # type: ignore[attr-defined]
            client.execute_interactive(f"%load_ext gemini_interactions\n%gemini backend {url}")
            seen: list[dict[str, Any]] = []
            client.execute_interactive(
                "%%gemini --search\nA notable AI development from last week?",
                output_hook=lambda msg: seen.append(msg),
                timeout=60,
            )
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    shown = [
        m["content"]["data"]
        for m in seen
        if m["msg_type"] in ("display_data", "update_display_data")
    ]
    marked = next(n for n, d in enumerate(shown) if "[1]" in d.get("text/plain", ""))
    done = next(n for n, d in enumerate(shown) if "✅ completed ·" in d.get("text/plain", ""))
    assert marked < done
