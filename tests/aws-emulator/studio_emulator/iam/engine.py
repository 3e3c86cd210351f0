"""The policy engine: one long-lived Node child process running ``@cloud-copilot/iam-simulate``.

``tests/aws-emulator/iam-engine/engine.js`` reads one JSON simulation per line on stdin and answers
one JSON decision per line on stdout, tagged with the request's id (answers may come out of order,
so concurrent requests share the process). The process is started on the first decision and
stopped by :func:`stop` (the emulator's reset, and its exit).

The engine is a TEST TOOL ONLY (AGPL-3.0-or-later): it runs beside the emulator, nothing of it is
shipped with the project.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import shutil
import subprocess
import threading
from concurrent.futures import Future
from typing import Any

ENGINE_DIR = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "iam-engine")
)
#: How long one decision may take before the request fails (the engine answers in milliseconds).
DECISION_TIMEOUT_SECONDS = 30.0


class EngineError(RuntimeError):
    """The engine could not decide (not installed, crashed, or refused the simulation's input)."""


class PolicyEngine:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._pending: dict[int, Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)

    def _start(self) -> subprocess.Popen[bytes]:
        node = shutil.which("node")
        script = os.path.join(ENGINE_DIR, "engine.js")
        if node is None:
            raise EngineError("IAM enforcement needs Node.js (node) on PATH")
        if not os.path.isdir(os.path.join(ENGINE_DIR, "node_modules", "@cloud-copilot")):
            raise EngineError(
                "the IAM engine is not installed: run scripts/setup-python "
                f"(npm ci in {ENGINE_DIR})"
            )
        proc = subprocess.Popen(
            [node, script],
            cwd=ENGINE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        threading.Thread(
            target=self._read, args=(proc,), name="iam-engine-reader", daemon=True
        ).start()
        return proc

    def _read(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                answer = json.loads(line)
            except ValueError:
                continue
            with self._lock:
                future = self._pending.pop(answer.get("id"), None)
            if future is not None:
                future.set_result(answer)
        # The process ended: whatever still waits on it cannot be answered.
        with self._lock:
            if self._proc is proc:
                self._proc = None
            waiting = [f for f in self._pending.values()]
            self._pending.clear()
        for future in waiting:
            if not future.done():
                future.set_exception(EngineError("the IAM engine process ended"))

    def decide(self, simulation: dict[str, Any]) -> dict[str, Any]:
        """The engine's answer for one simulation (see ``engine.js`` for its shape)."""
        future: Future[dict[str, Any]] = Future()
        line = None
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = self._start()
            request_id = next(self._ids)
            self._pending[request_id] = future
            line = json.dumps({"id": request_id, "simulation": simulation}) + "\n"
            assert self._proc.stdin is not None
            try:
                self._proc.stdin.write(line.encode())
                self._proc.stdin.flush()
            except OSError as exc:
                self._pending.pop(request_id, None)
                raise EngineError(f"the IAM engine process is gone: {exc}") from exc
        answer = future.result(timeout=DECISION_TIMEOUT_SECONDS)
        if "error" in answer:
            details = json.dumps(answer.get("details") or {})[:600]
            raise EngineError(f"{answer['error']} {details}".strip())
        return answer

    def stop(self) -> None:
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()

    @property
    def running(self) -> bool:
        with self._lock:
            return self._proc is not None and self._proc.poll() is None


ENGINE = PolicyEngine()
atexit.register(ENGINE.stop)
