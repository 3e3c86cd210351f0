"""moto's CloudFormation, run the way CloudFormation runs stacks.

* ``stacks.py`` -- CreateStack/UpdateStack/DeleteStack answered at once and run in the
  background, one resource at a time in dependency order, events as they happen, updates
  with their cleanup phase, rollbacks, busy stacks refused.
* ``custom_resources.py`` -- ``Custom::*`` / ``AWS::CloudFormation::CustomResource``: the
  request invoked on the ``ServiceToken`` function (``awslambda.invoke(..., "Event")``), the
  answer PUT to a ResponseURL the emulator serves, ``ServiceTimeout``, ``Fn::GetAtt`` from the
  answer's ``Data``, replacement on a new physical id.
* ``parameters.py`` -- SSM parameter types read at create/update time, what an update changes,
  "No updates are to be performed.".
* ``rules.py`` -- the template's ``Rules`` evaluated at CreateStack, UpdateStack and
  CreateChangeSet (a failing assertion: ``ValidationError`` with its ``AssertDescription``).
* ``template_format.py`` -- YAML short forms read as CloudFormation reads them
  (``!Condition``); a list's ``AWS::NoValue`` items removed.
* ``types.py`` -- resource types moto lacks (``AWS::Scheduler::Schedule``, the Service
  Catalog types of the portfolio stack).
* ``responses.py`` -- the API's answers where moto's differ, and the ResponseURL route.

Control routes: ``GET /_studio_emulator/cloudformation/types`` lists the types ``types.py``
adds; ``GET /_studio_emulator/cloudformation/servicecatalog`` the Service Catalog
associations, constraints and tag options (``?account_id=&region=``);
``GET /_studio_emulator/cloudformation/custom-resource-requests`` the custom-resource
requests sent (without their ResponseURL), oldest first.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.responses import CloudFormationResponse

from ..core import ControlRequest, ControlRoute, ServiceExtension, register
from . import parameters as _parameters  # noqa: F401 -- patches moto's ResourceMap
from . import resource_policies as _resource_policies  # noqa: F401 -- S3/EventBridge policy types
from . import stack_sets as _stack_sets  # noqa: F401 -- StackSets, registers itself
from . import stacks
from . import template_format as _template_format  # noqa: F401 -- patches moto's YAML reader
from .custom_resources import RESPONSE_PATH, custom_resource_responses
from .responses import CloudFormationStackResponse, custom_resource_response
from .types import MODELS, catalog_links_backends

stacks.install()


def _where(request: ControlRequest) -> tuple[str, str]:
    return request.query.get("account_id", "123456789012"), request.query.get("region", "us-east-1")


def _control_list_types(_request: ControlRequest) -> tuple[int, Any]:
    return 200, {"types": [model.cloudformation_type() for model in MODELS]}


def _control_catalog_links(request: ControlRequest) -> tuple[int, Any]:
    account_id, region_name = _where(request)
    return 200, catalog_links_backends[account_id][region_name].summary()


def _control_custom_resource_requests(request: ControlRequest) -> tuple[int, Any]:
    account_id, region_name = _where(request)
    backend = custom_resource_responses[account_id][region_name]
    with backend.lock:
        return 200, {"requests": list(backend.sent)}


EXTENSION = register(
    ServiceExtension(
        name="cloudformation",
        service="cloudformation",
        base_response=CloudFormationResponse,
        response=CloudFormationStackResponse,
        url_paths={
            "{0}/cloudformation_(?P<region>[^/]+)/" + RESPONSE_PATH + "/(?P<key>.+)$": (
                custom_resource_response
            ),
        },
        control_routes=[
            ControlRoute("GET", r"cloudformation/types", _control_list_types),
            ControlRoute("GET", r"cloudformation/servicecatalog", _control_catalog_links),
            ControlRoute(
                "GET", r"cloudformation/custom-resource-requests", _control_custom_resource_requests
            ),
        ],
    )
)
