"""Glue Data Catalog operations (SAR: "Actions, resources, and condition keys for AWS Glue",
https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsglue.html; Glue
Developer Guide, "Specifying AWS Glue resource ARNs").

Every operation is the action of its name; resources ``catalog`` (the account's, or
``CatalogId``'s), ``database/${DatabaseName}``, ``table/${DatabaseName}/${TableName}``. A
database or table operation is also authorised on its catalog (the Developer Guide: "access to
a table requires access to its database and catalog") -- here: the main resource only.
"""

from __future__ import annotations

from . import Authorization, Request

PREFIX = "glue"


def default(request: Request) -> list[Authorization]:
    p = request.params
    account = str(p.get("CatalogId") or request.account_id)
    database = p.get("DatabaseName") or (p.get("DatabaseInput") or {}).get("Name")
    table = p.get("Name") if database and "Table" in request.operation else None
    if table is None and isinstance(p.get("TableInput"), dict):
        table = p["TableInput"].get("Name")
    if database and table:
        resource = f"table/{database}/{table}"
    elif database:
        resource = f"database/{database}"
    elif "Database" in request.operation and p.get("Name"):
        resource = f"database/{p['Name']}"
    else:
        resource = "catalog"
    return [
        Authorization(
            f"glue:{request.operation}",
            request.arn("glue", resource, account=account),
            {},
            None,
            account,
        )
    ]
