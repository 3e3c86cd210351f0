"""What the emulator's services read of moto's AWS Organizations (one place for it).

* :func:`organization_of` -- the organisation an account belongs to (moto keeps it in the
  management account's backend; a member account is one of its ``accounts``);
* :func:`accounts_under` -- the member accounts of an OU or root and of its child OUs (Service
  Catalog's organisation-node shares and StackSets' OU targets both mean "the accounts in the OU
  and its child OUs": Service Catalog Administrator Guide, "Sharing with AWS Organizations";
  CloudFormation User Guide, "StackSets concepts");
* :func:`principal_org_keys` -- the global condition keys ``aws:PrincipalOrgID`` and
  ``aws:PrincipalOrgPaths`` of a principal of a member account (IAM User Guide, "AWS global
  condition context keys": PrincipalOrgID "the identifier of the organization in AWS
  Organizations to which the requesting principal belongs"; PrincipalOrgPaths "the AWS
  Organizations path for the principal who is making the request", e.g.
  ``o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-22222222/``, multivalued; both present "only if
  the principal is a member of an organization").
"""

from __future__ import annotations

from typing import Any


def organization_of(account_id: str) -> tuple[Any, bool] | None:
    """(moto's Organizations backend of ``account_id``'s organisation, whether the account is
    its management account), or None outside any organisation."""
    from moto.organizations.models import organizations_backends

    for account_backends in list(organizations_backends.values()):
        for backend in list(account_backends.values()):
            org = backend.org
            if org is None:
                continue
            if org.master_account_id == account_id:
                return backend, True
            if any(a.id == account_id for a in backend.accounts):
                return backend, False
    return None


def accounts_under(org_backend: Any, node_id: str, with_management: bool = False) -> list[str]:
    """The active accounts in the OU (or root) ``node_id`` and its child OUs, sorted; the
    management account only ``with_management``."""
    under = {node_id}
    while True:
        more = {ou.id for ou in org_backend.ou if ou.parent_id in under} - under
        if not more:
            break
        under |= more
    master = org_backend.org.master_account_id
    return sorted(
        a.id for a in org_backend.accounts
        if a.parent_id in under and (with_management or a.id != master)
        and getattr(a, "status", "ACTIVE") == "ACTIVE"
    )


def principal_org_keys(account_id: str) -> dict[str, Any]:
    """``aws:PrincipalOrgID`` and ``aws:PrincipalOrgPaths`` of a principal of ``account_id``
    (none outside an organisation)."""
    membership = organization_of(account_id)
    if membership is None:
        return {}
    backend = membership[0]
    org = backend.org
    parents = {ou.id: ou.parent_id for ou in backend.ou}
    account = next((a for a in backend.accounts if a.id == account_id), None)
    chain: list[str] = []
    node = account.parent_id if account is not None else None
    while node is not None and node not in chain:
        chain.append(node)
        node = parents.get(node)
    path = "/".join([org.id, *reversed(chain)]) + "/"
    return {"aws:PrincipalOrgID": org.id, "aws:PrincipalOrgPaths": [path]}
