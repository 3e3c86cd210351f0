"""Custom resources and stack operations as CloudFormation runs them
(studio_emulator/cloudformation/custom_resources.py, stacks.py, parameters.py).

The provider is the fixture function ``functions/cfn-recorder`` (a real process under the
emulator's Lambda executor): it logs every request it receives to an S3 bucket and answers
as the resource's properties tell it.

Run: .venv/bin/python -m pytest -q tests/aws-emulator/test_cloudformation_custom_resources.py
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import (
    RECORDER_STATEMENTS,
    REGION,
    Recorder,
    allow,
    client,
    delete_stack,
    error,
    function_logging,
    function_zip,
    policy_document,
    recorder_function,
    trust_policy,
    unique,
    wait_for,
    wait_for_stack,
)

FIXTURE = "cfn-recorder"


@pytest.fixture(scope="module")
def provider(endpoint: str) -> str:
    """The ServiceToken: the recorder's function ARN."""
    return recorder_function(client(endpoint, "lambda"))


@pytest.fixture()
def recorder(endpoint: str, provider: str) -> Recorder:
    """The provider, logging to a bucket of this test's own."""
    return Recorder.start(endpoint, provider)


class Stack:
    """One test's stack: its template's custom resources all log to the test's recorder."""

    def __init__(self, cfn: Any, recorder: Recorder) -> None:
        self.cfn, self.recorder = cfn, recorder
        self.s3, self.provider, self.log = recorder.s3, recorder.provider, recorder.log
        self.name = unique("stack")
        self.stack_id = ""
        self.custom = recorder.resource
        self.requests = recorder.requests
        self.sequence = recorder.sequence
        self.release = recorder.release

    def create(self, resources: dict[str, Any], wait: bool = True, **options: Any) -> dict[str, Any]:
        template = {"Resources": resources, **options.pop("template", {})}
        self.stack_id = self.cfn.create_stack(
            StackName=self.name, TemplateBody=json.dumps(template), **options
        )["StackId"]
        return wait_for_stack(self.cfn, self.stack_id) if wait else {}

    def update(self, resources: dict[str, Any], **options: Any) -> dict[str, Any]:
        template = {"Resources": resources, **options.pop("template", {})}
        self.cfn.update_stack(StackName=self.stack_id, TemplateBody=json.dumps(template), **options)
        return wait_for_stack(self.cfn, self.stack_id)

    def events(self) -> list[dict[str, Any]]:
        """The stack's events, oldest first."""
        return list(reversed(self.cfn.describe_stack_events(StackName=self.stack_id)["StackEvents"]))

    def statuses(self, logical_id: str) -> list[str]:
        return [e["ResourceStatus"] for e in self.events() if e["LogicalResourceId"] == logical_id]

    def reason(self, logical_id: str, status: str) -> str:
        return next(
            e["ResourceStatusReason"]
            for e in self.events()
            if e["LogicalResourceId"] == logical_id and e["ResourceStatus"] == status
        )


@pytest.fixture()
def stack(cfn: Any, recorder: Recorder) -> Stack:
    return Stack(cfn, recorder)


def _put(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": ""})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


# --------------------------------------------------------------------------
# The request
# --------------------------------------------------------------------------


def test_create_sends_the_request_cloudformation_sends(
    endpoint: str, stack: Stack, provider: str
) -> None:
    described = stack.create(
        {
            "Thing": {
                "Type": "Custom::Thing",
                "Properties": {
                    "ServiceToken": provider,
                    "LogBucket": stack.log,
                    "Count": 3,
                    "Enabled": True,
                    "Ratio": 1.5,
                    "Items": [1, "a", False],
                    "Nested": {"Size": 14, "Name": "n"},
                },
            }
        }
    )

    assert described["StackStatus"] == "CREATE_COMPLETE"
    [request] = stack.requests()
    assert request["RequestType"] == "Create"
    assert request["ServiceToken"] == provider
    assert request["StackId"] == stack.stack_id
    assert request["LogicalResourceId"] == "Thing"
    assert request["ResourceType"] == "Custom::Thing"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", request["RequestId"])
    assert "PhysicalResourceId" not in request and "OldResourceProperties" not in request
    assert request["ResourceProperties"] == {
        "ServiceToken": provider,
        "LogBucket": stack.log,
        "Count": "3",
        "Enabled": "true",
        "Ratio": "1.5",
        "Items": ["1", "a", "false"],
        "Nested": {"Size": "14", "Name": "n"},
    }
    assert request["ResponseURL"].startswith(
        f"{endpoint}/cloudformation_{REGION}/custom-resource-responses/arn%3Aaws%3Acloudformation"
    )
    assert "X-Amz-Signature=" in request["ResponseURL"]


def test_aws_cloudformation_customresource_is_a_custom_resource(stack: Stack, provider: str) -> None:
    resource = stack.custom()
    resource["Type"] = "AWS::CloudFormation::CustomResource"

    assert stack.create({"Plain": resource})["StackStatus"] == "CREATE_COMPLETE"

    [request] = stack.requests()
    assert request["ResourceType"] == "AWS::CloudFormation::CustomResource"


def test_ref_is_the_physical_id_and_getatt_reads_the_answers_data(stack: Stack) -> None:
    described = stack.create(
        {
            "Source": stack.custom(PhysicalId="source-1", Data=json.dumps({"Arn": "arn:x", "Port": 80})),
            "Copy": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {
                    "Name": f"/{stack.name}/copy",
                    "Type": "String",
                    "Value": {"Fn::Sub": "${Source}|${Source.Arn}"},
                },
            },
            "Reader": stack.custom(Port={"Fn::GetAtt": ["Source", "Port"]}),
        },
        template={"Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Source", "Arn"]}}}},
    )

    assert described["StackStatus"] == "CREATE_COMPLETE"
    assert described["Outputs"] == [{"OutputKey": "Arn", "OutputValue": "arn:x"}]
    value = client(stack.cfn.meta.endpoint_url, "ssm").get_parameter(Name=f"/{stack.name}/copy")
    assert value["Parameter"]["Value"] == "source-1|arn:x"
    assert stack.requests()[-1]["ResourceProperties"]["Port"] == "80"
    resources = stack.cfn.describe_stack_resources(StackName=stack.stack_id)["StackResources"]
    assert {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}["Source"] == "source-1"


