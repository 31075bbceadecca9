"""User mistakes: each fails its cell with one short paragraph, no traceback, and no change."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.error import UsageError

from .conftest import Kernel, Ran


def _positional(x: int, /) -> int:
    return x


class NotAFunction:
    pass


@pytest.fixture
def prepared(kernel: Kernel, tmp_path: Path) -> Kernel:
    """A kernel with one chain of two turns (the second failed) and a no-store chain."""
    (tmp_path / "odd.zzz").write_bytes(b"??")
    kernel.ns.update(
        number=3,
        blob=b"\x00\x01 no signature",
        Klass=NotAFunction,
        positional=_positional,
        bad_schema={"foo": 1},
        bad_type={"type": 5},
        bad_props={"type": "object", "properties": ["a", "b"]},
        page_url="https://example.com/page",
        d={"k": 1},
        odd=str(tmp_path / "odd.zzz"),
    )

    def f(city: str) -> str:
        """A tool."""
        return city

    kernel.ns["f"] = f
    kernel.cell("--chain main", "first")
    kernel.cell("--chain main -c", "please fail", fails=True)  # recorded as failed
    kernel.cell("--chain unstored --no-store", "forget me")
    kernel.cell("--chain failing", "please fail", fails=True)
    kernel.line("use main")
    return kernel


CELL_MISTAKES: list[tuple[str, str, str]] = [
    ("--bogus", "hi", "unrecognized arguments: --bogus"),
    ("--temperature hot", "hi", "invalid float value"),
    ("--temperature 5", "hi", "Bad value for --temperature"),
    ("--max-output-tokens 0", "hi", "Bad value for --max-output-tokens"),
    ("--max-tool-rounds -1", "hi", "Bad value for --max-tool-rounds"),
    ("--from 0", "hi", "numbered from 1"),
    ("--from 99", "hi", "has no turn 99"),
    ("--from -99", "hi", "has no turn -99"),
    ("--from 2", "hi", "nothing to continue from"),
    ("--from x", "hi", "invalid int value"),
    ("--tools nope", "hi", "Unknown tool 'nope'"),
    ("--tools number", "hi", "is a int, not a function"),
    ("--tools Klass", "hi", "not a function"),
    ("--tools ,", "hi", "tool names separated by commas"),
    ("--tools positional", "hi", "positional-only"),
    ("--tools 'a b'", "hi", "not a variable name"),
    ("--schema nope", "hi", "Unknown schema 'nope'"),
    ("--schema number", "hi", "cannot be a schema"),
    ("--schema bad_schema", "hi", "must be a JSON Schema"),
    ("--schema bad_type", "hi", "not valid JSON Schema at type"),
    ("--schema bad_props", "hi", "not valid JSON Schema at properties"),
    ("--attach page_url", "hi", "'mime_type': ...} instead."),
    ("--attach /no/such/file.png", "hi", "no such file"),
    ("--attach /etc", "hi", "/etc is a directory, not a file"),
    ("--attach blob", "hi", "Cannot tell what kind of data"),
    ("--attach odd", "hi", "Cannot tell what kind of file"),
    ("-o 1abc", "hi", "not a valid Python variable name"),
    ("-o class", "hi", "not a valid Python variable name"),
    ("--thinking extreme", "hi", "Unknown thinking level"),
    ("-m x --agent y", "hi", "model or to an agent"),
    ("--no-store --background", "hi", "must be stored"),
    ("--agent a --thinking low", "hi", "Agents take no generation settings"),
    ("--tools f --background", "hi", "cannot be used with --background"),
    ("--chain nochain -c", "hi", "no chain named 'nochain'"),
    ("--chain nochain --from 1", "hi", "no chain named 'nochain'"),
    ("--chain 'bad name!'", "hi", "not a usable chain name"),
    ("--chain unstored -c", "hi", "--no-store, so the server kept nothing"),
    ("--chain unstored -c", "hi", "start afresh (a cell without --continue or --from)"),
    ("--chain main --from 2", "hi", "Turn 2 of chain 'main' ended failed, so"),
    ("--chain failing -c", "hi", "no completed turn"),
    ("", "   \n  ", "The cell is empty"),
    ("", "Value {d[missing]}", "Cannot fill in {d[missing]}"),
    ("", "Value {d.nope}", "Cannot fill in {d.nope}"),
    ("-s 'unclosed", "hi", "Cannot read the options"),
]


@pytest.mark.parametrize(("line", "body", "message"), CELL_MISTAKES)
def test_cell_mistakes(prepared: Kernel, line: str, body: str, message: str) -> None:
    before = prepared.state()
    out = prepared.cell(line, body, fails=True)
    assert message in out.message, out.message
    _one_paragraph(out)
    assert prepared.state() == before


LINE_MISTAKES: list[tuple[str, str]] = [
    ("frobnicate", "Unknown command `%gemini frobnicate`"),
    ("use nochain", "no chain named 'nochain'"),
    ("use", "one chain name"),
    ("show 99", "has no turn 99"),
    ("show abc", "not a turn number"),
    ("show", "one turn number"),
    ("history --chain nochain", "no chain named"),
    ("history extra", "takes no arguments"),
    ("history --chain", "needs a chain name"),
    ("chains extra", "takes no arguments"),
    ("usage extra", "takes no arguments"),
    ("backend ftp://example.com", "not a usable server URL"),
    ("backend http://127.0.0.1:notaport", "invalid port"),
    ("backend offline --fixtures /no/such.json", "does not exist"),
    ("backend offline --cassette", "needs a file name"),
    ("backend offline --bogus x", "Unexpected '--bogus'"),
    ("backend live extra", "takes no arguments"),
    ("backend marsnet", "Unknown backend 'marsnet'"),
    ("wait", "No background turn is running"),
    ("wait a b", "at most one interaction id"),
    ("cancel v1_nope", "No turn of any chain has the interaction id"),
    ("reset nochain", "no chain named"),
    ("reset --bogus", "reset --all"),
    ("export out.txt", "Export to a .ipynb or a .py file"),
    ("export a.ipynb --turns 99", "outside the chain"),
    ("load missing.json", "Cannot read missing.json"),
    ("frobnicate", "Unknown command `%gemini frobnicate`"),
    ("use 'unclosed", "Cannot read"),
]


@pytest.mark.parametrize(("line", "message"), LINE_MISTAKES)
def test_line_mistakes(prepared: Kernel, line: str, message: str) -> None:
    before = prepared.state()
    out = prepared.line(line, fails=True)
    assert message in out.message, out.message
    _one_paragraph(out)
    assert prepared.state() == before


def test_cancel_a_finished_turn(prepared: Kernel) -> None:
    chain = prepared.magics.session.registry.get("main")
    before = prepared.state()
    out = prepared.line(f"cancel {chain.turns[0].id}", fails=True)
    assert "not running" in out.message
    assert prepared.state() == before


def test_continue_with_nothing_current(kernel: Kernel) -> None:
    before = kernel.state()
    out = kernel.cell("-c", "hi", fails=True)
    assert "Nothing to continue" in out.message
    _one_paragraph(out)
    assert kernel.state() == before


def test_no_key_changes_nothing(kernel: Kernel) -> None:
    kernel.cell("", "hello")
    before = kernel.state()
    out = kernel.line("backend live", fails=True)
    assert "No Gemini API key" in out.message
    assert kernel.state() == before


def _one_paragraph(out: Ran) -> None:
    text = out.message
    assert text and "\n\n" not in text and "Traceback" not in text
    assert isinstance(out.error, UsageError)  # a mistake, not a failed turn
    assert not out.outputs and not out.stderr  # nothing displayed, nothing else printed
    assert out.stdout.strip() == text  # the paragraph, where a traceback would be


def test_at_least_25_mistakes_are_checked() -> None:
    assert len(CELL_MISTAKES) + len(LINE_MISTAKES) >= 25
