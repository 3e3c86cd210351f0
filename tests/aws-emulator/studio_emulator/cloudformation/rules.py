"""A template's ``Rules``, evaluated as CloudFormation evaluates them (issue #17 follow-up).

Neither moto's CloudFormation nor the rest of the emulator read the ``Rules`` section, so a
launch form AWS refuses ("give both the custom image and its config, or neither") was
accepted. Sources: user guide, "CloudFormation template Rules syntax" and "Rule functions"
(``intrinsic-function-reference-rules``, awsdocs/aws-cloudformation-user-guide):

* "The Rules section ... contains rule functions that validate parameter values before
  CloudFormation creates or updates any resources." A rule applies when it has no
  ``RuleCondition`` or its ``RuleCondition`` is true ("If you don't define a rule condition,
  the rule's assertions always take effect"; "If the condition evaluates to false,
  CloudFormation doesn't check the parameter value and proceeds with the stack operation");
  each of its ``Assertions``' ``Assert`` must then be true, or "CloudFormation doesn't create
  or update the stack". "The final result of a rule condition or assertion must be either
  true or false."
* The refusal is a ``ValidationError`` (HTTP 400) whose message is the failing assertion's
  ``AssertDescription`` -- users report the description as what the deployment said (the AWS
  CDK's ``CheckBootstrapVersion`` rule: aws/aws-cdk#17942, #22907). That it is the whole
  message, with nothing around it, and that the first failing assertion (rules in template
  order) is the one reported, is **not confirmed**; an assertion without a description
  fails with ``Assertion of rule <name> failed`` (the emulator's words, not confirmed).
* Parameters resolve as the stack operation resolves them (:func:`references`): the value
  given, else the ``Default``; ``UsePreviousValue`` as UpdateStack takes it; SSM parameter
  types read from Parameter Store; a ``CommaDelimitedList`` / ``List<...>`` parameter's
  ``Ref`` is its list (an empty one is ``[""]``: ``!Not [!Contains [!Ref Users, ""]]`` refuses
  an empty ``CommaDelimitedList``, aws-cloudformation/cfn-lint#979). Pseudo parameters
  (``AWS::Region``, ``AWS::AccountId``, ...) resolve too.

The functions (:data:`FUNCTIONS`; "you can use the following functions within all other
rule-specific intrinsic functions: Ref, other rule-specific intrinsic functions"):

* ``Fn::And`` / ``Fn::Or``: 2 to 10 conditions; ``Fn::Not``: one condition.
* ``Fn::Equals``: ``[value_1, value_2]``, "a value of any type"; values compare as
  CloudFormation's text (a YAML ``5`` or ``true`` is ``"5"`` / ``"true"``; a ``Number``
  parameter's text is its value as moto parsed it, so ``05`` compares as ``5``: not confirmed).
* ``Fn::Contains``: ``[[list_of_strings], string]``, "true if a specified string matches at
  least one value in a list of strings".
* ``Fn::EachMemberEquals``: ``[[list_of_strings], string]``, "true if a specified string
  matches all values in a list".
* ``Fn::EachMemberIn``: ``[[strings_to_check], [strings_to_match]]``, "true if each member in
  a list of strings matches at least one value in a second list of strings".
* ``Fn::RefAll`` ("all values for a specified parameter type": every VPC id of the account
  and region), ``Fn::ValueOf`` and ``Fn::ValueOfAll`` (a parameter's resource attributes:
  ``Tags.<key>``, ``VpcId``, ``AvailabilityZone``, ...) look up the account's resources: they
  are **not modelled** -- a template using one is refused with a ``ValidationError`` that
  says so (:data:`NOT_MODELLED`), rather than accepted on a guess.

Any other function in the ``Rules`` block (``Condition``, ``Fn::If``, ``Fn::Join``, ...) is
refused before anything is evaluated: ``Template format error: Following functions are not
supported in the Rules block of the template: [Condition].`` (CloudFormation's wording as
reported in aws-cloudformation/cfn-lint#3710; aws-cloudformation/cloudformation-coverage-
roadmap#921 reports ``Fn::If`` refused at template validation although the Rules syntax page
lists it, #1183 ``Condition``). A wrongly shaped argument (``Fn::Not`` of two conditions, a
string where a list is needed, a ``Ref`` to something that is neither a parameter nor a
pseudo parameter) is a ``Template format error`` too; those wordings are the emulator's (not
confirmed).

Wired into CreateStack / UpdateStack (``stacks.py``, after the parameters resolve and before
the operation starts) and CreateChangeSet (:func:`check_change_set`); Service Catalog's
launches and updates call those, so a refused rule fails their record
(``servicecatalog/models.py``). ValidateTemplate has no parameter values and is left to moto
(cfn-lint's checks of the section).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import Stack
from moto.cloudformation.parsing import ResourceMap

from .parameters import check_reads

#: The rule-specific intrinsic functions (user guide, "Rule functions").
FUNCTIONS = (
    "Fn::And",
    "Fn::Contains",
    "Fn::EachMemberEquals",
    "Fn::EachMemberIn",
    "Fn::Equals",
    "Fn::Not",
    "Fn::Or",
    "Fn::RefAll",
    "Fn::ValueOf",
    "Fn::ValueOfAll",
)
#: Rule functions that need the account's resources (not modelled here).
NOT_MODELLED = ("Fn::RefAll", "Fn::ValueOf", "Fn::ValueOfAll")
#: The pseudo parameters a rule's ``Ref`` reads (their values as the stack has them).
PSEUDO_PARAMETERS = (
    "AWS::AccountId",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
)

Value = str | list[Any] | bool


def _format_error(message: str) -> ValidationError:
    return ValidationError(message=f"Template format error: {message}")


def _is_function(node: Any) -> bool:
    """A one-key mapping whose key names a function (``Ref``, ``Condition``, ``Fn::*``)."""
    if not isinstance(node, dict) or len(node) != 1:
        return False
    [key] = node
    return isinstance(key, str) and (key in ("Ref", "Condition") or key.startswith("Fn::"))


def _functions_used(node: Any, found: list[str]) -> None:
    if isinstance(node, dict):
        if _is_function(node):
            [key] = node
            if key not in found:
                found.append(key)
        for child in node.values():
            _functions_used(child, found)
    elif isinstance(node, list):
        for child in node:
            _functions_used(child, found)


def check_syntax(template: dict[str, Any]) -> None:
    """The ``Rules`` section's shape, before any value is read: a mapping of rules, each a
    mapping with an ``Assertions`` list ("must include an Assertions property") of mappings
    with an ``Assert``; only ``Ref`` and the rule functions; no rule function the emulator
    does not model (:data:`NOT_MODELLED`). ``ValidationError`` otherwise."""
    rules = template.get("Rules")
    if rules is None:
        return
    if not isinstance(rules, dict):
        raise _format_error("Rules must be a mapping of rule names to rules")
    used: list[str] = []
    for name, rule in rules.items():
        if not isinstance(rule, dict) or not isinstance(rule.get("Assertions"), list):
            raise _format_error(f"Rule {name} must have an Assertions list")
        for assertion in rule["Assertions"]:
            if not isinstance(assertion, dict) or "Assert" not in assertion:
                raise _format_error(f"Every assertion of rule {name} must have an Assert")
        _functions_used(rule, used)
    unsupported = [f for f in used if f != "Ref" and f not in FUNCTIONS]
    if unsupported:
        raise _format_error(
            "Following functions are not supported in the Rules block of the template: "
            f"[{', '.join(unsupported)}]."
        )
    modelled_not = [f for f in used if f in NOT_MODELLED]
    if modelled_not:
        raise ValidationError(
            message=f"The studio emulator does not model {', '.join(modelled_not)} in Rules: "
            "it needs the account's resources (tests/aws-emulator/studio_emulator/"
            "cloudformation/rules.py)"
        )


def references(template: dict[str, Any], resource_map: ResourceMap) -> dict[str, Any]:
    """What a rule's ``Ref`` reads: each parameter the template declares, as the stack's map
    resolved it (``load_parameters``: given or default, SSM types read, lists split), and the
    pseudo parameters."""
    parsed = resource_map._parsed_resources
    declared = template.get("Parameters") or {}
    values = {name: parsed.get(name) for name in declared}
    values.update({name: parsed.get(name) for name in PSEUDO_PARAMETERS})
    return values


def _text(value: Any, where: str) -> Value:
    """A resolved value as CloudFormation compares it: text, or a list of texts."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list):
        return [_text(member, where) for member in value]
    raise _format_error(f"{where}: {value!r} is not a string or a list of strings")


