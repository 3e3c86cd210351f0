"""Errors of the Invoke API that moto 5.2.5 does not define (moto/awslambda/exceptions.py style).

Codes, statuses and members after the Invoke API reference
(https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html, "Errors") and the botocore
model of ``lambda`` (``RequestTooLargeException``: HTTP 413, ``TooManyRequestsException``: HTTP
429 with ``Type``, ``message``, ``Reason`` and the ``Retry-After`` header).
"""

from __future__ import annotations

import json

from moto.awslambda.exceptions import LambdaClientError


class RequestTooLargeException(LambdaClientError):
    """The request payload exceeded the invocation type's limit (HTTP 413).

    The wire code is ``RequestEntityTooLargeException`` (botocore's ``RequestTooLargeException``
    shape carries ``"error": {"code": "RequestEntityTooLargeException", "httpStatusCode": 413}``).
    """

    code = 413

    def __init__(self, limit: int) -> None:
        super().__init__(
            "RequestEntityTooLargeException",
            f"Request must be smaller than {limit} bytes for the InvokeFunction operation",
        )


class TooManyRequestsException(LambdaClientError):
    """Throttled (HTTP 429): the function's reserved concurrency is in use.

    ``Reason`` is one of the model's ``ThrottleReason`` values:
    ``ReservedFunctionConcurrentInvocationLimitExceeded`` for a reserved-concurrency cap.
    """

    code = 429

    def __init__(self, reason: str = "ReservedFunctionConcurrentInvocationLimitExceeded") -> None:
        super().__init__("TooManyRequestsException", "Rate Exceeded.")
        self.description = json.dumps(
            {
                "__type": "TooManyRequestsException",
                "message": "Rate Exceeded.",
                "Type": "User",
                "Reason": reason,
            }
        )
        self.reason = reason
