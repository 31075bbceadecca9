"""The event-stream reader follows the WHATWG HTML standard's rules ("Parsing an event
stream"); the framing is httpx-sse's (its public ``EventSource``), with our narrow additions (a
BOM, the last event without a blank line, ids that name only their own event)."""

from __future__ import annotations

import ast
import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gemini_interactions.api._sse import DONE, asse_payloads, sse_payloads


def parse(raw: bytes) -> list[Any]:
    return list(sse_payloads([raw]))


def parse_chunks(chunks: list[bytes]) -> list[Any]:
    return list(sse_payloads(chunks))


def aparse_chunks(chunks: list[bytes]) -> list[Any]:
    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    async def run() -> list[Any]:
        return [p async for p in asse_payloads(body())]

    return asyncio.run(run())


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
    assert parse(b'data: {"event_type": "a"}\r') == [{"event_type": "a"}]
    assert parse(b"data: [DONE]") == [DONE]
    # a non-JSON event the server did close is kept, also when CR-only framing ends the body
    assert parse(b"event: x\rdata: plain\r\r") == [{"event_type": "x", "raw": "plain"}]


def test_a_bom_split_across_chunks_is_stripped() -> None:
    raw = b'\xef\xbb\xbfdata: {"event_type": "a"}\n\n'
    assert parse_chunks([raw[:1], raw[1:2], raw[2:]]) == [{"event_type": "a"}]


def test_invalid_utf8_does_not_crash() -> None:
    out = parse(b'data: {"event_type": "a", "t": "\xff"}\n\n')
    assert out[0]["event_type"] == "a" and out[0]["t"] == "\ufffd"


def _cut(raw: bytes, cuts: list[int]) -> list[bytes]:
    bounds = sorted({min(c, len(raw)) for c in cuts} | {0, len(raw)})
    return [raw[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet='aé€{} :"', max_size=6), min_size=1, max_size=8),
    st.sampled_from(["\n", "\r", "\r\n"]),
    st.booleans(),
    st.booleans(),
    st.lists(st.integers(min_value=0, max_value=400), max_size=12),
)
def test_events_are_the_same_wherever_the_chunks_are_cut(
    texts: list[str], newline: str, bom: bool, closed: bool, cuts: list[int]
) -> None:
    """Any byte split (inside a UTF-8 character, between the CR and LF of a pair, inside a BOM),
    any line end, sync and async: the same events, and the last one kept without its blank
    line when it is whole."""
    payloads = [{"event_type": "e", "n": i, "t": t} for i, t in enumerate(texts)]
    blocks = [f"event: e{newline}data: {json.dumps(p, ensure_ascii=False)}" for p in payloads]
    text = (newline * 2).join(blocks) + (newline * 2 if closed else newline)
    raw = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
    chunks = _cut(raw, cuts)
    assert parse_chunks(chunks) == payloads
    assert aparse_chunks(chunks) == payloads


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
