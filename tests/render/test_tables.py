"""The line commands' tables as Markdown: what a cell holds is shown as typed, never as LaTeX,
emphasis, HTML or an extra column (``tests/e2e/test_dollars_browser.py`` looks in JupyterLab)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from gemini_interactions.render._help import escape
from gemini_interactions.render._style import NO_TEX
from gemini_interactions.render._tables import table_bundle


def test_costs_and_prompts_keep_their_dollars_and_the_table_is_left_to_itself() -> None:
    bundle = table_bundle(
        ["turn", "cost", "prompt"],
        [["1", "$0.0002", "Is $5 more than $3?"], ["2*", "$0.0003", "a * b | <b>c</b> _d_"]],
    )
    markdown = bundle["text/markdown"]
    assert markdown.startswith(f'<div class="{NO_TEX}">\n\n| turn | cost | prompt |')
    assert markdown.endswith("\n\n</div>")
    assert r"| 1 | \$0.0002 | Is \$5 more than \$3? |" in markdown
    assert r"| 2\* | \$0.0003 | a \* b \| &lt;b&gt;c&lt;/b&gt; \_d\_ |" in markdown
    # the text form is the cells as typed, aligned
    assert bundle["text/plain"].splitlines()[1].rstrip() == "1     $0.0002  Is $5 more than $3?"


def _loose(text: str, chars: str) -> list[str]:
    """The ``chars`` in ``text`` not escaped (after an even run of backslashes)."""
    found = re.finditer(rf"(\\*)([{re.escape(chars)}])", text)
    return [m.group(2) for m in found if len(m.group(1)) % 2 == 0]


@given(st.lists(st.text(alphabet="ab $*_|<>[]\\` ", max_size=20), min_size=1, max_size=4))
def test_no_cell_can_open_math_or_add_a_column(cells: list[str]) -> None:
    markdown = table_bundle([f"h{i}" for i in range(len(cells))], [cells])["text/markdown"]
    row = markdown.splitlines()[4]
    shown = [escape(cell) for cell in cells]
    assert row == "| " + " | ".join(shown) + " |"
    for cell in shown:
        assert _loose(cell, "|") == [], (cells, row)  # no extra column, code spans included
        assert _loose(re.sub(r"(`+).+?\1", "", cell), "$") == [], (cells, row)
