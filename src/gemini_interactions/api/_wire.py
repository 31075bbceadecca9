"""Facts of the wire format, written once: the client uses them and the local server imports them.

Revision ids, API versions, the fields of a create request and what each interaction status
means. A second copy elsewhere would drift, as the status sets of client and server once did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias, TypedDict

from pydantic import BaseModel

LEGACY_REVISION = "2026-05-07"
"""The flat ``outputs[]`` revision, reachable with ``Api-Revision: 2026-05-07``."""
STEPS_REVISION = "2026-05-20"
"""The ``steps[]`` revision: what the API speaks when no ``Api-Revision`` header is sent."""

DEFAULT_API_VERSION = "v1"
"""The Developer API path since general availability (the official SDK 3.x uses it too)."""
BETA_API_VERSION = "v1beta"
"""``api_version="v1beta"`` or ``GOOGLE_GENAI_API_VERSION=beta``."""
DEFAULT_VERTEX_API_VERSION = "v1beta1"
API_VERSIONS = ("v1", "v1beta", "v1alpha", "v1beta1")
"""Path segments the local server answers on."""

RUNNING_STATUSES = frozenset({"queued", "in_progress"})
"""The interaction is still working: poll, or keep reading its stream."""
TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled", "incomplete", "budget_exceeded"})
"""Nothing more will ever happen to the interaction."""
SETTLED_STATUSES = TERMINAL_STATUSES | {"requires_action", "requires_continuation", "idle"}
"""The interaction runs no more: terminal, or ended its turn waiting for the client (tool
results for ``requires_action``, the next hop for ``requires_continuation``, the next input for
``idle``). A cancel leaves it as it is."""
ANSWERED_STATUSES = frozenset({"completed", "idle"})
"""The model answered in full: ``idle`` (google-genai 3.6) is an interaction that finished all
its processing and background reasoning and waits for the next input, answered like
``completed``."""

JSONObject: TypeAlias = Mapping[str, Any] | BaseModel
"""A JSON object as plain data or as a pydantic model (ours or the caller's)."""


class CreateParams(TypedDict, total=False):
    """The body fields of ``POST /interactions`` besides ``stream`` (``None`` = not sent).

    Its keys are the create-request field list (``CREATE_FIELDS``), for the client's argument
    check and the server's validation alike.
    """

    model: str | None
    agent: str | None
    agent_config: JSONObject | None
    input: str | JSONObject | Sequence[str | JSONObject] | None
    previous_interaction_id: str | None
    system_instruction: str | None
    tools: Sequence[JSONObject] | None
    generation_config: JSONObject | None
    response_format: JSONObject | Sequence[JSONObject] | None
    response_mime_type: str | None
    response_modalities: Sequence[str] | None
    safety_settings: Sequence[JSONObject] | None
    background: bool | None
    store: bool | None
    continuation_token: str | None
    service_tier: str | None
    labels: Mapping[str, str] | None
    webhook_config: JSONObject | None
    environment: str | JSONObject | None
    cached_content: str | None


CREATE_FIELDS: tuple[str, ...] = (*CreateParams.__annotations__, "stream")
"""Every top-level field a create request may carry."""
