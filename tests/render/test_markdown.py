"""The answer's Markdown: escaped HTML, and blocks that never split a code fence."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from gemini_interactions.render._markdown import BlockSplitter, markdown_html

ANSWER = (
    "# Title\n\nA paragraph with <b>bold</b> and <script>alert(1)</script>.\n\n"
    "```python\nx = 1\n\n\ny = 2\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n\nend"
)


def test_raw_html_in_the_answer_is_escaped_and_markdown_rendered() -> None:
    html = markdown_html(ANSWER)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>" not in html
    assert (
        '<h1 style="font-size:1.3em">Title</h1>' in html
        and "<table>" in html
        and "<li>one<li>two</ul>" in html
    )
    assert '<a href="javascript' not in markdown_html("[x](javascript:alert(1))")


def _pieces(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in pairwise(points)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=40))
def test_blocks_reassemble_and_never_split_a_fence(cuts: list[int]) -> None:
    splitter, text, blocks = BlockSplitter(), "", []
    for piece in _pieces(ANSWER, cuts):
        text += piece
        finished = splitter.feed(text)
        if finished:
            blocks.append(finished)
    blocks.append(splitter.tail(text))
    assert "".join(blocks) == ANSWER
    for block in blocks:
        assert block.count("```") % 2 == 0  # a fence opens and closes in the same block


def test_fed_a_character_at_a_time_each_block_is_its_own_and_the_fence_whole() -> None:
    splitter, blocks = BlockSplitter(), []
    for end in range(1, len(ANSWER) + 1):
        finished = splitter.feed(ANSWER[:end])
        if finished:
            blocks.append(finished)
    assert len(blocks) == 5
    assert blocks[2] == "```python\nx = 1\n\n\ny = 2\n```\n"


def test_a_step_between_forces_the_whole_text_out_but_not_an_open_fence() -> None:
    splitter = BlockSplitter()
    text = "one\n\ntwo"
    assert splitter.force(text) == text and splitter.tail(text) == ""
    text += "\n\n```\ncode\n\nmore"
    assert splitter.force(text) == "" and splitter.tail(text) == "\n\n```\ncode\n\nmore"
