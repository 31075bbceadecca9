"""What a turn cost: an estimate from the dated price table in ``_data/prices.json``.

The table names its source and date; ``set_prices`` (``%config GeminiMagics.prices``) overrides
or adds models. A model or tier the table does not price gives ``None`` (shown as "unknown"),
never a guess.
"""

from __future__ import annotations

import json
import threading
from functools import cache
from importlib import resources
from typing import Any

_RATES = ("input", "output", "thought", "cached")
_overrides: dict[str, dict[str, float]] = {}
_lock = threading.Lock()


@cache
def price_table() -> dict[str, Any]:
    """The packaged table (as_of, source, unit, notes, tiers, models)."""
    text = resources.files("gemini_interactions._data").joinpath("prices.json").read_text()
    table: dict[str, Any] = json.loads(text)
    return table


def set_prices(prices: dict[str, dict[str, float]]) -> None:
    """Replace the overrides: ``{"model": {"input": 0.5, "output": 3.0, "cached": 0.05}}`` in
    USD per million tokens (``thought`` defaults to ``output``, ``cached`` to ``input``)."""
    checked: dict[str, dict[str, float]] = {}
    for model, rates in prices.items():
        if not isinstance(rates, dict) or not {"input", "output"} <= set(rates):
            raise ValueError(
                f"the price of {model!r} needs at least input and output (USD per million "
                'tokens), like {"input": 0.5, "output": 3.0}'
            )
        unknown = set(rates) - set(_RATES)
        if unknown:
            raise ValueError(f"unknown rate(s) {sorted(unknown)} for {model!r}; use {_RATES}")
        checked[model] = {k: float(v) for k, v in rates.items()}
    with _lock:
        _overrides.clear()
        _overrides.update(checked)


def rates(model: str | None) -> dict[str, float] | None:
    """USD per million tokens for ``model`` (input, output, thought, cached), or None."""
    if not model:
        return None
    found = None
    # "models/x", or a reported name such as the offline model's "offline-demo/x": priced as
    # x (what the turn would cost live) unless the full name has a price of its own.
    for name in dict.fromkeys((model, model.rpartition("/")[2])):
        with _lock:
            found = _overrides.get(name)
        if found is None:
            found = price_table()["models"].get(name)
        if found is not None:
            break
    if found is None:
        return None
    return {
        "input": found["input"],
        "output": found["output"],
        "thought": found.get("thought", found["output"]),
        "cached": found.get("cached", found["input"]),
    }


def priced(model: str | None, tier: str | None = None) -> bool:
    return rates(model) is not None and _tier(tier) is not None


def _tier(tier: str | None) -> float | None:
    factor = price_table()["tiers"].get(tier or "standard")
    return float(factor) if factor is not None else None


def cost(model: str | None, usage: dict[str, int], tier: str | None = None) -> float | None:
    """USD for one turn's ``usage`` (the Interactions API's ``total_*`` counts): fresh input,
    cached input, output and thoughts at their rates, times the service tier's factor."""
    found = rates(model)
    factor = _tier(tier)
    if found is None or factor is None:
        return None
    cached = usage.get("total_cached_tokens", 0)
    fresh = max(0, usage.get("total_input_tokens", 0) - cached)
    fresh += usage.get("total_tool_use_tokens", 0)
    total = (
        fresh * found["input"]
        + cached * found["cached"]
        + usage.get("total_output_tokens", 0) * found["output"]
        + usage.get("total_thought_tokens", 0) * found["thought"]
    )
    return total * factor / 1e6


def format_cost(value: float | None) -> str:
    """``$0.0123`` (four significant places below a cent), or ``unknown``."""
    if value is None:
        return "unknown"
    if value == 0:
        return "$0"
    if value < 0.01:
        return f"${value:.2g}" if value < 0.0001 else f"${value:.4f}"
    return f"${value:,.2f}" if value >= 1 else f"${value:.3f}"
