"""Every public class and function names its public home as ``__module__`` (as httpx's do), so
reprs, tracebacks, ``help()`` and pickles show the import a user writes, not a private file."""

from __future__ import annotations

import importlib
import inspect
import pickle
import sys

import pytest

PUBLIC_MODULES = [
    "gemini_interactions",
    "gemini_interactions.api",
    "gemini_interactions.api.lowlevel",
    "gemini_interactions.chain",
    "gemini_interactions.export",
    "gemini_interactions.magics",
    "gemini_interactions.render",
    "gemini_interactions.server",
]


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_name_lives_where_it_is_imported_from(module_name: str) -> None:
    module = importlib.import_module(module_name)
    wrong = []
    for name in module.__all__:
        value = getattr(module, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            if value.__module__ != module_name:
                wrong.append(f"{name}: {value.__module__}")
            elif getattr(sys.modules[value.__module__], value.__qualname__) is not value:
                wrong.append(f"{name}: not reachable as {module_name}.{value.__qualname__}")
    assert wrong == []


def test_each_name_has_one_public_home() -> None:
    homes: dict[int, str] = {}
    twice = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isclass(value) or inspect.isfunction(value):
                if id(value) in homes:
                    twice.append(f"{name}: {homes[id(value)]} and {module_name}")
                homes[id(value)] = module_name
    assert twice == []


def test_public_objects_pickle_by_their_public_name() -> None:
    from gemini_interactions.api import RetryPolicy, TextContent

    text = TextContent(text="hi")
    data = pickle.dumps(text)
    assert b"gemini_interactions.api" in data and b"_content" not in data
    assert pickle.loads(data) == text
    assert repr(RetryPolicy).endswith("gemini_interactions.api.RetryPolicy'>")
