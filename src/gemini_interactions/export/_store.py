"""Chains to a JSON file and back: every turn (requests, interactions, tool runs), the
branches (each turn's parent), the heads and the numbering, so a kernel restart loses nothing.

A file is read and checked whole before anything is built: a file from a newer version, or a
broken one, raises ``ChainFileError`` and nothing is loaded half-way. Writes are atomic (a temp
file in the same folder, then ``os.replace``): a crash mid-write leaves the previous copy.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
import time
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .. import __version__
from ..api import Interaction
from ..chain import Chain, StepTime, ToolRun, Turn
from ._secrets import scrub_text
from ._sources import UNRECOVERED, SourceText, source_of, used_objects

FORMAT = "gemini-interactions.chains"
MAX_FILE_BYTES = 2**30
"""The largest chains file read (a 200 MB one, 1,000 turns with tools, loads in seconds)."""
VERSION = 1


class CredentialWarning(UserWarning):
    """A constant a tool uses looked like a credential: the file reads it from the
    environment instead of holding its value."""


class ChainFileError(ValueError):
    """A chains file that cannot be loaded (newer version, broken, not one); nothing loaded."""


def chains_to_dict(chains: Iterable[Chain], current: str | None = None) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "package_version": __version__,
        "saved": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "current": current,
        "chains": [_chain_dict(c) for c in chains],
    }


def _chain_dict(chain: Chain) -> dict[str, Any]:
    head = chain.head
    plain, named = _split_defaults(chain.defaults)
    return {
        "name": chain.name,
        "head": head.number if head is not None else None,
        "head_id": chain.head_id,
        "defaults": plain,
        "defaults_by_name": named,
        "turns": [_turn_dict(t) for t in chain.turns],
    }


def _split_defaults(defaults: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the defaults JSON can hold, the names of the Python objects among them: tools, schema)."""
    plain: dict[str, Any] = {}
    named: dict[str, Any] = {}
    for key, value in defaults.items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            pass
        else:
            plain[key] = value
            continue
        if isinstance(value, (list, tuple)):
            named[key] = [_name_of(v) for v in value]
        else:
            named[key] = _name_of(value)
    return plain, named


def _name_of(value: Any) -> str:
    return str(getattr(value, "__name__", None) or getattr(value, "name", None) or repr(value)[:60])


def _turn_dict(turn: Turn) -> dict[str, Any]:
    data = turn.to_dict()
    data["started_at"] = turn.started_at
    data["ended_at"] = turn.ended_at
    sources = {}
    used = used_objects([turn])
    for name, value in used.items():
        code, warning = source_of(name, value, used)
        if warning and "credential" in warning:
            # `%gemini save` shows it; the file holds an environment read in its place.
            warnings.warn(warning, CredentialWarning, stacklevel=2)
        if not code.startswith(UNRECOVERED):
            sources[name] = code
    data["sources"] = sources
    return data


def dumps(data: dict[str, Any]) -> str:
    return scrub_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` so a reader (or a crash) sees the old file or the new one."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """``write_atomic`` for bytes."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def save_chains(path: str | Path, chains: Iterable[Chain], current: str | None = None) -> Path:
    """Write ``chains`` to ``path`` (JSON, atomically); the path written."""
    write_atomic(path, dumps(chains_to_dict(chains, current)) + "\n")
    return Path(path)


def read_chains_file(path: str | Path) -> dict[str, Any]:
    """The checked contents of a chains file, or ``ChainFileError`` saying what is wrong."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            raise ChainFileError(
                f"{path} is {size / 2**30:.1f} GB, more than a chains file may be "
                f"({MAX_FILE_BYTES // 2**30} GB): it is not one `%gemini save` wrote. Nothing "
                "was loaded."
            )
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ChainFileError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    try:
        data = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except RecursionError:
        raise ChainFileError(
            f"{path} is not a chains file: it is nested too deeply. Nothing was loaded."
        ) from None
    except ValueError as exc:
        raise ChainFileError(
            f"{path} is not a chains file: it is not valid JSON ({exc}); it may have been cut "
            "short or edited by hand. Nothing was loaded."
        ) from None
    if _depth(data) > MAX_DEPTH:
        raise ChainFileError(
            f"{path} is not a chains file: it is nested deeper than {MAX_DEPTH} levels. "
            "Nothing was loaded."
        )
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ChainFileError(
            f"{path} is not a chains file (written by `%gemini save`): its format is "
            f"{data.get('format') if isinstance(data, dict) else type(data).__name__!r}. "
            "Nothing was loaded."
        )
    version = data.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise ChainFileError(
            f"{path} was written by a newer gemini-interactions (chains format {version!r}; "
            f"this is {__version__}, format {VERSION}). Upgrade with `pip install -U "
            "gemini-interactions` to load it. Nothing was loaded."
        )
    return data


