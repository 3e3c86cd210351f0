"""End-to-end tests of the emulator (server subprocess driven with boto3).

Run: .venv/bin/python -m pytest -q tests/aws-emulator
"""

from __future__ import annotations

import json
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import HERE, REGION, client, error_code, unique, wait_for

TRANSITION = 1.0  # long enough for several calls inside one transition on a loaded machine
ROLE = "arn:aws:iam::123456789012:role/studio-execution"

pytestmark = pytest.mark.transition_seconds(TRANSITION)


# --------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clean(control: Callable[..., Any]) -> None:
    control("DELETE", "faults")
    control("DELETE", "calls")


def domain_status(sm: Any, domain_id: str) -> str:
    try:
        return sm.describe_domain(DomainId=domain_id)["Status"]
    except ClientError as e:
        return e.response["Error"]["Code"]


def create_domain(sm: Any, **extra: Any) -> dict[str, Any]:
    args = {
        "DomainName": unique("dom"),
        "AuthMode": "IAM",
        "DefaultUserSettings": {"ExecutionRole": ROLE},
        "SubnetIds": ["subnet-0123456789abcdef0"],
        "VpcId": "vpc-0123456789abcdef0",
    }
    args.update(extra)
    return sm.create_domain(**args)


def in_service_profile(sm: Any, domain_id: str, name: str) -> None:
    """Create a user profile and wait until it is InService (sign-in needs it)."""
    sm.create_user_profile(DomainId=domain_id, UserProfileName=name)
    wait_for(
        lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName=name)["Status"],
        "InService",
    )


def in_service_domain(sm: Any, **extra: Any) -> str:
    domain_id = create_domain(sm, **extra)["DomainId"]
    wait_for(lambda: domain_status(sm, domain_id), "InService")
    return domain_id


# --------------------------------------------------------------------------
# Domains
# --------------------------------------------------------------------------


def test_domain_lifecycle(sm: Any, control: Callable[..., Any]) -> None:
    name = unique("lifecycle")
    created = create_domain(
        sm,
        DomainName=name,
        Tags=[{"Key": "team", "Value": "ml"}],
        DomainSettings={"SecurityGroupIds": ["sg-1"]},
    )
    domain_id = created["DomainId"]
    assert re.fullmatch(r"d-[a-z0-9]{12}", domain_id)
    assert created["DomainArn"] == f"arn:aws:sagemaker:{REGION}:123456789012:domain/{domain_id}"
    assert created["Url"] == f"https://{domain_id}.studio.{REGION}.sagemaker.aws"

    first = sm.describe_domain(DomainId=domain_id)
    assert first["Status"] == "Pending"
    wait_for(lambda: domain_status(sm, domain_id), "InService")

    described = sm.describe_domain(DomainId=domain_id)
    assert described["DomainName"] == name
    assert described["AuthMode"] == "IAM"
    assert described["AppNetworkAccessType"] == "PublicInternetOnly"
    assert described["DefaultUserSettings"] == {"ExecutionRole": ROLE}
    assert described["DomainSettings"] == {"SecurityGroupIds": ["sg-1"]}
    assert described["SubnetIds"] == ["subnet-0123456789abcdef0"]
    assert described["VpcId"] == "vpc-0123456789abcdef0"
    assert described["Url"] == created["Url"]
    assert re.fullmatch(r"fs-[0-9a-f]{17}", described["HomeEfsFileSystemId"])
    assert "SingleSignOnManagedApplicationInstanceId" not in described
    assert "FailureReason" not in described
    assert isinstance(described["CreationTime"], datetime)
    assert sm.list_tags(ResourceArn=created["DomainArn"])["Tags"] == [
        {"Key": "team", "Value": "ml"}
    ]
    listed = {d["DomainId"]: d for d in sm.list_domains()["Domains"]}
    assert listed[domain_id]["Status"] == "InService"

    # Update: Updating -> InService, and no concurrent update/delete meanwhile.
    updated = sm.update_domain(
        DomainId=domain_id,
        DefaultUserSettings={"SecurityGroups": ["sg-2"]},
        DomainSettingsForUpdate={"SecurityGroupIds": ["sg-3"]},
    )
    assert updated["DomainArn"] == created["DomainArn"]
    assert domain_status(sm, domain_id) == "Updating"
    with pytest.raises(ClientError) as exc:
        sm.update_domain(DomainId=domain_id, DefaultUserSettings={})
    assert error_code(exc) == "ResourceInUse"
    with pytest.raises(ClientError) as exc:
        sm.delete_domain(DomainId=domain_id)
    assert error_code(exc) == "ResourceInUse"
    wait_for(lambda: domain_status(sm, domain_id), "InService")
    described = sm.describe_domain(DomainId=domain_id)
    assert described["DefaultUserSettings"] == {
        "ExecutionRole": ROLE,
        "SecurityGroups": ["sg-2"],
    }
    assert described["DomainSettings"] == {"SecurityGroupIds": ["sg-3"]}

    # Delete (default retention = Retain): Deleting, still listed, then gone.
    sm.delete_domain(DomainId=domain_id)
    assert domain_status(sm, domain_id) == "Deleting"
    listed = {d["DomainId"]: d for d in sm.list_domains()["Domains"]}
    assert listed[domain_id]["Status"] == "Deleting"
    wait_for(lambda: domain_status(sm, domain_id), "ResourceNotFound")
    assert domain_id not in {d["DomainId"] for d in sm.list_domains()["Domains"]}

    efs = control("GET", "efs")["file_systems"]
    record = next(f for f in efs if f["DomainId"] == domain_id)
    assert record["FileSystemId"] == described["HomeEfsFileSystemId"]
    assert record["State"] == "retained"
    assert record["RetentionPolicy"] == "Retain"


