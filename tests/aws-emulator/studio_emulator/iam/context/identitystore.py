"""Identity Store operations (SAR: "Actions, resources, and condition keys for AWS Identity Store",
https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentitystore.html).

* GetUserId / GetGroupId name two resource types: ``Identitystore``
  (``arn:${Partition}:identitystore::${Account}:identitystore/${IdentityStoreId}``) and ``User``
  / ``Group``; the user or group is what the call looks up, so it is ``AllUsers``
  (``arn:${Partition}:identitystore:::user/*``) / ``AllGroups`` (``...:group/*``).
* DescribeUser / DescribeGroup: the identity store and ``user/${UserId}`` / ``group/${GroupId}``.
* Every other operation with an ``IdentityStoreId``: the action on the identity store; else ``*``.
"""

from __future__ import annotations

from . import Authorization, Request

PREFIX = "identitystore"

_MEMBERS = {
    "GetUserId": "user/*",
    "GetGroupId": "group/*",
}


def default(request: Request) -> list[Authorization]:
    op = request.operation
    p = request.params
    store_id = p.get("IdentityStoreId")
    if not isinstance(store_id, str):
        return [Authorization(f"identitystore:{op}")]
    store = f"arn:aws:identitystore::{request.account_id}:identitystore/{store_id}"
    needed = [Authorization(f"identitystore:{op}", store)]
    member = _MEMBERS.get(op)
    if op == "DescribeUser" and isinstance(p.get("UserId"), str):
        member = f"user/{p['UserId']}"
    if op == "DescribeGroup" and isinstance(p.get("GroupId"), str):
        member = f"group/{p['GroupId']}"
    if member is not None:
        needed.append(Authorization(f"identitystore:{op}", f"arn:aws:identitystore:::{member}"))
    return needed
