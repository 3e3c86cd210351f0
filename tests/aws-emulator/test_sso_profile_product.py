"""A user profile of an ``SSO`` domain launched through Service Catalog (issue #17, "IAM Identity
Center"): the real ``studio-user-profile`` function under core.yaml's
``StudioUserProfileFunctionRole`` as CloudFormation makes it (so that the least-privilege report
credits its calls to core.yaml's statements; IAM enforced) assigns the profile's user to the domain's IAM
Identity Center application before CreateUserProfile, so that they see Studio in the access
portal, and the termination removes the assignment its launch made -- and only that one.

The SageMaker Developer Guide ("IAM Identity Center Groups in a domain") adds a user to a domain
from the CLI with DescribeDomain's ``SingleSignOnApplicationArn`` and sso-admin
``CreateApplicationAssignment``; the emulator refuses a profile whose user is not assigned
(``studio_emulator/identity_center.py``), as the CloudFormation ``AWS::SageMaker::UserProfile``
page says SageMaker does. The domain and the directory's users are arranged as the account root.
"""

from __future__ import annotations

from typing import Any

import pytest

from emulator_client import iam_enforced  # noqa: F401 (the fixture)
from emulator_client import STUDIO_ROLE, client, in_service_domain, unique, wait_for
from test_identity_center import assignments, new_user
from test_iam_product_paths import (  # noqa: F401 (the fixtures)
    Catalog,
    catalog,
    portfolio,
    succeeded,
)
from test_product_guardrails import (  # noqa: F401 (the fixture)
    _profile_parameters,
    function_decisions,
    profile_function,
)

pytestmark = [pytest.mark.transition_seconds(0.05), pytest.mark.rust_binaries]

#: The grants an SSO profile's launch and termination take of the function's role.
IDENTITY_CENTER_GRANTS = {
    "sso:DescribeApplication",
    "sso:DescribeInstance",
    "identitystore:GetUserId",
    "sso:DescribeApplicationAssignment",
    "sso:CreateApplicationAssignment",
    "sso:DeleteApplicationAssignment",
    "sagemaker:ListUserProfiles",
}


@pytest.fixture
def sso_domain(catalog: Catalog) -> tuple[str, str, str]:  # noqa: F811
    """An InService ``SSO`` domain: (domain id, its application ARN, the identity store id)."""
    sm = client(catalog.endpoint, "sagemaker")
    domain_id = in_service_domain(sm, AuthMode="SSO",
                                  DefaultUserSettings={"ExecutionRole": STUDIO_ROLE})
    application = sm.describe_domain(DomainId=domain_id)["SingleSignOnApplicationArn"]
    store = client(catalog.endpoint, "sso-admin").list_instances()["Instances"][0][
        "IdentityStoreId"]
    return domain_id, str(application), str(store)


def sso_parameters(catalog: Catalog, domain_id: str, user: str) -> list[dict[str, str]]:  # noqa: F811
    return _profile_parameters(catalog, domain_id, StudioUserId=user,
                               SingleSignOnUserIdentifier="UserName",
                               SingleSignOnUserValue=user)


