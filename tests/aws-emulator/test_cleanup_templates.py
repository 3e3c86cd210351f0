"""The cleanup's part of ``templates/core.yaml`` (issue #15): the CloudWatch dashboard of its
metrics, the optional SNS topic its events are forwarded to, and its role's new grants.

The metric names, namespace and dimensions are read from the cleanup crate
(``functions/studio-cleanup/src/metrics.rs``, the one home of the names the function emits), the
resources and statements from the template as written; nothing of either is retyped here.

Sources: CloudWatch User Guide, "Dashboard body structure and syntax" (``widgets``, metric
arrays ``[namespace, name, ...]``, ``SEARCH`` expressions) and "Specification: Embedded metric
format"; EventBridge User Guide, "Using resource-based policies for Amazon EventBridge"
(``events.amazonaws.com`` publishing to an SNS topic, limited with ``aws:SourceArn``); the
Service Authorization Reference (``aws:TagKeys`` on ``sagemaker:AddTags``/``DeleteTags``,
``events:source`` on ``events:PutEvents``, ``aws:ResourceTag`` on a user profile).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from emulator_client import iam_enforced  # noqa: F401 (the fixture)
from emulator_client import (
    ACCOUNT,
    REGION,
    REPOSITORY,
    client,
    error,
    load_template,
    role_session,
    role_statements,
    signed_client,
    unique,
    wait_for,
    wait_for_stack,
)

ROOT = Path(REPOSITORY)
CORE = ROOT / "templates" / "core.yaml"
METRICS_RS = ROOT / "functions" / "studio-cleanup" / "src" / "metrics.rs"
NOTICES_RS = ROOT / "functions" / "studio-cleanup" / "src" / "notices.rs"
LOG_GROUPS = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda"
WARNING_TAG = "studio-catalog:cleanup-warning"

#: core.yaml's resources that carry the cleanup's notifications and figures.
NOTIFICATION_RESOURCES = (
    "CleanupNotificationTopic",
    "CleanupNotificationTopicPolicy",
    "CleanupNotificationRule",
    "CleanupDashboard",
)

pytestmark = pytest.mark.transition_seconds(0.1)


def rust_constants(path: Path) -> dict[str, str]:
    """The ``pub const NAME: &str = "value";`` items of a module of the cleanup crate."""
    return dict(re.findall(r'pub const (\w+): &str = "([^"]*)";', path.read_text()))


def cleanup_constants() -> dict[str, str]:
    """The metrics module's names: namespace, dimensions, metrics."""
    return rust_constants(METRICS_RS)


#: The source of the events the cleanup publishes (its notices module).
EVENT_SOURCE = rust_constants(NOTICES_RS)["EVENT_SOURCE"]


def emitted_metrics() -> set[str]:
    return {value for name, value in cleanup_constants().items() if name.startswith("METRIC_")}


def dashboard_body(namespace: str) -> dict[str, Any]:
    """The dashboard's body as a stack with ``namespace`` would create it (its ``Fn::Sub``
    resolved), parsed."""
    properties = load_template(CORE)["Resources"]["CleanupDashboard"]["Properties"]
    text, variables = properties["DashboardBody"]["Fn::Sub"]
    assert variables == {"Namespace": {"Ref": "CleanupMetricsNamespace"}}
    values = {"Namespace": namespace, "AWS::Region": REGION, "NamePrefix": "studio-catalog"}
    return json.loads(re.sub(r"\$\{([^}!]+)\}", lambda m: values[m.group(1)], text))


def graphed(body: dict[str, Any]) -> tuple[set[str], set[str], set[tuple[str, ...]]]:
    """(metric names, namespaces, SEARCH dimension sets) the dashboard's metric widgets name."""
    names: set[str] = set()
    namespaces: set[str] = set()
    dimension_sets: set[tuple[str, ...]] = set()
    for widget in body["widgets"]:
        for row in widget.get("properties", {}).get("metrics", []):
            if isinstance(row[0], str):
                namespaces.add(row[0])
                names.add(row[1])
                continue
            expression = row[0]["expression"]
            schema = re.search(r"SEARCH\('\{([^}]*)\} MetricName=\"(\w+)\"'", expression)
            assert schema, expression
            namespace, *dimensions = schema.group(1).split(",")
            namespaces.add(namespace)
            dimension_sets.add(tuple(dimensions))
            names.add(schema.group(2))
    return names, namespaces, dimension_sets


def test_the_dashboard_graphs_every_metric_the_cleanup_emits_in_its_namespace_and_dimensions() -> None:
    constants = cleanup_constants()
    namespace = constants["DEFAULT_NAMESPACE"]
    parameters = load_template(CORE)["Parameters"]
    assert parameters["CleanupMetricsNamespace"]["Default"] == namespace

    body = dashboard_body(namespace)
    names, namespaces, dimension_sets = graphed(body)

    assert names == emitted_metrics(), "every metric graphed, and none the function does not emit"
    assert namespaces == {namespace}
    assert dimension_sets == {(constants["DIMENSION_RULE"], constants["DIMENSION_RESOURCE_TYPE"])}
    assert all(w["type"] in ("metric", "text") for w in body["widgets"])


