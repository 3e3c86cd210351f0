"""The Resource Groups Tagging API's ``GetResources`` for SageMaker Studio resources.

moto 5.2.5 serves ``GetResources`` (``moto/resourcegroupstaggingapi``) from every backend that
mixes in ``TaggableResourcesMixin``; its SageMaker backend lists models, endpoints, notebook
instances and the like, and moto's own (empty) domains, but none of the Studio resources this
emulator keeps. ``SageMakerStudioBackend`` (``sagemaker/models.py``) now mixes it in for
``sagemaker:domain``, ``sagemaker:user-profile``, ``sagemaker:space`` and ``sagemaker:app``;
this module adds what moto's response lacks (written like a moto response, so it can go
upstream) and the eventual-consistency lag. Sources: the API reference of ``GetResources``
(https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html)
and the botocore model ``resourcegroupstaggingapi/2017-01-26`` (its member documentation):

* ``TagFilters``: several filters AND, a filter's values OR, a filter with no values matches the
  key with any value (moto's ``make_tag_matcher``); at most 50 filters, 20 values each, a key of
  1 to 128 characters, a value of at most 256.
* ``ResourceTypeFilters``: ``service[:resourceType]`` as in the ARN ("The format of each resource
  type is service[:resourceType]"; "The string for each service name and resource type is the
  same as that embedded in a resource's ARN"); at most 100 of at most 256 characters each.
  A filter not of that form is an ``InvalidParameterException`` here (AWS's exact wording for
  it is not documented).
* ``ResourceARNList``: 1 to 100 ARNs; with ``TagFilters``, ``ResourceTypeFilters`` or any
  pagination parameter (``ResourcesPerPage``, ``TagsPerPage``, ``PaginationToken``) it is an
  ``InvalidParameterException`` ("You can't specify both this parameter and ... in the same
  request"); an ARN naming nothing is simply left out.
* ``ResourcesPerPage`` 1 to 100, ``TagsPerPage`` 100 to 500 (moto checks both); a token AWS no
  longer knows is ``PaginationTokenExpiredException`` ("A PaginationToken is valid for a maximum
  of 15 minutes"; moto answers it for a token it never issued or already used).
* "Returns all the tagged or previously tagged resources": a resource whose tags were all
  removed is still listed, with ``"Tags": []``.
* Authorisation: ``tag:GetResources`` on ``*`` (Service Authorization Reference, "Actions,
  resources, and condition keys for Amazon Resource Group Tagging API": GetResources lists no
  resource type and no condition key; ``iam/context/tagging.py``). The API reference names no
  other permission, so the answer is not filtered by the caller's SageMaker permissions (not
  confirmed against AWS).
* Eventual consistency: the Tagging API reads a copy of each service's tags that AWS does not
  promise is current (Tagging API User Guide; a tag change can take a while to show). Off by
  default; ``POST /_studio_emulator/config {"tagging_lag_seconds": N}`` makes a tag change (and
  a new resource) visible to ``GetResources`` only N seconds after it was made, while the
  service's own ``ListTags`` sees it at once.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

from moto.core.responses import ActionResult
from moto.resourcegroupstaggingapi.exceptions import ResourceGroupsTaggingAPIError
from moto.resourcegroupstaggingapi.responses import ResourceGroupsTaggingAPIResponse

from .core import ServiceExtension, Setting, register

__all__ = ["EXTENSION", "TaggingResponse", "TagVisibility", "lag_seconds"]

#: ``service`` or ``service:resource-type`` as the ARN spells them (lower case, digits, ``-``).
RESOURCE_TYPE_FILTER = re.compile(r"[a-z0-9-]+(:[A-Za-z0-9-]+(/[A-Za-z0-9-]+)*)?")
MAX_TAG_FILTERS = 50
MAX_TAG_FILTER_VALUES = 20
MAX_RESOURCE_TYPE_FILTERS = 100
MAX_RESOURCE_ARNS = 100


class _Lag:
    """The configured lag, process-wide (``tagging_lag_seconds``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seconds = 0.0

    def get(self) -> float:
        with self._lock:
            return self._seconds

    def set(self, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError("tagging_lag_seconds must be a number >= 0")
        with self._lock:
            self._seconds = float(value)

    def reset(self) -> None:
        self.set(0)


_LAG = _Lag()


def lag_seconds() -> float:
    """How long a tag change takes to reach ``GetResources`` (0: at once)."""
    return _LAG.get()


class TagVisibility:
    """What ``GetResources`` shows of a service's tags while a change has not yet reached it.

    The service calls :meth:`before_change` with the tags the resource has just before it
    changes them (``None`` for a resource being created), and :meth:`visible` with its current
    tags when ``GetResources`` reads them. Within the lag of the latest change the older tags
    are shown (a new resource is not shown at all); after it, the current ones. With no lag
    nothing is remembered.
    """

    def __init__(self) -> None:
        #: arn -> (monotonic time of the latest change, tags visible before it or None)
        self._changes: dict[str, tuple[float, dict[str, str] | None]] = {}

    def before_change(self, arn: str, current: dict[str, str] | None) -> None:
        lag = lag_seconds()
        if lag <= 0:
            self._changes.pop(arn, None)
            return
        now = time.monotonic()
        previous = self._changes.get(arn)
        if previous is not None and now - previous[0] < lag:
            # An earlier change is not visible yet: what is visible is still what preceded it.
            visible = previous[1]
        else:
            visible = None if current is None else dict(current)
        self._changes[arn] = (now, visible)

    def visible(self, arn: str, current: dict[str, str]) -> dict[str, str] | None:
        """The tags ``GetResources`` shows for ``arn``; ``None``: not shown yet."""
        change = self._changes.get(arn)
        if change is None:
            return current
        if time.monotonic() - change[0] >= lag_seconds():
            del self._changes[arn]
            return current
        return change[1]

    def forget(self, arn: str) -> None:
        self._changes.pop(arn, None)


def _invalid(message: str) -> ResourceGroupsTaggingAPIError:
    return ResourceGroupsTaggingAPIError("InvalidParameterException", message)


class TaggingResponse(ResourceGroupsTaggingAPIResponse):
    """``GetResources`` with the request rules moto's response does not check."""

    def get_resources(self) -> ActionResult:
        tag_filters = self._get_param("TagFilters")
        type_filters = self._get_param("ResourceTypeFilters")
        arns = self._get_param("ResourceARNList")
        pagination = [
            name
            for name in ("ResourcesPerPage", "TagsPerPage", "PaginationToken")
            if self._get_param(name) not in (None, "")
        ]
        if arns is not None:
            if tag_filters:
                raise _invalid("You can't specify both ResourceARNList and TagFilters.")
            if type_filters:
                raise _invalid(
                    "You can't specify both ResourceARNList and ResourceTypeFilters."
                )
            if pagination:
                raise _invalid(
                    f"You can't specify both ResourceARNList and {pagination[0]}."
                )
            if not 1 <= len(arns) <= MAX_RESOURCE_ARNS:
                raise _invalid(
                    f"ResourceARNList must hold 1 to {MAX_RESOURCE_ARNS} ARNs."
                )
        for tag_filter in tag_filters or []:
            key = tag_filter.get("Key")
            if not isinstance(key, str) or not 1 <= len(key) <= 128:
                raise _invalid("Each TagFilter must contain a Key of 1 to 128 characters.")
            values = tag_filter.get("Values") or []
            if len(values) > MAX_TAG_FILTER_VALUES:
                raise _invalid(
                    f"A TagFilter can include up to {MAX_TAG_FILTER_VALUES} values."
                )
            if any(len(value) > 256 for value in values):
                raise _invalid("A TagFilter value can be at most 256 characters.")
        if len(tag_filters or []) > MAX_TAG_FILTERS:
            raise _invalid(f"A request can include up to {MAX_TAG_FILTERS} TagFilters.")
        if len(type_filters or []) > MAX_RESOURCE_TYPE_FILTERS:
            raise _invalid(
                f"ResourceTypeFilters can include up to {MAX_RESOURCE_TYPE_FILTERS} items."
            )
        for type_filter in type_filters or []:
            if (
                not isinstance(type_filter, str)
                or len(type_filter) > 256
                or not RESOURCE_TYPE_FILTER.fullmatch(type_filter)
            ):
                raise _invalid(
                    f"Invalid ResourceTypeFilters value {type_filter!r}: the format of each "
                    "resource type is service[:resourceType]."
                )
        return super().get_resources()


EXTENSION = register(
    ServiceExtension(
        name="resourcegroupstaggingapi-studio",
        service="resourcegroupstaggingapi",
        base_response=ResourceGroupsTaggingAPIResponse,
        response=TaggingResponse,
        settings={
            "tagging_lag_seconds": Setting(get=_LAG.get, set=_LAG.set, reset=_LAG.reset)
        },
    )
)
