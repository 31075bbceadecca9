"""The timeline's time axis: each turn's steps as bars on a shared axis (an SVG waterfall).

Drawn from ``Turn.timing`` (when each event arrived, recorded in the turn), so a saved, loaded
or exported chain draws the same picture. The SVG is static markup whose geometry is all in
attributes (x, y, width, height, fill), never CSS: GitHub, nbconvert and a reloaded notebook
show it as it was drawn. Text and axis lines use ``currentColor``, so they follow a light or
dark theme; every bar has a ``<title>`` (its kind, name, seconds and tokens) for a tooltip and
a screen reader.

A chain's turns each start at zero on the one axis (a notebook's turns are minutes apart: on a
wall-clock axis every bar would be a sliver), indented under the turn they continue, so branches
read as a tree. Steps that overlap (parallel calls) go side by side in lanes. A ``--map`` run
is a latency histogram and the throughput over the run's time instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from html import escape

from ..chain import StepTime, Turn

__all__ = ["waterfall_html"]

WIDTH = 760
LABEL = 170  # the turn labels' column
RIGHT = 110  # room for a turn's "12.3 s · 1,234 tokens" after its bar
LANE = 14
GAP = 4
MAX_TURNS = 40
"""More turns than this: the latest are drawn, and the SVG says how many are left out."""

# category -> (colour, legend label); colours read on white and on a dark theme alike
_CATEGORIES: dict[str, tuple[str, str]] = {
    "waiting": ("#9aa0a6", "waiting for the model"),
    "thought": ("#8e6fd8", "thought"),
    "search": ("#2f86d6", "search / retrieval"),
    "code": ("#e0871b", "code execution"),
    "function_call": ("#d24f8d", "function call"),
    "tool": ("#c9a400", "your Python function"),
    "mcp": ("#16a3a3", "MCP tool"),
    "answer": ("#2ea44f", "answer"),
    "other": ("#7d8b96", "other"),
}
_SEARCH = ("google_search", "url_context", "google_maps", "file_search", "retrieval")


def category(kind: str) -> str:
    """The legend entry a span's kind is drawn as."""
    if kind in ("waiting", "request", "background"):
        return "waiting"
    if kind in ("thought", "tool", "function_call"):
        return kind
    if kind == "model_output":
        return "answer"
    if kind.startswith("code_execution"):
        return "code"
    if kind.startswith(_SEARCH):
        return "search"
    if kind.startswith("mcp_server"):
        return "mcp"
    return "other"


def _label(kind: str) -> str:
    names = {"waiting": "waiting for the model", "request": "request (not streamed)"}
    names["background"] = "running in the background"
    names |= {"tool": "your function", "model_output": "answer"}
    return names.get(kind, kind.replace("_", " "))


def _seconds(value: float) -> str:
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.1f} s" if value < 100 else f"{value:.0f} s"


def _ticks(span: float) -> tuple[float, list[float]]:
    """A round axis end and tick positions (1, 2 or 5 times a power of ten apart)."""
    span = max(span, 0.001)
    raw = span / 6
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    end = step * math.ceil(span / step - 1e-9)
    return end, [step * i for i in range(round(end / step) + 1)]


def _lanes(spans: Sequence[StepTime]) -> list[int]:
    """A lane for each span: the first lane free at its start (overlapping spans side by side)."""
    ends: list[float] = []
    lanes = []
    for span in spans:
        for lane, end in enumerate(ends):
            if span.start >= end - 1e-6:
                ends[lane] = span.end
                break
        else:
            lane = len(ends)
            ends.append(span.end)
        lanes.append(lane)
    return lanes


def _tokens(turn: Turn) -> str:
    total = turn.usage.get("total_tokens")
    return f" · {total:,} tokens" if total else ""


def _depths(turns: Sequence[Turn]) -> dict[int, int]:
    numbers = {t.number for t in turns}
    depth: dict[int, int] = {}
    for turn in turns:  # parents come before children in a chain
        parent = turn.parent
        depth[turn.number] = depth.get(parent, -1) + 1 if parent in numbers else 0
    return depth


def _spans(turn: Turn) -> list[StepTime]:
    """The turn's spans in time order; a turn with none recorded (saved by an older version,
    or a background turn) is one bar of its whole duration."""
    if turn.timing:
        spans = sorted(turn.timing, key=lambda s: (s.start, s.end))
        last = max(s.end for s in spans)
        if turn.duration is not None and turn.duration - last > 0.5:
            # A background turn: sent, then polled until it ended, with no events to time.
            spans.append(StepTime("background", 1, last, turn.duration))
        return spans
    if turn.duration is not None:
        return [StepTime("request", 1, 0.0, max(turn.duration, 0.0))]
    return []


