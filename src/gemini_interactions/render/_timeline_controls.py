"""The timeline's default controls, in its HTML: filter by step type, expand all, pick a turn.

Why not widgets by default: a widget output holds only a model id. JupyterLab 4 and Notebook 7
(jupyterlab_widgets 3) look that id up in the widget manager once it has restored, and show
"Error displaying widget: model not found" when a reloaded notebook's new kernel does not have
it; the saved widget state that would avoid it is off by default (``saveState``), and nothing
in the kernel learns that the notebook is about to be saved, so a widget shown when the user
saves is what the file keeps. These controls are radio buttons and a checkbox read by a scoped
``<style>`` (``:has(:checked)``): no kernel, no JavaScript, no widget, so the output works the
same live, after a reload, in nbconvert HTML and in VS Code.

Where ``<style>`` is dropped (GitHub, JupyterLab's sanitizer for untrusted notebooks) the
controls row stays out of sight (``hidden`` and an inline ``display:none``, each kept by one of
them): the plain timeline remains.
The ipywidgets controls (``--controls``) stay for kernel-side use.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from html import escape

from ._cards import ICONS, TITLES

_NAMES = {
    "function_call": "function calls",
    "thought": "thoughts",
    "model_output": "answers",
    "user_input": "prompts",
    "google_search_call": "search",
    "code_execution_call": "code",
    "url_context_call": "URL context",
}


def new_id() -> str:
    """A document-unique id: radio groups and ``#id`` rules must not reach another timeline."""
    return "gt-" + secrets.token_hex(4)


def _label(kind: str) -> str:
    name = _NAMES.get(kind) or TITLES.get(kind) or kind.replace("_", " ")
    return f"{ICONS.get(kind, '▪️')} {name}"


def controls_html(uid: str, kinds: Sequence[str], turns: Sequence[tuple[int, str]]) -> str:
    """The ``<style>`` and the controls row for the timeline ``<div id=uid>``.

    ``kinds`` are the step types present; ``turns`` (number, short label) offer a turn picker
    (the turn and the turns branched from it) when there is more than one."""
    rules = [
        f"#{uid}>.gt-ctl[hidden]{{display:flex!important;flex-wrap:wrap;gap:2px 12px;"
        "align-items:center;margin:2px 0 6px;color:var(--jp-ui-font-color1,inherit)}",
        f"#{uid}>.gt-ctl label{{cursor:pointer;white-space:nowrap;margin-right:10px}}",
        f"#{uid}>.gt-ctl input{{margin:0 3px 0 0;vertical-align:middle}}",
        f"#{uid}:has(#{uid}-x:checked) details::details-content"
        "{content-visibility:visible;display:block}",
        f"#{uid}:has(#{uid}-x:checked) summary{{list-style-type:disclosure-open}}",
    ]
    row = ['<span class="gt-group"><strong>show</strong></span>']
    kind_inputs = [
        f'<label><input type="radio" name="{uid}-k" id="{uid}-k0" checked> all steps</label>'
    ]
    for i, kind in enumerate(kinds, 1):
        kind_inputs.append(
            f'<label><input type="radio" name="{uid}-k" id="{uid}-k{i}"> '
            f"{escape(_label(kind))}</label>"
        )
        rules.append(
            f'#{uid}:has(#{uid}-k{i}:checked) [data-step]:not([data-step="{escape(kind)}"])'
            "{display:none}"
        )
    row.append('<span class="gt-group">' + " ".join(kind_inputs) + "</span>")
    row.append(
        f'<span class="gt-group"><label><input type="checkbox" id="{uid}-x"> expand all'
        "</label></span>"
    )
    if len(turns) > 1:
        turn_inputs = [
            f'<label><input type="radio" name="{uid}-t" id="{uid}-t0" checked> all turns</label>'
        ]
        for number, summary in turns:
            turn_inputs.append(
                f'<label title="{escape(summary)}"><input type="radio" name="{uid}-t" '
                f'id="{uid}-t{number}"> turn {number}</label>'
            )
            on = f"#{uid}:has(#{uid}-t{number}:checked)"
            rules.append(f"{on} li[data-turn]>details{{display:none}}")
            # A continued turn goes on in its parent's list: the turns after it there (and
            # their branches) came from it too.
            picked = f'{on} li[data-turn="{number}"]'
            rules.append(
                f"{picked}>details,{picked} li[data-turn]>details,"
                f"{picked}~li[data-turn]>details,{picked}~li[data-turn] li[data-turn]>details"
                "{display:block}"
            )
        row.append(
            '<span class="gt-group"><strong>turn</strong> ' + " ".join(turn_inputs) + "</span>"
        )
    style = "<style>" + "".join(rules) + "</style>"
    # Hidden twice: JupyterLab's sanitizer drops ``hidden`` but keeps ``display``; GitHub
    # drops ``style=``. Only the scoped <style> (``!important``) shows the row.
    return f'{style}<div class="gt-ctl" hidden style="display:none">{"".join(row)}</div>'
