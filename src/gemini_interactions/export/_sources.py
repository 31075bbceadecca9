"""The source of the functions and classes a chain used (tools, schemas), for the export."""

from __future__ import annotations

import ast
import builtins
import inspect
import linecache
import os
import re
import sys
import textwrap
import types
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..chain import Turn


def used_objects(
    turns: Iterable[Turn], namespace: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Name -> object (None: unknown) for every tool and schema of ``turns``, first use first."""
    found: dict[str, Any] = {}
    for turn in turns:
        names = [str(n) for n in turn.options.get("tools") or []]
        schema = turn.options.get("schema")
        for name in names:
            value = turn.objects.get(name)
            if value is None and namespace is not None:
                value = namespace.get(name)
            found.setdefault(name, value)
        if schema:
            value = turn.objects.get("schema")
            if value is None and namespace is not None:
                value = namespace.get(str(schema))
            found.setdefault(str(schema), value)
    return found


UNRECOVERED = "# TODO: define"
"""How the comment standing in for a source that could not be recovered starts."""


class SourceText(str):
    """Source kept in a chains file for an object a loaded turn no longer has."""


def source_of(name: str, value: Any, provided: Iterable[str] = ()) -> tuple[str, str | None]:
    """(code, warning): the object's source, or a comment saying it could not be recovered
    (``provided``: names the export defines itself, not copied in as helpers).

    The code first defines what the object needs from its notebook: the modules and imported
    names it uses (as ``import`` lines), small constants, and the notebook's own helper
    functions and classes it calls, so it runs in a fresh kernel (an exported tool that used
    ``math`` from another cell failed there)."""
    if isinstance(value, SourceText):
        return str(value), None
    if value is not None and not isinstance(value, dict):
        own = _own_source(value)
        if own is not None:
            return _with_needs(name, value, own, frozenset(provided))
    if isinstance(value, dict):
        # A JSON-schema dict is its own source.
        import json

        return f"{name} = {json.dumps(value, indent=2, ensure_ascii=False)}\n", None
    why = "it is not known here" if value is None else "Python cannot find its source"
    warning = (
        f"The source of {name!r} could not be recovered ({why}); the export has a comment in "
        f"its place: define {name} there before running the notebook."
    )
    return (
        f"{UNRECOVERED} {name} here: its source could not be recovered at export ({why}).\n",
        warning,
    )


def _own_source(value: Any) -> str | None:
    try:
        return textwrap.dedent(inspect.getsource(value)).rstrip() + "\n"
    except (OSError, TypeError):
        return _cell_class_source(value) or _pydantic_source(value)


def _cell_class_source(value: Any) -> str | None:
    """A class typed in a notebook cell: Python 3.11 cannot find its source, but IPython keeps
    every cell's text in ``linecache``; the newest cell defining a class of that name with the
    same fields is taken (a class has no code object pointing at its cell, unlike a function)."""
    if not isinstance(value, type) or value.__module__ != "__main__":
        return None
    fields = set(getattr(value, "model_fields", None) or getattr(value, "__annotations__", {}))
    for filename in reversed(list(linecache.cache)):
        entry = linecache.cache[filename]
        lines = entry[2] if len(entry) == 4 else None  # a 1-tuple is a lazy, unread entry
        if not lines or not any(f"class {value.__name__}" in line for line in lines):
            continue
        text = "".join(lines)
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for node in reversed(tree.body):
            if isinstance(node, ast.ClassDef) and node.name == value.__name__:
                declared = {
                    n.target.id
                    for n in node.body
                    if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
                }
                if declared == fields:
                    return (ast.get_source_segment(text, node) or "").rstrip() + "\n"
    return None


def _code_names(code: types.CodeType) -> Iterator[str]:
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_names(const)


def _referenced(value: Any, own: str) -> Iterator[tuple[str, Any]]:
    """(name, object) for each global the function, or the class's source, uses."""
    if inspect.isfunction(value):
        scope: Mapping[str, Any] = value.__globals__
        names: Iterable[str] = dict.fromkeys(_code_names(value.__code__))
    else:
        module = sys.modules.get(getattr(value, "__module__", "") or "")
        scope = vars(module) if module is not None else {}
        try:
            tree = ast.parse(own)
        except SyntaxError:
            return
        names = dict.fromkeys(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
    for name in names:
        if name in scope:
            yield name, scope[name]


def _import_line(name: str, obj: Any) -> str | None:
    """``from M import X [as name]`` for an object another module defines (its package's
    public name when the package exports it), else None."""
    module = getattr(obj, "__module__", None)
    if not isinstance(module, str) or module == "__main__":
        return None
    real = getattr(obj, "__name__", None) or getattr(obj, "_name", None) or name
    for where in (module.split(".")[0], module):
        if getattr(sys.modules.get(where), real, None) is obj:
            return f"from {where} import {real}" + ("" if real == name else f" as {name}")
    return None


def literal(value: Any) -> str | None:
    """``repr(value)`` when it reads back as an equal value (a literal, 2,000 characters at
    most), else None."""
    if isinstance(value, (bool, int, float, str, bytes, tuple, list, dict, frozenset, set)):
        text = repr(value)
        try:
            if len(text) <= 2000 and ast.literal_eval(text) == value:
                return text
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return None
    return None


def _needs_of(
    value: Any,
    own: str,
    imports: dict[str, None],
    defs: dict[str, str],
    depth: int,
    missing: list[str],
    notes: list[str],
) -> None:
    for name, obj in _referenced(value, own):
        if name in defs or obj is value or name.startswith("__"):
            continue
        if getattr(builtins, name, None) is obj:
            continue
        if inspect.ismodule(obj):
            real = obj.__name__
            imports[f"import {real}" if real == name else f"import {real} as {name}"] = None
        elif (line := _import_line(name, obj)) is not None:
            imports[line] = None
        elif callable(obj) and depth < 5:
            helper = _own_source(obj)  # the notebook's own function or class
            if helper is not None:
                defs[name] = ""  # taken before recursing, so a cycle ends
                _needs_of(obj, helper, imports, defs, depth + 1, missing, notes)
                defs[name] = helper
            else:
                missing.append(f"{name} ({type(obj).__name__})")
        elif not callable(obj) and (text := literal(obj)) is not None:
            code, note = _constant(name, obj, text)
            defs[name] = code
            if code.startswith(f"{name} = os.environ["):
                imports["import os"] = None
            if note is not None:
                notes.append(note)
        else:
            missing.append(f"{name} ({type(obj).__name__})")


def _with_needs(
    name: str, value: Any, own: str, provided: frozenset[str]
) -> tuple[str, str | None]:
    imports: dict[str, None] = {}
    # names the export defines anyway (the other tools and schemas): never copied in twice
    defs: dict[str, str] = dict.fromkeys(provided - {name}, "")
    missing: list[str] = []
    notes: list[str] = []
    _needs_of(value, own, imports, defs, 0, missing, notes)
    head = "\n".join(imports)
    parts = ([head + "\n"] if head else []) + [d for d in defs.values() if d] + [own]
    code = "\n\n".join(p.rstrip() + "\n" for p in parts).replace("\n\n\n", "\n\n")
    said = list(notes)
    if missing:
        said.append(
            f"{name!r} uses notebook variable(s) the export cannot write out: "
            f"{', '.join(dict.fromkeys(missing))}; define them before running the export."
        )
    return code, " ".join(said) or None


# --- credentials among the constants a tool uses ------------------------------------------------

_STRONG = frozenset({"token", "secret", "password", "passwd", "pwd", "credential", "credentials"})
_WEAK = frozenset({"key", "apikey", "auth"})


def _words(name: str) -> list[str]:
    """``HF_TOKEN`` -> hf, token; ``apiKey`` -> api, key."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w.lower() for w in re.split(r"[_\W]+", spaced) if w]


def _secret_name(name: str, value: str) -> bool:
    """A string constant named like a credential: any value of 6+ characters without a space
    under a token/secret/password name; under a key/auth name (SORT_KEY = "lastname" is not
    one) a value of 8+ that mixes in digits or capitals."""
    if len(value) < 6 or any(c.isspace() for c in value):
        return False
    words = set(_words(name))
    if words & _STRONG:
        return True
    mixed = any(c.isdigit() for c in value) or (value.lower() != value != value.upper())
    return bool(words & _WEAK) and len(value) >= 8 and mixed


_SECRET_SHAPE = re.compile(
    r"(?<![A-Za-z0-9])"
    r"(?:hf_|sk-|sk_live_|rk_live_|ghp_|gho_|ghs_|github_pat_|glpat-|xox[abprs]-|AIza|AKIA|ya29\.)"
    r"[A-Za-z0-9_\-./+=]{8,}"
)
_OPAQUE = re.compile(r"[A-Za-z0-9_\-+=]{32,}")


def _looks_secret(text: str) -> bool:
    """A credential by its shape: a known prefix (hf_, sk-, ghp_, AIza...), or a long opaque
    run mixing upper case, lower case and digits (a hex hash or a UUID has no upper case)."""
    if _SECRET_SHAPE.search(text):
        return True
    return any(
        any(c.isupper() for c in run)
        and any(c.islower() for c in run)
        and any(c.isdigit() for c in run)
        for run in _OPAQUE.findall(text)
    )


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _strings(item)


def _env_name(name: str, value: str) -> str | None:
    """The environment variable ``value`` was (most likely) read from: one holding exactly it,
    the variable of the same name first. Short values are never matched (too common)."""
    if len(value) < 8:
        return None
    if os.environ.get(name) == value:
        return name
    found = [k for k, v in os.environ.items() if v == value]
    for key in found:
        if _secret_name(key, value) or _secret_name(name, value) or _looks_secret(value):
            return key
    return None


def _constant(name: str, value: Any, text: str) -> tuple[str, str | None]:
    """(the line defining a constant a tool uses, a warning): a value read from the environment
    is read from it again, never copied; a credential by name or shape is replaced by an
    environment read, with a warning naming it (an export is shared: it must not carry one)."""
    if isinstance(value, str):
        env = _env_name(name, value)
        if env is not None:
            return f"{name} = os.environ[{env!r}]\n", None
        if _secret_name(name, value) or _looks_secret(value):
            env = name.upper() if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else "SECRET"
            return f"{name} = os.environ[{env!r}]\n", (
                f"{name!r} looks like a credential, so the export reads it from the environment "
                f"variable {env} instead of copying its value: set {env} before running it."
            )
        return f"{name} = {text}\n", None
    if any(_looks_secret(s) or _env_name(name, s) is not None for s in _strings(value)):
        return f"{UNRECOVERED} {name} here: it holds what looks like a credential.\n", (
            f"{name!r} holds what looks like a credential, so the export leaves it out: "
            f"define {name} (from the environment, say) before running it."
        )
    return f"{name} = {text}\n", None


def sources_block(pieces: Iterable[str]) -> str:
    """The pieces' code as one block, their import lines gathered (once each) at its top."""
    imports: dict[str, None] = {}
    bodies: list[str] = []
    for piece in pieces:
        lines = piece.splitlines()
        while lines and (lines[0].startswith(("import ", "from ")) or not lines[0].strip()):
            if lines[0].strip():
                imports[lines[0]] = None
            lines.pop(0)
        bodies.append("\n".join(lines).strip())
    if any("BaseModel" in b for b in bodies):
        imports.setdefault("from pydantic import BaseModel", None)
    head = "\n".join(imports)
    body = "\n\n\n".join(b for b in bodies if b)
    return f"{head}\n\n\n{body}".strip() if head else body


def _pydantic_source(value: Any) -> str | None:
    """A pydantic class rebuilt from its fields (a class typed in a cell has no file on 3.11)."""
    fields = getattr(value, "model_fields", None)
    if not isinstance(value, type) or not isinstance(fields, dict):
        return None
    lines = [f"class {value.__name__}(BaseModel):"]
    for name, info in fields.items():
        annotation = info.annotation
        text = getattr(annotation, "__name__", None) if isinstance(annotation, type) else None
        lines.append(f"    {name}: {text or repr(annotation).replace('typing.', '')}")
    return "\n".join(lines if len(lines) > 1 else [*lines, "    pass"]) + "\n"
