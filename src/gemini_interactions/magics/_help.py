"""What ``%%gemini?`` and ``%gemini help`` show, and the "did you mean" of a mistyped name.

Both read like the README's reference: the same tables as Markdown (notebooks render them as
tables that fit the output area) and as word-wrapped text (terminals, and every frontend that
shows only ``text/plain``). ``%%gemini?`` goes through IPython's inspector, whose ``mime_hooks``
replace its raw-docstring text (``Docstring:``, reST markup, a ``File:`` line) for our two magics
only; every other object's help is left as IPython makes it.
"""

from __future__ import annotations

import difflib
import re
import shutil
import textwrap
from collections.abc import Callable, Iterable
from typing import Any

CELL_INTRO = (
    "The cell is the prompt. A plain cell starts a new conversation; --continue goes on from "
    "the chain's head, --from N from turn N. {name} in the prompt is filled in from the "
    "notebook ({{name}} stays as typed; --raw turns this off). A mistake, or a turn that "
    "produced no answer, fails the cell with one paragraph saying what to do."
)

_WIDTH = 100


def _width() -> int:
    return max(60, min(_WIDTH, shutil.get_terminal_size((_WIDTH, 24)).columns))


def _two_columns(rows: Iterable[tuple[str, str]], width: int, left: int = 30) -> str:
    """``rows`` as an aligned two-column list, the right column wrapped at word breaks."""
    lines: list[str] = []
    right = max(30, width - left - 2)
    for usage, what in rows:
        wrapped = textwrap.wrap(what, right) or [""]
        if len(usage) < left:
            lines.append(f"  {usage:<{left}}{wrapped[0]}")
        else:
            lines += [f"  {usage}", f"  {'':<{left}}{wrapped[0]}"]
        lines += [f"  {'':<{left}}{more}" for more in wrapped[1:]]
    return "\n".join(lines)


def _unmarkdown(text: str) -> str:
    """A reference cell's Markdown as plain words (escapes undone; code spans keep their
    backticks, which read as code in a terminal too)."""
    return re.sub(r"\\([\\|*_\[\]])", r"\1", text).replace("&lt;", "<").replace("&gt;", ">")


