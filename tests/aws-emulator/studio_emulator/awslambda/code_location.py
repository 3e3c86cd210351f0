"""A function's code comes from a bucket of the function's own region (issue #16).

Lambda API Reference, ``FunctionCode.S3Bucket``: "An Amazon S3 bucket in the same AWS Region as
your function. The bucket can be in a different AWS account." moto 5.2.5 reads the object from
whatever region the bucket is in (its own comment: "FIXME: does not validate bucket region").

``CreateFunction`` and ``UpdateFunctionCode`` -- the API and CloudFormation's
``AWS::Lambda::Function`` alike, since both reach the backend's ``create_function`` /
``update_function_code`` -- with ``S3Bucket`` naming a bucket of another region are refused with
``InvalidParameterValueException`` and the message AWS answers, as public reports quote it
(aws-samples/aws-ct-vpc-flowlogs#30, aws/serverless-application-model#1993): "Error occurred
while GetObject. S3 Error Code: PermanentRedirect. S3 Error Message: The bucket is in this
region: <region>. Please use this region to retry the request". A bucket that does not exist
keeps moto's ``NoSuchBucket`` answer.
"""

from __future__ import annotations

from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import LambdaBackend


def _bucket_region(bucket: str) -> str | None:
    """The region of ``bucket`` (of any account), or None when no account has it."""
    from ..iam.context.s3 import _bucket

    found = _bucket(bucket)
    return getattr(found, "region_name", None) if found is not None else None


def refuse_code_of_another_region(code: dict[str, Any] | None, region: str) -> None:
    """Raise AWS's refusal when ``code`` names an ``S3Bucket`` outside ``region``."""
    if not isinstance(code, dict) or not code.get("S3Bucket"):
        return
    bucket_region = _bucket_region(str(code["S3Bucket"]))
    if bucket_region is not None and bucket_region != region:
        raise InvalidParameterValueException(
            "Error occurred while GetObject. S3 Error Code: PermanentRedirect. S3 Error Message: "
            f"The bucket is in this region: {bucket_region}. Please use this region to retry "
            "the request"
        )


def _checked() -> None:
    if getattr(LambdaBackend, "_studio_checks_code_region", False):
        return
    moto_create = LambdaBackend.create_function
    moto_update = LambdaBackend.update_function_code

    def create_function(self: LambdaBackend, spec: dict[str, Any]) -> Any:
        refuse_code_of_another_region(spec.get("Code"), self.region_name)
        return moto_create(self, spec)

    def update_function_code(self: LambdaBackend, function_name: str, qualifier: str,
                             body: dict[str, Any]) -> Any:
        refuse_code_of_another_region(body, self.region_name)
        return moto_update(self, function_name, qualifier, body)

    LambdaBackend.create_function = create_function  # type: ignore[method-assign]
    LambdaBackend.update_function_code = update_function_code  # type: ignore[method-assign]
    LambdaBackend._studio_checks_code_region = True  # type: ignore[attr-defined]


_checked()
