"""What CloudFormation's resource handlers call, per resource type, and the authorisations it needs.

CloudFormation creates, updates and deletes a resource through the type's handler, which calls
the service's API as the stack's identity (User Guide, "CloudFormation service role": "CloudFormation
uses the role's credentials to make calls on your behalf"; without a role, "the credentials of the
user"). The handlers' permissions are published in each type's resource provider schema
(``handlers.create|update|delete.permissions``, CloudFormation CLI "Resource type schema"); cfn-lint
bundles those schemas (``cfnlint/data/schemas/providers/<region>.json`` maps a type to
``resources/<hash>.json``), and moto's ``[server]`` extra installs cfn-lint, so they are read here.

* Each action the handler lists is authorised, except the ones a handler calls only for a property
  the resource does not set (:data:`CONDITIONAL`: e.g. the Lambda handler calls
  ``PutFunctionConcurrency`` only for ``ReservedConcurrentExecutions``; the providers' sources,
  aws-cloudformation/aws-cloudformation-resource-providers-*, call them under those properties).
* A create never removes tags (a new resource has none): the untagging actions a create handler
  lists (:data:`UNTAGGING`) are not asked on create.
* The resource is the resource's ARN for the actions of its own service where the template or the
  physical id names it (:func:`_own_arn`), else ``*``; ``iam:PassRole`` is on the role a property
  passes, with ``iam:PassedToService``.
* A create or update whose properties carry ``Tags`` has ``aws:RequestTag/*`` and ``aws:TagKeys``
  on the handler's actions the Service Authorization Reference lists those keys for
  (:func:`_tags_for`).
* A refusal fails the resource as the handlers report it (as reported: aws/aws-cdk#27067):
  ``Resource handler returned message: "User: ... is not authorized to perform: ... (Service: Iam,
  Status Code: 403, Request ID: ...)" (RequestToken: ..., HandlerErrorCode: AccessDenied)``.
"""

from __future__ import annotations

import functools
import json
import os
import uuid
from typing import Any

from . import service_reference
from .context import Authorization, request_tags

