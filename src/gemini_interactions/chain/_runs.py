"""The run store: every finished ``--map`` element, written as it finishes, to one SQLite file.

A map element is keyed by its exact request (and where it goes), so a re-run of the same cell,
after a restart, a crash or ``kill -9``, finds what was already paid for and sends only the rest.
SQLite from the standard library in WAL mode: one file beside the notebook, nothing to install
or start. Rows are committed by one writer thread per store, a batch of whatever is waiting per
commit, so the threads streaming answers never wait on the file; a map counts an element as done
only once its row is committed (``put(..., then=)``), so a killed kernel loses at most the
elements in flight.

The kernel holds only a compact line per element; the answer text and the element's whole turn
(what export and save re-send) stay in the file and are read when asked for.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from ._errors import ChainUsageError

SCHEMA_VERSION = 1
ENV = "GEMINI_INTERACTIONS_RUNS"
"""Names the store file (tests and scripts point it elsewhere; ``:memory:`` keeps nothing)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cells (
    cell TEXT PRIMARY KEY, chain TEXT, template TEXT, over TEXT, model TEXT, total INTEGER,
    started REAL, updated REAL, state TEXT
);
CREATE TABLE IF NOT EXISTS items (
    key TEXT PRIMARY KEY, loose TEXT, cell TEXT, status TEXT, error TEXT,
    interaction_id TEXT, previous TEXT, model TEXT, tokens INTEGER, cost REAL,
    usage TEXT, text TEXT, turn TEXT, ended REAL
);
CREATE INDEX IF NOT EXISTS items_loose ON items (loose);
CREATE INDEX IF NOT EXISTS items_cell ON items (cell);
"""


_STORED_FIELDS = "key, status, error, interaction_id, previous, tokens, cost"
_INSERT = "INSERT OR REPLACE INTO items VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
_IDLE = 1.0
"""Seconds the writer thread waits for more rows before it ends (the next put starts one)."""


class RunStoreError(ChainUsageError):
    """The store cannot be used (written by a newer version, or not a readable SQLite file);
    nothing in it was changed."""


def default_path() -> str:
    """Beside the notebook (Jupyter names it in JPY_SESSION_NAME), else in the working folder;
    ``GEMINI_INTERACTIONS_RUNS`` overrides both."""
    named = os.environ.get(ENV, "")
    if named:
        return named
    notebook = os.environ.get("JPY_SESSION_NAME", "")
    if notebook.endswith(".ipynb"):
        return str(Path(notebook).with_suffix(".gemini-runs.sqlite"))
    return "gemini_runs.sqlite"


@dataclass(frozen=True, slots=True)
class Stored:
    """What the store says about one element (the compact part; text and turn stay on disk)."""

    key: str
    status: str
    error: str | None
    interaction_id: str | None
    previous: str | None
    tokens: int
    cost: float | None

    @property
    def ok(self) -> bool:
        return self.status in ("completed", "incomplete") and self.error is None


@dataclass(frozen=True, slots=True)
class CellSummary:
    """One map cell's line in ``%gemini runs``."""

    cell: str
    chain: str
    template: str
    over: str
    model: str | None
    total: int
    done: int
    failed: int
    tokens: int
    cost: float | None
    updated: float
    state: str


