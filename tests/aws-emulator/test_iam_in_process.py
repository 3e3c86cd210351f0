"""IAM (studio_emulator/iam/): the calls the emulator makes on a principal's behalf.

CloudFormation acting for a stack (its service role, or its caller), Service Catalog reading its
copy of a template under the launch role, a custom resource's ServiceToken invoked as the stack's
identity, a schedule's target invoked as its execution role, a function URL's caller, and session
tags. IAM is enforced throughout (the suite's default); each test arranges its state with the
set-up credentials (the account root) first, and ``iam_enforced`` empties the decision log.
"""

from __future__ import annotations

import json
import urllib.error
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import iam_enforced  # noqa: F401 (the fixture)
from emulator_client import (
    provision_and_wait,
    ACCOUNT,
    HANDLE_TEMPLATE,
    allow,
    client,
    create_function,
    error,
    new_product,
    policy_document,
    role_session,
    service_role,
    signed_client,
    stage_template,
    trust_policy,
    unique,
    wait_for,
    wait_for_stack,
)

pytestmark = pytest.mark.transition_seconds(0.05)

ROLE_TEMPLATE = json.dumps(
    {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"RoleName": {"Type": "String"}},
        "Resources": {
            "Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
            "Role": {
                "Type": "AWS::IAM::Role",
                "DependsOn": "Handle",
                "Properties": {
                    "RoleName": {"Ref": "RoleName"},
                    "AssumeRolePolicyDocument": trust_policy("lambda"),
                },
            },
        },
    }
)


def echo_function(endpoint: str) -> tuple[str, str]:
    """The ``http-echo`` fixture function (it logs each event it receives as ``RECEIVED
    <json>``); (its name, its ARN)."""
    made = create_function(client(endpoint, "lambda"), "http-echo")
    return str(made["FunctionName"]), str(made["FunctionArn"])


def received(endpoint: str, function_name: str) -> list[Any]:
    """The events ``function_name`` (the echo function) logged, oldest first."""
    logs = client(endpoint, "logs")
    group = f"/aws/lambda/{function_name}"
    try:
        streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    events = [
        event
        for stream in streams
        for event in logs.get_log_events(
            logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True
        )["events"]
    ]
    return [
        json.loads(e["message"].split("RECEIVED ", 1)[1])
        for e in sorted(events, key=lambda e: e["timestamp"])
        if "RECEIVED " in e["message"]
    ]


def custom_resource(token: str) -> dict[str, Any]:
    """A custom resource served by ``token``, waited for one second only (the echo function
    never answers the ResponseURL)."""
    return {"Type": "Custom::Echoed", "Properties": {"ServiceToken": token, "ServiceTimeout": 1}}


def stack_events(cfn: Any, stack_id: str) -> list[dict[str, Any]]:
    return list(reversed(cfn.describe_stack_events(StackName=stack_id)["StackEvents"]))


def failed_reason(cfn: Any, stack_id: str, logical_id: str) -> str:
    return next(
        e["ResourceStatusReason"]
        for e in stack_events(cfn, stack_id)
        if e["LogicalResourceId"] == logical_id and e["ResourceStatus"].endswith("_FAILED")
    )


# --------------------------------------------------------------------------
# CloudFormation acting under the stack's service role
# --------------------------------------------------------------------------


@pytest.mark.usefixtures("iam_enforced")
def test_a_stack_whose_role_may_not_create_roles_fails_the_resource_with_the_handlers_denial_and_rolls_back(
    endpoint: str,
) -> None:
    role = service_role(endpoint, unique("cfn-role"), "cloudformation", allow("iam:GetRole"))
    cfn = client(endpoint, "cloudformation")
    made = unique("made")
    stack_id = cfn.create_stack(
        StackName=unique("stack"),
        TemplateBody=ROLE_TEMPLATE,
        Parameters=[{"ParameterKey": "RoleName", "ParameterValue": made}],
        RoleARN=role,
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )["StackId"]

    assert wait_for_stack(cfn, stack_id)["StackStatus"] == "ROLLBACK_COMPLETE"
    reason = failed_reason(cfn, stack_id, "Role")
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role.split('/')[-1]}/AWSCloudFormation"
    assert reason.startswith(
        f'Resource handler returned message: "User: {session} is not authorized to perform: '
        f"iam:CreateRole on resource: arn:aws:iam::{ACCOUNT}:role/{made} because no "
        "identity-based policy allows the iam:CreateRole action (Service: Iam, Status Code: 403, "
    ), reason
    assert reason.endswith("HandlerErrorCode: AccessDenied)")
    # the resource created before it was deleted by the rollback, the role never made
    statuses = [(e["LogicalResourceId"], e["ResourceStatus"]) for e in stack_events(cfn, stack_id)]
    assert ("Handle", "DELETE_COMPLETE") in statuses
    with pytest.raises(ClientError):
        client(endpoint, "iam").get_role(RoleName=made)


