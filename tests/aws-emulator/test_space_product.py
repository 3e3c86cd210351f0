"""The space product (``templates/studio-space.yaml``) launched through Service Catalog under the
portfolio's launch role, with IAM enforced: the real ``studio-space`` function (the workspace's
debug build) under the role core.yaml gives it (``StudioSpaceFunctionRole``), the domain and the
owner's profile arranged by the account root.

``test_iam_product_paths``'s fixtures deploy ``portfolio/portfolio.yaml`` (its products staged
from ``templates/*.yaml``) and core.yaml's launch role as written. Each test asserts the
space's state as SageMaker describes it and the launch role's grants the path took (the decision
log), so that the launch role's ``CustomResourceFunctions`` grant of the space function and its
``SuiteParametersPublishedByTheCoreStack`` read of the ServiceToken are exercised (#13).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import iam_enforced  # noqa: F401 (the fixture)
from emulator_client import (
    ACCOUNT,
    REGION,
    STUDIO_ROLE,
    client,
    create_function,
    function_zip,
    in_service_domain,
    role_statements,
    rust_binary,
    unique,
    wait_for,
)
from test_iam_product_paths import (  # noqa: F401 (the fixtures)
    CORE,
    Catalog,
    catalog,
    portfolio,
    succeeded,
)

pytestmark = [pytest.mark.transition_seconds(0.05), pytest.mark.rust_binaries]

#: What provisioning a space takes of the launch role: the stack (CreateStack, UpdateStack,
#: DeleteStack), the ServiceToken's SSM parameter read by CloudFormation as the stack's role,
#: and the custom resource's invocation.
LAUNCH = {
    ("cloudformation:CreateStack", "ServiceCatalogStacks"),
    ("ssm:GetParameters", "SuiteParametersPublishedByTheCoreStack"),
    ("lambda:InvokeFunction", "CustomResourceFunctions"),
}


@pytest.fixture
def space_function(catalog: Catalog) -> Iterator[str]:
    """``<prefix>-studio-space`` under core.yaml's ``StudioSpaceFunctionRole`` policy and its
    environment (the emulator's ResponseURLs; Service Catalog's stacks), invocable by
    CloudFormation, its ServiceToken published. Kept from one test to the next."""
    name = f"{catalog.prefix}-studio-space"
    lam = client(catalog.endpoint, "lambda")
    try:
        arn = lam.get_function_configuration(FunctionName=name)["FunctionArn"]
    except ClientError:
        statements = role_statements(CORE, "StudioSpaceFunctionRole", {
            "NamePrefix": catalog.prefix,
            "StudioSpaceLogGroup.Arn":
                f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{name}",
        })
        arn = create_function(
            lam, function_name=name,
            zip_bytes=function_zip("", bootstrap=rust_binary("studio-space")),
            statements=tuple(statements),
            Architectures=["x86_64" if os.uname().machine == "x86_64" else "arm64"],
            Timeout=120, MemorySize=256, LoggingConfig={"LogFormat": "JSON"},
            Environment={"Variables": {
                "CFN_RESPONSE_URL_ALLOW": f"{catalog.endpoint}/",
                "CFN_ALLOWED_STACK_NAMES": "SC-*",
            }},
        )["FunctionArn"]
        lam.add_permission(
            FunctionName=name, StatementId="cloudformation", Action="lambda:InvokeFunction",
            Principal="cloudformation.amazonaws.com", SourceAccount=ACCOUNT,
        )
    catalog.publish("service-tokens/studio-space", arn)
    yield str(arn)


@pytest.fixture
def owner(catalog: Catalog) -> tuple[str, str]:
    """A domain with a maximum EBS size of 100 GB, idle shutdown bounds of 60 to 240 minutes
    for JupyterLab and Code Editor, and the owner's profile, both InService
    (arranged as the account root): (domain id, profile name)."""
    sm = client(catalog.endpoint, "sagemaker")
    idle = {"AppLifecycleManagement": {"IdleSettings": {
        "LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 120,
        "MinIdleTimeoutInMinutes": 60, "MaxIdleTimeoutInMinutes": 240}}}
    domain_id = in_service_domain(sm, DefaultUserSettings={
        "ExecutionRole": STUDIO_ROLE,
        "SpaceStorageSettings": {"DefaultEbsStorageSettings": {
            "DefaultEbsVolumeSizeInGb": 5, "MaximumEbsVolumeSizeInGb": 100}},
        "JupyterLabAppSettings": idle, "CodeEditorAppSettings": idle,
    })
    profile = unique("alice")
    sm.create_user_profile(DomainId=domain_id, UserProfileName=profile)
    wait_for(lambda: sm.describe_user_profile(
        DomainId=domain_id, UserProfileName=profile)["Status"], "InService")
    return domain_id, profile


def form(catalog: Catalog, domain_id: str, profile: str, **values: str) -> list[dict[str, str]]:
    given = {
        "DomainId": domain_id,
        "SpaceName": unique("lab"),
        "OwnerUserProfileName": profile,
        "StudioSpaceServiceToken": catalog.parameter("service-tokens/studio-space"),
        **values,
    }
    return [{"Key": k, "Value": v} for k, v in given.items()]


def with_changes(parameters: list[dict[str, str]], **values: str) -> list[dict[str, str]]:
    changed = {p["Key"]: p["Value"] for p in parameters} | values
    return [{"Key": k, "Value": v} for k, v in changed.items()]


def outputs(catalog: Catalog, provisioned: str) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in catalog.stack(provisioned)["Outputs"]}


def reasons(record: dict[str, Any]) -> str:
    return " ".join(e["Description"] for e in record.get("RecordErrors") or [])


def test_a_private_jupyterlab_space_launches_with_its_settings_under_the_launch_role(
    catalog: Catalog, space_function: str, owner: tuple[str, str],
) -> None:
    domain_id, profile = owner
    parameters = form(catalog, domain_id, profile, SpaceDisplayName="Fraud models",
                      EbsVolumeSizeInGb="20", IdleTimeoutInMinutes="120")
    name = next(p["Value"] for p in parameters if p["Key"] == "SpaceName")

    record = catalog.launch("StudioSpace", parameters)

    assert succeeded(record), record
    space = client(catalog.endpoint, "sagemaker").describe_space(
        DomainId=domain_id, SpaceName=name)
    assert space["Status"] == "InService"
    assert space["SpaceDisplayName"] == "Fraud models"
    assert space["OwnershipSettings"] == {"OwnerUserProfileName": profile}
    assert space["SpaceSharingSettings"] == {"SharingType": "Private"}
    settings = space["SpaceSettings"]
    assert settings["AppType"] == "JupyterLab"
    assert settings["SpaceStorageSettings"]["EbsStorageSettings"]["EbsVolumeSizeInGb"] == 20
    assert settings["JupyterLabAppSettings"]["AppLifecycleManagement"]["IdleSettings"][
        "IdleTimeoutInMinutes"] == 120
    assert "CodeEditorAppSettings" not in settings
    assert outputs(catalog, record["ProvisionedProductId"]) == {
        "SpaceArn": space["SpaceArn"], "Url": space["Url"]}
    assert LAUNCH <= catalog.launch_role_grants(), catalog.launch_role_grants()
    assert catalog.launch_role_refusals() == []


def test_a_shared_code_editor_space_carries_its_idle_timeout_in_the_code_editor_settings(
    catalog: Catalog, space_function: str, owner: tuple[str, str],
) -> None:
    domain_id, profile = owner
    parameters = form(catalog, domain_id, profile, AppType="CodeEditor", SharingType="Shared",
                      IdleTimeoutInMinutes="90")
    name = next(p["Value"] for p in parameters if p["Key"] == "SpaceName")

    record = catalog.launch("StudioSpace", parameters)

    assert succeeded(record), record
    space = client(catalog.endpoint, "sagemaker").describe_space(
        DomainId=domain_id, SpaceName=name)
    assert space["SpaceSharingSettings"] == {"SharingType": "Shared"}
    settings = space["SpaceSettings"]
    assert settings["AppType"] == "CodeEditor"
    assert settings["CodeEditorAppSettings"]["AppLifecycleManagement"]["IdleSettings"][
        "IdleTimeoutInMinutes"] == 90
    assert "JupyterLabAppSettings" not in settings


def test_an_update_changes_the_display_name_and_grows_the_volume_of_the_same_space(
    catalog: Catalog, space_function: str, owner: tuple[str, str],
) -> None:
    domain_id, profile = owner
    parameters = form(catalog, domain_id, profile, SpaceDisplayName="Before",
                      EbsVolumeSizeInGb="10")
    name = next(p["Value"] for p in parameters if p["Key"] == "SpaceName")
    launched = catalog.launch("StudioSpace", parameters)
    assert succeeded(launched), launched
    sm = client(catalog.endpoint, "sagemaker")
    before = sm.describe_space(DomainId=domain_id, SpaceName=name)
    catalog.forget_decisions()

    updated = catalog.update(launched["ProvisionedProductId"],
                             with_changes(parameters, SpaceDisplayName="After",
                                          EbsVolumeSizeInGb="40"))

    assert succeeded(updated), updated
    after = sm.describe_space(DomainId=domain_id, SpaceName=name)
    assert after["SpaceArn"] == before["SpaceArn"]
    assert after["CreationTime"] == before["CreationTime"]
    assert after["SpaceDisplayName"] == "After"
    assert after["SpaceSettings"]["SpaceStorageSettings"]["EbsStorageSettings"][
        "EbsVolumeSizeInGb"] == 40
    assert {("cloudformation:UpdateStack", "ServiceCatalogStacks"),
            ("lambda:InvokeFunction", "CustomResourceFunctions")} <= catalog.launch_role_grants()


def test_a_volume_above_the_domains_maximum_fails_the_launch_naming_it_and_makes_no_space(
    catalog: Catalog, space_function: str, owner: tuple[str, str],
) -> None:
    domain_id, profile = owner
    parameters = form(catalog, domain_id, profile, EbsVolumeSizeInGb="200")
    name = next(p["Value"] for p in parameters if p["Key"] == "SpaceName")

    record = catalog.launch("StudioSpace", parameters)

    assert record["Status"] == "FAILED", record
    assert "EbsVolumeSizeInGb" in reasons(record), record
    spaces = client(catalog.endpoint, "sagemaker").list_spaces(DomainIdEquals=domain_id)["Spaces"]
    assert name not in [s["SpaceName"] for s in spaces]


def test_an_idle_timeout_above_the_domains_maximum_fails_the_launch_naming_it(
    catalog: Catalog, space_function: str, owner: tuple[str, str],
) -> None:
    domain_id, profile = owner
    parameters = form(catalog, domain_id, profile, AppType="CodeEditor",
                      IdleTimeoutInMinutes="300")
    name = next(p["Value"] for p in parameters if p["Key"] == "SpaceName")

    record = catalog.launch("StudioSpace", parameters)

    assert record["Status"] == "FAILED", record
    assert ("CodeEditorAppSettings.AppLifecycleManagement.IdleSettings.IdleTimeoutInMinutes"
            in reasons(record)), record
    assert "MaxIdleTimeoutInMinutes 240" in reasons(record), record
    spaces = client(catalog.endpoint, "sagemaker").list_spaces(DomainIdEquals=domain_id)["Spaces"]
    assert name not in [s["SpaceName"] for s in spaces]


def test_terminate_is_refused_without_delete_space_data_naming_the_space_and_keeps_it(
    catalog: Catalog, space_function: str, owner: tuple[str, str],
) -> None:
    """The stack is then DELETE_FAILED: CloudFormation updates no such stack (User Guide, "Stack
    status codes": DELETE_FAILED, "you can't work with or update the stack"), so the product's
    DeleteSpaceData must be "true" before the termination."""
    domain_id, profile = owner
    parameters = form(catalog, domain_id, profile)
    name = next(p["Value"] for p in parameters if p["Key"] == "SpaceName")
    launched = catalog.launch("StudioSpace", parameters)
    assert succeeded(launched), launched
    provisioned = launched["ProvisionedProductId"]

    refused = catalog.terminate(provisioned)

    assert refused["Status"] == "FAILED", refused
    assert name in reasons(refused) and "DeleteSpaceData" in reasons(refused), refused
    sm = client(catalog.endpoint, "sagemaker")
    assert sm.describe_space(DomainId=domain_id, SpaceName=name)["Status"] == "InService"
    assert catalog.stack(provisioned)["StackStatus"] == "DELETE_FAILED"
    too_late = catalog.update(provisioned, with_changes(parameters, DeleteSpaceData="true"))
    assert too_late["Status"] == "FAILED"
    assert "DELETE_FAILED state and can not be updated" in reasons(too_late), too_late


def test_terminate_after_an_update_to_delete_space_data_deletes_the_space(
    catalog: Catalog, space_function: str, owner: tuple[str, str],
) -> None:
    domain_id, profile = owner
    parameters = form(catalog, domain_id, profile)
    name = next(p["Value"] for p in parameters if p["Key"] == "SpaceName")
    launched = catalog.launch("StudioSpace", parameters)
    assert succeeded(launched), launched
    provisioned = launched["ProvisionedProductId"]

    allowed = catalog.update(provisioned, with_changes(parameters, DeleteSpaceData="true"))
    assert succeeded(allowed), reasons(allowed)
    catalog.forget_decisions()
    terminated = catalog.terminate(provisioned)

    assert succeeded(terminated), reasons(terminated)
    spaces = client(catalog.endpoint, "sagemaker").list_spaces(DomainIdEquals=domain_id)["Spaces"]
    assert name not in [s["SpaceName"] for s in spaces]
    assert {("cloudformation:DeleteStack", "ServiceCatalogStacks"),
            ("lambda:InvokeFunction", "CustomResourceFunctions")} <= catalog.launch_role_grants()
