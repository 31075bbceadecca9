"""Where ``%%gemini`` cells go: the live API, the in-process offline server, or a URL.

This is the small factory above ``api`` and ``server`` that the layering allows (CONTRIBUTING.md,
"Layers"): the client never imports the server; the kernel state (``_kernel``) hands the
server's transport to a client.
A mistake is a ``ChainUsageError`` (nothing changed), which a shell shows as one paragraph.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .chain import ChainUsageError

if TYPE_CHECKING:
    from .api import Client

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
LOCAL_KEY = "local-server"
"""What a loopback server gets instead of the real key: it needs none, and must never see it."""
OFFLINE_URL = "http://offline.invalid"
"""The base URL of the in-process server: a dry run shows where a cell really goes, and a
``.invalid`` host (RFC 6761) never resolves, so nothing could reach the network through it."""

NO_KEY_MESSAGE = (
    "No Gemini API key is configured, so this cell was not sent. Set GEMINI_API_KEY in the "
    "environment before starting Jupyter, or in the notebook without showing it: "
    "`import os, getpass; os.environ['GEMINI_API_KEY'] = getpass.getpass()`. To try everything "
    "without a key, run `%gemini backend offline` (a local demo model)."
)

NO_KEY_SWITCH_MESSAGE = (
    "No Gemini API key is configured, so the backend stays {}. Set GEMINI_API_KEY first "
    "(without showing it: `import os, getpass; os.environ['GEMINI_API_KEY'] = "
    "getpass.getpass()`), then run `%gemini backend live` again."
)


@dataclass
class Backend:
    """A chosen backend: ``live``, ``offline`` (with fixtures/cassette) or ``url``."""

    kind: str = "live"
    url: str | None = None
    fixtures: list[str] = field(default_factory=list)
    cassette: str | None = None
    project: str | None = None
    """``enterprise``: the Google Cloud project (else GOOGLE_CLOUD_PROJECT)."""
    location: str | None = None
    """``enterprise``: the region, or ``global`` (else GOOGLE_CLOUD_LOCATION)."""

    def files_stamp(self) -> tuple[tuple[str, float, int], ...]:
        """The fixture and cassette files as they are now: re-selecting the same backend keeps
        its server only while these are unchanged (an edited fixture file is read again)."""
        stamps = []
        for path in [*self.fixtures, *([self.cassette] if self.cassette else [])]:
            try:
                stat = Path(path).expanduser().stat()
            except OSError:
                stamps.append((path, -1.0, -1))
            else:
                stamps.append((path, stat.st_mtime, stat.st_size))
        return tuple(stamps)

    def spec(self) -> str:
        """The backend as ``%gemini backend`` takes it, and ``%config GeminiMagics`` shows it
        (a URL without any credentials it carries)."""
        if self.kind == "offline":
            words = ["offline"]
            for path in self.fixtures:
                words += ["--fixtures", path]
            if self.cassette:
                words += ["--cassette", self.cassette]
            return shlex.join(words)
        if self.kind == "url":
            return redact_url(self.url or "")
        if self.kind == "enterprise":
            return shlex.join(enterprise_words(self))
        return "live"

    @property
    def placeholder_key(self) -> str | None:
        """What a server on this machine gets instead of the real key (it needs none)."""
        host = urlsplit(self.url or "").hostname or ""
        return LOCAL_KEY if self.kind == "url" and host in LOOPBACK else None

    def describe(self) -> str:
        if self.kind == "offline":
            extra = "".join(f" --fixtures {f}" for f in self.fixtures)
            extra += f" --cassette {self.cassette}" if self.cassette else ""
            return f"offline{extra} (the in-process local server)"
        if self.kind == "url":
            return f"{redact_url(self.url or '')} (a running server)"
        if self.kind == "enterprise":
            return f"{self.spec()} (the Gemini Enterprise Agent Platform)"
        return "live (the Gemini API)"


def parse_backend(line: str) -> Backend:
    """``live``, ``offline [--fixtures FILE]... [--cassette FILE]`` or ``http(s)://host:port``."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise ChainUsageError(f"Cannot read the backend arguments: {exc}.") from None
    usage = (
        "Use `%gemini backend live`, `%gemini backend offline [--fixtures FILE] "
        "[--cassette FILE]`, `%gemini backend enterprise [--project P] [--location L]` or "
        "`%gemini backend http://127.0.0.1:4010`."
    )
    if not words:
        raise ChainUsageError(f"Which backend? {usage}")
    kind, rest = words[0], words[1:]
    if "://" not in kind:
        kind = kind.lower()
    if kind == "live":
        if rest:
            raise ChainUsageError(f"`backend live` takes no arguments. {usage}")
        return Backend("live")
    if kind == "enterprise":
        return parse_enterprise(rest, usage)
    if kind == "offline":
        backend = Backend("offline")
        while rest:
            flag = rest.pop(0)
            if flag not in ("--fixtures", "--cassette") or not rest:
                raise ChainUsageError(
                    f"Unexpected {flag!r} after `backend offline`"
                    + (" (it needs a file name)" if flag in ("--fixtures", "--cassette") else "")
                    + f". {usage}"
                )
            path = rest.pop(0)
            if not Path(path).expanduser().is_file():
                raise ChainUsageError(
                    f"The {flag[2:].rstrip('s')} file {path!r} does not exist. Check the path "
                    "(it is relative to the notebook's folder)."
                )
            if flag == "--fixtures":
                backend.fixtures.append(path)
            else:
                backend.cassette = path
        return backend
    if "://" in kind:
        if rest:
            raise ChainUsageError(f"A URL backend takes nothing after the URL. {usage}")
        try:
            parts = urlsplit(kind)
        except ValueError as exc:  # e.g. an unclosed IPv6 bracket
            raise ChainUsageError(f"{redact_url(kind)!r} is not a URL ({exc}). {usage}") from None
        try:
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError:
            raise ChainUsageError(f"{redact_url(kind)!r} has an invalid port. {usage}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ChainUsageError(
                f"{redact_url(kind)!r} is not a usable server URL: it needs http:// or https:// "
                f"and a host. {usage}"
            )
        return Backend("url", url=kind.rstrip("/"))
    raise ChainUsageError(f"Unknown backend {kind!r}. {usage}")


