"""``%gemini fix [--apply]``: send the last exception and its cell, show the corrected cell."""

from __future__ import annotations

import linecache
import re
import sys
import traceback
from typing import TYPE_CHECKING, Any

from ..server._offline_fix import FIX_HEADER
from ._errors import MagicUsageError

if TYPE_CHECKING:
    from ._session import Session

_CELL_FILE = re.compile(r"^<ipython-input-|ipykernel_\d+|<cell line")


def _user_frames(tb: Any) -> list[traceback.FrameSummary]:
    frames = traceback.extract_tb(tb)
    mine = [f for f in frames if _CELL_FILE.search(f.filename or "")]
    return mine or frames[-3:]


def fix_prompt(error: BaseException) -> tuple[str, str]:
    """(the prompt, the failing cell's source) for the exception ``error``."""
    frames = _user_frames(error.__traceback__)
    cell = frames[-1] if frames else None
    source = "".join(linecache.getlines(cell.filename)) if cell is not None else ""
    line = cell.lineno if cell is not None else 0
    failing = source.split("\n")[line - 1] if cell is not None and line else ""
    stack = "\n".join(f"  {f.filename}:{f.lineno} in {f.name}: {f.line}" for f in frames)
    prompt = "\n".join(
        [
            FIX_HEADER,
            "Explain the error in a few sentences, then give the whole corrected cell in one "
            "```python block.",
            f"Exception: {type(error).__name__}: {error}",
            f"Failing line {line}: {failing.strip()}",
            "Frames (the user's code):",
            stack,
            "Cell source:",
            "```python",
            source.rstrip("\n"),
            "```",
        ]
    )
    return prompt, source


def corrected_cell(answer: str) -> str | None:
    """The last ```python block of the answer."""
    blocks = re.findall(r"```(?:python|py)?\n(.*?)```", answer, re.S)
    return blocks[-1].rstrip("\n") if blocks else None


def run_fix(session: Session, apply: bool) -> None:
    error = getattr(sys, "last_value", None) or getattr(sys, "last_exc", None)
    if error is None:
        raise MagicUsageError("There is no error to fix yet: `%gemini fix` explains the last one.")
    prompt, _ = fix_prompt(error)
    from ..chain import Chain

    chain = Chain(session.client(), name="fix")
    from ..render import LiveView, TerminalPrinter

    source = session.source()
    view = TerminalPrinter(source=source) if session.terminal() else LiveView(source=source)
    turn = chain.send(prompt, observer=view)
    fixed = corrected_cell(turn.output_text)
    if apply:
        if fixed is None:
            raise MagicUsageError("The answer has no corrected cell to apply; nothing was changed.")
        shell = session.magics.shell
        if shell is not None:
            shell.set_next_input(fixed, replace=False)
