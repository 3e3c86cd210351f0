"""Lambda operations (SAR: "Actions, resources, and condition keys for AWS Lambda",
https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html).

* ``Invoke`` is ``lambda:InvokeFunction`` (SAR: InvokeFunction "Grants permission to invoke a
  function"; the API operation is Invoke); the others are the action of their name without the
  API version suffix (``GetFunction20150331`` -> ``lambda:GetFunction``).
* Resource: ``function:${FunctionName}`` (with ``:${Qualifier}`` when the request names one); a
  function named by its ARN keeps that ARN's account (cross-account invoke), and the function's
  resource-based policy (AddPermission) is evaluated with it (Lambda Developer Guide, "Viewing
  resource-based IAM policies in Lambda").
* ``aws:ResourceTag/*`` from the function's tags; CreateFunction with ``Tags`` has
  ``aws:RequestTag/*`` and needs ``lambda:TagResource`` too (Lambda Developer Guide, "Using tags
  on Lambda functions": "to add tags when you create a function you need lambda:TagResource").
* CreateFunction and UpdateFunctionConfiguration with ``Role`` pass it to
  ``lambda.amazonaws.com``: ``iam:PassRole`` (Lambda Developer Guide, "Lambda execution role").
"""

from __future__ import annotations

import re
from typing import Any

from . import Authorization, Request, parse_json, pass_role, request_tags, resource_tags

PREFIX = "lambda"
_VERSION_SUFFIX = re.compile(r"\d{8}$")
_FUNCTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([^:]+)(?::([^:]+))?$"
)
ACTIONS = {"Invoke": "InvokeFunction", "InvokeAsync": "InvokeFunction"}


def _function(request: Request) -> tuple[str, str, str, str | None]:
    """(arn, account, name, qualifier) of the function the request names."""
    name = str(request.params.get("FunctionName") or "*")
    qualifier = request.params.get("Qualifier")
    match = _FUNCTION_ARN.match(name)
    if match:
        region, account, fname, arn_qualifier = match.groups()
        qualifier = qualifier or arn_qualifier
    else:
        region, account, fname = request.region, request.account_id, name.split(":")[-1]
    arn = f"arn:aws:lambda:{region}:{account}:function:{fname}"
    if qualifier:
        arn += f":{qualifier}"
    return arn, account, fname, qualifier


#: The elements of a statement in the policy GetPolicy answers (IAM User Guide, "IAM JSON policy
#: element reference": a statement has only these). moto 5.2.5 stores every member of the
#: AddPermission request or the AWS::Lambda::Permission resource (``FunctionName``,
#: ``FunctionUrlAuthType``, ``InvokedViaFunctionUrl``, ``Qualifier`` ...), which no policy engine
#: accepts.
_STATEMENT_ELEMENTS = ("Sid", "Effect", "Principal", "Action", "Resource", "Condition")


def function_policy(raw: Any) -> Any:
    """The function policy as Lambda's GetPolicy answers it (Lambda Developer Guide, "Viewing
    resource-based IAM policies in Lambda", and "Control access to Lambda function URLs": each
    AddPermission becomes one statement of ``Sid``, ``Effect``, ``Principal``, ``Action``,
    ``Resource`` and ``Condition``):

    * ``Principal`` given as an account id (or a bare ARN) is ``{"AWS":
      "arn:aws:iam::ACCOUNT:root"}`` (``{"AWS": ARN}``), a service name ``{"Service": NAME}``
      (Lambda API Reference, AddPermission, "Principal");
    * ``FunctionUrlAuthType`` is the condition ``StringEquals lambda:FunctionUrlAuthType``,
      ``InvokedViaFunctionUrl: true`` the condition ``Bool lambda:InvokedViaFunctionUrl =
      true`` (the function URL page's example policies); ``SourceArn`` (``ArnLike
      AWS:SourceArn``), ``SourceAccount`` (``StringEquals AWS:SourceAccount``) and
      ``PrincipalOrgID`` (``StringEquals aws:PrincipalOrgID``) moto already turns into
      conditions;
    * every other member of the request (``FunctionName``, ``Qualifier``, ``RevisionId`` ...)
      is not part of the statement.
    """
    policy = parse_json(raw)
    if isinstance(policy, dict) and isinstance(policy.get("Policy"), str):  # GetPolicy's answer
        policy = parse_json(policy["Policy"])
    if not isinstance(policy, dict):
        return policy
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    policy["Statement"] = [_statement(s) for s in statements if isinstance(s, dict)]
    return policy


def _statement(stored: dict[str, Any]) -> dict[str, Any]:
    """One statement of the function policy in GetPolicy's form (see ``function_policy``)."""
    statement = {k: stored[k] for k in _STATEMENT_ELEMENTS if k in stored}
    principal = statement.get("Principal")
    if isinstance(principal, str) and principal != "*":
        if re.fullmatch(r"\d{12}", principal):
            statement["Principal"] = {"AWS": f"arn:aws:iam::{principal}:root"}
        elif principal.startswith("arn:"):
            statement["Principal"] = {"AWS": principal}
        else:
            statement["Principal"] = {"Service": principal}
    condition = {
        operator: dict(keys) for operator, keys in (statement.get("Condition") or {}).items()
    }
    auth_type = stored.get("FunctionUrlAuthType")
    if auth_type is not None:
        condition.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = str(auth_type)
    if str(stored.get("InvokedViaFunctionUrl", "")).lower() == "true":
        condition.setdefault("Bool", {})["lambda:InvokedViaFunctionUrl"] = "true"
    if condition:
        statement["Condition"] = condition
    return statement


def _backend(request: Request, account: str) -> Any:
    from moto.awslambda.models import lambda_backends

    return lambda_backends[account][request.region]


def default(request: Request) -> list[Authorization]:
    op = _VERSION_SUFFIX.sub("", request.operation)
    action = f"lambda:{ACTIONS.get(op, op)}"
    if "FunctionName" not in request.params and op not in ("CreateFunction",):
        return [Authorization(action)]
    arn, account, name, qualifier = _function(request)
    context: dict[str, Any] = {}
    policy = None
    if op == "CreateFunction":
        context.update(request_tags(request.params.get("Tags")))
    else:
        try:
            backend = _backend(request, account)
            fn = backend.get_function(name, qualifier)
            context.update(resource_tags(dict(backend.list_tags(fn.function_arn))))
            policy = function_policy(backend.get_policy(name, qualifier))
        except Exception:
            pass
    needed = [Authorization(action, arn, context, policy, account)]
    if op == "CreateFunction" and request.params.get("Tags"):
        needed.append(
            Authorization("lambda:TagResource", arn, request_tags(request.params["Tags"]))
        )
    if op in ("CreateFunction", "UpdateFunctionConfiguration"):
        needed += pass_role(request, request.params.get("Role"), "lambda.amazonaws.com")
    return needed