def test_a_waiting_custom_resource_is_create_in_progress_until_it_answers(stack: Stack) -> None:
    stack.create(
        {
            "Slow": stack.custom(WaitForRelease="true"),
            "After": stack.custom(Input={"Ref": "Slow"}),
        },
        wait=False,
    )

    wait_for(lambda: stack.statuses("Slow"), ["CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS"], timeout=20)
    initiated = [e for e in stack.events() if e["LogicalResourceId"] == "Slow"][1]
    assert initiated["ResourceStatusReason"] == "Resource creation Initiated"
    assert stack.cfn.describe_stacks(StackName=stack.stack_id)["Stacks"][0]["StackStatus"] == (
        "CREATE_IN_PROGRESS"
    )
    resources = stack.cfn.describe_stack_resources(StackName=stack.stack_id)["StackResources"]
    assert [(r["LogicalResourceId"], r["ResourceStatus"]) for r in resources] == [
        ("Slow", "CREATE_IN_PROGRESS")
    ]
    assert stack.statuses("After") == []
    assert "Outputs" not in stack.cfn.describe_stacks(StackName=stack.stack_id)["Stacks"][0]

    stack.release("Slow")

    assert wait_for_stack(stack.cfn, stack.stack_id)["StackStatus"] == "CREATE_COMPLETE"
    assert stack.statuses("Slow") == ["CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_COMPLETE"]
    assert stack.sequence() == [("Create", "Slow"), ("Create", "After")]
    stack_events = [e["ResourceStatus"] for e in stack.events() if e["LogicalResourceId"] == stack.name]
    assert stack_events == ["CREATE_IN_PROGRESS", "CREATE_COMPLETE"]


def test_resources_are_created_in_dependency_order_and_deleted_in_reverse(stack: Stack) -> None:
    stack.create(
        {
            "Third": stack.custom(depends_on="Second"),
            "Second": stack.custom(Input={"Fn::GetAtt": ["First", "Anything"]}, Data="{}"),
            "First": stack.custom(Data=json.dumps({"Anything": "x"})),
        }
    )

    described = delete_stack(stack.cfn, stack.stack_id)

    assert described["StackStatus"] == "DELETE_COMPLETE"
    assert stack.sequence() == [
        ("Create", "First"),
        ("Create", "Second"),
        ("Create", "Third"),
        ("Delete", "Third"),
        ("Delete", "Second"),
        ("Delete", "First"),
    ]
    deletes = [r for r in stack.requests() if r["RequestType"] == "Delete"]
    assert deletes[-1]["PhysicalResourceId"] == "First-physical"
    assert deletes[-1]["ResourceProperties"]["Data"] == json.dumps({"Anything": "x"})


# --------------------------------------------------------------------------
# The answer
# --------------------------------------------------------------------------


def test_a_failed_answer_fails_the_resource_with_its_reason_and_rolls_back(stack: Stack) -> None:
    described = stack.create(
        {
            "First": stack.custom(),
            "Second": stack.custom(
                depends_on="First", FailOn="Create", Reason="no capacity", PhysicalId="second-1"
            ),
        }
    )

    assert described["StackStatus"] == "ROLLBACK_COMPLETE"
    assert stack.reason("Second", "CREATE_FAILED") == (
        "Received response status [FAILED] from custom resource. Message returned: no capacity"
    )
    assert described["StackStatusReason"] == (
        "The following resource(s) failed to create: [Second]. Rollback requested by user."
    )
    assert stack.sequence() == [
        ("Create", "First"),
        ("Create", "Second"),
        ("Delete", "Second"),
        ("Delete", "First"),
    ]
    assert stack.requests()[2]["PhysicalResourceId"] == "second-1"
    statuses = [e["ResourceStatus"] for e in stack.events() if e["LogicalResourceId"] == stack.name]
    assert statuses == ["CREATE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE"]