def test_create_domain_validation(endpoint: str) -> None:
    raw = client(endpoint, "sagemaker", parameter_validation=False)
    good = {
        "DomainName": unique("valid"),
        "AuthMode": "IAM",
        "DefaultUserSettings": {},
        "SubnetIds": ["subnet-1"],
        "VpcId": "vpc-1",
    }
    for missing in ("DomainName", "AuthMode", "DefaultUserSettings", "SubnetIds", "VpcId"):
        args = {k: v for k, v in good.items() if k != missing}
        with pytest.raises(ClientError) as exc:
            raw.create_domain(**args)
        assert error_code(exc) == "ValidationException", missing
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    for bad in ({"AuthMode": "LDAP"}, {"DomainName": "-bad_name"}, {"AppNetworkAccessType": "Open"}):
        with pytest.raises(ClientError) as exc:
            raw.create_domain(**{**good, **bad})
        assert error_code(exc) == "ValidationException", bad


def test_resource_not_found(sm: Any) -> None:
    missing = "d-000000000000"
    calls = [
        lambda: sm.describe_domain(DomainId=missing),
        lambda: sm.update_domain(DomainId=missing, DefaultUserSettings={}),
        lambda: sm.delete_domain(DomainId=missing),
        lambda: sm.describe_user_profile(DomainId=missing, UserProfileName="u"),
        lambda: sm.describe_space(DomainId=missing, SpaceName="s"),
        lambda: sm.describe_app(
            DomainId=missing, UserProfileName="u", AppType="JupyterServer", AppName="default"
        ),
    ]
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc) == "ResourceNotFound"
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert missing in exc.value.response["Error"]["Message"]
    # CreateUserProfile documents no ResourceNotFound: a missing domain is invalid input.
    with pytest.raises(ClientError) as exc:
        sm.create_user_profile(DomainId=missing, UserProfileName="u")
    assert error_code(exc) == "ValidationException"

    domain_id = in_service_domain(sm)
    with pytest.raises(ClientError) as exc:
        sm.describe_user_profile(DomainId=domain_id, UserProfileName="nobody")
    assert error_code(exc) == "ResourceNotFound"
    with pytest.raises(ClientError) as exc:
        sm.describe_space(DomainId=domain_id, SpaceName="nowhere")
    assert error_code(exc) == "ResourceNotFound"
    sm.delete_domain(DomainId=domain_id)


# --------------------------------------------------------------------------
# User profiles, spaces, apps
# --------------------------------------------------------------------------