class RunStore:
    """One SQLite file (shared by every run in this process that names it)."""

    _open: dict[str, RunStore] = {}
    _open_lock = threading.Lock()

    @classmethod
    def at(cls, path: str | os.PathLike[str] | None = None) -> RunStore:
        """The store at ``path`` (default: ``default_path()``), opened once per process."""
        raw = str(path) if path is not None else default_path()
        name = raw if raw == ":memory:" else str(Path(raw).expanduser().resolve())
        with cls._open_lock:
            store = cls._open.get(name)
            if store is None or raw == ":memory:":
                store = cls(raw if raw == ":memory:" else name)
                if raw != ":memory:":
                    cls._open[name] = store
            return store

    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.Lock()
        # Rows waiting for the writer thread, each with what to call once it is committed
        # (None: a flush waiting for what came before it).
        self._waiting: queue.SimpleQueue[
            tuple[tuple[Any, ...] | None, Callable[[RunStoreError | None], None]]
        ] = queue.SimpleQueue()
        self._writer_lock = threading.Lock()
        self._writing = False
        try:
            self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._check_version()
            self.db.execute("PRAGMA journal_mode=WAL")
            # A commit survives the process being killed; only a power cut could lose one.
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=5000")
            self.db.executescript(_SCHEMA)
            self.db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
            )
        except sqlite3.Error as exc:
            raise RunStoreError(
                f"The run store {path} cannot be used ({exc}). Nothing in it was changed; move it "
                "aside to keep it (a new store starts in its place), or name another file with "
                f"%config GeminiMagics.runs_store (the {ENV} environment variable)."
            ) from None

    def _check_version(self) -> None:
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master")}
        if "meta" not in tables:
            return
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        version = int(row[0]) if row and str(row[0]).isdigit() else None
        if version is None or version > SCHEMA_VERSION:
            raise RunStoreError(
                f"The run store {self.path} was written by a newer version of "
                f"gemini-interactions (store version {row[0] if row else '?'}, this one reads "
                f"{SCHEMA_VERSION}). Nothing in it was changed; upgrade the package, or name "
                f"another file with %config GeminiMagics.runs_store."
            )

    @contextlib.contextmanager
    def _using(self) -> Iterator[None]:
        """One statement at a time (the connection is shared by the pool's threads); a store
        that fails under us (disk full, the file replaced or damaged) is one paragraph."""
        with self.lock:
            try:
                yield
            except sqlite3.Error as exc:
                raise RunStoreError(
                    f"The run store {self.path} failed ({exc}). What it held before is kept; "
                    "free some space or move the file aside, then run the cell again: it sends "
                    "only what the store does not have."
                ) from None

    # --- writing ------------------------------------------------------------------------------

    def start_cell(
        self, cell: str, chain: str, template: str, over: str, model: str | None, total: int
    ) -> None:
        now = time.time()
        with self._using():
            self.db.execute(
                "INSERT INTO cells VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running') ON CONFLICT(cell) DO "
                "UPDATE SET total = excluded.total, updated = excluded.updated, state = 'running'",
                (cell, chain, template, over, model, total, now, now),
            )

    def end_cell(self, cell: str, state: str) -> None:
        with self._using():
            self.db.execute(
                "UPDATE cells SET state = ?, updated = ? WHERE cell = ?", (state, time.time(), cell)
            )

    def put(
        self,
        *,
        key: str,
        loose: str,
        cell: str,
        status: str,
        error: str | None,
        interaction_id: str | None,
        previous: str | None,
        model: str | None,
        tokens: int,
        cost: float | None,
        usage: dict[str, int],
        text: str,
        turn: dict[str, Any] | None,
        then: Callable[[RunStoreError | None], None] | None = None,
    ) -> None:
        """One element's row. Without ``then``: committed before this returns (a failing
        store raises ``RunStoreError``). With it: queued for the writer thread, and
        ``then(None)`` (or ``then(error)``) is called on that thread once the batch holding it
        is committed (or failed): the caller goes on at once, and counts the element only in
        ``then``."""
        row = (
            key,
            loose,
            cell,
            status,
            error,
            interaction_id,
            previous,
            model,
            tokens,
            cost,
            json.dumps(usage),
            text,
            json.dumps(turn, default=str) if turn is not None else None,
            time.time(),
        )
        if then is not None:
            self._queue(row, then)
            return
        settled = threading.Event()
        failures: list[RunStoreError | None] = []

        def done(failure: RunStoreError | None) -> None:
            failures.append(failure)
            settled.set()

        self._queue(row, done)
        settled.wait()
        if failures[0] is not None:
            raise failures[0]

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every row queued before this call is committed (and its ``then``
        called); False if ``timeout`` seconds passed first."""
        reached = threading.Event()
        self._queue(None, lambda failure: reached.set())
        return reached.wait(timeout)

    def _queue(
        self, row: tuple[Any, ...] | None, then: Callable[[RunStoreError | None], None]
    ) -> None:
        # SimpleQueue: a put never waits on a lock the writer holds (a streaming thread that
        # blocks there waits for the GIL again too, and the whole pool slows with it).
        self._waiting.put((row, then))
        if not self._writing:
            with self._writer_lock:
                if not self._writing:
                    self._writing = True
                    threading.Thread(
                        target=self._write, name="gemini-run-store", daemon=True
                    ).start()

    def _write(self) -> None:
        """The writer thread: commits whatever is waiting as one transaction, then tells each
        row's caller; ends after a second with nothing to write (the next put starts one)."""
        while True:
            try:
                batch = [self._waiting.get(timeout=_IDLE)]
            except queue.Empty:
                with self._writer_lock:
                    self._writing = False
                    if self._waiting.empty():
                        return
                    self._writing = True  # a put came in as we were ending: go on
                continue
            with contextlib.suppress(queue.Empty):
                while True:
                    batch.append(self._waiting.get_nowait())
            failure: RunStoreError | None = None
            rows = [row for row, _ in batch if row is not None]
            if rows:
                try:
                    self._commit(rows)
                except RunStoreError as exc:
                    failure = exc
                except Exception as exc:  # anything else still fails those rows, not the writer
                    failure = RunStoreError(
                        f"The run store {self.path} failed ({type(exc).__name__}: {exc}). What "
                        "it held before is kept; run the cell again: it sends only what the "
                        "store does not have."
                    )
            for _, then in batch:
                with contextlib.suppress(Exception):  # a caller's bug must not stop the writer
                    then(failure)

    def _commit(self, rows: list[tuple[Any, ...]]) -> None:
        with self._using():
            if len(rows) == 1:
                self.db.execute(_INSERT, rows[0])
                return
            self.db.execute("BEGIN")
            try:
                self.db.executemany(_INSERT, rows)
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise

    # --- reading ------------------------------------------------------------------------------

    def _select(
        self, column: str, keys: Sequence[str], fields: str = _STORED_FIELDS
    ) -> Iterator[tuple[Any, ...]]:
        """``fields`` and ``column`` of the rows whose ``column`` is among ``keys`` (in chunks
        of 500: SQLite caps the parameters of one statement)."""
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            with self._using():
                rows = self.db.execute(
                    f"SELECT {fields}, {column} FROM items WHERE {column} IN ({marks})", chunk
                ).fetchall()
            yield from rows

    def lookup(self, keys: Sequence[str]) -> dict[str, Stored]:
        """The stored elements among ``keys`` (finished or failed)."""
        return {row[0]: Stored(*row[:7]) for row in self._select("key", keys)}

    def finished_like(self, looses: Sequence[str]) -> dict[str, Stored]:
        """Finished elements whose request was the same but for its context (by loose key)."""
        out: dict[str, Stored] = {}
        for row in self._select("loose", looses):
            stored = Stored(*row[:7])
            if stored.ok:
                out[row[7]] = stored
        return out

    def texts(self, keys: Sequence[str]) -> dict[str, str]:
        return {row[1]: row[0] or "" for row in self._select("key", keys, fields="text")}

    def text(self, key: str) -> str:
        return self.texts([key]).get(key, "")

    def usage(self, key: str) -> dict[str, int]:
        with self._using():
            row = self.db.execute("SELECT usage FROM items WHERE key = ?", (key,)).fetchone()
        return dict(json.loads(row[0])) if row and row[0] else {}

    def turns(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            with self._using():
                rows = self.db.execute(
                    f"SELECT key, turn FROM items WHERE key IN ({marks})", chunk
                ).fetchall()
            out.update((k, json.loads(t)) for k, t in rows if t)
        return out

    def cells(self) -> list[CellSummary]:
        """Every map cell this store has seen, newest first, with what it holds now."""
        with self._using():
            rows = self.db.execute(
                "SELECT c.cell, c.chain, c.template, c.over, c.model, c.total,"
                " SUM(i.status IN ('completed','incomplete') AND i.error IS NULL),"
                " SUM(i.status = 'failed'),"
                " COALESCE(SUM(i.tokens), 0), SUM(i.cost), COUNT(i.key), COUNT(i.cost),"
                " c.updated, c.state"
                " FROM cells c LEFT JOIN items i ON i.cell = c.cell"
                " GROUP BY c.cell ORDER BY c.updated DESC"
            ).fetchall()
        out = []
        for r in rows:
            cost = r[9] if r[10] == r[11] else None  # one unpriced element: the sum is unknown
            out.append(
                CellSummary(
                    cell=r[0],
                    chain=r[1],
                    template=r[2],
                    over=r[3],
                    model=r[4],
                    total=r[5],
                    done=r[6] or 0,
                    failed=r[7] or 0,
                    tokens=r[8],
                    cost=cost,
                    updated=r[12],
                    state=r[13],
                )
            )
        return out


class StoredTurns(Sequence[Any]):
    """A map run's element turns, read from the store when export or save asks (the kernel
    keeps only their keys); an element the store does not have is a bare turn of its prompt."""

    def __init__(self, store: RunStore, keys: list[str], bare: Any) -> None:
        self.store = store
        self.keys = keys
        self._bare = bare  # (position) -> Turn for an element never answered

    def __len__(self) -> int:
        return len(self.keys)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return list(self._load(range(len(self.keys))[index]))
        position = range(len(self.keys))[index]
        return next(iter(self._load([position])))

    def __iter__(self) -> Iterator[Any]:
        for start in range(0, len(self.keys), 500):
            yield from self._load(range(start, min(start + 500, len(self.keys))))

    def _load(self, positions: Iterable[int]) -> Iterator[Any]:
        from ._turn import Turn

        wanted = list(positions)
        found = self.store.turns([self.keys[p] for p in wanted])
        for p in wanted:
            data = found.get(self.keys[p])
            yield Turn.from_dict(data) if data is not None else self._bare(p)
