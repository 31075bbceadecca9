"""How answers and cards look: code highlighted by classes both themes colour, headings below
the notebook's, a long answer folded past a screen with a "show all", every card alike."""

from __future__ import annotations

import re

from gemini_interactions.render._bundles import answer_outputs, block_bundle, thought_bundle
from gemini_interactions.render._cards import step_card_html
from gemini_interactions.render._highlight import HIGHLIGHT_CHARS, STYLE, highlight
from gemini_interactions.render._markdown import answer_html, markdown_html
from gemini_interactions.render._style import FOLD_CHARS, SHEET, fold_control

CODE = '```python\n@cache\ndef area(r):\n    """Area."""\n    return 3.14 * r * r  # pi r²\n```\n'


def test_code_in_an_answer_is_highlighted_by_short_classes_coloured_by_the_theme() -> None:
    html = markdown_html(CODE)
    assert "<pre class=gi-hl>" in html and '<code class="language-python">' in html
    assert "<b>def </b><span class=f>area</span>(r):" in html
    assert '<tt>"""Area."""' in html and "<i># pi r²" in html
    assert "<span class=d>@cache" in html
    # Names, numbers and operators stay plain: a line costs a few spans, not one per token.
    assert "3.14 * r * r" in html
    # The colours are JupyterLab's editor variables (light and dark themes), with fallbacks.
    assert "var(--jp-mirror-editor-keyword-color,#008000)" in STYLE
    assert "var(--jp-mirror-editor-string-color," in STYLE and "--jp-mirror-editor-comment" in STYLE
    # Raw HTML in code stays escaped.
    assert "&lt;b&gt;" in markdown_html('```python\nx = "<b>"\n```\n')