def test_profiles_spaces_apps_and_in_use_rules(sm: Any, control: Callable[..., Any]) -> None:
    domain_id = in_service_domain(sm)

    with pytest.raises(ClientError) as exc:
        sm.create_user_profile(DomainId=domain_id, UserProfileName="bad_name!")
    assert error_code(exc) == "ValidationException"

    profile_arn = sm.create_user_profile(
        DomainId=domain_id,
        UserProfileName="alice",
        Tags=[{"Key": "owner", "Value": "alice"}],
        UserSettings={"ExecutionRole": ROLE},
    )["UserProfileArn"]
    assert profile_arn == (
        f"arn:aws:sagemaker:{REGION}:123456789012:user-profile/{domain_id}/alice"
    )
    with pytest.raises(ClientError) as exc:
        sm.create_user_profile(DomainId=domain_id, UserProfileName="alice")
    assert error_code(exc) == "ResourceInUse"

    profile = sm.describe_user_profile(DomainId=domain_id, UserProfileName="alice")
    assert profile["Status"] == "Pending"
    assert profile["HomeEfsFileSystemUid"].isdigit()
    assert profile["UserSettings"] == {"ExecutionRole": ROLE}
    wait_for(
        lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName="alice")["Status"],
        "InService",
    )
    sm.update_user_profile(
        DomainId=domain_id, UserProfileName="alice", UserSettings={"SecurityGroups": ["sg-9"]}
    )
    assert (
        sm.describe_user_profile(DomainId=domain_id, UserProfileName="alice")["Status"]
        == "Updating"
    )

    private = sm.create_space(
        DomainId=domain_id,
        SpaceName="alice-private",
        OwnershipSettings={"OwnerUserProfileName": "alice"},
        SpaceSharingSettings={"SharingType": "Private"},
        SpaceSettings={"AppType": "JupyterLab"},
        SpaceDisplayName="Alice",
    )["SpaceArn"]
    assert private.endswith(f":space/{domain_id}/alice-private")
    sm.create_space(DomainId=domain_id, SpaceName="team")
    with pytest.raises(ClientError) as exc:
        sm.create_space(
            DomainId=domain_id,
            SpaceName="orphan",
            OwnershipSettings={"OwnerUserProfileName": "ghost"},
            SpaceSharingSettings={"SharingType": "Private"},
        )
    assert error_code(exc) == "ValidationException"  # CreateSpace has no ResourceNotFound

    summaries = {s["SpaceName"]: s for s in sm.list_spaces(DomainIdEquals=domain_id)["Spaces"]}
    assert summaries["alice-private"]["OwnershipSettingsSummary"] == {
        "OwnerUserProfileName": "alice"
    }
    assert summaries["alice-private"]["SpaceSharingSettingsSummary"] == {"SharingType": "Private"}
    assert summaries["alice-private"]["SpaceSettingsSummary"]["AppType"] == "JupyterLab"
    assert sm.list_spaces(DomainIdEquals=domain_id, SpaceNameContains="priv")["Spaces"][0][
        "SpaceName"
    ] == "alice-private"

    app_arn = sm.create_app(
        DomainId=domain_id, UserProfileName="alice", AppType="JupyterServer", AppName="default"
    )["AppArn"]
    assert app_arn == (
        f"arn:aws:sagemaker:{REGION}:123456789012:app/{domain_id}/alice/jupyterserver/default"
    )
    space_app = sm.create_app(
        DomainId=domain_id,
        SpaceName="alice-private",
        AppType="JupyterLab",
        AppName="default",
        ResourceSpec={"InstanceType": "ml.t3.medium"},
    )["AppArn"]
    assert space_app.endswith(f":app/{domain_id}/alice-private/jupyterlab/default")
    with pytest.raises(ClientError) as exc:
        sm.create_app(
            DomainId=domain_id, UserProfileName="alice", AppType="JupyterServer", AppName="default"
        )
    assert error_code(exc) == "ResourceInUse"
    with pytest.raises(ClientError) as exc:
        sm.create_app(DomainId=domain_id, UserProfileName="alice", AppType="Excel", AppName="x")
    assert error_code(exc) == "ValidationException"

    def app_status(**ident: str) -> str:
        return sm.describe_app(DomainId=domain_id, AppName="default", **ident)["Status"]

    user_app = {"UserProfileName": "alice", "AppType": "JupyterServer"}
    wait_for(lambda: app_status(**user_app), "InService")
    described = sm.describe_app(DomainId=domain_id, AppName="default", **user_app)
    assert described["AppArn"] == app_arn
    assert described["UserProfileName"] == "alice"
    assert "SpaceName" not in described
    assert described["ResourceSpec"] == {"InstanceType": "system"}
    for key in ("CreationTime", "LastHealthCheckTimestamp", "LastUserActivityTimestamp"):
        assert isinstance(described[key], datetime), key

    # Deleting anything with children is refused.
    with pytest.raises(ClientError) as exc:
        sm.delete_domain(DomainId=domain_id)
    assert error_code(exc) == "ResourceInUse"

    def delete_is_refused_once_in_service(
        describe: Callable[..., Any], delete: Callable[..., Any], **owner: str
    ) -> None:
        """An owner of an app that is not Deleted: in service, yet not deletable."""
        wait_for(lambda: describe(DomainId=domain_id, **owner)["Status"], "InService")
        with pytest.raises(ClientError) as refused:
            delete(DomainId=domain_id, **owner)
        assert error_code(refused) == "ResourceInUse"  # has an app

    delete_is_refused_once_in_service(
        sm.describe_user_profile, sm.delete_user_profile, UserProfileName="alice"
    )
    space_ident = {"SpaceName": "alice-private", "AppType": "JupyterLab"}
    wait_for(lambda: app_status(**space_ident), "InService")
    delete_is_refused_once_in_service(
        sm.describe_space, sm.delete_space, SpaceName="alice-private"
    )

    # Apps: Deleting -> Deleted, still described and listed.
    sm.delete_app(DomainId=domain_id, AppName="default", **user_app)
    sm.delete_app(DomainId=domain_id, AppName="default", **space_ident)
    assert app_status(**user_app) == "Deleting"
    wait_for(lambda: app_status(**user_app), "Deleted")
    wait_for(lambda: app_status(**space_ident), "Deleted")
    apps = sm.list_apps(DomainIdEquals=domain_id)["Apps"]
    assert sorted((a["AppType"], a["Status"]) for a in apps) == [
        ("JupyterLab", "Deleted"),
        ("JupyterServer", "Deleted"),
    ]
    assert [a["AppType"] for a in sm.list_apps(DomainIdEquals=domain_id, SpaceNameEquals="alice-private")["Apps"]] == ["JupyterLab"]
    assert [a["AppType"] for a in sm.list_apps(DomainIdEquals=domain_id, UserProfileNameEquals="alice")["Apps"]] == ["JupyterServer"]

    with pytest.raises(ClientError) as exc:
        sm.delete_user_profile(DomainId=domain_id, UserProfileName="alice")
    assert error_code(exc) == "ResourceInUse"  # still owns a private space

    sm.delete_space(DomainId=domain_id, SpaceName="alice-private")
    wait_for(lambda: sm.describe_space(DomainId=domain_id, SpaceName="team")["Status"], "InService")
    sm.delete_space(DomainId=domain_id, SpaceName="team")
    assert sm.describe_space(DomainId=domain_id, SpaceName="team")["Status"] == "Deleting"
    wait_for(lambda: len(sm.list_spaces(DomainIdEquals=domain_id)["Spaces"]), 0)
    sm.delete_user_profile(DomainId=domain_id, UserProfileName="alice")
    wait_for(lambda: len(sm.list_user_profiles(DomainIdEquals=domain_id)["UserProfiles"]), 0)

    sm.delete_domain(DomainId=domain_id, RetentionPolicy={"HomeEfsFileSystem": "Delete"})
    wait_for(lambda: domain_status(sm, domain_id), "ResourceNotFound")
    record = next(f for f in control("GET", "efs")["file_systems"] if f["DomainId"] == domain_id)
    assert (record["State"], record["RetentionPolicy"]) == ("deleted", "Delete")


