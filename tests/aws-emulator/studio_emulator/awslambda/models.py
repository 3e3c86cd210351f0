"""The executor's backend: environments per function, invocation types, the asynchronous queue.

One ``LambdaExecutorBackend`` per account and region, held in a moto ``BackendDict`` (so
moto's reset — and ``POST /_studio_emulator/reset`` — reaches
:meth:`LambdaExecutorBackend.reset`, which kills the environments and drops the queued
events). Rules, with their sources:

* **Invocation types** (Invoke API reference,
  https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html):
  ``RequestResponse`` runs and answers 200 with the payload, ``X-Amz-Executed-Version``,
  ``X-Amz-Function-Error`` for a function error and, with ``LogType: Tail``, ``X-Amz-Log-Result``
  (the last 4 KB of the invocation's log, base64); ``Event`` queues the event and answers 202
  with an empty body; ``DryRun`` runs nothing and answers 204.
* **Payload limits** (Lambda quotas; Invoke API): 6 MB (6291456 bytes) for a synchronous request,
  1 MB (1048576 bytes) for an asynchronous one → ``RequestEntityTooLargeException`` (413).
* **Concurrency** ("Understanding Lambda function scaling"): an environment serves one invocation
  at a time; an invocation that finds no idle environment of the function's current code and
  configuration gets a new one (a cold start); idle environments are reused. Reserved concurrency
  (``PutFunctionConcurrency``) caps the environments busy at once: a synchronous invocation over
  it is throttled (``TooManyRequestsException``, ``Reason:
  ReservedFunctionConcurrentInvocationLimitExceeded``), an asynchronous one stays queued.
  ``UpdateFunctionCode``/``UpdateFunctionConfiguration``/``DeleteFunction`` retire the function's
  environments (idle ones at once, busy ones when their invocation ends).
* **Asynchronous retries** (developer guide, "Error handling and automatic retries" /
  "asynchronous invocation"): a function error is retried up to two times — or
  ``MaximumRetryAttempts`` of ``PutFunctionEventInvokeConfig`` — one minute before the first retry
  and two minutes before the second (``async_retry_seconds``, see ``executor.settings``).
"""

from __future__ import annotations

import atexit
import base64
import heapq
import itertools
import json
import math
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend

from . import executor
from .exceptions import RequestTooLargeException, TooManyRequestsException
from .executor import (
    ExecutionEnvironment,
    FunctionSnapshot,
    InvocationRequest,
    Outcome,
)

_EMULATOR_URL: str | None = None


def set_emulator_url(url: str | None) -> None:
    """The base URL the functions reach AWS at (``server.py`` sets it once it has bound)."""
    global _EMULATOR_URL
    _EMULATOR_URL = url.rstrip("/") if url else None


def emulator_url() -> str | None:
    return _EMULATOR_URL


@dataclass
class Invocation:
    """What an invocation answered (the Invoke API's response, in Python)."""

    status_code: int
    payload: bytes
    request_id: str
    function_error: str | None = None
    log_tail: str = ""  # base64 of the last 4 KB of the invocation's log, as X-Amz-Log-Result
    executed_version: str | None = None

    @property
    def log_text(self) -> str:
        return (
            base64.b64decode(self.log_tail).decode("utf-8", errors="replace")
            if self.log_tail
            else ""
        )


class Throttled(Exception):
    """No environment may be started: the reserved concurrency is in use."""


@dataclass(order=True)
class QueuedEvent:
    due: float
    seq: int
    account_id: str = field(compare=False)
    region: str = field(compare=False)
    function_name: str = field(compare=False)
    qualifier: str | None = field(compare=False)
    payload: bytes = field(compare=False)
    request_id: str = field(compare=False)
    attempt: int = field(default=0, compare=False)  # function errors so far


