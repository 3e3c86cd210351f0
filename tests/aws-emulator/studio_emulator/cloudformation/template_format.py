"""Templates read as CloudFormation reads them.

* ``!Condition Name`` is the short form of ``{"Condition": "Name"}``: the condition function
  has no ``Fn::`` prefix (CloudFormation user guide, "Condition functions": "Condition: ...
  JSON ``{ "Condition": "conditionName" }``, YAML ``!Condition conditionName``"). moto's YAML
  loader (``moto.cloudformation.utils.yaml_tag_constructor``) prefixes every tag but ``!Ref``
  with ``Fn::``, and ``parsing.parse_condition`` knows only ``Condition``, so
  ``!And [!Condition A, !Condition B]`` was always false -- a template's conditional
  resources and properties silently took the wrong branch.

moto registers its constructor by name in ``models`` and ``responses`` at each parse, so the
names are replaced there.

* ``Fn::GetAtt`` in its long form with a string argument, ``{"Fn::GetAtt": "Res.Attr"}`` (YAML
  ``Fn::GetAtt: Res.Attr``), is the same as ``["Res", "Attr"]``, split at the first dot
  (CloudFormation accepts it, as cfn-lint does: aws-cloudformation/cfn-lint#372, #4696,
  cdklabs/cdk-from-cfn#57). moto's ``clean_json`` indexed the string (``"Res.Attr"[0]`` =
  ``"R"``: "instance of Fn::GetAtt references undefined resource R"), and its output check
  failed with a TypeError (HTTP 500). The template is normalised as it is loaded.

* An item of a list that is ``AWS::NoValue`` -- ``!Ref AWS::NoValue``, or an ``Fn::If`` that
  chose it -- is removed from the list, as CloudFormation removes a property that is
  ``AWS::NoValue`` (user guide, "Pseudo parameters reference": AWS::NoValue "Removes the
  corresponding resource property when specified as a return value in the Fn::If intrinsic
  function"; for a list item the same, as templates rely on: a policy's conditional statement).
  moto's ``clean_json`` kept ``None`` in the list, so a policy whose conditional statement was
  not chosen failed IAM's check ("Syntax errors in policy").
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing as cfn_parsing
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation import utils as cfn_utils

_moto_constructor = cfn_utils.yaml_tag_constructor


def yaml_tag_constructor(loader: Any, tag: Any, node: Any) -> Any:
    """moto's short-form reader, with ``!Condition`` as the ``Condition`` function."""
    if tag == "!Condition":
        return {"Condition": loader.construct_scalar(node)}
    return _moto_constructor(loader, tag, node)


for _module in (cfn_utils, cfn_models, cfn_responses):
    _module.yaml_tag_constructor = yaml_tag_constructor  # type: ignore[attr-defined]



def getatt_as_lists(node: Any) -> None:
    """Every ``{"Fn::GetAtt": "Res.Attr"}`` in ``node`` becomes ``["Res", "Attr"]``, in place."""
    if isinstance(node, dict):
        value = node.get("Fn::GetAtt")
        if isinstance(value, str):
            name, _, attribute = value.partition(".")
            node["Fn::GetAtt"] = [name, attribute]
        for child in node.values():
            getatt_as_lists(child)
    elif isinstance(node, list):
        for child in node:
            getatt_as_lists(child)


_moto_load = cfn_parsing.ResourceMap.load


def _load(self: Any) -> None:
    """moto's ``ResourceMap.load`` (mappings, parameters, conditions, outputs) on the template
    with its string ``Fn::GetAtt`` read as lists."""
    getatt_as_lists(self._template)
    _moto_load(self)


if getattr(_moto_load, "__name__", "") == "load":
    cfn_parsing.ResourceMap.load = _load  # type: ignore[method-assign]


_moto_clean_json = cfn_parsing.clean_json


def _chose_no_value(item: Any) -> bool:
    """Whether ``item`` (before it was resolved) is ``AWS::NoValue`` or an ``Fn::If``."""
    return isinstance(item, dict) and (item.get("Ref") == "AWS::NoValue" or "Fn::If" in item)


def clean_json(resource_json: Any, resources_map: Any) -> Any:
    """moto's ``clean_json``, a list's ``AWS::NoValue`` items removed."""
    if isinstance(resource_json, list):
        resolved = [(item, clean_json(item, resources_map)) for item in resource_json]
        return [value for item, value in resolved
                if not (value is None and _chose_no_value(item))]
    return _moto_clean_json(resource_json, resources_map)


if getattr(_moto_clean_json, "__module__", "") == cfn_parsing.__name__:
    cfn_parsing.clean_json = clean_json  # type: ignore[assignment]
