"""``%gemini timeline``: the static HTML as the durable output, with ipywidgets controls.

The timeline itself is one ``display_id`` output carrying ``text/html`` and ``text/plain``; the
controls (step-type filter, expand all, turn or branch picker) only *update* that output. So
the saved notebook holds the static HTML, whatever happens to the widgets.

The controls are a separate output. JupyterLab's and Notebook 7's widget renderer
(jupyterlab_widgets) hides an output whose view was disposed and sets its ``model_id`` to
``""``, which is then saved, and a saved empty ``model_id`` is rendered hidden on reload. So
closing the controls (the "done" button, or the kernel exiting) leaves nothing broken behind.
Controls still open when the notebook is saved are saved with their ``model_id``: after a
reload without that kernel they show "Error displaying widget: model not found" (checked in
JupyterLab 4.6 in a browser). That is why the controls are opt-in (``--controls``) and the
default timeline is the static output alone, which never shows a widget error.
"""

from __future__ import annotations

import atexit
import weakref
from typing import Any

from IPython.display import display

from ..chain import Chain, Turn
from ._timeline_html import chain_html, chain_text, step_kinds, turn_html

_OPEN: weakref.WeakSet[Any] = weakref.WeakSet()


def _close_all() -> None:
    for box in list(_OPEN):
        box.close()


atexit.register(_close_all)


def _subtree(chain: Chain, root: Turn) -> list[Turn]:
    keep = {root.number}
    for turn in chain.turns:
        if turn.parent in keep:
            keep.add(turn.number)
    return [t for t in chain.turns if t.number in keep]


def timeline_bundle(
    chain: Chain,
    number: int | None = None,
    *,
    kinds: list[str] | None = None,
    open_: bool = False,
    branch: bool = False,
) -> dict[str, str]:
    """The timeline as ``text/html`` + ``text/plain``: turn ``number``, the branch from it
    (``branch``), or the whole chain."""
    if number is None:
        return {
            "text/html": chain_html(chain, kinds=kinds, open_=open_),
            "text/plain": chain_text(chain),
        }
    turn = chain.turn(number)
    if branch:
        only = _subtree(chain, turn)
        return {
            "text/html": chain_html(chain, kinds=kinds, open_=open_, only=only),
            "text/plain": chain_text(chain, only),
        }
    html = f'<div class="gemini-timeline">{turn_html(turn, kinds=kinds, open_=open_)}</div>'
    return {"text/html": html, "text/plain": chain_text(chain, [turn])}


class TimelineView:
    """The durable static output and, in a kernel with widgets, controls that update it."""

    def __init__(self, chain: Chain, number: int | None = None, *, widgets: bool = False) -> None:
        self.chain = chain
        self.number = number
        self.handle = display(  # type: ignore[no-untyped-call]
            _Bundle(timeline_bundle(chain, number)), display_id=True
        )
        self.controls: Any = self._controls() if widgets else None

    def _controls(self) -> Any:
        import ipywidgets as w

        kinds = step_kinds(self.chain.turns)
        turns = [("whole chain", 0)] + [
            (f"In[{t.number}] {t.summary(4)}", t.number) for t in self.chain.turns
        ]
        self.kind = w.Dropdown(options=[("all steps", "")] + [(k, k) for k in kinds])
        self.kind.description = "show"
        self.expand = w.Checkbox(value=False, description="expand all", indent=False)
        self.pick = w.Dropdown(options=turns, value=self.number or 0, description="turn")
        self.branch = w.Checkbox(value=False, description="with its branch", indent=False)
        done = w.Button(description="done", tooltip="close the controls; the timeline stays")
        for control in (self.kind, self.expand, self.pick, self.branch):
            control.observe(lambda _change: self.refresh(), names="value")
        box = w.HBox([self.kind, self.expand, self.pick, self.branch, done])
        done.on_click(lambda _button: box.close())
        _OPEN.add(box)
        display(box)  # type: ignore[no-untyped-call]
        return box

    def refresh(self) -> None:
        number = self.pick.value or None
        kinds = [self.kind.value] if self.kind.value else None
        bundle = timeline_bundle(
            self.chain, number, kinds=kinds, open_=self.expand.value, branch=self.branch.value
        )
        self.handle.update(_Bundle(bundle))


class _Bundle:
    def __init__(self, data: dict[str, str]) -> None:
        self.data = data

    def _repr_mimebundle_(self, **_kwargs: Any) -> dict[str, str]:
        return self.data
