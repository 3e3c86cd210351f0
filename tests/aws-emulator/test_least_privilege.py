"""The least-privilege report (issue #13): the emulator's sink of exercised grants
(studio_emulator/iam/exercised.py) and the report tool (least_privilege.py).

The sink's tests run against the suite's server with the sink pointed at a directory of their
own (``POST config {"iam_exercised_dir": ...}``; the value the server had is put back after each
test). The tool's tests use small templates and records written by the test.
"""

from __future__ import annotations

import glob
import json
import os
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import least_privilege
from emulator_client import (
    ACCOUNT,
    allow,
    client,
    delete_stack,
    function_zip,
    iam_user,
    policy_document,
    reset_for_suite,
    signed_client,
    unique,
    wait_for_stack,
)

pytestmark = pytest.mark.transition_seconds(0.05)


# --------------------------------------------------------------------------
# The sink
# --------------------------------------------------------------------------
@pytest.fixture
def sink(
    control: Callable[..., Any], tmp_path: Any
) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Points the server's sink at a directory of this test; yields a reader of its records."""
    before = control("GET", "config").get("iam_exercised_dir")
    directory = str(tmp_path / "exercised")
    control("POST", "config", {"iam_exercised_dir": directory})

    def records() -> list[dict[str, Any]]:
        found = []
        for path in sorted(glob.glob(os.path.join(directory, "exercised-*.jsonl"))):
            with open(path, encoding="utf-8") as handle:
                found += [json.loads(line) for line in handle if line.strip()]
        return found

    records.directory = directory  # type: ignore[attr-defined]
    records.environment = before  # type: ignore[attr-defined]  # the server's own value
    try:
        yield records
    finally:
        control("POST", "config", {"iam_exercised_dir": before})


def trust_account() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                       "Action": "sts:AssumeRole"}],
    }


def role_stack_template(role_name: str, description: str) -> str:
    return json.dumps({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": description,
        "Resources": {
            "Reader": {
                "Type": "AWS::IAM::Role",
                "DeletionPolicy": "Retain",
                "Properties": {
                    "RoleName": role_name,
                    "AssumeRolePolicyDocument": trust_account(),
                    "Policies": [{"PolicyName": "list-buckets", "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{"Sid": "ListThem", "Effect": "Allow",
                                       "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
                    }}],
                },
            },
            "ReaderTopics": {
                "Type": "AWS::IAM::Policy",
                "DeletionPolicy": "Retain",
                "Properties": {
                    "PolicyName": "list-topics",
                    "Roles": [{"Ref": "Reader"}],
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "sns:ListTopics", "Resource": "*"}]},
                },
            },
            "Users": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                        {"Sid": "ListQueues", "Effect": "Allow", "Action": "sqs:ListQueues",
                         "Resource": "*"}]},
                },
            },
        },
        "Outputs": {"UsersPolicy": {"Value": {"Ref": "Users"}}},
    })


def deployed(endpoint: str, description: str) -> tuple[str, str, str]:
    """A stack of :func:`role_stack_template`: (stack id, role ARN, managed policy ARN)."""
    cfn = client(endpoint, "cloudformation")
    role_name = unique("lp-reader")
    stack_id = cfn.create_stack(
        StackName=unique("lp-stack"), TemplateBody=role_stack_template(role_name, description),
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )["StackId"]
    described = wait_for_stack(cfn, stack_id)
    assert described["StackStatus"] == "CREATE_COMPLETE", described
    policy = described["Outputs"][0]["OutputValue"]
    return stack_id, f"arn:aws:iam::{ACCOUNT}:role/{role_name}", policy