MAX_DEPTH = 200
"""Nesting a chains file may have (a request the server takes nests 100 levels at most)."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


def _no_constant(text: str) -> float:
    raise ValueError(f"{text} is not a number JSON allows")


def _depth(data: Any) -> int:
    """How deeply ``data`` nests, found without recursion (it may be nested past the stack)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return depth
        deepest = max(deepest, depth)
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, (dict, list)))
    return deepest


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _when(value: Any) -> bool:
    """A time a turn started or ended: None, or seconds since 1970 before the year 5000."""
    return value is None or (
        isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1e11
    )


def _check(ok: bool, where: str, what: str) -> None:
    if not ok:
        raise ValueError(f"{where} {what}")


def _check_turn(data: Any, where: str, least: int = 1) -> None:
    """Every field a turn record is read by, of the type it is read as (a string of requests
    broke history, export and save with AttributeError; a parent of 1.5 broke export)."""
    _check(isinstance(data, dict), where, "is not an object")
    number = data.get("turn")
    _check(_integer(number) and number >= least, where, f"has turn number {number!r}")
    where = f"turn {number}"
    for key in ("prompt", "status"):
        _check(isinstance(data.get(key), str), where, f"has a {key} that is not text")
    for key in ("previous_interaction_id", "error", "text", "interaction_id"):
        _check(
            data.get(key) is None or isinstance(data[key], str),
            where,
            f"has a {key} that is not text",
        )
    parent = data.get("parent")
    _check(
        parent is None or (_integer(parent) and parent >= 1),
        where,
        f"has parent {parent!r}, not a turn number",
    )
    for key in ("started_at", "ended_at"):
        _check(_when(data.get(key)), where, f"has {key} {data.get(key)!r}, not a time")
    _check(
        isinstance(data.get("store", True), bool),
        where,
        "has a store flag that is not true or false",
    )
    for key, kind in (
        ("requests", dict),
        ("interactions", dict),
        ("tool_runs", dict),
        ("notices", str),
        ("items", dict),
    ):
        items = data.get(key)
        _check(
            items is None or (isinstance(items, list) and all(isinstance(i, kind) for i in items)),
            where,
            f"has {key} that are not a list of {'text' if kind is str else 'objects'}",
        )
    for run in data.get("tool_runs") or []:
        _check(isinstance(run.get("name"), str), where, "has a tool run without a name")
        _check(
            run.get("round") is None or _integer(run["round"]),
            where,
            "has a tool run whose round is not a number",
        )
        duration = run.get("duration")
        _check(_when(duration), where, f"has a tool run that took {duration!r} s")
    options = data.get("options")
    _check(
        options is None or isinstance(options, dict), where, "has options that are not an object"
    )
    for key in ("attachments", "tools"):
        value = (options or {}).get(key)
        _check(
            value is None or (isinstance(value, list) and all(isinstance(v, str) for v in value)),
            where,
            f"has {key} that are not a list of names",
        )
    sources = data.get("sources")
    _check(
        sources is None
        or (isinstance(sources, dict) and all(isinstance(v, str) for v in sources.values())),
        where,
        "has sources that are not text",
    )
    for index, item in enumerate(data.get("items") or [], 1):
        _check(not item.get("items"), where, "has --map elements with elements of their own")
        _check_turn(item, f"{where}'s element {index}", least=0)  # elements are numbered 0


def _check_file(data: dict[str, Any]) -> None:
    chains = data.get("chains")
    if not isinstance(chains, list):
        raise ValueError("the file has no list of chains")
    current = data.get("current")
    _check(
        current is None or isinstance(current, str),
        "the file",
        "names a current chain that is not text",
    )
    for chain in chains:
        _check(
            isinstance(chain, dict) and isinstance(chain.get("name"), str), "a chain", "has no name"
        )
        where = f"chain {chain['name']!r}"
        _check(isinstance(chain.get("turns"), list), where, "has no list of turns")
        head = chain.get("head")
        _check(head is None or _integer(head), where, f"has head {head!r}, not a turn number")
        for key in ("defaults", "defaults_by_name"):
            value = chain.get(key)
            _check(
                value is None or isinstance(value, dict), where, f"has {key} that are not an object"
            )
        for turn in chain["turns"]:
            _check_turn(turn, where + "'s turn")


