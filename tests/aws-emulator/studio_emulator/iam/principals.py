"""Who signed a request: the principal behind a SigV4 access key, with its policies.

Resolved from moto's own state, as ``sts get-caller-identity`` resolves the key (the one home
of this rule: the IAM evaluation, function URLs' SigV4 check and Service Catalog's launch paths
all use :func:`resolve`):

* an STS session (``AssumeRole``, ``AssumeRoleWithSAML``/``WithWebIdentity``, the Lambda
  executor's function sessions) is ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION``; its
  identity policies are the role's (inline and attached managed), its permissions boundary the
  role's; ``aws:PrincipalArn`` is the role's ARN, ``aws:userid`` is ``ROLEID:SESSION``
  (IAM User Guide, "AWS global condition context keys": aws:PrincipalArn, aws:userid);
* an IAM user's key is the user: its inline and attached policies and those of its groups
  (IAM User Guide, "Policy evaluation logic": identity-based policies include group policies);
  ``aws:username`` is the user name, ``aws:userid`` the user id;
* the account's root credentials (:data:`ROOT_ACCESS_KEYS`, the keys the test suite and moto use
  for set-up) act as the account root user, which no identity policy limits (IAM User Guide,
  "AWS account root user");
* any other key is unknown: AWS refuses it before any policy is evaluated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

#: Access keys that act as the account's root user (moto's default identity). The tests' own
#: set-up signs with these; so do clients that never configured credentials for the emulator.
ROOT_ACCESS_KEYS = frozenset({"AKIAIOSFODNN7EXAMPLE", "testing", "test", "FOOBARKEY"})
DEFAULT_ACCOUNT = "123456789012"


@dataclass
class Principal:
    kind: str  # "root" | "user" | "assumed-role"
    account_id: str
    arn: str  # as get-caller-identity answers: user ARN, session ARN, or root ARN
    principal_arn: str  # the IAM user or role (aws:PrincipalArn)
    user_id: str  # aws:userid
    access_key_id: str
    username: str | None = None  # aws:username (IAM users only)
    tags: dict[str, str] = field(default_factory=dict)  # aws:PrincipalTag/*
    identity_policies: list[dict[str, Any]] = field(default_factory=list)  # {name, policy}
    boundary: dict[str, Any] | None = None  # {name, policy}
    session_policy: dict[str, Any] | None = None
    groups: list[str] = field(default_factory=list)  # the IAM user's group ARNs
    # What verifies the request's signature (function_urls.py checks SigV4 with it):
    secret_access_key: str | None = None
    session_token: str | None = None  # temporary credentials only
    expiration: datetime | None = None  # temporary credentials only (aware, UTC)

    @property
    def is_root(self) -> bool:
        return self.kind == "root"


def _document(raw: Any) -> Any:
    if isinstance(raw, (dict, list)):
        return raw
    text = str(raw)
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(unquote(text))


def _managed_document(policy: Any) -> Any:
    for version in policy.versions:
        if version.is_default_version:
            return _document(version.document)
    return _document(policy.versions[-1].document)


def _attached(entity: Any, label: str) -> list[dict[str, Any]]:
    policies = [
        {"name": f"{label}/inline/{name}", "policy": _document(doc)}
        for name, doc in entity.policies.items()
    ]
    policies += [
        {"name": arn, "policy": _managed_document(policy)}
        for arn, policy in entity.managed_policies.items()
    ]
    return policies


def _tags(raw: Any) -> dict[str, str]:
    if isinstance(raw, dict):
        return {
            (v.get("Key") if isinstance(v, dict) else k): (
                v.get("Value", "") if isinstance(v, dict) else str(v)
            )
            for k, v in raw.items()
        }
    return {t["Key"]: t.get("Value", "") for t in raw or []}


def _boundary(iam: Any, arn: str | None) -> dict[str, Any] | None:
    if not arn:
        return None
    try:
        return {"name": arn, "policy": _managed_document(iam.get_policy(arn))}
    except Exception:  # a boundary whose policy is gone allows nothing
        return {"name": arn, "policy": {"Version": "2012-10-17", "Statement": []}}


def _session_principal_tags(role: Any, session: Any) -> dict[str, str]:
    """``aws:PrincipalTag/*`` of a role session: the role's tags, overridden by the session
    tags AssumeRole passed (IAM User Guide, "Passing session tags in AWS STS": "If a session
    tag has the same key as a role tag, the session tag value overrides the role tag").
    moto 5.2.5 drops AssumeRole's ``Tags``; ``session_tags.py`` keeps them on the session."""
    tags = _tags(role.tags) if role is not None else {}
    tags.update(getattr(session, "session_tags", None) or {})
    return tags


def role_session(role_arn: str, session_name: str) -> Principal | None:
    """A session of ``role_arn`` that an AWS service opens for itself (CloudFormation acting
    under a stack's service role, Service Catalog under a launch role, Scheduler under a
    schedule's execution role): ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`` with the
    role's policies, boundary and tags; None when the role does not exist."""
    from moto.iam.models import iam_backends

    parts = role_arn.split(":")
    if len(parts) < 6:
        return None
    account = parts[4]
    try:
        iam = iam_backends[account]["aws"]
        role = iam.get_role_by_arn(role_arn)
    except Exception:
        return None
    return Principal(
        kind="assumed-role",
        account_id=account,
        arn=f"arn:aws:sts::{account}:assumed-role/{role.name}/{session_name}",
        principal_arn=role.arn,
        user_id=f"{role.id}:{session_name}",
        access_key_id="",
        tags=_tags(role.tags),
        identity_policies=_attached(role, f"role/{role.name}"),
        boundary=_boundary(iam, role.permissions_boundary_arn),
    )


def resolve(access_key_id: str) -> Principal | None:
    """The principal behind ``access_key_id``, or None when AWS would not know the key."""
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    for account_backends in list(sts_backends.values()):
        for sts in list(account_backends.values()):
            session = sts.get_assumed_role_from_access_key(access_key_id)
            if session is None:
                continue
            iam = iam_backends[session.account_id][session.partition]
            try:
                role = iam.get_role_by_arn(session.role_arn)
            except Exception:
                role = None
            session_policy = None
            if getattr(session, "policy", None):
                session_policy = _document(session.policy)
            expiration = session.expiration
            if expiration.tzinfo is None:
                expiration = expiration.replace(tzinfo=timezone.utc)
            return Principal(
                kind="assumed-role",
                account_id=session.account_id,
                arn=session.arn,
                principal_arn=session.role_arn,
                user_id=session.user_id,
                access_key_id=access_key_id,
                tags=_session_principal_tags(role, session),
                identity_policies=_attached(role, f"role/{role.name}") if role else [],
                boundary=_boundary(iam, role.permissions_boundary_arn) if role else None,
                session_policy=session_policy,
                secret_access_key=session.secret_access_key,
                session_token=session.session_token,
                expiration=expiration,
            )
    for account_id, account_backends in list(iam_backends.items()):
        for iam in list(account_backends.values()):
            key = iam.access_keys.get(access_key_id)
            if key is None or key.user_name is None or key.status != "Active":
                continue
            user = iam.get_user(key.user_name)
            policies = _attached(user, f"user/{user.name}")
            groups = iam.get_groups_for_user(user.name)
            for group in groups:
                policies += _attached(group, f"group/{group.name}")
            return Principal(
                kind="user",
                account_id=account_id,
                arn=user.arn,
                principal_arn=user.arn,
                user_id=user.id,
                access_key_id=access_key_id,
                username=user.name,
                tags=_tags(iam.list_user_tags(user.name)),
                identity_policies=policies,
                groups=[group.arn for group in groups],
                secret_access_key=key.secret_access_key,
            )
    if access_key_id in ROOT_ACCESS_KEYS:
        return Principal(
            kind="root",
            account_id=DEFAULT_ACCOUNT,
            arn=f"arn:aws:iam::{DEFAULT_ACCOUNT}:root",
            principal_arn=f"arn:aws:iam::{DEFAULT_ACCOUNT}:root",
            user_id=DEFAULT_ACCOUNT,
            access_key_id=access_key_id,
        )
    return None
