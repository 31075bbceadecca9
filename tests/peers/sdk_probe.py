"""Drive the official google-genai SDK (3.3.0) against an Interactions API server; say what worked.

    python tests/peers/sdk_probe.py BASE_URL [--api-version v1beta] [--explicit-stream-false]

An independent check of our local server: software nobody on this project wrote, used the way
its own users use it. Four calls, in order:

    create   client.interactions.create(model, input)         (the SDK leaves "stream" out)
    stream   client.interactions.create(..., stream=True)
    chain    a second create with previous_interaction_id = the first one's id
    get      client.interactions.get(first id)

The SDK parses leniently (a server may send almost anything and the call "succeeds"), so every
raw response is also captured below the SDK and validated strictly against the SDK's own pydantic
models. The last stdout line is a JSON verdict, ``{"verdict": "pass"|"fail", "passed": [...],
"failed": [...], "results": {...}}``; the exit status is 0 only when all four passed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

try:
    from google import genai
    from google.genai import _api_client, types
    from google.genai import interactions as sdk
except ImportError as exc:  # pragma: no cover - a setup problem, reported as the verdict
    print(json.dumps({"verdict": "fail", "error": f"google-genai is not importable: {exc}"}))
    sys.exit(2)

# The SDK talks through httpx2 when it is installed, else httpx; the tape must wrap the same one.
if _api_client._get_http_client_backend() == "httpx2":
    import httpx2 as hx
else:
    import httpx as hx

STEPS = ("create", "stream", "chain", "get")
EVENT_MODELS: dict[str, Any] = {
    "interaction.created": sdk.InteractionCreatedEvent,
    "interaction.status_update": sdk.InteractionStatusUpdate,
    "step.start": sdk.StepStart,
    "step.delta": sdk.StepDelta,
    "step.stop": sdk.StepStop,
    "interaction.completed": sdk.InteractionCompletedEvent,
    "error": sdk.ErrorEvent,
}


class Problems(Exception):
    """A step's findings; raised so one step's failure does not stop the others."""


# --- the tape: every request, and the raw bytes of every response --------------------------------


class _Recorded(hx.SyncByteStream):
    def __init__(self, inner: Any, into: bytearray) -> None:
        self._inner, self._into = inner, into

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            self._into.extend(chunk)
            yield chunk

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


class Tape(hx.BaseTransport):
    def __init__(self) -> None:
        self._inner = hx.HTTPTransport()
        self.exchanges: list[dict[str, Any]] = []

    def handle_request(self, request: Any) -> Any:
        exchange: dict[str, Any] = {
            "method": request.method,
            "path": request.url.path,
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body": json.loads(request.content) if request.content else None,
            "raw": bytearray(),
        }
        self.exchanges.append(exchange)
        response = self._inner.handle_request(request)
        exchange["status"] = response.status_code
        exchange["content_type"] = response.headers.get("content-type", "")
        return hx.Response(
            response.status_code,
            headers=response.headers,
            stream=_Recorded(response.stream, exchange["raw"]),
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        self._inner.close()

    def last(self) -> dict[str, Any]:
        return self.exchanges[-1]


def strict(model: Any, data: Any, where: str) -> list[str]:
    """What the SDK's own model says is wrong with ``data`` (its client never checks)."""
    try:
        model.model_validate(data)
    except Exception as exc:
        errors = exc.errors() if hasattr(exc, "errors") else [{"loc": (), "msg": str(exc)}]
        return [
            f"{where}: {'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}" for e in errors[:4]
        ]
    return []


def sse_payloads(raw: bytes) -> list[tuple[str | None, str]]:
    """(the ``event:`` field, the joined data) of each event block."""
    blocks = raw.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    out: list[tuple[str | None, str]] = []
    for block in blocks.split("\n\n"):
        name, data = None, []
        for line in block.split("\n"):
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
        if data:
            out.append((name, "\n".join(data)))
    return out


# --- the four calls ---------------------------------------------------------------------------


def check_request(exchange: dict[str, Any], api_version: str, problems: list[str]) -> None:
    if not exchange["path"].startswith(f"/{api_version}/interactions"):
        problems.append(f"request went to {exchange['path']}, not /{api_version}/interactions")


def check_resource(
    tape: Tape, result: Any, api_version: str, found: dict[str, Any]
) -> dict[str, Any]:
    exchange = tape.last()
    problems: list[str] = []
    check_request(exchange, api_version, problems)
    if not isinstance(result, sdk.Interaction):
        problems.append(f"the SDK returned {type(result).__name__}, not an Interaction")
    try:
        body = json.loads(bytes(exchange["raw"]))
    except ValueError:
        body = None
        problems.append(f"the body is not JSON ({exchange['content_type']})")
    if body is not None:
        problems += strict(sdk.Interaction, body, "body")
        if "outputs" in body and "steps" not in body:
            problems.append("the legacy outputs[] shape, no steps[]")
    if isinstance(result, sdk.Interaction):
        found.update(id=result.id, status=result.status, text=result.output_text or "")
        if not result.id:
            problems.append("no id")
        if not result.steps:
            problems.append("no steps")
        if not result.output_text:
            problems.append("no output_text")
    if problems:
        raise Problems(problems)
    return found


