"""The calls AWS services make under the customer's roles, authorised in-process (issue #13).

* Lambda delivers a function's logs with the function's execution-role session (session name =
  the function's name): ``logs:CreateLogStream`` and ``logs:PutLogEvents`` on the stream
  (``logs:CreateLogGroup`` only while the group is missing); refused, the invocation still
  succeeds and nothing is written (Lambda Developer Guide, "Sending Lambda function logs to
  CloudWatch Logs"; ``studio_emulator/awslambda/executor.py`` ``LogStream``).
* Service Catalog calls CloudFormation as the launch role's session (Administrator Guide, "AWS
  Service Catalog launch constraints": the role "that AWS Service Catalog assumes when an end
  user launches, updates, or terminates a product"), or with the end user's own credentials
  without a launch constraint: ``cloudformation:CreateStack`` (ProvisionProduct),
  ``UpdateStack`` (UpdateProvisionedProduct), ``DeleteStack`` (TerminateProvisionedProduct),
  and ``cloudformation:TagResource`` for the end user's tags; a refusal fails the record
  (``studio_emulator/servicecatalog/models.py`` ``_stack_refusal``).

Run: .venv/bin/python -m pytest -q tests/aws-emulator/test_iam_service_calls.py
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import (
    ACCOUNT,
    END_USER_STATEMENTS,
    HANDLE_TEMPLATE,
    LAUNCH_ROLE_STATEMENTS,
    REGION,
    allow,
    create_function,
    iam_enforced,
    iam_user,
    new_product,
    policy_document,
    service_role,
    signed_client,
    stage_template,
    unique,
    wait_for,
)

__all__ = ["iam_enforced"]  # a fixture, used by name

pytestmark = pytest.mark.transition_seconds(0.2)

#: The launch role's read of Service Catalog's template copy (the first launch-role statement).
TEMPLATE_COPY_READ = LAUNCH_ROLE_STATEMENTS[0]
STACK_ACTIONS = ("CreateStack", "UpdateStack", "DeleteStack")
SC_STACKS = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/SC-*"
#: A second version of HANDLE_TEMPLATE (an update CloudFormation has work to do for).
TWO_HANDLES = json.dumps(
    {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
            "Second": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
        },
    }
)


def decisions(control: Callable[..., Any], principal: str, **query: str) -> list[dict[str, Any]]:
    params = "&".join(f"{k}={v}" for k, v in {"principal": principal, **query}.items())
    return list(control("GET", f"iam/decisions?{params}")["decisions"])


# --------------------------------------------------------------------------
# Lambda's log delivery under the execution role
# --------------------------------------------------------------------------


def function_session(name: str) -> str:
    """The session Lambda opens on a function's role (``create_function`` names it
    ``<function>-role``): its session name is the function's name."""
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}-role/{name}"


def invoke_print(lam: Any, name: str, line: str) -> dict[str, Any]:
    event = {"action": "print", "lines": [line]}
    answer = lam.invoke(FunctionName=name, Payload=json.dumps(event))
    answer["Payload"].read()
    return answer


def messages(logs: Any, group: str) -> list[str]:
    found = []
    for stream in logs.describe_log_streams(logGroupName=group)["logStreams"]:
        events = logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"])
        found += [e["message"] for e in events["events"]]
    return found


