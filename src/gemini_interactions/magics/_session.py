"""The state of the magics in one kernel (chains, backend, client) and how a cell runs.

Created on the first ``%%gemini`` or ``%gemini`` use, so ``%load_ext`` imports none of this.
Every user mistake is found before anything changes: names are resolved, options checked and the
chain chosen first; only then is a turn sent.
"""

from __future__ import annotations

import json
import re
import sys
from typing import TYPE_CHECKING, Any

from ..api._errors import ConfigurationError, InvalidAPIKeyError, MissingAPIKeyError
from ..api._secret import Secret
from ..chain import Chain, ChainRegistry, ChainUsageError, SendOptions, TurnFailedError
from ..chain._tools import BUILTIN_TOOLS, function_tool, running_tool
from ..render import LiveView, TerminalPrinter, asked_for_thoughts
from ._backend import (
    NO_KEY_MESSAGE,
    NO_KEY_SWITCH_MESSAGE,
    Backend,
    check_reachable,
    make_client,
    parse_backend,
)
from ._background import Background
from ._errors import MagicUsageError, TurnFailed, TurnInterrupted
from ._failure import failure_message, usage_message
from ._interpolate import _PATH, interpolate, lookup
from ._options import CellOptions
from ._tracing import Tracing

if TYPE_CHECKING:
    import argparse

    from ..api import Client
    from ..chain import Turn
    from ._magics import GeminiMagics


DEFAULT_CHAIN = "chat"
"""The current chain of a kernel until `%gemini use` picks another."""


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


def _limit(cell: Any, config: Any) -> Any:
    """The cell's limit, else the configured one; 0 (or less, from %config) is no limit."""
    value = cell if cell is not None else config
    return value if value and value > 0 else None


def _say(message: str) -> None:
    """One paragraph for the user, no traceback."""
    print(message, file=sys.stderr)