def assumed(endpoint: str, role_arn: str, service: str) -> Any:
    creds = client(endpoint, "sts").assume_role(RoleArn=role_arn, RoleSessionName="lp")[
        "Credentials"
    ]
    return signed_client(
        endpoint, service, (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    )


def test_an_allowed_call_of_a_stack_role_names_the_template_the_role_and_the_statement(
    endpoint: str, sink: Callable[[], list[dict[str, Any]]]
) -> None:
    stack_id, role_arn, _ = deployed(endpoint, "least-privilege sink test:   one role")
    assumed(endpoint, role_arn, "s3").list_buckets()

    [record] = [r for r in sink() if r["action"] == "s3:ListAllMyBuckets"]
    assert record["role"] == role_arn
    assert record["operation"] == "ListBuckets"
    [grant] = record["grants"]
    assert grant["policy_name"] == "list-buckets"
    assert grant["sid"] == "ListThem"
    assert grant["origin"]["template"] == "least-privilege sink test: one role"  # normalised
    assert grant["origin"]["logical_id"] == "Reader"
    assert grant["origin"]["resource_type"] == "AWS::IAM::Role"
    assert grant["origin"]["stack"] in stack_id


def test_a_grant_of_an_attached_iam_policy_resource_names_that_resource(
    endpoint: str, sink: Callable[[], list[dict[str, Any]]]
) -> None:
    _, role_arn, _ = deployed(endpoint, "least-privilege sink test: attached policy")
    assumed(endpoint, role_arn, "sns").list_topics()

    [record] = [r for r in sink() if r["action"] == "sns:ListTopics"]
    [grant] = record["grants"]
    assert grant["policy_name"] == "list-topics"
    assert grant["origin"]["logical_id"] == "Reader"
    assert grant["origin"]["policy_logical_id"] == "ReaderTopics"


def test_a_managed_policy_grant_to_a_principal_no_template_owns_names_the_policy_resource(
    endpoint: str, sink: Callable[[], list[dict[str, Any]]]
) -> None:
    _, _, policy_arn = deployed(endpoint, "least-privilege sink test: managed policy")
    name = unique("lp-user")
    key = iam_user(endpoint, name)
    client(endpoint, "iam").attach_user_policy(UserName=name, PolicyArn=policy_arn)
    signed_client(endpoint, "sqs", key).list_queues()

    [record] = [r for r in sink() if r["action"] == "sqs:ListQueues"]
    assert record["role"] is None
    assert record["principal"] == f"arn:aws:iam::{ACCOUNT}:user/{name}"
    [grant] = record["grants"]
    assert grant["policy"] == policy_arn
    assert grant["origin"]["logical_id"] == "Users"
    assert grant["origin"]["resource_type"] == "AWS::IAM::ManagedPolicy"


def test_a_role_kept_by_a_deleted_stack_still_resolves_to_that_stack(
    endpoint: str, sink: Callable[[], list[dict[str, Any]]]
) -> None:
    stack_id, role_arn, _ = deployed(endpoint, "least-privilege sink test: deleted stack")
    assert delete_stack(client(endpoint, "cloudformation"), stack_id)["StackStatus"] == (
        "DELETE_COMPLETE"
    )
    assumed(endpoint, role_arn, "s3").list_buckets()

    [record] = [r for r in sink() if r["action"] == "s3:ListAllMyBuckets"]
    assert record["grants"][0]["origin"]["logical_id"] == "Reader"
    assert record["grants"][0]["origin"]["template"] == (
        "least-privilege sink test: deleted stack"
    )


def test_refused_calls_root_calls_and_roles_of_no_stack_are_not_credited(
    endpoint: str, sink: Callable[[], list[dict[str, Any]]]
) -> None:
    _, role_arn, _ = deployed(endpoint, "least-privilege sink test: refusals")
    with pytest.raises(Exception, match="AccessDenied"):
        assumed(endpoint, role_arn, "sqs").list_queues()  # not granted to the role
    client(endpoint, "s3").list_buckets()  # the account root
    iam = client(endpoint, "iam")
    loose = unique("lp-loose")
    arn = iam.create_role(RoleName=loose, AssumeRolePolicyDocument=json.dumps(trust_account()))[
        "Role"]["Arn"]
    iam.put_role_policy(RoleName=loose, PolicyName="p",
                        PolicyDocument=policy_document(allow("s3:ListAllMyBuckets")))
    assumed(endpoint, arn, "s3").list_buckets()

    records = sink()
    assert not [r for r in records if r["action"] == "sqs:ListQueues"]
    assert not [r for r in records if "root" in r["principal"]]
    [loose_record] = [r for r in records if r["role"] == arn]
    assert loose_record["grants"][0]["origin"] is None


def test_a_request_refused_for_one_of_its_authorisations_credits_none_of_them(
    endpoint: str, sink: Callable[[], list[dict[str, Any]]]
) -> None:
    cfn = client(endpoint, "cloudformation")
    role_name = unique("lp-creator")
    template = json.dumps({
        "Description": "least-privilege sink test: a create without PassRole",
        "Resources": {"Creator": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": role_name, "AssumeRolePolicyDocument": trust_account(),
            "Policies": [{"PolicyName": "create", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*"}]}}],
        }}},
    })
    stack_id = cfn.create_stack(StackName=unique("lp-create"), TemplateBody=template,
                                Capabilities=["CAPABILITY_NAMED_IAM"])["StackId"]
    assert wait_for_stack(cfn, stack_id)["StackStatus"] == "CREATE_COMPLETE"
    lam = assumed(endpoint, f"arn:aws:iam::{ACCOUNT}:role/{role_name}", "lambda")
    with pytest.raises(Exception, match="iam:PassRole"):
        lam.create_function(
            FunctionName=unique("lp-fn"), Runtime="provided.al2023", Handler="bootstrap",
            Role=f"arn:aws:iam::{ACCOUNT}:role/{role_name}", Code={"ZipFile": function_zip("")},
        )

    assert not [r for r in sink() if r["action"] == "lambda:CreateFunction"]


def test_calls_cloudformation_makes_under_a_stack_role_are_recorded_with_the_service(
    endpoint: str, sink: Callable[[], list[dict[str, Any]]]
) -> None:
    cfn = client(endpoint, "cloudformation")
    role_name = unique("lp-cfn")
    template = json.dumps({
        "Description": "least-privilege sink test: a service role",
        "Resources": {"ServiceRole": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": role_name,
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "cloudformation.amazonaws.com"},
                "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "parameters", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "ssm:*Parameter*", "Resource": "*"}]}}],
        }}},
    })
    first = cfn.create_stack(StackName=unique("lp-role"), TemplateBody=template,
                             Capabilities=["CAPABILITY_NAMED_IAM"])["StackId"]
    assert wait_for_stack(cfn, first)["StackStatus"] == "CREATE_COMPLETE"
    second = cfn.create_stack(
        StackName=unique("lp-param"),
        RoleARN=f"arn:aws:iam::{ACCOUNT}:role/{role_name}",
        TemplateBody=json.dumps({"Resources": {"P": {"Type": "AWS::SSM::Parameter", "Properties": {
            "Type": "String", "Value": "v", "Name": unique("/lp/p", "-")}}}}),
    )["StackId"]
    assert wait_for_stack(cfn, second)["StackStatus"] == "CREATE_COMPLETE"

    puts = [r for r in sink() if r["action"] == "ssm:PutParameter"]
    assert puts and all(r["via"] == "cloudformation" for r in puts)
    assert puts[0]["grants"][0]["origin"]["logical_id"] == "ServiceRole"


