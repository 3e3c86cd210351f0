"""The exercised-grants sink: which template statement allowed each call (issue #13, the
least-privilege report).

When the directory setting is on -- the environment variable :data:`ENV_VAR`
(``STUDIO_EMULATOR_EXERCISED_DIR``) when the emulator starts, or ``POST /_studio_emulator/config
{"iam_exercised_dir": "<dir>"}`` (``null`` switches it off; the reset goes back to the
environment's value) -- every ALLOWED decision of a principal other than the account root, made
for an HTTP request or in-process (CloudFormation under a stack's role, Service Catalog under a
launch role, Scheduler under a schedule's role, a function URL's caller: every decision goes
through ``IamState.record``), is appended as one JSON line to ``<dir>/exercised-<pid>.jsonl``
(a request refused for one of its authorisations -- ``iam:PassRole`` of a CreateFunction, say --
writes none of them)::

    {"action": "sagemaker:CreateDomain", "service": "sagemaker", "operation": "CreateDomain",
     "via": null, "principal": "arn:aws:sts::123456789012:assumed-role/R/S",
     "role": "arn:aws:iam::123456789012:role/R",
     "grants": [{"policy": "role/R/inline/studio-domain", "policy_name": "studio-domain",
                 "sid": "CreateOnlyDomainsTaggedAsManaged", "index": 1,
                 "origin": {"template": "<Description>", "stack": "core",
                            "logical_id": "StudioDomainFunctionRole",
                            "resource_type": "AWS::IAM::Role",
                            "policy_logical_id": null}}]}

Only identity-policy grants are kept (a permissions boundary or a resource policy grants nothing
the templates' roles are reviewed for). A grant's ``origin`` is the CloudFormation stack resource
whose physical resource is the granting policy's holder: the ``AWS::IAM::Role`` whose name the
inline policy sits on (``policy_logical_id``: the ``AWS::IAM::Policy`` resource that put it there,
when moto still holds it), or the ``AWS::IAM::ManagedPolicy`` whose ARN granted it (the data
scientists' policy attached to a role or user no template owns). ``template`` is the stack's
template ``Description`` -- a stable identity of the template file, which the deploy tool's
package step rewrites only in parameter defaults. Stacks being or already deleted are resolved
too (moto keeps deleted stacks; the emulator keeps each resource's last state). A grant nothing
created through CloudFormation has ``origin: null``.

Resolutions are cached per role and managed policy (keyed with IAM's unique id, so a name reused
by a later role never hits an old entry); the cache is cleared by the emulator's reset.
``tests/aws-emulator/least_privilege.py`` reads the files.
"""

from __future__ import annotations

import json
import os
import re
import threading
from typing import Any

from ..core import ServiceExtension, Setting, register

ENV_VAR = "STUDIO_EMULATOR_EXERCISED_DIR"
_LOCK = threading.Lock()
_INLINE = re.compile(r"^role/(?P<role>[^/]+)/inline/(?P<policy>.+)$")
_SESSION = re.compile(r"^arn:[^:]+:sts::(?P<account>\d{12}):assumed-role/(?P<role>[^/]+)/")


class _Sink:
    def __init__(self) -> None:
        self.directory: str | None = os.environ.get(ENV_VAR) or None
        self._handle: Any = None
        self._handle_path: str | None = None
        self._origins: dict[tuple[str, str], dict[str, Any] | None] = {}

    # -- the setting -------------------------------------------------------------------------
    def get(self) -> str | None:
        return self.directory

    def set(self, value: Any) -> None:
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError("'iam_exercised_dir' must be a directory path or null")
        with _LOCK:
            self.directory = value
            self._close()

    def reset(self) -> None:
        with _LOCK:
            self.directory = os.environ.get(ENV_VAR) or None
            self._origins.clear()
            self._close()

    def _close(self) -> None:
        if self._handle is not None:
            try:
                self._handle.close()
            except OSError:
                pass
        self._handle = None
        self._handle_path = None

    # -- writing -------------------------------------------------------------------------------
    def write(self, entries: list[dict[str, Any]]) -> None:
        if self.directory is None:
            return
        if any(entry.get("result") != "Allowed" for entry in entries):
            # One request's authorisations come together: when one was refused the call was,
            # and the grants that allowed the others were not what a successful call used.
            return
        lines = []
        for entry in entries:
            record = self._record(entry)
            if record is not None:
                lines.append(json.dumps(record, sort_keys=True) + "\n")
        if not lines:
            return
        with _LOCK:
            if self.directory is None:
                return
            path = os.path.join(self.directory, f"exercised-{os.getpid()}.jsonl")
            if self._handle_path != path:
                self._close()
                os.makedirs(self.directory, exist_ok=True)
                self._handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 -- kept open
                self._handle_path = path
            self._handle.write("".join(lines))
            # flushed per decision: the emulator may be killed when its test ends
            self._handle.flush()

    def _record(self, entry: dict[str, Any]) -> dict[str, Any] | None:
        if entry.get("result") != "Allowed" or not entry.get("action"):
            return None
        statement = entry.get("statement") or {}
        if statement.get("policy_type") == "root":
            return None
        principal = str(entry.get("principal") or "")
        grants = [g for g in entry.get("grants") or [] if g.get("policyType") == "identity"]
        if not grants:
            return None
        account, role = _session_role(principal)
        resolved = []
        for grant in grants:
            identifier = str(grant.get("policyIdentifier") or "")
            resolved.append({
                "policy": identifier,
                "policy_name": _policy_name(identifier),
                "sid": grant.get("statementId"),
                "index": grant.get("statementIndex"),
                "origin": self._origin(identifier, account),
            })
        return {
            "action": entry["action"],
            "service": entry.get("service"),
            "operation": entry.get("operation"),
            "via": entry.get("via"),
            "principal": principal,
            "role": role.arn if role is not None else None,
            "grants": resolved,
        }

    # -- origins ---------------------------------------------------------------------------------
    def _origin(self, identifier: str, session_account: str | None) -> dict[str, Any] | None:
        inline = _INLINE.match(identifier)
        if inline:
            account = session_account
            if account is None:
                return None
            role = _role(account, inline["role"])
            if role is None:
                return None
            key = (role.arn, str(role.id))
            if key not in self._origins:
                found = _stack_resource(account, "AWS::IAM::Role", role.name)
                if found is not None:
                    found["policy_logical_id"] = _inline_policy_resource(
                        found.pop("_stack"), role.name, inline["policy"]
                    )
                self._origins[key] = found
            return self._origins[key]
        if identifier.startswith("arn:") and ":policy/" in identifier:
            account = identifier.split(":")[4]
            policy = _managed_policy(account, identifier)
            if policy is None:
                return None
            key = (identifier, str(getattr(policy, "id", "")))
            if key not in self._origins:
                found = _stack_resource(account, "AWS::IAM::ManagedPolicy", identifier)
                if found is not None:
                    found.pop("_stack")
                self._origins[key] = found
            return self._origins[key]
        return None  # a user's or group's inline policy: no template creates those