def sources_in(chains: Iterable[Chain]) -> list[str]:
    """The names of the tools and schemas whose source a loaded file holds: code an export of
    these chains runs (``SourceText``)."""
    names: dict[str, None] = {}
    for chain in chains:
        for turn in chain.turns:
            for name, value in turn.objects.items():
                if isinstance(value, SourceText):
                    names[str(turn.options.get("schema") if name == "schema" else name)] = None
    return list(names)


def code_note(source: str, chains: Iterable[Chain]) -> str | None:
    """What a user who loads ``chains`` must know when the file holds code, in one line."""
    names = sources_in(chains)
    if not names:
        return None
    return (
        f"Note: {source} holds the source code of {', '.join(names)}; an export of these "
        "chains runs it (Run All, `gemini-interactions replay`). A chains file is code: load "
        "and export one only from someone you trust, and read those sources first."
    )


def chains_from_dict(
    data: dict[str, Any], source: str = "the file", namespace: Mapping[str, Any] | None = None
) -> list[Chain]:
    """Chains rebuilt from ``chains_to_dict`` data; ``ChainFileError`` on any broken part.
    Tools and a schema among a chain's defaults are looked up by name in ``namespace``; one
    not found there is left out, with a warning."""
    try:
        _check_file(data)
        chains = [_chain_from(item, namespace) for item in data["chains"]]
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError, RecursionError) as exc:
        raise ChainFileError(
            f"{source} is a broken chains file ({type(exc).__name__}: {exc}). Nothing was loaded."
        ) from None
    return chains


def load_chains(
    path: str | Path, namespace: Mapping[str, Any] | None = None
) -> tuple[list[Chain], str | None]:
    """The chains of a file written by ``save_chains``, and which one was current
    (``namespace``: where the tools and schema named in chains' defaults are defined)."""
    data = read_chains_file(path)
    chains = chains_from_dict(data, str(path), namespace)
    current = data.get("current")
    return chains, current if isinstance(current, str) else None


def _chain_from(item: dict[str, Any], namespace: Mapping[str, Any] | None) -> Chain:
    defaults = dict(item.get("defaults") or {})
    missing = []
    for key, names in (item.get("defaults_by_name") or {}).items():
        wanted = names if isinstance(names, list) else [names]
        found = [namespace[n] for n in wanted if namespace is not None and n in namespace]
        if len(found) != len(wanted):
            missing.append(f"{key}={names!r}")
            continue
        defaults[key] = found if isinstance(names, list) else found[0]
    if missing:
        warnings.warn(
            f"Chain {item['name']!r}'s default(s) {', '.join(missing)} name Python objects "
            "not defined here, so they were left out: define them and pass namespace=.",
            stacklevel=4,
        )
    chain = Chain(name=str(item["name"]), **defaults)
    turns = [_turn_from(t, chain.name) for t in item["turns"]]
    chain.restore(turns, item.get("head"))
    return chain


_SOURCES = frozenset({"offline", "fixtures", "cassette", "local server"})


def _turn_from(data: dict[str, Any], chain: str) -> Turn:
    turn = Turn(
        number=int(data["turn"]),
        chain=chain,
        prompt=str(data["prompt"]),
        parent=data.get("parent"),
        previous_interaction_id=data.get("previous_interaction_id"),
        options=dict(data.get("options") or {}),
        requests=list(data.get("requests") or []),
        interactions=[Interaction.model_validate(i) for i in data.get("interactions") or []],
        tool_runs=[_tool_run(r) for r in data.get("tool_runs") or []],
        status=str(data["status"]),
        error=data.get("error"),
        started_at=float(data.get("started_at") or 0.0),
        ended_at=data.get("ended_at"),
        store=bool(data.get("store", True)),
        notices=list(data.get("notices") or []),
    )
    cell = data.get("cell")
    turn.cell = cell if type(cell) is int and cell > 0 else None
    source = data.get("source")
    turn.source = source if source in _SOURCES else None
    turn.text = str(data.get("text") or "")
    turn.items = [_turn_from(item, chain) for item in data.get("items") or []]
    turn.timing = [StepTime.from_dict(span) for span in data.get("timing") or []]
    for name, code in (data.get("sources") or {}).items():
        turn.objects["schema" if name == turn.options.get("schema") else name] = SourceText(code)
    return turn


def _tool_run(data: dict[str, Any]) -> ToolRun:
    return ToolRun(
        call_id=data.get("call_id"),
        name=str(data["name"]),
        arguments=data.get("arguments"),
        round=int(data.get("round") or 1),
        result=data.get("result"),
        is_error=bool(data.get("is_error")),
        duration=float(data.get("duration") or 0.0),
    )
