"""The built-in offline demo model: always answers, deterministically, and says it is offline.

It produces a believable timeline so that every feature can be shown without a network or a key:
a short thought summary, a Markdown answer that responds to the prompt, calls to declared function
tools the prompt names (arguments built from their schemas), simulated search, code-execution and
URL-context steps when those tools are on, JSON valid against a requested schema, a background run
with visible progress, and an answer that uses function results once they come back.
"""

from __future__ import annotations

import ast
import json
import operator
import re
from typing import Any

from ._errors import bad_request
from ._ids import IdFactory
from ._inputs import texts_of
from ._offline_agentic import Sandboxes, cite, simulate_tools
from ._offline_fix import fix_answer
from ._offline_media import b64, bar_chart_png, search_chip, tone_wav
from ._reply import Reply, Step, TurnRequest
from ._schema_values import Schema, SchemaRefused, example_value
from ._tool_calls import PLACE_NAMES, QUERY_NAMES, plan_calls

OFFLINE_MODEL = "offline-demo"
PROMPT_SCAN = 20_000
BANNER = "**Offline demo model** — this answer was made up locally; no Gemini model was called."

_ARITHMETIC = re.compile(r"\d+(?:\.\d+)?(?:\s*[-+*/×x]\s*\d+(?:\.\d+)?)+")
_SUBJECT = re.compile(
    r"\b(?:in|for|about|of|at|on|near|to)\s+((?:[A-Z][\w'-]*)(?:(?:,\s*|\s+)[A-Z][\w'-]*)*)"
)
_QUOTED = re.compile(r"[\"“']([^\"”']{2,80})[\"”']")
_NAME = re.compile(r"\bmy name is ([A-Z][\w'-]*)", re.IGNORECASE)
_GREETING = re.compile(r"\s*(hi|hello|hey|hallo|good (morning|afternoon|evening))\b", re.I)
_URL = re.compile(r"https?://[^\s)>\]\"']+")
_DRAW = re.compile(r"\b(draw|plot|chart|graph|picture|sketch)\b", re.I)
_SPEAK = re.compile(
    r"\b(read (it |this )?aloud|say (it |this )?aloud|speak|pronounce|as audio)\b", re.I
)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _evaluate(expression: str) -> float | None:
    """Evaluate + - * / on numbers only (never ``eval``)."""

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return float(_OPS[type(node.op)](walk(node.left), walk(node.right)))
        raise ValueError(expression)

    try:
        tree = ast.parse(re.sub(r"[×x]", "*", expression), mode="eval")
        return walk(tree.body)
    except (ValueError, SyntaxError, ZeroDivisionError):
        return None


_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]<>!~&$|#])")


def quoted(text: str) -> str:
    """User text inside the Markdown answer as a code span, so it reads as typed ("2*3" is
    not emphasis, "<b>" is not a tag) in the rendered answer and in plain text alike."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def escaped(text: str) -> str:
    """User text in Markdown prose (a heading), every Markdown mark backslash-escaped."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def _source_url(slug: str, number: int) -> str:
    return f"https://example.com/offline-search/{slug}/{number}"


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:.6g}"


def subject_of(prompt: str) -> str:
    """What the prompt is about ("Boston, MA" in "weather in Boston, MA"), for arguments."""
    for pattern in (_QUOTED, _SUBJECT):
        found = pattern.search(prompt)
        if found:
            return found.group(1).strip()
    words = re.findall(r"[\w'-]+", prompt)
    return " ".join(words[-4:]) if words else "your question"


def _earlier_texts(turn: TurnRequest) -> list[str]:
    """Earlier user turns: stored history and, in stateless chains, earlier steps of this input."""
    users = [s for s in turn.conversation if s.get("type") == "user_input"]
    return [" ".join(t)[:PROMPT_SCAN] for t in (texts_of(s) for s in users[:-1]) if t]


def _recall(earlier: list[str], prompt: str) -> list[str]:
    name = next((m.group(1) for t in earlier if (m := _NAME.search(t))), None)
    if name and "name" in prompt.lower():
        return [f"Your name is **{name}** (you told me earlier).", ""]
    return []


