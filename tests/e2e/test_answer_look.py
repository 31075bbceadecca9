"""How answers and cards look in JupyterLab, light and dark (issue 20 item 4), in real Chromium.

A notebook streams, in a real kernel, a long answer (folded past a screen, "show all" opens it),
an answer with highlighted code (a copy button, since scripts run there), and shows every card
kind; screenshots of each, in the light and the dark theme, go to build/screenshots/look-*.png.
No model is involved: the cells drive the live view with a turn, as the magic does.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
playwright = pytest.importorskip("playwright.sync_api")

from .test_browser import ARGS, CHROMIUM, SHOTS, _kernel_ready, _port, _wait_up  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

STREAM = """from gemini_interactions.chain import Turn
from gemini_interactions.render import LiveView

def stream(text, chain):
    view = LiveView()
    turn = Turn(number=1, chain=chain, prompt="p", parent=None, previous_interaction_id=None)
    turn.status = "streaming"
    view.on_start(turn)
    for i in range(0, len(text), 400):
        turn.add_text(text[i:i + 400])
        view.on_event(turn, None)
    turn.status = "completed"
    turn.ended_at = time.time()
    view.on_end(turn)

import time"""
LONG = """parts = ["# A long report\\n\\nIt opens with a summary the reader sees first.\\n"]
for n in range(1, 30):
    parts.append(f"## Part {n}\\n\\n" + f"Part {n} explains one point in some detail. " * 16)
parts.append("## The end\\n\\nLAST-WORDS of the long answer.")
stream("\\n\\n".join(parts) + "\\n", "long")"""
CODE = '''text = """### Reading a file

```python
import json
from pathlib import Path


@dataclass
class Config:
    name: str = "settings"

    def load(self, path: str) -> dict:
        # A comment about the next line
        return json.loads(Path(path).read_text())  # 42
```

Run it with `python config.py`.
"""
stream(text, "code")'''
CARDS = """from IPython.display import display
from gemini_interactions.render._bundles import thought_bundle, thinking_html
from gemini_interactions.render._cards import step_card_html

code = {"type": "code_execution_call", "id": "c1",
        "arguments": {"language": "python", "code": "import math\\nprint(math.pi * 2)  # tau"}}
steps = [
    ({"type": "function_call", "id": "f1", "name": "get_weather", "arguments": {"city": "Paris"}},
     {"type": "function_result", "call_id": "f1", "result": {"sky": "sunny"}}),
    ({"type": "google_search_call", "id": "s1", "arguments": {"queries": ["weather Paris"]}},
     {"type": "google_search_result", "call_id": "s1",
      "result": [{"url": "https://example.com/a", "title": "Example A"}]}),
    (code, {"type": "code_execution_result", "call_id": "c1", "result": "6.283185307179586\\n"}),
    ({"type": "url_context_call", "id": "u1", "arguments": {"urls": ["https://example.com"]}},
     {"type": "url_context_result", "call_id": "u1", "result": [{"url": "https://example.com"}]}),
    ({"type": "mcp_server_tool_call", "id": "m1", "name": "roll", "server_name": "dice",
      "arguments": {"sides": 6}},
     {"type": "mcp_server_tool_result", "call_id": "m1", "result": "4"}),
    ({"type": "file_search_call", "id": "x1", "arguments": {"queries": ["refund policy"]}}, None),
    ({"type": "function_call", "id": "f2", "name": "book_table", "arguments": {"seats": 2}},
     {"type": "function_result", "call_id": "f2", "result": "no tables left", "is_error": True}),
    ({"type": "google_maps_call", "id": "g1", "arguments": {"queries": ["cafe near Louvre"]}},
     {"type": "google_maps_result", "call_id": "g1",
      "result": [{"places": [{"name": "Café Marly", "url": "https://maps.example/m"}]}]}),
    ({"type": "future_step", "id": "z1", "detail": "a step type from a later API"}, None),
]
display({"text/html": thought_bundle("I **plan** the answer.", 2.4)["text/html"]}, raw=True)
display({"text/html": thinking_html("Still weighing the *options*.")}, raw=True)
for step, result in steps:
    display({"text/html": step_card_html(step, result)}, raw=True)
