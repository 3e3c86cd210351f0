"""The Lambda Runtime API (version 2018-06-01) of one execution environment.

After the developer guide, "Using the Lambda runtime API for custom runtimes"
(https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html) and its OpenAPI document
(``runtime-api.zip``):

* ``GET /2018-06-01/runtime/invocation/next`` blocks until there is an invocation; the body is
  the event, the headers ``Lambda-Runtime-Aws-Request-Id``, ``Lambda-Runtime-Deadline-Ms`` (Unix
  ms), ``Lambda-Runtime-Invoked-Function-Arn``, ``Lambda-Runtime-Trace-Id`` and, when the caller
  gave one, ``Lambda-Runtime-Client-Context`` (``Lambda-Runtime-Cognito-Identity`` comes only
  from the mobile SDKs; nothing here sends one).
* ``POST /2018-06-01/runtime/invocation/{AwsRequestId}/response`` → 202 ``{"status": "OK"}``;
  a body over 6 MB → 413; an id that is not the invocation in progress → 400.
* ``POST /2018-06-01/runtime/invocation/{AwsRequestId}/error`` and
  ``POST /2018-06-01/runtime/init/error`` → 202. The body is the standard error document
  (``errorMessage``, ``errorType``, ``stackTrace``); when it is not JSON, the
  ``Lambda-Runtime-Function-Error-Type`` header names the error ("Lambda's default behavior is to
  use Lambda-Runtime-Function-Error-Type header value to construct an error response when error
  payload is not provided", runtime-api.yaml).

The server listens on 127.0.0.1 on an ephemeral port; the environment passes
``AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>`` to the runtime. It speaks HTTP/1.1 with keep-alive,
as the runtime clients (the Rust ``lambda_runtime`` through hyper) expect.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import unquote

API_PREFIX = "/2018-06-01/runtime/"

#: A reply: (status, headers, body).
Reply = tuple[int, dict[str, str], bytes]


class RuntimeApiBackend(Protocol):
    """What the server asks of its execution environment."""

    def next_invocation(self) -> Reply: ...

    def post_response(self, request_id: str, body: bytes) -> Reply: ...

    def post_error(self, request_id: str, error: dict[str, Any]) -> Reply: ...

    def post_init_error(self, error: dict[str, Any]) -> Reply: ...


def json_reply(status: int, document: Any, headers: dict[str, str] | None = None) -> Reply:
    return (
        status,
        {"Content-Type": "application/json", **(headers or {})},
        json.dumps(document).encode(),
    )


def accepted() -> Reply:
    return json_reply(202, {"status": "OK"})


def error_document(body: bytes, error_type_header: str | None) -> dict[str, Any]:
    """The error a runtime reported: its JSON body, else one made from the header and text."""
    try:
        document = json.loads(body) if body.strip() else None
    except ValueError:
        document = None
    if isinstance(document, dict):
        if error_type_header and "errorType" not in document:
            document["errorType"] = error_type_header
        return document
    return {
        "errorMessage": body.decode("utf-8", errors="replace"),
        "errorType": error_type_header or "Runtime.Unknown",
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _RuntimeApiHttpServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        return  # the environment's log is the function's output only

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, reply: Reply) -> None:
        status, headers, body = reply
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        backend = self.server.backend
        if self.path.split("?")[0] == API_PREFIX + "invocation/next":
            self._send(backend.next_invocation())
        else:
            self._send(json_reply(404, {"errorType": "NotFound", "errorMessage": self.path}))

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        backend = self.server.backend
        body = self._body()
        path = self.path.split("?")[0]
        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
        parts = path[len(API_PREFIX) :].split("/") if path.startswith(API_PREFIX) else []
        if parts == ["init", "error"]:
            reply = backend.post_init_error(error_document(body, error_type))
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] == "response":
            reply = backend.post_response(unquote(parts[1]), body)
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] == "error":
            reply = backend.post_error(unquote(parts[1]), error_document(body, error_type))
        else:
            reply = json_reply(404, {"errorType": "NotFound", "errorMessage": path})
        self._send(reply)


class _RuntimeApiHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, backend: RuntimeApiBackend) -> None:
        self.backend = backend
        super().__init__(("127.0.0.1", 0), _Handler)


class RuntimeApiServer:
    """One environment's Runtime API, served on its own thread until :meth:`stop`."""

    def __init__(self, backend: RuntimeApiBackend) -> None:
        self._server = _RuntimeApiHttpServer(backend)
        host, port = self._server.server_address[:2]
        #: The value of ``AWS_LAMBDA_RUNTIME_API``.
        self.address = f"{host}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"lambda-runtime-api-{port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, without waiting for the accept loop to notice (it polls every 0.1 s)."""

        def close() -> None:
            self._server.shutdown()
            self._server.server_close()

        threading.Thread(target=close, name=f"{self._thread.name}-stop", daemon=True).start()
