"""What the live view sends to the frontend for a long answer, measured in a real kernel.

A Markdown answer (paragraphs, fenced code, tables, lists) is trickled into a view as N deltas
over a (fake-clocked) stream time, inside a real IPython kernel; the IOPub display messages and
their bytes are counted on the client side. Compared in the same run with a naive view (one update
per delta) and the old view (the whole answer re-sent ~10 times a second: ``AnswerView``).
Targets: bytes <= 5x the answer, <= 12 display messages per stream second, the first token shown
within 20 ms, kernel CPU for 100 KB <= 12x that of 10 KB.
"""

from __future__ import annotations

import json
import sys
import textwrap

from jupyter_client.manager import start_new_kernel

SETUP = textwrap.dedent(
    """
    import time, json
    from IPython.display import display
    from gemini_interactions.chain import Turn
    from gemini_interactions.render import AnswerView, LiveView

    def answer(size):
        parts, n = [], 0
        while sum(map(len, parts)) < size:
            n += 1
            parts.append(f"Paragraph {n} explains a point in some detail, " * 6 + "done.\\n\\n")
            if n % 5 == 0:
                code = "".join(f"x{i} = {i}\\n\\n" for i in range(8))
                parts.append("```python\\n" + code + "```\\n\\n")
            if n % 7 == 0:
                parts.append("| a | b |\\n|---|---|\\n" + "| 1 | 2 |\\n" * 6 + "\\n")
            if n % 3 == 0:
                parts.append("".join(f"- item {i}\\n" for i in range(5)) + "\\n")
        return "".join(parts)[:size]

    class Naive(AnswerView):
        def on_event(self, turn, event):
            self.render(turn)

    def run(kind, size, deltas, seconds):
        text = answer(size)
        step = len(text) / deltas
        now = [0.0]
        clock = lambda: now[0]
        if kind == "live":
            view = LiveView(interval=0.1, clock=clock)
        elif kind == "old":
            view = AnswerView(interval=0.1, clock=clock)
        else:
            view = Naive(interval=0.1, clock=clock)
        turn = Turn(number=1, chain="bench", prompt="p", parent=None, previous_interaction_id=None)
        turn.status = "streaming"
        view.on_start(turn)
        cpu = time.process_time()
        first = None
        for i in range(deltas):
            now[0] = seconds * i / deltas
            turn.add_text(text[int(i * step): int((i + 1) * step)])
            t0 = time.perf_counter()
            view.on_event(turn, None)
            if first is None:
                first = time.perf_counter() - t0
        turn.status = "completed"
        turn.ended_at = turn.started_at + seconds
        view.on_end(turn)
        cpu = time.process_time() - cpu
        print(json.dumps({"first": first, "cpu": cpu, "size": len(text.encode())}))
    """
)


def measure(client: object, code: str) -> dict[str, float]:
    kc = client
    msg_id = kc.execute(code)  # type: ignore[attr-defined]
    messages = nbytes = 0
    stats: dict[str, float] = {}
    while True:
        msg = kc.get_iopub_msg(timeout=300)  # type: ignore[attr-defined]
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind in ("display_data", "update_display_data"):
            messages += 1
            nbytes += len(json.dumps(msg["content"]))
        elif kind == "stream" and msg["content"]["name"] == "stdout":
            stats.update(json.loads(msg["content"]["text"]))
        elif kind == "error":
            raise RuntimeError("\n".join(msg["content"]["traceback"]))
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            break
    return {**stats, "messages": messages, "bytes": nbytes}


def main() -> int:
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        measure(kc, SETUP)
        runs = {
            "naive": measure(kc, "run('naive', 100_000, 5_000, 20.0)"),
            "old": measure(kc, "run('old', 100_000, 5_000, 20.0)"),
            "live": measure(kc, "run('live', 100_000, 5_000, 20.0)"),
            "live 200 KB": measure(kc, "run('live', 200_000, 10_000, 40.0)"),
            "live 10 KB": measure(kc, "run('live', 10_000, 500, 2.0)"),
        }
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    print(
        f"{'view':<12} {'messages':>9} {'msg/s':>6} {'MB sent':>8} {'x answer':>9} "
        f"{'first ms':>9} {'cpu s':>6}"
    )
    seconds = {"live 200 KB": 40.0, "live 10 KB": 2.0}
    for name, r in runs.items():
        rate = r["messages"] / seconds.get(name, 20.0)
        print(
            f"{name:<12} {r['messages']:>9.0f} {rate:>6.1f} {r['bytes'] / 1e6:>8.2f} "
            f"{r['bytes'] / r['size']:>9.1f} {r['first'] * 1000:>9.2f} {r['cpu']:>6.3f}"
        )
    live = runs["live"]
    ratio_bytes = live["bytes"] / live["size"]
    doubling = runs["live 200 KB"]["bytes"] / live["bytes"]
    cpu_ratio = live["cpu"] / runs["live 10 KB"]["cpu"]
    rate = live["messages"] / 20.0
    print(
        f"live vs old: {runs['old']['bytes'] / live['bytes']:.1f}x fewer bytes; "
        f"vs naive: {runs['naive']['bytes'] / live['bytes']:.0f}x fewer"
    )
    checks = {
        f"bytes {ratio_bytes:.2f}x answer <= 5x": ratio_bytes <= 5,
        f"doubling the answer: {doubling:.2f}x bytes <= 2.1x": doubling <= 2.1,
        f"{rate:.1f} display messages/s <= 12": rate <= 12,
        f"first token {live['first'] * 1000:.1f} ms <= 20 ms": live["first"] <= 0.02,
        f"cpu 100 KB / 10 KB = {cpu_ratio:.1f}x <= 12x": cpu_ratio <= 12,
    }
    for text, ok in checks.items():
        print(("PASS " if ok else "FAIL ") + text)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
