"""The MIME bundles a turn is shown as: thoughts, step cards, answer blocks, the status line, and
the metadata each output carries. The live view sends them one by one as a turn streams; a
finished turn is the same bundles at once (``answer_outputs``), or joined into one
(``turn_bundle``: a background turn's end, ``Turn._repr_mimebundle_``).

Metadata: the cell's last output carries the turn's full record (``Turn.provenance()``: ids,
model or agent, options, usage, timestamps, final status) and every other output of the turn a
pointer to it (chain, turn, part number). Finished outputs are sent once and never again, so
they cannot say a status decided later; a pointer is never out of date.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any, cast

from ..chain import ToolRun, Turn
from ._cards import (
    step_card_html,
    step_card_text,
    thinking_card_html,
    thought_card_html,
    thought_title,
)
from ._citations import Citations, Source, citations_of, round_sources
from ._markdown import answer_html
from ._media import Keys, media_bundle, rounds_media
from ._plan import plan_bundle
from ._status import status_html, status_text
from ._style import fold_control
from ._text import short

__all__ = ["METADATA_KEY", "answer_outputs", "display_bundle", "turn_bundle"]

METADATA_KEY = "gemini_interactions"

Bundle = tuple[dict[str, str], dict[str, Any]]

_HIDDEN_STEPS = frozenset({"model_output", "thought", "user_input", "function_result"})
"""Shown otherwise: the answer and thoughts as text, function results on their call's card."""
_WINDOW = 1200
"""At most this many characters of a thought are re-sent while it streams."""


def display_bundle(data: dict[str, str], **kwargs: Any) -> Any:
    """``IPython.display.display`` of a raw MIME bundle; the handle with ``display_id=True``."""
    from IPython.display import display as _display

    return cast(Any, _display)(data, raw=True, **kwargs)


def asked_for_thoughts(turn: Turn) -> bool:
    """Whether the turn was sent with ``thoughts`` (``--thoughts``): only then are they shown."""
    return bool(turn.options.get("thoughts"))


def structured(turn: Turn) -> bool:
    """The turn asked for an answer in a schema (``--schema``): its text is JSON. An image,
    audio or plain-text ``response_format`` (``--format``) is not one."""
    if "schema" in turn.options:
        return True
    formats = (turn.request or {}).get("response_format")
    for item in formats if isinstance(formats, list) else [formats]:
        if isinstance(item, dict):
            kind = item.get("type")
            if kind == "text" and item.get("mime_type") == "application/json":
                return True
            if kind not in ("text", "image", "audio", "video", "document"):
                return True  # a raw JSON schema, as legacy clients sent it
    return False


def pretty_json(text: str) -> str:
    """``text`` indented when it is whole JSON; as it is otherwise (still streaming)."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def json_block(text: str) -> str:
    """A fenced ``json`` block (highlighted by every Markdown renderer), pretty-printed."""
    body = pretty_json(text)
    fence = "```"
    while fence in body:
        fence += "`"
    return f"{fence}json\n{body}\n{fence}"


def tool_line(run: ToolRun) -> str:
    """A tool call in one line: ``🔧 `name(a=1)` → `result` `` (``…`` while it runs)."""
    args = run.arguments if isinstance(run.arguments, dict) else {}
    call = ", ".join(f"{k}={short(v, 40)}" for k, v in args.items())
    if run.result is None and not run.is_error:
        return f"🔧 `{run.name}({call})` …"
    mark = "❌" if run.is_error else "→"
    return f"🔧 `{run.name}({call})` {mark} `{short(run.result)}`"


# --- metadata ------------------------------------------------------------------------------------


def record(turn: Turn, extra: dict[str, Any] | None = None, parts: int = 1) -> dict[str, Any]:
    """The metadata of a turn's last output: its whole provenance."""
    return {METADATA_KEY: {**turn.provenance(), **(extra or {}), "parts": parts}}


def pointer(turn: Turn, part: int) -> dict[str, Any]:
    """The metadata of any other output: which turn it is part of (the record is the cell's
    last output with the same chain and turn)."""
    return {METADATA_KEY: {"chain": turn.chain, "turn": turn.number, "part": part}}


# --- thoughts, answer blocks, the end ------------------------------------------------------------


def thought_bundle(text: str, seconds: float | None) -> dict[str, str]:
    """A finished thought, collapsed: the whole of it, sent once. Not ``text/markdown``: a
    thought is not the answer, and the HTML and text are its static copies."""
    html = thought_card_html(text, seconds)
    return {"text/plain": f"💭 {thought_title(seconds)}\n{text.strip()}", "text/html": html}


