"""EventBridge PutEvents, its record and rule delivery to SNS (issue #15: the cleanup's warnings).

Each rule's source is in ``studio_emulator/eventbridge.py`` (and the IAM context in
``studio_emulator/iam/context/events.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import ACCOUNT, REGION, allow, client, error_code, iam_user, signed_client, unique

SOURCE = "studio-catalog.cleanup"
DETAIL_TYPE = "Studio Cleanup Warning"


@pytest.fixture(autouse=True)
def _clear_record(control: Callable[..., Any]) -> None:
    control("DELETE", "events/published")


@pytest.fixture(scope="module")
def events(endpoint: str) -> Any:
    return client(endpoint, "events")


@pytest.fixture(scope="module")
def sns(endpoint: str) -> Any:
    return client(endpoint, "sns")


def entry(**extra: Any) -> dict[str, Any]:
    return {"Source": SOURCE, "DetailType": DETAIL_TYPE,
            "Detail": json.dumps({"rule": "expired", "resourceName": "lab"}), **extra}


def topic_for_eventbridge(sns: Any, allow_events: bool = True) -> str:
    arn = sns.create_topic(Name=unique("warnings"))["TopicArn"]
    if allow_events:
        sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                           "Action": "sns:Publish", "Resource": arn}],
        }))
    return arn


def rule_to_topic(events: Any, topic_arn: str, bus: str = "default", state: str = "ENABLED") -> str:
    name = unique("forward")
    events.put_rule(Name=name, EventBusName=bus, State=state,
                    EventPattern=json.dumps({"source": [SOURCE]}))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "topic", "Arn": topic_arn}])
    return name


def test_put_events_on_the_default_bus_is_recorded_for_tests(
    events: Any, control: Callable[..., Any]
) -> None:
    answer = events.put_events(Entries=[entry(Resources=["arn:aws:sagemaker:us-east-1:123456789012:app/d-1/u/jupyterlab/default"])])
    assert answer["FailedEntryCount"] == 0
    event_id = answer["Entries"][0]["EventId"]
    published = control("GET", f"events/published?Source={SOURCE}")["events"]
    assert [(e["EventId"], e["EventBusName"], e["DetailType"], e["bus_exists"]) for e in published] == [
        (event_id, "default", DETAIL_TYPE, True)
    ]
    assert published[0]["Detail"] == {"rule": "expired", "resourceName": "lab"}
    assert published[0]["Resources"][0].startswith("arn:aws:sagemaker:")


def test_put_events_on_a_named_bus_given_by_name_or_arn(events: Any, control: Callable[..., Any]) -> None:
    bus = unique("studio-bus")
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    events.put_events(Entries=[entry(EventBusName=bus), entry(EventBusName=bus_arn)])
    published = control("GET", f"events/published?EventBusName={bus}")["events"]
    assert len(published) == 2


def test_put_events_refuses_no_entries_and_more_than_ten(endpoint: str) -> None:
    unchecked = client(endpoint, "events", parameter_validation=False)
    for entries in ([], [entry() for _ in range(11)]):
        with pytest.raises(ClientError) as refused:
            unchecked.put_events(Entries=entries)
        assert error_code(refused) == "ValidationException"


def test_a_bad_entry_fails_alone_and_is_counted(events: Any, control: Callable[..., Any]) -> None:
    answer = events.put_events(Entries=[
        entry(),
        entry(Detail="{not json"),
        {"DetailType": DETAIL_TYPE, "Detail": "{}"},
        {"Source": SOURCE, "Detail": "{}"},
        {"Source": SOURCE, "DetailType": DETAIL_TYPE},
        entry(Resources=["not-an-arn"]),
    ])
    assert answer["FailedEntryCount"] == 5
    codes = [e.get("ErrorCode") for e in answer["Entries"]]
    assert codes == [None, "MalformedDetail", "InvalidArgument", "InvalidArgument",
                     "InvalidArgument", "InvalidArgument"]
    assert "EventId" in answer["Entries"][0]
    assert len(control("GET", "events/published")["events"]) == 1


def test_an_event_for_a_bus_that_does_not_exist_succeeds_and_goes_nowhere(
    events: Any, control: Callable[..., Any]
) -> None:
    answer = events.put_events(Entries=[entry(EventBusName="no-such-bus")])
    assert answer["FailedEntryCount"] == 0
    published = control("GET", "events/published?EventBusName=no-such-bus")["events"]
    assert [e["bus_exists"] for e in published] == [False]


def test_a_rule_with_an_sns_target_delivers_the_event_to_the_topic(
    events: Any, sns: Any, control: Callable[..., Any]
) -> None:
    topic = topic_for_eventbridge(sns)
    rule = rule_to_topic(events, topic)
    event_id = events.put_events(Entries=[entry()])["Entries"][0]["EventId"]
    deliveries = control("GET", f"events/deliveries?TargetArn={topic}")["deliveries"]
    assert [(d["Rule"], d["EventId"], d["delivered"]) for d in deliveries] == [(rule, event_id, True)]
    messages = control("GET", f"sns/messages?TopicArn={topic}")["messages"]
    delivered = json.loads(messages[0]["Message"])
    assert delivered["id"] == event_id
    assert delivered["source"] == SOURCE
    assert delivered["detail-type"] == DETAIL_TYPE
    assert delivered["detail"] == {"rule": "expired", "resourceName": "lab"}
    assert delivered["account"] == ACCOUNT and delivered["region"] == REGION
    assert delivered["time"].endswith("Z")


def test_an_event_the_pattern_does_not_match_is_not_delivered(
    events: Any, sns: Any, control: Callable[..., Any]
) -> None:
    topic = topic_for_eventbridge(sns)
    rule_to_topic(events, topic)
    events.put_events(Entries=[entry(Source="someone.else")])
    assert control("GET", f"events/deliveries?TargetArn={topic}")["deliveries"] == []
    assert control("GET", f"sns/messages?TopicArn={topic}")["messages"] == []


def test_a_disabled_rule_delivers_nothing(events: Any, sns: Any, control: Callable[..., Any]) -> None:
    topic = topic_for_eventbridge(sns)
    rule_to_topic(events, topic, state="DISABLED")
    events.put_events(Entries=[entry()])
    assert control("GET", f"sns/messages?TopicArn={topic}")["messages"] == []


def test_a_topic_whose_policy_does_not_let_eventbridge_publish_gets_nothing(
    events: Any, sns: Any, control: Callable[..., Any]
) -> None:
    """SNS's default topic policy lets the account's principals publish, not EventBridge."""
    topic = topic_for_eventbridge(sns, allow_events=False)
    rule_to_topic(events, topic)
    answer = events.put_events(Entries=[entry()])
    assert answer["FailedEntryCount"] == 0  # a failed delivery does not fail PutEvents
    deliveries = control("GET", f"events/deliveries?TargetArn={topic}")["deliveries"]
    assert [d["delivered"] for d in deliveries] == [False]
    assert "events.amazonaws.com is not authorized to perform: sns:Publish" in deliveries[0]["reason"]
    assert control("GET", f"sns/messages?TopicArn={topic}")["messages"] == []


def test_a_target_input_transformer_shapes_the_sns_message(
    events: Any, sns: Any, control: Callable[..., Any]
) -> None:
    topic = topic_for_eventbridge(sns)
    name = unique("shaped")
    events.put_rule(Name=name, EventPattern=json.dumps({"source": [SOURCE]}))
    events.put_targets(Rule=name, Targets=[{
        "Id": "topic", "Arn": topic,
        "InputTransformer": {"InputPathsMap": {"who": "$.detail.resourceName"},
                             "InputTemplate": '"<who> will be stopped"'},
    }])
    events.put_events(Entries=[entry()])
    messages = control("GET", f"sns/messages?TopicArn={topic}")["messages"]
    assert [json.loads(m["Message"]) for m in messages] == ["lab will be stopped"]


def test_put_events_is_authorised_on_the_bus_with_the_source_and_detail_type(
    endpoint: str, control: Callable[..., Any]
) -> None:
    """SAR: events:PutEvents on event-bus/${EventBusName}, condition keys events:source and
    events:detail-type."""
    bus_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
    key = iam_user(endpoint, unique("publisher"), allow(
        "events:PutEvents", bus_arn,
        Condition={"ForAllValues:StringEquals": {"events:source": [SOURCE],
                                                 "events:detail-type": [DETAIL_TYPE]}},
    ))
    publisher = signed_client(endpoint, "events", key)
    assert publisher.put_events(Entries=[entry()])["FailedEntryCount"] == 0
    with pytest.raises(ClientError) as refused:
        publisher.put_events(Entries=[entry(Source="studio-catalog.other")])
    assert error_code(refused) == "AccessDeniedException"
    with pytest.raises(ClientError) as other_bus:
        publisher.put_events(Entries=[entry(EventBusName="another")])
    assert error_code(other_bus) == "AccessDeniedException"
    decisions = control("GET", "iam/decisions")["decisions"]
    allowed = [d for d in decisions if d.get("action") == "events:PutEvents" and d["result"] == "Allowed"]
    assert allowed and allowed[-1]["resources"] == [bus_arn]


def test_list_rules_and_targets_omit_next_token_on_the_last_page(events: Any, sns: Any) -> None:
    """The shape guard fails a test whose answers carry a null member (AWS omits it)."""
    rule = rule_to_topic(events, topic_for_eventbridge(sns))
    assert "NextToken" not in events.list_rules(NamePrefix=rule)
    assert "NextToken" not in events.list_targets_by_rule(Rule=rule)
    assert "NextToken" not in events.list_event_buses()
