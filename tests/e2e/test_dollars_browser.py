"""Dollar signs in JupyterLab (headless Debian chromium): MathJax reads two ``$`` in one Markdown
output, or in one line of HTML, as LaTeX. Costs (``$0.0002``) and prompts ("$5 or $3") must show
as typed in the tables and lines we draw: ``history``, ``usage``, ``runs``, the ``--map``
summary and its result, a chain shown by evaluating it, ``chains`` and the timeline.

Before the fix, ``%gemini history`` with two priced turns showed one row, the rest of the table
typeset as italic letters; the map summary showed ``0.0005(`` as a formula.
"""

from __future__ import annotations

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

CELLS = [
    "%load_ext gemini_interactions",
    "%gemini backend offline",
    "%%gemini\nIs $5 more than $3?",
    "%%gemini --continue\nAnd $10 or $20?",
    "%gemini history",
    "%%gemini --chain other\nIs $7 a fair price for $8 worth?",
    "%gemini usage",
    'prices = ["$1 or $2", "$3 or $4"]',
    "%%gemini --map prices -o labelled\nWhich is less: {item}?",
    "labelled",
    "%gemini runs",
    "%gemini use chat",
    "%gemini timeline 1",
    "get_ipython().magics_manager.registry['GeminiMagics'].session.registry.current",
    "%gemini chains",
]
HISTORY, USAGE, MAP, RESULT, TIMELINE, CHAIN = 4, 6, 8, 9, 12, 13


def _cell(page: Any, index: int) -> Any:
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(index)


def test_costs_and_prompts_with_dollars_are_not_typeset_as_latex(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    v4 = nbformat.v4
    spec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = v4.new_notebook(cells=[v4.new_code_cell(c) for c in CELLS], metadata={"kernelspec": spec})
    nbformat.write(nb, tmp_path / "dollars.ipynb")
    token, port = secrets.token_hex(16), _port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "rt")
    jupyter = str(Path(sys.executable).parent / "jupyter")
    cmd = [jupyter, "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--allow-root"]
    cmd += [f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}"]
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        _wait_up(base, token, proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            try:
                page.goto(f"{base}/lab/tree/dollars.ipynb?token={token}")
                first = page.locator(".jp-NotebookPanel:visible .jp-Cell").first
                expect(first).to_be_visible(timeout=60_000)
                _kernel_ready(base, token)
                page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
                page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
                last = _cell(page, len(CELLS) - 1).locator(".jp-OutputArea")
                expect(last.get_by_text("first prompt").first).to_be_visible(timeout=90_000)
                time.sleep(2.0)  # MathJax typesets after the output is drawn
                for index in range(len(CELLS)):
                    cell = _cell(page, index)
                    cell.scroll_into_view_if_needed()
                    typeset = cell.locator(".jp-OutputArea mjx-container").count()
                    assert typeset == 0, (index, CELLS[index], cell.inner_text())
                _cell(page, HISTORY).screenshot(path=str(SHOTS / "dollars-history.png"))
                _cell(page, MAP).screenshot(path=str(SHOTS / "dollars-map.png"))
                history = _cell(page, HISTORY).locator(".jp-OutputArea table")
                assert history.locator("tr").count() == 3  # the header and both turns
                text = history.inner_text()
                assert "Is $5 more than $3?" in text and "And $10 or $20?" in text, text
                assert text.count("$0.") == 2, text
                usage = _cell(page, USAGE).locator(".jp-OutputArea table")
                assert usage.locator("tr").count() == 3  # the header, chat and other
                summary = _cell(page, MAP).locator(".jp-OutputArea").inner_text()
                assert "in this run)" in summary and summary.count("$0.") == 2, summary
                result = _cell(page, RESULT).locator(".jp-OutputArea").inner_text()
                assert "$1 or $2" in result and "$3 or $4" in result, result
                timeline = _cell(page, TIMELINE).locator(".jp-OutputArea").inner_text()
                assert "Is $5 more than $3?" in timeline, timeline
                chain = _cell(page, CHAIN).locator(".jp-OutputArea").inner_text()
                assert "» turn 2: And $10 or $20?" in chain, chain
            except Exception:
                page.screenshot(path=str(SHOTS / "dollars-FAIL.png"), full_page=True)
                raise
            finally:
                browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