#: (type, action) -> the properties under which the handler calls the action (any one set).
#: The one list of "a handler action needed only for property P": the emulator asks nothing
#: else of a resource that sets none of them (:func:`asked_for`), and ``scripts/lint-templates``
#: step 4 reads it to require of the portfolio's launch role every other action the handlers
#: of the product templates' resources list.
CONDITIONAL: dict[tuple[str, str], tuple[str, ...]] = {
    ("AWS::IAM::Role", "iam:PutRolePolicy"): ("Policies",),
    ("AWS::IAM::Role", "iam:GetRolePolicy"): ("Policies",),
    ("AWS::IAM::Role", "iam:DeleteRolePolicy"): ("Policies",),
    ("AWS::IAM::Role", "iam:AttachRolePolicy"): ("ManagedPolicyArns",),
    ("AWS::IAM::Role", "iam:DetachRolePolicy"): ("ManagedPolicyArns",),
    ("AWS::IAM::Role", "iam:TagRole"): ("Tags",),
    ("AWS::IAM::Role", "iam:UntagRole"): ("Tags",),
    ("AWS::IAM::Role", "iam:PutRolePermissionsBoundary"): ("PermissionsBoundary",),
    ("AWS::IAM::Role", "iam:DeleteRolePermissionsBoundary"): ("PermissionsBoundary",),
    ("AWS::IAM::Role", "iam:UpdateRoleDescription"): ("Description",),
    ("AWS::IAM::Policy", "iam:GetUserPolicy"): ("Users",),
    ("AWS::IAM::Policy", "iam:PutUserPolicy"): ("Users",),
    ("AWS::IAM::Policy", "iam:DeleteUserPolicy"): ("Users",),
    ("AWS::IAM::Policy", "iam:GetGroupPolicy"): ("Groups",),
    ("AWS::IAM::Policy", "iam:PutGroupPolicy"): ("Groups",),
    ("AWS::IAM::Policy", "iam:DeleteGroupPolicy"): ("Groups",),
    ("AWS::IAM::Policy", "iam:GetRolePolicy"): ("Roles",),
    ("AWS::IAM::Policy", "iam:PutRolePolicy"): ("Roles",),
    ("AWS::IAM::Policy", "iam:DeleteRolePolicy"): ("Roles",),
    ("AWS::IAM::ManagedPolicy", "iam:AttachUserPolicy"): ("Users",),
    ("AWS::IAM::ManagedPolicy", "iam:DetachUserPolicy"): ("Users",),
    ("AWS::IAM::ManagedPolicy", "iam:AttachGroupPolicy"): ("Groups",),
    ("AWS::IAM::ManagedPolicy", "iam:DetachGroupPolicy"): ("Groups",),
    ("AWS::IAM::ManagedPolicy", "iam:AttachRolePolicy"): ("Roles",),
    ("AWS::IAM::ManagedPolicy", "iam:DetachRolePolicy"): ("Roles",),
    ("AWS::KMS::Key", "kms:DisableKey"): ("Enabled",),
    ("AWS::KMS::Key", "kms:EnableKey"): ("Enabled",),
    ("AWS::KMS::Key", "kms:EnableKeyRotation"): ("EnableKeyRotation",),
    ("AWS::KMS::Key", "kms:DisableKeyRotation"): ("EnableKeyRotation",),
    ("AWS::KMS::Key", "kms:TagResource"): ("Tags",),
    ("AWS::KMS::Key", "kms:UntagResource"): ("Tags",),
    ("AWS::Lambda::Function", "lambda:PutFunctionConcurrency"): ("ReservedConcurrentExecutions",),
    ("AWS::Lambda::Function", "lambda:DeleteFunctionConcurrency"): ("ReservedConcurrentExecutions",),
    ("AWS::Lambda::Function", "s3:GetObject"): ("Code.S3Bucket",),
    ("AWS::Lambda::Function", "s3:GetObjectVersion"): ("Code.S3ObjectVersion",),
    ("AWS::Lambda::Function", "ec2:DescribeSecurityGroups"): ("VpcConfig",),
    ("AWS::Lambda::Function", "ec2:DescribeSubnets"): ("VpcConfig",),
    ("AWS::Lambda::Function", "ec2:DescribeVpcs"): ("VpcConfig",),
    ("AWS::Lambda::Function", "ec2:DescribeNetworkInterfaces"): ("VpcConfig",),
    ("AWS::Lambda::Function", "elasticfilesystem:DescribeMountTargets"): ("FileSystemConfigs",),
    ("AWS::Lambda::Function", "s3files:ListMountTargets"): ("FileSystemConfigs",),
    ("AWS::Lambda::Function", "kms:CreateGrant"): ("KmsKeyArn",),
    ("AWS::Lambda::Function", "kms:Decrypt"): ("KmsKeyArn",),
    ("AWS::Lambda::Function", "kms:DescribeKey"): ("KmsKeyArn",),
    ("AWS::Lambda::Function", "kms:Encrypt"): ("KmsKeyArn",),
    ("AWS::Lambda::Function", "kms:GenerateDataKey"): ("KmsKeyArn",),
    ("AWS::Lambda::Function", "lambda:GetCodeSigningConfig"): ("CodeSigningConfigArn",),
    ("AWS::Lambda::Function", "lambda:PutFunctionCodeSigningConfig"): ("CodeSigningConfigArn",),
    ("AWS::Lambda::Function", "lambda:DeleteFunctionCodeSigningConfig"): ("CodeSigningConfigArn",),
    ("AWS::Lambda::Function", "lambda:GetLayerVersion"): ("Layers",),
    ("AWS::Lambda::Function", "lambda:PutRuntimeManagementConfig"): ("RuntimeManagementConfig",),
    ("AWS::Lambda::Function", "lambda:PutFunctionRecursionConfig"): ("RecursiveLoop",),
    ("AWS::Lambda::Function", "lambda:PutFunctionScalingConfig"): ("CapacityProviderConfig",),
    ("AWS::Lambda::Function", "lambda:PassCapacityProvider"): ("CapacityProviderConfig",),
    ("AWS::Lambda::Function", "lambda:AssociateRuntimeAlias"): ("CapacityProviderConfig",),
    ("AWS::Lambda::Function", "lambda:TagResource"): ("Tags",),
    ("AWS::Lambda::Function", "lambda:UntagResource"): ("Tags",),
    # Not confirmed: the schema does not say which property the update handler publishes a
    # version for; its only properties about versions are these two (Lambda Managed
    # Instances). (``AutoPublishAlias``, once named here, is SAM's, not this type's.)
    ("AWS::Lambda::Function", "lambda:PublishVersion"): (
        "PublishToLatestPublished", "CapacityProviderConfig",
    ),
    ("AWS::Logs::LogGroup", "logs:PutRetentionPolicy"): ("RetentionInDays",),
    ("AWS::Logs::LogGroup", "logs:DeleteRetentionPolicy"): ("RetentionInDays",),
    ("AWS::Logs::LogGroup", "logs:TagResource"): ("Tags",),
    ("AWS::Logs::LogGroup", "logs:UntagResource"): ("Tags",),
    ("AWS::Logs::LogGroup", "logs:PutDataProtectionPolicy"): ("DataProtectionPolicy",),
    ("AWS::Logs::LogGroup", "logs:DeleteDataProtectionPolicy"): ("DataProtectionPolicy",),
    ("AWS::Logs::LogGroup", "logs:CreateLogDelivery"): ("DataProtectionPolicy",),
    ("AWS::Logs::LogGroup", "s3:REST.PUT.OBJECT"): ("DataProtectionPolicy",),
    ("AWS::Logs::LogGroup", "firehose:TagDeliveryStream"): ("DataProtectionPolicy",),
    ("AWS::Logs::LogGroup", "logs:PutResourcePolicy"): ("ResourcePolicyDocument",),
    ("AWS::Logs::LogGroup", "logs:DeleteResourcePolicy"): ("ResourcePolicyDocument",),
    ("AWS::Logs::LogGroup", "logs:PutIndexPolicy"): ("FieldIndexPolicies",),
    ("AWS::Logs::LogGroup", "logs:DeleteIndexPolicy"): ("FieldIndexPolicies",),
    ("AWS::Logs::LogGroup", "logs:PutBearerTokenAuthentication"): ("BearerTokenAuthenticationEnabled",),
    ("AWS::Logs::LogGroup", "logs:AssociateKmsKey"): ("KmsKeyId",),
    ("AWS::Logs::LogGroup", "logs:DisassociateKmsKey"): ("KmsKeyId",),
    ("AWS::Logs::LogGroup", "logs:PutLogGroupDeletionProtection"): ("DeletionProtectionEnabled",),
    ("AWS::SSM::Parameter", "ssm:AddTagsToResource"): ("Tags",),
    ("AWS::SSM::Parameter", "ssm:RemoveTagsFromResource"): ("Tags",),
    ("AWS::SageMaker::Domain", "sagemaker:AddTags"): ("Tags",),
    ("AWS::SageMaker::Domain", "sagemaker:DeleteTags"): ("Tags",),
    ("AWS::SageMaker::Domain", "kms:CreateGrant"): ("KmsKeyId",),
    ("AWS::SageMaker::Domain", "kms:Decrypt"): ("KmsKeyId",),
    ("AWS::SageMaker::Domain", "kms:DescribeKey"): ("KmsKeyId",),
    ("AWS::SageMaker::Domain", "kms:GenerateDataKeyWithoutPlainText"): ("KmsKeyId",),
}