def test_the_rule_and_the_role_name_the_source_the_cleanup_publishes_with() -> None:
    core = load_template(CORE)
    pattern = core["Resources"]["CleanupNotificationRule"]["Properties"]["EventPattern"]
    [statement] = [
        statement
        for policy in core["Resources"]["StudioCleanupFunctionRole"]["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Action"] == "events:PutEvents"
    ]
    assert pattern == {"source": [EVENT_SOURCE]}
    assert statement["Condition"] == {"ForAllValues:StringEquals": {"events:source": [EVENT_SOURCE]}}


def test_the_dashboard_follows_the_namespace_parameter() -> None:
    _, namespaces, _ = graphed(dashboard_body("Acme/StudioCleanup"))
    assert namespaces == {"Acme/StudioCleanup"}


def long_form(node: Any) -> Any:
    """``Fn::GetAtt: "A.B"`` (how the short form ``!GetAtt A.B`` loads) as ``[A, B]``, the
    template reference's long form, for a template dumped back to YAML."""
    if isinstance(node, list):
        return [long_form(item) for item in node]
    if isinstance(node, dict):
        if set(node) == {"Fn::GetAtt"} and isinstance(node["Fn::GetAtt"], str):
            return {"Fn::GetAtt": node["Fn::GetAtt"].split(".", 1)}
        return {key: long_form(value) for key, value in node.items()}
    return node


def notification_template() -> str:
    """core.yaml's notification and dashboard resources, as they are, with the parameters and
    the condition they use: the part of the core stack this module creates."""
    core = load_template(CORE)
    used = ("NamePrefix", "CleanupEventBusName", "CleanupNotificationEmail", "CleanupMetricsNamespace")
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "The cleanup's notifications and dashboard, from templates/core.yaml.",
        "Parameters": {name: core["Parameters"][name] for name in used},
        "Conditions": {"NotifiesCleanupByEmail": core["Conditions"]["NotifiesCleanupByEmail"]},
        "Resources": {name: long_form(core["Resources"][name]) for name in NOTIFICATION_RESOURCES},
        "Outputs": {
            "Topic": {"Condition": "NotifiesCleanupByEmail", "Value": {"Ref": "CleanupNotificationTopic"}},
            "Rule": {"Condition": "NotifiesCleanupByEmail", "Value": {"Fn::GetAtt": ["CleanupNotificationRule", "Arn"]}},
            "Dashboard": {"Value": {"Ref": "CleanupDashboard"}},
        },
    }
    return yaml.safe_dump(template, sort_keys=False)


def create(endpoint: str, **parameters: str) -> dict[str, str]:
    cloudformation = client(endpoint, "cloudformation")
    stack = unique("cleanup-notifications")
    cloudformation.create_stack(
        StackName=stack,
        TemplateBody=notification_template(),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    )
    described = wait_for_stack(cloudformation, stack)
    assert described["StackStatus"] == "CREATE_COMPLETE", described
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def test_the_emulators_cloudformation_creates_the_dashboard_with_a_body_that_parses(
    endpoint: str, iam_enforced: None  # noqa: F811
) -> None:
    prefix = unique("cat")[:20].lower()
    outputs = create(endpoint, NamePrefix=prefix)

    assert "Topic" not in outputs, "no address, no topic"
    cloudwatch = client(endpoint, "cloudwatch")
    dashboard = cloudwatch.get_dashboard(DashboardName=outputs["Dashboard"])
    assert dashboard["DashboardName"] == f"{prefix}-cleanup"
    names, _, _ = graphed(json.loads(dashboard["DashboardBody"]))
    assert names == emitted_metrics()


def test_with_an_address_the_rule_forwards_the_cleanups_events_to_a_topic_only_it_may_publish_to(
    endpoint: str, control: Callable[..., Any], iam_enforced: None  # noqa: F811
) -> None:
    prefix = unique("cat")[:20].lower()
    outputs = create(endpoint, NamePrefix=prefix, CleanupNotificationEmail="platform-team@example.com")

    events = client(endpoint, "events")
    rule = events.describe_rule(Name=f"{prefix}-cleanup-notifications")
    assert rule["Arn"] == outputs["Rule"]
    assert json.loads(rule["EventPattern"]) == {"source": [EVENT_SOURCE]}
    targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
    assert [t["Arn"] for t in targets] == [outputs["Topic"]]

    sns = client(endpoint, "sns")
    policy = json.loads(sns.get_topic_attributes(TopicArn=outputs["Topic"])["Attributes"]["Policy"])
    [statement] = policy["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": outputs["Rule"]}}
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=outputs["Topic"])["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", "platform-team@example.com")]

    detail = {"rule": "max-lifetime", "resourceName": "default", "ownerIdentity": "alice"}
    events.put_events(Entries=[
        {"Source": EVENT_SOURCE, "DetailType": "Studio Cleanup Warning", "Detail": json.dumps(detail)},
        {"Source": "aws.sagemaker", "DetailType": "SageMaker App State Change", "Detail": "{}"},
    ])
    messages = control("GET", f"sns/messages?TopicArn={outputs['Topic']}")["messages"]
    forwarded = [json.loads(m["Message"]) for m in messages]
    assert [(e["source"], e["detail-type"], e["detail"]) for e in forwarded] == [
        (EVENT_SOURCE, "Studio Cleanup Warning", detail)
    ], "the cleanup's event, and only it"


