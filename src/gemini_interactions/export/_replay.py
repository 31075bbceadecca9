"""Run an exported notebook offline (nbclient, no key) and compare each turn with its recording."""

from __future__ import annotations

import json
import os
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

META = "gemini_interactions"


class ReplayError(ValueError):
    """A notebook ``replay`` cannot run: missing, not a notebook, or its records are broken."""


@dataclass
class TurnCheck:
    turn: int
    matches: bool
    detail: str


def _ran(cell: Any) -> dict[str, Any] | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return {"error": "\\n".join(output.get("traceback") or [output.get("evalue", "")])}
    return None


def _check_cassette(nb: Any, target: Path) -> None:
    """The cassette the parameters cell names, checked before a kernel starts (a damaged one
    failed every turn's cell with the same message)."""
    import ast

    from ..server._cassette import Cassette

    for cell in nb.cells:
        if "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        try:
            tree = ast.parse(cell.source.replace("%load_ext", "# %load_ext"))
        except SyntaxError:
            return
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "backend" for t in node.targets)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                try:
                    words = shlex.split(node.value.value)
                except ValueError:
                    return
                if "--cassette" in words[:-1]:
                    path = target.parent / words[words.index("--cassette") + 1]
                    try:
                        Cassette.load(path)
                    except ValueError as exc:
                        said = str(exc).removesuffix("; nothing was loaded")
                        raise ReplayError(
                            f"{said[:1].upper()}{said[1:]}; nothing was run."
                        ) from None
        return


def _read(target: Path) -> Any:
    """The notebook, its recorded turns checked; ``ReplayError`` before any kernel starts."""
    try:
        nb = nbformat.read(target, as_version=4)
    except OSError as exc:
        raise ReplayError(f"Cannot read {target}: {exc.strerror or exc}.") from None
    except (ValueError, RecursionError, KeyError, TypeError, AttributeError) as exc:
        what = "nested too deeply" if isinstance(exc, RecursionError) else "not a notebook"
        raise ReplayError(
            f"{target} is {what} (it must be an .ipynb written by `%gemini export "
            "--cassette`); nothing was run."
        ) from None
    _check_cassette(nb, target)
    for index, cell in enumerate(nb.cells, 1):
        recorded = cell.get("metadata", {}).get(META)
        if not isinstance(recorded, dict) or "answer" not in recorded:
            continue
        turn = recorded.get("turn")
        if not isinstance(turn, int) or isinstance(turn, bool) or turn < 1:
            raise ReplayError(
                f"Cell {index} of {target} records turn {turn!r}, not a turn number: its "
                f"{META!r} metadata was edited or damaged. Export the chain again; nothing "
                "was run."
            )
        if not isinstance(recorded["answer"], str):
            raise ReplayError(
                f"Cell {index} of {target} records an answer that is not text: its {META!r} "
                "metadata was edited or damaged. Export the chain again; nothing was run."
            )
    return nb


def replay(path: str | Path, timeout: int = 120) -> list[TurnCheck]:
    """Execute the notebook in its folder with no API key, then compare answers and tool calls
    (``ReplayError`` for a notebook that cannot be replayed, before anything runs)."""
    from nbclient import NotebookClient

    target = Path(path)
    nb = _read(target)
    saved = target.parent / f".{target.stem}.replay.json"
    nb.cells.append(nbformat.v4.new_code_cell(f"%gemini save {shlex.quote(saved.name)}"))
    env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    # The kernel's own stderr (jupyter's "running over TCP" warning and the like) is kept out
    # of the report, and shown only if the kernel could not run the notebook at all.
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as kernel_log:
        try:
            client = NotebookClient(
                nb,
                timeout=timeout,
                allow_errors=True,
                resources={"metadata": {"path": str(target.parent)}},
            )
            client.execute(stderr=kernel_log)
        except Exception:
            kernel_log.seek(0)
            sys.stderr.write(kernel_log.read()[-4000:])
            raise
        finally:
            os.environ.clear()
            os.environ.update(old)
    try:
        data = json.loads(saved.read_text(encoding="utf-8"))
        saved.unlink()
    except (OSError, ValueError):
        data = {"chains": []}
    turns: dict[int, dict[str, Any]] = {}
    for chain in data.get("chains", []):
        for turn in chain.get("turns", []):
            turns[int(turn["turn"])] = turn
    checks = []
    for cell in nb.cells:
        recorded = cell.get("metadata", {}).get(META)
        if not isinstance(recorded, dict) or "answer" not in recorded:
            continue
        number = int(recorded["turn"])
        error = _ran(cell)
        got = turns.get(number)
        if error is not None or got is None:
            checks.append(
                TurnCheck(
                    number, False, f"did not run: {(error or {}).get('error', 'no turn')[:200]}"
                )
            )
            continue
        calls = [{"name": r["name"], "arguments": r["arguments"]} for r in got.get("tool_runs", [])]
        problems = []
        if got.get("text") != recorded["answer"]:
            problems.append("the answer differs")
        if calls != recorded.get("tool_calls", []):
            problems.append("the tool calls differ")
        if got.get("interaction_id") != recorded.get("interaction_id"):
            problems.append("the interaction id differs")
        if "items" in recorded:
            items = [
                {"answer": i.get("text"), "interaction_id": i.get("interaction_id")}
                for i in got.get("items", [])
            ]
            differ = sum(a != b for a, b in zip(items, recorded["items"], strict=False))
            differ += abs(len(items) - len(recorded["items"]))
            if differ:
                problems.append(f"{differ} of {len(recorded['items'])} --map element(s) differ")
        checks.append(TurnCheck(number, not problems, "; ".join(problems) or "same answer"))
    return checks
