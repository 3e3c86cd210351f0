"""``aws:PrincipalOrgID`` / ``aws:PrincipalOrgPaths`` of a member account's principal
(``studio_emulator/organizations.py``; IAM User Guide, "AWS global condition context keys"):
an artefact bucket of the management account whose policy admits only the organisation (or
one OU's path) is readable by a member account's role and not by an account outside it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import (
    allow,
    client,
    error,
    new_organization,
    other_account_session,
    signed_client,
    unique,
)

OUTSIDER = "210987654321"


@pytest.fixture(scope="module")
def org(endpoint: str) -> dict[str, Any]:
    organizations, organization, root, ou_a = new_organization(endpoint)
    ou_b = organizations.create_organizational_unit(ParentId=root, Name=unique("b"))[
        "OrganizationalUnit"]["Id"]
    members = {}
    for name, parent in (("a", ou_a), ("b", ou_b)):
        account = organizations.create_account(
            AccountName=unique(name), Email=f"{unique(name)}@example.com")["CreateAccountStatus"]["AccountId"]
        organizations.move_account(AccountId=account, SourceParentId=root, DestinationParentId=parent)
        members[name] = account
    return {"id": organization["Id"], "root": root, "a": ou_a, "b": ou_b, "members": members}


def bucket_with_policy(endpoint: str, condition: dict[str, Any]) -> str:
    s3 = client(endpoint, "s3")
    bucket = unique("artefacts")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="core.yaml", Body=b"Resources: {}\n")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*", "Condition": condition}]}))
    return bucket


def reader(endpoint: str, account: str, bucket: str) -> Any:
    key = other_account_session(endpoint, account, unique("reader"),
                                allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"))
    return signed_client(endpoint, "s3", key)


def test_principal_org_id_admits_member_accounts_and_refuses_others(
    endpoint: str, org: dict[str, Any]
) -> None:
    bucket = bucket_with_policy(endpoint, {"StringEquals": {"aws:PrincipalOrgID": org["id"]}})
    for account in org["members"].values():
        body = reader(endpoint, account, bucket).get_object(Bucket=bucket, Key="core.yaml")["Body"]
        assert body.read() == b"Resources: {}\n"
    with pytest.raises(ClientError) as refused:
        reader(endpoint, OUTSIDER, bucket).get_object(Bucket=bucket, Key="core.yaml")
    assert error(refused)[0] == "AccessDenied"


def test_principal_org_paths_is_the_path_of_the_account_ou(endpoint: str, org: dict[str, Any]) -> None:
    path = f"{org['id']}/{org['root']}/{org['a']}/*"
    bucket = bucket_with_policy(endpoint, {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [path]}})
    got = reader(endpoint, org["members"]["a"], bucket).get_object(Bucket=bucket, Key="core.yaml")
    assert got["ContentLength"] == len(b"Resources: {}\n")
    with pytest.raises(ClientError) as other_ou:
        reader(endpoint, org["members"]["b"], bucket).get_object(Bucket=bucket, Key="core.yaml")
    assert error(other_ou)[0] == "AccessDenied"
