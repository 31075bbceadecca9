"""--map at scale against the local server over real HTTP (serve_in_thread on 127.0.0.1).

Targets (issue 11): 1,000 items at 100 ms latency, concurrency 16: wall <= 1.2x ideal; with a
3,000 rpm server limit and concurrency 32: wall <= 1.25x ideal (20 s); every item answered
exactly once (the server counts), a 1,000-item result under 50 MB, and an interrupted-then-
resumed run re-sends 0 finished items.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import sys
import threading
import time
import tracemalloc
from typing import Any

from gemini_interactions.api import Client
from gemini_interactions.chain import Chain
from gemini_interactions.chain._map import run_map
from gemini_interactions.server import LocalServer
from gemini_interactions.server._faults import FaultPlan
from gemini_interactions.server._serve import serve_in_thread

N = 1000


def counting(server: LocalServer) -> collections.Counter[str]:
    """The server's count of answered prompts (each create that got past the faults)."""
    seen: collections.Counter[str] = collections.Counter()
    engine = server.engine
    create = engine._create

    def counted(request: Any, body: Any) -> Any:
        response = create(request, body)
        if response.status == 200 and isinstance(body, dict):
            seen[str(body.get("input"))] += 1
        return response

    engine._create = counted  # type: ignore[method-assign]
    return seen


def scenario(label: str, faults: FaultPlan, concurrency: int, ideal: float, limit: float) -> bool:
    server = LocalServer(faults=faults)
    seen = counting(server)
    items = [f"item {k}" for k in range(N)]
    with serve_in_thread(server) as url, Client(api_key="bench-key", base_url=url) as client:
        chain = Chain(client, name="bench")
        tracemalloc.start()
        start = time.perf_counter()
        result = run_map(chain, "Echo {item}.", items, concurrency=concurrency)
        wall = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    answered = sum(1 for item in result.items if item.ok)
    dup = sum(c - 1 for c in seen.values() if c > 1)
    lost = N - answered
    ok = wall <= ideal * limit and lost == 0 and dup == 0 and len(seen) == N
    print(
        f"{label}: wall {wall:.2f} s, ideal {ideal:.2f} s, ratio {wall / ideal:.2f} "
        f"(target <= {limit}); answered {answered}/{N}, server saw {len(seen)} distinct, "
        f"{dup} duplicated, {lost} lost; 429s {faults.counters['rate_limited']}; "
        f"peak traced memory {peak / 1e6:.1f} MB (target < 50) -> {'OK' if ok else 'MISS'}"
    )
    return ok and peak < 50e6


def resumed() -> bool:
    server = LocalServer(faults=FaultPlan(latency=0.1))
    seen = counting(server)
    items = [f"item {k}" for k in range(200)]
    with serve_in_thread(server) as url, Client(api_key="bench-key", base_url=url) as client:
        chain = Chain(client, name="resume")
        # An interrupt arrives in the main thread, as Ctrl-C / the kernel's interrupt does.
        timer = threading.Timer(0.6, lambda: __import__("_thread").interrupt_main())
        timer.start()
        with contextlib.suppress(KeyboardInterrupt):
            run_map(chain, "Echo {item}.", items, concurrency=8)
        time.sleep(0.5)  # abandoned in-flight requests land
        first = dict(seen)
        result = run_map(chain, "Echo {item}.", items, concurrency=8)
        total = seen
    finished_first = len(first)
    resent = sum(1 for p, c in total.items() if c > 1)
    ok = resent == 0 and all(item.ok for item in result.items)
    print(
        f"interrupt then resume: {finished_first} finished before the interrupt, "
        f"{len(total) - finished_first} sent on resume, {resent} finished items re-sent "
        f"(target 0), {sum(i.ok for i in result.items)}/200 answered -> {'OK' if ok else 'MISS'}"
    )
    return ok


def main() -> int:
    gc.collect()
    results = [
        scenario(
            "latency 100 ms, no limit, concurrency 16",
            FaultPlan(latency=0.1),
            16,
            N * 0.1 / 16,
            1.2,
        ),
        scenario(
            "latency 100 ms, 3000 rpm limit, concurrency 32",
            FaultPlan(latency=0.1, rpm=3000),
            32,
            N / 50.0,
            1.25,
        ),
        resumed(),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
