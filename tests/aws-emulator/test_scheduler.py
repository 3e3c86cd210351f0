"""EventBridge Scheduler firing its schedules (``studio_emulator/scheduler.py``; each rule's
source is in its docstring): the fire route, the payload, the execution role, and the
background firing of rate()/at() schedules.

The target is the fixture function ``functions/http-echo``: it prints each scheduled event as
``RECEIVED <json>``, which the tests read back from its CloudWatch Logs group.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.error import HTTPError

import pytest

from emulator_client import (
    ACCOUNT,
    REGION,
    client,
    create_function,
    reset_for_suite,
    trust_policy,
    unique,
    wait_for,
)

SCHEDULER_TRUST = trust_policy("scheduler")


def invoke_policy(function_arn: Any) -> dict[str, Any]:
    """The execution role's permission to invoke a Lambda target (EventBridge Scheduler User
    Guide, "Set up the execution role": ``lambda:InvokeFunction`` on the target function)."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function_arn}],
    }


def control_call(control: Callable[..., Any], method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """(status, JSON body) of a control route, error statuses included."""
    try:
        return 200, control(method, path, body)
    except HTTPError as exc:
        return exc.code, json.loads(exc.read())


@dataclass
class Schedules:
    """Schedules whose target is the fixture function, and what that function received."""

    control: Callable[..., Any]
    scheduler: Any
    logs: Any
    function_name: str
    function_arn: str
    role_arn: str
    created: list[tuple[str, str]]  # (name, group)

    def new(
        self,
        *,
        expression: str = "rate(60 minutes)",
        input: str | None = None,
        target_arn: str | None = None,
        role_arn: str | None = None,
        **extra: Any,
    ) -> tuple[str, str]:
        """A new schedule: (name, ARN)."""
        name = unique("schedule")
        target: dict[str, Any] = {
            "Arn": target_arn or self.function_arn,
            "RoleArn": role_arn or self.role_arn,
        }
        if input is not None:
            target["Input"] = input
        self.scheduler.create_schedule(
            Name=name,
            ScheduleExpression=expression,
            FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 5},
            Target=target,
            **extra,
        )
        self.created.append((name, extra.get("GroupName", "default")))
        return name, self.scheduler.get_schedule(Name=name, **_group(extra))["Arn"]

    def delete_created(self) -> None:
        """Deletes the schedules made so far (so that none fires in a later test)."""
        while self.created:
            name, group = self.created.pop()
            try:
                self.scheduler.delete_schedule(Name=name, GroupName=group)
            except self.scheduler.exceptions.ResourceNotFoundException:
                pass  # deleted after completion

    def fire(self, name: str, group: str = "default") -> tuple[int, Any]:
        return control_call(self.control, "POST", f"scheduler/schedules/{group}/{name}/fire")

    def executions(self, arn: str) -> list[dict[str, Any]]:
        return self.control("GET", f"scheduler/executions?schedule_arn={arn}")["executions"]

    def received(self) -> list[Any]:
        """The scheduled events the fixture function printed, oldest first."""
        group = f"/aws/lambda/{self.function_name}"
        try:
            streams = self.logs.describe_log_streams(logGroupName=group)["logStreams"]
        except self.logs.exceptions.ResourceNotFoundException:
            return []
        events = [
            event
            for stream in streams
            for event in self.logs.get_log_events(
                logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True
            )["events"]
        ]
        return [
            json.loads(e["message"].split("RECEIVED ", 1)[1])
            for e in sorted(events, key=lambda e: e["timestamp"])
            if "RECEIVED " in e["message"]
        ]

    def fire_and_receive(self, name: str) -> tuple[dict[str, Any], Any]:
        """Fires ``name``; (the route's answer, the event the function then received)."""
        before = len(self.received())
        status, fired = self.fire(name)
        assert status == 200, fired
        wait_for(lambda: len(self.received()) > before, True, timeout=15)
        return fired, self.received()[-1]


def _group(extra: dict[str, Any]) -> dict[str, Any]:
    return {"GroupName": extra["GroupName"]} if "GroupName" in extra else {}


