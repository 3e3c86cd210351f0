"""Issue #16's template split, end to end against the emulator with IAM enforced:
``templates/organization.yaml`` in the management account in two regions, and the real
``templates/core.yaml`` rolled out to the organisation's member accounts as a service-managed
StackSet -- directly with boto3, as ``tools/deploy org-rollout`` does it, with parameters that are
right in every region and no per-region overrides (StackSets gives an account that joins a target
OU later no overrides: CloudFormation API Reference, UpdateStackInstances): ``CodeBucket`` the base
name with ``CodeBucketPerRegion`` ``true`` (each region reads ``<base>-<region>``),
``AccountWideResources`` = the first region (``Create`` there, ``Reference`` elsewhere),
``OrganizationEventBusArn`` = the hub's bus. An account that joins an OU afterwards gets a correct
core in both regions by auto-deployment alone.

The organisation: OU ``a`` (two accounts), OU ``b`` (one account). A member's cleanup run (its
real function, invoked in the member account) reports to the hub: the report crosses accounts
(and, from the second region, regions) to the hub's bus, and its rule writes it to the hub's log
group, which the dashboard reads. The artefact bucket's policy admits the organisation's
accounts and refuses an account outside it. A static test checks that nothing in core.yaml
names another account except through ``CodeBucket`` and ``OrganizationEventBusArn``.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from emulator_client import (
    ACCOUNT,
    REPOSITORY,
    SESSION_GUARD,
    account_admin,
    client,
    function_zip,
    load_template,
    new_organization,
    rust_binary,
    unique,
    wait_for_stack,
    wait_for_stack_set_operation,
)

ROOT = Path(REPOSITORY)
ORGANIZATION = ROOT / "templates" / "organization.yaml"
CORE = ROOT / "templates" / "core.yaml"
HUB, SECOND = "us-east-1", "eu-west-1"
REGIONS = [HUB, SECOND]
PREFIX = "studio-catalog"  # ArtifactPrefix
OUTSIDER = "210987654321"

pytestmark = [pytest.mark.transition_seconds(0.05)]


def root_client(endpoint: str, service: str, region: str) -> Any:
    """The management account's root (the set-up keys) in ``region``."""
    made = boto3.client(service, endpoint_url=endpoint, region_name=region,
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(retries={"mode": "standard", "max_attempts": 1}))
    return SESSION_GUARD.register(made)


def member_client(endpoint: str, account: str, service: str, region: str) -> Any:
    key = account_admin(endpoint, account)
    made = boto3.client(service, endpoint_url=endpoint, region_name=region,
                        aws_access_key_id=key[0], aws_secret_access_key=key[1],
                        aws_session_token=key[2],
                        config=Config(retries={"mode": "standard", "max_attempts": 1},
                                      read_timeout=120))
    return SESSION_GUARD.register(made)


def code_keys() -> list[str]:
    """core.yaml's ``*CodeKey`` parameters (one per function zip; new functions add theirs)."""
    return [k for k in load_template(CORE)["Parameters"] if k.endswith("CodeKey")]


