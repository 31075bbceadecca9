"""%gemini fix: the last exception and its cell go to the model; --apply fills the next cell."""

from __future__ import annotations

from .conftest import Kernel


def test_fix_names_the_exception_and_line_and_apply_sets_the_next_cell(kernel: Kernel) -> None:
    result = kernel.shell.run_cell("x = 1\ny = undefined_name + x\n", store_history=False)
    assert not result.success
    kernel.line("fix")
    prompt = kernel.posts()[-1]["input"]
    assert "NameError: name 'undefined_name' is not defined" in prompt
    assert "Failing line 2: y = undefined_name + x" in prompt
    seen: list[str] = []
    kernel.shell.set_next_input = lambda text, replace=False: seen.append(text)
    kernel.line("fix --apply")
    assert seen and seen[0].startswith("x = 1\n# y = undefined_name + x")
    assert "NameError" in seen[0]
