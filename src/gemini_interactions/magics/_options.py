"""The options of a ``%%gemini`` cell as a validated pydantic model (from ``magic_arguments``)."""

from __future__ import annotations

import argparse
import keyword
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._errors import MagicUsageError

_FLAG_NAMES = {
    "continue_": "--continue",
    "from_turn": "--from",
    "schema_name": "--schema",
    "attach": "--attach",
    "out": "--out",
}


class CellOptions(BaseModel):
    """Everything after ``%%gemini`` on the first line of a cell."""

    model_config = ConfigDict(extra="forbid")

    continue_: bool = False
    chain: str | None = None
    from_turn: int | None = None
    model: str | None = None
    agent: str | None = None
    system: str | None = None
    thinking: str | None = None
    thoughts: bool = False
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    max_output_tokens: int | None = Field(None, ge=1)
    no_store: bool = False
    tools: list[str] = Field(default_factory=list)
    max_tool_rounds: int | None = Field(None, ge=0, le=100)
    tool_timeout: float | None = Field(None, ge=0, allow_inf_nan=False)
    tool_result_chars: int | None = Field(None, ge=0)
    search: bool = False
    code_execution: bool = False
    url_context: bool = False
    schema_name: str | None = None
    attach: list[str] = Field(default_factory=list)
    out: str | None = None
    background: bool = False
    no_stream: bool = False
    dry_run: bool = False
    raw: bool = False
    map: str | None = None
    concurrency: int = Field(4, ge=1, le=256)
    rpm: float | None = Field(None, gt=0, allow_inf_nan=False)
    retry_failed: bool = False
    fresh: bool = False
    max_total_tokens: int | None = Field(None, ge=1)
    max_cost: float | None = Field(None, gt=0, allow_inf_nan=False)
    service_tier: str | None = None
    context: list[str] = Field(default_factory=list)
    context_chars: int = Field(4000, ge=100)
    # Issue 17's flags, as typed; ``_agentic_flags`` resolves names and parses JSON.
    mcp: list[str] = Field(default_factory=list)
    file_search: str | None = None
    maps: bool = False
    tool: list[str] = Field(default_factory=list)
    config: str | None = None
    format: str | None = None
    plan: bool = False
    visualize: bool = False
    environment: str | None = None

    @field_validator("mcp", "tool", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("format")
    @classmethod
    def _format(cls, value: str | None) -> str | None:
        if value is not None and value not in ("text", "image", "audio", "video"):
            raise ValueError(
                "use text, image, audio or video (an image's aspect ratio and size go in "
                '--config \'{"response_format": {"aspect_ratio": "16:9"}}\')'
            )
        return value

    @field_validator("context", mode="before")
    @classmethod
    def _split_context(cls, value: Any) -> Any:
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        return [n.strip() for item in items for n in str(item).split(",") if n.strip()]

    @field_validator("service_tier")
    @classmethod
    def _tier(cls, value: str | None) -> str | None:
        if value is not None and value not in ("flex", "standard", "priority"):
            raise ValueError("use flex, standard or priority")
        return value

    @field_validator("tools", mode="before")
    @classmethod
    def _split_tools(cls, value: Any) -> Any:
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        names = [n.strip() for item in items for n in str(item).split(",")]
        if any(not n for n in names):
            raise ValueError("give tool names separated by commas, like --tools get_weather,add")
        return names

    @field_validator("attach", mode="before")
    @classmethod
    def _no_none(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("out")
    @classmethod
    def _identifier(cls, value: str | None) -> str | None:
        if value is not None and (not value.isidentifier() or keyword.iskeyword(value)):
            raise ValueError(f"{value!r} is not a valid Python variable name")
        return value

    @field_validator("from_turn")
    @classmethod
    def _not_zero(cls, value: int | None) -> int | None:
        if value == 0:
            raise ValueError("turns are numbered from 1 (or -1 for the last one)")
        return value

    @classmethod
    def from_namespace(cls, namespace: argparse.Namespace) -> CellOptions:
        try:
            return cls.model_validate(vars(namespace))
        except ValidationError as exc:
            error = exc.errors()[0]
            field = str(error["loc"][0]) if error["loc"] else ""
            flag = _FLAG_NAMES.get(field, "--" + field.replace("_", "-"))
            message = str(error["msg"]).removeprefix("Value error, ")
            raise MagicUsageError(f"Bad value for {flag}: {message}.") from None