def profile_of(catalog: Catalog, record: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    outputs = {o["OutputKey"]: o["OutputValue"]
               for o in catalog.stack(record["ProvisionedProductId"])["Outputs"]}
    sm = client(catalog.endpoint, "sagemaker")
    return dict(sm.describe_user_profile(DomainId=outputs["DomainId"],
                                         UserProfileName=outputs["UserProfileName"]))


def test_a_launch_assigns_the_user_and_its_termination_removes_that_assignment(
    catalog: Catalog, profile_function: str, sso_domain: tuple[str, str, str],  # noqa: F811
) -> None:
    domain_id, application, store = sso_domain
    user = unique("ana", "")
    user_id = new_user(client(catalog.endpoint, "identitystore"), store, user)
    sso = client(catalog.endpoint, "sso-admin")
    assert assignments(sso, application) == []

    record = catalog.launch("StudioUserProfile", sso_parameters(catalog, domain_id, user))

    assert succeeded(record), record
    profile = profile_of(catalog, record)
    assert profile["Status"] == "InService"
    assert profile["SingleSignOnUserValue"] == user
    assert assignments(sso, application) == [("USER", user_id)]
    tags = {t["Key"]: t["Value"] for t in client(catalog.endpoint, "sagemaker").list_tags(
        ResourceArn=profile["UserProfileArn"])["Tags"]}
    assert tags["studio-catalog:sso-assignment"] == "created"

    assert succeeded(catalog.terminate(record["ProvisionedProductId"]))
    assert assignments(sso, application) == []
    listed = client(catalog.endpoint, "sagemaker").list_user_profiles(
        DomainIdEquals=domain_id)["UserProfiles"]
    assert profile["UserProfileName"] not in [p["UserProfileName"] for p in listed]


def test_an_assignment_the_admin_made_stays_after_the_termination(
    catalog: Catalog, profile_function: str, sso_domain: tuple[str, str, str],  # noqa: F811
) -> None:
    domain_id, application, store = sso_domain
    user = unique("ben", "")
    user_id = new_user(client(catalog.endpoint, "identitystore"), store, user)
    sso = client(catalog.endpoint, "sso-admin")
    sso.create_application_assignment(ApplicationArn=application, PrincipalId=user_id,
                                      PrincipalType="USER")

    record = catalog.launch("StudioUserProfile", sso_parameters(catalog, domain_id, user))

    assert succeeded(record), record
    profile = profile_of(catalog, record)
    tags = {t["Key"] for t in client(catalog.endpoint, "sagemaker").list_tags(
        ResourceArn=profile["UserProfileArn"])["Tags"]}
    assert "studio-catalog:sso-assignment" not in tags
    assert succeeded(catalog.terminate(record["ProvisionedProductId"]))
    assert assignments(sso, application) == [("USER", user_id)]


def test_a_user_missing_from_the_directory_fails_naming_the_property_and_leaves_nothing(
    catalog: Catalog, profile_function: str, sso_domain: tuple[str, str, str],  # noqa: F811
) -> None:
    domain_id, application, _ = sso_domain
    parameters = sso_parameters(catalog, domain_id, unique("nobody", ""))

    record = catalog.launch("StudioUserProfile", parameters)

    assert record["Status"] == "FAILED", record
    events = client(catalog.endpoint, "cloudformation").describe_stack_events(
        StackName=catalog.stack(record["ProvisionedProductId"])["StackId"])["StackEvents"]
    reasons = [e.get("ResourceStatusReason", "") for e in events
               if e["LogicalResourceId"] == "UserProfile"]
    assert any("Invalid property SingleSignOnUserValue" in r and "has no user whose userName is"
               in r for r in reasons), reasons
    sm = client(catalog.endpoint, "sagemaker")
    assert sm.list_user_profiles(DomainIdEquals=domain_id)["UserProfiles"] == []
    assert assignments(client(catalog.endpoint, "sso-admin"), application) == []
    assert succeeded(catalog.terminate(record["ProvisionedProductId"]))


def test_the_function_role_took_only_its_identity_center_grants(
    catalog: Catalog, profile_function: str, sso_domain: tuple[str, str, str],  # noqa: F811
) -> None:
    """One launch and termination, then the function role's allowed calls on sso and
    identitystore are exactly the statements core.yaml writes for them."""
    domain_id, application, store = sso_domain
    user = unique("cai", "")
    new_user(client(catalog.endpoint, "identitystore"), store, user)
    record = catalog.launch("StudioUserProfile", sso_parameters(catalog, domain_id, user))
    assert succeeded(record), record
    assert succeeded(catalog.terminate(record["ProvisionedProductId"]))
    wait_for(lambda: assignments(client(catalog.endpoint, "sso-admin"), application), [])

    allowed = {d["action"] for d in function_decisions(catalog, profile_function)}

    assert IDENTITY_CENTER_GRANTS <= allowed, sorted(allowed)
    assert {a for a in allowed if a.split(":")[0] in ("sso", "identitystore")} <= \
        IDENTITY_CENTER_GRANTS
