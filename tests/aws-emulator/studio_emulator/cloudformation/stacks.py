"""Stack operations as CloudFormation runs them: answered at once, run in the background.

moto's ``CloudFormationBackend.create_stack`` / ``update_stack`` / ``delete_stack`` do the
whole operation inside the API call, and its ``ResourceMap`` creates a resource the first
time anything reads it (a ``DescribeStacks`` that reads an output creates what the output
names). Here, as in CloudFormation (API reference: CreateStack, UpdateStack, DeleteStack,
DescribeStackEvents; user guide: "Stack status codes", "Update behaviors of stack
resources", "Rollback"):

* ``CreateStack`` / ``UpdateStack`` / ``DeleteStack`` validate what CloudFormation validates
  synchronously (template, parameters, the template's ``Rules`` -- ``rules.py``, imports, a
  circular dependency, a changed resource type), answer the ``StackId`` and run the operation in a thread of its own.
* Resources go one at a time in dependency order (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``,
  ``DependsOn``), each with its ``*_IN_PROGRESS`` event, a second ``*_IN_PROGRESS``
  "Resource creation Initiated" once its handler started, and ``*_COMPLETE`` or
  ``*_FAILED`` (the error as ``ResourceStatusReason``) as it happens; DescribeStackEvents
  lists them newest first, DescribeStackResources/ListStackResources show each resource's
  current status.
* Create: ``CREATE_IN_PROGRESS`` -> ``CREATE_COMPLETE``. A failure -> ``ROLLBACK_IN_PROGRESS``
  ("The following resource(s) failed to create: [X]. Rollback requested by user."), every
  resource created so far deleted in reverse order (a custom resource that failed its
  Create included: it gets its Delete too, with the physical id it answered or the
  generated one: as reported, belodetek/cfn-generic-custom-resource#3) ->
  ``ROLLBACK_COMPLETE`` (or ``ROLLBACK_FAILED``). ``OnFailure``:
  ``ROLLBACK`` (default), ``DO_NOTHING`` (= ``DisableRollback``: ``CREATE_FAILED``, the
  resources stay), ``DELETE`` (rolled back, then the stack deleted); both given ->
  ``ValidationError`` (API reference, CreateStack).
* Update: ``UPDATE_IN_PROGRESS`` -> new resources created, changed ones updated (when its
  template or its resolved properties changed: a parameter's new value, a replaced
  resource's new id; a custom resource only when its resolved properties changed --
  unchanged -> no request) ->
  ``UPDATE_COMPLETE_CLEANUP_IN_PROGRESS``: removed resources and the old physical ids of
  replaced custom resources deleted -> ``UPDATE_COMPLETE``. A failure ->
  ``UPDATE_ROLLBACK_IN_PROGRESS``: updated resources updated back to their old properties
  (custom: an Update whose ``ResourceProperties`` are the old and ``OldResourceProperties``
  the new), replaced ones pointed back at their old physical id ->
  ``UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS``: new resources and replacements deleted
  -> ``UPDATE_ROLLBACK_COMPLETE`` (or ``UPDATE_ROLLBACK_FAILED``). (User guide, the Update
  request type: a different physical id is a replacement and the old resource gets a
  Delete; "if the stack update fails and a rollback occurs, the new physical resource id
  is sent in the Delete event", as custom-resource authors report it.)
* Delete: ``DELETE_IN_PROGRESS`` -> resources in reverse dependency order (``DeletionPolicy:
  Retain`` ones ``DELETE_SKIPPED`` and left in place) -> ``DELETE_COMPLETE``. A resource that
  fails -> ``DELETE_FAILED`` and the stack stays (DeleteStack may be called again). An
  export another stack imports -> ``DELETE_FAILED`` "Export X cannot be deleted as it is in
  use by Y" before anything is deleted.
* A busy stack refuses another operation: UpdateStack -> ``ValidationError: Stack:<id> is in
  <STATUS> state and can not be updated.``; DeleteStack during an update -> ``Stack [<name>]
  cannot be deleted while in status <STATUS>``; DeleteStack during a create is accepted and
  runs once the create has ended; DeleteStack of a stack being deleted does nothing.
* The stack's ``RoleARN`` is kept (``stack.role_arn``, DescribeStacks ``RoleARN``; an update
  without one keeps it) as the identity CloudFormation acts as; with IAM enforced each resource
  operation is authorised as that identity (``iam/stack_identity.py``).
* Outputs and exports are those of the last completed operation (none while the first
  create runs, none after a rollback).
"""

from __future__ import annotations

import copy
import re
import threading
import traceback
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import (
    AlreadyExistsException,
    ExportNotFound,
    ValidationError,
)
from moto.cloudformation.models import (
    CloudFormationBackend,
    Event,
    Stack,
    cloudformation_backends,
)
from moto.cloudformation.parsing import ResourceMap, clean_json, parse_and_update_resource
from moto.cloudformation.utils import generate_stack_id

from ..iam import stack_identity
from .custom_resources import CreateFailed, CustomResource, as_sent, is_custom_type
from .errors import OperationAbandoned, ResourceFailed
from .parameters import check_parameters
from .rules import check_change_set, check_rules

#: Statuses from which UpdateStack may start (user guide, "Stack status codes").
UPDATABLE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"}
def _retained(resource_json: dict[str, Any], undoing_create: bool) -> bool:
    """Whether ``DeletionPolicy`` keeps the resource (user guide, "DeletionPolicy
    attribute"): ``Retain`` always; ``RetainExceptOnCreate`` unless a rollback undoes the
    operation that created it."""
    policy = resource_json.get("DeletionPolicy")
    return policy == "Retain" or (policy == "RetainExceptOnCreate" and not undoing_create)

