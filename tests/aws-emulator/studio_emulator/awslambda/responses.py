"""``LambdaExecutorResponse``: moto's ``LambdaResponse`` with Invoke running the function.

* ``Invoke`` of a ``provided.al2023``/``provided.al2`` function runs it (``models.py``); other
  runtimes keep moto's answer. Request headers ``X-Amz-Invocation-Type``, ``X-Amz-Log-Type``,
  ``X-Amz-Client-Context`` (base64 JSON, passed to the runtime decoded, synchronous invocations
  only: "Lambda passes the ClientContext object to your function for synchronous invocations
  only", Invoke API); ``Qualifier`` in the query string.
* ``CreateFunction``/``UpdateFunctionCode`` refuse a ``ZipFile`` that is not a zip archive
  (``InvalidParameterValueException: Could not unzip uploaded file. …``, AWS's answer).
* ``CreateFunction``/``UpdateFunctionConfiguration`` refuse reserved keys in
  ``Environment.Variables`` (``InvalidParameterValueException``; the reserved keys of "Defined
  runtime environment variables"); ``models.py`` keeps their ``LoggingConfig``.
* ``UpdateFunctionCode``/``UpdateFunctionConfiguration``/``DeleteFunction`` retire the function's
  execution environments.
* The function configurations moto answers (CreateFunction, GetFunction, ListFunctions,
  aliases, …) omit members that have no value, as AWS does, instead of ``null``
  (``KMSKeyArn``, ``VpcConfig``, ``SigningProfileVersionArn``, ``SigningJobArn``).
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import zipfile
from typing import Any
from urllib.parse import unquote

from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.responses import LambdaResponse
from moto.core.responses import TYPE_RESPONSE

from . import executor
from .models import lambda_executor_backends, qualifier_of


def refuse_unreadable_zip(code: dict[str, Any] | None) -> None:
    """A ``ZipFile`` that is not a zip archive is refused, as AWS refuses it at upload."""
    if not code or "ZipFile" not in code:
        return
    try:
        data = base64.b64decode(code["ZipFile"])
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.infolist()
    except (binascii.Error, zipfile.BadZipFile, ValueError):
        raise InvalidParameterValueException(
            "Could not unzip uploaded file. Please check your file, then try to upload again."
        ) from None


def refuse_reserved_variables(body: dict[str, Any]) -> None:
    variables = (body.get("Environment") or {}).get("Variables") or {}
    reserved = sorted(k for k in variables if k in executor.RESERVED_VARIABLES)
    if reserved:
        raise InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported "
            f"for modification. Reserved keys used in this request: {', '.join(reserved)}"
        )


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _omitting_nulls(answer: Any) -> Any:
    """moto's JSON answer (a body, or (status, headers, body)) with ``null`` members omitted."""
    body = answer[2] if isinstance(answer, tuple) else answer
    if not isinstance(body, (str, bytes)) or not body:
        return answer
    try:
        cleaned = json.dumps(_without_nulls(json.loads(body)))
    except ValueError:
        return answer
    return (answer[0], answer[1], cleaned) if isinstance(answer, tuple) else cleaned


#: Internal header carrying the invocation's request id to :meth:`_enrich_response`.
_INVOCATION_ID = "x-studio-invocation-request-id"