class FunctionPool:
    """The environments of one function (all its versions)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.environments: list[ExecutionEnvironment] = []

    def busy_count(self) -> int:
        return sum(1 for e in self.environments if e.busy)

    def acquire(self, snapshot: FunctionSnapshot) -> tuple[ExecutionEnvironment, bool]:
        """An idle environment of ``snapshot``'s key (warm), else a new one (cold).

        Raises :class:`Throttled` when a new one would exceed the reserved concurrency. The
        check and the new environment's slot are taken under one lock, so invocations racing
        for the last slot cannot both get one.
        """
        credentials: dict[str, str] | None = None
        while True:
            stale: list[ExecutionEnvironment] = []
            try:
                with self.lock:
                    stale = self._drop_stale_locked(snapshot)
                    idle = next(
                        (
                            e
                            for e in self.environments
                            if not e.busy and not e.retired and e.snapshot.key == snapshot.key
                        ),
                        None,
                    )
                    if idle is not None:
                        idle.busy = True
                        return idle, False
                    limit = snapshot.reserved_concurrency
                    if limit is not None and self.busy_count() >= limit:
                        raise Throttled()
                    if credentials is not None:
                        environment = ExecutionEnvironment(snapshot, credentials, emulator_url())
                        self.environments.append(environment)
                        break
            finally:
                for old in stale:
                    old.shutdown()
            credentials = _role_credentials(snapshot)  # an STS call: outside the lock
        environment.start()
        return environment, True

    def _drop_stale_locked(self, snapshot: FunctionSnapshot) -> list[ExecutionEnvironment]:
        """Idle environments of ``snapshot``'s version made for other code or configuration."""
        stale = [
            e
            for e in self.environments
            if not e.busy
            and (
                (e.snapshot.version == snapshot.version and e.snapshot.key != snapshot.key)
                or e.retired
                or not e.alive
            )
        ]
        for environment in stale:
            self.environments.remove(environment)
        return stale

    def release(self, environment: ExecutionEnvironment, fatal: bool) -> None:
        with self.lock:
            environment.busy = False
            environment.last_used = time.monotonic()
            drop = fatal or environment.retired or not environment.alive
            if drop and environment in self.environments:
                self.environments.remove(environment)
        if drop:
            environment.shutdown()

    def retire(self) -> None:
        with self.lock:
            idle = [e for e in self.environments if not e.busy]
            for environment in self.environments:
                environment.retired = True
            self.environments = [e for e in self.environments if e.busy]
        for environment in idle:
            environment.shutdown()

    def reap(self, idle_seconds: float) -> None:
        """Shut down the environments idle for ``idle_seconds``.

        Each stays listed (retired, so no invocation takes it) until its process is gone: a
        caller that sees the list without it can rely on the process having been killed.
        """
        now = time.monotonic()
        with self.lock:
            idle = [
                e
                for e in self.environments
                if not e.busy and not e.retired and now - e.last_used >= idle_seconds
            ]
            for environment in idle:
                environment.retired = True
        for environment in idle:
            environment.shutdown()
        with self.lock:
            self.environments = [e for e in self.environments if e not in idle]

    def shutdown(self) -> None:
        with self.lock:
            environments, self.environments = self.environments, []
            for environment in environments:
                environment.retired = True
        for environment in environments:
            environment.shutdown()


def _role_credentials(snapshot: FunctionSnapshot) -> dict[str, str]:
    """Credentials of the execution role: an STS session named after the function.

    "Lambda … obtains temporary security credentials by assuming the execution role" (execution
    role page); the session's name is the function's name (CloudTrail shows
    ``assumed-role/<role>/<function-name>``).
    """
    from moto.utilities.utils import get_partition
    from moto.sts.models import sts_backends

    sts = sts_backends[snapshot.account_id][get_partition(snapshot.region)]
    session = sts.assume_role(
        region_name=snapshot.region,
        role_session_name=snapshot.name,
        role_arn=snapshot.role,
        policy="",
        duration=43200,
        external_id="",
    )
    return {
        "AWS_ACCESS_KEY_ID": session.access_key_id,
        "AWS_ACCESS_KEY": session.access_key_id,
        "AWS_SECRET_ACCESS_KEY": session.secret_access_key,
        "AWS_SESSION_TOKEN": session.session_token,
    }


class AsyncQueue:
    """The events of ``Event`` invocations, run in the background when due."""

    def __init__(self, run: Any) -> None:
        self._run = run
        self._cond = threading.Condition()
        self._heap: list[QueuedEvent] = []
        self._seq = itertools.count()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self.in_flight = 0

    def put(self, event: QueuedEvent, delay: float = 0.0) -> None:
        with self._cond:
            if self._stopped:
                return
            event.due = time.monotonic() + delay
            event.seq = next(self._seq)
            heapq.heappush(self._heap, event)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="lambda-async-queue", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (
                    not self._heap or self._heap[0].due > time.monotonic()
                ):
                    timeout = (self._heap[0].due - time.monotonic()) if self._heap else None
                    self._cond.wait(timeout)
                if self._stopped:
                    return
                event = heapq.heappop(self._heap)
                self.in_flight += 1
            threading.Thread(
                target=self._work,
                args=(event,),
                name=f"lambda-event-{event.request_id[:8]}",
                daemon=True,
            ).start()

    def _work(self, event: QueuedEvent) -> None:
        try:
            self._run(event)
        finally:
            with self._cond:
                self.in_flight -= 1
                self._cond.notify_all()

    def pending(self) -> int:
        with self._cond:
            return len(self._heap) + self.in_flight

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._heap.clear()
            self._cond.notify_all()


