"""IAM Identity Center applications in the emulator (``studio_emulator/identity_center.py``): the
application SageMaker manages for an ``SSO`` domain, and its user/group assignments.

Run: .venv/bin/python -m pytest -q tests/aws-emulator/test_identity_center.py
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import (
    ACCOUNT,
    allow,
    client,
    error,
    in_service_domain,
    role_session,
    signed_client,
    unique,
)


@pytest.fixture(scope="module")
def sso(endpoint: str) -> Any:
    return client(endpoint, "sso-admin")


@pytest.fixture(scope="module")
def ids(endpoint: str) -> Any:
    return client(endpoint, "identitystore")


@pytest.fixture(scope="module")
def instance(sso: Any) -> dict[str, Any]:
    return dict(sso.list_instances()["Instances"][0])


def sso_domain_application(sm: Any) -> str:
    domain_id = in_service_domain(sm, AuthMode="SSO")
    return str(sm.describe_domain(DomainId=domain_id)["SingleSignOnApplicationArn"])


def new_user(ids: Any, store_id: str, name: str | None = None) -> str:
    name = name or unique("user")
    return str(
        ids.create_user(
            IdentityStoreId=store_id,
            UserName=name,
            DisplayName=name,
            Name={"GivenName": name, "FamilyName": "Tester"},
        )["UserId"]
    )


def assigned_sso_user(sm: Any, domain_id: str, user_name: str) -> str:
    """A user ``user_name`` of the directory, assigned to the application of SSO domain
    ``domain_id``, as SageMaker requires before a profile of that user (set-up credentials):
    the user's id."""
    endpoint = sm.meta.endpoint_url
    sso, ids = client(endpoint, "sso-admin"), client(endpoint, "identitystore")
    store_id = sso.list_instances()["Instances"][0]["IdentityStoreId"]
    user = new_user(ids, store_id, user_name)
    app = sm.describe_domain(DomainId=domain_id)["SingleSignOnApplicationArn"]
    sso.create_application_assignment(ApplicationArn=app, PrincipalId=user, PrincipalType="USER")
    return user


def assignments(sso: Any, app: str) -> list[tuple[str, str]]:
    listed = sso.list_application_assignments(ApplicationArn=app)["ApplicationAssignments"]
    return [(a["PrincipalType"], a["PrincipalId"]) for a in listed]


def test_an_sso_domain_has_an_application_in_the_instance_of_its_account(
    sm: Any, sso: Any, instance: dict[str, Any]
) -> None:
    domain_id = in_service_domain(sm, AuthMode="SSO")
    domain = sm.describe_domain(DomainId=domain_id)

    app = sso.describe_application(ApplicationArn=domain["SingleSignOnApplicationArn"])

    assert app["InstanceArn"] == instance["InstanceArn"]
    assert app["ApplicationAccount"] == ACCOUNT
    assert app["Status"] == "ENABLED"
    instance_id = instance["InstanceArn"].rsplit("/", 1)[1]
    assert app["ApplicationArn"].startswith(f"arn:aws:sso::{ACCOUNT}:application/{instance_id}/apl-")
    assert domain["SingleSignOnManagedApplicationInstanceId"].startswith("ins-")


def test_an_iam_domain_has_no_application(sm: Any) -> None:
    domain = sm.describe_domain(DomainId=in_service_domain(sm))

    assert "SingleSignOnApplicationArn" not in domain
    assert "SingleSignOnManagedApplicationInstanceId" not in domain


def test_describe_instance_gives_the_identity_store_of_the_instance(
    sso: Any, instance: dict[str, Any]
) -> None:
    described = sso.describe_instance(InstanceArn=instance["InstanceArn"])

    assert described["IdentityStoreId"] == instance["IdentityStoreId"]
    with pytest.raises(ClientError) as exc:
        sso.describe_instance(InstanceArn="arn:aws:sso:::instance/ssoins-0000000000000000")
    assert error(exc)[0] == "ValidationException"


def test_an_unknown_application_is_not_found(sso: Any) -> None:
    unknown = f"arn:aws:sso::{ACCOUNT}:application/ssoins-0000000000000000/apl-0000000000000000"

    for call in (
        lambda: sso.describe_application(ApplicationArn=unknown),
        lambda: sso.list_application_assignments(ApplicationArn=unknown),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc)[0] == "ResourceNotFoundException"


