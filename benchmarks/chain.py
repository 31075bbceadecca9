"""A long answer through ``Chain.send`` against the bare client on the same bytes.

A real HTTP server on 127.0.0.1 serves one 100,000-delta text stream. In the same run, and
alternately so that a noisy neighbour slows both alike, it is consumed by
  (a) ``Client.interactions.create(stream=True)``: typed events, the fold, the final Interaction;
  (b) ``Chain.send``: the same, plus what a turn records (its text, requests, interactions).
Target (issue 7): b costs at most 1.5x a. Prints both medians and the ratio; exits non-zero when
the target is missed.

    python benchmarks/chain.py [--deltas 100000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

from stream_throughput import _Server, text_stream

from gemini_interactions.api import Client
from gemini_interactions.chain import Chain

TARGET = 1.5


def bare(client: Client) -> int:
    with client.interactions.create(model="m", input="long", stream=True) as stream:
        for _ in stream:
            pass
    final = stream.interaction
    assert final.status == "completed", final.status
    return len(final.output_text)


def chained(client: Client) -> int:
    turn = Chain(client).send("long", model="m")
    assert turn.status == "completed", turn.status
    assert turn.text == turn.output_text
    return len(turn.text)


def _timed(fn: Callable[[Client], int], client: Client) -> tuple[float, int]:
    start = time.perf_counter()
    size = fn(client)
    return time.perf_counter() - start, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deltas", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    server = _Server({"long": text_stream(args.deltas)})
    bare_times: list[float] = []
    chain_times: list[float] = []
    try:
        with Client("bench-key", base_url=server.url, max_retries=0) as client:
            _timed(bare, client)  # warm up: connection, imports, caches
            for _ in range(args.repeats):
                t, bare_size = _timed(bare, client)
                bare_times.append(t)
                t, chain_size = _timed(chained, client)
                chain_times.append(t)
    finally:
        server.close()
    assert bare_size == chain_size, (bare_size, chain_size)
    t_bare, t_chain = statistics.median(bare_times), statistics.median(chain_times)
    ratio = t_chain / t_bare
    print(f"{args.deltas:,} text deltas ({chain_size:,} characters), median of {args.repeats}")
    print(f"bare client:  {t_bare:6.2f} s")
    print(f"Chain.send:   {t_chain:6.2f} s")
    print(f"chain/bare:   {ratio:6.2f} (target <= {TARGET})")
    ok = ratio <= TARGET
    print("OK" if ok else f"MISSED: chain/bare {ratio:.2f} > {TARGET}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
