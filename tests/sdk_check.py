"""One check shared by the chain and magics tests: a request body is one the official SDK
(google-genai) would build: it validates against the SDK's own request types, and no part of it
is a field those types do not declare."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def sdk_check(body: dict[str, Any]) -> None:
    from google.genai._gaos.types.interactions.createagentinteraction import (
        CreateAgentInteraction,
    )
    from google.genai._gaos.types.interactions.createmodelinteraction import (
        CreateModelInteraction,
    )

    def sent(value: Any) -> Any:  # a secret goes on the wire as its variable's value
        if isinstance(value, dict):
            return "value" if set(value) == {"env"} else {k: sent(v) for k, v in value.items()}
        return [sent(v) for v in value] if isinstance(value, list) else value

    kind = CreateAgentInteraction if "agent" in body else CreateModelInteraction
    model = kind.model_validate({**sent(body), "stream": True})
    unknown: list[str] = []

    def walk(value: Any, where: str) -> None:
        if isinstance(value, BaseModel):
            unknown.extend(f"{where}.{k}" for k in value.model_extra or {})
            for name, item in value.__dict__.items():  # no getattr: deprecated fields warn
                walk(item, f"{where}.{name}")
        elif isinstance(value, list):
            for n, item in enumerate(value):
                walk(item, f"{where}[{n}]")
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{where}.{key}")

    walk(model, "request")
    assert not unknown, f"fields the SDK does not know: {unknown}"
