"""The notebook in real frontends: JupyterLab 4 and Notebook 7 in headless Debian chromium
(Playwright, ``executable_path``; no browser download), then nbclient + nbconvert, and the saved
HTML as GitHub would show it (styles and scripts stripped).

The kernel reaches an offline server in this process over HTTP on 127.0.0.1, with a trickled
stream so the answer is visible before its cell ends.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
playwright = pytest.importorskip("playwright.sync_api")

from gemini_interactions.server import FaultPlan, LocalServer, serve_in_thread  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"]
ARGS += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
SETUP = '''def get_weather(city: str) -> dict:
    """Current weather in a city.

    Args:
        city: The city name.
    """
    return {"city": city, "sky": "sunny"}'''
PROMPT = "Compute 2*3 and get_weather in Paris"
# What every form of the saved notebook must show in the answer cell's own output: the answer,
# a thought section, the function call card, the search card with its sources (links), the code
# card with its code and output.
ANSWER = "Offline demo model"
CARDS = ["Thought for", "get_weather", "Google Search", "Code execution"]
SOURCES = "Used 2 sources"
SOURCE_LINK = "Offline source 1 on Paris"
TIMELINE = ["Timeline", "turn 1", "Google Search", "Code execution", "get_weather"]
EXPECTED = [ANSWER, *CARDS, "print(2*3)", *TIMELINE]
ANSWER_CELL, TIMELINE_CELL, GROUNDED_CELL, IMAGE_CELL, LONG_CELL = 3, 4, 5, 6, 7
GROUNDED = "%%gemini --search\nWhat is new about Zürich?"
IMAGE = "%%gemini\nDraw a bar chart of 3, 5 and 2"
# One long code block streamed through the live view at a real pace (about 6 s): shown in pieces
# while it grows, one block once it ends.
LONG = """from gemini_interactions.chain import Turn
from gemini_interactions.render import LiveView
import time
code = "".join(f"    total += compute(item_{i}, 'key')\\n" for i in range(1500))
text = "A long block:\\n\\n```python\\n" + code + "```\\n"
view = LiveView()
turn = Turn(number=1, chain="long", prompt="p", parent=None, previous_interaction_id=None)
turn.status = "streaming"
view.on_start(turn)
for i in range(0, len(text), 40):
    time.sleep(0.004)
    turn.add_text(text[i:i + 40])
    view.on_event(turn, None)