class _Evaluation:
    """One rule's expressions, with the ``Ref`` values of the operation."""

    def __init__(self, rule: str, values: dict[str, Any]) -> None:
        self.rule = rule
        self.values = values

    def condition(self, node: Any, where: str) -> bool:
        result = self.value(node)
        if not isinstance(result, bool):
            raise _format_error(
                f"{where} of rule {self.rule} must evaluate to true or false, not {result!r}"
            )
        return result

    def strings(self, node: Any, function: str) -> list[str]:
        result = self.value(node)
        if not isinstance(result, list) or not all(isinstance(m, str) for m in result):
            raise _format_error(
                f"{function} in rule {self.rule} needs a list of strings, not {result!r}"
            )
        return result

    def string(self, node: Any, function: str) -> str:
        result = self.value(node)
        if not isinstance(result, str):
            raise _format_error(f"{function} in rule {self.rule} needs a string, not {result!r}")
        return result

    def arguments(self, function: str, arguments: Any, low: int, high: int) -> list[Any]:
        if not isinstance(arguments, list) or not low <= len(arguments) <= high:
            count = str(low) if low == high else f"{low} to {high}"
            raise _format_error(
                f"{function} in rule {self.rule} takes a list of {count} arguments"
            )
        return arguments

    def value(self, node: Any) -> Value:
        if isinstance(node, list):
            return [self.value(member) for member in node]
        if not isinstance(node, dict):
            return _text(node, f"rule {self.rule}")
        if not _is_function(node):
            raise _format_error(f"rule {self.rule} has a mapping that is not a rule function")
        [(function, arguments)] = node.items()
        if function == "Ref":
            if not isinstance(arguments, str) or arguments not in self.values:
                raise _format_error(
                    f"Unresolved resource dependencies [{arguments}] in the Rules block of "
                    "the template"
                )
            return _text(self.values[arguments], f"Ref {arguments}")
        return _EVALUATORS[function](self, function, arguments)