def waterfall_html(turns: Iterable[Turn]) -> str:
    """The turns' steps on one time axis as an inline SVG (empty when nothing was timed);
    ``--map`` runs as their latency histogram and throughput."""
    chosen = list(turns)
    maps = [t for t in chosen if t.items]
    plain = [t for t in chosen if not t.items]
    parts = []
    if plain:
        parts.append(_turns_svg(plain))
    parts.extend(_map_svg(t) for t in maps[-3:])
    return "".join(p for p in parts if p)


def _turns_svg(turns: list[Turn]) -> str:
    left_out = max(0, len(turns) - MAX_TURNS)
    turns = turns[-MAX_TURNS:]
    drawn = [(t, _spans(t)) for t in turns]
    if not any(spans for _, spans in drawn):
        return ""
    longest = max((s.end for _, spans in drawn for s in spans), default=0.0)
    longest = max(longest, *(t.duration or 0.0 for t in turns))
    end, ticks = _ticks(longest)
    plot = WIDTH - LABEL - RIGHT

    def x(t: float) -> float:
        return LABEL + plot * (t / end)

    depth = _depths(turns)
    body: list[str] = []
    used: list[str] = []
    y = 34
    for turn, spans in drawn:
        indent = 8 * min(depth.get(turn.number, 0), 6)
        lanes = _lanes(spans)
        rows = max(lanes, default=-1) + 1
        header = escape(turn.label)
        # only a branch says where it came from: in a straight chain every turn would
        branch = "" if turn.parent in (None, turn.number - 1) else f" ← turn {turn.parent}"
        took = _seconds(turn.duration) if turn.duration is not None else turn.status
        body.append(
            f'<text x="{4 + indent}" y="{y + 11}" font-size="11" fill="currentColor" '
            f'font-weight="bold">{header}{escape(branch)}</text>'
            f'<text x="{4 + indent}" y="{y + 24}" font-size="10" fill="currentColor" '
            f'fill-opacity="0.7">{escape(turn.summary(4))[:30]}</text>'
        )
        last = 0.0
        for span, lane in zip(spans, lanes, strict=True):
            cat = category(span.kind)
            if cat not in used:
                used.append(cat)
            colour = _CATEGORIES[cat][0]
            left = x(span.start)
            width = max(x(span.end) - left, 1.5)
            top = y + lane * (LANE + GAP)
            name = f" {span.name}" if span.name else ""
            tokens = f", {span.tokens:,} tokens" if span.tokens else ""
            title = f"{_label(span.kind)}{name}: {_seconds(span.duration)}{tokens}"
            title += f" (from {span.start:.2f} s, round {span.round})"
            body.append(
                f'<rect x="{left:.1f}" y="{top}" width="{width:.1f}" height="{LANE}" rx="2" '
                f'fill="{colour}" data-kind="{escape(span.kind)}" data-round="{span.round}">'
                f"<title>{escape(title)}</title></rect>"
            )
            if width > 60:
                text = f"{_label(span.kind) if not span.name else span.name}"
                text = text[: int(width / 6.5)]
                body.append(
                    f'<text x="{left + 3:.1f}" y="{top + 11}" font-size="10" fill="#fff" '
                    f'pointer-events="none">{escape(text)}</text>'
                )
            last = max(last, x(span.end))
        body.append(
            f'<text x="{last + 4:.1f}" y="{y + 11}" font-size="10" fill="currentColor">'
            f"{escape(took + _tokens(turn))}</text>"
        )
        height = max(rows * (LANE + GAP), 28)
        y += height + 10
        body.append(
            f'<line x1="0" x2="{WIDTH}" y1="{y - 5}" y2="{y - 5}" stroke="currentColor" '
            'stroke-opacity="0.12"/>'
        )
    axis = [
        f'<text x="4" y="14" font-size="11" fill="currentColor" font-weight="bold">'
        f"{'time since each turn started' if len(turns) > 1 else 'time since the turn started'}"
        "</text>"
    ]
    for tick in ticks:
        tx = x(tick)
        axis.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="24" y2="{y - 5}" stroke="currentColor" '
            'stroke-opacity="0.15"/>'
            f'<text x="{tx:.1f}" y="20" font-size="10" fill="currentColor" '
            f'text-anchor="middle">{escape(_seconds(tick) if tick else "0")}</text>'
        )
    legend, lx = [], 4.0
    y += 4
    for cat in used:
        colour, label = _CATEGORIES[cat]
        legend.append(
            f'<rect x="{lx:.0f}" y="{y}" width="10" height="10" rx="2" fill="{colour}"/>'
            f'<text x="{lx + 14:.0f}" y="{y + 9}" font-size="10" fill="currentColor">'
            f"{escape(label)}</text>"
        )
        lx += 24 + 6 * len(label)
    y += 16
    if left_out:
        legend.append(
            f'<text x="4" y="{y + 8}" font-size="10" fill="currentColor">'
            f"{left_out} earlier turn(s) not drawn</text>"
        )
        y += 14
    label = f"Time axis of {len(turns)} turn(s): " + "; ".join(
        f"{t.label} {_seconds(t.duration) if t.duration is not None else t.status}" for t in turns
    )
    return _svg(y, label, [*axis, *body, *legend], kind="turns")


