"""Service Catalog provisioned products in the emulator, driven with boto3.

Run: .venv/bin/python -m pytest -q tests/aws-emulator/test_servicecatalog.py
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import client, error, new_organization, new_product, unique, wait_for

TRANSITION = 0.2
ACCOUNT_LEVEL = {"Key": "Account", "Value": "self"}
USER_LEVEL = {"Key": "User", "Value": "self"}
#: The principal the tests' credentials act as (unknown to moto's IAM: moto's
#: default identity, see ``servicecatalog.caller_principals``).
CALLER = "arn:aws:iam::123456789012:user/moto"

pytestmark = pytest.mark.transition_seconds(TRANSITION)


@pytest.fixture(scope="module", autouse=True)
def organizations_access(sc: Any) -> None:
    """Sharing with an organisation node needs AWS Organizations access."""
    sc.enable_aws_organizations_access()


def create_product(sc: Any) -> tuple[str, str]:
    """A product the tests' credentials can launch: in a portfolio associated
    with ``CALLER`` (its one launch path); returns it and its artifact."""
    product_id, artifact = new_product(sc)
    portfolio_id = sc.create_portfolio(DisplayName=unique("portfolio"), ProviderName="platform")[
        "PortfolioDetail"
    ]["Id"]
    sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio_id)
    sc.associate_principal_with_portfolio(
        PortfolioId=portfolio_id, PrincipalARN=CALLER, PrincipalType="IAM"
    )
    return product_id, artifact


def provision(sc: Any, tags: list[dict[str, str]] | None = None) -> dict[str, Any]:
    product_id, artifact = create_product(sc)
    return sc.provision_product(
        ProductId=product_id,
        ProvisioningArtifactId=artifact,
        ProvisionedProductName=unique("pp"),
        ProvisionToken=unique("tok"),
        Tags=tags or [],
    )["RecordDetail"]


def status(sc: Any, pp_id: str) -> str:
    try:
        return sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]["Status"]
    except ClientError as e:
        return e.response["Error"]["Code"]


def search(sc: Any, **extra: Any) -> list[dict[str, Any]]:
    return sc.search_provisioned_products(AccessLevelFilter=ACCOUNT_LEVEL, **extra)[
        "ProvisionedProducts"
    ]


def test_a_product_has_one_provisioning_artifact(sc: Any) -> None:
    product_id, artifact = create_product(sc)
    assert re.fullmatch(r"pa-[0-9a-f]{13}", artifact)
    listed = sc.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"]
    assert [a["Id"] for a in listed] == [artifact]
    assert listed[0]["Name"] == "v1"


def test_provisioning_creates_a_stack_and_becomes_available(sc: Any, cfn: Any) -> None:
    record = provision(sc, tags=[{"Key": "expires-at", "Value": "2030-01-01T00:00:00Z"}])
    assert record["RecordType"] == "PROVISION_PRODUCT"
    assert record["Status"] == "IN_PROGRESS"
    pp_id = record["ProvisionedProductId"]
    assert re.fullmatch(r"pp-[a-z0-9]{13}", pp_id)
    assert status(sc, pp_id) == "UNDER_CHANGE"
    wait_for(lambda: status(sc, pp_id), "AVAILABLE")

    [found] = [p for p in search(sc) if p["Id"] == pp_id]
    assert found["Tags"] == [{"Key": "expires-at", "Value": "2030-01-01T00:00:00Z"}]
    assert found["Type"] == "CFN_STACK"
    assert found["Arn"].endswith(f"/{pp_id}")
    stack = cfn.describe_stacks(StackName=found["PhysicalId"])["Stacks"][0]
    assert stack["StackName"] == f"SC-123456789012-{pp_id}"
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert sc.describe_record(Id=record["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"


def test_the_same_provision_token_returns_the_same_record(sc: Any) -> None:
    product_id, artifact = create_product(sc)
    args = {
        "ProductId": product_id,
        "ProvisioningArtifactId": artifact,
        "ProvisionedProductName": unique("pp"),
        "ProvisionToken": unique("tok"),
    }
    first = sc.provision_product(**args)["RecordDetail"]
    second = sc.provision_product(**args)["RecordDetail"]
    assert first["RecordId"] == second["RecordId"]


def test_a_duplicate_name_or_unknown_artifact_is_refused(sc: Any) -> None:
    product_id, artifact = create_product(sc)
    name = unique("pp")
    sc.provision_product(
        ProductId=product_id, ProvisioningArtifactId=artifact,
        ProvisionedProductName=name, ProvisionToken=unique("tok"),
    )
    with pytest.raises(ClientError) as duplicate:
        sc.provision_product(
            ProductId=product_id, ProvisioningArtifactId=artifact,
            ProvisionedProductName=name, ProvisionToken=unique("tok"),
        )
    assert error(duplicate)[0] == "DuplicateResourceException"
    with pytest.raises(ClientError) as unknown:
        sc.provision_product(
            ProductId=product_id, ProvisioningArtifactId="pa-0000000000000",
            ProvisionedProductName=unique("pp"), ProvisionToken=unique("tok"),
        )
    assert error(unknown)[0] == "ResourceNotFoundException"


def test_search_sees_only_the_callers_own_unless_account_level(endpoint: str, sc: Any) -> None:
    record = provision(sc)
    other = client(endpoint, "servicecatalog", key="AKIAOTHERUSER0000000")
    mine = [
        p["Id"]
        for p in other.search_provisioned_products(AccessLevelFilter=USER_LEVEL)[
            "ProvisionedProducts"
        ]
    ]
    assert record["ProvisionedProductId"] not in mine
    everyone = [
        p["Id"]
        for p in other.search_provisioned_products(AccessLevelFilter=ACCOUNT_LEVEL)[
            "ProvisionedProducts"
        ]
    ]
    assert record["ProvisionedProductId"] in everyone


def test_search_pages_and_filters(sc: Any) -> None:
    records = [provision(sc) for _ in range(3)]
    ids = {r["ProvisionedProductId"] for r in records}
    seen: list[str] = []
    token = None
    while True:
        args: dict[str, Any] = {"AccessLevelFilter": ACCOUNT_LEVEL, "PageSize": 2}
        if token:
            args["PageToken"] = token
        page = sc.search_provisioned_products(**args)
        assert len(page["ProvisionedProducts"]) <= 2
        seen += [p["Id"] for p in page["ProvisionedProducts"]]
        token = page.get("NextPageToken")
        if not token:
            break
    assert ids <= set(seen)
    assert len(seen) == len(set(seen))
    one = records[0]["ProvisionedProductId"]
    assert [p["Id"] for p in search(sc, Filters={"SearchQuery": [f"id:{one}"]})] == [one]


def test_terminating_deletes_the_stack_and_forgets_the_product(sc: Any, cfn: Any) -> None:
    pp_id = provision(sc)["ProvisionedProductId"]
    wait_for(lambda: status(sc, pp_id), "AVAILABLE")
    stack_id = [p for p in search(sc) if p["Id"] == pp_id][0]["PhysicalId"]

    record = sc.terminate_provisioned_product(ProvisionedProductId=pp_id, TerminateToken="t-1")[
        "RecordDetail"
    ]
    assert record["RecordType"] == "TERMINATE_PROVISIONED_PRODUCT"
    assert status(sc, pp_id) == "UNDER_CHANGE"
    again = sc.terminate_provisioned_product(ProvisionedProductId=pp_id, TerminateToken="t-1")
    assert again["RecordDetail"]["RecordId"] == record["RecordId"]

    wait_for(lambda: status(sc, pp_id), "ResourceNotFoundException")
    assert pp_id not in [p["Id"] for p in search(sc)]
    assert sc.describe_record(Id=record["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    with pytest.raises(ClientError) as gone:
        sc.terminate_provisioned_product(ProvisionedProductId=pp_id, TerminateToken="t-2")
    assert error(gone)[0] == "ResourceNotFoundException"


def test_a_product_under_change_cannot_be_terminated(sc: Any) -> None:
    pp_id = provision(sc)["ProvisionedProductId"]
    with pytest.raises(ClientError) as busy:
        sc.terminate_provisioned_product(ProvisionedProductId=pp_id, TerminateToken="t-1")
    assert error(busy)[0] == "ValidationException"


def test_termination_protection_fails_the_termination_unless_errors_are_ignored(
    sc: Any, cfn: Any
) -> None:
    pp_id = provision(sc)["ProvisionedProductId"]
    wait_for(lambda: status(sc, pp_id), "AVAILABLE")
    stack_id = [p for p in search(sc) if p["Id"] == pp_id][0]["PhysicalId"]
    cfn.update_termination_protection(StackName=stack_id, EnableTerminationProtection=True)
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["EnableTerminationProtection"]
    with pytest.raises(ClientError) as protected:
        cfn.delete_stack(StackName=stack_id)
    assert "TerminationProtection is enabled" in error(protected)[1]

    failed = sc.terminate_provisioned_product(ProvisionedProductId=pp_id, TerminateToken="t-1")
    wait_for(lambda: status(sc, pp_id), "ERROR")
    detail = sc.describe_record(Id=failed["RecordDetail"]["RecordId"])["RecordDetail"]
    assert detail["Status"] == "FAILED"
    assert "TerminationProtection" in detail["RecordErrors"][0]["Description"]

    sc.terminate_provisioned_product(
        ProvisionedProductId=pp_id, TerminateToken="t-2", IgnoreErrors=True
    )
    wait_for(lambda: status(sc, pp_id), "ResourceNotFoundException")
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_a_status_can_be_forced_for_tests(sc: Any, control: Callable[..., Any]) -> None:
    pp_id = provision(sc)["ProvisionedProductId"]
    control(
        "POST",
        f"servicecatalog/provisioned-products/{pp_id}/status",
        {"Status": "TAINTED", "StatusMessage": "drifted"},
    )
    detail = sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]
    assert (detail["Status"], detail["StatusMessage"]) == ("TAINTED", "drifted")


# --------------------------------------------------------------------------
# Portfolio shares with an organisation node
# --------------------------------------------------------------------------

OU = "ou-ab12-cdef3456"
ORG = "o-abcdef1234"


def create_portfolio(sc: Any) -> str:
    return sc.create_portfolio(DisplayName=unique("portfolio"), ProviderName="platform")[
        "PortfolioDetail"
    ]["Id"]


def share_status(sc: Any, token: str) -> str:
    return sc.describe_portfolio_share_status(PortfolioShareToken=token)["Status"]


def test_sharing_with_an_ou_goes_through_in_progress_to_completed(sc: Any) -> None:
    portfolio_id = create_portfolio(sc)
    token = sc.create_portfolio_share(
        PortfolioId=portfolio_id,
        OrganizationNode={"Type": "ORGANIZATIONAL_UNIT", "Value": OU},
        ShareTagOptions=True,
        SharePrincipals=True,
    )["PortfolioShareToken"]
    assert re.fullmatch(r"share-[a-z0-9]{13}", token)

    first = sc.describe_portfolio_share_status(PortfolioShareToken=token)
    assert first["Status"] == "IN_PROGRESS"
    assert (first["PortfolioId"], first["OrganizationNodeValue"]) == (portfolio_id, OU)
    wait_for(lambda: share_status(sc, token), "COMPLETED")
    done = sc.describe_portfolio_share_status(PortfolioShareToken=token)
    # SuccessfulShares lists accounts; moto has no organisation here, so none are known
    assert done["ShareDetails"] == {"SuccessfulShares": [], "ShareErrors": []}

    shares = sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type="ORGANIZATIONAL_UNIT")
    assert shares["PortfolioShareDetails"] == [
        {
            "PrincipalId": OU,
            "Type": "ORGANIZATIONAL_UNIT",
            "Accepted": True,
            "ShareTagOptions": True,
            "SharePrincipals": True,
        }
    ]
    assert sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type="ORGANIZATION")[
        "PortfolioShareDetails"
    ] == []


def test_sharing_a_node_again_returns_the_same_share_and_changes_nothing(sc: Any) -> None:
    portfolio_id = create_portfolio(sc)
    node = {"Type": "ORGANIZATION", "Value": ORG}
    first = sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=node)
    again = sc.create_portfolio_share(
        PortfolioId=portfolio_id, OrganizationNode=node, ShareTagOptions=True
    )
    assert first["PortfolioShareToken"] == again["PortfolioShareToken"]
    [detail] = sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type="ORGANIZATION")[
        "PortfolioShareDetails"
    ]
    assert (detail["PrincipalId"], detail["ShareTagOptions"]) == (ORG, False)


def test_account_shares_are_still_listed_as_accounts(sc: Any) -> None:
    portfolio_id = create_portfolio(sc)
    assert "PortfolioShareToken" not in sc.create_portfolio_share(
        PortfolioId=portfolio_id, AccountId="111122223333"
    )
    accounts = sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type="ACCOUNT")
    assert [d["PrincipalId"] for d in accounts["PortfolioShareDetails"]] == ["111122223333"]
    assert sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type="ORGANIZATIONAL_UNIT")[
        "PortfolioShareDetails"
    ] == []


@pytest.mark.parametrize(
    "args",
    [
        {"OrganizationNode": {"Type": "ORGANIZATIONAL_UNIT", "Value": "ou-x"}},
        {"OrganizationNode": {"Type": "ORGANIZATION", "Value": "o-short"}},
        {"OrganizationNode": {"Type": "ORGANIZATION", "Value": ORG}, "AccountId": "111122223333"},
        {"AccountId": "111122223333", "SharePrincipals": True},
        {},
    ],
)
def test_a_malformed_share_is_refused(sc: Any, args: dict[str, Any]) -> None:
    portfolio_id = create_portfolio(sc)
    with pytest.raises(ClientError) as refused:
        sc.create_portfolio_share(PortfolioId=portfolio_id, **args)
    assert error(refused)[0] == "InvalidParametersException"


def test_unknown_portfolios_and_tokens_are_not_found(sc: Any) -> None:
    with pytest.raises(ClientError) as portfolio:
        sc.create_portfolio_share(
            PortfolioId="port-doesnotexist",
            OrganizationNode={"Type": "ORGANIZATIONAL_UNIT", "Value": OU},
        )
    assert error(portfolio)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as token:
        sc.describe_portfolio_share_status(PortfolioShareToken="share-0000000000000")
    assert error(token)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as listing:
        sc.describe_portfolio_shares(PortfolioId="port-doesnotexist", Type="ORGANIZATION")
    assert error(listing)[0] == "ResourceNotFoundException"


def test_a_share_forced_to_error_reports_its_errors_and_is_not_listed(
    sc: Any, control: Callable[..., Any]
) -> None:
    portfolio_id = create_portfolio(sc)
    token = sc.create_portfolio_share(
        PortfolioId=portfolio_id,
        OrganizationNode={"Type": "ORGANIZATIONAL_UNIT", "Value": OU},
    )["PortfolioShareToken"]
    failure = {"Accounts": ["111122223333"], "Message": "denied", "Error": "AccessDenied"}
    control(
        "POST",
        f"servicecatalog/portfolio-shares/{token}/status",
        {"Status": "ERROR", "ShareErrors": [failure]},
    )
    status = sc.describe_portfolio_share_status(PortfolioShareToken=token)
    assert status["Status"] == "ERROR"
    assert status["ShareDetails"]["ShareErrors"] == [failure]
    assert sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type="ORGANIZATIONAL_UNIT")[
        "PortfolioShareDetails"
    ] == []


def test_deleting_an_ou_share_forgets_it(sc: Any) -> None:
    portfolio_id = create_portfolio(sc)
    node = {"Type": "ORGANIZATIONAL_UNIT", "Value": OU}
    sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=node)
    sc.delete_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=node)
    assert sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type="ORGANIZATIONAL_UNIT")[
        "PortfolioShareDetails"
    ] == []


def test_with_an_organization_only_its_nodes_and_only_its_management_account_can_share(
    endpoint: str,
) -> None:
    # Runs last in the module: the organisation stays until the next module's reset.
    management, org, _, ou = new_organization(endpoint)
    sc = client(endpoint, "servicecatalog")
    portfolio_id = create_portfolio(sc)
    with pytest.raises(ClientError) as foreign:
        sc.create_portfolio_share(
            PortfolioId=portfolio_id, OrganizationNode={"Type": "ORGANIZATIONAL_UNIT", "Value": OU}
        )
    assert error(foreign)[0] == "InvalidParametersException"
    for node in ({"Type": "ORGANIZATIONAL_UNIT", "Value": ou}, {"Type": "ORGANIZATION", "Value": org["Id"]}):
        token = sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=node)[
            "PortfolioShareToken"
        ]
        assert share_status(sc, token) == "IN_PROGRESS"

    member = management.create_account(Email="member@example.com", AccountName="member")[
        "CreateAccountStatus"
    ]["AccountId"]
    credentials = client(endpoint, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/admin", RoleSessionName="member"
    )["Credentials"]
    member_sc = client(endpoint, "servicecatalog", key=credentials["AccessKeyId"])
    member_portfolio = create_portfolio(member_sc)
    with pytest.raises(ClientError) as member_share:
        member_sc.create_portfolio_share(
            PortfolioId=member_portfolio,
            OrganizationNode={"Type": "ORGANIZATION", "Value": org["Id"]},
        )
    assert error(member_share)[0] == "OperationNotSupportedException"