def test_a_role_granted_stream_writes_on_its_templates_log_group_gets_its_logs(
    lam: Any, logs: Any, control: Callable[..., Any], iam_enforced: None
) -> None:
    """The core template's function roles grant ``logs:CreateLogStream`` and
    ``logs:PutLogEvents`` on ``!GetAtt <LogGroup>.Arn`` (``...:log-group:<group>:*``) and no
    ``logs:CreateLogGroup``: the group exists (the template makes it), so Lambda does not ask
    for it, and both writes are decided for the function's session."""
    name = unique("logged")
    group = f"/aws/lambda/{name}"
    logs.create_log_group(logGroupName=group)
    group_arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"
    create_function(
        lam,
        function_name=name,
        logs=False,
        statements=(allow(["logs:CreateLogStream", "logs:PutLogEvents"], f"{group_arn}:*"),),
    )

    answer = invoke_print(lam, name, "delivered")

    assert "FunctionError" not in answer
    wait_for(lambda: "delivered" in messages(logs, group), True)
    made = decisions(control, function_session(name))
    assert {(d["action"], d["result"], d["via"]) for d in made} == {
        ("logs:CreateLogStream", "Allowed", "lambda"),
        ("logs:PutLogEvents", "Allowed", "lambda"),
    }
    [stream] = logs.describe_log_streams(logGroupName=group)["logStreams"]
    stream_arn = f"{group_arn}:log-stream:{stream['logStreamName']}"
    assert {r for d in made for r in d["resources"]} == {stream_arn}


def test_a_role_without_put_log_events_runs_but_writes_no_log(
    lam: Any, logs: Any, control: Callable[..., Any], iam_enforced: None
) -> None:
    """Lambda Developer Guide: without the logging permissions "the function runs but no logs
    are written": the invocation answers normally, the group stays empty, and the refusal is
    the function session's."""
    name = unique("unlogged")
    group = f"/aws/lambda/{name}"
    logs.create_log_group(logGroupName=group)
    group_arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"
    create_function(
        lam,
        function_name=name,
        logs=False,
        statements=(allow("logs:CreateLogStream", f"{group_arn}:*"),),
    )

    answer = invoke_print(lam, name, "dropped")

    assert answer["StatusCode"] == 200 and "FunctionError" not in answer
    refused = decisions(control, function_session(name), result="ImplicitlyDenied")
    assert {(d["action"], d["via"]) for d in refused} >= {("logs:PutLogEvents", "lambda")}
    assert logs.describe_log_streams(logGroupName=group)["logStreams"] == []


# --------------------------------------------------------------------------
# Service Catalog's CloudFormation calls under the launch role
# --------------------------------------------------------------------------


def launch_statements(*without: str, tagging: bool = False) -> tuple[dict[str, Any], ...]:
    """A launch role's statements: the template-copy read and the stack actions on ``SC-*``
    stacks, less ``without``; ``tagging`` adds ``cloudformation:TagResource``."""
    actions = [a for a in STACK_ACTIONS if a not in without]
    if tagging:
        actions.append("TagResource")
    return (TEMPLATE_COPY_READ, allow([f"cloudformation:{a}" for a in actions], SC_STACKS))


def constrained_product(sc: Any, role: str | None, principal: str) -> tuple[str, str]:
    """A product (versions v1 = ``HANDLE_TEMPLATE``, v2 = ``TWO_HANDLES``) in a new portfolio
    that ``principal`` may launch from, under launch role ``role`` (None: no launch
    constraint); returns the product id and its artefact ids joined by a comma."""
    product_id, artifact = new_product(sc, HANDLE_TEMPLATE)
    portfolio = sc.create_portfolio(DisplayName=unique("portfolio"), ProviderName="platform")
    portfolio_id = portfolio["PortfolioDetail"]["Id"]
    sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio_id)
    sc.associate_principal_with_portfolio(
        PortfolioId=portfolio_id, PrincipalARN=principal, PrincipalType="IAM"
    )
    if role:
        sc.create_constraint(
            PortfolioId=portfolio_id,
            ProductId=product_id,
            Type="LAUNCH",
            Parameters=json.dumps({"RoleArn": role}),
            IdempotencyToken=unique("constraint"),
        )
    # a second artefact, for the updates
    second = sc.create_provisioning_artifact(
        ProductId=product_id,
        Parameters={
            "Name": "v2",
            "Info": {"LoadTemplateFromURL": stage_template(sc.meta.endpoint_url, TWO_HANDLES)},
            "Type": "CLOUD_FORMATION_TEMPLATE",
        },
        IdempotencyToken=unique("artifact"),
    )["ProvisioningArtifactDetail"]["Id"]
    return product_id, artifact + "," + second