@pytest.fixture(scope="module")
def schedules(endpoint: str, control: Callable[..., Any], iam: Any) -> Schedules:
    function = create_function(client(endpoint, "lambda"), "http-echo")
    role_name = unique("scheduler")
    role = iam.create_role(
        RoleName=role_name, AssumeRolePolicyDocument=json.dumps(SCHEDULER_TRUST)
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="invoke-target",
        PolicyDocument=json.dumps(invoke_policy(function["FunctionArn"])),
    )
    return Schedules(
        control,
        client(endpoint, "scheduler"),
        client(endpoint, "logs"),
        function["FunctionName"],
        function["FunctionArn"],
        role,
        [],
    )


# --------------------------------------------------------------------------
# The fire route
# --------------------------------------------------------------------------


def test_firing_invokes_the_lambda_target_asynchronously_with_its_input(schedules: Schedules) -> None:
    name, _ = schedules.new(input='{"DryRun": true, "n": 1}')

    fired, event = schedules.fire_and_receive(name)

    assert fired["invoked"] == schedules.function_arn
    assert fired["role_arn"] == schedules.role_arn
    assert fired["request_id"]
    assert event == {"DryRun": True, "n": 1}


def test_the_context_attributes_of_the_input_are_filled_in(schedules: Schedules) -> None:
    template = json.dumps(
        {
            "ScheduleArn": "<aws.scheduler.schedule-arn>",
            "ScheduledTime": "<aws.scheduler.scheduled-time>",
            "ExecutionId": "<aws.scheduler.execution-id>",
            "AttemptNumber": "<aws.scheduler.attempt-number>",
        }
    )
    name, arn = schedules.new(input=template)

    fired, event = schedules.fire_and_receive(name)

    assert event == {
        "ScheduleArn": arn,
        "ScheduledTime": fired["scheduled_time"],
        "ExecutionId": fired["execution_id"],
        "AttemptNumber": "1",
    }
    datetime.strptime(event["ScheduledTime"], "%Y-%m-%dT%H:%M:%SZ")


def test_a_target_without_input_gets_an_empty_object(schedules: Schedules) -> None:
    name, _ = schedules.new()

    _, event = schedules.fire_and_receive(name)

    assert event == {}


def test_a_schedule_of_another_group_is_fired_by_its_group(schedules: Schedules) -> None:
    group = unique("group")
    schedules.scheduler.create_schedule_group(Name=group)
    name, _ = schedules.new(GroupName=group)

    assert schedules.fire(name)[0] == 404
    assert schedules.fire(name, group)[0] == 200


def test_a_disabled_schedule_is_refused(schedules: Schedules) -> None:
    name, _ = schedules.new(State="DISABLED")

    status, body = schedules.fire(name)

    assert status == 409
    assert "DISABLED" in body["error"]


def test_an_unknown_schedule_is_not_found(schedules: Schedules) -> None:
    status, body = schedules.fire("no-such-schedule")

    assert status == 404
    assert "no-such-schedule" in body["error"]


def test_a_target_that_is_not_a_lambda_function_is_not_modelled(schedules: Schedules) -> None:
    name, _ = schedules.new(target_arn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:{unique('queue')}")

    status, body = schedules.fire(name)

    assert status == 400
    assert "not a Lambda function" in body["error"]


@pytest.mark.parametrize("role", ["missing", "untrusting"])
def test_the_execution_role_must_exist_and_trust_the_scheduler(
    schedules: Schedules, iam: Any, role: str
) -> None:
    if role == "missing":
        role_arn = f"arn:aws:iam::{ACCOUNT}:role/{unique('absent')}"
    else:
        lambda_trust = json.dumps(trust_policy("lambda"))
        role_arn = iam.create_role(RoleName=unique("lambda-only"), AssumeRolePolicyDocument=lambda_trust)[
            "Role"
        ]["Arn"]
    name, _ = schedules.new(role_arn=role_arn)

    status, body = schedules.fire(name)

    assert status == 422
    assert role_arn in body["error"]


def test_the_executions_are_listed(schedules: Schedules) -> None:
    name, arn = schedules.new()
    _, fired = schedules.fire(name)

    assert schedules.executions(arn) == [fired]


def test_a_schedule_made_by_cloudformation_fires_under_its_role(schedules: Schedules, cfn: Any) -> None:
    """As core.yaml's StudioCleanupSchedule: the role and the schedule in one stack."""
    template = {
        "Parameters": {"FunctionArn": {"Type": "String"}},
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": SCHEDULER_TRUST,
                    "Policies": [
                        {
                            "PolicyName": "invoke-target",
                            "PolicyDocument": invoke_policy({"Ref": "FunctionArn"}),
                        }
                    ],
                },
            },
            "Schedule": {
                "Type": "AWS::Scheduler::Schedule",
                "Properties": {
                    "ScheduleExpression": "rate(60 minutes)",
                    "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 5},
                    "Target": {
                        "Arn": {"Ref": "FunctionArn"},
                        "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                        "Input": '{"ScheduleArn": "<aws.scheduler.schedule-arn>"}',
                    },
                },
            },
        },
    }
    stack = unique("schedule-stack")
    cfn.create_stack(
        StackName=stack,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "FunctionArn", "ParameterValue": schedules.function_arn}],
        Capabilities=["CAPABILITY_IAM"],
    )
    wait_for(
        lambda: cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"],
        "CREATE_COMPLETE",
        timeout=30,
    )
    name = cfn.describe_stack_resource(StackName=stack, LogicalResourceId="Schedule")[
        "StackResourceDetail"
    ]["PhysicalResourceId"]

    fired, event = schedules.fire_and_receive(name)

    assert fired["role_arn"].startswith(f"arn:aws:iam::{ACCOUNT}:role/")
    assert event == {"ScheduleArn": schedules.scheduler.get_schedule(Name=name)["Arn"]}


