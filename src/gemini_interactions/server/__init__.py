"""A local Interactions API: fixtures, cassettes, an offline demo model and fault injection.

One engine, served two ways::

    from gemini_interactions.server import LocalServer
    server = LocalServer(fixtures=["fixtures.json"])
    client = Client(api_key="x", transport=server.transport())     # in-process, no socket

    with serve_in_thread(server) as base_url:                       # real HTTP on 127.0.0.1
        ...

or ``gemini-interactions serve --port 4010 --fixtures fixtures.json`` from a shell.
This package never imports IPython, the magics, the chain or the renderers.
"""

from __future__ import annotations

from .._public import public_home
from ..api._wire import LEGACY_REVISION, STEPS_REVISION
from ._cassette import Cassette
from ._clock import Clock, FakeClock, SystemClock
from ._engine import RecordedRequest
from ._exchange import EngineRequest, EngineResponse
from ._faults import FaultPlan
from ._fixtures import Fixture, load_fixtures
from ._limits import Limits
from ._local import LocalServer
from ._offline_model import OFFLINE_MODEL, OfflineModel
from ._serve import serve, serve_in_thread

__all__ = [
    "LEGACY_REVISION",
    "OFFLINE_MODEL",
    "STEPS_REVISION",
    "Cassette",
    "Clock",
    "EngineRequest",
    "EngineResponse",
    "FakeClock",
    "FaultPlan",
    "Fixture",
    "Limits",
    "LocalServer",
    "OfflineModel",
    "RecordedRequest",
    "SystemClock",
    "load_fixtures",
    "serve",
    "serve_in_thread",
]

public_home(__name__, __all__, globals())
