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
    kind = what.split(":")[0].strip()
    where = f"line {number}" if number else "the cell"
    return "\n".join(
        [
            banner,
            "",
            f"The cell raised **{what}** at {where}. {_CAUSES.get(kind, _CAUSE)}",
            "",
            "Corrected cell (the failing line is kept as a comment for you to rewrite):",
            "```python",
            _corrected(source, number, kind),
            "```",
        ]
    )


_CAUSE = "Read the message: it names what Python could not do on that line."
_CAUSES = {
    "ZeroDivisionError": "A number was divided by zero: check the divisor before dividing.",
    "NameError": "A name was used before it was defined: run the cell that defines it first, "
    "or check its spelling.",
    "KeyError": "A dict (or DataFrame) has no such key: check the key's spelling, or use "
    "`.get(key, default)`.",
    "IndexError": "An index past the end of a sequence: check its length first.",
    "AttributeError": "The object has no such attribute: check its type and the name's spelling.",
    "TypeError": "A value of the wrong type for that operation: check what the variables hold.",
    "ValueError": "The type is right but the value is not accepted: check the input.",
    "ModuleNotFoundError": "The module is not installed in this kernel: `%pip install` it.",
    "FileNotFoundError": "No file at that path: check the path and the working folder.",
}


def _compiles(source: str) -> bool:
    try:
        compile(source, "<cell>", "exec")
    except (SyntaxError, ValueError):
        return False
    return True


def _corrected(source: str, number: int, kind: str) -> str:
    """The cell with the failing line commented out and an ``...`` in its place, when that
    still compiles; else a comment above the line. Never a cell that no longer parses."""
    lines = source.split("\n")
    if not 1 <= number <= len(lines):
        return source
    bad = lines[number - 1]
    indent = bad[: len(bad) - len(bad.lstrip())]
    note = f"{indent}# {bad.lstrip()}  <- raised {kind}: rewrite this line"
    candidate = "\n".join([*lines[: number - 1], note, f"{indent}...", *lines[number:]])
    if _compiles(candidate) or not _compiles(source):
        return candidate
    above = f"{indent}# the next line raised {kind}: rewrite it"
    return "\n".join([*lines[: number - 1], above, *lines[number - 1 :]])