def test_no_answer_within_the_service_timeout_fails_the_resource(stack: Stack) -> None:
    described = stack.create({"Mute": stack.custom(Silent="Create", ServiceTimeout=1)})

    assert described["StackStatus"] == "ROLLBACK_COMPLETE"
    create, delete = stack.requests()
    assert stack.reason("Mute", "CREATE_FAILED") == (
        "CloudFormation did not receive a response from your Custom Resource. Please check your "
        f"logs for requestId [{create['RequestId']}]. If you are using the Python cfn-response "
        "module, you may need to update your Lambda function code so that CloudFormation can "
        "attach the updated version."
    )
    # the rollback's Delete names the id CloudFormation generated, the function having named none
    assert delete["RequestType"] == "Delete"
    assert delete["PhysicalResourceId"].startswith(f"{stack.name}-Mute-")


@pytest.mark.parametrize("timeout", ["0", "3601", "soon"])
def test_a_service_timeout_outside_1_to_3600_fails_the_resource_unsent(
    stack: Stack, timeout: str
) -> None:
    described = stack.create({"Odd": stack.custom(ServiceTimeout=timeout)})

    assert described["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "ServiceTimeout" in stack.reason("Odd", "CREATE_FAILED")
    assert stack.requests() == []


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"Pad": "4096"}, "Response object is too long."),
        ({"Omit": "PhysicalResourceId"}, "Invalid PhysicalResourceId"),
        ({"FailOn": "Create", "PhysicalId": "", "Override": '{"PhysicalResourceId": ""}'}, "Invalid PhysicalResourceId"),
        ({"Override": '{"Status": "DONE"}'}, "Invalid response object: Status [DONE] is not SUCCESS or FAILED"),
        ({"Override": '{"RequestId": "not-the-request"}'}, "Invalid response object: RequestId [not-the-request] does not match the request"),
        ({"Override": '{"Data": ["not", "a", "map"]}'}, "Invalid response object: Data must be a JSON object"),
    ],
    ids=["too-long", "no-physical-id", "failed-without-physical-id", "bad-status", "other-request", "data-not-a-map"],
)
def test_an_answer_cloudformation_refuses_fails_the_resource(
    stack: Stack, answer: dict[str, str], reason: str
) -> None:
    described = stack.create({"Wrong": stack.custom(Silent="Delete", **answer)}, OnFailure="DO_NOTHING")

    assert described["StackStatus"] == "CREATE_FAILED"
    assert stack.reason("Wrong", "CREATE_FAILED") == reason


def test_the_first_answer_counts_and_a_second_is_accepted_and_ignored(stack: Stack) -> None:
    stack.create({"Once": stack.custom(Data=json.dumps({"Value": "first"}))}, template={
        "Outputs": {"Value": {"Value": {"Fn::GetAtt": ["Once", "Value"]}}}
    })
    [request] = stack.requests()
    second = {
        "Status": "FAILED",
        "Reason": "too late",
        "PhysicalResourceId": "other",
        "StackId": request["StackId"],
        "RequestId": request["RequestId"],
        "LogicalResourceId": "Once",
    }

    assert _put(request["ResponseURL"], json.dumps(second).encode()) == 200

    described = stack.cfn.describe_stacks(StackName=stack.stack_id)["Stacks"][0]
    assert described["StackStatus"] == "CREATE_COMPLETE"
    assert described["Outputs"][0]["OutputValue"] == "first"
    assert stack.statuses("Once")[-1] == "CREATE_COMPLETE"


def test_a_response_url_whose_signature_does_not_match_is_refused(stack: Stack) -> None:
    stack.create({"Signed": stack.custom()})
    url = stack.requests()[0]["ResponseURL"]
    tampered = re.sub(r"X-Amz-Signature=[0-9a-f]+", "X-Amz-Signature=" + "0" * 64, url)

    assert _put(tampered, b"{}") == 403


def test_getatt_of_a_key_the_answer_lacks_fails_the_dependent(stack: Stack) -> None:
    described = stack.create(
        {
            "Source": stack.custom(Data=json.dumps({"Arn": "arn:x"})),
            "Dependent": stack.custom(Input={"Fn::GetAtt": ["Source", "Missing"]}),
        }
    )

    assert described["StackStatus"] == "ROLLBACK_COMPLETE"
    create_source = stack.requests()[0]
    assert stack.reason("Dependent", "CREATE_FAILED") == (
        "CustomResource attribute error: Vendor response doesn't contain Missing attribute in "
        f"object {stack.stack_id}|Source|{create_source['RequestId']}"
    )
    assert stack.sequence() == [("Create", "Source"), ("Delete", "Source")]


