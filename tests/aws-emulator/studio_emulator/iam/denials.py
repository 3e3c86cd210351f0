"""How AWS refuses a request: the error code per protocol and the access-denied message.

Codes (AWS "Common Errors" pages of the API references; S3 API Reference, "Error responses";
EC2 API Reference, "Error codes"):

================  ===========================  ============================================
protocol          refused by a policy          unknown access key
================  ===========================  ============================================
JSON / REST-JSON  ``AccessDeniedException``    ``UnrecognizedClientException`` ("The security
                  (403)                        token included in the request is invalid.")
query (IAM, STS,  ``AccessDenied`` (403)       ``InvalidClientTokenId`` (403, same message)
CloudFormation)
REST-XML (S3)     ``AccessDenied`` (403)       ``InvalidAccessKeyId`` (403, "The AWS Access
                                               Key Id you provided does not exist in our
                                               records.")
EC2               ``UnauthorizedOperation``    ``AuthFailure`` (401, "AWS was not able to
                  (403)                        validate the provided access credentials")
================  ===========================  ============================================

Message (IAM User Guide, "Access denied error messages"; S3 User Guide, "Access denied message
examples"): ``User: <caller ARN> is not authorized to perform: <action>[ on resource:
<resource>] because no <policy type> allows the <action> action`` for an implicit deny, ``...
with an explicit deny in <a policy type>`` for an explicit one; the policy types are
"identity-based policy", "resource-based policy", "permissions boundary", "session policy",
"service control policy", "resource control policy", "VPC endpoint policy". The resource part
is left out when the action is on ``*``; S3 quotes the resource ARN. EC2 prefixes "You are not
authorized to perform this operation. ".
"""

from __future__ import annotations

POLICY_TYPES = {
    "identity": "identity-based policy",
    "resource": "resource-based policy",
    "pb": "permissions boundary",
    "session": "session policy",
    "scp": "service control policy",
    "rcp": "resource control policy",
    "vpce": "VPC endpoint policy",
    "s3-bpa": "resource-based policy",
}
ARTICLES = {
    "identity": "an",
    "resource": "a",
    "pb": "a",
    "session": "a",
    "scp": "a",
    "rcp": "a",
    "vpce": "a",
    "s3-bpa": "a",
}

INVALID_TOKEN = "The security token included in the request is invalid."


def denied_code(protocol: str) -> tuple[str, int]:
    if protocol in ("json", "rest-json"):
        return "AccessDeniedException", 403
    if protocol == "ec2":
        return "UnauthorizedOperation", 403
    return "AccessDenied", 403


def unknown_key(protocol: str, service: str) -> tuple[str, str, int]:
    """(code, message, status) for a request signed with a key AWS does not know."""
    if service == "s3":
        return (
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            403,
        )
    if protocol == "ec2":
        return "AuthFailure", "AWS was not able to validate the provided access credentials", 401
    if protocol == "query":
        return "InvalidClientTokenId", INVALID_TOKEN, 403
    return "UnrecognizedClientException", INVALID_TOKEN, 403


def message(
    caller_arn: str,
    action: str,
    resource: str,
    denial: dict | None,
    service: str,
    protocol: str,
) -> str:
    """AWS's access-denied message for ``denial`` (one of the engine's denials)."""
    text = f"User: {caller_arn} is not authorized to perform: {action}"
    if resource and resource != "*":
        shown = f'"{resource}"' if service == "s3" else resource
        text += f" on resource: {shown}"
    policy_type = (denial or {}).get("policyType", "identity")
    if (denial or {}).get("denialType") == "Explicit":
        text += f" with an explicit deny in {ARTICLES[policy_type]} {POLICY_TYPES[policy_type]}"
    else:
        text += f" because no {POLICY_TYPES[policy_type]} allows the {action} action"
    if protocol == "ec2":
        text = "You are not authorized to perform this operation. " + text
    return text
