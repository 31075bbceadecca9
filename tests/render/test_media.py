"""Media answers: images as native image outputs, audio and video as players, large items as
files beside the notebook, each item sent to the frontend once; the result object exposes them."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from test_live import Frontend

from gemini_interactions.api import Interaction
from gemini_interactions.api._events import parse_event
from gemini_interactions.chain import Turn
from gemini_interactions.render import LiveView, static_outputs
from gemini_interactions.render._media import LARGE
from gemini_interactions.server._offline_media import bar_chart_png, tone_wav

PNG = bar_chart_png([3, 1, 4])
WAV = tone_wav(0.2)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _steps() -> list[dict[str, Any]]:
    return [
        {
            "type": "thought",
            "signature": "s",
            "summary": [
                {"type": "text", "text": "Sketching."},
                {"type": "image", "mime_type": "image/png", "data": _b64(PNG)},
            ],
        },
        {
            "type": "model_output",
            "content": [
                {"type": "text", "text": "Here is the chart and a tone."},
                {"type": "image", "mime_type": "image/png", "data": _b64(PNG)},
                {"type": "audio", "mime_type": "audio/wav", "data": _b64(WAV)},
                {"type": "video", "mime_type": "video/mp4", "uri": "https://v.example/a.mp4"},
                {"type": "document", "mime_type": "application/pdf", "data": _b64(b"%PDF-1.4")},
            ],
        },
    ]


def _turn(steps: list[dict[str, Any]]) -> Turn:
    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    turn.interactions.append(Interaction.model_validate({"id": "i1", "steps": steps}))
    turn.status = "completed"
    return turn


def test_saved_outputs_hold_images_as_images_and_players_for_audio_and_video() -> None:
    outputs = [bundle for bundle, _ in static_outputs(_turn(_steps()))]
    images = [o for o in outputs if "image/png" in o]
    assert len(images) == 2  # the answer's and the thought summary's (the same bytes, kept)
    assert base64.b64decode(images[0]["image/png"]) == PNG and "text/html" not in images[0]
    assert "thought image" in images[0]["text/plain"] and "thought" not in images[1]["text/plain"]
    html = "".join(o.get("text/html", "") for o in outputs)
    assert '<audio controls src="data:audio/wav;base64,' in html
    assert '<video controls src="https://v.example/a.mp4"' in html
    assert 'download="document.pdf" href="data:application/pdf;base64,' in html
    plain = "\n".join(o["text/plain"] for o in outputs)
    assert "🔊 audio (audio/wav," in plain and "🎞️ video (video/mp4) at https://v.e" in plain


def test_an_item_over_5_mb_is_a_file_beside_the_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    big = b"\0" * (LARGE + 10)
    steps = [
        {
            "type": "model_output",
            "content": [{"type": "video", "mime_type": "video/mp4", "data": _b64(big)}],
        }
    ]
    (video, _status) = [bundle for bundle, _ in static_outputs(_turn(steps))]
    assert len(json.dumps(video)) < 2_000  # the notebook stays small
    (saved,) = (tmp_path / "gemini_media").iterdir()
    assert saved.read_bytes() == big and saved.suffix == ".mp4"
    assert f'<video controls src="gemini_media/{saved.name}"' in video["text/html"]
    assert f"saved to gemini_media/{saved.name}" in video["text/plain"]


def test_live_view_sends_each_media_item_once_and_saves_what_it_showed() -> None:
    events = [
        {"event_type": "interaction.created", "interaction": {"id": "i1", "status": "in_progress"}},
        {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "Chart:"}},
        {
            "event_type": "step.delta",
            "index": 0,
            "delta": {"type": "image", "mime_type": "image/png", "data": _b64(PNG)},
        },
        {"event_type": "step.stop", "index": 0},
    ]
    frontend, now = Frontend(), [0.0]
    view = LiveView(clock=lambda: now[0], display=frontend.display)
    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    turn.status = "streaming"
    view.on_start(turn)
    for raw in events:
        now[0] += 0.01
        event = parse_event(raw)
        if raw.get("delta", {}).get("type") == "text":
            turn.add_text(raw["delta"]["text"])
        view.on_event(turn, event)
    shown_live = [m for m in frontend.messages if "image/png" in m["data"]]
    assert len(shown_live) == 1  # drawn as soon as it arrived
    turn.interactions.append(
        Interaction.model_validate(
            {
                "id": "i1",
                "status": "completed",
                "steps": [
                    {"type": "user_input", "content": [{"type": "text", "text": "p"}]},
                    {
                        "type": "model_output",
                        "content": [
                            {"type": "text", "text": "Chart:"},
                            {"type": "image", "mime_type": "image/png", "data": _b64(PNG)},
                        ],
                    },
                ],
            }
        )
    )
    turn.status = "completed"
    view.on_end(turn)
    png_messages = [m for m in frontend.messages if "image/png" in m["data"]]
    assert len(png_messages) == 1  # sent once: not again when the turn ended
    assert sum("image/png" in o["data"] for o in frontend.saved) == 1


def test_the_result_object_exposes_bytes_type_save_and_pil(tmp_path: Path) -> None:
    interaction = _turn(_steps()).interactions[0]
    media = interaction.media
    assert [(m.kind, m.where) for m in media] == [
        ("image", "thought"),
        ("image", "answer"),
        ("audio", "answer"),
        ("video", "answer"),
        ("document", "answer"),
    ]
    image = media[1]
    assert image.data == PNG and image.mime == "image/png" and image.size == len(PNG)
    assert image.save(tmp_path).read_bytes() == PNG
    assert image.save(tmp_path / "c.png").name == "c.png"
    assert "image/png" in image._repr_mimebundle_()
    with pytest.raises(ValueError, match="a link"):
        media[3].save(tmp_path)
    try:
        import PIL  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install pillow"):
            image.to_pil()
    else:  # pragma: no cover - Pillow is optional
        assert image.to_pil().size == (320, 180)


def test_a_saved_and_loaded_turn_keeps_its_media() -> None:
    turn = _turn(_steps())
    again = Interaction.model_validate(json.loads(json.dumps(turn.interactions[0].to_dict())))
    assert [m.data for m in again.media] == [m.data for m in turn.interactions[0].media]


def test_an_image_in_a_streaming_thought_is_drawn_when_it_arrives() -> None:
    frontend, now = Frontend(), [0.0]
    view = LiveView(clock=lambda: now[0], display=frontend.display, show_thoughts=True)
    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    turn.status = "streaming"
    view.on_start(turn)
    image = {"type": "image", "mime_type": "image/png", "data": _b64(PNG)}
    for raw in (
        {"event_type": "step.start", "index": 0, "step": {"type": "thought"}},
        {
            "event_type": "step.delta",
            "index": 0,
            "delta": {"type": "thought_summary", "content": image},
        },
    ):
        now[0] += 0.01
        view.on_event(turn, parse_event(raw))
    drawn = [m for m in frontend.messages if "image/png" in m["data"]]
    assert len(drawn) == 1 and "thought image" in drawn[0]["data"]["text/plain"]
