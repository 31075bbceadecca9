"""A chain as a runnable notebook (nbformat 4.5): provenance, a papermill ``parameters`` cell,
the tools' and schemas' source, then one ``%%gemini`` cell per turn with exactly its options,
in an order that re-creates the same tree, each with its recorded outputs.

With ``cassette=True`` the recorded exchanges go in a file beside the notebook that the
parameters cell names: the notebook replays offline with no key; ``backend = "live"`` runs it live.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from .. import __version__
from ..chain import Chain, Turn
from ..chain._prices import format_cost, price_table
from ..chain._turn import token_text
from ._attachments import plan_attachments
from ._cassette import cassette as build_cassette
from ._map_cells import map_input_cell, map_outputs
from ._select import select
from ._sources import source_of, sources_block, used_objects

OutputsFor = Callable[[Turn], list[dict[str, Any]]]
"""A turn -> its recorded outputs as nbformat output dicts (the live view's static bundles)."""
DEFAULT_CHAIN = "chat"
META = "gemini_interactions"


@dataclass
class NotebookExport:
    """What an export made: the notebook, its cassette (or None) and the warnings to show."""

    notebook: NotebookNode
    cassette: dict[str, Any] | None = None
    cassette_name: str | None = None
    warnings: list[str] = field(default_factory=list)
    turns: int = 0
    files: dict[str, bytes] = field(default_factory=dict)
    """Files to write beside the notebook (relative path -> bytes): attachments it re-sends."""
    notes: list[str] = field(default_factory=list)
    """What the export did that its user should know (not a problem, unlike ``warnings``)."""


def text_outputs(turn: Turn) -> list[dict[str, Any]]:
    """The default recorded output: the answer as Markdown and plain text, with provenance."""
    text = turn.output_text
    return [
        {
            "output_type": "display_data",
            "data": {"text/plain": text, "text/markdown": text},
            "metadata": {META: turn.provenance()},
        }
    ]


def answer_record(turn: Turn) -> dict[str, Any]:
    """What replay compares: the answer and every tool call of the turn (of a ``--map`` run:
    each element's answer and id)."""
    record: dict[str, Any] = {
        "answer": turn.output_text,
        "interaction_id": turn.id,
        "tool_calls": [{"name": r.name, "arguments": r.arguments} for r in turn.tool_runs],
    }
    if turn.items:
        record["items"] = [{"answer": i.output_text, "interaction_id": i.id} for i in turn.items]
    return record


def _total_cost(turns: list[Turn]) -> float | None:
    """The estimate over every turn; None when any turn's model has no known price."""
    total = 0.0
    for turn in turns:
        spent = turn.cost
        if spent is None:
            return None
        total += spent
    return total


def _provenance(chain: Chain, turns: list[Turn]) -> dict[str, Any]:
    usage: dict[str, int] = {}
    for turn in turns:
        for key, value in turn.usage.items():
            usage[key] = usage.get(key, 0) + value
    who = [t.provenance() for t in turns]
    # the models asked for that did not answer (and are not named inside the one that did)
    asked = sorted({str(t.asked_model) for t in turns if t.model_label != t.model})
    return {
        "package": "gemini-interactions",
        "package_version": __version__,
        "exported": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "chain": chain.name,
        # as the interactions report them (the model that answered), as asked until they do
        "models": sorted({str(w["model"]) for w in who if w["model"]}),
        "agents": sorted({str(w["agent"]) for w in who if w["agent"]}),
        **({"asked": asked} if asked else {}),
        "first": turns[0].provenance()["started"],
        "last": turns[-1].provenance()["ended"],
        "usage": usage,
        "turns": [
            {
                "turn": n,
                "recorded_turn": t.number,
                "interaction_ids": [i.id for i in t.interactions],
                "model": t.model,
                **({"asked": t.asked_model} if t.model != t.asked_model else {}),
                "started": t.provenance()["started"],
                "usage": t.usage,
                "cost_usd": t.cost,
            }
            for n, t in enumerate(turns, 1)
        ],
        "cost_usd": _total_cost(turns),
        "prices_as_of": price_table()["as_of"],
    }


def _markdown(prov: dict[str, Any], cassette_name: str | None) -> str:
    who = ", ".join(prov["models"] + prov["agents"]) or "-"
    if prov.get("asked"):
        who += f" (asked: {', '.join(prov['asked'])})"
    usage = prov["usage"]
    lines = [
        f"# Chain `{prov['chain']}`",
        "",
        f"Exported by gemini-interactions {prov['package_version']} on {prov['exported']}.",
        "",
        f"- models / agents: {who}",
        f"- dates: {prov['first']} to {prov['last']}",
        f"- tokens: {token_text(usage) or 'none counted'}",
        f"- estimated cost: {format_cost(prov.get('cost_usd'))} (prices as of "
        f"{prov.get('prices_as_of', '-')})",
        "- replay: "
        + (
            f'offline from `{cassette_name}` (no key needed); set `backend = "live"` to run live'
            if cassette_name
            else "live (export with --cassette to replay offline)"
        ),
        "",
        "| turn | interaction ids | model | started | tokens |",
        "|---|---|---|---|---|",
    ]
    for t in prov["turns"]:
        ids = " ".join(f"`{i}`" for i in t["interaction_ids"] if i)
        tokens = t["usage"].get("total_tokens", "-")
        model = t["model"] or "-"
        if t.get("asked"):
            model += f" (asked: {t['asked']})"
        lines.append(f"| {t['turn']} | {ids} | {model} | {t['started']} | {tokens} |")
    return "\n".join(lines)


_FLAGS = (
    ("thoughts", "--thoughts"),
    ("search", "--search"),
    ("code_execution", "--code-execution"),
    ("url_context", "--url-context"),
    ("background", "--background"),
)


def spans_lines(system: object) -> bool:
    """A system instruction that cannot go on the one-line ``-s`` (a cell's first line)."""
    return isinstance(system, str) and ("\n" in system or "\r" in system)


def magic_line(
    turn: Turn,
    parent: int | None,
    previous: int,
    chain: str,
    model: str | None,
    attachments: list[str] | None = None,
    map_over: str | None = None,
) -> str:
    """The ``%%gemini`` line that sends ``turn`` again: its options and where it continues
    (``attachments``: the ``--attach`` values to use instead of the recorded labels; a system
    instruction that spans lines is left to a ``%config`` cell before it)."""
    o = turn.options
    words: list[str] = []
    if parent is not None:
        words += ["-c"] if parent == previous else ["--from", str(parent)]
    if chain != DEFAULT_CHAIN:
        words += ["--chain", chain]
    if o.get("agent"):
        words += ["--agent", str(o["agent"])]
    elif o.get("model"):
        words += ["-m", "{model}" if o["model"] == model else str(o["model"])]
    for key, flag in (
        ("system", "-s"),
        ("thinking", "--thinking"),
        ("temperature", "--temperature"),
        ("max_output_tokens", "--max-output-tokens"),
    ):
        if o.get(key) is not None and not (key == "system" and spans_lines(o[key])):
            words += [flag, str(o[key])]
    words += [flag for key, flag in _FLAGS if o.get(key)]
    if o.get("store") is False:
        words.append("--no-store")
    if o.get("stream") is False:
        words.append("--no-stream")
    if o.get("service_tier"):
        words += ["--service-tier", str(o["service_tier"])]
    if o.get("tools"):
        words += ["--tools", ",".join(str(t) for t in o["tools"])]
        if o.get("max_tool_rounds", 10) != 10:
            words += ["--max-tool-rounds", str(o["max_tool_rounds"])]
        if "tool_timeout" in o:
            words += ["--tool-timeout", str(o["tool_timeout"] or 0)]
        if "tool_result_chars" in o:
            words += ["--tool-result-chars", str(o["tool_result_chars"] or 0)]
    if o.get("schema"):
        words += ["--schema", str(o["schema"])]
    words += agentic_words(o)
    for item in o.get("attachments") or [] if attachments is None else attachments:
        words += ["--attach", str(item)]
    if map_over is not None:
        words += ["--map", map_over]
    if "{" in turn.prompt or "}" in turn.prompt:
        words.append("--raw")  # the prompt was filled in when it ran: send it as it was
    quoted = [w if w == "{model}" else shlex.quote(w) for w in words]
    if "{model}" in words:
        # IPython fills {model} in; its formatter then reads other braces (a JSON flag's) as
        # fields too, and leaves the whole line unexpanded: they are doubled to stay as typed.
        quoted = [q if q == "{model}" else q.replace("{", "{{").replace("}", "}}") for q in quoted]
    return " ".join(["%%gemini", *quoted]).rstrip()


_AGENT_FLAGS = (("plan", "--plan"), ("visualize", "--visualize"))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def agentic_words(o: Mapping[str, Any]) -> list[str]:
    """Issue 17's options as the ``%%gemini`` flags that send them again: MCP servers,
    file search, Maps, formats, plan, charts, environment and the config (its tool objects as
    ``--tool``). A secret is the ``{"env": "NAME"}`` marker the turn recorded, never a value;
    what no flag says (file search's top_k, Maps' location, an agent_config) goes in ``--config``.
    """
    words: list[str] = []
    config: dict[str, Any] = {}
    for name, spec in (o.get("mcp_servers") or {}).items():
        url = spec if isinstance(spec, str) else None
        if isinstance(spec, Mapping) and set(spec) == {"url"}:
            url = str(spec["url"])
        words += ["--mcp", f"{name}={url}" if url else f"{name}={_json(spec)}"]
    stores = o.get("file_search")
    if isinstance(stores, Mapping):
        rest = {k: v for k, v in stores.items() if k not in ("stores", "file_search_store_names")}
        stores = stores.get("stores", stores.get("file_search_store_names"))
        if rest:
            config["file_search"] = rest
    if stores:
        names = [stores] if isinstance(stores, str) else [str(s) for s in stores]
        words += ["--file-search", ",".join(names)]
    maps = o.get("maps")
    if maps:
        words.append("--maps")
        if isinstance(maps, Mapping):
            config["maps"] = dict(maps)
    answer_format = o.get("format")
    if isinstance(answer_format, str):
        words += ["--format", answer_format]
    elif answer_format:
        items = answer_format if isinstance(answer_format, list) else [answer_format]
        formats = [{"type": f} if isinstance(f, str) else f for f in items]
        config["response_format"] = formats[0] if len(formats) == 1 else formats
    words += [flag for key, flag in _AGENT_FLAGS if o.get(key)]
    environment = o.get("environment")
    if environment is not None:
        text = environment if isinstance(environment, str) else _json(environment)
        words += ["--environment", text]
    if o.get("agent_config"):
        config["agent_config"] = o["agent_config"]
    given = dict(o.get("config") or {})
    for tool in given.pop("tools", None) or []:
        words += ["--tool", _json(tool)]
    config.update(given)
    if config:
        words += ["--config", _json(config)]
    return words


def to_notebook(
    chain: Chain,
    *,
    turns: str | None = None,
    cassette: bool = False,
    cassette_name: str | None = None,
    outputs: OutputsFor | None = text_outputs,
    namespace: Mapping[str, Any] | None = None,
    config: Mapping[str, str] | None = None,
    api_version: str = "v1",
    folder: str | Path | None = None,
    files_dir: str | None = None,
) -> NotebookExport:
    """Build the notebook that re-creates ``chain`` (``turns``: a ``--turns`` spec; ``outputs``
    None: no outputs; ``namespace``: where to find tools and schemas of a loaded chain;
    ``folder``: where it will be written, so attachment paths are relative to it;
    ``files_dir``: the folder beside it for attachments that are not files)."""
    chosen = select(chain, turns)
    result = NotebookExport(nbformat.v4.new_notebook(), turns=len(chosen))
    plan = plan_attachments(
        chosen, Path(folder) if folder is not None else None, files_dir or f"{chain.name}_files"
    )
    result.files, result.notes = plan.files, plan.notes
    result.warnings.extend(plan.warnings)
    nb = result.notebook
    nb.nbformat, nb.nbformat_minor = 4, 5
    prov = _provenance(chain, chosen)
    name = cassette_name or f"{chain.name}.cassette.json"
    if cassette:
        result.cassette, result.cassette_name = build_cassette(chosen, api_version), name
    nb.metadata[META] = prov
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    v4 = nbformat.v4
    cells = [v4.new_markdown_cell(_markdown(prov, result.cassette_name))]
    models = {t.options.get("model") for t in chosen if not t.options.get("agent")} - {None}
    model = str(next(iter(models))) if len(models) == 1 else None
    # Quoted: the setup cell's `%gemini backend` splits its words like a shell (a name with a
    # space went live and matched nothing).
    backend = f"offline --cassette {shlex.quote(name)}" if cassette else "live"
    params = [
        "%load_ext gemini_interactions",
        "# Parameters (papermill -p backend live -p model NAME). backend: where the turns go;",
        '# "live" sends them to the Gemini API (needs GEMINI_API_KEY), "offline --cassette FILE"',
        "# replays the recorded answers with no key and no network.",
        f"backend = {backend!r}",
    ]
    if model is not None:
        params.append(f"model = {model!r}")
    cells.append(v4.new_code_cell("\n".join(params), metadata={"tags": ["parameters"]}))
    setup = ["%gemini backend {backend}"]
    if api_version != "v1":
        setup.append(f"%config GeminiMagics.api_version = {api_version!r}")
    for key, value in (config or {}).items():
        setup.append(f"%config GeminiMagics.{key} = {value!r}")
    cells.append(v4.new_code_cell("\n".join(setup)))
    secrets = sorted({name for t in chosen for name in secret_names(t.options)})
    if secrets:
        cells.append(v4.new_code_cell(_secrets_cell(secrets)))
    objects = used_objects(chosen, namespace)
    if objects:
        pieces = []
        for obj_name, value in objects.items():
            code, warning = source_of(obj_name, value, objects)
            pieces.append(code)
            if warning:
                result.warnings.append(warning)
        cells.append(v4.new_code_cell(sources_block(pieces)))
    numbers = {t.number: n for n, t in enumerate(chosen, 1)}
    configured: str | None = None  # the multi-line system instruction %config holds now
    for n, turn in enumerate(chosen, 1):
        system = turn.options.get("system")
        wanted = system if spans_lines(system) else None
        if wanted != configured:
            cells.append(v4.new_code_cell(_system_cell(n, wanted)))
            configured = wanted
        parent = numbers.get(turn.parent) if turn.parent is not None else None
        prompt, over = turn.prompt, None
        if turn.items:
            code, over, prompt, note = map_input_cell(turn, n, namespace)
            cells.append(v4.new_code_cell(code))
            if note is not None:
                result.notes.append(note)
        line = magic_line(turn, parent, n - 1, chain.name, model, plan.labels.get(n), over)
        cell = v4.new_code_cell(f"{line}\n{prompt}")
        cell.metadata[META] = {"turn": n, "recorded_turn": turn.number, **answer_record(turn)}
        cell.execution_count = None
        if outputs is not None:
            made = map_outputs(turn) if turn.items else outputs(turn)
            cell.outputs = [nbformat.from_dict(o) for o in made]
        cells.append(cell)
        if turn.status == "completed" and (
            turn.options.get("agent") or turn.options.get("background")
        ):
            # A background turn's cell returns at once; the next turn continues its answer.
            cells.append(v4.new_code_cell("%gemini wait"))
    nb.cells = cells
    nbformat.validate(nb)
    return result


def secret_names(value: Any) -> list[str]:
    """The environment variables a turn's options name for its secrets (``{"env": NAME}``)."""
    if isinstance(value, Mapping):
        if set(value) == {"env"} and isinstance(value["env"], str):
            return [value["env"]]
        return [name for item in value.values() for name in secret_names(item)]
    if isinstance(value, list | tuple):
        return [name for item in value for name in secret_names(item)]
    return []


def _secrets_cell(names: list[str]) -> str:
    return "\n".join(
        [
            "# The turns below name their secrets (MCP tokens, sandbox credentials) by environment",
            "# variable; this notebook holds none of their values. Set them before running live;",
            "# an offline replay sends nothing, so a stand-in is enough.",
            "import os",
            "",
            'if backend.startswith("offline"):',
            f"    for _name in {names!r}:",
            '        os.environ.setdefault(_name, "offline-replay-stand-in")',
        ]
    )


def _system_cell(n: int, system: str | None) -> str:
    if system is None:
        return (
            "# The turns below have no multi-line system instruction: clear the one set above.\n"
            "%config GeminiMagics.system_instruction = ''"
        )
    # %config evaluates its right-hand side in the notebook, and a plain assignment is never
    # expanded, so braces, quotes and `$` in the instruction arrive as they were.
    return (
        f"# Turn {n}'s system instruction spans lines, which `-s` (one line) cannot hold;\n"
        "# it applies to the next turns until changed.\n"
        f"system_instruction = {system!r}\n"
        "%config GeminiMagics.system_instruction = system_instruction"
    )


def write_notebook(path: str | Path, export: NotebookExport) -> list[Path]:
    """Write the notebook (and its cassette and attachment files beside it); the files
    written, the notebook first."""
    from ._secrets import scrub_text
    from ._store import write_atomic, write_bytes_atomic

    target = Path(path)
    written = []
    for relative, data in export.files.items():
        beside = target.parent / relative
        beside.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(beside, data)
        written.append(beside)
    if export.cassette is not None and export.cassette_name is not None:
        beside = target.parent / export.cassette_name
        write_atomic(beside, scrub_text(json.dumps(export.cassette, ensure_ascii=False)) + "\n")
        written.append(beside)
    write_atomic(target, scrub_text(nbformat.writes(export.notebook)) + "\n")
    written.insert(0, target)
    return written
