"""Service Catalog operations (SAR: "Actions, resources, and condition keys for AWS Service
Catalog", https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsservicecatalog.html).

* Every operation is the action of its name; ``ProvisionProduct``/``DescribeProduct`` on
  ``product/${ProductId}``, portfolio operations on ``portfolio/${PortfolioId}`` (Service
  Catalog ARNs have no region: ``arn:aws:catalog:${Region}:${Account}:portfolio/...`` -- the SAR
  lists them under the ``catalog`` service name); the end-user operations on provisioned
  products (Describe/Update/Terminate, DescribeRecord) on ``*``.
* The access-level keys ``servicecatalog:userLevel``/``roleLevel``/``accountLevel`` (SAR: on
  Search/ScanProvisionedProducts, ListRecordHistory, Describe/Update/TerminateProvisionedProduct,
  DescribeRecord). Service Catalog Admin Guide, "Example policies for managing provisioned
  products": access to provisioned products "created only by that user or created by others also
  under their role or the account", and "This access is hierarchical — granting account level
  access also grants role level access and user level access, while adding role level access
  also grants user level access but not account level access"; the ``AccessLevelFilter`` key
  ``Account``/``Role``/``User`` corresponds to ``accountLevel``/``roleLevel``/``userLevel``. So a
  request needing level L carries the key of L and of every level above it, each ``self``: a
  policy's ``userLevel = self`` admits only what the caller launched, ``accountLevel = self``
  everything. The level a request needs: the ``AccessLevelFilter`` it asks for (default
  ``Account`` for SearchProvisionedProducts, ``User`` for ScanProvisionedProducts and
  ListRecordHistory, the defaults botocore's model documents); for a provisioned product or its
  record, ``User`` when the caller launched it (the same IAM user or the same role session),
  ``Role`` when a session of the same role did, else ``Account``.
"""

from __future__ import annotations

from typing import Any

from . import Authorization, Request, request_tags

PREFIX = "servicecatalog"
#: Access levels, lowest first, and their condition keys.
LEVELS = ("User", "Role", "Account")
LEVEL_KEYS = {
    "User": "servicecatalog:userLevel",
    "Role": "servicecatalog:roleLevel",
    "Account": "servicecatalog:accountLevel",
}
#: Operations that take an ``AccessLevelFilter``, with the level used without one.
FILTERED = {"SearchProvisionedProducts": "Account", "ScanProvisionedProducts": "User",
            "ListRecordHistory": "User"}
#: Operations on one provisioned product (its id/name members) or one record (``Id``).
ON_PROVISIONED_PRODUCT = {
    "DescribeProvisionedProduct": ("Id", "Name"),
    "UpdateProvisionedProduct": ("ProvisionedProductId", "ProvisionedProductName"),
    "TerminateProvisionedProduct": ("ProvisionedProductId", "ProvisionedProductName"),
}


def level_keys(level: str) -> dict[str, str]:
    """The access-level keys of a request that needs ``level``: it and every level above."""
    return {LEVEL_KEYS[above]: "self" for above in LEVELS[LEVELS.index(level):]}


def _owner_key(request: Request) -> str | None:
    """The access key that launched the provisioned product the request acts on (None: none
    found: Service Catalog answers after IAM)."""
    from ...servicecatalog.models import provisioning_backends

    try:
        backend = provisioning_backends[request.account_id][request.region]
    except Exception:
        return None
    p = request.params
    if request.operation == "DescribeRecord":
        record = backend.records.get(str(p.get("Id") or ""))
        pp = backend.provisioned_products.get(record.provisioned_product_id) if record else None
    else:
        id_member, name_member = ON_PROVISIONED_PRODUCT[request.operation]
        pp_id, name = p.get(id_member), p.get(name_member)
        pp = next(
            (pp for pp in backend.provisioned_products.values()
             if (pp_id and pp.id == pp_id) or (name and name in (pp.name, pp.arn))),
            None,
        )
    return getattr(pp, "owner_key", None)


def _relation(owner_key: str | None) -> str:
    """``User``, ``Role`` or ``Account``: how the caller relates to the launching key."""
    from ..in_process import current_caller
    from ..principals import resolve

    caller = current_caller()
    if caller is None or owner_key is None:
        return "Account"
    if caller.access_key_id == owner_key:
        return "User"
    owner = resolve(owner_key)
    if owner is None:
        return "Account"
    if owner.arn == caller.arn:
        return "User"
    if owner.kind == caller.kind == "assumed-role" and owner.principal_arn == caller.principal_arn:
        return "Role"
    return "Account"


def access_level(request: Request) -> dict[str, Any]:
    """The access-level keys of the request (see the module's docstring); {} for others."""
    op = request.operation
    if op in FILTERED:
        wanted = request.params.get("AccessLevelFilter")
        key = wanted.get("Key") if isinstance(wanted, dict) else None
        return level_keys(key if key in LEVELS else FILTERED[op])
    if op in ON_PROVISIONED_PRODUCT or op == "DescribeRecord":
        return level_keys(_relation(_owner_key(request)))
    return {}


def default(request: Request) -> list[Authorization]:
    op = request.operation
    p = request.params
    context = request_tags(p.get("Tags"))
    if "ProductId" in p and op in ("ProvisionProduct", "DescribeProduct", "DescribeProductAsAdmin",
                                   "UpdateProduct", "DeleteProduct", "ListLaunchPaths",
                                   "DescribeProvisioningParameters",
                                   "AssociateProductWithPortfolio"):
        arn = request.arn("catalog", f"product/{p['ProductId']}")
        return [Authorization(f"servicecatalog:{op}", arn, context)]
    if "PortfolioId" in p or "Id" in p and "Portfolio" in op:
        portfolio = p.get("PortfolioId") or p.get("Id")
        arn = request.arn("catalog", f"portfolio/{portfolio}")
        return [Authorization(f"servicecatalog:{op}", arn, context)]
    return [Authorization(f"servicecatalog:{op}", "*", {**context, **access_level(request)})]
