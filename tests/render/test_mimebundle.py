"""A Turn, a Chain and a MapResult show themselves when a cell evaluates to them (IPython's
``_repr_mimebundle_``): the live view's final outputs as one static output, which a saved
notebook keeps readable with no kernel and no widget state."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from gemini_interactions.chain import Chain, Turn
from gemini_interactions.chain._map import MapItem, MapResult
from gemini_interactions.render import static_outputs
from gemini_interactions.render._bundles import html_of

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")


def _turn(text: str = "Paris is the **capital**.") -> Turn:
    turn = Turn(
        number=1,
        chain="chat",
        prompt="Capital of France?",
        parent=None,
        previous_interaction_id=None,
    )
    turn.add_text(text)
    turn.status = "completed"
    turn.ended_at = turn.started_at + 0.4
    return turn


def test_a_turn_is_the_live_views_final_outputs_joined() -> None:
    turn = _turn()
    data, metadata = turn._repr_mimebundle_()  # type: ignore[misc]
    outputs = [bundle for bundle, _ in static_outputs(turn)]
    assert data["text/html"] == "".join(html_of(b) for b in outputs)
    assert data["text/plain"] == "\n\n".join(b["text/plain"] for b in outputs)
    assert "<strong>capital</strong>" in data["text/html"] and "✅ completed" in data["text/plain"]
    assert metadata["gemini_interactions"]["status"] == "completed"


def test_include_and_exclude_choose_mime_types() -> None:
    turn = _turn()
    only, _ = turn._repr_mimebundle_(include={"text/plain"})  # type: ignore[misc]
    assert set(only) == {"text/plain"}
    rest, _ = turn._repr_mimebundle_(exclude={"text/html", "text/markdown"})  # type: ignore[misc]
    assert set(rest) == {"text/plain"}


def test_a_chain_shows_each_turn_under_its_prompt() -> None:
    chain = Chain(name="chat")
    chain.turns.append(_turn())
    data, _ = chain._repr_mimebundle_()  # type: ignore[misc]
    assert "chain 'chat' · 1 turn(s)" in data["text/plain"]
    assert "» turn 1: Capital of France?" in data["text/plain"]
    assert "<strong>capital</strong>" in data["text/html"]


def test_a_map_result_shows_its_summary_and_a_row_per_element() -> None:
    items = [MapItem(0, "fr", "p", "k0"), MapItem(1, "de", "p", "k1")]
    items[0].status, items[0].tokens, items[0].cost = "completed", 12, 0.0001
    items[1].status, items[1].error = "failed", "HTTP 400: too hot"
    data, _ = MapResult(items)._repr_mimebundle_()  # type: ignore[misc]
    assert "MapResult(2 items, 1 failed)" in data["text/plain"]
    assert (
        "<td>de</td><td>p</td><td>failed</td>" in data["text/html"]
        and "too hot" in data["text/html"]
    )


def _words(html: str) -> str:
    """What a reader sees of some HTML: its text, without stylesheets and tags."""
    return re.sub(r"<[^>]+>", "", re.sub(r"<style>.*?</style>", "", html, flags=re.S))


def _outputs(cell: Any) -> list[dict[str, Any]]:
    return [o for o in cell.outputs if o.get("output_type") == "execute_result"]


SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A notebook run in a real kernel (nbclient) and saved, then read back."""
    folder = tmp_path_factory.mktemp("shown")
    v4 = nbformat.v4
    cells = [
        v4.new_code_cell("%load_ext gemini_interactions\n%gemini backend offline"),
        v4.new_code_cell("%%gemini\nWhat is the capital of France?"),
        v4.new_code_cell(
            "chain = get_ipython().magics_manager.registry['GeminiMagics'].session.registry.current"
        ),
        v4.new_code_cell("chain.turns[-1]"),
        v4.new_code_cell("chain"),
        v4.new_code_cell("items = ['fr', 'de']"),
        v4.new_code_cell("%%gemini --map items -o res\nCapital of {item}?"),
        v4.new_code_cell("res"),
    ]
    nb = v4.new_notebook(cells=cells)
    nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    nbformat.write(nb, folder / "saved.ipynb")
    return nbformat.read(folder / "saved.ipynb", as_version=4)


@pytest.mark.slow
def test_a_real_kernel_shows_chain_and_turn_and_the_saved_notebook_reads_well(
    saved: Any,
) -> None:
    assert "widgets" not in saved.metadata  # no widget state: static outputs only
    live = "".join(o.get("data", {}).get("text/html", "") for o in saved.cells[1].outputs)
    (turn,) = _outputs(saved.cells[3])
    (chain,) = _outputs(saved.cells[4])
    (result,) = _outputs(saved.cells[7])
    for shown in (turn, chain, result):
        assert {"text/plain", "text/html"} <= set(shown["data"])
        assert "application/vnd.jupyter.widget-view+json" not in shown["data"]
    # The turn shows what its live cell ended with: the same answer and status line.
    answer = turn["data"]["text/html"]
    assert 'class="gemini-status"' in answer and "Turn(" not in turn["data"]["text/plain"]
    # (The same words: the live view's blocks each carry the answer's container mark, the
    # re-rendered answer is one block, so the markup around the words differs.)
    assert _words(answer.split('<p class="gemini-status"')[0]) in _words(live)
    assert "turn 1" in answer and "✅ completed" in turn["data"]["text/plain"]
    assert "» turn 1: What is the capital of France?" in chain["data"]["text/plain"]
    assert 'class="gemini-turn"' in chain["data"]["text/html"]
    assert "MapResult(2 items, 0 failed)" in result["data"]["text/plain"]
    assert "<td>Capital of de?</td><td>completed</td>" in result["data"]["text/html"]
    assert turn["metadata"]["gemini_interactions"]["turn"] == 1


@pytest.mark.slow
@pytest.mark.e2e
def test_the_saved_notebooks_chain_reads_in_a_browser(saved: Any, tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    from nbconvert import HTMLExporter

    html, _ = HTMLExporter().from_notebook_node(saved)
    page_file = tmp_path / "shown.html"
    page_file.write_text(html, encoding="utf-8")
    SHOTS.mkdir(parents=True, exist_ok=True)
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            page.goto(page_file.as_uri())
            chain = page.locator(".gemini-turn").first
            chain.scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / "chain-mimebundle.png"), full_page=True)
            assert chain.is_visible() and "completed" in chain.inner_text()
            assert page.locator("text=» turn 1: What is the capital of France?").is_visible()
            assert page.locator("table >> text=failed").count() == 0  # nothing failed
        finally:
            browser.close()
