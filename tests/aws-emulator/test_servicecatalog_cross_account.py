"""Launching in a member account through a portfolio shared with its OU
(``studio_emulator/servicecatalog/imports.py``; each rule's source is in its docstrings).

The management account (the set-up keys, IAM enforced) shares a portfolio with an OU; the
member accounts' admins accept and associate, their end users (a role with the Service
Catalog end-user actions only) launch. An account outside the OU gets nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import (
    END_USER_STATEMENTS,
    HANDLE_TEMPLATE,
    REGION,
    account_admin,
    allow,
    client,
    error,
    new_organization,
    new_product,
    other_account_session,
    policy_document,
    signed_client,
    unique,
    wait_for,
)

pytestmark = pytest.mark.transition_seconds(0.05)

LAUNCH_ROLE = "SCLocalLaunch"


def launch_role_statements(account: str) -> list[dict[str, Any]]:
    """A launch role's policy (the Administrator Guide's example, as ``LAUNCH_ROLE_STATEMENTS``)
    for stacks of ``account``."""
    return [
        allow("s3:GetObject", Condition={
            "StringEquals": {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}}),
        allow(["cloudformation:CreateStack", "cloudformation:UpdateStack",
               "cloudformation:DeleteStack", "cloudformation:DescribeStacks"],
              f"arn:aws:cloudformation:{REGION}:{account}:stack/SC-*"),
    ]


def make_launch_role(endpoint: str, account: str) -> str:
    """The constraint's ``LocalRoleName`` role in ``account`` (trusting Service Catalog), made
    by that account's admin."""
    iam = signed_client(endpoint, "iam", account_admin(endpoint, account))
    trust = policy_document({"Effect": "Allow", "Principal": {"Service": "servicecatalog.amazonaws.com"},
                             "Action": "sts:AssumeRole"})
    arn = iam.create_role(RoleName=LAUNCH_ROLE, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(RoleName=LAUNCH_ROLE, PolicyName="launch",
                        PolicyDocument=policy_document(*launch_role_statements(account)))
    return str(arn)


@pytest.fixture(scope="module")
def org(endpoint: str) -> dict[str, Any]:
    organizations, organization, root, ou = new_organization(endpoint)
    other_ou = organizations.create_organizational_unit(ParentId=root, Name=unique("other"))[
        "OrganizationalUnit"]["Id"]
    accounts = {}
    for name, parent in (("member", ou), ("no_role", ou), ("moved", ou), ("outsider", other_ou)):
        account = organizations.create_account(
            AccountName=unique(name), Email=f"{unique(name)}@example.com"
        )["CreateAccountStatus"]["AccountId"]
        organizations.move_account(AccountId=account, SourceParentId=root, DestinationParentId=parent)
        accounts[name] = account
    return {"organizations": organizations, "root": root, "ou": ou, "other_ou": other_ou, **accounts}


@pytest.fixture(scope="module")
def sc(endpoint: str) -> Any:
    return client(endpoint, "servicecatalog")


def shared_portfolio(sc: Any, ou: str, **share: Any) -> tuple[str, str, str]:
    """A portfolio of the management account holding a product whose launch constraint names
    :data:`LAUNCH_ROLE` locally, shared with ``ou`` (COMPLETED); (portfolio, product, artifact)."""
    sc.enable_aws_organizations_access()
    product_id, artifact = new_product(sc, HANDLE_TEMPLATE)
    portfolio_id = sc.create_portfolio(DisplayName=unique("shared"), ProviderName="platform")[
        "PortfolioDetail"]["Id"]
    sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio_id)
    sc.create_constraint(PortfolioId=portfolio_id, ProductId=product_id, Type="LAUNCH",
                         Parameters=json.dumps({"LocalRoleName": LAUNCH_ROLE}),
                         IdempotencyToken=unique("tok"))
    token = sc.create_portfolio_share(
        PortfolioId=portfolio_id, OrganizationNode={"Type": "ORGANIZATIONAL_UNIT", "Value": ou},
        **share,
    )["PortfolioShareToken"]
    wait_for(lambda: sc.describe_portfolio_share_status(PortfolioShareToken=token)["Status"],
             "COMPLETED")
    return portfolio_id, product_id, artifact


def end_user(endpoint: str, account: str, name: str = "enduser") -> tuple[Any, str]:
    """A Service Catalog client of an end user (role ``name``) of ``account``, and the role's ARN."""
    key = other_account_session(endpoint, account, name, *END_USER_STATEMENTS)
    return signed_client(endpoint, "servicecatalog", key), f"arn:aws:iam::{account}:role/{name}"


