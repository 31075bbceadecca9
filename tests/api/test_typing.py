"""To a type checker the client is typed: unions with their real members, a generic stream, and
create() overloads on ``stream`` with checked keyword parameters (mypy run on a user's snippet)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from mypy import api as mypy_api

ROOT = Path(__file__).resolve().parents[2]

SNIPPET = textwrap.dedent(
    """
    from gemini_interactions.api import (
        AsyncClient, Client, ModelOutputStep, StepDeltaEvent, StepStartEvent,
    )

    client = Client("key")
    stream = client.interactions.create(model="m", input="hi", stream=True)
    reveal_type(stream)
    for event in stream:
        reveal_type(event)
        if isinstance(event, StepDeltaEvent):
            reveal_type(event.delta)
        elif isinstance(event, StepStartEvent):
            reveal_type(event.step)
    answer = client.interactions.create(model="m", input="hi")
    reveal_type(answer)
    reveal_type(answer.steps[0])
    reveal_type(ModelOutputStep().content[0])
    reveal_type(client.interactions.get("id", stream=True))

    async def main(aclient: AsyncClient) -> None:
        astream = await aclient.interactions.create(model="m", input="hi", stream=True)
        reveal_type(astream)
        async for event in astream:
            reveal_type(event)
        reveal_type(await aclient.interactions.create(model="m", input="hi"))

    client.interactions.create(modle="m", input="hi")
    client.interactions.create(model="m", input="hi", background="yes")
    """
)


@pytest.fixture(scope="module")
def revealed(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    snippet = tmp_path_factory.mktemp("typing") / "user_code.py"
    snippet.write_text(SNIPPET)
    out, err, _ = mypy_api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            "--no-error-summary",
            "--hide-error-context",
            str(snippet),
        ]
    )
    assert not err, err
    # "user_code.py:LINE: note: ..." -> "LINE: note: ..."
    return [line.split(":", 1)[1] for line in out.splitlines() if ": " in line]


def _reveals(lines: list[str]) -> list[str]:
    return [
        re.sub(r"gemini_interactions\.api\.\w+\.", "", line.split(": ", 1)[1])
        for line in lines
        if "Revealed" in line
    ]


EVENT = (
    "InteractionCreatedEvent | InteractionStatusUpdateEvent | StepStartEvent | StepDeltaEvent"
    " | StepStopEvent | InteractionCompletedEvent | ErrorEvent | UnknownEvent"
)


def test_stream_and_events_are_real_types(revealed: list[str]) -> None:
    shown = _reveals(revealed)
    assert all("Any" not in line for line in shown), shown
    assert shown[0] == f'note: Revealed type is "Stream[{EVENT}]"'
    assert shown[1] == f'note: Revealed type is "{EVENT}"'
    delta, step = shown[2], shown[3]
    assert delta.startswith('note: Revealed type is "TextDelta | ImageDelta |')
    assert delta.endswith('| UnknownDelta | None"')
    assert step.startswith('note: Revealed type is "UserInputStep | ModelOutputStep |')
    assert step.endswith('| UnknownStep | None"')


def test_create_overloads_on_stream_sync_and_async(revealed: list[str]) -> None:
    shown = _reveals(revealed)
    assert shown[4] == 'note: Revealed type is "Interaction"'
    assert "UserInputStep | ModelOutputStep" in shown[5] and "UnknownStep" in shown[5]
    assert shown[6].startswith('note: Revealed type is "TextContent | ImageContent |')
    assert shown[6].endswith('| UnknownContent"')
    assert shown[7] == f'note: Revealed type is "Stream[{EVENT}]"'
    assert shown[8] == f'note: Revealed type is "AsyncStream[{EVENT}]"'
    assert shown[9] == f'note: Revealed type is "{EVENT}"'
    assert shown[10] == 'note: Revealed type is "Interaction"'


def test_create_checks_its_keyword_parameters(revealed: list[str]) -> None:
    errors: dict[int, str] = {}
    for line in revealed:
        number, _, message = line.partition(": ")
        if message.startswith("error:"):
            errors[int(number)] = errors.get(int(number), "") + message
    lines = SNIPPET.splitlines()
    typo = next(i for i, text in enumerate(lines, 1) if "modle=" in text)
    wrong_type = next(i for i, text in enumerate(lines, 1) if 'background="yes"' in text)
    assert set(errors) == {typo, wrong_type}, errors
    assert 'Unexpected keyword argument "modle"' in errors[typo]
    assert 'did you mean "model"' in errors[typo]
    assert "No overload variant" in errors[wrong_type]


def test_create_params_are_public_and_are_the_wire_fields() -> None:
    from gemini_interactions.api import CreateParams
    from gemini_interactions.api._wire import CREATE_FIELDS

    assert (*CreateParams.__annotations__, "stream") == CREATE_FIELDS
