"""Scripted answers: fixtures matched on the request, answered with a list of steps.

A fixture file is JSON (or YAML when PyYAML is installed)::

    {"fixtures": [
      {"name": "weather",
       "match": {"user_text": "weather", "turn": 1, "tools": ["get_weather"]},
       "steps": [{"thought": "Need the weather tool."},
                 {"function_call": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
      {"match": {"call_id": "fc_paris"}, "steps": [{"text": "Sunny, 21 °C."}],
       "chunk_size": 4, "latency_ms": 10},
      {"match": {"user_regex": "^quota"}, "error": {"status": 429, "retry_after": 2}}
    ]}

``match`` keys (all optional, all must hold): ``user_text`` (case-insensitive substring of the
latest user text of the conversation), ``user_regex``, ``turn`` (1-based user turn in the chain),
``model`` / ``agent`` (exact or glob), ``tools`` (names that must all be declared: function names or
built-in types), ``call_id`` (a function result in the input answers this call id), ``revision``
(``"legacy"`` or ``"steps"``). Step shorthands: ``{"text": "..." | [chunks], "sources": [...]}``,
``{"thought": "summary"}``, ``{"function_call": {"name", "arguments", "id"?}}``,
``{"google_search": {"queries", "sources": [{"url", "title"}]}}``,
``{"code_execution": {"code", "output", "language"?}}``, ``{"url_context": {"urls"}}``,
``{"image": {"bar_chart": [3, 1, 4]}, "caption"?: "..."}`` (or ``{"mime_type", "data"|"uri"}``),
``{"audio": {"tone_seconds": 1}}``, ``{"video": {...}}``, ``{"document": {...}}``; any dict with
a ``type`` is a wire step used verbatim.
"""

from __future__ import annotations

import fnmatch
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import ErrorReply
from ._faults import FaultPlan
from ._ids import IdFactory
from ._offline_media import b64, bar_chart_png, search_chip, tone_wav
from ._reply import Reply, Step, TurnRequest

MATCH_KEYS = frozenset(
    {"user_text", "user_regex", "turn", "model", "agent", "tools", "call_id", "revision"}
)
FIXTURE_KEYS = frozenset(
    {
        "name",
        "match",
        "steps",
        "error",
        "status",
        "usage",
        "chunk_size",
        "latency_ms",
        "step_delay_ms",
        "faults",
        "id",
        "model",
        "continuation_hops",
        "times",
    }
)


_SHORT_USAGE = frozenset(
    {"input_tokens", "output_tokens", "thought_tokens", "cached_tokens", "tool_use_tokens"}
)