def redact_url(url: str) -> str:
    """``url`` without a password or query string (either may hold a key)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("?", 1)[0].rsplit("@", 1)[-1]
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if "@" in parts.netloc:
        netloc = "***@" + netloc
    query = "***" if parts.query else ""
    return parts._replace(netloc=netloc, query=query).geturl()


def check_reachable(url: str, timeout: float = 3.0) -> None:
    """A TCP connection to ``url``'s host and port, or a ``ChainUsageError`` saying how to fix it
    (so a mistyped port fails at `%gemini backend`, not after a cell's retries)."""
    import socket

    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        local = host in LOOPBACK
        hint = (
            "Start it first (`gemini-interactions serve`) or check the port"
            if local
            else "Check the address and the network"
        )
        raise ChainUsageError(
            f"Nothing answers at {redact_url(url)} ({reason}), so the backend was not changed. "
            f"{hint}, or run `%gemini backend offline` for the in-process server."
        ) from None


def make_client(
    backend: Backend, *, api_version: str | None, base_url: str | None
) -> tuple[Client, Any]:
    """(client, local server or None); ``ConfigurationError`` from the live client without key."""
    from .api import Client

    version = api_version or None
    if backend.kind == "offline":
        from .server import LocalServer

        try:
            server = LocalServer(
                fixtures=backend.fixtures, cassette=backend.cassette, require_auth=False
            )
        except (OSError, ValueError) as exc:
            raise ChainUsageError(
                f"The offline server could not load its files: {exc}. Fix the fixture or "
                "cassette file, or run `%gemini backend offline` without files."
            ) from None
        # The in-process server needs no key and never gets the real one: no key is sent, and
        # the environment (which may hold one) is not read.
        client = Client(
            transport=server.transport(),
            base_url=OFFLINE_URL,
            api_version=version,
            vertex=False,
            environ={},
        )
        return client, server
    if backend.kind == "url":
        # A loopback server needs no key and never gets the real one; a remote proxy does.
        return Client(backend.placeholder_key, base_url=backend.url, api_version=version), None
    if backend.kind == "enterprise":
        return enterprise_client(backend, version), None
    return Client(base_url=base_url or None, api_version=version), None


# --- the Gemini Enterprise Agent Platform (Vertex) -------------------------------------------

ENTERPRISE_HELP = (
    "The Gemini Enterprise Agent Platform needs the [vertex] extra (pip install "
    "'gemini-interactions[vertex]'), Application Default Credentials (gcloud auth "
    "application-default login) and a project: `%gemini backend enterprise --project P "
    "[--location L]` (or GOOGLE_CLOUD_PROJECT); with an API key in GOOGLE_API_KEY and no "
    "project it uses express mode."
)


def enterprise_words(backend: Backend) -> list[str]:
    words = ["enterprise"]
    if backend.project:
        words += ["--project", backend.project]
    if backend.location:
        words += ["--location", backend.location]
    return words


def parse_enterprise(rest: list[str], usage: str) -> Backend:
    """``enterprise [--project P] [--location L]`` (the words Google's own guide uses)."""
    backend = Backend("enterprise")
    while rest:
        flag = rest.pop(0)
        if flag not in ("--project", "--location") or not rest or rest[0].startswith("-"):
            raise ChainUsageError(
                f"Unexpected {flag!r} after `backend enterprise`"
                + (" (it needs a value)" if flag in ("--project", "--location") else "")
                + f". {usage}"
            )
        setattr(backend, flag[2:], rest.pop(0))
    return backend


def enterprise_client(backend: Backend, version: str | None) -> Client:
    """A Vertex client for the project and location (else the environment's); every way it
    cannot be built is one paragraph saying what to install or run."""
    from .api import Client
    from .api._errors import ConfigurationError, MissingAPIKeyError

    try:
        return Client(
            vertex=True, project=backend.project, location=backend.location, api_version=version
        )
    except (ConfigurationError, MissingAPIKeyError) as exc:
        raise ChainUsageError(
            f"The Enterprise client cannot be built: {str(exc).rstrip('.')}. {ENTERPRISE_HELP}"
        ) from None
