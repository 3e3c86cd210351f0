"""The emulator rules templates/organization.yaml and core.yaml's reporting rely on (issue #16),
each after its source (in the module docstrings named):

* a function's code comes from a bucket of its own region (``awslambda/code_location.py``);
* an EventBridge rule writes to a CloudWatch Logs log group only by the log group's resource
  policy, and sends to another account's event bus only as its target role, which must be
  allowed events:PutEvents and admitted by the bus's policy (``eventbridge.py``);
* a dashboard's ``log`` widgets need their query and region (``dashboards.py``);
* ``AWS::S3::BucketPolicy`` and ``AWS::Events::EventBusPolicy`` stacks
  (``cloudformation/resource_policies.py``).

IAM is enforced (the suite's default); arranging is done as the accounts' admins.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import (
    ACCOUNT,
    REGION,
    account_admin,
    allow,
    client,
    error,
    function_zip,
    new_organization,
    policy_document,
    signed_client,
    trust_policy,
    unique,
    wait_for,
    wait_for_stack,
)

OTHER_REGION = "eu-west-1"
OUTSIDER = "210987654321"


def regional_client(endpoint: str, service: str, region: str) -> Any:
    import boto3
    from botocore.config import Config

    from emulator_client import SESSION_GUARD

    made = boto3.client(service, endpoint_url=endpoint, region_name=region,
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(retries={"mode": "standard", "max_attempts": 1}))
    return SESSION_GUARD.register(made)


# --------------------------------------------------------------------------
# Lambda: the code bucket must be in the function's region
# --------------------------------------------------------------------------


def bucket_in(endpoint: str, region: str) -> str:
    bucket = unique("code")
    s3 = regional_client(endpoint, "s3", region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_object(Bucket=bucket, Key="f.zip", Body=function_zip("probe"))
    return bucket


def lambda_role(endpoint: str) -> str:
    return str(client(endpoint, "iam").create_role(
        RoleName=unique("code-region"), AssumeRolePolicyDocument=json.dumps(trust_policy("lambda"))
    )["Role"]["Arn"])


def test_create_function_refuses_a_code_bucket_of_another_region(endpoint: str) -> None:
    elsewhere = bucket_in(endpoint, OTHER_REGION)
    here = bucket_in(endpoint, REGION)
    lam = client(endpoint, "lambda")
    members = {"Runtime": "provided.al2023", "Handler": "bootstrap", "Role": lambda_role(endpoint)}

    with pytest.raises(ClientError) as refused:
        lam.create_function(FunctionName=unique("f"), Code={"S3Bucket": elsewhere, "S3Key": "f.zip"},
                            **members)
    made = lam.create_function(FunctionName=unique("f"), Code={"S3Bucket": here, "S3Key": "f.zip"},
                               **members)

    assert error(refused) == (
        "InvalidParameterValueException",
        "Error occurred while GetObject. S3 Error Code: PermanentRedirect. S3 Error Message: "
        f"The bucket is in this region: {OTHER_REGION}. Please use this region to retry the request",
    )
    assert made["FunctionName"]


def test_update_function_code_refuses_a_code_bucket_of_another_region(endpoint: str) -> None:
    elsewhere = bucket_in(endpoint, OTHER_REGION)
    here = bucket_in(endpoint, REGION)
    lam = client(endpoint, "lambda")
    name = lam.create_function(
        FunctionName=unique("f"), Runtime="provided.al2023", Handler="bootstrap",
        Role=lambda_role(endpoint), Code={"S3Bucket": here, "S3Key": "f.zip"})["FunctionName"]

    with pytest.raises(ClientError) as refused:
        lam.update_function_code(FunctionName=name, S3Bucket=elsewhere, S3Key="f.zip")

    assert error(refused)[0] == "InvalidParameterValueException"
    assert f"The bucket is in this region: {OTHER_REGION}" in error(refused)[1]


def test_a_stacks_function_with_code_of_another_region_fails_with_lambdas_answer(endpoint: str) -> None:
    elsewhere = bucket_in(endpoint, OTHER_REGION)
    cfn = client(endpoint, "cloudformation")
    stack = unique("code-region")
    cfn.create_stack(StackName=stack, Capabilities=["CAPABILITY_IAM"], TemplateBody=json.dumps({
        "Resources": {"Function": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "provided.al2023", "Handler": "bootstrap", "Role": lambda_role(endpoint),
            "Code": {"S3Bucket": elsewhere, "S3Key": "f.zip"}}}}}))

    described = wait_for_stack(cfn, stack)

    assert described["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [e.get("ResourceStatusReason") or "" for e in
               cfn.describe_stack_events(StackName=stack)["StackEvents"]
               if e["LogicalResourceId"] == "Function" and e["ResourceStatus"] == "CREATE_FAILED"]
    assert any("PermanentRedirect" in r and OTHER_REGION in r for r in reasons), reasons


# --------------------------------------------------------------------------
# EventBridge -> CloudWatch Logs: by the log group's resource policy
# --------------------------------------------------------------------------


def log_group_rule(endpoint: str) -> tuple[str, str, str]:
    """A bus with a rule whose target is a new log group; (bus, log group name, rule ARN)."""
    events, logs = client(endpoint, "events"), client(endpoint, "logs")
    bus = unique("reports")
    events.create_event_bus(Name=bus)
    group = f"/aws/events/{unique('reports')}"
    logs.create_log_group(logGroupName=group)
    rule_arn = events.put_rule(Name=unique("to-logs"), EventBusName=bus,
                               EventPattern=json.dumps({"source": ["studio-catalog.cleanup"]}))["RuleArn"]
    events.put_targets(Rule=rule_arn.rsplit("/", 1)[1], EventBusName=bus, Targets=[{
        "Id": "logs", "Arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:*"}])
    return bus, group, rule_arn


def report(bus: str, **detail: Any) -> dict[str, Any]:
    return {"EventBusName": bus, "Source": "studio-catalog.cleanup",
            "DetailType": "Studio Cleanup Report", "Detail": json.dumps({"run": unique("run"), **detail})}


def test_a_log_group_target_is_written_only_when_its_resource_policy_admits_eventbridge(
    endpoint: str, control: Callable[..., Any]
) -> None:
    bus, group, rule_arn = log_group_rule(endpoint)
    events, logs = client(endpoint, "events"), client(endpoint, "logs")
    target = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:*"

    events.put_events(Entries=[report(bus, attempt="without a policy")])
    logs.put_resource_policy(policyName=unique("events"), policyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:*",
            "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}]}))
    events.put_events(Entries=[report(bus, attempt="with the policy")])

    deliveries = control("GET", f"events/deliveries?TargetArn={target}")["deliveries"]
    assert [d["delivered"] for d in deliveries] == [False, True]
    assert "events.amazonaws.com is not authorized to perform: logs:CreateLogStream" in deliveries[0]["reason"]
    messages = [json.loads(e["message"]) for e in logs.filter_log_events(logGroupName=group)["events"]]
    assert [(m["detail-type"], m["detail"]["attempt"], m["account"]) for m in messages] == [
        ("Studio Cleanup Report", "with the policy", ACCOUNT)]


def test_a_log_group_policy_for_another_rule_does_not_admit_this_one(
    endpoint: str, control: Callable[..., Any]
) -> None:
    bus, group, _rule_arn = log_group_rule(endpoint)
    client(endpoint, "logs").put_resource_policy(policyName=unique("events"), policyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:*",
            "Condition": {"ArnEquals": {"aws:SourceArn":
                                        f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{bus}/another"}}}]}))

    client(endpoint, "events").put_events(Entries=[report(bus)])

    target = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:*"
    [delivery] = control("GET", f"events/deliveries?TargetArn={target}")["deliveries"]
    assert delivery["delivered"] is False
    assert client(endpoint, "logs").filter_log_events(logGroupName=group)["events"] == []


# --------------------------------------------------------------------------
# EventBridge -> another account's event bus: as the target's role, admitted by the bus
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def accounts(endpoint: str) -> dict[str, Any]:
    organizations, organization, root, ou = new_organization(endpoint)
    made = []
    for name in ("hub", "member"):
        account = organizations.create_account(
            AccountName=unique(name), Email=f"{unique(name)}@example.com")["CreateAccountStatus"]["AccountId"]
        organizations.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)
        made.append(account)
    return {"org_id": organization["Id"], "hub": made[0], "member": made[1]}


def hub_bus(endpoint: str, accounts: dict[str, Any]) -> str:
    """A bus of the hub account that admits the organisation's principals (as
    organization.yaml's OrganizationEventBusPolicy)."""
    events = signed_client(endpoint, "events", account_admin(endpoint, accounts["hub"]))
    name = unique("organization")
    arn = str(events.create_event_bus(Name=name)["EventBusArn"])
    events.put_permission(EventBusName=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "organization", "Effect": "Allow", "Principal": "*", "Action": "events:PutEvents",
        "Resource": arn, "Condition": {"StringEquals": {"aws:PrincipalOrgID": accounts["org_id"]}}}]}))
    return arn


