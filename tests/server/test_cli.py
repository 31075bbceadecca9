"""``gemini-interactions serve``: every user mistake is one line on stderr and exit code 2."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gemini_interactions import cli
from gemini_interactions.server import FaultPlan, LocalServer


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(["serve", *args])
    err = capsys.readouterr().err.strip()
    return code, err


def one_line(err: str) -> str:
    assert err.count("\n") == 0, err
    assert "Traceback" not in err
    return err


@pytest.fixture
def busy_port() -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield sock.getsockname()[1]
    sock.close()


def test_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str], busy_port: int) -> None:
    code, err = run(capsys, "--port", str(busy_port))
    assert code == 2
    assert "cannot listen on 127.0.0.1" in one_line(err) and "--port 0" in err


def test_unknown_host_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "--port", "0", "--host", "no-such-host.invalid")
    assert code == 2 and "--host" in one_line(err)


def test_port_out_of_range_is_an_argparse_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", "--port", "99999"])
    assert exit_.value.code == 2
    assert "0-65535" in capsys.readouterr().err


def write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


BAD_FIXTURES: list[tuple[Any, str]] = [
    ("{not json", "fixture file"),
    ([{"match": {"usr_text": "x"}}], "usr_text"),
    ([{"steps": [{"txt": "a"}]}], "not understood"),
    ([{"match": {"turn": "two"}, "steps": [{"text": "a"}]}], "'turn' must be a number"),
    ([{"match": {"user_regex": "("}, "steps": [{"text": "a"}]}], "fixture"),
    ([{"steps": [{"function_call": {"arguments": {}}}]}], 'needs {"name"'),
    ([{"faults": {"drop_after": 3}}], "drop_after"),
    ([{"faults": {"drops": "2"}}], "drops='2'"),
    ([{"error": {"status": "soon"}}], "fixture"),
    (["just text"], "a fixture is an object"),
    ({"fixtures": "x"}, "holds a list"),
]


@pytest.mark.parametrize(("content", "needle"), BAD_FIXTURES)
def test_bad_fixture_files_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: Any, needle: str
) -> None:
    path = write(tmp_path, "fx.json", content)
    code, err = run(capsys, "--port", "0", "--fixtures", path)
    assert code == 2
    assert needle in one_line(err)
    assert "fx.json" in err


def test_missing_files_name_what_they_are(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "--port", "0", "--fixtures", "/no/such/fx.json")
    assert code == 2 and "cannot read fixture file /no/such/fx.json" in one_line(err)
    code, err = run(capsys, "--port", "0", "--cassette", "/no/such/tape.json")
    assert code == 2 and "cannot read cassette /no/such/tape.json" in one_line(err)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ([{"match": {}, "steps": [{"text": "a"}]}], "is not a cassette"),
        ({"exchanges": [{"request": {}}]}, "is not a cassette"),
        ("{oops", "is not JSON"),
    ],
)
def test_a_file_that_is_not_a_cassette_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: Any, needle: str
) -> None:
    code, err = run(capsys, "--port", "0", "--cassette", write(tmp_path, "tape.json", content))
    assert code == 2 and needle in one_line(err)


def test_record_mode_mistakes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = run(capsys, "--port", "0", "--record", str(tmp_path / "t.json"))
    assert code == 2 and "--upstream" in one_line(err)
    code, err = run(capsys, "--port", "0", "--upstream", "http://127.0.0.1:9")
    assert code == 2 and "--record" in one_line(err)
    fx = write(tmp_path, "fx.json", [])
    code, err = run(
        capsys, "--record", str(tmp_path / "t.json"), "--upstream", "http://x", "--fixtures", fx
    )
    assert code == 2 and "drop --fixtures" in one_line(err)


@pytest.mark.parametrize(
    ("option", "needle"),
    [
        ("drop_after=3", "unknown fault option 'drop_after'"),
        ("drops=many", "expected int"),
        ("drops", "needs a value"),
        ("unknown_step=perhaps", "true/false"),
    ],
)
def test_bad_fault_options_are_one_line(
    capsys: pytest.CaptureFixture[str], option: str, needle: str
) -> None:
    code, err = run(capsys, "--port", "0", "--fault", option)
    assert code == 2 and needle in one_line(err)


def test_global_faults_from_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[LocalServer] = []

    def fake_serve(server: LocalServer, host: str, port: int, **_: Any) -> None:
        served.append(server)

    monkeypatch.setattr("gemini_interactions.server.serve", fake_serve)
    args = ["serve", "--port", "0", "--fault", "drop_after_events=3", "--fault", "drops=2"]
    args += ["--fault", "http_status=429", "--fault", "retry_after=0.5", "--fault", "unknown_step"]
    args += ["--background-seconds", "0.5", "--queue-seconds", "1"]
    assert cli.main(args) == 0
    engine = served[0].engine
    assert engine.faults == FaultPlan(
        drop_after_events=3, drops=2, http_status=429, retry_after=0.5, unknown_step=True
    )
    assert served[0].offline_model.background_seconds == 0.5
    assert engine.queue_seconds == 1.0


def test_help_explains_sources_faults_and_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    text = capsys.readouterr().out
    for needle in (
        "default: 4010",
        "--port 0",
        "offline demo model",
        "--fault NAME=VALUE",
        "drop_after_events",
        "base_url=",
        "Ctrl-C",
        "examples:",
    ):
        assert needle in text, needle


def test_strict_cassette_needs_a_cassette(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "--port", "0", "--strict-cassette")
    assert code == 2 and "--cassette" in one_line(err)


@pytest.mark.parametrize(
    ("option", "needle"),
    [
        ("drop_after_events=-2", "drop_after_events=-2: must be 0 or more"),
        ("trickle=-1", "trickle=-1.0: must be 0 or more"),
        ("trickle=inf", "trickle=inf: must be 0 or more"),
        ("trickle_bytes=0", "trickle_bytes=0: must be a positive number"),
        ("fail_first=-1", "fail_first=-1: must be 0 or more"),
        ("http_status=200", "must be an HTTP error (400-599)"),
    ],
)
def test_out_of_range_fault_values_are_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], option: str, needle: str
) -> None:
    code, err = run(capsys, "--port", "0", "--fault", option)
    assert code == 2 and needle in one_line(err)


def test_help_documents_every_limit(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for needle in (
        "--max-body-mb MB",
        "answered 413 while it is read",
        "--max-json-depth N",
        "not UTF-8",
        "unknown type",
        "minItems: 100000000",
        "--max-stored N",
        "--max-stored-mb MB",
        "evicted id is a 404",
        "--max-logged N",
        "--max-logged-mb MB",
    ):
        assert needle in text, needle


def test_limits_from_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[LocalServer] = []
    monkeypatch.setattr("gemini_interactions.server.serve", lambda s, *a, **k: served.append(s))
    args = ["serve", "--port", "0", "--max-body-mb", "0.5", "--max-json-depth", "20"]
    args += ["--max-stored", "7", "--max-stored-mb", "2", "--max-logged", "9"]
    assert cli.main(args) == 0
    limits = served[0].engine.limits
    assert (limits.max_body_bytes, limits.max_json_depth) == (512 * 1024, 20)
    assert (limits.max_stored, limits.max_stored_bytes, limits.max_logged) == (7, 2 * 1024**2, 9)
    assert served[0].engine.store.max_count == 7


@pytest.mark.parametrize("option", ["--max-body-mb=0", "--max-stored=-1", "--max-json-depth=x"])
def test_bad_limits_are_refused(capsys: pytest.CaptureFixture[str], option: str) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve", option])
    assert option.split("=")[0] in capsys.readouterr().err


@pytest.mark.parametrize("argv", [[], ["serve"], ["export"], ["replay"]])
def test_every_help_page_prints(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    # A help string holding "%gemini" once made argparse crash on "--help" (it reads "%g").
    with pytest.raises(SystemExit) as exit_:
        cli.main([*argv, "--help"])
    assert exit_.value.code == 0
    assert "usage:" in capsys.readouterr().out
