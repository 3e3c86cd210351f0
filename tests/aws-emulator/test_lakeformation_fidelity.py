"""Lake Formation rules the API reference and developer guide document (see the
docstring of ``studio_emulator/lakeformation.py`` for each source).

Run: .venv/bin/python -m pytest -q tests/aws-emulator/test_lakeformation_fidelity.py
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import client, error
from test_lakeformation import (  # noqa: F401  (fixtures)
    batch_entry,
    columns_resource,
    principal,
    role,
    table,
    table_resource,
    unique,
)

INVALID = ("InvalidInputException", "Permissions modification is invalid.")


@pytest.fixture(scope="module")
def raw_lf(endpoint: str) -> Any:
    """A client that sends what it is given (no botocore parameter validation)."""
    return client(endpoint, "lakeformation", parameter_validation=False)


@pytest.fixture()
def database(glue: Any) -> str:
    name = unique("lake")
    glue.create_database(DatabaseInput={"Name": name})
    return name


def grant_error(lf: Any, role: str, resource: dict[str, Any], **permissions: Any) -> Any:
    with pytest.raises(ClientError) as exc:
        lf.grant_permissions(Principal=principal(role), Resource=resource, **permissions)
    return error(exc)


def everything(lf: Any) -> list[dict[str, Any]]:
    return lf.list_permissions()["PrincipalResourcePermissions"]


# -- which permissions fit which resource ----------------------------------


@pytest.mark.parametrize("permission", ["SELECT", "INSERT", "DELETE"])
def test_data_permissions_on_a_database_are_invalid(lf, role, database, permission):
    before = everything(lf)
    resource = {"Database": {"Name": database}}
    assert grant_error(lf, role, resource, Permissions=[permission]) == INVALID
    assert everything(lf) == before


def test_create_table_on_a_table_is_invalid(lf, role, table):
    assert grant_error(lf, role, table_resource(*table), Permissions=["CREATE_TABLE"]) == INVALID


@pytest.mark.parametrize(
    "resource",
    [
        lambda db, tbl: {"Database": {"Name": db}},
        lambda db, tbl: table_resource(db, tbl),
        lambda db, tbl: {"DataLocation": {"ResourceArn": "arn:aws:s3:::lake/raw"}},
    ],
    ids=["database", "table", "data-location"],
)
def test_create_database_fits_only_the_catalog(lf, role, table, resource):
    assert grant_error(lf, role, resource(*table), Permissions=["CREATE_DATABASE"]) == INVALID
    lf.grant_permissions(
        Principal=principal(role), Resource={"Catalog": {}}, Permissions=["CREATE_DATABASE"]
    )


@pytest.mark.parametrize(
    "resource",
    [
        lambda db, tbl: {"Catalog": {}},
        lambda db, tbl: {"Database": {"Name": db}},
        lambda db, tbl: table_resource(db, tbl),
    ],
    ids=["catalog", "database", "table"],
)
def test_data_location_access_fits_only_a_data_location(lf, role, table, resource):
    assert (
        grant_error(lf, role, resource(*table), Permissions=["DATA_LOCATION_ACCESS"])
        == INVALID
    )


def test_all_on_a_data_location_is_invalid(lf, role):
    location = {"DataLocation": {"ResourceArn": "arn:aws:s3:::lake/raw"}}
    assert grant_error(lf, role, location, Permissions=["ALL"]) == INVALID
    lf.grant_permissions(
        Principal=principal(role), Resource=location, Permissions=["DATA_LOCATION_ACCESS"]
    )


@pytest.mark.parametrize("permission", ["DESCRIBE", "ALTER", "ALL", "INSERT"])
def test_columns_take_only_select(lf, role, table, permission):
    resource = columns_resource(*table, ["amount"])
    assert grant_error(lf, role, resource, Permissions=[permission]) == INVALID
    wildcard = {"TableWithColumns": {"DatabaseName": table[0], "Name": table[1],
                                     "ColumnWildcard": {}}}
    assert grant_error(lf, role, wildcard, Permissions=[permission]) == INVALID


def test_a_grant_option_that_does_not_fit_is_invalid_too(lf, role, table):
    resource = columns_resource(*table, ["amount"])
    assert (
        grant_error(
            lf, role, resource, Permissions=["SELECT"], PermissionsWithGrantOption=["DESCRIBE"]
        )
        == INVALID
    )


def test_every_documented_table_permission_fits_a_table(lf, role, table):
    permissions = ["ALL", "ALTER", "DELETE", "DESCRIBE", "DROP", "INSERT", "SELECT"]
    lf.grant_permissions(
        Principal=principal(role), Resource=table_resource(*table), Permissions=permissions
    )
    [entry] = lf.list_permissions(Principal=principal(role), Resource=table_resource(*table))[
        "PrincipalResourcePermissions"
    ]
    assert sorted(entry["Permissions"]) == permissions


def test_lf_tag_policy_rows_differ_for_databases_and_tables(lf, role):
    key = unique("domain")
    lf.create_lf_tag(TagKey=key, TagValues=["sales"])
    expression = [{"TagKey": key, "TagValues": ["sales"]}]
    on_databases = {"LFTagPolicy": {"ResourceType": "DATABASE", "Expression": expression}}
    on_tables = {"LFTagPolicy": {"ResourceType": "TABLE", "Expression": expression}}
    assert grant_error(lf, role, on_databases, Permissions=["SELECT"]) == INVALID
    assert grant_error(lf, role, on_tables, Permissions=["CREATE_TABLE"]) == INVALID
    lf.grant_permissions(
        Principal=principal(role), Resource=on_databases, Permissions=["CREATE_TABLE"]
    )
    lf.grant_permissions(Principal=principal(role), Resource=on_tables, Permissions=["SELECT"])


def test_a_revoke_that_does_not_fit_is_invalid_not_nothing_revoked(lf, role, database):
    with pytest.raises(ClientError) as exc:
        lf.revoke_permissions(
            Principal=principal(role),
            Resource={"Database": {"Name": database}},
            Permissions=["SELECT"],
        )
    assert error(exc) == INVALID


def test_a_batch_entry_that_does_not_fit_is_a_failure_of_that_entry(lf, role, table):
    database, name = table
    answer = lf.batch_grant_permissions(
        Entries=[
            batch_entry("fits", role, table_resource(database, name), ["SELECT"]),
            batch_entry("misfit", role, {"Database": {"Name": database}}, ["INSERT"]),
        ]
    )
    [failure] = answer["Failures"]
    assert failure["RequestEntry"]["Id"] == "misfit"
    assert (failure["Error"]["ErrorCode"], failure["Error"]["ErrorMessage"]) == INVALID
    revoked = lf.batch_revoke_permissions(
        Entries=[
            batch_entry("misfit", role, table_resource(database, name), ["CREATE_TABLE"]),
        ]
    )
    assert revoked["Failures"][0]["Error"]["ErrorMessage"] == INVALID[1]


# -- batch entries ---------------------------------------------------------


@pytest.mark.parametrize("operation", ["batch_grant_permissions", "batch_revoke_permissions"])
def test_a_batch_entry_without_an_id_refuses_the_whole_batch(raw_lf, lf, role, table, operation):
    entries = [
        batch_entry("1", role, table_resource(*table), ["SELECT"]),
        {"Principal": principal(role), "Resource": table_resource(*table),
         "Permissions": ["INSERT"]},
    ]
    before = everything(lf)
    with pytest.raises(ClientError) as exc:
        getattr(raw_lf, operation)(Entries=entries)
    code, message = error(exc)
    assert code == "InvalidInputException"
    assert "entries.2.member.id" in message
    assert everything(lf) == before


def test_a_batch_entry_id_longer_than_255_characters_is_invalid(raw_lf, role, table):
    with pytest.raises(ClientError) as exc:
        raw_lf.batch_grant_permissions(
            Entries=[batch_entry("x" * 256, role, table_resource(*table), ["SELECT"])]
        )
    assert error(exc)[0] == "InvalidInputException"


def test_a_batch_of_more_than_20_entries_is_invalid(lf, role, table):
    entries = [
        batch_entry(str(i), role, table_resource(*table), ["SELECT"]) for i in range(21)
    ]
    before = everything(lf)
    with pytest.raises(ClientError) as exc:
        lf.batch_grant_permissions(Entries=entries)
    assert error(exc)[0] == "InvalidInputException"
    assert everything(lf) == before


# -- ListPermissions -------------------------------------------------------


def test_list_permissions_refuses_a_table_with_columns_resource(lf, role, table):
    lf.grant_permissions(
        Principal=principal(role),
        Resource=columns_resource(*table, ["amount"]),
        Permissions=["SELECT"],
    )
    with pytest.raises(ClientError) as exc:
        lf.list_permissions(Resource=columns_resource(*table, ["amount"]))
    assert error(exc)[0] == "InvalidInputException"
    # the table lists its column-level entries
    [entry] = lf.list_permissions(Resource=table_resource(*table))["PrincipalResourcePermissions"]
    assert entry["Resource"]["TableWithColumns"]["ColumnNames"] == ["amount"]


@pytest.mark.parametrize(
    "resource_type", ["ANY_RESOURCE", "LF_NAMED_TAG_EXPRESSION", "USER_DEFINED_FUNCTION"]
)
def test_list_permissions_accepts_every_resource_type_of_the_model(
    lf, role, table, resource_type
):
    lf.grant_permissions(
        Principal=principal(role), Resource=table_resource(*table), Permissions=["SELECT"]
    )
    listed = lf.list_permissions(ResourceType=resource_type)["PrincipalResourcePermissions"]
    assert listed == []


def test_list_permissions_refuses_a_resource_type_outside_the_model(raw_lf):
    with pytest.raises(ClientError) as exc:
        raw_lf.list_permissions(ResourceType="CREDENTIALS_VENDED")
    assert error(exc)[0] == "InvalidInputException"
