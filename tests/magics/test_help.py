"""Help that reads like the README: `%%gemini?` and `%gemini help` as tables where Markdown
renders and as word-wrapped text elsewhere; a mistyped option or command gets the closest one."""

from __future__ import annotations

import re

from IPython.core.interactiveshell import InteractiveShell

from gemini_interactions.magics._lines import COMMANDS

from .conftest import Kernel

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_cell_help_is_a_table_and_wrapped_text(kernel: Kernel) -> None:
    shell: InteractiveShell = kernel.shell
    bundle = shell.object_inspect_mime("%%gemini")
    markdown = bundle["text/markdown"]
    assert "| option | what it does |" in markdown
    assert "| `--thoughts` | ask for thought summaries |" in markdown
    assert "<table>" in bundle["text/html"]  # the inspector panel renders it too
    plain = ANSI.sub("", bundle["text/plain"])
    # no raw docstring: no reST markup, no IPython section titles, no source file
    for raw in ("Docstring:", "File:", "``", "::"):
        assert raw not in plain, raw
    assert "  --thoughts" in plain and "ask for thought summaries" in plain
    assert max(len(line) for line in plain.splitlines()) <= 100  # never past the output area


def test_other_objects_keep_ipythons_own_help(kernel: Kernel) -> None:
    bundle = kernel.shell.object_inspect_mime("len")
    assert "text/markdown" not in bundle
    assert "Docstring:" in ANSI.sub("", bundle["text/plain"])


def test_line_help_is_a_table_of_every_command(kernel: Kernel) -> None:
    out = kernel.line("help")
    (shown,) = [o.data for o in out.outputs]
    assert "| command | what it does |" in shown["text/markdown"]
    for name in COMMANDS:
        assert f"`%gemini {name}" in shown["text/markdown"]
        assert f"%gemini {name}" in shown["text/plain"]
    lines = shown["text/plain"].splitlines()
    assert max(len(line) for line in lines) <= 100
    # wrapped at word breaks, never inside a word
    assert all(not re.search(r"\w-$", line) for line in lines)


def test_a_mistyped_option_gets_the_closest_one(kernel: Kernel) -> None:
    before = kernel.state()
    out = kernel.cell("--thoughs", "Hello", fails=True)
    assert "unrecognized arguments: --thoughs" in out.message
    assert "Did you mean `--thoughts`?" in out.message
    assert kernel.state() == before


def test_a_mistyped_command_gets_the_closest_one(kernel: Kernel) -> None:
    out = kernel.line("histroy", fails=True)
    assert "Unknown command `%gemini histroy`. Did you mean `history`?" in out.message
    out = kernel.line("zzzz", fails=True)
    assert "Did you mean" not in out.message


def test_unloading_gives_ipythons_help_back(kernel: Kernel) -> None:
    shell = kernel.shell
    shell.run_line_magic("unload_ext", "gemini_interactions")
    try:
        assert "text/markdown" not in shell.object_inspect_mime("len")
        assert not shell.inspector.mime_hooks
    finally:
        shell.run_line_magic("load_ext", "gemini_interactions")
