"""The kernel state (``_kernel``, ``_backend``) sits below the shell: a script can hold it."""

from __future__ import annotations

import pytest

from test_layers import SRC, imports_of

SHELL = ("IPython", "ipywidgets", "gemini_interactions.magics", "gemini_interactions.render")


@pytest.mark.parametrize("module", ["_kernel.py", "_backend.py"])
def test_kernel_state_imports_nothing_of_the_shell(module: str) -> None:
    names = imports_of(SRC / module)
    assert [n for n in names if any(n == s or n.startswith(s + ".") for s in SHELL)] == []
