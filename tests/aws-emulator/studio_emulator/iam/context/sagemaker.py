"""SageMaker Studio operations (SAR: "Actions, resources, and condition keys for Amazon SageMaker",
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html).

* Every operation is the action of its name (``sagemaker:CreateDomain`` ...).
* Resource ARNs (SAR resource types): ``domain/${DomainId}``,
  ``user-profile/${DomainId}/${UserProfileName}``, ``space/${DomainId}/${SpaceName}``,
  ``app/${DomainId}/${UserProfileName|SpaceName}/${AppType}/${AppName}``; a create is authorised
  on the ARN the new resource will have (a generated domain id as ``*``).
* ``aws:ResourceTag/*`` and ``sagemaker:ResourceTag/*`` are the tags of the resource acted on;
  a create carrying ``Tags`` has ``aws:RequestTag/*``/``aws:TagKeys`` and also needs
  ``sagemaker:AddTags`` on the new resource with ``sagemaker:TaggingAction`` = the create's name
  (SAR condition key ``sagemaker:TaggingAction``: "the name of the API operation that creates a
  taggable resource"; SageMaker Developer Guide, "Provide permissions for tagging SageMaker AI
  resources").
* CreateDomain/UpdateDomain pass ``DefaultUserSettings.ExecutionRole`` (and the default space
  settings' role), CreateUserProfile/UpdateUserProfile ``UserSettings.ExecutionRole``, to
  ``sagemaker.amazonaws.com``: ``iam:PassRole`` (SageMaker Developer Guide, "How to use SageMaker
  AI execution roles": "the user needs iam:PassRole").
"""

from __future__ import annotations

from typing import Any

from . import Authorization, Request, pass_role, request_tags, resource_tags

PREFIX = "sagemaker"
SERVICE_PRINCIPAL = "sagemaker.amazonaws.com"


def _tags_of(request: Request, arn: str) -> dict[str, str]:
    from ...sagemaker.models import sagemaker_studio_backends

    try:
        backend = sagemaker_studio_backends[request.account_id][request.region]
        tags = backend.tagger.list_tags_for_resource(arn)["Tags"]
    except Exception:
        return {}
    return {t["Key"]: t.get("Value", "") for t in tags}


def _arn_of(request: Request) -> str:
    p = request.params
    domain = p.get("DomainId") or "*"
    if "AppType" in p and "AppName" in p:
        owner = p.get("UserProfileName") or p.get("SpaceName") or "*"
        return request.arn(
            "sagemaker", f"app/{domain}/{owner}/{str(p['AppType']).lower()}/{p['AppName']}"
        )
    if "SpaceName" in p:
        return request.arn("sagemaker", f"space/{domain}/{p['SpaceName']}")
    if "UserProfileName" in p:
        return request.arn("sagemaker", f"user-profile/{domain}/{p['UserProfileName']}")
    if "DomainId" in p or request.operation in ("CreateDomain",):
        return request.arn("sagemaker", f"domain/{domain}")
    if "ResourceArn" in p:
        return str(p["ResourceArn"])
    return "*"


def _roles(request: Request) -> list[Any]:
    p = request.params
    roles = []
    for settings in ("DefaultUserSettings", "UserSettings", "DefaultSpaceSettings"):
        value = p.get(settings)
        if isinstance(value, dict):
            roles.append(value.get("ExecutionRole"))
    return roles


def default(request: Request) -> list[Authorization]:
    op = request.operation
    arn = _arn_of(request)
    context: dict[str, Any] = {}
    if arn != "*" and not op.startswith("Create"):
        context.update(resource_tags(_tags_of(request, arn), PREFIX))
    tags = request.params.get("Tags")
    if op == "AddTags":
        context.update(request_tags(tags))
    elif op == "DeleteTags":
        context["aws:TagKeys"] = list(request.params.get("TagKeys") or [])
    elif op.startswith("Create"):
        context.update(request_tags(tags))
    needed = [Authorization(f"sagemaker:{op}", arn, context)]
    if op.startswith("Create") and tags:
        needed.append(
            Authorization(
                "sagemaker:AddTags",
                arn,
                {**request_tags(tags), "sagemaker:TaggingAction": op},
            )
        )
    if op in ("CreateDomain", "UpdateDomain", "CreateUserProfile", "UpdateUserProfile"):
        for role in _roles(request):
            needed += pass_role(request, role, SERVICE_PRINCIPAL)
    return needed
