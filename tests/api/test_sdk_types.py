"""Our wire vocabulary against the official SDK's: every step, delta, content, annotation, event
and tool type google-genai types (and every field of each) is typed here too, so the SDK's next
addition fails this test instead of reaching a user as an ``Unknown*`` or a dropped field.

The SDK's lists are copied into tests/data/sdk (origin inside the file), so the test needs no SDK;
when google-genai is installed, its own tables are compared with the copy as well.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from gemini_interactions.api import Annotation, Content, Delta, Event, Step, Tool
from gemini_interactions.api._base import Tolerant
from gemini_interactions.api._steps import FunctionResultContent
from gemini_interactions.api._wire import RUNNING_STATUSES, SETTLED_STATUSES
from gemini_interactions.server._inputs import CONTENT_TYPES

SDK = json.loads(
    (
        Path(__file__).parent.parent / "data" / "sdk" / "google-genai-interactions-types.json"
    ).read_text()
)

# Ours beyond the SDK's, each for a reason.
EXTRA_DELTAS = {"function_call"}  # the legacy revision's function-call delta, translated
# Fields the SDK declares that we leave to ``extra`` on purpose.
UNTYPED_FIELDS = {("delta", "audio", "rate")}  # deprecated in the SDK ("the value is ignored")

UNIONS: list[tuple[str, Any, Tolerant]] = [
    ("step", Step, Tolerant()),
    ("delta", Delta, Tolerant()),
    ("content", Content, Tolerant()),
    ("annotation", Annotation, Tolerant()),
    ("event", Event, Tolerant("event_type")),
    ("tool", Tool, Tolerant()),
]


def members(union: Any, key: str = "type") -> dict[str, Any]:
    annotated_args = union.__metadata__
    tolerant = next(a for a in annotated_args if isinstance(a, Tolerant))
    return tolerant.members(union.__origin__)


@pytest.mark.parametrize(("kind", "union", "tolerant"), UNIONS, ids=[u[0] for u in UNIONS])
def test_we_type_every_variant_the_sdk_types(kind: str, union: Any, tolerant: Tolerant) -> None:
    ours = set(members(union))
    theirs = set(SDK[f"{kind}_types"])
    assert sorted(theirs - ours) == [], f"SDK {kind} types we do not type"
    extra = EXTRA_DELTAS if kind == "delta" else set()
    assert sorted(ours - theirs - extra) == [], f"{kind} types the SDK does not know"


@pytest.mark.parametrize(("kind", "union", "tolerant"), UNIONS, ids=[u[0] for u in UNIONS])
def test_every_field_the_sdk_types_is_a_field_here(
    kind: str, union: Any, tolerant: Tolerant
) -> None:
    ours = members(union)
    missing = [
        f"{tag}.{name}"
        for tag, fields in SDK[f"{kind}_fields"].items()
        for name in fields
        if tag in ours
        and name not in ours[tag].model_fields
        and (kind, tag, name) not in UNTYPED_FIELDS
    ]
    assert missing == []


def test_function_results_hold_the_content_the_sdk_allows() -> None:
    assert set(members(FunctionResultContent)) == set(SDK["function_result_content_types"])


def test_the_local_server_accepts_every_step_the_sdk_knows_as_input() -> None:
    # a stateless turn sends the whole history back, whatever steps the answer had
    from gemini_interactions.server._inputs import STEP_TYPES

    assert sorted(set(SDK["step_types"]) - STEP_TYPES) == []
    assert set(SDK["content_types"]) == CONTENT_TYPES


def test_every_status_the_sdk_knows_is_running_or_settled() -> None:
    ours = RUNNING_STATUSES | SETTLED_STATUSES
    assert sorted(set(SDK["statuses"]) - ours) == []
    assert sorted(set(SDK["status_update_statuses"]) - ours) == []
    assert "idle" in SETTLED_STATUSES


_TABLES = {
    "step_types": ("step", "_STEP_VARIANTS"),
    "delta_types": ("stepdeltadata", "_STEP_DELTA_DATA_VARIANTS"),
    "content_types": ("content", "_CONTENT_VARIANTS"),
    "annotation_types": ("annotation", "_ANNOTATION_VARIANTS"),
    "event_types": ("interactionsseevent", "_INTERACTION_SSE_EVENT_VARIANTS"),
    "tool_types": ("tool", "_TOOL_VARIANTS"),
    "function_result_content_types": (
        "functionresultsubcontent",
        "_FUNCTION_RESULT_SUBCONTENT_VARIANTS",
    ),
}


@pytest.mark.parametrize("key", sorted(_TABLES))
def test_the_copy_matches_the_installed_sdk(key: str) -> None:
    """Only when google-genai is installed: is the copy still what the SDK says? (A newer SDK
    that adds a type fails here first; refresh the copy, then type what it adds.)"""
    module_name, table = _TABLES[key]
    try:
        module = importlib.import_module(f"google.genai._gaos.types.interactions.{module_name}")
    except ImportError:
        pytest.skip("google-genai is not installed (the copy in tests/data/sdk is used)")
    installed = sorted(getattr(module, table))
    version = tuple(
        int(p) for p in importlib.import_module("google.genai.version").__version__.split(".")[:3]
    )
    copied = tuple(int(p) for p in SDK["origin"]["version"].split("."))
    if version < copied:
        # An older SDK (the dev dependency pinned for the peer probe): the API only grows.
        assert sorted(set(installed) - set(SDK[key])) == []
    else:
        assert installed == SDK[key], (
            "a newer google-genai: refresh tests/data/sdk, type what it adds"
        )
