"""Python callables as function tools: declarations built with pydantic, and running the calls.

The declaration of ``def f(city: str, unit: Literal["c", "f"] = "c") -> dict`` is derived from its
signature, type hints and docstring (a pydantic model is built from the parameters, so nested
models, enums, ``Literal`` and defaults all become JSON Schema the same way pydantic does it).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import json
import re
import signal
import threading
import time
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic_core import to_jsonable_python

from ..api._text import clean
from ._errors import ChainUsageError

BUILTIN_TOOLS = ("google_search", "code_execution", "url_context", "tool_search")

_ARGS_HEADER = re.compile(r"^(Args|Arguments|Parameters|Params)\s*:\s*$", re.IGNORECASE)
_OTHER_HEADER = re.compile(r"^[A-Z][A-Za-z ]*:\s*$")
_ARG_LINE = re.compile(r"^\s*\**(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_SPHINX = re.compile(r"^:param\s+(?:[\w\[\], ]+\s+)?(\w+)\s*:\s*(.*)$")


def _split_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """(description, {param: description}) from a Google- or Sphinx-style docstring."""
    if not doc:
        return "", {}
    summary: list[str] = []
    params: dict[str, str] = {}
    section = "summary"
    current: str | None = None
    arg_indent = -1
    for line in inspect.cleandoc(doc).splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        sphinx = _SPHINX.match(stripped)
        if sphinx:
            section, current = "sphinx", sphinx.group(1)
            params[current] = sphinx.group(2).strip()
        elif indent == 0 and _ARGS_HEADER.match(stripped):
            section, current, arg_indent = "args", None, -1
        elif indent == 0 and (_OTHER_HEADER.match(stripped) or stripped.startswith(":")):
            section, current = "other", None
        elif section == "summary":
            summary.append(line)
        elif section == "args" and stripped:
            match = _ARG_LINE.match(line)
            if match and (arg_indent < 0 or indent <= arg_indent):
                arg_indent = indent
                current = match.group(1)
                params[current] = match.group(2).strip()
            elif current:
                params[current] = f"{params[current]} {stripped}".strip()
        elif section == "sphinx" and stripped and current:
            params[current] = f"{params[current]} {stripped}".strip()
    return "\n".join(summary).strip(), params


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with local ``$ref``s replaced by their ``$defs`` and ``title`` noise removed.

    The API accepts a JSON Schema subset; an inlined, title-free schema is the most portable.
    A recursive model keeps its ``$defs`` (inlining it would never end).
    """
    defs = schema.get("$defs", {})

    def walk(node: Any, seen: frozenset[str], names: bool = False) -> Any:
        # ``names``: the keys of this dict are property names, not schema keywords, so a
        # property called "title" is kept.
        if isinstance(node, dict):
            ref = node.get("$ref")
            if not names and isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.rsplit("/", 1)[-1]
                if name in seen or name not in defs:
                    raise _Recursive
                merged = {**defs[name], **{k: v for k, v in node.items() if k != "$ref"}}
                return walk(merged, seen | {name})
            return {
                k: walk(v, seen, names=not names and k in _NAME_MAPS)
                for k, v in node.items()
                if names or k not in ("$defs", "title")
            }
        if isinstance(node, list):
            return [walk(v, seen) for v in node]
        return node

    try:
        result: dict[str, Any] = walk(schema, frozenset())
        return result
    except _Recursive:
        return schema


_NAME_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions"})


class _Recursive(Exception):
    pass


@dataclass
class FunctionTool:
    """A Python callable the model may call: its declaration and how to run it."""

    func: Callable[..., Any]
    name: str
    description: str
    parameters: dict[str, Any]
    arguments_model: type[BaseModel]
    defer_loading: bool | None = None
    """Declared, but loaded into the model's context only when a ``tool_search`` finds it."""
    short_description: str | None = None
    """What a ``tool_search`` sees of a deferred tool before it is loaded."""

    @property
    def declaration(self) -> dict[str, Any]:
        """The ``tools[]`` entry sent to the API."""
        decl: dict[str, Any] = {"type": "function", "name": self.name}
        if self.description:
            decl["description"] = self.description
        decl["parameters"] = self.parameters
        if self.defer_loading is not None:
            decl["defer_loading"] = self.defer_loading
        if self.short_description:
            decl["short_description"] = self.short_description
        return decl