# --------------------------------------------------------------------------
# The rollout (once for the module)
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rollout(endpoint: str) -> dict[str, Any]:
    cleanup_binary = rust_binary("studio-cleanup")
    organizations, organization, root, ou_a = new_organization(endpoint)
    ou_b = organizations.create_organizational_unit(ParentId=root, Name=unique("b"))[
        "OrganizationalUnit"]["Id"]
    members: dict[str, list[str]] = {"a": [], "b": []}
    for ou, name in ((ou_a, "a"), (ou_a, "a"), (ou_b, "b")):
        account = organizations.create_account(
            AccountName=unique("member"), Email=f"{unique('m')}@example.com")[
            "CreateAccountStatus"]["AccountId"]
        organizations.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)
        members[name].append(account)
    name_prefix = unique("org")
    base_bucket = unique("artefacts")

    # organization.yaml in the management account, one stack per region.
    buckets, hub_outputs = {}, {}
    for region in REGIONS:
        bucket = f"{base_bucket}-{region}"
        cfn = root_client(endpoint, "cloudformation", region)
        stack = f"{name_prefix}-organization"
        cfn.create_stack(StackName=stack, TemplateBody=ORGANIZATION.read_text(encoding="utf-8"),
                         Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in {
                             "OrganizationId": organization["Id"], "ArtifactBucketName": bucket,
                             "CreateArtifactBucket": "true", "ArtifactPrefix": PREFIX,
                             "HubRegion": HUB, "NamePrefix": name_prefix}.items()])
        described = wait_for_stack(cfn, stack, timeout=60)
        assert described["StackStatus"] == "CREATE_COMPLETE", [
            (e["LogicalResourceId"], e.get("ResourceStatusReason"))
            for e in cfn.describe_stack_events(StackName=stack)["StackEvents"]
            if e["ResourceStatus"].endswith("FAILED")]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        assert outputs["ArtifactBucketName"] == bucket
        if region == HUB:
            hub_outputs = outputs
        else:
            assert "OrganizationEventBusArn" not in outputs, "the hub is in one region only"
        buckets[region] = bucket

    # The zips in every regional bucket (as `package` and org-rollout copy them), the core
    # template once.
    keys = {}
    for key_parameter in code_keys():
        keys[key_parameter] = f"{PREFIX}/functions/{key_parameter}.zip"
    for region, bucket in buckets.items():
        s3 = root_client(endpoint, "s3", region)
        for key_parameter, key in keys.items():
            body = (function_zip("", bootstrap=cleanup_binary)
                    if key_parameter == "StudioCleanupCodeKey" else function_zip("probe"))
            s3.put_object(Bucket=bucket, Key=key, Body=body)
    core_key = f"{PREFIX}/templates/core.yaml"
    root_client(endpoint, "s3", HUB).put_object(Bucket=buckets[HUB], Key=core_key,
                                                Body=CORE.read_bytes())

    # core.yaml as a service-managed StackSet, region by region.
    cfn = root_client(endpoint, "cloudformation", HUB)
    cfn.activate_organizations_access()
    stack_set = f"{name_prefix}-member"
    cfn.create_stack_set(
        StackSetName=stack_set, PermissionModel="SERVICE_MANAGED",
        TemplateURL=f"https://{buckets[HUB]}.s3.{HUB}.amazonaws.com/{core_key}",
        AutoDeployment={"Enabled": True, "RetainStacksOnAccountRemoval": True},
        Capabilities=["CAPABILITY_NAMED_IAM"],
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in {
            "NamePrefix": name_prefix, "CodeBucket": base_bucket, "CodeBucketPerRegion": "true",
            "AccountWideResources": HUB,
            "OrganizationEventBusArn": hub_outputs["OrganizationEventBusArn"],
            "CleanupScheduleState": "DISABLED",
            # the zips are this machine's debug build (package --from-binaries does the same)
            "FunctionArchitecture": "x86_64" if os.uname().machine == "x86_64" else "arm64",
            **keys}.items()],
    )
    operation = cfn.create_stack_instances(
        StackSetName=stack_set, Regions=REGIONS,
        DeploymentTargets={"OrganizationalUnitIds": [ou_a, ou_b]},
        OperationPreferences={"RegionOrder": REGIONS, "RegionConcurrencyType": "SEQUENTIAL",
                              "MaxConcurrentPercentage": 100, "FailureTolerancePercentage": 0},
    )["OperationId"]
    done = wait_for_stack_set_operation(cfn, stack_set, operation, timeout=300.0)
    if done["Status"] != "SUCCEEDED":
        reasons = [(s["Account"], s["Region"], s.get("StatusReason"))
                   for s in cfn.list_stack_instances(StackSetName=stack_set)["Summaries"]]
        pytest.fail(f"{done['Status']} {reasons}")
    return {"org_id": organization["Id"], "members": members, "prefix": name_prefix,
            "buckets": buckets, "hub": hub_outputs, "stack_set": stack_set, "cfn": cfn,
            "keys": keys, "ou_a": ou_a, "root": root, "organizations": organizations}


# --------------------------------------------------------------------------
# What landed where
# --------------------------------------------------------------------------


