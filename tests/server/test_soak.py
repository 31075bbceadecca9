"""Soak: hundreds of streams through the HTTP server with random (seeded) faults; our client's
final text must equal the fixture text every time: nothing lost, nothing repeated.

Faults drawn per stream: cut after N events (once or twice, so a resume can be cut too), 429/503
with Retry-After for the first K requests, trickled bytes, a malformed event, an unknown event,
an unknown step; both revisions. Mid-stream ``error`` events are left out on purpose: they fail
the interaction, so the text is not supposed to arrive.
"""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from gemini_interactions.api import Client
from gemini_interactions.server import (
    LEGACY_REVISION,
    STEPS_REVISION,
    FaultPlan,
    Fixture,
    LocalServer,
    serve_in_thread,
)

STREAMS = 240
WORKERS = 4
SEED = 20260601
TIME_LIMIT = 90.0
WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "ünïcödé",
    "✓",
]


@dataclass
class Case:
    prompt: str
    text: str
    revision: str
    fixture: Fixture


def make_cases(rng: random.Random) -> list[Case]:
    cases = []
    for i in range(STREAMS):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 60))) + f" #{i}"
        plan = FaultPlan(retry_after=0.01)
        if rng.random() < 0.6:
            plan.drop_after_events = rng.randint(1, 12)
            plan.drops = rng.choice([1, 1, 2])
        if rng.random() < 0.3:
            plan.http_status = rng.choice([429, 503])
            plan.fail_first = rng.randint(1, 2)
        if rng.random() < 0.2:
            plan.trickle, plan.trickle_bytes = 0.0005, rng.randint(8, 64)
        if rng.random() < 0.2:
            plan.malformed_after_events = rng.randint(1, 6)
        if rng.random() < 0.2:
            plan.unknown_event_after = rng.randint(1, 6)
        plan.unknown_step = rng.random() < 0.1
        prompt = f"soak case {i}"
        fixture = Fixture(
            match={"user_text": prompt + "."},
            steps=[{"thought": "Soaking."}, {"text": text}],
            chunk_size=rng.randint(3, 24),
            latency_ms=rng.choice([0, 0, 1]),
            faults=plan,
        )
        revision = rng.choice([STEPS_REVISION, STEPS_REVISION, LEGACY_REVISION])
        cases.append(Case(prompt + ".", text, revision, fixture))
    return cases


@pytest.mark.slow
def test_soak_streams_with_random_faults(capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(SEED)
    cases = make_cases(rng)
    server = LocalServer(fixtures=[c.fixture for c in cases])
    started = time.monotonic()
    with serve_in_thread(server) as url:

        def run(case: Case) -> tuple[str, int, int]:
            with Client(
                api_key="soak-key", base_url=url, api_revision=case.revision, max_retries=4
            ) as client:
                with client.interactions.create(model="m", input=case.prompt, stream=True) as s:
                    for _ in s:
                        if time.monotonic() - started > TIME_LIMIT:
                            raise TimeoutError("soak exceeded its time bound")
                return s.interaction.output_text, s.resumes, s.retries

        with ThreadPoolExecutor(WORKERS) as pool:
            results = list(pool.map(run, cases))
    elapsed = time.monotonic() - started
    wrong = [
        (c.prompt, got) for c, (got, _, _) in zip(cases, results, strict=True) if got != c.text
    ]
    resumes = sum(r for _, r, _ in results)
    retries = sum(r for _, _, r in results)
    drops = sum(c.fixture.faults.counters["drops"] for c in cases if c.fixture.faults)
    errors = sum(c.fixture.faults.counters["http_errors"] for c in cases if c.fixture.faults)
    with capsys.disabled():
        print(
            f"\nsoak: {len(cases)} streams over HTTP in {elapsed:.1f} s "
            f"({WORKERS} workers, seed {SEED}): {resumes} resumes, {retries} retries; "
            f"server injected {drops} drops and {errors} HTTP errors; {len(wrong)} wrong texts"
        )
    assert not wrong, wrong[:3]
    assert resumes == drops and retries == errors
    assert elapsed < TIME_LIMIT