def thought_window(text: str) -> tuple[str, bool]:
    """What of a streaming thought is shown: its last paragraph (the one being written, or the
    one just finished), at most ``_WINDOW`` characters; and whether anything comes before it.
    Re-sending only this keeps a long thought's bytes linear; the whole thought is shown once,
    collapsed, when it ends."""
    end = len(text)
    while end and text[end - 1].isspace():  # not rstrip(): that copies the whole thought
        end -= 1
    cut = text.rfind("\n\n", 0, end)
    start = cut + 2 if cut >= 0 else 0
    if end - start > _WINDOW:
        start = end - _WINDOW
        space = text.find(" ", start, end)
        start = space + 1 if space >= 0 else start
    return text[start:end], start > 0


def thinking_html(text: str) -> str:
    """A thought while it streams, open, as HTML (its text/plain is "💭 Thinking…")."""
    return thinking_card_html(*thought_window(text))


def block_bundle(
    text: str, cites: Citations | None = None, start: int = 0, end: int | None = None
) -> dict[str, str]:
    """``text[start:end]`` as a finished answer block; with ``cites``, its markers in place
    (numbered links in the Markdown and HTML, ``[n]`` in the text)."""
    if not cites:
        part = text[start:end] if start or end is not None else text
        return {"text/plain": part, "text/markdown": part, "text/html": answer_html(part, start)}
    marked = cites.apply(text, start, end, style="markdown")
    plain = cites.apply(text, start, end, style="plain")
    return {"text/plain": plain, "text/markdown": marked, "text/html": answer_html(marked, start)}


def turn_citations(
    turn: Turn,
    text: str,
    streaming: list[dict[str, Any]] | None = None,
    *,
    live_start: int | None = None,
) -> Citations:
    """The citations of the turn's shown answer ``text``: every round's annotations, and the
    streaming round's (``streaming``, its steps as folded so far, whose words start at
    ``live_start`` in ``text``)."""
    rounds: list[list[Any]] = [list(i.steps) for i in turn.interactions]
    if streaming:
        rounds.append(streaming)
    return citations_of(text, rounds, live_start=live_start if streaming else None)


def turn_media(
    turn: Turn, streaming: list[dict[str, Any]] | None = None, keys: Keys | None = None
) -> list[Any]:
    """The images, audio, video and documents of every round (and the streaming one's)."""
    rounds: list[list[Any]] = [list(i.steps) for i in turn.interactions]
    if streaming:
        rounds.append(streaming)
    return rounds_media(rounds, keys)


def html_of(bundle: dict[str, str]) -> str:
    """A bundle as HTML where outputs are joined into one (an image output has no HTML copy)."""
    if "text/html" in bundle:
        return bundle["text/html"]
    for mime in ("image/png", "image/jpeg", "image/gif"):
        if mime in bundle:
            return f'<img alt="image" src="data:{mime};base64,{bundle[mime]}">'
    return f"<pre>{escape(bundle.get('text/plain', ''))}</pre>"


def answer_bundle(text: str, cites: Citations) -> dict[str, str]:
    """The whole answer with its markers, and its Sources list under it."""
    bundle = block_bundle(text, cites)
    if cites:
        bundle["text/plain"] = bundle["text/plain"].rstrip() + "\n\n" + cites.plain_list()
        bundle["text/markdown"] = bundle["text/markdown"].rstrip() + "\n\n" + cites.markdown_list()
        bundle["text/html"] += cites.html_list()
    return bundle


def _notes(turn: Turn) -> list[str]:
    notes: list[str] = list(turn.notices)
    if turn.parse_error:
        notes.append(f"⚠️ The structured answer could not be read: {turn.parse_error}")
    if turn.error and turn.status not in ("completed", "running"):
        note = f"{turn.status}: {turn.error}"
        if turn.status in ("interrupted", "failed", "cancelled", "requires_action"):
            note += " The chain's head did not move."
        notes.append(note)
    return notes