# --------------------------------------------------------------------------
# Updates
# --------------------------------------------------------------------------


def test_an_update_sends_update_with_the_physical_id_and_the_old_properties(stack: Stack) -> None:
    stack.create({"Sized": stack.custom(Size=1, PhysicalId="sized-1")})

    described = stack.update({"Sized": stack.custom(Size=2)})

    assert described["StackStatus"] == "UPDATE_COMPLETE"
    create, update = stack.requests()
    assert update["RequestType"] == "Update"
    assert update["PhysicalResourceId"] == "sized-1"
    assert update["ResourceProperties"]["Size"] == "2"
    assert update["OldResourceProperties"] == create["ResourceProperties"]
    assert update["RequestId"] != create["RequestId"]
    assert stack.statuses("Sized")[-2:] == ["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"]
    statuses = [e["ResourceStatus"] for e in stack.events() if e["LogicalResourceId"] == stack.name]
    assert statuses[-3:] == ["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE"]


def test_unchanged_properties_send_no_request(stack: Stack) -> None:
    stack.create({"Same": stack.custom(Size=1)})

    described = stack.update({"Same": stack.custom(Size=1), "New": stack.custom()})

    assert described["StackStatus"] == "UPDATE_COMPLETE"
    assert stack.sequence() == [("Create", "Same"), ("Create", "New")]


