"""``%gemini timeline``: one static HTML output, interactive by itself, and opt-in widgets.

The timeline is one ``display_id`` output carrying ``text/html`` and ``text/plain``. Its HTML
holds its own controls (step-type filter, expand all, turn picker: ``_timeline_controls``), so
it is interactive as soon as it is shown and stays so after save and reload, with no widget.

``--controls`` adds ipywidgets controls that recompute the timeline in the kernel and *update*
that output (so the saved notebook still holds the static HTML). They are a separate output,
closed by their "done" button, when the next cell starts running, or when the kernel exits:
jupyterlab_widgets then sets the saved view's ``model_id`` to ``""``, which it renders hidden on
reload. Controls still open when the notebook is saved keep their ``model_id`` and show "Error
displaying widget: model not found" after a reload in a new kernel (JupyterLab 4.6, Notebook
7.6, checked in a browser) — the reason they are opt-in and the default controls live in the
HTML.
"""

from __future__ import annotations

import atexit
import weakref
from typing import Any

from IPython.display import display

from ..chain import Chain, Turn
from ._timeline_html import chain_html, chain_text, step_kinds, turn_html, turn_timeline_html

_OPEN: weakref.WeakSet[Any] = weakref.WeakSet()


def _close_all() -> None:
    for view in list(_OPEN):
        view.close()


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
    controls: bool = False,
) -> dict[str, str]:
    """The timeline as ``text/html`` + ``text/plain``: turn ``number``, the branch from it
    (``branch``), or the whole chain; ``controls``: with the in-HTML controls."""
    if number is None:
        return {
            "text/html": chain_html(chain, kinds=kinds, open_=open_, controls=controls),
            "text/plain": chain_text(chain),
        }
    turn = chain.turn(number)
    if branch:
        only = _subtree(chain, turn)
        return {
            "text/html": chain_html(chain, kinds=kinds, open_=open_, only=only, controls=controls),
            "text/plain": chain_text(chain, only),
        }
    if controls:
        html = turn_timeline_html(turn, controls=True)
    else:
        html = f'<div class="gemini-timeline">{turn_html(turn, kinds=kinds, open_=open_)}</div>'
    return {"text/html": html, "text/plain": chain_text(chain, [turn])}


class TimelineView:
    """The durable static output and, in a kernel with widgets, controls that update it."""

    def __init__(self, chain: Chain, number: int | None = None, *, widgets: bool = False) -> None:
        self.chain = chain
        self.number = number
        self.handle = display(  # type: ignore[no-untyped-call]
            _Bundle(timeline_bundle(chain, number, controls=not widgets)), display_id=True
        )
        self.controls: Any = self._controls() if widgets else None

    def _controls(self) -> Any:
        import ipywidgets as w

        kinds = step_kinds(self.chain.turns)
        turns = [("whole chain", 0)] + [
            (f"{t.label} {t.summary(4)}", t.number) for t in self.chain.turns
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
        self.controls_handle = display(box, display_id=True)  # type: ignore[no-untyped-call]
        done.on_click(lambda _button: self.close())
        _OPEN.add(self)
        _close_when_the_next_cell_runs(self)
        return box

    def close(self) -> None:
        """Replace the controls' output (not only close the widget: a closed view's output is
        still saved with its model id, and shows the widget error after a reload)."""
        if self.controls is None or self.controls.comm is None:
            return
        self.controls_handle.update(_Bundle({"text/plain": ""}))
        self.controls.close()

    def refresh(self) -> None:
        number = self.pick.value or None
        kinds = [self.kind.value] if self.kind.value else None
        bundle = timeline_bundle(
            self.chain, number, kinds=kinds, open_=self.expand.value, branch=self.branch.value
        )
        self.handle.update(_Bundle(bundle))


def _close_when_the_next_cell_runs(view: TimelineView) -> None:
    """Moving on to another cell folds the controls away, leaving the (updated) static output:
    the fewer open widgets a save can catch, the fewer widget errors after a reload."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return

    def close(*_args: Any) -> None:
        shell.events.unregister("pre_run_cell", close)
        view.close()

    shell.events.register("pre_run_cell", close)


class _Bundle:
    def __init__(self, data: dict[str, str]) -> None:
        self.data = data

    def _repr_mimebundle_(self, **_kwargs: Any) -> dict[str, str]:
        return self.data
