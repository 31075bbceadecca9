"""The offline model's agentic tools: an MCP call, file search, Google Maps, sandboxes.

Each tool the request declares runs "on the server" before the answer, as the real service runs
its built-in tools: a call step, a result step, a line in the answer saying what was simulated,
and a citation on that line where the real tool cites (file search cites files, Maps cites
places). Everything is made up and says so; nothing leaves the process.

Sandboxes (``environment``) are a dict from environment id to the files written there: a turn
that names a sandbox lists what is in it and writes one more file, so a chain that continues in
the same environment shows the files of its earlier turns.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from ._errors import ErrorReply
from ._ids import IdFactory
from ._reply import Step, TurnRequest


@dataclass
class Simulated:
    """What the agentic tools of one turn did."""

    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    citations: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(a line of ``notes``, the annotation citing it without its indices)."""


def _slug(text: str) -> str:
    return re.sub(r"\W+", "-", text.lower()).strip("-")[:40] or "offline"


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def simulate_tools(ids: IdFactory, turn: TurnRequest, subject: str) -> Simulated:
    """The call and result steps of every MCP server, file search and Google Maps tool."""
    out = Simulated()
    for tool in turn.tools:
        kind = tool.get("type")
        if kind == "mcp_server":
            _mcp(ids, tool, subject, out)
        elif kind == "file_search":
            _file_search(ids, tool, subject, out)
        elif kind == "google_maps":
            _maps(ids, tool, subject, out)
    return out


def _mcp(ids: IdFactory, tool: dict[str, Any], subject: str, out: Simulated) -> None:
    server = str(tool.get("name") or "mcp")
    allowed = tool.get("allowed_tools") or []
    names = [n for entry in allowed if isinstance(entry, dict) for n in entry.get("tools") or []]
    name = str(names[0]) if names else "search"
    call_id = ids.call("mcp")
    arguments = {"query": subject}
    result = (
        f"(offline) {server}.{name} would answer about {subject} here; no MCP server was "
        f"contacted (it lives at {tool.get('url', '?')})."
    )
    out.steps += [
        {
            "type": "mcp_server_tool_call",
            "id": call_id,
            "name": name,
            "server_name": server,
            "arguments": arguments,
        },
        {
            "type": "mcp_server_tool_result",
            "call_id": call_id,
            "name": name,
            "server_name": server,
            "result": [{"type": "text", "text": result}],
        },
    ]
    out.notes.append(
        f"Simulated a call of the MCP tool {_code(name)} on server {_code(server)} "
        "(no MCP server was contacted)."
    )


def _file_search(ids: IdFactory, tool: dict[str, Any], subject: str, out: Simulated) -> None:
    stores = [str(s) for s in tool.get("file_search_store_names") or []] or ["(no store)"]
    call_id = ids.call("fs")
    out.steps += [
        {"type": "file_search_call", "id": call_id, "signature": ids.signature()},
        {"type": "file_search_result", "call_id": call_id, "signature": ids.signature()},
    ]
    out.notes.append(f"Simulated file search in {', '.join(_code(s) for s in stores)}:")
    for n, store in enumerate(stores[:3], start=1):
        file_name = f"{_slug(subject)}-notes-{n}.pdf"
        line = f"- A made-up passage about {subject} from {file_name}."
        out.notes.append(line)
        out.citations.append(
            (
                line,
                {
                    "type": "file_citation",
                    "file_name": file_name,
                    "document_uri": f"{store}/documents/{_slug(subject)}-{n}",
                    "source": store,
                    "page_number": n,
                },
            )
        )


def _maps(ids: IdFactory, tool: dict[str, Any], subject: str, out: Simulated) -> None:
    call_id = ids.call("gm")
    near = ""
    if "latitude" in tool and "longitude" in tool:
        near = f" near {tool['latitude']}, {tool['longitude']}"
    places = [
        {
            "name": f"Offline Place {n} ({subject})",
            "place_id": f"offline-place-{_slug(subject)}-{n}",
            "url": f"https://maps.example.com/offline/{_slug(subject)}/{n}",
            "review_snippets": [
                {
                    "title": f"A made-up review of place {n}",
                    "url": f"https://maps.example.com/offline/{_slug(subject)}/{n}/reviews",
                    "review_id": f"offline-review-{n}",
                }
            ],
        }
        for n in (1, 2)
    ]
    out.steps += [
        {
            "type": "google_maps_call",
            "id": call_id,
            "arguments": {"queries": [f"{subject}{near}"]},
            "signature": ids.signature(),
        },
        {
            "type": "google_maps_result",
            "call_id": call_id,
            "result": [{"places": places}],
            "signature": ids.signature(),
        },
    ]
    out.notes.append(f"Simulated a Google Maps search for {_code(subject + near)}:")
    for place in places:
        line = f"- {place['name']}: a made-up place, not on any map."
        out.notes.append(line)
        out.citations.append(
            (
                line,
                {
                    "type": "place_citation",
                    "name": place["name"],
                    "place_id": place["place_id"],
                    "url": place["url"],
                },
            )
        )


def cite(text: str, citations: list[tuple[str, dict[str, Any]]]) -> list[Step]:
    """Each citation placed on its line of ``text`` (indices in UTF-8 bytes, as Google's are;
    the line's "- " left out)."""
    data = text.encode()
    notes: list[Step] = []
    for line, note in citations:
        at = data.find(line.encode())
        if at < 0:
            continue
        skip = 2 if line.startswith("- ") else 0
        notes.append({**note, "start_index": at + skip, "end_index": at + len(line.encode())})
    return notes


class Sandboxes:
    """The environments of one server: id → the files the turns in it wrote."""

    def __init__(self, ids: IdFactory) -> None:
        self.ids = ids
        self._files: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def enter(self, environment: Any) -> str | None:
        """The environment id a request works in (a new one for a spec without an id); an
        unknown id is a 404, as the real service answers for an environment it does not have."""
        if environment is None:
            return None
        wanted = environment if isinstance(environment, str) else environment.get("environment_id")
        with self._lock:
            if wanted:
                if wanted not in self._files:
                    raise ErrorReply(
                        404,
                        f"Environment {wanted!r} was not found on this server (an offline "
                        "server keeps its environments only while it runs).",
                        status="NOT_FOUND",
                    )
                return str(wanted)
            new = f"env_{self.ids.call('sandbox')}"
            self._files[new] = []
            return new

    def write(self, environment_id: str, name: str) -> list[str]:
        """Add a file; the files now there, oldest first."""
        with self._lock:
            files = self._files.setdefault(environment_id, [])
            if name not in files:
                files.append(name)
            return list(files)