class LambdaExecutorBackend(BaseBackend):
    """Execution environments and queued events of one account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self._lock = threading.Lock()
        self.pools: dict[str, FunctionPool] = {}
        self.queue = AsyncQueue(self._run_event)
        executor.ensure_reaper(lambda idle: _reap_all(idle))

    def reset(self) -> None:
        """moto's reset: kill every environment, drop every queued event, then forget."""
        self.shutdown()
        super().reset()

    def shutdown(self) -> None:
        self.queue.stop()
        with self._lock:
            pools, self.pools = list(self.pools.values()), {}
        for pool in pools:
            pool.shutdown()

    def pool(self, function_name: str) -> FunctionPool:
        with self._lock:
            return self.pools.setdefault(function_name, FunctionPool())

    def retire(self, function_name: str) -> None:
        with self._lock:
            pool = self.pools.get(function_name)
        if pool is not None:
            pool.retire()

    def environments(self) -> list[ExecutionEnvironment]:
        with self._lock:
            pools = list(self.pools.values())
        return [e for pool in pools for e in list(pool.environments)]

    # -- invoking ----------------------------------------------------------

    def invoke(
        self,
        fn: Any,
        payload: bytes,
        invocation_type: str = "RequestResponse",
        *,
        qualifier: str | None = None,
        client_context: str | None = None,
        log_tail: bool = False,
    ) -> Invocation:
        request_id = str(uuid.uuid4())
        if invocation_type == "DryRun":
            return Invocation(204, b"", request_id, executed_version=str(fn.version))
        if invocation_type == "Event":
            if len(payload) > executor.MAX_ASYNC_PAYLOAD_BYTES:
                raise RequestTooLargeException(executor.MAX_ASYNC_PAYLOAD_BYTES)
            self.queue.put(
                QueuedEvent(
                    0.0,
                    0,
                    account_id=self.account_id,
                    region=self.region_name,
                    function_name=fn.function_name,
                    qualifier=qualifier,
                    payload=payload,
                    request_id=request_id,
                )
            )
            return Invocation(202, b"", request_id)
        if len(payload) > executor.MAX_SYNC_PAYLOAD_BYTES:
            raise RequestTooLargeException(executor.MAX_SYNC_PAYLOAD_BYTES)
        snapshot = FunctionSnapshot.of(fn)
        try:
            outcome, log = self.run(
                snapshot,
                payload,
                request_id,
                client_context=client_context,
                invoked_arn=invoked_arn(fn, qualifier),
            )
        except Throttled:
            raise TooManyRequestsException() from None
        tail = ""
        if log_tail:
            text = "\n".join(log) + "\n"
            tail = base64.b64encode(text.encode()[-executor.LOG_TAIL_BYTES :]).decode()
        return Invocation(
            200, outcome.payload, request_id, outcome.function_error, tail, snapshot.version
        )

    def run(
        self,
        snapshot: FunctionSnapshot,
        payload: bytes,
        request_id: str,
        *,
        client_context: str | None = None,
        invoked_arn: str | None = None,
    ) -> tuple[Outcome, list[str]]:
        """One invocation in an environment of ``snapshot``; raises :class:`Throttled`."""
        pool = self.pool(snapshot.name)
        environment, _cold = pool.acquire(snapshot)
        request = InvocationRequest(
            request_id=request_id,
            payload=payload,
            invoked_arn=invoked_arn or snapshot.arn,
            client_context=client_context,
            trace_id=executor.new_trace_id(),
        )
        start_line = f"START RequestId: {request_id} Version: {snapshot.version}"

        def start() -> None:
            request.log_lines.append(start_line)
            environment.log.write([start_line])

        fatal = True
        try:
            outcome, duration_ms, init_ms = environment.run(request, start)
            fatal = outcome.fatal
            if fatal:
                environment.shutdown()
            environment.finish(request)
            lines = [
                f"END RequestId: {request_id}",
                _report(request_id, snapshot, duration_ms, init_ms, environment),
            ]
            if outcome.fatal and outcome.function_error:
                lines.append(_error_line(outcome))
            request.log_lines.extend(lines)
            environment.log.write(lines)
        finally:
            pool.release(environment, fatal)
        return outcome, request.log_lines

    def _run_event(self, event: QueuedEvent) -> None:
        from moto.awslambda.utils import get_backend

        try:
            fn = get_backend(event.account_id, event.region).get_function(
                event.function_name, event.qualifier
            )
        except Exception:
            return  # the function is gone: the event is dropped
        if not executor.executes(fn):
            return
        snapshot = FunctionSnapshot.of(fn)
        try:
            outcome, _log = self.run(
                snapshot,
                event.payload,
                event.request_id,
                invoked_arn=invoked_arn(fn, event.qualifier),
            )
        except Throttled:
            self.queue.put(event, executor.settings.throttle_retry_seconds)
            return
        if outcome.function_error is None:
            return
        retries = _maximum_retry_attempts(fn)
        if event.attempt < retries:
            delay = executor.settings.async_retry_seconds[min(event.attempt, 1)]
            event.attempt += 1
            self.queue.put(event, delay)


