"""A chain as a plain Python script: the same requests in order through ``Chain`` (which chains
the ids, runs the tools and parses schemas), printing each answer."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import __version__
from ..chain import Chain
from ._map_cells import map_input_cell
from ._select import select
from ._sources import source_of, sources_block, used_objects

_KWARGS = (
    "model",
    "agent",
    "system",
    "thinking",
    "thoughts",
    "temperature",
    "max_output_tokens",
    "store",
    "search",
    "code_execution",
    "url_context",
    "background",
    "stream",
    "service_tier",
    "mcp_servers",
    "file_search",
    "maps",
    "format",
    "plan",
    "visualize",
    "agent_config",
    "environment",
    "config",
)


def to_script(
    chain: Chain, *, turns: str | None = None, namespace: Mapping[str, Any] | None = None
) -> tuple[str, list[str]]:
    """(script text, warnings) for ``chain``."""
    chosen = select(chain, turns)
    warnings: list[str] = []
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    lines = [
        f'"""Chain {chain.name!r}, exported by gemini-interactions {__version__} on {stamp}.',
        "",
        "Run it with GEMINI_API_KEY set; it sends the chain's prompts in order.",
        '"""',
        "",
        "from gemini_interactions.api import Client",
        "from gemini_interactions.chain import Chain",
    ]
    objects = used_objects(chosen, namespace)
    pieces = []
    for name, value in objects.items():
        code, warning = source_of(name, value, objects)
        pieces.append(code)
        if warning:
            warnings.append(warning)
    lines += ["", "", *sources_block(pieces).splitlines(), "", ""] if pieces else [""]
    lines.append(f"chain = Chain(Client(), name={chain.name!r})")
    numbers = {t.number: n for n, t in enumerate(chosen, 1)}
    for n, turn in enumerate(chosen, 1):
        o = turn.options
        args = [repr(turn.prompt)]
        over = None
        if turn.items:
            code, over, template, _ = map_input_cell(turn, n, namespace)
            lines += ["", *code.splitlines()]
            args = [repr(template), over, f"name={over!r}"]
        parent = numbers.get(turn.parent) if turn.parent is not None else None
        args.append("new=True" if parent is None else f"from_turn={parent}")
        for key in _KWARGS:
            if key in o:
                args.append(f"{key}={o[key]!r}")
        if o.get("tools"):
            args.append("tools=[" + ", ".join(str(t) for t in o["tools"]) + "]")
            args.append(f"max_tool_rounds={o.get('max_tool_rounds', 10)!r}")
            for key in ("tool_timeout", "tool_result_chars"):
                if key in o:
                    args.append(f"{key}={o[key]!r}")
        if o.get("schema"):
            args.append(f"schema={o['schema']}")
        if o.get("attachments"):
            args.append(f"attachments={list(o['attachments'])!r}")
            warnings += [
                f"turn {n}'s attachment {a!r} is not a file here, so the script cannot send it: "
                "export to a .ipynb, which writes its recorded data beside the notebook."
                for a in o["attachments"]
                if not str(a).startswith(("https://", "http://", "gs://"))
                and not Path(str(a)).expanduser().is_file()
            ]
        if over is not None:
            lines.append(f"result = chain.map({', '.join(args)})")
            lines.append(f'print(f"--- turn {n} (--map {over}, {{len(result)}} elements)")')
            lines.append("for answer in result:")
            lines.append("    print(answer)")
            continue
        lines.append(f"turn = chain.send({', '.join(args)})")
        lines.append(f'print(f"--- turn {n} ({{turn.id}})")')
        lines.append("print(turn.output_text)")
    return "\n".join(lines) + "\n", warnings
