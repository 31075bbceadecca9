"""Citations and search suggestions as a reader sees them, from the real recordings first."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gemini_interactions.api import Interaction
from gemini_interactions.api._fold import fold_events
from gemini_interactions.chain import Turn
from gemini_interactions.render._bundles import answer_outputs
from gemini_interactions.render._citations import byte_to_char, citations_of
from gemini_interactions.render._timeline_text import timeline_text

REAL = Path(__file__).parent.parent / "data" / "real" / "vercel-ai"


def _recorded(name: str) -> Interaction:
    raw = (REAL / name).read_text(encoding="utf-8")
    if name.endswith(".json"):
        return Interaction.model_validate(json.loads(raw))
    events = [json.loads(line) for line in raw.splitlines() if line.strip()]
    return Interaction.model_validate(fold_events(events))


def _turn(*interactions: Interaction) -> Turn:
    turn = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    turn.interactions.extend(interactions)
    turn.status = "completed"
    return turn


def _outputs(turn: Turn) -> list[dict[str, str]]:
    return [bundle for bundle, _ in answer_outputs(turn, show_thoughts=False)]


def _recorded_urls(interaction: Interaction) -> set[str]:
    return {
        str(a.url)
        for step in interaction.steps
        if step.type == "model_output"
        for block in step.content  # type: ignore[attr-defined]
        for a in getattr(block, "annotations", None) or []
    }


def test_real_grounded_stream_shows_numbered_markers_and_every_url_as_a_link() -> None:
    interaction = _recorded("google-search.chunks.txt")
    urls = _recorded_urls(interaction)
    assert len(urls) == 8  # 14 annotations over 8 distinct URLs, as recorded
    search, answer, _status = _outputs(_turn(interaction))
    html = answer["text/html"]
    for url in urls:
        assert f'href="{url}"' in html  # every cited URL is a link, in the text and the list
    assert html.count("<li>") >= 8 and "<strong>Sources</strong>" in html
    # The first annotation (bytes 346-439) ends before "." of "…reduced human intervention":
    # the marker follows the period, and cites source 1 (coaio.com).
    assert "reduced human intervention.[1] In a strategic move" in answer["text/plain"]
    assert "[1] coaio.com — https://vertexaisearch.cloud.google.com/" in answer["text/plain"]
    assert "[\\[1\\]](https://vertexaisearch" in answer["text/markdown"]
    # The search card counts the sources the answer cites (its result has only the chip).
    assert "Used 8 sources" in search["text/html"] and "· 8 sources" in search["text/html"]
    assert "Used 8 sources" in search["text/plain"] and "0 source" not in search["text/plain"]


def test_real_non_streamed_grounded_answer_has_its_18_citations() -> None:
    interaction = _recorded("google-search.json")
    search, answer, _ = _outputs(_turn(interaction))
    cites = citations_of(interaction.output_text, [list(interaction.steps)])
    assert cites.annotations == 18 and len(cites.sources) == len(_recorded_urls(interaction))
    assert f"Used {len(cites.sources)} source" in search["text/html"]
    assert "firms.[1]" in answer["text/plain"]


def test_indices_count_utf8_bytes_not_characters() -> None:
    # The recorded grounded answers are ASCII (bytes and characters agree there); Google's
    # grounding segments count UTF-8 bytes, so in "Gaudí … Família" a character count would put
    # the marker 2 characters early, inside "Barcelona".
    text = "Gaudí designed the Sagrada Família in Barcelona. It is unfinished."
    end = len("Gaudí designed the Sagrada Família in Barcelona".encode())
    step = {
        "type": "model_output",
        "content": [
            {
                "type": "text",
                "text": text,
                "annotations": [
                    {
                        "type": "url_citation",
                        "url": "https://e.example/",
                        "start_index": 0,
                        "end_index": end,
                    },
                ],
            }
        ],
    }
    cites = citations_of(text, [[step]])
    assert cites.apply(text, style="plain").startswith(
        "Gaudí designed the Sagrada Família in Barcelona.[1] It is"
    )
    assert byte_to_char("é", 1) == 1  # inside a character: moved to its end
    assert byte_to_char("aé", 99) == 2  # past the end: clamped


def test_file_place_and_unknown_citations_name_their_source() -> None:
    text = "Revenue rose. The café is nearby. A claim."
    annotations: list[dict[str, Any]] = [
        {
            "type": "file_citation",
            "file_name": "report.pdf",
            "page_number": 3,
            "start_index": 0,
            "end_index": 12,
        },
        {
            "type": "place_citation",
            "name": "Café Central",
            "url": "https://maps.example/c",
            "start_index": 14,
            "end_index": 33,
        },
        {"type": "speech_metadata", "speaker": "A", "start_index": 0, "end_index": 4},
        {
            "type": "future_citation",
            "uri": "https://f.example/x",
            "start_index": 35,
            "end_index": 42,
        },
    ]
    step = {
        "type": "model_output",
        "content": [{"type": "text", "text": text, "annotations": annotations}],
    }
    turn = _turn(Interaction.model_validate({"id": "i", "status": "completed", "steps": [step]}))
    (answer, _) = _outputs(turn)
    plain = answer["text/plain"]
    assert "Revenue rose.[1]" in plain and "[1] report.pdf, page 3" in plain
    assert "[2] Café Central — https://maps.example/c" in plain
    assert "[3] f.example" in plain and "A claim.[3]" in plain
    assert '<a href="https://maps.example/c">Café Central</a>' in answer["text/html"]


def test_search_suggestions_are_isolated_and_never_text() -> None:
    interaction = _recorded("google-search.chunks.txt")
    search = _outputs(_turn(interaction))[0]
    html = search["text/html"]
    outside = re.sub(r'srcdoc="[^"]*"', "", html)
    assert "<style" not in outside and ".container" not in outside  # only inside the frame
    assert '<iframe sandbox="allow-popups allow-popups-to-escape-sandbox"' in html
    assert 'srcdoc="&lt;!DOCTYPE html&gt;' in html and "&lt;style&gt;" in html
    # The plain links for sanitized views: the chips' queries, linked.
    fallback = html.split('"></iframe>')[0] if '"></iframe>' in html else html
    assert ">AI news May 8 2026</a></li>" in html.split("srcdoc=")[1].split("</iframe>")[0]
    assert fallback  # the links sit inside the iframe element (shown only where it is dropped)
    assert "Search suggestions (Google): " in search["text/plain"]
    for text in (search["text/plain"], timeline_text(interaction)):
        assert "<style" not in text and ".container" not in text and "{" not in text


def test_the_non_streamed_result_given_as_a_python_repr_string_is_read_too() -> None:
    interaction = _recorded("google-search.json")
    search = _outputs(_turn(interaction))[0]
    assert "<iframe" in search["text/html"]
    assert "<style" not in timeline_text(interaction)


@given(
    st.text(alphabet=st.sampled_from("ab é🙂.\n"), min_size=1, max_size=60),
    st.lists(st.integers(min_value=0, max_value=300), max_size=6),
    st.lists(st.integers(min_value=0, max_value=60), max_size=5),
)
def test_markers_are_neither_lost_nor_doubled_however_the_answer_is_cut(
    text: str, ends: list[int], cuts: list[int]
) -> None:
    """The live view sends an answer as finished blocks and a tail: whatever the cuts, the
    blocks' markers put together are the whole answer's, and a byte index inside a character
    never splits it."""
    notes = [
        {"type": "url_citation", "url": f"https://s{n % 3}.example/", "end_index": end}
        for n, end in enumerate(ends)
    ]
    step = {
        "type": "model_output",
        "content": [{"type": "text", "text": text, "annotations": notes}],
    }
    cites = citations_of(text, [[step]])
    whole = cites.apply(text, style="plain")
    bounds = sorted({0, len(text), *(min(c, len(text)) for c in cuts)})
    pieces = [cites.apply(text, a, b, style="plain") for a, b in itertools.pairwise(bounds)]
    pieces.append(cites.apply(text, len(text), style="plain"))  # the empty tail after them
    assert "".join(pieces) == whole
    assert whole.replace("[1]", "").replace("[2]", "").replace("[3]", "") == text
    assert len(cites.sources) == len({n % 3 for n in range(len(ends))})
