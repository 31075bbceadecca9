"""The options of a ``%%gemini`` cell, each declared once: its type, default, spelling, help
and bounds in one ``option(...)`` field of ``CellOptions``.

The parser of the cell's first line (argparse), the help (``%%gemini?``, the README reference,
the magic's docstring) and the checks are all made from these fields, so an option added here is
parsed, checked and documented at once. A mistake is a ``ChainUsageError`` worded as one
paragraph. ``%load_ext`` imports this module (the magic's docstring lists the options), so it is
a plain dataclass: pydantic, which checks the values, loads on the first cell.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import inspect
import keyword
import shlex
import typing
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar, get_args, get_origin


def option(default: Any, help: str, *flags: str, metavar: str | None = None, **bounds: Any) -> Any:
    """A cell option: ``flags`` (default: ``--`` and the field's name with dashes), the
    ``metavar`` its help shows, and the ``bounds`` pydantic checks (``ge``, ``le``, ...)."""
    meta = {"help": help, "flags": list(flags), "metavar": metavar, "bounds": bounds}
    if isinstance(default, list):
        return dataclasses.field(default_factory=list, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True)
class CellOptions:
    """Everything after ``%%gemini`` on the first line of a cell, in the order help lists it."""

    continue_: bool = option(
        False,
        "continue the chain's head, its last completed turn (previous_interaction_id)",
        "-c",
        "--continue",
    )
    chain: str | None = option(
        None,
        "this cell's turn goes to chain NAME (created if new); `%gemini use` switches",
        metavar="NAME",
    )
    from_turn: int | None = option(
        None,
        "continue from turn N of the chain, any conversation (negative: from the end)",
        "--from",
        metavar="N",
    )
    model: str | None = option(
        None, "the model (default: GeminiMagics.model)", "-m", "--model", metavar="MODEL"
    )
    agent: str | None = option(
        None, "an agent instead of a model (runs in the background)", metavar="AGENT"
    )
    system: str | None = option(None, "the system instruction", "-s", "--system", metavar="SYSTEM")
    thinking: str | None = option(None, "minimal, low, medium, high or xhigh", metavar="LEVEL")
    thoughts: bool = option(False, "ask for thought summaries")
    temperature: float | None = option(
        None, "sampling temperature, 0 to 2", metavar="TEMPERATURE", ge=0.0, le=2.0
    )
    max_output_tokens: int | None = option(None, "cap the answer's length", metavar="N", ge=1)
    no_store: bool = option(False, "do not store the turn on the server (it cannot be continued)")
    tools: list[str] = option(
        [], "notebook functions offered as tools; the magic runs the calls", metavar="A,B"
    )
    max_tool_rounds: int | None = option(
        None, "tool round trips at most (10)", metavar="N", ge=0, le=100
    )
    tool_timeout: float | None = option(
        None,
        "seconds one tool call may take before it is stopped (300; 0: no limit)",
        metavar="S",
        ge=0,
        allow_inf_nan=False,
    )
    tool_result_chars: int | None = option(
        None,
        "characters of a tool result sent to the model, the rest cut (100000; 0: all)",
        metavar="N",
        ge=0,
    )
    search: bool = option(False, "add the Google Search tool")
    code_execution: bool = option(False, "add the code execution tool")
    url_context: bool = option(False, "add the URL context tool")
    schema_name: str | None = option(
        None,
        "a pydantic model, TypedDict or JSON-schema dict: answer parsed into it",
        "--schema",
        metavar="NAME",
    )
    attach: list[str] = option(
        [], "a file path or a variable (bytes, path, PIL image); repeatable", metavar="X"
    )
    out: str | None = option(
        None,
        "store the result in VAR (the last one is always in _gemini)",
        "-o",
        "--out",
        metavar="VAR",
    )
    background: bool = option(
        False, "return at once with a status display; %gemini wait shows the result"
    )
    no_stream: bool = option(False, "wait for the whole answer")
    dry_run: bool = option(
        False, "print the exact request JSON (credentials redacted) and send nothing"
    )
    raw: bool = option(False, "no {name} interpolation in the prompt")
    map: str | None = option(
        None,
        "run the prompt once per element of list/Series/DataFrame NAME ({item}, {i})",
        metavar="NAME",
    )
    concurrency: int = option(4, "--map: in flight (4)", metavar="N", ge=1, le=256)
    rpm: float | None = option(
        None, "--map: at most N requests a minute", metavar="N", gt=0, allow_inf_nan=False
    )
    retry_failed: bool = option(
        False, "--map: send only the elements that failed before (not the missing ones)"
    )
    fresh: bool = option(
        False, "--map: send every element again, ignoring the run store's finished ones"
    )
    max_total_tokens: int | None = option(
        None,
        "--map: stop before the run's tokens would pass N (finished elements are kept)",
        metavar="N",
        ge=1,
    )
    max_cost: float | None = option(
        None,
        "--map: stop before the run's estimated cost would pass USD (see %gemini runs)",
        metavar="USD",
        gt=0,
        allow_inf_nan=False,
    )
    service_tier: str | None = option(None, "flex, standard or priority", metavar="TIER")
    context: list[str] = option(
        [],
        "send a compact description of these variables (shape, types, head) too",
        metavar="A,B",
    )
    context_chars: int = option(4000, "--context budget", metavar="N", ge=100)
    # The agentic flags, as typed; ``_flags`` looks names up and reads JSON.
    mcp: list[str] = option(
        [],
        "a remote MCP server (repeatable); NAME=VAR or NAME=JSON for a dict with url, headers "
        '(a token as {"env": "VARIABLE"}) and allowed_tools; NAME alone: from %config '
        "GeminiMagics.mcp_servers",
        metavar="NAME=URL",
    )
    file_search: str | None = option(
        None,
        "file search over these stores (or VAR: a dict with stores, top_k, metadata_filter)",
        metavar="STORE[,STORE]",
    )
    maps: bool = option(False, "add the Google Maps tool")
    tool: list[str] = option(
        [],
        "any tool object as the API takes it (repeatable): retrieval, computer use",
        metavar="JSON|VAR",
    )
    config: str | None = option(
        None,
        "a dict deep-merged into the request after the flags (seed, top_p, stop_sequences, "
        "tool_choice, safety_settings, labels, ...)",
        metavar="JSON|VAR",
    )
    format: str | None = option(
        None, "the answer's medium: text, image, audio or video", metavar="KIND"
    )
    plan: bool = option(
        False, 'Deep Research answers with a plan first; `%%gemini -c` "go ahead" runs it'
    )
    visualize: bool = option(False, "Deep Research draws charts (they come back as images)")
    environment: str | None = option(
        None,
        "the sandbox a managed agent works in: an environment id, or a dict (sources, "
        "network, env); --continue reuses the turn's",
        metavar="ID|VAR",
    )


def _one_of(*allowed: str, hint: str = "") -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is not None and value not in allowed:
            words = ", ".join(allowed[:-1]) + f" or {allowed[-1]}"
            raise ValueError(f"use {words}{hint}")
        return value

    return check


def _names(value: list[str]) -> list[str]:
    return [n.strip() for item in value for n in item.split(",") if n.strip()]


def _tool_names(value: list[str]) -> list[str]:
    names = [n.strip() for item in value for n in item.split(",")]
    if any(not n for n in names):
        raise ValueError("give tool names separated by commas, like --tools get_weather,add")
    return names


def _identifier(value: str | None) -> str | None:
    if value is not None and (not value.isidentifier() or keyword.iskeyword(value)):
        raise ValueError(f"{value!r} is not a valid Python variable name")
    return value


def _not_zero(value: int | None) -> int | None:
    if value == 0:
        raise ValueError("turns are numbered from 1 (or -1 for the last one)")
    return value


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "format": _one_of(
        "text",
        "image",
        "audio",
        "video",
        hint=" (an image's aspect ratio and size go in "
        '--config \'{"response_format": {"aspect_ratio": "16:9"}}\')',
    ),
    "service_tier": _one_of("flex", "standard", "priority"),
    "context": _names,
    "tools": _tool_names,
    "out": _identifier,
    "from_turn": _not_zero,
}
"""What a value must also be, beyond its type and bounds (a ``ValueError`` says why)."""


# --- what the declarations give ---------------------------------------------------------------

_FIELDS = {f.name: f for f in dataclasses.fields(CellOptions)}


def flags(name: str) -> list[str]:
    """How option ``name`` (a field of ``CellOptions``) is typed: ``["-c", "--continue"]``."""
    given: list[str] = _FIELDS[name].metadata["flags"]
    return list(given) or ["--" + name.rstrip("_").replace("_", "-")]


def _metavar(name: str) -> str | None:
    value: str | None = _FIELDS[name].metadata["metavar"]
    return value


def option_rows() -> list[tuple[list[str], str]]:
    """Every option as its help table shows it: what is typed (each spelling), what it does."""
    rows = []
    for name, field in _FIELDS.items():
        typed, metavar = flags(name), _metavar(name)
        if metavar is not None:
            typed[-1] = f"{typed[-1]} {metavar}"
        rows.append((typed, str(field.metadata["help"])))
    return rows


class _Complaint(Exception):
    """argparse's complaint about the line (its own wording), before it is a paragraph."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would print and exit the kernel
        raise _Complaint(message)


@cache
def _types() -> dict[str, Any]:
    return typing.get_type_hints(CellOptions)


@cache
def parser() -> argparse.ArgumentParser:
    """The first line's parser, made from ``CellOptions`` (built once)."""
    made = _Parser(prog="%%gemini", add_help=False)
    for name, field in _FIELDS.items():
        kind = _types()[name]
        kwargs: dict[str, Any] = {"dest": name, "default": None}
        kwargs["help"] = str(field.metadata["help"]).replace("%", "%%")
        base = next((a for a in get_args(kind) if a is not type(None)), kind)
        if kind is bool:
            kwargs.update(action="store_true")
        elif get_origin(kind) is list:
            kwargs.update(action="append", metavar=_metavar(name))
        else:
            kwargs.update(metavar=_metavar(name), type=base if base in (int, float) else str)
        made.add_argument(*flags(name), **kwargs)
    return made


F = TypeVar("F", bound=Callable[..., Any])


def docstring(magic: F) -> F:
    """``magic`` with its usage line and every option around its docstring (as IPython's
    ``magic_arguments`` writes it: what ``help()`` and a frontend without our help show)."""
    usage = parser().format_usage().removeprefix("usage: ")
    options = parser().format_help().partition("\n\n")[2]
    summary = inspect.cleandoc(magic.__doc__ or "")
    magic.__doc__ = f"::\n\n  {usage}\n{summary}\n\n{options}"
    return magic


@cache
def _validator() -> Any:
    """The pydantic model that checks types and bounds (made on the first cell)."""
    from pydantic import ConfigDict, Field, create_model

    made: dict[str, Any] = {}
    for name, field in _FIELDS.items():
        default: Any = ... if field.default is dataclasses.MISSING else field.default
        factory = None if field.default_factory is dataclasses.MISSING else field.default_factory
        spec = Field(default_factory=factory) if factory else Field(default)
        bounds = dict(field.metadata["bounds"])
        if bounds:
            spec = Field(default_factory=factory, **bounds) if factory else Field(default, **bounds)
        made[name] = (_types()[name], spec)
    return create_model("CellOptions", __config__=ConfigDict(extra="forbid"), **made)


def parse_options(line: str) -> CellOptions:
    """The options of a cell whose first line is ``%%gemini LINE``, checked; a mistake is one
    paragraph (with the closest option for a mistyped one)."""
    from pydantic import ValidationError

    from ..chain import ChainUsageError  # the chain loads on the first cell, not at %load_ext

    try:
        parsed = parser().parse_args(shlex.split(line))
    except (ValueError, _Complaint) as exc:  # an open quote, or argparse's complaint
        said = str(exc) if isinstance(exc, _Complaint) else f"Cannot read the options: {exc}"
        message = said.strip().rstrip(".") + "."
        hint = _suggest(message) or " See %%gemini? for every option."
        raise ChainUsageError(message + hint) from None
    given = {key: value for key, value in vars(parsed).items() if value is not None}
    field = ""
    try:
        values = _validator().model_validate(given).model_dump()
        for field, check in _CHECKS.items():
            values[field] = check(values[field])
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        message = str(error["msg"]).removeprefix("Value error, ")
    except ValueError as exc:
        message = str(exc)
    else:
        return CellOptions(**values)
    flag = flags(field)[-1] if field in _FIELDS else field
    raise ChainUsageError(f"Bad value for {flag}: {message}.") from None


def did_you_mean(word: str, choices: Any) -> str:
    """`` Did you mean `--thoughts`?`` for a close match, else an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Did you mean `{close[0]}`?" if close else ""


def _suggest(message: str) -> str:
    """argparse's "unrecognized arguments: --thoughs" with the closest option named."""
    _, found, rest = message.partition("unrecognized arguments: ")
    every = [flag for name in _FIELDS for flag in flags(name)]
    hints = [did_you_mean(w.split("=")[0], every) for w in rest.split() if found and w[:1] == "-"]
    return next(filter(None, hints), "")