@dataclass
class Fixture:
    """One scripted answer (see the module docstring for the JSON form)."""

    match: dict[str, Any] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    name: str = ""
    error: dict[str, Any] | None = None
    status: str | None = None
    usage: dict[str, Any] | None = None
    chunk_size: int = 16
    latency_ms: float = 0.0
    step_delay_ms: float = 0.0
    faults: FaultPlan | None = None
    id: str | None = None
    model: str | None = None
    continuation_hops: int = 1
    times: int | None = None
    used: int = 0

    def __post_init__(self) -> None:
        # Every mistake shows up when the file is loaded, never as a 500 in the middle of a demo.
        try:
            self._check()
        except (ValueError, TypeError, KeyError, re.error) as error:
            raise ValueError(f"fixture {self.name or self.match!r}: {error}") from None

    def _check(self) -> None:
        if not isinstance(self.match, dict):
            raise ValueError("'match' must be an object")
        bad = set(self.match) - MATCH_KEYS
        if bad:
            raise ValueError(f"match has unknown key(s): {', '.join(sorted(bad))}")
        if "user_regex" in self.match:
            re.compile(str(self.match["user_regex"]))
        if "turn" in self.match and not isinstance(self.match["turn"], int):
            raise ValueError(f"match 'turn' must be a number, not {self.match['turn']!r}")
        if "tools" in self.match and not isinstance(self.match["tools"], list):
            raise ValueError("match 'tools' must be a list of names")
        if self.match.get("revision", "steps") not in ("steps", "legacy"):
            raise ValueError("match 'revision' is 'steps' or 'legacy'")
        if not isinstance(self.steps, list) or not all(isinstance(s, dict) for s in self.steps):
            raise ValueError("'steps' must be a list of objects")
        expand_steps(self.steps, IdFactory())
        if self.usage is not None:
            if not isinstance(self.usage, dict):
                raise ValueError("'usage' must be an object like {\"total_input_tokens\": 10}")
            # The wire's names all start with total_: "input_tokens" was silently not counted
            # (a lesson promised tokens in its status lines and showed none).
            for key in sorted(self.usage):
                if key in _SHORT_USAGE:
                    raise ValueError(f"usage has {key!r}: the API's name is 'total_{key}'")
        if self.error is not None:
            if not isinstance(self.error, dict):
                raise ValueError("'error' must be an object like {\"status\": 429}")
            int(str(self.error.get("status", self.error.get("code", 500))))
            if self.error.get("retry_after") is not None:
                float(self.error["retry_after"])
        for name in ("chunk_size", "latency_ms", "step_delay_ms", "continuation_hops"):
            if not isinstance(getattr(self, name), int | float):
                raise ValueError(f"'{name}' must be a number")
        if self.faults is not None and not isinstance(self.faults, FaultPlan):
            raise ValueError("'faults' must be an object of fault options")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fixture:
        if not isinstance(data, dict):
            raise ValueError(f"a fixture is an object, not {json.dumps(data)[:60]}")
        unknown = set(data) - FIXTURE_KEYS
        if unknown:
            raise ValueError(f"fixture has unknown key(s): {', '.join(sorted(unknown))}")
        kwargs = dict(data)
        if isinstance(kwargs.get("faults"), dict):
            try:
                kwargs["faults"] = FaultPlan.from_dict(kwargs["faults"])
            except (TypeError, ValueError) as error:
                name = data.get("name") or data.get("match")
                raise ValueError(f"fixture {name!r}: {error}") from None
        return cls(**kwargs)

    def matches(self, turn: TurnRequest) -> bool:
        if self.times is not None and self.used >= self.times:
            return False
        m = self.match
        text = turn.user_text
        if "user_text" in m and str(m["user_text"]).lower() not in text.lower():
            return False
        if "user_regex" in m and not re.search(str(m["user_regex"]), text):
            return False
        if "turn" in m and int(m["turn"]) != turn.turn_number:
            return False
        if "model" in m and not fnmatch.fnmatchcase(turn.model or "", str(m["model"])):
            return False
        if "agent" in m and not fnmatch.fnmatchcase(turn.agent or "", str(m["agent"])):
            return False
        if "tools" in m and not set(m["tools"]) <= turn.tool_names:
            return False
        if "call_id" in m and m["call_id"] not in {r.get("call_id") for r in turn.function_results}:
            return False
        return "revision" not in m or (m["revision"] == "legacy") == turn.legacy

    def reply(self, ids: IdFactory) -> Reply:
        self.used += 1
        source = f"fixture:{self.name or self.match}"
        if self.error is not None:
            err = self.error
            code = int(err.get("status", err.get("code", 500)))
            retry = err.get("retry_after")
            error = ErrorReply(
                code,
                str(err.get("message", f"Fixture error {code}.")),
                status=err.get("status_text"),
                retry_after=float(retry) if retry is not None else None,
            )
            return Reply(error=error, source=source)
        steps, hints = expand_steps(self.steps, ids)
        return Reply(
            steps=steps,
            status=self.status,
            chunk_size=self.chunk_size,
            latency=self.latency_ms / 1000,
            step_delay=self.step_delay_ms / 1000,
            usage=self.usage,
            faults=self.faults,
            interaction_id=self.id,
            model=self.model,
            hops=self.continuation_hops,
            hints=hints,
            source=source,
        )


