"""A cell that cannot do what it says fails (so Run All stops there) with one paragraph, no
traceback: in an InteractiveShell here, in terminal IPython (a subprocess) and, in
tests/e2e, in a kernel."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from IPython.core.error import UsageError
from pydantic import BaseModel

from gemini_interactions.magics._errors import TurnFailed

from .conftest import FIXTURES, Kernel, saved


class City(BaseModel):
    name: str
    population: int


def test_each_kind_of_failure_is_an_error_with_its_paragraph(kernel: Kernel) -> None:
    kernel.cell("", "hello")
    mistake = kernel.cell("--tools nosuch", "hi", fails=True)
    assert isinstance(mistake.error, UsageError) and "Unknown tool 'nosuch'" in mistake.message
    failed = kernel.cell("-c", "please fail", fails=True)
    assert isinstance(failed.error, TurnFailed) and "HTTP 400" in failed.message
    # the failed turn's display stays (what was sent and what came back), then the error
    assert failed.outputs[-1].metadata["gemini_interactions"]["status"] == "failed"
    # the next cell runs as if nothing had happened
    assert "previous_interaction_id" in kernel.posts()[-1]
    kernel.cell("-c", "again")
    chain = kernel.magics.session.registry.current
    assert chain is not None and [t.status for t in chain.turns] == [
        "completed",
        "failed",
        "completed",
    ]


def test_a_failing_tool_is_not_a_failing_cell(kernel: Kernel) -> None:
    def explode(city: str) -> str:
        """Fails."""
        raise ValueError("boom")

    kernel.ns["explode"] = explode
    out = kernel.cell("--tools explode", "Call explode for Paris")  # succeeds
    assert out.error is None and kernel.ns["_gemini"].status == "completed"


def test_an_answer_that_does_not_fit_the_schema_fails_the_cell(kernel: Kernel) -> None:
    kernel.ns["City"] = City
    kernel.ns["city"] = "from an earlier run"
    out = kernel.cell("--schema City -o city", "answer in prose", fails=True)
    assert isinstance(out.error, TurnFailed)
    assert out.message.startswith("The answer does not match City: Invalid JSON")
    assert "`city` and `_gemini` not set" in out.message
    assert kernel.ns["city"] == "from an earlier run" and "_gemini" not in kernel.ns
    chain = kernel.magics.session.registry.current
    assert chain is not None and chain.turns[-1].parse_error  # recorded, as it came


TERMINAL = f"""
ip = get_ipython()
ip.run_line_magic("load_ext", "gemini_interactions")
ip.run_line_magic("gemini", "backend offline --fixtures {FIXTURES}")
print("CELLS")
for cell in ("%%gemini --tools nosuch\\nhi", "%%gemini\\nplease fail", "%%gemini\\nhello"):
    print("RESULT", ip.run_cell(cell).success)
print("SHELL", type(ip).__name__)
"""


def test_terminal_ipython_shows_the_paragraph_alone(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "IPython", "--colors=nocolor", "--no-banner", "-c", TERMINAL],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    text = out.stdout + out.stderr
    assert "SHELL TerminalInteractiveShell" in text, text
    results = [line for line in out.stdout.splitlines() if line.startswith("RESULT")]
    assert results == ["RESULT False", "RESULT False", "RESULT True"], text
    assert "Traceback" not in text and "UsageError" not in text and "TurnFailed" not in text
    shown = out.stdout.split("CELLS\n", 1)[1].split("RESULT")
    mistake, failure = shown[0], shown[1]
    assert mistake.strip().startswith("Unknown tool 'nosuch'") and mistake.count("\n") == 1
    assert "The request failed: HTTP 400" in failure and "[failed]" in failure  # printed live


def test_chain_parameters_are_written_as_the_cell_flags() -> None:
    from gemini_interactions.magics import GeminiMagics
    from gemini_interactions.magics._failure import flag

    cases = {
        ("from_turn", "N"): "--from N",
        ("from_turn", "3"): "--from 3",
        ("store", "False"): "--no-store",
        ("max_tool_rounds", "N"): "--max-tool-rounds N",
        ("max_output_tokens", ""): "--max-output-tokens",
        ("background", "True"): "--background",
        ("new", "True"): "a cell without --continue or --from",
        ("model", ""): "--model",
        ("agent", ""): "--agent",
        ("thinking", ""): "--thinking",
        ("temperature", ""): "--temperature",
        ("tools", ""): "--tools",
    }
    doc = GeminiMagics.gemini.__doc__ or ""
    for (name, value), expected in cases.items():
        assert flag(name, value) == expected
        assert expected.split()[-3 if name == "new" else 0] in doc  # a flag the cell has


def test_a_cell_checks_and_builds_its_schema_once(kernel: Kernel) -> None:
    built: list[str] = []

    class Counted(BaseModel):
        name: str

        @classmethod
        def __get_pydantic_json_schema__(cls, core_schema, handler):  # type: ignore[no-untyped-def]
            built.append(cls.__name__)  # pydantic calls this each time it writes the schema
            return handler(core_schema)

    kernel.ns["Counted"] = Counted
    kernel.cell("--schema Counted", "A name")
    assert built == ["Counted"]  # not once in the magic and again in the chain
    assert kernel.posts()[-1]["response_format"]["schema"]["required"] == ["name"]


def test_numbers_never_skip(kernel: Kernel) -> None:
    """Like In[n]: every turn that was sent takes the next number, a failed one too; a mistake
    or a dry run takes none."""
    kernel.cell("", "one")
    kernel.cell("--tools nosuch", "a mistake", fails=True)
    kernel.cell("--dry-run", "a dry run")
    kernel.cell("", "please fail", fails=True)
    kernel.cell("-c", "two")
    kernel.cell("", "three")
    outputs = saved(kernel.cell("", "four")).outputs
    shown = [o.metadata["gemini_interactions"]["turn"] for o in outputs]
    registry = kernel.magics.session.registry
    assert list(registry.chains) == ["chat"] and set(shown) == {5}
    chain = registry.get("chat")
    assert [(t.number, t.parent, t.status) for t in chain.turns] == [
        (1, None, "completed"),
        (2, None, "failed"),
        (3, 1, "completed"),  # --continue skips the failed turn: it never became the head
        (4, None, "completed"),
        (5, None, "completed"),
    ]


def test_waiting_for_a_background_turn_that_fails_fails_the_cell(
    kernel: Kernel, monkeypatch
) -> None:
    monkeypatch.setattr(kernel.magics.session.client().retry_policy, "sleep", lambda s: None)
    kernel.cell("--background", "research that fails")  # accepted: it runs on the server
    out = kernel.line("wait", fails=True)  # it produced no answer: Run All stops here
    assert isinstance(out.error, TurnFailed)
    assert "Turn 1 of chain 'chat' is recorded as failed" in out.message
    chain = kernel.magics.session.registry.get("chat")
    assert chain.turns[0].status == "failed" and chain.head is None


def test_an_interrupted_wait_fails_the_cell_and_leaves_the_turn_running(
    kernel: Kernel, monkeypatch
) -> None:
    from gemini_interactions.chain import Chain

    kernel.cell("--background", "Research TPUs")

    def interrupted(self: Chain, *args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Chain, "wait", interrupted)
    out = kernel.line("wait", fails=True)
    assert isinstance(out.error, KeyboardInterrupt)
    assert out.message.startswith("Stopped waiting; turn 1 is still running")
    assert kernel.magics.session.registry.get("chat").turns[0].status == "running"
