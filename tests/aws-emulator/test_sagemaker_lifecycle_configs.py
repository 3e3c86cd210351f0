"""Studio lifecycle configurations (``studio_emulator/sagemaker/lifecycle_configs.py``).

Rules and their sources are in the module's docstring: the API reference and botocore's model
of CreateStudioLifecycleConfig / DescribeStudioLifecycleConfig / ListStudioLifecycleConfigs /
DeleteStudioLifecycleConfig ("there must be no running apps using the Lifecycle Configuration.
You must also remove the Lifecycle Configuration from UserSettings in all Domains and
UserProfiles"), and the Developer Guide's "Setting Default Lifecycle Configurations" for the
settings that list them.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import (
    ACCOUNT,
    REGION,
    STUDIO_ROLE,
    allow,
    client,
    error,
    in_service_domain,
    role_session,
    signed_client,
    unique,
    wait_for,
)

pytestmark = pytest.mark.transition_seconds(0)

SCRIPT = base64.b64encode(b"#!/bin/bash\necho hello\n").decode()


@pytest.fixture(scope="module")
def raw(endpoint: str) -> Any:
    """A client that sends what it is given (the Rust SDK does not check patterns either)."""
    return client(endpoint, "sagemaker", parameter_validation=False)


def new_config(sm: Any, app_type: str = "JupyterLab", **extra: Any) -> tuple[str, str]:
    name = unique("lcc")
    arn = sm.create_studio_lifecycle_config(
        StudioLifecycleConfigName=name,
        StudioLifecycleConfigContent=SCRIPT,
        StudioLifecycleConfigAppType=app_type,
        **extra,
    )["StudioLifecycleConfigArn"]
    return name, str(arn)


def lab(*arns: str, default: str | None = None) -> dict[str, Any]:
    settings: dict[str, Any] = {"LifecycleConfigArns": list(arns)}
    if default is not None:
        settings["DefaultResourceSpec"] = {"LifecycleConfigArn": default}
    return settings


def test_create_then_describe_returns_the_config_with_its_arn_and_equal_times(sm: Any) -> None:
    name, arn = new_config(sm, Tags=[{"Key": "team", "Value": "a"}])
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:studio-lifecycle-config/{name}"
    described = sm.describe_studio_lifecycle_config(StudioLifecycleConfigName=name)
    assert described["StudioLifecycleConfigArn"] == arn
    assert described["StudioLifecycleConfigContent"] == SCRIPT
    assert described["StudioLifecycleConfigAppType"] == "JupyterLab"
    assert described["LastModifiedTime"] == described["CreationTime"]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "a"}]


@pytest.mark.parametrize(
    ("members", "member", "constraint"),
    [
        ({"StudioLifecycleConfigName": "-bad"}, "studioLifecycleConfigName", "regular expression pattern"),
        ({"StudioLifecycleConfigName": "a" * 64}, "studioLifecycleConfigName", "length less than or equal to 63"),
        ({"StudioLifecycleConfigContent": ""}, "studioLifecycleConfigContent", "length greater than or equal to 1"),
        ({"StudioLifecycleConfigContent": "A" * 16388}, "studioLifecycleConfigContent", "length less than or equal to 16384"),
        ({"StudioLifecycleConfigContent": "not base64!"}, "studioLifecycleConfigContent", "base64"),
        ({"StudioLifecycleConfigAppType": "RStudioServerPro"}, "studioLifecycleConfigAppType",
         "enum value set: [JupyterServer, KernelGateway, CodeEditor, JupyterLab]"),
        ({"Tags": [{"Key": "aws:x", "Value": "y"}]}, "tags.1.member.key", "reserved prefix 'aws:'"),
    ],
)
def test_create_refuses_a_name_content_app_type_or_tag_off_the_model(
    raw: Any, members: dict[str, Any], member: str, constraint: str
) -> None:
    request = {
        "StudioLifecycleConfigName": unique("lcc"),
        "StudioLifecycleConfigContent": SCRIPT,
        "StudioLifecycleConfigAppType": "JupyterLab",
        **members,
    }
    with pytest.raises(ClientError) as refused:
        raw.create_studio_lifecycle_config(**request)
    code, message = error(refused)
    assert code == "ValidationException"
    assert f"at '{member}'" in message and constraint in message


def test_create_refuses_a_name_taken_with_resource_in_use(sm: Any) -> None:
    name, _ = new_config(sm)
    with pytest.raises(ClientError) as refused:
        sm.create_studio_lifecycle_config(
            StudioLifecycleConfigName=name,
            StudioLifecycleConfigContent=SCRIPT,
            StudioLifecycleConfigAppType="CodeEditor",
        )
    assert error(refused)[0] == "ResourceInUse"


def test_describe_and_delete_of_a_missing_config_are_resource_not_found(sm: Any) -> None:
    for call in (sm.describe_studio_lifecycle_config, sm.delete_studio_lifecycle_config):
        with pytest.raises(ClientError) as refused:
            call(StudioLifecycleConfigName=unique("missing"))
        assert error(refused)[0] == "ResourceNotFound"


def test_list_filters_sorts_descending_by_default_and_pages(sm: Any) -> None:
    prefix = unique("listed")
    names = []
    for app_type in ("JupyterLab", "CodeEditor", "JupyterLab"):
        name = f"{prefix}-{len(names)}"
        sm.create_studio_lifecycle_config(
            StudioLifecycleConfigName=name,
            StudioLifecycleConfigContent=SCRIPT,
            StudioLifecycleConfigAppType=app_type,
        )
        names.append(name)
    listed = sm.list_studio_lifecycle_configs(NameContains=prefix, SortBy="Name")
    assert [c["StudioLifecycleConfigName"] for c in listed["StudioLifecycleConfigs"]] == names[::-1]
    lab_only = sm.list_studio_lifecycle_configs(NameContains=prefix, AppTypeEquals="JupyterLab",
                                                SortBy="Name", SortOrder="Ascending")
    assert [c["StudioLifecycleConfigName"] for c in lab_only["StudioLifecycleConfigs"]] == [names[0], names[2]]
    first = sm.list_studio_lifecycle_configs(NameContains=prefix, SortBy="Name", MaxResults=2)
    assert len(first["StudioLifecycleConfigs"]) == 2 and first["NextToken"]
    rest = sm.list_studio_lifecycle_configs(NameContains=prefix, SortBy="Name", MaxResults=2,
                                            NextToken=first["NextToken"])
    assert [c["StudioLifecycleConfigName"] for c in rest["StudioLifecycleConfigs"]] == [names[0]]


def test_tags_on_a_config_arn_are_added_listed_and_deleted(sm: Any) -> None:
    _, arn = new_config(sm)
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    sm.delete_tags(ResourceArn=arn, TagKeys=["a"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    missing = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:studio-lifecycle-config/{unique('gone')}"
    with pytest.raises(ClientError) as refused:
        sm.add_tags(ResourceArn=missing, Tags=[{"Key": "a", "Value": "1"}])
    assert error(refused)[0] == "ValidationException"


def test_settings_listing_a_config_that_does_not_exist_are_refused_naming_the_member(sm: Any) -> None:
    domain_id = in_service_domain(sm)
    missing = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:studio-lifecycle-config/{unique('gone')}"
    calls = [
        lambda: sm.update_domain(DomainId=domain_id,
                                 DefaultUserSettings={"JupyterLabAppSettings": lab(missing)}),
        lambda: sm.create_user_profile(DomainId=domain_id, UserProfileName=unique("u"),
                                       UserSettings={"JupyterLabAppSettings": lab(default=missing)}),
        lambda: sm.create_space(DomainId=domain_id, SpaceName=unique("s"), SpaceSettings={
            "AppType": "JupyterLab",
            "JupyterLabAppSettings": {"DefaultResourceSpec": {"LifecycleConfigArn": missing}}}),
    ]
    for call in calls:
        with pytest.raises(ClientError) as refused:
            call()
        code, message = error(refused)
        assert code == "ValidationException"
        assert f"{missing} does not exist" in message


def test_settings_listing_a_config_of_another_app_type_are_refused(sm: Any) -> None:
    domain_id = in_service_domain(sm)
    _, code_editor = new_config(sm, "CodeEditor")
    with pytest.raises(ClientError) as refused:
        sm.create_user_profile(DomainId=domain_id, UserProfileName=unique("u"),
                               UserSettings={"JupyterLabAppSettings": lab(code_editor)})
    code, message = error(refused)
    assert code == "ValidationException"
    assert "UserSettings.JupyterLabAppSettings.LifecycleConfigArns.1" in message
    assert "app type CodeEditor, not JupyterLab" in message


def test_delete_is_refused_while_a_domain_profile_or_space_lists_the_config(sm: Any) -> None:
    name, arn = new_config(sm)
    domain_id = in_service_domain(
        sm, DefaultUserSettings={"ExecutionRole": STUDIO_ROLE, "JupyterLabAppSettings": lab(arn)}
    )
    profile = unique("u")
    sm.create_user_profile(DomainId=domain_id, UserProfileName=profile,
                           UserSettings={"JupyterLabAppSettings": lab(arn, default=arn)})
    space = unique("s")
    sm.create_space(DomainId=domain_id, SpaceName=space, SpaceSettings={
        "AppType": "JupyterLab",
        "JupyterLabAppSettings": {"DefaultResourceSpec": {"LifecycleConfigArn": arn}}})
    wait_for(lambda: sm.describe_space(DomainId=domain_id, SpaceName=space)["Status"], "InService")
    wait_for(lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName=profile)["Status"],
             "InService")

    def refusal() -> str:
        with pytest.raises(ClientError) as refused:
            sm.delete_studio_lifecycle_config(StudioLifecycleConfigName=name)
        code, message = error(refused)
        assert code == "ResourceInUse"
        return message

    message = refusal()
    assert f"domain {domain_id} (DefaultUserSettings)" in message
    assert f"user profile {profile} of domain {domain_id}" in message
    assert f"space {space} of domain {domain_id}" in message

    sm.update_domain(DomainId=domain_id, DefaultUserSettings={"JupyterLabAppSettings": lab()})
    sm.update_user_profile(DomainId=domain_id, UserProfileName=profile,
                           UserSettings={"JupyterLabAppSettings": lab()})
    assert "domain" not in refusal().split("space")[0]
    sm.update_space(DomainId=domain_id, SpaceName=space,
                    SpaceSettings={"JupyterLabAppSettings": {}})
    sm.delete_studio_lifecycle_config(StudioLifecycleConfigName=name)
    with pytest.raises(ClientError) as gone:
        sm.describe_studio_lifecycle_config(StudioLifecycleConfigName=name)
    assert error(gone)[0] == "ResourceNotFound"


def test_delete_is_refused_while_an_app_that_is_not_deleted_runs_with_the_config(sm: Any) -> None:
    name, arn = new_config(sm)
    domain_id = in_service_domain(sm)
    space = unique("s")
    sm.create_space(DomainId=domain_id, SpaceName=space, SpaceSettings={"AppType": "JupyterLab"})
    wait_for(lambda: sm.describe_space(DomainId=domain_id, SpaceName=space)["Status"], "InService")
    app = {"DomainId": domain_id, "SpaceName": space, "AppType": "JupyterLab", "AppName": "default"}
    sm.create_app(**app, ResourceSpec={"InstanceType": "ml.t3.medium", "LifecycleConfigArn": arn})
    with pytest.raises(ClientError) as refused:
        sm.delete_studio_lifecycle_config(StudioLifecycleConfigName=name)
    assert error(refused)[0] == "ResourceInUse" and "app arn:aws:sagemaker" in error(refused)[1]
    sm.delete_app(**app)
    wait_for(lambda: sm.describe_app(**app)["Status"], "Deleted")
    sm.delete_studio_lifecycle_config(StudioLifecycleConfigName=name)


def test_create_app_with_a_config_of_another_app_type_is_refused(sm: Any) -> None:
    _, arn = new_config(sm, "CodeEditor")
    domain_id = in_service_domain(sm)
    space = unique("s")
    sm.create_space(DomainId=domain_id, SpaceName=space, SpaceSettings={"AppType": "JupyterLab"})
    wait_for(lambda: sm.describe_space(DomainId=domain_id, SpaceName=space)["Status"], "InService")
    with pytest.raises(ClientError) as refused:
        sm.create_app(DomainId=domain_id, SpaceName=space, AppType="JupyterLab", AppName="default",
                      ResourceSpec={"LifecycleConfigArn": arn})
    assert error(refused)[0] == "ValidationException"


def test_iam_authorises_each_operation_on_the_configs_arn_and_its_tags(endpoint: str, sm: Any) -> None:
    """SAR: Create/Describe/DeleteStudioLifecycleConfig act on the resource type
    ``studio-lifecycle-config/${StudioLifecycleConfigName}`` (its ``aws:ResourceTag/*``), a create
    with ``Tags`` also needs ``sagemaker:AddTags`` (``sagemaker:TaggingAction``), and
    ListStudioLifecycleConfigs has no resource type (``*``)."""
    configs = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:studio-lifecycle-config"
    session = role_session(endpoint, unique("lcc-role"),
        allow("sagemaker:CreateStudioLifecycleConfig", f"{configs}/team-*",
              Condition={"StringEquals": {"aws:RequestTag/managed": "true"}}),
        allow("sagemaker:AddTags", f"{configs}/team-*",
              Condition={"StringEquals": {"sagemaker:TaggingAction": "CreateStudioLifecycleConfig"}}),
        allow("sagemaker:DeleteStudioLifecycleConfig", f"{configs}/*",
              Condition={"StringEquals": {"aws:ResourceTag/managed": "true"}}),
        allow("sagemaker:ListStudioLifecycleConfigs"),
    )
    as_role = signed_client(endpoint, "sagemaker", session)
    managed = [{"Key": "managed", "Value": "true"}]

    made = unique("team")
    as_role.create_studio_lifecycle_config(
        StudioLifecycleConfigName=made, StudioLifecycleConfigContent=SCRIPT,
        StudioLifecycleConfigAppType="JupyterLab", Tags=managed)
    refusals = [
        lambda: as_role.create_studio_lifecycle_config(  # another name
            StudioLifecycleConfigName=unique("other"), StudioLifecycleConfigContent=SCRIPT,
            StudioLifecycleConfigAppType="JupyterLab", Tags=managed),
        lambda: as_role.create_studio_lifecycle_config(  # without the tag
            StudioLifecycleConfigName=unique("team"), StudioLifecycleConfigContent=SCRIPT,
            StudioLifecycleConfigAppType="JupyterLab"),
        lambda: as_role.describe_studio_lifecycle_config(StudioLifecycleConfigName=made),
    ]
    unmanaged, _ = new_config(sm)
    refusals.append(lambda: as_role.delete_studio_lifecycle_config(StudioLifecycleConfigName=unmanaged))
    for call in refusals:
        with pytest.raises(ClientError) as refused:
            call()
        assert error(refused)[0] in ("AccessDenied", "AccessDeniedException")

    listed = as_role.list_studio_lifecycle_configs(NameContains=made)["StudioLifecycleConfigs"]
    assert [c["StudioLifecycleConfigName"] for c in listed] == [made]
    as_role.delete_studio_lifecycle_config(StudioLifecycleConfigName=made)
