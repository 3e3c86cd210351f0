"""Notebook instances and endpoints in the emulator: AWS's lifecycles on moto's models.

Run: .venv/bin/python -m pytest -q tests/aws-emulator/test_notebooks.py
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import error, unique, wait_for

ROLE = "arn:aws:iam::123456789012:role/notebook-execution"
# Long enough that a status read straight after a call still sees the transitional state on a
# loaded machine.
TRANSITION = 0.6

pytestmark = pytest.mark.transition_seconds(TRANSITION)


def notebook_status(sm: Any, name: str) -> str:
    try:
        return sm.describe_notebook_instance(NotebookInstanceName=name)[
            "NotebookInstanceStatus"
        ]
    except ClientError as e:
        return e.response["Error"]["Message"]


def endpoint_status(sm: Any, name: str) -> str:
    try:
        return sm.describe_endpoint(EndpointName=name)["EndpointStatus"]
    except ClientError as e:
        return e.response["Error"]["Code"]


def create_notebook(sm: Any, **extra: Any) -> str:
    name = unique("nb")
    sm.create_notebook_instance(
        NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE, **extra
    )
    return name


def in_service_notebook(sm: Any) -> str:
    name = create_notebook(sm)
    wait_for(lambda: notebook_status(sm, name), "InService")
    return name


def passes_through(sm: Any, name: str, action: Any, transient: str, final: str) -> None:
    """``action`` on notebook instance ``name``: ``transient`` at once, then ``final``."""
    action(NotebookInstanceName=name)
    assert notebook_status(sm, name) == transient
    wait_for(lambda: notebook_status(sm, name), final)


def create_endpoint(sm: Any, **extra: Any) -> str:
    model = unique("model")
    sm.create_model(
        ModelName=model,
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1"},
    )
    config = unique("config")
    sm.create_endpoint_config(
        EndpointConfigName=config,
        ProductionVariants=[
            {
                "VariantName": "all",
                "ModelName": model,
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.xlarge",
            }
        ],
    )
    name = unique("ep")
    sm.create_endpoint(EndpointName=name, EndpointConfigName=config, **extra)
    return name


# --------------------------------------------------------------------------
# Notebook instances
# --------------------------------------------------------------------------


def test_a_new_notebook_instance_is_pending_then_in_service(sm: Any) -> None:
    name = create_notebook(sm)
    assert notebook_status(sm, name) == "Pending"
    wait_for(lambda: notebook_status(sm, name), "InService")


def test_stopping_passes_through_stopping_to_stopped(sm: Any) -> None:
    name = in_service_notebook(sm)
    passes_through(sm, name, sm.stop_notebook_instance, "Stopping", "Stopped")


def test_only_an_in_service_notebook_instance_can_be_stopped(sm: Any) -> None:
    name = create_notebook(sm)
    with pytest.raises(ClientError) as pending:
        sm.stop_notebook_instance(NotebookInstanceName=name)
    code, message = error(pending)
    assert code == "ValidationException"
    assert message.startswith("Status (Pending) not in ([InService]). Unable to transition to (Stopping)")

    wait_for(lambda: notebook_status(sm, name), "InService")
    sm.stop_notebook_instance(NotebookInstanceName=name)
    with pytest.raises(ClientError) as stopping:
        sm.stop_notebook_instance(NotebookInstanceName=name)
    assert error(stopping)[1].startswith("Status (Stopping) not in ([InService])")


def test_a_stopped_notebook_instance_starts_and_deletes(sm: Any) -> None:
    name = in_service_notebook(sm)
    with pytest.raises(ClientError) as running:
        sm.delete_notebook_instance(NotebookInstanceName=name)
    assert error(running)[0] == "ValidationException"

    passes_through(sm, name, sm.stop_notebook_instance, "Stopping", "Stopped")
    passes_through(sm, name, sm.start_notebook_instance, "Pending", "InService")

    passes_through(sm, name, sm.stop_notebook_instance, "Stopping", "Stopped")
    passes_through(sm, name, sm.delete_notebook_instance, "Deleting", "RecordNotFound")


def test_listing_filters_on_the_current_status(sm: Any) -> None:
    name = create_notebook(sm)
    in_service = lambda: [  # noqa: E731
        i["NotebookInstanceName"]
        for i in sm.list_notebook_instances(StatusEquals="InService")["NotebookInstances"]
    ]
    assert name not in in_service()
    wait_for(lambda: name in in_service(), True)


def test_notebook_instance_tags_are_listed_and_replaced_by_key(sm: Any) -> None:
    name = create_notebook(sm, Tags=[{"Key": "expires-at", "Value": "2020-01-01T00:00:00Z"}])
    arn = sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "expires-at", "Value": "2099-01-01T00:00:00Z"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [
        {"Key": "expires-at", "Value": "2099-01-01T00:00:00Z"}
    ]


def test_add_tags_on_a_notebook_instance_checks_the_tag_shape_as_on_studio_resources(sm: Any) -> None:
    """The ``Tag`` shape (botocore: value pattern without ``;``, no ``aws:`` keys) holds for
    every SageMaker resource; moto's own AddTags checked none of it."""
    name = create_notebook(sm)
    arn = sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceArn"]
    for bad in ({"Key": "warning", "Value": "2026-12-02T01:00:00Z;expired"},
                {"Key": "aws:owner", "Value": "x"}):
        with pytest.raises(ClientError) as refused:
            sm.add_tags(ResourceArn=arn, Tags=[bad])
        assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert sm.list_tags(ResourceArn=arn)["Tags"] == []


# --------------------------------------------------------------------------
# Endpoints
# --------------------------------------------------------------------------


def test_an_endpoint_is_creating_then_in_service(sm: Any) -> None:
    name = create_endpoint(sm)
    assert endpoint_status(sm, name) == "Creating"
    wait_for(lambda: endpoint_status(sm, name), "InService")
    listed = {
        e["EndpointName"]: e["EndpointStatus"] for e in sm.list_endpoints()["Endpoints"]
    }
    assert listed[name] == "InService"


def test_an_endpoint_without_data_capture_has_no_data_capture_config(sm: Any) -> None:
    name = create_endpoint(sm)
    assert "DataCaptureConfig" not in sm.describe_endpoint(EndpointName=name)


def test_deleting_an_endpoint_passes_through_deleting(sm: Any) -> None:
    name = create_endpoint(sm, Tags=[{"Key": "cleanup", "Value": "exempt"}])
    wait_for(lambda: endpoint_status(sm, name), "InService")
    sm.delete_endpoint(EndpointName=name)
    assert endpoint_status(sm, name) == "Deleting"
    with pytest.raises(ClientError) as again:
        sm.delete_endpoint(EndpointName=name)
    assert error(again)[0] == "ValidationException"
    wait_for(lambda: endpoint_status(sm, name), "ValidationException")
    with pytest.raises(ClientError) as gone:
        sm.delete_endpoint(EndpointName=name)
    assert "Could not find endpoint" in error(gone)[1]


def test_endpoint_tags_are_listed(sm: Any) -> None:
    name = create_endpoint(sm, Tags=[{"Key": "team", "Value": "ml"}])
    arn = sm.describe_endpoint(EndpointName=name)["EndpointArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "data"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "data"}]