class Session:
    def __init__(self, magics: GeminiMagics) -> None:
        self.magics = magics
        self.registry = ChainRegistry()
        self.backend = parse_backend(magics.backend)
        self.server: Any = None
        self._client: Client | None = None
        self._stamp: tuple[tuple[str, float, int], ...] = ()
        """The offline server's files as they were when it was built (``Backend.files_stamp``)."""
        self._retired: list[Client] = []
        """Clients of earlier backends that background turns still poll through."""
        self.background = Background(lambda: self.namespace, self._registered)
        self.tracing = Tracing()

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
            self._stamp = self.backend.files_stamp()
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
        client, server = self._make(backend, switching=True)  # fails before anything changes
        self._retire_client()
        self.backend, self._client, self.server = backend, client, server
        self._stamp = backend.files_stamp()
        self.registry.client = client
        return True

    def check_parent_held(self, chain: Chain, opts: CellOptions) -> None:
        """Refuse to continue a turn whose interaction the in-process server does not hold.

        Its conversation lived on an earlier offline server (the backend was switched, or the
        turn was loaded from a file saved in another kernel): sending its id would be a 404 at
        best, so the cell fails before anything is sent or recorded."""
        holds = getattr(self.server, "holds", None)  # the in-process server's; None elsewhere
        if holds is None:
            return
        parent: Turn | None
        if opts.from_turn is not None:
            try:
                parent = chain.turn(opts.from_turn)
            except ChainUsageError:
                return  # the chain says which turns exist, in its own words
        elif opts.continue_:
            parent = chain.head
        else:
            return
        if parent is None or not parent.continuable or holds(parent.id):
            return  # the chain itself says why a turn cannot be continued, in its words
        raise MagicUsageError(
            f"Turn {parent.number} of chain {chain.name!r} cannot be continued: its "
            "conversation lived on an earlier offline server, which is gone (the backend was "
            "selected anew, or the chain was loaded from a file saved in another kernel), and "
            "the in-process server keeps conversations only while it runs. Nothing was sent. "
            "Start afresh (leave out --continue and --from), or continue a turn made since "
            "(`%gemini history` lists them)."
        )

    def reconfigure(self, setting: str) -> None:
        """Drop the client so the next use builds it from the new configuration.

        ``base_url`` is the live API's and ``api_version`` a remote server's; the in-process
        server is kept (with the interactions it stores) unless the backend itself changes."""
        if setting == "backend":
            if self.magics.backend == self.backend.spec():
                return  # `%gemini backend` set it, and has built the client already
            self.backend = parse_backend(self.magics.backend)
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
        self.detach()
        self.tracing.close()
        for client in [*self._retired, *([self._client] if self._client else [])]:
            client.close()
        self._retired.clear()

    def detach(self) -> None:
        """The magics are unloaded: stop polling (``attach`` resumes it)."""
        self.background.stop()

    def attach(self, magics: GeminiMagics) -> str:
        """Serve newly loaded magics (``%reload_ext``); what was kept, in words."""
        self.magics = magics
        running = self.background.resume(magics.poll_interval)
        names = [
            chain.name + (" (current)" if chain.name == self.registry.current_name else "")
            for chain in self.registry
        ]
        if not names:
            return ""
        text = ("the chain " if len(names) == 1 else "the chains ") + ", ".join(names)
        if running:
            text += f", whose {running} background turn(s) are still followed"
        return text

    # --- a cell ----------------------------------------------------------------------------------

    def run_cell(self, args: argparse.Namespace, line: str, cell: str) -> None:
        tool = running_tool()
        if tool is not None:
            raise MagicUsageError(
                f"Tool {tool!r} ran a `%%gemini` cell while the turn that called it is still "
                "running; a tool cannot start a turn of its own (the outer turn's chain, head "
                "and numbering would change under it). Return the data the model needs instead."
            )
        opts = CellOptions.from_namespace(args)
        prompt = cell.strip()
        if not prompt:
            raise MagicUsageError(
                "The cell is empty: write the prompt on the lines below `%%gemini`."
            )
        if not opts.raw:
            # With --map, {item} and {i} are the element's, filled in per element.
            hidden = self.hidden_names | ({"item", "i"} if opts.map else set())
            prompt = interpolate(prompt, self.namespace, hidden=hidden, secrets=env_secrets())
        if opts.context:
            from ..chain._context import context_block

            described = {
                name: self._lookup(name, "--context variable", "Define it first.")
                for name in opts.context
            }
            prompt = f"{prompt}\n\n{context_block(described, opts.context_chars)}"
        if opts.map is None:
            only_map = [
                flag
                for flag, given in (
                    ("--retry-failed", opts.retry_failed),
                    ("--fresh", opts.fresh),
                    ("--max-total-tokens", opts.max_total_tokens is not None),
                    ("--max-cost", opts.max_cost is not None),
                )
                if given
            ]
            if only_map:
                raise MagicUsageError(
                    f"{', '.join(only_map)} apply to a --map run only; nothing was sent."
                )
        options = self._send_options(opts, line)
        chain, registered = self._pick_chain(opts)
        if not opts.dry_run and self.backend.kind == "offline":
            self.client()  # the in-process server, which must hold the turn continued
            self.check_parent_held(chain, opts)
        if opts.map is not None:
            from ._map import run_map_cell

            before = len(chain.turns)
            try:
                run_map_cell(self, opts, chain, registered, prompt, options)
            finally:
                self._stamp_cell(chain, before)
            return
        new = not (opts.continue_ or opts.from_turn is not None)
        if opts.dry_run:
            if chain.client is None:
                chain.client = self.dry_run_client()
            try:
                request = chain.build_request(
                    prompt, new=new, from_turn=opts.from_turn, options=options
                )
            except ChainUsageError as exc:
                raise MagicUsageError(usage_message(exc, opts.schema_name)) from None
            shown = {"backend": self.backend.describe(), **abbreviate_data(request)}
            placeholder = self.backend.placeholder_key
            if placeholder and shown["headers"].get("x-goog-api-key") == "***":
                shown["headers"]["x-goog-api-key"] = placeholder  # not a secret: shown as sent
            print(json.dumps(shown, indent=2, ensure_ascii=False))
            return
        client = self.client()
        chain.client = client
        view: TerminalPrinter | LiveView
        if self._terminal():
            view = TerminalPrinter(show_thoughts=options.thoughts, source=self.source())
        else:
            view = LiveView(
                interval=self.magics.update_interval,
                show_thoughts=options.thoughts,
                extra_metadata={"magic": line.strip()},
                source=self.source(),
            )
        before = len(chain.turns)
        try:
            turn = chain.send(
                prompt,
                new=new,
                from_turn=opts.from_turn,
                observer=self.tracing.observer(self.magics, view),
                options=options,
            )
            self._stamp_cell(chain, before)
        except ChainUsageError as exc:
            raise MagicUsageError(usage_message(exc, opts.schema_name)) from None
        except TurnFailedError as exc:
            self._stamp_cell(chain, before)
            self._register(chain, registered)
            self._autosave()
            raise TurnFailed(failure_message(exc, chain.name, self.backend)) from None
        except KeyboardInterrupt:
            self._stamp_cell(chain, before)
            self._register(chain, registered)
            if len(chain.turns) > before and chain.turns[-1].status == "interrupted":
                message = (
                    f"Interrupted. The partial answer is kept as turn {chain.turns[-1].number} "
                    f"of chain {chain.name!r}, marked interrupted; the chain's head did not move."
                )
            else:
                message = "Interrupted; nothing was recorded."
            raise TurnInterrupted(message) from None
        self._register(chain, registered)
        self._autosave()
        if turn.parse_error:
            unset = " and ".join(f"`{name}`" for name in (opts.out, "_gemini") if name)
            reason = turn.parse_error.rstrip(".")
            raise TurnFailed(
                f"{reason[:1].upper()}{reason[1:]}. Turn {turn.number} of chain {chain.name!r} "
                f"is kept as it came (`%gemini show {turn.number}`); {unset} not set."
            )
        self._publish(turn, opts.out)
        if turn.status == "running":
            self.background.watch(
                chain,
                turn,
                out=opts.out,
                snapshot=turn.result,
                handle=view.handle,
                interval=self.magics.poll_interval,
                terminal=isinstance(view, TerminalPrinter),
            )
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

    def _autosave(self) -> None:
        from ._export import autosave

        try:
            autosave(self)
        except OSError as exc:  # the turn is kept; only the copy on disk is behind
            _say(f"Note: autosave failed ({exc.strerror or exc}); `%gemini save` to retry.")

    def answer_view(self, turn: Turn) -> TerminalPrinter | LiveView:
        """A view to show a finished turn again, with thoughts only if the turn asked for them."""
        if self._terminal():
            return TerminalPrinter(show_thoughts=asked_for_thoughts(turn))
        return LiveView(show_thoughts=asked_for_thoughts(turn))

    def runs_store(self) -> Any:
        """The run store --map writes to (``%config GeminiMagics.runs_store``, else beside
        the notebook)."""
        from ..chain._runs import RunStore

        return RunStore.at(self.magics.runs_store or None)

    def source(self) -> str | None:
        """Where cells go when not the live API, for the status line's badge (``Turn.source``)."""
        backend = self.backend
        if backend.kind == "offline":
            return "cassette" if backend.cassette else "fixtures" if backend.fixtures else "offline"
        if backend.kind == "url" and backend.placeholder_key:
            return "local server"
        return None

    def _stamp_cell(self, chain: Chain, before: int) -> None:
        """The turns this cell added remember its execution count (timeline: ``cell [n]``) and
        where they were sent (a map run's elements too)."""
        source = self.source()
        for turn in chain.turns[before:]:
            for each in (turn, *turn.items):
                if each.source is None:
                    each.source = source
        # The running cell's own count: IPython has already moved execution_count on to the
        # next cell's when the cell stores history (as every kernel's cell does).
        running = getattr(getattr(self.magics.shell, "displayhook", None), "exec_result", None)
        count = getattr(running, "execution_count", None)
        if isinstance(count, int) and count > 0:
            for turn in chain.turns[before:]:
                turn.cell = count

    def _terminal(self) -> bool:
        return type(self.magics.shell).__module__.startswith("IPython.terminal")

    def _register(self, chain: Chain, registered: bool) -> None:
        """A chain that took a turn is kept; the kernel's first one becomes the current chain
        (only `%gemini use` changes it later, so --continue always means the same chain)."""
        if not registered and chain.turns:
            self.registry.add(chain)
        if chain.turns and self.registry.current_name is None and chain.name == self._default:
            self.registry.current_name = chain.name

    def _publish(self, turn: Turn, out: str | None) -> None:
        result = turn.result
        with self.background.lock:  # a background turn ending now sees this cell's result
            self.namespace["_gemini"] = result
            if out:
                self.namespace[out] = result

    def _registered(self, chain: Chain) -> bool:
        return self.registry.chains.get(chain.name) is chain

    # --- resolving names and options ----------------------------------------------------------

    @property
    def _default(self) -> str:
        """The chain a cell without --chain adds its turn to."""
        return self.registry.current_name or DEFAULT_CHAIN

    def _pick_chain(self, opts: CellOptions) -> tuple[Chain, bool]:
        """(the chain to send in, whether it is in the registry already); changes nothing.

        A cell adds a turn to the current chain (``chat`` until `%gemini use` picks another),
        or to the chain ``--chain NAME`` names, for that cell only."""
        continuing = opts.continue_ or opts.from_turn is not None
        flag = "--continue" if opts.continue_ else "--from"
        name = ChainRegistry.check_name(opts.chain) if opts.chain is not None else self._default
        if name in self.registry:
            chain = self.registry.get(name)
        elif not continuing:
            return Chain(self._client, name=name), False
        elif opts.chain is not None:
            raise MagicUsageError(
                f"There is no chain named {opts.chain!r} to continue ({flag}). Drop "
                f"{flag} to start it, or see `%gemini chains`."
            )
        else:
            raise MagicUsageError(
                f"Nothing to continue ({flag}): no chain is current yet. Run a `%%gemini` "
                "cell without it first, or pick a chain with --chain NAME or `%gemini use`."
            )
        if opts.continue_ and opts.from_turn is None and chain.head is None:
            raise MagicUsageError(
                f"Chain {chain.name!r} has no completed turn to continue from. Drop --continue "
                "to start a new conversation, or branch from a turn with --from N."
            )
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

    def _send_options(self, opts: CellOptions, line: str) -> SendOptions:
        """The turn's options, names resolved from the notebook; the chain checks and converts
        them once when it sends (tools, schema and attachments are built there)."""
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
                value = function_tool(value, name=name.split(".")[-1].split("[")[0])
            tools.append(value)
        schema = None
        if opts.schema_name is not None:
            schema = self._lookup(
                opts.schema_name,
                "schema",
                "Define a pydantic model, a TypedDict or a JSON-schema dict first.",
            )
        attachments: list[Any] = []
        for item in opts.attach:
            head = item.split(".")[0].split("[")[0]
            in_notebook = re.fullmatch(_PATH, item) and head in self.namespace
            attachments.append(lookup(item, self.namespace) if in_notebook else item)
        agent = opts.agent
        return SendOptions(
            model=opts.model or (None if agent else m.model),
            agent=agent,
            system=opts.system or m.system_instruction or None,
            thinking=opts.thinking or (None if agent else m.thinking_level or None),
            thoughts=opts.thoughts or m.thoughts,
            temperature=opts.temperature,
            max_output_tokens=opts.max_output_tokens,
            store=not opts.no_store,
            tools=tools,
            search=opts.search,
            code_execution=opts.code_execution,
            url_context=opts.url_context,
            schema=schema,
            attachments=attachments,
            background=opts.background,
            stream=m.stream and not opts.no_stream,
            max_tool_rounds=(
                opts.max_tool_rounds if opts.max_tool_rounds is not None else m.max_tool_rounds
            ),
            tool_timeout=_limit(opts.tool_timeout, m.tool_timeout),
            tool_result_chars=_limit(opts.tool_result_chars, m.tool_result_chars),
            service_tier=opts.service_tier,
            labels={"schema": opts.schema_name, "attachments": opts.attach, "magic": line},
        )
