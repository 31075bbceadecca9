"""Chains of turns over the Interactions API: continue, branch, tools, structured output.

This layer stands on its own (no IPython): the ``%%gemini`` magics are a thin shell over it.
"""

from __future__ import annotations

from .._public import public_home
from ._attach import attachment_content
from ._chain import Chain
from ._errors import ChainUsageError, TurnFailedError
from ._map import MapBudgetReached
from ._options import DEFAULT_MODEL, THINKING_LEVELS, SendOptions
from ._prices import set_prices
from ._registry import ChainRegistry
from ._schema import ResponseSchema, response_schema
from ._timing import StepTime
from ._tools import FunctionTool, ToolRun, function_tool
from ._trace import TurnTracer
from ._turn import Turn, TurnObserver

__all__ = [
    "DEFAULT_MODEL",
    "THINKING_LEVELS",
    "Chain",
    "ChainRegistry",
    "ChainUsageError",
    "FunctionTool",
    "MapBudgetReached",
    "ResponseSchema",
    "SendOptions",
    "StepTime",
    "ToolRun",
    "Turn",
    "TurnFailedError",
    "TurnObserver",
    "TurnTracer",
    "attachment_content",
    "function_tool",
    "response_schema",
    "set_prices",
]

public_home(__name__, __all__, globals())
