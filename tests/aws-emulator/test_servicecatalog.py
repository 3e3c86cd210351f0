"""Service Catalog provisioned products in the emulator, driven with boto3.

Run: .venv/bin/python -m pytest -q tests/aws-emulator/test_servicecatalog.py
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "server.py")
REGION = "us-east-1"
TRANSITION = 0.2
ACCOUNT_LEVEL = {"Key": "Account", "Value": "self"}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            SERVER,
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--transition-seconds",
            str(TRANSITION),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.fullmatch(r"studio-emulator ready on (http://127\.0\.0\.1:\d+)\n", line)
    if not match:
        proc.kill()
        pytest.fail(f"emulator did not start: {line!r} {proc.stderr.read()!r}")
    try:
        yield match.group(1)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _client(endpoint: str, service: str, key: str = "AKIAIOSFODNN7EXAMPLE") -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key="secret",
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )


@pytest.fixture()
def sc(endpoint: str) -> Any:
    return _client(endpoint, "servicecatalog")


@pytest.fixture()
def cfn(endpoint: str) -> Any:
    return _client(endpoint, "cloudformation")


@pytest.fixture()
def control(endpoint: str) -> Callable[..., Any]:
    def call(method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{endpoint}/_studio_emulator/{path}", data=data, method=method
        )
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read())

    return call


_counter = iter(range(1, 100_000))


def unique(prefix: str) -> str:
    return f"{prefix}-{os.getpid()}-{next(_counter)}"


def wait_for(fn: Callable[[], Any], expected: Any, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value == expected:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {expected!r}, still {value!r}")
        time.sleep(0.05)


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def create_product(sc: Any) -> tuple[str, str]:
    detail = sc.create_product(
        Name=unique("product"),
        Owner="platform",
        ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters={
            "Name": "v1",
            "Info": {"LoadTemplateFromURL": "https://example.com/t.yaml"},
            "Type": "CLOUD_FORMATION_TEMPLATE",
        },
        IdempotencyToken=unique("token"),
    )
    product_id = detail["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    artifacts = sc.describe_product(Id=product_id)["ProvisioningArtifacts"]
    return product_id, artifacts[0]["Id"]


def provision(sc: Any, tags: list[dict[str, str]] | None = None) -> dict[str, Any]:
    product_id, artifact = create_product(sc)
    return sc.provision_product(
        ProductId=product_id,
        ProvisioningArtifactId=artifact,
        ProvisionedProductName=unique("pp"),
        ProvisionToken=unique("tok"),
        Tags=tags or [],
    )["RecordDetail"]


def status(sc: Any, pp_id: str) -> str:
    try:
        return sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]["Status"]
    except ClientError as e:
        return e.response["Error"]["Code"]


def search(sc: Any, **extra: Any) -> list[dict[str, Any]]:
    return sc.search_provisioned_products(AccessLevelFilter=ACCOUNT_LEVEL, **extra)[
        "ProvisionedProducts"
    ]


def test_a_product_has_one_provisioning_artifact(sc: Any) -> None:
    product_id, artifact = create_product(sc)
    assert re.fullmatch(r"pa-[0-9a-f]{13}", artifact)
    listed = sc.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"]
    assert [a["Id"] for a in listed] == [artifact]
    assert listed[0]["Name"] == "v1"


def test_provisioning_creates_a_stack_and_becomes_available(sc: Any, cfn: Any) -> None:
    record = provision(sc, tags=[{"Key": "expires-at", "Value": "2030-01-01T00:00:00Z"}])
    assert record["RecordType"] == "PROVISION_PRODUCT"
    assert record["Status"] == "IN_PROGRESS"
    pp_id = record["ProvisionedProductId"]
    assert re.fullmatch(r"pp-[a-z0-9]{13}", pp_id)
    assert status(sc, pp_id) == "UNDER_CHANGE"
    wait_for(lambda: status(sc, pp_id), "AVAILABLE")

    [found] = [p for p in search(sc) if p["Id"] == pp_id]
    assert found["Tags"] == [{"Key": "expires-at", "Value": "2030-01-01T00:00:00Z"}]
    assert found["Type"] == "CFN_STACK"
    assert found["Arn"].endswith(f"/{pp_id}")
    stack = cfn.describe_stacks(StackName=found["PhysicalId"])["Stacks"][0]
    assert stack["StackName"] == f"SC-123456789012-{pp_id}"
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert sc.describe_record(Id=record["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"


def test_the_same_provision_token_returns_the_same_record(sc: Any) -> None:
    product_id, artifact = create_product(sc)
    args = {
        "ProductId": product_id,
        "ProvisioningArtifactId": artifact,
        "ProvisionedProductName": unique("pp"),
        "ProvisionToken": unique("tok"),
    }
    first = sc.provision_product(**args)["RecordDetail"]
    second = sc.provision_product(**args)["RecordDetail"]
    assert first["RecordId"] == second["RecordId"]


def test_a_duplicate_name_or_unknown_artifact_is_refused(sc: Any) -> None:
    product_id, artifact = create_product(sc)
    name = unique("pp")
    sc.provision_product(
        ProductId=product_id, ProvisioningArtifactId=artifact,
        ProvisionedProductName=name, ProvisionToken=unique("tok"),
    )
    with pytest.raises(ClientError) as duplicate:
        sc.provision_product(
            ProductId=product_id, ProvisioningArtifactId=artifact,
            ProvisionedProductName=name, ProvisionToken=unique("tok"),
        )
    assert error(duplicate)[0] == "DuplicateResourceException"
    with pytest.raises(ClientError) as unknown:
        sc.provision_product(
            ProductId=product_id, ProvisioningArtifactId="pa-0000000000000",
            ProvisionedProductName=unique("pp"), ProvisionToken=unique("tok"),
        )
    assert error(unknown)[0] == "ResourceNotFoundException"


def test_search_sees_only_the_callers_own_unless_account_level(endpoint: str, sc: Any) -> None:
    record = provision(sc)
    other = _client(endpoint, "servicecatalog", key="AKIAOTHERUSER0000000")
    mine = [p["Id"] for p in other.search_provisioned_products()["ProvisionedProducts"]]
    assert record["ProvisionedProductId"] not in mine
    everyone = [
        p["Id"]
        for p in other.search_provisioned_products(AccessLevelFilter=ACCOUNT_LEVEL)[
            "ProvisionedProducts"
        ]
    ]
    assert record["ProvisionedProductId"] in everyone


def test_search_pages_and_filters(sc: Any) -> None:
    records = [provision(sc) for _ in range(3)]
    ids = {r["ProvisionedProductId"] for r in records}
    seen: list[str] = []
    token = None
    while True:
        args: dict[str, Any] = {"AccessLevelFilter": ACCOUNT_LEVEL, "PageSize": 2}
        if token:
            args["PageToken"] = token
        page = sc.search_provisioned_products(**args)
        assert len(page["ProvisionedProducts"]) <= 2
        seen += [p["Id"] for p in page["ProvisionedProducts"]]
        token = page.get("NextPageToken")
        if not token:
            break
    assert ids <= set(seen)
    assert len(seen) == len(set(seen))
    one = records[0]["ProvisionedProductId"]
    assert [p["Id"] for p in search(sc, Filters={"SearchQuery": [f"id:{one}"]})] == [one]


def test_terminating_deletes_the_stack_and_forgets_the_product(sc: Any, cfn: Any) -> None:
    pp_id = provision(sc)["ProvisionedProductId"]
    wait_for(lambda: status(sc, pp_id), "AVAILABLE")
    stack_id = [p for p in search(sc) if p["Id"] == pp_id][0]["PhysicalId"]

    record = sc.terminate_provisioned_product(ProvisionedProductId=pp_id, TerminateToken="t-1")[
        "RecordDetail"
    ]
    assert record["RecordType"] == "TERMINATE_PROVISIONED_PRODUCT"
    assert status(sc, pp_id) == "UNDER_CHANGE"
    again = sc.terminate_provisioned_product(ProvisionedProductId=pp_id, TerminateToken="t-1")
    assert again["RecordDetail"]["RecordId"] == record["RecordId"]

    wait_for(lambda: status(sc, pp_id), "ResourceNotFoundException")
    assert pp_id not in [p["Id"] for p in search(sc)]
    assert sc.describe_record(Id=record["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    with pytest.raises(ClientError) as gone:
        sc.terminate_provisioned_product(ProvisionedProductId=pp_id, TerminateToken="t-2")
    assert error(gone)[0] == "ResourceNotFoundException"


def test_a_product_under_change_cannot_be_terminated(sc: Any) -> None:
    pp_id = provision(sc)["ProvisionedProductId"]
    with pytest.raises(ClientError) as busy:
        sc.terminate_provisioned_product(ProvisionedProductId=pp_id, TerminateToken="t-1")
    assert error(busy)[0] == "InvalidParametersException"


def test_termination_protection_fails_the_termination_unless_errors_are_ignored(
    sc: Any, cfn: Any
) -> None:
    pp_id = provision(sc)["ProvisionedProductId"]
    wait_for(lambda: status(sc, pp_id), "AVAILABLE")
    stack_id = [p for p in search(sc) if p["Id"] == pp_id][0]["PhysicalId"]
    cfn.update_termination_protection(StackName=stack_id, EnableTerminationProtection=True)
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["EnableTerminationProtection"]
    with pytest.raises(ClientError) as protected:
        cfn.delete_stack(StackName=stack_id)
    assert "TerminationProtection is enabled" in error(protected)[1]

    failed = sc.terminate_provisioned_product(ProvisionedProductId=pp_id, TerminateToken="t-1")
    wait_for(lambda: status(sc, pp_id), "ERROR")
    detail = sc.describe_record(Id=failed["RecordDetail"]["RecordId"])["RecordDetail"]
    assert detail["Status"] == "FAILED"
    assert "TerminationProtection" in detail["RecordErrors"][0]["Description"]

    sc.terminate_provisioned_product(
        ProvisionedProductId=pp_id, TerminateToken="t-2", IgnoreErrors=True
    )
    wait_for(lambda: status(sc, pp_id), "ResourceNotFoundException")
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_a_status_can_be_forced_for_tests(sc: Any, control: Callable[..., Any]) -> None:
    pp_id = provision(sc)["ProvisionedProductId"]
    control(
        "POST",
        f"servicecatalog/provisioned-products/{pp_id}/status",
        {"Status": "TAINTED", "StatusMessage": "drifted"},
    )
    detail = sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]
    assert (detail["Status"], detail["StatusMessage"]) == ("TAINTED", "drifted")
