"""Interpolation edge cases a teacher pasting code into a prompt runs into."""

from __future__ import annotations

import pytest

from gemini_interactions.api import Secret
from gemini_interactions.chain import ChainUsageError
from gemini_interactions.chain._interpolate import interpolate

from .conftest import Kernel

NS = {"name": "NAME", "d": {"k": "V"}, "_": "LAST", "_3": "OUT3", "In": ["x"], "_gemini": "G"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{name}", "NAME"),
        ("{{name}}", "{name}"),  # the escape, for a name that exists
        ("{{{name}}}", "{NAME}"),  # as in an f-string: the value in braces
        ("{{title}} and {{ user.name }}", "{{title}} and {{ user.name }}"),  # pasted templates
        ('print(f"{{missing}}")', 'print(f"{{missing}}")'),  # f-string code, name unknown
        ("{{d[k]}}", "{d[k]}"),
        ("lambda _: {_}", "lambda _: {_}"),  # IPython's last output is not a prompt variable
        ("{_3} {__name__} {In}", "{_3} {__name__} {In}"),
        ("{_gemini}", "G"),  # ... but the last answer is
    ],
)
def test_braces(text: str, expected: str) -> None:
    assert interpolate(text, NS, hidden={"In"}) == expected


def test_a_value_holding_the_api_key_is_refused() -> None:
    ns = {"key": "AIzaSECRET-123456", "cfg": {"k": "x AIzaSECRET-123456"}}
    for text in ("{key}", "{cfg[k]}", "{{{key}}}"):
        with pytest.raises(ChainUsageError, match="holds your API key"):
            interpolate(text, ns, secrets=(Secret("AIzaSECRET-123456"),))
    assert interpolate("{{key}}", ns, secrets=(Secret("AIzaSECRET-123456"),)) == "{key}"


def test_cell_keeps_templates_and_never_sends_the_key(kernel: Kernel, monkeypatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "AIza-interpolated-secret")
    kernel.ns.update(title="T", api_key="AIza-interpolated-secret")
    kernel.cell("", "Explain <h1>{{title}}</h1> vs <p>{{body}}</p> and lambda _: {_}")
    assert kernel.posts()[0]["input"] == (
        "Explain <h1>{title}</h1> vs <p>{{body}}</p> and lambda _: {_}"
    )
    before = kernel.state()
    out = kernel.cell("", "Use key {api_key}", fails=True)
    assert "holds your API key" in out.message and "AIza-interpolated-secret" not in out.stdout
    assert kernel.state() == before
