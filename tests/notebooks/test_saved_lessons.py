"""The lesson notebooks as committed: valid, clean, and each set up to run offline from its own
fixtures, with paths relative to the notebook."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from gemini_interactions.server import LocalServer
from gemini_interactions.server._fixtures import load_fixtures

from ._lessons import LESSONS, NOTEBOOKS, SETUP, code_cells, read

MEDIA_LIMIT = 16 * 1024


def test_every_lesson_is_there_and_nothing_else() -> None:
    found = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert found == LESSONS


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_is_valid_nbformat(name: str) -> None:
    nb = read(name)
    nbformat.validate(nb)  # type: ignore[no-untyped-call]
    assert nb.nbformat == 4 and nb.nbformat_minor >= 5  # cell ids
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_is_saved_without_outputs_or_execution_counts(name: str) -> None:
    dirty = [
        i
        for i, cell in enumerate(code_cells(read(name)))
        if cell.get("outputs") or cell.get("execution_count") is not None
    ]
    assert not dirty, f"{name}: code cells {dirty} were committed with outputs or counts"


@pytest.mark.parametrize("name", LESSONS)
def test_first_code_cell_selects_its_own_fixtures_offline_and_says_how_to_go_live(
    name: str,
) -> None:
    first = code_cells(read(name))[0].source
    setup = SETUP.search(first)
    assert setup is not None, f"{name}: the first code cell must select the offline fixtures"
    assert setup.group(2) == name  # the fixtures beside the notebook, named after it
    assert (NOTEBOOKS / setup.group(1)).is_file()  # relative to the notebook's folder
    assert "%load_ext gemini_interactions" in first
    assert "backend live" in first and "GEMINI_API_KEY" in first


@pytest.mark.parametrize("name", LESSONS)
def test_fixtures_load_and_every_text_reads_as_an_answer(name: str) -> None:
    fixtures = load_fixtures(NOTEBOOKS / "fixtures" / f"{name}.json")
    assert fixtures
    for fixture in fixtures:
        assert fixture.name, "every fixture has a name, so a miss can be reported"
        texts = [s["text"] for s in fixture.steps if "text" in s]
        calls = [s for s in fixture.steps if "function_call" in s]
        assert texts or calls, f"{name}: fixture {fixture.name!r} neither answers nor calls"
        for text in texts:
            assert len(text) >= 40 and "offline demo" not in text.lower()


def test_fixture_files_are_the_lessons_own() -> None:
    assert sorted(p.stem for p in (NOTEBOOKS / "fixtures").glob("*.json")) == LESSONS


def test_a_prompt_no_fixture_matches_falls_back_to_the_offline_model() -> None:
    """A student's own prompt in a lesson still gets an answer (the offline demo model's)."""
    from gemini_interactions.api import Client

    server = LocalServer(fixtures=[NOTEBOOKS / "fixtures" / "07-workshop.json"])
    client = Client(transport=server.transport(), base_url="http://offline.invalid", environ={})
    scripted = client.interactions.create(model="m", input="In one sentence, what is a p-value?")
    own = client.interactions.create(model="m", input="Why is the sky blue?")
    assert scripted.output_text.startswith("A p-value is the probability")
    assert own.output_text.startswith("**Offline demo model**")


def test_raises_exception_tags_are_only_on_cells_that_show_a_mistake() -> None:
    tagged = {
        name: [
            c.source.splitlines()[0]
            for c in code_cells(read(name))
            if "raises-exception" in c.get("metadata", {}).get("tags", [])
        ]
        for name in LESSONS
    }
    # Each is a deliberate mistake the lesson explains; the run test checks each one raises.
    assert {k: len(v) for k, v in tagged.items() if v} == {
        "02-chains-and-branches": 1,
        "04-structured-output": 2,
        "07-workshop": 1,
        "09-research-at-scale": 1,
    }


def test_workshop_solutions_are_hidden_until_opened() -> None:
    nb = read("07-workshop")
    hidden = [c for c in code_cells(nb) if c.metadata.get("jupyter", {}).get("source_hidden")]
    assert len(hidden) >= 6
    details = [c for c in nb.cells if c.cell_type == "markdown" and "<details>" in c.source]
    assert len(details) >= 4
    notes = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "Instructor notes" in notes and "no Wi-Fi" in notes and "Switching to live" in notes


def test_media_are_small_and_rebuilt_exactly_by_their_script(tmp_path: Path) -> None:
    import runpy

    media = NOTEBOOKS / "media"
    names = ["abstract.pdf", "bars.png", "tone.wav"]
    for name in names:
        assert (media / name).stat().st_size < MEDIA_LIMIT
    script = tmp_path / "make_media.py"
    script.write_bytes((media / "make_media.py").read_bytes())
    runpy.run_path(str(script), run_name="__main__")
    for name in names:
        assert (tmp_path / name).read_bytes() == (media / name).read_bytes(), name


def test_fixture_files_are_plain_json_objects() -> None:
    for path in (NOTEBOOKS / "fixtures").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict) and isinstance(data["fixtures"], list)


@pytest.mark.parametrize("name", LESSONS)
def test_paths_are_relative_to_the_notebook(name: str) -> None:
    """A clone, Binder or a student's laptop has none of this machine's folders."""
    source = "\n".join(cell.source for cell in read(name).cells)
    assert str(NOTEBOOKS.parent) not in source and "/tmp/" not in source
    assert "../" not in source  # everything a lesson opens lives beside it


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_opens_clean_in_jupyterlab(name: str) -> None:
    """JupyterLab writes the kernel's own kernelspec name and language_info into a notebook it
    opens, and marks it unsaved when they differ: every lesson opened marked unsaved before
    anything ran. The lessons carry what ipykernel reports (the Python version: the one the
    project is built and tested with; another patch version is the one field left to update)."""
    from ipykernel.ipkernel import IPythonKernel

    meta = read(name).metadata
    assert meta["kernelspec"] == {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    kernel = dict(IPythonKernel.language_info)
    saved = dict(meta["language_info"])
    assert saved.pop("version").split(".")[:2] == kernel.pop("version").split(".")[:2]
    assert saved == kernel