@pytest.mark.rust_binaries
def test_every_member_account_has_the_core_in_both_regions_with_its_regions_bucket(
    endpoint: str, rollout: dict[str, Any]
) -> None:
    summaries = rollout["cfn"].list_stack_instances(StackSetName=rollout["stack_set"])["Summaries"]
    accounts = sorted(rollout["members"]["a"] + rollout["members"]["b"])
    assert sorted((s["Account"], s["Region"]) for s in summaries) == sorted(
        (a, r) for a in accounts for r in REGIONS)
    assert {s["Status"] for s in summaries} == {"CURRENT"}
    member = rollout["members"]["b"][0]
    for region in REGIONS:
        ssm = member_client(endpoint, member, "ssm", region)
        bucket = ssm.get_parameter(Name=f"/{rollout['prefix']}/code/bucket")["Parameter"]["Value"]
        assert bucket == rollout["buckets"][region]
        function = member_client(endpoint, member, "lambda", region).get_function(
            FunctionName=f"{rollout['prefix']}-studio-cleanup")["Configuration"]
        assert function["FunctionArn"].split(":")[3:5] == [region, member]


@pytest.mark.rust_binaries
def test_the_account_wide_iam_resources_are_made_once_and_referenced_by_the_second_region(
    endpoint: str, rollout: dict[str, Any]
) -> None:
    member = rollout["members"]["a"][0]
    iam = member_client(endpoint, member, "iam", HUB)
    launch = f"{rollout['prefix']}-launch"
    # One launch role, with the role's own policy and one grant of the regions' code buckets.
    assert sorted(iam.list_role_policies(RoleName=launch)["PolicyNames"]) == [
        "code-buckets", "provision-studio-catalog-products"]
    policy = json.dumps(iam.get_role_policy(RoleName=launch, PolicyName="code-buckets")[
        "PolicyDocument"])
    # every region's bucket, "<base>-<region>", by the one grant of the stack that made the role
    base = rollout["buckets"][SECOND][: -len(f"-{SECOND}")]
    assert f"arn:aws:s3:::{base}-*-*-?/*" in policy
    boundary = f"arn:aws:iam::{member}:policy/studio-catalog/{rollout['prefix']}-product-role-boundary"
    assert iam.get_policy(PolicyArn=boundary)["Policy"]["Arn"] == boundary
    for region in REGIONS:
        outputs = {o["OutputKey"]: o["OutputValue"] for o in member_client(
            endpoint, member, "cloudformation", region).describe_stacks(
            StackName=_instance_stack(endpoint, member, region, rollout))["Stacks"][0]["Outputs"]}
        assert outputs["LaunchRoleArn"] == f"arn:aws:iam::{member}:role/{launch}"
        assert outputs["ProductRoleBoundaryArn"] == boundary


def _instance_stack(endpoint: str, account: str, region: str, rollout: dict[str, Any]) -> str:
    cfn = member_client(endpoint, account, "cloudformation", region)
    [stack] = [s["StackName"] for s in cfn.list_stacks()["StackSummaries"]
               if s["StackName"].startswith(f"StackSet-{rollout['stack_set']}-")
               and s["StackStatus"] != "DELETE_COMPLETE"]
    return str(stack)


# --------------------------------------------------------------------------
# Reporting: a member's cleanup run lands in the hub's log group
# --------------------------------------------------------------------------


def hub_messages(endpoint: str, rollout: dict[str, Any]) -> list[dict[str, Any]]:
    logs = root_client(endpoint, "logs", HUB)
    events = logs.filter_log_events(logGroupName=rollout["hub"]["OrganizationLogGroupName"])["events"]
    return [json.loads(e["message"]) for e in events]


@pytest.mark.rust_binaries
@pytest.mark.parametrize("region", REGIONS)
def test_a_member_accounts_cleanup_report_lands_in_the_hubs_log_group(
    endpoint: str, control: Callable[..., Any], rollout: dict[str, Any], region: str
) -> None:
    member = rollout["members"]["a"][1]
    lam = member_client(endpoint, member, "lambda", region)
    schedule = json.loads((ROOT / "events" / "studio-cleanup" / "scheduled.json").read_text())
    # Something for the run to warn of: an expired notebook instance of the member account.
    notebook = unique("expired-notebook")
    member_client(endpoint, member, "sagemaker", region).create_notebook_instance(
        NotebookInstanceName=notebook, InstanceType="ml.t3.medium",
        RoleArn=f"arn:aws:iam::{member}:role/studio-execution",
        Tags=[{"Key": "expires-at", "Value": "2024-01-01T00:00:00Z"}])

    answer = lam.invoke(FunctionName=f"{rollout['prefix']}-studio-cleanup",
                        Payload=json.dumps(schedule).encode())

    assert "FunctionError" not in answer, answer["Payload"].read()
    report = json.loads(answer["Payload"].read())
    mine = [m for m in hub_messages(endpoint, rollout)
            if m["account"] == member and m["detail"]["run"] == report["started_at"]]
    assert [(m["source"], m["detail-type"], m["detail"]["dryRun"]) for m in mine] == [
        ("studio-catalog.cleanup", "Studio Cleanup Report", False)]
    assert mine[0]["region"] == HUB, "the hub's bus is in the hub region"
    # The member's counts arrive; the notebook's name does not.
    expired = [r for r in mine[0]["detail"]["rules"]
               if (r["rule"], r["resourceType"]) == ("expired", "notebook_instance")]
    assert [(r["scanned"], r["warned"], r["acted"]) for r in expired] == [(1, 1, 0)], mine[0]
    assert notebook not in json.dumps(mine[0])
    # Only the report leaves the account: its warnings and actions do not.
    assert {m["detail-type"] for m in hub_messages(endpoint, rollout)} == {"Studio Cleanup Report"}


