"""The README tells the truth: its reference is the magics' own help, its notebooks table is the
notebooks on disk, its example runs, its links and screenshot exist."""

from __future__ import annotations

import html
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from gemini_interactions._cell._commands import COMMANDS
from gemini_interactions.magics._help import reference_markdown
from gemini_interactions.render._help import END, START

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SCREENSHOT = ROOT / "docs" / "jupyterlab-live-view-and-timeline.png"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("readme_tool", ROOT / "tools" / "readme.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _block(start: str, end: str) -> str:
    i, j = README.find(start), README.find(end)
    assert 0 <= i < j, f"README.md lacks {start!r} ... {end!r}"
    return README[i : j + len(end)]


def _unmarkdown(cell: str) -> str:
    """A reference table cell as the help wrote it (Markdown escapes undone)."""
    text = re.sub(r"\\(.)", r"\1", cell)
    return " ".join(html.unescape(text).split())


def _rows(block: str, heading: str) -> list[list[str]]:
    section = block.split(heading, 1)[1].split("####", 1)[0]
    rows = [
        [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        for line in section.splitlines()
        if line.startswith("| ")
    ]
    return [r for r in rows[1:] if set(r) != {"---"}]  # without the header and the rule


@pytest.fixture(scope="module")
def shell_help() -> dict[str, str]:
    """What a user sees: ``%%gemini?``, ``%gemini`` and ``%config GeminiMagics`` in a shell."""
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "gemini_interactions")
    cell = ANSI.sub("", shell.object_inspect_text("%%gemini"))
    with capture_output() as line:
        shell.run_line_magic("gemini", "")
    with capture_output() as config:
        shell.run_line_magic("config", "GeminiMagics")
    shown = "".join(o.data.get("text/plain", "") for o in line.outputs)  # a table, displayed
    return {"cell": cell, "line": line.stdout + shown, "config": config.stdout}


def test_the_reference_is_what_the_generator_makes_from_the_magics_now() -> None:
    assert _block(START, END) == reference_markdown(), (
        "README.md's reference is stale: run `make readme`"
    )


def test_every_option_of_gemini_help_is_in_the_reference_with_its_help(
    shell_help: dict[str, str],
) -> None:
    help_text = shell_help["cell"]
    options = help_text.split("options:", 1)[1]
    flags = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", options.split("\n\n")[0]))
    rows = _rows(_block(START, END), "#### `%%gemini")
    documented = {flag for usage, _ in rows for flag in re.findall(r"`(--?[a-z][a-z-]*)", usage)}
    flat = " ".join(options.split())
    assert flags - {"-h", "--help"} <= documented
    assert documented <= flags
    for usage, what in rows:
        assert _unmarkdown(what) in flat, usage  # the same words as %%gemini? prints


def test_every_line_command_is_in_the_reference(shell_help: dict[str, str]) -> None:
    rows = _rows(_block(START, END), "#### `%gemini COMMAND")
    assert [_unmarkdown(usage).strip("`").split()[1] for usage, _ in rows] == list(COMMANDS)
    printed = " ".join(shell_help["line"].split())
    for usage, what in rows:
        assert _unmarkdown(usage).strip("`") in printed
        assert _unmarkdown(what) in printed


def test_every_config_setting_is_in_the_reference(shell_help: dict[str, str]) -> None:
    rows = _rows(_block(START, END), "#### `%config")
    listed = {_unmarkdown(name).strip("`").removeprefix("GeminiMagics.") for name, _, _ in rows}
    printed = set(re.findall(r"^GeminiMagics\.(\w+)=", shell_help["config"], re.M))
    assert printed and listed == printed


def test_the_notebooks_table_lists_the_notebooks_on_disk() -> None:
    tool = _tool()
    block = _block(tool.NOTEBOOKS_START, tool.NOTEBOOKS_END)
    assert block == tool.notebooks_markdown(), "README.md's notebooks table is stale: make readme"
    on_disk = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    linked = re.findall(r"\]\(notebooks/([^)]+\.ipynb)\)", block)
    assert on_disk and linked == on_disk


def test_the_binder_badge_opens_the_quickstart_in_lab() -> None:
    tool = _tool()
    badge = re.search(r"\[!\[Binder\]\([^)]+\)\]\(([^)]+)\)", README)
    assert badge is not None
    assert badge.group(1) == tool.binder_url("notebooks/01-quickstart.ipynb")
    assert badge.group(1).endswith("?urlpath=lab/tree/notebooks/01-quickstart.ipynb")
    if tool.github_repo() == tool.PLACEHOLDER_REPO:  # a placeholder is said to be one
        assert "placeholder" in README and "`OWNER`" in README


def test_the_readme_generator_reports_a_current_readme() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "readme.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_screenshot_is_committed_small_and_shown() -> None:
    data = SCREENSHOT.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) < 300_000
    assert f"]({SCREENSHOT.relative_to(ROOT).as_posix()})" in README


@pytest.mark.parametrize(
    "page",
    [
        "README.md",
        "CHANGELOG.md",
        "CONTRIBUTING.md",
        *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")),
    ],
)
def test_local_links_point_at_files_that_exist(page: str) -> None:
    path = ROOT / page
    text = path.read_text(encoding="utf-8")
    targets = re.findall(r"\]\((?!https?:|mailto:|#)([^)#\s]+)(?:#[^)]*)?\)", text)
    missing = [t for t in targets if not (path.parent / t).exists()]
    assert missing == []


def test_the_ten_line_example_runs_offline_in_ipython(tmp_path: Path) -> None:
    example = _block("<!-- example:", "<!-- /example -->")
    cells = re.findall(r"```python\n(.*?)```", example, re.S)
    assert len(cells) == 4 and sum(len(c.splitlines()) for c in cells) <= 12
    script = """
import json, sys
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
shell = InteractiveShell.instance()
shown = []
for cell in json.loads(sys.argv[1]):
    with capture_output() as out:
        result = shell.run_cell(cell)
    assert result.success, (cell, out.stdout)
    shown.append(out.stdout + "".join(str(o.data.get("text/plain", "")) for o in out.outputs))
print(json.dumps(shown))
"""
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(cells)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    shown = json.loads(result.stdout.splitlines()[-1])
    assert "Thought" in shown[1] or "thought" in shown[1]
    assert "get_weather(city=Paris)" in shown[3] and "Ada" in shown[3]


def test_the_changelog_names_the_version_in_pyproject() -> None:
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(version)}\]", changelog, re.M)
