"""Run inside a fresh venv holding only the built wheel: what a user who pip-installed it gets."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import gemini_interactions
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

package = Path(gemini_interactions.__file__).parent
assert "site-packages" in str(package), f"imported from the source tree: {package}"
for name in ("py.typed", "_data/function_call.sse"):
    assert (package / name).is_file(), f"the wheel lacks {name}"
for module in ("api", "chain", "server", "magics", "render"):
    __import__(f"gemini_interactions.{module}")

shell = InteractiveShell.instance()
for cell in ("%load_ext gemini_interactions", "%gemini backend offline"):
    shell.run_cell(cell).raise_error()
with capture_output() as out:
    shell.run_cell("%%gemini\nSay hello.").raise_error()
shown = out.stdout + "".join(str(o.data.get("text/plain", "")) for o in out.outputs)
assert "offline" in shown.lower(), f"the offline turn showed nothing useful: {shown[:300]!r}"

cli = Path(sys.executable).parent / "gemini-interactions"
subprocess.run([str(cli), "--help"], check=True, capture_output=True)

sdist = Path(sys.argv[1])
with tarfile.open(sdist) as archive:
    names = archive.getnames()
root = names[0].split("/")[0]
for name in ("pyproject.toml", "README.md", "src/gemini_interactions/__init__.py"):
    assert f"{root}/{name}" in names, f"the sdist lacks {name}"
print(f"wheel OK: {gemini_interactions.__version__} imports, %load_ext and an offline turn work")