def final_bundle(turn: Turn, elapsed: float | None) -> dict[str, str]:
    notes = _notes(turn)
    status = status_text(turn, elapsed)
    plain = "\n".join([*notes, f"[{status}]"])
    html = "".join(f"<p>{escape(n)}</p>" for n in notes)
    html += fold_control(_shown(turn))  # "show all", code colours, copy buttons (_style)
    html += status_html(turn, elapsed)
    markdown = "\n\n".join(
        [*(escape(n, quote=False) for n in notes), f"<sub>{escape(status, quote=False)}</sub>"]
    )
    return {"text/plain": plain, "text/html": html, "text/markdown": markdown}


# --- cards ---------------------------------------------------------------------------------------


def _run_card(run: ToolRun, *, running: bool) -> dict[str, str]:
    call = {"type": "function_call", "id": run.call_id, "name": run.name}
    call["arguments"] = run.arguments
    result = None if running else run.result_step()
    duration = None if running else run.duration
    status = "running" if running else ("error" if run.is_error else "done")
    return {
        "text/plain": step_card_text(call, result, duration=duration, status=status),
        "text/html": step_card_html(call, result, duration=duration, status=status),
    }


def _step_card(
    step: dict[str, Any],
    result: dict[str, Any] | None,
    status: str | None = None,
    cited: list[Source] | None = None,
) -> dict[str, str]:
    return {
        "text/plain": step_card_text(step, result, status=status, cited=cited),
        "text/html": step_card_html(step, result, status=status, cited=cited),
    }


def _call_key(call_id: Any, round_no: int, position: int) -> str:
    return f"fn.{call_id}" if isinstance(call_id, str) and call_id else f"fn.{round_no}.{position}"


def turn_cards(
    turn: Turn,
    streaming_steps: list[dict[str, Any]] | None = None,
    *,
    running: ToolRun | None = None,
    ended: bool = False,
) -> list[tuple[str, dict[str, str]]]:
    """(key, bundle) of every card of the turn in step order: each round's steps (and the
    streaming round's ``streaming_steps``), a function call's card showing its run once the
    tool started (``running``: the one running now, not yet in ``turn.tool_runs``). A function
    call the model asked for is shown at once ("calling"); one never run by the end of the turn
    says "not run"."""
    runs: dict[str, ToolRun] = {}
    counts: dict[int, int] = {}
    ran = turn.tool_runs  # a run is recorded in the turn once it has ended
    if running is not None and all(run is not running for run in ran):
        ran = [*ran, running]
    for run in ran:
        position = counts[run.round] = counts.get(run.round, 0) + 1
        runs[_call_key(run.call_id, run.round, position)] = run
    rounds = [_steps_of(i) for i in turn.interactions]
    if streaming_steps:
        rounds.append(streaming_steps)
    cards: list[tuple[str, dict[str, str]]] = []
    shown: set[str] = set()
    for number, steps in enumerate(rounds):
        for key, bundle in _round_cards(steps, number, runs, running, ended):
            if key not in shown:  # a call a later round repeats (a stateless history) is one card
                shown.add(key)
                cards.append((key, bundle))
    for key, run in runs.items():  # a run with no call step to hang on (never from a server)
        if key not in shown:
            cards.append((key, _run_card(run, running=run is running)))
    return cards


def _round_cards(
    steps: list[dict[str, Any]],
    number: int,
    runs: dict[str, ToolRun],
    running: ToolRun | None,
    ended: bool,
) -> list[tuple[str, dict[str, str]]]:
    calls: dict[str, int] = {}
    seen: dict[str, int] = {}
    raw: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
    functions = 0
    for step in steps:
        kind = str(step.get("type") or "unknown")
        if kind in _HIDDEN_STEPS:
            continue
        call_id = step.get("call_id")
        if kind.endswith("_result") and isinstance(call_id, str) and call_id in calls:
            key, call, _ = raw[calls[call_id]]
            raw[calls[call_id]] = (key, call, step)
            continue
        if kind == "function_call":
            functions += 1
            raw.append((_call_key(step.get("id"), number + 1, functions), step, None))
            continue
        if kind.endswith("_call") and isinstance(step.get("id"), str):
            calls[str(step["id"])] = len(raw)
        # Keyed by what the step is, not where: the final interaction may number its steps
        # differently from the stream (a user_input step first), and a card must keep its output.
        seen[kind] = seen.get(kind, 0) + 1
        raw.append((f"{number}.{step.get('id') or kind}.{seen[kind]}", step, None))
    cited = round_sources(steps) if raw else []
    cards: list[tuple[str, dict[str, str]]] = []
    for key, step, result in raw:
        if step.get("type") == "function_call":
            run = runs.get(key)
            if run is not None:
                cards.append((key, _run_card(run, running=run is running)))
            else:
                cards.append((key, _step_card(step, None, "not run" if ended else "calling")))
        else:
            cards.append((key, _step_card(step, result, cited=cited)))
    return cards