display({"text/html": step_card_html(code)}, raw=True)  # running: open
display({"text/html": step_card_html({"type": "model_output",
         "content": [{"type": "text", "text": "The **answer** card."}]})}, raw=True)
print("CARDS-DONE")"""
LONG_CELL, CODE_CELL, CARDS_CELL = 2, 3, 4
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
# The contrast (WCAG) of a highlighted token against the background it is drawn on.
CONTRAST = """(el) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
  let bg = el, b = [0, 0, 0, 0];
  while (bg) { b = rgb(getComputedStyle(bg).backgroundColor);
    if (b.length === 3 || b[3] > 0) break; bg = bg.parentElement; }
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const [l1, l2] = [lum(rgb(getComputedStyle(el).color)), lum(b)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}"""


DUMP = """(a) => [...a.querySelectorAll('.jp-OutputArea-output')].map(o => o.className + ' | '
  + o.innerHTML.slice(0, 150) + ' | last: ' + o.innerHTML.slice(-80)).join('\\n')"""


def _notebook() -> Any:
    v4 = nbformat.v4
    spec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells = ["import gemini_interactions", STREAM, LONG, CODE, CARDS]
    return v4.new_notebook(
        cells=[v4.new_code_cell(c) for c in cells], metadata={"kernelspec": spec}
    )


def _cell(page: Any, index: int) -> Any:
    """The cell's outputs (its source holds the same words)."""
    return page.locator(f"{PANEL} .jp-Cell").nth(index).locator(".jp-OutputArea")


def _shoot(page: Any, theme: str) -> None:
    """Screenshots of the three cells in one theme; the long answer folded, then unfolded."""
    long = _cell(page, LONG_CELL)
    more = long.locator("details.gi-more")
    assert more.count() == 1 and "show all" in more.inner_text()
    assert long.get_by_text("LAST-WORDS").count() == 1
    assert not long.get_by_text("LAST-WORDS").is_visible(), long.evaluate(DUMP)
    assert long.get_by_text("It opens with a summary").is_visible()
    height = long.bounding_box()["height"]
    long.screenshot(path=str(SHOTS / f"look-{theme}-long-folded.png"))
    more.locator("summary").click()
    time.sleep(0.3)
    assert long.get_by_text("LAST-WORDS").is_visible(), "show all did not unfold"
    assert long.bounding_box()["height"] > 2 * height
    # The notebook scrolls inside its panel: the viewport at the answer's end, not the element.
    long.get_by_text("LAST-WORDS").scroll_into_view_if_needed()
    time.sleep(0.3)
    page.screenshot(path=str(SHOTS / f"look-{theme}-long-unfolded.png"))
    more.locator("summary").click()  # folded again for the next theme
    code = _cell(page, CODE_CELL)
    keyword = code.locator(".gi-hl b").first
    assert keyword.count() == 1
    ratio = keyword.evaluate(CONTRAST)
    assert ratio >= 3.0, f"{theme}: a keyword's contrast is {ratio:.2f}"
    assert code.locator("button.gi-copy").count() == 1, "no copy button where scripts run"
    heading = code.locator("h3").first
    size = heading.evaluate("(h) => parseFloat(getComputedStyle(h).fontSize)")
    body = code.locator(".gi-a").first.evaluate("(p) => parseFloat(getComputedStyle(p).fontSize)")
    assert size < body * 1.3, (size, body)
    code.screenshot(path=str(SHOTS / f"look-{theme}-code.png"))
    cards = _cell(page, CARDS_CELL)
    card_code = cards.locator(".gi-hl .n, .gi-hl b, .gi-hl i")
    assert card_code.count() >= 2
    for n in range(card_code.count()):
        if card_code.nth(n).is_visible():
            ratio = card_code.nth(n).evaluate(CONTRAST)
            assert ratio >= 3.0, f"{theme}: the code card's code contrast is {ratio:.2f}"
    cards.screenshot(path=str(SHOTS / f"look-{theme}-cards.png"))
    was = cards.evaluate(
        "(a) => [...a.querySelectorAll('details')].map((d) => { const o = d.open; d.open = true;"
        " return o; })"
    )
    time.sleep(0.3)
    done = cards.locator(".gi-hl").nth(0).locator(".n").first  # the finished card's print
    ratio = done.evaluate(CONTRAST)
    assert done.is_visible() and ratio >= 3.0, f"{theme}: the open code card reads {ratio:.2f}"
    cards.screenshot(path=str(SHOTS / f"look-{theme}-cards-open.png"))
    # As they were (running cards open, finished ones folded) for the next theme's screenshots.
    cards.evaluate(
        "(a, was) => a.querySelectorAll('details').forEach((d, n) => { d.open = was[n]; })", was
    )


