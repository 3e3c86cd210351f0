"""Stack parameters and what an update changes, as CloudFormation resolves them.

* ``AWS::SSM::Parameter::Value<String>`` / ``<List<String>>`` (and the other SSM types) are
  read from moto's Systems Manager at create and update time (user guide, "Parameters":
  "Systems Manager parameter types"); a parameter that does not exist fails ``CreateStack`` /
  ``UpdateStack`` with ``ValidationError: Unable to fetch parameters [<name>] from parameter
  store for this account.`` (the wording quoted in awslabs/aws-deployment-framework#339;
  moto raised an ``AttributeError``, an HTTP 500).
* With IAM enforced (issue #13), reading them is authorised: CloudFormation calls
  ``ssm:GetParameters`` for the SSM-typed parameters with the credentials of whoever called
  CreateStack / UpdateStack -- the caller, not the stack's service role (:func:`check_reads`).
* An update whose template and resolved parameters are unchanged is refused with
  ``ValidationError: No updates are to be performed.`` (moto checks this only when
  parameters are passed, comparing raw input values) -- ``responses.py``.
* A parameter the update does not pass takes its default again instead of moto's previous
  input (``stacks.py``: the update gives the template the parameters it passed). A
  resource whose resolved properties change -- a parameter's new value, a new template
  default included (the way ``package`` points the core stack at new code), a replaced
  resource's new id -- is updated (``stacks.py``; moto compared only the parameters the
  call passed, so a new default left resources untouched).
* A ``CommaDelimitedList`` / ``List<...>`` parameter is a list to ``Ref`` whether its value is
  passed or its ``Default`` is used (:func:`split_list`; moto split only passed values).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import regex
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.parsing import ResourceMap
from moto.ssm import ssm_backends

from ..iam import in_process, stack_identity
from ..iam.context import Authorization

#: The parameter types whose value is read from Parameter Store (user guide, "Systems Manager
#: parameter types": ``AWS::SSM::Parameter::Value<String>``, ``<List<String>>``,
#: ``<CommaDelimitedList>``, ``<AWS-specific type>``, ``<List<AWS-specific type>>``).
SSM_VALUE_TYPE = "AWS::SSM::Parameter::Value<"
#: CloudFormation's refusal when its caller may not read them, as users report it (a
#: ``ValidationError`` of CreateStack / CreateChangeSet): aws/aws-cdk#20959, aws/aws-cdk#10083,
#: yugabyte/yugabyte-db#4336, aws-samples/aws-cross-account-cicd-pipeline#33.
READ_REFUSED = "AccessDenied. User doesn't have permission to call ssm:GetParameters"


def check_parameters(
    template: dict[str, Any],
    values: dict[str, Any],
    *,
    account_id: str | None = None,
    region: str | None = None,
) -> None:
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
      checked member by member; SSM parameter types are not constrained by value;
    * then, with IAM enforced, the caller may read the SSM-typed parameters
      (:func:`check_reads`, in the stack's ``account_id`` and ``region``).
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
    if account_id and region:
        check_reads(declared, values, account_id, region)


def parameter_arn(name: str, account_id: str, region: str) -> str:
    """The ARN IAM evaluates a read of the parameter ``name`` on: ``arn:aws:ssm:<region>:
    <account>:parameter/<name without its leading slash>`` (Service Authorization Reference,
    Systems Manager resource type ``parameter``: ``arn:${Partition}:ssm:${Region}:${Account}:
    parameter/${ParameterNameWithoutLeadingSlash}``); a parameter shared by another account is
    given by its full ARN (user guide, "Systems Manager parameter types"), read as it is."""
    if name.startswith("arn:"):
        return name
    return f"arn:aws:ssm:{region}:{account_id}:parameter/{name.lstrip('/')}"


def check_reads(
    declared: dict[str, Any], values: dict[str, Any], account_id: str, region: str
) -> None:
    """CloudFormation reads the SSM-typed parameters (the value given, else the ``Default``)
    with ``ssm:GetParameters`` -- with the credentials of the principal that called
    CreateStack / UpdateStack, even when the stack has a service role: the AWS CDK's bootstrap
    template grants ``ssm:GetParameters`` on its version parameter to the deploy role, the
    caller of CreateChangeSet, "CreateChangeSet uses this to evaluate any SSM parameters"
    (aws/aws-cdk-cli, ``bootstrap-template.yaml``), although the service role it passes is
    allowed everything; aws-samples/aws-cross-account-cicd-pipeline#33 is refused with a service
    role allowed the read. A Service Catalog launch calls CloudFormation as the launch role
    (``servicecatalog/models.py``), so the launch role reads them. The call carries the
    caller's forward-access keys (``aws:ViaAWSService``, ``aws:CalledVia``), as CloudFormation's
    other calls for a caller do (``iam/stack_identity.py``).

    A refusal fails the operation before anything is read (so before ``Unable to fetch
    parameters``) with ``ValidationError`` :data:`READ_REFUSED`; the decision log has each
    parameter's decision (``via`` ``cloudformation``). Not enforcing, the account root, or no
    signed caller (the emulator's own call): nothing is checked."""
    if not in_process.enforcing():
        return
    caller = in_process.current_caller()
    if caller is None or caller.is_root:
        return
    names = []
    for key, spec in declared.items():
        value = values.get(key, spec.get("Default"))
        if str(spec.get("Type", "")).startswith(SSM_VALUE_TYPE) and value:
            names.append(str(value))
    if not names:
        return
    # the caller's own session and the keys CloudFormation's calls carry for it
    principal, keys = stack_identity.acting(SimpleNamespace(role_arn=None, iam_caller=caller))
    arns = [parameter_arn(name, account_id, region) for name in names]
    needed = [
        Authorization("ssm:GetParameters", arn, resource_account=arn.split(":")[4] or account_id)
        for arn in arns
    ]
    denied = in_process.authorize_as(
        principal, needed, via="cloudformation", region=region, extra_context=keys
    )
    if denied is not None:
        raise ValidationError(message=READ_REFUSED)


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
        elif is_list_type(value_type) and isinstance(value, str):
            value = split_list(value)
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


_moto_load_parameters = ResourceMap.load_parameters


def _load_parameters(self: ResourceMap) -> None:
    """moto reads the ``Default`` of every SSM-typed parameter, even one the call gives a value:
    a stack naming other parameters (a product launched with the core stack's parameters under
    another prefix) failed ``Unable to fetch parameters [<the default>]``. CloudFormation uses a
    ``Default`` only "if no value is specified" (user guide, "Parameters": ``Default``), so the
    parameter it reads is the one the value names (added for test_iam_product_paths.py, H6)."""
    slots = self._template.get("Parameters") or {}
    given = self.input_parameters or {}
    unread: dict[str, Any] = {}
    for name, slot in slots.items():
        kind = str(slot.get("Type", ""))
        if name in given and kind.startswith("AWS::SSM::Parameter::") and "Default" in slot:
            unread[name] = slot.pop("Default")
    try:
        _moto_load_parameters(self)
    finally:
        for name, default in unread.items():
            slots[name]["Default"] = default
    for name, slot in slots.items():
        value = self.resolved_parameters.get(name)
        if name not in given and is_list_type(str(slot.get("Type", ""))) and isinstance(value, str):
            # What Ref reads; resolved_parameters keeps the text DescribeStacks answers
            # ("ParameterValue": "SELECT,DESCRIBE", as for a passed list), which a caller
            # passes back on its next update.
            self._parsed_resources[name] = split_list(value)


def is_list_type(kind: str) -> bool:
    """``CommaDelimitedList`` and ``List<...>``: an array of strings to ``Ref`` (user guide,
    "Parameters": "CommaDelimitedList -- An array of literal strings that are separated by
    commas"; ``List<AWS::EC2::...>`` likewise)."""
    return kind == "CommaDelimitedList" or kind.startswith("List<")


def split_list(value: str) -> list[str]:
    """A list parameter's value as CloudFormation gives it to ``Ref``: split on commas, its
    ``Default`` too -- moto split only the values a call passed, so ``!Join [",", !Ref P]`` of a
    defaulted ``CommaDelimitedList`` joined the default's characters. Split on the comma only,
    as moto splits passed values; whether CloudFormation trims spaces around the items, and
    what an empty default gives (here one empty string), is not confirmed here."""
    return value.split(",")


ResourceMap.load_parameters = _load_parameters  # type: ignore[method-assign]