def _short(text: str, limit: int = 160) -> str:
    flat = " ".join(text[: limit * 8].split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _keywords(text: str) -> list[str]:
    seen: list[str] = []
    for word in re.findall(r"[A-Za-z][\w'-]{3,}", text):
        low = word.lower()
        if low not in {w.lower() for w in seen} and low not in _STOP:
            seen.append(word)
    return seen[:5]


_STOP = frozenset(
    {
        "what",
        "which",
        "with",
        "that",
        "this",
        "there",
        "their",
        "about",
        "would",
        "could",
        "should",
        "please",
        "tell",
        "give",
        "show",
        "from",
        "into",
        "have",
        "does",
        "your",
        "when",
        "where",
        "will",
        "make",
        "also",
        "what's",
        "explain",
        "write",
        "describe",
        "list",
        "summarise",
        "summarize",
        "compute",
        "calculate",
        "over",
        "then",
        "some",
        "them",
        "they",
        "were",
        "been",
        "than",
        "very",
    }
)
_SUMMARISE = re.compile(r"^\s*(?:summari[sz]e|tl;?dr)\b[^:]*:\s*(?P<text>.+)", re.I | re.S)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _json_schema(body: dict[str, Any]) -> tuple[Schema, str] | None:
    """The schema of a JSON answer request and where it is: ``response_format`` (either
    revision), else None."""
    formats = body.get("response_format")
    items = formats if isinstance(formats, list) else [formats] if formats else []
    for position, item in enumerate(items):
        if isinstance(item, dict) and item.get("mime_type") == "application/json":
            schema = item.get("schema")
            where = (
                f"response_format[{position}].schema"
                if isinstance(formats, list)
                else ("response_format.schema")
            )
            return (schema if isinstance(schema, dict) else {"type": "object"}), where
    if body.get("response_mime_type") == "application/json":
        raw = body.get("response_format")
        return (raw if isinstance(raw, dict) else {"type": "object"}), "response_format"
    return None


def _asks_for(turn: TurnRequest, kind: str) -> bool:
    """The request asks for ``kind`` output: ``response_format`` (either shape),
    ``response_modalities``, or a model named for it (``…-image-…``, ``…-tts``)."""
    body = turn.body
    formats = body.get("response_format")
    items = formats if isinstance(formats, list) else [formats]
    if any(isinstance(f, dict) and f.get("type") == kind for f in items):
        return True
    modalities = body.get("response_modalities") or (body.get("generation_config") or {}).get(
        "response_modalities"
    )
    if isinstance(modalities, list) and kind in [str(m).lower() for m in modalities]:
        return True
    model = str(turn.model or "").lower()
    return (kind == "image" and "image" in model) or (kind == "audio" and "tts" in model)


PLAN_HEADING = "# Research plan:"
_PLAN_STEP = re.compile(r"^\d+\. ", re.M)


def _last_plan(turn: TurnRequest) -> int | None:
    """The number of steps of the plan the previous answer was, or None when it was not one."""
    outputs = [s for s in turn.history if s.get("type") == "model_output"]
    if not outputs:
        return None
    text = " ".join(texts_of(outputs[-1]))
    return len(_PLAN_STEP.findall(text)) if text.startswith(PLAN_HEADING) else None


def _claims(subject: str) -> list[tuple[str, int]]:
    """Sentences of a grounded offline answer, each with the made-up source it cites."""
    return [
        (f"- Offline finding about {escaped(subject)}: what a search result would say.", 0),
        ("- A second made-up claim, cited to another made-up source.", 1),
    ]


def _annotate(text: str, claims: list[tuple[str, int]], urls: list[str]) -> list[Step]:
    """``url_citation`` annotations on ``text`` for each claim, indices in UTF-8 bytes (as
    Google's are; a non-ASCII subject shows the difference)."""
    return cite(
        text,
        [
            (
                claim,
                {
                    "type": "url_citation",
                    "url": urls[source],
                    "title": f"example.com (offline source {source + 1})",
                },
            )
            for claim, source in claims
        ],
    )


class OfflineModel:
    """The responder of last resort (see the module docstring).

    ``background_seconds`` is how long a background or agent run takes; ``chunk_size`` and
    ``latency`` shape its streams.
    """

    def __init__(
        self,
        ids: IdFactory | None = None,
        *,
        background_seconds: float = 3.0,
        chunk_size: int = 12,
        latency: float = 0.0,
    ) -> None:
        self.ids = ids or IdFactory()
        self.sandboxes = Sandboxes(self.ids)
        self.background_seconds = background_seconds
        self.chunk_size = chunk_size
        self.latency = latency

    # ------------------------------------------------------------------ entry point
    def respond(self, turn: TurnRequest) -> Reply:
        # Only the start of a huge prompt is read: the answer stays quick and small whatever comes.
        prompt = turn.user_text[:PROMPT_SCAN]
        summaries = (turn.body.get("generation_config") or {}).get("thinking_summaries", "auto")
        summaries = (turn.body.get("agent_config") or {}).get("thinking_summaries", summaries)
        show = summaries != "none"
        model = None if turn.agent else f"{OFFLINE_MODEL}/{turn.model}"
        reply = Reply(chunk_size=self.chunk_size, latency=self.latency, model=model)
        reply.source = "offline"
        reply.environment_id = self.sandboxes.enter(turn.body.get("environment"))
        if turn.function_results:
            reply.steps = [self._thought("Reading the tool results", show), self._use(turn)]
            return reply
        calls = self._calls(turn, prompt)
        if calls:
            names = ", ".join(f"`{c['name']}`" for c in calls)
            asked = quoted(_short(prompt, 60))
            reply.steps = [self._thought(f"Calling {names} for {asked}", show)]
            # Built-in tools run on the server before the model asks for the functions, as a
            # real model mixes them; without this `--tools f --search` showed no search at all.
            reply.steps += self._tools(turn, prompt, [])
            reply.steps += calls
            return reply
        if turn.background or turn.agent:
            return self._background(turn, prompt, show, reply)
        steps = [self._thought(f"Answering offline: {quoted(_short(prompt, 80))}", show)]
        media = self._media(turn, prompt)
        if media is not None:
            steps.append(media)
            reply.steps = steps
            return reply
        notes: list[str] = []
        searched = self._search(turn, prompt)
        steps += self._tools(turn, prompt, notes, search=False)
        simulated = simulate_tools(self.ids, turn, subject_of(prompt))
        steps += simulated.steps
        notes += simulated.notes
        notes += self._sandbox_notes(turn, reply.environment_id)
        wanted = _json_schema(turn.body)
        if wanted is not None:
            value = self.json_answer(wanted[0], prompt, wanted[1])
            text = json.dumps(value, ensure_ascii=False, indent=2)
            block: dict[str, Any] = {"type": "text", "text": text}
        else:
            claims = _claims(subject_of(prompt)) if searched else []
            said = (
                [
                    f"Simulated search for {quoted(searched[1])} (no real search happened); "
                    "its sources are made up:"
                ]
                if searched
                else []
            )
            text = self._answer(turn, prompt, [*notes, *said, *(c for c, _ in claims)])
            block = {"type": "text", "text": text}
            annotations = _annotate(text, claims, searched[2]) if searched else []
            annotations += cite(text, simulated.citations)
            if annotations:
                block["annotations"] = annotations
        steps.append({"type": "model_output", "content": [block]})
        # A grounded answer streams before its search steps, as Google's real service sends it.
        steps += searched[0] if searched else []
        reply.steps = steps
        return reply

    # ------------------------------------------------------------------ pieces
    def _thought(self, summary: str, show: bool) -> Step:
        step: Step = {"type": "thought", "signature": self.ids.signature()}
        if show:
            step["summary"] = [
                {"type": "text", "text": f"**{summary}**\n\nOffline demo: no model."}
            ]
        return step

    def _string_for(self, prompt: str) -> Any:
        subject = subject_of(prompt)

        def pick(name: str, schema: Schema) -> str:
            low = name.lower()
            if low in PLACE_NAMES or low in QUERY_NAMES or not low:
                return subject
            if low in ("unit", "units"):
                return "celsius"
            if low in ("language", "lang"):
                return "en"
            return f"offline {name}"

        return pick

    def _calls(self, turn: TurnRequest, prompt: str) -> list[Step]:
        try:
            planned = plan_calls(turn.tools, prompt, self._string_for(prompt))
        except SchemaRefused as refused:
            raise bad_request(str(refused)) from None
        return [
            {
                "type": "function_call",
                "id": self.ids.call("fc"),
                "name": call.name,
                "arguments": call.arguments,
            }
            for call in planned
        ]

    def json_answer(self, schema: Schema, prompt: str, where: str = "schema") -> Any:
        """A JSON value valid against ``schema``, filled from the prompt where names allow."""
        subject = subject_of(prompt)

        def pick(name: str, sub: Schema) -> str:
            low = name.lower()
            if low in ("title", "name", "topic", "subject", "city", "location"):
                return subject
            if low in ("summary", "description", "answer", "text"):
                return f"Offline demo answer about {subject}."
            return f"offline {name}" if name else "offline"

        try:
            return example_value(schema, "", pick, where=where)
        except SchemaRefused as refused:
            raise bad_request(str(refused)) from None

    def _media(self, turn: TurnRequest, prompt: str) -> Step | None:
        """An image answer (a bar chart of the prompt's numbers) when an image is asked for, an
        audio answer (a short tone) when speech is; None otherwise."""
        if _asks_for(turn, "image") or _DRAW.search(prompt):
            numbers = [float(n) for n in _NUMBER.findall(prompt)][:24] or [
                3.0,
                1.0,
                4.0,
                1.0,
                5.0,
                9.0,
                2.0,
                6.0,
            ]
            shown = ", ".join(_number(n) for n in numbers)
            text = (
                f"{BANNER}\n\nA bar chart of {quoted(shown)}, drawn offline "
                "(no image model was called):\n"
            )
            image = {"type": "image", "mime_type": "image/png", "data": b64(bar_chart_png(numbers))}
            return {"type": "model_output", "content": [{"type": "text", "text": text}, image]}
        if _asks_for(turn, "audio") or _SPEAK.search(prompt):
            text = (
                f"{BANNER}\n\nA one-second tone stands for speech (no speech model was called).\n"
            )
            audio = {"type": "audio", "mime_type": "audio/wav", "data": b64(tone_wav(1.0))}
            return {"type": "model_output", "content": [{"type": "text", "text": text}, audio]}
        return None

    def _search(self, turn: TurnRequest, prompt: str) -> tuple[list[Step], str, list[str]] | None:
        """The search steps (call, then a result holding only Google's suggestions chip, as the
        real service sends), the query, and made-up source URLs; None without the tool."""
        if "google_search" not in turn.tool_names:
            return None
        subject = subject_of(prompt)
        call_id = self.ids.call("gs")
        query = _short(prompt, 80)
        slug = re.sub(r"\W+", "-", subject.lower()).strip("-") or "offline"
        queries = [query, f"{subject} (offline)"] if subject != query else [query]
        steps: list[Step] = [
            {
                "type": "google_search_call",
                "id": call_id,
                "arguments": {"queries": queries},
                "signature": self.ids.signature(),
            },
            {
                "type": "google_search_result",
                "call_id": call_id,
                "result": [{"search_suggestions": search_chip(queries)}],
                "signature": self.ids.signature(),
            },
        ]
        return steps, query, [_source_url(slug, n) for n in (1, 2)]

    def _tools(
        self, turn: TurnRequest, prompt: str, notes: list[str], *, search: bool = True
    ) -> list[Step]:
        enabled = turn.tool_names
        steps: list[Step] = []
        subject = subject_of(prompt)
        if "google_search" in enabled and search:
            call_id = self.ids.call("gs")
            query = _short(prompt, 80)
            slug = re.sub(r"\W+", "-", subject.lower()).strip("-") or "offline"
            steps.append(
                {
                    "type": "google_search_call",
                    "id": call_id,
                    "arguments": {"queries": [query]},
                    "signature": self.ids.signature(),
                }
            )
            chips = search_chip([query])
            # Sources as the older SDK sent them ({search_suggestions, title, url}), so a search
            # card has links to show; the example.com hosts say they are made up.
            sources = [
                {"title": f"Offline source {n} on {subject}", "url": _source_url(slug, n)}
                for n in (1, 2)
            ]
            steps.append(
                {
                    "type": "google_search_result",
                    "call_id": call_id,
                    "result": [{"search_suggestions": chips, **sources[0]}, sources[1]],
                    "signature": self.ids.signature(),
                }
            )
            notes.append(
                f"Simulated search for {quoted(query)} (no real search happened); a made-up "
                f"source: [example.com/{slug}]({_source_url(slug, 1)})."
            )
        if "code_execution" in enabled:
            call_id = self.ids.call("ce")
            found = _ARITHMETIC.search(prompt)
            value = _evaluate(found.group(0)) if found else None
            if found and value is not None:
                code = f"print({re.sub(r'[×x]', '*', found.group(0))})"
                output = _number(value) + "\n"
            else:
                code = f"text = {json.dumps(_short(prompt, 120))}\nprint(len(text.split()))"
                output = f"{len(_short(prompt, 120).split())}\n"
            steps.append(
                {
                    "type": "code_execution_call",
                    "id": call_id,
                    "arguments": {"language": "python", "code": code},
                }
            )
            steps.append(
                {
                    "type": "code_execution_result",
                    "call_id": call_id,
                    "result": output,
                    "is_error": False,
                }
            )
            notes.append(f"Simulated code execution printed {quoted(output.strip())}.")
        urls = _URL.findall(prompt)
        if "url_context" in enabled and urls:
            call_id = self.ids.call("uc")
            steps.append({"type": "url_context_call", "id": call_id, "arguments": {"urls": urls}})
            steps.append(
                {
                    "type": "url_context_result",
                    "call_id": call_id,
                    "result": [{"url": u, "status": "success"} for u in urls],
                }
            )
            notes.append(f"Pretended to read {len(urls)} URL(s); nothing was fetched.")
        return steps

    def _answer(self, turn: TurnRequest, prompt: str, notes: list[str]) -> str:
        if _GREETING.match(prompt) and len(prompt) < 40 and not notes:
            # Short prompts get short answers (and the SDK probe compares them untruncated).
            return "Hello! I am the offline demo model; no Gemini model was called."
        fixed = fix_answer(prompt, BANNER)
        if fixed is not None:
            return fixed
        asked = quoted(_short(prompt)) if _short(prompt) else "*(no text)*"
        lines = [BANNER, "", f"You asked: {asked}", ""]
        found = _ARITHMETIC.search(prompt)
        value = _evaluate(found.group(0)) if found else None
        if found and value is not None:
            lines += [f"**{quoted(found.group(0))} = {_number(value)}**", ""]
        summary = _SUMMARISE.match(prompt)
        if summary:
            body = summary.group("text").strip()
            first = _SENTENCE.split(body)[0]
            count = len(body.split())
            lines += [
                f"**Summary** (offline: the first sentence of your {count} words): "
                + quoted(_short(first)),
                "",
            ]
        earlier_text = _earlier_texts(turn)
        if earlier_text:
            lines += _recall(earlier_text, prompt)
            lines += [
                f"This is turn {turn.turn_number} of our conversation; you began with: "
                + quoted(_short(earlier_text[0], 80)),
                "",
            ]
        words = _keywords(prompt)
        if words:
            lines += ["Key words I noticed:", *[f"- `{w}`" for w in words], ""]
        if turn.function_tools:
            names = ", ".join(f"`{t['name']}`" for t in turn.function_tools)
            lines += [
                f"Tools you declared: {names} (none matches this prompt; ask for what one "
                "does, or name it, to see a call).",
                "",
            ]
        lines += notes
        return "\n".join(lines).rstrip() + "\n"

    def _use(self, turn: TurnRequest) -> Step:
        lines = [BANNER, "", "The tools returned:", ""]
        for result in turn.function_results:
            shown = json.dumps(result.get("result"), ensure_ascii=False)
            flag = " (reported an error)" if result.get("is_error") else ""
            name = str(result.get("name") or result.get("call_id"))
            lines.append(f"- {quoted(name)}{flag}: {quoted(shown)}")
        question = _short(turn.user_text[:PROMPT_SCAN], 100)
        lines += ["", *_recall(_earlier_texts(turn), question)]
        lines += [f"So, for {quoted(question)}: the answer is in the tool results above."]
        return {"type": "model_output", "content": [{"type": "text", "text": "\n".join(lines)}]}

    def _sandbox_notes(self, turn: TurnRequest, environment_id: str | None) -> list[str]:
        """A turn in a sandbox writes a file there and lists what is there (the files of the
        earlier turns of the same environment too)."""
        if environment_id is None:
            return []
        files = self.sandboxes.write(environment_id, f"turn-{turn.turn_number}-notes.md")
        listed = ", ".join(f"`{f}`" for f in files)
        return [f"Working in sandbox `{environment_id}` (simulated); its files: {listed}."]

    def _background(self, turn: TurnRequest, prompt: str, show: bool, reply: Reply) -> Reply:
        config = turn.body.get("agent_config")
        config = config if isinstance(config, dict) else {}
        plan = _last_plan(turn)
        # After a plan, "go ahead" is not the subject: the question the plan answers is.
        subject = subject_of(_earlier_texts(turn)[0] if plan else prompt)
        if config.get("collaborative_planning"):
            return self._plan(turn, prompt, subject, show, reply, revising=plan is not None)
        stages = [
            f"Planning the work on {escaped(subject)}"
            if plan is None
            else "Following the approved plan",
            "Searching (simulated; no network)",
            "Reading three made-up sources",
            "Drafting the report",
        ]
        reply.steps = [self._thought(stage, show) for stage in stages]
        who = turn.agent or f"{OFFLINE_MODEL}/{turn.model}"
        charts = config.get("visualization") == "auto"
        lines = [
            f"# Offline report: {escaped(subject)}",
            "",
            BANNER,
            "",
            f"*Background run by `{who}`, simulated in {self.background_seconds:g} s.*",
            "",
        ]
        if plan is not None:
            lines += [f"Followed the plan of the previous turn ({plan} steps).", ""]
        lines += [
            "## Findings",
            f"- The question was: {quoted(_short(prompt, 120))}",
            "- Nothing was researched: this is the offline demo model.",
            *(f"- {note}" for note in self._sandbox_notes(turn, reply.environment_id)),
            "",
        ]
        if charts:
            lines += ["## Figure 1", "A made-up chart of made-up numbers, drawn offline:", ""]
        lines += [
            "## Next steps",
            "- Set an API key and run the same cell against the real API.",
        ]
        content: list[dict[str, Any]] = [{"type": "text", "text": "\n".join(lines)}]
        if charts:
            numbers = [float(n) for n in _NUMBER.findall(prompt)][:12] or [4.0, 7.0, 3.0, 9.0]
            content.append(
                {"type": "image", "mime_type": "image/png", "data": b64(bar_chart_png(numbers))}
            )
        reply.steps.append({"type": "model_output", "content": content})
        reply.step_delay = self.background_seconds / len(reply.steps)
        return reply

    def _plan(
        self,
        turn: TurnRequest,
        prompt: str,
        subject: str,
        show: bool,
        reply: Reply,
        *,
        revising: bool,
    ) -> Reply:
        """Deep Research's collaborative planning: the answer is a numbered plan (revised with
        the prompt when the previous answer was one); continuing without planning runs it."""
        stages = ["Reading your edits to the plan" if revising else "Reading the question"]
        reply.steps = [self._thought(stage, show) for stage in [*stages, "Drafting a plan"]]
        steps = [
            f"Search the web for recent sources on {escaped(subject)}.",
            "Read the most relevant sources and note where they agree and differ.",
            f"Compare the findings on {escaped(subject)} in a table.",
            "Write a cited report with a summary first.",
        ]
        if revising:
            steps.insert(3, f"Take in your edits: {quoted(_short(prompt, 100))}.")
        lines = [
            f"{PLAN_HEADING} {escaped(subject)}",
            "",
            BANNER,
            "",
            *(f"{n}. {step}" for n, step in enumerate(steps, start=1)),
            "",
            "**Next:** continue this chain with “go ahead” to run the research, or with "
            "changes to the plan (asking for a plan again) to revise it.",
        ]
        text = "\n".join(lines)
        reply.steps.append({"type": "model_output", "content": [{"type": "text", "text": text}]})
        reply.step_delay = min(self.background_seconds, 1.0) / len(reply.steps)
        return reply
