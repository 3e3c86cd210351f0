"""Stack parameters and what an update changes, as CloudFormation resolves them.

* ``AWS::SSM::Parameter::Value<String>`` / ``<List<String>>`` (and the other SSM types) are
  read from moto's Systems Manager at create and update time (user guide, "Parameters":
  "Systems Manager parameter types"); a parameter that does not exist fails ``CreateStack`` /
  ``UpdateStack`` with ``ValidationError: Unable to fetch parameters [<name>] from parameter
  store for this account.`` (the wording quoted in awslabs/aws-deployment-framework#339;
  moto raised an ``AttributeError``, an HTTP 500).
* An update whose template and resolved parameters are unchanged is refused with
  ``ValidationError: No updates are to be performed.`` (moto checks this only when
  parameters are passed, comparing raw input values) -- ``responses.py``.
* A parameter the update does not pass takes its default again instead of moto's previous
  input (``stacks.py``: the update gives the template the parameters it passed). A
  resource whose resolved properties change -- a parameter's new value, a new template
  default included (the way ``package`` points the core stack at new code), a replaced
  resource's new id -- is updated (``stacks.py``; moto compared only the parameters the
  call passed, so a new default left resources untouched).
"""

from __future__ import annotations

from typing import Any

import regex
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.parsing import ResourceMap
from moto.ssm import ssm_backends


def check_parameters(template: dict[str, Any], values: dict[str, Any]) -> None:
    r"""The parameter checks CloudFormation makes when CreateStack/UpdateStack is called
    (``ValidationError``, CloudFormation's wording):

    * a key the template does not declare: ``Parameters: [K] do not exist in the template``
      (as CloudFormation reports it, e.g. deep-security/cloudformation#29);
    * a declared parameter with neither a value nor a ``Default``: ``Parameters: [K] must
      have values`` (the AWS CLI's examples; moto said ``Missing parameter K``);
    * a value off ``AllowedValues``: ``Parameter 'K' must be one of AllowedValues``; not
      matching ``AllowedPattern`` (the whole value; a Java regular expression, so
      ``\p{L}`` classes are read with the ``regex`` package): ``Parameter 'K' must match
      pattern P``; outside ``MinLength``/``MaxLength``: ``Parameter 'K' must contain at
      least/at most N characters`` (user guide, "Parameters": constraints are checked when
      the stack is created or updated). ``CommaDelimitedList``/``List<...>`` values are
      checked member by member; SSM parameter types are not constrained by value.
    """
    declared = template.get("Parameters") or {}
    unknown = [key for key in values if key not in declared]
    if unknown:
        raise ValidationError(message=f"Parameters: [{', '.join(unknown)}] do not exist in the template")
    missing = [key for key, spec in declared.items() if key not in values and "Default" not in spec]
    if missing:
        raise ValidationError(message=f"Parameters: [{', '.join(missing)}] must have values")
    for key, spec in declared.items():
        value = values.get(key, spec.get("Default"))
        kind = str(spec.get("Type", "String"))
        if value is None or kind.startswith("AWS::SSM::Parameter::"):
            continue
        text = ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
        listed = kind == "CommaDelimitedList" or kind.startswith("List<")
        members = text.split(",") if listed else [text]
        allowed = spec.get("AllowedValues")
        pattern = spec.get("AllowedPattern")
        for member in members:
            if isinstance(allowed, list) and member not in [str(a) for a in allowed]:
                raise ValidationError(message=f"Parameter '{key}' must be one of AllowedValues")
            if isinstance(pattern, str) and not _matches(pattern, member):
                raise ValidationError(message=f"Parameter '{key}' must match pattern {pattern}")
        for bound, word, too_far in (
            ("MinLength", "at least", lambda n, b: n < b),
            ("MaxLength", "at most", lambda n, b: n > b),
        ):
            if bound in spec and too_far(len(text), int(spec[bound])):
                raise ValidationError(
                    message=f"Parameter '{key}' must contain {word} {int(spec[bound])} characters"
                )


def _matches(pattern: str, value: str) -> bool:
    try:
        return regex.fullmatch(pattern, value) is not None
    except regex.error as error:
        raise ValidationError(
            message=f"Template format error: AllowedPattern {pattern} is not a valid regular "
            f"expression ({error})"
        ) from error


def comparable(value: Any) -> Any:
    """A resolved parameter value as CloudFormation compares it (text)."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if value is None:
        return None
    return str(value)


def resolve_declared(
    resource_map: ResourceMap,
    template: dict[str, Any],
    given: dict[str, Any],
) -> dict[str, Any]:
    """Each parameter ``template`` declares: the value given, else its default; SSM
    parameter types resolved to the parameter's value, as ``load_parameters`` does."""
    resolved = {}
    for name, slot in (template.get("Parameters") or {}).items():
        value = given.get(name, slot.get("Default"))
        value_type = slot.get("Type", "String")
        if value_type.startswith("AWS::SSM::Parameter::") and value:
            value = resource_map.parse_ssm_parameter(value, value_type)
        resolved[name] = comparable(value)
    return resolved


def _parse_ssm_parameter(self: ResourceMap, value: str, value_type: str) -> Any:
    parameter = ssm_backends[self._account_id][self._region_name].get_parameter(value)
    if parameter is None:
        raise ValidationError(
            message=f"Unable to fetch parameters [{value}] from parameter store for this account."
        )
    if "List<" in value_type:
        return parameter.value.split(",")
    return parameter.value


ResourceMap.parse_ssm_parameter = _parse_ssm_parameter  # type: ignore[method-assign]
