"""The STS operations a caller makes without credentials: federation, authorised by the role's
trust policy alone.

``AssumeRoleWithWebIdentity`` and ``AssumeRoleWithSAML`` are not signed ("Calling
AssumeRoleWithWebIdentity does not require the use of AWS security credentials", STS API
Reference; botocore's sts model marks both ``"auth": ["smithy.api#noAuth"]``): the identity
provider's token or assertion is the proof, and the role's trust policy decides, with the
provider as the ``Federated`` principal (IAM User Guide, "Create a role for OpenID Connect
federation" / "for SAML 2.0 federation"; "Policy evaluation logic": the trust policy is the
resource-based policy of the ``sts:`` action).

* **Web identity**: an OAuth 2.0 provider named by ``ProviderId`` (``www.amazon.com``,
  ``graph.facebook.com``) is the principal as named; otherwise the token must be an OpenID
  Connect ID token (a JWT) whose ``iss`` names an OIDC provider the role's account registered
  (IAM ``CreateOpenIDConnectProvider``): the principal is
  ``arn:aws:iam::ACCOUNT:oidc-provider/<iss without https://>``, with the condition keys
  ``<provider>:aud`` and ``<provider>:sub`` from the token's claims (IAM User Guide, "Available
  keys for AWS OIDC federation"). A token that is no JWT with an ``iss``, or whose provider the
  account has not registered, is ``InvalidIdentityToken`` ("No OpenIDConnect provider found in
  your account for <iss>", as reported in aws-actions/configure-aws-credentials#721 and
  treeverse/dvc.org#5273). A refusal of the trust policy is ``AccessDenied``, "Not authorized to
  perform sts:AssumeRoleWithWebIdentity" (aws/aws-sdk-net#1522, aws/aws-sdk-js-v3#6225); the
  wording for a token that is no JWT is ours, not confirmed. The token's signature, expiry and
  thumbprint are not verified (the emulator has no provider to ask); and the engine admits only
  the provider keys the SAR lists for the action (``accounts.google.com:aud``,
  ``cognito-identity.amazonaws.com:sub``, GitHub's ``repository``...): a condition on another
  provider's ``aud``/``sub`` cannot hold, so such a trust refuses (it fails closed).
* **SAML**: the principal is the request's ``PrincipalArn`` (the SAML provider); the assertion
  is not read (no ``saml:*`` keys). A refusal is ``AccessDenied``, "Not authorized to perform
  sts:AssumeRoleWithSAML" (aws/aws-sdk-net#744).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from .context import Request, parse_json
from .engine import ENGINE

#: The STS operations AWS accepts without credentials.
UNSIGNED_OPERATIONS = frozenset({"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"})


def is_federation(service: str, operation: str) -> bool:
    """Whether the request is one of :data:`UNSIGNED_OPERATIONS`. An unsigned query request has
    no credential scope to name its service (the call log says ``unknown``); these action
    names are STS's alone."""
    return operation in UNSIGNED_OPERATIONS and service in ("sts", "unknown")


def _claims(token: str) -> dict[str, Any] | None:
    """The claims of a JWT (its middle part), or None when the token is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, TypeError):
        return None
    return claims if isinstance(claims, dict) else None


def _oidc_provider_exists(account: str, arn: str) -> bool:
    from moto.iam.models import iam_backends

    try:
        iam_backends[account]["aws"].get_open_id_connect_provider(arn)
    except Exception:
        return False
    return True


def _trust(role_arn: str, account: str) -> Any:
    from moto.iam.models import iam_backends

    try:
        role = iam_backends[account]["aws"].get_role_by_arn(role_arn)
        return parse_json(role.assume_role_policy_document)
    except Exception:
        return {"Version": "2012-10-17", "Statement": []}


def principal_and_context(
    request: Request, account: str
) -> tuple[str, dict[str, Any]] | tuple[None, tuple[str, str]]:
    """The federated principal and its condition keys, or (None, (error code, message)) when
    the request names no provider the account knows."""
    if request.operation == "AssumeRoleWithSAML":
        return str(request.params.get("PrincipalArn") or ""), {}
    provider_id = request.params.get("ProviderId")
    token = str(request.params.get("WebIdentityToken") or "")
    if provider_id:
        return str(provider_id), {}
    claims = _claims(token)
    issuer = str((claims or {}).get("iss") or "")
    if not issuer:
        return None, (
            "InvalidIdentityToken", "The ID token provided is not a valid OpenID Connect ID token"
        )
    provider = issuer.removeprefix("https://")
    arn = f"arn:aws:iam::{account}:oidc-provider/{provider}"
    if not _oidc_provider_exists(account, arn):
        return None, (
            "InvalidIdentityToken", f"No OpenIDConnect provider found in your account for {issuer}"
        )
    context: dict[str, Any] = {}
    for claim in ("aud", "sub"):
        value = (claims or {}).get(claim)
        if isinstance(value, list):
            context[f"{provider}:{claim}"] = [str(v) for v in value]
        elif value is not None:
            context[f"{provider}:{claim}"] = str(value)
    return arn, context


def decide(request: Request) -> tuple[list[dict[str, Any]], tuple[str, str, int] | None]:
    """The decision log entries of an unsigned federation request, and its refusal
    ``(code, message, status)`` or None."""
    request.service = "sts"
    role_arn = str(request.params.get("RoleArn") or "")
    account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else request.account_id
    action = f"sts:{request.operation}"
    principal, found = principal_and_context(request, account)
    entry: dict[str, Any] = {
        "service": request.service, "operation": request.operation, "principal": principal,
        "action": action, "resources": [role_arn],
    }
    if principal is None:
        code, text = found  # type: ignore[misc]
        entry["result"] = code
        return [entry], (code, text, 400)
    assert isinstance(found, dict)
    simulation = {
        "request": {
            "principal": principal,
            "action": action,
            "resource": {"resource": role_arn, "accountId": account},
            "contextVariables": {
                k: v if isinstance(v, list) else str(v) for k, v in found.items()
            },
        },
        "identityPolicies": [],
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
        "resourcePolicy": _trust(role_arn, account),
    }
    from . import _statement

    answer = ENGINE.decide(simulation)
    entry.update({
        "result": answer["result"], "statement": _statement(answer),
        "grants": answer.get("grants", []), "denials": answer.get("denials", []),
    })
    if answer["result"] == "Allowed":
        return [entry], None
    return [entry], ("AccessDenied", f"Not authorized to perform {action}", 403)
