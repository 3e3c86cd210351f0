"""Service Catalog rules the API reference documents (see the docstring of
``studio_emulator/servicecatalog.py`` for each source): launch paths, tags,
access levels and organisation-node shares.

Run: .venv/bin/python -m pytest -q tests/aws-emulator/test_servicecatalog_fidelity.py
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import (
    ACCOUNT,
    client,
    error,
    new_organization,
    new_product,
    unique,
    wait_for,
)

TRANSITION = 0.2
CALLER = f"arn:aws:iam::{ACCOUNT}:user/moto"  # moto's identity for unknown credentials
OU = "ou-ab12-cdef3456"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}
        ],
    }
)

pytestmark = pytest.mark.transition_seconds(TRANSITION)


# -- helpers -----------------------------------------------------------------



def new_portfolio(sc: Any, product_id: str | None = None, principal: str | None = None,
                  principal_type: str = "IAM") -> str:
    portfolio_id = sc.create_portfolio(DisplayName=unique("portfolio"), ProviderName="platform")[
        "PortfolioDetail"
    ]["Id"]
    if product_id:
        sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio_id)
    if principal:
        sc.associate_principal_with_portfolio(
            PortfolioId=portfolio_id, PrincipalARN=principal, PrincipalType=principal_type
        )
    return portfolio_id


def provision(sc: Any, product_id: str, artifact: str, **extra: Any) -> dict[str, Any]:
    return sc.provision_product(
        ProductId=product_id,
        ProvisioningArtifactId=artifact,
        ProvisionedProductName=unique("pp"),
        ProvisionToken=unique("tok"),
        **extra,
    )["RecordDetail"]


def provision_error(sc: Any, product_id: str, artifact: str, **extra: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as exc:
        provision(sc, product_id, artifact, **extra)
    return error(exc)


@pytest.fixture(scope="module")
def raw_sc(endpoint: str) -> Any:
    """A client that sends what it is given (no botocore parameter validation)."""
    return client(endpoint, "servicecatalog", parameter_validation=False)


# -- launch paths ------------------------------------------------------------


def test_a_product_in_no_portfolio_has_no_launch_path(sc):
    product_id, artifact = new_product(sc)
    assert provision_error(sc, product_id, artifact) == (
        "ResourceNotFoundException",
        f"No launch paths found for resource: {product_id}",
    )
    assert sc.list_launch_paths(ProductId=product_id)["LaunchPathSummaries"] == []


def test_a_portfolio_not_associated_with_the_caller_gives_no_launch_path(sc):
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=f"arn:aws:iam::{ACCOUNT}:role/someone-else")
    assert provision_error(sc, product_id, artifact)[0] == "ResourceNotFoundException"


def test_the_default_credentials_act_as_moto_default_user(sc):
    product_id, artifact = new_product(sc)
    portfolio_id = new_portfolio(sc, product_id, principal=CALLER)
    record = provision(sc, product_id, artifact)
    [path] = sc.list_launch_paths(ProductId=product_id)["LaunchPathSummaries"]
    assert record["PathId"] == path["Id"]
    assert path["Name"] == sc.describe_portfolio(Id=portfolio_id)["PortfolioDetail"]["DisplayName"]
    described = sc.describe_product(Id=product_id)["LaunchPaths"]
    assert described == [{"Id": path["Id"], "Name": path["Name"]}]


def test_an_iam_user_acts_as_itself_and_its_groups(endpoint, sc, iam):
    user = iam.create_user(UserName=unique("analyst"))["User"]
    key = iam.create_access_key(UserName=user["UserName"])["AccessKey"]["AccessKeyId"]
    as_user = client(endpoint, "servicecatalog", key=key)
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=CALLER)
    assert provision_error(as_user, product_id, artifact)[0] == "ResourceNotFoundException"

    new_portfolio(sc, product_id, principal=user["Arn"])
    provision(as_user, product_id, artifact)

    group = iam.create_group(GroupName=unique("analysts"))["Group"]
    iam.add_user_to_group(GroupName=group["GroupName"], UserName=user["UserName"])
    grouped_product, grouped_artifact = new_product(sc)
    new_portfolio(sc, grouped_product, principal=group["Arn"])
    provision(as_user, grouped_product, grouped_artifact)


def test_an_assumed_role_session_acts_as_its_role(endpoint, sc, iam):
    role = iam.create_role(RoleName=unique("scientist"), AssumeRolePolicyDocument=TRUST)["Role"]
    credentials = client(endpoint, "sts").assume_role(
        RoleArn=role["Arn"], RoleSessionName="alice"
    )["Credentials"]
    as_role = client(endpoint, "servicecatalog", key=credentials["AccessKeyId"])
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=role["Arn"])
    provision(as_role, product_id, artifact)
    assert provision_error(sc, product_id, artifact)[0] == "ResourceNotFoundException"


def test_an_iam_pattern_association_matches_by_name(sc):
    product_id, artifact = new_product(sc)
    new_portfolio(
        sc, product_id, principal="arn:aws:iam:::role/nobody-*", principal_type="IAM_PATTERN"
    )
    assert provision_error(sc, product_id, artifact)[0] == "ResourceNotFoundException"
    new_portfolio(
        sc, product_id, principal="arn:aws:iam:::user/m?t*", principal_type="IAM_PATTERN"
    )
    provision(sc, product_id, artifact)


def test_two_launch_paths_need_a_path_id(sc):
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=CALLER)
    new_portfolio(sc, product_id, principal=CALLER)
    assert provision_error(sc, product_id, artifact)[0] == "InvalidParametersException"
    paths = sc.list_launch_paths(ProductId=product_id)["LaunchPathSummaries"]
    assert len(paths) == 2
    record = provision(sc, product_id, artifact, PathId=paths[1]["Id"])
    assert record["PathId"] == paths[1]["Id"]


def test_a_path_id_that_is_not_the_callers_is_not_found(sc):
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=CALLER)
    assert (
        provision_error(sc, product_id, artifact, PathId="lpv3-0000000000000")[0]
        == "ResourceNotFoundException"
    )


def test_associations_are_checked_and_can_be_undone(sc):
    product_id, artifact = new_product(sc)
    portfolio_id = new_portfolio(sc, product_id, principal=CALLER)
    assert sc.list_principals_for_portfolio(PortfolioId=portfolio_id)["Principals"] == [
        {"PrincipalARN": CALLER, "PrincipalType": "IAM"}
    ]
    for bad in (
        {"PrincipalARN": "arn:aws:iam:::user/moto", "PrincipalType": "IAM"},
        {"PrincipalARN": CALLER, "PrincipalType": "IAM_PATTERN"},
        {"PrincipalARN": CALLER, "PrincipalType": "ROLE"},
    ):
        with pytest.raises(ClientError) as exc:
            sc.associate_principal_with_portfolio(PortfolioId=portfolio_id, **bad)
        assert error(exc)[0] == "InvalidParametersException"
    with pytest.raises(ClientError) as missing:
        sc.associate_product_with_portfolio(
            ProductId="prod-doesnotexist0", PortfolioId=portfolio_id
        )
    assert error(missing)[0] == "ResourceNotFoundException"

    sc.disassociate_principal_from_portfolio(PortfolioId=portfolio_id, PrincipalARN=CALLER)
    assert provision_error(sc, product_id, artifact)[0] == "ResourceNotFoundException"
    sc.disassociate_product_from_portfolio(ProductId=product_id, PortfolioId=portfolio_id)
    with pytest.raises(ClientError) as again:
        sc.disassociate_product_from_portfolio(ProductId=product_id, PortfolioId=portfolio_id)
    assert error(again)[0] == "ResourceNotFoundException"


# -- tags ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        {"Key": "owner", "Value": ""},
        {"Key": "owner", "Value": "x" * 257},
        {"Key": "", "Value": "alice"},
        {"Key": "k" * 129, "Value": "alice"},
        {"Key": "owner", "Value": "alice;drop"},
        {"Key": "owner"},
    ],
    ids=["empty-value", "long-value", "empty-key", "long-key", "value-pattern", "no-value"],
)
def test_a_tag_outside_the_tag_shape_is_refused(sc, raw_sc, tag):
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=CALLER)
    code, _ = provision_error(raw_sc, product_id, artifact, Tags=[tag])
    assert code == "InvalidParametersException"


def test_tags_with_letters_digits_spaces_and_symbols_are_accepted(sc):
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=CALLER)
    tags = [{"Key": "cost centre", "Value": "Équipe data/ml:2030-01-01T00:00:00Z+@_.="}]
    assert provision(sc, product_id, artifact, Tags=tags)["RecordTags"] == tags


# -- access levels -------------------------------------------------------------


def test_search_defaults_to_the_account_and_scan_to_the_user(endpoint, sc, iam):
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=CALLER)
    pp_id = provision(sc, product_id, artifact)["ProvisionedProductId"]
    user = iam.create_user(UserName=unique("viewer"))["User"]
    key = iam.create_access_key(UserName=user["UserName"])["AccessKey"]["AccessKeyId"]
    other = client(endpoint, "servicecatalog", key=key)
    searched = [p["Id"] for p in other.search_provisioned_products()["ProvisionedProducts"]]
    assert pp_id in searched
    scanned = [p["Id"] for p in other.scan_provisioned_products()["ProvisionedProducts"]]
    assert pp_id not in scanned


# -- organisation-node shares ----------------------------------------------------


def shares(sc: Any, portfolio_id: str, share_type: str = "ORGANIZATIONAL_UNIT") -> list[Any]:
    return sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type=share_type)[
        "PortfolioShareDetails"
    ]


def test_an_organization_node_share_needs_organizations_access(sc):
    # runs first among the share tests: the module starts with access never enabled
    assert sc.get_aws_organizations_access_status()["AccessStatus"] == "DISABLED"
    portfolio_id = new_portfolio(sc)
    node = {"Type": "ORGANIZATIONAL_UNIT", "Value": OU}
    with pytest.raises(ClientError) as exc:
        sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=node)
    assert error(exc)[0] == "InvalidStateException"
    assert shares(sc, portfolio_id) == []
    # an account share does not go through Organizations
    sc.create_portfolio_share(PortfolioId=portfolio_id, AccountId="111122223333")

    sc.enable_aws_organizations_access()
    assert sc.get_aws_organizations_access_status()["AccessStatus"] == "ENABLED"
    sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=node)
    assert [s["PrincipalId"] for s in shares(sc, portfolio_id)] == [OU]

    sc.disable_aws_organizations_access()
    assert sc.get_aws_organizations_access_status()["AccessStatus"] == "DISABLED"
    with pytest.raises(ClientError) as disabled:
        sc.create_portfolio_share(
            PortfolioId=portfolio_id,
            OrganizationNode={"Type": "ORGANIZATION", "Value": "o-abcdef1234"},
        )
    assert error(disabled)[0] == "InvalidStateException"
    assert [s["PrincipalId"] for s in shares(sc, portfolio_id)] == [OU]  # kept
    sc.enable_aws_organizations_access()


def test_sharing_an_existing_node_again_has_no_effect(sc):
    sc.enable_aws_organizations_access()
    portfolio_id = new_portfolio(sc)
    node = {"Type": "ORGANIZATIONAL_UNIT", "Value": OU}
    first = sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=node)
    before = shares(sc, portfolio_id)
    again = sc.create_portfolio_share(
        PortfolioId=portfolio_id, OrganizationNode=node, ShareTagOptions=True, SharePrincipals=True
    )
    assert again == {**first, "ResponseMetadata": again["ResponseMetadata"]}
    assert shares(sc, portfolio_id) == before
    assert before[0]["ShareTagOptions"] is False and before[0]["SharePrincipals"] is False


def test_update_portfolio_share_changes_a_completed_share(sc):
    sc.enable_aws_organizations_access()
    portfolio_id = new_portfolio(sc)
    node = {"Type": "ORGANIZATIONAL_UNIT", "Value": OU}
    token = sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=node)[
        "PortfolioShareToken"
    ]
    with pytest.raises(ClientError) as busy:
        sc.update_portfolio_share(
            PortfolioId=portfolio_id, OrganizationNode=node, ShareTagOptions=True
        )
    assert error(busy)[0] == "InvalidStateException"
    wait_for(
        lambda: sc.describe_portfolio_share_status(PortfolioShareToken=token)["Status"], "COMPLETED"
    )
    updated = sc.update_portfolio_share(
        PortfolioId=portfolio_id, OrganizationNode=node, ShareTagOptions=True
    )
    assert (updated["PortfolioShareToken"], updated["Status"]) == (token, "COMPLETED")
    [detail] = shares(sc, portfolio_id)
    assert (detail["ShareTagOptions"], detail["SharePrincipals"]) == (True, False)


def test_with_an_organization_access_and_successful_shares_follow_it(endpoint, sc):
    # Runs last in the module: the organisation stays until the next module's reset.
    organizations, org, root, ou = new_organization(endpoint)
    member = organizations.create_account(Email="m@example.com", AccountName="m")[
        "CreateAccountStatus"
    ]["AccountId"]
    organizations.move_account(AccountId=member, SourceParentId=root, DestinationParentId=ou)

    sc.enable_aws_organizations_access()
    enabled = organizations.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    assert "servicecatalog.amazonaws.com" in [s["ServicePrincipal"] for s in enabled]

    portfolio_id = new_portfolio(sc)
    token = sc.create_portfolio_share(
        PortfolioId=portfolio_id, OrganizationNode={"Type": "ORGANIZATIONAL_UNIT", "Value": ou}
    )["PortfolioShareToken"]
    wait_for(
        lambda: sc.describe_portfolio_share_status(PortfolioShareToken=token)["Status"], "COMPLETED"
    )
    details = sc.describe_portfolio_share_status(PortfolioShareToken=token)["ShareDetails"]
    assert details["SuccessfulShares"] == [member]

    credentials = client(endpoint, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/admin", RoleSessionName="member"
    )["Credentials"]
    member_sc = client(endpoint, "servicecatalog", key=credentials["AccessKeyId"])
    with pytest.raises(ClientError) as exc:
        member_sc.enable_aws_organizations_access()
    assert error(exc)[0] == "OperationNotSupportedException"
    assert org["MasterAccountId"] == ACCOUNT