#: moto's default identity (the tests' set-up keys), which may launch from the portfolios here.
CALLER = f"arn:aws:iam::{ACCOUNT}:user/moto"


def launch(
    sc: Any, product: tuple[str, str], tags: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    product_id, artifacts = product
    return dict(
        sc.provision_product(
            ProductId=product_id,
            ProvisioningArtifactId=artifacts.split(",")[0],
            ProvisionedProductName=unique("pp"),
            ProvisionToken=unique("token"),
            Tags=tags or [],
        )["RecordDetail"]
    )


def record_of(sc: Any, record_id: str, expected: str) -> dict[str, Any]:
    wait_for(
        lambda: sc.describe_record(Id=record_id)["RecordDetail"]["Status"], expected, timeout=20
    )
    return dict(sc.describe_record(Id=record_id)["RecordDetail"])


def provisioned(sc: Any, pp_id: str) -> dict[str, Any]:
    return dict(sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"])


def sc_session(role_name: str) -> str:
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/AWSServiceCatalog"


def stack_arn_of(cfn: Any, pp_id: str) -> str:
    return str(cfn.describe_stacks(StackName=f"SC-{ACCOUNT}-{pp_id}")["Stacks"][0]["StackId"])


def launch_role_named(endpoint: str, *statements: dict[str, Any]) -> tuple[str, str]:
    name = unique("launch")
    return name, service_role(endpoint, name, "servicecatalog", *statements)


def test_a_launch_creates_the_stack_as_the_launch_roles_session(
    sc: Any, cfn: Any, endpoint: str, control: Callable[..., Any], iam_enforced: None
) -> None:
    name, role = launch_role_named(endpoint, *launch_statements())
    product = constrained_product(sc, role, CALLER)

    record = launch(sc, product)

    finished = record_of(sc, record["RecordId"], "SUCCEEDED")
    pp_id = finished["ProvisionedProductId"]
    assert provisioned(sc, pp_id)["Status"] == "AVAILABLE"
    made = decisions(control, sc_session(name), service="servicecatalog")
    creates = [d for d in made if d["action"] == "cloudformation:CreateStack"]
    assert [(d["result"], d["resources"]) for d in creates] == [
        ("Allowed", [f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/SC-{ACCOUNT}-{pp_id}/*"])
    ]
    # Service Catalog's own aws:servicecatalog:* tags on the stack need no TagResource grant
    assert "cloudformation:TagResource" not in {d["action"] for d in made}
    [stack] = cfn.describe_stacks(StackName=stack_arn_of(cfn, pp_id))["Stacks"]
    assert "aws:servicecatalog:provisionedProductArn" in {t["Key"] for t in stack["Tags"]}


def test_a_launch_role_without_create_stack_fails_the_record_naming_the_action(
    sc: Any, cfn: Any, endpoint: str, iam_enforced: None
) -> None:
    name, role = launch_role_named(endpoint, *launch_statements("CreateStack"))
    product = constrained_product(sc, role, CALLER)

    record = launch(sc, product)

    failed = record_of(sc, record["RecordId"], "FAILED")
    pp_id = failed["ProvisionedProductId"]
    [entry] = failed["RecordErrors"]
    assert entry["Code"] == "AccessDenied"
    assert entry["Description"] == (
        f"User: {sc_session(name)} is not authorized to perform: cloudformation:CreateStack on "
        f"resource: arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/SC-{ACCOUNT}-{pp_id}/* "
        "because no identity-based policy allows the cloudformation:CreateStack action"
    )
    detail = provisioned(sc, pp_id)
    assert detail["Status"] == "ERROR"
    assert "Error Code: AccessDenied" in detail["StatusMessage"]
    with pytest.raises(ClientError):  # CloudFormation never got the call
        cfn.describe_stacks(StackName=f"SC-{ACCOUNT}-{pp_id}")


def test_the_end_users_tags_need_tag_resource_of_the_launch_role(
    sc: Any, endpoint: str, control: Callable[..., Any], iam_enforced: None
) -> None:
    """CreateStack with ``Tags`` also needs ``cloudformation:TagResource`` (the middleware's rule
    for the same call, ``iam/context/cloudformation.py``); the tags are the end user's."""
    untagging, role = launch_role_named(endpoint, *launch_statements())
    tags = [{"Key": "team", "Value": "analytics"}]

    record = launch(sc, constrained_product(sc, role, CALLER), tags)

    refused = record_of(sc, record["RecordId"], "FAILED")

    [entry] = refused["RecordErrors"]
    assert "is not authorized to perform: cloudformation:TagResource" in entry["Description"]
    tagging, role = launch_role_named(endpoint, *launch_statements(tagging=True))
    record = launch(sc, constrained_product(sc, role, CALLER), tags)
    record_of(sc, record["RecordId"], "SUCCEEDED")
    [tag_decision] = [
        d for d in decisions(control, sc_session(tagging), result="Allowed")
        if d["action"] == "cloudformation:TagResource"
    ]
    assert tag_decision["via"] == "servicecatalog"


def test_an_update_updates_the_stack_as_the_launch_role_and_without_update_stack_taints(
    sc: Any, cfn: Any, endpoint: str, iam: Any, control: Callable[..., Any], iam_enforced: None
) -> None:
    name, role = launch_role_named(endpoint, *launch_statements())
    product = constrained_product(sc, role, CALLER)
    pp_id = record_of(sc, launch(sc, product)["RecordId"], "SUCCEEDED")["ProvisionedProductId"]
    stack_arn = stack_arn_of(cfn, pp_id)
    second = product[1].split(",")[1]

    updated = sc.update_provisioned_product(
        ProvisionedProductId=pp_id, ProvisioningArtifactId=second, UpdateToken=unique("update")
    )["RecordDetail"]
    record_of(sc, updated["RecordId"], "SUCCEEDED")

    [update] = [
        d for d in decisions(control, sc_session(name), service="servicecatalog")
        if d["action"] == "cloudformation:UpdateStack"
    ]
    assert (update["result"], update["resources"]) == ("Allowed", [stack_arn])
    iam.put_role_policy(
        RoleName=name, PolicyName=f"{name}-policy",
        PolicyDocument=policy_document(*launch_statements("UpdateStack")),
    )
    again = sc.update_provisioned_product(
        ProvisionedProductId=pp_id,
        ProvisioningArtifactId=product[1].split(",")[0],
        UpdateToken=unique("update"),
    )["RecordDetail"]
    failed = record_of(sc, again["RecordId"], "FAILED")
    [entry] = failed["RecordErrors"]
    assert entry["Code"] == "AccessDenied"
    assert entry["Description"].startswith(
        f"User: {sc_session(name)} is not authorized to perform: cloudformation:UpdateStack on "
        f"resource: {stack_arn} "
    )
    assert provisioned(sc, pp_id)["Status"] == "TAINTED"  # the stack is as it was
    stack = cfn.describe_stacks(StackName=stack_arn)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    resources = cfn.describe_stack_resources(StackName=stack_arn)["StackResources"]
    assert {r["LogicalResourceId"] for r in resources} == {"Handle", "Second"}


def test_a_termination_deletes_the_stack_as_the_launch_role_and_without_delete_stack_fails(
    sc: Any, cfn: Any, endpoint: str, iam: Any, control: Callable[..., Any], iam_enforced: None
) -> None:
    name, role = launch_role_named(endpoint, *launch_statements("DeleteStack"))
    product = constrained_product(sc, role, CALLER)
    kept = record_of(sc, launch(sc, product)["RecordId"], "SUCCEEDED")["ProvisionedProductId"]
    stack_arn = stack_arn_of(cfn, kept)

    refused = sc.terminate_provisioned_product(
        ProvisionedProductId=kept, TerminateToken=unique("terminate")
    )["RecordDetail"]

    [entry] = record_of(sc, refused["RecordId"], "FAILED")["RecordErrors"]
    assert entry["Code"] == "AccessDenied"
    assert entry["Description"].startswith(
        f"User: {sc_session(name)} is not authorized to perform: cloudformation:DeleteStack on "
        f"resource: {stack_arn} "
    )
    assert provisioned(sc, kept)["Status"] == "ERROR"
    [stack] = cfn.describe_stacks(StackName=stack_arn)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"

    iam.put_role_policy(
        RoleName=name,
        PolicyName=f"{name}-policy",
        PolicyDocument=policy_document(*launch_statements()),
    )
    control("DELETE", "iam/decisions")
    done = sc.terminate_provisioned_product(
        ProvisionedProductId=kept, TerminateToken=unique("terminate")
    )["RecordDetail"]
    record_of(sc, done["RecordId"], "SUCCEEDED")
    [delete] = [
        d for d in decisions(control, sc_session(name), service="servicecatalog")
        if d["action"] == "cloudformation:DeleteStack"
    ]
    assert (delete["result"], delete["resources"]) == ("Allowed", [stack_arn])
    [stack] = cfn.describe_stacks(StackName=stack_arn)["Stacks"]
    assert stack["StackStatus"] == "DELETE_COMPLETE"


def test_ignore_errors_ends_a_termination_the_launch_role_may_not_make(
    sc: Any, cfn: Any, endpoint: str, iam_enforced: None
) -> None:
    """"If set to true, AWS Service Catalog stops managing the specified provisioned product even
    if it cannot delete the underlying resources" (TerminateProvisionedProduct ``IgnoreErrors``)."""
    _, role = launch_role_named(endpoint, *launch_statements("DeleteStack"))
    launched = launch(sc, constrained_product(sc, role, CALLER))
    pp_id = record_of(sc, launched["RecordId"], "SUCCEEDED")["ProvisionedProductId"]
    stack_arn = stack_arn_of(cfn, pp_id)

    record = sc.terminate_provisioned_product(
        ProvisionedProductId=pp_id, TerminateToken=unique("terminate"), IgnoreErrors=True
    )["RecordDetail"]

    record_of(sc, record["RecordId"], "SUCCEEDED")
    with pytest.raises(ClientError):  # no longer managed
        provisioned(sc, pp_id)
    [stack] = cfn.describe_stacks(StackName=stack_arn)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"


def test_without_a_launch_constraint_the_end_users_own_credentials_create_the_stack(
    endpoint: str, sc: Any, control: Callable[..., Any], iam_enforced: None
) -> None:
    """Without a launch constraint "end users must launch and manage products using their own
    IAM credentials" (the launch constraints page): the user's CreateStack is decided, forwarded
    by Service Catalog (``aws:ViaAWSService``); a user without it gets the record's refusal."""
    stacks_via_service = allow(
        "cloudformation:CreateStack", SC_STACKS, Condition={"Bool": {"aws:ViaAWSService": "true"}}
    )
    allowed_name, refused_name = unique("launcher"), unique("launcher")
    own = (*END_USER_STATEMENTS, TEMPLATE_COPY_READ)
    allowed_key = iam_user(endpoint, allowed_name, *own, stacks_via_service)
    refused_key = iam_user(endpoint, refused_name, *own)
    for user_name, key, expected in (
        (allowed_name, allowed_key, "SUCCEEDED"),
        (refused_name, refused_key, "FAILED"),
    ):
        user = f"arn:aws:iam::{ACCOUNT}:user/{user_name}"
        product = constrained_product(sc, None, user)
        as_user = signed_client(endpoint, "servicecatalog", key)
        record = record_of(as_user, launch(as_user, product)["RecordId"], expected)
        made = [
            d["result"] for d in decisions(control, user, service="servicecatalog")
            if d["action"] == "cloudformation:CreateStack"
        ]
        assert made == ["Allowed" if expected == "SUCCEEDED" else "ImplicitlyDenied"]
        if expected == "FAILED":
            [entry] = record["RecordErrors"]
            assert entry["Code"] == "AccessDenied"
            assert entry["Description"].startswith(
                f"User: {user} is not authorized to perform: cloudformation:CreateStack"
            )