def test_code_without_a_known_language_or_too_long_stays_plain() -> None:
    assert markdown_html("```\nx = 1\n```\n") == "<pre><code>x = 1\n</code></pre>\n"
    assert "gi-hl" not in markdown_html("```nosuchlanguage\nif x: pass\n```\n")
    assert highlight("def f(): pass\n" * (HIGHLIGHT_CHARS // 10), "python") is None
    assert highlight("x = 1 + 2\n", "python") is None  # nothing worth a colour: no spans


def test_headings_in_an_answer_are_scaled_below_the_notebooks() -> None:
    html = markdown_html("# One\n\n## Two\n\n### Three\n\n#### Four\n")
    assert '<h1 style="font-size:1.3em">One</h1>' in html
    assert '<h2 style="font-size:1.15em">Two</h2>' in html
    assert '<h3 style="font-size:1.05em">Three</h3>' in html and "<h4>Four</h4>" in html


def _long(words: int) -> str:
    return "\n\n".join(f"Paragraph {n} " + "word " * 40 for n in range(words // 40)) + "\n"


def test_a_long_answer_folds_past_a_screen_and_a_short_one_does_not() -> None:
    short = "A short answer.\n\nTwo paragraphs.\n"
    # The first block carries the answer's sheet (container, fold), once per turn.
    assert answer_html(short) == "<p class=gi-a>A short answer.</p><p>Two paragraphs.</p>" + SHEET
    assert answer_html(short, start=10) == "<p class=gi-a>A short answer.</p><p>Two paragraphs.</p>"
    assert "show all" not in fold_control(short)
    long = _long(2900)
    html = answer_html(long)
    head, rest = html.split("<div class=gi-late>")
    assert head.startswith("<p class=gi-a>Paragraph 0 ")
    assert FOLD_CHARS <= len(re.sub("<[^>]+>", "", head)) < FOLD_CHARS + 300
    assert "Paragraph 70 " in rest and rest.endswith("</div>" + SHEET)
    control = fold_control(long)
    assert re.search(
        r"<details class=gi-more [^>]*><summary>show all \([\d,]+ more words\)", control
    )
    # The fold is a stylesheet rule (no script): hidden while "show all" is closed.
    assert ":has(details.gi-more:not([open]))" in SHEET and "display:none" in SHEET
    # In the live view each block is its own output: a block past the fold is marked as a whole.
    assert answer_html("Late words.\n", start=FOLD_CHARS + 10).startswith(
        '<p class="gi-a gi-late">Late words.'
    )
    # A fence is never cut by the fold.
    fenced = "word " * (FOLD_CHARS // 5) + "\n\n```python\n" + "x = 1\n\n" * 200 + "```\n"
    assert "<div class=gi-late><pre" in answer_html(fenced)


def test_copy_buttons_and_token_colours_come_only_with_code() -> None:
    plain = fold_control("No code here.\n")
    assert "<script>" not in plain and ".gi-hl" not in plain
    code = fold_control("Code:\n\n" + CODE)
    assert "<script>" in code and "gi-copy" in code and STYLE in code
    # The answer's code block is marked as the answer (the copy script looks for it).
    assert block_bundle(CODE)["text/html"].startswith('<pre class="gi-a gi-hl">')


def test_every_card_has_the_same_border_and_badge_and_folds_once_done() -> None:
    code = {"type": "code_execution_call", "id": "c", "arguments": {"code": "print(1)"}}
    result = {"type": "code_execution_result", "call_id": "c", "result": "1\n"}
    search = {"type": "google_search_call", "id": "s", "arguments": {"queries": ["q"]}}
    running = step_card_html(code)
    done = step_card_html(code, result)
    thought = thought_bundle("A plan.", 0.3)["text/html"]
    cards = [running, done, step_card_html(search), thought]
    border = 'style="border:1px solid var(--jp-border-color2,#ccc);'
    assert all(border in c for c in cards)
    assert all(re.search(r'<code style="color:var\(--jp-\w+-color1', c) for c in cards)
    assert running.startswith("<details open ") and done.startswith("<details style")
    assert thought.startswith("<details style") and "Thought for &lt;1 s" in thought
    assert thought_bundle("A plan.", 0.3)["text/plain"].startswith("💭 Thought for <1 s")
    assert thought_bundle("A plan.", None)["text/plain"].startswith("💭 Thought\n")
    # The code card's code is coloured by the theme's classes, not inline dark blue.
    assert "<span class=n>print</span>(1)" in done and STYLE in done and "#0000FF" not in done
    answer = {"type": "model_output", "content": [{"type": "text", "text": "Hi"}]}
    assert step_card_html(answer).startswith("<details open ")


def test_a_finished_turn_carries_the_sheet_once_in_its_last_output() -> None:
    from gemini_interactions.chain import Turn

    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    turn.add_text(_long(1000) + "\n" + CODE)
    turn.status = "completed"
    outputs = [b["text/html"] for b, _ in answer_outputs(turn, show_thoughts=False)]
    *rest, last = outputs
    assert last.count("<style>") == 1 and "show all" in last and "<script>" in last
    assert rest[-1].endswith(SHEET) and rest[-1].count("<style>") == 1  # the answer's output
    assert not any("<style>" in o or "<script>" in o for o in rest[:-1])


def test_the_live_view_folds_its_blocks_past_the_fold_and_ends_with_show_all() -> None:
    from gemini_interactions.chain import Turn
    from gemini_interactions.render import LiveView

    saved: dict[str, str] = {}

    class Handle:
        def __init__(self, key: str) -> None:
            self.key = key

        def update(self, data: dict[str, str], **_: object) -> None:
            saved[self.key] = data.get("text/html", "")

    def display(data: dict[str, str], *, metadata: object, display_id: object) -> Handle:
        Handle(str(display_id)).update(data)
        return Handle(str(display_id))

    now = [0.0]
    view = LiveView(clock=lambda: now[0], display=display)
    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    turn.status = "streaming"
    view.on_start(turn)
    answer = _long(1000) + "\nThe last words, unfinished"
    for i in range(0, len(answer), 400):
        now[0] += 0.05
        turn.add_text(answer[i : i + 400])
        view.on_event(turn, None)
    turn.status = "completed"
    view.on_end(turn)
    *blocks, last = saved.values()
    early = [b for b in blocks if "gi-late" not in b]
    late = [b for b in blocks if "gi-late" in b]
    assert early and late and blocks[0].startswith("<p class=gi-a>Paragraph 0 ")
    # The last output: the answer's last words wrapped apart from "show all" and the status.
    assert blocks[0].endswith(SHEET) and not any(SHEET in b for b in blocks[1:])
    assert last.startswith('<div class="gi-tail gi-late"><p>The last words, unfinished</p></div>')
    assert "show all (" in last and last.index("show all") < last.index("gemini-status")
