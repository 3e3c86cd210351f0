"""Service Catalog provisioned products in the emulator, driven with boto3.

Run: .venv/bin/python -m pytest -q tests/aws-emulator/test_servicecatalog.py
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import (
    HANDLE_TEMPLATE,
    Recorder,
    account_admin,
    allow,
    client,
    error,
    iam_user,
    launch_role,
    new_organization,
    new_product,
    signed_client,
    stage_template,
    unique,
    wait_for,
    wait_for_stack,
)

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


#: A product template: an SSM parameter whose value is a launch parameter, and an output.
SETTING_TEMPLATE = json.dumps(
    {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {
            "Colour": {"Type": "String", "AllowedValues": ["blue", "green", "red"]},
            "Suffix": {"Type": "String", "Default": "a", "AllowedPattern": "^[a-z]+$"},
        },
        "Resources": {
            "Setting": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {
                    "Name": {"Fn::Sub": "/products/${AWS::StackName}/${Suffix}"},
                    "Type": "String",
                    "Value": {"Ref": "Colour"},
                },
            }
        },
        "Outputs": {
            "SettingName": {"Value": {"Ref": "Setting"}, "Description": "The setting's name"}
        },
    }
)
#: The same with a second output (a new version of the product).
SETTING_TEMPLATE_V2 = json.dumps(
    {
        **json.loads(SETTING_TEMPLATE),
        "Outputs": {
            **json.loads(SETTING_TEMPLATE)["Outputs"],
            "Colour": {"Value": {"Ref": "Colour"}},
        },
    }
)
#: A template whose second resource cannot be created (its code bucket does not exist).
FAILING_TEMPLATE = json.dumps(
    {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"Colour": {"Type": "String", "Default": "blue"}},
        "Resources": {
            "Setting": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {
                    "Name": {"Fn::Sub": "/products/${AWS::StackName}/a"},
                    "Type": "String",
                    "Value": {"Ref": "Colour"},
                },
            },
            "Function": {
                "Type": "AWS::Lambda::Function",
                "DependsOn": "Setting",
                "Properties": {
                    "Runtime": "provided.al2023",
                    "Handler": "bootstrap",
                    "Role": "arn:aws:iam::123456789012:role/nobody",
                    "Code": {"S3Bucket": "no-such-bucket-anywhere", "S3Key": "f.zip"},
                },
            },
        },
    }
)
BLUE = [{"Key": "Colour", "Value": "blue"}]
#: What a launch role needs for SETTING_TEMPLATE's resource: the AWS::SSM::Parameter handlers'
#: permissions (its resource provider schema), on the products' parameters.
SETTING_PERMISSIONS = allow(
    ["ssm:PutParameter", "ssm:AddTagsToResource", "ssm:GetParameters", "ssm:DeleteParameter"],
    "arn:aws:ssm:*:123456789012:parameter/products/*",
)


def create_product(sc: Any, template: str = HANDLE_TEMPLATE) -> tuple[str, str]:
    """A product the tests' credentials can launch: in a portfolio associated
    with ``CALLER`` (its one launch path); returns it and its artifact."""
    product_id, artifact = new_product(sc, template)
    portfolio_id = sc.create_portfolio(DisplayName=unique("portfolio"), ProviderName="platform")[
        "PortfolioDetail"
    ]["Id"]
    sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio_id)
    sc.associate_principal_with_portfolio(
        PortfolioId=portfolio_id, PrincipalARN=CALLER, PrincipalType="IAM"
    )
    return product_id, artifact


def provision(
    sc: Any,
    tags: list[dict[str, str]] | None = None,
    template: str = HANDLE_TEMPLATE,
    parameters: list[dict[str, str]] | None = None,
    product: tuple[str, str] | None = None,
) -> dict[str, Any]:
    product_id, artifact = product or create_product(sc, template)
    return sc.provision_product(
        ProductId=product_id,
        ProvisioningArtifactId=artifact,
        ProvisionedProductName=unique("pp"),
        ProvisionToken=unique("tok"),
        Tags=tags or [],
        ProvisioningParameters=parameters or [],
    )["RecordDetail"]


def status(sc: Any, pp_id: str) -> str:
    try:
        return sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]["Status"]
    except ClientError as e:
        return e.response["Error"]["Code"]


def record_status(sc: Any, record_id: str) -> str:
    return sc.describe_record(Id=record_id)["RecordDetail"]["Status"]


def finished(sc: Any, record_id: str, expected: str = "SUCCEEDED") -> dict[str, Any]:
    """DescribeRecord once the record has ``expected`` status."""
    wait_for(lambda: record_status(sc, record_id), expected, timeout=20)
    return sc.describe_record(Id=record_id)


def stack_of(sc: Any, cfn: Any, pp_id: str) -> dict[str, Any]:
    [found] = [p for p in search(sc) if p["Id"] == pp_id]
    return cfn.describe_stacks(StackName=found["PhysicalId"])["Stacks"][0]


def search(sc: Any, **extra: Any) -> list[dict[str, Any]]:
    return sc.search_provisioned_products(AccessLevelFilter=ACCOUNT_LEVEL, **extra)[
        "ProvisionedProducts"
    ]


def test_a_new_product_has_one_provisioning_artifact_named_as_given(sc: Any) -> None:
    product_id, artifact = create_product(sc)
    assert re.fullmatch(r"pa-[0-9a-f]{13}", artifact)
    listed = sc.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"]
    assert [a["Id"] for a in listed] == [artifact]
    assert listed[0]["Name"] == "v1"


def test_provisioning_creates_a_stack_and_becomes_available(sc: Any, cfn: Any) -> None:
    record = provision(sc, tags=[{"Key": "expires-at", "Value": "2030-01-01T00:00:00Z"}])
    assert record["RecordType"] == "PROVISION_PRODUCT"
    assert record["Status"] == "CREATED"
    pp_id = record["ProvisionedProductId"]
    assert re.fullmatch(r"pp-[a-z0-9]{13}", pp_id)
    assert status(sc, pp_id) == "UNDER_CHANGE"
    wait_for(lambda: status(sc, pp_id), "AVAILABLE")

    [found] = [p for p in search(sc) if p["Id"] == pp_id]
    assert found["Tags"][0] == {"Key": "expires-at", "Value": "2030-01-01T00:00:00Z"}
    assert found["Type"] == "CFN_STACK"
    assert found["Arn"].endswith(f"/{pp_id}")
    stack = cfn.describe_stacks(StackName=found["PhysicalId"])["Stacks"][0]
    assert stack["StackName"] == f"SC-123456789012-{pp_id}"
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert record_status(sc, record["RecordId"]) == "SUCCEEDED"


def test_the_stack_is_made_from_the_artifacts_template_and_parameters(
    sc: Any, cfn: Any, endpoint: str
) -> None:
    record = provision(
        sc, template=SETTING_TEMPLATE, parameters=[*BLUE, {"Key": "Suffix", "Value": "x"}]
    )
    described = finished(sc, record["RecordId"])
    stack = stack_of(sc, cfn, record["ProvisionedProductId"])
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {
        "Colour": "blue",
        "Suffix": "x",
    }
    setting = f"/products/{stack['StackName']}/x"
    assert client(endpoint, "ssm").get_parameter(Name=setting)["Parameter"]["Value"] == "blue"
    assert described["RecordOutputs"] == [
        {
            "OutputKey": "CloudformationStackARN",
            "OutputValue": stack["StackId"],
            "Description": "The ARN of the launched Cloudformation Stack",
        },
        {"OutputKey": "SettingName", "OutputValue": setting, "Description": "The setting's name"},
    ]


def test_a_parameter_left_out_takes_the_templates_default(sc: Any, cfn: Any) -> None:
    record = provision(sc, template=SETTING_TEMPLATE, parameters=BLUE)
    finished(sc, record["RecordId"])
    stack = stack_of(sc, cfn, record["ProvisionedProductId"])
    assert stack["Outputs"][0]["OutputValue"] == f"/products/{stack['StackName']}/a"


def test_service_catalog_tags_the_stack_and_the_record(sc: Any, cfn: Any) -> None:
    product_id, artifact = create_product(sc)
    record = provision(sc, tags=[{"Key": "team", "Value": "ml"}], product=(product_id, artifact))
    assert record["RecordTags"] == [{"Key": "team", "Value": "ml"}]
    detail = finished(sc, record["RecordId"])["RecordDetail"]
    pp_id = record["ProvisionedProductId"]
    [found] = [p for p in search(sc) if p["Id"] == pp_id]
    tags = {t["Key"]: t["Value"] for t in found["Tags"]}
    assert tags["team"] == "ml"
    assert tags["aws:servicecatalog:provisioningPrincipalArn"] == CALLER
    assert tags["aws:servicecatalog:provisioningArtifactIdentifier"] == artifact
    assert tags["aws:servicecatalog:provisionedProductArn"] == found["Arn"]
    assert tags["aws:servicecatalog:productArn"].endswith(f":product/{product_id}")
    assert ":portfolio/" in tags["aws:servicecatalog:portfolioArn"]
    stack = cfn.describe_stacks(StackName=found["PhysicalId"])["Stacks"][0]
    assert {t["Key"]: t["Value"] for t in stack["Tags"]} == tags
    assert {t["Key"] for t in detail["RecordTags"]} == {
        "team",
        "aws:servicecatalog:productArn",
        "aws:servicecatalog:provisioningPrincipalArn",
        "aws:servicecatalog:portfolioArn",
    }


def launch_constrained_product(sc: Any, parameters: dict[str, str]) -> tuple[str, str]:
    product_id, artifact = new_product(sc)
    portfolio_id = sc.create_portfolio(DisplayName=unique("portfolio"), ProviderName="platform")[
        "PortfolioDetail"
    ]["Id"]
    sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio_id)
    sc.associate_principal_with_portfolio(
        PortfolioId=portfolio_id, PrincipalARN=CALLER, PrincipalType="IAM"
    )
    sc.create_constraint(
        PortfolioId=portfolio_id,
        ProductId=product_id,
        Type="LAUNCH",
        Parameters=json.dumps(parameters),
        IdempotencyToken=unique("cons"),
    )
    return product_id, artifact


@pytest.mark.parametrize("named_by", ["RoleArn", "LocalRoleName"], ids=["role-arn", "local-role-name"])
def test_the_stack_runs_as_the_launch_constraints_role(
    sc: Any, cfn: Any, endpoint: str, named_by: str
) -> None:
    name = unique("product-launch")
    role = launch_role(endpoint, name)  # the product's template needs nothing more
    product = launch_constrained_product(sc, {named_by: role if named_by == "RoleArn" else name})
    record = provision(sc, product=product)
    assert record["LaunchRoleArn"] == role
    finished(sc, record["RecordId"])
    pp_id = record["ProvisionedProductId"]
    assert stack_of(sc, cfn, pp_id)["RoleARN"] == role
    detail = sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]
    assert detail["LaunchRoleArn"] == role
    [path] = sc.list_launch_paths(ProductId=product[0])["LaunchPathSummaries"]
    assert [c["Type"] for c in path["ConstraintSummaries"]] == ["LAUNCH"]


def test_without_a_launch_constraint_the_stack_runs_as_the_caller(sc: Any, cfn: Any) -> None:
    record = provision(sc)
    assert "LaunchRoleArn" not in record
    finished(sc, record["RecordId"])
    assert "RoleARN" not in stack_of(sc, cfn, record["ProvisionedProductId"])


def test_a_resource_that_fails_fails_the_record_and_rolls_back(
    sc: Any, cfn: Any, endpoint: str
) -> None:
    record = provision(sc, template=FAILING_TEMPLATE)
    described = finished(sc, record["RecordId"], "FAILED")
    pp_id = record["ProvisionedProductId"]
    [error_entry] = described["RecordDetail"]["RecordErrors"]
    stack_name = f"SC-123456789012-{pp_id}"
    events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    [failed] = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert failed["LogicalResourceId"] == "Function"
    assert error_entry == {"Code": "CREATE_FAILED", "Description": failed["ResourceStatusReason"]}
    detail = sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]
    assert (detail["Status"], detail["StatusMessage"]) == ("ERROR", failed["ResourceStatusReason"])
    assert "LastSuccessfulProvisioningRecordId" not in detail
    assert cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    ssm = client(endpoint, "ssm")
    assert ssm.get_parameters(Names=[f"/products/{stack_name}/a"])["Parameters"] == []


def test_an_update_sets_new_values_and_keeps_previous_ones(
    sc: Any, cfn: Any, endpoint: str
) -> None:
    record = provision(
        sc, template=SETTING_TEMPLATE, parameters=[*BLUE, {"Key": "Suffix", "Value": "x"}]
    )
    finished(sc, record["RecordId"])
    pp_id = record["ProvisionedProductId"]
    update = sc.update_provisioned_product(
        ProvisionedProductId=pp_id,
        UpdateToken=unique("upd"),
        ProvisioningParameters=[
            {"Key": "Colour", "Value": "green"},
            {"Key": "Suffix", "UsePreviousValue": True},
        ],
    )["RecordDetail"]
    assert (update["RecordType"], update["Status"]) == ("UPDATE_PROVISIONED_PRODUCT", "CREATED")
    assert status(sc, pp_id) == "UNDER_CHANGE"
    finished(sc, update["RecordId"])
    stack = stack_of(sc, cfn, pp_id)
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    setting = f"/products/{stack['StackName']}/x"
    assert client(endpoint, "ssm").get_parameter(Name=setting)["Parameter"]["Value"] == "green"
    detail = sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]
    assert detail["Status"] == "AVAILABLE"
    assert detail["LastRecordId"] == detail["LastProvisioningRecordId"] == update["RecordId"]
    assert detail["LastSuccessfulProvisioningRecordId"] == update["RecordId"]


def test_an_update_to_a_new_artifact_runs_its_template(sc: Any, cfn: Any) -> None:
    product_id, artifact = create_product(sc, SETTING_TEMPLATE)
    record = provision(sc, parameters=BLUE, product=(product_id, artifact))
    finished(sc, record["RecordId"])
    v2 = sc.create_provisioning_artifact(
        ProductId=product_id,
        Parameters={
            "Name": "v2",
            "Info": {"LoadTemplateFromURL": stage_template(sc.meta.endpoint_url, SETTING_TEMPLATE_V2)},
            "Type": "CLOUD_FORMATION_TEMPLATE",
        },
        IdempotencyToken=unique("pa"),
    )["ProvisioningArtifactDetail"]
    listed = sc.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"]
    assert [a["Name"] for a in listed] == ["v1", "v2"]
    pp_id = record["ProvisionedProductId"]
    update = sc.update_provisioned_product(
        ProvisionedProductId=pp_id,
        ProvisioningArtifactId=v2["Id"],
        UpdateToken=unique("upd"),
        ProvisioningParameters=[{"Key": "Colour", "UsePreviousValue": True}],
    )["RecordDetail"]
    outputs = finished(sc, update["RecordId"])["RecordOutputs"]
    assert {o["OutputKey"]: o["OutputValue"] for o in outputs}["Colour"] == "blue"
    detail = sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]
    assert detail["ProvisioningArtifactId"] == v2["Id"]
    tags = {t["Key"]: t["Value"] for t in stack_of(sc, cfn, pp_id)["Tags"]}
    assert tags["aws:servicecatalog:provisioningArtifactIdentifier"] == v2["Id"]


def test_an_update_with_nothing_to_change_succeeds(sc: Any) -> None:
    record = provision(sc, template=SETTING_TEMPLATE, parameters=BLUE)
    finished(sc, record["RecordId"])
    update = sc.update_provisioned_product(
        ProvisionedProductId=record["ProvisionedProductId"],
        UpdateToken=unique("upd"),
        ProvisioningParameters=[{"Key": "Colour", "UsePreviousValue": True}],
    )["RecordDetail"]
    finished(sc, update["RecordId"])
    assert status(sc, record["ProvisionedProductId"]) == "AVAILABLE"


def test_a_failed_update_rolls_back_and_taints_the_product(sc: Any, cfn: Any) -> None:
    product_id, artifact = create_product(sc, SETTING_TEMPLATE)
    record = provision(sc, parameters=BLUE, product=(product_id, artifact))
    finished(sc, record["RecordId"])
    broken = sc.create_provisioning_artifact(
        ProductId=product_id,
        Parameters={
            "Name": "broken",
            "Info": {"LoadTemplateFromURL": stage_template(sc.meta.endpoint_url, FAILING_TEMPLATE)},
        },
        IdempotencyToken=unique("pa"),
    )["ProvisioningArtifactDetail"]
    pp_id = record["ProvisionedProductId"]
    update = sc.update_provisioned_product(
        ProvisionedProductId=pp_id,
        ProvisioningArtifactId=broken["Id"],
        UpdateToken=unique("upd"),
        ProvisioningParameters=[{"Key": "Colour", "UsePreviousValue": True}],
    )["RecordDetail"]
    described = finished(sc, update["RecordId"], "FAILED")
    assert described["RecordDetail"]["RecordErrors"][0]["Code"] == "CREATE_FAILED"
    detail = sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]
    assert detail["Status"] == "TAINTED"
    assert detail["ProvisioningArtifactId"] == artifact
    assert detail["LastSuccessfulProvisioningRecordId"] == record["RecordId"]
    assert stack_of(sc, cfn, pp_id)["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"


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


def test_an_unknown_artifact_is_not_found(sc: Any) -> None:
    product_id, _ = create_product(sc)
    with pytest.raises(ClientError) as unknown:
        sc.provision_product(
            ProductId=product_id, ProvisioningArtifactId="pa-0000000000000",
            ProvisionedProductName=unique("pp"), ProvisionToken=unique("tok"),
        )
    assert error(unknown)[0] == "ResourceNotFoundException"


def test_search_sees_only_the_callers_own_unless_account_level(endpoint: str, sc: Any) -> None:
    record = provision(sc)
    # another user of the account, who may search (AWSServiceCatalogEndUserReadOnlyAccess grants
    # servicecatalog:SearchProvisionedProducts)
    other = signed_client(
        endpoint,
        "servicecatalog",
        iam_user(endpoint, unique("other"), allow("servicecatalog:SearchProvisionedProducts")),
    )
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


def test_terminating_deletes_the_stack_and_forgets_the_product(
    sc: Any, cfn: Any, endpoint: str
) -> None:
    pp_id = provision(sc, template=SETTING_TEMPLATE, parameters=BLUE)["ProvisionedProductId"]
    wait_for(lambda: status(sc, pp_id), "AVAILABLE", timeout=20)
    stack = stack_of(sc, cfn, pp_id)

    record = sc.terminate_provisioned_product(ProvisionedProductId=pp_id, TerminateToken="t-1")[
        "RecordDetail"
    ]
    assert record["RecordType"] == "TERMINATE_PROVISIONED_PRODUCT"
    assert status(sc, pp_id) == "UNDER_CHANGE"
    again = sc.terminate_provisioned_product(ProvisionedProductId=pp_id, TerminateToken="t-1")
    assert again["RecordDetail"]["RecordId"] == record["RecordId"]

    wait_for(lambda: status(sc, pp_id), "ResourceNotFoundException", timeout=20)
    assert pp_id not in [p["Id"] for p in search(sc)]
    assert record_status(sc, record["RecordId"]) == "SUCCEEDED"
    described = cfn.describe_stacks(StackName=stack["StackId"])["Stacks"][0]
    assert described["StackStatus"] == "DELETE_COMPLETE"
    setting = f"/products/{stack['StackName']}/a"
    assert client(endpoint, "ssm").get_parameters(Names=[setting])["Parameters"] == []
    with pytest.raises(ClientError) as gone:
        sc.terminate_provisioned_product(ProvisionedProductId=pp_id, TerminateToken="t-2")
    assert error(gone)[0] == "ResourceNotFoundException"


def test_retaining_physical_resources_keeps_the_stack(sc: Any, cfn: Any) -> None:
    pp_id = provision(sc)["ProvisionedProductId"]
    wait_for(lambda: status(sc, pp_id), "AVAILABLE", timeout=20)
    stack = stack_of(sc, cfn, pp_id)
    sc.terminate_provisioned_product(
        ProvisionedProductId=pp_id, TerminateToken="t-1", RetainPhysicalResources=True
    )
    wait_for(lambda: status(sc, pp_id), "ResourceNotFoundException")
    assert cfn.describe_stacks(StackName=stack["StackId"])["Stacks"][0]["StackStatus"] == (
        "CREATE_COMPLETE"
    )


def test_a_product_under_change_cannot_be_terminated_or_updated(sc: Any) -> None:
    pp_id = provision(sc)["ProvisionedProductId"]
    with pytest.raises(ClientError) as busy:
        sc.terminate_provisioned_product(ProvisionedProductId=pp_id, TerminateToken="t-1")
    assert error(busy)[0] == "ValidationException"
    with pytest.raises(ClientError) as busy_update:
        sc.update_provisioned_product(ProvisionedProductId=pp_id, UpdateToken="u-1")
    assert error(busy_update)[0] == "ValidationException"


def test_termination_protection_fails_the_termination_unless_errors_are_ignored(
    sc: Any, cfn: Any
) -> None:
    pp_id = provision(sc)["ProvisionedProductId"]
    wait_for(lambda: status(sc, pp_id), "AVAILABLE", timeout=20)
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


def test_record_history_lists_a_products_records_newest_first(sc: Any) -> None:
    record = provision(sc, template=SETTING_TEMPLATE, parameters=BLUE)
    finished(sc, record["RecordId"])
    pp_id = record["ProvisionedProductId"]
    update = sc.update_provisioned_product(
        ProvisionedProductId=pp_id, UpdateToken=unique("upd"),
        ProvisioningParameters=[{"Key": "Colour", "Value": "red"}],
    )["RecordDetail"]
    history = sc.list_record_history(
        SearchFilter={"Key": "provisionedproduct", "Value": pp_id}
    )["RecordDetails"]
    assert [r["RecordId"] for r in history] == [update["RecordId"], record["RecordId"]]


def test_search_products_finds_the_products_the_caller_can_launch(sc: Any) -> None:
    product_id, _ = create_product(sc)
    hidden, _ = new_product(sc)  # in no portfolio of the caller's
    found: list[str] = []
    token = None
    while True:
        page = sc.search_products(**({"PageToken": token} if token else {}))
        found += [p["ProductId"] for p in page["ProductViewSummaries"]]
        token = page.get("NextPageToken")
        if not token:
            break
    assert product_id in found and hidden not in found
    name = sc.describe_product(Id=product_id)["ProductViewSummary"]["Name"]
    by_text = sc.search_products(Filters={"FullTextSearch": [name.upper()]})["ProductViewSummaries"]
    assert [p["ProductId"] for p in by_text] == [product_id]


def test_the_launch_form_lists_the_templates_parameters(sc: Any) -> None:
    product_id, artifact = create_product(sc, SETTING_TEMPLATE)
    form = sc.describe_provisioning_parameters(
        ProductId=product_id, ProvisioningArtifactId=artifact
    )
    parameters = {p["ParameterKey"]: p for p in form["ProvisioningArtifactParameters"]}
    assert parameters["Colour"]["ParameterConstraints"]["AllowedValues"] == ["blue", "green", "red"]
    assert "DefaultValue" not in parameters["Colour"]
    assert parameters["Suffix"]["DefaultValue"] == "a"
    assert parameters["Suffix"]["ParameterConstraints"]["AllowedPattern"] == "^[a-z]+$"
    assert form["ProvisioningArtifactOutputKeys"] == [
        {"Key": "SettingName", "Description": "The setting's name"}
    ]


def test_a_product_of_a_portfolio_stack_launches_its_template_as_its_launch_role(
    sc: Any, cfn: Any, endpoint: str
) -> None:
    url = stage_template(endpoint, SETTING_TEMPLATE)
    launch = unique("catalog-launch")
    launch_role(endpoint, launch, SETTING_PERMISSIONS)
    portfolio = {
        "Resources": {
            "Portfolio": {
                "Type": "AWS::ServiceCatalog::Portfolio",
                "Properties": {"DisplayName": unique("portfolio"), "ProviderName": "platform"},
            },
            "Access": {
                "Type": "AWS::ServiceCatalog::PortfolioPrincipalAssociation",
                "Properties": {
                    "PortfolioId": {"Ref": "Portfolio"}, "PrincipalARN": CALLER, "PrincipalType": "IAM",
                },
            },
            "Product": {
                "Type": "AWS::ServiceCatalog::CloudFormationProduct",
                "Properties": {
                    "Name": unique("settings"),
                    "Owner": "platform",
                    "ProvisioningArtifactParameters": [
                        {"Name": "v1", "Info": {"LoadTemplateFromURL": url}}
                    ],
                },
            },
            "InPortfolio": {
                "Type": "AWS::ServiceCatalog::PortfolioProductAssociation",
                "Properties": {"PortfolioId": {"Ref": "Portfolio"}, "ProductId": {"Ref": "Product"}},
            },
            "Environment": {
                "Type": "AWS::ServiceCatalog::TagOption",
                "Properties": {"Key": "environment", "Value": unique("dev")},
            },
            "EnvironmentOffered": {
                "Type": "AWS::ServiceCatalog::TagOptionAssociation",
                "Properties": {"ResourceId": {"Ref": "Portfolio"}, "TagOptionId": {"Ref": "Environment"}},
            },
            "Launch": {
                "Type": "AWS::ServiceCatalog::LaunchRoleConstraint",
                "DependsOn": "InPortfolio",
                "Properties": {
                    "PortfolioId": {"Ref": "Portfolio"},
                    "ProductId": {"Ref": "Product"},
                    "LocalRoleName": launch,
                },
            },
        },
        "Outputs": {
            "ProductId": {"Value": {"Ref": "Product"}},
            "ArtifactId": {"Value": {"Fn::GetAtt": ["Product", "ProvisioningArtifactIds"]}},
        },
    }
    name = unique("portfolio-stack")
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(portfolio))
    described = wait_for_stack(cfn, name)
    assert described["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
    form = sc.describe_provisioning_parameters(
        ProductId=outputs["ProductId"], ProvisioningArtifactId=outputs["ArtifactId"]
    )
    environment = portfolio["Resources"]["Environment"]["Properties"]["Value"]
    assert form["TagOptions"] == [{"Key": "environment", "Values": [environment]}]
    assert [c["Type"] for c in form["ConstraintSummaries"]] == ["LAUNCH"]
    record = provision(sc, parameters=BLUE, product=(outputs["ProductId"], outputs["ArtifactId"]))
    finished(sc, record["RecordId"])
    stack = stack_of(sc, cfn, record["ProvisionedProductId"])
    assert stack["RoleARN"] == f"arn:aws:iam::123456789012:role/{launch}"
    assert stack["Outputs"][0]["OutputKey"] == "SettingName"


def test_a_custom_resource_that_answers_failed_fails_the_launch_with_its_reason(
    sc: Any, cfn: Any, endpoint: str
) -> None:
    recorder = Recorder.start(endpoint)
    template = json.dumps(
        {
            "Resources": {
                "First": recorder.resource(),
                "Second": recorder.resource(
                    depends_on="First", FailOn="Create", Reason="no capacity", PhysicalId="second-1"
                ),
            }
        }
    )
    record = provision(sc, template=template)
    described = finished(sc, record["RecordId"], "FAILED")
    reason = "Received response status [FAILED] from custom resource. Message returned: no capacity"
    assert described["RecordDetail"]["RecordErrors"] == [
        {"Code": "CREATE_FAILED", "Description": reason}
    ]
    pp_id = record["ProvisionedProductId"]
    detail = sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]
    assert (detail["Status"], detail["StatusMessage"]) == ("ERROR", reason)
    stack = cfn.describe_stacks(StackName=f"SC-123456789012-{pp_id}")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    # nothing is left: what was created got its Delete
    assert recorder.sequence() == [
        ("Create", "First"),
        ("Create", "Second"),
        ("Delete", "Second"),
        ("Delete", "First"),
    ]
    # and the product in ERROR can be terminated
    terminated = sc.terminate_provisioned_product(ProvisionedProductId=pp_id, TerminateToken="t-1")
    finished(sc, terminated["RecordDetail"]["RecordId"])
    assert status(sc, pp_id) == "ResourceNotFoundException"


def test_a_stack_that_fails_to_delete_fails_the_termination_unless_errors_are_ignored(
    sc: Any, cfn: Any, endpoint: str
) -> None:
    recorder = Recorder.start(endpoint)
    template = json.dumps(
        {"Resources": {"Kept": recorder.resource(FailOn="Delete", Reason="still in use")}}
    )
    record = provision(sc, template=template)
    finished(sc, record["RecordId"])
    pp_id = record["ProvisionedProductId"]
    failed = sc.terminate_provisioned_product(ProvisionedProductId=pp_id, TerminateToken="t-1")
    described = finished(sc, failed["RecordDetail"]["RecordId"], "FAILED")
    reason = "Received response status [FAILED] from custom resource. Message returned: still in use"
    assert described["RecordDetail"]["RecordErrors"] == [
        {"Code": "DELETE_FAILED", "Description": reason}
    ]
    detail = sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]
    assert (detail["Status"], detail["StatusMessage"]) == ("ERROR", reason)
    stack_name = f"SC-123456789012-{pp_id}"
    assert cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"] == "DELETE_FAILED"

    ignored = sc.terminate_provisioned_product(
        ProvisionedProductId=pp_id, TerminateToken="t-2", IgnoreErrors=True
    )
    finished(sc, ignored["RecordDetail"]["RecordId"])
    assert status(sc, pp_id) == "ResourceNotFoundException"
    assert recorder.sequence() == [("Create", "Kept"), ("Delete", "Kept"), ("Delete", "Kept")]


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
    member_sc = signed_client(endpoint, "servicecatalog", account_admin(endpoint, member))
    member_portfolio = create_portfolio(member_sc)
    with pytest.raises(ClientError) as member_share:
        member_sc.create_portfolio_share(
            PortfolioId=member_portfolio,
            OrganizationNode={"Type": "ORGANIZATION", "Value": org["Id"]},
        )
    assert error(member_share)[0] == "OperationNotSupportedException"
