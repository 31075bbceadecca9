"""Lesson 11's saved HTML in headless Debian chromium: the Deep Research plan card reads as a
numbered plan with its next step, with styles (nbconvert) and without them (as GitHub strips
them), and the image answer is an image. Screenshots go to build/screenshots/."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def saved_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import nbclient
    from nbconvert import HTMLExporter

    folder = tmp_path_factory.mktemp("lesson11") / "notebooks"
    shutil.copytree(NOTEBOOKS, folder, ignore=shutil.ignore_patterns("out", ".ipynb_checkpoints"))
    nb = nbformat.read(folder / "11-agents-and-tools.ipynb", as_version=4)
    nbclient.NotebookClient(
        nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    html, _ = HTMLExporter().from_notebook_node(nb)
    page = folder / "11.html"
    page.write_text(html, encoding="utf-8")
    # GitHub drops inline styles and scripts: the card must read the same without them.
    bare = re.sub(r'\sstyle="[^"]*"', "", html)
    bare = re.sub(r"<script\b.*?</script>", "", bare, flags=re.S)
    (folder / "11-bare.html").write_text(bare, encoding="utf-8")
    return folder


@pytest.mark.parametrize("name", ["11.html", "11-bare.html"])
def test_the_plan_card_reads_as_a_numbered_plan_with_its_next_step(
    saved_html: Path, name: str
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            page.goto((saved_html / name).as_uri())
            card = page.locator("section.gemini-plan").first
            card.scroll_into_view_if_needed()
            card.screenshot(path=str(SHOTS / f"plan-card-{name.removesuffix('.html')}.png"))
            assert card.is_visible()
            assert card.locator("ol > li").count() == 5
            text = card.inner_text()
            assert "waiting for your go-ahead" in text
            assert '%%gemini --continue with "go ahead" runs the research' in text
            box = card.bounding_box()
            assert box is not None and box["height"] > 100 and box["width"] > 400
            images = page.locator("img[src^='data:image/png']")
            assert images.count() >= 2  # the report's chart and the image answer
        finally:
            browser.close()