def test_the_reset_keeps_the_environments_directory_and_forgets_what_it_resolved(
    endpoint: str, control: Callable[..., Any], sink: Callable[[], list[dict[str, Any]]]
) -> None:
    cfn = client(endpoint, "cloudformation")
    role_name = unique("lp-reused")
    for description in ("least-privilege sink test: first", "least-privilege sink test: second"):
        stack_id = cfn.create_stack(
            StackName=unique("lp-reuse"), TemplateBody=role_stack_template(role_name, description),
            Capabilities=["CAPABILITY_NAMED_IAM"],
        )["StackId"]
        assert wait_for_stack(cfn, stack_id)["StackStatus"] == "CREATE_COMPLETE"
        assumed(endpoint, f"arn:aws:iam::{ACCOUNT}:role/{role_name}", "s3").list_buckets()
        if description.endswith("first"):
            control("POST", "config", {"iam_exercised_dir": None})
            reset_for_suite(control)
            environment = sink.environment  # type: ignore[attr-defined]
            assert control("GET", "config")["iam_exercised_dir"] == environment
            control("POST", "config", {"iam_exercised_dir": sink.directory})  # type: ignore[attr-defined]

    templates = [r["grants"][0]["origin"]["template"] for r in sink()
                 if r["action"] == "s3:ListAllMyBuckets"]
    assert templates == ["least-privilege sink test: first", "least-privilege sink test: second"]


