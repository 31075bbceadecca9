"""The Interaction resource, its usage and error records."""

from __future__ import annotations

from typing import Any

from pydantic import Field, ModelWrapValidatorHandler, ValidationError, model_validator

from ._base import WireModel, lenient
from ._content import AudioContent, ImageContent, TextContent, VideoContent
from ._media import Media, media_of_steps
from ._steps import ModelOutputStep, Step, ThoughtStep, UserInputStep
from ._tools import Tool


class ModalityTokens(WireModel):
    modality: str | None = None
    tokens: int | None = None


class ToolCount(WireModel):
    type: str | None = None
    count: int | None = None


class Usage(WireModel):
    total_input_tokens: int | None = None
    total_output_tokens: int | None = None
    total_thought_tokens: int | None = None
    total_cached_tokens: int | None = None
    total_tool_use_tokens: int | None = None
    total_tokens: int | None = None
    initial_input_tokens: int | None = None
    input_tokens_by_modality: list[ModalityTokens] | None = None
    output_tokens_by_modality: list[ModalityTokens] | None = None
    cached_tokens_by_modality: list[ModalityTokens] | None = None
    tool_use_tokens_by_modality: list[ModalityTokens] | None = None
    grounding_tool_count: list[ToolCount] | None = None

    @model_validator(mode="before")
    @classmethod
    def _openai_style_names(cls, data: Any) -> Any:
        # Some samples in the wild say prompt/completion tokens; map them, keep everything else.
        if isinstance(data, dict) and ("prompt_tokens" in data or "completion_tokens" in data):
            data = dict(data)
            if "prompt_tokens" in data:
                data.setdefault("total_input_tokens", data.pop("prompt_tokens"))
            if "completion_tokens" in data:
                data.setdefault("total_output_tokens", data.pop("completion_tokens"))
        return data


class ErrorInfo(WireModel):
    """An error as the API reports it: ``code`` is an int in HTTP bodies, a string in streams."""

    code: int | str | None = None
    message: str | None = None
    status: str | None = None
    details: list[Any] | None = None


class Interaction(WireModel):
    """One interaction: its status and the typed timeline of steps, whatever revision was spoken.

    ``revision``, ``last_event_id``, ``error_event`` and ``continuation_ids`` are client-side
    fields (never on the wire); ``output_text`` and friends are derived like the official SDK does.
    """

    id: str | None = None
    object: str | None = None
    status: str | None = None
    model: str | None = None
    agent: str | None = None
    steps: list[Step] = []
    tools: list[Tool] | None = None
    """The tools of the request, when the server echoes them."""
    usage: Usage | None = None
    created: str | None = None
    updated: str | None = None
    previous_interaction_id: str | None = None
    environment_id: str | None = None
    """The sandbox environment a managed agent ran in (reuse it by passing it as
    ``environment``)."""
    continuation_token: str | None = None
    errors: list[ErrorInfo] | None = None
    error: ErrorInfo | None = None
    """The legacy singular spelling of ``errors`` some servers use."""

    # client-side
    revision: str | None = None
    last_event_id: str | None = None
    error_event: ErrorInfo | None = None
    """The ``error`` event that ended a stream, if one did."""
    continuation_ids: list[str] = Field(default_factory=list)

    @model_validator(mode="wrap")
    @classmethod
    def _tolerant(cls, data: Any, handler: ModelWrapValidatorHandler[Interaction]) -> Interaction:
        # A beta server (or an old recording) may send one field in a shape we do not expect;
        # leave that value out rather than refuse the whole interaction.
        try:
            return handler(data)
        except ValidationError:
            if not isinstance(data, dict):
                raise
            return lenient(handler, data)

    @property
    def output_text(self) -> str:
        """The answer's text, derived exactly as the official SDK does."""
        collected: list[str] = []
        started = False
        for step in reversed(self.steps):
            if isinstance(step, UserInputStep):
                break
            if isinstance(step, ThoughtStep):
                continue
            if not isinstance(step, ModelOutputStep):
                if started:
                    break
                continue
            for block in reversed(step.content):
                if isinstance(block, TextContent):
                    collected.append(block.text)
                    started = True
                elif started:
                    return "".join(reversed(collected))
        return "".join(reversed(collected))

    def _last_output(self, kind: type[Any]) -> Any:
        for step in reversed(self.steps):
            if isinstance(step, UserInputStep):
                return None
            if isinstance(step, ModelOutputStep):
                for block in reversed(step.content):
                    if isinstance(block, kind):
                        return block
        return None

    @property
    def output_image(self) -> ImageContent | None:
        result: ImageContent | None = self._last_output(ImageContent)
        return result

    @property
    def output_audio(self) -> AudioContent | None:
        result: AudioContent | None = self._last_output(AudioContent)
        return result

    @property
    def output_video(self) -> VideoContent | None:
        result: VideoContent | None = self._last_output(VideoContent)
        return result

    @property
    def media(self) -> list[Media]:
        """The images, audio, video and documents of the answer (and of its thought
        summaries), each with ``.data`` (bytes), ``.mime``, ``.save()`` and ``.to_pil()``."""
        return media_of_steps(list(self.steps))

    @property
    def function_calls(self) -> list[Any]:
        """The ``function_call`` steps after the last user input: what the client must run."""
        calls: list[Any] = []
        for step in reversed(self.steps):
            if isinstance(step, UserInputStep):
                break
            if step.type == "function_call":
                calls.append(step)
        return list(reversed(calls))
