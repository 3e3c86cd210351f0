"""Fixtures shared by the emulator's tests (helpers: emulator_client.py).

One emulator server runs for the whole session.  Each test module gets it
reset (``POST /_studio_emulator/reset``: every moto backend, the extensions'
included, faults and call log) and set to the module's transition delay, so a
module starts from the state a freshly started server would have.  A module
chooses its delay with ``pytestmark = pytest.mark.transition_seconds(0.2)``;
without the mark it gets the server's default (``server.py`` without
``--transition-seconds``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from emulator_client import EmulatorProcess, client, control_api


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "transition_seconds(seconds): the emulator's transition delay for this module",
    )


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorProcess]:
    server = EmulatorProcess()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def default_transition_seconds(emulator: EmulatorProcess) -> float:
    return control_api(emulator.endpoint)("GET", "config")["transition_seconds"]


@pytest.fixture(scope="module")
def endpoint(
    request: pytest.FixtureRequest,
    emulator: EmulatorProcess,
    default_transition_seconds: float,
) -> str:
    """The emulator's URL, reset and configured for this module."""
    mark = request.node.get_closest_marker("transition_seconds")
    seconds = mark.args[0] if mark else default_transition_seconds
    call = control_api(emulator.endpoint)
    call("POST", "reset")
    call("POST", "config", {"transition_seconds": seconds})
    return emulator.endpoint


@pytest.fixture(scope="module")
def control(endpoint: str) -> Callable[..., Any]:
    """``control(method, path, body=None)`` for the ``/_studio_emulator/`` control API."""
    return control_api(endpoint)


def _client_fixture(service: str) -> Any:
    """A module-scoped fixture: a boto3 client of ``service`` against ``endpoint``."""

    @pytest.fixture(scope="module")
    def service_client(endpoint: str) -> Any:
        return client(endpoint, service)

    return service_client


sm = _client_fixture("sagemaker")
sc = _client_fixture("servicecatalog")
cfn = _client_fixture("cloudformation")
lf = _client_fixture("lakeformation")
glue = _client_fixture("glue")
iam = _client_fixture("iam")
