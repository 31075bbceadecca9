"""Attachments in an export, so it re-runs without the notebook that made it.

A file that still exists is attached by its path, relative to the export's folder (the folder
the exported notebook runs in). Data that came from a notebook variable (bytes, an image) or
from a file that is gone is written beside the export from the recorded request, and the
export attaches that file: the request it sends is byte for byte the recorded one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..chain import Turn

_URL = ("https://", "http://", "gs://")
_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "audio/wav": ".wav", "audio/mp3": ".mp3"}


@dataclass
class AttachmentPlan:
    """What the export's ``--attach`` values are, and the files to write beside it."""

    labels: dict[int, list[str]] = field(default_factory=dict)
    """Turn number -> the ``--attach`` values its exported cell uses."""
    files: dict[str, bytes] = field(default_factory=dict)
    """Path relative to the export's folder -> the bytes to write there."""
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _recorded_blocks(turn: Turn) -> list[dict[str, Any]]:
    """The first request's attachment blocks, in order (the prompt text goes first)."""
    first = turn.requests[0] if turn.requests else {}
    items = first.get("input")
    if not isinstance(items, list):
        return []
    return [b for b in items[1:] if isinstance(b, dict)]


def _file_name(label: str, mime: str, data: bytes, taken: dict[str, bytes]) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("._") or "attachment"
    ext = _EXTENSIONS.get(mime) or mimetypes.guess_extension(mime) or ".bin"
    name = f"{stem}{ext}"
    if name in taken and taken[name] != data:
        name = f"{stem}-{hashlib.sha256(data).hexdigest()[:8]}{ext}"
    return name


def _outside(label: str) -> bool:
    """A path that leaves the folder it is read from: absolute, ``~``, or with ``..``."""
    path = Path(label)
    return label.startswith("~") or path.is_absolute() or ".." in path.parts


def plan_attachments(turns: list[Turn], folder: Path | None, files_dir: str) -> AttachmentPlan:
    """How each turn's attachments travel with an export written into ``folder``."""
    plan = AttachmentPlan()
    base = (folder or Path(".")).resolve()
    written: dict[str, bytes] = {}
    for n, turn in enumerate(turns, 1):
        labels = [str(a) for a in turn.options.get("attachments") or []]
        if not labels:
            continue
        blocks = _recorded_blocks(turn)
        out: list[str] = []
        for index, label in enumerate(labels):
            path = Path(label).expanduser()
            if label.startswith(_URL):
                out.append(label)
                continue
            inside = path.is_file() and path.resolve().is_relative_to(base)
            if inside:
                out.append(Path(os.path.relpath(path.resolve(), base)).as_posix())
                continue
            block = blocks[index] if index < len(blocks) else {}
            try:
                data = base64.b64decode(str(block["data"]), validate=True)
            except (KeyError, binascii.Error, ValueError):
                if path.is_file() or _outside(label):
                    # A path out of the export's folder (../../etc/passwd in a chains file
                    # from someone else) would send that file when the export runs: refused.
                    plan.warnings.append(
                        f"turn {n}'s attachment {label!r} is outside the export's folder and "
                        "its data was not recorded, so the export leaves it out."
                    )
                    continue
                plan.warnings.append(
                    f"turn {n}'s attachment {label!r} is not a file and its data was not "
                    "recorded: the exported cell names it as it was, so define it before "
                    "running that cell."
                )
                out.append(label)
                continue
            if path.is_file() or _outside(label):
                # Out of the export's folder: its recorded bytes travel with the export, under
                # the file's own name (so its type reads the same), never the path itself.
                name = _file_name(path.stem, str(block.get("mime_type") or ""), data, written)
                name = f"{Path(name).stem}{path.suffix}" if path.suffix else name
                written[name] = data
                relative = f"{files_dir}/{name}"
                plan.notes.append(
                    f"turn {n}'s attachment {label!r} is outside the export's folder: its "
                    f"recorded data is written to {relative}, which the exported cells attach."
                )
                plan.files[relative] = data
                out.append(relative)
                continue
            name = _file_name(label, str(block.get("mime_type") or ""), data, written)
            written[name] = data
            relative = f"{files_dir}/{name}"
            if relative not in plan.files:
                plan.notes.append(
                    f"turn {n}'s attachment {label!r} is not a file here (a notebook "
                    f"variable?): its recorded data is written to {relative}, which the "
                    "exported cells attach."
                )
            plan.files[relative] = data
            out.append(relative)
        plan.labels[n] = out
    return plan