#: (type, action) -> (property, value): the handler calls the action only when the resource's
#: (new) properties do not set the property to that value. AWS::KMS::Key: rotation is disabled
#: only for ``EnableKeyRotation`` false or left out (its schema: "By default, automatic key
#: rotation is not enabled"; KMS API Reference, DisableKeyRotation), never for a key that keeps
#: it ``true``.
UNLESS_VALUE: dict[tuple[str, str], tuple[str, Any]] = {
    ("AWS::KMS::Key", "kms:DisableKeyRotation"): ("EnableKeyRotation", True),
}


#: (type, action) -> (property, when): the update handler calls the action only when the
#: property changes -- ``"set"``: the new properties set it to another value than the old ones
#: (PutRolePermissionsBoundary: "Adds or updates the policy that is specified as the IAM role's
#: permissions boundary"), ``"removed"``: the old properties set it and the new ones do not
#: (DeleteRolePermissionsBoundary, IAM API Reference: "Deletes the permissions boundary for the
#: specified IAM role"; an update that keeps the boundary has nothing to delete). Not confirmed
#: from the provider's source; it is what the two operations mean. So the launch role needs no
#: DeleteRolePermissionsBoundary while every product role keeps its boundary (#14 section 4:
#: removing a boundary is how a bounded role would be set free).
ON_CHANGE: dict[tuple[str, str], tuple[str, str]] = {
    ("AWS::IAM::Role", "iam:PutRolePermissionsBoundary"): ("PermissionsBoundary", "set"),
    ("AWS::IAM::Role", "iam:DeleteRolePermissionsBoundary"): ("PermissionsBoundary", "removed"),
}


