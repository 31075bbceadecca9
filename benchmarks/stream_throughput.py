"""Streaming throughput: our client (typed events + folding) against bare httpx-sse + json.loads.

The same SSE bytes are served by a real HTTP server on 127.0.0.1 and consumed by
  (a) httpx + httpx-sse + json.loads, doing nothing with the events (the floor), and
  (b) gemini_interactions.api.Client: typed events, the fold, and the final Interaction.
Targets: b costs at most 1.5x a (issue 16: our client reads the framing through httpx-sse too);
200,000 deltas cost at most 12x 20,000 deltas (issue 2).
Prints events per second and the ratios; exits non-zero when a target is missed.
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import httpx_sse

from gemini_interactions.api import Client

REPEATS = 7


def _frame(payload: dict[str, Any]) -> str:
    return f"event: {payload['event_type']}\ndata: {json.dumps(payload)}\n\n"


def text_stream(deltas: int) -> bytes:
    out = [
        _frame(
            {
                "event_type": "interaction.created",
                "interaction": {"id": "v1_bench", "status": "in_progress"},
                "event_id": "ev_0",
            }
        ),
        _frame(
            {
                "event_type": "step.start",
                "index": 0,
                "step": {"type": "model_output"},
                "event_id": "ev_1",
            }
        ),
    ]
    for i in range(deltas):
        out.append(
            _frame(
                {
                    "event_type": "step.delta",
                    "index": 0,
                    "delta": {"type": "text", "text": f"word{i % 97} "},
                    "event_id": f"ev_{i + 2}",
                }
            )
        )
    out.append(_frame({"event_type": "step.stop", "index": 0, "event_id": f"ev_{deltas + 2}"}))
    out.append(
        _frame(
            {
                "event_type": "interaction.completed",
                "interaction": {"id": "v1_bench", "status": "completed"},
                "event_id": f"ev_{deltas + 3}",
            }
        )
    )
    return "".join(out).encode()


def arguments_stream(fragments: int) -> bytes:
    payload = json.dumps({"items": [f"item-{i}" for i in range(fragments)]})
    size = max(1, len(payload) // fragments)
    pieces = [payload[i : i + size] for i in range(0, len(payload), size)]
    out = [
        _frame(
            {
                "event_type": "interaction.created",
                "interaction": {"id": "v1_args", "status": "in_progress"},
                "event_id": "e0",
            }
        ),
        _frame(
            {
                "event_type": "step.start",
                "index": 0,
                "step": {"type": "function_call", "id": "fc", "name": "f", "arguments": {}},
                "event_id": "e1",
            }
        ),
    ]
    for i, piece in enumerate(pieces):
        out.append(
            _frame(
                {
                    "event_type": "step.delta",
                    "index": 0,
                    "delta": {"type": "arguments_delta", "arguments": piece},
                    "event_id": f"e{i + 2}",
                }
            )
        )
    out.append(_frame({"event_type": "step.stop", "index": 0, "event_id": "e_stop"}))
    out.append(
        _frame(
            {
                "event_type": "interaction.completed",
                "interaction": {"id": "v1_args", "status": "requires_action"},
                "event_id": "e_done",
            }
        )
    )
    return "".join(out).encode()


class _Server:
    """Serves one body per path, chunked in 16 KiB writes, on 127.0.0.1."""

    def __init__(self, bodies: dict[str, bytes]) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                body = outer.bodies[request.get("input", "")]
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                for i in range(0, len(body), 16384):
                    self.wfile.write(body[i : i + 16384])

            def log_message(self, *args: Any) -> None:
                pass

        self.bodies = bodies
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


def bare(url: str, name: str) -> int:
    count = 0
    with (
        httpx.Client(timeout=None) as http,
        httpx_sse.connect_sse(
            http,
            "POST",
            f"{url}/v1beta/interactions",
            json={"model": "m", "input": name, "stream": True},
        ) as source,
    ):
        for sse in source.iter_sse():
            json.loads(sse.data)
            count += 1
    return count


def ours(url: str, name: str) -> int:
    count = 0
    with Client("bench-key", base_url=url) as client:
        stream = client.interactions.create(model="m", input=name, stream=True)
        with stream:
            for _ in stream:
                count += 1
        final = stream.interaction
    assert final.status in ("completed", "requires_action"), final.status
    return count


def timed(fn: Callable[[str, str], int], url: str, name: str) -> tuple[float, int]:
    start = time.perf_counter()
    count = fn(url, name)
    return time.perf_counter() - start, count


def paired(
    first: tuple[Callable[[str, str], int], str],
    second: tuple[Callable[[str, str], int], str],
    url: str,
    repeats: int,
) -> tuple[float, int, float, int]:
    """Median times of two workloads run alternately, so that a noisy neighbour slows both."""
    a_times, b_times, a_count, b_count = [], [], 0, 0
    for _ in range(repeats):
        t, a_count = timed(first[0], url, first[1])
        a_times.append(t)
        t, b_count = timed(second[0], url, second[1])
        b_times.append(t)
    return statistics.median(a_times), a_count, statistics.median(b_times), b_count


def main() -> int:
    bodies = {
        "text20k": text_stream(20_000),
        "text200k": text_stream(200_000),
        "args2k": arguments_stream(2_000),
    }
    server = _Server(bodies)
    failures = []
    try:
        print(f"median of {REPEATS} alternating runs of each, through 127.0.0.1")
        print(f"{'stream':<10} {'bare ev/s':>12} {'ours ev/s':>12} {'ours/bare time':>15}")
        for name in ("text20k", "args2k"):
            t_a, n_a, t_b, n_b = paired((bare, name), (ours, name), server.url, REPEATS)
            ratio = t_b / t_a
            print(f"{name:<10} {n_a / t_a:>12,.0f} {n_b / t_b:>12,.0f} {ratio:>15.2f}")
            if ratio > 1.5:
                failures.append(f"{name}: ours/bare {ratio:.2f} > 1.5")
        t_small, _, t_big, _ = paired(
            (ours, "text20k"), (ours, "text200k"), server.url, max(3, REPEATS - 2)
        )
        growth = t_big / t_small
        print(
            f"growth: 200,000 deltas took {t_big:.2f} s, 20,000 took {t_small:.2f} s: "
            f"ratio {growth:.1f} (target <= 12; 10 is linear)"
        )
        if growth > 12:
            failures.append(f"growth ratio {growth:.1f} > 12")
    finally:
        server.close()
    for failure in failures:
        print("MISSED:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