def test_a_user_is_assigned_described_listed_and_unassigned(
    sm: Any, sso: Any, ids: Any, instance: dict[str, Any]
) -> None:
    app = sso_domain_application(sm)
    user = new_user(ids, instance["IdentityStoreId"])

    sso.create_application_assignment(ApplicationArn=app, PrincipalId=user, PrincipalType="USER")

    assert assignments(sso, app) == [("USER", user)]
    described = sso.describe_application_assignment(
        ApplicationArn=app, PrincipalId=user, PrincipalType="USER"
    )
    assert (described["PrincipalType"], described["PrincipalId"]) == ("USER", user)
    sso.delete_application_assignment(ApplicationArn=app, PrincipalId=user, PrincipalType="USER")
    assert assignments(sso, app) == []


def test_a_group_can_be_assigned(sm: Any, sso: Any, ids: Any, instance: dict[str, Any]) -> None:
    app = sso_domain_application(sm)
    group = ids.create_group(IdentityStoreId=instance["IdentityStoreId"], DisplayName=unique("g"))

    sso.create_application_assignment(
        ApplicationArn=app, PrincipalId=group["GroupId"], PrincipalType="GROUP"
    )

    assert assignments(sso, app) == [("GROUP", group["GroupId"])]


def test_assigning_the_same_user_twice_is_a_conflict(
    sm: Any, sso: Any, ids: Any, instance: dict[str, Any]
) -> None:
    app = sso_domain_application(sm)
    user = new_user(ids, instance["IdentityStoreId"])
    sso.create_application_assignment(ApplicationArn=app, PrincipalId=user, PrincipalType="USER")

    with pytest.raises(ClientError) as exc:
        sso.create_application_assignment(
            ApplicationArn=app, PrincipalId=user, PrincipalType="USER"
        )

    assert error(exc)[0] == "ConflictException"
    assert assignments(sso, app) == [("USER", user)]


def test_a_principal_missing_from_the_identity_store_is_not_found(sm: Any, sso: Any) -> None:
    app = sso_domain_application(sm)

    for kind in ("USER", "GROUP"):
        with pytest.raises(ClientError) as exc:
            sso.create_application_assignment(
                ApplicationArn=app,
                PrincipalId="0123abcd-0000-4000-8000-00000000dead",
                PrincipalType=kind,
            )
        assert error(exc)[0] == "ResourceNotFoundException"
    assert assignments(sso, app) == []


def test_removing_an_assignment_that_does_not_exist_is_not_found(
    sm: Any, sso: Any, ids: Any, instance: dict[str, Any]
) -> None:
    app = sso_domain_application(sm)
    user = new_user(ids, instance["IdentityStoreId"])

    with pytest.raises(ClientError) as exc:
        sso.delete_application_assignment(
            ApplicationArn=app, PrincipalId=user, PrincipalType="USER"
        )

    assert error(exc)[0] == "ResourceNotFoundException"


def test_application_assignments_are_listed_in_pages(
    sm: Any, sso: Any, ids: Any, instance: dict[str, Any]
) -> None:
    app = sso_domain_application(sm)
    users = [new_user(ids, instance["IdentityStoreId"]) for _ in range(3)]
    for user in users:
        sso.create_application_assignment(
            ApplicationArn=app, PrincipalId=user, PrincipalType="USER"
        )

    first = sso.list_application_assignments(ApplicationArn=app, MaxResults=2)
    second = sso.list_application_assignments(
        ApplicationArn=app, MaxResults=2, NextToken=first["NextToken"]
    )

    listed = first["ApplicationAssignments"] + second["ApplicationAssignments"]
    assert [a["PrincipalId"] for a in listed] == users
    assert "NextToken" not in second