@pytest.mark.rust_binaries
def test_the_hub_dashboard_queries_the_log_group_with_log_widgets(
    endpoint: str, rollout: dict[str, Any]
) -> None:
    body = json.loads(root_client(endpoint, "cloudwatch", HUB).get_dashboard(
        DashboardName=rollout["hub"]["OrganizationDashboardName"])["DashboardBody"])
    group = rollout["hub"]["OrganizationLogGroupName"]
    queries = [w["properties"] for w in body["widgets"] if w["type"] == "log"]
    assert len(queries) >= 3
    for properties in queries:
        assert properties["query"].startswith(f"SOURCE '{group}' |")
        assert properties["region"] == HUB
        assert "Studio Cleanup Report" in properties["query"]
    assert any("by e.account as account, r.rule" in p["query"] for p in queries)


# --------------------------------------------------------------------------
# The artefact bucket: the organisation reads it, nobody else
# --------------------------------------------------------------------------


def function_from(bucket: str, key: str) -> str:
    return json.dumps({"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}}},
        "Function": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "provided.al2023", "Handler": "bootstrap", "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"S3Bucket": bucket, "S3Key": key}}},
    }})


@pytest.mark.rust_binaries
def test_the_artefact_bucket_admits_the_organisations_accounts_and_refuses_others(
    endpoint: str, control: Callable[..., Any], rollout: dict[str, Any]
) -> None:
    bucket, key = rollout["buckets"][HUB], rollout["keys"]["StudioDomainCodeKey"]
    outcomes = {}
    for who, account in (("member", rollout["members"]["b"][0]), ("outsider", OUTSIDER)):
        cfn = member_client(endpoint, account, "cloudformation", HUB)
        stack = unique(f"reads-{who}")
        cfn.create_stack(StackName=stack, TemplateBody=function_from(bucket, key),
                         Capabilities=["CAPABILITY_IAM"])
        described = wait_for_stack(cfn, stack, timeout=60)
        failed = [e.get("ResourceStatusReason") or "" for e in
                  cfn.describe_stack_events(StackName=stack)["StackEvents"]
                  if e["ResourceStatus"] == "CREATE_FAILED" and e["LogicalResourceId"] == "Function"]
        outcomes[who] = (described["StackStatus"], failed)

    assert outcomes["member"] == ("CREATE_COMPLETE", [])
    status, [reason] = outcomes["outsider"]
    assert status == "ROLLBACK_COMPLETE"
    assert "s3:GetObject" in reason and bucket in reason


@pytest.mark.rust_binaries
def test_the_bucket_policy_reads_only_below_the_prefix_for_the_organisation(
    endpoint: str, rollout: dict[str, Any]
) -> None:
    policy = json.loads(root_client(endpoint, "s3", SECOND).get_bucket_policy(
        Bucket=rollout["buckets"][SECOND])["Policy"])
    allowed = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert [(s["Action"], s["Resource"], s["Condition"]) for s in allowed] == [(
        "s3:GetObject", f"arn:aws:s3:::{rollout['buckets'][SECOND]}/{PREFIX}/*",
        {"StringEquals": {"aws:PrincipalOrgID": rollout["org_id"]}})]
    [deny] = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


# --------------------------------------------------------------------------
# Static: what of another account core.yaml may name
# --------------------------------------------------------------------------


def strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for item in node for s in strings(item)]
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    return []


