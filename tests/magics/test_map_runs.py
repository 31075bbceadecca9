"""%%gemini --map with the run store: what a re-run reuses and says, budgets, %gemini runs,
history and usage with costs, the DataFrame name column, progress at a bounded rate."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pandas as pd

from .conftest import Kernel


def test_a_rerun_counts_what_it_reuses_and_sends(kernel: Kernel) -> None:
    kernel.ns["xs"] = ["a", "b", "c"]
    kernel.cell("--map xs -o first", "Say {item}")
    kernel.ns["xs"] = ["a", "b", "c", "d"]
    sent = len(kernel.posts())
    ran = kernel.cell("--map xs -o again", "Say {item}")
    assert [p["input"] for p in kernel.posts()[sent:]] == ["Say d"]
    plain = ran.outputs[-1].data["text/plain"]
    assert "4/4 done (3 reused, 1 sent)" in plain
    assert re.search(r"reused\s+3", plain) and re.search(r"sent\s+1", plain)
    assert re.search(r"cost\s+\$", plain)  # the offline model's name is priced: an estimate


def test_a_continue_map_whose_head_moved_names_the_from_that_would_reuse(kernel: Kernel) -> None:
    kernel.cell("", "Here is a paper.")
    kernel.ns["qs"] = ["q1", "q2"]
    kernel.cell("--map qs --continue", "Question {item}")
    kernel.cell("--continue", "And another thing.")  # the head moves to turn 3
    ran = kernel.cell("--map qs --continue", "Question {item}")
    first = ran.outputs[0].data["text/plain"]
    assert first.startswith("0/2 done")  # the first line, before anything was sent
    assert "sending 2 element(s) again that finished before in another context" in first
    assert "--from 1 would reuse them" in first
    sent = len(kernel.posts())
    ran = kernel.cell("--map qs --from 1", "Question {item}")
    assert len(kernel.posts()) == sent
    assert "(2 reused, 0 sent)" in ran.outputs[-1].data["text/plain"]


def test_a_budget_stops_the_cell_in_one_paragraph_and_keeps_the_result(kernel: Kernel) -> None:
    kernel.ns["probe"] = ["p"]
    kernel.cell("--map probe -o one", "Answer {item} briefly.")
    per_item = kernel.ns["one"].tokens
    kernel.ns["xs"] = [f"q{k}" for k in range(12)]
    sent = len(kernel.posts())
    ran = kernel.cell(
        f"--map xs -o out --max-total-tokens {per_item * 3}", "Answer {item} briefly.", fails=True
    )
    message = ran.message
    assert message.startswith("Stopped at the budget:") and "--max-total-tokens" in message
    out = kernel.ns["out"]
    done = sum(v is not None for v in out)
    assert 1 <= done < 12 and len(kernel.posts()) - sent == done
    assert "not sent" in {i.status for i in out.items}
    kernel.cell("--map xs -o out", "Answer {item} briefly.")
    assert len(kernel.posts()) - sent == 12  # the rest, never the finished ones again


def test_max_cost_on_an_unpriced_model_fails_before_sending(kernel: Kernel) -> None:
    kernel.ns["xs"] = ["a"]
    before = kernel.state()
    message = kernel.cell("--map xs -m my-tuned-model --max-cost 0.5", "x {item}", fails=True)
    assert "--max-cost 0.5 needs a price for my-tuned-model" in message.message
    assert "--max-total-tokens N" in message.message
    assert kernel.state() == before
    assert "--map run only" in kernel.cell("--fresh", "x", fails=True).message


def test_runs_history_and_usage_show_map_runs_with_costs(kernel: Kernel) -> None:
    kernel.ns["xs"] = ["a", "b"]
    kernel.cell("--map xs", "Say {item}")
    kernel.cell("", "Hello")
    runs = kernel.line("runs").outputs[-1].data["text/plain"]
    assert "--map xs: Say {item}" in runs and re.search(r"\b2\s+2\s+0\b", runs)
    history = kernel.line("history").outputs[-1].data["text/plain"]
    row = next(line for line in history.splitlines() if line.startswith("1 "))
    assert "2 items" in row and "gemini-3-flash-preview" in row and "$" in row
    assert "[--map xs: 2 items]" in row
    usage = kernel.line("usage")
    assert "cost" in usage.outputs[-1].data["text/plain"] and "price table of" in usage.stdout


def test_the_name_column_of_a_dataframe_is_what_is_sent(kernel: Kernel) -> None:
    kernel.ns["fruit"] = pd.DataFrame({"name": ["apple", "kiwi"]}, index=[100, 200])
    kernel.cell("--map fruit", "Is {item.name} a fruit?")
    assert sorted(p["input"] for p in kernel.posts()) == ["Is apple a fruit?", "Is kiwi a fruit?"]
    kernel.ns["other"] = pd.DataFrame({"title": ["x"]})
    message = kernel.cell("--map other", "Is {item.size} big?", fails=True).message
    assert "{item.size} names no column" in message and "title" in message


def test_progress_updates_stay_near_ten_a_second(kernel: Kernel) -> None:
    kernel.ns["xs"] = [f"q{k}" for k in range(400)]
    start = time.monotonic()
    ran = kernel.cell("--map xs --concurrency 2", "Echo {item}")
    took = time.monotonic() - start
    updates = [o for o in ran.outputs if "done" in o.data.get("text/plain", "")]
    # one before sending, about ten a second, the last line and the summary
    assert len(updates) <= 11 * took + 4, (len(updates), took)
    assert took > 0.5  # long enough for the rate to mean something


def test_every_turn_shows_its_cost_and_the_export_carries_it(
    kernel: Kernel, tmp_path: Path
) -> None:
    import json

    ran = kernel.cell("", "Hello")
    assert re.search(r"cost \$[0-9.e-]+", ran.stdout + str(ran.outputs[-1].data)), ran.outputs
    unknown = kernel.cell("-m my-tuned-model", "Hello")
    assert "cost unknown" in unknown.stdout + str(unknown.outputs[-1].data)
    kernel.ns["xs"] = ["a", "b"]
    kernel.cell("--map xs", "Say {item}")
    (tmp_path / "export").mkdir()
    target = tmp_path / "export" / "out.ipynb"
    kernel.line(f"export {target} --cassette")
    notebook = json.loads(target.read_text())
    header = "".join(notebook["cells"][0]["source"])
    assert "- estimated cost: unknown (prices as of" in header  # turn 2 has no known price
    provenance = notebook["metadata"]["gemini_interactions"]
    assert provenance["turns"][0]["cost_usd"] > 0 and provenance["turns"][1]["cost_usd"] is None
    cassette = json.loads((target.parent / notebook_cassette(target)).read_text())
    assert "Say a" in json.dumps(cassette) and "Say b" in json.dumps(cassette)


def notebook_cassette(target: Path) -> str:
    return next(p.name for p in target.parent.iterdir() if p.name != target.name)
