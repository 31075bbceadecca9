"""One status line, the same words everywhere: where the answer came from when it was not the
live API (a badge), one token format that adds up, the id out of the line a person reads."""

from __future__ import annotations

import re

from gemini_interactions.chain._turn import token_text
from gemini_interactions.server import LocalServer, serve_in_thread

from .conftest import FIXTURES, Kernel, saved


def _status(kernel: Kernel, line: str, prompt: str) -> tuple[str, str, str]:
    out = kernel.cell(line, prompt)
    data = saved(out).data
    plain = data["text/plain"].strip().splitlines()[-1]
    html = data["text/html"]
    status = re.findall(r'<p class="gemini-status".*?</p>', html)
    assert status, html
    return plain, status[-1], kernel.magics.session.registry.current.head.id or ""


def test_tokens_are_written_one_way_and_add_up() -> None:
    usage = {
        "total_input_tokens": 218,
        "total_output_tokens": 196,
        "total_thought_tokens": 38,
        "total_cached_tokens": 100,
        "total_tokens": 452,
    }
    assert token_text(usage) == (
        "452 tokens (218 in + 196 out + 38 thought; 100 of the input cached)"
    )
    assert token_text({"total_input_tokens": 3, "total_output_tokens": 4}) == (
        "7 tokens (3 in + 4 out)"
    )
    assert token_text({}) == ""


def test_the_offline_model_and_a_fixture_wear_their_badge(kernel: Kernel) -> None:
    kernel.line("backend offline")
    plain, html, iid = _status(kernel, "", "Explain TPUs in one line")
    assert "[offline model]" in plain and ">offline model</span>" in html
    assert "offline-demo/" not in plain  # the badge says it; the model is the one asked
    assert re.search(r"\d+ tokens \(\d+ in \+ \d+ out \+ \d+ thought\)", plain), plain
    assert iid and iid not in plain and f'title="interaction {iid}"' in html
    assert "smaller" not in html and "<small>" not in html  # readable size
    kernel.line(f"backend offline --fixtures {FIXTURES}")
    assert kernel.magics.session.source() == "fixtures"


def test_a_local_server_and_the_history_say_so(kernel: Kernel) -> None:
    with serve_in_thread(LocalServer()) as url:
        kernel.line(f"backend {url}")
        plain, _html, _ = _status(kernel, "", "Explain TPUs")
        history = kernel.line("history")
    assert "[offline model]" in plain  # that server answered with its offline model
    (table,) = [o.data["text/markdown"] for o in history.outputs]
    assert "\\[offline model\\]" in table  # Markdown-escaped, shown as [offline model]


def test_the_live_api_has_no_badge(kernel: Kernel) -> None:
    kernel.line("backend offline")
    kernel.cell("", "Hello")
    turn = kernel.magics.session.registry.current.head
    assert turn is not None
    turn.source = None  # as sent to the live API
    from gemini_interactions.render._status import status_html, status_text

    assert "[" not in status_text(turn).split("turn 1", 1)[1].split("·")[1]
    assert "</span>" not in status_html(turn)
