"""IAM operations (SAR: "Actions, resources, and condition keys for AWS Identity and Access
Management", https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html).

* Every operation is the action of its name; resources ``role/${RoleName}``,
  ``user/${UserName}``, ``group/${GroupName}``, ``policy/${PolicyName}`` (from ``PolicyArn``
  when the request names one), ``instance-profile/${Name}``; IAM is global (no region).
* ``aws:ResourceTag/*`` from a role's tags; CreateRole/CreateUser/CreatePolicy with ``Tags``
  have ``aws:RequestTag/*`` and need ``iam:TagRole``/``iam:TagUser``/``iam:TagPolicy`` (IAM User
  Guide, "Permissions required to tag IAM entities").
* ``iam:PermissionsBoundary`` on CreateRole/PutRolePermissionsBoundary/CreateUser (SAR condition
  key iam:PermissionsBoundary); ``iam:PolicyARN`` on Attach/Detach*Policy.
"""

from __future__ import annotations

from typing import Any

from . import Authorization, Request, query_tags, request_tags, resource_tags

PREFIX = "iam"


def _arn(request: Request) -> str:
    p = request.params
    account = request.account_id
    path = str(p.get("Path") or "/")
    if "RoleName" in p:
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


def _role_tags(request: Request, name: str) -> dict[str, str]:
    from moto.iam.models import iam_backends

    try:
        role = iam_backends[request.account_id]["aws"].get_role(name)
    except Exception:
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
    if "PermissionsBoundary" in p:
        context["iam:PermissionsBoundary"] = str(p["PermissionsBoundary"])
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