def asked_for(resource_type: str, action: str, properties: dict[str, Any],
              old_properties: dict[str, Any] | None = None) -> bool:
    """Whether a handler that lists ``action`` calls it for a resource with ``properties``
    (an update: set in the new or the old properties; :data:`CONDITIONAL`,
    :data:`UNLESS_VALUE`). A property given by an intrinsic function counts as set."""
    seen = [properties or {}, old_properties or {}]
    wanted = CONDITIONAL.get((resource_type, action))
    if wanted and not any(_lookup(p, path) not in (None, "", [], {}) for p in seen for path in wanted):
        return False
    unless = UNLESS_VALUE.get((resource_type, action))
    if unless and _lookup(properties or {}, unless[0]) == unless[1]:
        return False
    change = ON_CHANGE.get((resource_type, action))
    if change:
        new = _lookup(properties or {}, change[0]) not in (None, "", [], {})
        old = _lookup(old_properties or {}, change[0]) not in (None, "", [], {})
        if change[1] == "removed":
            return old and not new
        return new and (
            _lookup(properties or {}, change[0]) != _lookup(old_properties or {}, change[0])
        )
    return True


#: Actions that remove tags from an existing resource (not asked when a resource is created).
UNTAGGING = frozenset({
    "iam:UntagRole", "iam:UntagPolicy", "kms:UntagResource", "lambda:UntagResource",
    "logs:UntagResource", "sagemaker:DeleteTags", "ssm:RemoveTagsFromResource",
    "s3:UntagResource", "scheduler:UntagResource",
})

#: The SDK's service name in a handler's error ("(Service: Iam, Status Code: 403 ...)").
SDK_SERVICE = {
    "iam": "Iam", "lambda": "Lambda", "kms": "Kms", "sagemaker": "SageMaker", "ssm": "Ssm",
    "s3": "S3", "logs": "CloudWatchLogs", "scheduler": "Scheduler", "ec2": "Ec2",
    "sts": "Sts", "servicecatalog": "ServiceCatalog", "lakeformation": "LakeFormation",
}

#: Type -> (service prefix, ARN template, property or "physical" naming the resource).
_ARNS: dict[str, tuple[str, str, str]] = {
    "AWS::IAM::Role": ("iam", "arn:aws:iam::{account}:role{path}{name}", "RoleName"),
    "AWS::Lambda::Function": ("lambda", "arn:aws:lambda:{region}:{account}:function:{name}",
                              "FunctionName"),
    "AWS::SSM::Parameter": ("ssm", "arn:aws:ssm:{region}:{account}:parameter{slash}{name}", "Name"),
    "AWS::Logs::LogGroup": ("logs", "arn:aws:logs:{region}:{account}:log-group:{name}",
                            "LogGroupName"),
    "AWS::KMS::Key": ("kms", "arn:aws:kms:{region}:{account}:key/{name}", "physical"),
    "AWS::Scheduler::Schedule": ("scheduler",
                                 "arn:aws:scheduler:{region}:{account}:schedule/{group}/{name}",
                                 "Name"),
}

#: Types whose ARN is known only once the create call answers (named by the physical id): the
#: create action, and the actions the create request itself carries (asked on ``*`` with the
#: request's tags). The create handler's other calls of the type's service act on the new
#: resource, which carries the tags the create gave it (``aws:ResourceTag/*``): the
#: AWS::KMS::Key handler creates the key (CreateKey with ``Tags`` and ``Policy``: KMS Developer
#: Guide, "Tagging keys": "To tag a KMS key when you create it, you need kms:TagResource"), then
#: enables rotation on the key CreateKey returned (EnableKeyRotation has aws:ResourceTag, not
#: aws:RequestTag: Service Authorization Reference, AWS KMS), under the key policy the create
#: gave it (the property named last: a key's policy must allow its account's IAM policies, KMS
#: Developer Guide, "Default key policy"). (H6, test_iam_product_paths.py.)
_CREATED_THEN_ACTED_ON: dict[str, tuple[str, frozenset[str], str]] = {
    "AWS::KMS::Key": (
        "kms:CreateKey", frozenset({"kms:TagResource", "kms:PutKeyPolicy"}), "KeyPolicy"
    ),
}

