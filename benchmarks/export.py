"""Export, save and load of a 1,000-turn chain (target: each <= 2 s).

Baseline measured in the same run: ``json.dumps`` of the turns' ``to_dict()`` (the least any
save must do), so the ratios say what the export layer adds on top.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from gemini_interactions.api import Client
from gemini_interactions.chain import Chain
from gemini_interactions.export import load_chains, save_chains, to_notebook, write_notebook
from gemini_interactions.server import LocalServer

TURNS = 1000
TARGET = 2.0


def _chain() -> Chain:
    server = LocalServer(require_auth=False)
    client = Client("x", transport=server.transport(), base_url="http://offline.invalid")
    chain = Chain(client, model="gemini-3-flash-preview")
    for n in range(TURNS):
        chain.send(f"Turn {n}: say something.", new=n % 50 == 0)
    return chain


def _timed(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    chain = _chain()
    folder = Path(tempfile.mkdtemp())
    baseline = _timed(lambda: json.dumps([t.to_dict() for t in chain.turns]))
    export = _timed(lambda: write_notebook(folder / "c.ipynb", to_notebook(chain, cassette=True)))
    save = _timed(lambda: save_chains(folder / "c.json", [chain]))
    load = _timed(lambda: load_chains(folder / "c.json"))
    ok = True
    for name, seconds in (("export .ipynb + cassette", export), ("save", save), ("load", load)):
        ok &= seconds <= TARGET
        print(
            f"{name:<26} {TURNS} turns: {seconds:6.3f} s  (target <= {TARGET} s; "
            f"{seconds / baseline:5.1f}x the json.dumps baseline {baseline:.3f} s)"
        )
    if not ok:
        raise SystemExit("export benchmark: a figure is over its target")


if __name__ == "__main__":
    main()
