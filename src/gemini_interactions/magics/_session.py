"""The state of the magics in one kernel (chains, backend, client) and how a cell runs.

Created on the first ``%%gemini`` or ``%gemini`` use, so ``%load_ext`` imports none of this.
Every user mistake is found before anything changes: names are resolved, options checked and the
chain chosen first; only then is a turn sent.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..api._errors import ConfigurationError, InvalidAPIKeyError, MissingAPIKeyError
from ..api._secret import Secret
from ..chain import Chain, ChainRegistry, ChainUsageError, TurnFailedError, attachment_content
from ..chain._schema import response_schema
from ..chain._tools import BUILTIN_TOOLS, function_tool
from ..render import AnswerView, BackgroundView
from ._backend import (
    NO_KEY_MESSAGE,
    NO_KEY_SWITCH_MESSAGE,
    Backend,
    check_reachable,
    make_client,
)
from ._errors import MagicUsageError
from ._failure import failure_message
from ._interpolate import _PATH, interpolate, lookup
from ._options import CellOptions

if TYPE_CHECKING:
    import argparse

    from ..api import Client
    from ..chain import Turn
    from ._magics import GeminiMagics


def env_secrets() -> tuple[Secret, ...]:
    """The API keys in the environment (what a prompt or output must never carry), held so no
    traceback of a failing interpolation can show them."""
    import os

    names = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    held = (Secret(os.environ.get(name, "").strip()) for name in names)
    return tuple(s for s in held if len(s.get()) >= 8)


def abbreviate_data(value: Any, limit: int = 200) -> Any:
    """The request with long inline ``data`` (base64 attachments) cut short, so a dry run with
    a 10 MB image prints a page, not 13 MB; everything else is exactly what would be sent."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "data" and isinstance(item, str) and len(item) > limit:
                out[key] = f"{item[:48]}… ({len(item)} base64 characters, sent in full)"
            else:
                out[key] = abbreviate_data(item, limit)
        return out
    if isinstance(value, list):
        return [abbreviate_data(item, limit) for item in value]
    return value


def _say(message: str) -> None:
    """One paragraph for the user, no traceback."""
    print(message, file=sys.stderr)


class Poller:
    """Polls a background turn in a daemon thread and updates its status display."""

    def __init__(
        self,
        chain: Chain,
        turn: Turn,
        view: BackgroundView,
        interval: float,
        on_done: Callable[[Turn], None],
    ):
        self.chain, self.turn, self.view, self.interval = chain, turn, view, interval
        self.on_done = on_done
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="gemini-poll", daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self.interval) and self.turn.status == "running":
            try:
                self.chain.refresh(self.turn)
                self.view.render(self.turn)
                if self.turn.status != "running":
                    self.on_done(self.turn)
            except Exception:  # the next %gemini wait reports errors; a poller never crashes
                return


