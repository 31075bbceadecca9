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
# What every form of the saved notebook must show: answer, thought, tool, search, code, timeline.
EXPECTED = ["Offline demo model", "Thought", "get_weather", "Google Search", "Code execution"]
EXPECTED += ["Timeline"]


def _notebook(url: str) -> Any:
    v4 = nbformat.v4
    cells = [
        "%load_ext gemini_interactions",
        f"%gemini backend {url}",
        SETUP,
        f"%%gemini --thoughts --tools get_weather --search --code\n{PROMPT}",
        "%gemini timeline",
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


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _visible_text(page: Any) -> str:
    return str(page.locator(".jp-NotebookPanel:visible").inner_text())


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
                answer = panel.locator(".jp-OutputArea-output", has_text="Offline demo model")
                expect(answer.first).to_be_visible(timeout=60_000)
                expect(
                    panel.locator(".jp-OutputArea-output", has_text="Timeline").first
                ).to_be_visible(timeout=60_000)
                text = _visible_text(page)
                for wanted in EXPECTED:
                    assert wanted in text, (app, wanted)
                page.screenshot(path=str(SHOTS / f"{app}-run.png"), full_page=True)
                page.keyboard.press("Control+s")
                time.sleep(1.5)
                req = urllib.request.Request(
                    f"{base}/api/kernels/{kernel}?token={token}", method="DELETE"
                )
                urllib.request.urlopen(req).close()
                page.reload()
                expect(panel.locator(".jp-Cell").first).to_be_visible(timeout=60_000)
                expect(
                    panel.locator(".jp-OutputArea-output", has_text="Timeline").first
                ).to_be_visible(timeout=60_000)
                _kernel_ready(base, token)  # the widget manager has restored (or failed to)
                time.sleep(2.0)
                text = _visible_text(page)
                for wanted in EXPECTED:
                    assert wanted in text, (app, "after reload", wanted)
                assert "Error displaying widget" not in text
                page.screenshot(path=str(SHOTS / f"{app}-reloaded.png"), full_page=True)
            except Exception:
                page.screenshot(path=str(SHOTS / f"{app}-FAIL.png"), full_page=True)
                raise
            finally:
                browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


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


def _stripped(html: str) -> str:
    """As GitHub shows it: no <style> blocks, style= attributes or scripts."""
    html = re.sub(r"<style.*?</style>", "", html, flags=re.S | re.I)
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S | re.I)
    return re.sub(r"\sstyle=\"[^\"]*\"", "", html)


def test_nbclient_nbconvert_and_github_view(tmp_path: Path, server_url: str) -> None:
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = _notebook(server_url)
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    html, _ = HTMLExporter().from_notebook_node(nb)
    for wanted in EXPECTED:
        assert wanted in html, wanted
    saved = "".join(
        str(o.get("data", {}).get("text/html", ""))
        for cell in nb.cells
        for o in cell.get("outputs", [])
    )
    github = _stripped(saved)
    for wanted in EXPECTED:
        assert wanted in github, wanted
