"""SageMaker Studio operations (SAR: "Actions, resources, and condition keys for Amazon SageMaker",
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html).

* Every operation is the action of its name (``sagemaker:CreateDomain`` ...).
* Resource ARNs (SAR resource types): ``domain/${DomainId}``,
  ``user-profile/${DomainId}/${UserProfileName}``, ``space/${DomainId}/${SpaceName}``,
  ``app/${DomainId}/${UserProfileName|SpaceName}/${AppType}/${AppName}``; a create is authorised
  on the ARN the new resource will have (a generated domain id as ``*``). Notebook instances,
  endpoints, endpoint configs and models: ``notebook-instance/${NotebookInstanceName}``,
  ``endpoint/${EndpointName}``, ``endpoint-config/${EndpointConfigName}``,
  ``model/${ModelName}``, their tags read from moto's SageMaker. ``CreatePresignedDomainUrl``:
  the user profile, also with ``SpaceName`` (its one SAR resource type is user-profile).
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
* ``sagemaker:OwnerUserProfileArn`` ("Filters access by the OwnerUserProfile arn associated with
  the space in the request") and ``sagemaker:SpaceSharingType`` ("Filters access by the space
  sharing type"), which the SAR lists for CreateSpace, UpdateSpace, DeleteSpace, CreateApp and
  DeleteApp: for CreateSpace the request's ``OwnershipSettings.OwnerUserProfileName`` (as the
  profile's ARN in the space's domain) and ``SpaceSharingSettings.SharingType``; for the others
  those of the space named (an app's ``SpaceName``). A shared space made without ownership
  settings, and an app of a user profile (no space), have neither key (SageMaker API
  Reference, OwnershipSettings: "The user profile who is the owner of the space").
"""

from __future__ import annotations

from typing import Any

from . import Authorization, Request, pass_role, request_tags, resource_tags

PREFIX = "sagemaker"
SERVICE_PRINCIPAL = "sagemaker.amazonaws.com"


#: Request parameter -> SAR resource type of the notebook and inference resources (moto's own
#: SageMaker keeps them, with their tags; the emulator's Studio backend keeps the rest).
_NAMED_RESOURCES = (
    ("NotebookInstanceName", "notebook-instance"),
    ("EndpointName", "endpoint"),
    ("EndpointConfigName", "endpoint-config"),
    ("ModelName", "model"),
    # SAR resource type studio-lifecycle-config/${StudioLifecycleConfigName}
    # (sagemaker/lifecycle_configs.py keeps them, with their tags).
    ("StudioLifecycleConfigName", "studio-lifecycle-config"),
)


def _moto_resource_tags(request: Request, arn: str) -> list[dict[str, str]] | None:
    """The tags of a notebook instance or endpoint ``arn`` as moto's SageMaker holds them
    (``ListTags`` answers them: ``notebooks.py``); None for any other ARN."""
    from moto.sagemaker.models import sagemaker_backends

    kind, _, name = arn.split(":", 5)[-1].partition("/")
    try:
        backend = sagemaker_backends[request.account_id][request.region]
        resources = {"notebook-instance": backend.notebook_instances, "endpoint": backend.endpoints}
    except Exception:
        return None
    if kind not in resources:
        return None
    resource = resources[kind].get(name)
    return list(getattr(resource, "tags", None) or [])


def _tags_of(request: Request, arn: str) -> dict[str, str]:
    from ...sagemaker.models import sagemaker_studio_backends

    from ...sagemaker.lifecycle_configs import lifecycle_config_tags

    moto_tags = _moto_resource_tags(request, arn)
    if moto_tags is not None:
        return {t["Key"]: t.get("Value", "") for t in moto_tags}
    config_tags = lifecycle_config_tags(request.account_id, request.region, arn)
    if config_tags is not None:
        return config_tags
    try:
        backend = sagemaker_studio_backends[request.account_id][request.region]
        tags = backend.tagger.list_tags_for_resource(arn)["Tags"]
    except Exception:
        return {}
    return {t["Key"]: t.get("Value", "") for t in tags}


def _arn_of(request: Request) -> str:
    p = request.params
    domain = p.get("DomainId") or "*"
    if request.operation == "CreatePresignedDomainUrl":
        # SAR: its one resource type is user-profile, also for a URL into a space (SpaceName).
        return request.arn("sagemaker", f"user-profile/{domain}/{p.get('UserProfileName') or '*'}")
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
    # SAR resource types notebook-instance/${NotebookInstanceName}, endpoint/${EndpointName},
    # endpoint-config/${EndpointConfigName}, model/${ModelName}: the action's required resource
    # (StopNotebookInstance: notebook-instance*; DeleteEndpoint: endpoint*).
    for parameter, resource_type in _NAMED_RESOURCES:
        if parameter in p:
            return request.arn("sagemaker", f"{resource_type}/{p[parameter]}")
    if "ResourceArn" in p:
        return str(p["ResourceArn"])
    return "*"


#: The operations whose SAR rows list sagemaker:OwnerUserProfileArn and SpaceSharingType.
SPACE_OWNERSHIP_OPERATIONS = frozenset(
    {"CreateSpace", "UpdateSpace", "DeleteSpace", "CreateApp", "DeleteApp"}
)


def _space_ownership(request: Request) -> dict[str, Any]:
    """``sagemaker:OwnerUserProfileArn`` and ``sagemaker:SpaceSharingType`` of the space the
    request creates or acts in (see the module's docstring); {} when there is none."""
    p = request.params
    domain = p.get("DomainId")
    space = p.get("SpaceName")
    if request.operation not in SPACE_OWNERSHIP_OPERATIONS or not domain or not space:
        return {}
    if request.operation == "CreateSpace":
        ownership = p.get("OwnershipSettings")
        sharing = p.get("SpaceSharingSettings")
        owner = ownership.get("OwnerUserProfileName") if isinstance(ownership, dict) else None
        sharing_type = sharing.get("SharingType") if isinstance(sharing, dict) else None
    else:
        from ...sagemaker.models import sagemaker_studio_backends

        try:
            found = sagemaker_studio_backends[request.account_id][request.region]._get_space(
                str(domain), str(space)
            )
        except Exception:  # no such space: SageMaker answers ResourceNotFound after IAM
            return {}
        owner, sharing_type = found.owner, found.sharing_type
    keys: dict[str, Any] = {}
    if owner:
        keys["sagemaker:OwnerUserProfileArn"] = request.arn(
            "sagemaker", f"user-profile/{domain}/{owner}"
        )
    if sharing_type:
        keys["sagemaker:SpaceSharingType"] = str(sharing_type)
    return keys


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
    # A create's resource does not exist yet; CreatePresignedDomainUrl acts on an existing
    # user profile, whose resource type carries aws:ResourceTag/* and sagemaker:ResourceTag/*
    # (SAR, SageMaker AI resource types: user-profile), so its tags are in the context.
    if arn != "*" and (not op.startswith("Create") or op == "CreatePresignedDomainUrl"):
        context.update(resource_tags(_tags_of(request, arn), PREFIX))
    tags = request.params.get("Tags")
    if op == "AddTags":
        context.update(request_tags(tags))
    elif op == "DeleteTags":
        context["aws:TagKeys"] = list(request.params.get("TagKeys") or [])
    elif op.startswith("Create"):
        context.update(request_tags(tags))
    context.update(_space_ownership(request))
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