def _rows(table: list[str]) -> list[tuple[str, str]]:
    """(first, last) cells of a Markdown table's body rows."""
    rows = []
    for line in table[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        rows.append((_unmarkdown(cells[0]).replace("`", ""), _unmarkdown(cells[-1])))
    return rows


def cell_help() -> dict[str, str]:
    """``%%gemini?``: every option, as a table and as wrapped text."""
    from ._reference import _options_table

    table = _options_table()
    width = _width()
    plain = "\n".join(
        [
            "%%gemini [options]",
            textwrap.fill(CELL_INTRO, width),
            "",
            "options:",
            _two_columns(_rows(table), width),
            "",
            "Defaults for every cell: %config GeminiMagics (see %gemini help).",
        ]
    )
    markdown = "\n".join(
        [
            "#### `%%gemini [options]`: the cell is the prompt",
            "",
            _escape_intro(CELL_INTRO),
            "",
            *table,
            "",
            "Defaults for every cell: `%config GeminiMagics`; line commands: `%gemini help`.",
        ]
    )
    return {"text/plain": plain, "text/markdown": markdown}


def commands_help() -> dict[str, str]:
    """``%gemini help`` (and ``%gemini`` alone): every line command, and where the rest is."""
    from ._reference import _commands_table

    table = _commands_table()
    width = _width()
    plain = "\n".join(
        [
            "%%gemini [options]   the cell is the prompt; %%gemini? lists every option",
            "",
            "%gemini COMMAND:",
            _two_columns(_rows(table), width, left=34),
            "",
            textwrap.fill(
                'Configure defaults with %config GeminiMagics.model = "..." '
                "(see %config GeminiMagics).",
                width,
            ),
        ]
    )
    markdown = "\n".join(
        [
            "`%%gemini [options]`: the cell is the prompt; `%%gemini?` lists every option.",
            "",
            "#### `%gemini COMMAND`: line commands",
            "",
            *table,
            "",
            'Defaults: `%config GeminiMagics.model = "..."` (`%config GeminiMagics` lists them).',
        ]
    )
    return {"text/plain": plain, "text/markdown": markdown}


def _escape_intro(text: str) -> str:
    return text.replace("{{name}}", "`{{name}}`").replace("{name}", "`{name}`", 1)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` Did you mean `--thoughts`?`` for a close match, else an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Did you mean `{close[0]}`?" if close else ""


def option_strings() -> list[str]:
    """Every ``%%gemini`` flag (``--thoughts``, ``-c`` ...)."""
    from ._reference import _option_actions

    return [flag for action in _option_actions() for flag in action.option_strings]


def suggest_options(message: str) -> str:
    """argparse's "unrecognized arguments: --thoughs" with the closest flag named."""
    match = re.search(r"unrecognized arguments: (.+)$", message)
    if not match:
        return ""
    flags = option_strings()
    for word in match.group(1).split():
        if word.startswith("-"):
            hint = did_you_mean(word.split("=", 1)[0], flags)
            if hint:
                return hint
    return ""


# --- IPython's inspector --------------------------------------------------------------------------

Hook = Callable[[Any], Any]


def _ours(data: Any) -> str | None:
    """ "cell" or "line" when the inspected object is one of our magics."""
    from ._magics import GeminiMagics

    obj = getattr(getattr(data, "obj", None), "__func__", getattr(data, "obj", None))
    if obj is GeminiMagics.gemini:
        return "cell"
    if obj is GeminiMagics.gemini_line:
        return "line"
    return None


def _bundle(kind: str) -> dict[str, str]:
    return cell_help() if kind == "cell" else commands_help()


def install_inspector_hooks(shell: Any) -> None:
    """``%%gemini?`` / ``%gemini?`` show our help as a table (``text/markdown``, which
    notebooks render: IPython drops ``text/html`` from ``?`` unless its HTML pager is on; the
    inspector panel keeps it) and as wrapped text; a hook someone else set is kept for every
    other object."""
    inspector: Any = getattr(shell, "inspector", None)
    hooks = getattr(inspector, "mime_hooks", None)
    if not isinstance(hooks, dict) or getattr(inspector, "_gemini_hooks", False):
        return
    previous = dict(hooks)

    def plain(data: Any) -> Any:
        kind = _ours(data)
        if kind is None:
            other = previous.get("text/plain")
            return other(data) if other else None
        # The inspector joins (title, body) pairs: one pair, titled like the usage line.
        text = _bundle(kind)["text/plain"]
        if kind == "cell":
            title, _, text = text.partition("\n")
            return [(title, text)]
        return [("%gemini COMMAND", text)]

    def markdown(data: Any) -> Any:
        kind = _ours(data)
        if kind is None:
            other = previous.get("text/markdown")
            return other(data) if other else None
        return _bundle(kind)["text/markdown"]

    def html(data: Any) -> Any:
        kind = _ours(data)
        if kind is None:
            other = previous.get("text/html")
            return other(data) if other else None
        from ..render._markdown import markdown_html  # help's own text, no model output

        return [("%%gemini" if kind == "cell" else "%gemini", markdown_html(markdown(data)))]

    inspector.mime_hooks = {
        **hooks,
        "text/plain": plain,
        "text/markdown": markdown,
        "text/html": html,  # the inspector panel (Shift+Tab, contextual help) shows this
    }
    inspector._gemini_hooks = previous


def remove_inspector_hooks(shell: Any) -> None:
    inspector: Any = getattr(shell, "inspector", None)
    previous = getattr(inspector, "_gemini_hooks", None)
    if inspector is None or previous is None or previous is False:
        return
    inspector.mime_hooks = previous
    inspector._gemini_hooks = False