class LambdaExecutorResponse(LambdaResponse):
    def _enrich_response(  # type: ignore[override]
        self, headers: dict[str, str], body: Any
    ) -> tuple[dict[str, str], Any]:
        """The Invoke answer's ``x-amzn-RequestId`` is the invocation's request id (the one the
        function sees in ``Lambda-Runtime-Aws-Request-Id`` and its log lines), not a random one."""
        invocation_id = headers.pop(_INVOCATION_ID, None)
        headers, body = super()._enrich_response(headers, body)
        if invocation_id:
            headers["x-amzn-requestid"] = invocation_id
        return headers, body

    @property
    def executor_backend(self) -> Any:
        return lambda_executor_backends[self.current_account][self.region]

    def _function_name_from_path(self, parts_from_end: int) -> str:
        return unquote(
            self.path.split("?")[0].rstrip("/").rsplit("/", parts_from_end)[-parts_from_end]
        )

    def invoke(self) -> tuple[int, dict[str, str], str | bytes]:
        function_name = unquote(self.path.split("?")[0].rstrip("/").rsplit("/", 2)[-2])
        qualifier = (self.querystring.get("Qualifier") or [None])[0] or qualifier_of(function_name)
        fn = self.backend.get_function(function_name, qualifier)  # ResourceNotFoundException
        if not executor.executes(fn):
            return super().invoke()
        invocation_type = self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type not in ("RequestResponse", "Event", "DryRun"):
            raise InvalidParameterValueException(f"Unsupported invocation type {invocation_type}")
        client_context = None
        if self.headers.get("X-Amz-Client-Context") and invocation_type == "RequestResponse":
            try:
                client_context = base64.b64decode(self.headers["X-Amz-Client-Context"]).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise InvalidParameterValueException(
                    "Client context must be a valid Base64-encoded JSON object."
                ) from None
        raw = self.raw_body if isinstance(self.raw_body, bytes) else (self.body or "").encode()
        result = self.executor_backend.invoke(
            fn,
            raw or b"",
            invocation_type,
            qualifier=qualifier,
            client_context=client_context,
            log_tail=self.headers.get("X-Amz-Log-Type") == "Tail",
        )
        headers = {_INVOCATION_ID: result.request_id, "status": str(result.status_code)}
        if result.status_code == 200:
            headers["Content-Type"] = "application/json"
            headers["X-Amz-Executed-Version"] = result.executed_version or "$LATEST"
            if result.function_error:
                headers["X-Amz-Function-Error"] = result.function_error
            if result.log_tail:
                headers["X-Amz-Log-Result"] = result.log_tail
        return result.status_code, headers, result.payload

    def create_function(self) -> TYPE_RESPONSE:
        body = self.json_body
        refuse_reserved_variables(body)
        refuse_unreadable_zip(body.get("Code"))
        return _omitting_nulls(super().create_function())

    def update_function_configuration(self) -> TYPE_RESPONSE:
        body = self.json_body
        refuse_reserved_variables(body)
        answer = _omitting_nulls(super().update_function_configuration())
        self.executor_backend.retire(bare_name(self._function_name_from_path(2)))
        return answer

    def update_function_code(self) -> TYPE_RESPONSE:
        refuse_unreadable_zip(self.json_body)
        answer = _omitting_nulls(super().update_function_code())
        self.executor_backend.retire(bare_name(self._function_name_from_path(2)))
        return answer

    def get_function(self) -> str:
        return _omitting_nulls(super().get_function())

    def get_function_configuration(self) -> str:
        return _omitting_nulls(super().get_function_configuration())

    def list_functions(self) -> str:
        return _omitting_nulls(super().list_functions())

    def list_versions_by_function(self) -> str:
        return _omitting_nulls(super().list_versions_by_function())

    def publish_version(self) -> TYPE_RESPONSE:
        return _omitting_nulls(super().publish_version())

    def create_alias(self) -> TYPE_RESPONSE:
        return _omitting_nulls(super().create_alias())

    def get_alias(self) -> TYPE_RESPONSE:
        return _omitting_nulls(super().get_alias())

    def update_alias(self) -> TYPE_RESPONSE:
        return _omitting_nulls(super().update_alias())

    def list_aliases(self) -> TYPE_RESPONSE:
        return _omitting_nulls(super().list_aliases())

    def delete_function(self) -> TYPE_RESPONSE:
        answer = super().delete_function()
        self.executor_backend.retire(bare_name(self._function_name_from_path(1)))
        return answer


def bare_name(name_or_arn: str) -> str:
    """The function name of a name, a partial ARN or an ARN, with or without a qualifier."""
    parts = name_or_arn.split(":")
    return parts[parts.index("function") + 1] if "function" in parts else parts[0]