def admin_sc(endpoint: str, account: str) -> Any:
    return signed_client(endpoint, "servicecatalog", account_admin(endpoint, account))


def provision(user: Any, product_id: str, artifact: str) -> dict[str, Any]:
    return user.provision_product(
        ProductId=product_id, ProvisioningArtifactId=artifact,
        ProvisionedProductName=unique("pp"), ProvisionToken=unique("tok"),
    )["RecordDetail"]


def record_status(user: Any, record_id: str) -> str:
    return str(user.describe_record(Id=record_id)["RecordDetail"]["Status"])


def test_member_accepts_associates_and_launches_in_its_own_account_with_its_launch_role(
    endpoint: str, sc: Any, org: dict[str, Any], control: Callable[..., Any]
) -> None:
    member = org["member"]
    portfolio_id, product_id, artifact = shared_portfolio(sc, org["ou"])
    role_arn = make_launch_role(endpoint, member)
    admin = admin_sc(endpoint, member)
    user, user_arn = end_user(endpoint, member)

    # Not accepted yet: the member account has no such product.
    with pytest.raises(ClientError) as exc:
        user.list_launch_paths(ProductId=product_id)
    assert error(exc)[0] == "ResourceNotFoundException"

    admin.accept_portfolio_share(PortfolioId=portfolio_id, PortfolioShareType="AWS_ORGANIZATIONS")
    accepted = admin.list_accepted_portfolio_shares(PortfolioShareType="AWS_ORGANIZATIONS")
    assert portfolio_id in [p["Id"] for p in accepted["PortfolioDetails"]]
    assert admin.list_accepted_portfolio_shares()["PortfolioDetails"] == []  # default IMPORTED

    # Accepted but not associated with the end user: no launch path.
    assert user.list_launch_paths(ProductId=product_id)["LaunchPathSummaries"] == []
    admin.associate_principal_with_portfolio(
        PortfolioId=portfolio_id, PrincipalARN=user_arn, PrincipalType="IAM")
    [path] = user.list_launch_paths(ProductId=product_id)["LaunchPathSummaries"]
    assert [c["Type"] for c in path["ConstraintSummaries"]] == ["LAUNCH"]  # the sharer's
    described = user.describe_product(Id=product_id)
    assert [lp["Id"] for lp in described["LaunchPaths"]] == [path["Id"]]
    assert [a["Id"] for a in user.list_provisioning_artifacts(ProductId=product_id)[
        "ProvisioningArtifactDetails"]] == [artifact]

    record = provision(user, product_id, artifact)
    wait_for(lambda: record_status(user, record["RecordId"]), "SUCCEEDED", 20)
    pp = user.describe_provisioned_product(Id=record["ProvisionedProductId"])["ProvisionedProductDetail"]
    assert pp["LaunchRoleArn"] == role_arn == f"arn:aws:iam::{member}:role/{LAUNCH_ROLE}"
    stack_name = f"SC-{member}-{record['ProvisionedProductId']}"
    member_cfn = signed_client(endpoint, "cloudformation", account_admin(endpoint, member))
    [stack] = member_cfn.describe_stacks(StackName=stack_name)["Stacks"]
    assert stack["StackId"].split(":")[4] == member
    assert stack["RoleARN"] == role_arn
    with pytest.raises(ClientError):  # not in the sharer's account
        client(endpoint, "cloudformation").describe_stacks(StackName=stack_name)
    # The engine authorised CreateStack as Service Catalog's session of the MEMBER's role.
    decisions = control("GET", "iam/decisions?action=cloudformation:CreateStack")["decisions"]
    mine = [d for d in decisions if stack_name in json.dumps(d)]
    assert mine and all(d["result"] == "Allowed" for d in mine)
    assert all(f":{member}:assumed-role/{LAUNCH_ROLE}/" in d["principal"] for d in mine)

    # The member's end user finds it, and terminates it in the member account.
    found = user.search_products()["ProductViewSummaries"]
    assert product_id in [p["ProductId"] for p in found]
    user.terminate_provisioned_product(
        ProvisionedProductId=record["ProvisionedProductId"], TerminateToken=unique("tok"))
    wait_for(lambda: [s["StackStatus"] for s in member_cfn.list_stacks()["StackSummaries"]
                      if s["StackName"] == stack_name], ["DELETE_COMPLETE"], 20)