@pytest.mark.usefixtures("iam_enforced")
def test_a_stack_whose_role_may_do_what_the_role_handler_calls_creates_and_deletes_the_role(
    endpoint: str, control: Callable[..., Any]
) -> None:
    role = service_role(
        endpoint, unique("cfn-role"), "cloudformation",
        allow(["iam:CreateRole", "iam:GetRole", "iam:DeleteRole", "iam:ListAttachedRolePolicies",
               "iam:ListRolePolicies"]),
    )
    cfn = client(endpoint, "cloudformation")
    made = unique("made")
    stack_id = cfn.create_stack(
        StackName=unique("stack"),
        TemplateBody=ROLE_TEMPLATE,
        Parameters=[{"ParameterKey": "RoleName", "ParameterValue": made}],
        RoleARN=role,
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )["StackId"]
    assert wait_for_stack(cfn, stack_id)["StackStatus"] == "CREATE_COMPLETE"
    client(endpoint, "iam").get_role(RoleName=made)

    cfn.delete_stack(StackName=stack_id)
    assert wait_for_stack(cfn, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    decided = control("GET", "iam/decisions?service=cloudformation")["decisions"]
    actions = {(d["action"], d["result"]) for d in decided if d.get("via") == "cloudformation"}
    assert {("iam:CreateRole", "Allowed"), ("iam:GetRole", "Allowed"),
            ("iam:DeleteRole", "Allowed")} <= actions
    # the handler lists TagRole and PutRolePolicy, called only for Tags and Policies: not asked
    assert not {a for a, _ in actions} & {"iam:TagRole", "iam:PutRolePolicy"}


@pytest.mark.usefixtures("iam_enforced")
def test_a_wildcard_only_action_a_handler_calls_is_evaluated_on_any_resource(
    endpoint: str, control: Callable[..., Any]
) -> None:
    """The log group handler calls logs:DescribeLogGroups, which the Service Authorization
    Reference lists with no resource type ("specify "Resource": "*""): IAM evaluates it on
    ``*``, not on the group the template names, so a role allowed it on ``*`` creates the
    group (and one allowed it only on the group's ARN would not)."""
    name = f"/studio/{unique('group')}"
    group_arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{name}"
    role = service_role(
        endpoint, unique("cfn-role"), "cloudformation",
        allow(["logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:GetDataProtectionPolicy",
               "logs:DeleteLogGroup"], group_arn),
        allow(["logs:DescribeLogGroups", "logs:DescribeResourcePolicies",
               "logs:DescribeIndexPolicies"]),
    )
    template = {"Resources": {"Group": {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {"LogGroupName": name, "RetentionInDays": 7},
    }}}
    cfn = client(endpoint, "cloudformation")
    stack_id = cfn.create_stack(
        StackName=unique("stack"), TemplateBody=json.dumps(template), RoleARN=role
    )["StackId"]

    assert wait_for_stack(cfn, stack_id)["StackStatus"] == "CREATE_COMPLETE"
    decided = [
        (d["action"], d["resources"], d["result"])
        for d in control("GET", "iam/decisions?service=cloudformation")["decisions"]
        if d.get("via") == "cloudformation" and d["action"].startswith("logs:")
    ]
    assert ("logs:DescribeLogGroups", ["*"], "Allowed") in decided
    assert ("logs:CreateLogGroup", [group_arn], "Allowed") in decided


@pytest.mark.usefixtures("iam_enforced")
@pytest.mark.parametrize(
    ("team", "status"), [("platform", "CREATE_COMPLETE"), ("science", "ROLLBACK_COMPLETE")]
)
def test_a_tagged_resource_needs_the_tagging_action_under_its_request_tags(
    endpoint: str, team: str, status: str
) -> None:
    role = service_role(
        endpoint, unique("cfn-role"), "cloudformation",
        allow(["iam:CreateRole", "iam:GetRole", "iam:DeleteRole", "iam:ListAttachedRolePolicies",
               "iam:ListRolePolicies"]),
        allow("iam:TagRole", Condition={"StringEquals": {"aws:RequestTag/team": "platform"}}),
    )
    template = json.loads(ROLE_TEMPLATE)
    template["Resources"]["Role"]["Properties"]["Tags"] = [{"Key": "team", "Value": team}]
    cfn = client(endpoint, "cloudformation")
    stack_id = cfn.create_stack(
        StackName=unique("stack"),
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "RoleName", "ParameterValue": unique("made")}],
        RoleARN=role,
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )["StackId"]
    described = wait_for_stack(cfn, stack_id)
    assert described["StackStatus"] == status, failed_reason(cfn, stack_id, "Role")
    if status == "ROLLBACK_COMPLETE":
        assert "is not authorized to perform: iam:TagRole on resource: arn:aws:iam::" in (
            failed_reason(cfn, stack_id, "Role")
        )


