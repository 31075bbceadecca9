"""Binder's files work: what repo2docker does with ``binder/``, done in a fresh venv.

repo2docker copies the repository, then from its root runs
``pip install --no-cache-dir -r binder/requirements.txt`` and ``./binder/postBuild``, and ignores
the root's own configuration because ``binder/`` exists. The same steps here (with pip's cache,
for speed), then the quickstart the Binder badge opens, executed in that venv's kernel, offline.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
LAUNCH = "notebooks/01-quickstart.ipynb"  # the badge's ?urlpath=lab/tree/...

RUN_QUICKSTART = """
import json, sys
import nbformat
from nbclient import NotebookClient

nb = nbformat.read(sys.argv[1], as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "import sys, gemini_interactions; print(sys.prefix); print(gemini_interactions.__file__)"
))
NotebookClient(nb, timeout=120, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(nb, sys.argv[3])
"""


def _repository_copy(dest: Path) -> Path:
    """The files a clone has (tracked, plus new ones not ignored), as repo2docker copies them."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
    )
    if listed.returncode != 0:  # not a git checkout (an unpacked sdist): copy, minus the venv
        skip = shutil.ignore_patterns(".venv", "build", ".git", "*_cache", "__pycache__")
        shutil.copytree(ROOT, dest, ignore=skip)
        return dest
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def _run(cmd: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 900) -> str:
    """stdout and stderr of ``cmd``, which must succeed."""
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    said = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(cmd)}\n{said[-4000:]}"
    return said


def _lab_serves_the_launch_url(bin_dir: Path, repo: Path, env: dict[str, str]) -> None:
    """The fresh venv's JupyterLab, rooted at the repo as on Binder, opens the badge's urlpath
    and sees the notebook; the postBuild settings are the ones it uses."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    token = secrets.token_hex(16)
    cmd = [str(bin_dir / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}"]
    cmd += ["--allow-root", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={repo}"]
    log = repo.parent / "lab.log"
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=repo, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        end = time.time() + 90
        while True:
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}").close()
                break
            except OSError:
                assert time.time() < end, "JupyterLab did not start"
                time.sleep(0.25)
        with urllib.request.urlopen(f"{base}/lab/tree/{LAUNCH}?token={token}") as page:
            assert page.status == 200 and b"JupyterLab" in page.read()
        with urllib.request.urlopen(f"{base}/api/contents/{LAUNCH}?token={token}") as contents:
            assert json.load(contents)["type"] == "notebook"
        url = f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification?token={token}"
        with urllib.request.urlopen(url) as settings:  # overrides become the schema's defaults
            defaults = {
                k: v.get("default") for k, v in json.load(settings)["schema"]["properties"].items()
            }
        assert defaults["checkForUpdates"] is False and defaults["fetchNews"] == "false"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_runtime_is_a_python_the_package_supports() -> None:
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.\d+", runtime), runtime
    pyproject = (ROOT / "pyproject.toml").read_text()
    floor = re.search(r'requires-python = ">=3\.(\d+)"', pyproject)
    assert floor is not None
    assert int(runtime.split(".")[1]) >= int(floor.group(1))
    # repo2docker's default Python (3.10) is too old for the package: runtime.txt is needed
    assert int(floor.group(1)) > 10


def test_requirements_pin_what_the_lessons_need_and_install_this_repository() -> None:
    lines = [
        line.split("#", 1)[0].strip()
        for line in (BINDER / "requirements.txt").read_text().splitlines()
    ]
    lines = [line for line in lines if line]
    # `.` is resolved against pip's working directory, which repo2docker makes the repo root
    assert "." in lines
    pins = dict(line.split("==") for line in lines if "==" in line)
    assert {"jupyterlab", "ipywidgets", "pandas"} <= set(pins)
    assert all(re.fullmatch(r"\d+(\.\d+)+", version) for version in pins.values()), pins
    unpinned = [line for line in lines if line != "." and "==" not in line]
    assert unpinned == []
    assert os.access(BINDER / "postBuild", os.X_OK), "repo2docker runs ./binder/postBuild"
    assert (BINDER / "postBuild").read_text().startswith("#!/usr/bin/env bash\n")
    assert "set -e" in (BINDER / "postBuild").read_text()
    assert (ROOT / LAUNCH).is_file()


def test_binder_files_install_into_a_fresh_venv_and_run_the_quickstart_offline(
    tmp_path: Path,
) -> None:
    repo = _repository_copy(tmp_path / "repo")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path, env=dict(os.environ))
    bin_dir = venv / "bin"
    env = {
        "PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(tmp_path / "home"),
        "NB_PYTHON_PREFIX": str(venv),
        "KERNEL_PYTHON_PREFIX": str(venv),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "JUPYTER_PREFER_ENV_PATH": "1",
    }
    # pip's cache from the real home: the one speed-up this test allows itself
    env["PIP_CACHE_DIR"] = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")
    # repo2docker's two steps, from the root of the copy
    pip = [str(bin_dir / "pip"), "install", "--quiet", "--progress-bar", "off"]
    _run([*pip, "-r", "binder/requirements.txt"], cwd=repo, env=env)
    _run(["./binder/postBuild"], cwd=repo, env=env, timeout=120)

    # the pins are what got installed, and JupyterLab has the widgets extension
    pins = {
        line.split("==")[0]: line.split("==")[1].strip()
        for line in (repo / "binder/requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    script = "import importlib.metadata as m, json, sys\n"
    script += "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    said = _run([str(bin_dir / "python"), "-c", script, *pins], cwd=repo, env=env)
    installed = json.loads(said.strip().splitlines()[-1])
    assert installed == pins
    extensions = _run([str(bin_dir / "jupyter"), "labextension", "list"], cwd=repo, env=env)
    assert "@jupyter-widgets/jupyterlab-manager" in extensions
    settings = venv / "share/jupyter/lab/settings/overrides.json"
    assert json.loads(settings.read_text())["@jupyterlab/apputils-extension:notification"]

    _lab_serves_the_launch_url(bin_dir, repo, env)

    # the notebook the badge opens, in the fresh venv's kernel, with the network unreachable
    offline = {**env, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    executed = tmp_path / "executed.ipynb"
    notebook = repo / LAUNCH
    paths = [str(notebook), str(notebook.parent), str(executed)]
    _run(
        [str(bin_dir / "python"), "-c", RUN_QUICKSTART, *paths],
        cwd=repo,
        env=offline,
        timeout=300,
    )
    cells = json.loads(executed.read_text())["cells"]
    outputs = [o for c in cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    follow_up = next(c for c in cells if "What is my name?" in "".join(c["source"]))
    assert "Ada" in json.dumps(follow_up["outputs"])  # the chain worked: it remembered
    for cell in (c for c in cells if "".join(c["source"]).startswith("%%gemini")):
        shown = (o.get("metadata", {}).get("gemini_interactions") for o in cell["outputs"])
        turns = [t for t in shown if t]
        assert turns and turns[-1]["status"] == "completed", cell["source"]
    prefix, module = "".join(cells[-1]["outputs"][0]["text"]).split()
    assert Path(prefix) == venv  # the kernel is the fresh venv's, not the dev one
    assert "site-packages" in module  # installed from `.`, not imported from the source tree
