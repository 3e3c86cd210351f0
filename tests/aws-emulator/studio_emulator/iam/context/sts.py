"""STS operations (SAR: "Actions, resources, and condition keys for AWS Security Token Service",
https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html).

* ``GetCallerIdentity`` needs no permission ("No permissions are required to perform this
  operation", STS API Reference, GetCallerIdentity).
* ``AssumeRole`` is ``sts:AssumeRole`` on the role, evaluated with the role's trust policy as the
  resource policy (IAM User Guide, "Policy evaluation logic": a role trust policy is a resource-
  based policy); ``sts:RoleSessionName`` and ``sts:ExternalId`` from the request; ``Tags`` make
  ``aws:RequestTag/*`` and need ``sts:TagSession`` (IAM User Guide, "Passing session tags in
  AWS STS").
* ``AssumeRoleWithSAML``/``AssumeRoleWithWebIdentity`` are not signed with credentials and are
  authorised by the trust policy alone, with the identity provider as the principal: decided
  in ``iam/federation.py`` before any credential is looked at (they never reach this table).
"""

from __future__ import annotations

from . import Authorization, Request, parse_json, query_tags, request_tags

PREFIX = "sts"


def assume_role(request: Request) -> list[Authorization]:
    from moto.iam.models import iam_backends

    role_arn = str(request.params.get("RoleArn", ""))
    account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else request.account_id
    trust = None
    try:
        role = iam_backends[account]["aws"].get_role_by_arn(role_arn)
        trust = parse_json(role.assume_role_policy_document)
    except Exception:
        trust = {"Version": "2012-10-17", "Statement": []}
    context = {"sts:RoleSessionName": str(request.params.get("RoleSessionName", ""))}
    if "ExternalId" in request.params:
        context["sts:ExternalId"] = str(request.params["ExternalId"])
    tags = query_tags(request.params)
    context.update(request_tags(tags))
    needed = [Authorization("sts:AssumeRole", role_arn, context, trust, account)]
    if tags:
        needed.append(Authorization("sts:TagSession", role_arn, context, trust, account))
    return needed


OPERATIONS = {
    "GetCallerIdentity": lambda _request: [],
    "AssumeRoleWithSAML": lambda _request: [],
    "AssumeRoleWithWebIdentity": lambda _request: [],
    "AssumeRole": assume_role,
}