def test_a_new_physical_id_is_a_replacement_whose_old_id_is_deleted_in_the_cleanup(stack: Stack) -> None:
    stack.create({"Replaced": stack.custom(PhysicalId="v1"), "Later": stack.custom(Input={"Ref": "Replaced"})})

    described = stack.update(
        {"Replaced": stack.custom(PhysicalId="v2"), "Later": stack.custom(Input={"Ref": "Replaced"})}
    )

    assert described["StackStatus"] == "UPDATE_COMPLETE"
    requests = stack.requests()
    assert [(r["RequestType"], r["LogicalResourceId"], r.get("PhysicalResourceId")) for r in requests[2:]] == [
        ("Update", "Replaced", "v1"),
        ("Update", "Later", "Later-physical"),
        ("Delete", "Replaced", "v1"),
    ]
    assert requests[3]["ResourceProperties"]["Input"] == "v2"
    assert requests[4]["ResourceProperties"]["PhysicalId"] == "v1"  # the old properties
    events = [(e["LogicalResourceId"], e["ResourceStatus"]) for e in stack.events()]
    cleanup = events.index((stack.name, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"))
    assert events[cleanup + 1 :] == [
        ("Replaced", "DELETE_IN_PROGRESS"),
        ("Replaced", "DELETE_COMPLETE"),
        (stack.name, "UPDATE_COMPLETE"),
    ]


def test_a_changed_service_token_is_refused(endpoint: str, stack: Stack) -> None:
    other = recorder_function(client(endpoint, "lambda"))
    stack.create({"Bound": stack.custom(Size=1)})
    moved = stack.custom(Size=2)
    moved["Properties"]["ServiceToken"] = other

    described = stack.update({"Bound": moved})

    assert described["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert stack.reason("Bound", "UPDATE_FAILED") == "Modifying service token is not allowed."
    assert stack.sequence() == [("Create", "Bound")]


def test_a_failed_update_rolls_back_sending_the_old_properties(stack: Stack) -> None:
    stack.create({"First": stack.custom(Size=1), "Second": stack.custom(depends_on="First", Size=1)})

    described = stack.update(
        {
            "First": stack.custom(Size=2),
            "Added": stack.custom(depends_on="First"),
            "Second": stack.custom(depends_on="Added", Size=2, FailOn="Update", Reason="refused"),
        }
    )

    assert described["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert stack.reason("Second", "UPDATE_FAILED") == (
        "Received response status [FAILED] from custom resource. Message returned: refused"
    )
    requests = stack.requests()
    assert [(r["RequestType"], r["LogicalResourceId"]) for r in requests[2:]] == [
        ("Update", "First"),
        ("Create", "Added"),
        ("Update", "Second"),
        ("Update", "Second"),  # rollback, newest first
        ("Update", "First"),
        ("Delete", "Added"),  # rollback cleanup
    ]
    rollback_first = requests[6]
    assert rollback_first["ResourceProperties"]["Size"] == "1"
    assert rollback_first["OldResourceProperties"]["Size"] == "2"
    rollback_second = requests[5]
    assert rollback_second["ResourceProperties"]["Size"] == "1"
    assert rollback_second["OldResourceProperties"]["FailOn"] == "Update"
    statuses = [e["ResourceStatus"] for e in stack.events() if e["LogicalResourceId"] == stack.name]
    assert statuses[-4:] == [
        "UPDATE_IN_PROGRESS",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE",
    ]
    resources = stack.cfn.describe_stack_resources(StackName=stack.stack_id)["StackResources"]
    assert sorted(r["LogicalResourceId"] for r in resources) == ["First", "Second"]


def test_a_rolled_back_replacement_keeps_the_old_id_and_deletes_the_new_one(stack: Stack) -> None:
    stack.create({"Replaced": stack.custom(PhysicalId="v1")})

    described = stack.update(
        {
            "Replaced": stack.custom(PhysicalId="v2"),
            "Failing": stack.custom(depends_on="Replaced", FailOn="Create", Silent="Delete", ServiceTimeout=1),
        }
    )

    assert described["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    requests = stack.requests()
    assert [(r["RequestType"], r["LogicalResourceId"], r.get("PhysicalResourceId")) for r in requests[1:]] == [
        ("Update", "Replaced", "v1"),
        ("Create", "Failing", None),
        ("Delete", "Replaced", "v2"),
        ("Delete", "Failing", "Failing-physical"),
    ]
    resources = stack.cfn.describe_stack_resources(StackName=stack.stack_id)["StackResources"]
    assert [(r["LogicalResourceId"], r["PhysicalResourceId"]) for r in resources] == [("Replaced", "v1")]
    summaries = stack.cfn.list_stack_resources(StackName=stack.stack_id)["StackResourceSummaries"]
    assert [(r["LogicalResourceId"], r["ResourceStatus"]) for r in summaries] == [("Replaced", "UPDATE_COMPLETE")]
    detail = stack.cfn.describe_stack_resource(StackName=stack.stack_id, LogicalResourceId="Replaced")
    assert detail["StackResourceDetail"]["PhysicalResourceId"] == "v1"


def test_an_update_of_a_busy_stack_is_refused(stack: Stack) -> None:
    stack.create({"Slow": stack.custom(WaitForRelease="true")}, wait=False)

    with pytest.raises(ClientError) as raised:
        stack.cfn.update_stack(StackName=stack.stack_id, TemplateBody=json.dumps({"Resources": {"Slow": stack.custom()}}))

    assert error(raised) == (
        "ValidationError",
        f"Stack:{stack.stack_id} is in CREATE_IN_PROGRESS state and can not be updated.",
    )
    stack.release("Slow")
    assert wait_for_stack(stack.cfn, stack.stack_id)["StackStatus"] == "CREATE_COMPLETE"


def test_a_delete_during_the_create_runs_once_the_create_has_ended(stack: Stack) -> None:
    stack.create({"Slow": stack.custom(WaitForRelease="true")}, wait=False)
    wait_for(lambda: stack.sequence(), [("Create", "Slow")], timeout=20)

    stack.cfn.delete_stack(StackName=stack.stack_id)
    stack.release("Slow")

    wait_for(
        lambda: stack.cfn.describe_stacks(StackName=stack.stack_id)["Stacks"][0]["StackStatus"],
        "DELETE_COMPLETE",
        timeout=30,
    )
    assert stack.sequence() == [("Create", "Slow"), ("Delete", "Slow")]


# --------------------------------------------------------------------------
# Failure handling, deletion
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "status", "sequence"),
    [
        ({"OnFailure": "DO_NOTHING"}, "CREATE_FAILED", [("Create", "Kept"), ("Create", "Broken")]),
        ({"DisableRollback": True}, "CREATE_FAILED", [("Create", "Kept"), ("Create", "Broken")]),
        (
            {"OnFailure": "DELETE"},
            "DELETE_COMPLETE",
            [("Create", "Kept"), ("Create", "Broken"), ("Delete", "Broken"), ("Delete", "Kept")],
        ),
    ],
    ids=["do-nothing", "disable-rollback", "delete"],
)
def test_on_failure_chooses_what_a_failed_create_leaves(
    stack: Stack, options: dict[str, Any], status: str, sequence: list[tuple[str, str]]
) -> None:
    described = stack.create(
        {"Kept": stack.custom(), "Broken": stack.custom(depends_on="Kept", FailOn="Create")}, **options
    )

    assert described["StackStatus"] == status
    assert stack.sequence() == sequence


def test_on_failure_and_disable_rollback_together_are_refused(stack: Stack) -> None:
    with pytest.raises(ClientError) as raised:
        stack.create({"Any": stack.custom()}, OnFailure="DELETE", DisableRollback=False)

    assert error(raised) == (
        "ValidationError",
        "You can specify either DisableRollback or OnFailure, but not both.",
    )


def test_delete_keeps_retained_resources(stack: Stack) -> None:
    kept = stack.custom()
    kept["DeletionPolicy"] = "Retain"
    stack.create({"Kept": kept, "Gone": stack.custom()})

    described = delete_stack(stack.cfn, stack.stack_id)

    assert described["StackStatus"] == "DELETE_COMPLETE"
    assert stack.sequence() == [("Create", "Kept"), ("Create", "Gone"), ("Delete", "Gone")]
    assert stack.statuses("Kept")[-1] == "DELETE_SKIPPED"


def test_a_failed_delete_leaves_the_stack_delete_failed(stack: Stack) -> None:
    stack.create({"Stuck": stack.custom(FailOn="Delete", Reason="still in use")})

    described = delete_stack(stack.cfn, stack.name)

    assert described["StackStatus"] == "DELETE_FAILED"
    assert described["StackStatusReason"] == "The following resource(s) failed to delete: [Stuck]. "
    assert stack.reason("Stuck", "DELETE_FAILED") == (
        "Received response status [FAILED] from custom resource. Message returned: still in use"
    )
    # the stack is still there, under its name
    assert stack.cfn.describe_stacks(StackName=stack.name)["Stacks"][0]["StackId"] == stack.stack_id


def test_the_stack_keeps_its_role_arn(endpoint: str, stack: Stack) -> None:
    # A service role CloudFormation can assume, allowed what the stack does: invoke the provider.
    name = unique("cfn-service-role")
    role = client(endpoint, "iam").create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(trust_policy("cloudformation"))
    )["Role"]["Arn"]
    client(endpoint, "iam").put_role_policy(
        RoleName=name,
        PolicyName="invoke-provider",
        PolicyDocument=policy_document(allow("lambda:InvokeFunction", stack.provider)),
    )

    described = stack.create({"Any": stack.custom()}, RoleARN=role)

    assert described["RoleARN"] == role
    assert stack.update({"Any": stack.custom(Size=1)})["RoleARN"] == role


# --------------------------------------------------------------------------
# Parameters, Fn::Sub, imports
# --------------------------------------------------------------------------


def test_parameters_sub_and_imports_resolve_as_cloudformation_resolves_them(
    cfn: Any, stack: Stack, provider: str
) -> None:
    exporter = Stack(cfn, stack.recorder)
    export_name = unique("shared-bucket")
    exporter.create(
        {"Exported": stack.custom(PhysicalId="bucket-7")},
        template={"Outputs": {"Name": {"Value": {"Ref": "Exported"}, "Export": {"Name": export_name}}}},
    )

    described = stack.create(
        {
            "Consumer": stack.custom(
                Imported={"Fn::ImportValue": export_name},
                Plain={"Fn::Sub": "${AWS::StackName}-${Team}-${AWS::Region}"},
                Mapped={"Fn::Sub": ["${Prefix}/${Team}/${Literal}", {"Prefix": {"Fn::ImportValue": export_name}, "Literal": "x"}]},
                Escaped={"Fn::Sub": "${!NotAReference}"},
                Team={"Ref": "Team"},
            )
        },
        template={"Parameters": {"Team": {"Type": "String", "Default": "risk"}}},
        Parameters=[{"ParameterKey": "Team", "ParameterValue": "fraud"}],
    )

    assert described["StackStatus"] == "CREATE_COMPLETE"
    properties = stack.requests()[-1]["ResourceProperties"]
    assert properties["Imported"] == "bucket-7"
    assert properties["Plain"] == f"{stack.name}-fraud-{REGION}"
    assert properties["Mapped"] == "bucket-7/fraud/x"
    assert properties["Escaped"] == "${NotAReference}"
    assert properties["Team"] == "fraud"


def test_an_import_of_a_missing_export_fails_create_stack(stack: Stack) -> None:
    with pytest.raises(ClientError) as raised:
        stack.create({"Consumer": stack.custom(Imported={"Fn::ImportValue": "no-such-export"})})

    assert error(raised) == ("ValidationError", "No export named no-such-export found.")


def test_an_export_in_use_cannot_be_deleted(cfn: Any, stack: Stack, provider: str) -> None:
    export_name = unique("in-use")
    stack.create(
        {"Exported": stack.custom()},
        template={"Outputs": {"Name": {"Value": {"Ref": "Exported"}, "Export": {"Name": export_name}}}},
    )
    importer = Stack(cfn, stack.recorder)
    importer.create({"Consumer": stack.custom(Imported={"Fn::ImportValue": export_name})})

    described = delete_stack(cfn, stack.stack_id)

    assert described["StackStatus"] == "DELETE_FAILED"
    assert described["StackStatusReason"] == (
        f"Export {export_name} cannot be deleted as it is in use by {importer.name}"
    )
    assert ("Delete", "Exported") not in stack.sequence()
    assert [e["Name"] for e in cfn.list_exports()["Exports"]].count(export_name) == 1


def test_ssm_parameter_types_are_read_at_create_and_update(endpoint: str, stack: Stack) -> None:
    ssm = client(endpoint, "ssm")
    token, subnets = f"/{stack.name}/token", f"/{stack.name}/subnets"
    ssm.put_parameter(Name=token, Value="arn:one", Type="String")
    ssm.put_parameter(Name=subnets, Value="subnet-a,subnet-b", Type="StringList")
    template = {
        "Parameters": {
            "Token": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": token},
            "Subnets": {"Type": "AWS::SSM::Parameter::Value<List<String>>", "Default": subnets},
        }
    }
    resources = {"Reader": stack.custom(Token={"Ref": "Token"}, Subnets={"Ref": "Subnets"})}
    stack.create(resources, template=template)
    ssm.put_parameter(Name=token, Value="arn:two", Type="String", Overwrite=True)

    described = stack.update(resources, template=template)

    assert described["StackStatus"] == "UPDATE_COMPLETE"
    create, update = stack.requests()
    assert create["ResourceProperties"]["Token"] == "arn:one"
    assert create["ResourceProperties"]["Subnets"] == ["subnet-a", "subnet-b"]
    assert update["ResourceProperties"]["Token"] == "arn:two"


def test_a_missing_ssm_parameter_fails_create_stack(stack: Stack) -> None:
    template = {"Parameters": {"Token": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/no/such"}}}

    with pytest.raises(ClientError) as raised:
        stack.create({"Reader": stack.custom(Token={"Ref": "Token"})}, template=template)

    assert error(raised) == (
        "ValidationError",
        "Unable to fetch parameters [/no/such] from parameter store for this account.",
    )


def test_a_circular_dependency_fails_create_stack(stack: Stack) -> None:
    with pytest.raises(ClientError) as raised:
        stack.create({"A": stack.custom(Input={"Ref": "B"}), "B": stack.custom(depends_on="A")})

    assert error(raised) == ("ValidationError", "Circular dependency between resources: [A, B]")


# --------------------------------------------------------------------------
# A provider created by the same stack
# --------------------------------------------------------------------------


def test_a_custom_resource_runs_on_a_function_its_own_stack_creates_as_the_template_says(
    endpoint: str, stack: Stack, s3: Any, control: Callable[..., Any]
) -> None:
    code = unique("cfn-code")
    s3.create_bucket(Bucket=code)
    s3.put_object(Bucket=code, Key="recorder.zip", Body=function_zip(FIXTURE))
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    resource = stack.custom(Size=1)
    resource["Properties"]["ServiceToken"] = {"Fn::GetAtt": ["Provider", "Arn"]}

    described = stack.create(
        {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": trust,
                    # what the recorder calls (its log bucket, RECORDER_STATEMENTS), and its
                    # logs' delivery to the group its LoggingConfig names
                    "Policies": [
                        {
                            "PolicyName": "recorder",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    *RECORDER_STATEMENTS,
                                    function_logging("any", f"/custom/{stack.name}"),
                                ],
                            },
                        }
                    ],
                },
            },
            "Provider": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "provided.al2023",
                    "Handler": "bootstrap",
                    "Timeout": 60,
                    "Architectures": ["arm64"],
                    "LoggingConfig": {"LogFormat": "JSON", "LogGroup": f"/custom/{stack.name}"},
                    "Tags": [{"Key": "team", "Value": "risk"}],
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Code": {"S3Bucket": code, "S3Key": "recorder.zip"},
                },
            },
            "Resource": resource,
        },
        Capabilities=["CAPABILITY_IAM"],
    )

    assert described["StackStatus"] == "CREATE_COMPLETE", stack.events()
    [request] = stack.requests()
    assert request["ServiceToken"].startswith(f"arn:aws:lambda:{REGION}:123456789012:function:")
    function = client(endpoint, "lambda").get_function(FunctionName=request["ServiceToken"])
    assert function["Configuration"]["Architectures"] == ["arm64"]
    assert function["Tags"]["team"] == "risk"
    # the function logs where its LoggingConfig says
    logged = client(endpoint, "logs").filter_log_events(logGroupName=f"/custom/{stack.name}")
    assert [e["message"].split(" ")[0] for e in logged["events"]][:1] == ["START"]
    sent = control("GET", "cloudformation/custom-resource-requests")["requests"]
    assert request["RequestId"] in [r["RequestId"] for r in sent]
    assert delete_stack(stack.cfn, stack.stack_id)["StackStatus"] == "DELETE_COMPLETE"
    assert stack.sequence() == [("Create", "Resource"), ("Delete", "Resource")]