@pytest.mark.usefixtures("iam_enforced")
def test_create_stack_refuses_a_role_that_does_not_trust_cloudformation(endpoint: str) -> None:
    role = service_role(endpoint, unique("lambda-role"), "lambda", allow("*"))
    cfn = client(endpoint, "cloudformation")
    with pytest.raises(ClientError) as exc:
        cfn.create_stack(StackName=unique("stack"), TemplateBody=HANDLE_TEMPLATE, RoleARN=role)
    assert error(exc) == ("ValidationError", f"Role {role} is invalid or cannot be assumed")


@pytest.mark.usefixtures("iam_enforced")
def test_a_stack_without_a_role_acts_as_its_caller(endpoint: str) -> None:
    made = unique("made")
    key = role_session(
        endpoint, unique("deployer"),
        allow(["cloudformation:CreateStack", "cloudformation:DescribeStacks",
               "cloudformation:DescribeStackEvents"]),
        allow(["iam:GetRole"]),
        session_name="deployer",
    )
    cfn = signed_client(endpoint, "cloudformation", key)
    stack_id = cfn.create_stack(
        StackName=unique("stack"),
        TemplateBody=ROLE_TEMPLATE,
        Parameters=[{"ParameterKey": "RoleName", "ParameterValue": made}],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )["StackId"]
    assert wait_for_stack(cfn, stack_id)["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "/deployer is not authorized to perform: iam:CreateRole" in failed_reason(
        cfn, stack_id, "Role"
    )


@pytest.mark.usefixtures("iam_enforced")
def test_the_template_url_is_read_as_the_caller(endpoint: str) -> None:
    url = stage_template(endpoint, HANDLE_TEMPLATE)
    key = role_session(
        endpoint, unique("deployer"), allow("cloudformation:CreateStack"),
        session_name="deployer",
    )
    with pytest.raises(ClientError) as exc:
        signed_client(endpoint, "cloudformation", key).create_stack(
            StackName=unique("stack"), TemplateURL=url
        )
    code, message = error(exc)
    assert code == "AccessDenied"
    assert "is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::" in message


# --------------------------------------------------------------------------
# Custom resources: the ServiceToken invoked as the stack's identity
# --------------------------------------------------------------------------


