"""Resource-policy types moto's CloudFormation lacks (issue #16: templates/organization.yaml).

Written the moto way (``CloudFormationModel`` on the service's moto backend), like ``types.py``:

* ``AWS::S3::BucketPolicy`` (CloudFormation template reference: ``Bucket``, ``PolicyDocument``
  (Json), both required, ``Bucket`` replaces the resource). Create and update set the bucket's
  policy (``s3:PutBucketPolicy``), delete removes it (``s3:DeleteBucketPolicy``); a bucket that
  does not exist fails the resource (``NoSuchBucket``, as PutBucketPolicy answers). ``Ref`` is
  the bucket's name (template reference, "Return values").
* ``AWS::Events::EventBusPolicy`` (template reference: ``EventBusName`` (default ``default``),
  ``StatementId`` (required, replaces), ``Statement`` (Json); the older ``Action`` /
  ``Principal`` / ``Condition`` form is not modelled). Create and update put the statement,
  with ``Sid`` = ``StatementId``, into the bus's policy (``events:PutPermission``), delete
  removes that statement (``events:RemovePermission``); a bus that does not exist fails the
  resource (``ResourceNotFoundException``). ``Ref`` is the statement id.

moto's own bucket-policy check on object requests (``S3Response``, "A bucket can deny all
actions") evaluates the policy without its ``Condition`` blocks (moto's ``IAMPolicy``: "TODO add
support for the Resource and Condition parts"), so a conditional Deny -- organization.yaml's
``aws:SecureTransport`` = ``false`` -- refused every request, the bucket owner's too. Statements
with a ``Condition`` are left to the emulator's IAM engine, which evaluates them with the
request's context (``iam/context/s3.py``: the bucket policy is the request's resource policy);
moto keeps checking the unconditional ones.

And ``Ref`` of moto's own ``AWS::Events::EventBus`` is the bus's name (template reference,
AWS::Events::EventBus "Return values": "Ref returns the name of the event bus"): moto's model has
no physical resource id, so ``!Ref`` handed the bus object on (a rule on ``!Ref Bus`` failed
with "'EventBus' object has no attribute 'split'").
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel


def _s3(account_id: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account_id]["aws"]


class S3BucketPolicy(CloudFormationModel):
    """``AWS::S3::BucketPolicy`` on moto's S3 backend."""

    def __init__(self, bucket: str, document: Any) -> None:
        self.bucket = bucket
        self.document = document

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @property
    def physical_resource_id(self) -> str:
        return self.bucket

    @staticmethod
    def _apply(account_id: str, bucket: str, document: Any) -> None:
        text = document if isinstance(document, str) else json.dumps(document)
        _s3(account_id).put_bucket_policy(bucket, text.encode())

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
        region_name: str, **kwargs: Any,
    ) -> S3BucketPolicy:
        properties = cloudformation_json["Properties"]
        cls._apply(account_id, str(properties["Bucket"]), properties["PolicyDocument"])
        return cls(str(properties["Bucket"]), properties["PolicyDocument"])

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: S3BucketPolicy, new_resource_name: str,
        cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> S3BucketPolicy:
        properties = cloudformation_json["Properties"]
        bucket = str(properties["Bucket"])
        cls._apply(account_id, bucket, properties["PolicyDocument"])
        if bucket != original_resource.bucket:
            original_resource.delete(account_id, region_name)
        return cls(bucket, properties["PolicyDocument"])

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
        region_name: str,
    ) -> None:
        bucket = (cloudformation_json.get("Properties") or {}).get("Bucket")
        if bucket:
            cls(str(bucket), None).delete(account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        try:
            _s3(account_id).delete_bucket_policy(self.bucket)
        except Exception:  # noqa: BLE001 -- the bucket went first (retained or deleted)
            pass


def _bus_name(value: Any) -> str:
    """``EventBusName``: a name or ARN; moto resolves ``!Ref`` of its own ``AWS::Events::EventBus``
    to the bus object rather than its name (CloudFormation: ``Ref`` is the name)."""
    return str(getattr(value, "name", value) or "default")


class EventBusPolicy(CloudFormationModel):
    """``AWS::Events::EventBusPolicy`` (the ``Statement`` form) on moto's EventBridge backend."""

    def __init__(self, bus: str, statement_id: str, statement: dict[str, Any]) -> None:
        self.bus = bus
        self.statement_id = statement_id
        self.statement = statement

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Events::EventBusPolicy"

    @property
    def physical_resource_id(self) -> str:
        return self.statement_id

    @staticmethod
    def _bus(account_id: str, region_name: str, name: str) -> Any:
        from moto.events.models import events_backends

        # describe_event_bus raises ResourceNotFoundException for a bus that does not exist
        return events_backends[account_id][region_name].describe_event_bus(name)

    @classmethod
    def _apply(cls, account_id: str, region_name: str, properties: dict[str, Any]) -> EventBusPolicy:
        from moto.events.models import EventBusPolicyStatement

        name = _bus_name(properties.get("EventBusName"))
        if name.startswith("arn:"):
            name = name.split("/")[-1]
        statement_id = str(properties["StatementId"])
        statement = properties["Statement"]
        if isinstance(statement, str):
            statement = json.loads(statement)
        bus = cls._bus(account_id, region_name, name)
        bus._statements[statement_id] = EventBusPolicyStatement.from_dict(
            {**statement, "Sid": statement_id})
        return cls(name, statement_id, statement)

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
        region_name: str, **kwargs: Any,
    ) -> EventBusPolicy:
        return cls._apply(account_id, region_name, cloudformation_json["Properties"])

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: EventBusPolicy, new_resource_name: str,
        cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> EventBusPolicy:
        made = cls._apply(account_id, region_name, cloudformation_json["Properties"])
        if (made.bus, made.statement_id) != (original_resource.bus, original_resource.statement_id):
            original_resource.delete(account_id, region_name)
        return made

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
        region_name: str,
    ) -> None:
        properties = cloudformation_json.get("Properties") or {}
        if properties.get("StatementId"):
            name = _bus_name(properties.get("EventBusName")).split("/")[-1]
            cls(name, str(properties["StatementId"]), {}).delete(account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        try:
            self._bus(account_id, region_name, self.bus)._statements.pop(self.statement_id, None)
        except Exception:  # noqa: BLE001 -- the bus went first
            pass


def _bucket_check_without_conditions() -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    if getattr(FakeBucket, "_studio_unconditional_check", False):
        return

    def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        document = json.loads(self.policy.decode())
        statements = document.get("Statement")
        statements = statements if isinstance(statements, list) else [statements]
        kept = [st for st in statements if isinstance(st, dict) and "Condition" not in st]
        if not kept:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps({**document, "Statement": kept})).is_action_permitted(
            action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]
    FakeBucket._studio_unconditional_check = True  # type: ignore[attr-defined]


_bucket_check_without_conditions()


def _event_bus_ref_is_its_name() -> None:
    from moto.events.models import EventBus

    if not hasattr(EventBus, "physical_resource_id"):
        EventBus.physical_resource_id = property(lambda self: self.name)  # type: ignore[attr-defined]


_event_bus_ref_is_its_name()


def _refresh_moto_type_map() -> None:
    # moto caches the subclass list on first use; a model defined afterwards would be missed.
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


_refresh_moto_type_map()