#: Properties that pass a role, per type: (property path, the service it is passed to).
_PASSED_ROLES: dict[str, tuple[str, str]] = {
    "AWS::Lambda::Function": ("Role", "lambda.amazonaws.com"),
    "AWS::SageMaker::Domain": ("DefaultUserSettings.ExecutionRole", "sagemaker.amazonaws.com"),
    "AWS::SageMaker::UserProfile": ("UserSettings.ExecutionRole", "sagemaker.amazonaws.com"),
    "AWS::Scheduler::Schedule": ("Target.RoleArn", "scheduler.amazonaws.com"),
}


def _schemas_dir() -> str | None:
    try:
        import cfnlint
    except ImportError:
        return None
    return os.path.join(os.path.dirname(cfnlint.__file__), "data", "schemas")


@functools.lru_cache(maxsize=None)
def _index(region: str) -> dict[str, str]:
    base = _schemas_dir()
    path = os.path.join(base or "", "providers", f"{region}.json")
    if base is None or not os.path.exists(path):
        path = os.path.join(base or "", "providers", "us-east-1.json")
    try:
        with open(path, encoding="utf-8") as f:
            return dict(json.load(f))
    except OSError:
        return {}


@functools.lru_cache(maxsize=None)
def _schema(resource_hash: str) -> dict[str, Any]:
    base = _schemas_dir()
    with open(os.path.join(base or "", "resources", f"{resource_hash}.json"), encoding="utf-8") as f:
        return dict(json.load(f))


def handler_permissions(resource_type: str, handler: str, region: str = "us-east-1") -> list[str]:
    """The permissions the type's ``handler`` (create, update, delete) lists; [] for a type
    without a provider schema (custom resources, WaitConditionHandle) or a handler it lacks."""
    resource_hash = _index(region).get(resource_type)
    if not resource_hash:
        return []
    handlers = _schema(resource_hash).get("handlers") or {}
    return list((handlers.get(handler) or {}).get("permissions") or [])


def _lookup(properties: dict[str, Any], path: str) -> Any:
    node: Any = properties
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _own_arn(resource_type: str, properties: dict[str, Any], physical_id: str,
             account: str, region: str) -> tuple[str | None, str]:
    """(the type's service prefix, the resource's ARN or ``*``)."""
    known = _ARNS.get(resource_type)
    if known is None:
        return None, "*"
    prefix, template, naming = known
    name = physical_id if naming == "physical" else (properties.get(naming) or physical_id)
    if not name or not isinstance(name, str):
        return prefix, "*"
    if name.startswith("arn:"):
        return prefix, name
    return prefix, template.format(
        account=account, region=region, name=name,
        path=str(properties.get("Path") or "/"),
        slash="" if name.startswith("/") else "/",
        group=str(properties.get("GroupName") or "default"),
    )


def _existing_key(physical_id: str, account: str, region: str) -> tuple[Any, dict[str, Any]]:
    """(key policy, ``aws:ResourceTag/*``) of an existing KMS key, as a request on it is
    evaluated (``context/kms.py``: the key policy is the resource policy); a handler's calls on
    the key of an AWS::KMS::Key resource (its update and delete: DescribeKey,
    ScheduleKeyDeletion ...) are evaluated so too. (H6, test_iam_product_paths.py.)"""
    from moto.kms.models import kms_backends

    from .context import parse_json, resource_tags

    try:
        backend = kms_backends[account][region]
        key = backend.describe_key(physical_id)
        tags = backend.list_resource_tags(key.id).get("Tags", [])
    except Exception:  # noqa: BLE001 -- no such key: evaluated without them
        return None, {}
    return parse_json(key.policy), resource_tags({t["TagKey"]: t["TagValue"] for t in tags})


#: The ManagedPolicy delete handler's detach actions, per kind of entity (ARN path segment).
_DETACH = {"iam:DetachRolePolicy": "role", "iam:DetachUserPolicy": "user",
           "iam:DetachGroupPolicy": "group"}


