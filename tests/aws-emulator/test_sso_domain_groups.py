"""IAM Identity Center groups of an ``SSO`` domain launched through Service Catalog (issue #17,
"IAM Identity Center": "as an option, the domain's application to a group"): the real
``studio-domain`` function under core.yaml's ``StudioDomainFunctionRole`` (IAM enforced) assigns
each group of the launch form's ``IdentityCenterGroups`` to the domain's IAM Identity Center
application, so that its members see Studio in the access portal; an update unassigns a group
taken out if the domain made its assignment, and leaves one an administrator made; the
termination removes only what the domain assigned.

The SageMaker Developer Guide ("IAM Identity Center Groups in a domain") adds a group to a domain
from the CLI with DescribeDomain's ``SingleSignOnApplicationArn`` and sso-admin
``CreateApplicationAssignment`` (``PrincipalType`` ``GROUP``); the emulator's applications are
``studio_emulator/identity_center.py``'s. The directory's groups and the administrator's
assignment are arranged as the account root. The function's role is made by CloudFormation from
core.yaml's own ``StudioDomainFunctionRole``, so the least-privilege report credits these calls
to its statements (every IAM Identity Center grant of that role is taken here).
"""

from __future__ import annotations

from typing import Any

import pytest

from emulator_client import iam_enforced  # noqa: F401 (the fixture)
from emulator_client import client, unique
from test_iam_product_paths import (  # noqa: F401 (the fixtures)
    Catalog,
    _previous,
    catalog,
    portfolio,
    succeeded,
)
from test_identity_center import assignments
from test_product_guardrails import _core_function, function_decisions

pytestmark = [pytest.mark.transition_seconds(0.05), pytest.mark.rust_binaries]

#: The IAM Identity Center grants the domain function's role has for IdentityCenterGroups
#: (core.yaml): a launch, an update that takes a group out and a termination take every one.
IDENTITY_CENTER_GRANTS = {
    "sso:DescribeApplication",
    "sso:DescribeInstance",
    "identitystore:GetGroupId",
    "sso:DescribeApplicationAssignment",
    "sso:CreateApplicationAssignment",
    "sso:DeleteApplicationAssignment",
}

GROUP_TAG = "studio-catalog:sso-group:"


@pytest.fixture(scope="module")
def domain_function(portfolio: Catalog) -> str:  # noqa: F811
    """The real ``studio-domain`` function in place of the portfolio's answering fixture, under
    core.yaml's ``StudioDomainFunctionRole`` as CloudFormation makes it (``_core_function``)."""
    return _core_function(portfolio, "studio-domain", "StudioDomainFunctionRole",
                          "StudioDomainLogGroup")


def identity_store(catalog: Catalog) -> str:  # noqa: F811
    """The identity store of the account's IAM Identity Center instance."""
    instances = client(catalog.endpoint, "sso-admin").list_instances()["Instances"]
    return str(instances[0]["IdentityStoreId"])


def new_group(catalog: Catalog, name: str) -> str:  # noqa: F811
    """A group ``name`` of the directory (the account root makes it); its id."""
    ids = client(catalog.endpoint, "identitystore")
    return str(ids.create_group(IdentityStoreId=identity_store(catalog),
                                DisplayName=name)["GroupId"])


def sso_domain_parameters(catalog: Catalog, groups: str) -> list[dict[str, str]]:  # noqa: F811
    return catalog.domain_parameters(DomainName=unique("idc", ""), AuthMode="SSO",
                                     IdentityCenterGroups=groups)


