"""Apps' health checks, activity and age as AWS reports them (issue #15).

Sources (in ``studio_emulator/sagemaker/models.py``, ``HealthChecks`` and ``StudioApp``):
the DescribeApp API reference -- ``LastUserActivityTimestamp`` "is also updated when SageMaker
AI performs health checks without user activity. As a result, this value is set to the same
value as LastHealthCheckTimestamp" --, and botocore's ``AppDetails``/``SpaceDetails`` shapes
for what ListApps/ListSpaces carry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from emulator_client import in_service_domain, unique, wait_for

pytestmark = pytest.mark.transition_seconds(0)

#: The old cleanup rule (issue #15): an app whose last user activity is older than this is idle.
OLD_IDLE_RULE = timedelta(minutes=60)


@pytest.fixture(autouse=True)
def _default_health_checks(control: Callable[..., Any]) -> Iterator[None]:
    control("POST", "config", {"health_check_seconds": 300})
    yield
    control("POST", "config", {"health_check_seconds": 300})


def new_domain(sm: Any) -> str:
    return in_service_domain(sm)


def running_app(sm: Any, domain_id: str, app_type: str = "CodeEditor", **owner: str) -> dict[str, Any]:
    if not owner:
        owner = {"UserProfileName": unique("user")}
        sm.create_user_profile(DomainId=domain_id, **owner)
    name = {"AppType": app_type, "AppName": "default"}
    sm.create_app(DomainId=domain_id, **owner, **name)
    wait_for(lambda: sm.describe_app(DomainId=domain_id, **owner, **name)["Status"], "InService")
    return {"DomainId": domain_id, **owner, **name}


def rfc3339(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_running_app_never_looks_idle_because_health_checks_move_its_activity(
    sm: Any, control: Callable[..., Any]
) -> None:
    """An app created five hours ago whose user was last active five hours ago: on AWS its
    health checks have kept LastUserActivityTimestamp within one check of now, so the old
    rule (idle when the last activity is over an hour old) finds nothing to stop."""
    app = running_app(sm, new_domain(sm))
    arn = sm.describe_app(**app)["AppArn"]
    five_hours_ago = datetime.now(timezone.utc) - timedelta(hours=5)
    control("POST", "creation-time", {"ResourceArn": arn, "CreationTime": rfc3339(five_hours_ago)})
    control("POST", "apps/last-activity",
            {"AppArn": arn, "LastUserActivityTimestamp": rfc3339(five_hours_ago)})

    described = sm.describe_app(**app)
    now = datetime.now(timezone.utc)
    assert described["CreationTime"] < now - timedelta(hours=4, minutes=59)
    assert described["LastUserActivityTimestamp"] == described["LastHealthCheckTimestamp"]
    assert now - described["LastHealthCheckTimestamp"] <= timedelta(seconds=300)
    assert not now - described["LastUserActivityTimestamp"] >= OLD_IDLE_RULE


def test_health_checks_move_both_timestamps_while_the_app_is_in_service(
    sm: Any, control: Callable[..., Any]
) -> None:
    control("POST", "config", {"health_check_seconds": 0.2})
    app = running_app(sm, new_domain(sm))
    first = sm.describe_app(**app)
    assert first["LastHealthCheckTimestamp"] == first["LastUserActivityTimestamp"]

    def moved() -> bool:
        later = sm.describe_app(**app)
        return (
            later["LastHealthCheckTimestamp"] > first["LastHealthCheckTimestamp"]
            and later["LastUserActivityTimestamp"] == later["LastHealthCheckTimestamp"]
        )

    wait_for(moved, True)


def test_a_user_activity_after_the_last_health_check_is_reported_until_a_check_overtakes_it(
    sm: Any, control: Callable[..., Any]
) -> None:
    control("POST", "config", {"health_check_seconds": 3600})
    app = running_app(sm, new_domain(sm))
    arn = sm.describe_app(**app)["AppArn"]
    checked = sm.describe_app(**app)["LastHealthCheckTimestamp"]
    active = checked + timedelta(seconds=30)
    control("POST", "apps/last-activity", {"AppArn": arn, "LastUserActivityTimestamp": rfc3339(active)})
    described = sm.describe_app(**app)
    assert described["LastUserActivityTimestamp"] == active.replace(microsecond=0)
    assert described["LastHealthCheckTimestamp"] == checked

    control("POST", "config", {"health_check_seconds": 0.2})
    wait_for(lambda: sm.describe_app(**app)["LastUserActivityTimestamp"] > active, True, timeout=60)
    later = sm.describe_app(**app)
    assert later["LastUserActivityTimestamp"] == later["LastHealthCheckTimestamp"]


def test_health_checks_stop_when_the_app_is_deleted(sm: Any, control: Callable[..., Any]) -> None:
    control("POST", "config", {"health_check_seconds": 0.2})
    app = running_app(sm, new_domain(sm))
    sm.delete_app(**app)
    wait_for(lambda: sm.describe_app(**app)["Status"], "Deleted")
    stopped = sm.describe_app(**app)["LastHealthCheckTimestamp"]
    # Several intervals later the last check is still the one before the delete.
    sm.list_apps(DomainIdEquals=app["DomainId"])
    wait_for(lambda: datetime.now(timezone.utc) - stopped > timedelta(seconds=1), True)
    assert sm.describe_app(**app)["LastHealthCheckTimestamp"] == stopped


def test_a_pending_app_has_had_no_health_check(sm: Any, control: Callable[..., Any]) -> None:
    domain_id = new_domain(sm)
    control("POST", "config", {"transitions": {"sagemaker::studio-app": 30}})
    try:
        sm.create_user_profile(DomainId=domain_id, UserProfileName="pending-user")
        app = {"DomainId": domain_id, "UserProfileName": "pending-user",
               "AppType": "JupyterLab", "AppName": "default"}
        sm.create_app(**app)
        described = sm.describe_app(**app)
        assert described["Status"] == "Pending"
        assert "LastHealthCheckTimestamp" not in described
        assert "LastUserActivityTimestamp" not in described
    finally:
        control("POST", "config", {"transitions": {"sagemaker::studio-app": 0}})


def test_the_health_check_interval_is_a_setting_that_refuses_non_positive_values(
    control: Callable[..., Any],
) -> None:
    assert control("POST", "config", {"health_check_seconds": 120})["health_check_seconds"] == 120
    with pytest.raises(Exception) as refused:
        control("POST", "config", {"health_check_seconds": 0})
    assert "400" in str(refused.value)


def test_backdating_an_app_shows_in_describe_and_list_apps(sm: Any, control: Callable[..., Any]) -> None:
    app = running_app(sm, new_domain(sm), app_type="KernelGateway")
    arn = sm.describe_app(**app)["AppArn"]
    thirteen_hours_ago = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=13)
    answer = control("POST", "creation-time",
                     {"ResourceArn": arn, "CreationTime": rfc3339(thirteen_hours_ago)})
    assert answer["CreationTime"] == rfc3339(thirteen_hours_ago)
    assert sm.describe_app(**app)["CreationTime"] == thirteen_hours_ago
    listed = sm.list_apps(DomainIdEquals=app["DomainId"])["Apps"]
    assert [a["CreationTime"] for a in listed] == [thirteen_hours_ago]
    # Still InService with recent health checks: it has been running for 13 hours.
    described = sm.describe_app(**app)
    assert described["Status"] == "InService"
    assert datetime.now(timezone.utc) - described["LastHealthCheckTimestamp"] <= timedelta(seconds=300)


def test_backdating_profiles_and_spaces_and_refusing_unknown_arns(
    sm: Any, control: Callable[..., Any]
) -> None:
    domain_id = new_domain(sm)
    sm.create_user_profile(DomainId=domain_id, UserProfileName="old-user")
    sm.create_space(DomainId=domain_id, SpaceName="old-space")
    long_ago = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    profile_arn = sm.describe_user_profile(DomainId=domain_id, UserProfileName="old-user")["UserProfileArn"]
    space_arn = sm.describe_space(DomainId=domain_id, SpaceName="old-space")["SpaceArn"]
    for arn in (profile_arn, space_arn):
        control("POST", "creation-time", {"ResourceArn": arn, "CreationTime": rfc3339(long_ago)})
    assert sm.describe_user_profile(DomainId=domain_id, UserProfileName="old-user")["CreationTime"] == long_ago
    assert sm.describe_space(DomainId=domain_id, SpaceName="old-space")["CreationTime"] == long_ago
    with pytest.raises(Exception) as missing:
        control("POST", "creation-time", {"ResourceArn": profile_arn + "x", "CreationTime": rfc3339(long_ago)})
    assert "404" in str(missing.value)
    with pytest.raises(Exception) as malformed:
        control("POST", "creation-time", {"ResourceArn": profile_arn, "CreationTime": "yesterday"})
    assert "400" in str(malformed.value)


def test_list_apps_names_each_apps_owner_status_and_resource_spec(sm: Any) -> None:
    """botocore ``AppDetails``: DomainId, UserProfileName, SpaceName, AppType, AppName, Status,
    CreationTime, ResourceSpec."""
    domain_id = new_domain(sm)
    sm.create_user_profile(DomainId=domain_id, UserProfileName="owner")
    sm.create_space(
        DomainId=domain_id, SpaceName="private-lab",
        SpaceSettings={"AppType": "JupyterLab"},
        OwnershipSettings={"OwnerUserProfileName": "owner"},
        SpaceSharingSettings={"SharingType": "Private"},
    )
    wait_for(lambda: sm.describe_space(DomainId=domain_id, SpaceName="private-lab")["Status"], "InService")
    running_app(sm, domain_id, app_type="JupyterLab", SpaceName="private-lab")
    running_app(sm, domain_id, app_type="Canvas", UserProfileName="owner")
    apps = {a["AppType"]: a for a in sm.list_apps(DomainIdEquals=domain_id)["Apps"]}
    assert apps["JupyterLab"]["SpaceName"] == "private-lab"
    assert "UserProfileName" not in apps["JupyterLab"]
    assert apps["Canvas"]["UserProfileName"] == "owner"
    for app in apps.values():
        assert app["Status"] == "InService"
        assert app["ResourceSpec"]["InstanceType"] == "ml.t3.medium"
        assert isinstance(app["CreationTime"], datetime)
    spaces = sm.list_spaces(DomainIdEquals=domain_id)["Spaces"]
    assert spaces[0]["OwnershipSettingsSummary"] == {"OwnerUserProfileName": "owner"}
    assert spaces[0]["SpaceSharingSettingsSummary"] == {"SharingType": "Private"}


def test_every_app_type_of_the_api_enum_is_accepted(sm: Any) -> None:
    """botocore's ``AppType`` enum, Canvas included (JupyterServer must be named default)."""
    import botocore.session

    enum = botocore.session.get_session().get_service_model("sagemaker").shape_for("AppType").enum
    assert "Canvas" in enum
    domain_id = new_domain(sm)
    sm.create_user_profile(DomainId=domain_id, UserProfileName="all-types")
    for app_type in enum:
        sm.create_app(DomainId=domain_id, UserProfileName="all-types", AppType=app_type, AppName="default")
    listed = sm.list_apps(DomainIdEquals=domain_id, MaxResults=50)["Apps"]
    assert sorted(a["AppType"] for a in listed) == sorted(enum)


def test_a_warning_tag_value_with_a_semicolon_is_refused_as_aws_refuses_it(sm: Any) -> None:
    """botocore ``TagValue`` pattern ``([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)``: no ``;``. A cleanup
    warning recorded as ``<rfc3339>;<rule>`` cannot be a SageMaker tag; ``<rfc3339> <rule>``
    (a space) or ``<rfc3339>/<rule>`` can."""
    from botocore.exceptions import ClientError

    app = running_app(sm, new_domain(sm), app_type="KernelGateway")
    arn = sm.describe_app(**app)["AppArn"]
    with pytest.raises(ClientError) as refused:
        sm.add_tags(ResourceArn=arn, Tags=[{"Key": "studio-catalog:cleanup-warning",
                                             "Value": "2026-12-02T01:00:00Z;max-lifetime"}])
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    for allowed in ("2026-12-02T01:00:00Z max-lifetime", "2026-12-02T01:00:00Z/max-lifetime"):
        sm.add_tags(ResourceArn=arn, Tags=[{"Key": "studio-catalog:cleanup-warning", "Value": allowed}])
        tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}
        assert tags["studio-catalog:cleanup-warning"] == allowed