def _citations(sources: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    end = len(text.encode())
    return [
        {
            "type": "url_citation",
            "url": s.get("url", ""),
            "title": s.get("title", ""),
            "start_index": int(s.get("start_index", 0)),
            "end_index": int(s.get("end_index", end)),
        }
        for s in sources
    ]


def _media_blocks(item: dict[str, Any]) -> list[dict[str, Any]]:
    """``{"image": {"bar_chart": [3, 1, 4]} | {"mime_type", "data" | "uri"}, "text"?: ...}``,
    and the same for ``audio`` (``{"tone_seconds": 1}`` makes a WAV), ``video``, ``document``:
    a model output holding the text (if any) and the media block."""
    blocks: list[dict[str, Any]] = []
    if item.get("caption"):
        blocks.append({"type": "text", "text": str(item["caption"])})
    for kind in ("image", "audio", "video", "document"):
        spec = item.get(kind)
        if spec is None:
            continue
        spec = dict(spec) if isinstance(spec, dict) else {}
        if kind == "image" and "bar_chart" in spec:
            values = [float(v) for v in spec.pop("bar_chart")]
            spec.update(mime_type="image/png", data=b64(bar_chart_png(values)))
        if kind == "audio" and "tone_seconds" in spec:
            seconds = float(spec.pop("tone_seconds"))
            spec.update(mime_type="audio/wav", data=b64(tone_wav(seconds)))
        blocks.append({"type": kind, **spec})
    return blocks


def expand_steps(
    items: list[dict[str, Any]], ids: IdFactory
) -> tuple[list[Step], dict[int, list[str]]]:
    """Shorthand fixture steps → wire steps, plus explicit text chunking per step index."""
    steps: list[Step] = []
    hints: dict[int, list[str]] = {}
    pending_sources: list[dict[str, Any]] = []
    for item in items:
        if "type" in item:
            steps.append(dict(item))
        elif "text" in item:
            raw = item["text"]
            text = "".join(raw) if isinstance(raw, list) else str(raw)
            if isinstance(raw, list):
                hints[len(steps)] = [str(x) for x in raw]
            block: dict[str, Any] = {"type": "text", "text": text}
            sources = list(item.get("sources", [])) + pending_sources
            pending_sources = []
            notes = list(item.get("annotations", [])) + _citations(sources, text)
            if notes:
                block["annotations"] = notes
            steps.append({"type": "model_output", "content": [block]})
        elif "thought" in item:
            thought: Step = {"type": "thought", "signature": item.get("signature", ids.signature())}
            if item["thought"]:
                thought["summary"] = [{"type": "text", "text": str(item["thought"])}]
            steps.append(thought)
        elif "function_call" in item:
            call = item["function_call"]
            if not isinstance(call, dict) or not call.get("name"):
                raise ValueError('a function_call step needs {"name": ..., "arguments": {...}}')
            steps.append(
                {
                    "type": "function_call",
                    "id": call.get("id") or ids.call("fc"),
                    "name": call["name"],
                    "arguments": call.get("arguments", {}),
                }
            )
        elif "google_search" in item:
            spec = item["google_search"]
            call_id = spec.get("id") or ids.call("gs")
            queries = list(spec.get("queries", []))
            pending_sources = list(spec.get("sources", []))
            steps.append(
                {
                    "type": "google_search_call",
                    "id": call_id,
                    "arguments": {"queries": queries},
                    "signature": ids.signature(),
                }
            )
            steps.append(
                {
                    "type": "google_search_result",
                    "call_id": call_id,
                    "result": [{"search_suggestions": search_chip(queries)}],
                    "signature": ids.signature(),
                }
            )
        elif "code_execution" in item:
            spec = item["code_execution"]
            call_id = spec.get("id") or ids.call("ce")
            arguments = {"language": spec.get("language", "python"), "code": spec.get("code", "")}
            steps.append({"type": "code_execution_call", "id": call_id, "arguments": arguments})
            steps.append(
                {
                    "type": "code_execution_result",
                    "call_id": call_id,
                    "result": str(spec.get("output", "")),
                    "is_error": bool(spec.get("is_error", False)),
                }
            )
        elif "url_context" in item:
            spec = item["url_context"]
            call_id = spec.get("id") or ids.call("uc")
            urls = list(spec.get("urls", []))
            status = spec.get("status", "success")
            steps.append({"type": "url_context_call", "id": call_id, "arguments": {"urls": urls}})
            steps.append(
                {
                    "type": "url_context_result",
                    "call_id": call_id,
                    "result": [{"url": u, "status": status} for u in urls],
                }
            )
        elif any(kind in item for kind in ("image", "audio", "video", "document")):
            steps.append({"type": "model_output", "content": _media_blocks(item)})
        else:
            raise ValueError(f"fixture step not understood: {json.dumps(item)[:120]}")
    return steps, hints


class FixtureSet:
    """A responder over fixtures, first match in file order wins."""

    def __init__(self, fixtures: list[Fixture], ids: IdFactory) -> None:
        self.fixtures = fixtures
        self._ids = ids
        # The HTTP face answers requests in worker threads: a fixture with ``times`` must not
        # be used twice by two requests matching at once.
        self._lock = threading.Lock()

    def respond(self, turn: TurnRequest) -> Reply | None:
        with self._lock:
            for fixture in self.fixtures:
                if fixture.matches(turn):
                    return fixture.reply(self._ids)
        return None


def parse_fixtures(data: Any) -> list[Fixture]:
    items = data.get("fixtures", []) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError("a fixture file holds a list, or an object with a 'fixtures' list")
    return [Fixture.from_dict(item) for item in items]


def load_fixtures(path: str | Path) -> list[Fixture]:
    """Fixtures from a JSON file (or YAML, when the name ends in .yaml/.yml and PyYAML exists)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".yaml", ".yml"):
            import yaml  # type: ignore[import-untyped]

            return parse_fixtures(yaml.safe_load(text))
        return parse_fixtures(json.loads(text))
    except OSError as error:
        raise ValueError(f"cannot read fixture file {path}: {error.strerror or error}") from None
    except ValueError as error:
        raise ValueError(f"fixture file {path}: {error}") from None
    except Exception as error:  # a YAML syntax error, a fixture that is not an object, ...
        raise ValueError(f"fixture file {path}: {type(error).__name__}: {error}") from None
