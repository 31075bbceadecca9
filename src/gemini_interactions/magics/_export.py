"""``%gemini export`` / ``save`` / ``load`` and autosave: a thin shell over ``..export``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import MagicUsageError

if TYPE_CHECKING:
    from ..chain import Chain
    from ._session import Session


def default_path() -> Path:
    """The chains file beside the notebook (Jupyter names it in JPY_SESSION_NAME), else in
    the working folder."""
    notebook = os.environ.get("JPY_SESSION_NAME", "")
    if notebook.endswith(".ipynb"):
        return Path(notebook).with_suffix(".gemini.json")
    return Path("gemini_chains.json")


def _outputs_for() -> Any:
    """The live view's static bundles (``render.static_outputs``: (bundle, metadata) pairs)
    as nbformat outputs when the render layer offers them, else the answer's text form."""
    from .. import render
    from ..export import text_outputs

    static = getattr(render, "static_outputs", None)
    if static is None:
        return text_outputs

    def outputs(turn: Any) -> list[dict[str, Any]]:
        return [
            {"output_type": "display_data", "data": dict(data), "metadata": dict(meta)}
            for data, meta in static(turn)
        ]

    return outputs


def export(
    session: Session, chain: Chain, file: str, turns: str | None, cassette: bool, outputs: bool
) -> None:
    """``%gemini export`` with its arguments parsed (``_lines.COMMANDS`` declares them)."""
    from ..export import ExportError, to_notebook, to_script, write_atomic, write_notebook

    flags = [f for f, on in (("--cassette", cassette), ("--no-outputs", not outputs)) if on]
    path = Path(file).expanduser()
    if path.suffix not in (".ipynb", ".py"):
        raise MagicUsageError(
            f"Export to a .ipynb or a .py file, not {path.name!r} (see `%gemini export --help`)."
        )
    if not path.parent.is_dir():
        raise MagicUsageError(f"The folder {str(path.parent)!r} does not exist; create it first.")
    namespace = session.namespace
    try:
        if path.suffix == ".py":
            if flags:
                raise MagicUsageError(f"{', '.join(flags)} apply to a notebook export only.")
            text, warnings = to_script(chain, turns=turns, namespace=namespace)
            from ..export._secrets import scrub_text

            write_atomic(path, scrub_text(text))
            written = [path]
            count = text.count("chain.send(")
        else:
            config: dict[str, str] = {}
            result = to_notebook(
                chain,
                turns=turns,
                cassette=cassette,
                cassette_name=f"{path.stem}.cassette.json",
                outputs=_outputs_for() if outputs else None,
                namespace=namespace,
                config=config,
                api_version=session.magics.api_version or "v1",
                folder=path.parent,
                files_dir=f"{path.stem}_files",
            )
            warnings, count = result.warnings, result.turns
            for note in result.notes:
                print(f"Note: {note}")
            written = write_notebook(path, result)
    except ExportError as exc:
        raise MagicUsageError(str(exc)) from None
    for warning in warnings:
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


def _same_turns(here: Chain, loaded: Chain) -> bool:
    """``loaded`` holds every turn ``here`` has, the same ones in the same order (a file saved
    from this kernel earlier, or later: loading it loses nothing)."""
    if len(here.turns) > len(loaded.turns):
        return False
    return all(
        (a.prompt, a.id, a.status) == (b.prompt, b.id, b.status)
        for a, b in zip(here.turns, loaded.turns, strict=False)
    )


def load(session: Session, file: str, replace: bool) -> None:
    from ..export import ChainFileError, load_chains

    try:
        chains, current = load_chains(Path(file).expanduser(), session.namespace)
    except ChainFileError as exc:
        raise MagicUsageError(str(exc)) from None
    registry = session.registry
    with session.background.lock:  # all or nothing: everything was read and checked above
        running = [
            c.name
            for c in chains
            if c.name in registry and any(t.status == "running" for t in registry.get(c.name).turns)
        ]
        if running:
            raise MagicUsageError(
                f"Chain {running[0]!r} has a background turn still running here; "
                "`%gemini wait` or `%gemini cancel` it, then load. Nothing was loaded."
            )
        clash = [
            c.name
            for c in chains
            if c.name in registry
            and registry.get(c.name).turns
            and not _same_turns(registry.get(c.name), c)
        ]
        if clash and not replace:
            names = ", ".join(repr(n) for n in clash)
            raise MagicUsageError(
                f"This kernel's chain(s) {names} have turns that {file} does not, and "
                f"loading would replace them. `%gemini save OTHER.json` them first, or load "
                f"with `--replace` to drop them. Nothing was loaded."
            )
        for chain in chains:
            chain.client = registry.client
            registry.chains[chain.name] = chain
        if current in registry or (current is None and chains):
            registry.current_name = current or chains[0].name
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
    if running and session.backend.kind == "offline":
        session.client()  # the in-process server, which must hold what is followed
    holds = getattr(session.server, "holds", None)
    for chain, turn in running:
        if holds is not None and turn.id and not holds(turn.id):
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
        session.background.rejoin(
            chain, turn, interval=session.magics.poll_interval, terminal=session._terminal()
        )


def autosave(session: Session) -> None:
    """After a turn: keep the chains file beside the notebook up to date, when asked to."""
    if session.magics.autosave and len(session.registry):
        save(session, quiet=True)