def step_create(client: Any, tape: Tape, args: argparse.Namespace) -> dict[str, Any]:
    extra = {"stream": False} if args.explicit_stream_false else {}
    result = client.interactions.create(model=args.model, input="hello", **extra)
    found = check_resource(tape, result, args.api_version, {})
    found["sent_stream_field"] = "stream" in (tape.last()["body"] or {})
    found["sent_api_revision"] = tape.last()["headers"].get("api-revision")
    return found


def step_stream(client: Any, tape: Tape, args: argparse.Namespace) -> dict[str, Any]:
    problems: list[str] = []
    kinds: list[str] = []
    text: list[str] = []
    ids: set[str | None] = set()
    for event in client.interactions.create(model=args.model, input="hello", stream=True):
        kinds.append(event.event_type)
        delta = getattr(event, "delta", None)
        if event.event_type == "step.delta" and getattr(delta, "type", None) == "text":
            text.append(delta.text or "")
        interaction = getattr(event, "interaction", None)
        if interaction is not None:
            ids.add(interaction.id)
    exchange = tape.last()
    check_request(exchange, args.api_version, problems)
    if not exchange["content_type"].startswith("text/event-stream"):
        problems.append(f"content-type {exchange['content_type']}")
    for name, data in sse_payloads(bytes(exchange["raw"])):
        try:
            payload = json.loads(data)
        except ValueError:
            problems.append(f"data that is not JSON: {data[:60]}")
            continue
        kind = payload.get("event_type")
        if name is not None and name != kind:
            problems.append(f"event: {name} but event_type {kind}")
        model = EVENT_MODELS.get(kind)
        if model is None:
            problems.append(f"an event type the SDK does not know: {kind}")
        else:
            problems += strict(model, payload, kind)
    if not kinds or kinds[0] != "interaction.created" or kinds[-1] != "interaction.completed":
        problems.append(f"events run {kinds[:1]} .. {kinds[-1:]}")
    if kinds.count("step.start") != kinds.count("step.stop"):
        problems.append("step.start and step.stop do not pair up")
    if len(ids) != 1:
        problems.append(f"interaction ids in the stream: {sorted(map(str, ids))}")
    if not text:
        problems.append("no text deltas")
    if problems:
        raise Problems(problems)
    return {"events": len(kinds), "text": "".join(text)[:80]}


def step_chain(client: Any, tape: Tape, args: argparse.Namespace, first: str) -> dict[str, Any]:
    extra = {"stream": False} if args.explicit_stream_false else {}
    result = client.interactions.create(
        model=args.model, input="hello again", previous_interaction_id=first, **extra
    )
    problems = []
    if (tape.last()["body"] or {}).get("previous_interaction_id") != first:
        problems.append("previous_interaction_id was not sent")
    if getattr(result, "id", None) == first:
        problems.append("the chained interaction has the first one's id")
    if problems:
        raise Problems(problems)
    return check_resource(tape, result, args.api_version, {})


def step_get(client: Any, tape: Tape, args: argparse.Namespace, first: dict[str, Any]) -> Any:
    result = client.interactions.get(first["id"])
    found = check_resource(tape, result, args.api_version, {})
    problems = []
    if found["id"] != first["id"]:
        problems.append(f"asked for {first['id']}, got {found['id']}")
    if found["text"] != first["text"]:
        problems.append("get's output_text differs from create's")
    if problems:
        raise Problems(problems)
    return found


def run(name: str, step: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return {"ok": True, **step()}
    except Problems as found:
        return {"ok": False, "problems": found.args[0]}
    except Exception as exc:  # the SDK refused the answer: that is the finding
        return {"ok": False, "problems": [f"{type(exc).__name__}: {str(exc)[:300]}"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("--api-version", default=None, help="path segment; the SDK's own default")
    parser.add_argument("--model", default="gemini-2.5-flash")
    parser.add_argument("--explicit-stream-false", action="store_true")
    args = parser.parse_args(argv)

    tape = Tape()
    options = types.HttpOptions(
        base_url=args.base_url,
        api_version=args.api_version,
        httpx_client=hx.Client(transport=tape, timeout=30),
        retry_options=types.HttpRetryOptions(attempts=1),
    )
    client = genai.Client(api_key="probe-key", http_options=options)
    args.api_version = args.api_version or "v1"  # what SDK 3.x uses for a key when given none

    results: dict[str, dict[str, Any]] = {}
    results["create"] = run("create", lambda: step_create(client, tape, args))
    results["stream"] = run("stream", lambda: step_stream(client, tape, args))
    first = results["create"] if results["create"]["ok"] else None
    if first is None:
        skipped = {"ok": False, "problems": ["skipped: create failed"]}
        results["chain"] = results["get"] = skipped
    else:
        results["chain"] = run("chain", lambda: step_chain(client, tape, args, first["id"]))
        results["get"] = run("get", lambda: step_get(client, tape, args, first))
    exchanges = tape.exchanges
    passed = [name for name in STEPS if results[name]["ok"]]
    failed = [name for name in STEPS if not results[name]["ok"]]
    verdict = {
        "verdict": "fail" if failed else "pass",
        "passed": passed,
        "failed": failed,
        "api_version": args.api_version,
        "sent_api_revision": sorted({str(e["headers"].get("api-revision")) for e in exchanges}),
        "results": results,
    }
    print(json.dumps(verdict, default=str))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