SINK = _Sink()


def write(entries: list[dict[str, Any]]) -> None:
    """Appends the allowed decisions among ``entries`` to the sink (no-op when it is off)."""
    try:
        SINK.write(entries)
    except Exception:  # noqa: BLE001 -- the report's bookkeeping must never fail a request
        return


def _session_role(principal: str) -> tuple[str | None, Any]:
    match = _SESSION.match(principal)
    if not match:
        return None, None
    return match["account"], _role(match["account"], match["role"])


def _policy_name(identifier: str) -> str | None:
    inline = _INLINE.match(identifier)
    if inline:
        return inline["policy"]
    if ":policy/" in identifier:
        return identifier.rsplit("/", 1)[-1]
    return None


def _role(account: str, name: str) -> Any:
    from moto.iam.models import iam_backends

    try:
        return iam_backends[account]["aws"].get_role(name)
    except Exception:  # noqa: BLE001 -- the role is gone
        return None


def _managed_policy(account: str, arn: str) -> Any:
    from moto.iam.models import iam_backends

    try:
        return iam_backends[account]["aws"].get_policy(arn)
    except Exception:  # noqa: BLE001
        return None


def _stacks(account: str) -> list[tuple[Any, bool]]:
    """Every stack of the account in every region: (stack, deleted)."""
    from moto.cloudformation.models import cloudformation_backends

    if account not in cloudformation_backends:
        return []
    found: list[tuple[Any, bool]] = []
    for backend in list(cloudformation_backends[account].values()):
        found += [(s, False) for s in list(backend.stacks.values())]
        found += [(s, True) for s in list(backend.deleted_stacks.values())]
    return found


def _stack_resource(account: str, resource_type: str, physical_id: str) -> dict[str, Any] | None:
    """The stack resource whose physical resource is ``physical_id``: a live one first (a
    name may have been used by a stack deleted since)."""
    best: tuple[int, dict[str, Any]] | None = None
    for stack, deleted in _stacks(account):
        for state in list(getattr(stack, "resource_states", {}).values()):
            if state.resource_type != resource_type or state.physical_id != physical_id:
                continue
            rank = 2 if deleted or state.status.startswith("DELETE") else 1
            if best is None or rank < best[0]:
                template = getattr(stack, "template_dict", None) or {}
                best = (rank, {
                    "template": _normalised(template.get("Description")),
                    "stack": stack.name,
                    "logical_id": state.logical_id,
                    "resource_type": resource_type,
                    "_stack": stack,
                })
    return best[1] if best else None


def _inline_policy_resource(stack: Any, role_name: str, policy_name: str) -> str | None:
    """The logical id of the stack's ``AWS::IAM::Policy`` that put ``policy_name`` on the role,
    while moto still holds the resource (the report also finds it in the template)."""
    parsed = getattr(getattr(stack, "resource_map", None), "_parsed_resources", {}) or {}
    for logical_id, resource in list(parsed.items()):
        if getattr(resource, "cf_resource_type", None) not in (None, "AWS::IAM::Policy"):
            continue
        if type(resource).__name__ != "InlinePolicy":
            continue
        if resource.policy_name == policy_name and role_name in (resource.role_names or []):
            return str(logical_id)
    return None


def _normalised(text: Any) -> str | None:
    return " ".join(str(text).split()) if text else None


EXTENSION = register(
    ServiceExtension(
        name="iam-exercised",
        service="iam",
        settings={"iam_exercised_dir": Setting(get=SINK.get, set=SINK.set, reset=SINK.reset)},
    )
)
