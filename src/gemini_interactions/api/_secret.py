"""Credentials: held so nothing can print them, checked once, and scrubbed from what comes back.

A key lives in a ``Secret`` from the moment it is read (argument or environment) until a request
header is built; its ``repr`` and ``str`` are masked, so a traceback in any mode (``%xmode
Verbose`` prints every frame's locals) or a debugger's frame dump shows ``Secret('***')``.

A server may echo the key back in part (a prefix in a message, a suffix in a header), escaped (a
JSON ``\\u`` form, percent-encoding), or in a DEBUG log of response headers. ``scrub`` removes
every run of ``FRAGMENT`` or more characters of a known secret, in each of those forms; the
logging filter does the same for the ``httpx`` and ``httpcore`` loggers.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import unicodedata
import weakref
from collections.abc import Iterable
from urllib.parse import quote

from ._errors import InvalidAPIKeyError

FRAGMENT = 8
"""An echoed run of this many characters of a key is treated as the key."""
MASK = "***"
_LOGGERS = (
    "httpx",
    "httpcore",
    # httpcore logs on child loggers, and a parent's filter does not see their records.
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "gemini_interactions",
)


class Secret:
    """A string that never shows itself in a repr or str; ``get()`` reveals it."""

    __slots__ = ("__weakref__", "_value")

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __copy__(self) -> Secret:
        return self  # immutable

    def __deepcopy__(self, memo: dict[int, object]) -> Secret:
        return self

    def __reduce__(self) -> str:
        # A pickle (%store, joblib, a saved session) would write the key to disk in clear.
        raise TypeError("a Secret cannot be pickled")


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    code = f"U+{ord(char):04X}"
    if char in "\r\n":
        return f"a line break ({code})"
    if char.isspace():
        return f"a space character ({code} {name})".replace(" )", ")")
    return f"an invisible or non-ASCII character ({code} {name})".replace(" )", ")")


def check_key(value: str | Secret, source: str) -> Secret:
    """``value`` as a ``Secret`` once it looks like a key: printable ASCII, no whitespace.

    Leading and trailing ASCII whitespace (a key read from a file with its newline) is dropped;
    anything else wrong is an ``InvalidAPIKeyError`` that says what and where, never the key.
    """
    raw = value.get() if isinstance(value, Secret) else value
    stripped = raw.strip(" \t\r\n")
    for index, char in enumerate(stripped):
        if not "!" <= char <= "~":
            size = len(stripped)
            del raw, stripped, value  # a frame dump of this frame must not show the key
            raise InvalidAPIKeyError(
                f"The API key in {source} contains {_describe(char)} at character {index + 1} "
                f"of {size}, so it cannot be used. This usually comes "
                "from copying the key with a line break or an invisible character: copy it "
                "again from Google AI Studio and set it once more."
            )
    return Secret(stripped) if stripped != raw or not isinstance(value, Secret) else value


def _units(secret: str) -> list[list[str]]:
    """Each way a secret may be written back, as one unit per character: as is, JSON- or
    repr-escaped, ``\\u``-escaped, percent-encoded."""
    return [
        list(secret),
        [json.dumps(c)[1:-1] for c in secret],
        [repr(c)[1:-1] for c in secret],
        [f"\\u{ord(c):04x}" for c in secret],
        [f"\\u{ord(c):04X}" for c in secret],
        [quote(c, safe="") for c in secret],
    ]


def forms(secret: str) -> set[str]:
    """Every whole written form of ``secret`` (see ``_units``)."""
    return {"".join(units) for units in _units(secret)}


class _Scrubber:
    """Removes every run of ``FRAGMENT`` or more characters of any of the given strings, in
    any of their written forms (a run of 8 key characters is 48 characters ``\\u``-escaped)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        secrets = [s for s in secrets if s]
        self.whole = sorted({f for s in secrets for f in forms(s)}, key=len, reverse=True)
        grams: set[str] = set()
        for secret in secrets:
            for units in _units(secret):
                for i in range(len(units) - FRAGMENT + 1):
                    grams.add("".join(units[i : i + FRAGMENT]))
        # Longest first, so an escaped run is matched whole rather than by a shorter piece.
        ordered = sorted(grams, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(g) for g in ordered)) if grams else None

    def __call__(self, text: str, mask: str = MASK) -> str:
        if self.pattern is None or len(text) < FRAGMENT:
            return text
        match = self.pattern.search(text)
        if match is None:
            return text
        out: list[str] = []
        pos = 0
        while match is not None:
            start, end = match.span()
            # Extend the run while it stays a piece of one of the secrets' forms.
            while end < len(text) and any(text[start : end + 1] in w for w in self.whole):
                end += 1
            out.append(text[pos:start])
            out.append(mask)
            pos = end
            match = self.pattern.search(text, pos)
        out.append(text[pos:])
        return "".join(out)


_cache: dict[frozenset[str], _Scrubber] = {}
_cache_lock = threading.Lock()


def scrub(text: str, secrets: Iterable[str | Secret], mask: str = MASK) -> str:
    """``text`` with every secret, and every echoed piece of ``FRAGMENT``+ characters of one
    (in any escaped form), replaced by ``***``."""
    values = frozenset(s.get() if isinstance(s, Secret) else s for s in secrets)
    values = frozenset(v for v in values if len(v) >= FRAGMENT)
    if not values:
        return text
    with _cache_lock:
        scrubber = _cache.get(values)
        if scrubber is None:
            if len(_cache) > 64:
                _cache.clear()
            scrubber = _cache[values] = _Scrubber(values)
    return scrubber(text, mask)


def scrub_data(value: object, secrets: Iterable[str | Secret]) -> object:
    """A copy of a JSON-like value with ``scrub`` applied to every string (keys included)."""
    known = list(secrets)
    if not known:
        return value

    def walk(item: object) -> object:
        if isinstance(item, str):
            return scrub(item, known)
        if isinstance(item, dict):
            return {walk(k): walk(v) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [walk(v) for v in item]
        return item

    return walk(value)


# --- logs ------------------------------------------------------------------------------------

_live: weakref.WeakSet[Secret] = weakref.WeakSet()
_live_lock = threading.Lock()


class RedactingFilter(logging.Filter):
    """Scrubs every live client's secrets from records of the HTTP loggers (httpcore's DEBUG
    trace prints request and response headers, an echoing server's copy of the key included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        with _live_lock:
            secrets = [s.get() for s in _live]
        if not secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem, not ours
            return True
        cleaned = scrub(message, secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactingFilter()


def register(secret: Secret) -> None:
    """Scrub ``secret`` from the HTTP loggers while it is alive."""
    with _live_lock:
        _live.add(secret)
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


_secret_envs: dict[str, Secret] = {}
"""Held here, not weakly: ``_live`` would drop a secret nobody else keeps."""


def remember_secret_env(name: str, secret: Secret) -> None:
    """Environment variable ``name`` holds ``secret``, which this process sends (an MCP
    server's token, a sandbox credential): the loggers and every file the package writes
    scrub it, as they do the API key."""
    with _live_lock:
        _secret_envs[name] = secret
    register(secret)


def secret_envs() -> frozenset[str]:
    with _live_lock:
        return frozenset(_secret_envs)


def hold(value: str | Secret | None) -> Secret | None:
    """A key argument as a ``Secret`` (checked later, by ``check_key``, with its source)."""
    return Secret(value) if isinstance(value, str) else value