def test_an_account_outside_the_ou_can_neither_accept_nor_launch(
    endpoint: str, sc: Any, org: dict[str, Any]
) -> None:
    outsider = org["outsider"]
    portfolio_id, product_id, artifact = shared_portfolio(sc, org["ou"])
    make_launch_role(endpoint, outsider)
    admin = admin_sc(endpoint, outsider)
    with pytest.raises(ClientError) as exc:
        admin.accept_portfolio_share(PortfolioId=portfolio_id, PortfolioShareType="AWS_ORGANIZATIONS")
    assert error(exc)[0] == "ResourceNotFoundException"
    assert admin.list_accepted_portfolio_shares(
        PortfolioShareType="AWS_ORGANIZATIONS")["PortfolioDetails"] == []
    with pytest.raises(ClientError) as exc:
        admin.associate_principal_with_portfolio(
            PortfolioId=portfolio_id, PrincipalARN=f"arn:aws:iam::{outsider}:role/x",
            PrincipalType="IAM")
    assert error(exc)[0] == "ResourceNotFoundException"
    user, _ = end_user(endpoint, outsider)
    with pytest.raises(ClientError) as exc:
        provision(user, product_id, artifact)
    assert error(exc)[0] == "ResourceNotFoundException"


def test_a_launch_without_the_local_launch_role_fails_the_record(
    endpoint: str, sc: Any, org: dict[str, Any]
) -> None:
    account = org["no_role"]
    portfolio_id, product_id, artifact = shared_portfolio(sc, org["ou"])
    # The sharer has a role of that name: the member's launch still needs its own.
    iam = client(endpoint, "iam")
    try:
        iam.create_role(RoleName=LAUNCH_ROLE, AssumeRolePolicyDocument=policy_document(
            {"Effect": "Allow", "Principal": {"Service": "servicecatalog.amazonaws.com"},
             "Action": "sts:AssumeRole"}))
    except ClientError as e:
        assert e.response["Error"]["Code"] == "EntityAlreadyExists"
    admin = admin_sc(endpoint, account)
    admin.accept_portfolio_share(PortfolioId=portfolio_id, PortfolioShareType="AWS_ORGANIZATIONS")
    user, user_arn = end_user(endpoint, account)
    admin.associate_principal_with_portfolio(
        PortfolioId=portfolio_id, PrincipalARN=user_arn, PrincipalType="IAM")
    record = provision(user, product_id, artifact)
    wait_for(lambda: record_status(user, record["RecordId"]), "FAILED", 20)
    [problem] = user.describe_record(Id=record["RecordId"])["RecordDetail"]["RecordErrors"]
    wanted = f"arn:aws:iam::{account}:role/{LAUNCH_ROLE}"
    assert f"Unable to assume the launch role {wanted}" in problem["Description"]
    assert "does not exist" in problem["Description"]


def test_share_principals_grants_the_sharers_iam_pattern_in_the_member_account(
    endpoint: str, sc: Any, org: dict[str, Any]
) -> None:
    member = org["member"]
    portfolio_id, product_id, _ = shared_portfolio(sc, org["ou"], SharePrincipals=True)
    sc.associate_principal_with_portfolio(
        PortfolioId=portfolio_id, PrincipalARN="arn:aws:iam:::role/pattern-user*",
        PrincipalType="IAM_PATTERN")
    admin_sc(endpoint, member).accept_portfolio_share(
        PortfolioId=portfolio_id, PortfolioShareType="AWS_ORGANIZATIONS")
    user, _ = end_user(endpoint, member, "pattern-user-1")
    assert len(user.list_launch_paths(ProductId=product_id)["LaunchPathSummaries"]) == 1
    other, _ = end_user(endpoint, member, "someone-else")
    assert other.list_launch_paths(ProductId=product_id)["LaunchPathSummaries"] == []

    # Without principal sharing the same pattern does not travel with the share.
    plain_id, plain_product, _ = shared_portfolio(sc, org["ou"])
    sc.associate_principal_with_portfolio(
        PortfolioId=plain_id, PrincipalARN="arn:aws:iam:::role/pattern-user*",
        PrincipalType="IAM_PATTERN")
    admin_sc(endpoint, member).accept_portfolio_share(
        PortfolioId=plain_id, PortfolioShareType="AWS_ORGANIZATIONS")
    assert user.list_launch_paths(ProductId=plain_product)["LaunchPathSummaries"] == []


