from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import CapturedIO, capture_output

from gemini_interactions.magics import GeminiMagics

FIXTURES = Path(__file__).parent / "data" / "fixtures.json"


class Kernel:
    """A real InteractiveShell with the extension loaded, and helpers to run magics."""

    def __init__(self, shell: InteractiveShell) -> None:
        self.shell = shell

    @property
    def magics(self) -> GeminiMagics:
        magics: GeminiMagics = self.shell._gemini_interactions_magics  # type: ignore[attr-defined]
        return magics

    @property
    def ns(self) -> dict[str, Any]:
        return self.shell.user_ns  # type: ignore[no-any-return]

    def cell(self, line: str, body: str) -> CapturedIO:
        with capture_output() as captured:
            self.shell.run_cell_magic("gemini", line, body)
        return captured

    def line(self, line: str) -> CapturedIO:
        with capture_output() as captured:
            self.shell.run_line_magic("gemini", line)
        return captured

    def posts(self) -> list[dict[str, Any]]:
        server = self.magics.session.server
        return [
            r.json
            for r in server.requests
            if r.method == "POST" and r.path.endswith("/interactions")
        ]

    def state(self) -> Any:
        """Everything a user mistake must leave alone."""
        session = self.magics.session
        registry = session.registry
        chains = {
            name: ([(t.number, t.status) for t in c.turns], c.head.number if c.head else None)
            for name, c in registry.chains.items()
        }
        server = session.server
        return (
            chains,
            registry.current_name,
            self.ns.get("_gemini"),
            session.backend.describe(),
            len(server.requests) if server is not None else 0,
        )


@pytest.fixture(scope="session")
def _shell() -> InteractiveShell:
    return InteractiveShell.instance()


def said(shell: InteractiveShell, source: str) -> str:
    """Everything a cell shows as text (its output, and its error paragraph if it fails), run
    the way a notebook runs it."""
    with capture_output() as captured:
        shell.run_cell(source, store_history=False)
    return captured.stdout + captured.stderr


def forget_kept(shell: InteractiveShell) -> None:
    """Close what an earlier ``%unload_ext`` kept for a later load, so each test starts clean."""
    kept = getattr(shell, "_gemini_interactions_kept", None)
    if kept is not None:
        kept.close()
        shell._gemini_interactions_kept = None  # type: ignore[attr-defined]


@pytest.fixture
def kernel(_shell: InteractiveShell) -> Iterator[Kernel]:
    forget_kept(_shell)
    _shell.config.pop("GeminiMagics", None)  # what an earlier test's %config left
    _shell.run_line_magic("load_ext", "gemini_interactions")
    k = Kernel(_shell)
    k.magics.poll_interval = 0  # tests poll by hand
    k.line(f"backend offline --fixtures {FIXTURES}")
    yield k
    _shell.run_line_magic("unload_ext", "gemini_interactions")
    forget_kept(_shell)
    for name in list(_shell.user_ns):
        if not name.startswith("_") and name not in ("In", "Out", "exit", "quit", "get_ipython"):
            del _shell.user_ns[name]
    _shell.user_ns.pop("_gemini", None)
