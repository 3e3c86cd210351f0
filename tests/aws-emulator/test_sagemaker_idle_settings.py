"""Idle shutdown settings (``AppLifecycleManagement.IdleSettings``) on domains, profiles, spaces.

Rules (``studio_emulator/sagemaker/validation.py``, ``lifecycle_settings``), from botocore's
model: ``IdleTimeoutInMinutes`` / ``MinIdleTimeoutInMinutes`` / ``MaxIdleTimeoutInMinutes``
60..525600, ``LifecycleManagement`` ENABLED|DISABLED; spaces' ``SpaceIdleSettings`` have only
``IdleTimeoutInMinutes``. Relations between the values (a profile beyond the domain's maximum,
a minimum above the maximum) are not refused: no AWS page says they are (unconfirmed).
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import STUDIO_ROLE as ROLE, client, domain_request, error, unique, wait_for

pytestmark = pytest.mark.transition_seconds(0)



def idle(**settings: Any) -> dict[str, Any]:
    return {"AppLifecycleManagement": {"IdleSettings": settings}}


@pytest.fixture(scope="module")
def raw(endpoint: str) -> Any:
    """A client that sends what it is given (the Rust SDK does not check ranges either)."""
    return client(endpoint, "sagemaker", parameter_validation=False)


@pytest.fixture(scope="module")
def domain_id(sm: Any) -> str:
    created = sm.create_domain(**domain_request(
        DefaultUserSettings={
            "ExecutionRole": ROLE,
            "JupyterLabAppSettings": idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=60,
                                          MinIdleTimeoutInMinutes=60, MaxIdleTimeoutInMinutes=240),
            "CodeEditorAppSettings": idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=120),
        },
        DefaultSpaceSettings={"ExecutionRole": ROLE,
                              "JupyterLabAppSettings": idle(IdleTimeoutInMinutes=60)},
    ))
    wait_for(lambda: sm.describe_domain(DomainId=created["DomainId"])["Status"], "InService")
    return str(created["DomainId"])


def test_describe_domain_returns_the_default_idle_settings(sm: Any, domain_id: str) -> None:
    described = sm.describe_domain(DomainId=domain_id)
    lab = described["DefaultUserSettings"]["JupyterLabAppSettings"]["AppLifecycleManagement"]
    assert lab["IdleSettings"] == {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 60,
                                   "MinIdleTimeoutInMinutes": 60, "MaxIdleTimeoutInMinutes": 240}
    space = described["DefaultSpaceSettings"]["JupyterLabAppSettings"]["AppLifecycleManagement"]
    assert space["IdleSettings"] == {"IdleTimeoutInMinutes": 60}


@pytest.mark.parametrize(
    ("settings", "member", "constraint"),
    [
        ({"IdleTimeoutInMinutes": 59}, "idleTimeoutInMinutes", "greater than or equal to 60"),
        ({"IdleTimeoutInMinutes": 525601}, "idleTimeoutInMinutes", "less than or equal to 525600"),
        ({"MinIdleTimeoutInMinutes": 30}, "minIdleTimeoutInMinutes", "greater than or equal to 60"),
        ({"MaxIdleTimeoutInMinutes": 10**6}, "maxIdleTimeoutInMinutes", "less than or equal to 525600"),
        ({"LifecycleManagement": "ON"}, "lifecycleManagement", "enum value set: [ENABLED, DISABLED]"),
    ],
)
def test_idle_settings_out_of_range_or_off_the_enum_are_refused_on_every_operation(
    raw: Any, sm: Any, domain_id: str, settings: dict[str, Any], member: str, constraint: str
) -> None:
    path = "jupyterLabAppSettings.appLifecycleManagement.idleSettings." + member
    calls = [
        ("defaultUserSettings", lambda: raw.create_domain(**domain_request(
            DefaultUserSettings={"ExecutionRole": ROLE, "JupyterLabAppSettings": idle(**settings)}))),
        ("defaultUserSettings", lambda: raw.update_domain(
            DomainId=domain_id, DefaultUserSettings={"JupyterLabAppSettings": idle(**settings)})),
        ("defaultSpaceSettings", lambda: raw.update_domain(
            DomainId=domain_id, DefaultSpaceSettings={"JupyterLabAppSettings": idle(**settings)})),
        ("userSettings", lambda: raw.create_user_profile(
            DomainId=domain_id, UserProfileName=unique("u"),
            UserSettings={"JupyterLabAppSettings": idle(**settings)})),
    ]
    for prefix, call in calls:
        with pytest.raises(ClientError) as refused:
            call()
        code, message = error(refused)
        assert code == "ValidationException"
        assert f"at '{prefix}.{path}'" in message and constraint in message


def test_code_editor_idle_settings_are_checked_too(raw: Any, domain_id: str) -> None:
    with pytest.raises(ClientError) as refused:
        raw.create_user_profile(DomainId=domain_id, UserProfileName=unique("u"),
                                UserSettings={"CodeEditorAppSettings": idle(IdleTimeoutInMinutes=1)})
    assert "userSettings.codeEditorAppSettings.appLifecycleManagement.idleSettings" in error(refused)[1]


def test_space_idle_settings_have_a_timeout_in_range(raw: Any, sm: Any, domain_id: str) -> None:
    for app in ("JupyterLabAppSettings", "CodeEditorAppSettings"):
        with pytest.raises(ClientError) as refused:
            raw.create_space(DomainId=domain_id, SpaceName=unique("s"),
                             SpaceSettings={app: idle(IdleTimeoutInMinutes=30)})
        assert error(refused)[0] == "ValidationException"
    name = unique("s")
    sm.create_space(DomainId=domain_id, SpaceName=name, SpaceSettings={
        "AppType": "JupyterLab", "JupyterLabAppSettings": idle(IdleTimeoutInMinutes=90)})
    wait_for(lambda: sm.describe_space(DomainId=domain_id, SpaceName=name)["Status"], "InService")
    with pytest.raises(ClientError) as refused:
        raw.update_space(DomainId=domain_id, SpaceName=name,
                         SpaceSettings={"JupyterLabAppSettings": idle(IdleTimeoutInMinutes=600000)})
    assert "spaceSettings.jupyterLabAppSettings.appLifecycleManagement.idleSettings" in error(refused)[1]
    sm.update_space(DomainId=domain_id, SpaceName=name,
                    SpaceSettings={"JupyterLabAppSettings": idle(IdleTimeoutInMinutes=120)})
    described = sm.describe_space(DomainId=domain_id, SpaceName=name)["SpaceSettings"]
    assert described["JupyterLabAppSettings"] == idle(IdleTimeoutInMinutes=120)
    assert described["AppType"] == "JupyterLab"


def test_a_profile_beyond_the_domains_maximum_is_accepted_as_no_refusal_is_documented(
    sm: Any, domain_id: str
) -> None:
    """The domain's Max (240) bounds what a *user* may set in Studio; the API reference
    documents no refusal of an admin's larger value, so the emulator refuses none (and a
    cleanup can meet such drift)."""
    name = unique("beyond")
    sm.create_user_profile(DomainId=domain_id, UserProfileName=name, UserSettings={
        "JupyterLabAppSettings": idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=1440)})
    settings = sm.describe_user_profile(DomainId=domain_id, UserProfileName=name)["UserSettings"]
    assert settings["JupyterLabAppSettings"] == idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=1440)


def test_update_user_profile_replaces_the_app_settings_given_and_keeps_the_others(
    sm: Any, domain_id: str
) -> None:
    """UpdateUserProfile: the ``UserSettings`` members given replace the stored ones, the
    others are kept (the emulator's merge, one level deep; AWS's exact merge is unconfirmed,
    so a repair sends the whole app settings it read, changed)."""
    name = unique("merge")
    sm.create_user_profile(DomainId=domain_id, UserProfileName=name, UserSettings={
        "ExecutionRole": ROLE,
        "JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"},
                                  **idle(LifecycleManagement="DISABLED")},
        "CodeEditorAppSettings": idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=60),
    })
    wait_for(lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName=name)["Status"],
             "InService")
    sm.update_user_profile(DomainId=domain_id, UserProfileName=name, UserSettings={
        "JupyterLabAppSettings": idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=120)})
    wait_for(lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName=name)["Status"],
             "InService")
    settings = sm.describe_user_profile(DomainId=domain_id, UserProfileName=name)["UserSettings"]
    assert settings["ExecutionRole"] == ROLE
    assert settings["CodeEditorAppSettings"] == idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=60)
    assert settings["JupyterLabAppSettings"] == idle(LifecycleManagement="ENABLED", IdleTimeoutInMinutes=120)
