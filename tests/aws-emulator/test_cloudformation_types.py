"""CloudFormation resource types added to moto (studio_emulator/cloudformation/types.py), and
what stack updates and failing resources do (parameters.py, stacks.py).

Run: .venv/bin/python -m pytest -q tests/aws-emulator/test_cloudformation_types.py
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import HERE, REGION, client, delete_stack, wait_for_stack


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bootstrap", b"#!/bin/sh\n")
    return buffer.getvalue()


def _template(expression: str, with_schedule: bool = True) -> str:
    resources: dict[str, Any] = {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            },
        },
        "Function": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": "cleanup",
                "Runtime": "provided.al2023",
                "Handler": "bootstrap",
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"S3Bucket": "code", "S3Key": "cleanup.zip"},
            },
        },
    }
    outputs: dict[str, Any] = {}
    if with_schedule:
        resources["Schedule"] = {
            "Type": "AWS::Scheduler::Schedule",
            "Properties": {
                "Description": "runs the cleanup",
                "ScheduleExpression": expression,
                "State": "ENABLED",
                "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 5},
                "Target": {
                    "Arn": {"Fn::GetAtt": ["Function", "Arn"]},
                    "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                    "RetryPolicy": {"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 900},
                },
            },
        }
        outputs = {
            "ScheduleArn": {"Value": {"Fn::GetAtt": ["Schedule", "Arn"]}},
            "ScheduleName": {"Value": {"Ref": "Schedule"}},
        }
    return json.dumps(
        {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources, "Outputs": outputs}
    )


@pytest.fixture()
def stack(endpoint: str) -> Iterator[str]:
    s3 = client(endpoint, "s3")
    s3.create_bucket(Bucket="code")
    s3.put_object(Bucket="code", Key="cleanup.zip", Body=_zip())
    name = "schedule-test"
    cloudformation = client(endpoint, "cloudformation")
    cloudformation.create_stack(
        StackName=name, TemplateBody=_template("rate(60 minutes)"), Capabilities=["CAPABILITY_IAM"]
    )
    wait_for_stack(cloudformation, name)
    yield name
    try:
        delete_stack(cloudformation, name)
    except ClientError:
        pass


def _outputs(endpoint: str, name: str) -> dict[str, str]:
    described = wait_for_stack(client(endpoint, "cloudformation"), name)
    assert described["StackStatus"].endswith("_COMPLETE"), described
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def test_a_stack_creates_the_schedule_in_the_scheduler_backend(endpoint: str, stack: str) -> None:
    outputs = _outputs(endpoint, stack)

    schedule = client(endpoint, "scheduler").get_schedule(Name=outputs["ScheduleName"])
    assert schedule["Arn"] == outputs["ScheduleArn"]
    assert schedule["Arn"] == (
        f"arn:aws:scheduler:{REGION}:123456789012:schedule/default/{outputs['ScheduleName']}"
    )
    assert schedule["ScheduleExpression"] == "rate(60 minutes)"
    assert schedule["State"] == "ENABLED"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 5}
    assert schedule["Target"]["Arn"] == (
        f"arn:aws:lambda:{REGION}:123456789012:function:cleanup"
    )
    assert schedule["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 1
    assert outputs["ScheduleName"].startswith(f"{stack}-Schedule-")


def test_a_stack_update_changes_the_schedule_in_place(endpoint: str, stack: str) -> None:
    name = _outputs(endpoint, stack)["ScheduleName"]

    client(endpoint, "cloudformation").update_stack(
        StackName=stack, TemplateBody=_template("rate(2 hours)"), Capabilities=["CAPABILITY_IAM"]
    )

    assert _outputs(endpoint, stack)["ScheduleName"] == name
    schedule = client(endpoint, "scheduler").get_schedule(Name=name)
    assert schedule["ScheduleExpression"] == "rate(2 hours)"


def test_removing_the_schedule_from_the_template_deletes_it(endpoint: str, stack: str) -> None:
    name = _outputs(endpoint, stack)["ScheduleName"]

    client(endpoint, "cloudformation").update_stack(
        StackName=stack,
        TemplateBody=_template("rate(60 minutes)", with_schedule=False),
        Capabilities=["CAPABILITY_IAM"],
    )
    assert wait_for_stack(client(endpoint, "cloudformation"), stack)["StackStatus"] == "UPDATE_COMPLETE"

    with pytest.raises(ClientError) as raised:
        client(endpoint, "scheduler").get_schedule(Name=name)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_deleting_the_stack_deletes_the_schedule(endpoint: str, stack: str) -> None:
    name = _outputs(endpoint, stack)["ScheduleName"]

    assert delete_stack(client(endpoint, "cloudformation"), stack)["StackStatus"] == "DELETE_COMPLETE"

    with pytest.raises(ClientError) as raised:
        client(endpoint, "scheduler").get_schedule(Name=name)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_the_control_api_lists_the_added_types(control: Callable[..., Any]) -> None:
    body = control("GET", "cloudformation/types")
    assert body["types"][0] == "AWS::Scheduler::Schedule"
    assert "AWS::ServiceCatalog::LaunchRoleConstraint" in body["types"]


# --------------------------------------------------------------------------
# Stack updates
# --------------------------------------------------------------------------


def _parameter_template(default: str) -> str:
    return json.dumps(
        {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"Value": {"Type": "String", "Default": default}},
            "Resources": {
                "Published": {
                    "Type": "AWS::SSM::Parameter",
                    "Properties": {
                        "Name": "/test/published",
                        "Type": "String",
                        "Value": {"Ref": "Value"},
                    },
                }
            },
        }
    )


@pytest.fixture()
def parameter_stack(endpoint: str) -> Iterator[str]:
    name = "parameter-test"
    cloudformation = client(endpoint, "cloudformation")
    cloudformation.create_stack(StackName=name, TemplateBody=_parameter_template("first"))
    wait_for_stack(cloudformation, name)
    yield name
    delete_stack(cloudformation, name)


def _published(endpoint: str) -> str:
    return client(endpoint, "ssm").get_parameter(Name="/test/published")["Parameter"]["Value"]


def _update_value(cloudformation: Any, stack: str, value: str) -> None:
    """Updates the parameter stack, template unchanged, passing ``value`` for Value."""
    cloudformation.update_stack(
        StackName=stack,
        TemplateBody=_parameter_template("first"),
        Parameters=[{"ParameterKey": "Value", "ParameterValue": value}],
    )
    assert wait_for_stack(cloudformation, stack)["StackStatus"] == "UPDATE_COMPLETE"


def test_an_update_that_changes_nothing_is_refused(endpoint: str, parameter_stack: str) -> None:
    cloudformation = client(endpoint, "cloudformation")

    for parameters in ([], [{"ParameterKey": "Value", "ParameterValue": "first"}]):
        with pytest.raises(ClientError) as raised:
            cloudformation.update_stack(
                StackName=parameter_stack,
                TemplateBody=_parameter_template("first"),
                Parameters=parameters,
            )
        error = raised.value.response["Error"]
        assert error["Code"] == "ValidationError"
        assert error["Message"] == "No updates are to be performed."


def test_a_new_default_updates_the_resources_that_use_it(
    endpoint: str, parameter_stack: str
) -> None:
    cloudformation = client(endpoint, "cloudformation")
    cloudformation.update_stack(StackName=parameter_stack, TemplateBody=_parameter_template("second"))
    assert wait_for_stack(cloudformation, parameter_stack)["StackStatus"] == "UPDATE_COMPLETE"

    assert _published(endpoint) == "second"


def test_a_parameter_the_update_does_not_pass_takes_its_default_again(
    endpoint: str, parameter_stack: str
) -> None:
    cloudformation = client(endpoint, "cloudformation")
    _update_value(cloudformation, parameter_stack, "given")
    assert _published(endpoint) == "given"

    cloudformation.update_stack(
        StackName=parameter_stack, TemplateBody=_parameter_template("first")
    )
    described = wait_for_stack(cloudformation, parameter_stack)

    assert _published(endpoint) == "first"
    assert described["Parameters"] == [{"ParameterKey": "Value", "ParameterValue": "first"}]


def test_an_update_keeping_the_previous_value_changes_nothing(
    endpoint: str, parameter_stack: str
) -> None:
    cloudformation = client(endpoint, "cloudformation")
    _update_value(cloudformation, parameter_stack, "given")

    with pytest.raises(ClientError) as raised:
        cloudformation.update_stack(
            StackName=parameter_stack,
            TemplateBody=_parameter_template("first"),
            Parameters=[{"ParameterKey": "Value", "UsePreviousValue": True}],
        )

    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert _published(endpoint) == "given"


# --------------------------------------------------------------------------
# Service Catalog (the portfolio stack)
# --------------------------------------------------------------------------

PORTFOLIO_TEMPLATE = os.path.join(HERE, "..", "..", "portfolio", "portfolio.yaml")
ADMIN_ROLE = "arn:aws:iam::123456789012:role/CloudAdmin"


@pytest.mark.parametrize("given", [None, "SELECT,DESCRIBE"], ids=["default", "passed"])
def test_a_comma_delimited_list_is_a_list_to_ref_its_default_too(
    endpoint: str, given: str | None
) -> None:
    """User guide, "Parameters": a ``CommaDelimitedList`` is "an array of literal strings";
    ``!Join`` of its ``Ref`` gives the items back, whether the value is passed or the default."""
    cloudformation = client(endpoint, "cloudformation")
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"Items": {"Type": "CommaDelimitedList", "Default": "SELECT,DESCRIBE"}},
        "Resources": {
            "Published": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {
                    "Name": "/test/list-items",
                    "Type": "String",
                    "Value": {"Fn::Join": ["+", {"Ref": "Items"}]},
                },
            }
        },
    }
    parameters = [] if given is None else [{"ParameterKey": "Items", "ParameterValue": given}]
    name = f"list-parameter-{'passed' if given else 'default'}"
    cloudformation.create_stack(
        StackName=name, TemplateBody=json.dumps(template), Parameters=parameters
    )
    try:
        assert wait_for_stack(cloudformation, name)["StackStatus"] == "CREATE_COMPLETE"
        value = client(endpoint, "ssm").get_parameter(Name="/test/list-items")["Parameter"]["Value"]
        assert value == "SELECT+DESCRIBE"
    finally:
        delete_stack(cloudformation, name)


def test_describe_stacks_answers_a_defaulted_list_parameter_as_its_comma_separated_text(
    endpoint: str,
) -> None:
    """DescribeStacks' ``Parameter.ParameterValue`` is a string (API reference, Parameter): a
    defaulted ``CommaDelimitedList`` is answered as its text, which a deploy that keeps the
    values set before (tools/deploy) passes back on its next UpdateStack, where each member is
    checked against ``AllowedValues`` (found by tests/harness/tests/integration/function_roles.rs updating
    the core stack: the list was answered as a Python rendering, ``['SELECT', 'DESCRIBE']``)."""
    cloudformation = client(endpoint, "cloudformation")
    template = {
        "Parameters": {"Items": {"Type": "CommaDelimitedList", "Default": "SELECT,DESCRIBE",
                                 "AllowedValues": ["SELECT", "DESCRIBE", "ALL"]}},
        "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
    }
    cloudformation.create_stack(StackName="list-described", TemplateBody=json.dumps(template))
    try:
        described = wait_for_stack(cloudformation, "list-described")
        [items] = described["Parameters"]
        assert items == {"ParameterKey": "Items", "ParameterValue": "SELECT,DESCRIBE"}
        template["Resources"]["Another"] = {"Type": "AWS::CloudFormation::WaitConditionHandle"}
        cloudformation.update_stack(StackName="list-described", TemplateBody=json.dumps(template),
                                    Parameters=[items])
        assert wait_for_stack(cloudformation, "list-described")["StackStatus"] == "UPDATE_COMPLETE"
    finally:
        delete_stack(cloudformation, "list-described")


def _create_portfolio_stack(
    cloudformation: Any, name: str, parameters: list[dict[str, str]]
) -> dict[str, Any]:
    """Creates a stack of the portfolio template and returns its description."""
    with open(PORTFOLIO_TEMPLATE) as template:
        cloudformation.create_stack(
            StackName=name,
            TemplateBody=template.read(),
            Parameters=parameters,
            Capabilities=["CAPABILITY_NAMED_IAM"],
        )
    return wait_for_stack(cloudformation, name)


@pytest.fixture()
def portfolio_stack(endpoint: str) -> Iterator[dict[str, str]]:
    cloudformation = client(endpoint, "cloudformation")
    described = _create_portfolio_stack(
        cloudformation,
        "portfolio",
        [
            {"ParameterKey": "CloudAdminRoleArn", "ParameterValue": ADMIN_ROLE},
            {"ParameterKey": "ShareAccountIds", "ParameterValue": "111111111111"},
        ],
    )
    assert described["StackStatus"] == "CREATE_COMPLETE"
    yield {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
    delete_stack(cloudformation, "portfolio")


def test_the_portfolio_stack_creates_the_portfolio_and_its_products(
    endpoint: str, portfolio_stack: dict[str, str]
) -> None:
    catalog = client(endpoint, "servicecatalog")

    portfolio = catalog.describe_portfolio(Id=portfolio_stack["PortfolioId"])["PortfolioDetail"]
    assert portfolio["DisplayName"] == "SageMaker Studio self-service"
    for output, name in [
        ("StudioDomainProductId", "SageMaker Studio domain"),
        ("StudioUserProfileProductId", "SageMaker Studio user profile"),
        ("DataAccessGrantProductId", "Lake Formation data access grant"),
    ]:
        product = catalog.describe_product(Id=portfolio_stack[output])
        assert product["ProductViewSummary"]["Name"] == name
        artifact = product["ProvisioningArtifacts"][0]
        assert artifact["Name"] == "v1"
        assert portfolio_stack[output.replace("ProductId", "ProvisioningArtifactIds")] == artifact["Id"]
    assert catalog.list_portfolio_access(PortfolioId=portfolio_stack["PortfolioId"])[
        "AccountIds"
    ] == ["111111111111"]


def test_every_product_is_in_the_portfolio_with_a_launch_constraint(
    control: Callable[..., Any], portfolio_stack: dict[str, str]
) -> None:
    links = control("GET", "cloudformation/servicecatalog")
    portfolio_id = portfolio_stack["PortfolioId"]
    # every product the portfolio stack outputs (one `<Name>ProductId` per product template)
    products = {value for key, value in portfolio_stack.items() if key.endswith("ProductId")}
    assert len(products) == 4, portfolio_stack

    assert {a["ProductId"] for a in links["ProductAssociations"] if a["PortfolioId"] == portfolio_id} == products
    constraints = [c for c in links["Constraints"] if c["PortfolioId"] == portfolio_id]
    assert {c["ProductId"] for c in constraints} == products
    assert {c["LocalRoleName"] for c in constraints} == {"studio-catalog-launch"}
    assert links["PrincipalAssociations"] == [{"PortfolioId": portfolio_id, "PrincipalARN": ADMIN_ROLE}]
    assert sorted((o["Key"], o["Value"]) for o in links["TagOptions"]) == [
        ("cost-center", "data-science"),
        ("environment", "dev"),
    ]
    assert {a["ResourceId"] for a in links["TagOptionAssociations"]} == {portfolio_id}


def test_deleting_the_portfolio_stack_removes_what_it_created(
    endpoint: str, control: Callable[..., Any]
) -> None:
    cloudformation = client(endpoint, "cloudformation")
    described = _create_portfolio_stack(
        cloudformation,
        "short-lived",
        [{"ParameterKey": "CloudAdminRoleArn", "ParameterValue": ADMIN_ROLE}],
    )
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}

    delete_stack(cloudformation, "short-lived")

    links = control("GET", "cloudformation/servicecatalog")
    assert all(a["PortfolioId"] != outputs["PortfolioId"] for a in links["ProductAssociations"])
    assert all(c["PortfolioId"] != outputs["PortfolioId"] for c in links["Constraints"])
    portfolios = client(endpoint, "servicecatalog").list_portfolios()["PortfolioDetails"]
    assert outputs["PortfolioId"] not in {p["Id"] for p in portfolios}


def test_a_launch_constraint_needs_its_product_in_the_portfolio(endpoint: str) -> None:
    template = {
        "Resources": {
            "Portfolio": {
                "Type": "AWS::ServiceCatalog::Portfolio",
                "Properties": {"DisplayName": "p", "ProviderName": "me"},
            },
            "Product": {
                "Type": "AWS::ServiceCatalog::CloudFormationProduct",
                "Properties": {
                    "Name": "lonely",
                    "Owner": "me",
                    "ProvisioningArtifactParameters": [
                        {"Name": "v1", "Info": {"LoadTemplateFromURL": "https://b.s3.amazonaws.com/t.yaml"}}
                    ],
                },
            },
            "Constraint": {
                "Type": "AWS::ServiceCatalog::LaunchRoleConstraint",
                "Properties": {
                    "PortfolioId": {"Ref": "Portfolio"},
                    "ProductId": {"Ref": "Product"},
                    "LocalRoleName": "launch",
                },
            },
        }
    }

    cloudformation = client(endpoint, "cloudformation")
    cloudformation.create_stack(StackName="orphan-constraint", TemplateBody=json.dumps(template))

    described = wait_for_stack(cloudformation, "orphan-constraint")
    assert described["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cloudformation.describe_stack_events(StackName="orphan-constraint")["StackEvents"]
    failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert failed[0]["LogicalResourceId"] == "Constraint"
    assert "is not in portfolio" in failed[0]["ResourceStatusReason"]
    delete_stack(cloudformation, "orphan-constraint")


# --------------------------------------------------------------------------
# A resource that fails: the stack rolls back
# --------------------------------------------------------------------------


def _function_template(bucket: str, export: bool) -> str:
    template = json.loads(_template("rate(1 hour)", with_schedule=False))
    template["Resources"]["Function"]["Properties"]["Code"]["S3Bucket"] = bucket
    template["Resources"]["Function"]["Properties"]["FunctionName"] = "doomed"
    template["Outputs"] = {
        "FunctionArn": {"Value": {"Fn::GetAtt": ["Function", "Arn"]}},
    }
    if export:
        template["Outputs"]["FunctionArn"]["Export"] = {"Name": "doomed-arn"}
    return json.dumps(template)


@pytest.mark.parametrize("export", [False, True], ids=["plain", "exported"])
def test_a_resource_that_fails_rolls_the_stack_back_with_its_reason(endpoint: str, export: bool) -> None:
    cloudformation = client(endpoint, "cloudformation")
    name = f"failing-{'exported' if export else 'plain'}"

    cloudformation.create_stack(
        StackName=name,
        TemplateBody=_function_template("no-such-bucket", export),
        Capabilities=["CAPABILITY_IAM"],
    )

    described = wait_for_stack(cloudformation, name)
    assert described["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "Outputs" not in described
    events = cloudformation.describe_stack_events(StackName=name)["StackEvents"]
    failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert [(e["LogicalResourceId"], e["ResourceType"]) for e in failed] == [
        ("Function", "AWS::Lambda::Function")
    ]
    assert "NoSuchBucket" in failed[0]["ResourceStatusReason"]
    statuses = [e["ResourceStatus"] for e in events if e["LogicalResourceId"] == name]
    assert statuses[:2] == ["ROLLBACK_COMPLETE", "ROLLBACK_IN_PROGRESS"]
    assert cloudformation.list_exports()["Exports"] == []
    # what was created is gone, and the stack cannot be updated, only deleted
    roles = client(endpoint, "iam").list_roles()["Roles"]
    assert not [r for r in roles if r["RoleName"].startswith(f"{name}-Role-")]
    with pytest.raises(ClientError) as raised:
        cloudformation.update_stack(
            StackName=name, TemplateBody=_function_template("code", export), Capabilities=["CAPABILITY_IAM"]
        )
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    delete_stack(cloudformation, name)


def test_a_stack_made_by_a_change_set_has_its_outputs(endpoint: str) -> None:
    cloudformation = client(endpoint, "cloudformation")
    template = json.loads(_parameter_template("from-change-set"))
    template["Outputs"] = {"Name": {"Value": {"Ref": "Published"}}}
    cloudformation.create_change_set(
        StackName="change-set-stack",
        ChangeSetName="first",
        ChangeSetType="CREATE",
        TemplateBody=json.dumps(template),
    )

    cloudformation.execute_change_set(ChangeSetName="first", StackName="change-set-stack")

    described = wait_for_stack(cloudformation, "change-set-stack")
    assert described["StackStatus"] == "CREATE_COMPLETE"
    assert described["Outputs"] == [{"OutputKey": "Name", "OutputValue": "/test/published"}]
    assert _published(endpoint) == "from-change-set"
    delete_stack(cloudformation, "change-set-stack")


CONDITION_TEMPLATE = """
Parameters:
  First: {Type: String}
  Second: {Type: String}
