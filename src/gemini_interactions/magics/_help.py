"""What ``%%gemini?``, ``%gemini help`` and ``%gemini CMD --help`` show, the README's reference
built from the same rows, and the "did you mean" of a mistyped name.

Each help is a table as Markdown (notebooks render it to fit the output area) and as
word-wrapped text (terminals, and every frontend that shows only ``text/plain``). The README
holds ``reference_markdown()`` between two markers (``tools/readme.py`` writes it;
``tests/test_readme.py`` fails when they drift apart). ``%%gemini?`` goes through IPython's
inspector, whose ``mime_hooks`` replace its raw-docstring text (``Docstring:``, reST markup, a
``File:`` line) for our two magics only; every other object's help is left as IPython makes it.
"""

from __future__ import annotations

import difflib
import re
import shutil
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

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


def _width() -> int:
    return max(60, min(_WIDTH, shutil.get_terminal_size((_WIDTH, 24)).columns))


# --- the rows -------------------------------------------------------------------------------------


def _option_rows() -> list[Row]:
    """Every ``%%gemini`` option as its declaration (``_cell/_options.py``) has it."""
    from .._cell._options import option_rows

    return option_rows()


def _command_rows() -> list[Row]:
    from ._lines import COMMANDS

    return [([f"%gemini {name} {c.usage}".rstrip()], c.summary) for name, c in COMMANDS.items()]


# --- Markdown and text ----------------------------------------------------------------------------


def _escape(text: str) -> str:
    """``text`` as one Markdown table cell: code spans kept, Markdown punctuation outside them
    escaped (help strings say ``_gemini`` and ``*``, which would turn into emphasis)."""
    parts = _CODE_SPAN.split(text)  # plain, delimiter, code, plain, ...
    out = []
    for i in range(0, len(parts), 3):
        plain = parts[i].replace("\\", "\\\\")
        for char in "|*_[]":
            plain = plain.replace(char, "\\" + char)
        out.append(plain.replace("<", "&lt;").replace(">", "&gt;"))
        if i + 2 < len(parts):
            out.append(_code(parts[i + 2], parts[i + 1]))
    return "".join(out)


def _code(text: str, ticks: str = "`") -> str:
    return ticks + text.replace("|", "\\|") + ticks


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A Markdown table of cells already written as Markdown."""
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    return lines + ["| " + " | ".join(cells) + " |" for cells in rows]


def _markdown_table(headers: Sequence[str], rows: list[Row]) -> list[str]:
    """A table of rows, the typed column as code."""
    return table(headers, ([", ".join(map(_code, typed)), _escape(what)] for typed, what in rows))


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
    rows, width = _option_rows(), _width()
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
        *_markdown_table(["option", "what it does"], rows),
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
        *_markdown_table(["command", "what it does"], rows),
        "",
        'Defaults: `%config GeminiMagics.model = "..."` (`%config GeminiMagics` lists them).',
        "",
        "`%gemini COMMAND --help` explains one command's arguments.",
    ]
    return {"text/plain": "\n".join(plain), "text/markdown": "\n".join(markdown)}


def command_help(name: str) -> dict[str, str]:
    """``%gemini NAME --help``: its usage line, what it does and each argument."""
    from ._lines import COMMANDS

    command, width = COMMANDS[name], _width()
    usage = f"%gemini {name} {command.usage}".rstrip()
    rows: list[Row] = [([spec], what) for spec, what in command.args]
    plain = [
        usage,
        textwrap.fill(command.summary, width, initial_indent="  ", subsequent_indent="  "),
    ]
    markdown = [f"#### {_code(usage)}", "", _escape(command.summary)]
    if rows:
        left = min(24, 2 + max(len(spec) for spec, _ in command.args))
        plain += ["", _text(rows, width, left)]
        markdown += ["", *_markdown_table(["argument", "what it is"], rows)]
    return {"text/plain": "\n".join(plain), "text/markdown": "\n".join(markdown)}


# --- the README's reference -----------------------------------------------------------------------

START = "<!-- reference: generated from the magics' help by `make readme`; do not edit -->"
END = "<!-- /reference -->"


def _config_rows() -> Iterator[list[str]]:
    """``%config GeminiMagics``'s settings: name, default, help."""
    from ._magics import GeminiMagics

    for name, trait in sorted(GeminiMagics.class_traits(config=True).items()):
        value = trait.default()  # a container's default is made per instance
        default = repr(value).replace("'", '"') if isinstance(value, str) else repr(value)
        what = _escape(" ".join(str(trait.help).split()))
        yield [_code(f"GeminiMagics.{name}"), _code(default), what]


def reference_markdown() -> str:
    """The whole reference, between (and including) the ``START`` and ``END`` markers."""
    parts = [
        START,
        "",
        "#### `%%gemini [options]`: the cell is the prompt",
        "",
        *_markdown_table(["option", "what it does"], _option_rows()),
        "",
        "#### `%gemini COMMAND`: line commands",
        "",
        *_markdown_table(["command", "what it does"], _command_rows()),
        "",
        "#### `%config GeminiMagics.NAME = ...`: defaults for every cell",
        "",
        *table(["setting", "default", "what it does"], _config_rows()),
        "",
        END,
    ]
    return "\n".join(parts)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` Did you mean `--thoughts`?`` for a close match, else an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Did you mean `{close[0]}`?" if close else ""


# --- IPython's inspector --------------------------------------------------------------------------


def _ours(data: Any) -> str | None:
    """ "cell" or "line" when the inspected object is one of our magics."""
    from ._magics import GeminiMagics

    obj = getattr(getattr(data, "obj", None), "__func__", getattr(data, "obj", None))
    if obj is GeminiMagics.gemini:
        return "cell"
    return "line" if obj is GeminiMagics.gemini_line else None


def install_inspector_hooks(shell: Any) -> None:
    """``%%gemini?`` / ``%gemini?`` show our help as a table (``text/markdown``, which
    notebooks render: IPython drops ``text/html`` from ``?`` unless its HTML pager is on; the
    inspector panel, Shift+Tab, shows it) and as wrapped text; a hook someone else set is kept
    for every other object."""
    inspector: Any = getattr(shell, "inspector", None)
    hooks = getattr(inspector, "mime_hooks", None)
    if not isinstance(hooks, dict) or getattr(inspector, "_gemini_hooks", False):
        return
    previous = dict(hooks)

    def hook(mime: str) -> Any:
        def show(data: Any) -> Any:
            kind = _ours(data)
            if kind is None:
                other = previous.get(mime)
                return other(data) if other else None
            bundle = cell_help() if kind == "cell" else commands_help()
            if mime == "text/markdown":
                return bundle[mime]
            if mime == "text/html":
                from ..render._markdown import markdown_html  # help's own text, no model output

                title = "%%gemini" if kind == "cell" else "%gemini"
                return [(title, markdown_html(bundle["text/markdown"]))]
            # The inspector joins (title, body) pairs: one pair, titled like the usage line.
            if kind == "line":
                return [("%gemini COMMAND", bundle["text/plain"])]
            title, _, text = bundle["text/plain"].partition("\n")
            return [(title, text)]

        return show

    mimes = ("text/plain", "text/markdown", "text/html")
    inspector.mime_hooks = {**hooks, **{mime: hook(mime) for mime in mimes}}
    inspector._gemini_hooks = previous


def remove_inspector_hooks(shell: Any) -> None:
    inspector: Any = getattr(shell, "inspector", None)
    previous = getattr(inspector, "_gemini_hooks", None)
    if previous is None or previous is False:  # never installed, or removed already
        return
    inspector.mime_hooks = previous
    inspector._gemini_hooks = False