@pytest.mark.usefixtures("iam_enforced")
def test_a_custom_resource_whose_stack_role_may_not_invoke_its_function_fails(
    endpoint: str,
) -> None:
    name, arn = echo_function(endpoint)
    # a function policy for the service principal alone does not authorise the stack's role
    client(endpoint, "lambda").add_permission(
        FunctionName=name, StatementId="cfn", Action="lambda:InvokeFunction",
        Principal="cloudformation.amazonaws.com", SourceAccount=ACCOUNT,
    )
    role = service_role(endpoint, unique("cfn-role"), "cloudformation", allow("s3:*"))
    cfn = client(endpoint, "cloudformation")
    template = {"Resources": {"Thing": custom_resource(arn)}}
    stack_id = cfn.create_stack(
        StackName=unique("stack"), TemplateBody=json.dumps(template), RoleARN=role
    )["StackId"]
    assert wait_for_stack(cfn, stack_id)["StackStatus"] == "ROLLBACK_COMPLETE"
    reason = failed_reason(cfn, stack_id, "Thing")
    assert reason.startswith(
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role.split('/')[-1]}/AWSCloudFormation is "
        f"not authorized to perform: lambda:InvokeFunction on resource: {arn} because no "
        "identity-based policy allows the lambda:InvokeFunction action (Service: AWSLambda; "
        "Status Code: 403; Error Code: AccessDeniedException; "
    ), reason
    assert received(endpoint, name) == []  # the function never ran


@pytest.mark.usefixtures("iam_enforced")
def test_a_custom_resource_is_sent_when_the_stack_role_may_invoke_its_function(
    endpoint: str,
) -> None:
    name, arn = echo_function(endpoint)
    role = service_role(
        endpoint, unique("cfn-role"), "cloudformation", allow("lambda:InvokeFunction", arn)
    )
    cfn = client(endpoint, "cloudformation")
    template = {"Resources": {"Thing": custom_resource(arn)}}
    stack_id = cfn.create_stack(
        StackName=unique("stack"), TemplateBody=json.dumps(template), RoleARN=role
    )["StackId"]
    wait_for_stack(cfn, stack_id)
    assert [(e["RequestType"], e["LogicalResourceId"]) for e in received(endpoint, name)][:1] == [
        ("Create", "Thing")
    ]
    # it failed for the answer it never got, not for IAM
    assert "is not authorized" not in failed_reason(cfn, stack_id, "Thing")


# --------------------------------------------------------------------------
# Service Catalog launching under the launch role
# --------------------------------------------------------------------------

SC_COPY_READ = allow(
    "s3:GetObject", "*",
    Condition={"StringEquals": {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}},
)


def launch_role_product(
    endpoint: str, *statements: dict[str, Any], trusted: str = "servicecatalog"
) -> tuple[str, str]:
    """A product in a portfolio of the set-up caller, launched under a new launch role (trusting
    ``trusted``, Service Catalog by default) with ``statements``; (product id, artefact id)."""
    sc = client(endpoint, "servicecatalog")
    product_id, artifact = new_product(sc)
    portfolio = sc.create_portfolio(DisplayName=unique("portfolio"), ProviderName="platform")[
        "PortfolioDetail"
    ]["Id"]
    sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio)
    sc.associate_principal_with_portfolio(
        PortfolioId=portfolio, PrincipalARN=f"arn:aws:iam::{ACCOUNT}:user/moto", PrincipalType="IAM"
    )
    role = service_role(endpoint, unique("launch"), trusted, *statements)
    sc.create_constraint(
        PortfolioId=portfolio, ProductId=product_id, Type="LAUNCH",
        Parameters=json.dumps({"RoleArn": role}), IdempotencyToken=unique("cons"),
    )
    return product_id, artifact


def launch(endpoint: str, product: tuple[str, str]) -> dict[str, Any]:
    return provision_and_wait(client(endpoint, "servicecatalog"), *product)


@pytest.mark.usefixtures("iam_enforced")
def test_a_launch_role_that_may_not_read_service_catalogs_tagged_copy_fails_the_launch(
    endpoint: str,
) -> None:
    product = launch_role_product(endpoint, allow("cloudformation:*"))
    record = launch(endpoint, product)
    assert record["Status"] == "FAILED"
    [problem] = record["RecordErrors"]
    role = f"arn:aws:sts::{ACCOUNT}:assumed-role/"
    assert problem["Description"].startswith(
        "Access denied reading the product's template: User: " + role
    ), problem
    assert problem["Description"].endswith(
        "/AWSServiceCatalog is not authorized to perform: s3:GetObject on resource: "
        f"arn:aws:s3:::servicecatalog-template-copies/{product[0]}/{product[1]} because no "
        "identity-based policy allows the s3:GetObject action"
    ), problem
    sc = client(endpoint, "servicecatalog")
    assert sc.describe_provisioned_product(Id=record["ProvisionedProductId"])[
        "ProvisionedProductDetail"
    ]["Status"] == "ERROR"


