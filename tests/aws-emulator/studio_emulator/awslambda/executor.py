"""Execution environments of ``provided.al2023``/``provided.al2`` functions, run as local processes.

An *execution environment* is what the developer guide's "Understanding the Lambda execution
environment lifecycle" (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)
describes: the function's code unpacked into ``LAMBDA_TASK_ROOT``, its ``bootstrap`` started once
(Init), then handed one invocation at a time through its own Runtime API (``runtime_api.py``)
until it is shut down. Here it is a subprocess of the emulator:

* **Init**: the zip (moto keeps it in ``LambdaFunction.code_bytes``, from ``ZipFile`` or from
  moto's S3 for ``S3Bucket``/``S3Key``) is unpacked once per function version and code digest,
  with the files' modes; ``bootstrap`` at its root is started with the environment Lambda defines
  (:func:`runtime_environment`), its working directory the task root. Init ends at its first
  ``GET …/invocation/next``; that time is the ``Init Duration`` of the first REPORT line. The init
  phase is limited to 10 seconds ("The Init phase is limited to 10 seconds", same page).
* **Invoke**: one invocation at a time. The deadline (``Lambda-Runtime-Deadline-Ms``) is the
  function's ``Timeout`` after the event is handed over. Past it the invocation is answered as
  Lambda answers it — ``Sandbox.Timedout``, ``RequestId: <id> Error: Task timed out after N.NN
  seconds`` (as the AWS CLI shows it for a timed-out function) — and the environment is killed
  (the guide: after a timeout "Lambda resets the execution environment").
* **Memory**: while an invocation runs, the process's resident set (``/proc/<pid>/status``
  ``VmRSS``) is sampled; above ``MemorySize`` the process is killed and the invocation answers
  ``Runtime.OutOfMemory`` with ``RequestId: <id> Error: Runtime exited with error: signal:
  killed`` (the payload public reports show for a function killed out of memory). The REPORT
  line's ``Max Memory Used`` is the process's peak (``VmHWM``).
* **Exit**: a process that exits without answering fails the invocation with
  ``Runtime.ExitError`` — ``RequestId: <id> Error: Runtime exited with error: exit status N``,
  ``… signal: <name>``, or ``Runtime exited without providing a reason`` for status 0 (the
  wordings of public reports) — or, after ``POST /runtime/init/error``, with the error the runtime
  posted.
* **Entrypoint**: no ``bootstrap`` → ``Runtime.InvalidEntrypoint`` ``Couldn't find valid
  bootstrap(s): [...]``; an ELF ``bootstrap`` built for another machine than the function's
  ``Architectures`` → ``Runtime.InvalidEntrypoint`` ``RequestId: <id> Error: fork/exec <path>:
  exec format error`` (what AWS answers for an x86_64 binary on arm64 and the reverse); one that
  is not executable → ``… permission denied``. A script (``#!``) runs on either architecture.
* **Logs**: every line the process writes to stdout or stderr is a CloudWatch Logs event of the
  environment's stream, ``YYYY/MM/DD/[<version>]<32 hex>``, in the function's log group
  (``LoggingConfig.LogGroup``, default ``/aws/lambda/<name>``, created if missing), framed by
  ``START RequestId: <id> Version: <version>``, ``END RequestId: <id>`` and ``REPORT RequestId:
  <id>\\tDuration: … ms\\tBilled Duration: … ms\\tMemory Size: … MB\\tMax Memory Used: … MB``
  (``\\tInit Duration: … ms`` after a cold start), as the "Using CloudWatch Logs with Lambda" page
  shows them. With IAM enforced they are delivered only if the execution role allows it
  (``logs:CreateLogGroup`` for a missing group, ``logs:CreateLogStream``, ``logs:PutLogEvents``;
  :class:`LogStream`).

The functions call AWS through the emulator: ``AWS_ENDPOINT_URL`` (the SDKs' standard setting,
"Service-specific endpoints" of the SDK reference guide) is the one variable Lambda does not set.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import select
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
import uuid
import weakref
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .runtime_api import Reply, RuntimeApiServer, accepted, json_reply

#: The OS-only runtimes this executor runs ("Lambda runtimes", runtimes-provided.html).
CUSTOM_RUNTIMES = frozenset({"provided.al2023", "provided.al2"})

#: "Invocation payload (request and response): 6 MB each for synchronous" (Lambda quotas).
MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024
#: "… 1 MB for asynchronous" (Lambda quotas; the Invoke API reference).
MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024
#: ``X-Amz-Log-Result``: "The last 4 KB of the execution log, base64-encoded" (Invoke API).
LOG_TAIL_BYTES = 4096
#: "The Init phase is limited to 10 seconds" (execution environment lifecycle).
INIT_TIMEOUT_SECONDS = 10.0
#: The memory check's sampling period while an invocation runs.
_SAMPLE_SECONDS = 0.02

#: ``PATH`` and ``LANG`` as the guide lists them for the execution environment
#: ("Defined runtime environment variables": unreserved, "/usr/local/bin:/usr/bin/:/bin:/opt/bin").
LAMBDA_PATH = "/usr/local/bin:/usr/bin/:/bin:/opt/bin"
LAMBDA_LANG = "en_US.UTF-8"

#: ELF ``e_machine`` of each Lambda architecture (System V ABI: EM_X86_64 = 62, EM_AARCH64 = 183).
ELF_MACHINES = {"x86_64": 62, "arm64": 183}

#: The variables Lambda sets and that a function's ``Environment`` may not set ("Defined runtime
#: environment variables": the reserved ones, and AWS_DEFAULT_REGION which Lambda sets too).
RESERVED_VARIABLES = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)


# --------------------------------------------------------------------------
# Settings (POST /_studio_emulator/config {"lambda_…": …})
# --------------------------------------------------------------------------


@dataclass
class ExecutorSettings:
    """Process-wide settings of the executor (``POST config``; ``POST reset`` restores them).

    ``lambda_async_retry_seconds``: the waits before the two retries of an asynchronous
    invocation whose function failed. AWS: "Lambda waits one minute before the first retry … and
    two minutes before the second" (developer guide, "Error handling and automatic retries" of
    asynchronous invocation); the defaults are AWS's, tests shorten them (one number sets both).
    ``lambda_idle_seconds``: an idle environment is shut down after this long (AWS does not
    document how long it keeps one; 10 minutes here). ``lambda_throttle_retry_seconds``: the wait
    before a throttled asynchronous event is tried again (AWS retries throttled events with a
    growing backoff for up to six hours).
    """

    async_retry_seconds: tuple[float, float] = (60.0, 120.0)
    idle_seconds: float = 600.0
    throttle_retry_seconds: float = 0.2

    def set_async_retry_seconds(self, value: Any) -> None:
        delays = tuple(float(v) for v in (value if isinstance(value, list) else [value, value]))
        if len(delays) != 2 or any(d < 0 for d in delays):
            raise ValueError(
                "lambda_async_retry_seconds: two non-negative numbers (or one for both)"
            )
        self.async_retry_seconds = delays  # type: ignore[assignment]

    def set_idle_seconds(self, value: Any) -> None:
        self.idle_seconds = _non_negative("lambda_idle_seconds", value)

    def set_throttle_retry_seconds(self, value: Any) -> None:
        self.throttle_retry_seconds = _non_negative("lambda_throttle_retry_seconds", value)

    def reset(self) -> None:
        defaults = ExecutorSettings()
        self.async_retry_seconds = defaults.async_retry_seconds
        self.idle_seconds = defaults.idle_seconds
        self.throttle_retry_seconds = defaults.throttle_retry_seconds


def _non_negative(name: str, value: Any) -> float:
    number = float(value)
    if number < 0 or math.isnan(number):
        raise ValueError(f"{name} must be a number >= 0")
    return number


settings = ExecutorSettings()


# --------------------------------------------------------------------------
# What an invocation sees of its function
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FunctionSnapshot:
    """The configuration an environment was made for (moto's ``LambdaFunction``, copied).

    ``key`` differs whenever code or configuration differ; an environment of another key is
    never reused (UpdateFunctionCode/UpdateFunctionConfiguration give new environments).
    """

    account_id: str
    region: str
    name: str
    arn: str
    version: str
    runtime: str
    handler: str
    memory_mb: int
    timeout_seconds: float
    variables: tuple[tuple[str, str], ...]
    role: str
    architecture: str
    code_sha256: str
    log_group: str
    log_format: str
    application_log_level: str | None
    reserved_concurrency: int | None
    code_bytes: bytes = field(repr=False, compare=False)

    @property
    def key(self) -> tuple[Any, ...]:
        return (
            self.version,
            self.runtime,
            self.handler,
            self.memory_mb,
            self.timeout_seconds,
            self.variables,
            self.role,
            self.architecture,
            self.code_sha256,
            self.log_group,
            self.log_format,
            self.application_log_level,
        )

    @classmethod
    def of(cls, fn: Any) -> FunctionSnapshot:
        logging_config = getattr(fn, "logging_config", None) or {}
        reserved = fn.reserved_concurrency
        return cls(
            account_id=fn.account_id,
            region=fn.region,
            name=fn.function_name,
            arn=fn.function_arn,
            version=str(fn.version),
            runtime=fn.run_time or "",
            handler=fn.handler or "",
            memory_mb=int(fn.memory_size or 128),
            timeout_seconds=float(fn.timeout or 3),
            variables=tuple(
                sorted((str(k), str(v)) for k, v in (fn.environment_vars or {}).items())
            ),
            role=fn.role,
            architecture=(fn.architectures or ["x86_64"])[0],
            code_sha256=getattr(fn, "code_sha_256", "") or "",
            log_group=logging_config.get("LogGroup") or f"/aws/lambda/{fn.function_name}",
            log_format=logging_config.get("LogFormat") or "Text",
            application_log_level=logging_config.get("ApplicationLogLevel"),
            reserved_concurrency=None if reserved in (None, "") else int(reserved),
            code_bytes=getattr(fn, "code_bytes", b"") or b"",
        )


def executes(fn: Any) -> bool:
    """Whether this executor runs ``fn`` (other runtimes keep moto's behaviour)."""
    return getattr(fn, "package_type", "Zip") == "Zip" and fn.run_time in CUSTOM_RUNTIMES


# --------------------------------------------------------------------------
# Invocations
# --------------------------------------------------------------------------


@dataclass
class Outcome:
    """How an invocation ended: the payload and, for an error, its ``X-Amz-Function-Error``."""

    payload: bytes
    function_error: str | None = None
    #: Set when the environment cannot be used again (timeout, exit, out of memory).
    fatal: bool = False


@dataclass
class InvocationRequest:
    request_id: str
    payload: bytes
    invoked_arn: str
    client_context: str | None = None
    trace_id: str = ""
    delivered_at: float | None = None  # monotonic
    outcome: Outcome | None = None
    log_lines: list[str] = field(default_factory=list)


def error_outcome(error_type: str, message: str, fatal: bool = True) -> Outcome:
    return Outcome(
        json.dumps({"errorType": error_type, "errorMessage": message}).encode(), "Unhandled", fatal
    )


def new_trace_id() -> str:
    """An X-Ray trace header like the one Lambda passes in ``Lambda-Runtime-Trace-Id``."""
    return (
        f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};"
        f"Parent={uuid.uuid4().hex[:16]};Sampled=0"
    )


# --------------------------------------------------------------------------
# Code on disk
# --------------------------------------------------------------------------

_ROOT_LOCK = threading.Lock()
_ROOT: str | None = None


def _work_root() -> str:
    global _ROOT
    with _ROOT_LOCK:
        if _ROOT is None or not os.path.isdir(_ROOT):
            _ROOT = tempfile.mkdtemp(prefix="studio-emulator-lambda-")
        return _ROOT


_UNPACK_LOCK = threading.Lock()


def task_root(snapshot: FunctionSnapshot) -> str:
    """The function version's code, unpacked once per code digest (read-only by convention)."""
    digest = (
        base64.urlsafe_b64decode(snapshot.code_sha256 + "==").hex()[:16]
        if snapshot.code_sha256
        else "empty"
    )
    version = snapshot.version.replace("$", "")
    path = os.path.join(
        _work_root(), snapshot.account_id, snapshot.region, snapshot.name, version, digest, "task"
    )
    with _UNPACK_LOCK:
        if os.path.isdir(path):
            return path
        staging = path + f".{uuid.uuid4().hex}"
        os.makedirs(staging)
        if snapshot.code_bytes:
            with zipfile.ZipFile(io.BytesIO(snapshot.code_bytes)) as archive:
                for info in archive.infolist():
                    target = os.path.realpath(os.path.join(staging, info.filename))
                    if not target.startswith(os.path.realpath(staging) + os.sep):
                        continue  # an entry outside the root is never written
                    archive.extract(info, staging)
                    mode = (info.external_attr >> 16) & 0o777
                    if mode and not info.is_dir():
                        os.chmod(target, mode)
        os.rename(staging, path)
        return path


def entrypoint_error(path: str, architecture: str) -> str | None:
    """Why ``path`` cannot be started on ``architecture`` (None: it can)."""
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except FileNotFoundError:
        return "missing"
    if not os.access(path, os.X_OK) or not stat.S_ISREG(os.stat(path).st_mode):
        return "permission denied"
    if head[:4] == b"\x7fELF" and len(head) >= 20:
        little = head[5] == 1
        machine = int.from_bytes(head[18:20], "little" if little else "big")
        if machine != ELF_MACHINES.get(architecture):
            return "exec format error"
    return None


# --------------------------------------------------------------------------
# Logs (moto's CloudWatch Logs backend)
# --------------------------------------------------------------------------

_LOGS_LOCK = threading.Lock()


class LogStream:
    """One environment's stream; events are appended in order with non-decreasing timestamps.

    Lambda sends a function's logs with the function's own credentials, its execution role's
    session ("Sending Lambda function logs to CloudWatch Logs": the execution role needs
    ``logs:CreateLogGroup``, ``logs:CreateLogStream`` and ``logs:PutLogEvents``, as the
    ``AWSLambdaBasicExecutionRole`` managed policy grants; without them the function runs but
    no log reaches CloudWatch Logs). With IAM enforced (issue #13) each write is authorised as
    that session (:meth:`_delivered`) and dropped when refused; the decisions are in the IAM
    decision log with ``"via": "lambda"``.
    """

    def __init__(self, snapshot: FunctionSnapshot, access_key_id: str | None = None) -> None:
        self.account_id = snapshot.account_id
        self.region = snapshot.region
        self.group = snapshot.log_group
        now = datetime.now(timezone.utc)
        self.name = f"{now:%Y/%m/%d}/[{snapshot.version}]{uuid.uuid4().hex}"
        self._created = False
        self._last_ms = 0
        self._access_key_id = access_key_id

    def _delivered(self, backend: Any) -> bool:
        """Whether the execution role's session may deliver the next write: ``logs:CreateLogGroup``
        on ``log-group:<group>`` while the group does not exist, ``logs:CreateLogStream`` before
        the stream's first event, and ``logs:PutLogEvents``, both on
        ``log-group:<group>:log-stream:<stream>`` (SAR, Amazon CloudWatch Logs: the resource
        types ``log-group`` and ``log-stream`` of those actions). Always true with IAM off."""
        from ..iam import in_process, principals
        from ..iam.context import Authorization

        if not in_process.enforcing() or self._access_key_id is None:
            return True
        principal = principals.resolve(self._access_key_id)
        if principal is None:  # the role's session no longer exists: nothing is delivered
            return False
        group_arn = f"arn:aws:logs:{self.region}:{self.account_id}:log-group:{self.group}"
        stream_arn = f"{group_arn}:log-stream:{self.name}"
        needed = []
        if not self._created:
            if self.group not in backend.groups:
                needed.append(Authorization("logs:CreateLogGroup", group_arn))
            needed.append(Authorization("logs:CreateLogStream", stream_arn))
        needed.append(Authorization("logs:PutLogEvents", stream_arn))
        denied = in_process.authorize_as(principal, needed, via="lambda", region=self.region)
        return denied is None

    def write(self, lines: list[str]) -> None:
        if not lines:
            return
        from moto.logs.models import logs_backends

        if not self._delivered(logs_backends[self.account_id][self.region]):
            return
        with _LOGS_LOCK:
            backend = logs_backends[self.account_id][self.region]
            if not self._created:
                # "Lambda … creates the log group if it doesn't exist" when the role allows it
                # (Using CloudWatch Logs with Lambda; with IAM enforced, _delivered asked).
                backend.ensure_log_group(self.group)
                if self.name not in backend.groups[self.group].streams:
                    backend.create_log_stream(self.group, self.name)
                self._created = True
            if self.group not in backend.groups:  # deleted meanwhile (or reset)
                return
            if self.name not in backend.groups[self.group].streams:
                backend.create_log_stream(self.group, self.name)
            stamp = max(self._last_ms, int(time.time() * 1000))
            self._last_ms = stamp
            backend.put_log_events(
                self.group, self.name, [{"timestamp": stamp, "message": line} for line in lines]
            )


# --------------------------------------------------------------------------
# Execution environments
# --------------------------------------------------------------------------

_LIVE: weakref.WeakSet[ExecutionEnvironment] = weakref.WeakSet()
_LIVE_LOCK = threading.Lock()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name.removeprefix("SIG").lower().replace("kill", "killed")
    except ValueError:
        return str(number)


class ExecutionEnvironment:
    """One ``bootstrap`` process, its Runtime API and its log stream."""

    def __init__(
        self,
        snapshot: FunctionSnapshot,
        credentials: dict[str, str],
        emulator_url: str | None,
    ) -> None:
        self.snapshot = snapshot
        self.id = uuid.uuid4().hex
        self.log = LogStream(snapshot, credentials.get("AWS_ACCESS_KEY_ID"))
        self.created_at = time.monotonic()
        self.last_used = self.created_at
        self.invocations = 0
        self.busy = True  # created for an invocation
        self.retired = False
        self._cond = threading.Condition()
        self._pending: InvocationRequest | None = None
        self._current: InvocationRequest | None = None
        self._init_done_at: float | None = None
        self._init_error: dict[str, Any] | None = None
        self._exit_reason: str | None = None
        self._dead = False
        self._partial: dict[int, bytes] = {}
        self._output_lock = threading.Lock()
        self._fds: list[int] = []
        self._reading: set[int] = set()
        self.process: subprocess.Popen[bytes] | None = None
        self.runtime_api: RuntimeApiServer | None = None
        self.start_error: str | None = None
        self._credentials = credentials
        self._emulator_url = emulator_url
        with _LIVE_LOCK:
            _LIVE.add(self)

    # -- lifecycle -------------------------------------------------------

    def start(self) -> None:
        """Init: unpack, check the entrypoint, start ``bootstrap`` under a new Runtime API."""
        try:
            root = task_root(self.snapshot)
        except zipfile.BadZipFile:
            # only code that CreateFunction did not see comes here (S3, CloudFormation)
            self.start_error = (
                "Couldn't find valid bootstrap(s): the deployment package is not a zip file"
            )
            return
        bootstrap = os.path.join(root, "bootstrap")
        problem = entrypoint_error(bootstrap, self.snapshot.architecture)
        if problem == "missing":
            self.start_error = f"Couldn't find valid bootstrap(s): [{bootstrap}]"
            return
        if problem is not None:
            self.start_error = f"fork/exec {bootstrap}: {problem}"
            return
        self.runtime_api = RuntimeApiServer(self)
        runtime_dir = os.path.join(_work_root(), "runtime")
        os.makedirs(runtime_dir, exist_ok=True)
        environment = runtime_environment(
            self.snapshot,
            task_root=root,
            runtime_dir=runtime_dir,
            runtime_api=self.runtime_api.address,
            log_stream=self.log.name,
            credentials=self._credentials,
            emulator_url=self._emulator_url,
        )
        try:
            self.process = subprocess.Popen(
                [bootstrap],
                cwd=root,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # its own process group: killed as a whole
            )
        except OSError as exc:
            self.runtime_api.stop()
            self.start_error = f"fork/exec {bootstrap}: {exc.strerror or exc}"
            return
        assert self.process.stdout is not None and self.process.stderr is not None
        self._fds = [self.process.stdout.fileno(), self.process.stderr.fileno()]
        self._reading = set(self._fds)
        threading.Thread(
            target=self._read_output, name=f"lambda-out-{self.id[:8]}", daemon=True
        ).start()
        threading.Thread(
            target=self._watch_exit, name=f"lambda-exit-{self.id[:8]}", daemon=True
        ).start()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def alive(self) -> bool:
        with self._cond:
            return not self._dead and self.start_error is None

    def shutdown(self) -> None:
        """Kill the process group and stop the Runtime API (idempotent)."""
        with self._cond:
            self._dead = True
            self._cond.notify_all()
        process = self.process
        if process is not None:
            # the whole group, even when bootstrap itself is gone: its children go with it
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                if process.poll() is None:
                    process.kill()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.runtime_api is not None:
            self.runtime_api.stop()
        with _LIVE_LOCK:
            _LIVE.discard(self)

    # -- output ----------------------------------------------------------

    def _read_output(self) -> None:
        with self._output_lock:
            self._reading = set(self._fds)
        while True:
            with self._output_lock:
                open_fds = sorted(self._reading)
            if not open_fds:
                break
            try:
                ready, _, _ = select.select(open_fds, [], [], 0.1)
            except (OSError, ValueError):
                break
            for fd in ready:
                with self._output_lock:
                    try:
                        data = os.read(fd, 65536)
                    except OSError:
                        data = b""
                    if not data:
                        self._reading.discard(fd)
                        rest = self._partial.pop(fd, b"")
                        if rest:
                            self._emit([rest])
                        continue
                    buffered = self._partial.get(fd, b"") + data
                    *lines, rest = buffered.split(b"\n")
                    self._partial[fd] = rest
                    self._emit(lines)
        with self._output_lock:
            self._reading.clear()
            process = self.process
            for stream in (process.stdout, process.stderr) if process is not None else ():
                if stream is not None:
                    stream.close()

    def _emit(self, raw_lines: list[bytes]) -> None:
        lines = [line.decode("utf-8", errors="replace").rstrip("\r") for line in raw_lines]
        with self._cond:
            current = self._current
            if current is not None:
                current.log_lines.extend(lines)
        self.log.write(lines)

    def drain_output(self, limit_seconds: float = 0.5) -> None:
        """Wait until what the process wrote so far is read (its lines precede END).

        The reader reads and emits under ``_output_lock``; a pipe found empty under that lock
        holds nothing written before.
        """
        deadline = time.monotonic() + limit_seconds
        while time.monotonic() < deadline:
            with self._output_lock:
                fds = sorted(self._reading)
                try:
                    readable = select.select(fds, [], [], 0)[0] if fds else []
                except (OSError, ValueError):
                    readable = []
                if not readable:
                    return
            time.sleep(0.002)

    def _watch_exit(self) -> None:
        assert self.process is not None
        code = self.process.wait()
        if code == 0:
            reason = "Runtime exited without providing a reason"
        elif code < 0:
            reason = f"Runtime exited with error: signal: {_signal_name(-code)}"
        else:
            reason = f"Runtime exited with error: exit status {code}"
        with self._cond:
            self._exit_reason = reason
            self._dead = True
            self._cond.notify_all()

    # -- Runtime API (called on the server's threads) --------------------

    def next_invocation(self) -> Reply:
        with self._cond:
            if self._init_done_at is None:
                self._init_done_at = time.monotonic()
            if self._current is not None and self._current.outcome is None:
                # /next before answering: Lambda takes it as the end of that invocation with
                # no response; the runtime client protocol forbids it, answer the error
                self._current.outcome = error_outcome(
                    "Runtime.InvalidResponse",
                    "the runtime asked for the next event before answering",
                )
                self._cond.notify_all()
            while self._pending is None and not self._dead:
                self._cond.wait(0.5)
            if self._dead:
                return json_reply(
                    500,
                    {
                        "errorType": "Runtime.ExitError",
                        "errorMessage": "execution environment shut down",
                    },
                )
            request = self._pending
            self._pending = None
            self._current = request
            request.delivered_at = time.monotonic()
            self._cond.notify_all()
        deadline_ms = int((time.time() + self.snapshot.timeout_seconds) * 1000)
        headers = {
            "Lambda-Runtime-Aws-Request-Id": request.request_id,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": request.invoked_arn,
            "Lambda-Runtime-Trace-Id": request.trace_id,
        }
        if request.client_context:
            headers["Lambda-Runtime-Client-Context"] = request.client_context
        return 200, {"Content-Type": "application/json", **headers}, request.payload

    def _answer(self, request_id: str, outcome: Outcome) -> Reply:
        with self._cond:
            current = self._current
            if current is None or current.request_id != request_id or current.outcome is not None:
                return json_reply(
                    400,
                    {
                        "errorType": "InvalidRequestID",
                        "errorMessage": f"Invalid request ID: {request_id}",
                    },
                )
            current.outcome = outcome
            self._cond.notify_all()
        return accepted()

    def post_response(self, request_id: str, body: bytes) -> Reply:
        if len(body) > MAX_SYNC_PAYLOAD_BYTES:
            self._answer(
                request_id,
                error_outcome(
                    "Function.ResponseSizeTooLarge",
                    "Response payload size exceeded maximum allowed payload size "
                    f"({MAX_SYNC_PAYLOAD_BYTES} bytes).",
                    fatal=False,
                ),
            )
            return json_reply(
                413,
                {
                    "errorType": "RequestEntityTooLarge",
                    "errorMessage": f"Response payload size exceeded {MAX_SYNC_PAYLOAD_BYTES} bytes",
                },
            )
        return self._answer(request_id, Outcome(body))

    def post_error(self, request_id: str, error: dict[str, Any]) -> Reply:
        return self._answer(request_id, Outcome(json.dumps(error).encode(), "Unhandled"))

    def post_init_error(self, error: dict[str, Any]) -> Reply:
        with self._cond:
            if self._init_done_at is not None:
                return json_reply(
                    403,
                    {
                        "errorType": "Runtime.InvalidInitError",
                        "errorMessage": "init already completed",
                    },
                )
            self._init_error = error
            self._cond.notify_all()
        return accepted()

    # -- invoking (called on the invoker's thread) -----------------------

    def run(
        self, request: InvocationRequest, on_start: Callable[[], None]
    ) -> tuple[Outcome, float, float | None]:
        """Hands ``request`` to the runtime and waits for its outcome.

        On a cold start the Init phase ends first (its output precedes START); ``on_start`` is
        called when the Invoke phase begins. Returns (outcome, duration in ms, init duration in
        ms or None when warm).
        """
        cold = self.invocations == 0
        self.invocations += 1
        if self.start_error is not None:
            on_start()
            message = self.start_error
            if not message.startswith("Couldn't"):
                message = f"RequestId: {request.request_id} Error: {message}"
            return error_outcome("Runtime.InvalidEntrypoint", message), 0.0, 0.0 if cold else None
        with self._cond:
            init_deadline = self.created_at + INIT_TIMEOUT_SECONDS
            while (
                self._init_done_at is None
                and self._init_error is None
                and not self._dead
                and time.monotonic() < init_deadline
            ):
                self._cond.wait(_SAMPLE_SECONDS)
        self.drain_output()
        on_start()
        started = time.monotonic()
        with self._cond:
            self._pending = request
            self._cond.notify_all()
        memory_limit_kb = self.snapshot.memory_mb * 1024
        while True:
            with self._cond:
                if request.outcome is not None:
                    break
                now = time.monotonic()
                if self._init_error is not None and request.delivered_at is None:
                    request.outcome = Outcome(
                        json.dumps(self._init_error).encode(), "Unhandled", True
                    )
                    break
                if self._dead:
                    reason = self._exit_reason or "Runtime exited without providing a reason"
                    request.outcome = error_outcome(
                        "Runtime.ExitError", f"RequestId: {request.request_id} Error: {reason}"
                    )
                    break
                delivered = request.delivered_at
                if delivered is None and now - started > self.snapshot.timeout_seconds:
                    request.outcome = self._timed_out(request)
                    break
                if delivered is not None and now - delivered > self.snapshot.timeout_seconds:
                    request.outcome = self._timed_out(request)
                    break
                self._cond.wait(_SAMPLE_SECONDS)
            rss = _status_kb(self.pid, "VmRSS")
            if rss is not None and rss > memory_limit_kb:
                with self._cond:
                    if request.outcome is None:
                        request.outcome = error_outcome(
                            "Runtime.OutOfMemory",
                            f"RequestId: {request.request_id} Error: Runtime exited with error: signal: killed",
                        )
                break
        ended = time.monotonic()
        init_ms = None
        if cold:
            init_end = self._init_done_at or ended
            init_ms = max(0.0, (init_end - self.created_at) * 1000)
        delivered = request.delivered_at or ended
        return request.outcome, max(0.0, (ended - delivered) * 1000), init_ms

    def _timed_out(self, request: InvocationRequest) -> Outcome:
        seconds = self.snapshot.timeout_seconds
        return error_outcome(
            "Sandbox.Timedout",
            f"RequestId: {request.request_id} Error: Task timed out after {seconds:.2f} seconds",
        )

    def max_memory_mb(self) -> int:
        peak = _status_kb(self.pid, "VmHWM") or 0
        return max(1, math.ceil(peak / 1024)) if peak else 0

    def finish(self, request: InvocationRequest) -> None:
        """The invocation's lines are complete: later output belongs to no invocation."""
        self.drain_output()
        with self._cond:
            if self._current is request:
                self._current = None
            if self._pending is request:
                self._pending = None

    def describe(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "FunctionName": self.snapshot.name,
            "Version": self.snapshot.version,
            "Pid": self.pid,
            "Busy": self.busy,
            "Alive": self.alive,
            "Invocations": self.invocations,
            "LogGroupName": self.log.group,
            "LogStreamName": self.log.name,
            "IdleSeconds": round(time.monotonic() - self.last_used, 3),
        }


def _status_kb(pid: int | None, field_name: str) -> int | None:
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def runtime_environment(
    snapshot: FunctionSnapshot,
    *,
    task_root: str,
    runtime_dir: str,
    runtime_api: str,
    log_stream: str,
    credentials: dict[str, str],
    emulator_url: str | None,
) -> dict[str, str]:
    """The process environment, as "Defined runtime environment variables" lists it.

    Nothing of the emulator's own environment is passed on. The function's ``Environment``
    comes first; Lambda's variables are set over it (CreateFunction refuses the reserved ones).
    ``AWS_EXECUTION_ENV`` is not set: the guide says it is not defined for OS-only runtimes.
    ``AWS_LAMBDA_LOG_FORMAT``/``AWS_LAMBDA_LOG_LEVEL`` follow ``LoggingConfig`` as the advanced
    logging controls describe for custom runtimes. ``AWS_ENDPOINT_URL`` is the one local addition.
    """
    environment = dict(snapshot.variables)
    environment.update(
        {
            "PATH": LAMBDA_PATH,
            "LANG": LAMBDA_LANG,
            "LD_LIBRARY_PATH": f"/lib64:/usr/lib64:{task_root}:{task_root}/lib:/opt/lib",
            "TZ": ":UTC",
            "_HANDLER": snapshot.handler,
            "AWS_REGION": snapshot.region,
            "AWS_DEFAULT_REGION": snapshot.region,
            "AWS_LAMBDA_FUNCTION_NAME": snapshot.name,
            "AWS_LAMBDA_FUNCTION_VERSION": snapshot.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(snapshot.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": snapshot.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "LAMBDA_TASK_ROOT": task_root,
            "LAMBDA_RUNTIME_DIR": runtime_dir,
        }
    )
    if snapshot.log_format == "JSON":
        environment["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        if snapshot.application_log_level:
            environment["AWS_LAMBDA_LOG_LEVEL"] = snapshot.application_log_level
    environment.update(credentials)
    if emulator_url:
        environment["AWS_ENDPOINT_URL"] = emulator_url
    return environment


def live_environments() -> list[ExecutionEnvironment]:
    with _LIVE_LOCK:
        return list(_LIVE)


def shutdown_all() -> None:
    """Kill every environment (the server's exit)."""
    for environment in live_environments():
        environment.shutdown()
    global _ROOT
    with _ROOT_LOCK:
        if _ROOT is not None:
            shutil.rmtree(_ROOT, ignore_errors=True)
            _ROOT = None


# --------------------------------------------------------------------------
# Idle environments
# --------------------------------------------------------------------------

_REAPER_LOCK = threading.Lock()
_REAPER: threading.Thread | None = None


def ensure_reaper(reap: Callable[[float], None]) -> None:
    """One daemon thread that calls ``reap(idle_seconds)`` every half second."""
    global _REAPER
    with _REAPER_LOCK:
        if _REAPER is not None and _REAPER.is_alive():
            return

        def loop() -> None:
            while True:
                time.sleep(0.5)
                try:
                    reap(settings.idle_seconds)
                except Exception:  # never let the reaper die
                    pass

        _REAPER = threading.Thread(target=loop, name="lambda-idle-reaper", daemon=True)
        _REAPER.start()
