"""A cell planned in one place: the same plan for a turn, --map and --dry-run, and planning
changes nothing (issue 22)."""

from __future__ import annotations

from gemini_interactions._cell._plan import plan_cell

from .conftest import Kernel


def _plan(kernel: Kernel, line: str, body: str):  # type: ignore[no-untyped-def]
    session = kernel.magics.session
    return plan_cell(
        body,
        line,
        settings=kernel.magics,
        namespace=kernel.ns,
        registry=session.registry,
        hidden=session.hidden_names,
        line=line,
    )


def test_planning_a_cell_changes_nothing_and_decides_everything(kernel: Kernel) -> None:
    kernel.ns.update(city="Rome", cities=["Paris", "Oslo"])
    before = kernel.state()
    plan = _plan(kernel, "--chain trip -s Terse --max-output-tokens 50", "Weather in {city}?")
    assert kernel.state() == before and "trip" not in kernel.magics.session.registry
    assert plan.prompt == "Weather in Rome?" and plan.chain.name == "trip" and plan.new
    assert plan.options.system == "Terse" and plan.options.max_output_tokens == 50
    mapped = _plan(kernel, "--map cities --dry-run", "Weather in {item}?")
    assert mapped.map is not None and mapped.map.count == 2 and mapped.dry_run
    assert mapped.first_prompt == "Weather in Paris?" and mapped.prompt == "Weather in {item}?"
    assert kernel.state() == before


def test_the_dry_run_shows_the_request_the_planned_turn_sends(kernel: Kernel) -> None:
    kernel.ns["city"] = "Rome"
    shown = kernel.cell("--dry-run -s Terse", "Weather in {city}?").stdout
    kernel.cell("-s Terse", "Weather in {city}?")
    sent = kernel.posts()[-1]
    assert '"input": "Weather in Rome?"' in shown and sent["input"] == "Weather in Rome?"
    assert sent["system_instruction"] == "Terse" and '"system_instruction": "Terse"' in shown
