"""Service Catalog operations (SAR: "Actions, resources, and condition keys for AWS Service
Catalog", https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsservicecatalog.html).

* Every operation is the action of its name; ``ProvisionProduct``/``DescribeProduct`` on
  ``product/${ProductId}``, portfolio operations on ``portfolio/${PortfolioId}`` (Service
  Catalog ARNs have no region: ``arn:aws:catalog:${Region}:${Account}:portfolio/...`` -- the SAR
  lists them under the ``catalog`` service name); the end-user operations on provisioned
  products (Describe/Update/Terminate, DescribeRecord) on ``*`` with
  ``servicecatalog:accountLevel``/``roleLevel``/``userLevel`` keys evaluated by the service
  itself (Service Catalog Admin Guide, "Controlling access to provisioned products").
"""

from __future__ import annotations

from . import Authorization, Request, request_tags

PREFIX = "servicecatalog"


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
    return [Authorization(f"servicecatalog:{op}", "*", context)]