def test_no_echo_masks_the_outputs_that_read_the_answer(stack: Stack) -> None:
    described = stack.create(
        {
            "Secret": stack.custom(NoEcho="true", Data=json.dumps({"Password": "hunter2"})),
            "User": stack.custom(Password={"Fn::GetAtt": ["Secret", "Password"]}),
        },
        template={
            "Outputs": {
                "Password": {"Value": {"Fn::GetAtt": ["Secret", "Password"]}},
                "Id": {"Value": {"Ref": "Secret"}},
            }
        },
    )

    outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
    assert outputs == {"Password": "*****", "Id": "Secret-physical"}
    # the dependent itself is sent the value
    assert stack.requests()[-1]["ResourceProperties"]["Password"] == "hunter2"


def test_a_rollback_deletes_retain_except_on_create_resources_but_keeps_retained_ones(
    stack: Stack,
) -> None:
    kept, undone = stack.custom(), stack.custom()
    kept["DeletionPolicy"], undone["DeletionPolicy"] = "Retain", "RetainExceptOnCreate"

    described = stack.create(
        {"Kept": kept, "Undone": undone, "Broken": stack.custom(depends_on="Undone", FailOn="Create")}
    )

    assert described["StackStatus"] == "ROLLBACK_COMPLETE"
    assert ("Delete", "Undone") in stack.sequence()
    assert ("Delete", "Kept") not in stack.sequence()
    assert stack.statuses("Kept")[-1] == "DELETE_SKIPPED"


