"""Durable map runs: the run store (resume in a new chain and server, --retry-failed, --fresh,
a store it cannot read), budgets, costs, DataFrame columns, and why a re-run sends again."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from gemini_interactions.api import Client
from gemini_interactions.chain import Chain, ChainUsageError, SendOptions
from gemini_interactions.chain._map import MapBudgetReached, MapProgress, fill, run_map
from gemini_interactions.chain._prices import cost, format_cost, set_prices
from gemini_interactions.chain._runs import RunStore, RunStoreError
from gemini_interactions.server import LocalServer
from gemini_interactions.server._faults import FaultPlan


def _chain(server: LocalServer, name: str = "m") -> Chain:
    return Chain(Client(api_key="test-key", transport=server.transport()), name=name)


def _prompts(server: LocalServer) -> list[str]:
    return [
        r.json["input"]
        for r in server.requests
        if r.method == "POST" and isinstance(r.json, dict) and isinstance(r.json.get("input"), str)
    ]


def test_a_new_chain_and_server_reuse_the_store_and_send_nothing_finished() -> None:
    items = [f"q{k}" for k in range(6)]
    first = run_map(_chain(LocalServer()), "Answer {item}.", items, concurrency=3)
    assert all(i.ok for i in first.items)
    server = LocalServer()  # as after a restart: nothing in memory is shared
    again = run_map(_chain(server), "Answer {item}.", items, concurrency=3)
    assert _prompts(server) == []
    assert [again[k] for k in range(6)] == [first[k] for k in range(6)]
    assert again.reused == 6 and all(i.reused for i in again.items)
    table = again.to_pandas()
    assert table["answer"].str.contains("q").all() and table["reused"].all()


def test_retry_failed_sends_only_failures_and_fresh_sends_all() -> None:
    server = LocalServer(faults=FaultPlan(http_status=400, fail_first=1))
    chain = _chain(server)
    run_map(chain, "Answer {item}.", ["a", "b", "c"], concurrency=1)
    assert sorted(_prompts(server)) == ["Answer a.", "Answer b.", "Answer c."]  # a: a 400
    before = len(_prompts(server))
    # two new elements: --retry-failed leaves them unsent and sends the one failure
    retried = run_map(chain, "Answer {item}.", list("abcde"), retry_failed=True)
    assert _prompts(server)[before:] == ["Answer a."]
    assert [i.status for i in retried.items] == ["completed"] * 3 + ["not sent"] * 2
    before = len(_prompts(server))
    run_map(chain, "Answer {item}.", list("abc"), fresh=True, concurrency=1)
    assert _prompts(server)[before:] == ["Answer a.", "Answer b.", "Answer c."]


@pytest.mark.parametrize("kind", ["newer", "broken"])
def test_a_store_it_cannot_read_is_one_paragraph_and_left_as_it_was(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / f"{kind}.sqlite"
    if kind == "newer":
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.execute("INSERT INTO meta VALUES ('schema', '99')")
            db.execute("CREATE TABLE items (key TEXT)")
            db.execute("INSERT INTO items VALUES ('precious')")
    else:
        path.write_bytes(b"not a database at all, but someone's data" * 100)
    before = path.read_bytes()
    server = LocalServer()
    with pytest.raises(RunStoreError) as caught:
        run_map(_chain(server), "Answer {item}.", ["a"], store=path)
    message = str(caught.value)
    assert str(path) in message and "Nothing in it was changed" in message
    assert "\n" not in message and (kind != "newer" or "newer version" in message)
    assert path.read_bytes() == before and _prompts(server) == []


def test_a_token_budget_stops_before_passing_it_and_a_rerun_sends_only_the_rest() -> None:
    server = LocalServer()
    chain = _chain(server)
    items = [f"q{k}" for k in range(20)]
    one = run_map(_chain(LocalServer()), "Answer {item}.", ["probe"], store=":memory:")
    per_item = one.items[0].tokens
    assert per_item > 0
    budget = per_item * 5 + per_item // 2
    with pytest.raises(MapBudgetReached) as stopped:
        run_map(chain, "Answer {item}.", items, concurrency=4, max_total_tokens=budget)
    result = stopped.value.result
    done = [i for i in result.items if i.ok]
    assert 1 <= len(done) < 20 and sum(i.tokens for i in done) <= budget
    assert {i.status for i in result.items if not i.ok} == {"not sent"}
    message = str(stopped.value)
    assert f"{len(done)} of 20 element(s) are done" in message and "max_total_tokens=" in message
    assert "\n" not in message
    sent = len(_prompts(server))
    assert sent == len(done)  # nothing sent beyond what finished
    again = run_map(chain, "Answer {item}.", items, concurrency=4)
    assert all(i.ok for i in again.items)
    assert len(_prompts(server)) - sent == 20 - len(done)


def test_max_cost_on_a_model_without_a_price_fails_before_sending() -> None:
    server = LocalServer()
    chain = _chain(server)
    with pytest.raises(ChainUsageError, match="price table has none") as caught:
        run_map(chain, "x {item}", ["a"], max_cost=1.0, options=SendOptions(model="my-tuned-model"))
    assert "max_cost=1.0" in str(caught.value) and _prompts(server) == []
    assert chain.turns == []


def test_a_cost_budget_stops_the_run() -> None:
    server = LocalServer()
    chain = _chain(server)
    probe = run_map(_chain(LocalServer()), "Answer {item}.", ["probe"], store=":memory:")
    budget = 4.5 * (probe.cost or 0)
    with pytest.raises(MapBudgetReached) as stopped:
        run_map(chain, "Answer {item}.", [f"q{k}" for k in range(30)], max_cost=budget)
    result = stopped.value.result
    assert result.cost is not None and 0 < result.cost <= budget
    assert sum(i.status == "not sent" for i in result.items) > 0
    assert "max_cost=" in str(stopped.value) and "$" in str(stopped.value)


def test_cost_comes_from_the_dated_table_and_unknown_is_unknown() -> None:
    usage = {"total_input_tokens": 1_000_000, "total_output_tokens": 1_000_000}
    assert cost("gemini-3-flash-preview", usage) == pytest.approx(3.5)
    assert cost("gemini-3-flash-preview", usage, "flex") == pytest.approx(1.75)
    cached = {"total_input_tokens": 1_000_000, "total_cached_tokens": 1_000_000}
    assert cost("gemini-3-flash-preview", cached) == pytest.approx(0.05)
    assert cost("no-such-model", usage) is None and format_cost(None) == "unknown"
    assert cost("gemini-3-flash-preview", usage, "priority") is None
    set_prices({"no-such-model": {"input": 1.0, "output": 2.0}})
    try:
        assert cost("no-such-model", usage) == pytest.approx(3.0)
    finally:
        set_prices({})
    with pytest.raises(ValueError, match="input and output"):
        set_prices({"m": {"input": 1.0}})


def test_a_turn_and_a_map_run_carry_their_cost() -> None:
    server = LocalServer()
    chain = _chain(server)
    turn = chain.send("Hello")
    assert turn.cost is not None and turn.cost > 0
    assert turn.provenance()["cost_usd"] == turn.cost
    result = run_map(chain, "Echo {item}.", ["a", "b"])
    mapped = chain.turns[-1]
    assert mapped.model == "gemini-3-flash-preview"
    assert mapped.usage["total_tokens"] == result.tokens > 0
    assert mapped.cost == pytest.approx(result.cost)
    assert "[--map items: 2 items]" in mapped.summary()


def test_a_dataframe_column_wins_over_series_attributes() -> None:
    frame = pd.DataFrame(
        {"name": ["apple", "pear"], "size": ["big", "small"], "count": [3, 4]}, index=[100, 200]
    )
    rows = [row for _, row in frame.iterrows()]
    assert fill("Is {item.name} ({item.size}, {item.count}) a fruit?", rows[0], 0) == (
        "Is apple (big, 3) a fruit?"
    )
    other = pd.DataFrame({"title": ["x"]})
    with pytest.raises(ChainUsageError, match=r"\{item.name\} names no column") as caught:
        fill("{item.name}", next(other.iterrows())[1], 0)
    assert "title" in str(caught.value)
    server = LocalServer()
    result = run_map(_chain(server), "Is {item.name} a fruit?", frame)
    assert sorted(_prompts(server)) == ["Is apple a fruit?", "Is pear a fruit?"]
    assert list(result.to_pandas().index) == [100, 200]


def test_a_continue_map_whose_head_moved_says_so_before_sending_and_names_the_turn() -> None:
    server = LocalServer()
    chain = _chain(server)
    chain.send("Here is a paper.")
    run_map(chain, "Question {item}", ["a", "b", "c"], new=False)
    chain.send("Something else.", new=False, from_turn=1)  # the head moves to turn 3
    lines: list[str] = []

    def seen(progress: MapProgress) -> None:
        lines.append(progress.line())

    before = len(_prompts(server))
    run_map(chain, "Question {item}", ["a", "b", "c"], new=False, on_progress=seen)
    assert len(_prompts(server)) - before == 3
    assert "sending 3 element(s) again that finished before in another context" in lines[0]
    assert "continued turn 1; from_turn=1 would reuse them" in lines[0]
    assert lines[0].startswith("0/3 done")  # said before anything was sent
    before = len(_prompts(server))
    reused = run_map(chain, "Question {item}", ["a", "b", "c"], from_turn=1, new=False)
    assert len(_prompts(server)) == before and reused.reused == 3


def test_the_kernel_keeps_a_compact_line_per_element() -> None:
    from gemini_interactions.chain._runs import StoredTurns

    server = LocalServer()
    chain = _chain(server)
    result = run_map(chain, "Echo {item}.", list(range(3)))
    item = result.items[0]
    assert not hasattr(item, "__dict__")  # slots: no per-element dict, no turn, no text
    assert "Echo 0" in item.text  # read from the store
    # the chain's record of the run holds the elements' keys; their turns are read on demand
    elements = chain.turns[-1].items
    assert isinstance(elements, StoredTurns) and len(elements) == 3
    assert [t.id for t in elements] == [i.interaction_id for i in result.items]
    assert "Echo 1" in elements[1].output_text


def test_the_store_is_named_by_the_environment_or_beside_the_notebook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gemini_interactions.chain._runs import default_path

    assert default_path() == os.environ["GEMINI_INTERACTIONS_RUNS"]
    monkeypatch.delenv("GEMINI_INTERACTIONS_RUNS")
    monkeypatch.setenv("JPY_SESSION_NAME", "/work/papers/labels.ipynb")
    assert default_path() == "/work/papers/labels.gemini-runs.sqlite"
    monkeypatch.delenv("JPY_SESSION_NAME")
    assert default_path() == "gemini_runs.sqlite"
    assert RunStore.at(":memory:") is not RunStore.at(":memory:")


def test_a_store_that_fails_mid_run_stops_it_in_one_paragraph_keeping_what_it_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_put = RunStore.put
    calls = {"n": 0}

    def put(self: RunStore, **row: object) -> None:
        calls["n"] += 1
        if calls["n"] > 3:
            with self._using():
                raise sqlite3.OperationalError("database or disk is full")
        real_put(self, **row)  # type: ignore[arg-type]

    monkeypatch.setattr(RunStore, "put", put)
    server = LocalServer()
    chain = _chain(server)
    items = [f"q{k}" for k in range(12)]
    with pytest.raises(RunStoreError, match="disk is full") as caught:
        run_map(chain, "Answer {item}.", items, concurrency=1, options=SendOptions(store=False))
    assert "\n" not in str(caught.value) and "run the cell again" in str(caught.value)
    assert chain.turns[-1].options["map"]["items"] == 12  # the run is recorded
    monkeypatch.setattr(RunStore, "put", real_put)
    sent = len(_prompts(server))
    again = run_map(chain, "Answer {item}.", items, concurrency=1, options=SendOptions(store=False))
    assert all(i.ok for i in again.items)
    assert len(_prompts(server)) - sent == 12 - 3  # the three stored are not asked again


def test_an_element_counts_as_done_only_once_it_is_in_the_store() -> None:
    """What a kill -9 relies on: every element the progress line counts is already committed
    (read by another connection, as a new kernel would), and the run returns with all of them."""
    path = os.environ["GEMINI_INTERACTIONS_RUNS"]
    behind: list[tuple[int, int]] = []

    def committed() -> int:
        with sqlite3.connect(path, timeout=5) as db:
            found: int = db.execute(
                "SELECT count(*) FROM items WHERE status = 'completed'"
            ).fetchone()[0]
        return found

    def check(progress: MapProgress) -> None:
        done, stored = progress.done, committed()
        if stored < done:
            behind.append((done, stored))

    server = LocalServer(faults=FaultPlan(trickle=0.001, trickle_bytes=256))
    result = run_map(
        _chain(server),
        "Answer {item}.",
        [f"q{k}" for k in range(24)],
        concurrency=6,
        on_progress=check,
        interval=0.01,
    )
    assert behind == []
    assert all(i.ok for i in result.items) and committed() == 24