def _attached_to(policy_arn: str, account: str) -> dict[str, list[str]]:
    """The ARNs of the roles, users and groups a managed policy is attached to now, by kind:
    the AWS::IAM::ManagedPolicy delete handler detaches each one before DeletePolicy (IAM API
    Reference, DeletePolicy: a policy must first be detached from all users, groups and roles;
    the handler lists them, ``iam:ListEntitiesForPolicy`` in ``handlers.delete.permissions``),
    including the entities attached outside the template. (H6, test_iam_product_paths.py.)"""
    from moto.iam.models import iam_backends

    backend = iam_backends[account]["aws"]
    found: dict[str, list[str]] = {"role": [], "user": [], "group": []}
    for kind, entities in (("role", backend.roles), ("user", backend.users),
                           ("group", backend.groups)):
        for entity in entities.values():
            if policy_arn in entity.managed_policies:
                found[kind].append(str(entity.arn))
    return found


def authorizations(
    resource_type: str,
    handler: str,
    properties: dict[str, Any],
    old_properties: dict[str, Any] | None,
    physical_id: str,
    account: str,
    region: str,
) -> list[Authorization]:
    """What the ``handler`` of ``resource_type`` needs allowed for a resource with
    ``properties`` (an update: set in the new or the old properties)."""
    prefix, arn = _own_arn(resource_type, properties or {}, physical_id, account, region)
    tags = request_tags((properties or {}).get("Tags")) if handler != "delete" else {}
    passed = _PASSED_ROLES.get(resource_type)
    created = _CREATED_THEN_ACTED_ON.get(resource_type) if handler == "create" and arn == "*" else None
    new_arn = _own_arn(resource_type, {}, str(uuid.uuid4()), account, region)[1] if created else "*"
    new_tags = {
        key.replace("aws:RequestTag/", "aws:ResourceTag/"): value
        for key, value in tags.items() if key.startswith("aws:RequestTag/")
    }
    new_policy = (properties or {}).get(created[2]) if created else None
    if isinstance(new_policy, str):
        new_policy = json.loads(new_policy)
    key_policy, key_tags = (
        _existing_key(physical_id, account, region)
        if resource_type == "AWS::KMS::Key" and physical_id else (None, {})
    )
    attached = (
        _attached_to(physical_id, account)
        if resource_type == "AWS::IAM::ManagedPolicy" and handler == "delete"
        and physical_id.startswith("arn:") else None
    )
    boundary = _role_boundary(resource_type, handler, properties or {}, physical_id, account)
    policy_roles = (
        _policy_roles(properties or {}, old_properties, account)
        if resource_type == "AWS::IAM::Policy" else None
    )
    needed: list[Authorization] = []
    for action in handler_permissions(resource_type, handler, region):
        if handler == "create" and action in UNTAGGING:
            continue
        if attached is not None and action in _DETACH:
            needed += [Authorization(action, entity, {"iam:PolicyARN": physical_id})
                       for entity in attached[_DETACH[action]]]
            continue
        if not asked_for(resource_type, action, properties or {}, old_properties):
            continue
        if policy_roles is not None and action in _ROLE_POLICY_ACTIONS:
            needed += [
                Authorization(action, role_arn, _boundary_context(action, role_boundary))
                for role_arn, role_boundary in policy_roles
            ]
            continue
        if boundary is not None and service_reference.has_condition_key(
            action, "iam:PermissionsBoundary"
        ):
            given = (properties or {}).get("PermissionsBoundary")
            value = given if action == "iam:PutRolePermissionsBoundary" else boundary
            needed.append(Authorization(
                action, arn, {**_tags_for(action, tags), **_boundary_context(action, value)}
            ))
            continue
        if action == "iam:PassRole":
            role = _lookup(properties or {}, passed[0]) if passed else None
            if not isinstance(role, str) or not role:
                continue
            needed.append(Authorization(action, role, {"iam:PassedToService": passed[1]}))
            continue
        if created and action.split(":")[0] == prefix and action != created[0] and (
            action not in created[1]
        ):
            needed.append(Authorization(action, new_arn, dict(new_tags), new_policy, account))
            continue
        code = _code_object(resource_type, action, properties or {})
        if code is not None:
            needed.append(code)
            continue
        resource = arn if prefix and action.split(":")[0] == prefix else "*"
        if key_policy is not None and resource == arn:
            needed.append(Authorization(action, resource, {**_tags_for(action, tags), **key_tags},
                                        key_policy, account))
            continue
        # an action the create request itself carries is asked with that request's tags
        carried = created is not None and action in created[1]
        needed.append(Authorization(action, resource, dict(tags) if carried
                                    else _tags_for(action, tags)))
    return needed