def function_tool(
    func: Callable[..., Any],
    name: str | None = None,
    *,
    defer_loading: bool | None = None,
    short_description: str | None = None,
) -> FunctionTool:
    """The ``FunctionTool`` of a callable (a function, a bound method, an async function).

    ``defer_loading=True`` (with a ``"tool_search"`` tool) keeps it out of the model's context
    until a tool search finds it by its ``short_description``."""
    if isinstance(func, FunctionTool):
        return func
    if not callable(func) or isinstance(func, type):
        raise ChainUsageError(
            f"{name or func!r} is not a function, so it cannot be a tool. Pass a function "
            "(def or async def) whose parameters have type hints."
        )
    tool_name = name or getattr(func, "__name__", None)
    if tool_name is None and isinstance(func, functools.partial):
        tool_name = getattr(func.func, "__name__", None)
    tool_name = tool_name or type(func).__name__
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}", tool_name):
        raise ChainUsageError(f"{tool_name!r} is not a usable tool name (letters, digits, _).")
    # Where the type hints and docstring live: the wrapped function of a functools.partial,
    # the __call__ of a callable object.
    target: Any = func
    if isinstance(func, functools.partial):
        target = func.func
    elif not (inspect.isroutine(func) or inspect.isclass(func)):
        target = type(func).__call__
    try:
        signature = inspect.signature(func)
        hints = typing.get_type_hints(target, include_extras=True)
    except (TypeError, ValueError, NameError) as exc:
        raise ChainUsageError(
            f"Could not read the signature of tool {tool_name!r}: {exc}. Give it plain "
            "parameters with type hints."
        ) from None
    description, param_docs = _split_docstring(inspect.getdoc(target))
    fields: dict[str, Any] = {}
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue  # *args/**kwargs cannot be declared; the model never fills them
        if param.kind is param.POSITIONAL_ONLY:
            raise ChainUsageError(
                f"Tool {tool_name!r} has a positional-only parameter {param.name!r}; the model "
                "passes arguments by name. Remove the '/' from its signature."
            )
        annotation = hints.get(param.name)
        if annotation is None:
            # An unannotated parameter: the type of its default, else a string (what a model
            # most reliably produces).
            annotation = type(param.default) if param.default is not param.empty else str
        default = ... if param.default is param.empty else param.default
        fields[param.name] = (annotation, Field(default, description=param_docs.get(param.name)))
    try:
        model = create_model(
            f"{tool_name}_arguments",
            __config__=ConfigDict(arbitrary_types_allowed=False),
            **fields,
        )
        parameters = inline_refs(model.model_json_schema())
    except Exception as exc:  # pydantic raises several kinds for unsupported hints
        raise ChainUsageError(
            f"Tool {tool_name!r} has a parameter type pydantic cannot describe as JSON Schema "
            f"({type(exc).__name__}: {str(exc).splitlines()[0]}). Use str, int, float, bool, "
            "lists, dicts, Literal, enums or pydantic models."
        ) from None
    parameters.setdefault("type", "object")
    parameters.setdefault("properties", {})
    return FunctionTool(
        func, tool_name, description, parameters, model, defer_loading, short_description
    )


def tool_declarations(
    tools: Sequence[Any] = (),
    *,
    search: bool = False,
    code_execution: bool = False,
    url_context: bool = False,
) -> tuple[list[FunctionTool], list[dict[str, Any]]]:
    """(function tools, the ``tools[]`` list) for callables, built-in names and raw dicts."""
    functions: list[FunctionTool] = []
    declared: list[dict[str, Any]] = []
    seen: set[str] = set()
    for tool in tools:
        if isinstance(tool, BaseModel):  # a typed tool (api.McpServerTool(...), ...)
            tool = tool.model_dump(mode="json", exclude_unset=True, by_alias=True)
        if isinstance(tool, Mapping):
            if "type" not in tool:
                raise ChainUsageError(
                    f"The tool {dict(tool)!r} has no 'type'; a raw tool dict needs one "
                    "(function, google_search, code_execution, url_context, ...)."
                )
            declared.append(dict(tool))
            continue
        if isinstance(tool, str) and tool in BUILTIN_TOOLS:
            declared.append({"type": tool})
            continue
        ftool = function_tool(tool)
        if ftool.name in seen:
            raise ChainUsageError(f"Two tools are named {ftool.name!r}; tool names must differ.")
        seen.add(ftool.name)
        functions.append(ftool)
        declared.append(ftool.declaration)
    present = {d.get("type") for d in declared}
    for flag, kind in ((search, "google_search"), (code_execution, "code_execution")):
        if flag and kind not in present:
            declared.append({"type": kind})
    if url_context and "url_context" not in present:
        declared.append({"type": "url_context"})
    return functions, declared


