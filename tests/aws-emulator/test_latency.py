"""The per-call latency knob and the threaded server (issue #15 "Scale, measured where it matters").

A real API call spends a network round trip before its answer arrives; ``latency_ms`` gives
every AWS API call of the emulator one (``core.EmulatorConfig``), never a control call. The
tests show the knob's behaviour and that calls in flight are served together (the in-flight
gauge of ``GET /_studio_emulator/concurrency``), without timing anything: the figures
(8 calls x 30 ms) are measured by ``bench_latency.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from emulator_client import SERVER, client, control_api, wait_for


@pytest.fixture(autouse=True)
def _no_latency_after(control: Callable[..., Any]) -> Iterator[None]:
    yield
    control("POST", "config", {"latency_ms": 0})


def test_latency_is_a_setting_shown_in_config_and_refused_when_negative(
    control: Callable[..., Any],
) -> None:
    assert control("GET", "config")["latency_ms"] == 0
    assert control("POST", "config", {"latency_ms": 30})["latency_ms"] == 30
    for bad in (-1, "fast", True, 10**6):
        with pytest.raises(Exception) as refused:
            control("POST", "config", {"latency_ms": bad})
        assert "400" in str(refused.value)
    assert control("GET", "config")["latency_ms"] == 30


def test_calls_in_flight_are_served_concurrently_while_each_waits_its_latency(
    endpoint: str, control: Callable[..., Any]
) -> None:
    """Eight callers at once, each call delayed: all eight are in flight together. A server
    answering one call at a time would never show more than one (the wait would time out)."""
    control("POST", "config", {"latency_ms": 5000})
    control("DELETE", "concurrency")
    sts = client(endpoint, "sts")
    answers: list[str] = []

    def call() -> None:
        answers.append(sts.get_caller_identity()["Account"])

    callers = [threading.Thread(target=call) for _ in range(8)]
    for caller in callers:
        caller.start()
    # Control calls are never delayed: the gauge is read while the calls wait. (Served one at a
    # time, the calls would never be more than one in flight, and this wait would time out.)
    wait_for(lambda: control("GET", "concurrency")["in_flight"] >= 8, True, timeout=20)
    for caller in callers:
        caller.join(timeout=30)
    assert answers == ["123456789012"] * 8
    assert control("GET", "concurrency") == {"in_flight": 0, "max_in_flight": 8}


def test_control_calls_are_not_delayed(control: Callable[..., Any]) -> None:
    control("POST", "config", {"latency_ms": 60_000})
    # A delayed control call would outlast the control client's 5 s timeout.
    for _ in range(3):
        assert control("GET", "health")["status"] == "ok"


def test_the_start_latency_comes_from_the_flag_or_the_environment_and_survives_reset() -> None:
    for argv, env in ((["--latency-ms", "25"], {}), ([], {"STUDIO_EMULATOR_LATENCY_MS": "25"})):
        process = subprocess.Popen(
            [sys.executable, SERVER, "--port", "0", *argv],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, **env},
        )
        try:
            line = process.stdout.readline() if process.stdout else ""
            url = line.strip().rsplit(" ", 1)[-1]
            call = control_api(url)
            assert call("GET", "config")["latency_ms"] == 25
            call("POST", "config", {"latency_ms": 0})
            call("POST", "reset")
            assert call("GET", "config")["latency_ms"] == 25
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_a_bad_start_latency_stops_the_server() -> None:
    done = subprocess.run(
        [sys.executable, SERVER, "--port", "0", "--latency-ms", "-5"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert "latency_ms must be between 0 and 60000" in done.stderr