def _code_object(resource_type: str, action: str, properties: dict[str, Any]) -> Authorization | None:
    """A function's code from S3 is read as the handler's identity: ``s3:GetObject`` on
    ``Code.S3Bucket``/``S3Key`` with that bucket's policy (Lambda API reference, CreateFunction
    ``FunctionCode.S3Bucket``: "An Amazon S3 bucket in the same AWS Region as your function. The
    bucket can be in a different AWS account." -- then the bucket's policy must admit the reader,
    e.g. an organisation's artefact bucket with ``aws:PrincipalOrgID``)."""
    if resource_type != "AWS::Lambda::Function" or action != "s3:GetObject":
        return None
    code = properties.get("Code")
    if not isinstance(code, dict) or not code.get("S3Bucket") or not code.get("S3Key"):
        return None
    from .context.s3 import object_read

    return object_read(str(code["S3Bucket"]), str(code["S3Key"]))


def _tags_for(action: str, tags: dict[str, Any]) -> dict[str, Any]:
    """The request tags of a create or update as ``action`` carries them: ``aws:RequestTag/*``
    and ``aws:TagKeys`` only for an action the Service Authorization Reference lists them for
    (a key an action lacks is absent from its request: IAM User Guide, "Controlling access during
    AWS requests"). The handler's tagging and create calls carry the tags; its other calls --
    ``kms:PutKeyPolicy``, ``kms:UpdateKeyDescription`` of an update that also changes tags --
    do not."""
    wanted = {
        key for key in ("aws:RequestTag/${TagKey}", "aws:TagKeys")
        if service_reference.has_condition_key(action, key)
    }
    return {
        key: value for key, value in tags.items()
        if ("aws:TagKeys" in wanted if key == "aws:TagKeys"
            else "aws:RequestTag/${TagKey}" in wanted)
    }


#: The role-policy calls of AWS::IAM::Policy's handlers, made on each role its ``Roles`` names.
_ROLE_POLICY_ACTIONS = frozenset({"iam:GetRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy"})


def _boundary_context(action: str, boundary: str | None) -> dict[str, Any]:
    """``iam:PermissionsBoundary`` for an action the SAR lists it for (none: the role has no
    boundary, and the key is absent from the request)."""
    if boundary and service_reference.has_condition_key(action, "iam:PermissionsBoundary"):
        return {"iam:PermissionsBoundary": str(boundary)}
    return {}


def _role_boundary(resource_type: str, handler: str, properties: dict[str, Any],
                   physical_id: str, account: str) -> str | None:
    """The boundary an AWS::IAM::Role's handler calls see on the role: the one CreateRole (or
    the update's PutRolePermissionsBoundary) gives it, else the one it has (a delete, an update
    that keeps none). "" for a role without one; None for other types."""
    if resource_type != "AWS::IAM::Role":
        return None
    given = properties.get("PermissionsBoundary")
    if handler != "delete" and isinstance(given, str) and given:
        return given
    from .context.iam import role_boundary

    name = properties.get("RoleName") or physical_id
    return (role_boundary(account, str(name)) if name else None) or ""


def _policy_roles(properties: dict[str, Any], old_properties: dict[str, Any] | None,
                  account: str) -> list[tuple[str, str | None]]:
    """(ARN, boundary) of each role an AWS::IAM::Policy's ``Roles`` name (new and old): IAM
    authorises PutRolePolicy/DeleteRolePolicy on the role (SAR: resource type ``role``), whose
    ARN carries its path."""
    from .context.iam import role_boundary
    from moto.iam.models import iam_backends

    names: list[str] = []
    for source in (properties, old_properties or {}):
        for name in source.get("Roles") or []:
            if isinstance(name, str) and name not in names:
                names.append(name)
    found = []
    for name in names:
        try:
            arn = str(iam_backends[account]["aws"].get_role(name).arn)
        except Exception:
            arn = f"arn:aws:iam::{account}:role/{name}"
        found.append((arn, role_boundary(account, name)))
    return found


def handler_message(denied_message: str, service_prefix: str) -> str:
    """A handler's AccessDenied as CloudFormation reports it on the resource."""
    service = SDK_SERVICE.get(service_prefix, service_prefix.capitalize())
    return (
        f'Resource handler returned message: "{denied_message} (Service: {service}, '
        f'Status Code: 403, Request ID: {uuid.uuid4()})" (RequestToken: {uuid.uuid4()}, '
        "HandlerErrorCode: AccessDenied)"
    )
