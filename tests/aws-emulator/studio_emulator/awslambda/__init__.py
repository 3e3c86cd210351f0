"""A local executor for Lambda's OS-only runtimes (``provided.al2023``, ``provided.al2``).

moto 5.2.5 runs functions only in Docker (``LambdaFunction._invoke_lambda``) and answers a
canned payload without it. This package runs a custom-runtime function's own ``bootstrap`` as a
local process under a Lambda Runtime API, in moto's layout so that it could be offered upstream:

    executor.py        execution environments: unpack, start, Runtime API, timeout, memory, logs
    runtime_api.py     the Runtime API server of one environment (2018-06-01)
    models.py          LambdaExecutorBackend (BackendDict): pools, invocation types, async queue
    responses.py       LambdaExecutorResponse(LambdaResponse): Invoke, reserved variables
    exceptions.py      RequestTooLargeException, TooManyRequestsException
    control_routes.py  test hooks (/_studio_emulator/lambda/...)

Every invocation path — the SDK's Invoke, CloudFormation custom resources, function URLs,
schedules — goes through :func:`invoke`::

    from studio_emulator import awslambda
    result = awslambda.invoke(account_id, region, "my-function", b'{"a": 1}')
    result.status_code, result.payload, result.function_error, result.request_id

Other runtimes keep moto's behaviour.
"""

from __future__ import annotations

from typing import Any

from moto.awslambda.responses import LambdaResponse

from ..core import ServiceExtension, Setting, register
from . import code_location as _code_location  # noqa: F401 -- patches moto's backend
from . import executor
from .control_routes import ROUTES
from .exceptions import RequestTooLargeException, TooManyRequestsException
from .models import (
    Invocation,
    emulator_url,
    lambda_executor_backends,
    qualifier_of,
    set_emulator_url,
    shutdown_all,
)
from .responses import LambdaExecutorResponse

__all__ = [
    "EXTENSION",
    "Invocation",
    "RequestTooLargeException",
    "TooManyRequestsException",
    "emulator_url",
    "invoke",
    "set_emulator_url",
    "shutdown",
]


def invoke(
    account_id: str,
    region: str,
    function_name_or_arn: str,
    payload: bytes,
    invocation_type: str = "RequestResponse",
    *,
    qualifier: str | None = None,
    client_context: str | None = None,
    log_tail: bool = False,
) -> Invocation:
    """Invoke a function as the Invoke API does, from inside the emulator.

    ``invocation_type``: ``"RequestResponse"`` (runs now; ``status_code`` 200), ``"Event"``
    (queued, runs in the background; 202, empty payload) or ``"DryRun"`` (204). Raises moto's
    ``UnknownFunctionException`` (``ResourceNotFoundException``) for a missing function,
    :class:`RequestTooLargeException` over the payload limit and :class:`TooManyRequestsException`
    when the reserved concurrency is in use (synchronous only). A function of another runtime
    than ``provided.*`` gets moto's own (canned) answer.
    """
    from moto.awslambda.utils import get_backend

    qualifier = qualifier or qualifier_of(function_name_or_arn)
    fn = get_backend(account_id, region).get_function(function_name_or_arn, qualifier)
    if not executor.executes(fn):
        return _moto_invoke(fn, payload, invocation_type)
    backend = lambda_executor_backends[account_id][region]
    return backend.invoke(
        fn,
        payload,
        invocation_type,
        qualifier=qualifier,
        client_context=client_context,
        log_tail=log_tail,
    )


def _moto_invoke(fn: Any, payload: bytes, invocation_type: str) -> Invocation:
    import uuid

    headers: dict[str, str] = {}
    body = fn.invoke(
        payload.decode() if payload else "", {"x-amz-invocation-type": invocation_type}, headers
    )
    data = body if isinstance(body, bytes) else str(body).encode()
    status = {"Event": 202, "DryRun": 204}.get(invocation_type, 200)
    return Invocation(
        status,
        data if status == 200 else b"",
        str(uuid.uuid4()),
        headers.get("x-amz-function-error"),
        headers.get("x-amz-log-result", ""),
        str(fn.version),
    )


def shutdown() -> None:
    """Kill every execution environment and drop every queued event (the server's exit)."""
    shutdown_all()


EXTENSION = register(
    ServiceExtension(
        name="lambda-executor",
        service="awslambda",  # moto backend name (moto/backend_index.py)
        base_response=LambdaResponse,
        response=LambdaExecutorResponse,
        control_routes=ROUTES,
        settings={
            "lambda_async_retry_seconds": Setting(
                lambda: list(executor.settings.async_retry_seconds),
                executor.settings.set_async_retry_seconds,
                executor.settings.reset,
            ),
            "lambda_idle_seconds": Setting(
                lambda: executor.settings.idle_seconds,
                executor.settings.set_idle_seconds,
            ),
            "lambda_throttle_retry_seconds": Setting(
                lambda: executor.settings.throttle_retry_seconds,
                executor.settings.set_throttle_retry_seconds,
            ),
        },
    )
)
