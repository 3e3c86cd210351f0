"""A reset while a stack operation runs (studio_emulator/cloudformation/stacks.py): the
operation stops where it is, the waiting custom resource is abandoned, the emulator starts
afresh. A module of its own: the reset empties every backend mid-module.

Run: .venv/bin/python -m pytest -q tests/aws-emulator/test_cloudformation_reset.py
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from emulator_client import (
    client,
    recorder_function,
    recorder_log,
    reset_for_suite,
    wait_for,
    wait_for_stack,
)


def test_a_reset_abandons_a_stack_waiting_for_its_custom_resource(
    endpoint: str, control: Callable[..., Any]
) -> None:
    cfn, s3 = client(endpoint, "cloudformation"), client(endpoint, "s3")
    provider = recorder_function(client(endpoint, "lambda"))
    log = recorder_log(endpoint)
    waiting = {
        "Type": "Custom::Mute",
        "Properties": {"ServiceToken": provider, "LogBucket": log, "Silent": "Create"},
    }
    cfn.create_stack(StackName="interrupted", TemplateBody=json.dumps({"Resources": {"Mute": waiting}}))
    wait_for(
        lambda: len(control("GET", "cloudformation/custom-resource-requests")["requests"]), 1, timeout=20
    )

    reset_for_suite(control)  # and IAM enforced again, as the suite runs

    assert cfn.list_stacks()["StackSummaries"] == []
    assert control("GET", "cloudformation/custom-resource-requests")["requests"] == []
    plain = {
        "Type": "AWS::SSM::Parameter",
        "Properties": {"Name": "/after/reset", "Type": "String", "Value": "fresh"},
    }
    cfn.create_stack(StackName="interrupted", TemplateBody=json.dumps({"Resources": {"Plain": plain}}))
    assert wait_for_stack(cfn, "interrupted")["StackStatus"] == "CREATE_COMPLETE"
    events = cfn.describe_stack_events(StackName="interrupted")["StackEvents"]
    assert {e["LogicalResourceId"] for e in events} == {"interrupted", "Plain"}