_LOCK = threading.RLock()


@dataclass
class ResourceState:
    """A stack resource as DescribeStackResources shows it."""

    logical_id: str
    resource_type: str
    status: str
    physical_id: str
    reason: str | None
    timestamp: datetime


# ---------------------------------------------------------------------------
# Dependency order
# ---------------------------------------------------------------------------

_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


def _references(node: Any, names: set[str], local: frozenset[str] = frozenset()) -> set[str]:
    """The resources of ``names`` that ``node`` refers to (Ref, GetAtt, Sub)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found |= {value} & names
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                found |= {target} & names
                if isinstance(value, list):
                    found |= _references(value[1:], names, local)
            elif key == "Fn::Sub":
                text, variables = (value[0], value[1]) if isinstance(value, list) else (value, {})
                for variable in _SUB_VARIABLE.findall(text if isinstance(text, str) else ""):
                    target = variable.split(".")[0]
                    if target not in variables:
                        found |= {target} & names
                found |= _references(variables, names, local)
            else:
                found |= _references(value, names, local)
    elif isinstance(node, list):
        for item in node:
            found |= _references(item, names, local)
    return found


def dependencies(resources: dict[str, Any]) -> dict[str, set[str]]:
    """Each resource's direct dependencies (references and ``DependsOn``)."""
    names = set(resources)
    result = {}
    for name, resource in resources.items():
        depends_on = resource.get("DependsOn") or []
        if isinstance(depends_on, str):
            depends_on = [depends_on]
        body = {k: v for k, v in resource.items() if k != "DependsOn"}
        result[name] = (_references(body, names) | set(depends_on)) - {name}
    return result


def creation_order(resources: dict[str, Any]) -> list[str]:
    """Template order, each resource after what it depends on; a cycle is a template error
    ("Circular dependency between resources: [...]", as CloudFormation words it)."""
    needs = dependencies(resources)
    for name, wanted in needs.items():
        missing = sorted(wanted - set(resources))
        if missing:
            raise ValidationError(
                message=f"Template format error: Unresolved resource dependencies {missing} "
                "in the Resources block of the template"
            )
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = path[path.index(name) :]
            raise ValidationError(
                message="Circular dependency between resources: " f"[{', '.join(sorted(cycle))}]"
            )
        state[name] = "visiting"
        for dependency in sorted(needs[name], key=list(resources).index):
            visit(dependency, [*path, name])
        state[name] = "done"
        order.append(name)

    for name in resources:
        visit(name, [])
    return order


# ---------------------------------------------------------------------------
# Events and resource states
# ---------------------------------------------------------------------------


def _states(stack: Stack) -> dict[str, ResourceState]:
    if not hasattr(stack, "resource_states"):
        stack.resource_states = {}
    return stack.resource_states  # type: ignore[no-any-return]


def _resource_event(
    stack: Stack,
    logical_id: str,
    resource_type: str,
    status: str,
    physical_id: str = "",
    reason: str | None = None,
) -> None:
    event = Event(
        stack_id=stack.stack_id,
        stack_name=stack.name,
        logical_resource_id=logical_id,
        physical_resource_id=physical_id,
        resource_type=resource_type,
        resource_status=status,
        resource_status_reason=reason,
        resource_properties=None,
    )
    event.sendToSns(stack.account_id, stack.region_name, stack.notification_arns)
    stack.events.append(event)
    _states(stack)[logical_id] = ResourceState(
        logical_id, resource_type, status, physical_id, reason, event.timestamp
    )


#: Statuses that keep the reason the rollback started with as StackStatusReason.
_KEEPS_REASON = {
    "ROLLBACK_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE",
}


def _stack_status(stack: Stack, status: str, reason: str | None = None) -> None:
    with _LOCK:
        stack.status = status
        if reason is not None or status not in _KEEPS_REASON:
            stack.status_reason = reason  # DescribeStacks StackStatusReason
        stack._add_stack_event(status, resource_status_reason=reason)
        if not status.endswith("_IN_PROGRESS"):
            # the next operation may start the moment a client sees this status
            stack.operation_running = False


def _physical_id(resource: Any) -> str:
    return str(getattr(resource, "physical_resource_id", "") or "")


def _error_reason(error: Exception) -> str:
    """A backend error as CloudFormation's resource handlers report it."""
    if isinstance(error, ResourceFailed):
        return error.reason
    code = getattr(error, "error_type", None) or getattr(error, "code", None)
    message = getattr(error, "message", None)
    if not message and isinstance(error, ValueError) and len(error.args) == 2:
        code, message = error.args  # moto's awslambda raises ValueError(code, message)
    message = message or str(error) or type(error).__name__
    if isinstance(code, str) and code and not message.startswith(code):
        return f'Resource handler returned message: "{message}" (HandlerErrorCode: {code})'
    return f'Resource handler returned message: "{message}"'


# ---------------------------------------------------------------------------
# One resource at a time
# ---------------------------------------------------------------------------