def _svg(height: float, label: str, parts: list[str], *, kind: str) -> str:
    # A sanitizer that drops SVG (JupyterLab's, for an untrusted notebook) keeps its text: with
    # a space around each piece it reads as words, not as one run-together string. SVG itself
    # ignores leading and trailing spaces in text.
    body = "".join(parts).replace("</text>", " </text>").replace("</title>", " </title>")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gemini-waterfall" data-axis="{kind}" '
        f'width="{WIDTH}" height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-label="{escape(label)}" font-family="sans-serif">'
        f"<title>{escape(label)}. </title>{body}</svg>"
    )


def _bars(
    counts: Sequence[float], left: float, top: float, width: float, height: float, colour: str
) -> list[str]:
    peak = max(counts, default=0) or 1
    step = width / max(len(counts), 1)
    out = []
    for i, count in enumerate(counts):
        h = height * count / peak
        out.append(
            f'<rect x="{left + i * step:.1f}" y="{top + height - h:.1f}" '
            f'width="{max(step - 1, 1):.1f}" height="{h:.1f}" fill="{colour}">'
            f"<title>{count:g}</title></rect>"
        )
    out.append(
        f'<line x1="{left}" x2="{left + width}" y1="{top + height}" y2="{top + height}" '
        'stroke="currentColor" stroke-opacity="0.4"/>'
    )
    return out


def _map_svg(turn: Turn) -> str:
    """A ``--map`` run: how long elements took (histogram) and how many finished per second."""
    timed = [i for i in turn.items if i.ended_at is not None and i.started_at]
    if not timed:
        return ""
    latencies = [max(0.0, (i.ended_at or i.started_at) - i.started_at) for i in timed]
    start = min(i.started_at for i in timed)
    run = max((i.ended_at or start) - start for i in timed) or 0.001
    bins = 20
    top_latency, _ = _ticks(max(latencies))
    hist = [0.0] * bins
    for value in latencies:
        hist[min(bins - 1, int(value / top_latency * bins))] += 1
    thru = [0.0] * bins
    width = run / bins
    for item in timed:
        thru[min(bins - 1, int(((item.ended_at or start) - start) / width))] += 1 / width
    panel = (WIDTH - 60) / 2
    parts = [
        f'<text x="4" y="14" font-size="11" fill="currentColor" font-weight="bold">'
        f"{escape(turn.label)} --map: {len(timed)} element(s) in {_seconds(run)}</text>",
        f'<text x="20" y="32" font-size="10" fill="currentColor">'
        f"latency (seconds per element), median {_seconds(sorted(latencies)[len(latencies) // 2])}"
        "</text>",
        f'<text x="{40 + panel}" y="32" font-size="10" fill="currentColor">'
        f"throughput (elements finished per second) over {_seconds(run)}</text>",
        *_bars(hist, 20, 40, panel, 80, "#2f86d6"),
        *_bars(thru, 40 + panel, 40, panel, 80, "#2ea44f"),
        '<text x="20" y="134" font-size="10" fill="currentColor">0</text>',
        f'<text x="{20 + panel}" y="134" font-size="10" fill="currentColor" '
        f'text-anchor="end">{escape(_seconds(top_latency))}</text>',
        f'<text x="{40 + panel}" y="134" font-size="10" fill="currentColor">0</text>',
        f'<text x="{40 + 2 * panel}" y="134" font-size="10" fill="currentColor" '
        f'text-anchor="end">{escape(_seconds(run))}</text>',
    ]
    label = f"{turn.label}: {len(timed)} map elements, latency histogram and throughput"
    return _svg(142, label, parts, kind="map")
