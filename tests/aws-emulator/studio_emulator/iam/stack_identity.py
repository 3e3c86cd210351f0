"""Who CloudFormation acts as for a stack, and the checks it makes as that identity.

CloudFormation User Guide, "CloudFormation service role": with a service role (``RoleARN``)
"CloudFormation uses the role's credentials to make calls on your behalf" for every operation on
the stack; without one it "uses a temporary session that it generates from your user
credentials" -- the credentials of whoever called CreateStack, UpdateStack or DeleteStack (an
AWS service acting with a caller's credentials sets ``aws:ViaAWSService`` and ``aws:CalledVia``,
IAM User Guide, "AWS global condition context keys"; "Forward access sessions").

* :func:`remember_caller` keeps the caller of a stack operation on the stack;
* :func:`check_role` -- CreateStack/UpdateStack with a ``RoleARN``: the role must trust
  ``cloudformation.amazonaws.com`` (CloudFormation User Guide, "CloudFormation service role":
  the trust policy names the service); refused with ``ValidationError: Role <arn> is invalid or
  cannot be assumed`` (CloudFormation's wording as users report it; not confirmed against a
  primary source here); ``iam:PassRole`` by the caller is the middleware's
  (``context/cloudformation.py``);
* :func:`check_resource` -- each create, update and delete of a resource, as the stack's
  identity, for the handler's permissions (``resource_handlers.py``);
* :func:`check_invoke` -- a custom resource: CloudFormation invokes the ``ServiceToken`` function
  as the stack's identity, so that identity needs ``lambda:InvokeFunction`` on it, allowed by its
  identity policies or (across accounts, or for a principal they do not cover) the function's
  resource policy (as reported: aws-solutions/instance-scheduler-on-aws#29, a cross-account
  ServiceToken refused as "User: arn:aws:sts::<account>:assumed-role/... is not authorized to
  perform: lambda:InvokeFunction"; KensioSoftware/yulin#1329). A function policy that names only
  ``cloudformation.amazonaws.com`` is not what authorises it.
"""

from __future__ import annotations

import uuid
from typing import Any

from . import in_process, principals, resource_handlers
from .context import Authorization

#: The session name CloudFormation gives the sessions of a stack's service role (CloudTrail
#: shows ``assumed-role/<role>/AWSCloudFormation``).
SESSION_NAME = "AWSCloudFormation"
SERVICE = "cloudformation.amazonaws.com"


def enforcing() -> bool:
    return in_process.enforcing()


def remember_caller(stack: Any) -> None:
    """Keeps the principal of the request that started the stack's operation."""
    caller = in_process.current_caller()
    if caller is not None:
        stack.iam_caller = caller


def acting(stack: Any) -> tuple[principals.Principal | None, dict[str, Any]]:
    """(the identity CloudFormation acts as for ``stack``, the keys its calls carry)."""
    role_arn = getattr(stack, "role_arn", None)
    if role_arn:
        return principals.role_session(str(role_arn), SESSION_NAME), {}
    caller = getattr(stack, "iam_caller", None)
    return caller, {
        "aws:ViaAWSService": "true",
        "aws:CalledVia": [SERVICE],
        "aws:CalledViaFirst": SERVICE,
        "aws:CalledViaLast": SERVICE,
    }


def check_role(role_arn: str | None, account_id: str) -> str | None:
    """CloudFormation's refusal of a ``RoleARN`` it cannot assume, or None."""
    if not role_arn or not in_process.enforcing():
        return None
    denied = in_process.trusts(role_arn, SERVICE, account_id, None, via="cloudformation")
    if denied is None:
        return None
    return f"Role {role_arn} is invalid or cannot be assumed"


def _refusal(stack: Any, needed: list[Authorization]) -> in_process.Denied | None:
    principal, extra = acting(stack)
    if principal is None and getattr(stack, "role_arn", None):
        # the role is gone: CloudFormation cannot act at all
        return in_process.Denied(
            "sts:AssumeRole", str(stack.role_arn),
            f"Role {stack.role_arn} is invalid or cannot be assumed", "NoSuchEntity",
        )
    return in_process.authorize_as(
        principal, needed, via="cloudformation", region=stack.region_name, extra_context=extra
    )


def check_resource(
    stack: Any,
    resource_type: str,
    handler: str,
    properties: dict[str, Any] | None,
    old_properties: dict[str, Any] | None,
    physical_id: str,
) -> str | None:
    """The resource's failure reason when the stack's identity may not do what the type's
    ``handler`` calls, else None."""
    if not in_process.enforcing():
        return None
    needed = resource_handlers.authorizations(
        resource_type, handler, properties or {}, old_properties, physical_id or "",
        stack.account_id, stack.region_name,
    )
    denied = _refusal(stack, needed)
    if denied is None:
        return None
    if denied.action == "sts:AssumeRole":
        return denied.message
    return resource_handlers.handler_message(denied.message, denied.action.split(":")[0])


def check_invoke(stack: Any, service_token: str) -> str | None:
    """The custom resource's failure reason when the stack's identity may not invoke the
    ``ServiceToken`` function, else None."""
    if not in_process.enforcing() or ":lambda:" not in service_token:
        return None
    from .context.awslambda import function_policy

    parts = service_token.split(":")
    account, region, name = parts[4], parts[3], parts[6]
    policy = None
    try:
        from moto.awslambda.models import lambda_backends

        policy = function_policy(lambda_backends[account][region].get_policy(name, None))
    except Exception:
        policy = None
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    denied = _refusal(stack, [Authorization("lambda:InvokeFunction", arn, {}, policy, account)])
    if denied is None:
        return None
    if denied.action == "sts:AssumeRole":
        return denied.message
    return (
        f"{denied.message} (Service: AWSLambda; Status Code: 403; Error Code: "
        f"AccessDeniedException; Request ID: {uuid.uuid4()})"
    )
