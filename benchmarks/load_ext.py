"""How much ``%load_ext gemini_interactions`` adds to starting IPython (target: <= 150 ms).

Each run is a fresh interpreter: one starts an ``InteractiveShell`` only, the other also loads
the extension. Runs alternate so drift hits both alike; the medians are compared. The cost of
the first ``%%gemini`` cell (when the client, pydantic and the server are imported) is printed
too, for information.

    python benchmarks/load_ext.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

BARE = "from IPython.core.interactiveshell import InteractiveShell; InteractiveShell.instance()"
LOADED = BARE + "; InteractiveShell.instance().run_line_magic('load_ext', 'gemini_interactions')"
IN_PROCESS = """
import time
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
ip = InteractiveShell.instance()
t0 = time.perf_counter()
ip.run_line_magic('load_ext', 'gemini_interactions')
t1 = time.perf_counter()
with capture_output():
    ip.run_line_magic('gemini', 'backend offline')
    ip.run_cell_magic('gemini', '', 'Hello')
t2 = time.perf_counter()
print(f"{(t1 - t0) * 1000:.2f} {(t2 - t1) * 1000:.1f}")
"""


def _wall(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--budget-ms", type=float, default=150.0)
    args = parser.parse_args()
    _wall(LOADED)  # warm the OS file cache and .pyc files
    bare: list[float] = []
    loaded: list[float] = []
    for _ in range(args.runs):
        bare.append(_wall(BARE))
        loaded.append(_wall(LOADED))
    inner = [
        subprocess.run(
            [sys.executable, "-c", IN_PROCESS], check=True, capture_output=True, text=True
        ).stdout.split()
        for _ in range(5)
    ]
    load_ms = statistics.median(float(a) for a, _ in inner)
    first_cell_ms = statistics.median(float(b) for _, b in inner)
    added = statistics.median(loaded) - statistics.median(bare)
    print(f"runs: {args.runs} of each, alternating")
    print(f"bare IPython start:           median {statistics.median(bare):7.1f} ms")
    print(f"IPython start + %load_ext:    median {statistics.median(loaded):7.1f} ms")
    print(f"added by %load_ext:           median {added:7.1f} ms (budget {args.budget_ms:.0f} ms)")
    print(f"%load_ext alone, in process:  median {load_ms:7.2f} ms")
    print(
        f"first offline %%gemini cell:  median {first_cell_ms:7.1f} ms (lazy imports happen here)"
    )
    ok = added <= args.budget_ms
    print("OK" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