@pytest.mark.parametrize(
    ("outputs", "verb"),
    [({}, "deleted"), ({"Name": {"Value": "changed"}}, "updated")],
    ids=["removed", "changed"],
)
def test_an_update_cannot_remove_or_change_an_export_in_use(
    cfn: Any, stack: Stack, provider: str, outputs: dict[str, Any], verb: str
) -> None:
    export_name = unique("in-use")
    exported = {"Name": {"Value": {"Ref": "Exported"}, "Export": {"Name": export_name}}}
    stack.create({"Exported": stack.custom()}, template={"Outputs": exported})
    importer = Stack(cfn, stack.recorder)
    importer.create({"Consumer": stack.custom(Imported={"Fn::ImportValue": export_name})})
    for output in outputs.values():
        output["Export"] = {"Name": export_name}

    described = stack.update({"Exported": stack.custom(), "Other": stack.custom()}, template={"Outputs": outputs})

    assert described["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert described["StackStatusReason"] == (
        f"Export {export_name} cannot be {verb} as it is in use by {importer.name}"
    )
    exports = {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]}
    assert exports[export_name] == "Exported-physical"
    assert ("Delete", "Other") in stack.sequence()


def test_a_resource_that_references_a_replaced_one_is_updated_with_its_new_id(
    endpoint: str, stack: Stack
) -> None:
    name = f"/{stack.name}/id"

    def resources(physical_id: str) -> dict[str, Any]:
        return {
            "Replaced": stack.custom(PhysicalId=physical_id),
            "Pointer": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Name": name, "Type": "String", "Value": {"Ref": "Replaced"}},
            },
        }

    stack.create(resources("v1"))

    described = stack.update(resources("v2"))

    assert described["StackStatus"] == "UPDATE_COMPLETE"
    assert client(endpoint, "ssm").get_parameter(Name=name)["Parameter"]["Value"] == "v2"
    assert stack.statuses("Pointer")[-2:] == ["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"]