# --------------------------------------------------------------------------
# The cleanup role's new grants, each limited as the template says
# --------------------------------------------------------------------------


def cleanup_session(endpoint: str) -> tuple[str, str, str]:
    return role_session(endpoint, unique("cleanup-role"), *role_statements(CORE, "StudioCleanupFunctionRole", {
        "StudioCleanupLogGroup.Arn": f"{LOG_GROUPS}/cleanup",
        "NamePrefix": "studio-catalog",
        "CleanupEventBusName": "default",
    }))


def denied(exc: pytest.ExceptionInfo[ClientError]) -> bool:
    return error(exc)[0] in ("AccessDenied", "AccessDeniedException")


def test_the_cleanup_role_sets_and_removes_only_its_warning_tag(
    endpoint: str, iam_enforced: None  # noqa: F811
) -> None:
    sm = client(endpoint, "sagemaker")
    name = unique("nb")
    arn = sm.create_notebook_instance(
        NotebookInstanceName=name, InstanceType="ml.t3.medium",
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/studio-execution",
    )["NotebookInstanceArn"]
    as_cleanup = signed_client(endpoint, "sagemaker", cleanup_session(endpoint))

    as_cleanup.add_tags(ResourceArn=arn, Tags=[{"Key": WARNING_TAG, "Value": "2026-12-02T01:00:00Z expired"}])
    as_cleanup.delete_tags(ResourceArn=arn, TagKeys=[WARNING_TAG])
    with pytest.raises(ClientError) as other_key:
        as_cleanup.add_tags(ResourceArn=arn, Tags=[{"Key": "cleanup", "Value": "exempt"}])
    with pytest.raises(ClientError) as with_another:
        as_cleanup.delete_tags(ResourceArn=arn, TagKeys=[WARNING_TAG, "expires-at"])

    assert denied(other_key) and denied(with_another)
    assert {t["Key"] for t in sm.list_tags(ResourceArn=arn)["Tags"]} == set()


def test_the_cleanup_role_publishes_only_the_cleanups_events_on_its_bus(
    endpoint: str, iam_enforced: None  # noqa: F811
) -> None:
    as_cleanup = signed_client(endpoint, "events", cleanup_session(endpoint))
    entry = {"DetailType": "Studio Cleanup Warning", "Detail": json.dumps({"rule": "expired"})}

    published = as_cleanup.put_events(Entries=[{**entry, "Source": EVENT_SOURCE}])
    with pytest.raises(ClientError) as other_source:
        as_cleanup.put_events(Entries=[{**entry, "Source": "aws.sagemaker"}])

    assert published["FailedEntryCount"] == 0
    assert denied(other_source)


def test_the_cleanup_role_repairs_only_profiles_the_suite_made(
    endpoint: str, iam_enforced: None  # noqa: F811
) -> None:
    sm = client(endpoint, "sagemaker")
    domain_id = sm.create_domain(
        DomainName=unique("dom"), AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": f"arn:aws:iam::{ACCOUNT}:role/studio-execution"},
        SubnetIds=["subnet-0123456789abcdef0"], VpcId="vpc-0123456789abcdef0",
    )["DomainId"]
    sm.create_user_profile(DomainId=domain_id, UserProfileName="managed",
                           Tags=[{"Key": "studio-catalog:managed", "Value": "true"}])
    sm.create_user_profile(DomainId=domain_id, UserProfileName="by-hand")
    for profile in ("managed", "by-hand"):
        wait_for(lambda p=profile: sm.describe_user_profile(DomainId=domain_id, UserProfileName=p)["Status"],
                 "InService")
    as_cleanup = signed_client(endpoint, "sagemaker", cleanup_session(endpoint))
    repair = {"UserSettings": {"JupyterLabAppSettings": {"AppLifecycleManagement": {"IdleSettings": {
        "LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 120}}}}}

    as_cleanup.update_user_profile(DomainId=domain_id, UserProfileName="managed", **repair)
    with pytest.raises(ClientError) as by_hand:
        as_cleanup.update_user_profile(DomainId=domain_id, UserProfileName="by-hand", **repair)

    assert denied(by_hand)