def _and(evaluation: _Evaluation, function: str, arguments: Any) -> bool:
    conditions = evaluation.arguments(function, arguments, 2, 10)
    return all([evaluation.condition(c, function) for c in conditions])


def _or(evaluation: _Evaluation, function: str, arguments: Any) -> bool:
    conditions = evaluation.arguments(function, arguments, 2, 10)
    return any([evaluation.condition(c, function) for c in conditions])


def _not(evaluation: _Evaluation, function: str, arguments: Any) -> bool:
    [condition] = evaluation.arguments(function, arguments, 1, 1)
    return not evaluation.condition(condition, function)


def _equals(evaluation: _Evaluation, function: str, arguments: Any) -> bool:
    left, right = evaluation.arguments(function, arguments, 2, 2)
    return evaluation.value(left) == evaluation.value(right)


def _contains(evaluation: _Evaluation, function: str, arguments: Any) -> bool:
    members, wanted = evaluation.arguments(function, arguments, 2, 2)
    return evaluation.string(wanted, function) in evaluation.strings(members, function)


def _each_member_equals(evaluation: _Evaluation, function: str, arguments: Any) -> bool:
    members, wanted = evaluation.arguments(function, arguments, 2, 2)
    text = evaluation.string(wanted, function)
    return all(member == text for member in evaluation.strings(members, function))


def _each_member_in(evaluation: _Evaluation, function: str, arguments: Any) -> bool:
    checked, allowed = evaluation.arguments(function, arguments, 2, 2)
    allowed_members = evaluation.strings(allowed, function)
    return all(member in allowed_members for member in evaluation.strings(checked, function))


_EVALUATORS: dict[str, Callable[[_Evaluation, str, Any], bool]] = {
    "Fn::And": _and,
    "Fn::Contains": _contains,
    "Fn::EachMemberEquals": _each_member_equals,
    "Fn::EachMemberIn": _each_member_in,
    "Fn::Equals": _equals,
    "Fn::Not": _not,
    "Fn::Or": _or,
}


def failed_assertion(template: dict[str, Any], values: dict[str, Any]) -> str | None:
    """The ``AssertDescription`` of the first assertion that fails among the rules that apply
    (``values``: what ``Ref`` reads, :func:`references`), or None when every rule holds."""
    check_syntax(template)
    for name, rule in (template.get("Rules") or {}).items():
        evaluation = _Evaluation(str(name), values)
        if "RuleCondition" in rule and not evaluation.condition(
            rule["RuleCondition"], "RuleCondition"
        ):
            continue
        for assertion in rule["Assertions"]:
            if not evaluation.condition(assertion["Assert"], "Assert"):
                return str(assertion.get("AssertDescription") or f"Assertion of rule {name} failed")
    return None


def check_rules(template: dict[str, Any], resource_map: ResourceMap) -> None:
    """``ValidationError`` (the failing assertion's ``AssertDescription``) when a rule of
    ``template`` refuses the parameters ``resource_map`` has loaded."""
    description = failed_assertion(template, references(template, resource_map))
    if description is not None:
        raise ValidationError(message=description)


def check_change_set(
    backend: Any, stack_name: str, template: str, parameters: dict[str, Any]
) -> None:
    """CreateChangeSet's rule check: the parameters it passes (``UsePreviousValue`` taken by
    moto's responses), resolved the way a stack loads them, on a map of their own. Reading
    the SSM-typed ones is authorised as the caller first (``parameters.check_reads``:
    "CreateChangeSet uses this to evaluate any SSM parameters"); a template without Rules is
    left to moto's CreateChangeSet as before."""
    template_dict = Stack.parse_template(template)
    if not template_dict.get("Rules"):
        return
    check_reads(
        template_dict.get("Parameters") or {}, dict(parameters or {}),
        backend.account_id, backend.region_name,
    )
    resource_map = ResourceMap(
        stack_id="",
        stack_name=stack_name,
        parameters=dict(parameters or {}),
        tags={},
        region_name=backend.region_name,
        account_id=backend.account_id,
        template=template_dict,
        cross_stack_resources=None,
    )
    resource_map.load_parameters()
    check_rules(template_dict, resource_map)