# --------------------------------------------------------------------------
# Background firing
# --------------------------------------------------------------------------


@pytest.fixture
def rate_firing(control: Callable[..., Any], schedules: Schedules) -> Iterator[None]:
    """Background firing on, a minute lasting 0.1 s, for the schedules the test makes; off
    again afterwards."""
    schedules.delete_created()
    control("POST", "config", {"scheduler_firing": "rate", "scheduler_time_scale": 600})
    yield
    control("POST", "config", {"scheduler_firing": "off", "scheduler_time_scale": 1})
    schedules.delete_created()


def test_background_firing_is_off_by_default(control: Callable[..., Any]) -> None:
    assert control("GET", "config")["scheduler_firing"] == "off"


def test_an_enabled_rate_schedule_fires_on_its_rate(schedules: Schedules, rate_firing: None) -> None:
    _, arn = schedules.new(expression="rate(1 minute)", input='{"rate": 1}')

    wait_for(lambda: len(schedules.executions(arn)) >= 3, True, timeout=10)

    assert all(e["error"] is None for e in schedules.executions(arn))
    wait_for(lambda: {"rate": 1} in schedules.received(), True, timeout=15)


def test_a_disabled_rate_schedule_does_not_fire(schedules: Schedules, rate_firing: None) -> None:
    _, disabled = schedules.new(expression="rate(1 minute)", State="DISABLED")
    _, enabled = schedules.new(expression="rate(1 minute)")

    # Once the enabled one fired twice, the disabled one has had as many chances.
    wait_for(lambda: len(schedules.executions(enabled)) >= 2, True, timeout=10)

    assert schedules.executions(disabled) == []


def test_a_one_time_schedule_fires_once_then_is_deleted_if_asked(
    schedules: Schedules, rate_firing: None
) -> None:
    soon = (datetime.now(timezone.utc) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
    kept, kept_arn = schedules.new(expression=f"at({soon})")
    deleted, deleted_arn = schedules.new(expression=f"at({soon})", ActionAfterCompletion="DELETE")

    wait_for(
        lambda: (len(schedules.executions(kept_arn)), len(schedules.executions(deleted_arn))),
        (1, 1),
        timeout=10,
    )

    assert schedules.scheduler.get_schedule(Name=kept)["Name"] == kept
    with pytest.raises(schedules.scheduler.exceptions.ResourceNotFoundException):
        schedules.scheduler.get_schedule(Name=deleted)


@pytest.mark.parametrize(
    "setting", [{"scheduler_firing": "cron"}, {"scheduler_time_scale": 0}, {"scheduler_time_scale": "x"}]
)
def test_a_bad_firing_setting_is_refused(control: Callable[..., Any], setting: dict[str, Any]) -> None:
    status, body = control_call(control, "POST", "config", setting)

    assert status == 400
    assert "scheduler_" in body["error"]


# Last: it resets the emulator (the module's function and role go with it).
def test_reset_turns_background_firing_off(control: Callable[..., Any], rate_firing: None) -> None:
    assert control("GET", "config")["scheduler_firing"] == "rate"

    reset_for_suite(control)  # a reset, then IAM enforced again as the suite runs

    assert control("GET", "config")["scheduler_firing"] == "off"
    assert control("GET", "config")["scheduler_time_scale"] == 1
