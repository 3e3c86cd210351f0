"""CloudFormation operations (SAR: "Actions, resources, and condition keys for AWS
CloudFormation", https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html).

* Every operation is the action of its name; resource ``stack/${StackName}/${Id}`` (the stack's
  ARN when it exists, else ``stack/${StackName}/*``); ListStacks/ListExports/ValidateTemplate on
  ``*``.
* ``cloudformation:RoleArn``, ``cloudformation:TemplateUrl`` from the request (SAR condition
  keys); ``Tags`` make ``aws:RequestTag/*`` and need ``cloudformation:TagResource``
  (CloudFormation User Guide, "Control access with IAM": since 2024 tagging on create needs
  cloudformation:TagResource).
* CreateStack/UpdateStack with ``RoleARN`` pass it to ``cloudformation.amazonaws.com``:
  ``iam:PassRole`` (CloudFormation User Guide, "CloudFormation service role").
* A ``TemplateURL`` (CreateStack, UpdateStack, ValidateTemplate, GetTemplateSummary, CreateChangeSet)
  is read as the caller: ``s3:GetObject`` on the object, with its bucket's policy (API reference,
  CreateStack ``TemplateURL``: "the location of a file containing the template body ... in an
  Amazon S3 bucket"; User Guide, "Controlling access with IAM": the caller needs s3:GetObject on
  the template; CloudFormation reads it with the caller's credentials).
* StackSet operations naming a ``StackSetName`` act on the ``stackset`` resource
  (``stackset/${StackSetName}:${Id}``: the stack set's ARN when it exists in the caller's account
  and region, else ``stackset/<name>:*``); the instance operations and UpdateStackSet carry
  ``cloudformation:TargetRegion`` (the request's ``Regions``). CreateStackSet,
  ActivateOrganizationsAccess and DescribeOrganizationsAccess have no resource type (``*``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlparse

from . import Authorization, Request, pass_role, query_tags, request_tags

PREFIX = "cloudformation"


def _stack_arn(request: Request, name: str) -> str:
    if name.startswith("arn:"):
        return name
    from moto.cloudformation.models import cloudformation_backends

    try:
        backend = cloudformation_backends[request.account_id][request.region]
        for stack in backend.stacks.values():
            if stack.name == name and stack.status != "DELETE_COMPLETE":
                return str(stack.stack_id)
    except Exception:
        pass
    return request.arn("cloudformation", f"stack/{name}/*")


def template_read(url: Any) -> list[Authorization]:
    """``s3:GetObject`` of the template a ``TemplateURL`` names (path style
    ``https://host/bucket/key`` or virtual-hosted ``https://bucket.s3....amazonaws.com/key``)."""
    if not isinstance(url, str) or not url:
        return []
    parsed = urlparse(url)
    host, path = parsed.hostname or "", unquote(parsed.path).lstrip("/")
    if ".s3" in host and host.endswith("amazonaws.com") and not host.startswith("s3"):
        bucket, key = host.split(".s3", 1)[0], path
    else:
        bucket, _, key = path.partition("/")
    if not bucket or not key:
        return []
    from .s3 import object_read

    return [object_read(bucket, key)]


def _stack_set_arn(request: Request, name: str) -> str:
    if name.startswith("arn:"):
        return name
    from ...cloudformation.stack_sets import stack_set_arn

    return stack_set_arn(request.account_id, request.region, name) or request.arn(
        "cloudformation", f"stackset/{name.split(':', 1)[0]}:*")


_TARGET_REGION_OPERATIONS = (
    "CreateStackInstances", "UpdateStackInstances", "DeleteStackInstances", "UpdateStackSet",
)


def _stack_set(request: Request) -> list[Authorization]:
    op = request.operation
    p = request.params
    context: dict[str, Any] = {}
    regions = [v for k, v in sorted(p.items()) if k.startswith("Regions.member.")]
    if op in _TARGET_REGION_OPERATIONS and regions:
        context["cloudformation:TargetRegion"] = regions
    if op in ("UpdateStackSet", "CreateStackSet"):
        tags = query_tags(p)
        context.update(request_tags(tags))
        if p.get("TemplateURL"):
            context["cloudformation:TemplateUrl"] = str(p["TemplateURL"])
    if op == "CreateStackSet":
        return [Authorization(f"cloudformation:{op}", "*", context)] + template_read(p.get("TemplateURL"))
    arn = _stack_set_arn(request, str(p["StackSetName"]))
    return [Authorization(f"cloudformation:{op}", arn, context)] + template_read(p.get("TemplateURL"))


def default(request: Request) -> list[Authorization]:
    op = request.operation
    p = request.params
    if p.get("StackSetName"):
        return _stack_set(request)
    name = p.get("StackName")
    if not name:
        return [Authorization(f"cloudformation:{op}")] + template_read(p.get("TemplateURL"))
    arn = _stack_arn(request, str(name))
    tags = query_tags(p)
    context: dict[str, Any] = request_tags(tags)
    if p.get("RoleARN"):
        context["cloudformation:RoleArn"] = str(p["RoleARN"])
    if p.get("TemplateURL"):
        context["cloudformation:TemplateUrl"] = str(p["TemplateURL"])
    needed = [Authorization(f"cloudformation:{op}", arn, context)]
    if tags and op in ("CreateStack", "UpdateStack"):
        needed.append(Authorization("cloudformation:TagResource", arn, request_tags(tags)))
    if op in ("CreateStack", "UpdateStack"):
        needed += pass_role(request, p.get("RoleARN"), "cloudformation.amazonaws.com")
    return needed + template_read(p.get("TemplateURL"))
