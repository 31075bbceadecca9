"""The plan card: a Deep Research plan's numbered steps and the one line saying what to do next."""

from __future__ import annotations

from gemini_interactions.chain import Turn
from gemini_interactions.render._plan import NEXT_HINT, plan_bundle, read_plan

PLAN = """# Research plan: TPUs

1. Search for sources on TPUs.
2. Read them and note where they
   agree and differ.
3) Write a cited report.

**Next:** continue with "go ahead".
"""


def turn(status: str = "completed", **options: object) -> Turn:
    made = Turn(number=1, chain="c", prompt="p", parent=None, previous_interaction_id=None)
    made.status = status
    made.options = dict(options)
    return made


def test_a_plan_is_read_into_its_title_and_steps() -> None:
    plan = read_plan(PLAN)
    assert plan is not None
    assert plan.title == "Research plan: TPUs"
    assert plan.steps == [
        "Search for sources on TPUs.",
        "Read them and note where they agree and differ.",
        "Write a cited report.",
    ]
    assert plan.notes == []  # the agent's own "next" line gives way to the hint
    assert read_plan("No numbered steps here.") is None


def test_a_finished_plan_turn_is_a_card_with_the_hint() -> None:
    bundle = plan_bundle(turn(plan=True), PLAN)
    assert bundle is not None
    html = bundle["text/html"]
    assert html.startswith('<section class="gemini-plan"') and html.count("<li>") == 3
    assert "3 steps, waiting for your go-ahead" in bundle["text/plain"]
    assert bundle["text/plain"].rstrip().endswith(NEXT_HINT.replace("`", ""))
    assert "<code>%%gemini --continue</code>" in html
    # asked through agent_config too
    config = {"type": "deep-research", "collaborative_planning": True}
    assert plan_bundle(turn(agent_config=config), PLAN) is not None


def test_other_turns_are_shown_as_they_always_were() -> None:
    assert plan_bundle(turn(), PLAN) is None  # no plan asked for
    assert plan_bundle(turn("running", plan=True), PLAN) is None
    assert plan_bundle(turn(plan=True), "A report with no numbered steps.") is None
