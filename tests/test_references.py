"""What the code and docs cite is in the repository: a reader of a fresh clone can follow every
reference. The planning documents the project was written from live outside it, so naming them
(or "the spec's" section or appendix) points at nothing; the rule the text relies on is cited
from the repository (CONTRIBUTING.md, docs/, tests/data/...) or stated inline instead."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Documents that are not in the repository; spelled in pieces so this file does not cite them.
OUTSIDE = re.compile(
    r"\b(?:" + "|".join(("design", "roadmap", "e2e-recipe", "interactions-api")) + r")\.md\b"
    r"|\bthe spec's\b|\bspec(?:ification)?'s (?:section|appendix)\b",
    re.IGNORECASE,
)


def _texts() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").glob("*.md")]
    for folder in ("src", "tests", "tools", "benchmarks"):
        files += (ROOT / folder).rglob("*.py")
    return [p for p in files if p.resolve() != Path(__file__).resolve()]


def test_nothing_cites_a_document_outside_the_repository() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _texts()
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []


def test_every_markdown_file_named_in_the_docs_exists() -> None:
    named = re.compile(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)")
    missing = [
        f"{path.relative_to(ROOT)} -> {target}"
        for path in [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").glob("*.md")]
        for target in named.findall(path.read_text())
        if not (path.parent / target).exists()
    ]
    assert missing == []