# --------------------------------------------------------------------------
# The report tool
# --------------------------------------------------------------------------
TEMPLATE = """\
Description: a small product
Resources:
  Worker:
    Type: AWS::IAM::Role
    Metadata:
      {reasons}
    Properties:
      AssumeRolePolicyDocument: {{Version: "2012-10-17", Statement: []}}
      Policies:
        - PolicyName: work
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Sid: Read
                Effect: Allow
                Action: [s3:GetObject, s3:ListBucket]
                Resource: "*"
              - Sid: Lists
                Effect: Allow
                Action: sagemaker:List*
                Resource: "*"
              - Sid: NeverThis
                Effect: Deny
                Action: s3:DeleteObject
                Resource: "*"
  Extra:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref Worker]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: logs:PutLogEvents
            Resource: "*"
  ForOthers:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Sid: SignIn
            Effect: Allow
            Action: sagemaker:CreatePresignedDomainUrl
            Resource: "*"
"""


def write_template(tmp_path: Any, reasons: dict[str, str] | None = None) -> str:
    metadata = (
        "studio-catalog:grant-reasons: " + json.dumps(reasons) if reasons else "{}"
    )
    path = tmp_path / "product.yaml"
    path.write_text(TEMPLATE.format(reasons=metadata))
    return str(path)


def grant(logical_id: str, resource_type: str, policy_name: str | None, sid: str | None,
          index: int, policy: str = "", description: str = "a small product") -> dict[str, Any]:
    return {"policy": policy, "policy_name": policy_name, "sid": sid, "index": index,
            "origin": {"template": description, "stack": "s", "logical_id": logical_id,
                       "resource_type": resource_type, "policy_logical_id": None}}


def call(action: str, *grants: dict[str, Any], operation: str = "Op") -> dict[str, Any]:
    return {"action": action, "service": action.split(":")[0].lower(), "operation": operation,
            "via": None, "principal": "p", "role": "r", "grants": list(grants)}


EVERYTHING = [
    call("s3:GetObject", grant("Worker", "AWS::IAM::Role", "work", "Read", 1),
         operation="GetObject"),
    call("s3:ListBucket", grant("Worker", "AWS::IAM::Role", "work", "Read", 1)),
    call("sagemaker:ListApps", grant("Worker", "AWS::IAM::Role", "work", "Lists", 2)),
    call("logs:PutLogEvents", grant("Worker", "AWS::IAM::Role", "extra", None, 1)),
    call("sagemaker:CreatePresignedDomainUrl",
         grant("ForOthers", "AWS::IAM::ManagedPolicy", None, "SignIn", 1)),
]