def _steps_of(interaction: Any) -> list[dict[str, Any]]:
    return [s.model_dump(mode="json", exclude_none=True) for s in interaction.steps]


# --- a finished turn -----------------------------------------------------------------------------


def _shown(turn: Turn) -> str:
    """The answer text as the live view showed it: everything streamed over all rounds (a tool
    turn's words before its calls too), else the last interaction's (a turn not streamed)."""
    return turn.text or turn.output_text


def answer_text(turn: Turn) -> str:
    """The answer as it is shown; a structured answer as a fenced JSON block."""
    text = _shown(turn)
    if structured(turn) and text:
        return json_block(text)
    return text


def answer_outputs(
    turn: Turn, extra: dict[str, Any] | None = None, *, show_thoughts: bool
) -> list[Bundle]:
    """A finished turn as its static outputs, in order: thoughts, cards, answer, status; the
    last carries the turn's record, the others a pointer to it."""
    data: list[dict[str, str]] = []
    thoughts = turn.thoughts.strip()
    if show_thoughts and thoughts:
        data.append(thought_bundle(thoughts, None))
    data.extend(bundle for _, bundle in turn_cards(turn, ended=True))
    text = _shown(turn)  # the same words the live cell ended with, in a re-render or an export
    if text and structured(turn):
        bundle = block_bundle(json_block(text))
        bundle["text/plain"] = pretty_json(text)
        data.append(bundle)
    elif text:
        data.append(plan_bundle(turn, text) or answer_bundle(text, turn_citations(turn, text)))
    data.extend(media_bundle(item) for item in turn_media(turn))
    data.append(final_bundle(turn, None))
    last = len(data) - 1
    return [
        (bundle, record(turn, extra, len(data)) if n == last else pointer(turn, n))
        for n, bundle in enumerate(data)
    ]


def answer_markdown(turn: Turn, *, thoughts: bool = True) -> str:
    """A finished turn as one Markdown text (thoughts quoted, tool calls, the answer, notes, the
    status line): the ``text/markdown`` of ``turn_bundle``, for frontends that read Markdown."""
    blocks: list[str] = []
    if thoughts and turn.thoughts.strip():
        quoted = "\n".join(f"> {line}" for line in turn.thoughts.strip().splitlines())
        blocks.append(f"> 💭 *Thinking*\n>\n{quoted}")
    if turn.tool_runs:
        blocks.append("  \n".join(tool_line(run) for run in turn.tool_runs))
    text = turn.output_text if turn.status not in ("streaming", "pending") else turn.text
    if text:
        blocks.append(json_block(text) if structured(turn) else text)
    elif turn.status in ("streaming", "pending", "running"):
        blocks.append("*…*")
    if turn.parse_error:
        blocks.append(f"⚠️ The structured answer could not be read: {turn.parse_error}")
    if turn.error and turn.status not in ("completed", "running"):
        note = turn.error
        if turn.status in ("interrupted", "failed", "cancelled", "requires_action"):
            note += " The chain's head did not move."
        blocks.append(f"**{turn.status}**: {note}")
    blocks.append(f"<sub>{status_text(turn)}</sub>")
    return "\n\n".join(blocks)


def turn_bundle(
    turn: Turn, *, show_thoughts: bool | None = None
) -> tuple[dict[str, str], dict[str, Any]]:
    """A finished turn as ONE output: the live view's final outputs (``answer_outputs``) joined,
    with the turn's record. ``show_thoughts`` defaults to what the turn asked for."""
    if show_thoughts is None:
        show_thoughts = asked_for_thoughts(turn)
    parts = [d for d, _ in answer_outputs(turn, show_thoughts=show_thoughts)]
    data = {
        "text/plain": "\n\n".join(p["text/plain"] for p in parts),
        "text/markdown": answer_markdown(turn, thoughts=show_thoughts),
        "text/html": "".join(_framed(html_of(p)) for p in parts),
    }
    return data, record(turn)


def _framed(html: str) -> str:
    """An answer block framed as the live view frames its words (``_style``'s ``gi-tail``):
    joined into one output, the frame the answer's own output gets would hold everything."""
    return f'<div class="gi-tail">{html}</div>' if "class=gi-a" in html else html
