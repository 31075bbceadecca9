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
    compile(seen[0], "<next cell>", "exec")  # the corrected cell runs (it parses)


def test_the_offline_fix_is_a_cell_that_parses_and_says_why(kernel: Kernel) -> None:
    # Commenting out a function's only line would leave a body-less def: never hand that back.
    source = "def ratio(x):\n    return x / 0\n\nratio(1)\n"
    assert not kernel.shell.run_cell(source, store_history=False).success
    seen: list[str] = []
    kernel.shell.set_next_input = lambda text, replace=False: seen.append(text)
    kernel.line("fix --apply")
    compile(seen[0], "<next cell>", "exec")
    assert "# return x / 0" in seen[0] and "ZeroDivisionError" in seen[0]
    for_loop = "for n in [1, 0]:\n    print(1 / n)\n"
    assert not kernel.shell.run_cell(for_loop, store_history=False).success
    kernel.line("fix --apply")
    compile(seen[1], "<next cell>", "exec")