turn.status = "completed"
turn.ended_at = time.time()
view.on_end(turn)"""
PIECES = """(cell) => {
  const c = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')[cell];
  if (!c || !c.querySelector('.jp-InputPrompt').textContent.includes('*')) return false;
  return c.querySelectorAll('.jp-OutputArea pre').length >= 3;
}"""
RUNNING = """([cell, answer]) => {
  const c = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')[cell];
  if (!c) return false;
  const prompt = c.querySelector('.jp-InputPrompt').textContent;
  const out = c.querySelector('.jp-OutputArea');
  const text = out ? out.innerText : '';
  return prompt.includes('*') && text.includes(answer) ? text : false;
}"""


def _notebook(url: str) -> Any:
    v4 = nbformat.v4
    cells = [
        "%load_ext gemini_interactions",
        f"%gemini backend {url}",
        SETUP,
        f"%%gemini --thoughts --tools get_weather --search --code\n{PROMPT}",
        "%gemini timeline",
        GROUNDED,
        IMAGE,
        LONG,
    ]
    spec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return v4.new_notebook(
        cells=[v4.new_code_cell(c) for c in cells], metadata={"kernelspec": spec}
    )


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    faults = FaultPlan(trickle=0.02, trickle_bytes=48)
    with serve_in_thread(LocalServer(faults=faults)) as url:
        yield url


@pytest.fixture(scope="module")
def fast_url() -> Iterator[str]:
    """No trickle: nbclient only checks what is saved, not the streaming."""
    with serve_in_thread(LocalServer()) as url:
        yield url


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# The notebook in the active tab. JupyterLab hides a background tab with content-visibility,
# which Playwright can count as visible: the untrusted copy is opened with ?reset, so it is the
# only tab, and cells are looked up in a panel not marked hidden.
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def _visible_text(page: Any) -> str:
    return str(page.locator(PANEL).inner_text())


def _cell(page: Any, index: int, scope: str = PANEL + " ") -> Any:
    return page.locator(f"{scope}.jp-Cell").nth(index)


def _check_answer_cell(page: Any, app: str, when: str, scope: str | None = None) -> None:
    """The live view's own cards, in the answer cell's output (not the timeline's)."""
    from playwright.sync_api import expect

    cell = _cell(page, ANSWER_CELL) if scope is None else _cell(page, ANSWER_CELL, scope)
    out = cell.locator(".jp-OutputArea")
    expect(out.get_by_text(ANSWER).first, f"{app} {when}: answer").to_be_visible()
    for wanted in CARDS:  # each card's heading, visible without opening anything
        expect(
            out.locator("summary", has_text=wanted).first, f"{app} {when}: {wanted}"
        ).to_be_visible()
    # A finished code card is folded like every card (issue 20): opened as a person does.
    _open(out.locator("summary", has_text="Code execution").first)
    expect(out.get_by_text("print(2*3)").first, f"{app} {when}: code").to_be_visible()
    expect(out.get_by_text("6", exact=True).first, f"{app} {when}: output").to_be_visible()
    search = out.locator("summary", has_text="Google Search").first
    _open(search)  # a person opens the search card to see its sources
    expect(out.get_by_text(SOURCES).first, f"{app} {when}: sources").to_be_visible()
    link = out.locator("a", has_text=SOURCE_LINK).first
    expect(link).to_be_visible()
    assert (link.get_attribute("href") or "").startswith("https://"), when


def _open(summary: Any) -> None:
    """Open a card by clicking its summary, as a person does, once the page has settled: a
    click aimed while a freshly loaded page still lays out (frames, images) can land beside it,
    so it is checked and, if the card stayed closed, clicked again (at most 3 times)."""
    for _ in range(3):
        summary.scroll_into_view_if_needed()
        time.sleep(0.3)
        if summary.evaluate("s => s.parentElement.open"):
            return
        summary.click()
        if summary.evaluate("s => s.parentElement.open"):
            return
    raise AssertionError("the card did not open when clicked")


def _check_grounded_and_image_cells(
    page: Any, app: str, when: str, scope: str | None = None, trusted: bool = True
) -> None:
    """The offline model's grounded answer (the real shape: annotations, then a search whose
    result is only Google's chip) and its image answer."""
    from playwright.sync_api import expect

    def cell(index: int) -> Any:
        return _cell(page, index) if scope is None else _cell(page, index, scope)

    out = cell(GROUNDED_CELL).locator(".jp-OutputArea")
    # Both turns ended (their status lines say so): the cards are final, not still updating.
    for index in (GROUNDED_CELL, IMAGE_CELL):
        status = cell(index).locator(".jp-OutputArea").get_by_text("✅ completed ·").first
        expect(status, f"{app} {when}: cell {index} ended").to_be_visible(timeout=60_000)
    marker = out.locator("a", has_text="[1]").first
    expect(marker, f"{app} {when}: a citation marker").to_be_visible(timeout=60_000)
    assert (marker.get_attribute("href") or "").startswith("https://example.com/"), when
    expect(out.get_by_text("Sources").first, f"{app} {when}: Sources").to_be_visible()
    expect(out.locator("li a", has_text="example.com (offline source 2)").first).to_be_visible()
    card = out.locator("summary", has_text="Google Search").first
    expect(card, f"{app} {when}: search card").to_be_visible()
    assert "2 sources" in card.inner_text(), card.inner_text()
    _open(card)
    expect(out.locator("details[open] > summary", has_text="Google Search").first).to_be_visible()
    if trusted:  # Google's chip, drawn in its sandboxed frame
        frame = out.frame_locator("iframe[title='Google Search suggestions']").first
        expect(frame.locator("a.chip").first, f"{app} {when}: chip").to_be_visible()
        # The plain links inside the iframe element are its raw text: not shown, no elements.
        assert out.locator(".gemini-search-suggestions-links").count() == 0, when
    else:  # sanitized: the frame is gone, its plain links show instead
        assert out.locator("iframe").count() == 0, when
        links = out.locator(".gemini-search-suggestions-links a").first
        expect(links, f"{app} {when}: suggestion links").to_be_visible()
    # Google's stylesheet restyles nothing outside its frame: no page-level rule for .chip.
    leaked = page.evaluate(
        "() => [...document.querySelectorAll('style')].some(s => s.textContent.includes('.chip'))"
    )
    assert not leaked, when
    image = cell(IMAGE_CELL).locator(".jp-OutputArea img").first
    expect(image, f"{app} {when}: the image answer").to_be_visible(timeout=60_000)
    assert image.evaluate("i => i.naturalWidth") == 320, when


def _check_timeline_cell(
    page: Any,
    app: str,
    when: str,
    scope: str | None = None,
    controls: bool = True,
    axis: bool = True,
) -> None:
    """The timeline's content and its in-HTML controls: filtering by step type works with no
    kernel round trip (so also after a reload)."""
    from playwright.sync_api import expect

    cell = _cell(page, TIMELINE_CELL) if scope is None else _cell(page, TIMELINE_CELL, scope)
    out = cell.locator(".jp-OutputArea")
    expect(out.get_by_text("Timeline").first, f"{app} {when}: timeline").to_be_visible()
    if axis:  # JupyterLab's sanitizer (an untrusted notebook) drops SVG, keeping its words
        _check_time_axis(out, f"{app} {when}")
    for wanted in TIMELINE[1:]:
        expect(
            out.locator("summary", has_text=wanted).first, f"{app} {when}: {wanted}"
        ).to_be_visible()
    if not controls:  # styles stripped: the controls stay hidden, the timeline reads as is
        expect(out.get_by_text("expand all")).to_be_hidden()
        return
    search = out.locator("summary", has_text="Google Search").first
    out.locator("label", has_text="code").first.click()
    expect(search, f"{app} {when}: the filter hides other steps").to_be_hidden()
    expect(out.locator("summary", has_text="Code execution").first).to_be_visible()
    out.locator("label", has_text="all steps").first.click()
    expect(search).to_be_visible()
    expect(out.get_by_text(SOURCES).first).to_be_hidden()
    out.locator("label", has_text="expand all").first.click()  # every card open, sources too
    expect(out.get_by_text(SOURCES).first, f"{app} {when}: expand all").to_be_visible()


AXIS_KINDS = {"waiting", "thought", "function_call", "tool", "model_output"}


def _check_time_axis(out: Any, where: str) -> None:
    """The time axis above the cards: an SVG the browser lays out from its attributes alone,
    with a bar for each kind of step this turn had, each of some width on screen."""
    from playwright.sync_api import expect

    axis = out.locator("svg.gemini-waterfall").first
    expect(axis, f"{where}: time axis").to_be_visible()
    box = axis.bounding_box()
    assert box is not None and box["width"] > 500 and box["height"] > 60, (where, box)
    bars = axis.locator("rect[data-kind]").evaluate_all(
        "rs => rs.map(r => [r.getAttribute('data-kind'), r.getBoundingClientRect().width])"
    )
    assert {kind for kind, _ in bars} >= AXIS_KINDS, (where, bars)
    assert all(width >= 1 for _, width in bars), (where, bars)
    assert "your Python function" in (axis.text_content() or ""), where  # the legend


def _frontend(app: str, tmp: Path, url: str) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    root = tmp / app
    root.mkdir()
    nbformat.write(_notebook(url), root / "run.ipynb")
    token, port = secrets.token_hex(16), _port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp / f"cfg-{app}")}
    env["JUPYTER_RUNTIME_DIR"] = str(tmp / f"rt-{app}")
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
    cmd = [jupyter, app, "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--allow-root"]
    cmd += [f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
    log = (tmp / f"{app}.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    name = "lab" if app == "lab" else "nb7"
    try:
        _wait_up(base, token, proc)
        page_url = f"{base}/lab/tree/run.ipynb" if app == "lab" else f"{base}/notebooks/run.ipynb"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            try:
                page.goto(f"{page_url}?token={token}")
                panel = page.locator(".jp-NotebookPanel:visible")
                expect(panel.locator(".jp-Cell").first).to_be_visible(timeout=60_000)
                kernel = _kernel_ready(base, token)
                page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
                page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
                # While the answer cell still runs ([*]), part of its answer is on screen.
                partial = page.wait_for_function(
                    RUNNING, arg=[ANSWER_CELL, ANSWER], timeout=60_000, polling=50
                ).json_value()
                page.screenshot(path=str(SHOTS / f"{name}-streaming.png"), full_page=True)
                timeline = _cell(page, TIMELINE_CELL).locator(".jp-OutputArea")
                expect(timeline.get_by_text("Timeline").first).to_be_visible(timeout=60_000)
                if app == "lab":  # the long block while it grows: pieces, stacked
                    page.wait_for_function(PIECES, arg=LONG_CELL, timeout=60_000, polling=50)
                    pieces = _cell(page, LONG_CELL).locator(".jp-OutputArea-child")
                    pieces.nth(2).scroll_into_view_if_needed()  # where the pieces meet
                    page.screenshot(path=str(SHOTS / "lab-long-streaming.png"))
                _check_long_cell(page, app, "live")
                final = str(_cell(page, ANSWER_CELL).locator(".jp-OutputArea").inner_text())
                assert "completed" in final and "completed" not in partial, (partial, final)
                _check_answer_cell(page, app, "live")
                page.screenshot(path=str(SHOTS / f"{name}-final.png"), full_page=True)
                _check_timeline_cell(page, app, "live")
                _cell(page, TIMELINE_CELL).screenshot(path=str(SHOTS / f"{name}-timeline.png"))
                _check_grounded_and_image_cells(page, app, "live")
                _cell(page, GROUNDED_CELL).screenshot(path=str(SHOTS / f"{name}-grounded.png"))
                _cell(page, IMAGE_CELL).screenshot(path=str(SHOTS / f"{name}-image.png"))
                page.keyboard.press("Control+s")
                _wait_saved(root / "run.ipynb")
                req = urllib.request.Request(
                    f"{base}/api/kernels/{kernel}?token={token}", method="DELETE"
                )
                urllib.request.urlopen(req).close()
                page.reload()
                expect(panel.locator(".jp-Cell").first).to_be_visible(timeout=60_000)
                _kernel_ready(base, token)  # the widget manager has restored (or failed to)
                time.sleep(1.0)
                _check_answer_cell(page, app, "after reload")  # opens the folded code card
                text = _visible_text(page)
                for wanted in EXPECTED:
                    assert wanted in text, (app, "after reload", wanted)
                assert "Error displaying widget" not in text
                assert "Loading widget" not in text
                _check_timeline_cell(page, app, "after reload")
                _check_grounded_and_image_cells(page, app, "after reload")
                _check_long_cell(page, app, "after reload")
                page.screenshot(path=str(SHOTS / f"{name}-reloaded.png"), full_page=True)
                _cell(page, TIMELINE_CELL).screenshot(
                    path=str(SHOTS / f"{name}-reloaded-timeline.png")
                )
                _cell(page, GROUNDED_CELL).screenshot(
                    path=str(SHOTS / f"{name}-grounded-reloaded.png")
                )
                if app == "lab":
                    _dark(page)
                    _untrusted(page, root, f"{base}/lab/tree/copy.ipynb?reset&token={token}")
            except Exception:
                page.screenshot(path=str(SHOTS / f"{name}-FAIL.png"), full_page=True)
                raise
            finally:
                browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _check_long_cell(page: Any, app: str, when: str) -> None:
    """The long block, once it ended: one code block holding every line (its pieces emptied)."""
    from playwright.sync_api import expect

    out = _cell(page, LONG_CELL).locator(".jp-OutputArea")
    expect(out.get_by_text("long · turn 1").first, f"{app} {when}: long block ended").to_be_visible(
        timeout=60_000
    )
    # the emptied pieces are empty outputs (an empty <pre> in JupyterLab): nothing to see
    texts = out.locator("pre").evaluate_all("ps => ps.map(p => p.innerText).filter(t => t.trim())")
    assert len(texts) == 1, (app, when, len(texts))
    text = texts[0]
    assert text.count("total += compute") == 1500 and "item_1499" in text, (app, when)
    out.locator(".jp-OutputArea-child").last.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"{app}-long-{when.replace(' ', '-')}.png"))


