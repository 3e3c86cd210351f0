"""``iam:PermissionsBoundary`` and role paths, as IAM authorises calls on an existing role
(``studio_emulator/iam/context/iam.py``) and as CloudFormation's IAM handlers make them
(``studio_emulator/iam/resource_handlers.py``) -- what the launch role's
ProductRolesOnlyWithTheBoundary statement relies on (#14 section 4).

* Service Authorization Reference, IAM: ``iam:PermissionsBoundary`` "Filters access if the
  specified policy is set as the permissions boundary on the IAM entity (user or role)", listed
  for CreateRole, PutRolePermissionsBoundary, PutRolePolicy, AttachRolePolicy, DeleteRolePolicy,
  DetachRolePolicy, DeleteRole, UpdateRole, UpdateAssumeRolePolicy, ...; IAM User Guide,
  "Permissions boundaries for IAM entities" (delegation example): an administrator allowed
  those actions only under that condition changes only the entities that carry the boundary.
* IAM User Guide, "IAM identifiers": a role's ARN is ``arn:aws:iam::account:role/path/name``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import iam_enforced  # noqa: F401 (the fixture)
from emulator_client import (
    ACCOUNT,
    allow,
    client,
    error,
    policy_document,
    role_session,
    service_role,
    signed_client,
    unique,
    wait_for_stack,
)

TRUST = policy_document({"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                         "Action": "sts:AssumeRole"})
PATH = "/studio-catalog/products/"


def boundary(endpoint: str) -> str:
    return str(client(endpoint, "iam").create_policy(
        PolicyName=unique("boundary"), Path="/studio-catalog/",
        PolicyDocument=policy_document(allow("s3:GetObject")),
    )["Policy"]["Arn"])


def delegated_admin(endpoint: str, bounded_by: str) -> Any:
    """A session allowed the role actions only on roles under PATH that carry ``bounded_by``."""
    key = role_session(endpoint, unique("delegate"), allow(
        ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:DeleteRole"],
        f"arn:aws:iam::{ACCOUNT}:role{PATH}*",
        Condition={"StringEquals": {"iam:PermissionsBoundary": bounded_by}},
    ))
    return signed_client(endpoint, "iam", key)



def test_an_existing_roles_own_boundary_is_the_permissions_boundary_key_of_calls_on_it(
    endpoint: str, iam_enforced: None  # noqa: F811
) -> None:
    """PutRolePolicy on a role that carries the boundary is allowed; on a role that carries
    none, or another one, the key is absent or different and the call is refused."""
    wanted = boundary(endpoint)
    other = boundary(endpoint)
    iam = client(endpoint, "iam")
    bounded, unbounded, elsewhere = (unique("r") for _ in range(3))
    iam.create_role(RoleName=bounded, Path=PATH, AssumeRolePolicyDocument=TRUST,
                    PermissionsBoundary=wanted)
    iam.create_role(RoleName=unbounded, Path=PATH, AssumeRolePolicyDocument=TRUST)
    iam.create_role(RoleName=elsewhere, Path=PATH, AssumeRolePolicyDocument=TRUST,
                    PermissionsBoundary=other)
    delegate = delegated_admin(endpoint, wanted)
    document = policy_document(allow("s3:GetObject"))

    delegate.put_role_policy(RoleName=bounded, PolicyName="p", PolicyDocument=document)
    for name in (unbounded, elsewhere):
        with pytest.raises(ClientError) as exc:
            delegate.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=document)
        assert error(exc)[0] == "AccessDenied"
    assert iam.list_role_policies(RoleName=bounded)["PolicyNames"] == ["p"]
    assert iam.list_role_policies(RoleName=unbounded)["PolicyNames"] == []


def test_create_role_is_decided_by_the_boundary_the_request_sets(
    endpoint: str, iam_enforced: None  # noqa: F811
) -> None:
    wanted = boundary(endpoint)
    delegate = delegated_admin(endpoint, wanted)

    delegate.create_role(RoleName=unique("r"), Path=PATH, AssumeRolePolicyDocument=TRUST,
                         PermissionsBoundary=wanted)
    with pytest.raises(ClientError) as without:
        delegate.create_role(RoleName=unique("r"), Path=PATH, AssumeRolePolicyDocument=TRUST)
    assert error(without)[0] == "AccessDenied"


def test_a_call_on_an_existing_role_is_authorised_on_its_arn_with_its_path(
    endpoint: str, iam_enforced: None  # noqa: F811
) -> None:
    """A grant on ``role/<path>*`` reaches the role made under that path; one on the root
    path's ``role/<name>`` does not (the ARN IAM gave the role carries the path)."""
    iam = client(endpoint, "iam")
    name = unique("r")
    iam.create_role(RoleName=name, Path=PATH, AssumeRolePolicyDocument=TRUST)
    document = policy_document(allow("s3:GetObject"))
    with_path = signed_client(endpoint, "iam", role_session(endpoint, unique("p"), allow(
        "iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role{PATH}*")))
    without_path = signed_client(endpoint, "iam", role_session(endpoint, unique("p"), allow(
        "iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/{name}")))

    with_path.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=document)
    with pytest.raises(ClientError) as exc:
        without_path.put_role_policy(RoleName=name, PolicyName="q", PolicyDocument=document)
    assert f"on resource: arn:aws:iam::{ACCOUNT}:role{PATH}{name}" in error(exc)[1]