@pytest.mark.usefixtures("iam_enforced")
def test_a_launch_role_that_reads_the_tagged_copy_launches_the_product(
    endpoint: str, control: Callable[..., Any]
) -> None:
    # CreateStack of the product's stack as the launch role too (test_iam_service_calls.py)
    stacks = allow("cloudformation:CreateStack", f"arn:aws:cloudformation:*:{ACCOUNT}:stack/SC-*")
    product = launch_role_product(endpoint, SC_COPY_READ, stacks)
    record = launch(endpoint, product)
    assert record["Status"] == "SUCCEEDED", record
    [read] = [
        d for d in control("GET", "iam/decisions?service=servicecatalog")["decisions"]
        if d["action"] == "s3:GetObject"
    ]
    assert read["result"] == "Allowed"
    assert read["principal"].endswith("/AWSServiceCatalog")


@pytest.mark.usefixtures("iam_enforced")
def test_a_launch_role_that_does_not_trust_service_catalog_fails_the_launch(
    endpoint: str,
) -> None:
    product = launch_role_product(endpoint, SC_COPY_READ, trusted="cloudformation")
    record = launch(endpoint, product)
    assert record["Status"] == "FAILED"
    assert "Unable to assume the launch role" in record["RecordErrors"][0]["Description"]


# --------------------------------------------------------------------------
# EventBridge Scheduler invoking as the execution role
# --------------------------------------------------------------------------


def scheduled(endpoint: str, *statements: dict[str, Any]) -> tuple[str, str, str]:
    """A schedule targeting the echo function under a new execution role with
    ``statements``; (schedule name, its ARN, the function's name)."""
    name, arn = echo_function(endpoint)
    role = service_role(endpoint, unique("scheduler"), "scheduler", *statements)
    schedule = unique("schedule")
    made = client(endpoint, "scheduler").create_schedule(
        Name=schedule, ScheduleExpression="rate(1 hour)", FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": arn, "RoleArn": role, "Input": '{"from": "schedule"}'},
    )
    return schedule, str(made["ScheduleArn"]), name


@pytest.mark.usefixtures("iam_enforced")
def test_a_schedule_whose_role_may_not_invoke_the_function_records_a_failed_execution(
    endpoint: str, control: Callable[..., Any]
) -> None:
    schedule, arn, function = scheduled(endpoint, allow("logs:*"))
    with pytest.raises(urllib.error.HTTPError) as exc:
        control("POST", f"scheduler/schedules/default/{schedule}/fire")
    assert exc.value.code == 422
    [execution] = control("GET", f"scheduler/executions?schedule_arn={arn}")["executions"]
    assert "is not authorized to perform: lambda:InvokeFunction" in execution["error"]
    assert received(endpoint, function) == []


@pytest.mark.usefixtures("iam_enforced")
def test_a_schedule_whose_role_may_invoke_the_function_runs_it(
    endpoint: str, control: Callable[..., Any]
) -> None:
    schedule, arn, function = scheduled(endpoint, allow("lambda:InvokeFunction"))
    fired = control("POST", f"scheduler/schedules/default/{schedule}/fire")
    assert fired["error"] is None
    wait_for(lambda: received(endpoint, function), [{"from": "schedule"}], timeout=15)


# --------------------------------------------------------------------------
# Function URLs: the caller's identity
# --------------------------------------------------------------------------