def _wait_saved(path: Path) -> None:
    """Until the file on disk holds the run's outputs (the save went through)."""
    end = time.time() + 30
    while time.time() < end:
        try:
            nb = nbformat.read(path, as_version=4)
        except ValueError:  # caught mid-write (the server empties the file, then writes it)
            nb = None
        if nb is not None and all(c.get("outputs") for c in nb.cells[TIMELINE_CELL:]):
            return
        time.sleep(0.2)
    raise TimeoutError("the notebook was not saved")


def _untrusted(page: Any, root: Path, url: str) -> None:
    """A colleague's copy (another digest, so not trusted): JupyterLab's sanitizer drops the
    <style>; the content still shows and the controls stay hidden."""
    from playwright.sync_api import expect

    nb = nbformat.read(root / "run.ipynb", as_version=4)
    nb.metadata["copied"] = True
    nbformat.write(nb, root / "copy.ipynb")
    page.goto(url)
    expect(page.locator(f"{PANEL} .jp-Cell").first).to_be_visible(timeout=60_000)
    _check_answer_cell(page, "lab", "untrusted copy")
    _check_timeline_cell(page, "lab", "untrusted copy", controls=False, axis=False)
    _check_grounded_and_image_cells(page, "lab", "untrusted copy", trusted=False)
    _cell(page, GROUNDED_CELL).screenshot(path=str(SHOTS / "lab-grounded-untrusted.png"))
    text = _visible_text(page)
    assert "Error displaying widget" not in text and "Loading widget" not in text
    page.screenshot(path=str(SHOTS / "lab-untrusted.png"), full_page=True)
    _cell(page, TIMELINE_CELL).screenshot(path=str(SHOTS / "lab-untrusted-timeline.png"))


