"""A service's session of a role that trusts it, for callers that stand in for that service.

Some AWS services act under a role of the customer's for a user, and the test suite plays the
service: SageMaker Studio and the apps it runs call AWS with the user profile's execution role
(SageMaker API Reference, UserSettings ``ExecutionRole``: "The execution role for the user";
DomainSettings ``ExecutionRoleIdentityConfig``: "attaching a SageMaker AI user profile name to
the execution role as a sts:SourceIdentity key", i.e. SageMaker opens the role's sessions for
the user; the role trusts ``sagemaker.amazonaws.com``). The end-to-end story creates a data
scientist's space and its app as Studio would, signed with such a session.

``POST /_studio_emulator/iam/service-sessions {"RoleArn", "ServicePrincipal", "SessionName"}``

* the role must exist (404 ``NoSuchEntity`` otherwise) and, with IAM enforced, trust the service
  principal for ``sts:AssumeRole`` (``in_process.trusts``: the trust policy decides, as when
  the service assumes the role; 403 ``AccessDenied`` otherwise);
* the answer is STS AssumeRole's, as JSON: ``{"Credentials": {"AccessKeyId",
  "SecretAccessKey", "SessionToken", "Expiration"}, "AssumedRoleUser": {"Arn",
  "AssumedRoleId"}}``: a session ``assumed-role/<role>/<SessionName>`` whose calls the emulator
  authorises with the role's policies (``principals.resolve``), as the Lambda executor's
  function sessions are.
"""

from __future__ import annotations

from typing import Any

from ..core import ControlRequest
from . import in_process

#: The services whose sessions a caller may ask for (those the suite stands in for).
SERVICE_PRINCIPALS = frozenset({"sagemaker.amazonaws.com"})


def open_session(req: ControlRequest) -> tuple[int, Any]:
    body = req.body if isinstance(req.body, dict) else {}
    role_arn = body.get("RoleArn")
    service = body.get("ServicePrincipal")
    session_name = body.get("SessionName")
    if not all(isinstance(v, str) and v for v in (role_arn, service, session_name)):
        return 400, {"error": "RoleArn, ServicePrincipal and SessionName are required strings"}
    if service not in SERVICE_PRINCIPALS:
        return 400, {"error": f"ServicePrincipal must be one of {sorted(SERVICE_PRINCIPALS)}"}
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    parts = str(role_arn).split(":")
    if len(parts) < 6:
        return 400, {"error": f"not a role ARN: {role_arn}"}
    account = parts[4]
    try:
        iam_backends[account]["aws"].get_role_by_arn(role_arn)
    except Exception:
        return 404, {"error": "NoSuchEntity", "message": f"Role {role_arn} does not exist"}
    refused = in_process.trusts(str(role_arn), str(service), via=str(service).split(".")[0])
    if refused is not None:
        return 403, {"error": "AccessDenied", "message": refused.message}
    sts = sts_backends[account]["aws"]
    session = sts.assume_role(
        region_name="us-east-1",
        role_session_name=session_name,
        role_arn=role_arn,
        policy="",
        duration=3600,
        external_id="",
    )
    return 200, {
        "Credentials": {
            "AccessKeyId": session.access_key_id,
            "SecretAccessKey": session.secret_access_key,
            "SessionToken": session.session_token,
            "Expiration": session.expiration.isoformat(),
        },
        "AssumedRoleUser": {"Arn": session.arn, "AssumedRoleId": session.user_id},
    }