def test_reject_and_leaving_the_ou_take_the_portfolio_away(
    endpoint: str, sc: Any, org: dict[str, Any]
) -> None:
    moved = org["moved"]
    portfolio_id, product_id, _ = shared_portfolio(sc, org["ou"])
    admin = admin_sc(endpoint, moved)
    with pytest.raises(ClientError) as exc:  # "Not supported. (Throws ResourceNotFoundException.)"
        admin.accept_portfolio_share(PortfolioId=portfolio_id, PortfolioShareType="AWS_SERVICECATALOG")
    assert error(exc)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:  # an organisation share is not an account share
        admin.accept_portfolio_share(PortfolioId=portfolio_id)
    assert error(exc)[0] == "ResourceNotFoundException"

    admin.accept_portfolio_share(PortfolioId=portfolio_id, PortfolioShareType="AWS_ORGANIZATIONS")
    admin.reject_portfolio_share(PortfolioId=portfolio_id, PortfolioShareType="AWS_ORGANIZATIONS")
    assert admin.list_accepted_portfolio_shares(
        PortfolioShareType="AWS_ORGANIZATIONS")["PortfolioDetails"] == []

    admin.accept_portfolio_share(PortfolioId=portfolio_id, PortfolioShareType="AWS_ORGANIZATIONS")
    user, user_arn = end_user(endpoint, moved)
    admin.associate_principal_with_portfolio(
        PortfolioId=portfolio_id, PrincipalARN=user_arn, PrincipalType="IAM")
    assert len(user.list_launch_paths(ProductId=product_id)["LaunchPathSummaries"]) == 1
    org["organizations"].move_account(
        AccountId=moved, SourceParentId=org["ou"], DestinationParentId=org["other_ou"])
    assert admin.list_accepted_portfolio_shares(
        PortfolioShareType="AWS_ORGANIZATIONS")["PortfolioDetails"] == []
    with pytest.raises(ClientError) as exc:
        user.list_launch_paths(ProductId=product_id)
    assert error(exc)[0] == "ResourceNotFoundException"


def test_an_account_share_is_accepted_as_imported(endpoint: str, sc: Any, org: dict[str, Any]) -> None:
    outsider = org["outsider"]
    product_id, _ = new_product(sc, HANDLE_TEMPLATE)
    portfolio_id = sc.create_portfolio(DisplayName=unique("direct"), ProviderName="platform")[
        "PortfolioDetail"]["Id"]
    sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio_id)
    sc.create_portfolio_share(PortfolioId=portfolio_id, AccountId=outsider)
    admin = admin_sc(endpoint, outsider)
    admin.accept_portfolio_share(PortfolioId=portfolio_id)  # default IMPORTED
    assert [p["Id"] for p in admin.list_accepted_portfolio_shares()["PortfolioDetails"]] == [
        portfolio_id]


def test_the_sharer_lists_each_member_account_of_the_shared_ou_with_whether_it_accepted(
    endpoint: str, sc: Any, org: dict[str, Any]
) -> None:
    # Given a portfolio shared with the OU (member, no_role, moved) and not with other_ou
    portfolio_id, _, _ = shared_portfolio(sc, org["ou"], ShareTagOptions=True)
    # When one member account accepts it
    admin_sc(endpoint, org["member"]).accept_portfolio_share(
        PortfolioId=portfolio_id, PortfolioShareType="AWS_ORGANIZATIONS")

    # Then the sharer's ORGANIZATION_MEMBER_ACCOUNT listing has one detail per account the
    # share reaches now, Accepted only for the one that accepted
    details = sc.describe_portfolio_shares(
        PortfolioId=portfolio_id, Type="ORGANIZATION_MEMBER_ACCOUNT")["PortfolioShareDetails"]
    reached = {d["PrincipalId"]: d for d in details}
    assert org["outsider"] not in reached
    assert reached[org["member"]]["Accepted"] is True
    assert reached[org["no_role"]]["Accepted"] is False
    assert {d["Type"] for d in details} == {"ORGANIZATION_MEMBER_ACCOUNT"}
    assert all(d["ShareTagOptions"] and not d["SharePrincipals"] for d in details)
    assert [d["PrincipalId"] for d in details] == sorted(reached)
    # and a page of one carries a token to the rest
    first = sc.describe_portfolio_shares(
        PortfolioId=portfolio_id, Type="ORGANIZATION_MEMBER_ACCOUNT", PageSize=1)
    assert len(first["PortfolioShareDetails"]) == 1 and first["NextPageToken"]


def test_a_portfolio_shared_with_no_node_lists_no_member_accounts(
    endpoint: str, sc: Any, org: dict[str, Any]
) -> None:
    sc.enable_aws_organizations_access()
    portfolio_id = sc.create_portfolio(DisplayName=unique("pending"), ProviderName="platform")[
        "PortfolioDetail"]["Id"]
    assert sc.describe_portfolio_shares(
        PortfolioId=portfolio_id, Type="ORGANIZATION_MEMBER_ACCOUNT")["PortfolioShareDetails"] == []
