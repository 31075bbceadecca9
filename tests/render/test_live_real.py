"""The live view of a real recording (tests/data/real), streamed from a 127.0.0.1 server through
a chain: markers appear while the turn streams, the search card counts the answer's sources, and
no output carries Google's stylesheet outside its sandboxed frame."""

from __future__ import annotations

import re
from pathlib import Path

from test_live import Frontend

from gemini_interactions.api import Client
from gemini_interactions.chain import Chain
from gemini_interactions.render import LiveView
from real_recordings import sse_body
from scripted_http import Exchange, scripted_server

REAL = Path(__file__).parent.parent / "data" / "real" / "vercel-ai"
KEY = "AIzaSy-TEST-SECRET-KEY-0123456789"


def _stream(name: str) -> tuple[Frontend, Chain]:
    body = sse_body(name)

    def answer(exchange: Exchange) -> None:
        exchange.send(200, {"content-type": "text/event-stream"}, body)

    frontend = Frontend()
    with scripted_server(answer) as server:
        url: str = server.url  # type: ignore[attr-defined]
        with Client(KEY, base_url=url, max_retries=0) as client:
            chain = Chain(client, name="c")
            view = LiveView(display=frontend.display, interval=0.0)
            chain.send("What happened in AI last week?", observer=view, model="gemini-2.5-flash")
    return frontend, chain


def test_a_real_grounded_answer_gets_markers_live_and_sources_in_the_saved_outputs() -> None:
    frontend, chain = _stream("google-search.chunks.txt")
    saved = frontend.saved
    html = "".join(o["data"].get("text/html", "") for o in saved)
    plain = "\n".join(o["data"].get("text/plain", "") for o in saved)
    urls = set(re.findall(r'"url": ?"([^"]+)"', (REAL / "google-search.chunks.txt").read_text()))
    assert len(urls) == 8
    answer_html = re.sub(r'srcdoc="[^"]*"', "", html)
    for url in urls:
        assert f'href="{url}"' in answer_html  # every cited URL is a link
    assert "reduced human intervention.[1]" in plain
    assert "<strong>Sources</strong>" in html and "Sources:\n[1] coaio.com" in plain
    assert "Used 8 sources" in html and "0 source" not in plain + html
    # Google's chip stylesheet stays in its frame (the turn's own sheet is scoped to gi- classes).
    assert ".container" not in answer_html and ".container {" not in plain
    # Live: a marker was shown before the turn's last message (the end) was sent.
    first_marked = next(
        n for n, m in enumerate(frontend.messages) if "[1]" in m["data"].get("text/plain", "")
    )
    assert first_marked < len(frontend.messages) - 1
    # Order as the real stream sends it: the answer, its sources, then the search card.
    kinds = [
        "sources"
        if "<strong>Sources</strong>" in o["data"].get("text/html", "")
        else "search"
        if "Google Search" in o["data"].get("text/html", "")
        else "answer"
        if "[1]" in o["data"].get("text/plain", "")
        else "other"
        for o in saved
    ]
    assert kinds.index("answer") < kinds.index("sources") < kinds.index("search")
    assert chain.turns[-1].status == "completed"
