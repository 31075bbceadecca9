"""An API key never leaves the process in any form: checked once, held in ``Secret``, and
scrubbed (whole, escaped or as any echoed piece of 8+ characters) from everything that comes
back, including a server that echoes it and httpcore's DEBUG log of response headers."""

from __future__ import annotations

import json
import logging
import urllib.parse
from pathlib import Path

import httpx
import pytest

from gemini_interactions.api import APIStatusError, Client, ConfigurationError, Secret
from gemini_interactions.api._errors import InvalidAPIKeyError
from gemini_interactions.api._secret import check_key, scrub
from gemini_interactions.server import LocalServer, serve_in_thread
from scripted_http import Exchange, scripted_server

KEY = "AIzaSyQ7vTbXw3LmN9pRk2HsD5fJ8gUcZ1eYoAa"
NEWLINE_KEY = KEY[:20] + "\n" + KEY[20:]
ZWSP_KEY = KEY + "\u200b"


def fragments(key: str = KEY, size: int = 8) -> set[str]:
    return {key[i : i + size] for i in range(len(key) - size + 1)}


def leaks(text: str, key: str = KEY) -> list[str]:
    return sorted(f for f in fragments(key) if f in text)


@pytest.mark.parametrize(
    ("bad", "what"),
    [
        (NEWLINE_KEY, "a line break (U+000A) at character 21"),
        (ZWSP_KEY, "U+200B ZERO WIDTH SPACE"),
        (KEY[:10] + " " + KEY[10:], "a space character (U+0020"),
        (KEY[:5] + "é" + KEY[5:], "U+00E9"),
    ],
)
def test_a_key_that_cannot_be_a_key_is_refused_once_without_echoing_it(bad: str, what: str) -> None:
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200, json={}))
    with pytest.raises(InvalidAPIKeyError) as info:
        Client(bad, transport=transport)
    message = str(info.value)
    assert what in message
    assert "api_key=" in message
    assert not leaks(message) and not sent
    assert isinstance(info.value, ConfigurationError)
    # IPython renders it as one line in every %xmode: no frames, so no frame locals
    assert info.value._render_traceback_() == [f"InvalidAPIKeyError: {message}"]


@pytest.mark.parametrize("bad", [NEWLINE_KEY, ZWSP_KEY])
def test_a_bad_key_in_the_environment_names_the_variable(
    bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", bad)
    with pytest.raises(InvalidAPIKeyError, match="GEMINI_API_KEY") as info:
        Client(base_url="http://127.0.0.1:9")
    assert not leaks(str(info.value))


def test_surrounding_whitespace_is_still_forgiven() -> None:
    assert check_key(f"  {KEY}\n", "x").get() == KEY


def test_the_holder_never_shows_the_key() -> None:
    secret = Secret(KEY)
    for shown in (repr(secret), str(secret), f"{secret}", repr([secret]), repr({"k": secret})):
        assert not leaks(shown)
    client = Client(KEY, base_url="http://127.0.0.1:9")
    assert not leaks(repr(client)) and not leaks(repr(client._settings))
    assert all(isinstance(s, Secret) for s in client._settings.secrets)
    assert not any(isinstance(v, str) and KEY in v for v in vars(client).values())


def test_scrub_removes_every_echoed_piece_and_escaped_form() -> None:
    quoted = urllib.parse.quote(KEY, safe="")
    escaped = "".join(f"\\u{ord(c):04x}" for c in KEY)
    text = (
        f"prefix {KEY[:17]}... suffix ...{KEY[-12:]} middle {KEY[9:19]} whole {KEY} "
        f"json {escaped} url {quoted} mixed \\u0041{KEY[1:]}"
    )
    cleaned = scrub(text, [Secret(KEY)])
    assert not leaks(cleaned), cleaned
    assert "\\u0041" not in cleaned.split("mixed")[1][:10] or not leaks(cleaned)
    assert "prefix ***... suffix ...***" in cleaned
    # short, unrelated overlaps are kept: only runs of 8+ characters of the key are the key
    assert scrub("AIzaSy and Q7vT", [KEY]) == "AIzaSy and Q7vT"


def _echo(exchange: Exchange) -> None:
    """An error answer that copies the key it was sent into its body and headers."""
    key = exchange.headers.get("x-goog-api-key", "")
    message = (
        f"API key not valid: {key[:17]}... (ends with {key[-12:]}); "
        f"you sent {key!r}, also {urllib.parse.quote(key)}"
    )
    body = {
        "error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"},
        "echo": {"key": key, key[:10] + "_name": key[-9:]},
    }
    # ensure_ascii with a \\u-escaped key: a raw-text pass alone would miss this form
    raw = json.dumps(body).replace(key, "".join(f"\\u{ord(c):04x}" for c in key), 1).encode()
    headers = {
        "content-type": "application/json",
        "x-echo-key": key,
        "x-echo-prefix": key[:17],
        f"x-echo-{key[-10:].lower()}": "suffix as a header name",
    }
    exchange.send(400, headers, raw)


