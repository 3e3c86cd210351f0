"""The sign-in parts of the domain product's template (``templates/studio-domain.yaml``), read
as CloudFormation would for each ``AuthMode`` (issue #14, section 1).

CreatePresignedDomainUrl "can only be called when the authentication mode equals IAM"
(SageMaker API Reference, CreatePresignedDomainUrl; botocore's ``sagemaker/2017-07-24`` model):
on an ``SSO`` domain the users open Studio from the IAM Identity Center access portal, so the
product creates nothing of the sign-in there. A resource whose ``Condition`` is false is not
created, and an ``Fn::If`` whose false branch is ``AWS::NoValue`` removes the list item
(CloudFormation User Guide, "Conditions" / "Condition functions").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emulator_client import REPOSITORY, load_template

TEMPLATE = Path(REPOSITORY) / "templates" / "studio-domain.yaml"


def _conditions(template: dict[str, Any], parameters: dict[str, str]) -> dict[str, bool]:
    """The template's conditions for ``parameters`` (defaults for the rest): the functions the
    sign-in conditions use (``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or``,
    ``Condition``, ``Fn::Select``/``Fn::Split``/``Fn::Sub``/``Fn::Join`` of parameters)."""
    values = {name: str(p.get("Default", "")) for name, p in template["Parameters"].items()}
    values.update(parameters)
    resolved: dict[str, bool] = {}

    def value(node: Any) -> Any:
        if isinstance(node, dict):
            (function, argument), = node.items()
            if function == "Ref":
                return values[argument]
            if function == "Fn::Sub":
                text = argument
                for key, val in values.items():
                    text = text.replace("${" + key + "}", val)
                return text
            if function == "Fn::Split":
                return value(argument[1]).split(argument[0])
            if function == "Fn::Select":
                return value(argument[1])[int(argument[0])]
            if function == "Fn::Join":
                items = value(argument[1])
                return argument[0].join(items if isinstance(items, list) else [items])
            return truth(node)
        return node

    def truth(node: Any) -> bool:
        (function, argument), = node.items()
        if function in ("Condition", "Fn::Condition"):
            return condition(argument)
        if function == "Fn::Equals":
            return value(argument[0]) == value(argument[1])
        if function == "Fn::Not":
            return not truth(argument[0])
        if function == "Fn::And":
            return all(truth(item) for item in argument)
        if function == "Fn::Or":
            return any(truth(item) for item in argument)
        raise AssertionError(f"unexpected condition function {function}")

    def condition(name: str) -> bool:
        if name not in resolved:
            resolved[name] = truth(template["Conditions"][name])
        return resolved[name]

    for name in template["Conditions"]:
        condition(name)
    return resolved


def _created(template: dict[str, Any], conditions: dict[str, bool]) -> dict[str, Any]:
    return {
        name: resource for name, resource in template["Resources"].items()
        if conditions.get(resource.get("Condition", ""), True)
    }


def _statements(policy: dict[str, Any], conditions: dict[str, bool]) -> list[dict[str, Any]]:
    statements = []
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        if set(statement) == {"Fn::If"}:
            name, yes, no = statement["Fn::If"]
            statement = yes if conditions[name] else no
        if statement != {"Ref": "AWS::NoValue"}:
            statements.append(statement)
    return statements


SIGN_IN_TYPES = {"AWS::Lambda::Function", "AWS::Lambda::Url", "AWS::Lambda::Permission"}


def test_an_sso_domain_gets_no_sign_in_function_url_permissions_or_role() -> None:
    template = load_template(TEMPLATE)
    conditions = _conditions(template, {
        "AuthMode": "SSO", "AllowedAccountIds": "111122223333,444455556666"})
    created = _created(template, conditions)
    assert not [n for n, r in created.items() if r["Type"] in SIGN_IN_TYPES], sorted(created)
    assert "PresignedUrlFunctionRole" not in created
    assert "PresignedUrlLogGroup" not in created
    assert "DataScientistPolicy" in created, "still attached to the permission sets"
    actions = [s["Action"] for s in _statements(created["DataScientistPolicy"], conditions)]
    assert not [a for a in actions if str(a).startswith("lambda:")], actions
    outputs = {name for name, output in template["Outputs"].items()
               if conditions.get(output.get("Condition", ""), True)}
    assert "SignInFunctionUrl" not in outputs


@pytest.mark.parametrize(("accounts", "permissions"), [("", 0), ("111122223333", 2),
                                                        ("111122223333,444455556666", 4)])
def test_an_iam_domain_gets_the_sign_in_and_two_url_grants_per_listed_account(
    accounts: str, permissions: int
) -> None:
    template = load_template(TEMPLATE)
    conditions = _conditions(template, {"AuthMode": "IAM", "AllowedAccountIds": accounts})
    created = _created(template, conditions)
    assert {"PresignedUrlFunction", "PresignedUrlFunctionUrl", "PresignedUrlFunctionRole"} <= set(created)
    assert len([r for r in created.values() if r["Type"] == "AWS::Lambda::Permission"]) == permissions
    actions = [s["Action"] for s in _statements(created["DataScientistPolicy"], conditions)]
    assert {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"} <= set(map(str, actions))


def test_the_function_is_told_which_roles_sessions_to_trust() -> None:
    """``TrustedSessionRoleNames`` (default empty: only IAM users and IAM Identity Center
    sessions sign in) reaches the function as ``TRUSTED_SESSION_ROLE_NAMES``; the replaced
    ``ALLOWED_ROLE_NAMES`` is gone (the function refuses to start with it)."""
    template = load_template(TEMPLATE)
    assert template["Parameters"]["TrustedSessionRoleNames"]["Default"] == ""
    assert "AllowedRoleNames" not in template["Parameters"]
    variables = template["Resources"]["PresignedUrlFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["TRUSTED_SESSION_ROLE_NAMES"] == {"Ref": "TrustedSessionRoleNames"}
    assert "ALLOWED_ROLE_NAMES" not in variables
