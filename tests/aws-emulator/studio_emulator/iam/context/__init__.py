"""The request context AWS builds for a request: its action(s), resource ARN(s) and condition keys.

One module per service (``sagemaker.py``, ``awslambda.py``, ``s3.py`` ...), each a table from the
API operation to the authorisations it needs, citing its page of the Service Authorization
Reference (SAR, "Actions, resources, and condition keys for <service>"). An operation a table does
not list is authorised as the SAR names most operations: action ``<prefix>:<Operation>`` on
resource ``*``.

Global keys every request carries (IAM User Guide, "AWS global condition context keys"):
``aws:PrincipalArn``, ``aws:PrincipalAccount``, ``aws:PrincipalType``, ``aws:userid``,
``aws:username`` (IAM users), ``aws:PrincipalTag/*``, ``aws:SourceIp``, ``aws:CurrentTime``,
``aws:EpochTime``, ``aws:SecureTransport``, ``aws:RequestedRegion``; ``aws:PrincipalOrgID`` and
``aws:PrincipalOrgPaths`` for a principal of an account in moto's Organizations
(``organizations.principal_org_keys``).
"""

from __future__ import annotations

import importlib
import json
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from ..principals import Principal
from ..service_reference import wildcard_only

#: Credential-scope service name -> context module (sibling of this file).
SERVICE_MODULES = {
    "sagemaker": "sagemaker",
    "lambda": "awslambda",
    "s3": "s3",
    "sts": "sts",
    "iam": "iam",
    "kms": "kms",
    "ssm": "ssm",
    "cloudformation": "cloudformation",
    "servicecatalog": "servicecatalog",
    "lakeformation": "lakeformation",
    "glue": "glue",
    "logs": "logs",
    "scheduler": "scheduler",
    "events": "events",
    "ec2": "ec2",
    "tagging": "tagging",
    "sso": "sso",
    "identitystore": "identitystore",
}


@dataclass
class Request:
    """What the context builders read of one request."""

    service: str
    operation: str
    region: str
    account_id: str  # the caller's account: where a resource named without one lives
    params: dict[str, Any]  # JSON body / query-form parameters / URI parameters, merged
    headers: dict[str, str]
    path: str
    secure: bool
    source_ip: str

    def arn(self, service: str, resource: str, region: str | None = None,
            account: str | None = None) -> str:
        region = self.region if region is None else region
        account = self.account_id if account is None else account
        return f"arn:aws:{service}:{region}:{account}:{resource}"


@dataclass
class Authorization:
    """One action on one resource that a request needs allowed."""

    action: str
    resource: str = "*"
    context: dict[str, Any] = field(default_factory=dict)
    #: The resource's own policy (Lambda function policy, bucket policy, key policy, trust policy).
    resource_policy: Any = None
    #: The account that owns the resource (for same- versus cross-account evaluation).
    resource_account: str | None = None


Builder = Callable[[Request], "list[Authorization]"]


def query_tags(params: dict[str, Any], name: str = "Tags") -> list[dict[str, str]]:
    """The ``{Key, Value}`` list a query-protocol request carries as ``<name>.member.N.Key`` /
    ``.Value`` (IAM's and CloudFormation's ``Tags``, botocore's query serializer)."""
    items = []
    index = 1
    while f"{name}.member.{index}.Key" in params:
        items.append(
            {
                "Key": params[f"{name}.member.{index}.Key"],
                "Value": params.get(f"{name}.member.{index}.Value", ""),
            }
        )
        index += 1
    return items


def request_tags(tags: Any) -> dict[str, Any]:
    """``aws:RequestTag/<key>`` and ``aws:TagKeys`` of the tags a request carries (a list of
    ``{Key, Value}`` or a ``{key: value}`` map) (IAM User Guide, "Controlling access during AWS
    requests"; global keys aws:RequestTag/tag-key, aws:TagKeys)."""
    if not tags:
        return {}
    if isinstance(tags, dict):
        pairs = {str(k): str(v) for k, v in tags.items()}
    else:
        pairs = {
            str(t.get("Key", t.get("key"))): str(t.get("Value", t.get("value", "")))
            for t in tags
            if isinstance(t, dict)
        }
    context: dict[str, Any] = {f"aws:RequestTag/{k}": v for k, v in pairs.items()}
    context["aws:TagKeys"] = list(pairs)
    return context