def test_list_pagination_filters_and_sorting(sm: Any) -> None:
    domain_id = create_domain(sm)["DomainId"]
    for name in ("ann", "bob", "bobby", "carl"):
        sm.create_user_profile(DomainId=domain_id, UserProfileName=name)

    names: list[str] = []
    kwargs: dict[str, Any] = {"DomainIdEquals": domain_id, "MaxResults": 3, "SortOrder": "Ascending"}
    pages = 0
    while True:
        page = sm.list_user_profiles(**kwargs)
        pages += 1
        names += [p["UserProfileName"] for p in page["UserProfiles"]]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert pages == 2
    assert names == ["ann", "bob", "bobby", "carl"]
    descending = sm.list_user_profiles(
        DomainIdEquals=domain_id, SortBy="CreationTime", SortOrder="Descending"
    )["UserProfiles"]
    assert [p["UserProfileName"] for p in descending] == ["carl", "bobby", "bob", "ann"]
    contains = sm.list_user_profiles(DomainIdEquals=domain_id, UserProfileNameContains="bob")
    assert sorted(p["UserProfileName"] for p in contains["UserProfiles"]) == ["bob", "bobby"]
    with pytest.raises(ClientError) as exc:
        sm.list_user_profiles(DomainIdEquals=domain_id, SortBy="Name")
    assert error_code(exc) == "ValidationException"

    paginator = sm.get_paginator("list_domains")
    ids = [d["DomainId"] for page in paginator.paginate(PaginationConfig={"PageSize": 1}) for d in page["Domains"]]
    assert domain_id in ids
    assert len(ids) == len(set(ids))


