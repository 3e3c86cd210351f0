"""KMS operations (SAR: "Actions, resources, and condition keys for AWS Key Management Service",
https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html).

* Every operation is the action of its name; resource ``key/${KeyId}`` (an alias name or ARN is
  resolved to its key; CreateKey and the List operations are on ``*``).
* The key policy is the resource policy (KMS Developer Guide, "Key policies in AWS KMS": "every
  KMS key must have exactly one key policy").
* CreateKey with ``Tags`` has ``aws:RequestTag/*`` and needs ``kms:TagResource`` (KMS Developer
  Guide, "Tagging keys": to tag a key when you create it you need kms:TagResource);
  ``kms:CallerAccount`` is the caller's account (SAR condition key kms:CallerAccount).
"""

from __future__ import annotations

from typing import Any

from . import Authorization, Request, parse_json, request_tags, resource_tags

PREFIX = "kms"


def _tags(params: dict[str, Any]) -> list[dict[str, Any]]:
    """KMS spells a tag ``{TagKey, TagValue}``."""
    tags = params.get("Tags") or []
    return [{"Key": t.get("TagKey"), "Value": t.get("TagValue", "")} for t in tags]


def default(request: Request) -> list[Authorization]:
    from moto.kms.models import kms_backends

    op = request.operation
    p = request.params
    context: dict[str, Any] = {"kms:CallerAccount": request.account_id}
    if op == "CreateKey":
        tags = _tags(p)
        context.update(request_tags(tags))
        needed = [Authorization("kms:CreateKey", "*", context)]
        if tags:
            needed.append(Authorization("kms:TagResource", "*", request_tags(tags)))
        return needed
    key_id = p.get("KeyId") or p.get("TargetKeyId")
    if not key_id:
        return [Authorization(f"kms:{op}", "*", context)]
    backend = kms_backends[request.account_id][request.region]
    policy = None
    arn = request.arn("kms", f"key/{key_id}")
    try:
        key = backend.describe_key(str(key_id))
        arn = key.arn
        policy = parse_json(key.policy)
        tags = backend.list_resource_tags(key.id).get("Tags", [])
        context.update(resource_tags({t["TagKey"]: t["TagValue"] for t in tags}))
    except Exception:
        pass
    if op == "TagResource":
        context.update(request_tags(_tags(p)))
    return [Authorization(f"kms:{op}", arn, context, policy, arn.split(":")[4])]
