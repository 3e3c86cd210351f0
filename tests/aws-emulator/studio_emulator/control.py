"""Control API, fault injection and call log.

:class:`EmulatorMiddleware` is a WSGI middleware placed in front of moto's
``DomainDispatcherApplication``.  For every request it

* serves ``/_studio_emulator/...`` itself (never forwarded to moto, never
  logged);
* otherwise identifies the AWS ``(service, operation)`` of the request, appends
  it to the call log and, if a matching fault is armed, answers that error in
  the protocol's own error shape instead of calling moto.

Identification is protocol-generic:

* service   - the SigV4 credential scope (``Authorization`` header or
  ``X-Amz-Credential`` query parameter), else the ``X-Amz-Target`` prefix;
* operation - the ``X-Amz-Target`` suffix (awsJson1_0/1_1), else the ``Action``
  query/form parameter (query/ec2), else botocore's REST router as used by moto
  (``moto.core.routing.get_service_router``) for restJson1/restXml services
  such as Lake Formation, else ``"<METHOD> <path>"``.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from .core import ControlRequest, ControlRoute, config, control_routes, extensions, settings

PREFIX = "/_studio_emulator"
MAX_CALLS = 100_000

_CREDENTIAL_RE = re.compile(r"Credential=([^,\s]+)")


# --------------------------------------------------------------------------
# Request identification
# --------------------------------------------------------------------------


@dataclass
class ApiCall:
    service: str
    operation: str
    protocol: str
    path: str
    target_prefix: str | None = None  # e.g. "SageMaker", "DynamoDB_20120810"


def _credential_scope_service(environ: dict[str, Any]) -> tuple[str | None, str | None]:
    """(service, region) of a SigV4 request, from the header or a presigned URL."""
    credential = None
    match = _CREDENTIAL_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        credential = match.group(1)
    else:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        credential = (query.get("X-Amz-Credential") or [None])[0]
    if credential:
        parts = credential.split("/")
        if len(parts) >= 5:
            return parts[-2].lower(), parts[-3]
    return None, None


def _buffered_form_body(environ: dict[str, Any]) -> str:
    """Read (and put back) an url-encoded body, as moto's dispatcher does."""
    if not environ.get("CONTENT_TYPE", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        return ""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return ""
    if length <= 0:
        return ""
    raw = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(raw)
    return raw.decode("utf-8", errors="replace")


_PROTOCOLS: dict[str, str | None] = {}


def _service_protocol(service: str | None) -> str | None:
    if not service:
        return None
    if service not in _PROTOCOLS:
        try:
            from moto.core.utils import get_service_model

            _PROTOCOLS[service] = str(get_service_model(service).protocol)
        except Exception:  # unknown to botocore under that name
            _PROTOCOLS[service] = None
    return _PROTOCOLS[service]


def _rest_operation(service: str | None, environ: dict[str, Any]) -> str | None:
    if not service:
        return None
    try:
        from moto.core.request import Request
        from moto.core.routing import get_service_router

        # Path-based routing never needs the body: hand the router an empty one
        # so nothing here can consume the stream moto is about to read.
        probe = dict(environ, **{"wsgi.input": io.BytesIO(b""), "CONTENT_LENGTH": "0"})
        operation, _ = get_service_router(service).match(Request(probe))
        return str(operation.name)
    except Exception:
        return None


def identify(environ: dict[str, Any]) -> ApiCall:
    path = environ.get("PATH_INFO", "") or "/"
    method = environ.get("REQUEST_METHOD", "GET")
    service, _region = _credential_scope_service(environ)
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        prefix, _, operation = target.rpartition(".")
        return ApiCall(service or prefix.lower(), operation, "json", path, prefix)

    query = parse_qs(environ.get("QUERY_STRING", ""))
    action = (query.get("Action") or [None])[0]
    if not action:
        form = parse_qs(_buffered_form_body(environ))
        action = (form.get("Action") or [None])[0]
    if action:
        protocol = "ec2" if service == "ec2" else "query"
        return ApiCall(service or "unknown", action, protocol, path)

    protocol = _service_protocol(service) or (
        "rest-xml" if service == "s3" else "rest-json"
    )
    operation = _rest_operation(service, environ) or f"{method} {path}"
    return ApiCall(service or "unknown", operation, protocol, path)


# --------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------


@dataclass
class Fault:
    operation: str
    service: str | None = None
    error_code: str = "InternalFailure"
    status: int = 400
    message: str | None = None
    count: int = 1  # -1 = until cleared
    path: str | None = None  # optional regex on the request path
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        if not isinstance(data, dict):
            raise ValueError("a fault must be a JSON object")
        operation = data.get("operation")
        path = data.get("path")
        if not operation and not path:
            raise ValueError("'operation' (or 'path') is required")
        count = int(data.get("count", 1))
        if count == 0 or count < -1:
            raise ValueError("'count' must be a positive integer or -1")
        status = int(data.get("status", 400))
        if not 400 <= status <= 599:
            raise ValueError("'status' must be an HTTP error status (4xx/5xx)")
        if path is not None:
            re.compile(path)
        return cls(
            operation=operation or "*",
            service=data.get("service"),
            error_code=str(data.get("error_code") or "InternalFailure"),
            status=status,
            message=data.get("message"),
            count=count,
            path=path,
        )

    def matches(self, call: ApiCall) -> bool:
        if self.service:
            names = {call.service.lower(), (call.target_prefix or "").lower()}
            if self.service.lower() not in names:
                return False
        if self.path is not None and not re.fullmatch(self.path, call.path):
            return False
        return self.operation in ("*", call.operation)


def error_response(
    call: ApiCall, code: str, message: str, status: int, environ: dict[str, Any]
) -> tuple[str, list[tuple[str, str]], bytes]:
    """Serialise an AWS error the way the request's protocol expects it."""
    request_id = str(uuid.uuid4())
    status_line = f"{status} {_reason(status)}"
    headers = [("x-amzn-RequestId", request_id)]
    if call.protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        content_type = environ.get("CONTENT_TYPE") or ""
        if call.protocol == "json" and not content_type.startswith(
            "application/x-amz-json"
        ):
            content_type = "application/x-amz-json-1.1"
        elif call.protocol == "rest-json":
            content_type = "application/json"
        headers += [("Content-Type", content_type), ("x-amzn-ErrorType", code)]
    else:
        error = f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        declaration = '<?xml version="1.0" encoding="UTF-8"?>\n'
        if call.protocol == "ec2":
            content_type = "text/xml"
            xml = (
                f"{declaration}<Response><Errors><Error>{error}</Error></Errors>"
                f"<RequestID>{request_id}</RequestID></Response>"
            )
        elif call.protocol == "query":
            content_type = "text/xml"
            fault = "Receiver" if status >= 500 else "Sender"
            xml = (
                f"<ErrorResponse><Error><Type>{fault}</Type>{error}</Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>"
            )
        else:  # rest-xml (S3, Route 53, CloudFront ...)
            content_type = "application/xml"
            xml = f"{declaration}<Error>{error}<RequestId>{request_id}</RequestId></Error>"
        body = xml.encode()
        headers.append(("Content-Type", content_type))
    headers.append(("Content-Length", str(len(body))))
    return status_line, headers, body


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# --------------------------------------------------------------------------
# Shared state
# --------------------------------------------------------------------------


class ControlState:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.faults: list[Fault] = []
        self.calls: list[dict[str, str]] = []
        #: API calls being answered now, and the most at once since the last clear
        #: (``GET concurrency``: shows that calls in flight are served together).
        self.in_flight = 0
        self.max_in_flight = 0

    def enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def concurrency(self) -> dict[str, int]:
        with self._lock:
            return {"in_flight": self.in_flight, "max_in_flight": self.max_in_flight}

    def clear_concurrency(self) -> None:
        with self._lock:
            self.max_in_flight = self.in_flight

    def record(self, call: ApiCall, iam_result: str | None = None) -> None:
        entry = {"service": call.service, "operation": call.operation}
        if iam_result is not None:  # only while IAM is enforced (iam/)
            entry["iam"] = iam_result
        with self._lock:
            if len(self.calls) >= MAX_CALLS:
                del self.calls[: MAX_CALLS // 10]
            self.calls.append(entry)

    def take_fault(self, call: ApiCall) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(call):
                    if fault.count > 0:
                        fault.count -= 1
                        if fault.count == 0:
                            self.faults.remove(fault)
                    return fault
        return None

    def add_faults(self, faults: list[Fault]) -> None:
        with self._lock:
            self.faults.extend(faults)

    def list_faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self.faults]

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def list_calls(self) -> list[dict[str, str]]:
        with self._lock:
            return list(self.calls)

    def clear_calls(self) -> None:
        with self._lock:
            self.calls.clear()


# --------------------------------------------------------------------------
# Built-in control routes
# --------------------------------------------------------------------------


def _builtin_routes(state: ControlState) -> list[ControlRoute]:
    def post_faults(req: ControlRequest) -> tuple[int, Any]:
        body = req.body
        items = body.get("faults") if isinstance(body, dict) and "faults" in body else body
        if not isinstance(items, list):
            items = [items]
        try:
            faults = [Fault.from_json(item) for item in items]
        except (TypeError, ValueError, re.error) as exc:
            return 400, {"error": str(exc)}
        state.add_faults(faults)
        return 200, {"faults": state.list_faults()}

    def get_faults(_req: ControlRequest) -> tuple[int, Any]:
        return 200, {"faults": state.list_faults()}

    def delete_faults(_req: ControlRequest) -> tuple[int, Any]:
        state.clear_faults()
        return 200, {"faults": []}

    def get_calls(req: ControlRequest) -> tuple[int, Any]:
        calls = state.list_calls()
        if req.query.get("service"):
            calls = [c for c in calls if c["service"] == req.query["service"]]
        if req.query.get("operation"):
            calls = [c for c in calls if c["operation"] == req.query["operation"]]
        return 200, {"calls": calls}

    def delete_calls(_req: ControlRequest) -> tuple[int, Any]:
        state.clear_calls()
        return 200, {"calls": []}

    def get_config(_req: ControlRequest) -> tuple[int, Any]:
        return 200, _config_view()

    def post_config(req: ControlRequest) -> tuple[int, Any]:
        body = req.body if isinstance(req.body, dict) else {}
        try:
            if "transition_seconds" in body:
                config.set_transition_seconds(float(body["transition_seconds"]))
            if "latency_ms" in body:
                config.set_latency_ms(body["latency_ms"])
            for model, seconds in (body.get("transitions") or {}).items():
                config.set_model_transition_seconds(model, float(seconds))
            for name, limit in (body.get("quotas") or {}).items():
                config.set_quota(name, limit)
            declared = settings()
            for name, value in body.items():
                if name in declared:
                    declared[name].set(value)
        except (TypeError, ValueError) as exc:
            return 400, {"error": str(exc)}
        return 200, _config_view()

    def post_reset(_req: ControlRequest) -> tuple[int, Any]:
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()
        config.reset_quotas()
        config.reset_latency()
        for setting in settings().values():
            if setting.reset is not None:
                setting.reset()
        state.clear_faults()
        state.clear_calls()
        return 200, {"reset": True}

    def get_concurrency(_req: ControlRequest) -> tuple[int, Any]:
        return 200, state.concurrency()

    def delete_concurrency(_req: ControlRequest) -> tuple[int, Any]:
        state.clear_concurrency()
        return 200, state.concurrency()

    def get_health(_req: ControlRequest) -> tuple[int, Any]:
        return 200, {
            "status": "ok",
            "extensions": [e.name for e in extensions()],
        }

    return [
        ControlRoute("POST", r"faults", post_faults),
        ControlRoute("GET", r"faults", get_faults),
        ControlRoute("DELETE", r"faults", delete_faults),
        ControlRoute("GET", r"calls", get_calls),
        ControlRoute("DELETE", r"calls", delete_calls),
        ControlRoute("GET", r"config", get_config),
        ControlRoute("POST", r"config", post_config),
        ControlRoute("POST", r"reset", post_reset),
        ControlRoute("GET", r"health", get_health),
        ControlRoute("GET", r"concurrency", get_concurrency),
        ControlRoute("DELETE", r"concurrency", delete_concurrency),
    ]


def _config_view() -> dict[str, Any]:
    from .core import transition_delay

    return {
        "transition_seconds": config.transition_seconds,
        "transitions": {
            m: transition_delay(m) for e in extensions() for m in e.state_models
        },
        "quotas": config.quotas(),
        "latency_ms": config.latency_ms,
        **{name: setting.get() for name, setting in settings().items()},
    }


# --------------------------------------------------------------------------
# Middleware
# --------------------------------------------------------------------------


class EmulatorMiddleware:
    def __init__(self, app: Any, state: ControlState | None = None) -> None:
        self.app = app
        self.state = state or ControlState()
        self.routes = [
            (route.method, re.compile(route.pattern), route.handler)
            for route in _builtin_routes(self.state) + control_routes()
        ]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "") or "/"
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return self._control(environ, start_response, path[len(PREFIX) + 1 :])
        if path.startswith("/moto-api") or path == "/favicon.ico":
            return self.app(environ, start_response)

        self.state.enter()
        try:
            return self._api_call(environ, start_response)
        finally:
            self.state.leave()

    def _api_call(self, environ: dict[str, Any], start_response: Any) -> Any:
        call = identify(environ)
        from .iam import authorize  # the IAM decision (None unless enforcement is on)

        latency = config.latency_ms
        if latency > 0:  # the round trip of a real call (EmulatorConfig); no lock is held
            time.sleep(latency / 1000.0)
        outcome = authorize(environ, call.service, call.operation, call.protocol)
        self.state.record(call, outcome.result if outcome is not None else None)
        if outcome is not None and outcome.refusal is not None:
            _drain(environ)
            refusal = outcome.refusal
            status, headers, body = error_response(
                call, refusal.code, refusal.message, refusal.status, environ
            )
            start_response(status, headers)
            return [body]
        fault = self.state.take_fault(call)
        if fault is not None:
            _drain(environ)
            status, headers, body = error_response(
                call,
                fault.error_code,
                fault.message or fault.error_code,
                fault.status,
                environ,
            )
            start_response(status, headers)
            return [body]
        return self.app(environ, start_response)

    def _control(self, environ: dict[str, Any], start_response: Any, sub: str) -> Any:
        method = environ.get("REQUEST_METHOD", "GET")
        sub = sub.strip("/")
        status, payload = 404, {"error": f"no control route {method} /{sub}"}
        path_known = False
        for route_method, pattern, handler in self.routes:
            match = pattern.fullmatch(sub)
            if not match:
                continue
            path_known = True
            if route_method != method:
                continue
            try:
                body = _read_json(environ)
            except ValueError as exc:
                status, payload = 400, {"error": f"invalid JSON body: {exc}"}
                break
            query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
            request = ControlRequest(method, sub, match.groupdict(), body, query)
            try:
                status, payload = handler(request)
            except Exception as exc:  # report, never kill the server
                status, payload = 500, {"error": f"{type(exc).__name__}: {exc}"}
            break
        else:
            _drain(environ)
            if path_known:
                status, payload = 405, {"error": f"method {method} not allowed"}
        data = json.dumps(payload, default=str).encode()
        start_response(
            f"{status} {_reason(status)}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
        )
        return [data]


def _read_json(environ: dict[str, Any]) -> Any:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return None
    raw = environ["wsgi.input"].read(length)
    if not raw.strip():
        return None
    return json.loads(raw)


def _drain(environ: dict[str, Any]) -> None:
    """Consume an unread request body before answering without moto.

    werkzeug closes the connection after each response; closing a socket with
    unread input makes the kernel send a RST, which some clients (hyper, used
    by the AWS SDK for Rust) may report instead of the response.
    """
    try:
        remaining = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    stream = environ.get("wsgi.input")
    while stream is not None and remaining > 0:
        chunk = stream.read(min(remaining, 65536))
        if not chunk:
            break
        remaining -= len(chunk)