# --- running calls ---------------------------------------------------------------------------


@dataclass
class ToolRun:
    """One function call the model asked for, and what running it gave."""

    call_id: str | None
    name: str
    arguments: Any
    round: int
    result: Any = None
    is_error: bool = False
    duration: float = 0.0
    started_at: float = field(default_factory=time.time)
    notice: str | None = None
    """What had to change in the result to send it (lone surrogates, NaN, cut), in one line."""
    size: int | None = None
    """How many characters the result had when it was cut to what was sent (None: not cut)."""

    def result_step(self) -> dict[str, Any]:
        """The ``function_result`` step that answers this call."""
        step: dict[str, Any] = {"type": "function_result", "name": self.name, "result": self.result}
        if self.call_id is not None:
            step["call_id"] = self.call_id
        if self.is_error:
            step["is_error"] = True
        return step

    def to_dict(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "name": self.name,
            "arguments": to_jsonable_python(self.arguments, fallback=repr),
            "result": self.result,
            "is_error": self.is_error,
            "duration": self.duration,
            "round": self.round,
        }


DEFAULT_TOOL_TIMEOUT = 300.0
"""Seconds one tool call may take (``tool_timeout``); generous: a slow web request fits."""
DEFAULT_RESULT_CHARS = 100_000
"""Characters of one tool result sent to the model (``tool_result_chars``), about 25k tokens."""

_running = threading.local()


def running_tool() -> str | None:
    """The tool this thread is running now, if any (a turn sent from inside a tool would move
    its own chain's head and numbering mid-turn, so ``send`` refuses it)."""
    name: str | None = getattr(_running, "name", None)
    return name


class _Expired(BaseException):
    """A tool's time is up. A ``BaseException``, so a tool's own ``except Exception`` cannot
    swallow it and go on running."""


def _call_with_alarm(func: Callable[..., Any], kwargs: dict[str, Any], timeout: float) -> Any:
    """``func(**kwargs)`` on this (the main) thread, stopped by SIGALRM after ``timeout``
    seconds. A timer someone else set (pytest-timeout) still fires when it would have, and
    is put back afterwards with the time it had left."""
    started = time.monotonic()
    old_handler = signal.getsignal(signal.SIGALRM)
    old_delay, old_interval = signal.getitimer(signal.ITIMER_REAL)
    theirs_first = 0.0 < old_delay <= timeout
    fired: list[bool] = []

    def expired(signum: int, frame: Any) -> None:
        fired.append(True)
        if theirs_first and callable(old_handler):
            old_handler(signum, frame)
        raise _Expired

    signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, old_delay if theirs_first else timeout)
    try:
        return func(**kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay and not (fired and theirs_first):
            left = old_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), old_interval)


def _call_sync(func: Callable[..., Any], kwargs: dict[str, Any], timeout: float | None) -> Any:
    if not timeout:
        return func(**kwargs)
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        return _call_with_alarm(func, kwargs, timeout)
    # Off the main thread no signal can stop it: the call is left to finish on its own thread
    # and its result is dropped.
    box: dict[str, Any] = {}
    name = running_tool()

    def target() -> None:
        _running.name = name
        try:
            box["value"] = func(**kwargs)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="gemini-tool", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise _Expired
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _run_coroutine(coro: Any, timeout: float | None = None, name: str | None = None) -> Any:
    """Await ``coro`` from sync code, even inside a running loop (a Jupyter kernel has one):
    on a thread of its own, with its own loop. ``timeout`` or an interrupt cancels it there
    (a coroutine left running wrote its files after the cell said "Interrupted"), and the
    thread ends before this returns."""
    box: dict[str, Any] = {}
    ready = threading.Event()

    async def main() -> Any:
        box["loop"], box["task"] = asyncio.get_running_loop(), asyncio.current_task()
        ready.set()
        try:
            return await asyncio.wait_for(coro, timeout) if timeout else await coro
        except TimeoutError:
            raise _Expired from None

    def target() -> None:
        _running.name = name
        try:
            box["value"] = asyncio.run(main())
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc
        finally:
            ready.set()

    thread = threading.Thread(target=target, name="gemini-tool", daemon=True)
    thread.start()
    try:
        thread.join()
    except KeyboardInterrupt:
        ready.wait(1.0)
        loop, task = box.get("loop"), box.get("task")
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(task.cancel)
        thread.join(5.0)  # a coroutine that ignores cancellation is not waited for forever
        raise
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _wire_result(value: Any) -> Any:
    """A tool's return value as a ``function_result.result`` (a string or a JSON object).

    Lists and scalars are wrapped in ``{"result": ...}``: a bare list would read as content blocks.
    """
    if isinstance(value, str):
        return value
    data = to_jsonable_python(value, fallback=repr)
    return data if isinstance(data, dict) else {"result": data}


