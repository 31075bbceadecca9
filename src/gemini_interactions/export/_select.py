"""Which turns an export takes: ``--turns SPEC`` (``1-3,5``), completed ones only, with every
ancestor added so the exported notebook re-creates the same tree."""

from __future__ import annotations

import re

from ..chain import Chain, Turn
from ._errors import ExportError

_RANGE = re.compile(r"(-?\d+)(?:\s*-\s*(-?\d+))?")


def parse_spec(spec: str, count: int) -> list[int]:
    """``"1-3,5,-1"`` as turn numbers of a chain with ``count`` turns."""
    numbers: list[int] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        match = _RANGE.fullmatch(part)
        if match is None:
            raise ExportError(
                f"{part!r} in --turns is not a turn number or range (e.g. --turns 1-3,5)."
            )
        low = int(match[1])
        high = int(match[2]) if match[2] is not None else low
        low, high = (count + 1 + n if n < 0 else n for n in (low, high))
        if not 1 <= low <= high <= count:
            raise ExportError(f"--turns {part} is outside the chain's turns 1 to {count}.")
        numbers += range(low, high + 1)
    return sorted(set(numbers))


def select(chain: Chain, spec: str | None = None) -> list[Turn]:
    """The turns to export, in the order they ran; failed ones left out (they have no answer),
    a ``--map`` run kept when any of its elements was answered."""
    if not chain.turns:
        raise ExportError(f"Chain {chain.name!r} has no turns to export.")
    wanted = parse_spec(spec, len(chain.turns)) if spec else range(1, len(chain.turns) + 1)
    chosen: set[int] = set()
    for number in wanted:
        turn: Turn | None = chain.turns[number - 1]
        if turn is None or not (turn.joined or any(i.joined for i in turn.items)):
            continue
        while turn is not None and turn.number not in chosen:
            chosen.add(turn.number)
            turn = chain.turns[turn.parent - 1] if turn.parent is not None else None
    turns = [chain.turns[n - 1] for n in sorted(chosen)]
    if not turns:
        among = f"among turns {spec}" if spec else f"among its {len(chain.turns)} turn(s)"
        raise ExportError(
            f"Chain {chain.name!r} has no completed turn to export {among}: failed and "
            "interrupted turns have no answer to re-create. Run a turn that completes, or "
            "pick completed ones with --turns."
        )
    return turns
