"""``%gemini <command>``: the line commands, each declared once in ``COMMANDS``.

A declaration is what the command does and its arguments, each written as its usage line shows
it (``N``, ``[N]``, ``--chain NAME``, ``--all``) with its help. From it come the parser (argparse,
which here never prints or exits: its complaints become one paragraph, a ``ChainUsageError``),
``%gemini CMD --help``, ``%gemini help`` and the README's reference (``render/_help.py``).
"""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass
from typing import Any

from ..chain import ChainUsageError
from ._options import did_you_mean


@dataclass(frozen=True)
class Command:
    """One ``%gemini`` command: what it does and its arguments as (spec, help) pairs."""

    summary: str
    args: tuple[tuple[str, str], ...] = ()
    either: bool = False
    """The arguments are alternatives (``[NAME | --all]``): at most one is given."""
    grammar: str = ""
    """A usage of its own (``backend``'s): the words go to the command as typed."""

    @property
    def usage(self) -> str:
        if self.grammar:
            return self.grammar
        specs = [spec if _positional(spec) else f"[{spec}]" for spec, _ in self.args]
        alternatives = " | ".join(spec.strip("[]") for spec in specs)
        return f"[{alternatives}]" if self.either else " ".join(specs)

    def use(self, name: str) -> str:
        """The sentence a mistake ends with: how the command is typed."""
        if self.either:
            forms = [f"`%gemini {name}`"]
            forms += [f"`%gemini {name} {spec.strip('[]').split()[0]}`" for spec, _ in self.args]
            return f"Use {', '.join(forms[:-1])} or {forms[-1]}."
        line = f"`%gemini {name} {self.usage}`".replace(" `", "`")
        positionals = [spec for spec, _ in self.args if _positional(spec)]
        if len(positionals) != 1:
            return f"Use {line}."
        most = "at most " if positionals[0].startswith("[") else ""
        return f"Use {line} with {most}one {_noun(positionals[0])}."


_CHAIN = ("--chain NAME", "the chain (default: the current one)")
_ID = ("[ID]", "the turn's interaction id (default: the latest running turn)")
COMMANDS: dict[str, Command] = {
    "help": Command("this help (also `%gemini` alone)"),
    "history": Command("the turns of a chain (* marks the head)", (_CHAIN,)),
    "chains": Command("every chain in this kernel"),
    "use": Command("make NAME the current chain", (("NAME", "a chain (see `%gemini chains`)"),)),
    "reset": Command(
        "forget the current chain, NAME, or all chains",
        (("[NAME]", "the chain to forget"), ("--all", "forget every chain")),
        either=True,
    ),
    "show": Command("show turn N again", (("N", "a turn number (see `%gemini history`)"), _CHAIN)),
    "timeline": Command(
        "the steps of turn N, or the chain as a tree of turns, under a time axis (each step a "
        "bar as long as it took; a --map run as its latency histogram and throughput); "
        "filter, expand all, pick a turn: in the output itself; --controls: ipywidgets that "
        "recompute it, until the next cell runs",
        (
            ("[N]", "one turn's steps (default: the whole chain)"),
            _CHAIN,
            ("--controls", "ipywidgets that recompute it, until the next cell runs"),
        ),
    ),
    "usage": Command("tokens and estimated cost per chain and model"),
    "runs": Command("the --map runs in the run store: cell, done, failed, tokens, cost, file"),
    "wait": Command("wait for a background turn and show its answer", (_ID,)),
    "cancel": Command("cancel a background turn", (_ID,)),
    "export": Command(
        "the chain as a runnable notebook (--cassette: replays offline) or script",
        (
            ("PATH.ipynb|PATH.py", "the file to write: a notebook or a script"),
            _CHAIN,
            ("--turns SPEC", "only these turns and the turns they come from, e.g. 1-3,5"),
            ("--cassette", "record the answers beside it, so the notebook replays offline"),
            ("--no-outputs", "the notebook without the answers shown"),
        ),
    ),
    "save": Command(
        "every chain to a JSON file (default: beside the notebook)",
        (("[PATH.json]", "the file (default: NOTEBOOK.gemini.json beside the notebook)"),),
    ),
    "load": Command(
        "chains saved by `%gemini save` (--continue goes on from them); --replace: over "
        "same-name chains that have other turns",
        (
            ("PATH.json", "a file written by `%gemini save`"),
            ("--replace", "replace this kernel's same-name chains that have other turns"),
        ),
    ),
    "fix": Command(
        "explain the last error; --apply puts the corrected cell next",
        (("--apply", "put the corrected cell next, to run or edit"),),
    ),
    "backend": Command(
        "where cells go",
        (
            ("live", "the Gemini API (needs GEMINI_API_KEY)"),
            ("offline", "an in-process server: canned answers, no key, no network"),
            ("--fixtures FILE", "offline: answers from this fixtures file (may repeat)"),
            ("--cassette FILE", "offline: replay the answers recorded in this cassette"),
            ("enterprise", "the Gemini Enterprise Agent Platform (Vertex AI credentials)"),
            ("--project P", "enterprise: the Google Cloud project (else GOOGLE_CLOUD_PROJECT)"),
            ("--location L", "enterprise: the region or global (else GOOGLE_CLOUD_LOCATION)"),
            ("URL", "a server of this API at that URL, e.g. http://127.0.0.1:4010"),
        ),
        grammar="[live | offline [--fixtures FILE] [--cassette FILE] | enterprise | URL]",
    ),
}
"""Every ``%gemini`` command. The one list that help, ``--help``, the parser, the
unknown-command message and the dispatcher are built from, so a new command is added here."""