def run_report(tmp_path: Any, template: str, records: list[dict[str, Any]],
               capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any], str]:
    directory = tmp_path / "records"
    directory.mkdir(exist_ok=True)
    (directory / "exercised-1.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "report.json"
    status = least_privilege.main(["--records", str(directory), "--json", str(out),
                                   "--markdown", str(tmp_path / "report.md"), template])
    return status, json.loads(out.read_text()) if out.exists() else {}, capsys.readouterr().err


def test_every_grant_exercised_passes_and_deny_statements_grant_nothing(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    status, data, err = run_report(tmp_path, write_template(tmp_path), EVERYTHING, capsys)

    assert status == 0, err
    assert data["problems"] == []
    assert {g["action"] for g in data["grants"]} == {
        "s3:GetObject", "s3:ListBucket", "sagemaker:List*", "logs:PutLogEvents",
        "sagemaker:CreatePresignedDomainUrl",
    }
    get = next(g for g in data["grants"] if g["action"] == "s3:GetObject")
    assert get["calls"] == {"s3:GetObject": 1} and get["resource"] == "Worker"
    others = next(g for g in data["grants"] if g["resource"] == "ForOthers")
    assert others["resource_type"] == "AWS::IAM::ManagedPolicy" and others["exercised"]
    counts = [(s["resource"], s["granted"], s["exercised"], s["unexplained"])
              for s in data["summary"]]
    assert counts == [("Worker", 4, 4, 0), ("ForOthers", 1, 1, 0)]


def test_a_granted_action_no_test_exercised_fails_naming_it(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [r for r in EVERYTHING if r["action"] != "s3:ListBucket"]
    status, data, err = run_report(tmp_path, write_template(tmp_path), records, capsys)

    assert status == 1
    [problem] = data["problems"]
    assert "Worker" in problem and "s3:ListBucket" in problem and "no reason" in problem
    assert "s3:ListBucket" in err


def test_a_written_reason_excuses_a_grant_no_test_exercised(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [r for r in EVERYTHING if r["action"] != "s3:ListBucket"]
    template = write_template(tmp_path, {"s3:ListBucket": "Studio lists the bucket itself."})
    status, data, err = run_report(tmp_path, template, records, capsys)

    assert status == 0, err
    row = next(g for g in data["grants"] if g["action"] == "s3:ListBucket")
    assert not row["exercised"] and row["reason"] == "Studio lists the bucket itself."


def test_a_wildcard_grant_is_exercised_by_an_action_it_matches_in_any_case(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [r for r in EVERYTHING if not r["action"].startswith("sagemaker:List")]
    records.append(
        call("SageMaker:listspaces", grant("Worker", "AWS::IAM::Role", "work", "Lists", 2))
    )
    status, data, err = run_report(tmp_path, write_template(tmp_path), records, capsys)

    assert status == 0, err
    row = next(g for g in data["grants"] if g["action"] == "sagemaker:List*")
    assert row["calls"] == {"sagemaker:Op": 1}
    assert least_privilege.action_matches("sagemaker:List*", "sagemaker:ListApps")
    assert not least_privilege.action_matches("sagemaker:List*", "sagemaker:DescribeApp")
    assert least_privilege.action_matches("s3:Get?bject", "S3:GETOBJECT")


def test_a_stale_reason_fails(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    template = write_template(tmp_path, {"s3:PutObject": "no longer granted"})
    status, data, _ = run_report(tmp_path, template, EVERYTHING, capsys)

    assert status == 1
    [problem] = data["problems"]
    assert "stale reason for s3:PutObject" in problem


def test_an_empty_reason_excuses_nothing(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    records = [r for r in EVERYTHING if r["action"] != "s3:ListBucket"]
    status, data, _ = run_report(tmp_path, write_template(tmp_path, {"s3:ListBucket": " "}),
                                 records, capsys)

    assert status == 1
    assert any("s3:ListBucket" in p and "no reason" in p for p in data["problems"])


def test_a_call_of_another_template_or_another_statement_credits_nothing(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [r for r in EVERYTHING if r["action"] != "s3:GetObject"] + [
        call("s3:GetObject", grant("Worker", "AWS::IAM::Role", "work", "Read", 1,
                                   description="another product")),
        call("s3:GetObject", grant("Worker", "AWS::IAM::Role", "some-other-policy", "Read", 1)),
        call("s3:GetObject",
             {**grant("Worker", "AWS::IAM::Role", "work", "Read", 1), "origin": None}),
    ]
    status, data, _ = run_report(tmp_path, write_template(tmp_path), records, capsys)

    assert status == 1
    assert [p for p in data["problems"] if "s3:GetObject" in p]
    assert data["records"]["other"] == 3


def test_no_record_at_all_is_an_input_error(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run_report(tmp_path, write_template(tmp_path), [], capsys)

    assert status == 2
    assert "STUDIO_EMULATOR_EXERCISED_DIR" in err


def test_the_markdown_report_has_the_summary_and_each_grant(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [r for r in EVERYTHING if r["action"] != "s3:ListBucket"]
    template = write_template(tmp_path, {"s3:ListBucket": "a reason | with a bar"})
    run_report(tmp_path, template, records, capsys)
    text = (tmp_path / "report.md").read_text()

    assert "| `" in text and "| Worker | 4 | 3 | 1 | 0 |" in text
    assert "| work / Read | `s3:ListBucket` | no | a reason \\| with a bar |" in text
    assert "| work / Read | `s3:GetObject` | yes | s3:GetObject ×1 |" in text
    assert textwrap.dedent(text).count("## ") == 2  # one section per role or policy


def test_the_reasons_only_check_needs_no_records_and_fails_on_a_stale_reason(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh = write_template(tmp_path, {"s3:ListBucket": "Studio lists the bucket itself."})
    assert least_privilege.main(["--reasons-only", fresh]) == 0

    stale = write_template(tmp_path, {"s3:PutObject": "no longer granted"})
    assert least_privilege.main(["--reasons-only", stale]) == 1
    assert "stale reason for s3:PutObject" in capsys.readouterr().err


def test_the_projects_templates_carry_no_stale_reason() -> None:
    assert least_privilege.main(["--reasons-only"]) == 0


def test_a_reason_for_an_exercised_grant_is_reported_as_no_longer_needed_without_failing(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    template = write_template(tmp_path, {"s3:ListBucket": "Studio lists the bucket itself."})
    status, data, _ = run_report(tmp_path, template, EVERYTHING, capsys)

    assert status == 0
    [note] = data["needless_reasons"]
    assert "s3:ListBucket is exercised" in note
    assert "## Reasons no longer needed" in (tmp_path / "report.md").read_text()


def test_an_inline_policy_whose_name_the_template_computes_is_matched_by_its_actions(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "computed.yaml"
    path.write_text(textwrap.dedent("""\
        Description: a small product
        Resources:
          Worker:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}
              Policies:
                - PolicyName: !Sub "${AWS::StackName}-work"
                  PolicyDocument:
                    Version: "2012-10-17"
                    Statement:
                      - Effect: Allow
                        Action: s3:GetObject
                        Resource: "*"
        """))
    records = [call("s3:GetObject", grant("Worker", "AWS::IAM::Role", "stack-1-work", None, 1))]
    status, data, err = run_report(tmp_path, str(path), records, capsys)

    assert status == 0, err
    assert data["grants"][0]["calls"] == {"s3:Op": 1}


def test_an_attached_policy_whose_name_the_template_computes_is_matched_by_its_actions(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """core.yaml's LaunchRoleRegionalCode (issue #16): an AWS::IAM::Policy named per region,
    put on a role the stack may not own (Roles: !If ...), recorded with the role as origin and
    no policy_logical_id."""
    path = tmp_path / "attached.yaml"
    path.write_text(textwrap.dedent("""\
        Description: a small product
        Conditions:
          Creates: !Equals [!Ref "AWS::Region", us-east-1]
        Resources:
          Worker:
            Type: AWS::IAM::Role
            Condition: Creates
            Properties:
              RoleName: worker
              AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}
          Regional:
            Type: AWS::IAM::Policy
            Properties:
              PolicyName: !Sub code-${AWS::Region}
              Roles:
                - !If [Creates, !Ref Worker, worker]
              PolicyDocument:
                Version: "2012-10-17"
                Statement:
                  - Sid: Code
                    Effect: Allow
                    Action: s3:GetObject
                    Resource: "*"
        """))
    records = [call("s3:GetObject", grant("Worker", "AWS::IAM::Role", "code-us-east-1", "Code", 1))]
    status, data, err = run_report(tmp_path, str(path), records, capsys)

    assert status == 0, err
    assert [(g["statement"], g["calls"]) for g in data["grants"]] == [
        ("Regional / Code", {"s3:Op": 1})]


def _open_list(tmp_path: Any, *entries: dict[str, str]) -> str:
    path = tmp_path / "open.json"
    path.write_text(json.dumps(list(entries)))
    return str(path)


def _list_bucket_entry(template: str, why: str = "no test lists the bucket yet") -> dict[str, str]:
    """The open-list entry of the small template's ``s3:ListBucket`` grant."""
    [row] = [r for r in least_privilege.rows(least_privilege.load_template(template))
             if r.action == "s3:ListBucket"]
    return {"template": row.template, "resource": row.resource, "statement": row.statement,
            "action": row.action, "why": why}


def _report_with_open(tmp_path: Any, records: list[dict[str, Any]], open_path: str,
                      capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    directory = tmp_path / "records"
    directory.mkdir(exist_ok=True)
    (directory / "exercised-1.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    markdown_path = tmp_path / "report.md"
    status = least_privilege.main(["--records", str(directory), "--open", open_path,
                                   "--markdown", str(markdown_path), *extra,
                                   write_template(tmp_path)])
    return status, markdown_path.read_text() + capsys.readouterr().err


def test_a_grant_in_the_open_list_is_not_yet_proven_instead_of_a_failure(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    template = write_template(tmp_path)
    entry = _list_bucket_entry(template)
    records = [r for r in EVERYTHING if r["action"] != "s3:ListBucket"]

    status, text = _report_with_open(tmp_path, records, _open_list(tmp_path, entry), capsys)

    assert status == 0, text
    assert "## Not yet proven" in text and "no test lists the bucket yet" in text
    assert "| `" in text.split("## Not yet proven")[1]


def test_an_open_entry_whose_grant_is_now_exercised_fails_so_the_list_only_shrinks(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    template = write_template(tmp_path)
    entry = _list_bucket_entry(template)

    status, text = _report_with_open(tmp_path, EVERYTHING, _open_list(tmp_path, entry), capsys)

    assert status == 1
    assert "s3:ListBucket is in the not-yet-proven list but now exercised: remove the entry" in text


def test_an_open_entry_for_a_grant_that_is_gone_or_without_its_why_fails(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    template = write_template(tmp_path)
    gone = {**_list_bucket_entry(template), "action": "s3:PutObject"}
    no_why = _list_bucket_entry(template, why="")
    records = [r for r in EVERYTHING if r["action"] != "s3:ListBucket"]

    status, text = _report_with_open(tmp_path, records, _open_list(tmp_path, gone, no_why), capsys)

    assert status == 1
    assert "s3:PutObject is in the not-yet-proven list but no longer granted" in text
    assert "s3:ListBucket is in the not-yet-proven list without its why" in text


def test_write_open_lists_the_unexplained_grants_keeping_each_why(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    template = write_template(tmp_path)
    entry = _list_bucket_entry(template)
    records = [r for r in EVERYTHING if r["action"] not in ("s3:ListBucket", "logs:PutLogEvents")]
    written = tmp_path / "written.json"

    _report_with_open(tmp_path, records, _open_list(tmp_path, entry), capsys,
                      "--write-open", str(written))

    listed = {(e["action"], e["why"]) for e in json.loads(written.read_text())}
    assert listed == {("s3:ListBucket", "no test lists the bucket yet"), ("logs:PutLogEvents", "")}
