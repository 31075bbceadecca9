"""The sync and async twins offer the same things under the same names: a user who switches
from ``Client`` to ``AsyncClient`` (or back) changes ``await``s, not method names or arguments."""

from __future__ import annotations

import asyncio
import inspect
import re
import threading

import httpx
import pytest

from gemini_interactions.api import (
    AsyncClient,
    AsyncInteractions,
    AsyncStream,
    Client,
    Interactions,
    Stream,
)
from gemini_interactions.api._retry import paced

from .helpers import KEY

# The protocol methods differ by design (``__iter__`` / ``__aiter__``): compared pairwise.
_ASYNC_NAME = {
    "__iter__": "__aiter__",
    "__next__": "__anext__",
    "__enter__": "__aenter__",
    "__exit__": "__aexit__",
}
# Arguments whose types differ by design; their names, kinds and defaults must still agree.
_OWN_TYPES = {"transport", "http_client", "sleep", "on_progress", "return"}


def _public(cls: type) -> dict[str, inspect.Signature]:
    names = [n for n in dir(cls) if not n.startswith("_") or n in _ASYNC_NAME.values()]
    names += [n for n in ("__init__", *_ASYNC_NAME) if hasattr(cls, n)]
    out = {}
    for name in names:
        member = inspect.getattr_static(cls, name)
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        if inspect.isfunction(member):
            out[name] = inspect.signature(member)
    return out


def _sync_spelling(annotation: object) -> object:
    """``AsyncClient`` as ``Client``, ``Awaitable[X]`` as ``X``: how the sync twin spells it."""
    if not isinstance(annotation, str):
        return annotation
    text = re.sub(r"\bAsync(?=[A-Z])", "", annotation)
    while (start := text.find("Awaitable[")) >= 0:
        depth, inner = 0, start + len("Awaitable[")
        end = inner
        for end in range(inner, len(text)):
            depth += {"[": 1, "]": -1}.get(text[end], 0)
            if depth < 0:
                break
        text = text[:start] + text[inner:end] + text[end + 1 :]
    return text


def _shape(signature: inspect.Signature) -> list[tuple[str, object, object, object]]:
    return [
        (
            p.name,
            p.kind,
            p.default,
            None if p.name in _OWN_TYPES else _sync_spelling(p.annotation),
        )
        for p in signature.parameters.values()
    ]


@pytest.mark.parametrize(
    ("sync", "asynchronous"),
    [(Client, AsyncClient), (Interactions, AsyncInteractions), (Stream, AsyncStream)],
    ids=["client", "interactions", "stream"],
)
def test_the_twins_have_the_same_methods_and_signatures(sync: type, asynchronous: type) -> None:
    ours, theirs = _public(sync), _public(asynchronous)
    assert {_ASYNC_NAME.get(name, name) for name in ours} == set(theirs)
    assert len(ours) >= 4
    for name, signature in ours.items():
        twin = theirs[_ASYNC_NAME.get(name, name)]
        if name in _ASYNC_NAME:
            continue  # the protocols' own signatures, checked by the type checker
        assert _shape(signature) == _shape(twin), name


def test_both_clients_take_a_sleep_and_use_it_for_retries() -> None:
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) == 1:
            return httpx.Response(503, headers={"retry-after": "2"})
        return httpx.Response(200, json={"id": "v1_x", "status": "completed"})

    slept: list[float] = []
    client = Client(KEY, transport=httpx.MockTransport(handler), sleep=slept.append)
    assert client.interactions.get("v1_x").id == "v1_x"
    assert slept == [2.0]

    attempts.clear()
    aslept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        aslept.append(seconds)

    async def main() -> str:
        async with AsyncClient(
            KEY, transport=httpx.MockTransport(handler), sleep=fake_sleep
        ) as aclient:
            return (await aclient.interactions.get("v1_x")).id

    assert asyncio.run(main()) == "v1_x"
    assert aslept == [2.0]


def test_both_clients_give_a_paced_block_every_attempt() -> None:
    """Inside ``paced`` the pacer takes every attempt's turn (0 before the first, the retry's
    wait before each retry) and the client sleeps nothing itself; the async client calls the
    pacer off the event loop, as a pacer may block."""
    calls: list[tuple[float, bool]] = []

    def pacer(wait: float) -> None:
        calls.append((wait, threading.current_thread() is threading.main_thread()))

    def handler(request: httpx.Request) -> httpx.Response:
        if len(calls) == 1:
            return httpx.Response(429, headers={"retry-after": "1"})
        return httpx.Response(200, json={"id": "v1_x", "status": "completed"})

    def no_sleep(seconds: float) -> None:
        raise AssertionError("slept inside a paced block")

    client = Client(KEY, transport=httpx.MockTransport(handler), sleep=no_sleep)
    with paced(pacer):
        client.interactions.get("v1_x")
    assert calls == [(0.0, True), (1.0, True)]

    calls.clear()

    async def no_async_sleep(seconds: float) -> None:
        raise AssertionError("slept inside a paced block")

    async def main() -> None:
        async with AsyncClient(
            KEY, transport=httpx.MockTransport(handler), sleep=no_async_sleep
        ) as aclient:
            with paced(pacer):
                await aclient.interactions.get("v1_x")

    asyncio.run(main())
    assert calls == [(0.0, False), (1.0, False)]
