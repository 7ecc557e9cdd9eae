"""Fixtures for the simulator's own tests (the same ones other apps get from the plugin)."""

import socket

import pytest

from tools.routeros_sim.pytest_plugin import (  # noqa: F401
    ROUTEROS_SIM_PASSWORD,
    ROUTEROS_SIM_USER,
    routeros_sim,
    routeros_sim_factory,
)


@pytest.fixture
def sim(routeros_sim_factory):  # noqa: F811 (the plugin's routeros_sim, shorter to type)
    return routeros_sim_factory()


@pytest.fixture
def api(sim):
    connection = sim.connect()
    yield connection
    connection.close()


@pytest.fixture
def client(sim):
    raw = sim.client()
    yield raw
    raw.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