def _dark(page: Any) -> None:
    """JupyterLab's dark theme: the same outputs, screenshotted to check they read."""
    from playwright.sync_api import expect

    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").first.click()
    page.locator("li.lm-Menu-item", has_text="Theme").first.hover()
    page.locator("li.lm-Menu-item", has_text="JupyterLab Dark").first.click()
    expect(page.locator("body[data-jp-theme-light='false']")).to_have_count(1, timeout=30_000)
    time.sleep(1.0)
    page.screenshot(path=str(SHOTS / "lab-dark.png"), full_page=True)
    _check_time_axis(_cell(page, TIMELINE_CELL).locator(".jp-OutputArea"), "lab dark")
    _cell(page, TIMELINE_CELL).screenshot(path=str(SHOTS / "lab-dark-timeline.png"))


def _wait_up(base: str, token: str, proc: subprocess.Popen[bytes]) -> None:
    end = time.time() + 60
    while time.time() < end:
        assert proc.poll() is None, "the Jupyter server exited"
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}").close()
            return
        except OSError:
            time.sleep(0.25)
    raise TimeoutError("Jupyter server did not start")


def _kernel_ready(base: str, token: str) -> str:
    """The server's truth (the toolbar shows idle before a kernel exists)."""
    end = time.time() + 60
    while time.time() < end:
        with urllib.request.urlopen(f"{base}/api/sessions?token={token}") as r:
            for s in json.load(r):
                k = s["kernel"]
                if k["connections"] >= 1 and k["execution_state"] == "idle":
                    return str(k["id"])
        time.sleep(0.25)
    raise TimeoutError("kernel not ready")


