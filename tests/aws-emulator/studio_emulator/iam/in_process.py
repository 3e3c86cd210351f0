"""The calls the emulator makes in-process on a principal's behalf, authorised as AWS does.

AWS services act under an identity of the customer's: CloudFormation under the stack's service
role (or the credentials of whoever called CreateStack/UpdateStack/DeleteStack when the stack has
none), Service Catalog under the launch role, EventBridge Scheduler under the schedule's
execution role. The emulator runs those calls inside the process, past the middleware that
authorises HTTP requests; this module authorises them with the same engine, and records each
decision in the decision log with ``"via"`` naming the service that acted.

* :func:`current_caller` -- the principal of the request being served (set by
  ``iam.authorize`` for every signed request while enforcing), so a stack operation can keep
  the caller it acts for;
* :func:`service_session` -- the session a service opens on a role, after checking that the
  role trusts the service (IAM User Guide, "Policy evaluation logic": the trust policy is the
  resource policy of ``sts:AssumeRole``; the service is the principal ``<service>.amazonaws.com``,
  with ``aws:SourceAccount`` / ``aws:SourceArn`` when the service sends them);
* :func:`authorize_as` -- the decision for a list of authorisations (``context.Authorization``)
  made by a principal, or ``None`` when IAM is not enforced.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from . import context, denials, principals
from .engine import ENGINE, EngineError

_CURRENT = threading.local()


@dataclass
class Denied:
    """A refused in-process call: what and why, with AWS's message."""

    action: str
    resource: str
    message: str
    result: str


def set_current_caller(principal: principals.Principal | None) -> None:
    _CURRENT.principal = principal


def current_caller() -> principals.Principal | None:
    """The principal of the signed request this thread is serving (None: not enforcing, the
    emulator's own call, or a request with no known key)."""
    return getattr(_CURRENT, "principal", None)


def enforcing() -> bool:
    from . import STATE

    return STATE.enforcing


def service_context(service: str, source_account: str | None, source_arn: str | None) -> dict[str, Any]:
    """What a service principal's request carries (IAM User Guide, global keys
    ``aws:SourceAccount``, ``aws:SourceArn``: "set when a service principal calls on behalf of
    a resource")."""
    found: dict[str, Any] = {"aws:PrincipalServiceName": service}
    if source_account:
        found["aws:SourceAccount"] = source_account
    if source_arn:
        found["aws:SourceArn"] = source_arn
    return found


def trusts(role_arn: str, service: str, source_account: str | None = None,
           source_arn: str | None = None, *, via: str) -> Denied | None:
    """Whether the role's trust policy lets ``service`` (e.g. ``cloudformation.amazonaws.com``)
    assume it; None when it does (or when IAM is not enforced)."""
    if not enforcing():
        return None
    from moto.iam.models import iam_backends

    account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else principals.DEFAULT_ACCOUNT
    try:
        role = iam_backends[account]["aws"].get_role_by_arn(role_arn)
        trust = context.parse_json(role.assume_role_policy_document)
    except Exception:
        trust = None
    if trust is None:
        return Denied("sts:AssumeRole", role_arn, f"Role {role_arn} does not exist", "NoSuchEntity")
    return service_allowed(service, "sts:AssumeRole", role_arn, account, trust,
                           source_account, source_arn, via=via)


def service_allowed(service: str, action: str, resource_arn: str, resource_account: str,
                    resource_policy: Any, source_account: str | None = None,
                    source_arn: str | None = None, *, via: str) -> Denied | None:
    """Whether the resource's own policy lets the service principal ``service`` perform
    ``action`` on it (a role's trust policy for ``sts:AssumeRole``; an SNS topic's policy for
    EventBridge's ``sns:Publish``: EventBridge User Guide, "Using resource-based policies for
    Amazon EventBridge", "Amazon SNS permissions"); None when it does or IAM is not enforced."""
    if not enforcing():
        return None
    simulation = {
        "request": {
            "principal": service,
            "action": action,
            "resource": {"resource": resource_arn, "accountId": resource_account},
            "contextVariables": {
                k: str(v) for k, v in service_context(service, source_account, source_arn).items()
            },
        },
        "identityPolicies": [],
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
        "resourcePolicy": resource_policy,
    }
    answer = ENGINE.decide(simulation)
    _record(via, service, action, resource_arn, answer)
    if answer["result"] == "Allowed":
        return None
    return Denied(
        action, resource_arn,
        f"{service} is not authorized to perform: {action} on resource: {resource_arn}",
        answer["result"],
    )


def service_session(role_arn: str, session_name: str) -> principals.Principal | None:
    return principals.role_session(role_arn, session_name)


def _record(via: str, principal_arn: str, action: str, resource: str, answer: dict[str, Any]) -> None:
    from . import STATE, _statement

    STATE.record([{
        "service": via,
        "operation": None,
        "via": via,
        "principal": principal_arn,
        "action": action,
        "resources": [resource],
        "result": answer["result"],
        "statement": _statement(answer),
        "grants": answer.get("grants", []),
        "denials": answer.get("denials", []),
    }])


def authorize_as(
    principal: principals.Principal | None,
    needed: list[context.Authorization],
    *,
    via: str,
    region: str,
    extra_context: dict[str, Any] | None = None,
) -> Denied | None:
    """The first refusal of ``needed`` for ``principal`` acting through the service ``via``, or
    None (allowed, or IAM not enforced, or a root principal)."""
    if not enforcing() or principal is None or principal.is_root:
        return None
    from . import _deciding_denial, _simulation

    request = context.Request(
        service=via, operation="", region=region, account_id=principal.account_id, params={},
        headers={}, path="/", secure=True, source_ip="",
    )
    global_keys = context.global_context(principal, request)
    global_keys.pop("aws:SourceIp", None)  # a service's call has no caller address
    global_keys.update(extra_context or {})
    for auth in map(context.as_evaluated, needed):
        try:
            answer = ENGINE.decide(_simulation(principal, auth, global_keys))
        except EngineError as exc:
            # In the decision log as the middleware logs it, and naming what was asked.
            from . import STATE

            STATE.record([{
                "service": via, "operation": None, "via": via, "principal": principal.arn,
                "action": auth.action, "resources": [auth.resource], "result": "Error",
                "error": str(exc),
            }])
            raise EngineError(f"{auth.action} on {auth.resource}: {exc}") from exc
        _record(via, principal.arn, auth.action, auth.resource, answer)
        if answer["result"] != "Allowed":
            denial = _deciding_denial(answer)
            return Denied(
                auth.action,
                auth.resource,
                denials.message(principal.arn, auth.action, auth.resource, denial, "", "json"),
                answer["result"],
            )
    return None