def _strict(run: ToolRun) -> None:
    """The result as strict JSON in valid text (the API refuses NaN; UTF-8 has no surrogates)."""
    cleaned = clean(run.result)
    run.result = cleaned.value
    _add_notice(run, cleaned.notice(f"the result of tool {run.name!r}"))


def _add_notice(run: ToolRun, notice: str | None) -> None:
    if notice:
        run.notice = f"{run.notice} {notice}" if run.notice else notice


def _capped(run: ToolRun, cap: int | None) -> None:
    """At most ``cap`` characters of the result are kept and sent, with a notice: a 50 MB
    result went whole into the card, the saved notebook and the request."""
    if not cap:
        return
    text = run.result if isinstance(run.result, str) else None
    if text is None:
        text = json.dumps(run.result, ensure_ascii=False, default=repr)
    if len(text) <= cap:
        return
    run.size = len(text)
    run.result = (
        f"{text[:cap]}\n[… cut: the result was {len(text):,} characters; the first {cap:,} "
        "were sent]"
    )
    _add_notice(
        run,
        f"The result of tool {run.name!r} was {len(text):,} characters; only the first "
        f"{cap:,} were sent to the model (raise the limit with --tool-result-chars).",
    )


def _scrubbed(run: ToolRun, redact: Callable[[str], str] | None) -> None:
    """No API key in a result or an error (an httpx error names its URL, ``?key=`` included):
    it would be shown in the card, saved in the notebook and sent to the model."""
    if redact is None:
        return
    if isinstance(run.result, str):
        run.result = redact(run.result)
        return
    text = json.dumps(run.result, ensure_ascii=False)
    clean_text = redact(text)
    if clean_text != text:
        try:
            run.result = json.loads(clean_text)
        except ValueError:
            run.result = clean_text


def _arguments(call: Any) -> Any:
    args = getattr(call, "arguments", None)
    return {} if args is None else args


def run_call(
    call: Any,
    tools: Mapping[str, FunctionTool],
    round_: int,
    *,
    timeout: float | None = None,
    cap: int | None = None,
    redact: Callable[[str], str] | None = None,
) -> ToolRun:
    """Run one ``function_call`` step; a failure becomes an ``is_error`` result, never a raise.

    ``timeout``: seconds the call may take (sync and async tools alike); ``cap``: characters
    of its result kept and sent; ``redact``: removes credentials from the result or error."""
    name = str(getattr(call, "name", "") or "")
    run = ToolRun(getattr(call, "id", None), name, _arguments(call), round_)
    started = time.perf_counter()
    try:
        tool = tools.get(name)
        if tool is None:
            known = ", ".join(sorted(tools)) or "none"
            raise LookupError(f"No tool named {name!r} was declared (declared: {known}).")
        if not isinstance(run.arguments, dict):
            raise ValueError(f"Arguments are not a JSON object: {run.arguments!r}")
        try:
            parsed = tool.arguments_model.model_validate(run.arguments)
        except ValidationError as exc:
            raise ValueError(f"Invalid arguments for {name}: {exc}") from None
        kwargs = {k: getattr(parsed, k) for k in type(parsed).model_fields}
        outer, _running.name = getattr(_running, "name", None), name
        try:
            if inspect.iscoroutinefunction(tool.func):
                value = _run_coroutine(tool.func(**kwargs), timeout, name)
            else:
                value = _call_sync(tool.func, kwargs, timeout)
                if inspect.isawaitable(value):
                    value = _run_coroutine(value, timeout, name)
        finally:
            _running.name = outer
        run.result = _wire_result(value)
    except KeyboardInterrupt:
        raise
    except _Expired:
        run.result = (
            f"TimeoutError: tool {name!r} did not finish within {timeout:g} s and was stopped "
            "(the limit is --tool-timeout or GeminiMagics.tool_timeout)."
        )
        run.is_error = True
    except (Exception, SystemExit) as exc:
        # A tool calling sys.exit() must not end the kernel's cell mid-turn: it is a failed tool.
        run.result = f"{type(exc).__name__}: {exc}"
        run.is_error = True
    _capped(run, cap)
    _scrubbed(run, redact)
    _strict(run)
    run.duration = time.perf_counter() - started
    return run