@pytest.fixture(scope="module", autouse=True)
def _shots() -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)


def test_jupyterlab_streams_shows_cards_and_survives_reload(
    tmp_path: Path, server_url: str
) -> None:
    _frontend("lab", tmp_path, server_url)


def test_notebook7_shows_cards_and_survives_reload(tmp_path: Path, server_url: str) -> None:
    _frontend("notebook", tmp_path, server_url)


def _image(data: dict[str, Any]) -> str:
    """An image output as GitHub shows it: the image itself."""
    png = data.get("image/png")
    return f'<img src="data:image/png;base64,{png}">' if png else ""


def _stripped(html: str) -> str:
    """As GitHub shows it: no <style> blocks, style= attributes or scripts."""
    html = re.sub(r"<style.*?</style>", "", html, flags=re.S | re.I)
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S | re.I)
    html = re.sub(r"</?iframe\b[^>]*>", "", html, flags=re.I)  # frames dropped, content kept
    return re.sub(r"\sstyle=\"[^\"]*\"", "", html)


def test_nbclient_nbconvert_and_github_view(tmp_path: Path, fast_url: str) -> None:
    """nbclient runs it, nbconvert's HTML shows the cards and a working timeline in chromium,
    and the saved outputs with every <style>, style= and script stripped still show it all."""
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter
    from playwright.sync_api import sync_playwright

    nb = _notebook(fast_url)
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    html, _ = HTMLExporter().from_notebook_node(nb)
    (tmp_path / "nbconvert.html").write_text(html)
    cells = []
    for cell in nb.cells:
        outputs = "".join(
            _stripped(str(o.get("data", {}).get("text/html", "")))
            or _image(o.get("data", {}))
            or f"<pre>{o.get('text', '')}</pre>"
            for o in cell.get("outputs", [])
        )
        cells.append(f'<div class="jp-Cell"><div class="jp-OutputArea">{outputs}</div></div>')
    (tmp_path / "github.html").write_text("<html><body>" + "".join(cells) + "</body></html>")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        try:
            page.goto((tmp_path / "nbconvert.html").as_uri())
            _check_answer_cell(page, "nbconvert", "html", scope="")
            _check_timeline_cell(page, "nbconvert", "html", scope="")
            _check_grounded_and_image_cells(page, "nbconvert", "html", scope="")
            page.screenshot(path=str(SHOTS / "nbconvert.png"), full_page=True)
            page.goto((tmp_path / "github.html").as_uri())
            _check_answer_cell(page, "github", "stripped", scope="")
            _check_timeline_cell(page, "github", "stripped", scope="", controls=False)
            _check_grounded_and_image_cells(page, "github", "stripped", scope="", trusted=False)
            page.screenshot(path=str(SHOTS / "github-stripped.png"), full_page=True)
        finally:
            browser.close()
