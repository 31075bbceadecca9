"""The event-stream reader follows the WHATWG rules the spec relies on (section 6.1)."""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gemini_interactions.api import SSEParser
from gemini_interactions.api._sse import DONE, _LineSplitter


def parse(raw: bytes) -> list[Any]:
    parser = SSEParser()
    return parser.feed(raw) + parser.close()


def test_multi_line_data_is_joined_with_newlines() -> None:
    raw = b'data: {"event_type": "x",\ndata:  "n": 1}\n\n'
    assert parse(raw) == [{"event_type": "x", "n": 1}]


def test_event_line_is_a_fallback_discriminator_and_json_wins() -> None:
    raw = b'event: step.stop\ndata: {"index": 0}\n\nevent: a\ndata: {"event_type": "b"}\n\n'
    assert parse(raw) == [{"index": 0, "event_type": "step.stop"}, {"event_type": "b"}]


def test_json_type_with_a_dot_is_the_last_fallback() -> None:
    assert parse(b'data: {"type": "interaction.completed"}\n\n')[0]["event_type"] == (
        "interaction.completed"
    )


def test_comments_retry_unknown_fields_and_blocks_without_data_are_ignored() -> None:
    raw = b': keep-alive\n\nretry: 500\n\nevent: ping\n\nfoo: bar\ndata: {"event_type": "e"}\n\n'
    assert parse(raw) == [{"event_type": "e"}]


def test_id_lines_name_only_the_event_they_arrive_with() -> None:
    raw = (
        b'id: 7\ndata: {"event_type": "a"}\n\n'
        b'data: {"event_type": "b"}\n\n'
        b'data: {"event_type": "c", "event_id": "ev_9"}\n\n'
    )
    assert parse(raw) == [
        {"event_type": "a", "event_id": "7"},
        {"event_type": "b"},
        {"event_type": "c", "event_id": "ev_9"},
    ]


def test_a_field_with_no_space_and_a_field_with_no_colon() -> None:
    raw = b'data:{"event_type": "tight"}\n\ndata\ndata: {"event_type": "x"}\n\n'
    # "data" alone adds an empty line to the buffer: leading whitespace JSON accepts
    out = parse(raw)
    assert out == [{"event_type": "tight"}, {"event_type": "x"}]


def test_done_sentinel_and_non_json_data() -> None:
    out = parse(b"event: weird\ndata: not json\n\ndata: [DONE]\n\n")
    assert out == [{"event_type": "weird", "raw": "not json"}, DONE]


def test_cr_only_and_crlf_line_ends_and_a_bom() -> None:
    for newline in (b"\r", b"\r\n"):
        raw = b'\xef\xbb\xbfdata: {"event_type": "a"}' + newline * 2
        assert parse(raw) == [{"event_type": "a"}]


def test_a_cut_event_is_dropped_at_the_end_but_a_whole_one_is_kept() -> None:
    assert parse(b'data: {"event_type": "a"}\n\ndata: {"event_ty') == [{"event_type": "a"}]
    assert parse(b'data: {"event_type": "a"}') == [{"event_type": "a"}]


def test_invalid_utf8_does_not_crash() -> None:
    out = parse(b'data: {"event_type": "a", "t": "\xff"}\n\n')
    assert out[0]["event_type"] == "a" and out[0]["t"] == "\ufffd"


_LINE_END = re.compile(r"\r\n|\r|\n")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "data: x", "", "é", "\r", "\n", "\r\n", ":c", "{}"]), max_size=30
    ),
    st.lists(st.integers(min_value=0, max_value=200), max_size=10),
)
def test_lines_split_the_same_wherever_the_chunks_are_cut(
    parts: list[str], cuts: list[int]
) -> None:
    text = "".join(parts)
    expected = _LINE_END.split(text)
    if expected[-1] == "":
        expected.pop()  # a text ending in a line break has no partial last line
    bounds = sorted({min(c, len(text)) for c in cuts} | {0, len(text)})
    splitter = _LineSplitter()
    got: list[str] = []
    for start, end in itertools.pairwise(bounds):
        got += splitter.split(text[start:end])
    got += splitter.flush()
    assert got == expected


def test_no_module_imports_a_private_module_of_a_dependency() -> None:
    # httpx_sse._decoders once was: a dependency with no upper pin may move it any day.
    import gemini_interactions

    offences = []
    for path in Path(gemini_interactions.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                if not name.startswith("gemini_interactions") and any(
                    part.startswith("_") for part in name.split(".")[1:]
                ):
                    offences.append(f"{path.name}: {name}")
    assert offences == []