_CONSTRAINED = {
    "Parameters": {
        "Env": {"Type": "String", "AllowedValues": ["dev", "prod"], "Default": "dev"},
        "User": {"Type": "String", "AllowedPattern": r"^[\p{L}\p{N}_.-]{1,20}$", "Default": "zoë"},
        "Code": {"Type": "String", "MinLength": 2, "MaxLength": 4, "Default": "abc"},
        "Teams": {"Type": "CommaDelimitedList", "AllowedValues": ["risk", "fraud"], "Default": "risk"},
        "Required": {"Type": "String"},
    }
}


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"Unknown": "x"}, "Parameters: [Unknown] do not exist in the template"),
        ({}, "Parameters: [Required] must have values"),
        ({"Env": "test"}, "Parameter 'Env' must be one of AllowedValues"),
        ({"User": "not allowed!"}, r"Parameter 'User' must match pattern ^[\p{L}\p{N}_.-]{1,20}$"),
        ({"Code": "a"}, "Parameter 'Code' must contain at least 2 characters"),
        ({"Code": "abcde"}, "Parameter 'Code' must contain at most 4 characters"),
        ({"Teams": "risk,ops"}, "Parameter 'Teams' must be one of AllowedValues"),
    ],
    ids=["undeclared", "no-value", "allowed-values", "allowed-pattern", "min-length", "max-length", "list-member"],
)
def test_create_stack_checks_the_parameters_as_cloudformation_does(
    stack: Stack, given: dict[str, str], message: str
) -> None:
    values = {"Required": "r", **given} if given else {}
    parameters = [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]

    with pytest.raises(ClientError) as raised:
        stack.create({"Any": stack.custom()}, template=_CONSTRAINED, Parameters=parameters)

    assert error(raised) == ("ValidationError", message)


def test_values_within_the_constraints_are_accepted_java_pattern_classes_included(stack: Stack) -> None:
    parameters = [
        {"ParameterKey": "Required", "ParameterValue": "r"},
        {"ParameterKey": "User", "ParameterValue": "Zoë.Ñ-1"},
        {"ParameterKey": "Teams", "ParameterValue": "risk,fraud"},
    ]

    described = stack.create({"Any": stack.custom(User={"Ref": "User"})}, template=_CONSTRAINED, Parameters=parameters)

    assert described["StackStatus"] == "CREATE_COMPLETE"
    assert stack.requests()[0]["ResourceProperties"]["User"] == "Zoë.Ñ-1"