def qualifier_of(name_or_arn: str) -> str | None:
    """The version or alias named in ``name:qualifier``, ``account:function:name:qualifier`` or a
    full qualified ARN (the Invoke API's FunctionName formats), else None."""
    parts = name_or_arn.split(":")
    if "function" in parts:
        rest = parts[parts.index("function") + 1 :]
        return rest[1] if len(rest) > 1 else None
    return parts[1] if len(parts) == 2 else None


def invoked_arn(fn: Any, qualifier: str | None) -> str:
    """``Lambda-Runtime-Invoked-Function-Arn``: the ARN as invoked — qualified by the version or
    alias the caller named, unqualified otherwise (runtimes-api.html: "The ARN of the Lambda
    function, version, or alias that's specified in the invocation")."""
    from moto.awslambda.utils import make_function_arn

    base = make_function_arn(fn.region, fn.account_id, fn.function_name)
    return f"{base}:{qualifier}" if qualifier else base


def _maximum_retry_attempts(fn: Any) -> int:
    """``MaximumRetryAttempts`` of the function's event invoke config (0–2), default 2."""
    for config in getattr(fn, "event_invoke_config", []) or []:
        value = config.config.get("MaximumRetryAttempts")
        if value is not None:
            return int(value)
    return 2


def _report(
    request_id: str,
    snapshot: FunctionSnapshot,
    duration_ms: float,
    init_ms: float | None,
    environment: ExecutionEnvironment,
) -> str:
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {max(1, math.ceil(duration_ms + (init_ms or 0)))} ms\t"
        f"Memory Size: {snapshot.memory_mb} MB\tMax Memory Used: {environment.max_memory_mb()} MB\t"
    )
    if init_ms is not None:
        line += f"Init Duration: {init_ms:.2f} ms\t"
    return line


def _error_line(outcome: Outcome) -> str:
    try:
        document = json.loads(outcome.payload)
        return f"{document.get('errorMessage', '')}\n{document.get('errorType', '')}".strip()
    except ValueError:
        return outcome.payload.decode("utf-8", errors="replace")


lambda_executor_backends = BackendDict(LambdaExecutorBackend, "lambda")


def _keep_logging_config() -> None:
    """moto 5.2.5's ``LambdaFunction`` drops ``LoggingConfig``; keep it as ``logging_config``.

    (Upstream this is two lines in ``LambdaFunction.__init__``/``update_configuration``; it is
    what decides the log group and ``AWS_LAMBDA_LOG_FORMAT``.) Applies to every path that makes
    a function: the API, and CloudFormation when its spec carries ``LoggingConfig``.
    """
    from moto.awslambda.models import LambdaFunction

    if getattr(LambdaFunction, "_studio_keeps_logging_config", False):
        return
    original_init = LambdaFunction.__init__
    original_update = LambdaFunction.update_configuration

    def __init__(
        self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any
    ) -> None:
        original_init(self, account_id, spec, *args, **kwargs)
        self.logging_config = dict(spec.get("LoggingConfig") or {})

    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "LoggingConfig" in config_updates:
            self.logging_config = {
                **(getattr(self, "logging_config", None) or {}),
                **(config_updates["LoggingConfig"] or {}),
            }
        return original_update(self, config_updates)

    LambdaFunction.__init__ = __init__  # type: ignore[method-assign]
    LambdaFunction.update_configuration = update_configuration  # type: ignore[method-assign]
    LambdaFunction._studio_keeps_logging_config = True  # type: ignore[attr-defined]


_keep_logging_config()


def _reap_all(idle_seconds: float) -> None:
    for account in list(lambda_executor_backends.values()):
        for backend in list(account.values()):
            for pool in list(backend.pools.values()):
                pool.reap(idle_seconds)


@atexit.register
def shutdown_all() -> None:
    """Every backend's environments and queues, then the executor's files (the server's exit;
    also at interpreter exit, for an emulator built in-process)."""
    for account in list(lambda_executor_backends.values()):
        for backend in list(account.values()):
            backend.shutdown()
    executor.shutdown_all()