_NOUNS = {"NAME": "chain name", "N": "turn number", "ID": "interaction id", "SPEC": "turn spec"}
"""What a placeholder stands for in a mistake's paragraph (the others are files)."""

CHANGES_CHAINS = frozenset({"use", "reset", "load", "backend", "cancel", "wait", "fix"})
"""Commands a tool may not run while its own turn runs (they change what that turn belongs
to); the ones that only read (history, show, timeline, export, save) it may."""


def _positional(spec: str) -> bool:
    return not spec.startswith("-")


def _noun(metavar: str) -> str:
    return _NOUNS.get(metavar.strip("[]"), "file name")


def _dest(metavar: str) -> str:
    return metavar.strip("[]").split(".")[0].lower()  # PATH.json -> path, N -> n


def _parser(command: Command) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False, allow_abbrev=False)
    for spec, _ in command.args:
        if _positional(spec):  # required ones are checked in parse(), with their own words
            parser.add_argument(_dest(spec), nargs="?", metavar=spec.strip("[]"))
        elif " " in spec:
            flag, metavar = spec.split()
            parser.add_argument(flag, metavar=metavar)
        else:
            parser.add_argument(spec, action="store_true")
    return parser


def parse(name: str, words: list[str]) -> dict[str, Any]:
    """``words`` as the keyword arguments of command ``name``; a mistake is one paragraph."""
    command = COMMANDS[name]
    if command.grammar:
        return {"words": words}
    try:
        found, extra = _parser(command).parse_known_args(words)
    except argparse.ArgumentError as exc:  # a flag without its value, or a switch with one
        flag = exc.argument_name or ""
        metavar = next((s.split()[-1] for s, _ in command.args if s.startswith(flag + " ")), "")
        need = f"needs a {_noun(metavar)}" if metavar else "takes no value"
        raise ChainUsageError(f"`%gemini {name} {flag}` {need}.") from None
    flags = [word.split("=")[0] for word in extra if word.startswith("-")]
    if flags:
        known = [spec.split()[0] for spec, _ in command.args if not _positional(spec)]
        raise ChainUsageError(
            f"`%gemini {name}` has no option `{flags[0]}`.{did_you_mean(flags[0], known)} "
            f"{command.use(name)} `%gemini {name} --help` says more."
        )
    values = vars(found)
    positionals = [spec for spec, _ in command.args if _positional(spec)]
    if extra and not positionals:
        raise ChainUsageError(f"`%gemini {name}` takes no arguments (got {' '.join(extra)}).")
    missing = [s for s in positionals if not s.startswith("[") and values[_dest(s)] is None]
    if extra or missing or (command.either and sum(map(bool, values.values())) > 1):
        raise ChainUsageError(command.use(name))
    if values.get("n") is not None:  # N, a turn number, is the one placeholder not a string
        if not values["n"].lstrip("-").isdigit():
            raise ChainUsageError(f"{values['n']!r} is not a turn number.")
        values["n"] = int(values["n"])
    return values


def split(line: str) -> tuple[str, list[str]]:
    """The command a ``%gemini`` line names and its words (``help`` for an empty line)."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise ChainUsageError(f"Cannot read `%gemini {line}`: {exc}.") from None
    name, words = (words[0], words[1:]) if words else ("help", [])
    if name not in COMMANDS:
        raise ChainUsageError(
            f"Unknown command `%gemini {name}`.{did_you_mean(name, COMMANDS)} Commands: "
            f"{', '.join(COMMANDS)}. `%gemini` alone shows help."
        )
    return name, words


def wants_help(words: list[str]) -> bool:
    return "--help" in words or "-h" in words
