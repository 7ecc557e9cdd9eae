"""pytest fixtures for code that talks to MikroTik routers.

Register project-wide with ``pytest_plugins = ["tools.routeros_sim.pytest_plugin"]`` in the
root conftest.py, or import the fixtures into one conftest::

    from tools.routeros_sim.pytest_plugin import routeros_sim, routeros_sim_factory  # noqa: F401

``routeros_sim``: a started `Simulator` (user ``ROUTEROS_SIM_USER``, password
``ROUTEROS_SIM_PASSWORD``, no state file, streams every 0.05 s), stopped after the test.

``routeros_sim_factory(**kwargs)``: start more, or differently configured, simulators (any
`Simulator` keyword; the defaults above apply unless overridden); all are stopped after
the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .simulator import Simulator

ROUTEROS_SIM_USER = "admin"
ROUTEROS_SIM_PASSWORD = "sim-pass-8728"
TEST_STREAM_INTERVAL = 0.05


@pytest.fixture
def routeros_sim_factory() -> Iterator[Callable[..., Simulator]]:
    started: list[Simulator] = []

    def make(**kwargs: Any) -> Simulator:
        kwargs.setdefault("username", ROUTEROS_SIM_USER)
        kwargs.setdefault("password", ROUTEROS_SIM_PASSWORD)
        kwargs.setdefault("stream_interval", TEST_STREAM_INTERVAL)
        sim = Simulator(**kwargs)
        started.append(sim)
        return sim.start()

    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def routeros_sim(routeros_sim_factory: Callable[..., Simulator]) -> Simulator:
    return routeros_sim_factory()
