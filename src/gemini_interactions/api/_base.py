"""The base model and the tolerant discriminated-union helper shared by every wire type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Tag

UNKNOWN = "__unknown__"


class WireModel(BaseModel):
    """Every wire type keeps unknown fields, so a beta API that grows survives a round trip."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict of exactly what was received or set (unset defaults left out)."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


def tolerant_union(
    members: Mapping[str, type[BaseModel]], fallback: type[BaseModel], key: str = "type"
) -> Any:
    """A union discriminated on ``key`` whose unknown (or missing) tags fall back to ``fallback``.

    pydantic's plain ``Field(discriminator=...)`` rejects unknown tags; the API is in beta, so an
    unknown step, content, delta or event type must be kept, not refused.
    """
    known = frozenset(members)

    def pick(value: Any) -> str:
        tag = value.get(key) if isinstance(value, dict) else getattr(value, key, None)
        return tag if tag in known else UNKNOWN

    tagged = [Annotated[cls, Tag(tag)] for tag, cls in members.items()]
    tagged.append(Annotated[fallback, Tag(UNKNOWN)])
    return Annotated[Union[tuple(tagged)], Discriminator(pick)]  # noqa: UP007
