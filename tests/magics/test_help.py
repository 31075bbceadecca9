"""Help that reads like the README: `%%gemini?`, `%gemini help` and `%gemini CMD --help` as
tables where Markdown renders and as word-wrapped text elsewhere; a mistyped option, command or
command flag gets the closest one."""

from __future__ import annotations

import re

import pytest
from IPython.core.interactiveshell import InteractiveShell

from gemini_interactions._cell._commands import COMMANDS
from gemini_interactions.render._help import command_help

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


# --- every line command has --help, and its mistakes are one paragraph ----------------------------


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_a_short_help(kernel: Kernel, name: str) -> None:
    kernel.cell("", "one")
    before = kernel.state()
    shown = kernel.line(f"{name} --help").shown
    usage = f"%gemini {name} {COMMANDS[name].usage}".rstrip()
    assert shown.startswith(usage + "\n")  # the usage line the README's reference shows
    flat = " ".join(shown.split())
    assert " ".join(COMMANDS[name].summary.split()) in flat
    for spec, what in COMMANDS[name].args:  # each argument with its own line of help
        assert re.search(rf"^  {re.escape(spec)} +{re.escape(what.split()[0])}", shown, re.M)
    lines = shown.splitlines()
    assert len(lines) <= 12 and max(map(len, lines)) <= 100  # fits the output area
    assert kernel.line(f"{name} -h").shown == shown
    assert kernel.state() == before  # help runs nothing: not even `reset` or `backend`
    markdown = command_help(name)["text/markdown"]  # what a notebook renders
    assert markdown.startswith("#### `" + usage.replace("|", "\\|") + "`")
    assert ("| argument | what it is |" in markdown) == bool(COMMANDS[name].args)


def test_help_says_each_command_has_its_own(kernel: Kernel) -> None:
    assert "%gemini COMMAND --help" in kernel.line("help").shown


@pytest.mark.parametrize("name", [n for n, c in COMMANDS.items() if not c.grammar])
def test_an_unknown_flag_is_one_paragraph_naming_the_command(kernel: Kernel, name: str) -> None:
    kernel.cell("", "one")
    before = kernel.state()
    out = kernel.line(f"{name} --bogus", fails=True)
    assert out.message.startswith(f"`%gemini {name}` has no option `--bogus`.")
    assert f"`%gemini {name} --help` says more." in out.message
    assert kernel.state() == before


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("history --chian main", "Did you mean `--chain`? Use `%gemini history [--chain NAME]`."),
        ("export a.ipynb --no-output", "Did you mean `--no-outputs`?"),
        ("timeline --control", "Did you mean `--controls`?"),
        ("export a.ipynb --turns", "`%gemini export --turns` needs a turn spec."),
        ("fix --apply=yes", "`%gemini fix --apply` takes no value."),
        ("show 1 2", "Use `%gemini show N [--chain NAME]` with one turn number."),
        ("reset main --all", "Use `%gemini reset`, `%gemini reset NAME` or `%gemini reset --all`."),
        ("load", "Use `%gemini load PATH.json [--replace]` with one file name."),
        ("save a.json b.json", "with at most one file name."),
        ("export", "Use `%gemini export PATH.ipynb|PATH.py [--chain NAME] [--turns SPEC]"),
    ],
)
def test_a_bad_flag_or_argument_says_what_to_type(kernel: Kernel, line: str, message: str) -> None:
    kernel.cell("", "one")
    before = kernel.state()
    out = kernel.line(line, fails=True)
    assert message in out.message, out.message
    assert kernel.state() == before
