"""SSM Parameter Store operations (SAR: "Actions, resources, and condition keys for AWS Systems
Manager", https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html).

* Every operation is the action of its name; resource ``parameter/${ParameterName}`` (a name
  given with its leading ``/`` is joined without doubling it: "parameter/studio-catalog/x";
  GetParameters/DeleteParameters: each name; DescribeParameters: ``*``).
* PutParameter with ``Tags`` needs ``ssm:AddTagsToResource`` (Systems Manager User Guide,
  "Tagging parameters": "to tag a parameter when you create it ... ssm:AddTagsToResource").
"""

from __future__ import annotations

from . import Authorization, Request, request_tags

PREFIX = "ssm"


def _arn(request: Request, name: str) -> str:
    if name.startswith("arn:"):
        return name
    return request.arn("ssm", "parameter/" + name.lstrip("/"))


def default(request: Request) -> list[Authorization]:
    op = request.operation
    p = request.params
    if "Names" in p:
        return [Authorization(f"ssm:{op}", _arn(request, str(n))) for n in p["Names"] or []]
    if "Name" not in p:
        return [Authorization(f"ssm:{op}")]
    arn = _arn(request, str(p["Name"]))
    tags = p.get("Tags")
    needed = [Authorization(f"ssm:{op}", arn, request_tags(tags))]
    if op == "PutParameter" and tags:
        needed.append(Authorization("ssm:AddTagsToResource", arn, request_tags(tags)))
    return needed
