"""Helpers shared by the emulator's tests (the fixtures built on them are in conftest.py).

The emulator server as a subprocess, boto3 clients pointed at it, the
``/_studio_emulator/`` control API, unique names, polling and error helpers.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from shape_guard import SESSION_GUARD, ShapeGuard

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "server.py")
REGION = "us-east-1"
ACCOUNT = "123456789012"
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"

_READY = re.compile(r"studio-emulator ready on (http://127\.0\.0\.1:\d+)\n")


class EmulatorProcess:
    """``server.py`` on a free port of 127.0.0.1, started and stopped by the tests."""

    def __init__(self, transition_seconds: float | None = None) -> None:
        command = [sys.executable, SERVER, "--host", "127.0.0.1", "--port", "0"]
        if transition_seconds is not None:
            command += ["--transition-seconds", str(transition_seconds)]
        # stderr goes to a file, so that a long-lived server never blocks on a full pipe.
        self._stderr = tempfile.TemporaryFile(mode="w+")
        self._proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._stderr, text=True
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()  # blocks until ready (or exit)
        match = _READY.fullmatch(line)
        if not match:
            self._proc.kill()
            self._proc.wait()
            pytest.fail(f"emulator did not start: {line!r} {self._read_stderr()!r}")
        self.endpoint: str = match.group(1)

    def _read_stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()

    def stop(self) -> None:
        """SIGTERM, and the server must exit with status 0 within 10 seconds."""
        try:
            self._proc.send_signal(signal.SIGTERM)
            try:
                code = self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                raise
            assert code == 0, self._read_stderr()
        finally:
            self._stderr.close()


def client(
    endpoint: str,
    service: str,
    key: str = ACCESS_KEY_ID,
    guard: ShapeGuard = SESSION_GUARD,
    **config: Any,
) -> Any:
    """A boto3 client of ``service`` against the emulator (no retries).

    Every answer it receives is checked by ``guard`` (shape_guard.py) against the
    operation's botocore model; the session's guard fails the test that caused a
    violation. ``config`` adds botocore ``Config`` options, e.g.
    ``parameter_validation=False``.
    """
    made = boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key="secret",
        config=Config(retries={"mode": "standard", "max_attempts": 1}, **config),
    )
    return guard.register(made)


def control_api(endpoint: str) -> Callable[..., Any]:
    """``call(method, path, body=None)``: JSON in and out of ``/_studio_emulator/<path>``."""

    def call(method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{endpoint}/_studio_emulator/{path}", data=data, method=method
        )
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read())

    return call


_counter = itertools.count(1)


def unique(prefix: str, separator: str = "-") -> str:
    """``prefix-<pid>-<n>``: a name no other test of this run uses."""
    return f"{prefix}{separator}{os.getpid()}{separator}{next(_counter)}"


def wait_for(fn: Callable[[], Any], expected: Any, timeout: float = 5.0) -> Any:
    """Polls ``fn()`` until it equals ``expected``; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value == expected:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {expected!r}, still {value!r}")
        time.sleep(0.05)


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    """(code, message) of a raised ``ClientError``."""
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def new_product(sc: Any) -> tuple[str, str]:
    """A Service Catalog product with one provisioning artifact, in no portfolio (so with no
    launch path yet); returns the product id and the artifact id."""
    detail = sc.create_product(
        Name=unique("product"),
        Owner="platform",
        ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters={
            "Name": "v1",
            "Info": {"LoadTemplateFromURL": "https://example.com/t.yaml"},
            "Type": "CLOUD_FORMATION_TEMPLATE",
        },
        IdempotencyToken=unique("token"),
    )
    product_id = detail["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    artifact = sc.list_provisioning_artifacts(ProductId=product_id)[
        "ProvisioningArtifactDetails"
    ][0]["Id"]
    return product_id, artifact


def new_organization(endpoint: str) -> tuple[Any, dict[str, Any], str, str]:
    """An organisation in moto's Organizations (the caller's account its management
    account) with one organisational unit under its root; returns the Organizations
    client, the organisation, the root id and the OU id. It stays until the next reset."""
    organizations = client(endpoint, "organizations")
    org = organizations.create_organization(FeatureSet="ALL")["Organization"]
    root = organizations.list_roots()["Roots"][0]["Id"]
    ou = organizations.create_organizational_unit(ParentId=root, Name=unique("ou"))[
        "OrganizationalUnit"
    ]["Id"]
    return organizations, org, root, ou
