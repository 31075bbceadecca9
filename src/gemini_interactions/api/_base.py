"""The base model and the tolerant discriminated-union helper shared by every wire type."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, Union, get_args

from pydantic import (
    AliasChoices,
    AliasGenerator,
    BaseModel,
    ConfigDict,
    Discriminator,
    GetCoreSchemaHandler,
    Tag,
    ValidationError,
)
from pydantic.alias_generators import to_camel
from pydantic_core import core_schema

T = TypeVar("T")
_MAX_REPAIRS = 50

UNKNOWN = "__unknown__"


def _snake_or_camel(name: str) -> AliasChoices:
    return AliasChoices(name, to_camel(name))


class WireModel(BaseModel):
    """Every wire type keeps unknown fields, so a beta API that grows survives a round trip.

    Fields are read in snake_case and, for recordings from a very early SDK snapshot, in
    camelCase (``previousInteractionId``); they are always written in snake_case.
    """

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        protected_namespaces=(),
        alias_generator=AliasGenerator(validation_alias=_snake_or_camel),
    )

    def model_post_init(self, context: Any, /) -> None:
        # A type tag is part of the value even when left at its default: without it a block
        # built in code (``ImageContent(data=...)``) would be sent untyped.
        tags = _TAGS.get(type(self))
        if tags is None:
            tags = _TAGS[type(self)] = _tag_fields(type(self))
        if tags:
            self.__pydantic_fields_set__.update(tags)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict of exactly what was received or set (unset defaults left out)."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


_TAGS: dict[type[BaseModel], tuple[str, ...]] = {}


def _tag_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The discriminator fields (``type``, ``event_type``) that a class fixes to one string."""
    return tuple(
        name
        for name in ("type", "event_type")
        if name in cls.model_fields and isinstance(cls.model_fields[name].default, str)
    )


class Tolerant:
    """``Annotated[A | B | ... | Unknown, Tolerant()]``: a union discriminated on ``key`` whose
    unknown (or missing) tags fall back to its last member.

    Written as a plain union, so type checkers see the real members; pydantic's own
    ``Field(discriminator=...)`` would reject unknown tags, but the API grows, so an unknown
    step, content, delta or event type must be kept, not refused.
    """

    def __init__(self, key: str = "type") -> None:
        self.key = key

    def members(self, union: Any) -> dict[str, type[BaseModel]]:
        """Each known member by its tag (the default of its ``key`` field); not the fallback."""
        *known, _ = get_args(union)
        return {cls.model_fields[self.key].default: cls for cls in known}

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        members = self.members(source)
        fallback = get_args(source)[-1]
        key = self.key

        def pick(value: Any) -> str:
            tag = value.get(key) if isinstance(value, dict) else getattr(value, key, None)
            return tag if isinstance(tag, str) and tag in members else UNKNOWN

        tagged = [Annotated[cls, Tag(tag)] for tag, cls in members.items()]
        tagged.append(Annotated[fallback, Tag(UNKNOWN)])
        union: Any = Annotated[Union[tuple(tagged)], Discriminator(pick)]  # noqa: UP007
        return handler.generate_schema(union)


def _drop_at(data: Any, loc: tuple[int | str, ...], doomed: list[tuple[Any, Any]]) -> None:
    """Find the value an error location points at in ``data`` and mark it for removal.

    Parts of ``loc`` that are not a key or index of the value reached so far (union tags such
    as ``model_output`` or ``__unknown__``) are skipped.
    """
    parent: Any = None
    key: Any = None
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            parent, key, node = node, part, node[part]
    if parent is not None:
        doomed.append((parent, key))


def lenient(validate: Callable[[Any], T], data: Any) -> T:
    """``validate(data)``; when the server sent a value of the wrong shape somewhere (a string
    where a list belongs, a step that is not an object, ...), that value alone is left out and
    the rest validates: one malformed field never costs a user the whole answer."""
    try:
        return validate(data)
    except ValidationError as first:
        error = first
    data = copy.deepcopy(data)
    for _ in range(_MAX_REPAIRS):
        doomed: list[tuple[Any, Any]] = []
        for detail in error.errors():
            _drop_at(data, tuple(detail["loc"]), doomed)
        if not doomed:
            break
        unique = {(id(parent), key): (parent, key) for parent, key in doomed}
        # list items from the end, so one removal does not shift the next
        order = sorted(unique.values(), key=lambda d: (isinstance(d[1], int), d[1]), reverse=True)
        for parent, key in order:
            if isinstance(parent, dict):
                parent.pop(key, None)
            elif key < len(parent):
                del parent[key]
        try:
            return validate(data)
        except ValidationError as again:
            error = again
    raise error