def resource_tags(tags: dict[str, str], service_prefix: str | None = None) -> dict[str, Any]:
    """``aws:ResourceTag/<key>`` (and the service's own ``<prefix>:ResourceTag/<key>``, e.g.
    SageMaker's) of the tags on the resource a request acts on."""
    context: dict[str, Any] = {f"aws:ResourceTag/{k}": v for k, v in tags.items()}
    if service_prefix:
        context.update({f"{service_prefix}:ResourceTag/{k}": v for k, v in tags.items()})
    return context


def pass_role(request: Request, role_arn: Any, service_principal: str) -> list[Authorization]:
    """The implicit ``iam:PassRole`` of an operation that hands a role to a service, with
    ``iam:PassedToService`` (IAM User Guide, "Grant a user permissions to pass a role to an AWS
    service"; SAR, IAM: PassRole, condition keys iam:PassedToService, iam:AssociatedResourceArn)."""
    if not isinstance(role_arn, str) or not role_arn:
        return []
    return [
        Authorization(
            "iam:PassRole",
            role_arn,
            {"iam:PassedToService": service_principal},
        )
    ]


def parse_json(raw: Any) -> Any:
    if raw in (None, ""):
        return None
    if isinstance(raw, (dict, list)):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return None


_MODULES: dict[str, Any] = {}


def _module(service: str) -> Any:
    name = SERVICE_MODULES.get(service)
    if name is None:
        return None
    if name not in _MODULES:
        _MODULES[name] = importlib.import_module(f".{name}", __name__)
    return _MODULES[name]


def authorizations(request: Request) -> list[Authorization]:
    """What ``request`` must be allowed, most specific first (its main action comes first)."""
    module = _module(request.service)
    builders: dict[str, Builder] = getattr(module, "OPERATIONS", {}) if module else {}
    prefix = getattr(module, "PREFIX", request.service) if module else request.service
    builder = builders.get(request.operation)
    if builder is not None:
        return builder(request)
    default = getattr(module, "default", None) if module else None
    if default is not None:
        return default(request)
    return [Authorization(f"{prefix}:{request.operation}")]


def as_evaluated(auth: Authorization) -> Authorization:
    """The authorisation as IAM evaluates it: an action the Service Authorization Reference
    lists with no resource type is evaluated on ``*``, whatever resource the request or the
    handler names (``service_reference.wildcard_only``)."""
    if auth.resource != "*" and wildcard_only(auth.action):
        return replace(auth, resource="*")
    return auth


def global_context(principal: Principal, request: Request) -> dict[str, Any]:
    """The global condition keys of every signed request (IAM User Guide, "AWS global condition
    context keys")."""
    now = time.time()
    context: dict[str, Any] = {
        "aws:PrincipalArn": principal.principal_arn,
        "aws:PrincipalAccount": principal.account_id,
        "aws:PrincipalType": {
            "user": "User", "assumed-role": "AssumedRole", "root": "Account"
        }[principal.kind],
        "aws:userid": principal.user_id,
        "aws:SourceIp": request.source_ip or "127.0.0.1",
        "aws:CurrentTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "aws:EpochTime": str(int(now)),
        "aws:SecureTransport": "true" if request.secure else "false",
        "aws:RequestedRegion": request.region,
        "aws:ViaAWSService": "false",
    }
    if principal.username:
        context["aws:username"] = principal.username
    from ...organizations import principal_org_keys

    context.update(principal_org_keys(principal.account_id))
    for key, value in principal.tags.items():
        context[f"aws:PrincipalTag/{key}"] = value
    return context
