"""What ``%%gemini?``, ``%gemini help`` and ``%gemini CMD --help`` show, and the README's
reference built from the same rows: the options' and commands' declarations (``_cell``) as text.

Each help is a table as Markdown (notebooks render it to fit the output area) and as
word-wrapped text (terminals, and every frontend that shows only ``text/plain``). The README
holds ``reference_markdown()`` between two markers (``tools/readme.py`` writes it;
``tests/test_readme.py`` fails when they drift apart).
"""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Iterable, Sequence

from .._cell._commands import COMMANDS
from .._cell._options import option_rows

CELL_INTRO = (
    "The cell is the prompt. A plain cell starts a new conversation; --continue goes on from "
    "the chain's head, --from N from turn N. {name} in the prompt is filled in from the "
    "notebook ({{name}} stays as typed; --raw turns this off). A mistake, or a turn that "
    "produced no answer, fails the cell with one paragraph saying what to do."
)

Row = tuple[list[str], str]
"""A help table's row: what is typed (code, one piece per alternative spelling), what it does."""

_WIDTH = 100
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_PIPE = re.compile(r"(\\*)\|")


def _width() -> int:
    return max(60, min(_WIDTH, shutil.get_terminal_size((_WIDTH, 24)).columns))


# --- the rows -------------------------------------------------------------------------------------


def _command_rows() -> list[Row]:
    return [([f"%gemini {name} {c.usage}".rstrip()], c.summary) for name, c in COMMANDS.items()]


# --- Markdown and text ----------------------------------------------------------------------------


def escape(text: str) -> str:
    """``text`` as one Markdown table cell: code spans kept, Markdown punctuation outside them
    escaped (help strings say ``_gemini`` and ``*``, which would turn into emphasis). ``$`` is
    escaped too: JupyterLab, Notebook 7 and GitHub read two of them anywhere in a Markdown
    output (two costs in a table, across rows) as LaTeX and swallow what lies between."""
    parts = _CODE_SPAN.split(text)  # plain, delimiter, code, plain, ...
    out = []
    for i in range(0, len(parts), 3):
        plain = parts[i].replace("\\", "\\\\")
        for char in "|*_[]$":
            plain = plain.replace(char, "\\" + char)
        out.append(plain.replace("<", "&lt;").replace(">", "&gt;"))
        if i + 2 < len(parts):
            out.append(code(parts[i + 2], parts[i + 1]))
    return "".join(out)


def code(text: str, ticks: str = "`") -> str:
    """``text`` as a code span in a table cell: a ``|`` after an even run of backslashes (none
    included) would end the cell, so it gets one more."""
    return ticks + _PIPE.sub(_escape_pipe, text) + ticks


def _escape_pipe(found: re.Match[str]) -> str:
    slashes = found.group(1)
    return slashes + ("|" if len(slashes) % 2 else "\\|")


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A Markdown table of cells already written as Markdown."""
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    return lines + ["| " + " | ".join(cells) + " |" for cells in rows]


def markdown_table(headers: Sequence[str], rows: list[Row]) -> list[str]:
    """A table of rows, the typed column as code."""
    return table(headers, ([", ".join(map(code, typed)), escape(what)] for typed, what in rows))


def _text(rows: list[Row], width: int, left: int = 30) -> str:
    """``rows`` as an aligned two-column list, the right column wrapped at word breaks."""
    lines: list[str] = []
    right = max(30, width - left - 2)
    for typed, what in rows:
        usage = ", ".join(typed)
        wrapped = textwrap.wrap(what, right) or [""]
        if len(usage) < left:
            lines.append(f"  {usage:<{left}}{wrapped[0]}")
        else:
            lines += [f"  {usage}", f"  {'':<{left}}{wrapped[0]}"]
        lines += [f"  {'':<{left}}{more}" for more in wrapped[1:]]
    return "\n".join(lines)


# --- the three helps ------------------------------------------------------------------------------


def cell_help() -> dict[str, str]:
    """``%%gemini?``: every option, as a table and as wrapped text."""
    rows, width = option_rows(), _width()
    plain = [
        "%%gemini [options]",
        textwrap.fill(CELL_INTRO, width),
        "",
        "options:",
        _text(rows, width),
        "",
        "Defaults for every cell: %config GeminiMagics (see %gemini help).",
    ]
    markdown = [
        "#### `%%gemini [options]`: the cell is the prompt",
        "",
        CELL_INTRO.replace("{{name}}", "`{{name}}`").replace("{name}", "`{name}`", 1),
        "",
        *markdown_table(["option", "what it does"], rows),
        "",
        "Defaults for every cell: `%config GeminiMagics`; line commands: `%gemini help`.",
    ]
    return {"text/plain": "\n".join(plain), "text/markdown": "\n".join(markdown)}


def commands_help() -> dict[str, str]:
    """``%gemini help`` (and ``%gemini`` alone): every line command, and where the rest is."""
    rows, width = _command_rows(), _width()
    defaults = 'Configure defaults with %config GeminiMagics.model = "..." '
    defaults += "(see %config GeminiMagics)."
    plain = [
        "%%gemini [options]   the cell is the prompt; %%gemini? lists every option",
        "",
        "%gemini COMMAND:",
        _text(rows, width, left=34),
        "",
        textwrap.fill(defaults, width),
        "%gemini COMMAND --help explains one command's arguments.",
    ]
    markdown = [
        "`%%gemini [options]`: the cell is the prompt; `%%gemini?` lists every option.",
        "",
        "#### `%gemini COMMAND`: line commands",
        "",
        *markdown_table(["command", "what it does"], rows),
        "",
        'Defaults: `%config GeminiMagics.model = "..."` (`%config GeminiMagics` lists them).',
        "",
        "`%gemini COMMAND --help` explains one command's arguments.",
    ]
    return {"text/plain": "\n".join(plain), "text/markdown": "\n".join(markdown)}


def command_help(name: str) -> dict[str, str]:
    """``%gemini NAME --help``: its usage line, what it does and each argument."""
    command, width = COMMANDS[name], _width()
    usage = f"%gemini {name} {command.usage}".rstrip()
    rows: list[Row] = [([spec], what) for spec, what in command.args]
    plain = [
        usage,
        textwrap.fill(command.summary, width, initial_indent="  ", subsequent_indent="  "),
    ]
    markdown = [f"#### {code(usage)}", "", escape(command.summary)]
    if rows:
        left = min(24, 2 + max(len(spec) for spec, _ in command.args))
        plain += ["", _text(rows, width, left)]
        markdown += ["", *markdown_table(["argument", "what it is"], rows)]
    return {"text/plain": "\n".join(plain), "text/markdown": "\n".join(markdown)}


# --- the README's reference -----------------------------------------------------------------------

START = "<!-- reference: generated from the magics' help by `make readme`; do not edit -->"
END = "<!-- /reference -->"


def reference_markdown(settings: Iterable[list[str]]) -> str:
    """The whole reference, between (and including) the ``START`` and ``END`` markers;
    ``settings``: the rows of ``%config GeminiMagics`` (setting, default, help) as Markdown."""
    parts = [
        START,
        "",
        "#### `%%gemini [options]`: the cell is the prompt",
        "",
        *markdown_table(["option", "what it does"], option_rows()),
        "",
        "#### `%gemini COMMAND`: line commands",
        "",
        *markdown_table(["command", "what it does"], _command_rows()),
        "",
        "#### `%config GeminiMagics.NAME = ...`: defaults for every cell",
        "",
        *table(["setting", "default", "what it does"], settings),
        "",
        END,
    ]
    return "\n".join(parts)