def forwarding_rule(endpoint: str, account: str, target: str, role_policy: dict[str, Any] | None,
                    *, role: bool = True) -> tuple[Any, str]:
    """In ``account``: a bus whose rule forwards the cleanup's events to ``target`` (with a
    role allowed ``role_policy``, or none); returns (the account's events client, bus name)."""
    key = account_admin(endpoint, account)
    events, iam = signed_client(endpoint, "events", key), signed_client(endpoint, "iam", key)
    bus = unique("cleanup")
    events.create_event_bus(Name=bus)
    rule = unique("to-hub")
    events.put_rule(Name=rule, EventBusName=bus,
                    EventPattern=json.dumps({"source": ["studio-catalog.cleanup"]}))
    spec: dict[str, Any] = {"Id": "hub", "Arn": target}
    if role:
        trust = trust_policy("events")
        trust["Statement"][0]["Condition"] = {"StringEquals": {"aws:SourceAccount": account}}
        role_arn = iam.create_role(RoleName=unique("forward"),
                                   AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        if role_policy is not None:
            iam.put_role_policy(RoleName=role_arn.rsplit("/", 1)[1], PolicyName="forward",
                                PolicyDocument=policy_document(role_policy))
        spec["RoleArn"] = role_arn
    events.put_targets(Rule=rule, EventBusName=bus, Targets=[spec])
    return events, bus


def test_a_member_accounts_rule_forwards_to_the_hub_bus_as_its_role(
    endpoint: str, control: Callable[..., Any], accounts: dict[str, Any]
) -> None:
    target = hub_bus(endpoint, accounts)
    events, bus = forwarding_rule(endpoint, accounts["member"], target,
                                  allow("events:PutEvents", target))

    events.put_events(Entries=[report(bus, scanned=3)])

    arrived = control("GET", f"events/published?EventBusName={target.rsplit('/', 1)[1]}")["events"]
    assert [(e["AccountId"], e["SenderAccount"], e["DetailType"], e["Detail"]["scanned"])
            for e in arrived] == [(accounts["hub"], accounts["member"], "Studio Cleanup Report", 3)]
    assert arrived[0]["ForwardedBy"].startswith(f"arn:aws:events:{REGION}:{accounts['member']}:rule/{bus}/")
    decisions = control("GET", "iam/decisions?action=events:PutEvents")["decisions"]
    assert any(d.get("via") == "events" and d["result"] == "Allowed" and f"::{accounts['member']}:" in d["principal"]
               for d in decisions), decisions


@pytest.mark.parametrize("case", ["no role", "role without events:PutEvents"])
def test_a_forward_to_another_accounts_bus_needs_a_role_allowed_to_put_events(
    endpoint: str, control: Callable[..., Any], accounts: dict[str, Any], case: str
) -> None:
    target = hub_bus(endpoint, accounts)
    events, bus = forwarding_rule(
        endpoint, accounts["member"], target, allow("events:PutEvents", f"{target}-other"),
        role=case != "no role")

    events.put_events(Entries=[report(bus)])

    [delivery] = control("GET", f"events/deliveries?TargetArn={target}")["deliveries"]
    assert delivery["delivered"] is False
    assert ("RoleArn is required" if case == "no role" else "events:PutEvents") in delivery["reason"]
    assert control("GET", f"events/published?EventBusName={target.rsplit('/', 1)[1]}")["events"] == []


def test_the_hub_bus_policy_refuses_a_forward_from_outside_the_organisation(
    endpoint: str, control: Callable[..., Any], accounts: dict[str, Any]
) -> None:
    target = hub_bus(endpoint, accounts)
    events, bus = forwarding_rule(endpoint, OUTSIDER, target, allow("events:PutEvents", target))

    events.put_events(Entries=[report(bus)])

    [delivery] = control("GET", f"events/deliveries?TargetArn={target}")["deliveries"]
    assert delivery["delivered"] is False
    assert "events:PutEvents" in delivery["reason"]
    assert control("GET", f"events/published?EventBusName={target.rsplit('/', 1)[1]}")["events"] == []


# --------------------------------------------------------------------------
# Dashboards: log widgets
# --------------------------------------------------------------------------


def log_widget(**properties: Any) -> str:
    return json.dumps({"widgets": [{"type": "log", "x": 0, "y": 0, "width": 24, "height": 6,
                                    "properties": properties}]})


def test_a_dashboard_log_widget_needs_its_query_and_region(endpoint: str) -> None:
    cloudwatch = client(endpoint, "cloudwatch")
    query = "SOURCE '/aws/events/reports' | stats count(*) by account"
    cloudwatch.put_dashboard(DashboardName=unique("logs"),
                             DashboardBody=log_widget(query=query, region=REGION, view="table",
                                                      title="Runs"))
    refusals = []
    for properties in ({"region": REGION}, {"query": query}, {"query": query, "region": REGION,
                                                               "view": "chart"}):
        with pytest.raises(ClientError) as refused:
            cloudwatch.put_dashboard(DashboardName=unique("logs"), DashboardBody=log_widget(**properties))
        refusals.append(error(refused))

    assert [code for code, _ in refusals] == ["InvalidParameterInput"] * 3
    assert "required property 'query'" in refusals[0][1]
    assert "required property 'region'" in refusals[1][1]
    assert "view should be one of table, timeSeries, bar, pie" in refusals[2][1]


# --------------------------------------------------------------------------
# CloudFormation: AWS::S3::BucketPolicy, AWS::Events::EventBusPolicy
# --------------------------------------------------------------------------


def test_a_stack_sets_a_bucket_policy_and_an_event_bus_policy_and_deletes_cleanly(endpoint: str) -> None:
    bucket = bucket_in(endpoint, REGION)
    cfn, s3, events = client(endpoint, "cloudformation"), client(endpoint, "s3"), client(endpoint, "events")
    bus = unique("bus")
    stack = unique("policies")
    document = {"Version": "2012-10-17", "Statement": [{
        "Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/studio-catalog/*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorgid"}}}]}
    stack_id = cfn.create_stack(StackName=stack, TemplateBody=json.dumps({"Resources": {
        "Policy": {"Type": "AWS::S3::BucketPolicy",
                   "Properties": {"Bucket": bucket, "PolicyDocument": document}},
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": bus}},
        "BusPolicy": {"Type": "AWS::Events::EventBusPolicy", "Properties": {
            "EventBusName": {"Ref": "Bus"}, "StatementId": "org",
            "Statement": {"Effect": "Allow", "Principal": "*", "Action": "events:PutEvents",
                          "Resource": {"Fn::GetAtt": ["Bus", "Arn"]},
                          "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorgid"}}}}},
    }}))["StackId"]
    described = wait_for_stack(cfn, stack)
    assert described["StackStatus"] == "CREATE_COMPLETE", (described.get("StackStatusReason"), [
        (e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason"))
        for e in cfn.describe_stack_events(StackName=stack)["StackEvents"]
        if e["ResourceStatus"].endswith("FAILED")])

    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == document
    [statement] = json.loads(events.describe_event_bus(Name=bus)["Policy"])["Statement"]
    assert (statement["Sid"], statement["Condition"]) == (
        "org", {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorgid"}})

    cfn.delete_stack(StackName=stack)
    # Deleting removes both (their delete handlers; GetBucketPolicy's NoSuchBucketPolicy answer
    # is not in botocore's model, so it is not read back here).
    wait_for(lambda: cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"],
             "DELETE_COMPLETE", timeout=30)
