"""IAM evaluation: every service request authorised by a real policy engine (opt-in).

Switched off by default. ``POST /_studio_emulator/config {"iam_enforcement": true}`` switches
it on (``POST /_studio_emulator/reset`` switches it off again); then, before moto sees a service
request, the emulator

1. resolves the request's SigV4 access key to its principal (``principals.py``): an IAM user,
   an STS session (including the Lambda executor's function sessions), or the account root
   (the set-up keys, :data:`principals.ROOT_ACCESS_KEYS`, allowed everything). An unknown key
   is refused as the service refuses it (``denials.unknown_key``); a request with no
   credentials at all is ``MissingAuthenticationToken`` (S3: ``AccessDenied``, anonymous
   access through a bucket policy is not simulated yet);
2. builds the request context AWS would build (``context/``: one module per service, each a
   table citing the Service Authorization Reference): the action(s), resource ARN(s), the
   request's and resource's tags, the global keys, and the implicit authorisations
   (``iam:PassRole`` with ``iam:PassedToService``, the tagging action of a tagged create);
3. asks the engine (``engine.py``: ``@cloud-copilot/iam-simulate`` in a long-lived Node child
   process) for each authorisation, with the principal's identity policies, its permissions
   boundary, its session policy and the resource's own policy (Lambda function policy, bucket
   policy, key policy, role trust policy);
4. answers the first refusal in the service's protocol with AWS's message
   (``denials.py``), or lets the request through; every decision is kept in the decision log
   (``GET /_studio_emulator/iam/decisions``) and its result in the call log (``"iam"``).

Requests signed by the emulator itself (the CloudFormation ResponseURL) are not evaluated:
the URL's own signature authorises them, as it does in AWS.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..core import ControlRequest, ControlRoute, ServiceExtension, Setting, register
from . import (
    context, denials, exercised, federation, in_process, principals, requests, service_sessions,
    session_tags,
)
from .engine import ENGINE, EngineError

session_tags.install()

#: Keys the emulator signs its own URLs with (``cloudformation.custom_resources.response_url``).
EMULATOR_SIGNED_KEYS = frozenset({"AKIAEMULATORCFN"})
MAX_DECISIONS = 20_000


@dataclass
class Refusal:
    code: str
    message: str
    status: int


@dataclass
class Outcome:
    """The result of authorising one request."""

    result: str  # "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "UnknownKey" | "Error"
    refusal: Refusal | None = None
    decisions: list[dict[str, Any]] = field(default_factory=list)


class IamState:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.enforcing = False
        self.decisions: deque[dict[str, Any]] = deque(maxlen=MAX_DECISIONS)

    def set_enforcing(self, value: Any) -> None:
        if not isinstance(value, bool):
            raise ValueError("'iam_enforcement' must be true or false")
        self.enforcing = value

    def reset(self) -> None:
        self.enforcing = False
        with self._lock:
            self.decisions.clear()
        ENGINE.stop()

    def record(self, entries: list[dict[str, Any]]) -> None:
        with self._lock:
            self.decisions.extend(entries)
        exercised.write(entries)  # the least-privilege report's sink (exercised.py)

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.decisions)

    def clear(self) -> None:
        with self._lock:
            self.decisions.clear()


STATE = IamState()


def _statement(answer: dict[str, Any]) -> dict[str, Any] | None:
    """The statement that decided: the first explicit deny, else the first grant."""
    for denial in answer.get("denials", []):
        if denial.get("denialType") == "Explicit":
            return {
                "policy_type": denial.get("policyType"),
                "policy": denial.get("policyIdentifier"),
                "sid": denial.get("statementId"),
                "index": denial.get("statementIndex"),
                "effect": "Deny",
            }
    if answer.get("result") == "Allowed" and answer.get("grants"):
        grant = answer["grants"][0]
        return {
            "policy_type": grant.get("policyType"),
            "policy": grant.get("policyIdentifier") or grant.get("orgIdentifier"),
            "sid": grant.get("statementId"),
            "index": grant.get("statementIndex"),
            "effect": "Allow",
        }
    return None


def _deciding_denial(answer: dict[str, Any]) -> dict[str, Any]:
    """The denial a refusal names: an explicit deny first; else the engine's implicit one; else
    the first policy type that did not allow (an identity policy, the permissions boundary,
    the session policy, or -- across accounts -- the resource's policy), in the order of the
    IAM User Guide's "Policy evaluation logic"."""
    denials = answer.get("denials", [])
    for denial in denials:
        if denial.get("denialType") == "Explicit":
            return denial
    if denials:
        return denials[0]
    for analysis in answer.get("analyses", []):
        if analysis.get("result") == "Allowed":
            continue
        for policy_type in ("scp", "rcp", "identity", "pb", "session", "resource"):
            result = analysis.get(policy_type)
            if result is None or result in ("Allowed", "NotApplicable"):
                cross_account = not analysis.get("sameAccount", True)
                if policy_type == "resource" and cross_account and result != "Allowed":
                    return {"policyType": "resource", "denialType": "Implicit"}
                continue
            return {"policyType": policy_type, "denialType": "Implicit"}
    return {"policyType": "identity", "denialType": "Implicit"}


def _simulation(
    principal: principals.Principal, auth: context.Authorization, global_keys: dict[str, Any]
) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    for key, value in {**global_keys, **auth.context}.items():
        variables[key] = [str(v) for v in value] if isinstance(value, list) else str(value)
    simulation: dict[str, Any] = {
        "request": {
            "principal": principal.arn,
            "action": auth.action,
            "resource": {
                "resource": auth.resource,
                "accountId": auth.resource_account or principal.account_id,
            },
            "contextVariables": variables,
        },
        "identityPolicies": principal.identity_policies,
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
    }
    if principal.boundary is not None:
        simulation["permissionBoundaryPolicies"] = [principal.boundary]
    if principal.session_policy is not None:
        simulation["sessionPolicy"] = principal.session_policy
    if auth.resource_policy is not None:
        simulation["resourcePolicy"] = auth.resource_policy
    return simulation


def authorize(
    environ: dict[str, Any], service: str, operation: str, protocol: str
) -> Outcome | None:
    """The decision for one service request, or None when IAM is not enforced (or the request
    is the emulator's own)."""
    in_process.set_current_caller(None)
    if not STATE.enforcing:
        return None
    key, region = requests.credential(environ)
    if key in EMULATOR_SIGNED_KEYS:
        return None
    region = region or "us-east-1"
    if federation.is_federation(service, operation):  # signed or not: the trust decides
        request = requests.build(
            environ, "sts", operation, protocol, principals.DEFAULT_ACCOUNT, region
        )
        entries, refused = federation.decide(request)
        STATE.record(entries)
        if refused is not None:
            return Outcome(str(entries[0]["result"]), Refusal(*refused), entries)
        return Outcome("Allowed", None, entries)
    if key is None:
        refusal = (
            Refusal("AccessDenied", "Access Denied", 403)
            if service == "s3"
            else Refusal("MissingAuthenticationToken", "Missing Authentication Token", 403)
        )
        entry = {"service": service, "operation": operation, "principal": None,
                 "result": refusal.code}
        STATE.record([entry])
        return Outcome("UnknownKey", refusal, [entry])
    principal = principals.resolve(key)
    in_process.set_current_caller(principal)
    if principal is None:
        code, text, status = denials.unknown_key(protocol, service)
        entry = {"service": service, "operation": operation, "principal": None,
                 "access_key_id": key, "result": code}
        STATE.record([entry])
        return Outcome("UnknownKey", Refusal(code, text, status), [entry])
    if principal.is_root:
        entry = {"service": service, "operation": operation, "principal": principal.arn,
                 "action": None, "resources": [], "result": "Allowed",
                 "statement": {"policy_type": "root", "effect": "Allow"}}
        STATE.record([entry])
        return Outcome("Allowed", None, [entry])

    request = requests.build(environ, service, operation, protocol, principal.account_id, region)
    global_keys = context.global_context(principal, request)
    entries: list[dict[str, Any]] = []
    outcome = Outcome("Allowed")
    try:
        needed = context.authorizations(request)
    except Exception as exc:  # a context builder's bug must not look like a denial
        needed = []
        outcome = Outcome("Error", Refusal("InternalFailure", f"IAM context: {exc}", 500))
    for auth in map(context.as_evaluated, needed):
        try:
            answer = ENGINE.decide(_simulation(principal, auth, global_keys))
        except (EngineError, TimeoutError) as exc:
            entries.append({"service": service, "operation": operation,
                            "principal": principal.arn, "action": auth.action,
                            "resources": [auth.resource], "result": "Error", "error": str(exc)})
            outcome = Outcome("Error", Refusal("InternalFailure", f"IAM engine: {exc}", 500))
            break
        entry = {
            "service": service,
            "operation": operation,
            "principal": principal.arn,
            "action": auth.action,
            "resources": [auth.resource],
            "result": answer["result"],
            "statement": _statement(answer),
            "grants": answer.get("grants", []),
            "denials": answer.get("denials", []),
        }
        entries.append(entry)
        if answer["result"] != "Allowed":
            first = _deciding_denial(answer)
            entry["denials"] = entry["denials"] or [first]
            code, status = denials.denied_code(protocol)
            text = denials.message(
                principal.arn, auth.action, auth.resource, first, service, protocol
            )
            outcome = Outcome(answer["result"], Refusal(code, text, status))
            break
    outcome.decisions = entries
    STATE.record(entries)
    return outcome


def _decisions_route(req: ControlRequest) -> tuple[int, Any]:
    decisions = STATE.list()
    for name in ("service", "operation", "action", "result", "principal"):
        if req.query.get(name):
            decisions = [d for d in decisions if d.get(name) == req.query[name]]
    return 200, {"decisions": decisions}


def _clear_decisions_route(_req: ControlRequest) -> tuple[int, Any]:
    STATE.clear()
    return 200, {"decisions": []}


EXTENSION = register(
    ServiceExtension(
        name="iam-evaluation",
        service="iam",
        control_routes=[
            ControlRoute("GET", r"iam/decisions", _decisions_route),
            ControlRoute("DELETE", r"iam/decisions", _clear_decisions_route),
            ControlRoute("POST", r"iam/service-sessions", service_sessions.open_session),
        ],
        settings={
            "iam_enforcement": Setting(
                get=lambda: STATE.enforcing, set=STATE.set_enforcing, reset=STATE.reset
            ),
        },
    )
)

__all__ = ["EXTENSION", "Outcome", "Refusal", "STATE", "authorize", "in_process"]