Conditions:
  HasFirst: !Not [!Equals [!Ref First, ""]]
  HasSecond: !Not [!Equals [!Ref Second, ""]]
  HasBoth: !And [!Condition HasFirst, !Condition HasSecond]
  HasEither: !Or [!Condition HasFirst, !Condition HasSecond]
Resources:
  Always:
    Type: AWS::SSM::Parameter
    Properties: {Name: !Sub "${AWS::StackName}-always", Type: String, Value: always}
  WhenBoth:
    Type: AWS::SSM::Parameter
    Condition: HasBoth
    Properties: {Name: !Sub "${AWS::StackName}-both", Type: String, Value: both}
  WhenEither:
    Type: AWS::SSM::Parameter
    Condition: HasEither
    Properties:
      Name: !Sub "${AWS::StackName}-either"
      Type: String
      Value: !If [HasBoth, both, one]
"""


def test_a_log_groups_arn_attribute_names_its_streams_too(endpoint: str) -> None:
    """``!GetAtt <LogGroup>.Arn`` ends with ``:*`` (template reference, AWS::Logs::LogGroup),
    so a grant on it covers the group's log streams."""
    cfn = client(endpoint, "cloudformation")
    template = {
        "Resources": {"Group": {"Type": "AWS::Logs::LogGroup",
                                "Properties": {"LogGroupName": "/studio/arn-attribute"}}},
        "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Group", "Arn"]}}},
    }
    cfn.create_stack(StackName="log-group-arn", TemplateBody=json.dumps(template))

    described = wait_for_stack(cfn, "log-group-arn")

    assert described["Outputs"][0]["OutputValue"] == (
        f"arn:aws:logs:{REGION}:123456789012:log-group:/studio/arn-attribute:*"
    )
    assert delete_stack(cfn, "log-group-arn")["StackStatus"] == "DELETE_COMPLETE"


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("a", "b", {"Always", "WhenBoth", "WhenEither"}),
        ("a", "", {"Always", "WhenEither"}),
        ("", "", {"Always"}),
    ],
)
def test_a_short_form_condition_names_the_condition_in_and_or_not(
    endpoint: str, first: str, second: str, expected: set[str]
) -> None:
    """``!Condition X`` inside ``!And``/``!Or`` is the ``Condition`` function (user guide,
    "Condition functions"), so the resources follow the conditions it names."""
    cloudformation = client(endpoint, "cloudformation")
    name = f"conditions-{first or 'none'}-{second or 'none'}"
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=CONDITION_TEMPLATE,
        Parameters=[
            {"ParameterKey": "First", "ParameterValue": first},
            {"ParameterKey": "Second", "ParameterValue": second},
        ],
    )
    assert wait_for_stack(cloudformation, name)["StackStatus"] == "CREATE_COMPLETE"
    resources = cloudformation.describe_stack_resources(StackName=name)["StackResources"]
    assert {r["LogicalResourceId"] for r in resources} == expected
    delete_stack(cloudformation, name)