def domain_of(catalog: Catalog, record: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    outputs = {o["OutputKey"]: o["OutputValue"]
               for o in catalog.stack(record["ProvisionedProductId"])["Outputs"]}
    return dict(client(catalog.endpoint, "sagemaker").describe_domain(
        DomainId=outputs["DomainId"]))


def group_tags(catalog: Catalog, domain: dict[str, Any]) -> dict[str, str]:  # noqa: F811
    """The domain's tags that record a group assignment it made: group id -> value."""
    tags = client(catalog.endpoint, "sagemaker").list_tags(
        ResourceArn=domain["DomainArn"])["Tags"]
    return {t["Key"][len(GROUP_TAG):]: t["Value"] for t in tags
            if t["Key"].startswith(GROUP_TAG)}


def stack_reasons(catalog: Catalog, record: dict[str, Any]) -> list[str]:  # noqa: F811
    """The reasons of the provisioned product's stack events, for a failure's message."""
    events = client(catalog.endpoint, "cloudformation").describe_stack_events(
        StackName=catalog.stack(record["ProvisionedProductId"])["StackId"])["StackEvents"]
    return [f"{e['LogicalResourceId']} {e['ResourceStatus']}: {e.get('ResourceStatusReason', '')}"
            for e in events if e.get("ResourceStatusReason")]


def test_a_launch_assigns_its_groups_an_update_and_the_termination_remove_only_the_domains(
    catalog: Catalog, domain_function: str,  # noqa: F811
) -> None:
    scientists = unique("scientists", "")
    operators = unique("operators", "")
    scientists_id = new_group(catalog, scientists)
    operators_id = new_group(catalog, operators)
    sso = client(catalog.endpoint, "sso-admin")

    record = catalog.launch("StudioDomain", sso_domain_parameters(catalog, scientists))

    assert succeeded(record), stack_reasons(catalog, record)
    pp = record["ProvisionedProductId"]
    domain = domain_of(catalog, record)
    application = domain["SingleSignOnApplicationArn"]
    assert domain["AuthMode"] == "SSO"
    assert assignments(sso, application) == [("GROUP", scientists_id)]
    assert group_tags(catalog, domain) == {scientists_id: "created"}

    # The administrator assigns the operators in the console; the update then names them
    # instead of the scientists.
    sso.create_application_assignment(ApplicationArn=application, PrincipalId=operators_id,
                                      PrincipalType="GROUP")
    record = catalog.update(pp, _previous(catalog, IdentityCenterGroups=operators) + [
        {"Key": "AuthMode", "UsePreviousValue": True}])

    assert succeeded(record), stack_reasons(catalog, record)
    assert domain_of(catalog, record)["DomainId"] == domain["DomainId"], "updated in place"
    assert assignments(sso, application) == [("GROUP", operators_id)]
    assert group_tags(catalog, domain) == {}, "the operators' assignment is not the domain's"

    assert succeeded(catalog.terminate(pp))
    assert assignments(sso, application) == [("GROUP", operators_id)], \
        "the administrator's assignment stays"

    allowed = {d["action"] for d in function_decisions(catalog, domain_function)}
    assert IDENTITY_CENTER_GRANTS <= allowed, sorted(allowed)
    assert {a for a in allowed if a.split(":")[0] in ("sso", "identitystore")} <= \
        IDENTITY_CENTER_GRANTS


def test_the_termination_removes_the_assignments_the_launch_made(
    catalog: Catalog, domain_function: str,  # noqa: F811
) -> None:
    scientists = unique("scientists", "")
    analysts = unique("analysts", "")
    ids = {new_group(catalog, scientists), new_group(catalog, analysts)}
    sso = client(catalog.endpoint, "sso-admin")

    record = catalog.launch("StudioDomain",
                            sso_domain_parameters(catalog, f"{scientists},{analysts}"))

    assert succeeded(record), stack_reasons(catalog, record)
    domain = domain_of(catalog, record)
    application = domain["SingleSignOnApplicationArn"]
    assert {principal for kind, principal in assignments(sso, application)
            if kind == "GROUP"} == ids
    assert succeeded(catalog.terminate(record["ProvisionedProductId"]))
    assert assignments(sso, application) == []


def test_a_group_missing_from_the_directory_fails_naming_the_property_and_leaves_nothing(
    catalog: Catalog, domain_function: str,  # noqa: F811
) -> None:
    scientists = unique("scientists", "")
    new_group(catalog, scientists)
    missing = unique("nobody", "")

    record = catalog.launch("StudioDomain",
                            sso_domain_parameters(catalog, f"{scientists},{missing}"))

    assert record["Status"] == "FAILED", record
    events = client(catalog.endpoint, "cloudformation").describe_stack_events(
        StackName=catalog.stack(record["ProvisionedProductId"])["StackId"])["StackEvents"]
    reasons = [e.get("ResourceStatusReason", "") for e in events
               if e["LogicalResourceId"] == "Domain"]
    assert any(f"Invalid property IdentityCenterGroups: {missing} is not a group" in r
               and f"has no group whose displayName is {missing}" in r for r in reasons), reasons
    # The FAILED answer named the domain, so the rollback deleted it, with the assignment it
    # had made of the group before (the application outlives its domain in the emulator; its ARN
    # is the one the function's CreateApplicationAssignment named).
    deleted = [e.get("PhysicalResourceId", "") for e in events
               if e["LogicalResourceId"] == "Domain" and e["ResourceStatus"] == "DELETE_COMPLETE"]
    assert deleted and deleted[0].startswith("d-"), events
    sm = client(catalog.endpoint, "sagemaker")
    assert deleted[0] not in [d["DomainId"] for d in sm.list_domains()["Domains"]
                              if d["Status"] != "Deleting"]
    [application] = {resource for d in function_decisions(catalog, domain_function)
                     if d["action"] == "sso:CreateApplicationAssignment"
                     for resource in d["resources"]}
    assert assignments(client(catalog.endpoint, "sso-admin"), application) == []
    assert succeeded(catalog.terminate(record["ProvisionedProductId"]))