@pytest.mark.usefixtures("iam_enforced")
@pytest.mark.parametrize(
    ("statements", "status"),
    [
        ([allow("lambda:InvokeFunction")], 403),
        (
            [
                allow("lambda:InvokeFunctionUrl",
                      Condition={"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}),
                allow("lambda:InvokeFunction",
                      Condition={"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}),
            ],
            200,
        ),
    ],
    ids=["without-invoke-function-url", "with-it"],
)
def test_a_function_url_caller_needs_invoke_function_url_in_its_identity_policy(
    endpoint: str, statements: list[dict[str, Any]], status: int
) -> None:
    from botocore.credentials import Credentials

    from test_function_urls import FORBIDDEN, new_url, request

    _name, _url, host = new_url(client(endpoint, "lambda"))
    key = role_session(endpoint, unique("caller"), *statements, session_name="alice")
    answer = request(endpoint, host, sign_with=Credentials(*key))
    assert answer.status == status, answer.body
    if status == 403:
        assert answer.json() == {"Message": FORBIDDEN}


# --------------------------------------------------------------------------
# Session tags
# --------------------------------------------------------------------------


@pytest.mark.usefixtures("iam_enforced")
def test_session_tags_reach_aws_principal_tag_and_override_the_roles(endpoint: str) -> None:
    iam = client(endpoint, "iam")
    role = unique("tagged")
    arn = iam.create_role(
        RoleName=role,
        AssumeRolePolicyDocument=policy_document(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
             "Action": ["sts:AssumeRole", "sts:TagSession"]}
        ),
        Tags=[{"Key": "team", "Value": "platform"}],
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=role, PolicyName="by-team",
        PolicyDocument=policy_document(
            allow("ssm:GetParameter", f"arn:aws:ssm:*:{ACCOUNT}:parameter/${{aws:PrincipalTag/team}}/*")
        ),
    )
    ssm = client(endpoint, "ssm")
    for team in ("platform", "science"):
        ssm.put_parameter(Name=f"/{team}/value", Value=team, Type="String")

    def session(**extra: Any) -> Any:
        creds = client(endpoint, "sts").assume_role(
            RoleArn=arn, RoleSessionName="session", **extra
        )["Credentials"]
        return signed_client(
            endpoint, "ssm",
            (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]),
        )

    plain = session()
    assert plain.get_parameter(Name="/platform/value")["Parameter"]["Value"] == "platform"
    tagged = session(Tags=[{"Key": "team", "Value": "science"}])
    assert tagged.get_parameter(Name="/science/value")["Parameter"]["Value"] == "science"
    with pytest.raises(ClientError) as exc:
        tagged.get_parameter(Name="/platform/value")
    assert error(exc)[0] == "AccessDeniedException"


# --------------------------------------------------------------------------
# A service's session of a role (the suite standing in for SageMaker Studio)
# --------------------------------------------------------------------------


@pytest.mark.usefixtures("iam_enforced")
def test_a_service_session_is_the_roles_session_and_needs_its_trust_of_that_service(
    endpoint: str, control: Callable[..., Any]
) -> None:
    """Studio calls SageMaker with the profile's execution role: the session the route opens
    is ``assumed-role/<role>/<SessionName>`` and is authorised with the role's policies; a role
    that does not trust sagemaker.amazonaws.com is refused, as SageMaker could not assume it."""
    studio = service_role(endpoint, unique("exec"), "sagemaker", allow("sagemaker:ListDomains"))
    opened = control("POST", "iam/service-sessions", {
        "RoleArn": studio, "ServicePrincipal": "sagemaker.amazonaws.com", "SessionName": "SageMaker",
    })
    creds = opened["Credentials"]
    key = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    role_name = studio.split("/")[-1]
    expected = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/SageMaker"
    assert opened["AssumedRoleUser"]["Arn"] == expected
    assert signed_client(endpoint, "sts", key).get_caller_identity()["Arn"] == expected
    sm = signed_client(endpoint, "sagemaker", key)
    assert sm.list_domains()["Domains"] == []
    with pytest.raises(ClientError) as exc:
        sm.list_user_profiles()
    assert error(exc)[1].startswith(f"User: {expected} is not authorized to perform: ")

    lambda_only = service_role(endpoint, unique("fn"), "lambda")
    with pytest.raises(urllib.error.HTTPError) as refused:
        control("POST", "iam/service-sessions", {
            "RoleArn": lambda_only, "ServicePrincipal": "sagemaker.amazonaws.com",
            "SessionName": "SageMaker",
        })
    assert refused.value.code == 403
    assert json.loads(refused.value.read())["message"] == (
        f"sagemaker.amazonaws.com is not authorized to perform: sts:AssumeRole on resource: "
        f"{lambda_only}"
    )
