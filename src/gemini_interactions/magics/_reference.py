"""The reference of every ``%%gemini`` option, ``%gemini`` command and ``%config GeminiMagics``
setting, as Markdown generated from the magics' own help: the option parser behind ``%%gemini?``,
the ``COMMANDS`` table behind ``%gemini help``, and the traits' help behind ``%config``.

The README holds this output between two markers, and a test fails when they drift apart::

    python -m gemini_interactions.magics._reference   # print the Markdown
    make readme                                        # refresh the README (tools/readme.py)
"""

from __future__ import annotations

import argparse
import re
import sys

from traitlets import TraitType

from ._lines import COMMANDS
from ._magics import GeminiMagics

__all__ = ["END", "START", "reference_markdown", "replace_between_markers"]

START = "<!-- reference: generated from the magics' help by `make readme`; do not edit -->"
END = "<!-- /reference -->"

_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def _escape(text: str) -> str:
    """``text`` as one Markdown table cell: code spans kept, Markdown punctuation outside them
    escaped (help strings say ``_gemini`` and ``*``, which would turn into emphasis)."""
    out: list[str] = []
    last = 0
    for match in _CODE_SPAN.finditer(text):
        out.append(_escape_plain(text[last : match.start()]))
        out.append(match.group(0).replace("|", "\\|"))
        last = match.end()
    out.append(_escape_plain(text[last:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in "|*_[]":
        text = text.replace(char, "\\" + char)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str) -> str:
    return "`" + text.replace("|", "\\|") + "`"


def _parser() -> argparse.ArgumentParser:
    """The parser ``magic_arguments`` built for ``%%gemini``; its help is ``%%gemini?``."""
    parser: argparse.ArgumentParser = GeminiMagics.gemini.parser  # type: ignore[union-attr]
    return parser


def _option_actions() -> list[argparse.Action]:
    parser = _parser()
    return [
        a for a in parser._actions if a.option_strings and not isinstance(a, argparse._HelpAction)
    ]


def _option_help(action: argparse.Action) -> str:
    """The help exactly as ``%%gemini?`` prints it (argparse expands ``%%`` and ``%(default)s``)."""
    formatter = _parser()._get_formatter()
    return " ".join(formatter._expand_help(action).split())


def _option_usage(action: argparse.Action) -> str:
    flags = list(action.option_strings)
    if action.nargs != 0:
        metavar = action.metavar if isinstance(action.metavar, str) else action.dest.upper()
        flags[-1] = f"{flags[-1]} {metavar}"
    return ", ".join(_code(flag) for flag in flags)


def _options_table() -> list[str]:
    rows = ["| option | what it does |", "| --- | --- |"]
    for action in _option_actions():
        rows.append(f"| {_option_usage(action)} | {_escape(_option_help(action))} |")
    return rows


def _commands_table() -> list[str]:
    rows = ["| command | what it does |", "| --- | --- |"]
    for name, (arguments, summary) in COMMANDS.items():
        usage = f"%gemini {name} {arguments}".rstrip()
        rows.append(f"| {_code(usage)} | {_escape(summary)} |")
    return rows


def _default(trait: TraitType[object, object]) -> str:
    value = trait.default()  # a container's default is made per instance
    if isinstance(value, str):
        return _code(repr(value).replace("'", '"'))
    return _code(repr(value))


def _config_table() -> list[str]:
    rows = ["| setting | default | what it does |", "| --- | --- | --- |"]
    traits = GeminiMagics.class_traits(config=True)
    for name in sorted(traits):
        trait = traits[name]
        help_text = " ".join(str(trait.help).split())
        rows.append(
            f"| {_code('GeminiMagics.' + name)} | {_default(trait)} | {_escape(help_text)} |"
        )
    return rows


def reference_markdown() -> str:
    """The whole reference, between (and including) the ``START`` and ``END`` markers."""
    parts = [
        START,
        "",
        "#### `%%gemini [options]`: the cell is the prompt",
        "",
        *_options_table(),
        "",
        "#### `%gemini COMMAND`: line commands",
        "",
        *_commands_table(),
        "",
        "#### `%config GeminiMagics.NAME = ...`: defaults for every cell",
        "",
        *_config_table(),
        "",
        END,
    ]
    return "\n".join(parts)


def replace_between_markers(document: str, block: str, start: str = START, end: str = END) -> str:
    """``document`` with the text from ``start`` to ``end`` replaced by ``block``."""
    i, j = document.find(start), document.find(end)
    if i < 0 or j < i:
        raise ValueError(f"the document has no {start!r} ... {end!r} markers")
    return document[:i] + block + document[j + len(end) :]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.parse_args(argv)
    print(reference_markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