class _Run:
    """One stack operation, in its thread."""

    def __init__(self, stack: Stack, backend: CloudFormationBackend) -> None:
        self.stack = stack
        self.backend = backend
        self.map: ResourceMap = stack.resource_map

    def check_current(self) -> None:
        """Stops when the emulator was reset (the stack is no longer the backend's)."""
        current = cloudformation_backends[self.stack.account_id][self.stack.region_name]
        if current is not self.backend or self.stack.stack_id not in self.backend.stacks:
            raise OperationAbandoned()

    def json(self, logical_id: str) -> dict[str, Any]:
        return self.map._resource_json_map[logical_id]  # type: ignore[no-any-return]

    def wanted(self, logical_id: str) -> bool:
        condition = self.json(logical_id).get("Condition")
        return not condition or bool(self.map.lazy_condition_map[condition])

    def resolved(self, logical_id: str) -> Any:
        """The resource's properties as they resolve now (None when they cannot)."""
        try:
            return clean_json(copy.deepcopy(self.json(logical_id).get("Properties") or {}), self.map)
        except Exception:  # noqa: BLE001 -- compared only; the update reports the error
            return None

    def applied(self) -> dict[str, Any]:
        """The resolved properties each resource was last created or updated with."""
        if not hasattr(self.stack, "applied_properties"):
            self.stack.applied_properties = {}
        return self.stack.applied_properties  # type: ignore[no-any-return]

    def authorize(
        self, logical_id: str, resource_type: str, handler: str, old: Any, physical_id: str
    ) -> None:
        """With IAM enforced (issue #13): the stack's identity may do what the resource's
        ``handler`` calls, or invoke a custom resource's ``ServiceToken``
        (``iam/stack_identity.py``); ResourceFailed with CloudFormation's wording if not."""
        if not stack_identity.enforcing():
            return
        properties = old if handler == "delete" else self.resolved(logical_id)
        if is_custom_type(resource_type):
            token = str((properties or {}).get("ServiceToken") or "")
            reason = stack_identity.check_invoke(self.stack, token)
        else:
            reason = stack_identity.check_resource(
                self.stack, resource_type, handler, properties, old, physical_id
            )
        if reason:
            raise ResourceFailed(reason)

    def existing(self, logical_id: str) -> Any:
        resource = self.map._parsed_resources.get(logical_id)
        if resource is None or isinstance(resource, (str, dict, list)):
            return None
        return resource

    def create(self, logical_id: str) -> None:
        """Creates one resource with its events; ResourceFailed when it fails."""
        self.check_current()
        resource_type = self.json(logical_id)["Type"]
        _resource_event(self.stack, logical_id, resource_type, "CREATE_IN_PROGRESS")
        _resource_event(
            self.stack,
            logical_id,
            resource_type,
            "CREATE_IN_PROGRESS",
            reason="Resource creation Initiated",
        )
        try:
            self.authorize(logical_id, resource_type, "create", None, "")
            resource = self.map[logical_id]
        except CreateFailed as failed:
            self.map._parsed_resources[logical_id] = failed.resource
            failed.resource.cf_resource_type = resource_type
            failed.resource.logical_resource_id = logical_id
            _resource_event(
                self.stack, logical_id, resource_type, "CREATE_FAILED",
                failed.resource.physical_id, failed.reason,
            )
            raise
        except OperationAbandoned:
            raise
        except Exception as error:  # noqa: BLE001 -- any handler error fails the resource
            reason = _error_reason(error)
            _resource_event(self.stack, logical_id, resource_type, "CREATE_FAILED", "", reason)
            raise ResourceFailed(reason) from error
        self.check_current()
        self.applied()[logical_id] = self.resolved(logical_id)
        _resource_event(
            self.stack, logical_id, resource_type, "CREATE_COMPLETE", _physical_id(resource)
        )

    def delete(
        self,
        logical_id: str,
        resource: Any,
        resource_json: dict[str, Any],
        replaced: bool = False,
        undoing_create: bool = False,
    ) -> bool:
        """Deletes one resource with its events; False when it failed. ``replaced``: the
        physical resource an update replaced -- the logical resource keeps its state;
        ``undoing_create``: a rollback deletes what its operation created."""
        if replaced:
            kept = _states(self.stack).get(logical_id)
            try:
                return self.delete(logical_id, resource, resource_json)
            finally:
                if kept is not None:
                    _states(self.stack)[logical_id] = kept
        self.check_current()
        resource_type = resource_json["Type"]
        physical_id = _physical_id(resource)
        if _retained(resource_json, undoing_create):
            _resource_event(self.stack, logical_id, resource_type, "DELETE_SKIPPED", physical_id)
            return True
        _resource_event(self.stack, logical_id, resource_type, "DELETE_IN_PROGRESS", physical_id)
        if resource is not None:
            try:
                self.authorize(
                    logical_id, resource_type, "delete", self.applied().get(logical_id),
                    physical_id,
                )
                self.map._delete_resource(resource, resource_json)
            except OperationAbandoned:
                raise
            except Exception as error:  # noqa: BLE001 -- reported on the resource
                _resource_event(
                    self.stack, logical_id, resource_type, "DELETE_FAILED", physical_id,
                    _error_reason(error),
                )
                return False
        self.check_current()
        _resource_event(self.stack, logical_id, resource_type, "DELETE_COMPLETE", physical_id)
        return True

    def delete_all(self, logical_ids: list[str], undoing_create: bool = False) -> list[str]:
        """Deletes ``logical_ids`` (already in deletion order); the ones that failed. What a
        failed resource depends on is kept (it is still in use)."""
        failed: list[str] = []
        kept: set[str] = set()
        needs = dependencies(self.map._resource_json_map)
        for logical_id in logical_ids:
            if logical_id in kept:
                continue
            resource = self.existing(logical_id)
            if not self.delete(logical_id, resource, self.json(logical_id), False, undoing_create):
                failed.append(logical_id)
                kept |= _closure(needs, logical_id)
                continue
            self.map._parsed_resources.pop(logical_id, None)
        return failed

    def snapshot_outputs(self) -> None:
        """Outputs and exports as they are now that the operation completed."""
        self.stack.output_map = self.stack._create_output_map()
        try:
            self.stack.exports_now = _moto_exports.fget(self.stack)  # type: ignore[union-attr]
            self.stack.outputs_now = self.masked(_moto_outputs.fget(self.stack))  # type: ignore[union-attr]
        except ResourceFailed:
            raise
        except Exception as error:  # noqa: BLE001 -- an output that cannot be resolved
            raise ResourceFailed(_error_reason(error)) from error

    def masked(self, outputs: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        """Outputs that read a custom resource whose answer said ``NoEcho: true`` show
        ``*****`` (user guide, "Custom resource response objects": NoEcho masks the values
        retrieved with ``Fn::GetAtt``)."""
        secret = {
            name
            for name, resource in self.map._parsed_resources.items()
            if isinstance(resource, CustomResource) and resource.no_echo
        }
        if not outputs or not secret:
            return outputs
        declared = self.stack.template_dict.get("Outputs") or {}
        names = set(self.map._resource_json_map)
        for output in outputs:
            value = (declared.get(output["OutputKey"]) or {}).get("Value")
            if _getatt_targets(value, names) & secret:
                output["OutputValue"] = "*****"
        return outputs

    def publish_exports(self) -> None:
        """Replaces this stack's exports in the backend. A name another stack exports fails;
        so does removing or changing an export another stack imports ("Export X cannot be
        deleted/updated as it is in use by Y", as reported: serverless/serverless#3589,
        linz/geostore#630)."""
        before = {
            name: export.value
            for name, export in self.backend.exports.items()
            if export.exporting_stack_id == self.stack.stack_id
        }
        after = {export.name: export.value for export in self.stack.exports_now}
        for name, importer in _imported_by(self.backend, self.stack, set(before)):
            if name not in after:
                raise ResourceFailed(f"Export {name} cannot be deleted as it is in use by {importer}")
            if after[name] != before[name]:
                raise ResourceFailed(f"Export {name} cannot be updated as it is in use by {importer}")
        for export in self.stack.exports_now:
            other = self.backend.exports.get(export.name)
            if other is not None and other.exporting_stack_id != self.stack.stack_id:
                owner = self.backend.stacks.get(other.exporting_stack_id)
                raise ResourceFailed(
                    f"Export with name {export.name} is already exported by stack "
                    f"{owner.name if owner else other.exporting_stack_id}"
                )
        self.withdraw_exports()
        for export in self.stack.exports_now:
            self.backend.exports[export.name] = export

    def withdraw_exports(self) -> None:
        for name in [
            n for n, e in self.backend.exports.items() if e.exporting_stack_id == self.stack.stack_id
        ]:
            del self.backend.exports[name]


def _getatt_targets(node: Any, names: set[str]) -> set[str]:
    """The resources whose attributes ``node`` reads (``Fn::GetAtt``, ``${X.Attr}``)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Fn::GetAtt":
                found |= {value[0] if isinstance(value, list) else str(value).split(".")[0]} & names
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                for variable in _SUB_VARIABLE.findall(text if isinstance(text, str) else ""):
                    if "." in variable:
                        found |= {variable.split(".")[0]} & names
                found |= _getatt_targets(value, names)
            else:
                found |= _getatt_targets(value, names)
    elif isinstance(node, list):
        for item in node:
            found |= _getatt_targets(item, names)
    return found


def _closure(needs: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(needs.get(start, ()))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(needs.get(name, ()))
    return seen


_moto_outputs = Stack.outputs
_moto_exports = Stack.exports


def _outputs(self: Stack) -> list[dict[str, Any]] | None:
    return getattr(self, "outputs_now", None)


def _exports(self: Stack) -> list[Any]:
    return getattr(self, "exports_now", [])


def _stack_resources(self: Stack) -> list[Any]:
    """The resources that exist (moto's map would create the others when read)."""
    rm = self.resource_map
    return [
        resource
        for name, resource in rm._parsed_resources.items()
        if name in rm._resource_json_map and hasattr(resource, "logical_resource_id")
    ]


def _reason_list(logical_ids: list[str]) -> str:
    return f"[{', '.join(logical_ids)}]"


# ---------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------


#: Where an operation that broke in the emulator leaves the stack.
_FAILED = {
    "CREATE_IN_PROGRESS": "CREATE_FAILED",
    "ROLLBACK_IN_PROGRESS": "ROLLBACK_FAILED",
    "DELETE_IN_PROGRESS": "DELETE_FAILED",
    "UPDATE_IN_PROGRESS": "UPDATE_ROLLBACK_FAILED",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_IN_PROGRESS": "UPDATE_ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": "UPDATE_ROLLBACK_COMPLETE",
}


def _start(stack: Stack, target: Any, *args: Any) -> None:
    def run() -> None:
        try:
            target(*args)
        except OperationAbandoned:
            pass
        except Exception as error:  # noqa: BLE001 -- never leave a stack in progress
            traceback.print_exc()
            _stack_status(stack, _FAILED.get(stack.status, stack.status), f"Internal failure: {error}")
        finally:
            with _LOCK:
                queued = getattr(stack, "delete_queued", False)
                stack.delete_queued = False
            if queued:
                backend = cloudformation_backends[stack.account_id][stack.region_name]
                if stack.stack_id in backend.stacks:
                    try:
                        backend.delete_stack(stack.stack_id)
                    except ValidationError:
                        pass  # another operation started in between: it refuses the delete

    stack.operation_running = True  # until the operation's final status (_stack_status)
    threading.Thread(target=run, name=f"cloudformation-{stack.name}", daemon=True).start()


def _run_create(run: _Run, on_failure: str) -> None:
    stack = run.stack
    created: list[str] = []
    try:
        for logical_id in creation_order(run.map._resource_json_map):
            if not run.wanted(logical_id):
                continue
            created.append(logical_id)
            run.create(logical_id)
        run.check_current()
        run.snapshot_outputs()
        run.publish_exports()
    except ResourceFailed as failed:
        _fail_create(run, created, failed, on_failure)
        return
    _stack_status(stack, "CREATE_COMPLETE")


def _fail_create(run: _Run, created: list[str], failed: ResourceFailed, on_failure: str) -> None:
    stack = run.stack
    stack.outputs_now, stack.exports_now = None, []
    failed_ids = [
        s.logical_id for s in _states(stack).values() if s.status == "CREATE_FAILED"
    ]
    cause = (
        f"The following resource(s) failed to create: {_reason_list(failed_ids)}. "
        if failed_ids
        else f"{failed.reason}. "
    )  # an output's or export's failure names no resource
    if on_failure == "DO_NOTHING":
        _stack_status(stack, "CREATE_FAILED", cause)
        return
    if on_failure == "DELETE":
        _stack_status(stack, "DELETE_IN_PROGRESS", cause + "Delete requested by user.")
    else:
        _stack_status(stack, "ROLLBACK_IN_PROGRESS", cause + "Rollback requested by user.")
    left = run.delete_all(list(reversed(created)), undoing_create=True)
    if left:
        status = "DELETE_FAILED" if on_failure == "DELETE" else "ROLLBACK_FAILED"
        _stack_status(
            stack, status, f"The following resource(s) failed to delete: {_reason_list(left)}. "
        )
        return
    if on_failure == "DELETE":
        _finish_delete(run)
        return
    _stack_status(stack, "ROLLBACK_COMPLETE")


def _finish_delete(run: _Run) -> None:
    stack, backend = run.stack, run.backend
    run.withdraw_exports()
    stack.outputs_now, stack.exports_now = None, []
    _stack_status(stack, "DELETE_COMPLETE")
    backend.stacks.pop(stack.stack_id, None)
    backend.deleted_stacks[stack.stack_id] = stack


def _imported_by(
    backend: CloudFormationBackend, stack: Stack, names: set[str]
) -> list[tuple[str, str]]:
    """(export name, importing stack name) for the exports ``names`` other stacks import."""
    found = []
    for other in list(backend.stacks.values()):
        if other is stack or other.status in ("ROLLBACK_COMPLETE", "CREATE_FAILED"):
            continue  # a stack whose create failed imports nothing
        for node in _import_nodes(other.template_dict.get("Resources", {})) + _import_nodes(
            other.template_dict.get("Outputs", {})
        ):
            try:
                name = clean_json(copy.deepcopy(node), other.resource_map)
            except Exception:  # noqa: BLE001 -- a name we cannot resolve names nothing here
                continue
            if name in names:
                found.append((name, other.name))
    return found


def _import_nodes(node: Any) -> list[Any]:
    if isinstance(node, dict):
        found = [node["Fn::ImportValue"]] if "Fn::ImportValue" in node else []
        for value in node.values():
            found += _import_nodes(value)
        return found
    if isinstance(node, list):
        return [n for item in node for n in _import_nodes(item)]
    return []


def _run_delete(run: _Run) -> None:
    stack = run.stack
    in_use = _imported_by(run.backend, stack, {e.name for e in stack.exports})
    if in_use:
        name, importer = in_use[0]
        _stack_status(
            stack, "DELETE_FAILED", f"Export {name} cannot be deleted as it is in use by {importer}"
        )
        return
    order = [
        name
        for name in reversed(creation_order(run.map._resource_json_map))
        if name in _states(stack) or run.existing(name) is not None
    ]
    left = run.delete_all(order)
    if left:
        _stack_status(
            stack, "DELETE_FAILED",
            f"The following resource(s) failed to delete: {_reason_list(left)}. ",
        )
        return
    _finish_delete(run)


@dataclass
class _Before:
    """What a stack was before an update (restored by its rollback)."""

    template: Any
    template_dict: dict[str, Any]
    map_template: dict[str, Any]
    resource_json_map: dict[str, Any]
    parsed: dict[str, Any]
    input_parameters: dict[str, Any]
    resolved_parameters: dict[str, Any]
    no_echo: list[str]
    parameters: dict[str, Any]

    @classmethod
    def of(cls, stack: Stack) -> _Before:
        rm = stack.resource_map
        return cls(
            template=stack.template,
            template_dict=stack.template_dict,
            map_template=rm._template,
            resource_json_map=rm._resource_json_map,
            parsed=dict(rm._parsed_resources),
            input_parameters=dict(rm.input_parameters),
            resolved_parameters=dict(rm.resolved_parameters),
            no_echo=list(getattr(rm, "no_echo_parameter_keys", [])),
            parameters=dict(stack.parameters),
        )

    def restore_template(self, stack: Stack) -> None:
        rm = stack.resource_map
        stack.template, stack.template_dict = self.template, self.template_dict
        stack.parameters = self.parameters
        rm._template = self.map_template
        rm._resource_json_map = self.resource_json_map
        rm.input_parameters = self.input_parameters
        rm.resolved_parameters = dict(self.resolved_parameters)
        rm.no_echo_parameter_keys = list(self.no_echo)
        for name, value in self.parsed.items():  # parameters, mappings, pseudo parameters
            if name not in self.resource_json_map:
                rm._parsed_resources[name] = value
        rm.load_conditions()


def _load_template(stack: Stack, template: str, parameters: dict[str, Any]) -> None:
    """The new template and parameters into the stack's map (raises template errors)."""
    stack.template = template
    stack._parse_template()
    rm = stack.resource_map
    rm._template = stack.template_dict
    rm.input_parameters = parameters
    rm.resolved_parameters = {}
    rm.load_mapping()
    rm.load_parameters()
    rm.load_conditions()
    rm.validate_outputs()
    rm._resource_json_map = stack.template_dict.get("Resources", {})
    stack.parameters = parameters


def _without_empty_properties(resource_json: Any) -> Any:
    if isinstance(resource_json, dict) and resource_json.get("Properties") in ({}, None):
        return {k: v for k, v in resource_json.items() if k != "Properties"}
    return resource_json


def _really_modified(names: list[str], old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """moto's diff counts a resource without ``Properties`` as modified once moto has given
    its stored template an empty ``Properties`` (so an unchanged ``AWS::SNS::Topic`` was
    replaced, under a new name, on every update). A resource is modified when its template
    changed: absent and empty ``Properties`` are the same template."""
    return [
        name for name in names
        if _without_empty_properties(old.get(name)) != _without_empty_properties(new.get(name))
    ]


def _run_update(run: _Run, before: _Before, actions: dict[str, list[str]]) -> None:
    stack = run.stack
    #: (logical id, the resource before, the custom properties sent) of each resource an
    #: update was sent to (in place or replaced)
    updated: list[tuple[str, Any, Any]] = []
    added: list[str] = []
    replaced: list[tuple[str, Any]] = []
    current: str | None = None
    try:
        for logical_id in creation_order(run.map._resource_json_map):
            if not run.wanted(logical_id):
                continue
            current = logical_id
            old = before.parsed.get(logical_id) if logical_id in before.resource_json_map else None
            if old is None or isinstance(old, (str, dict, list)):
                added.append(logical_id)
                run.create(logical_id)
                continue
            resource_json = run.json(logical_id)
            resource_type = resource_json["Type"]
            if is_custom_type(resource_type):
                properties = as_sent(
                    clean_json(copy.deepcopy(resource_json.get("Properties") or {}), run.map)
                )
                if properties == old.properties:
                    continue
                if properties.get("ServiceToken") == old.properties.get("ServiceToken"):
                    # the request is sent: the rollback sends the old properties back
                    updated.append((logical_id, old, properties))
                change = lambda: old.updated_to(properties)  # noqa: E731
            elif (
                logical_id in actions["Modify"]
                or run.resolved(logical_id) != run.applied().get(logical_id)
            ):
                # its template changed, or what it references resolves to something new
                # (a replaced resource's new id, a parameter's new value)
                updated.append((logical_id, old, None))
                change = lambda: parse_and_update_resource(  # noqa: E731
                    logical_id, resource_json, run.map, run.map._account_id, run.map._region_name
                )
            else:
                continue
            new = _update_one(run, logical_id, resource_type, _physical_id(old), change)
            if is_custom_type(resource_type) and new.physical_id != old.physical_id:
                replaced.append((logical_id, old))
        current = None
        run.check_current()
        run.snapshot_outputs()
        run.publish_exports()
    except ResourceFailed as failed:
        _roll_back_update(run, before, updated, added, replaced, current, failed)
        return
    _stack_status(stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    for logical_id, old in reversed(replaced):
        run.delete(logical_id, old, before.resource_json_map[logical_id], replaced=True)
    removed = [
        name
        for name in reversed(creation_order(before.resource_json_map))
        if (name not in run.map._resource_json_map or not run.wanted(name))
        and before.parsed.get(name) is not None
        and not isinstance(before.parsed.get(name), (str, dict, list))
    ]
    for logical_id in removed:
        if run.delete(logical_id, before.parsed[logical_id], before.resource_json_map[logical_id]):
            run.map._parsed_resources.pop(logical_id, None)
            _states(stack).pop(logical_id, None)
    _stack_status(stack, "UPDATE_COMPLETE")


def _update_one(run: _Run, logical_id: str, resource_type: str, physical_id: str, change: Any) -> Any:
    run.check_current()
    _resource_event(run.stack, logical_id, resource_type, "UPDATE_IN_PROGRESS", physical_id)
    try:
        run.authorize(
            logical_id, resource_type, "update", run.applied().get(logical_id), physical_id
        )
        new = change()
    except OperationAbandoned:
        raise
    except Exception as error:  # noqa: BLE001 -- any handler error fails the resource
        reason = _error_reason(error)
        _resource_event(run.stack, logical_id, resource_type, "UPDATE_FAILED", physical_id, reason)
        raise ResourceFailed(reason) from error
    if new is not None:
        new.cf_resource_type = resource_type
        new.logical_resource_id = logical_id
        run.map._parsed_resources[logical_id] = new
    run.applied()[logical_id] = run.resolved(logical_id)
    run.check_current()
    _resource_event(
        run.stack, logical_id, resource_type, "UPDATE_COMPLETE", _physical_id(new) or physical_id
    )
    return new


def _roll_back_update(
    run: _Run,
    before: _Before,
    updated: list[tuple[str, Any, Any]],
    added: list[str],
    replaced: list[tuple[str, Any]],
    failed_id: str | None,
    failed: ResourceFailed,
) -> None:
    stack = run.stack
    new_template_json = run.map._resource_json_map
    state = _states(stack).get(failed_id or "")
    verb = "create" if state is not None and state.status == "CREATE_FAILED" else "update"
    cause = (
        f"The following resource(s) failed to {verb}: [{failed_id}]. "
        if failed_id
        else failed.reason
    )
    _stack_status(stack, "UPDATE_ROLLBACK_IN_PROGRESS", cause)
    replaced_ids = {logical_id for logical_id, _ in replaced}
    replacements = {
        logical_id: run.map._parsed_resources.get(logical_id) for logical_id in replaced_ids
    }
    before.restore_template(stack)
    try:
        for logical_id, old, sent in reversed(updated):
            resource_type = before.resource_json_map[logical_id]["Type"]
            if logical_id in replaced_ids:
                # the old resource still exists: the stack points back at it
                run.map._parsed_resources[logical_id] = old
                _resource_event(
                    stack, logical_id, resource_type, "UPDATE_COMPLETE", _physical_id(old)
                )
                continue
            now = run.map._parsed_resources.get(logical_id)
            if is_custom_type(resource_type):
                # what the resource was last sent (the failed update's properties included)
                if now is old:
                    now = old.with_properties(sent)
                change = lambda now=now, old=old: now.updated_to(old.properties)  # noqa: E731
            else:
                resource_json = before.resource_json_map[logical_id]
                change = lambda logical_id=logical_id, resource_json=resource_json: (  # noqa: E731
                    parse_and_update_resource(
                        logical_id, resource_json, run.map,
                        run.map._account_id, run.map._region_name,
                    )
                )
            _update_one(run, logical_id, resource_type, _physical_id(now or old), change)
    except ResourceFailed as rollback_failed:
        _stack_status(stack, "UPDATE_ROLLBACK_FAILED", rollback_failed.reason)
        return
    _stack_status(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    for logical_id, _old in reversed(replaced):
        replacement = replacements.get(logical_id)
        if replacement is not None:
            run.delete(logical_id, replacement, new_template_json[logical_id], replaced=True)
    for logical_id in reversed(added):
        resource = run.map._parsed_resources.get(logical_id)
        run.delete(
            logical_id,
            resource if hasattr(resource, "logical_resource_id") else None,
            new_template_json[logical_id],
            undoing_create=True,
        )
        run.map._parsed_resources.pop(logical_id, None)
        _states(stack).pop(logical_id, None)
    run.snapshot_outputs()
    _stack_status(stack, "UPDATE_ROLLBACK_COMPLETE")


# ---------------------------------------------------------------------------
# The backend's operations, answered at once
# ---------------------------------------------------------------------------


def _check_imports(stack: Stack, exports: dict[str, Any]) -> None:
    """An import whose name resolves without resources must name an export (CreateStack
    answers ``No export named X found.``, as CloudFormation does)."""
    names = set(stack.template_dict.get("Resources", {}))
    for node in _import_nodes(stack.template_dict.get("Resources", {})) + _import_nodes(
        stack.template_dict.get("Outputs", {})
    ):
        if _references(node, names):
            continue
        name = clean_json(copy.deepcopy(node), stack.resource_map)
        if name not in exports:
            raise ExportNotFound(name)


def create_stack(
    self: CloudFormationBackend,
    name: str,
    template: str,
    parameters: dict[str, Any],
    notification_arns: list[str] | None = None,
    tags: dict[str, str] | None = None,
    role_arn: str | None = None,
    enable_termination_protection: bool | None = False,
    timeout_in_mins: int | None = None,
    stack_policy_body: str | None = None,
    on_failure: str | None = None,
    disable_rollback: bool | None = None,
) -> Stack:
    """CreateStack: the stack in ``CREATE_IN_PROGRESS``, its resources created in the
    background."""
    if on_failure and disable_rollback is not None:
        raise ValidationError(
            message="You can specify either DisableRollback or OnFailure, but not both."
        )
    if disable_rollback:
        on_failure = "DO_NOTHING"
    with _LOCK:
        if name in [stack.name for stack in self.stacks.values()]:
            raise AlreadyExistsException(f"Stack [{name}] already exists")
        check_parameters(
            Stack.parse_template(template), parameters,
            account_id=self.account_id, region=self.region_name,
        )
        stack = Stack(
            stack_id=generate_stack_id(name, self.region_name, self.account_id),
            name=name,
            template=template,
            parameters=parameters,
            account_id=self.account_id,
            region_name=self.region_name,
            notification_arns=notification_arns,
            tags=tags,
            role_arn=role_arn,
            cross_stack_resources=self.exports,
            enable_termination_protection=enable_termination_protection,
            timeout_in_mins=timeout_in_mins,
            stack_policy_body=stack_policy_body,
        )
        resources = stack.template_dict.get("Resources", {})
        creation_order(resources)
        check_rules(stack.template_dict, stack.resource_map)  # the template's Rules (rules.py)
        _check_imports(stack, self.exports)
        stack.disable_rollback = on_failure == "DO_NOTHING"
        rm = stack.resource_map
        rm._template = stack.template_dict
        rm._resource_json_map = resources
        rm.tags.update(
            {"aws:cloudformation:stack-name": name, "aws:cloudformation:stack-id": stack.stack_id}
        )
        self.stacks[stack.stack_id] = stack
        stack_identity.remember_caller(stack)
        _stack_status(stack, "CREATE_IN_PROGRESS", "User Initiated")
        _start(stack, _run_create, _Run(stack, self), on_failure or "ROLLBACK")
    return stack


def _update_parameters(stack: Stack, incoming: list[dict[str, Any]]) -> dict[str, Any]:
    """The parameters an update passes; ``UsePreviousValue`` takes the value the stack has
    (given, or its default then)."""
    declared = stack.template_dict.get("Parameters") or {}
    result = {}
    for parameter in incoming:
        key = parameter["ParameterKey"]
        if "ParameterValue" in parameter:
            result[key] = parameter["ParameterValue"]
        elif parameter.get("UsePreviousValue"):
            previous = stack.parameters.get(key, (declared.get(key) or {}).get("Default"))
            if previous is not None:
                result[key] = previous
    return result


def update_stack(
    self: CloudFormationBackend,
    name: str,
    template: str,
    role_arn: str | None,
    parameters: list[dict[str, Any]],
    tags: dict[str, str] | None,
) -> Stack:
    """UpdateStack: ``UPDATE_IN_PROGRESS``, the changes made in the background."""
    with _LOCK:
        stack = self.get_stack(name)
        if stack.status not in UPDATABLE or getattr(stack, "operation_running", False):
            raise ValidationError(
                stack.stack_id,
                message=f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.",
            )
        resolved = _update_parameters(stack, parameters)
        new_template = Stack.parse_template(template)
        old_types = {k: v.get("Type") for k, v in stack.template_dict.get("Resources", {}).items()}
        changed_types = sorted(
            k
            for k, v in new_template.get("Resources", {}).items()
            if k in old_types and old_types[k] != v.get("Type")
        )
        if changed_types:
            raise ValidationError(
                stack.stack_id,
                message="Update of resource type is not permitted. The new template modifies "
                f"resource type of the following resources: [{', '.join(changed_types)}]",
            )
        creation_order(new_template.get("Resources", {}))
        check_parameters(
            new_template, resolved, account_id=stack.account_id, region=stack.region_name
        )
        before = _Before.of(stack)
        actions = stack.resource_map.build_resource_diff(new_template, resolved)
        actions["Modify"] = _really_modified(
            actions["Modify"], stack.resource_map._resource_json_map, new_template["Resources"]
        )
        try:
            _load_template(stack, template, resolved)
            check_rules(stack.template_dict, stack.resource_map)  # the template's Rules (rules.py)
            _check_imports(stack, self.exports)
        except Exception:
            before.restore_template(stack)
            raise
        if role_arn:
            stack.role_arn = role_arn
        if tags is not None:
            stack.tags = tags
        stack_identity.remember_caller(stack)
        _stack_status(stack, "UPDATE_IN_PROGRESS", "User Initiated")
        _start(stack, _run_update, _Run(stack, self), before, actions)
    return stack


def delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
    """DeleteStack: ``DELETE_IN_PROGRESS``, the resources deleted in the background."""
    with _LOCK:
        stack = self.stacks.get(name_or_stack_id) or next(
            (s for s in self.stacks.values() if s.name == name_or_stack_id), None
        )
        if stack is None:
            return  # CloudFormation answers a delete of an unknown stack with success
        if stack.status == "DELETE_IN_PROGRESS":
            return
        if getattr(stack, "operation_running", False):
            if stack.status == "CREATE_IN_PROGRESS":
                stack.delete_queued = True
                return
            raise ValidationError(
                stack.stack_id,
                message=f"Stack [{stack.name}] cannot be deleted while in status {stack.status}",
            )
        stack_identity.remember_caller(stack)
        _stack_status(stack, "DELETE_IN_PROGRESS", "User Initiated")
        _start(stack, _run_delete, _Run(stack, self))


_moto_create_change_set = CloudFormationBackend.create_change_set


def create_change_set(
    self: CloudFormationBackend,
    stack_name: str,
    change_set_name: str,
    template: str,
    parameters: dict[str, str],
    description: str,
    change_set_type: str,
    notification_arns: list[str] | None = None,
    tags: dict[str, str] | None = None,
    role_arn: str | None = None,
) -> tuple[str, str]:
    """CreateChangeSet stays moto's, once the template's Rules hold for its parameters
    (``rules.check_change_set``): a refused rule creates neither the change set nor, for a
    ``CREATE`` change set, its ``REVIEW_IN_PROGRESS`` stack."""
    check_change_set(self, stack_name, template, parameters)
    return _moto_create_change_set(  # type: ignore[no-any-return]
        self, stack_name, change_set_name, template, parameters, description,
        change_set_type, notification_arns, tags, role_arn,
    )


_moto_execute_change_set = CloudFormationBackend.execute_change_set


def execute_change_set(
    self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None
) -> None:
    """ExecuteChangeSet stays moto's (synchronous, no events per resource); its stack's
    outputs and exports are taken once it ran (the properties are snapshots here)."""
    _moto_execute_change_set(self, change_set_name, stack_name)
    change_set = self.change_sets.get(change_set_name) or next(
        (c for c in self.change_sets.values() if c.change_set_name == change_set_name), None
    )
    if change_set is not None and change_set.stack_id in self.stacks:
        run = _Run(self.stacks[change_set.stack_id], self)
        run.stack._parse_template()
        run.snapshot_outputs()
        run.publish_exports()


def describe_stack_resources(stack: Stack, logical_id: str | None = None) -> list[ResourceState]:
    """The stack's resources and their current status (for the responses)."""
    return [
        state
        for state in _states(stack).values()
        if logical_id is None or state.logical_id == logical_id
    ]


_moto_resource_class_from_type = parsing.resource_class_from_type


def _resource_class_from_type(resource_type: str) -> Any:
    if is_custom_type(resource_type):
        return CustomResource
    return _moto_resource_class_from_type(resource_type)


def install() -> None:
    """Patches moto's CloudFormation (called once, at import of the package)."""
    parsing.resource_class_from_type = _resource_class_from_type
    Stack.outputs = property(_outputs)  # type: ignore[method-assign,assignment]
    Stack.exports = property(_exports)  # type: ignore[method-assign,assignment]
    Stack.stack_resources = property(_stack_resources)  # type: ignore[method-assign,assignment]
    CloudFormationBackend.create_stack = create_stack  # type: ignore[method-assign,assignment]
    CloudFormationBackend.update_stack = update_stack  # type: ignore[method-assign]
    CloudFormationBackend.delete_stack = delete_stack  # type: ignore[method-assign]
    CloudFormationBackend.create_change_set = create_change_set  # type: ignore[method-assign]
    CloudFormationBackend.execute_change_set = execute_change_set  # type: ignore[method-assign]


__all__ = ["ResourceState", "creation_order", "describe_stack_resources", "install"]
