"""%%gemini --map in a real InteractiveShell over the offline backend."""

from __future__ import annotations

import pandas as pd
import pytest

from .conftest import Kernel


def test_map_over_a_dataframe_sets_an_aligned_result(kernel: Kernel) -> None:
    kernel.ns["papers"] = pd.DataFrame({"title": ["A", "B", "C"]}, index=[10, 20, 30])
    kernel.ns["topic"] = "biology"
    ran = kernel.cell("--map papers -o answers --concurrency 2", "About {topic}: {item.title}")
    answers = kernel.ns["answers"]
    assert len(answers) == 3 and list(answers.to_pandas().index) == [10, 20, 30]
    prompts = [p["input"] for p in kernel.posts()]
    assert sorted(prompts) == ["About biology: A", "About biology: B", "About biology: C"]
    summary = ran.outputs[-1].data
    assert "3/3 done, 0 failed" in summary["text/plain"] and "<table" in summary["text/html"]


def test_dry_run_shows_the_first_request_and_the_count(kernel: Kernel) -> None:
    kernel.ns["xs"] = ["one", "two"]
    ran = kernel.cell("--map xs --dry-run --service-tier flex", "Say {item} ({i})")
    assert "2 request(s)" in ran.stdout
    assert '"Say one (0)"' in ran.stdout and '"flex"' in ran.stdout
    assert kernel.posts() == []


def test_map_mistakes_fail_the_cell_and_change_nothing(kernel: Kernel) -> None:
    kernel.ns["n"] = 5
    before = kernel.state()
    kernel.cell("--map n", "x {item}", fails=True)
    kernel.cell("--map nothing_here", "x {item}", fails=True)
    kernel.cell("--map n --service-tier cheap", "x", fails=True)
    assert "--rpm" in kernel.cell("--map n --rpm inf", "x {item}", fails=True).message
    # a placeholder that only a later element lacks: one paragraph naming it, nothing sent
    kernel.ns["rows"] = [{"a": 1}, {"a": 2}, {"b": 3}]
    sent = len(kernel.posts())
    message = kernel.cell("--map rows", "Value {item[a]}", fails=True).message
    assert "{item[a]} for element 2" in message and "Traceback" not in message
    assert len(kernel.posts()) == sent
    del kernel.ns["rows"]
    assert kernel.state() == before


def test_context_describes_variables_within_the_budget(kernel: Kernel) -> None:
    kernel.ns["df"] = pd.DataFrame({"x": range(1000), "name": ["n"] * 1000})
    kernel.ns["notes"] = "A very long string. " * 500
    ran = kernel.cell("--context df,notes --context-chars 900 --dry-run", "What is in df?")
    assert "shape (1000, 2)" in ran.stdout and "x: int64" in ran.stdout
    assert "str of 10000 characters" in ran.stdout
    kernel.cell("--context df,notes --context-chars 900", "What is in df?")
    sent = kernel.posts()[-1]["input"]
    assert sent.startswith("What is in df?") and len(sent) <= len("What is in df?") + 2 + 900


def test_a_ctrl_c_outside_the_pool_is_one_paragraph(
    kernel: Kernel, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gemini_interactions.chain._map as magic_map

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # as a second Ctrl-C while the run records itself

    monkeypatch.setattr(magic_map, "run_map", interrupted)
    kernel.ns["names"] = ["a", "b"]
    message = kernel.cell("--chain side --map names", "Hi {item}", fails=True).message
    assert "before the run was recorded. Run the cell again" in message
    assert "Traceback" not in message
