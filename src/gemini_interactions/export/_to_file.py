"""One chain written to a file by its name: a runnable notebook (``.ipynb``, its cassette and
attachment files beside it) or a plain script (``.py``), secrets scrubbed either way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._script import to_script
from ._secrets import scrub_text
from ._store import write_atomic

if TYPE_CHECKING:
    from ..chain import Chain
    from ._notebook import OutputsFor


@dataclass
class Exported:
    written: list[Path]
    """The files written, the notebook or script first."""
    turns: int
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def export_chain(
    chain: Chain,
    path: Path,
    *,
    turns: str | None = None,
    cassette: bool = False,
    outputs: OutputsFor | None = None,
    namespace: Mapping[str, Any] | None = None,
    api_version: str = "v1",
) -> Exported:
    """Write ``chain`` (``turns``: a spec such as ``1-3,5``) to ``path`` by its suffix;
    ``cassette`` and ``outputs`` (the live view's bundles of a turn) are a notebook's."""
    if path.suffix == ".py":
        text, warnings = to_script(chain, turns=turns, namespace=namespace)
        write_atomic(path, scrub_text(text))
        return Exported([path], text.count("chain.send("), list(warnings))
    from ._notebook import to_notebook, write_notebook

    result = to_notebook(
        chain,
        turns=turns,
        cassette=cassette,
        cassette_name=f"{path.stem}.cassette.json",
        outputs=outputs,
        namespace=namespace,
        api_version=api_version,
        folder=path.parent,
        files_dir=f"{path.stem}_files",
    )
    written = write_notebook(path, result)
    return Exported(written, result.turns, list(result.warnings), list(result.notes))
