"""CloudFormation's API where it differs from moto's, and the custom resources' ResponseURL."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult

from .custom_resources import RESPONSE_PATH, answer_to, signature_matches
from .parameters import comparable, resolve_declared
from .stacks import ResourceState, describe_stack_resources


def _resource(stack: Any, state: ResourceState, detail: bool) -> dict[str, Any]:
    resource = {
        "StackName": stack.name,
        "StackId": stack.stack_id,
        "LogicalResourceId": state.logical_id,
        "PhysicalResourceId": state.physical_id or None,
        "ResourceType": state.resource_type,
        "ResourceStatus": state.status,
        "ResourceStatusReason": state.reason,
    }
    if detail:
        resource["LastUpdatedTimestamp"] = state.timestamp
    else:
        resource["Timestamp"] = state.timestamp
    return {k: v for k, v in resource.items() if v is not None}


class CloudFormationStackResponse(CloudFormationResponse):
    """CreateStack's ``OnFailure``/``DisableRollback``; UpdateStack refusing an update that
    changes nothing; stack resources with their real status."""

    def _check_role(self) -> None:
        """With IAM enforced (issue #13): CloudFormation must be able to assume the
        ``RoleARN`` the caller passes (``iam/stack_identity.check_role``). Service Catalog's
        stacks, made in-process with a launch role that Service Catalog assumed, skip this."""
        from moto.cloudformation.exceptions import ValidationError

        from ..iam import stack_identity

        refused = stack_identity.check_role(self._get_param("RoleARN"), self.current_account)
        if refused:
            raise ValidationError(self._get_param("StackName"), message=refused)

    def create_stack(self) -> ActionResult:
        self._check_role()
        template = self._get_param("TemplateBody")
        if self._get_param("TemplateURL"):
            template = self._get_stack_from_s3_url(self._get_param("TemplateURL"))
        disable_rollback = self._get_param("DisableRollback")
        stack = self.cloudformation_backend.create_stack(
            name=self._get_param("StackName"),
            template=template,
            parameters=self._get_params_from_list(self._get_param("Parameters", [])),
            notification_arns=self._get_param("NotificationARNs", []),
            tags={item["Key"]: item["Value"] for item in self._get_param("Tags", [])},
            role_arn=self._get_param("RoleARN"),
            enable_termination_protection=self._get_param("EnableTerminationProtection"),
            timeout_in_mins=self._get_param("TimeoutInMinutes"),
            stack_policy_body=self._get_param("StackPolicyBody"),
            on_failure=self._get_param("OnFailure"),
            disable_rollback=None if disable_rollback is None else bool(disable_rollback),
        )
        return ActionResult({"StackId": stack.stack_id})

    def update_stack(self) -> Any:
        self._check_role()
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        if self._get_bool_param("UsePreviousTemplate", False):
            body = stack.template
        else:
            body = self._get_param("TemplateBody")
            if not body and self._get_param("TemplateURL"):
                body = self._get_stack_from_s3_url(self._get_param("TemplateURL"))
        tags = {item["Key"]: item["Value"] for item in self._get_param("Tags", [])}
        if body == stack.template and (not tags or tags == stack.tags):
            given: dict[str, Any] = {}
            for parameter in self._get_param("Parameters", []):
                key = parameter["ParameterKey"]
                if str(parameter.get("UsePreviousValue", "")).lower() == "true":
                    given[key] = stack.parameters.get(
                        key, stack.resource_map.resolved_parameters.get(key)
                    )
                elif "ParameterValue" in parameter:
                    given[key] = parameter["ParameterValue"]
            resource_map = stack.resource_map
            new_values = resolve_declared(resource_map, stack.template_dict, given)
            old_values = {
                name: comparable(value)
                for name, value in resource_map.resolved_parameters.items()
            }
            if new_values == old_values:
                raise ValidationError(stack.name, message="No updates are to be performed.")
        return super().update_stack()

    def describe_stack_resources(self) -> ActionResult:
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        states = describe_stack_resources(stack, self._get_param("LogicalResourceId"))
        return ActionResult({"StackResources": [_resource(stack, s, False) for s in states]})

    def describe_stack_resource(self) -> ActionResult:
        name = self._get_param("StackName")
        logical_id = self._get_param("LogicalResourceId")
        stack = self.cloudformation_backend.get_stack(name)
        states = describe_stack_resources(stack, logical_id)
        if not states:
            raise ValidationError(
                name, message=f"Resource {logical_id} does not exist for stack {name}"
            )
        return ActionResult({"StackResourceDetail": _resource(stack, states[0], True)})

    def list_stack_resources(self) -> ActionResult:
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        summaries = []
        for state in describe_stack_resources(stack):
            summary = _resource(stack, state, True)
            summary.pop("StackName"), summary.pop("StackId")
            summaries.append(summary)
        return ActionResult({"StackResourceSummaries": summaries})


def custom_resource_response(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """``PUT`` of a custom resource's answer to its ResponseURL (S3's answers: 200, or 403
    when the signature does not match)."""
    if request.method != "PUT":
        return 405, {"Allow": "PUT"}, ""
    parts = urlsplit(full_url)
    key = unquote(parts.path.split(f"/{RESPONSE_PATH}/", 1)[1])
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if not signature_matches(key, query.get("X-Amz-Date", ""), query.get("X-Amz-Signature", "")):
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>'
            "<Message>The request signature we calculated does not match the signature you "
            "provided.</Message></Error>"
        )
        return 403, {"Content-Type": "application/xml"}, body
    data = request.get_data() if hasattr(request, "get_data") else request.data
    answer_to(key, data or b"")
    return 200, {"ETag": '"emulated"'}, ""
