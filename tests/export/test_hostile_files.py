"""Files from others (issue 21): `replay` and cassettes check what they read and refuse a bad
file in one paragraph, before any kernel starts or any turn is sent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from gemini_interactions.server import LocalServer


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
    return subprocess.run(
        [sys.executable, "-m", "gemini_interactions.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _one_paragraph(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    err = done.stderr.strip()
    assert "Traceback" not in err and "\n" not in err, err
    assert err.startswith("gemini-interactions replay: "), err
    return err


def test_replay_of_a_missing_file_is_one_paragraph(tmp_path: Path) -> None:
    err = _one_paragraph(_cli("replay", "nowhere.ipynb", cwd=tmp_path))
    assert "Cannot read nowhere.ipynb" in err


def test_replay_of_a_file_that_is_not_json_is_one_paragraph(tmp_path: Path) -> None:
    (tmp_path / "notes.ipynb").write_text("these are my notes, not a notebook")
    err = _one_paragraph(_cli("replay", "notes.ipynb", cwd=tmp_path))
    assert "is not a notebook" in err and "nothing was run" in err


def test_replay_of_a_cell_whose_turn_is_not_a_number_is_one_paragraph(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("%%gemini\nHello")
    cell.metadata["gemini_interactions"] = {"turn": "first", "answer": "Hi."}
    nb.cells.append(cell)
    nbformat.write(nb, tmp_path / "edited.ipynb")
    err = _one_paragraph(_cli("replay", "edited.ipynb", cwd=tmp_path))
    assert "Cell 1 of edited.ipynb records turn 'first', not a turn number" in err


def _cassette(tmp_path: Path, response: dict[str, object]) -> Path:
    path = tmp_path / "c.cassette.json"
    request = {"method": "POST", "path": "/v1/interactions", "json": {"input": "hi"}}
    path.write_text(
        json.dumps({"version": 1, "exchanges": [{"request": request, "response": response}]})
    )
    return path


@pytest.mark.parametrize(
    ("response", "says"),
    [
        ({"status": "ok", "body": "{}"}, "has status 'ok'"),
        ({"status": 200, "body_b64": "***not base64***"}, "body_b64 that is not base64"),
        (
            {"status": 200, "headers": [["content-type", "application/json"]], "body": "{cut"},
            "JSON body that does not parse",
        ),
        ({"status": 200, "headers": "content-type: json", "body": "{}"}, "headers that are not"),
    ],
)
def test_a_cassette_with_a_broken_recorded_response_is_refused_when_loaded(
    tmp_path: Path, response: dict[str, object], says: str
) -> None:
    path = _cassette(tmp_path, response)
    with pytest.raises(ValueError, match="is damaged") as caught:
        LocalServer(cassette=path)
    assert says in str(caught.value) and "exchange 1" in str(caught.value)


def test_a_cassette_nested_100000_deep_is_refused_without_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.cassette.json"
    path.write_text('{"version": 1, "exchanges": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ValueError, match="nested too deeply"):
        LocalServer(cassette=path)


def test_replay_with_a_damaged_cassette_says_so_before_any_kernel_starts(tmp_path: Path) -> None:
    _cassette(tmp_path, {"status": "ok", "body": "{}"})
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(
        "%load_ext gemini_interactions\nbackend = 'offline --cassette c.cassette.json'"
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells.append(params)
    nbformat.write(nb, tmp_path / "nb.ipynb")
    err = _one_paragraph(_cli("replay", "nb.ipynb", cwd=tmp_path))
    assert "is damaged: the response of exchange 1 has status 'ok'" in err
    assert "HTTP 500" not in err and "in a moment" not in err and "nothing was run" in err


def test_files_over_a_gigabyte_are_refused_before_they_are_read(tmp_path: Path) -> None:
    from gemini_interactions.export import ChainFileError, load_chains

    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:  # sparse: 1 GB on paper, nothing on disk
        handle.truncate(2**30 + 1)
    with pytest.raises(ChainFileError, match=r"1\.0 GB, more than a chains file may be"):
        load_chains(huge)
    with pytest.raises(ValueError, match=r"1\.0 GB, more than a recording may be"):
        LocalServer(cassette=huge)
