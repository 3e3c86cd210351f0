"""SageMaker errors that moto 5.2.5 lacks."""

from __future__ import annotations

from moto.sagemaker.exceptions import SagemakerClientError


class ResourceLimitExceeded(SagemakerClientError):
    """"You have exceeded an SageMaker resource limit." (not in moto 5.2.5)."""

    code = "ResourceLimitExceeded"

    def __init__(self, message: str):
        super().__init__(message)
