"""IAM operations (SAR: "Actions, resources, and condition keys for AWS Identity and Access
Management", https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html).

* Every operation is the action of its name; resources ``role/${RoleName}``,
  ``user/${UserName}``, ``group/${GroupName}``, ``policy/${PolicyName}`` (from ``PolicyArn``
  when the request names one), ``instance-profile/${Name}``; IAM is global (no region).
* ``aws:ResourceTag/*`` from a role's tags; CreateRole/CreateUser/CreatePolicy with ``Tags``
  have ``aws:RequestTag/*`` and need ``iam:TagRole``/``iam:TagUser``/``iam:TagPolicy`` (IAM User
  Guide, "Permissions required to tag IAM entities").
* ``iam:PermissionsBoundary`` (SAR: "Filters access if the specified policy is set as the
  permissions boundary on the IAM entity (user or role)"): on CreateRole/CreateUser and
  Put*PermissionsBoundary the boundary the request sets; on every other action the SAR lists the
  key for (PutRolePolicy, AttachRolePolicy, DeleteRolePolicy, DetachRolePolicy, DeleteRole,
  UpdateAssumeRolePolicy, ...) the boundary the role has now, absent when it has none -- the IAM
  User Guide's delegation example ("Permissions boundaries for IAM entities", "Delegating
  responsibility to others using permissions boundaries") lets an administrator change only
  users that carry the boundary this way. ``iam:PolicyARN`` on Attach/Detach*Policy.
* A role's ARN carries its path (IAM User Guide, "IAM identifiers": ``arn:aws:iam::account:role/
  path/name``): an existing role is named by the ARN IAM gave it.
"""

from __future__ import annotations

from typing import Any

from .. import service_reference
from . import Authorization, Request, query_tags, request_tags, resource_tags

PREFIX = "iam"


def _arn(request: Request) -> str:
    p = request.params
    account = request.account_id
    path = str(p.get("Path") or "/")
    if "RoleName" in p:
        if request.operation != "CreateRole":
            existing = _role(request.account_id, str(p["RoleName"]))
            if existing is not None:
                return str(existing.arn)
        role_path = path if request.operation == "CreateRole" else "/"
        return f"arn:aws:iam::{account}:role{role_path}{p['RoleName']}"
    if "UserName" in p:
        return f"arn:aws:iam::{account}:user/{p['UserName']}"
    if "GroupName" in p:
        return f"arn:aws:iam::{account}:group/{p['GroupName']}"
    if "InstanceProfileName" in p:
        return f"arn:aws:iam::{account}:instance-profile/{p['InstanceProfileName']}"
    if "PolicyArn" in p:
        return str(p["PolicyArn"])
    if "PolicyName" in p and request.operation == "CreatePolicy":
        return f"arn:aws:iam::{account}:policy{path}{p['PolicyName']}"
    return "*"


def _role(account: str, name: str) -> Any:
    from moto.iam.models import iam_backends

    try:
        return iam_backends[account]["aws"].get_role(name)
    except Exception:
        return None


def role_boundary(account: str, name: str) -> str | None:
    """The ARN of the permissions boundary the role ``name`` has now (None: no such role, or
    none)."""
    role = _role(account, name)
    boundary = getattr(role, "permissions_boundary_arn", None) if role is not None else None
    return str(boundary) if boundary else None


#: The operations whose ``iam:PermissionsBoundary`` is the boundary the request sets.
SETS_BOUNDARY = {"CreateRole", "CreateUser", "PutRolePermissionsBoundary",
                 "PutUserPermissionsBoundary"}


def _role_tags(request: Request, name: str) -> dict[str, str]:
    role = _role(request.account_id, name)
    if role is None:
        return {}
    tags = role.tags or {}
    if isinstance(tags, dict):
        return {v["Key"]: v.get("Value", "") for v in tags.values()}
    return {t["Key"]: t.get("Value", "") for t in tags}


ATTACHING = {
    f"{verb}{entity}Policy" for verb in ("Attach", "Detach") for entity in ("Role", "User", "Group")
}
TAGGING = {
    "CreateRole": "iam:TagRole",
    "CreateUser": "iam:TagUser",
    "CreatePolicy": "iam:TagPolicy",
}


def default(request: Request) -> list[Authorization]:
    op = request.operation
    p = request.params
    arn = _arn(request)
    context: dict[str, Any] = {}
    if "RoleName" in p and op != "CreateRole":
        context.update(resource_tags(_role_tags(request, str(p["RoleName"]))))
    tags = query_tags(p)
    context.update(request_tags(tags))
    if op in SETS_BOUNDARY:
        if "PermissionsBoundary" in p:
            context["iam:PermissionsBoundary"] = str(p["PermissionsBoundary"])
    elif "RoleName" in p and service_reference.has_condition_key(f"iam:{op}",
                                                                 "iam:PermissionsBoundary"):
        boundary = role_boundary(request.account_id, str(p["RoleName"]))
        if boundary:
            context["iam:PermissionsBoundary"] = boundary
    if "PolicyArn" in p and op in ATTACHING:
        context["iam:PolicyARN"] = str(p["PolicyArn"])
        arn = _arn(dict_without(request, "PolicyArn"))
    needed = [Authorization(f"iam:{op}", arn, context)]
    if tags and op in TAGGING:
        needed.append(Authorization(TAGGING[op], arn, request_tags(tags)))
    return needed


def dict_without(request: Request, name: str) -> Request:
    from dataclasses import replace

    return replace(request, params={k: v for k, v in request.params.items() if k != name})
