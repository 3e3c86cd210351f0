"""Custom resources (``Custom::*``, ``AWS::CloudFormation::CustomResource``) as CloudFormation
runs them: a request invoked asynchronously on the ``ServiceToken`` function, an answer PUT to
a ``ResponseURL`` the emulator serves, the stack waiting for it up to ``ServiceTimeout``.

moto's own ``CustomModel`` invokes the function once, on Create, in a thread, through Docker;
it never sends Update or Delete and resolves a dependent's ``Fn::GetAtt`` before the answer
arrives. This model replaces it (``parsing.resource_class_from_type`` answers it for every
custom type). Each rule and its source:

* The request (user guide, "Custom resource request objects" and the Create/Update/Delete
  request-type pages): ``RequestType``, ``RequestId`` (a UUID), ``ResponseURL``,
  ``ResourceType``, ``LogicalResourceId``, ``StackId``, ``ServiceToken``,
  ``ResourceProperties`` (every property, ``ServiceToken`` and ``ServiceTimeout`` included);
  ``PhysicalResourceId`` on Update and Delete; ``OldResourceProperties`` on Update.
  Property values are sent as strings, as CloudFormation sends them (numbers and booleans
  of a template arrive as ``"14"``, ``"true"``; lists and maps keep their shape) -- see the
  suite's own sample events, ``events/*/create.json``, taken from real requests.
* Delivery: ``awslambda.invoke(..., "Event")`` on the function the ``ServiceToken`` names
  (user guide, "Lambda-backed custom resources": CloudFormation invokes the function
  asynchronously). Only Lambda service tokens; an SNS topic is refused (not emulated).
* The ``ResponseURL`` is a presigned-S3-shaped URL on the emulator:
  ``<emulator>/cloudformation_<region>/custom-resource-responses/<stack id>|<logical id>|<request id>``
  with ``X-Amz-*`` query parameters, the way CloudFormation's bucket
  ``cloudformation-custom-resource-response-<region>`` keys them; the emulator answers a
  ``PUT`` with 200, as S3 does, and a URL whose signature does not match with 403
  ``SignatureDoesNotMatch``. The first answer counts; a later one to the same request is
  accepted by S3 (the presigned URL stays valid for two hours) and ignored by CloudFormation,
  which has already read the first.
* The wait: up to ``ServiceTimeout`` seconds (user guide, "ServiceTimeout": an integer from 1
  to 3600, default 3600). No answer in time fails the resource with CloudFormation's message
  "CloudFormation did not receive a response from your Custom Resource. Please check your
  logs for requestId [...]. If you are using the Python cfn-response module, ..." (as quoted
  in public reports, e.g. aws-samples/aws-security-reference-architecture-examples#162).
* The answer (user guide, "Custom resource response objects"): at most 4096 bytes, else
  "Response object is too long." (public reports, e.g. binxio/cfn-postgresql-user-provider#2);
  ``Status`` ``SUCCESS`` or ``FAILED``; ``PhysicalResourceId`` a non-empty string, else
  "Invalid PhysicalResourceId" -- also for a FAILED answer (aws-cloudformation/
  custom-resource-helper#67); ``StackId``, ``RequestId``, ``LogicalResourceId`` copied from the
  request; ``Data`` a map; ``NoEcho``. A FAILED answer fails the resource with "Received
  response status [FAILED] from custom resource. Message returned: <Reason>"
  (awslabs/aws-video-transcriber#32 and many others).
* ``Fn::GetAtt`` reads the answer's ``Data``: a missing key fails the dependent with
  "CustomResource attribute error: Vendor response doesn't contain <key> attribute in object
  <stack id>|<logical id>|<request id>" (the current wording, aws/aws-cdk#29949 (2024),
  guidance-for-intelligent-document-processing-agents-on-aws#2 (2025); older reports say
  "key" and add the bucket name). ``Ref`` is the physical id.
* Update: a changed ``ServiceToken`` is refused with "Modifying service token is not
  allowed." (the wording widely reported; user guide, AWS::CloudFormation::CustomResource:
  the service token can't be changed). A new physical id in an Update's answer is a
  replacement: the stack sends the old id its Delete in the cleanup phase
  (``stacks.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.common_models import CloudFormationModel
from moto.moto_api._internal import mock_random

from .errors import OperationAbandoned, ResourceFailed

CUSTOM_RESOURCE_TYPE = "AWS::CloudFormation::CustomResource"
DEFAULT_SERVICE_TIMEOUT = 3600
MAX_SERVICE_TIMEOUT = 3600
MAX_RESPONSE_BYTES = 4096
#: The path segment after ``/cloudformation_<region>/`` under which answers are PUT.
RESPONSE_PATH = "custom-resource-responses"
#: How long a ResponseURL is valid (CloudFormation's presigned URLs: two hours).
URL_EXPIRES_SECONDS = 7200

#: Signs the emulator's ResponseURLs (new for every server process).
_SIGNING_KEY = secrets.token_bytes(32)


def is_custom_type(resource_type: str) -> bool:
    return resource_type.startswith("Custom::") or resource_type == CUSTOM_RESOURCE_TYPE


def as_sent(value: Any) -> Any:
    """A resolved property value as CloudFormation sends it: every scalar a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        return {key: as_sent(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_sent(item) for item in value]
    return value


def service_timeout(properties: dict[str, Any]) -> int:
    """``ServiceTimeout`` in seconds: an integer from 1 to 3600, default 3600."""
    raw = properties.get("ServiceTimeout")
    if raw is None:
        return DEFAULT_SERVICE_TIMEOUT
    try:
        seconds = int(str(raw))
    except ValueError:
        seconds = 0
    if not 1 <= seconds <= MAX_SERVICE_TIMEOUT:
        raise ResourceFailed(
            f"Properties validation failed: ServiceTimeout {raw} must be an integer "
            f"from 1 to {MAX_SERVICE_TIMEOUT}"
        )
    return seconds


def _signature(key: str, date: str) -> str:
    return hmac.new(_SIGNING_KEY, f"{date}\n{key}".encode(), hashlib.sha256).hexdigest()


def response_url(base_url: str, region_name: str, key: str) -> str:
    """The presigned-S3-shaped URL on the emulator that receives the answer for ``key``."""
    date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    credential = quote(f"AKIAEMULATORCFN/{date[:8]}/{region_name}/s3/aws4_request", safe="")
    return (
        f"{base_url.rstrip('/')}/cloudformation_{region_name}/{RESPONSE_PATH}/"
        f"{quote(key, safe='')}"
        f"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={date}&X-Amz-SignedHeaders=host"
        f"&X-Amz-Expires={URL_EXPIRES_SECONDS}&X-Amz-Credential={credential}"
        f"&X-Amz-Signature={_signature(key, date)}"
    )


@dataclass
class Answer:
    """A custom resource's accepted answer."""

    status: str
    physical_id: str
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    no_echo: bool = False


def _validated(request: dict[str, Any], body: bytes) -> Answer:
    """The answer in ``body``, checked as CloudFormation checks it (raises ResourceFailed)."""
    if len(body) > MAX_RESPONSE_BYTES:
        raise ResourceFailed("Response object is too long.")
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise ResourceFailed("Invalid response object: the body is not a JSON object")
    status = parsed.get("Status")
    if status not in ("SUCCESS", "FAILED"):
        raise ResourceFailed(f"Invalid response object: Status [{status}] is not SUCCESS or FAILED")
    physical_id = parsed.get("PhysicalResourceId")
    if not isinstance(physical_id, str) or not physical_id:
        raise ResourceFailed("Invalid PhysicalResourceId")
    for member in ("StackId", "RequestId", "LogicalResourceId"):
        if parsed.get(member) != request[member]:
            raise ResourceFailed(
                f"Invalid response object: {member} [{parsed.get(member)}] does not match "
                "the request"
            )
    data = parsed.get("Data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ResourceFailed("Invalid response object: Data must be a JSON object")
    no_echo = parsed.get("NoEcho", False)
    return Answer(
        status=status,
        physical_id=physical_id,
        reason=str(parsed.get("Reason") or ""),
        data=data,
        no_echo=no_echo is True or str(no_echo).lower() == "true",
    )


class PendingRequest:
    """A request sent to a custom resource, waiting for its first answer."""

    def __init__(self, key: str, request: dict[str, Any]) -> None:
        self.key = key
        self.request = request
        self._lock = threading.Lock()
        self._answered = threading.Event()
        self._body: bytes | None = None
        self._closed = False
        self._abandoned = False
        #: How many answers arrived (the first counts).
        self.answers = 0

    def deliver(self, body: bytes) -> bool:
        """Records ``body`` if it is the first answer the stack still waits for."""
        with self._lock:
            self.answers += 1
            if self._closed or self._body is not None:
                return False
            self._body = body
            self._answered.set()
            return True

    def close(self) -> None:
        """The stack read the answer or gave up waiting: later answers are ignored."""
        with self._lock:
            self._closed = True

    def abandon(self) -> None:
        """The emulator is being reset: the waiting stack operation stops."""
        with self._lock:
            self._closed = True
            self._abandoned = True
            self._answered.set()

    def wait(self, timeout: float) -> Answer:
        """The validated answer; raises ResourceFailed when none arrives in ``timeout`` s."""
        if not self._answered.wait(timeout):
            raise ResourceFailed(
                "CloudFormation did not receive a response from your Custom Resource. "
                f"Please check your logs for requestId [{self.request['RequestId']}]. If you "
                "are using the Python cfn-response module, you may need to update your Lambda "
                "function code so that CloudFormation can attach the updated version."
            )
        if self._abandoned:
            raise OperationAbandoned()
        assert self._body is not None
        return _validated(self.request, self._body)


class CustomResourceResponsesBackend(BaseBackend):
    """The requests of one account and region that wait for an answer, by ResponseURL key."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.pending: dict[str, PendingRequest] = {}
        #: Every request sent, oldest first (what the control route shows).
        self.sent: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def reset(self) -> None:
        for request in list(self.pending.values()):
            request.abandon()
        super().reset()

    def register(self, key: str, request: dict[str, Any]) -> PendingRequest:
        pending = PendingRequest(key, request)
        with self.lock:
            self.pending[key] = pending
            self.sent.append(
                {k: v for k, v in request.items() if k not in ("ResponseURL",)}
            )
        return pending



custom_resource_responses = BackendDict(CustomResourceResponsesBackend, "cloudformation")


def _function_arn_parts(service_token: str) -> tuple[str, str]:
    """(account, region) of a Lambda ``ServiceToken``; ResourceFailed for anything else."""
    parts = service_token.split(":")
    if len(parts) >= 7 and parts[0] == "arn" and parts[2] == "lambda" and parts[5] == "function":
        return parts[4], parts[3]
    if len(parts) >= 6 and parts[0] == "arn" and parts[2] == "sns":
        raise ResourceFailed(
            "SNS-backed custom resources are not emulated (ServiceToken "
            f"{service_token}); use a Lambda function ARN"
        )
    raise ResourceFailed(f"Invalid service token: {service_token}")


def _send(
    account_id: str, region_name: str, request: dict[str, Any], timeout: int
) -> Answer:
    """Invokes the ServiceToken function with ``request`` and waits for the answer."""
    from .. import awslambda

    token = request["ServiceToken"]
    function_account, function_region = _function_arn_parts(token)
    if function_region != region_name:
        raise ResourceFailed(
            f"Invalid service token: {token} is not in the stack's region {region_name}"
        )
    key = f"{request['StackId']}|{request['LogicalResourceId']}|{request['RequestId']}"
    request["ResponseURL"] = response_url(awslambda.emulator_url(), region_name, key)
    backend = custom_resource_responses[account_id][region_name]
    pending = backend.register(key, request)
    try:
        awslambda.invoke(
            function_account, function_region, token, json.dumps(request).encode(), "Event"
        )
    except Exception as error:  # noqa: BLE001 -- the invoke's error is the resource's reason
        message = getattr(error, "message", None) or str(error)
        raise ResourceFailed(message) from error
    try:
        return pending.wait(timeout)
    finally:
        pending.close()


def answer_to(key: str, body: bytes) -> bool:
    """Delivers ``body`` to the request ``key`` names; False if no such request waits."""
    stack_id = key.split("|", 1)[0]
    parts = stack_id.split(":")
    if len(parts) < 6:
        return False
    account_id, region_name = parts[4], parts[3]
    backend = custom_resource_responses[account_id][region_name]
    with backend.lock:
        pending = backend.pending.get(key)
    if pending is None:
        return False
    pending.deliver(body)
    return True


def signature_matches(key: str, date: str, signature: str) -> bool:
    return hmac.compare_digest(_signature(key, date), signature)


class CustomResource(CloudFormationModel):
    """A custom resource of a stack: the properties it was last sent and its answer."""

    def __init__(
        self,
        *,
        stack_id: str,
        logical_id: str,
        resource_type: str,
        account_id: str,
        region_name: str,
        properties: dict[str, Any],
        physical_id: str,
        request_id: str,
        data: dict[str, Any] | None = None,
        no_echo: bool = False,
    ) -> None:
        self.stack_id = stack_id
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.account_id = account_id
        self.region_name = region_name
        #: The ResourceProperties as last sent (strings).
        self.properties = properties
        self.physical_id = physical_id
        self.request_id = request_id
        self.data = data or {}
        self.no_echo = no_echo

    @staticmethod
    def cloudformation_type() -> str:
        return CUSTOM_RESOURCE_TYPE

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True  # whatever the answer's Data holds; checked when read

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    def is_created(self) -> bool:
        return True  # created means answered: the stack waited for it

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name in self.data:
            return self.data[attribute_name]
        raise ResourceFailed(
            "CustomResource attribute error: Vendor response doesn't contain "
            f"{attribute_name} attribute in object "
            f"{self.stack_id}|{self.logical_id}|{self.request_id}"
        )

    def _request(self, request_type: str, properties: dict[str, Any]) -> dict[str, Any]:
        return {
            "RequestType": request_type,
            "ServiceToken": properties.get("ServiceToken", self.properties.get("ServiceToken")),
            "StackId": self.stack_id,
            "RequestId": str(mock_random.uuid4()),
            "LogicalResourceId": self.logical_id,
            "ResourceType": self.resource_type,
            "ResourceProperties": properties,
        }

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CustomResource:
        """Sends Create and waits. ``resource_name`` (moto's generated name) is the physical
        id a failed create leaves for the rollback's Delete when the function named none."""
        properties = as_sent(cloudformation_json.get("Properties") or {})
        resource = cls(
            stack_id=kwargs["StackId"],
            logical_id=kwargs["LogicalId"],
            resource_type=kwargs["ResourceType"],
            account_id=account_id,
            region_name=region_name,
            properties=properties,
            physical_id=resource_name,
            request_id="",
        )
        request = resource._request("Create", properties)
        resource.request_id = request["RequestId"]
        if "ServiceToken" not in properties:
            raise ResourceFailed("Property ServiceToken cannot be empty.")
        timeout = service_timeout(properties)  # nothing is sent when it is invalid
        try:
            answer = _send(account_id, region_name, request, timeout)
        except ResourceFailed as failed:
            raise CreateFailed(failed.reason, resource) from failed
        resource.physical_id = answer.physical_id
        if answer.status == "FAILED":
            raise CreateFailed(_failed_reason(answer), resource)
        resource.data = answer.data
        resource.no_echo = answer.no_echo
        return resource

    def with_properties(self, properties: dict[str, Any]) -> CustomResource:
        """This resource as if it had last been sent ``properties``."""
        return CustomResource(
            stack_id=self.stack_id,
            logical_id=self.logical_id,
            resource_type=self.resource_type,
            account_id=self.account_id,
            region_name=self.region_name,
            properties=properties,
            physical_id=self.physical_id,
            request_id=self.request_id,
            data=self.data,
            no_echo=self.no_echo,
        )

    def updated_to(self, properties: dict[str, Any]) -> CustomResource:
        """Sends Update (``OldResourceProperties`` = what was last sent) and waits; the
        resource as answered (a new physical id means a replacement)."""
        if properties.get("ServiceToken") != self.properties.get("ServiceToken"):
            raise ResourceFailed("Modifying service token is not allowed.")
        request = self._request("Update", properties)
        request["PhysicalResourceId"] = self.physical_id
        request["OldResourceProperties"] = self.properties
        answer = _send(self.account_id, self.region_name, request, service_timeout(properties))
        if answer.status == "FAILED":
            raise ResourceFailed(_failed_reason(answer))
        updated = self.with_properties(properties)
        updated.physical_id, updated.request_id = answer.physical_id, request["RequestId"]
        updated.data, updated.no_echo = answer.data, answer.no_echo
        return updated

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: CustomResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CustomResource:
        return original_resource.updated_to(as_sent(cloudformation_json.get("Properties") or {}))

    def delete(self, account_id: str, region_name: str) -> None:
        """Sends Delete (the physical id and the properties last sent) and waits."""
        request = self._request("Delete", self.properties)
        request["PhysicalResourceId"] = self.physical_id
        answer = _send(
            self.account_id, self.region_name, request, service_timeout(self.properties)
        )
        if answer.status == "FAILED":
            raise ResourceFailed(_failed_reason(answer))

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        """Deleted through ``delete`` (the stack calls it on the resource)."""


class CreateFailed(ResourceFailed):
    """A custom resource's Create failed; ``resource`` is what the rollback sends Delete to."""

    def __init__(self, reason: str, resource: CustomResource) -> None:
        super().__init__(reason)
        self.resource = resource


def _failed_reason(answer: Answer) -> str:
    return (
        "Received response status [FAILED] from custom resource. Message returned: "
        f"{answer.reason}"
    )
