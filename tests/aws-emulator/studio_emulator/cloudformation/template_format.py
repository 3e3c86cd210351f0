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
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation import models as cfn_models
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
