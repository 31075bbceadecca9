"""--map at scale against the local server over real HTTP on 127.0.0.1.

Targets (issues 11 and 18), 1,000 items at 100 ms latency:
  - no limit, concurrency 16: wall <= 1.2x ideal (1,000 x 0.1 s / 16 = 6.25 s);
  - a 3,000 rpm server limit, concurrency 32: wall <= 1.25x ideal (1,000 / 50 per s = 20 s);
  - both: every item answered exactly once (the server counts), 0 lost, 0 duplicated;
  - the kernel-side memory of a 1,000-item result under 50 MB;
  - an interrupted-then-resumed run re-sends 0 finished items;
  - 100,000 items offline in process (--scale N): the kernel holds at most 2 KB per item (the
    result and the chain's record of the run, measured object by object; the answers are in
    the run store), and the in-process server stays within its bounds.
Every run writes to a run store in a temporary folder (never reused between runs).
The server runs in its own process (as the real API is elsewhere: its work must not take the
kernel's GIL) and, as a baseline in the same run, is first driven by an ideal client (raw
pooled httpx, no parsing) to show it can itself keep up. Memory is measured in a separate run:
tracemalloc slows every allocation, so it must not be on while wall times are taken.
Prints every figure and exits non-zero when a target is missed.

    python benchmarks/map.py [--items 1000] [--scale 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import gc
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

import httpx

from gemini_interactions.api import Client
from gemini_interactions.chain import Chain
from gemini_interactions.chain._map import MapResult, run_map

LATENCY = 0.1
KEY = "bench-key"


def _serve(conn: Connection, faults: dict[str, Any]) -> None:
    """The child: a LocalServer that counts each prompt it answered (past the faults)."""
    from gemini_interactions.server import LocalServer
    from gemini_interactions.server._faults import FaultPlan
    from gemini_interactions.server._serve import serve_in_thread

    plan = FaultPlan.from_dict(faults)
    server = LocalServer(faults=plan)
    seen: collections.Counter[str] = collections.Counter()
    create = server.engine._create

    def counted(request: Any, body: Any) -> Any:
        response = create(request, body)
        if response.status == 200 and isinstance(body, dict):
            seen[str(body.get("input"))] += 1
        return response

    server.engine._create = counted  # type: ignore[method-assign]
    with serve_in_thread(server) as url:
        conn.send(url)
        while (command := conn.recv()) != "stop":
            if command == "counts":
                conn.send((dict(seen), plan.counters))


class Served:
    def __init__(self, conn: Connection, url: str) -> None:
        self.conn, self.url = conn, url

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        self.conn.send("counts")
        counts: tuple[dict[str, int], dict[str, int]] = self.conn.recv()
        return counts


@contextlib.contextmanager
def served(**faults: Any) -> Iterator[Served]:
    context = mp.get_context("spawn")
    here, there = context.Pipe()
    child = context.Process(target=_serve, args=(there, faults), daemon=True)
    child.start()
    try:
        yield Served(here, here.recv())
        here.send("stop")
        child.join(10)
    finally:
        if child.is_alive():
            child.terminate()


def body(k: int) -> dict[str, Any]:
    with Client(api_key=KEY, base_url="http://127.0.0.1:1") as client:
        request = client.interactions.build_request(
            stream=True, model="gemini-3-flash-preview", input=f"Echo item {k}."
        )
    json_body: dict[str, Any] = request["json"]
    return json_body


async def ideal_client(url: str, n: int, concurrency: int) -> float:
    """Raw httpx, one shared pool, each stream read to its end and not parsed."""
    template = body(0)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        left = iter(range(n))

        async def worker() -> None:
            for k in left:
                sent = {**template, "input": f"Echo item {k}."}
                async with http.stream(
                    "POST",
                    "/v1beta/interactions?alt=sse",
                    json=sent,
                    headers={"x-goog-api-key": KEY},
                ) as response:
                    async for _ in response.aiter_raw():
                        pass
                    assert response.status_code == 200, response.status_code

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - start


def mapped(url: str, items: list[str], concurrency: int, chain: Chain | None = None) -> MapResult:
    client = Client(api_key=KEY, base_url=url)
    chain = chain or Chain(client, name="bench")
    return run_map(chain, "Echo {item}.", items, concurrency=concurrency)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def judge(ok: bool) -> str:
    return "OK" if ok else "MISS"


def baseline(n: int) -> dict[int, float]:
    """The server driven by the ideal client: what this machine allows right now."""
    walls: dict[int, float] = {}
    with served(latency=LATENCY) as server:
        for concurrency in (16, 32):
            ideal = n * LATENCY / concurrency
            walls[concurrency] = wall = asyncio.run(ideal_client(server.url, n, concurrency))
            print(
                f"server alone (ideal client), {concurrency} in flight: wall {wall:.2f} s, "
                f"ideal {ideal:.2f} s, ratio {wall / ideal:.2f}"
            )
    return walls


def scenario(
    label: str,
    n: int,
    concurrency: int,
    ideal: float,
    target: float,
    alone: float | None = None,
    **faults: Any,
) -> bool:
    items = [f"item {k}" for k in range(n)]
    with served(latency=LATENCY, **faults) as server:
        start = time.perf_counter()
        result = mapped(server.url, items, concurrency)
        wall = time.perf_counter() - start
        seen, counters = server.counts()
    answered = sum(1 for item in result.items if item.ok)
    expected = {f"Echo {item}." for item in items}
    once = sum(1 for prompt in expected if seen.get(prompt) == 1)
    duplicated = sum(c - 1 for c in seen.values() if c > 1)
    lost = n - answered
    versus = f"; {wall / alone:.2f}x the server-alone run" if alone else ""
    ok = wall <= ideal * target and lost == 0 and duplicated == 0 and once == n
    print(
        f"{label}: wall {wall:.2f} s, ideal {ideal:.2f} s, ratio {wall / ideal:.2f} "
        f"(target <= {target}{versus}); answered {answered}/{n}; the server answered {once} items "
        f"exactly once, {duplicated} duplicated; {lost} lost; 429s {counters['rate_limited']} "
        f"-> {judge(ok)}"
    )
    for item in [item for item in result.items if not item.ok][:3]:
        print(f"  lost: {item.prompt!r}: {item.error}")
    return ok


def memory(n: int) -> bool:
    """What a result of n items holds in this process (the server is in another one)."""
    items = [f"item {k}" for k in range(n)]
    with served() as server:
        client = Client(api_key=KEY, base_url=server.url)
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        result = run_map(Chain(client, name="memory"), "Echo {item}.", items, concurrency=16)
        gc.collect()
        kept, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    ok = peak < 50e6 and all(item.ok for item in result.items)
    print(
        f"memory of a {n}-item result: {(kept - before) / 1e6:.1f} MB kept, "
        f"{(peak - before) / 1e6:.1f} MB at the peak of the run (target < 50) -> {judge(ok)}"
    )
    return ok


def resumed(n: int = 200) -> bool:
    items = [f"item {k}" for k in range(n)]
    with served(latency=LATENCY) as server:
        chain = Chain(Client(api_key=KEY, base_url=server.url), name="resume")
        # The interrupt arrives in the main thread, as Ctrl-C or the kernel's interrupt does.
        timer = threading.Timer(0.6, lambda: __import__("_thread").interrupt_main())
        timer.start()
        with contextlib.suppress(KeyboardInterrupt):
            run_map(chain, "Echo {item}.", items, concurrency=8)
        time.sleep(0.5)  # requests in flight at the interrupt land (and are kept)
        first, _ = server.counts()
        result = run_map(chain, "Echo {item}.", items, concurrency=8)
        total, _ = server.counts()
    finished = len(first)
    resent = sum(1 for prompt in first if total[prompt] > 1)
    answered = sum(item.ok for item in result.items)
    ok = resent == 0 and answered == n and 0 < finished < n
    print(
        f"interrupt then resume: {finished} finished before the interrupt, "
        f"{sum(total.values()) - sum(first.values())} sent on resume, {resent} finished items "
        f"re-sent (target 0), {answered}/{n} answered -> {judge(ok)}"
    )
    return ok


def deep_size(root: Any) -> int:
    """Bytes of every object reachable from ``root`` (slots, containers, dataclasses), each
    counted once; the run store's connection and shared singletons are not the result's."""
    seen: set[int] = set()
    stack = [root]
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or obj is None or isinstance(obj, type | bool | int | float):
            continue
        if type(obj).__name__ in ("RunStore", "Client", "Connection", "LocalServer", "module"):
            continue
        if type(obj).__name__ in ("function", "method", "builtin_function_or_method"):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, list | tuple | set | frozenset):
            stack.extend(obj)
        elif not isinstance(obj, str | bytes):
            for name in getattr(type(obj), "__slots__", ()):
                stack.append(getattr(obj, name, None))
            if hasattr(obj, "__dict__"):
                stack.append(vars(obj))
    return total


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def scale(n: int) -> bool:
    """n items offline in process (the workshop's backend): what the kernel keeps per item."""
    from gemini_interactions.server import LocalServer

    server = LocalServer()
    chain = Chain(Client(api_key=KEY, transport=server.transport()), name="scale")
    items = [f"row {k}" for k in range(n)]
    gc.collect()
    before = rss()
    start = time.perf_counter()
    result = run_map(chain, "Label {item}.", items, concurrency=4)
    wall = time.perf_counter() - start
    del items
    gc.collect()
    grown = rss() - before
    kept = deep_size(result) + deep_size(chain.turns)
    stored = server.engine.store
    per_item = kept / n
    ok = per_item <= 2048 and all(item.ok for item in result.items)
    print(
        f"{n} items offline in process: {wall:.1f} s, {n / wall:.0f} items/s; the kernel keeps "
        f"{kept / 1e6:.1f} MB for the result and the chain's record, {per_item:.0f} B per item "
        f"(target <= 2048); the in-process server holds {len(stored)} interactions, "
        f"{stored.estimated_bytes / 1e6:.1f} MB (bounded, max {stored.max_count}); the process "
        f"grew {grown / 1e6:.0f} MB ({grown / n:.0f} B per item, allocator and SQLite cache "
        f"included) -> {judge(ok)}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--scale", type=int, default=100_000, help="0: skip the scale run")
    args = parser.parse_args()
    n = args.items
    folder = tempfile.mkdtemp(prefix="map-bench-")
    os.environ["GEMINI_INTERACTIONS_RUNS"] = os.path.join(folder, "runs.sqlite")
    print(f"map benchmark, {n} items, {LATENCY * 1000:.0f} ms latency; {load()}")
    alone = baseline(n)
    results = [
        scenario("map, no limit, concurrency 16", n, 16, n * LATENCY / 16, 1.2, alone[16]),
        scenario("map, 3000 rpm limit, concurrency 32", n, 32, n / 50.0, 1.25, rpm=3000),
        memory(n),
        resumed(),
        *([scale(args.scale)] if args.scale else []),
    ]
    print(f"{sum(results)}/{len(results)} targets met; {load()}")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
