"""The stack types core.yaml's cleanup warnings and figures need (issue #15):
``AWS::SNS::Topic`` + ``AWS::SNS::TopicPolicy``, ``AWS::Events::Rule`` with an SNS target,
``AWS::CloudWatch::Dashboard`` -- created, updated and deleted by the emulator's CloudFormation,
and PutDashboard's checks (``studio_emulator/dashboards.py``, ``cloudformation/types.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from emulator_client import client, delete_stack, error_code, unique, wait_for_stack

SOURCE = "studio-catalog.cleanup"


def template(policy_allows_events: bool = True, widgets: Any = None) -> str:
    principal = {"Service": "events.amazonaws.com"} if policy_allows_events else {"AWS": "arn:aws:iam::123456789012:root"}
    body = {"widgets": widgets if widgets is not None else [
        {"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6,
         "properties": {"metrics": [["StudioCatalog/Cleanup", "Acted"]], "region": "us-east-1",
                        "stat": "Sum", "period": 3600, "title": "Acted"}},
    ]}
    return yaml.safe_dump({
        "Resources": {
            "Warnings": {"Type": "AWS::SNS::Topic"},
            "WarningsPolicy": {
                "Type": "AWS::SNS::TopicPolicy",
                "Properties": {
                    "Topics": [{"Ref": "Warnings"}],
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                        "Effect": "Allow", "Principal": principal, "Action": "sns:Publish",
                        "Resource": {"Ref": "Warnings"},
                    }]},
                },
            },
            "Forward": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventPattern": {"source": [SOURCE]},
                    "State": "ENABLED",
                    "Targets": [{"Id": "warnings", "Arn": {"Ref": "Warnings"}}],
                },
            },
            "Figures": {
                "Type": "AWS::CloudWatch::Dashboard",
                "Properties": {"DashboardName": {"Fn::Sub": "${AWS::StackName}-cleanup"},
                               "DashboardBody": json.dumps(body)},
            },
        },
        "Outputs": {"Topic": {"Value": {"Ref": "Warnings"}}},
    })


def topic_of(stack: dict[str, Any]) -> str:
    return next(o["OutputValue"] for o in stack["Outputs"] if o["OutputKey"] == "Topic")


def publish(endpoint: str) -> str:
    return client(endpoint, "events").put_events(Entries=[{
        "Source": SOURCE, "DetailType": "Studio Cleanup Warning", "Detail": json.dumps({"rule": "expired"}),
    }])["Entries"][0]["EventId"]


def test_a_stack_rule_forwards_events_to_its_topic_through_the_topic_policy(
    endpoint: str, cfn: Any, control: Callable[..., Any]
) -> None:
    name = unique("warnings-stack")
    cfn.create_stack(StackName=name, TemplateBody=template())
    stack = wait_for_stack(cfn, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    topic = topic_of(stack)
    event_id = publish(endpoint)
    messages = control("GET", f"sns/messages?TopicArn={topic}")["messages"]
    assert [json.loads(m["Message"])["id"] for m in messages] == [event_id]
    dashboards = client(endpoint, "cloudwatch").list_dashboards()["DashboardEntries"]
    assert f"{name}-cleanup" in [d["DashboardName"] for d in dashboards]

    # Update: the policy no longer names EventBridge -> its deliveries are refused.
    cfn.update_stack(StackName=name, TemplateBody=template(policy_allows_events=False))
    assert wait_for_stack(cfn, name)["StackStatus"] == "UPDATE_COMPLETE"
    publish(endpoint)
    assert len(control("GET", f"sns/messages?TopicArn={topic}")["messages"]) == 1

    rule = cfn.describe_stack_resource(StackName=name, LogicalResourceId="Forward")[
        "StackResourceDetail"]["PhysicalResourceId"]
    assert client(endpoint, "events").describe_rule(Name=rule)["State"] == "ENABLED"
    assert delete_stack(cfn, name)["StackStatus"] == "DELETE_COMPLETE"
    dashboards = client(endpoint, "cloudwatch").list_dashboards()["DashboardEntries"]
    assert f"{name}-cleanup" not in [d["DashboardName"] for d in dashboards]
    with pytest.raises(ClientError) as gone:
        client(endpoint, "events").describe_rule(Name=rule)
    assert error_code(gone) == "ResourceNotFoundException"


def test_a_stack_dashboard_without_widgets_fails_the_resource(cfn: Any) -> None:
    name = unique("bad-dashboard")
    body = yaml.safe_load(template())
    body["Resources"]["Figures"]["Properties"]["DashboardBody"] = json.dumps({"start": "-PT6H"})
    cfn.create_stack(StackName=name, TemplateBody=yaml.safe_dump(body))
    stack = wait_for_stack(cfn, name)
    assert stack["StackStatus"] in ("ROLLBACK_COMPLETE", "CREATE_FAILED")
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    reasons = [e.get("ResourceStatusReason", "") for e in events if e["LogicalResourceId"] == "Figures"]
    assert any("widgets" in r for r in reasons)


@pytest.mark.parametrize(
    ("name", "body", "problem"),
    [
        ("ok-name", json.dumps({"start": "-PT6H"}), "widgets array"),
        ("ok-name", json.dumps([1, 2]), "valid JSON object"),
        ("ok-name", json.dumps({"widgets": [{"type": "text"}]}), "'properties'"),
        ("ok-name", json.dumps({"widgets": [{"properties": {}}]}), "'type'"),
        ("ok-name", json.dumps({"widgets": [{"type": "text", "properties": {}, "width": 25}]}), "width"),
        ("bad name!", json.dumps({"widgets": []}), "dashboard name"),
    ],
)
def test_put_dashboard_refuses_a_body_without_a_widgets_array_and_malformed_widgets(
    endpoint: str, name: str, body: str, problem: str
) -> None:
    cloudwatch = client(endpoint, "cloudwatch")
    with pytest.raises(ClientError) as refused:
        cloudwatch.put_dashboard(DashboardName=name, DashboardBody=body)
    assert error_code(refused) == "InvalidParameterInput"
    assert problem in refused.value.response["Error"]["Message"]


def test_put_dashboard_accepts_an_empty_widgets_array(endpoint: str) -> None:
    cloudwatch = client(endpoint, "cloudwatch")
    cloudwatch.put_dashboard(DashboardName="empty-ok", DashboardBody=json.dumps({"widgets": []}))
    assert json.loads(cloudwatch.get_dashboard(DashboardName="empty-ok")["DashboardBody"]) == {"widgets": []}


def test_the_long_form_of_getatt_with_a_dotted_string_reads_the_attribute(cfn: Any) -> None:
    """``Fn::GetAtt: Res.Attr`` is ``[Res, Attr]`` (split at the first dot), as CloudFormation
    reads it (``cloudformation/template_format.py``)."""
    name = unique("getatt-string")
    cfn.create_stack(StackName=name, TemplateBody=yaml.safe_dump({
        "Resources": {"Warnings": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": name}}},
        "Outputs": {"Name": {"Value": {"Fn::GetAtt": "Warnings.TopicName"}}},
    }))
    stack = wait_for_stack(cfn, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert [o["OutputValue"] for o in stack["Outputs"]] == [name]
