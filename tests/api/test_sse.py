"""The event-stream reader follows the WHATWG rules the spec relies on (section 6.1)."""

from __future__ import annotations

from typing import Any

from gemini_interactions.api import SSEParser
from gemini_interactions.api._sse import DONE


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
