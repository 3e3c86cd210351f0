"""The whole shapes of a domain's and profile's settings (issue #17, hD).

Rules (``studio_emulator/sagemaker/validation.py``, ``_check_shape`` / ``check_settings``), from
botocore's model (``sagemaker/2017-07-24/service-2.json``) and the API reference pages of
``UserSettings``, ``DefaultSpaceSettings``, ``DomainSettings``, ``DomainSettingsForUpdate``,
``DockerSettings``, ``CustomFileSystemConfig``, ``CustomPosixUserConfig``: list sizes, enums,
lengths, patterns, ranges, required members and unions are refused with a
``ValidationException`` naming the member, on CreateDomain/UpdateDomain
(``DefaultUserSettings``, ``DefaultSpaceSettings``, ``DomainSettings``,
``DomainSettingsForUpdate``) and CreateUserProfile/UpdateUserProfile (``UserSettings``);
what is accepted is stored and returned by Describe, and an update replaces the members it
gives (UpdateDomain/UpdateUserProfile).
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import STUDIO_ROLE as ROLE, client, domain_request, error, unique, wait_for

pytestmark = pytest.mark.transition_seconds(0)

EFS = {"EFSFileSystemConfig": {"FileSystemId": "fs-0123456789abcdef0", "FileSystemPath": "/team"}}


@pytest.fixture(scope="module")
def raw(endpoint: str) -> Any:
    """A client that sends what it is given (the Rust SDK does not check sizes or patterns)."""
    return client(endpoint, "sagemaker", parameter_validation=False)


@pytest.fixture(scope="module")
def domain_id(sm: Any) -> str:
    created = sm.create_domain(**domain_request(
        DefaultUserSettings={
            "ExecutionRole": ROLE,
            "StudioWebPortalSettings": {"HiddenAppTypes": ["JupyterServer"],
                                        "HiddenInstanceTypes": ["ml.p4d.24xlarge"]},
            "AutoMountHomeEFS": "Disabled",
            "CustomFileSystemConfigs": [EFS],
        },
        DefaultSpaceSettings={"ExecutionRole": ROLE,
                              "CustomPosixUserConfig": {"Uid": 10000, "Gid": 1001}},
        DomainSettings={"DockerSettings": {"EnableDockerAccess": "ENABLED"},
                        "IpAddressType": "dualstack",
                        "ExecutionRoleIdentityConfig": "USER_PROFILE_NAME"},
        AppSecurityGroupManagement="Service",
    ))
    wait_for(lambda: sm.describe_domain(DomainId=created["DomainId"])["Status"], "InService")
    return str(created["DomainId"])


def refusal(call: Any) -> str:
    with pytest.raises(ClientError) as refused:
        call()
    code, message = error(refused)
    assert code == "ValidationException", message
    return message


def test_describe_domain_returns_the_new_settings_as_created(sm: Any, domain_id: str) -> None:
    described = sm.describe_domain(DomainId=domain_id)
    user = described["DefaultUserSettings"]
    assert user["StudioWebPortalSettings"]["HiddenAppTypes"] == ["JupyterServer"]
    assert user["AutoMountHomeEFS"] == "Disabled"
    assert user["CustomFileSystemConfigs"] == [EFS]
    assert described["DefaultSpaceSettings"]["CustomPosixUserConfig"] == {"Uid": 10000, "Gid": 1001}
    assert described["DomainSettings"]["DockerSettings"] == {"EnableDockerAccess": "ENABLED"}
    assert described["DomainSettings"]["IpAddressType"] == "dualstack"
    assert described["AppSecurityGroupManagement"] == "Service"


def test_update_domain_changes_domain_settings_in_place_and_keeps_what_it_is_not_given(
    sm: Any, domain_id: str
) -> None:
    sm.update_domain(
        DomainId=domain_id,
        DomainSettingsForUpdate={"IpAddressType": "ipv4",
                                 "DockerSettings": {"EnableDockerAccess": "DISABLED",
                                                    "VpcOnlyTrustedAccounts": []}},
        DefaultUserSettings={"StudioWebPortalSettings": {}},
    )
    wait_for(lambda: sm.describe_domain(DomainId=domain_id)["Status"], "InService")
    described = sm.describe_domain(DomainId=domain_id)
    assert described["DomainSettings"]["IpAddressType"] == "ipv4"
    assert described["DomainSettings"]["DockerSettings"]["EnableDockerAccess"] == "DISABLED"
    assert described["DomainSettings"]["ExecutionRoleIdentityConfig"] == "USER_PROFILE_NAME"
    assert described["DefaultUserSettings"]["StudioWebPortalSettings"] == {}
    assert described["DefaultUserSettings"]["AutoMountHomeEFS"] == "Disabled"


def test_more_than_five_security_groups_are_refused_naming_the_member(
    raw: Any, domain_id: str
) -> None:
    groups = [f"sg-{n:08x}" for n in range(6)]
    message = refusal(lambda: raw.update_domain(
        DomainId=domain_id, DefaultUserSettings={"SecurityGroups": groups}))
    assert "at 'defaultUserSettings.securityGroups'" in message
    assert "length less than or equal to 5" in message
    message = refusal(lambda: raw.update_domain(
        DomainId=domain_id, DefaultSpaceSettings={"SecurityGroups": groups}))
    assert "at 'defaultSpaceSettings.securityGroups'" in message


def test_more_than_ten_custom_file_systems_are_refused_and_ten_are_accepted(
    raw: Any, sm: Any, domain_id: str
) -> None:
    message = refusal(lambda: raw.create_user_profile(
        DomainId=domain_id, UserProfileName=unique("u"),
        UserSettings={"CustomFileSystemConfigs": [EFS] * 11}))
    assert "at 'userSettings.customFileSystemConfigs'" in message
    assert "length less than or equal to 10" in message
    name = unique("u")
    sm.create_user_profile(DomainId=domain_id, UserProfileName=name,
                           UserSettings={"CustomFileSystemConfigs": [EFS] * 10})
    described = sm.describe_user_profile(DomainId=domain_id, UserProfileName=name)
    assert len(described["UserSettings"]["CustomFileSystemConfigs"]) == 10


def test_a_custom_file_system_must_be_exactly_one_kind(raw: Any, domain_id: str) -> None:
    both = {**EFS, "S3FileSystemConfig": {"S3Uri": "s3://bucket/prefix"}}
    for config in ({}, both):
        message = refusal(lambda: raw.update_domain(
            DomainId=domain_id, DefaultUserSettings={"CustomFileSystemConfigs": [config]}))
        assert "defaultUserSettings.customFileSystemConfigs.1.member" in message
        assert "exactly one of" in message


def test_patterns_ranges_and_required_members_are_refused_naming_them(
    raw: Any, domain_id: str
) -> None:
    message = refusal(lambda: raw.update_domain(DomainId=domain_id, DefaultUserSettings={
        "CustomFileSystemConfigs": [{"EFSFileSystemConfig": {"FileSystemId": "fs-1"}}]}))
    assert "customFileSystemConfigs.1.member.eFSFileSystemConfig.fileSystemId" in message
    assert "length greater than or equal to 11" in message
    message = refusal(lambda: raw.update_domain(DomainId=domain_id, DefaultSpaceSettings={
        "CustomPosixUserConfig": {"Uid": 9999, "Gid": 1001}}))
    assert "at 'defaultSpaceSettings.customPosixUserConfig.uid'" in message
    assert "greater than or equal to 10000" in message
    message = refusal(lambda: raw.update_domain(DomainId=domain_id, DefaultSpaceSettings={
        "CustomPosixUserConfig": {"Uid": 10000}}))
    assert "'defaultSpaceSettings.customPosixUserConfig.gid'" in message
    assert "must not be null" in message
    message = refusal(lambda: raw.update_user_profile(
        DomainId=domain_id, UserProfileName="nobody",
        UserSettings={"JupyterLabAppSettings": {"CodeRepositories": [{"RepositoryUrl": "git@x"}]}}))
    assert "jupyterLabAppSettings.codeRepositories.1.member.repositoryUrl" in message


def test_domain_settings_enums_and_account_ids_are_refused_naming_them(
    raw: Any, domain_id: str
) -> None:
    message = refusal(lambda: raw.create_domain(**domain_request(
        DefaultUserSettings={"ExecutionRole": ROLE},
        DomainSettings={"IpAddressType": "ipv6"})))
    assert "at 'domainSettings.ipAddressType'" in message
    assert "[ipv4, dualstack]" in message
    message = refusal(lambda: raw.update_domain(DomainId=domain_id, DomainSettingsForUpdate={
        "DockerSettings": {"VpcOnlyTrustedAccounts": ["1234"]}}))
    assert "domainSettingsForUpdate.dockerSettings.vpcOnlyTrustedAccounts.1.member" in message
    message = refusal(lambda: raw.update_domain(DomainId=domain_id, DefaultUserSettings={
        "StudioWebPortalSettings": {"HiddenAppTypes": ["Excel"]}}))
    assert "defaultUserSettings.studioWebPortalSettings.hiddenAppTypes.1.member" in message


CANVAS = {
    "TimeSeriesForecastingSettings": {"Status": "ENABLED", "AmazonForecastRoleArn": ROLE},
    "WorkspaceSettings": {"S3ArtifactPath": "s3://bucket/canvas"},
    "IdentityProviderOAuthSettings": [{"DataSourceName": "Snowflake", "Status": "ENABLED"}],
    "KendraSettings": {"Status": "DISABLED"},
    "EmrServerlessSettings": {"ExecutionRoleArn": ROLE, "Status": "ENABLED"},
}


def test_studio_classic_and_canvas_settings_are_stored_and_changed_in_place(
    sm: Any, domain_id: str
) -> None:
    name = unique("u")
    sm.create_user_profile(DomainId=domain_id, UserProfileName=name, UserSettings={
        "TensorBoardAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}},
        "RSessionAppSettings": {"CustomImages": [{"ImageName": "r", "AppImageConfigName": "c"}]},
        "RStudioServerProAppSettings": {"AccessStatus": "ENABLED", "UserGroup": "R_STUDIO_USER"},
        "CanvasAppSettings": CANVAS,
    })
    settings = sm.describe_user_profile(DomainId=domain_id, UserProfileName=name)["UserSettings"]
    assert settings["CanvasAppSettings"] == CANVAS
    assert settings["RSessionAppSettings"]["CustomImages"][0]["ImageName"] == "r"
    sm.update_user_profile(DomainId=domain_id, UserProfileName=name, UserSettings={
        "RStudioServerProAppSettings": {"UserGroup": "R_STUDIO_ADMIN"},
        "CanvasAppSettings": {"KendraSettings": {"Status": "ENABLED"}},
    })
    settings = sm.describe_user_profile(DomainId=domain_id, UserProfileName=name)["UserSettings"]
    assert settings["RStudioServerProAppSettings"]["UserGroup"] == "R_STUDIO_ADMIN"
    assert settings["CanvasAppSettings"] == {"KendraSettings": {"Status": "ENABLED"}}
    assert settings["TensorBoardAppSettings"]["DefaultResourceSpec"]["InstanceType"] == "ml.t3.medium"


def test_canvas_and_rstudio_limits_are_refused_naming_the_member(raw: Any, domain_id: str) -> None:
    oauth = [{"DataSourceName": "Snowflake"}] * 21
    message = refusal(lambda: raw.update_domain(DomainId=domain_id, DefaultUserSettings={
        "CanvasAppSettings": {"IdentityProviderOAuthSettings": oauth}}))
    assert "at 'defaultUserSettings.canvasAppSettings.identityProviderOAuthSettings'" in message
    assert "length less than or equal to 20" in message
    message = refusal(lambda: raw.update_domain(DomainId=domain_id, DefaultUserSettings={
        "CanvasAppSettings": {"GenerativeAiSettings": {"AmazonBedrockRoleArn": "bedrock"}}}))
    assert "defaultUserSettings.canvasAppSettings.generativeAiSettings.amazonBedrockRoleArn" in message
    message = refusal(lambda: raw.update_user_profile(
        DomainId=domain_id, UserProfileName="nobody",
        UserSettings={"RStudioServerProAppSettings": {"UserGroup": "Admin"}}))
    assert "userSettings.rStudioServerProAppSettings.userGroup" in message


def test_domain_rstudio_amazon_q_and_identity_propagation_shapes_are_checked(
    raw: Any, sm: Any, domain_id: str
) -> None:
    message = refusal(lambda: raw.update_domain(DomainId=domain_id, DomainSettingsForUpdate={
        "TrustedIdentityPropagationSettings": {}}))
    assert "domainSettingsForUpdate.trustedIdentityPropagationSettings.status" in message
    assert "must not be null" in message
    message = refusal(lambda: raw.update_domain(DomainId=domain_id, DomainSettingsForUpdate={
        "RStudioServerProDomainSettingsForUpdate": {"RStudioConnectUrl": "https://connect"}}))
    assert "rStudioServerProDomainSettingsForUpdate.domainExecutionRoleArn" in message
    message = refusal(lambda: raw.update_domain(DomainId=domain_id, DomainSettingsForUpdate={
        "AmazonQSettings": {"QProfileArn": "arn:aws:iam::123456789012:role/q"}}))
    assert "domainSettingsForUpdate.amazonQSettings.qProfileArn" in message
    sm.update_domain(DomainId=domain_id, DomainSettingsForUpdate={
        "AmazonQSettings": {"Status": "ENABLED"},
        "TrustedIdentityPropagationSettings": {"Status": "ENABLED"},
    })
    wait_for(lambda: sm.describe_domain(DomainId=domain_id)["Status"], "InService")
    described = sm.describe_domain(DomainId=domain_id)["DomainSettings"]
    assert described["AmazonQSettings"] == {"Status": "ENABLED"}
    assert described["TrustedIdentityPropagationSettings"] == {"Status": "ENABLED"}