def test_a_role_update_sets_a_boundary_only_when_it_changes_and_removes_one_only_when_dropped(
) -> None:
    from studio_emulator.iam.resource_handlers import asked_for

    kept = {"RoleName": "r", "PermissionsBoundary": "arn:aws:iam::123456789012:policy/b"}
    moved = {**kept, "PermissionsBoundary": "arn:aws:iam::123456789012:policy/c"}
    dropped = {"RoleName": "r"}
    put, delete = "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary"

    assert not asked_for("AWS::IAM::Role", put, kept, kept)
    assert not asked_for("AWS::IAM::Role", delete, kept, kept)
    assert asked_for("AWS::IAM::Role", put, moved, kept)
    assert not asked_for("AWS::IAM::Role", delete, moved, kept)
    assert asked_for("AWS::IAM::Role", delete, dropped, kept)
    assert asked_for("AWS::IAM::Role", put, kept, dropped)


def test_the_role_handlers_calls_carry_the_boundary_the_role_has_or_is_given(endpoint: str) -> None:
    from studio_emulator.iam.resource_handlers import authorizations

    arn = "arn:aws:iam::123456789012:policy/studio-catalog/b"
    properties = {"RoleName": unique("r"), "Path": PATH, "PermissionsBoundary": arn,
                  "Policies": [{"PolicyName": "p", "PolicyDocument": {}}]}
    needed = {a.action: a for a in authorizations(
        "AWS::IAM::Role", "create", properties, None, "", ACCOUNT, "us-east-1")}

    role_arn = f"arn:aws:iam::{ACCOUNT}:role{PATH}{properties['RoleName']}"
    assert needed["iam:CreateRole"].resource == role_arn
    assert needed["iam:CreateRole"].context["iam:PermissionsBoundary"] == arn
    assert needed["iam:PutRolePolicy"].context["iam:PermissionsBoundary"] == arn
    # GetRolePolicy has no such key (Service Authorization Reference): none in its context.
    assert "iam:PermissionsBoundary" not in needed["iam:GetRolePolicy"].context


def test_an_iam_policy_resource_is_authorised_on_each_role_it_names_with_that_roles_boundary(
    endpoint: str, iam_enforced: None  # noqa: F811
) -> None:
    """An AWS::IAM::Policy's handler puts its document on each role of ``Roles`` (SAR:
    PutRolePolicy's resource type is the role), with that role's boundary: a stack role
    allowed PutRolePolicy only on bounded roles under PATH attaches it to such a role and to
    no other."""
    wanted = boundary(endpoint)
    iam = client(endpoint, "iam")
    bounded, unbounded = unique("r"), unique("r")
    iam.create_role(RoleName=bounded, Path=PATH, AssumeRolePolicyDocument=TRUST,
                    PermissionsBoundary=wanted)
    iam.create_role(RoleName=unbounded, Path=PATH, AssumeRolePolicyDocument=TRUST)
    stack_role = service_role(endpoint, unique("cfn"), "cloudformation", allow(
        "iam:GetRolePolicy", f"arn:aws:iam::{ACCOUNT}:role{PATH}*"), allow(["iam:PutRolePolicy", "iam:DeleteRolePolicy"], f"arn:aws:iam::{ACCOUNT}:role{PATH}*",
             Condition={"StringEquals": {"iam:PermissionsBoundary": wanted}}))
    cloudformation = client(endpoint, "cloudformation")
    outcome = {}
    for name in (bounded, unbounded):
        stack = unique("policy")
        cloudformation.create_stack(StackName=stack, RoleARN=stack_role, TemplateBody=json.dumps({
            "Resources": {"Policy": {"Type": "AWS::IAM::Policy", "Properties": {
                "PolicyName": "p", "Roles": [name],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]},
            }}}}))
        outcome[name] = wait_for_stack(cloudformation, stack)["StackStatus"]

    assert outcome[bounded] == "CREATE_COMPLETE"
    assert outcome[unbounded] != "CREATE_COMPLETE"
    assert iam.list_role_policies(RoleName=bounded)["PolicyNames"] == ["p"]
    assert iam.list_role_policies(RoleName=unbounded)["PolicyNames"] == []
