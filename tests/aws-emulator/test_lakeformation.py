"""Lake Formation permissions in the emulator, driven with boto3 like the real service.

Run: .venv/bin/python -m pytest -q tests/aws-emulator/test_lakeformation.py
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import ACCOUNT, error
from emulator_client import unique as _unique

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


# Glue names: underscores, not hyphens.
unique = functools.partial(_unique, separator="_")


@pytest.fixture()
def role(iam: Any) -> str:
    name = unique("ds-role")
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]


@pytest.fixture()
def table(glue: Any) -> tuple[str, str]:
    database = unique("sales")
    glue.create_database(DatabaseInput={"Name": database})
    name = unique("orders")
    create_table(glue, database, name)
    return database, name


def create_table(glue: Any, database: str, name: str) -> None:
    glue.create_table(
        DatabaseName=database,
        TableInput={
            "Name": name,
            "StorageDescriptor": {
                "Columns": [
                    {"Name": "order_id", "Type": "string"},
                    {"Name": "amount", "Type": "double"},
                    {"Name": "email", "Type": "string"},
                ]
            },
            "PartitionKeys": [{"Name": "day", "Type": "string"}],
        },
    )


def principal(arn: str) -> dict[str, str]:
    return {"DataLakePrincipalIdentifier": arn}


def table_resource(database: str, name: str) -> dict[str, Any]:
    return {"Table": {"DatabaseName": database, "Name": name}}


def batch_entry(
    entry_id: str, role: str, resource: dict[str, Any], permissions: list[str]
) -> dict[str, Any]:
    """One entry of BatchGrantPermissions/BatchRevokePermissions."""
    return {
        "Id": entry_id,
        "Principal": principal(role),
        "Resource": resource,
        "Permissions": permissions,
    }


def columns_resource(database: str, name: str, columns: list[str]) -> dict[str, Any]:
    return {
        "TableWithColumns": {
            "DatabaseName": database,
            "Name": name,
            "ColumnNames": columns,
        }
    }


def listed(lf: Any, who: str, resource: dict[str, Any]) -> list[dict[str, Any]]:
    entries = lf.list_permissions(Principal=principal(who), Resource=resource)[
        "PrincipalResourcePermissions"
    ]
    return [
        {
            "Resource": e["Resource"],
            "Permissions": sorted(e["Permissions"]),
            "PermissionsWithGrantOption": sorted(e["PermissionsWithGrantOption"]),
        }
        for e in entries
    ]


# --------------------------------------------------------------------------
# Grants and listing
# --------------------------------------------------------------------------


def test_a_table_grant_is_listed_for_its_principal_and_table(lf, role, table):
    database, name = table
    lf.grant_permissions(
        Principal=principal(role),
        Resource=table_resource(database, name),
        Permissions=["SELECT", "DESCRIBE"],
        PermissionsWithGrantOption=["DESCRIBE"],
    )
    assert listed(lf, role, table_resource(database, name)) == [
        {
            "Resource": {
                "Table": {"CatalogId": ACCOUNT, "DatabaseName": database, "Name": name}
            },
            "Permissions": ["DESCRIBE", "SELECT"],
            "PermissionsWithGrantOption": ["DESCRIBE"],
        }
    ]


def test_a_repeated_grant_merges_and_changes_nothing_else(lf, role, table):
    database, name = table
    for permissions in (["SELECT"], ["SELECT", "INSERT"], ["SELECT"]):
        lf.grant_permissions(
            Principal=principal(role),
            Resource=table_resource(database, name),
            Permissions=permissions,
        )
    [entry] = listed(lf, role, table_resource(database, name))
    assert entry["Permissions"] == ["INSERT", "SELECT"]


def test_listing_filters_by_principal_and_resource(lf, iam, role, table, glue):
    database, name = table
    other_role = iam.create_role(
        RoleName=unique("other"), AssumeRolePolicyDocument=TRUST
    )["Role"]["Arn"]
    other_table = unique("customers")
    create_table(glue, database, other_table)
    lf.grant_permissions(
        Principal=principal(role),
        Resource=table_resource(database, name),
        Permissions=["SELECT"],
    )
    lf.grant_permissions(
        Principal=principal(other_role),
        Resource=table_resource(database, name),
        Permissions=["ALTER"],
    )
    lf.grant_permissions(
        Principal=principal(role),
        Resource=table_resource(database, other_table),
        Permissions=["DROP"],
    )

    mine = listed(lf, role, table_resource(database, name))
    assert [e["Permissions"] for e in mine] == [["SELECT"]]
    on_table = lf.list_permissions(Resource=table_resource(database, name))[
        "PrincipalResourcePermissions"
    ]
    assert sorted(
        e["Principal"]["DataLakePrincipalIdentifier"] for e in on_table
    ) == sorted([role, other_role])
    tables = lf.list_permissions(ResourceType="TABLE")["PrincipalResourcePermissions"]
    assert (
        len(
            [e for e in tables if e["Principal"]["DataLakePrincipalIdentifier"] == role]
        )
        == 2
    )


def test_a_principal_filter_needs_a_resource(lf, role):
    with pytest.raises(ClientError) as exc:
        lf.list_permissions(Principal=principal(role))
    assert error(exc) == (
        "InvalidInputException",
        "Resource is mandatory if Principal is set in the input.",
    )


def test_listing_paginates(lf, role, glue):
    database = unique("paged")
    glue.create_database(DatabaseInput={"Name": database})
    for index in range(3):
        create_table(glue, database, f"t{index}")
        lf.grant_permissions(
            Principal=principal(role),
            Resource=table_resource(database, f"t{index}"),
            Permissions=["SELECT"],
        )
    seen = []
    kwargs: dict[str, Any] = {"ResourceType": "TABLE", "MaxResults": 1}
    while True:
        page = lf.list_permissions(**kwargs)
        seen.extend(page["PrincipalResourcePermissions"])
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    names = {
        e["Resource"]["Table"]["Name"]
        for e in seen
        if e["Resource"].get("Table", {}).get("DatabaseName") == database
    }
    assert names == {"t0", "t1", "t2"}


def test_a_grant_on_a_missing_table_or_database_is_entity_not_found(lf, role, table):
    database, _ = table
    with pytest.raises(ClientError) as exc:
        lf.grant_permissions(
            Principal=principal(role),
            Resource=table_resource(database, "nope"),
            Permissions=["SELECT"],
        )
    assert error(exc)[0] == "EntityNotFoundException"
    with pytest.raises(ClientError) as exc:
        lf.grant_permissions(
            Principal=principal(role),
            Resource={"Database": {"Name": "no_such_db"}},
            Permissions=["DESCRIBE"],
        )
    assert error(exc)[0] == "EntityNotFoundException"


def test_a_role_iam_does_not_know_is_an_invalid_principal(lf, table, iam):
    database, name = table
    missing = f"arn:aws:iam::{ACCOUNT}:role/{unique('not-yet')}"
    with pytest.raises(ClientError) as exc:
        lf.grant_permissions(
            Principal=principal(missing),
            Resource=table_resource(database, name),
            Permissions=["SELECT"],
        )
    code, message = error(exc)
    assert code == "InvalidInputException"
    assert message.startswith("Invalid principal")

    # Once IAM knows the role, the same grant succeeds.
    iam.create_role(RoleName=missing.rsplit("/", 1)[1], AssumeRolePolicyDocument=TRUST)
    lf.grant_permissions(
        Principal=principal(missing),
        Resource=table_resource(database, name),
        Permissions=["SELECT"],
    )
    assert listed(lf, missing, table_resource(database, name))


def test_iam_allowed_principals_needs_no_iam_entity(lf, table):
    database, name = table
    lf.grant_permissions(
        Principal=principal("IAM_ALLOWED_PRINCIPALS"),
        Resource=table_resource(database, name),
        Permissions=["ALL"],
    )
    assert listed(lf, "IAM_ALLOWED_PRINCIPALS", table_resource(database, name))


def test_a_resource_with_two_shapes_or_an_unknown_permission_is_invalid(
    lf, role, table
):
    database, name = table
    with pytest.raises(ClientError) as exc:
        lf.grant_permissions(
            Principal=principal(role),
            Resource={**table_resource(database, name), "Database": {"Name": database}},
            Permissions=["SELECT"],
        )
    assert error(exc)[0] == "InvalidInputException"


# --------------------------------------------------------------------------
# Revokes
# --------------------------------------------------------------------------


def test_revoking_what_was_never_granted_is_invalid_input(lf, role, table):
    database, name = table
    with pytest.raises(ClientError) as exc:
        lf.revoke_permissions(
            Principal=principal(role),
            Resource=table_resource(database, name),
            Permissions=["SELECT"],
        )
    assert error(exc) == (
        "InvalidInputException",
        "No permissions revoked. Grantee has no permissions and no grantable "
        "permissions on resource",
    )


def test_revoking_twice_answers_nothing_revoked_the_second_time(lf, role, table):
    database, name = table
    args = dict(
        Principal=principal(role),
        Resource=table_resource(database, name),
        Permissions=["SELECT"],
    )
    lf.grant_permissions(**args)
    lf.revoke_permissions(**args)
    assert listed(lf, role, table_resource(database, name)) == []
    with pytest.raises(ClientError) as exc:
        lf.revoke_permissions(**args)
    assert error(exc)[1].startswith("No permissions revoked")


def test_revoking_part_of_a_grant_keeps_the_rest(lf, role, table):
    database, name = table
    lf.grant_permissions(
        Principal=principal(role),
        Resource=table_resource(database, name),
        Permissions=["SELECT", "INSERT", "DELETE"],
        PermissionsWithGrantOption=["SELECT"],
    )
    # INSERT is held, ALTER is not: the held one goes, no error.
    lf.revoke_permissions(
        Principal=principal(role),
        Resource=table_resource(database, name),
        Permissions=["INSERT", "ALTER"],
        PermissionsWithGrantOption=["SELECT"],
    )
    [entry] = listed(lf, role, table_resource(database, name))
    assert entry["Permissions"] == ["DELETE", "SELECT"]
    assert entry["PermissionsWithGrantOption"] == []


def test_grants_on_a_dropped_table_disappear_and_revoking_is_entity_not_found(
    lf, glue, role, table
):
    database, name = table
    lf.grant_permissions(
        Principal=principal(role),
        Resource=table_resource(database, name),
        Permissions=["SELECT"],
    )
    glue.delete_table(DatabaseName=database, Name=name)

    with pytest.raises(ClientError) as exc:
        lf.revoke_permissions(
            Principal=principal(role),
            Resource=table_resource(database, name),
            Permissions=["SELECT"],
        )
    assert error(exc)[0] == "EntityNotFoundException"
    everything = lf.list_permissions()["PrincipalResourcePermissions"]
    assert not [
        e for e in everything if e["Resource"].get("Table", {}).get("Name") == name
    ]

    # A table re-created under the same name starts without grants.
    create_table(glue, database, name)
    assert listed(lf, role, table_resource(database, name)) == []


# --------------------------------------------------------------------------
# Column-level permissions
# --------------------------------------------------------------------------


def test_column_grants_merge_and_are_listed_as_table_with_columns(lf, role, table):
    database, name = table
    lf.grant_permissions(
        Principal=principal(role),
        Resource=columns_resource(database, name, ["order_id", "amount"]),
        Permissions=["SELECT"],
    )
    lf.grant_permissions(
        Principal=principal(role),
        Resource=columns_resource(database, name, ["amount", "day"]),
        Permissions=["SELECT"],
    )
    expected = [
        {
            "Resource": {
                "TableWithColumns": {
                    "CatalogId": ACCOUNT,
                    "DatabaseName": database,
                    "Name": name,
                    "ColumnNames": ["amount", "day", "order_id"],
                }
            },
            "Permissions": ["SELECT"],
            "PermissionsWithGrantOption": [],
        }
    ]
    assert listed(lf, role, table_resource(database, name)) == expected


def test_revoking_some_columns_keeps_the_others(lf, role, table):
    database, name = table
    lf.grant_permissions(
        Principal=principal(role),
        Resource=columns_resource(database, name, ["order_id", "amount", "day"]),
        Permissions=["SELECT"],
    )
    lf.revoke_permissions(
        Principal=principal(role),
        Resource=columns_resource(database, name, ["amount"]),
        Permissions=["SELECT"],
    )
    [entry] = listed(lf, role, table_resource(database, name))
    assert entry["Resource"]["TableWithColumns"]["ColumnNames"] == ["day", "order_id"]
    with pytest.raises(ClientError) as exc:
        lf.revoke_permissions(
            Principal=principal(role),
            Resource=columns_resource(database, name, ["email"]),
            Permissions=["SELECT"],
        )
    assert error(exc)[1].startswith("No permissions revoked")


def test_a_column_wildcard_with_exclusions_is_its_own_entry(lf, role, table):
    database, name = table
    resource = {
        "TableWithColumns": {
            "DatabaseName": database,
            "Name": name,
            "ColumnWildcard": {"ExcludedColumnNames": ["email"]},
        }
    }
    lf.grant_permissions(
        Principal=principal(role), Resource=resource, Permissions=["SELECT"]
    )
    [entry] = listed(lf, role, table_resource(database, name))
    assert entry["Resource"]["TableWithColumns"]["ColumnWildcard"] == {
        "ExcludedColumnNames": ["email"]
    }
    lf.revoke_permissions(
        Principal=principal(role), Resource=resource, Permissions=["SELECT"]
    )
    assert listed(lf, role, table_resource(database, name)) == []


def test_unknown_columns_and_names_with_a_wildcard_are_invalid(lf, role, table):
    database, name = table
    with pytest.raises(ClientError) as exc:
        lf.grant_permissions(
            Principal=principal(role),
            Resource=columns_resource(database, name, ["ssn"]),
            Permissions=["SELECT"],
        )
    assert error(exc)[0] == "InvalidInputException"
    with pytest.raises(ClientError) as exc:
        lf.grant_permissions(
            Principal=principal(role),
            Resource={
                "TableWithColumns": {
                    "DatabaseName": database,
                    "Name": name,
                    "ColumnNames": ["amount"],
                    "ColumnWildcard": {},
                }
            },
            Permissions=["SELECT"],
        )
    assert error(exc)[0] == "InvalidInputException"


# --------------------------------------------------------------------------
# Other shapes, batches
# --------------------------------------------------------------------------


def test_catalog_database_and_lf_tag_grants_are_listed_by_shape(lf, role, glue):
    database = unique("lake")
    glue.create_database(DatabaseInput={"Name": database})
    key = unique("team")
    lf.create_lf_tag(TagKey=key, TagValues=["ds", "bi"])
    lf.grant_permissions(
        Principal=principal(role),
        Resource={"Catalog": {}},
        Permissions=["CREATE_DATABASE"],
    )
    lf.grant_permissions(
        Principal=principal(role),
        Resource={"Database": {"Name": database}},
        Permissions=["CREATE_TABLE"],
    )
    lf.grant_permissions(
        Principal=principal(role),
        Resource={"LFTag": {"TagKey": key, "TagValues": ["ds"]}},
        Permissions=["ASSOCIATE"],
    )
    assert listed(lf, role, {"Catalog": {}})[0]["Permissions"] == ["CREATE_DATABASE"]
    assert listed(lf, role, {"Database": {"Name": database}})[0]["Permissions"] == [
        "CREATE_TABLE"
    ]
    [tag] = listed(lf, role, {"LFTag": {"TagKey": key, "TagValues": ["ds"]}})
    assert tag["Resource"]["LFTag"]["TagValues"] == ["ds"]
    with pytest.raises(ClientError) as exc:
        lf.grant_permissions(
            Principal=principal(role),
            Resource={"LFTag": {"TagKey": key, "TagValues": ["nope"]}},
            Permissions=["ASSOCIATE"],
        )
    assert error(exc)[0] == "EntityNotFoundException"


def test_batch_revoke_reports_what_was_not_granted_as_a_failure(lf, role, table):
    database, name = table
    granted = lf.batch_grant_permissions(
        Entries=[batch_entry("1", role, table_resource(database, name), ["SELECT"])]
    )
    assert granted["Failures"] == []
    revoked = lf.batch_revoke_permissions(
        Entries=[
            batch_entry("1", role, table_resource(database, name), ["SELECT"]),
            batch_entry("2", role, table_resource(database, name), ["INSERT"]),
        ]
    )
    assert [f["RequestEntry"]["Id"] for f in revoked["Failures"]] == ["2"]
    assert revoked["Failures"][0]["Error"]["ErrorCode"] == "InvalidInputException"
