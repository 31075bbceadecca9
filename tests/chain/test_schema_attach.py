"""Structured output and attachments."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TypedDict

import pytest
from pydantic import BaseModel

from gemini_interactions.chain import (
    Chain,
    ChainUsageError,
    attachment_content,
    response_schema,
)

from .conftest import posts

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


class City(BaseModel):
    name: str
    population: int


class Book(TypedDict):
    title: str
    year: int


def test_pydantic_schema_becomes_response_format_and_parses(chain: Chain, server) -> None:
    turn = chain.send("Give me a city", schema=City)
    assert posts(server)[0]["response_format"] == {
        "type": "text",
        "mime_type": "application/json",
        "schema": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "population": {"type": "integer"}},
            "required": ["name", "population"],
        },
    }
    assert isinstance(turn.parsed, City) and turn.result is turn.parsed
    assert turn.options["schema"] == "City"


def test_typeddict_and_json_schema_dict(chain: Chain) -> None:
    turn = chain.send("A book", schema=Book)
    assert isinstance(turn.parsed, dict) and set(turn.parsed) == {"title", "year"}
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    turn = chain.send("ok?", schema=schema)
    assert isinstance(turn.parsed, dict) and isinstance(turn.parsed["ok"], bool)


def test_unparseable_answer_is_reported_not_raised() -> None:
    schema = response_schema(City)
    with pytest.raises(ValueError, match="does not match City"):
        schema.parse('{"name": 3}')
    assert schema.parse('```json\n{"name": "Rome", "population": 3}\n```').name == "Rome"


@pytest.mark.parametrize("bad", [3, "City", {"foo": 1}, {}, list])
def test_bad_schemas(bad: object) -> None:
    with pytest.raises(ChainUsageError):
        response_schema(bad)


def test_attachments_by_mime_type(tmp_path: Path) -> None:
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4 hello")
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    assert attachment_content(PNG)["type"] == "image"
    assert attachment_content(PNG)["data"] == base64.b64encode(PNG).decode()
    assert attachment_content(pdf) == {
        "type": "document",
        "mime_type": "application/pdf",
        "data": base64.b64encode(pdf.read_bytes()).decode(),
    }
    assert attachment_content(str(wav))["type"] == "audio"
    assert attachment_content((b"xyz", "video/mp4"))["type"] == "video"
    assert attachment_content("https://example.com/a.png") == {
        "type": "image",
        "uri": "https://example.com/a.png",
        "mime_type": "image/png",
    }


def test_pil_like_images_are_png() -> None:
    class FakeImage:
        mode = "RGB"
        size = (1, 1)

        def save(self, buffer, format: str) -> None:  # type: ignore[no-untyped-def]
            assert format == "PNG"
            buffer.write(PNG)

    assert attachment_content(FakeImage())["mime_type"] == "image/png"


@pytest.mark.parametrize(
    ("item", "match"),
    [
        (b"??????", "Cannot tell what kind of data"),
        ("/no/such/file.png", "no such file"),
        ("/etc", "/etc is a directory, not a file"),
        (3.5, "Cannot attach"),
        ("https://example.com/noext", "MIME type"),
    ],
)
def test_bad_attachments(item: object, match: str) -> None:
    with pytest.raises(ChainUsageError, match=match):
        attachment_content(item)


def test_unknown_extension(tmp_path: Path) -> None:
    odd = tmp_path / "thing.zzz"
    odd.write_bytes(b"??")
    with pytest.raises(ChainUsageError, match="what kind of file"):
        attachment_content(odd)


def test_attachments_go_with_the_prompt(chain: Chain, server) -> None:
    chain.send("What is this?", attachments=[PNG])
    assert posts(server)[0]["input"] == [
        {"type": "text", "text": "What is this?"},
        {"type": "image", "mime_type": "image/png", "data": base64.b64encode(PNG).decode()},
    ]


def test_a_bad_attachment_changes_nothing(chain: Chain, server) -> None:
    chain.send("hi")
    with pytest.raises(ChainUsageError):
        chain.send("x", attachments=["/no/such.pdf"])
    assert len(chain.turns) == 1 and len(posts(server)) == 1


def test_an_invalid_json_schema_dict_is_refused_before_sending() -> None:
    import pytest

    from gemini_interactions.chain import ChainUsageError, response_schema

    for bad in ({"type": 5}, {"type": "object", "properties": ["a"]}, {"type": "objekt"}):
        with pytest.raises(ChainUsageError, match="not valid JSON Schema"):
            response_schema(bad)
    assert response_schema({"type": "object", "properties": {"a": {"type": "string"}}})
