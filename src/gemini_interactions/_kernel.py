"""A kernel's state below the shell: its chains, the backend they send to, the client (and the
in-process server) built for it, and the background turns it follows.

No IPython here: the magics' ``Session`` is this state plus a notebook; a script can hold one too.
The client is built on first use and rebuilt when the backend or its settings change; a client
a background turn still polls through is kept open until the kernel closes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from ._backend import NO_KEY_MESSAGE, NO_KEY_SWITCH_MESSAGE, Backend, check_reachable, make_client
from ._backend import parse_backend as parse_backend
from .api._errors import ConfigurationError, InvalidAPIKeyError, MissingAPIKeyError
from .chain import Chain, ChainRegistry, ChainUsageError
from .chain._background import Background

if TYPE_CHECKING:
    from .api import Client
    from .chain import Turn


class Settings(Protocol):
    """Where the backend settings are read, each time a client is built (``GeminiMagics``)."""

    @property
    def backend(self) -> str: ...

    @property
    def api_version(self) -> str: ...

    @property
    def base_url(self) -> str: ...


class KernelState:
    """The chains, backend, client and background turns of one kernel."""

    def __init__(self, settings: Settings, namespace: Callable[[], dict[str, Any]]) -> None:
        self.settings = settings
        self.registry = ChainRegistry()
        self.backend = parse_backend(settings.backend)
        self.server: Any = None
        """The in-process server of the offline backend (None elsewhere)."""
        self._client: Client | None = None
        self._stamp: tuple[tuple[str, float, int], ...] = ()
        """The offline server's files as they were when it was built (``Backend.files_stamp``)."""
        self._retired: list[Client] = []
        """Clients of earlier backends that background turns still poll through."""
        self.background = Background(namespace, self.registry.holds)

    def client(self) -> Client:
        if self._client is None:
            self._client, self.server = self._build(self.backend)
            self._stamp = self.backend.files_stamp()
            self.registry.client = self._client
        return self._client

    def _build(self, backend: Backend, *, switching: bool = False) -> tuple[Client, Any]:
        try:
            return make_client(
                backend,
                api_version=self.settings.api_version,
                base_url=self.settings.base_url,
            )
        except MissingAPIKeyError:
            if switching:
                raise ChainUsageError(NO_KEY_SWITCH_MESSAGE.format(self.backend.kind)) from None
            raise ChainUsageError(NO_KEY_MESSAGE) from None
        except InvalidAPIKeyError as exc:
            after = f"The backend stays {self.backend.kind}." if switching else "Nothing was sent."
            raise ChainUsageError(f"{exc} {after}") from None
        except ConfigurationError as exc:
            raise ChainUsageError(f"The client cannot be configured: {exc}") from None

    def dry_run_client(self) -> Client:
        """A client that builds requests; without a key it gets a transport that never sends."""
        try:
            return self.client()
        except ChainUsageError:
            import httpx

            from .api import Client

            def refuse(request: httpx.Request) -> httpx.Response:
                raise RuntimeError("a dry run sends nothing")

            return Client(
                transport=httpx.MockTransport(refuse), api_version=self.settings.api_version
            )

    def set_backend(self, backend: Backend) -> bool:
        """Use ``backend``; False when it is the offline server in use, which is kept as it is.

        A new in-process server knows none of the old one's interactions, so selecting the same
        offline backend again (Run All twice) must not replace it: every earlier turn could no
        longer be continued. Changed fixture or cassette files do build a new one."""
        if (
            backend.kind == "offline"
            and self.server is not None
            and backend.spec() == self.backend.spec()
            and backend.files_stamp() == self._stamp
        ):
            return False
        if backend.kind == "url" and backend.url:
            check_reachable(backend.url)
        client, server = self._build(backend, switching=True)  # fails before anything changes
        self._retire_client()
        self.backend, self._client, self.server = backend, client, server
        self._stamp = backend.files_stamp()
        self.registry.client = client
        return True

    def reconfigure(self, setting: str) -> None:
        """Drop the client so the next use builds it from the new ``setting``.

        ``base_url`` is the live API's and ``api_version`` a remote server's; the in-process
        server is kept (with the interactions it stores) unless the backend itself changes."""
        if setting == "backend":
            if self.settings.backend == self.backend.spec():
                return  # `%gemini backend` set it, and has built the client already
            self.backend = parse_backend(self.settings.backend)
        elif self.backend.kind == "offline" or (
            setting == "base_url" and self.backend.kind != "live"
        ):
            return
        self._retire_client()
        self._client, self.server = None, None
        self.registry.client = None

    def _retire_client(self) -> None:
        """The backend changes: close its client, unless a background turn still polls it."""
        if self._client is None:
            return
        if self.registry.running():
            self._retired.append(self._client)
        else:
            self._client.close()

    def close(self) -> None:
        self.background.stop()
        for client in [*self._retired, *([self._client] if self._client else [])]:
            client.close()
        self._retired.clear()

    def holds(self, turn: Turn) -> bool:
        """Whether the backend can reach ``turn``'s interaction: the in-process server keeps
        only its own (a turn of an earlier server, or of another kernel's, is gone)."""
        if self.backend.kind == "offline":
            self.client()  # the in-process server, which must hold it
        held = getattr(self.server, "holds", None)  # the in-process server's; None elsewhere
        return held is None or not turn.id or bool(held(turn.id))

    def check_parent_held(self, chain: Chain, *, new: bool, from_turn: int | None) -> None:
        """Refuse to continue a turn whose interaction the in-process server does not hold.

        Its conversation lived on an earlier offline server (the backend was switched, or the
        turn was loaded from a file saved in another kernel): sending its id would be a 404 at
        best, so the turn fails before anything is sent or recorded."""
        if self.backend.kind != "offline":
            return
        parent: Turn | None
        if from_turn is not None:
            try:
                parent = chain.turn(from_turn)
            except ChainUsageError:
                return  # the chain says which turns exist, in its own words
        elif not new:
            parent = chain.head
        else:
            return
        if parent is None or not parent.continuable or self.holds(parent):
            return  # the chain itself says why a turn cannot be continued, in its words
        raise ChainUsageError(
            f"Turn {parent.number} of chain {chain.name!r} cannot be continued: its "
            "conversation lived on an earlier offline server, which is gone (the backend was "
            "selected anew, or the chain was loaded from a file saved in another kernel), and "
            "the in-process server keeps conversations only while it runs. Nothing was sent. "
            "Start afresh (leave out {new} and {from_turn}), or continue a turn made since "
            "(`%gemini history` lists them).",
            from_turn="",
            new="False",
        )

    def background_turn(self, id: str | None, verb: str) -> tuple[Chain, Turn]:
        """The background turn ``%gemini wait``/``cancel`` (``verb``) acts on: the one with
        interaction id ``id``, else the latest running one (the current chain's first)."""
        registry = self.registry
        if id is not None:
            found = registry.find(id)
            if found is None:
                raise ChainUsageError(
                    f"No turn of any chain has the interaction id {id!r} (see `%gemini history`)."
                )
        else:
            running = registry.running()
            if not running:
                raise ChainUsageError(
                    f"No background turn is running, so there is nothing to {verb}."
                )
            current = [(c, t) for c, t in running if c.name == registry.current_name]
            found = (current or running)[-1]
        chain, turn = found
        # A loaded turn that ran on an offline server of another kernel cannot be reached (one
        # sent in this kernel keeps the client of the server it went to, also after a switch).
        if not self.holds(turn) and chain.client_for(turn) is self.client():
            raise ChainUsageError(
                f"Turn {turn.number} of {turn.chain} ran on an offline server that is gone "
                f"(another kernel's, or an earlier backend's), so `%gemini {verb}` cannot reach "
                "it; re-run its cell to ask again."
            )
        return chain, turn

    def source(self) -> str | None:
        """Where turns go when not the live API, for the status line's badge (``Turn.source``)."""
        backend = self.backend
        if backend.kind == "offline":
            return "cassette" if backend.cassette else "fixtures" if backend.fixtures else "offline"
        if backend.kind == "url" and backend.placeholder_key:
            return "local server"
        return None