class Session:
    def __init__(self, magics: GeminiMagics) -> None:
        self.magics = magics
        self.registry = ChainRegistry()
        self.backend = Backend(magics.backend) if magics.backend == "offline" else Backend()
        self.server: Any = None
        self._client: Client | None = None
        self.pollers: list[Poller] = []
        self.views: dict[str, BackgroundView] = {}
        self.outs: dict[int, str | None] = {}
        """``-o VAR`` of each background turn still running (by ``id(turn)``): set when done."""

    @property
    def namespace(self) -> dict[str, Any]:
        ns: dict[str, Any] = self.magics.shell.user_ns if self.magics.shell else {}
        return ns

    @property
    def hidden_names(self) -> set[str]:
        """IPython's own names in the namespace (In, Out, exit ...): never interpolated."""
        shell = self.magics.shell
        return set(getattr(shell, "user_ns_hidden", {}) or {}) if shell else set()

    # --- backend and client ---------------------------------------------------------------------

    def client(self) -> Client:
        if self._client is None:
            self._client, self.server = self._make(self.backend)
            self.registry.client = self._client
        return self._client

    def _make(self, backend: Backend, *, switching: bool = False) -> tuple[Client, Any]:
        try:
            return make_client(
                backend, api_version=self.magics.api_version, base_url=self.magics.base_url
            )
        except MissingAPIKeyError:
            if switching:
                raise MagicUsageError(NO_KEY_SWITCH_MESSAGE.format(self.backend.kind)) from None
            raise MagicUsageError(NO_KEY_MESSAGE) from None
        except InvalidAPIKeyError as exc:
            after = f"The backend stays {self.backend.kind}." if switching else "Nothing was sent."
            raise MagicUsageError(f"{exc} {after}") from None
        except ConfigurationError as exc:
            raise MagicUsageError(f"The client cannot be configured: {exc}") from None

    def dry_run_client(self) -> Client:
        """A client that builds requests; without a key it gets a transport that never sends."""
        try:
            return self.client()
        except MagicUsageError:
            import httpx

            from ..api import Client

            def refuse(request: httpx.Request) -> httpx.Response:
                raise RuntimeError("a dry run sends nothing")

            return Client(
                transport=httpx.MockTransport(refuse), api_version=self.magics.api_version
            )

    def set_backend(self, backend: Backend) -> None:
        if backend.kind == "url" and backend.url:
            check_reachable(backend.url)
        client, server = self._make(backend, switching=True)  # fails before anything changes
        if self._client is not None:
            self._client.close()
        self.backend, self._client, self.server = backend, client, server
        self.registry.client = client

    def reconfigure(self, setting: str) -> None:
        """Drop the client so the next use builds it from the new configuration.

        ``base_url`` is the live API's and ``api_version`` a remote server's; the in-process
        server is kept (with the interactions it stores) unless the backend itself changes."""
        if setting == "backend":
            self.backend = Backend(self.magics.backend)
        elif self.backend.kind == "offline" or (
            setting == "base_url" and self.backend.kind != "live"
        ):
            return
        if self._client is not None:
            self._client.close()
        self._client, self.server = None, None
        self.registry.client = None

    def close(self) -> None:
        for poller in self.pollers:
            poller.stop.set()
        if self._client is not None:
            self._client.close()

    # --- a cell ----------------------------------------------------------------------------------

    def run_cell(self, args: argparse.Namespace, line: str, cell: str) -> None:
        opts = CellOptions.from_namespace(args)
        prompt = cell.strip()
        if not prompt:
            raise MagicUsageError(
                "The cell is empty: write the prompt on the lines below `%%gemini`."
            )
        if not opts.raw:
            prompt = interpolate(
                prompt, self.namespace, hidden=self.hidden_names, secrets=env_secrets()
            )
        send_options = self._send_options(opts, line)
        chain, registered = self._pick_chain(opts)
        new = not (opts.continue_ or opts.from_turn is not None)
        if opts.dry_run:
            if chain.client is None:
                chain.client = self.dry_run_client()
            request = chain.build_request(prompt, new=new, from_turn=opts.from_turn, **send_options)
            print(json.dumps(abbreviate_data(request), indent=2, ensure_ascii=False))
            return
        client = self.client()
        chain.client = client
        view = AnswerView(
            interval=self.magics.update_interval,
            terminal=self._terminal(),
            show_thoughts=bool(send_options["thoughts"]),
            extra_metadata={"magic": line.strip()},
        )
        try:
            turn = chain.send(
                prompt, new=new, from_turn=opts.from_turn, observer=view, **send_options
            )
        except ChainUsageError as exc:
            raise MagicUsageError(str(exc)) from None
        except TurnFailedError as exc:
            self._register(chain, registered)
            _say(failure_message(exc, chain.name, self.backend))
            return
        except KeyboardInterrupt:
            self._register(chain, registered)
            if chain.turns and chain.turns[-1].status == "interrupted":
                _say(
                    f"Interrupted. The partial answer is kept as turn {chain.turns[-1].number} "
                    f"of chain {chain.name!r}, marked interrupted; the chain's head did not move."
                )
            else:
                _say("Interrupted; nothing was recorded.")
            return
        self._register(chain, registered)
        self._publish(turn, opts.out)
        if turn.status == "running":
            self._watch(chain, turn, opts.out)
        if opts.no_store:
            way = (
                "start the next cell without --continue"
                if turn.parent is None
                else f"to go on, branch from turn {turn.parent} with --from {turn.parent}"
            )
            _say(
                f"Note: turn {turn.number} was sent with --no-store, so it cannot be continued "
                f"(--continue from it will refuse); {way}."
            )
        if turn.parse_error:
            _say(f"The answer could not be read as the schema: {turn.parse_error}")

    def _terminal(self) -> bool:
        return type(self.magics.shell).__module__.startswith("IPython.terminal")

    def _register(self, chain: Chain, registered: bool) -> None:
        if not registered and chain.turns:
            self.registry.add(chain)
        if chain.turns:
            self.registry.current_name = chain.name

    def _publish(self, turn: Turn, out: str | None) -> None:
        result = turn.result
        self.namespace["_gemini"] = result
        if out:
            self.namespace[out] = result

    def finished(self, turn: Turn) -> None:
        """A background turn ended (seen by `%gemini wait` or the poller): its result replaces
        the running snapshot in ``_gemini`` and in its ``-o VAR``, once."""
        if id(turn) not in self.outs or turn.status == "running":
            return
        out = self.outs.pop(id(turn))
        if turn.joined:
            self._publish(turn, out)

    def _watch(self, chain: Chain, turn: Turn, out: str | None) -> None:
        view = BackgroundView()
        view.render(turn)
        self.views[turn.id or ""] = view
        self.outs[id(turn)] = out
        interval = self.magics.poll_interval
        if interval > 0:
            poller = Poller(chain, turn, view, interval, self.finished)
            self.pollers.append(poller)
            poller.thread.start()

    # --- resolving names and options ----------------------------------------------------------

    def _pick_chain(self, opts: CellOptions) -> tuple[Chain, bool]:
        """(the chain to send in, whether it is in the registry already); changes nothing."""
        continuing = opts.continue_ or opts.from_turn is not None
        flag = "--continue" if opts.continue_ else "--from"
        if opts.chain is not None:
            ChainRegistry.check_name(opts.chain)
            if opts.chain in self.registry:
                chain = self.registry.get(opts.chain)
            elif continuing:
                raise MagicUsageError(
                    f"There is no chain named {opts.chain!r} to continue ({flag}). Drop "
                    f"{flag} to start it, or see `%gemini chains`."
                )
            else:
                return Chain(self._client, name=opts.chain), False
        elif continuing:
            current = self.registry.current
            if current is None:
                raise MagicUsageError(
                    f"Nothing to continue ({flag}): no chain is current yet. Run a `%%gemini` "
                    "cell without it first, or pick a chain with --chain NAME or `%gemini use`."
                )
            chain = current
        else:
            return Chain(self._client, name=self.registry.next_name()), False
        if opts.continue_ and opts.from_turn is None and chain.head is None:
            raise MagicUsageError(
                f"Chain {chain.name!r} has no completed turn to continue from. Drop --continue "
                "to start afresh, or branch from a turn with --from N."
            )
        if opts.from_turn is not None:
            try:
                chain.turn(opts.from_turn)
            except ChainUsageError as exc:
                raise MagicUsageError(str(exc)) from None
        return chain, True

    def _lookup(self, name: str, what: str, hint: str) -> Any:
        if not re.fullmatch(_PATH, name):
            raise MagicUsageError(f"{name!r} is not a variable name ({what}). {hint}")
        try:
            return lookup(name, self.namespace)
        except KeyError:
            raise MagicUsageError(
                f"Unknown {what} {name!r}: there is no variable {name.split('.')[0]!r} in this "
                f"notebook. {hint}"
            ) from None

    def _send_options(self, opts: CellOptions, line: str) -> dict[str, Any]:
        m = self.magics
        tools: list[Any] = []
        for name in dict.fromkeys([*m.tools, *opts.tools]):
            if name in BUILTIN_TOOLS and name not in self.namespace:
                tools.append(name)
                continue
            value = self._lookup(name, "tool", "Define the function first, or fix --tools.")
            if not callable(value) or isinstance(value, type):
                raise MagicUsageError(
                    f"Tool {name!r} is a {type(value).__name__}, not a function. --tools takes "
                    "the names of Python functions (def or async def)."
                )
            if not str(getattr(value, "__name__", "")).isidentifier():
                # A lambda or a callable object: the model sees the notebook's name for it.
                try:
                    value = function_tool(value, name=name.split(".")[-1].split("[")[0])
                except ChainUsageError as exc:
                    raise MagicUsageError(str(exc)) from None
            tools.append(value)
        schema = None
        if opts.schema_name is not None:
            schema = self._lookup(
                opts.schema_name,
                "schema",
                "Define a pydantic model, a TypedDict or a JSON-schema dict first.",
            )
            try:
                response_schema(schema)
            except ChainUsageError as exc:
                raise MagicUsageError(f"--schema {opts.schema_name}: {exc}") from None
        attachments: list[Any] = []
        for item in opts.attach:
            attached: Any = item
            head = item.split(".")[0].split("[")[0]
            if re.fullmatch(_PATH, item) and head in self.namespace:
                attached = lookup(item, self.namespace)
            try:
                attachments.append(attachment_content(attached, item))
            except ChainUsageError as exc:
                raise MagicUsageError(str(exc)) from None
        agent = opts.agent
        options: dict[str, Any] = {
            "model": opts.model or (None if agent else m.model),
            "agent": agent,
            "system": opts.system or m.system_instruction or None,
            "thinking": opts.thinking or (None if agent else m.thinking_level or None),
            "thoughts": opts.thoughts or m.thoughts,
            "temperature": opts.temperature,
            "max_output_tokens": opts.max_output_tokens,
            "store": not opts.no_store,
            "tools": tools,
            "search": opts.search,
            "code_execution": opts.code_execution,
            "url_context": opts.url_context,
            "schema": schema,
            "attachments": attachments,
            "background": opts.background,
            "stream": m.stream and not opts.no_stream,
            "max_tool_rounds": (
                opts.max_tool_rounds if opts.max_tool_rounds is not None else m.max_tool_rounds
            ),
            "labels": {"schema": opts.schema_name, "attachments": opts.attach, "magic": line},
        }
        return options
