"""``%gemini export`` / ``save`` / ``load`` and autosave: a thin shell over ``..export``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import MagicUsageError

if TYPE_CHECKING:
    from ..chain import Chain, Turn
    from ._session import Session


def default_path() -> Path:
    """The chains file beside the notebook (Jupyter names it in JPY_SESSION_NAME), else in
    the working folder."""
    notebook = os.environ.get("JPY_SESSION_NAME", "")
    if notebook.endswith(".ipynb"):
        return Path(notebook).with_suffix(".gemini.json")
    return Path("gemini_chains.json")


def _outputs(turn: Turn) -> list[dict[str, Any]]:
    """The live view's static bundles of ``turn`` as nbformat outputs."""
    from ..render import static_outputs

    return [
        {"output_type": "display_data", "data": dict(data), "metadata": dict(meta)}
        for data, meta in static_outputs(turn)
    ]


def export(
    session: Session, chain: Chain, file: str, turns: str | None, cassette: bool, outputs: bool
) -> None:
    """``%gemini export`` with its arguments parsed (``_lines.COMMANDS`` declares them)."""
    from ..export._to_file import export_chain

    flags = [f for f, on in (("--cassette", cassette), ("--no-outputs", not outputs)) if on]
    path = Path(file).expanduser()
    if path.suffix not in (".ipynb", ".py"):
        raise MagicUsageError(
            f"Export to a .ipynb or a .py file, not {path.name!r} (see `%gemini export --help`)."
        )
    if not path.parent.is_dir():
        raise MagicUsageError(f"The folder {str(path.parent)!r} does not exist; create it first.")
    if path.suffix == ".py" and flags:
        raise MagicUsageError(f"{', '.join(flags)} apply to a notebook export only.")
    done = export_chain(
        chain,
        path,
        turns=turns,
        cassette=cassette,
        outputs=_outputs if outputs else None,
        namespace=session.namespace,
        api_version=session.magics.api_version or "v1",
    )
    for note in done.notes:
        print(f"Note: {note}")
    written, count = done.written, done.turns
    for warning in done.warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    also = f" and {', '.join(str(p) for p in written[1:])}" if written[1:] else ""
    print(f"Exported {count} turn(s) of chain {chain.name!r} to {written[0]}{also}.")


def save(session: Session, file: str | None = None, *, quiet: bool = False) -> Path:
    import warnings

    from ..export import save_chains
    from ..export._store import CredentialWarning

    path = Path(file).expanduser() if file else default_path()
    registry = session.registry
    with session.background.lock, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CredentialWarning)
        save_chains(path, list(registry), registry.current_name)
    if not quiet:
        turns = sum(len(c.turns) for c in registry)
        print(f"Saved {len(registry)} chain(s), {turns} turn(s), to {path}.")
        said = dict.fromkeys(str(w.message) for w in caught if w.category is CredentialWarning)
        for warning in said:
            print(f"Warning: {warning}", file=sys.stderr)
    return path


def load(session: Session, file: str, replace: bool) -> None:
    from ..export import load_chains

    chains, current = load_chains(Path(file).expanduser(), session.namespace)
    registry = session.registry
    with session.background.lock:  # all or nothing: everything was read and checked above
        clash = registry.merge(chains, current, source=file, replace=replace)
    heads = ", ".join(f"{c.name} (head {c.head.number if c.head else '-'})" for c in chains)
    dropped = f" Replaced this kernel's {', '.join(clash)}." if clash else ""
    print(
        f"Loaded {len(chains)} chain(s) from {file}: {heads}. Current: "
        f"{registry.current_name}.{dropped}"
    )
    from ..export._store import code_note

    note = code_note(file, chains)
    if note:
        print(note)
    _follow_running(session, chains)


def _follow_running(session: Session, chains: list[Chain]) -> None:
    """A background turn that was running when the file was saved shows its status again and is
    followed through the current backend: its stream resumed after its last event id, else
    polled (``wait``, ``cancel`` and the timeline work on it, as long as the server that runs
    it is the one cells go to: the live API or the same URL)."""
    running = [(c, t) for c in chains for t in c.turns if t.status == "running" and t.id]
    for chain, turn in running:
        if not session.holds(turn):
            # It ran on an in-process server of another kernel (or an earlier backend): polling
            # it here could only fail, so say so instead of "following it again".
            print(
                f"Turn {turn.number} of {chain.name} was running in the background on an offline "
                "server that is gone (another kernel's, or an earlier backend's), so its answer "
                "cannot be fetched here; it stays marked running. Re-run its cell to ask again."
            )
            continue
        print(
            f"Turn {turn.number} of {chain.name} was running in the background when saved: "
            "following it again (`%gemini wait` for its answer, `%gemini cancel` to stop it)."
        )
        session.follow(chain, turn)


def autosave(session: Session) -> None:
    """After a turn: keep the chains file beside the notebook up to date, when asked to."""
    if session.magics.autosave and len(session.registry):
        save(session, quiet=True)