def test_an_assignment_needs_sso_create_application_assignment_on_that_application(
    endpoint: str, sm: Any, ids: Any, instance: dict[str, Any]
) -> None:
    app, other = sso_domain_application(sm), sso_domain_application(sm)
    user = new_user(ids, instance["IdentityStoreId"])
    key = role_session(
        endpoint,
        unique("assigner"),
        allow(["sso:CreateApplicationAssignment", "sso:ListApplicationAssignments"], app),
    )
    assigner = signed_client(endpoint, "sso-admin", key)

    with pytest.raises(ClientError) as exc:
        assigner.create_application_assignment(
            ApplicationArn=other, PrincipalId=user, PrincipalType="USER"
        )
    assert error(exc)[0] == "AccessDeniedException"
    assigner.create_application_assignment(
        ApplicationArn=app, PrincipalId=user, PrincipalType="USER"
    )
    assert assignments(assigner, app) == [("USER", user)]


def test_get_user_id_needs_the_identity_store_and_all_users(
    endpoint: str, ids: Any, instance: dict[str, Any]
) -> None:
    store_id = instance["IdentityStoreId"]
    name = unique("lookup")
    user = new_user(ids, store_id, name)
    store = f"arn:aws:identitystore::{ACCOUNT}:identitystore/{store_id}"
    lookup = {"UniqueAttribute": {"AttributePath": "UserName", "AttributeValue": name}}
    store_only = signed_client(
        endpoint,
        "identitystore",
        role_session(endpoint, unique("store-only"), allow("identitystore:GetUserId", store)),
    )
    both = signed_client(
        endpoint,
        "identitystore",
        role_session(
            endpoint,
            unique("store-users"),
            allow("identitystore:GetUserId", [store, "arn:aws:identitystore:::user/*"]),
        ),
    )

    with pytest.raises(ClientError) as exc:
        store_only.get_user_id(IdentityStoreId=store_id, AlternateIdentifier=lookup)
    assert error(exc)[0] == "AccessDeniedException"
    assert both.get_user_id(IdentityStoreId=store_id, AlternateIdentifier=lookup)["UserId"] == user


def sso_profile(sm: Any, domain_id: str, user_name: str) -> Any:
    return sm.create_user_profile(
        DomainId=domain_id,
        UserProfileName=unique("p"),
        SingleSignOnUserIdentifier="UserName",
        SingleSignOnUserValue=user_name,
    )


def test_a_profile_of_an_sso_domain_needs_a_user_of_the_directory(sm: Any) -> None:
    domain_id = in_service_domain(sm, AuthMode="SSO")

    with pytest.raises(ClientError) as exc:
        sso_profile(sm, domain_id, "nobody-of-the-directory")

    code, message = error(exc)
    assert code == "ValidationException"
    assert "SingleSignOnUserValue nobody-of-the-directory" in message


def test_a_profile_of_an_sso_domain_needs_its_user_assigned_to_the_application(
    sm: Any, sso: Any, ids: Any, instance: dict[str, Any]
) -> None:
    domain_id = in_service_domain(sm, AuthMode="SSO")
    app = sm.describe_domain(DomainId=domain_id)["SingleSignOnApplicationArn"]
    name = unique("carol")
    user = new_user(ids, instance["IdentityStoreId"], name)

    with pytest.raises(ClientError) as exc:
        sso_profile(sm, domain_id, name)
    code, message = error(exc)
    assert code == "ValidationException"
    assert f"User {name} is not assigned" in message

    sso.create_application_assignment(ApplicationArn=app, PrincipalId=user, PrincipalType="USER")
    assert sso_profile(sm, domain_id, name)["UserProfileArn"]


def test_a_group_assignment_lets_its_members_have_a_profile(
    sm: Any, sso: Any, ids: Any, instance: dict[str, Any]
) -> None:
    store_id = instance["IdentityStoreId"]
    domain_id = in_service_domain(sm, AuthMode="SSO")
    app = sm.describe_domain(DomainId=domain_id)["SingleSignOnApplicationArn"]
    name = unique("dave")
    user = new_user(ids, store_id, name)
    group = ids.create_group(IdentityStoreId=store_id, DisplayName=unique("scientists"))["GroupId"]
    ids.create_group_membership(IdentityStoreId=store_id, GroupId=group, MemberId={"UserId": user})

    sso.create_application_assignment(ApplicationArn=app, PrincipalId=group, PrincipalType="GROUP")

    assert sso_profile(sm, domain_id, name)["UserProfileArn"]
