"""The offline model's deterministic answer to ``%gemini fix``: name the error and the line."""

from __future__ import annotations

import re

FIX_HEADER = "Explain and fix this notebook error."
_ERROR = re.compile(r"^Exception: (.+)$", re.M)
_LINE = re.compile(r"^Failing line (\d+): (.*)$", re.M)
_CELL = re.compile(r"^Cell source:\n```python\n(.*?)\n```", re.M | re.S)


def fix_answer(prompt: str, banner: str) -> str | None:
    """The answer when ``prompt`` is a fix request, else None."""
    if not prompt.startswith(FIX_HEADER):
        return None
    error = _ERROR.search(prompt)
    line = _LINE.search(prompt)
    cell = _CELL.search(prompt)
    what = error.group(1) if error else "an exception"
    number = int(line.group(1)) if line else 0
    source = cell.group(1) if cell else ""
    lines = source.split("\n")
    if 1 <= number <= len(lines):
        bad = lines[number - 1]
        indent = bad[: len(bad) - len(bad.lstrip())]
        lines[number - 1] = (
            f"{indent}# {bad.lstrip()}  # raised {what.split(':')[0]}: fix this line"
        )
    where = f"line {number}" if number else "the cell"
    return "\n".join(
        [
            banner,
            "",
            f"The cell raised **{what}** at {where}.",
            "",
            "Corrected cell:",
            "```python",
            "\n".join(lines),
            "```",
        ]
    )