def refs(node: Any) -> list[str]:
    if isinstance(node, list):
        return [r for item in node for r in refs(item)]
    if isinstance(node, dict):
        found = [node["Ref"]] if set(node) == {"Ref"} and isinstance(node["Ref"], str) else []
        return found + [r for value in node.values() for r in refs(value)]
    return []


def test_core_yaml_names_no_other_account_except_through_the_bucket_and_the_hub_bus() -> None:
    core = load_template(CORE)
    resources = core["Resources"]
    text = [s for s in strings(resources)]
    # No account id written down.
    assert not [s for s in text if re.search(r"(?<![0-9])[0-9]{12}(?![0-9])", s)]
    # Every ARN it writes is of this account, or account-less (S3, IAM's global ones), or any
    # account (`*`: the grant function's reads of a catalog a grant names by CatalogId, #13
    # item 7) -- never a parameter's account.
    for value in text:
        plain = (value.replace("${AWS::Partition}", "aws").replace("${AWS::Region}", "REGION")
                 .replace("${AWS::AccountId}", "ACCOUNT"))
        for account in re.findall(r"arn:aws:[a-z0-9-]+:[^:]*:([^:]*):", plain):
            assert account in ("ACCOUNT", "", "*"), value
    # The parameters that can carry another account's resource, and where they go.
    outside = {"CodeBucket", "OrganizationEventBusArn"}
    for name, resource in resources.items():
        used = set(refs(resource.get("Properties", {})))
        for parameter in outside & used:
            assert (parameter, name) in {
                ("CodeBucket", "CodeBucketParameter"),
                ("OrganizationEventBusArn", "CleanupReportForwardingRole"),
                ("OrganizationEventBusArn", "CleanupReportForwardingRule"),
            } or (parameter == "CodeBucket" and resource["Type"] == "AWS::Lambda::Function"), (
                parameter, name)
    # No parameter other than those (and the KMS key of this account's logs) is an ARN.
    arn_parameters = {k for k, v in core["Parameters"].items()
                      if "arn:" in str(v.get("AllowedPattern", "")) or k.endswith("Arn")}
    assert arn_parameters <= {"OrganizationEventBusArn", "LogsKmsKeyArn"}, arn_parameters


# --------------------------------------------------------------------------
# An account that joins later: auto-deployment alone makes its core right in every region
# --------------------------------------------------------------------------


@pytest.mark.rust_binaries
def test_an_account_that_joins_an_ou_later_gets_a_correct_core_in_every_region(
    endpoint: str, rollout: dict[str, Any]
) -> None:
    """StackSets deploys to an account that joins a target OU with the stack set's own parameters
    and no overrides (CloudFormation API Reference, UpdateStackInstances: "Accounts added to the
    target OUs and their child OUs in the future won't use the overridden values"), so core.yaml's
    rollout parameters must be right in every region: ``CodeBucketPerRegion`` picks the region's
    bucket, ``AccountWideResources`` = the first region creates the IAM names there only."""
    organizations = rollout["organizations"]
    joiner = organizations.create_account(
        AccountName=unique("joiner"), Email=f"{unique('j')}@example.com")[
        "CreateAccountStatus"]["AccountId"]
    organizations.move_account(AccountId=joiner, SourceParentId=rollout["root"],
                               DestinationParentId=rollout["ou_a"])
    deadline = time.monotonic() + 300
    while True:
        mine = [s for s in rollout["cfn"].list_stack_instances(
            StackSetName=rollout["stack_set"])["Summaries"] if s["Account"] == joiner]
        if len(mine) == len(REGIONS) and all(s["Status"] == "CURRENT" for s in mine):
            break
        assert time.monotonic() < deadline, [(s["Region"], s["Status"], s.get("StatusReason"))
                                             for s in mine]
        time.sleep(0.2)
    for region in REGIONS:
        ssm = member_client(endpoint, joiner, "ssm", region)
        bucket = ssm.get_parameter(Name=f"/{rollout['prefix']}/code/bucket")["Parameter"]["Value"]
        assert bucket == rollout["buckets"][region]
    iam = member_client(endpoint, joiner, "iam", HUB)
    assert sorted(iam.list_role_policies(RoleName=f"{rollout['prefix']}-launch")["PolicyNames"]) == [
        "code-buckets", "provision-studio-catalog-products"]
