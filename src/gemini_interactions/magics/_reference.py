"""The reference of every ``%%gemini`` option, ``%gemini`` command and ``%config GeminiMagics``
setting, as Markdown generated from the magics' own help: the option parser behind ``%%gemini?``,
the ``COMMANDS`` table behind ``%gemini help``, and the traits' help behind ``%config``.

The README holds this output between two markers, and a test fails when they drift apart::

    python -m gemini_interactions.magics._reference   # print the Markdown
    make readme                                        # refresh the README (tools/readme.py)
"""

from __future__ import annotations

import argparse
import sys

from traitlets import TraitType

from ._help import code, command_rows, escape, markdown_table, option_rows, table
from ._magics import GeminiMagics

__all__ = ["END", "START", "reference_markdown", "replace_between_markers"]

START = "<!-- reference: generated from the magics' help by `make readme`; do not edit -->"
END = "<!-- /reference -->"


def _default(trait: TraitType[object, object]) -> str:
    value = trait.default()  # a container's default is made per instance
    if isinstance(value, str):
        return code(repr(value).replace("'", '"'))
    return code(repr(value))


def _config_table() -> list[str]:
    traits = GeminiMagics.class_traits(config=True)
    rows = [
        [code(f"GeminiMagics.{name}"), _default(trait), escape(" ".join(str(trait.help).split()))]
        for name, trait in sorted(traits.items())
    ]
    return table(["setting", "default", "what it does"], rows)


def reference_markdown() -> str:
    """The whole reference, between (and including) the ``START`` and ``END`` markers."""
    parts = [
        START,
        "",
        "#### `%%gemini [options]`: the cell is the prompt",
        "",
        *markdown_table(["option", "what it does"], option_rows()),
        "",
        "#### `%gemini COMMAND`: line commands",
        "",
        *markdown_table(["command", "what it does"], command_rows()),
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
