"""Custom tag propagation (domain ``TagPropagation``) to the apps Studio creates.

Source: SageMaker Developer Guide, "Custom tag propagation" (rules and what is unconfirmed in
``SageMakerStudioBackend._propagated_tags``).
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import error_code, in_service_domain, wait_for

pytestmark = pytest.mark.transition_seconds(0)



def tags(**pairs: str) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in pairs.items()]


def as_dict(answer: list[dict[str, str]]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in answer}


def domain(sm: Any, propagation: str | None, **domain_tags: str) -> str:
    extra: dict[str, Any] = {"Tags": tags(**domain_tags)}
    if propagation is not None:
        extra["TagPropagation"] = propagation
    return in_service_domain(sm, **extra)


def app_tags(sm: Any, domain_id: str, **owner: Any) -> dict[str, str]:
    request_tags = owner.pop("Tags", None)
    extra = {"Tags": request_tags} if request_tags else {}
    arn = sm.create_app(DomainId=domain_id, AppType="JupyterLab", AppName="default", **owner, **extra)["AppArn"]
    return as_dict(sm.list_tags(ResourceArn=arn)["Tags"])


def test_with_propagation_enabled_a_profiles_app_gets_the_domains_and_the_profiles_tags(sm: Any) -> None:
    domain_id = domain(sm, "ENABLED", team="ml", **{"cost-center": "42"})
    sm.create_user_profile(DomainId=domain_id, UserProfileName="alice",
                           Tags=tags(studiouserid="alice", **{"expires-at": "2026-12-31T00:00:00Z"}))
    assert app_tags(sm, domain_id, UserProfileName="alice", Tags=tags(purpose="demo")) == {
        "team": "ml", "cost-center": "42", "studiouserid": "alice",
        "expires-at": "2026-12-31T00:00:00Z", "purpose": "demo",
    }


def test_with_propagation_enabled_a_spaces_app_gets_the_spaces_tags(sm: Any) -> None:
    domain_id = domain(sm, "ENABLED", team="ml")
    sm.create_user_profile(DomainId=domain_id, UserProfileName="bob", Tags=tags(studiouserid="bob"))
    sm.create_space(DomainId=domain_id, SpaceName="lab", Tags=tags(project="churn"),
                    SpaceSettings={"AppType": "JupyterLab"},
                    OwnershipSettings={"OwnerUserProfileName": "bob"},
                    SpaceSharingSettings={"SharingType": "Private"})
    assert app_tags(sm, domain_id, SpaceName="lab") == {"team": "ml", "project": "churn"}


def test_tags_added_to_the_profile_later_reach_only_apps_created_after(sm: Any) -> None:
    domain_id = domain(sm, "ENABLED")
    sm.create_user_profile(DomainId=domain_id, UserProfileName="carol")
    profile_arn = sm.describe_user_profile(DomainId=domain_id, UserProfileName="carol")["UserProfileArn"]
    before = sm.create_app(DomainId=domain_id, UserProfileName="carol", AppType="CodeEditor",
                           AppName="default")["AppArn"]
    sm.add_tags(ResourceArn=profile_arn, Tags=tags(**{"expires-at": "2026-12-01T00:00:00Z"}))
    after = app_tags(sm, domain_id, UserProfileName="carol")
    assert after == {"expires-at": "2026-12-01T00:00:00Z"}
    assert sm.list_tags(ResourceArn=before)["Tags"] == []


def test_the_most_specific_level_wins_a_key_set_at_several(sm: Any) -> None:
    domain_id = domain(sm, "ENABLED", team="domain", level="domain")
    sm.create_user_profile(DomainId=domain_id, UserProfileName="dave", Tags=tags(level="profile"))
    assert app_tags(sm, domain_id, UserProfileName="dave", Tags=tags(team="app")) == {
        "team": "app", "level": "profile"}


@pytest.mark.parametrize("propagation", ["DISABLED", None])
def test_with_propagation_disabled_or_unset_an_app_has_only_its_own_tags(
    sm: Any, propagation: str | None
) -> None:
    domain_id = domain(sm, propagation, team="ml")
    assert sm.describe_domain(DomainId=domain_id)["TagPropagation"] == "DISABLED"
    sm.create_user_profile(DomainId=domain_id, UserProfileName="erin", Tags=tags(studiouserid="erin"))
    assert app_tags(sm, domain_id, UserProfileName="erin", Tags=tags(purpose="demo")) == {"purpose": "demo"}


def test_propagation_switched_on_by_update_domain_applies_to_apps_created_after(sm: Any) -> None:
    domain_id = domain(sm, "DISABLED", team="ml")
    sm.create_user_profile(DomainId=domain_id, UserProfileName="fay")
    sm.update_domain(DomainId=domain_id, TagPropagation="ENABLED")
    wait_for(lambda: sm.describe_domain(DomainId=domain_id)["Status"], "InService")
    assert app_tags(sm, domain_id, UserProfileName="fay") == {"team": "ml"}


def test_more_than_fifty_tags_with_the_propagated_ones_fail_the_app(sm: Any) -> None:
    domain_id = domain(sm, "ENABLED", **{f"d{i}": "x" for i in range(30)})
    sm.create_user_profile(DomainId=domain_id, UserProfileName="gus",
                           Tags=tags(**{f"p{i}": "x" for i in range(25)}))
    with pytest.raises(ClientError) as refused:
        sm.create_app(DomainId=domain_id, UserProfileName="gus", AppType="JupyterLab", AppName="default")
    assert error_code(refused) == "ValidationException"
    assert "at most 50" in refused.value.response["Error"]["Message"]