def test_answers_and_cards_read_folded_highlighted_and_alike_in_light_and_dark(
    tmp_path: Path,
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    root = tmp_path / "look"
    root.mkdir()
    nbformat.write(_notebook(), root / "look.ipynb")
    token, port = secrets.token_hex(16), _port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "rt")
    settings = Path(sys.prefix) / "share/jupyter/lab/settings"
    settings.mkdir(parents=True, exist_ok=True)
    overrides = {
        "@jupyterlab/apputils-extension:notification": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
        "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    }
    (settings / "overrides.json").write_text(json.dumps(overrides))
    jupyter = str(Path(sys.executable).parent / "jupyter")
    cmd = [jupyter, "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--allow-root"]
    cmd += [f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(base, token, proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            try:
                page.goto(f"{base}/lab/tree/look.ipynb?token={token}")
                expect(page.locator(f"{PANEL} .jp-Cell").first).to_be_visible(timeout=60_000)
                _kernel_ready(base, token)
                page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
                page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
                expect(_cell(page, CARDS_CELL).get_by_text("CARDS-DONE")).to_have_count(
                    1, timeout=90_000
                )
                time.sleep(1.0)
                _shoot(page, "light")
                page.locator(".lm-MenuBar-itemLabel", has_text="Settings").first.click()
                page.locator("li.lm-Menu-item", has_text="Theme").first.hover()
                page.locator("li.lm-Menu-item", has_text="JupyterLab Dark").first.click()
                expect(page.locator("body[data-jp-theme-light='false']")).to_have_count(
                    1, timeout=30_000
                )
                time.sleep(1.0)
                _shoot(page, "dark")
            except Exception:
                page.screenshot(path=str(SHOTS / "look-FAIL.png"), full_page=True)
                raise
            finally:
                browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_the_saved_html_folds_without_a_kernel_and_github_shows_it_all(tmp_path: Path) -> None:
    """nbconvert's HTML (light and dark) folds the long answer and "show all" opens it with no
    kernel; with styles and scripts stripped (GitHub) every word shows and the code is plain."""
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter
    from playwright.sync_api import sync_playwright

    from .test_browser import _stripped

    nb = _notebook()
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    for theme in ("light", "dark"):
        html, _ = HTMLExporter(theme=theme).from_notebook_node(nb)
        (tmp_path / f"{theme}.html").write_text(html)
    outputs = "".join(
        _stripped(str(o.get("data", {}).get("text/html", "")))
        for o in nb.cells[LONG_CELL].outputs + nb.cells[CODE_CELL].outputs
    )
    (tmp_path / "github.html").write_text(f"<html><body>{outputs}</body></html>")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 1200})
        try:
            for theme in ("light", "dark"):
                page.goto((tmp_path / f"{theme}.html").as_uri())
                cells = page.locator(".jp-Cell")
                long = cells.nth(LONG_CELL).locator(".jp-OutputArea")
                assert not long.get_by_text("LAST-WORDS").is_visible(), theme
                long.locator("details.gi-more summary").click()
                assert long.get_by_text("LAST-WORDS").is_visible(), theme
                code = cells.nth(CODE_CELL).locator(".jp-OutputArea")
                ratio = code.locator(".gi-hl b").first.evaluate(CONTRAST)
                assert ratio >= 3.0, f"saved {theme}: a keyword's contrast is {ratio:.2f}"
                code.screenshot(path=str(SHOTS / f"look-saved-{theme}-code.png"))
            page.goto((tmp_path / "github.html").as_uri())
            assert page.get_by_text("LAST-WORDS").is_visible()
            assert page.locator("button.gi-copy").count() == 0
            page.screenshot(path=str(SHOTS / "look-github.png"))
        finally:
            browser.close()
