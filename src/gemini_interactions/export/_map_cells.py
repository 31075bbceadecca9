"""A ``--map`` run in an export: a cell that defines its input, then the ``--map`` cell.

The input is written as it was when the notebook still holds it unchanged (a list or tuple of
literals, or a pandas DataFrame / Series of them): filling the template with each element must
give exactly the prompts that were sent. Otherwise the sent prompts themselves become the input
(``{item}`` as the template), so the export still sends byte for byte the recorded requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..chain import Turn
from ..chain._map import elements, fill
from ._sources import literal


def _pandas_code(name: str, value: Any) -> str | None:
    """``value`` (a DataFrame or Series) rebuilt from literals, or None."""
    kind = type(value).__name__
    if kind not in ("DataFrame", "Series") or not type(value).__module__.startswith("pandas"):
        return None
    index = literal(list(value.index))
    if kind == "DataFrame":
        columns = literal(value.to_dict(orient="list"))
        if index is None or columns is None:
            return None
        return f"import pandas as pd\n\n{name} = pd.DataFrame({columns}, index={index})"
    values = literal(list(value))
    if index is None or values is None:
        return None
    return (
        f"import pandas as pd\n\n{name} = pd.Series({values}, index={index}, name={value.name!r})"
    )


def _rebuilt(code: str, name: str) -> Any:
    scope: dict[str, Any] = {}
    exec(compile(code, "<export>", "exec", dont_inherit=True), scope)  # our own literal code
    return scope[name]


def map_input_cell(
    turn: Turn, n: int, namespace: Mapping[str, Any] | None
) -> tuple[str, str, str, str | None]:
    """(the input cell's code, the variable to ``--map``, the template, a note or None)."""
    over = str((turn.options.get("map") or {}).get("over") or "items")
    prompts = [item.prompt for item in turn.items]  # as filled in and sent
    value = (namespace or {}).get(over)
    if value is not None:
        code = _pandas_code(over, value)
        if code is None and isinstance(value, (list, tuple)):
            text = literal(value)
            code = f"{over} = {text}" if text is not None else None
        if code is not None:
            try:
                _, values = elements(_rebuilt(code, over))
                same = [fill(turn.prompt, v, i) for i, v in enumerate(values)] == prompts
            except (ValueError, TypeError, KeyError, ImportError, SyntaxError):
                same = False
            if same:
                return f"# The input of turn {n}'s --map run.\n{code}", over, turn.prompt, None
    name = f"prompts_{n}"
    note = (
        f"turn {n} (--map {over}): {over!r} is not in the notebook as it was sent, so the "
        f"export maps over the prompts that were sent ({name})"
    )
    code = (
        f"# The prompts turn {n}'s --map run sent, one per element of {over}.\n{name} = {prompts!r}"
    )
    return code, name, "{item}", note


def map_outputs(turn: Turn) -> list[dict[str, Any]]:
    """The recorded output of a ``--map`` run: a table of its elements' prompts and answers."""
    rows = ["| # | prompt | answer | status |", "|---|---|---|---|"]
    plain = []
    for i, item in enumerate(turn.items):
        prompt, answer = _cell(item.prompt), _cell(item.output_text or item.error or "")
        rows.append(f"| {i} | {prompt} | {answer} | {item.status} |")
        plain.append(f"{i}: {item.status}: {item.output_text[:200]}")
    return [
        {
            "output_type": "display_data",
            "data": {"text/plain": "\n".join(plain), "text/markdown": "\n".join(rows)},
            "metadata": {"gemini_interactions": turn.provenance()},
        }
    ]


def _cell(text: str, width: int = 160) -> str:
    flat = " ".join(text.split())
    flat = flat if len(flat) <= width else flat[: width - 1] + "…"
    return flat.replace("|", "\\|")
