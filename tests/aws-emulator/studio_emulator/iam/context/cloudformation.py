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
"""

from __future__ import annotations

from typing import Any

from . import Authorization, Request, pass_role, request_tags

PREFIX = "cloudformation"


def _tags(params: dict[str, Any]) -> list[dict[str, str]]:
    tags = []
    index = 1
    while f"Tags.member.{index}.Key" in params:
        tags.append(
            {
                "Key": params[f"Tags.member.{index}.Key"],
                "Value": params.get(f"Tags.member.{index}.Value", ""),
            }
        )
        index += 1
    return tags


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


def default(request: Request) -> list[Authorization]:
    op = request.operation
    p = request.params
    name = p.get("StackName")
    if not name:
        return [Authorization(f"cloudformation:{op}")]
    arn = _stack_arn(request, str(name))
    tags = _tags(p)
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
    return needed
