"""``%gemini timeline`` in a real InteractiveShell against the offline backend."""

from __future__ import annotations

import re
from typing import Any

from gemini_interactions.render._help import commands_help

from .conftest import Kernel


def _html(ran: Any) -> str:
    shown = [o.data for o in ran.outputs if "text/html" in o.data]
    assert shown, ran.outputs
    return str(shown[0]["text/html"])


def test_timeline_is_in_help() -> None:
    help_text = commands_help()
    assert "%gemini timeline [N] [--chain NAME] [--controls]" in help_text["text/plain"]
    assert "`%gemini timeline [N] [--chain NAME] [--controls]`" in help_text["text/markdown"]


def test_timeline_shows_a_turns_steps_and_the_chain_tree(kernel: Kernel) -> None:
    kernel.line("backend offline")
    kernel.cell("--search --code", "Compute 2*3 about Rome")
    kernel.cell("-c", "and then?")
    kernel.cell("--from 1", "a branch")
    one = _html(kernel.line("timeline 1"))
    assert "<details" in one and "turn 1" in one
    assert "Google Search" in one and "Code execution" in one
    assert "https://example.com/offline-search/" in one
    tree = _html(kernel.line("timeline"))
    # Turns 2 and 3 both come from turn 1: nested under it, a branching point.
    assert tree.count("<strong>turn ") == 3 and "1 branching point" in tree
    assert (
        tree.index("<strong>turn 1") < tree.index("<strong>turn 2") < tree.index("<strong>turn 3")
    )
    assert "In[" not in tree  # reads as the cell's own count, which it is not


def test_timeline_controls_update_the_static_output(kernel: Kernel) -> None:
    from gemini_interactions.render._timeline_view import TimelineView

    kernel.line("backend offline")
    kernel.cell("--search --code", "Compute 2*3 about Rome")
    chain = kernel.magics.session.registry.current
    assert chain is not None
    view = TimelineView(chain, None, widgets=True)
    shown: list[dict[str, str]] = []
    view.handle.update = lambda obj: shown.append(obj._repr_mimebundle_())  # type: ignore[method-assign]
    view.kind.value = "code_execution_call"
    assert "Code execution" in shown[-1]["text/html"]
    assert "Google Search" not in shown[-1]["text/html"]
    view.expand.value = True
    assert "<details open" in shown[-1]["text/html"]
    view.close()


def test_timeline_of_an_unknown_turn_fails_the_cell(kernel: Kernel) -> None:
    kernel.line("backend offline")
    kernel.cell("", "hello there")
    ran = kernel.line("timeline 9", fails=True)
    ran.check_one_paragraph()


def test_a_function_calls_card_shows_its_result(kernel: Kernel) -> None:
    kernel.line("backend offline")
    kernel.shell.run_cell(
        'def get_weather(city: str) -> dict:\n    """Weather in a city."""\n'
        '    return {"sky": "sunny"}'
    )
    kernel.cell("--tools get_weather", "get_weather in Paris")
    html = _html(kernel.line("timeline 1"))
    assert "sunny" in html and "running" not in html


def test_the_timeline_html_carries_its_own_filter_expand_and_turn_picker(kernel: Kernel) -> None:
    """Interactive with no widget (so nothing to break after a reload without the kernel)."""
    kernel.line("backend offline")
    kernel.cell("--search --code", "Compute 2*3 about Rome")
    kernel.cell("--from 1", "a branch")
    ran = kernel.line("timeline")
    assert not any("application/vnd.jupyter.widget-view+json" in o.data for o in ran.outputs)
    html = _html(ran)
    found = re.search(r'class="gemini-timeline" id="(gt-[0-9a-f]+)"', html)
    assert found, html[:300]
    uid = found.group(1)
    for label in ("all steps", "search", "code", "answers", "expand all", "all turns", "turn 2"):
        assert f"{label}</label>" in html, label
    assert f"#{uid}:has(#{uid}-x:checked) details::details-content" in html
    assert f'#{uid}:has(#{uid}-k2:checked) [data-step]:not([data-step="' in html
    assert '<div data-step="google_search_call">' in html and '<li data-turn="2">' in html
    # Shown only by the scoped <style>: where styles are stripped (GitHub) the row stays hidden.
    assert '<div class="gt-ctl" hidden style="display:none">' in html and "<script" not in html
    # A second timeline gets its own radio groups and rules.
    again = _html(kernel.line("timeline"))
    assert uid not in again and 'id="gt-' in again


def test_one_turns_timeline_has_controls_but_no_turn_picker(kernel: Kernel) -> None:
    kernel.line("backend offline")
    kernel.cell("--code", "Compute 2*3")
    html = _html(kernel.line("timeline 1"))
    assert "expand all" in html and "all turns" not in html


def test_timeline_widget_controls_close_when_the_next_cell_runs(kernel: Kernel) -> None:
    """Open controls are what a save catches (and shows as a widget error after a reload)."""
    from gemini_interactions.render._timeline_view import TimelineView

    kernel.line("backend offline")
    kernel.cell("--code", "Compute 2*3")
    chain = kernel.magics.session.registry.current
    assert chain is not None
    view = TimelineView(chain, None, widgets=True)
    replaced: list[dict[str, str]] = []
    view.controls_handle.update = lambda obj: replaced.append(obj._repr_mimebundle_())  # type: ignore[method-assign]
    assert view.controls.comm is not None
    kernel.shell.run_cell("x = 1")
    # Closed, and its output replaced: a closed view's output would still be saved with its
    # model id (and show "Error displaying widget" after a reload, JupyterLab 4.6).
    assert view.controls.comm is None
    assert replaced == [{"text/plain": ""}]
    kernel.shell.run_cell("x = 2")  # the hook is gone: nothing to close twice
    assert len(replaced) == 1


def test_turns_are_named_turn_n_with_their_cells_count(kernel: Kernel) -> None:
    """Turns were labelled In[1], In[2] while their cells ran as [2] and [4]."""
    shell = kernel.shell
    counts = []
    for source in ("x = 1", "%%gemini\nMy name is Ada.", "y = 2", "%%gemini -c\nAnd mine?"):
        counts.append(shell.execution_count)
        assert shell.run_cell(source, store_history=True).success
    tree = _html(kernel.line("timeline"))
    assert f"turn 1 · cell [{counts[1]}]" in tree and f"turn 2 · cell [{counts[3]}]" in tree
    assert kernel.magics.session.registry.current.turn(2).provenance()["cell"] == counts[3]
