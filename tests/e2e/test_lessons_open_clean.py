"""A lesson opened in JupyterLab is not marked unsaved before anything runs (it was: Lab wrote
the kernel's kernelspec display name and language_info into every lesson it opened)."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api")

from .test_browser import ARGS, CHROMIUM, SHOTS, _kernel_ready, _port, _wait_up  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.mark.parametrize("lesson", ["01-quickstart", "09-research-at-scale"])
def test_a_lesson_opens_clean(tmp_path: Path, lesson: str) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    root = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, root)
    saved = (root / f"{lesson}.ipynb").read_bytes()
    token, port = secrets.token_hex(16), _port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "rt")
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
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            try:
                page.goto(f"{base}/lab/tree/{lesson}.ipynb?token={token}")
                first = page.locator(".jp-NotebookPanel:visible .jp-Cell").first
                first.wait_for(timeout=60_000)
                _kernel_ready(base, token)
                time.sleep(1.5)  # the kernel's info has reached the notebook's metadata
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SHOTS / f"lab-open-{lesson}.png"))
                tab = page.locator(".lm-TabBar-tab.jp-mod-current")
                assert tab.count() == 1
                assert "jp-mod-dirty" not in (tab.get_attribute("class") or ""), lesson
            finally:
                browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    assert (root / f"{lesson}.ipynb").read_bytes() == saved  # nothing was written either