def test_tags_on_studio_resources(sm: Any) -> None:
    domain_id = in_service_domain(sm)
    profile_arn = sm.create_user_profile(DomainId=domain_id, UserProfileName="tagged")["UserProfileArn"]
    space_arn = sm.create_space(DomainId=domain_id, SpaceName="tagged-space")["SpaceArn"]
    app_arn = sm.create_app(
        DomainId=domain_id,
        UserProfileName="tagged",
        AppType="KernelGateway",
        AppName="kg",
        Tags=[{"Key": "created", "Value": "yes"}],
    )["AppArn"]
    domain_arn = sm.describe_domain(DomainId=domain_id)["DomainArn"]

    for arn in (domain_arn, profile_arn, space_arn, app_arn):
        sm.add_tags(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": str(i)} for i in range(3)])
        sm.add_tags(ResourceArn=arn, Tags=[{"Key": "k0", "Value": "updated"}])
        expected = {"k0", "k1", "k2"} | ({"created"} if arn == app_arn else set())
        assert {t["Key"] for t in sm.list_tags(ResourceArn=arn)["Tags"]} == expected, arn
        sm.delete_tags(ResourceArn=arn, TagKeys=["k1", "k2"])
        tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}
        assert tags["k0"] == "updated" and "k1" not in tags, arn

    # ListTags pages (MaxResults >= 50 per the API): fill the 50-tag limit.
    sm.add_tags(ResourceArn=space_arn, Tags=[{"Key": f"p{i:02}", "Value": "v"} for i in range(49)])
    page = sm.list_tags(ResourceArn=space_arn, MaxResults=50)
    assert len(page["Tags"]) == 50 and "NextToken" not in page
    with pytest.raises(ClientError) as exc:
        sm.add_tags(ResourceArn=space_arn, Tags=[{"Key": "one-too-many", "Value": "v"}])
    assert error_code(exc) == "ValidationException"

    with pytest.raises(ClientError) as exc:
        sm.list_tags(ResourceArn=profile_arn.replace("tagged", "ghost"))
    assert error_code(exc) == "ValidationException"  # ListTags documents no error codes

    # moto's own tagging of other SageMaker resources still works.
    sm.create_model(ModelName=unique("model"), ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
    assert sm.list_models()["Models"]


def presigned_url(sm: Any, domain_id: str, profile: str, **extra: Any) -> str:
    """The ``AuthorizedUrl`` CreatePresignedDomainUrl answers for ``profile``."""
    return sm.create_presigned_domain_url(
        DomainId=domain_id, UserProfileName=profile, **extra
    )["AuthorizedUrl"]


def test_create_presigned_domain_url(sm: Any) -> None:
    domain_id = in_service_domain(sm)
    in_service_profile(sm, domain_id, "viewer")
    url = presigned_url(
        sm, domain_id, "viewer", SessionExpirationDurationInSeconds=1800, ExpiresInSeconds=60
    )
    assert re.fullmatch(
        rf"https://{domain_id}\.studio\.{REGION}\.sagemaker\.aws/auth\?token=[A-Za-z0-9_\-]+", url
    )
    for bad in ({"SessionExpirationDurationInSeconds": 43201}, {"ExpiresInSeconds": 301}):
        with pytest.raises(ClientError) as exc:
            sm.create_presigned_domain_url(DomainId=domain_id, UserProfileName="viewer", **bad)
        assert error_code(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        sm.create_presigned_domain_url(DomainId=domain_id, UserProfileName="ghost")
    assert error_code(exc) == "ResourceNotFound"


def test_issued_presigned_urls_are_listed_with_their_profile(
    sm: Any, control: Callable[..., Any]
) -> None:
    domain_id = in_service_domain(sm)
    for name in ("alice", "bob"):
        in_service_profile(sm, domain_id, name)
    alice = presigned_url(sm, domain_id, "alice", LandingUri="studio::")
    bob = presigned_url(
        sm, domain_id, "bob", SessionExpirationDurationInSeconds=1800, ExpiresInSeconds=30
    )
    assert alice != bob
    issued = control("GET", f"presigned-urls?DomainId={domain_id}")["presigned_urls"]
    assert issued == [
        {
            "AuthorizedUrl": alice,
            "DomainId": domain_id,
            "UserProfileName": "alice",
            "SpaceName": None,
            "LandingUri": "studio::",
            "SessionExpirationDurationInSeconds": 43200,
            "ExpiresInSeconds": 300,
        },
        {
            "AuthorizedUrl": bob,
            "DomainId": domain_id,
            "UserProfileName": "bob",
            "SpaceName": None,
            "LandingUri": None,
            "SessionExpirationDurationInSeconds": 1800,
            "ExpiresInSeconds": 30,
        },
    ]
    assert control("GET", "presigned-urls?DomainId=d-nosuchdomain1")["presigned_urls"] == []


# --------------------------------------------------------------------------
# Control API
# --------------------------------------------------------------------------


def test_fault_injection(sm: Any, endpoint: str, control: Callable[..., Any]) -> None:
    control(
        "POST",
        "faults",
        {
            "service": "sagemaker",
            "operation": "CreateDomain",
            "error_code": "ThrottlingException",
            "status": 400,
            "message": "Rate exceeded",
            "count": 1,
        },
    )
    # Raw request: check the exact awsJson1_1 error shape.
    req = urllib.request.Request(
        endpoint + "/",
        data=b"{}",
        method="POST",
        headers={
            "X-Amz-Target": "SageMaker.CreateDomain",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/"
            "us-east-1/sagemaker/aws4_request, SignedHeaders=host, Signature=0",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as http_error:
        urllib.request.urlopen(req, timeout=5)
    assert http_error.value.code == 400
    assert http_error.value.headers["x-amzn-ErrorType"] == "ThrottlingException"
    assert json.loads(http_error.value.read()) == {
        "__type": "ThrottlingException",
        "message": "Rate exceeded",
    }
    # count=1 is used up: the next call runs normally.
    domain_id = create_domain(sm)["DomainId"]

    # "SageMaker" = the X-Amz-Target prefix; the signing name works too.
    control("POST", "faults", {"service": "SageMaker", "operation": "DescribeDomain",
                               "error_code": "InternalFailure", "status": 500, "count": -1})
    for _ in range(3):
        with pytest.raises(ClientError) as exc:
            sm.describe_domain(DomainId=domain_id)
        assert error_code(exc) == "InternalFailure"
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    control("DELETE", "faults")
    assert sm.describe_domain(DomainId=domain_id)["DomainId"] == domain_id

    # REST-JSON service (Lake Formation): operation from moto's URL routing.
    lf = client(endpoint, "lakeformation")
    control("POST", "faults", {"service": "lakeformation", "operation": "GetDataLakeSettings",
                               "error_code": "AccessDeniedException", "message": "nope"})
    with pytest.raises(ClientError) as exc:
        lf.get_data_lake_settings()
    assert error_code(exc) == "AccessDeniedException"
    assert "DataLakeSettings" in lf.get_data_lake_settings()
    # Query protocol service (STS).
    sts = client(endpoint, "sts")
    control("POST", "faults", {"service": "sts", "operation": "GetCallerIdentity",
                               "error_code": "ExpiredTokenException", "status": 403})
    with pytest.raises(ClientError) as exc:
        sts.get_caller_identity()
    assert error_code(exc) == "ExpiredTokenException"
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_call_log(sm: Any, endpoint: str, control: Callable[..., Any]) -> None:
    domain_id = create_domain(sm)["DomainId"]
    sm.describe_domain(DomainId=domain_id)
    client(endpoint, "lakeformation").get_data_lake_settings()
    control("GET", "config")  # control calls are not logged
    # each with its IAM decision (the set-up keys are the account root: allowed)
    assert control("GET", "calls")["calls"] == [
        {"service": "sagemaker", "operation": "CreateDomain", "iam": "Allowed"},
        {"service": "sagemaker", "operation": "DescribeDomain", "iam": "Allowed"},
        {"service": "lakeformation", "operation": "GetDataLakeSettings", "iam": "Allowed"},
    ]
    control("DELETE", "calls")
    assert control("GET", "calls")["calls"] == []


def test_fail_domain_and_config(sm: Any, control: Callable[..., Any]) -> None:
    domain_id = create_domain(sm)["DomainId"]
    control("POST", f"domains/{domain_id}/fail", {"reason": "EFS quota exceeded"})
    described = sm.describe_domain(DomainId=domain_id)
    assert (described["Status"], described["FailureReason"]) == ("Failed", "EFS quota exceeded")
    with pytest.raises(ClientError) as exc:
        sm.update_domain(DomainId=domain_id, DefaultUserSettings={})
    assert error_code(exc) == "ResourceInUse"
    try:
        control("POST", "config", {"transition_seconds": 0})
        assert control("GET", "config")["transition_seconds"] == 0
        sm.delete_domain(DomainId=domain_id)  # a Failed domain can be deleted
        assert domain_status(sm, domain_id) == "ResourceNotFound"
    finally:
        control("POST", "config", {"transition_seconds": TRANSITION})


def test_an_old_user_activity_is_overtaken_by_the_running_apps_health_checks(
    sm: Any, control: Callable[..., Any]
) -> None:
    """``apps/last-activity`` records a real user activity; DescribeApp reports the later of
    it and the last health check (test_sagemaker_app_activity.py has the rule's tests)."""
    domain_id = create_domain(sm)["DomainId"]
    sm.create_user_profile(DomainId=domain_id, UserProfileName="idle")
    app = {"DomainId": domain_id, "UserProfileName": "idle", "AppType": "CodeEditor", "AppName": "ce"}
    app_arn = sm.create_app(**app)["AppArn"]
    wait_for(lambda: sm.describe_app(**app)["Status"], "InService")
    control("POST", "apps/last-activity",
            {"AppArn": app_arn, "LastUserActivityTimestamp": "2024-01-02T03:04:05Z"})
    described = sm.describe_app(**app)
    assert described["LastUserActivityTimestamp"] == described["LastHealthCheckTimestamp"]
    assert described["LastUserActivityTimestamp"] > datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def test_other_moto_services_share_the_port(endpoint: str) -> None:
    s3 = client(endpoint, "s3")
    bucket = unique("bucket")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert client(endpoint, "sts").get_caller_identity()["Account"] == "123456789012"


def test_extensions_on_the_same_moto_class_are_combined() -> None:
    """Two modules subclassing SageMakerResponse both end up in the Flask app."""
    sys.path.insert(0, HERE)
    try:
        import studio_emulator
        from moto.sagemaker.responses import SageMakerResponse
        from studio_emulator import ServiceExtension, register, response_class_for
        from studio_emulator.sagemaker import SageMakerStudioResponse
    finally:
        sys.path.remove(HERE)

    class NotebookExtResponse(SageMakerResponse):
        def describe_notebook_instance(self) -> Any:  # pragma: no cover - not called
            return super().describe_notebook_instance()

    studio_emulator.load_extensions()
    register(
        ServiceExtension(
            name="test-notebooks",
            service="sagemaker",
            base_response=SageMakerResponse,
            response=NotebookExtResponse,
        )
    )
    combined = response_class_for(SageMakerResponse)
    mro = combined.__mro__
    # First registered first, moto's class last; other registered modules (notebooks.py)
    # may sit in between. The lifecycle configs' checks come before the Studio operations
    # (sagemaker/__init__.py registers them first: they check the settings, then hand on).
    from studio_emulator.sagemaker.lifecycle_configs import SageMakerLifecycleConfigResponse

    assert mro[1:3] == (SageMakerLifecycleConfigResponse, SageMakerStudioResponse)
    assert mro.index(NotebookExtResponse) == mro.index(SageMakerResponse) - 1
    app = studio_emulator.create_extended_backend_app("sagemaker")
    callbacks = {getattr(v, "callback", None) for v in app.view_functions.values()}
    assert combined.dispatch in callbacks