def test_an_echoing_server_leaves_no_piece_of_the_key_anywhere(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with scripted_server(_echo) as server:
        client = Client(KEY, base_url=server.url, max_retries=0)
        with pytest.raises(APIStatusError) as info:
            client.interactions.create(model="m", input="hi")
        assert server.seen[0].headers["x-goog-api-key"] == KEY  # it was sent, and echoed
    error = info.value
    assert error.status_code == 400 and "API key not valid" in error.message
    shown = [
        str(error),
        error.message,
        json.dumps(error.body),
        json.dumps(error.headers),
        repr(error.headers),
    ]
    logged = [caplog.text, *(r.getMessage() for r in caplog.records)]
    assert any("x-echo-key" in line for line in logged)  # httpcore logged the headers
    for text in shown + logged:
        assert not leaks(text), (leaks(text), text[:300])


def test_a_recorded_cassette_of_an_echoing_server_holds_no_piece_of_the_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cassette = tmp_path / "echo.json"
    with scripted_server(_echo) as upstream:
        proxy = LocalServer(record=cassette, upstream=upstream.url)
        with serve_in_thread(proxy) as url:
            client = Client(KEY, base_url=url, max_retries=0)
            with pytest.raises(APIStatusError) as info:
                client.interactions.create(model="m", input="hi")
    text = cassette.read_text(encoding="utf-8")
    assert "API key not valid" in text
    assert not leaks(text), leaks(text)
    assert not leaks(json.dumps(info.value.body)) and not leaks(json.dumps(info.value.headers))
    assert not leaks(caplog.text), leaks(caplog.text)


def _locals_dump(error: BaseException) -> str:
    """Every frame of the traceback with its locals, as a frame-dumping tool prints them."""
    import traceback

    # from the first frame below the test's own (which holds the key it was given)
    tb = error.__traceback__.tb_next if error.__traceback__ is not None else None
    exc = traceback.TracebackException(type(error), error, tb, capture_locals=True)
    return "".join(exc.format())


@pytest.mark.parametrize("bad", [NEWLINE_KEY, ZWSP_KEY])
def test_no_frame_of_a_bad_key_error_holds_the_key(
    bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", bad)
    with pytest.raises(InvalidAPIKeyError) as info:
        Client(base_url="http://127.0.0.1:9")
    dump = _locals_dump(info.value)
    assert "check_key" in dump and "<environment>" in dump  # the frames are there, masked
    whole = bad.replace("\n", "").replace("\u200b", "")
    for text in (dump, dump.replace("\\n", "")):
        assert not leaks(text, whole), leaks(text, whole)


def test_no_frame_of_an_echoed_error_holds_the_key() -> None:
    with scripted_server(_echo) as server:
        client = Client(KEY, base_url=server.url, max_retries=0)
        with pytest.raises(APIStatusError) as info:
            client.interactions.create(model="m", input="hi")
    dump = _locals_dump(info.value)
    assert "_next_wait" in dump and "API key not valid" in dump
    assert not leaks(dump), leaks(dump)


def test_an_error_event_echoing_the_key_mid_stream_is_scrubbed() -> None:
    from scripted_http import sse

    def script(exchange: Exchange) -> None:
        key = exchange.headers.get("x-goog-api-key", "")
        events = [
            {
                "event_type": "interaction.created",
                "interaction": {"id": "v1_e", "status": "in_progress"},
            },
            {"event_type": "error", "error": {"code": "bad_key", "message": f"key {key[:20]} no"}},
            {
                "event_type": "interaction.completed",
                "interaction": {"id": "v1_e", "status": "failed", "error": {"message": key[-12:]}},
            },
        ]
        body = b"".join(sse(e) for e in events)
        exchange.send(200, {"content-type": "text/event-stream"}, body)

    with scripted_server(script) as server:
        client = Client(KEY, base_url=server.url, max_retries=0)
        stream = client.interactions.create(model="m", input="hi", stream=True)
        events = list(stream)
    interaction = stream.interaction
    assert interaction.status == "failed"
    assert not leaks(interaction.model_dump_json()), leaks(interaction.model_dump_json())
    assert not any(leaks(repr(e)) for e in events)
