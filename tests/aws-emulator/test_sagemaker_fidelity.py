"""What SageMaker Studio refuses, as AWS documents it: one test per rule.

Each rule's source (API reference member docs, Developer Guide, public report) is cited in
the docstring of ``studio_emulator/sagemaker/models.py``.

Run: .venv/bin/python -m pytest -q tests/aws-emulator/test_sagemaker_fidelity.py
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import client, error_code, unique, wait_for
from test_identity_center import assigned_sso_user
from test_sagemaker_studio import ROLE, in_service_domain, in_service_profile

TRANSITION = 0.1
#: Long enough that a transient status (Pending, Deleting) outlasts the test's calls.
HELD = 60

pytestmark = pytest.mark.transition_seconds(TRANSITION)


@pytest.fixture
def held(control: Callable[..., Any]) -> Iterator[Callable[[str], None]]:
    """``held(model)``: transitions of ``model`` started from now on last ``HELD`` seconds."""
    models: list[str] = []

    def hold(model: str) -> None:
        models.append(model)
        control("POST", "config", {"transitions": {model: HELD}})

    yield hold
    control("POST", "config", {"transitions": {m: TRANSITION for m in models}})


@contextlib.contextmanager
def quota(control: Callable[..., Any], name: str, limit: int) -> Iterator[None]:
    control("POST", "config", {"quotas": {name: limit}})
    try:
        yield
    finally:
        control("POST", "config", {"quotas": {name: None}})


def refused(call: Callable[[], Any]) -> tuple[str, str]:
    """(code, message) of the error ``call`` must raise."""
    with pytest.raises(ClientError) as exc:
        call()
    return error_code(exc), exc.value.response["Error"]["Message"]


def app_status(sm: Any, domain_id: str, **ident: str) -> str:
    return sm.describe_app(DomainId=domain_id, **ident)["Status"]


def in_service_app(sm: Any, domain_id: str, **ident: str) -> str:
    arn = sm.create_app(DomainId=domain_id, **ident)["AppArn"]
    wait_for(lambda: app_status(sm, domain_id, **ident), "InService")
    return arn


def space_status(sm: Any, domain_id: str, name: str) -> str:
    return sm.describe_space(DomainId=domain_id, SpaceName=name)["Status"]


def in_service_space(sm: Any, domain_id: str, name: str, **extra: Any) -> None:
    sm.create_space(DomainId=domain_id, SpaceName=name, **extra)
    wait_for(lambda: space_status(sm, domain_id, name), "InService")


def wait_domain_in_service(sm: Any, domain_id: str) -> None:
    wait_for(lambda: sm.describe_domain(DomainId=domain_id)["Status"], "InService")


def owned_by(profile: str, sharing: str) -> dict[str, Any]:
    return {
        "OwnershipSettings": {"OwnerUserProfileName": profile},
        "SpaceSharingSettings": {"SharingType": sharing},
    }


KERNEL = {"AppType": "KernelGateway", "AppName": "kg"}


# --------------------------------------------------------------------------
# DeleteUserProfile
# --------------------------------------------------------------------------


def test_delete_user_profile_is_refused_while_it_owns_a_shared_space(sm: Any) -> None:
    domain_id = in_service_domain(sm)
    in_service_profile(sm, domain_id, "owner")
    in_service_space(sm, domain_id, "team", **owned_by("owner", "Shared"))

    code, message = refused(
        lambda: sm.delete_user_profile(DomainId=domain_id, UserProfileName="owner")
    )

    assert code == "ResourceInUse"
    assert "team" in message
    sm.delete_space(DomainId=domain_id, SpaceName="team")
    wait_for(lambda: len(sm.list_spaces(DomainIdEquals=domain_id)["Spaces"]), 0)
    sm.delete_user_profile(DomainId=domain_id, UserProfileName="owner")


# --------------------------------------------------------------------------
# UpdateDomain
# --------------------------------------------------------------------------


def test_update_domain_refuses_a_new_app_network_access_type_while_apps_run(sm: Any) -> None:
    domain_id = in_service_domain(sm)
    in_service_profile(sm, domain_id, "user")
    in_service_app(sm, domain_id, UserProfileName="user", **KERNEL)

    code, _ = refused(
        lambda: sm.update_domain(DomainId=domain_id, AppNetworkAccessType="VpcOnly")
    )
    assert code == "ResourceInUse"
    # The value it already has is no change.
    sm.update_domain(DomainId=domain_id, AppNetworkAccessType="PublicInternetOnly")
    wait_domain_in_service(sm, domain_id)

    sm.delete_app(DomainId=domain_id, UserProfileName="user", **KERNEL)
    wait_for(lambda: app_status(sm, domain_id, UserProfileName="user", **KERNEL), "Deleted")
    sm.update_domain(DomainId=domain_id, AppNetworkAccessType="VpcOnly")
    assert sm.describe_domain(DomainId=domain_id)["AppNetworkAccessType"] == "VpcOnly"


def test_update_domain_refuses_removing_a_subnet_while_apps_run(sm: Any) -> None:
    domain_id = in_service_domain(sm, SubnetIds=["subnet-a", "subnet-b"])
    in_service_profile(sm, domain_id, "user")
    in_service_app(sm, domain_id, UserProfileName="user", **KERNEL)

    code, message = refused(lambda: sm.update_domain(DomainId=domain_id, SubnetIds=["subnet-a"]))

    assert code == "ResourceInUse"
    assert "subnet-b" in message
    # Adding one is allowed.
    sm.update_domain(DomainId=domain_id, SubnetIds=["subnet-a", "subnet-b", "subnet-c"])
    assert sm.describe_domain(DomainId=domain_id)["SubnetIds"] == [
        "subnet-a",
        "subnet-b",
        "subnet-c",
    ]


def test_update_domain_is_not_blocked_by_a_failed_app(
    sm: Any, control: Callable[..., Any]
) -> None:
    domain_id = in_service_domain(sm)
    in_service_profile(sm, domain_id, "user")
    arn = in_service_app(sm, domain_id, UserProfileName="user", **KERNEL)
    control("POST", "apps/fail", {"AppArn": arn, "reason": "image pull failed"})

    sm.update_domain(DomainId=domain_id, AppNetworkAccessType="VpcOnly")

    assert sm.describe_domain(DomainId=domain_id)["AppNetworkAccessType"] == "VpcOnly"


def test_update_domain_refuses_a_new_execution_role_identity_config_while_apps_run(
    sm: Any,
) -> None:
    domain_id = in_service_domain(sm)
    in_service_profile(sm, domain_id, "user")
    in_service_app(sm, domain_id, UserProfileName="user", **KERNEL)

    code, _ = refused(
        lambda: sm.update_domain(
            DomainId=domain_id,
            DomainSettingsForUpdate={"ExecutionRoleIdentityConfig": "USER_PROFILE_NAME"},
        )
    )

    assert code == "ResourceInUse"


def test_update_domain_refuses_a_new_app_network_access_type_with_an_rstudio_domain_role(
    sm: Any,
) -> None:
    domain_id = in_service_domain(sm)

    code, message = refused(
        lambda: sm.update_domain(
            DomainId=domain_id,
            AppNetworkAccessType="VpcOnly",
            DomainSettingsForUpdate={
                "RStudioServerProDomainSettingsForUpdate": {"DomainExecutionRoleArn": ROLE}
            },
        )
    )

    assert code == "ValidationException"
    assert "DomainExecutionRoleArn" in message


def test_update_domain_refuses_changing_the_vpc_of_a_domain_that_has_one(sm: Any) -> None:
    domain_id = in_service_domain(sm, VpcId="vpc-first")

    code, _ = refused(lambda: sm.update_domain(DomainId=domain_id, VpcId="vpc-second"))

    assert code == "ValidationException"
    assert sm.describe_domain(DomainId=domain_id)["VpcId"] == "vpc-first"


def test_update_domain_refuses_home_efs_file_system_creation_enabled_to_disabled(
    sm: Any,
) -> None:
    domain_id = in_service_domain(sm)  # a home EFS is created unless Disabled

    code, _ = refused(
        lambda: sm.update_domain(DomainId=domain_id, HomeEfsFileSystemCreation="Disabled")
    )
    assert code == "ValidationException"

    disabled = in_service_domain(sm, HomeEfsFileSystemCreation="Disabled")
    sm.update_domain(DomainId=disabled, HomeEfsFileSystemCreation="Enabled")
    assert sm.describe_domain(DomainId=disabled)["HomeEfsFileSystemCreation"] == "Enabled"


# --------------------------------------------------------------------------
# UpdateSpace
# --------------------------------------------------------------------------


def test_update_space_refuses_a_different_app_type(sm: Any) -> None:
    domain_id = in_service_domain(sm)
    in_service_space(sm, domain_id, "lab", SpaceSettings={"AppType": "JupyterLab"})

    code, _ = refused(
        lambda: sm.update_space(
            DomainId=domain_id, SpaceName="lab", SpaceSettings={"AppType": "CodeEditor"}
        )
    )

    assert code == "ValidationException"
    sm.update_space(DomainId=domain_id, SpaceName="lab", SpaceSettings={"AppType": "JupyterLab"})


# --------------------------------------------------------------------------
# CreatePresignedDomainUrl
# --------------------------------------------------------------------------


def test_presigned_url_is_refused_for_an_sso_domain(sm: Any) -> None:
    domain_id = in_service_domain(sm, AuthMode="SSO")
    user_name = unique("sso-user")
    assigned_sso_user(sm, domain_id, user_name)  # SageMaker requires it (test_identity_center.py)
    sm.create_user_profile(
        DomainId=domain_id,
        UserProfileName="sso-user",
        SingleSignOnUserIdentifier="UserName",
        SingleSignOnUserValue=user_name,
    )
    wait_for(
        lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName="sso-user")[
            "Status"
        ],
        "InService",
    )

    code, message = refused(
        lambda: sm.create_presigned_domain_url(DomainId=domain_id, UserProfileName="sso-user")
    )

    assert code == "ValidationException"
    assert "IAM" in message


def test_presigned_url_is_refused_for_another_profiles_private_space(sm: Any) -> None:
    domain_id = in_service_domain(sm)
    for name in ("alice", "bob"):
        in_service_profile(sm, domain_id, name)
    in_service_space(sm, domain_id, "alice-own", **owned_by("alice", "Private"))
    in_service_space(sm, domain_id, "shared", **owned_by("alice", "Shared"))

    code, _ = refused(
        lambda: sm.create_presigned_domain_url(
            DomainId=domain_id, UserProfileName="bob", SpaceName="alice-own"
        )
    )

    assert code == "ValidationException"
    for profile, space in (("alice", "alice-own"), ("bob", "shared")):
        assert sm.create_presigned_domain_url(
            DomainId=domain_id, UserProfileName=profile, SpaceName=space
        )["AuthorizedUrl"]


@pytest.mark.parametrize(
    "landing",
    ["lab/tree", "studio:/lab", "app:Excel:sheet", "app:JupyterLab", "https://example.com/x"],
)
def test_presigned_url_refuses_a_malformed_landing_uri(sm: Any, landing: str) -> None:
    domain_id = in_service_domain(sm)
    in_service_profile(sm, domain_id, "user")

    code, _ = refused(
        lambda: sm.create_presigned_domain_url(
            DomainId=domain_id, UserProfileName="user", LandingUri=landing
        )
    )

    assert code == "ValidationException"


def test_presigned_url_accepts_the_documented_landing_uri_forms(sm: Any) -> None:
    domain_id = in_service_domain(sm)
    in_service_profile(sm, domain_id, "user")
    forms = ["studio::", "studio::spaces", "app:JupyterServer:", "app:JupyterLab:lab/tree/a"]
    forms += [f"app:{app}:x" for app in ("RStudioServerPro", "CodeEditor", "Canvas")]

    for landing in forms:
        assert sm.create_presigned_domain_url(
            DomainId=domain_id, UserProfileName="user", LandingUri=landing
        )["AuthorizedUrl"], landing


def test_presigned_url_is_refused_for_a_profile_that_is_not_in_service(
    sm: Any, control: Callable[..., Any], held: Callable[[str], None]
) -> None:
    domain_id = in_service_domain(sm)
    in_service_profile(sm, domain_id, "leaving")
    in_service_profile(sm, domain_id, "broken")
    held("sagemaker::studio-user-profile")
    sm.create_user_profile(DomainId=domain_id, UserProfileName="arriving")  # Pending
    sm.delete_user_profile(DomainId=domain_id, UserProfileName="leaving")  # Deleting
    sm.update_user_profile(
        DomainId=domain_id, UserProfileName="broken", UserSettings={"ExecutionRole": ROLE}
    )  # Updating

    for name, status in (("arriving", "Pending"), ("leaving", "Deleting"), ("broken", "Updating")):
        code, message = refused(
            lambda: sm.create_presigned_domain_url(DomainId=domain_id, UserProfileName=name)
        )
        assert (code, status in message) == ("ValidationException", True), name


# --------------------------------------------------------------------------
# CreateApp
# --------------------------------------------------------------------------


#: An owner of apps being deleted: (kept in service by, its model, deleted by, its app).
OWNERS_BEING_DELETED = {
    "profile": (
        in_service_profile,
        "sagemaker::studio-user-profile",
        lambda sm, domain_id, name: sm.delete_user_profile(
            DomainId=domain_id, UserProfileName=name
        ),
        lambda name: {"UserProfileName": name, **KERNEL},
    ),
    "space": (
        in_service_space,
        "sagemaker::studio-space",
        lambda sm, domain_id, name: sm.delete_space(DomainId=domain_id, SpaceName=name),
        lambda name: {"SpaceName": name, "AppType": "JupyterLab", "AppName": "default"},
    ),
}


@pytest.mark.parametrize("owner", sorted(OWNERS_BEING_DELETED))
def test_create_app_is_refused_for_an_owner_being_deleted(
    sm: Any, held: Callable[[str], None], owner: str
) -> None:
    make, model, delete, app = OWNERS_BEING_DELETED[owner]
    domain_id = in_service_domain(sm)
    make(sm, domain_id, "leaving")
    held(model)
    delete(sm, domain_id, "leaving")

    code, message = refused(lambda: sm.create_app(DomainId=domain_id, **app("leaving")))

    assert code == "ResourceInUse"
    assert "Deleting" in message


# --------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------


def test_tags_with_the_reserved_aws_prefix_are_refused_everywhere(sm: Any) -> None:
    domain_id = in_service_domain(sm)
    in_service_profile(sm, domain_id, "user")
    domain_arn = sm.describe_domain(DomainId=domain_id)["DomainArn"]
    for key in ("aws:owner", "AWS:owner", "Aws:cost"):
        tags = [{"Key": key, "Value": "x"}]
        calls = [
            lambda: in_service_domain(sm, Tags=tags),
            lambda: sm.create_user_profile(DomainId=domain_id, UserProfileName="t", Tags=tags),
            lambda: sm.create_space(DomainId=domain_id, SpaceName="t", Tags=tags),
            lambda: sm.create_app(DomainId=domain_id, UserProfileName="user", Tags=tags, **KERNEL),
            lambda: sm.add_tags(ResourceArn=domain_arn, Tags=tags),
        ]
        for call in calls:
            code, message = refused(call)
            assert (code, "aws:" in message) == ("ValidationException", True), key
    # A value may carry the prefix.
    sm.add_tags(ResourceArn=domain_arn, Tags=[{"Key": "source", "Value": "aws:cfn"}])


def test_a_tag_without_a_value_is_refused_and_an_empty_value_is_kept(endpoint: str) -> None:
    sm = client(endpoint, "sagemaker", parameter_validation=False)
    domain_id = in_service_domain(sm)
    domain_arn = sm.describe_domain(DomainId=domain_id)["DomainArn"]

    code, message = refused(lambda: sm.add_tags(ResourceArn=domain_arn, Tags=[{"Key": "k"}]))
    assert code == "ValidationException"
    assert "tags.1.member.value" in message

    sm.add_tags(ResourceArn=domain_arn, Tags=[{"Key": "k", "Value": ""}])
    assert sm.list_tags(ResourceArn=domain_arn)["Tags"] == [{"Key": "k", "Value": ""}]


@pytest.mark.parametrize(
    "tag",
    [
        {"Key": "", "Value": "v"},
        {"Key": "k" * 129, "Value": "v"},
        {"Key": "k", "Value": "v" * 257},
        {"Key": "semi;colon", "Value": "v"},
        {"Key": "k", "Value": "hash#tag"},
        {"Key": "star*", "Value": "v"},
    ],
)
def test_a_tag_off_the_models_pattern_or_length_is_refused(
    endpoint: str, tag: dict[str, str]
) -> None:
    sm = client(endpoint, "sagemaker", parameter_validation=False)
    domain_id = in_service_domain(sm)
    domain_arn = sm.describe_domain(DomainId=domain_id)["DomainArn"]

    code, _ = refused(lambda: sm.add_tags(ResourceArn=domain_arn, Tags=[tag]))

    assert code == "ValidationException"


def test_a_tag_of_unicode_letters_numbers_spaces_and_the_allowed_marks_is_kept(sm: Any) -> None:
    domain_id = in_service_domain(sm)
    domain_arn = sm.describe_domain(DomainId=domain_id)["DomainArn"]
    tag = {"Key": "équipe données 2", "Value": "a_b.c:d/e=f+g-h@i 数据"}

    sm.add_tags(ResourceArn=domain_arn, Tags=[tag])

    assert sm.list_tags(ResourceArn=domain_arn)["Tags"] == [tag]


def test_list_tags_refuses_a_malformed_arn(sm: Any) -> None:
    for arn in ("", "not-an-arn", "arn:aws:s3:::bucket", "arn:aws:sagemaker:us-east-1:12:domain/d-x"):
        code, message = refused(lambda: sm.list_tags(ResourceArn=arn))
        assert code == "ValidationException", arn
        assert "resourceArn" in message, arn


def test_list_tags_of_a_resource_that_does_not_exist_is_a_validation_error(sm: Any) -> None:
    domain_id = in_service_domain(sm)
    in_service_profile(sm, domain_id, "user")
    arn = in_service_app(sm, domain_id, UserProfileName="user", **KERNEL)
    sm.delete_app(DomainId=domain_id, UserProfileName="user", **KERNEL)
    wait_for(lambda: app_status(sm, domain_id, UserProfileName="user", **KERNEL), "Deleted")
    missing = [
        arn,  # a Deleted app (aws/amazon-sagemaker-feedback#108)
        f"arn:aws:sagemaker:us-east-1:123456789012:domain/d-{'0' * 12}",
        "arn:aws:sagemaker:us-east-1:123456789012:model/nothing-here",
    ]

    for target in missing:
        assert refused(lambda: sm.list_tags(ResourceArn=target))[0] == "ValidationException"
        assert (
            refused(lambda: sm.add_tags(ResourceArn=target, Tags=[{"Key": "k", "Value": "v"}]))[0]
            == "ValidationException"
        )


# --------------------------------------------------------------------------
# Quotas
# --------------------------------------------------------------------------


def test_create_domain_beyond_the_domain_quota_is_refused(
    sm: Any, control: Callable[..., Any]
) -> None:
    existing = len(sm.list_domains(MaxResults=100)["Domains"])
    with quota(control, "sagemaker::domains-per-region", existing + 1):
        in_service_domain(sm)
        code, _ = refused(lambda: in_service_domain(sm))
    assert code == "ResourceLimitExceeded"


def test_create_user_profile_beyond_the_profile_quota_is_refused(
    sm: Any, control: Callable[..., Any]
) -> None:
    domain_id = in_service_domain(sm)
    other_domain = in_service_domain(sm)
    with quota(control, "sagemaker::user-profiles-per-domain", 1):
        sm.create_user_profile(DomainId=domain_id, UserProfileName="first")
        code, _ = refused(
            lambda: sm.create_user_profile(DomainId=domain_id, UserProfileName="second")
        )
        sm.create_user_profile(DomainId=other_domain, UserProfileName="first")  # per domain
    assert code == "ResourceLimitExceeded"


def test_create_space_beyond_the_space_quota_is_refused(
    sm: Any, control: Callable[..., Any]
) -> None:
    domain_id = in_service_domain(sm)
    with quota(control, "sagemaker::spaces-per-domain", 1):
        sm.create_space(DomainId=domain_id, SpaceName="first")
        code, _ = refused(lambda: sm.create_space(DomainId=domain_id, SpaceName="second"))
    assert code == "ResourceLimitExceeded"


def test_create_app_beyond_the_app_quota_is_refused_until_one_is_deleted(
    sm: Any, control: Callable[..., Any]
) -> None:
    domain_id = in_service_domain(sm)
    in_service_profile(sm, domain_id, "user")
    with quota(control, "sagemaker::apps-per-owner", 1):
        in_service_app(sm, domain_id, UserProfileName="user", **KERNEL)
        second = {"AppType": "KernelGateway", "AppName": "kg2"}
        code, _ = refused(lambda: sm.create_app(DomainId=domain_id, UserProfileName="user", **second))
        sm.delete_app(DomainId=domain_id, UserProfileName="user", **KERNEL)
        wait_for(lambda: app_status(sm, domain_id, UserProfileName="user", **KERNEL), "Deleted")
        sm.create_app(DomainId=domain_id, UserProfileName="user", **second)
    assert code == "ResourceLimitExceeded"


def test_config_shows_the_quotas_and_refuses_an_unknown_one(
    control: Callable[..., Any],
) -> None:
    assert control("GET", "config")["quotas"]["sagemaker::apps-per-owner"] is None
    with pytest.raises(Exception) as exc:
        control("POST", "config", {"quotas": {"sagemaker::no-such-quota": 1}})
    assert getattr(exc.value, "code", None) == 400


# --------------------------------------------------------------------------
# Failed apps (control route)
# --------------------------------------------------------------------------


def test_apps_fail_control_route_moves_an_app_to_failed_with_its_reason(
    sm: Any, control: Callable[..., Any]
) -> None:
    domain_id = in_service_domain(sm)
    in_service_profile(sm, domain_id, "user")
    arn = in_service_app(sm, domain_id, UserProfileName="user", **KERNEL)

    answer = control("POST", "apps/fail", {"AppArn": arn, "reason": "image pull failed"})

    assert answer == {"AppArn": arn, "Status": "Failed", "FailureReason": "image pull failed"}
    described = sm.describe_app(DomainId=domain_id, UserProfileName="user", **KERNEL)
    assert (described["Status"], described["FailureReason"]) == ("Failed", "image pull failed")
    listed = sm.list_apps(DomainIdEquals=domain_id)["Apps"]
    assert [a["Status"] for a in listed] == ["Failed"]
    # A failed app can be deleted.
    sm.delete_app(DomainId=domain_id, UserProfileName="user", **KERNEL)
    wait_for(lambda: app_status(sm, domain_id, UserProfileName="user", **KERNEL), "Deleted")


def test_apps_fail_control_route_answers_404_for_an_unknown_app(
    control: Callable[..., Any],
) -> None:
    with pytest.raises(Exception) as exc:
        control("POST", "apps/fail", {"AppArn": "arn:aws:sagemaker:us-east-1:1:app/d-x/u/kg/x"})
    assert getattr(exc.value, "code", None) == 404


# --------------------------------------------------------------------------
# List defaults
# --------------------------------------------------------------------------


def test_list_operations_sort_ascending_by_creation_time_by_default(sm: Any) -> None:
    domain_id = in_service_domain(sm)
    names = ["first", "second", "third"]
    for name in names:
        sm.create_user_profile(DomainId=domain_id, UserProfileName=name)
        sm.create_space(DomainId=domain_id, SpaceName=f"{name}-space")
        wait_for(lambda: space_status(sm, domain_id, f"{name}-space"), "InService")
        sm.create_app(
            DomainId=domain_id, SpaceName=f"{name}-space", AppType="JupyterLab", AppName="default"
        )

    profiles = sm.list_user_profiles(DomainIdEquals=domain_id)["UserProfiles"]
    spaces = sm.list_spaces(DomainIdEquals=domain_id)["Spaces"]
    apps = sm.list_apps(DomainIdEquals=domain_id)["Apps"]

    assert [p["UserProfileName"] for p in profiles] == names
    assert [s["SpaceName"] for s in spaces] == [f"{n}-space" for n in names]
    assert [a["SpaceName"] for a in apps] == [f"{n}-space" for n in names]


def test_list_operations_page_by_10_when_max_results_is_not_given(sm: Any) -> None:
    domain_id = in_service_domain(sm)
    for i in range(11):
        sm.create_user_profile(DomainId=domain_id, UserProfileName=f"user-{i:02}")
    while len(sm.list_domains(MaxResults=100)["Domains"]) < 11:
        sm.create_domain(
            DomainName=unique("page"),
            AuthMode="IAM",
            DefaultUserSettings={"ExecutionRole": ROLE},
            SubnetIds=["subnet-a"],
            VpcId="vpc-a",
        )

    profiles = sm.list_user_profiles(DomainIdEquals=domain_id)
    domains = sm.list_domains()

    assert (len(profiles["UserProfiles"]), "NextToken" in profiles) == (10, True)
    assert (len(domains["Domains"]), "NextToken" in domains) == (10, True)
    rest = sm.list_user_profiles(DomainIdEquals=domain_id, NextToken=profiles["NextToken"])
    assert [p["UserProfileName"] for p in rest["UserProfiles"]] == ["user-10"]
