"""CloudFormation StackSets with service-managed permissions over moto's Organizations
(``studio_emulator/cloudformation/stack_sets.py``; each rule's source is in its docstring).

The management account (the set-up keys, IAM enforced) runs an organisation of an OU ``a``
(two accounts, a third in its child OU ``a/child``), an OU ``b`` (one account) and an empty
OU ``c``; each stack instance is a real stack of the emulator's engine in its account/region.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator_client import (
    ACCOUNT,
    REGION,
    SESSION_GUARD,
    account_admin,
    allow,
    client,
    error,
    function_zip,
    new_organization,
    other_account_session,
    reset_for_suite,
    role_session,
    signed_client,
    unique,
    wait_for_stack_set_operation,
)

pytestmark = pytest.mark.transition_seconds(0.05)

PRINCIPAL = "member.org.stacksets.cloudformation.amazonaws.com"
REGIONS = ["us-east-1", "eu-west-1"]


def template(fail_in: str | None = None) -> str:
    """An SSM parameter (a real resource of the member account) named by ``Name``; with
    ``fail_in``, a custom resource whose function does not exist, created only in that
    account (the failure is the template's, as it would be on AWS). The default ``Name`` is
    new for each template, so stack sets of one account do not collide."""
    body: dict[str, Any] = {
        "Parameters": {"Name": {"Type": "String", "Default": "/" + unique("stackset", "/")},
                       "Value": {"Type": "String", "Default": "v1"}},
        "Resources": {"Param": {"Type": "AWS::SSM::Parameter", "Properties": {
            "Type": "String", "Name": {"Ref": "Name"}, "Value": {"Ref": "Value"}}}},
        "Outputs": {"Value": {"Value": {"Ref": "Value"}}},
    }
    if fail_in:
        body["Conditions"] = {"Fails": {"Fn::Equals": [{"Ref": "AWS::AccountId"}, fail_in]}}
        body["Resources"]["Broken"] = {
            "Type": "Custom::Broken", "Condition": "Fails",
            "Properties": {"ServiceToken": {"Fn::Sub":
                "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:no-such-function"}},
        }
    return json.dumps(body)


@pytest.fixture(scope="module")
def org(endpoint: str) -> dict[str, Any]:
    organizations, organization, root, ou_a = new_organization(endpoint)
    child = organizations.create_organizational_unit(ParentId=ou_a, Name="child")[
        "OrganizationalUnit"]["Id"]
    ou_b = organizations.create_organizational_unit(ParentId=root, Name=unique("b"))[
        "OrganizationalUnit"]["Id"]
    ou_c = organizations.create_organizational_unit(ParentId=root, Name=unique("c"))[
        "OrganizationalUnit"]["Id"]
    accounts = []
    for parent in (ou_a, ou_a, child, ou_b):
        account = organizations.create_account(
            AccountName=unique("member"), Email=f"{unique('m')}@example.com"
        )["CreateAccountStatus"]["AccountId"]
        organizations.move_account(AccountId=account, SourceParentId=root, DestinationParentId=parent)
        accounts.append(account)
    return {"organizations": organizations, "root": root, "a": ou_a, "child": child, "b": ou_b,
            "c": ou_c, "a_accounts": sorted(accounts[:3]), "b_accounts": [accounts[3]],
            "org_id": organization["Id"]}


@pytest.fixture(scope="module")
def cfn(endpoint: str) -> Any:
    return client(endpoint, "cloudformation")


@pytest.fixture
def activated(cfn: Any, org: dict[str, Any]) -> dict[str, Any]:
    cfn.activate_organizations_access()
    return org


def member_client(endpoint: str, account: str, service: str, region: str) -> Any:
    """A client of ``account``'s admin in ``region`` (to look at what a stack instance made)."""
    key = account_admin(endpoint, account)
    made = boto3.client(
        service, endpoint_url=endpoint, region_name=region, aws_access_key_id=key[0],
        aws_secret_access_key=key[1], aws_session_token=key[2],
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )
    return SESSION_GUARD.register(made)


def results(cfn: Any, name: str, operation_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    summaries = cfn.list_stack_set_operation_results(StackSetName=name, OperationId=operation_id)[
        "Summaries"]
    return {(s["Account"], s["Region"]): s for s in summaries}


def instances(cfn: Any, name: str) -> dict[tuple[str, str], dict[str, Any]]:
    summaries = cfn.list_stack_instances(StackSetName=name)["Summaries"]
    return {(s["Account"], s["Region"]): s for s in summaries}


def new_stack_set(cfn: Any, body: str | None = None, **extra: Any) -> str:
    name = unique("ss")
    cfn.create_stack_set(
        StackSetName=name, TemplateBody=body or template(), PermissionModel="SERVICE_MANAGED",
        AutoDeployment=extra.pop("AutoDeployment", {"Enabled": False}), **extra,
    )
    return name


def deploy(cfn: Any, name: str, ous: list[str], regions: list[str] = REGIONS, **extra: Any) -> dict[str, Any]:
    operation_id = cfn.create_stack_instances(
        StackSetName=name, DeploymentTargets={"OrganizationalUnitIds": ous}, Regions=regions, **extra
    )["OperationId"]
    return wait_for_stack_set_operation(cfn, name, operation_id)


def test_service_managed_stack_set_refused_until_trusted_access(cfn: Any, org: dict[str, Any]) -> None:
    assert cfn.describe_organizations_access()["Status"] == "DISABLED"
    with pytest.raises(ClientError) as refused:
        new_stack_set(cfn)
    assert error(refused) == (
        "ValidationError", "You must enable organizations access to operate a service managed stack set")
    # Organizations' own switch for the same principal is the same trusted access
    org["organizations"].enable_aws_service_access(ServicePrincipal=PRINCIPAL)
    assert cfn.describe_organizations_access()["Status"] == "ENABLED"
    cfn.deactivate_organizations_access()
    assert PRINCIPAL not in [
        s["ServicePrincipal"] for s in
        org["organizations"].list_aws_service_access_for_organization()["EnabledServicePrincipals"]]
    cfn.activate_organizations_access()
    assert cfn.describe_organizations_access()["Status"] == "ENABLED"
    assert new_stack_set(cfn)


def test_ou_targets_are_real_stacks_in_every_member_account_and_region(
    endpoint: str, cfn: Any, activated: dict[str, Any]
) -> None:
    org = activated
    name = new_stack_set(cfn, Parameters=[{"ParameterKey": "Name", "ParameterValue": "/suite/core"}])
    op = deploy(cfn, name, [org["a"]])
    assert op["Status"] == "SUCCEEDED"
    found = instances(cfn, name)
    # the OU and its child OU, never the management account
    assert set(found) == {(a, r) for a in org["a_accounts"] for r in REGIONS}
    assert all(i["Status"] == "CURRENT" and i["StackInstanceStatus"]["DetailedStatus"] == "SUCCEEDED"
               and i["OrganizationalUnitId"] == org["a"] for i in found.values())
    account = org["a_accounts"][2]
    ssm = member_client(endpoint, account, "ssm", "eu-west-1")
    assert ssm.get_parameter(Name="/suite/core")["Parameter"]["Value"] == "v1"
    stack = member_client(endpoint, account, "cloudformation", "eu-west-1").describe_stacks(
        StackName=found[(account, "eu-west-1")]["StackId"])["Stacks"][0]
    assert stack["StackName"].startswith(f"StackSet-{name}-")
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    # the service-managed execution role of the member account, with AdministratorAccess
    assert stack["RoleARN"].startswith(f"arn:aws:iam::{account}:role/stacksets-exec-")
    iam = member_client(endpoint, account, "iam", "us-east-1")
    role = stack["RoleARN"].rsplit("/", 1)[1]
    policy = iam.get_role_policy(RoleName=role, PolicyName="AdministratorAccess")["PolicyDocument"]
    assert policy["Statement"] == [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    described = cfn.describe_stack_set(StackSetName=name)["StackSet"]
    assert described["OrganizationalUnitIds"] == [org["a"]]
    assert sorted(described["Regions"]) == sorted(REGIONS)


def test_stack_instance_resources_are_authorised_as_the_execution_role(
    endpoint: str, cfn: Any, control: Callable[..., Any], activated: dict[str, Any]
) -> None:
    control("DELETE", "iam/decisions")
    name = new_stack_set(cfn, Parameters=[{"ParameterKey": "Name", "ParameterValue": "/suite/auth"}])
    assert deploy(cfn, name, [activated["b"]], regions=["us-east-1"])["Status"] == "SUCCEEDED"
    account = activated["b_accounts"][0]
    decisions = control("GET", "iam/decisions?action=ssm:PutParameter")["decisions"]
    mine = [d for d in decisions if f":{account}:" in d["principal"]]
    assert mine and all(d["result"] == "Allowed" for d in mine)
    assert all("assumed-role/stacksets-exec-" in d["principal"] for d in mine)
    assert all(d["principal"].endswith("/AWSCloudFormation") for d in mine)


def test_one_operation_at_a_time_per_stack_set(cfn: Any, activated: dict[str, Any]) -> None:
    name = new_stack_set(cfn)
    first = cfn.create_stack_instances(
        StackSetName=name, DeploymentTargets={"OrganizationalUnitIds": [activated["a"]]},
        Regions=REGIONS)["OperationId"]
    with pytest.raises(ClientError) as busy:
        cfn.create_stack_instances(
            StackSetName=name, DeploymentTargets={"OrganizationalUnitIds": [activated["b"]]},
            Regions=REGIONS)
    assert error(busy)[0] == "OperationInProgressException"
    assert wait_for_stack_set_operation(cfn, name, first)["Status"] == "SUCCEEDED"


def test_failure_within_the_tolerance_succeeds_with_the_instance_outdated(
    cfn: Any, activated: dict[str, Any]
) -> None:
    failing = activated["a_accounts"][1]
    name = new_stack_set(cfn, body=template(fail_in=failing))
    op = deploy(cfn, name, [activated["a"]], regions=["us-east-1"],
                OperationPreferences={"FailureToleranceCount": 1, "MaxConcurrentCount": 2})
    assert op["Status"] == "SUCCEEDED"
    assert op["StatusDetails"]["FailedStackInstancesCount"] == 1
    found = instances(cfn, name)
    bad = found[(failing, "us-east-1")]
    assert bad["Status"] == "OUTDATED" and bad["StackInstanceStatus"]["DetailedStatus"] == "FAILED"
    assert bad["StatusReason"].startswith("ResourceLogicalId:Broken, ResourceType:Custom::Broken,")
    assert all(i["Status"] == "CURRENT" for k, i in found.items() if k[0] != failing)
    assert results(cfn, name, op["OperationId"])[(failing, "us-east-1")]["Status"] == "FAILED"


def test_failure_beyond_the_tolerance_cancels_the_rest_and_fails(cfn: Any, activated: dict[str, Any]) -> None:
    accounts = activated["a_accounts"]
    failing = accounts[1]
    name = new_stack_set(cfn, body=template(fail_in=failing))
    op = deploy(cfn, name, [activated["a"]], regions=REGIONS,
                OperationPreferences={"FailureToleranceCount": 0, "MaxConcurrentCount": 1,
                                      "RegionOrder": ["eu-west-1", "us-east-1"]})
    assert op["Status"] == "FAILED"
    got = results(cfn, name, op["OperationId"])
    # one account at a time in eu-west-1 first: before the failure SUCCEEDED, after it CANCELLED;
    # the later region never starts
    assert got[(accounts[0], "eu-west-1")]["Status"] == "SUCCEEDED"
    assert got[(failing, "eu-west-1")]["Status"] == "FAILED"
    assert got[(accounts[2], "eu-west-1")]["Status"] == "CANCELLED"
    assert {got[(a, "us-east-1")]["Status"] for a in accounts} == {"CANCELLED"}
    assert instances(cfn, name)[(accounts[0], "us-east-1")]["StackInstanceStatus"][
        "DetailedStatus"] == "CANCELLED"


def test_soft_failure_tolerance_keeps_the_wave_size(cfn: Any, activated: dict[str, Any]) -> None:
    """Strict mode would refuse MaxConcurrentCount 3 with tolerance 0 (and cancel the rest after
    the failure); soft mode runs the three accounts at once: the failure does not stop the other
    two of its wave, and the operation still fails (beyond the tolerance)."""
    accounts = activated["a_accounts"]
    name = new_stack_set(cfn, body=template(fail_in=accounts[0]))
    op = deploy(cfn, name, [activated["a"]], regions=["us-east-1"],
                OperationPreferences={"FailureToleranceCount": 0, "MaxConcurrentCount": 3,
                                      "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE"})
    assert op["Status"] == "FAILED"
    got = results(cfn, name, op["OperationId"])
    assert [got[(a, "us-east-1")]["Status"] for a in accounts] == ["FAILED", "SUCCEEDED", "SUCCEEDED"]
    failed = cfn.list_stack_instances(
        StackSetName=name, Filters=[{"Name": "DETAILED_STATUS", "Values": "FAILED"}])["Summaries"]
    assert [i["Account"] for i in failed] == [accounts[0]]


def test_account_filter_difference_leaves_the_listed_accounts_out(cfn: Any, activated: dict[str, Any]) -> None:
    accounts = activated["a_accounts"]
    name = new_stack_set(cfn)
    operation_id = cfn.create_stack_instances(
        StackSetName=name, Regions=["us-east-1"],
        DeploymentTargets={"OrganizationalUnitIds": [activated["a"]], "Accounts": [accounts[1]],
                           "AccountFilterType": "DIFFERENCE"})["OperationId"]
    assert wait_for_stack_set_operation(cfn, name, operation_id)["Status"] == "SUCCEEDED"
    assert sorted(a for a, _ in instances(cfn, name)) == [accounts[0], accounts[2]]


def test_managed_execution_queues_a_second_operation(cfn: Any, activated: dict[str, Any]) -> None:
    name = new_stack_set(cfn, ManagedExecution={"Active": True})
    first = cfn.create_stack_instances(
        StackSetName=name, DeploymentTargets={"OrganizationalUnitIds": [activated["a"]]},
        Regions=["us-east-1"])["OperationId"]
    second = cfn.create_stack_instances(
        StackSetName=name, DeploymentTargets={"OrganizationalUnitIds": [activated["b"]]},
        Regions=["us-east-1"])["OperationId"]
    assert wait_for_stack_set_operation(cfn, name, first)["Status"] == "SUCCEEDED"
    assert wait_for_stack_set_operation(cfn, name, second)["Status"] == "SUCCEEDED"
    assert {a for a, _ in instances(cfn, name)} == set(activated["a_accounts"] + activated["b_accounts"])


def test_operation_preferences_checked_as_documented(cfn: Any, activated: dict[str, Any]) -> None:
    name = new_stack_set(cfn)
    for prefs in ({"FailureToleranceCount": 1, "FailureTolerancePercentage": 10},
                  {"MaxConcurrentCount": 3, "FailureToleranceCount": 0}):
        with pytest.raises(ClientError) as refused:
            cfn.create_stack_instances(
                StackSetName=name, DeploymentTargets={"OrganizationalUnitIds": [activated["b"]]},
                Regions=["us-east-1"], OperationPreferences=prefs)
        assert error(refused)[0] == "ValidationError"
    assert cfn.list_stack_instances(StackSetName=name)["Summaries"] == []


def test_auto_deployment_follows_accounts_into_and_out_of_the_target_ou(
    endpoint: str, cfn: Any, activated: dict[str, Any]
) -> None:
    org = activated
    organizations = org["organizations"]
    retained = new_stack_set(cfn, AutoDeployment={"Enabled": True, "RetainStacksOnAccountRemoval": True})
    deleted = new_stack_set(cfn, AutoDeployment={"Enabled": True, "RetainStacksOnAccountRemoval": False})
    for name in (retained, deleted):
        assert deploy(cfn, name, [org["c"]])["Status"] == "SUCCEEDED"  # an empty OU: no instances
        assert instances(cfn, name) == {}
    joiner = organizations.create_account(
        AccountName=unique("joiner"), Email=f"{unique('j')}@example.com")["CreateAccountStatus"]["AccountId"]
    organizations.move_account(AccountId=joiner, SourceParentId=org["root"], DestinationParentId=org["c"])
    for name in (retained, deleted):
        ops = cfn.list_stack_set_operations(StackSetName=name)["Summaries"]
        wait_for_stack_set_operation(cfn, name, ops[0]["OperationId"])
        found = instances(cfn, name)
        assert set(found) == {(joiner, r) for r in REGIONS}
        assert all(i["Status"] == "CURRENT" for i in found.values())
    keep_stack = instances(cfn, retained)[(joiner, "us-east-1")]["StackId"]
    gone_stack = instances(cfn, deleted)[(joiner, "us-east-1")]["StackId"]
    organizations.move_account(AccountId=joiner, SourceParentId=org["c"], DestinationParentId=org["root"])
    for name in (retained, deleted):
        ops = cfn.list_stack_set_operations(StackSetName=name)["Summaries"]
        assert ops[0]["Action"] == "DELETE"
        assert wait_for_stack_set_operation(cfn, name, ops[0]["OperationId"])["Status"] == "SUCCEEDED"
        assert instances(cfn, name) == {}
    member_cfn = member_client(endpoint, joiner, "cloudformation", "us-east-1")
    assert member_cfn.describe_stacks(StackName=keep_stack)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    assert member_cfn.describe_stacks(StackName=gone_stack)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"


def test_update_stack_set_updates_every_instance_keeping_parameter_overrides(
    endpoint: str, cfn: Any, activated: dict[str, Any]
) -> None:
    org = activated
    name = new_stack_set(cfn, Parameters=[{"ParameterKey": "Name", "ParameterValue": "/suite/upd"}])
    assert deploy(cfn, name, [org["a"]], regions=["us-east-1"])["Status"] == "SUCCEEDED"
    special = org["a_accounts"][0]
    operation_id = cfn.update_stack_instances(
        StackSetName=name, DeploymentTargets={"OrganizationalUnitIds": [org["a"]],
                                              "Accounts": [special], "AccountFilterType": "INTERSECTION"},
        Regions=["us-east-1"], ParameterOverrides=[{"ParameterKey": "Value", "ParameterValue": "special"}],
    )["OperationId"]
    assert wait_for_stack_set_operation(cfn, name, operation_id)["Status"] == "SUCCEEDED"
    operation_id = cfn.update_stack_set(
        StackSetName=name, TemplateBody=template(),
        Parameters=[{"ParameterKey": "Name", "UsePreviousValue": True},
                    {"ParameterKey": "Value", "ParameterValue": "v2"}],
        OperationPreferences={"MaxConcurrentPercentage": 100, "FailureTolerancePercentage": 100},
    )["OperationId"]
    assert wait_for_stack_set_operation(cfn, name, operation_id)["Status"] == "SUCCEEDED"
    values = {
        account: member_client(endpoint, account, "ssm", "us-east-1").get_parameter(
            Name="/suite/upd")["Parameter"]["Value"]
        for account in org["a_accounts"]
    }
    assert values == {a: ("special" if a == special else "v2") for a in org["a_accounts"]}
    assert cfn.describe_stack_instance(
        StackSetName=name, StackInstanceAccount=special, StackInstanceRegion="us-east-1"
    )["StackInstance"]["ParameterOverrides"] == [{"ParameterKey": "Value", "ParameterValue": "special"}]


def test_delete_stack_set_refused_while_instances_exist_and_retain_stacks_keeps_them(
    endpoint: str, cfn: Any, activated: dict[str, Any]
) -> None:
    org = activated
    name = new_stack_set(cfn, Parameters=[{"ParameterKey": "Name", "ParameterValue": "/suite/del"}])
    assert deploy(cfn, name, [org["b"]], regions=REGIONS)["Status"] == "SUCCEEDED"
    with pytest.raises(ClientError) as not_empty:
        cfn.delete_stack_set(StackSetName=name)
    assert error(not_empty)[0] == "StackSetNotEmptyException"
    account = org["b_accounts"][0]
    kept = instances(cfn, name)[(account, "us-east-1")]["StackId"]
    for region, retain in (("us-east-1", True), ("eu-west-1", False)):
        operation_id = cfn.delete_stack_instances(
            StackSetName=name, DeploymentTargets={"OrganizationalUnitIds": [org["b"]]},
            Regions=[region], RetainStacks=retain)["OperationId"]
        assert wait_for_stack_set_operation(cfn, name, operation_id)["Status"] == "SUCCEEDED"
    assert instances(cfn, name) == {}
    assert member_client(endpoint, account, "ssm", "us-east-1").get_parameter(
        Name="/suite/del")["Parameter"]["Value"] == "v1"
    with pytest.raises(ClientError) as gone:
        member_client(endpoint, account, "ssm", "eu-west-1").get_parameter(Name="/suite/del")
    assert error(gone)[0] == "ParameterNotFound"
    assert member_client(endpoint, account, "cloudformation", "us-east-1").describe_stacks(
        StackName=kept)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    cfn.delete_stack_set(StackSetName=name)
    with pytest.raises(ClientError) as missing:
        cfn.describe_stack_set(StackSetName=name)
    assert error(missing)[0] == "StackSetNotFoundException"


def test_member_account_refused_unless_registered_delegated_admin(
    endpoint: str, activated: dict[str, Any]
) -> None:
    org = activated
    member = org["b_accounts"][0]
    statements = (allow("cloudformation:*"), allow("organizations:ListDelegatedAdministrators"))
    key = other_account_session(endpoint, member, unique("stackset-admin"), *statements)
    member_cfn = signed_client(endpoint, "cloudformation", key)
    with pytest.raises(ClientError) as self_refused:
        new_stack_set(member_cfn)
    assert error(self_refused) == ("ValidationError", (
        "You must be the management account or delegated admin account of an organization "
        "before operating a SERVICE_MANAGED stack set"))
    with pytest.raises(ClientError) as not_delegated:
        new_stack_set(member_cfn, CallAs="DELEGATED_ADMIN")
    assert error(not_delegated) == ("ValidationError", "Account used is not a delegated administrator")
    org["organizations"].register_delegated_administrator(AccountId=member, ServicePrincipal=PRINCIPAL)
    name = new_stack_set(member_cfn, CallAs="DELEGATED_ADMIN")
    operation_id = member_cfn.create_stack_instances(
        StackSetName=name, CallAs="DELEGATED_ADMIN", Regions=["us-east-1"],
        DeploymentTargets={"OrganizationalUnitIds": [org["child"]]})["OperationId"]
    op = member_cfn.describe_stack_set_operation(
        StackSetName=name, OperationId=operation_id, CallAs="DELEGATED_ADMIN")["StackSetOperation"]
    assert op["Action"] == "CREATE"
    # the management account does not see the delegated admin's stack set
    with pytest.raises(ClientError) as hidden:
        client(endpoint, "cloudformation").describe_stack_set(StackSetName=name)
    assert error(hidden)[0] == "StackSetNotFoundException"
    # without organizations:ListDelegatedAdministrators the same refusal (as AWS answers)
    narrow = other_account_session(endpoint, member, unique("narrow"), allow("cloudformation:*"))
    with pytest.raises(ClientError) as unlisted:
        new_stack_set(signed_client(endpoint, "cloudformation", narrow), CallAs="DELEGATED_ADMIN")
    assert error(unlisted) == ("ValidationError", "Account used is not a delegated administrator")


def test_stack_set_operations_are_authorised_on_the_stack_set_and_its_target_regions(
    endpoint: str, cfn: Any, activated: dict[str, Any]
) -> None:
    name, other = new_stack_set(cfn), new_stack_set(cfn)
    key = role_session(
        endpoint, unique("stackset-operator"),
        allow(["cloudformation:DescribeStackSet", "cloudformation:CreateStackInstances"],
              f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stackset/{name}:*"),
        {"Effect": "Deny", "Action": "cloudformation:CreateStackInstances", "Resource": "*",
         "Condition": {"ForAnyValue:StringEquals": {"cloudformation:TargetRegion": "eu-west-1"}}},
    )
    operator = signed_client(endpoint, "cloudformation", key)
    assert operator.describe_stack_set(StackSetName=name)["StackSet"]["StackSetName"] == name
    with pytest.raises(ClientError) as denied:
        operator.describe_stack_set(StackSetName=other)
    assert error(denied)[0] == "AccessDenied"
    with pytest.raises(ClientError) as region_denied:
        operator.create_stack_instances(
            StackSetName=name, DeploymentTargets={"OrganizationalUnitIds": [activated["c"]]},
            Regions=["us-east-1", "eu-west-1"])
    assert error(region_denied)[0] == "AccessDenied"
    operation_id = operator.create_stack_instances(
        StackSetName=name, DeploymentTargets={"OrganizationalUnitIds": [activated["c"]]},
        Regions=["us-east-1"])["OperationId"]
    assert wait_for_stack_set_operation(cfn, name, operation_id)["Status"] == "SUCCEEDED"


def test_self_managed_instances_run_as_the_target_accounts_execution_role(
    endpoint: str, cfn: Any, activated: dict[str, Any]
) -> None:
    account = activated["b_accounts"][0]
    name = unique("self")
    cfn.create_stack_set(StackSetName=name, TemplateBody=template())
    op = wait_for_stack_set_operation(cfn, name, cfn.create_stack_instances(
        StackSetName=name, Accounts=[account], Regions=["us-east-1"])["OperationId"])
    assert op["Status"] == "FAILED"
    assert instances(cfn, name)[(account, "us-east-1")]["StatusReason"] == (
        f"Account {account} should have 'AWSCloudFormationStackSetExecutionRole' role with trust "
        "relationship to Role 'AWSCloudFormationStackSetAdministrationRole'.")
    iam = signed_client(endpoint, "iam", account_admin(endpoint, account))
    iam.create_role(RoleName="AWSCloudFormationStackSetExecutionRole", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
         "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]}))
    operation_id = cfn.update_stack_instances(StackSetName=name, Accounts=[account], Regions=["us-east-1"])[
        "OperationId"]
    # the role may do nothing yet: the stack's SSM parameter is refused, as IAM decides for that role
    assert wait_for_stack_set_operation(cfn, name, operation_id)["Status"] == "FAILED"
    reason = instances(cfn, name)[(account, "us-east-1")]["StatusReason"]
    assert "AWSCloudFormationStackSetExecutionRole/AWSCloudFormation is not authorized" in reason
    iam.put_role_policy(RoleName="AWSCloudFormationStackSetExecutionRole", PolicyName="ssm",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                            allow(["ssm:PutParameter", "ssm:AddTagsToResource", "ssm:GetParameters",
                                   "ssm:DeleteParameter"])]}))
    operation_id = cfn.update_stack_instances(StackSetName=name, Accounts=[account], Regions=["us-east-1"])[
        "OperationId"]
    assert wait_for_stack_set_operation(cfn, name, operation_id)["Status"] == "SUCCEEDED"


def function_template(bucket: str) -> str:
    """A role and a function whose code is the management account's artefact bucket's."""
    return json.dumps({"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}}},
        "Function": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "provided.al2023", "Handler": "bootstrap", "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"S3Bucket": bucket, "S3Key": "functions/f.zip"}}},
    }})


def test_member_accounts_read_function_code_from_the_organisation_artefact_bucket(
    endpoint: str, cfn: Any, control: Callable[..., Any], activated: dict[str, Any]
) -> None:
    s3 = client(endpoint, "s3")
    buckets = {}
    for scope, condition in (
        ("org", {"StringEquals": {"aws:PrincipalOrgID": activated["org_id"]}}),
        ("other", {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorgid"}}),
    ):
        bucket = unique(f"artefacts-{scope}")
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="functions/f.zip", Body=function_zip("f"))
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*", "Condition": condition}]}))
        buckets[scope] = bucket
    account = activated["b_accounts"][0]
    control("DELETE", "iam/decisions")
    allowed = new_stack_set(cfn, body=function_template(buckets["org"]))
    assert deploy(cfn, allowed, [activated["b"]], regions=["us-east-1"])["Status"] == "SUCCEEDED"
    reads = control("GET", "iam/decisions?action=s3:GetObject")["decisions"]
    assert [(d["resources"], d["result"]) for d in reads] == [
        ([f"arn:aws:s3:::{buckets['org']}/functions/f.zip"], "Allowed")]
    assert "/stacksets-exec-" in reads[0]["principal"] and f"::{account}:" in reads[0]["principal"]
    refused = new_stack_set(cfn, body=function_template(buckets["other"]))
    assert deploy(cfn, refused, [activated["b"]], regions=["us-east-1"])["Status"] == "FAILED"
    reason = instances(cfn, refused)[(account, "us-east-1")]["StatusReason"]
    assert reason.startswith("ResourceLogicalId:Function, ResourceType:AWS::Lambda::Function,")
    assert "s3:GetObject" in reason


def test_root_target_is_every_member_account_and_created_accounts_are_auto_deployed(
    cfn: Any, activated: dict[str, Any]
) -> None:
    org = activated
    name = new_stack_set(cfn, AutoDeployment={"Enabled": True, "RetainStacksOnAccountRemoval": False})
    assert deploy(cfn, name, [org["root"]], regions=["us-east-1"],
                  OperationPreferences={"MaxConcurrentPercentage": 100,
                                        "FailureTolerancePercentage": 100})["Status"] == "SUCCEEDED"
    members = {a["Id"] for a in org["organizations"].list_accounts()["Accounts"]} - {ACCOUNT}
    assert {a for a, _ in instances(cfn, name)} == members
    assert all(i["OrganizationalUnitId"] == org["root"] for i in instances(cfn, name).values())
    created = org["organizations"].create_account(
        AccountName=unique("new"), Email=f"{unique('n')}@example.com")["CreateAccountStatus"]["AccountId"]
    newest = cfn.list_stack_set_operations(StackSetName=name)["Summaries"][0]
    assert newest["Action"] == "CREATE"
    assert wait_for_stack_set_operation(cfn, name, newest["OperationId"])["Status"] == "SUCCEEDED"
    assert instances(cfn, name)[(created, "us-east-1")]["Status"] == "CURRENT"


def test_reset_abandons_running_operations(
    endpoint: str, cfn: Any, control: Callable[..., Any], activated: dict[str, Any]
) -> None:
    """Last in the module: it resets the emulator (the module's organisation goes)."""
    name = new_stack_set(cfn)
    cfn.create_stack_instances(
        StackSetName=name, DeploymentTargets={"OrganizationalUnitIds": [activated["a"]]},
        Regions=REGIONS, OperationPreferences={"MaxConcurrentCount": 1})
    reset_for_suite(control, transition_seconds=0.05)
    assert cfn.list_stack_sets()["Summaries"] == []
    assert control("GET", "cloudformation/stack-sets")["stack_sets"] == []
    # a new organisation deploys as before: nothing of the abandoned operation is in the way
    fresh = new_organization(endpoint)
    cfn.activate_organizations_access()
    account = fresh[0].create_account(AccountName="fresh", Email="fresh@example.com")[
        "CreateAccountStatus"]["AccountId"]
    fresh[0].move_account(AccountId=account, SourceParentId=fresh[2], DestinationParentId=fresh[3])
    again = new_stack_set(cfn)
    assert deploy(cfn, again, [fresh[3]], regions=["us-east-1"])["Status"] == "SUCCEEDED"
