"""Fixtures shared by the emulator's tests (helpers: emulator_client.py).

One emulator server runs for the whole session.  Each test module gets it
reset (``POST /_studio_emulator/reset``: every moto backend, the extensions'
included, faults and call log) and set to the module's transition delay, so a
module starts from the state a freshly started server would have.  A module
chooses its delay with ``pytestmark = pytest.mark.transition_seconds(0.2)``;
without the mark it gets the server's default (``server.py`` without
``--transition-seconds``).

IAM is enforced for every test (``emulator_client.SUITE_CONFIG``, set again after
each reset): a call is authorised by the emulator's IAM engine as AWS would
authorise it. The set-up keys are the account root; a test switches enforcement
off only to arrange state, with ``emulator_client.iam_relaxed``.

Every answer the tests' boto3 clients receive is checked against botocore's model of
the operation (``shape_guard.py``); a test phase (setup, call or teardown) during which
an answer violated it fails, naming each violation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest

from emulator_client import SUITE_CONFIG, EmulatorProcess, client, control_api, reset_for_suite
from shape_guard import SESSION_GUARD, UNCHECKED_PATTERNS

pytest_plugins = ("pytester",)  # test_shape_guard.py runs a pytest session of its own


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "transition_seconds(seconds): the emulator's transition delay for this module",
    )
    config.addinivalue_line(
        "markers",
        "rust_binaries: runs a binary of the workspace's debug build (emulator_client.rust_binary); "
        "scripts/test runs these once the build is done",
    )


def _shape_violations(phase: str) -> str | None:
    counts = Counter(SESSION_GUARD.take())  # a polled answer repeats its violations
    if not counts:
        return None
    return f"the emulator's answers during {phase} violate botocore's models:\n  " + "\n  ".join(
        f"{v} (x{n})" if n > 1 else v for v, n in counts.items()
    )


def _guarded(phase: str) -> Generator[None, Any, Any]:
    """Runs a test phase; fails it if an answer during it violated its model.

    If the phase failed already, the violations are added to its error as a note.
    """
    try:
        result = yield
    except BaseException as exc:
        violations = _shape_violations(phase)
        if violations:
            exc.add_note(violations)
        raise
    violations = _shape_violations(phase)
    if violations:
        pytest.fail(violations, pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    SESSION_GUARD.take()  # nothing recorded outside a test phase is charged to this test
    return (yield from _guarded("setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    result = yield from _guarded("the test")
    _check_still_enforced(item)
    return result


def _check_still_enforced(item: pytest.Item) -> None:
    """Fails a test against the session's emulator that left IAM enforcement off (it would
    leave the module's later tests unenforced), and switches it on again for them."""
    endpoint = getattr(item, "funcargs", {}).get("endpoint")
    if not isinstance(endpoint, str):
        return
    call = control_api(endpoint)
    if call("GET", "config")["iam_enforcement"] is not True:
        call("POST", "config", SUITE_CONFIG)
        pytest.fail(
            "the test left IAM enforcement off: switch it off only to arrange state, "
            "with emulator_client.iam_relaxed",
            pytrace=False,
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, Any, Any]:
    return (yield from _guarded("teardown"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    answers = SESSION_GUARD.answers
    if not answers:
        return
    line = (
        f"shape guard: {sum(answers.values())} answers to {len(answers)} operations checked "
        f"against botocore's models; {sum(SESSION_GUARD.accepted.values())} allow-listed "
        f"violations ({len(SESSION_GUARD.accepted)} distinct)"
    )
    terminalreporter.write_line(line)
    if terminalreporter.config.getoption("verbose") > 0:
        for violation, count in SESSION_GUARD.accepted.most_common():
            terminalreporter.write_line(f"  allowed: {violation} (x{count})")
    if UNCHECKED_PATTERNS:
        terminalreporter.write_line(
            f"  patterns not checked (not compilable): {sorted(UNCHECKED_PATTERNS)}"
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
    """The emulator's URL, reset and configured for this module (IAM enforced)."""
    mark = request.node.get_closest_marker("transition_seconds")
    seconds = mark.args[0] if mark else default_transition_seconds
    reset_for_suite(control_api(emulator.endpoint), transition_seconds=seconds)
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
lam = _client_fixture("lambda")
logs = _client_fixture("logs")
ssm = _client_fixture("ssm")
s3 = _client_fixture("s3")
