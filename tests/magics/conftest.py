from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import ExecutionResult, InteractiveShell
from IPython.utils.capture import CapturedIO, capture_output

from gemini_interactions.magics import GeminiMagics

FIXTURES = Path(__file__).parent / "data" / "fixtures.json"


class Ran:
    """What a cell showed (``stdout``, ``stderr``, ``outputs``) and how it ended (``error``)."""

    def __init__(self, captured: CapturedIO, result: ExecutionResult) -> None:
        self.stdout = captured.stdout
        self.stderr = captured.stderr
        self.outputs = captured.outputs
        self.result = result
        self.error = result.error_in_exec

    @property
    def shown(self) -> str:
        """Everything the cell showed as text: printed, and displayed (``text/plain``)."""
        return self.stdout + "".join(o.data.get("text/plain", "") for o in self.outputs)

    @property
    def message(self) -> str:
        """The paragraph a failed cell shows in place of a traceback."""
        render = getattr(self.error, "_render_traceback_", None)
        assert render is not None, f"{self.error!r} would show a traceback"
        return "\n".join(render())

    def check_one_paragraph(self) -> None:
        text = self.message
        assert text.strip() and "\n\n" not in text, text
        assert "Traceback" not in self.stdout + self.stderr
        assert self.stdout.count(text) == 1, self.stdout  # shown once, where a traceback goes


class Saved:
    """A cell's outputs as the saved notebook holds them (updates applied by display id),
    joined per MIME type; the metadata is the last output's."""

    def __init__(self, outputs: list[Any]) -> None:
        kept: list[Any] = []
        where: dict[str, int] = {}
        for out in outputs:
            display_id = (getattr(out, "transient", None) or {}).get("display_id")
            if getattr(out, "update", False) and display_id in where:
                kept[where[display_id]] = out
                continue
            if display_id:
                where[display_id] = len(kept)
            kept.append(out)
        self.outputs = kept
        self.data: dict[str, str] = {}
        for out in kept:
            for mime, value in out.data.items():
                if isinstance(value, str):
                    sep = "\n\n" if mime in self.data else ""
                    self.data[mime] = self.data.get(mime, "") + sep + value
        self.metadata = kept[-1].metadata if kept else {}


def saved(captured: Any) -> Saved:
    return Saved(captured.outputs)


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

    def cell(self, line: str, body: str, *, fails: bool = False) -> Ran:
        """``%%gemini line`` + ``body`` run as a cell (an error ends the cell, as in Run All)."""
        return self._run(f"%%gemini {line}\n{body}", fails)

    def line(self, line: str, *, fails: bool = False) -> Ran:
        return self._run(f"%gemini {line}", fails)

    def _run(self, source: str, fails: bool) -> Ran:
        with capture_output() as captured:
            result = self.shell.run_cell(source, store_history=False)
        ran = Ran(captured, result)
        if fails:
            assert not result.success, f"{source!r} succeeded: {captured.stdout}"
            ran.check_one_paragraph()
        else:
            assert result.success, f"{source!r} failed: {captured.stdout}{captured.stderr}"
        return ran

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
