"""Amazon EventBridge PutEvents and rule delivery for moto (issue #15: the cleanup's warnings).

moto 5.2.5's ``PutEvents`` checks 10 entries at most and ``Source``/``DetailType``/``Detail``
per entry, then hands each matching rule the event; it answers a bus that does not exist with
``ResourceNotFoundException``, delivers to rules that are ``DISABLED``, and raises (HTTP 500)
for a target it does not know, an SNS topic among them. What this module changes, each after
its source:

* ``Entries`` must hold 1 to 10 entries (botocore model ``PutEventsRequestEntryList``, min 1,
  max 10) -> ``ValidationException`` in the AWS validator's wording.
* Per entry (API reference, PutEvents: "Entries: The entry that defines an event in your system
  ... Each entry is a PutEventsResultEntry", failures do not fail the call but are counted in
  ``FailedEntryCount`` and reported in their entry, in order): a missing ``Source``,
  ``DetailType`` or ``Detail`` is ``InvalidArgument`` (moto's messages); a ``Detail`` that is
  not JSON is ``MalformedDetail``; ``Resources`` must be ARNs (at most 2048 characters each).
* A bus that does not exist: the entry succeeds and the event goes nowhere (reported against
  AWS: aws/aws-sdk#186, aws/aws-cli#9186 "Putting an event on an nonexistent EventBridge event
  bus returns a success") -- recorded with ``"bus_exists": false`` so a test can see it.
* Rules: only ``ENABLED`` rules deliver (API reference, PutRule, ``State``: "DISABLED: The
  rule is disabled. EventBridge does not match any events against the rule"), and only events
  their pattern matches (moto's matcher).
* An SNS topic target is delivered by publishing the event (the whole event, or the target's
  ``Input`` / ``InputTransformer``) to the topic -- if the topic exists and its policy lets
  ``events.amazonaws.com`` perform ``sns:Publish`` on it (EventBridge User Guide, "Using
  resource-based policies for Amazon EventBridge", "Amazon SNS permissions"), decided by the
  IAM engine with ``aws:SourceArn`` = the rule's ARN and ``aws:SourceAccount``. A refused or
  failed delivery does not fail PutEvents (on AWS it shows in the rule's
  ``FailedInvocations`` metric); it is recorded. Other targets go to moto's delivery; one
  moto cannot deliver is recorded as failed instead of failing the call.
* A CloudWatch Logs log group target (issue #16: the organisation's report log group) is
  written only if the log group exists and the account's CloudWatch Logs resource policies
  (``PutResourcePolicy``, ``AWS::Logs::ResourcePolicy``) let ``events.amazonaws.com`` call
  ``logs:CreateLogStream`` and ``logs:PutLogEvents`` on it (EventBridge User Guide, "Using
  resource-based policies for Amazon EventBridge", "CloudWatch Logs permissions": EventBridge
  writes to a log group through its resource policy, not a role), decided by the IAM engine
  with ``aws:SourceArn`` = the rule's ARN. The event is one log event (the whole event as JSON,
  or the target's ``Input``), in a log stream of its own (moto's choice: a new stream per event;
  the stream naming is not confirmed). Readable with ``FilterLogEvents``/``GetLogEvents``.
* An event bus target of another account or region (issue #16: the member accounts' reports
  to the organisation's bus) is sent as the target's ``RoleArn`` (EventBridge User Guide,
  "Sending and receiving events between AWS accounts": "the sending event bus must have IAM
  roles attached to them when sending events to another account"; "Permissions for event
  buses": "We recommend always using IAM roles when the target of a rule is an event bus"):
  no ``RoleArn`` is a failed delivery; the role must trust ``events.amazonaws.com`` (with
  ``aws:SourceAccount``/``aws:SourceArn`` of the rule), its session must be allowed
  ``events:PutEvents`` on the target bus (``events:eventBusInvocation`` = ``true``: an event
  forwarded from a bus) and the target bus's policy must admit it (another account's bus: both
  must allow). The event arrives on the target bus with its ``account``, ``source``,
  ``detail-type`` and ``detail`` as sent (the ``region`` is the target's), and runs the target
  bus's rules; it is in ``events/published`` of the target account with ``ForwardedBy`` = the
  rule's ARN. A bus of the same account and region keeps moto's delivery.

moto's ListRules, ListTargetsByRule, ListRuleNamesByTarget and ListEventBuses answered
``"NextToken": null`` on their last page; the member is omitted, as AWS does (and ListRules'
rules lose ``CreatedBy``, a member of DescribeRule's answer, not of the ``Rule`` shape).

Control routes (``/_studio_emulator/``): ``GET events/published`` (``?EventBusName=``,
``Source=``, ``DetailType=``) lists every event accepted, ``GET events/deliveries``
(``?TargetArn=``) each delivery to a target, ``GET sns/messages?TopicArn=`` what a topic was
sent (moto's record of ``Publish``, ours included); ``DELETE events/published`` clears both
logs. ``POST reset`` clears them too.

Not modelled: the 256 KB request size limit, ``TraceHeader``, ``EndpointId``, per-entry
authorisation errors (``NotAuthorizedForSourceException``: here the whole call is authorised,
``iam/context/events.py``), retries and dead-letter queues of failed deliveries, and a
``RoleArn`` of targets other than another account's or region's event bus. Unconfirmed: whether a ``Detail`` that is JSON but not an object is refused (the
API reference asks for "a valid JSON object"; moto accepts it, and so does this module).
"""

from __future__ import annotations

import copy
import json
import threading
import time
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.events.models import EventsBackend, events_backends
from moto.events.responses import EventsHandler
from moto.events.utils import _BASE_EVENT_MESSAGE, EventTemplateParser
from moto.moto_api._internal import mock_random as random
from moto.utilities.arns import parse_arn

from .core import ControlRequest, ControlRoute, ServiceExtension, register

MAX_ENTRIES = 10
#: Bus-to-bus forwarding depth: a rule that forwards back is not followed forever (EventBridge
#: detects such loops; how many hops it allows is not published -- the emulator's choice).
MAX_FORWARDS = 5


class EventsRecordBackend(BaseBackend):
    """What was published and delivered in one account/region (reset with every backend)."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.lock = threading.Lock()
        self.published: list[dict[str, Any]] = []
        self.deliveries: list[dict[str, Any]] = []


event_records = BackendDict(EventsRecordBackend, "events")


def _validation_error(message: str) -> Exception:
    from moto.events.exceptions import ValidationException

    return ValidationException(message)


def _entry_error(entry: dict[str, Any]) -> dict[str, str] | None:
    """The per-entry failure of ``entry`` (None: it is accepted)."""
    for member in ("Source", "DetailType", "Detail"):
        if not entry.get(member):
            return {
                "ErrorCode": "InvalidArgument",
                "ErrorMessage": f"Parameter {member} is not valid. Reason: {member} is a "
                "required argument.",
            }
    try:
        json.loads(entry["Detail"])
    except (TypeError, ValueError):
        return {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    resources = entry.get("Resources") or []
    if not isinstance(resources, list) or any(
        not isinstance(r, str) or not r.startswith("arn:") or len(r) > 2048 for r in resources
    ):
        return {
            "ErrorCode": "InvalidArgument",
            "ErrorMessage": "Parameter Resources is not valid. Reason: each resource must be an ARN.",
        }
    return None


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _event_time(entry: dict[str, Any]) -> float:
    given = entry.get("Time")
    if isinstance(given, (int, float)):
        return float(given)
    if isinstance(given, str):
        try:
            return float(given)
        except ValueError:
            from datetime import datetime

            try:
                return datetime.fromisoformat(given.replace("Z", "+00:00")).timestamp()
            except ValueError:
                pass
    return time.time()


def _without_null_token(answer: Any) -> Any:
    """moto's List* answer ``"NextToken": null`` on the last page; AWS omits a member that has
    no value (the shape guard's rule): the member is dropped."""
    body, headers = answer if isinstance(answer, tuple) else (answer, None)
    try:
        parsed = json.loads(body)
    except (TypeError, ValueError):
        return answer
    if isinstance(parsed, dict) and "NextToken" in parsed and parsed["NextToken"] is None:
        del parsed["NextToken"]
        body = json.dumps(parsed)
    return (body, headers) if headers is not None else body


class StudioEventsHandler(EventsHandler):
    """``PutEvents`` with the checks, record and SNS delivery described in the module; the
    List* answers without a null ``NextToken``."""

    def list_rules(self) -> Any:
        body, headers = _without_null_token(super().list_rules())
        parsed = json.loads(body)
        for rule in parsed.get("Rules", []):
            # DescribeRule has CreatedBy; ListRules' ``Rule`` shape does not (botocore model).
            rule.pop("CreatedBy", None)
        return json.dumps(parsed), headers

    def list_targets_by_rule(self) -> Any:
        return _without_null_token(super().list_targets_by_rule())

    def list_rule_names_by_target(self) -> Any:
        return _without_null_token(super().list_rule_names_by_target())

    def list_event_buses(self) -> Any:
        return _without_null_token(super().list_event_buses())

    def put_events(self) -> str:
        entries = self._get_param("Entries")
        if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_ENTRIES:
            count = len(entries) if isinstance(entries, list) else 0
            constraint = (
                "Member must have length greater than or equal to 1"
                if count < 1
                else f"Member must have length less than or equal to {MAX_ENTRIES}"
            )
            raise _validation_error(
                "1 validation error detected: Value '[PutEventsRequestEntry]' at 'entries' "
                f"failed to satisfy constraint: {constraint}"
            )
        results = []
        for entry in entries:
            error = _entry_error(entry)
            if error is not None:
                results.append(error)
                continue
            event_id = str(random.uuid4())
            results.append({"EventId": event_id})
            account, region = _bus_owner(entry.get("EventBusName"), self.current_account, self.region)
            _publish(events_backends[account][region], event_records[account][region], entry,
                     event_id, sender=self.current_account)
        failed = sum(1 for r in results if "ErrorCode" in r)
        return json.dumps({"FailedEntryCount": failed, "Entries": results})


def _bus_name(value: Any) -> str:
    """``EventBusName``: a name or an ARN (API reference); none is ``default``."""
    if not value:
        return "default"
    return str(value).split("/")[-1] if str(value).startswith("arn:") else str(value)


def _bus_owner(value: Any, account: str, region: str) -> tuple[str, str]:
    """The account whose bus an entry names: a bus ARN of another account of the same region
    is that account's bus (EventBridge User Guide, "Sending and receiving events between AWS
    accounts": the sender puts events on the receiver's bus by its ARN, allowed by the bus's
    resource policy -- ``iam/context/events.py``); a name is the caller's own."""
    text = str(value or "")
    if text.startswith("arn:"):
        parts = text.split(":")
        if len(parts) > 5 and parts[3] == region and parts[4].isdigit():
            return parts[4], region
    return account, region


def _publish(backend: EventsBackend, record: EventsRecordBackend, entry: dict[str, Any],
             event_id: str, sender: str | None = None, forwarded_by: str | None = None,
             hops: int = 0) -> None:
    bus_name = _bus_name(entry.get("EventBusName"))
    bus = backend.event_buses.get(bus_name)
    seconds = _event_time(entry)
    event = copy.deepcopy(_BASE_EVENT_MESSAGE)
    event.update({
        "id": event_id,
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        # the account that sent it, also on another account's bus (User Guide, "Sending and
        # receiving events between AWS accounts")
        "account": sender or backend.account_id,
        "time": seconds,
        "region": backend.region_name,
        "resources": list(entry.get("Resources") or []),
        "detail": json.loads(entry["Detail"]),
        "ingestion-time": time.time(),
    })
    with record.lock:
        record.published.append({
            "EventId": event_id,
            "EventBusName": bus_name,
            "bus_exists": bus is not None,
            "AccountId": backend.account_id,
            "SenderAccount": sender or backend.account_id,
            "Source": entry["Source"],
            "DetailType": entry["DetailType"],
            "Detail": event["detail"],
            "Resources": event["resources"],
            "Time": _iso(seconds),
            **({"ForwardedBy": forwarded_by} if forwarded_by else {}),
        })
    if bus is None:
        return
    for rule in list(bus.rules.values()):
        if rule.state != "ENABLED" or not rule.event_pattern.matches_event(event):
            continue
        for target in list(rule.targets):
            outcome = _deliver(backend, rule, target, event, hops)
            with record.lock:
                record.deliveries.append({
                    "EventId": event_id,
                    "Rule": rule.name,
                    "RuleArn": rule.arn,
                    "TargetId": target.get("Id"),
                    "TargetArn": target.get("Arn"),
                    **outcome,
                })


def _target_input(target: dict[str, Any], event: dict[str, Any]) -> str:
    """What the target receives (PutTargets: ``Input`` "valid JSON text passed to the target",
    ``InputTransformer``; neither: the whole event)."""
    if target.get("Input") is not None:
        return str(target["Input"])
    transformer = target.get("InputTransformer")
    if transformer:
        parsed = EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=event,  # type: ignore[arg-type]
        )
        # The template's JSON as the target receives it: a quoted template stays a quoted
        # string (User Guide, "Input transformation": the output of ``"<a> is <b>"``).
        return json.dumps(parsed)
    whole = {k: v for k, v in event.items() if k != "ingestion-time"}
    return json.dumps(dict(whole, time=_iso(float(event["time"]))))


def _deliver(backend: EventsBackend, rule: Any, target: dict[str, Any],
             event: dict[str, Any], hops: int = 0) -> dict[str, Any]:
    arn = str(target.get("Arn") or "")
    try:
        parsed = parse_arn(arn)
        service = parsed.service
    except Exception:
        return {"delivered": False, "reason": f"invalid target ARN {arn}"}
    if service == "logs":
        try:
            message = _target_input(target, event)
        except Exception as exc:
            return {"delivered": False, "reason": f"input transformation failed: {exc}"}
        return _deliver_to_log_group(backend, rule, arn, message, float(event["time"]))
    if service == "events" and parsed.resource_type == "event-bus" and (
        parsed.account != backend.account_id or parsed.region != backend.region_name
    ):
        return _deliver_to_bus(backend, rule, target, event, hops)
    if service == "sns":
        try:
            message = _target_input(target, event)
        except Exception as exc:  # an input path or template that does not fit the event
            return {"delivered": False, "reason": f"input transformation failed: {exc}"}
        return _deliver_to_topic(backend, rule, arn, message)
    single = copy.copy(rule)
    single.targets = [target]
    try:
        type(rule).send_to_targets(single, copy.deepcopy(event))
    except Exception as exc:  # a target moto cannot deliver to
        return {"delivered": False, "reason": f"{type(exc).__name__}: {exc}"}
    return {"delivered": True, "reason": None}


def _log_group_of(arn: str) -> tuple[str, str, str]:
    """(account, region, log group name) of a log group ARN, with or without ``:*``."""
    parts = arn.split(":")
    name = parts[6] if len(parts) > 6 else ""
    return parts[4], parts[3], name


def _logs_resource_policy(logs: Any) -> dict[str, Any] | None:
    """The account's CloudWatch Logs resource policies in one document (each applies to the
    account's log groups its statements name; up to 10 per region, CloudWatch Logs quotas)."""
    statements: list[Any] = []
    for policy in list(logs.resource_policies.values()):
        try:
            document = json.loads(policy.policy_document)
        except (TypeError, ValueError):
            continue
        found = document.get("Statement") if isinstance(document, dict) else None
        statements += found if isinstance(found, list) else [found] if found else []
    return {"Version": "2012-10-17", "Statement": statements} if statements else None


def _deliver_to_log_group(backend: EventsBackend, rule: Any, arn: str, message: str,
                          seconds: float) -> dict[str, Any]:
    from moto.logs.models import logs_backends

    from .iam import in_process

    account, region, name = _log_group_of(arn)
    logs = logs_backends[account][region]
    if name not in logs.groups:
        return {"delivered": False, "reason": f"Log group {name} does not exist"}
    stream = str(random.uuid4())
    group_arn = f"arn:aws:logs:{region}:{account}:log-group:{name}"
    stream_arn = f"{group_arn}:log-stream:{stream}"
    policy = _logs_resource_policy(logs)
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        denied = in_process.service_allowed(
            "events.amazonaws.com", action, stream_arn, account, policy,
            source_account=backend.account_id, source_arn=rule.arn, via="events",
        )
        if denied is not None:
            return {"delivered": False, "reason": denied.message}
    logs.create_log_stream(name, stream)
    logs.put_log_events(name, stream, [{"timestamp": int(seconds * 1000), "message": message}])
    return {"delivered": True, "reason": None, "LogStreamName": stream}


def _deliver_to_bus(backend: EventsBackend, rule: Any, target: dict[str, Any],
                    event: dict[str, Any], hops: int) -> dict[str, Any]:
    from .iam import in_process
    from .iam.context import Authorization
    from .iam.context.events import _bus_policy

    arn = str(target["Arn"])
    if hops >= MAX_FORWARDS:
        return {"delivered": False, "reason": "the event was forwarded too many times"}
    role_arn = target.get("RoleArn")
    if not role_arn:
        return {"delivered": False,
                "reason": f"a RoleArn is required to send events to the event bus {arn}"}
    denied = in_process.trusts(str(role_arn), "events.amazonaws.com",
                               source_account=backend.account_id, source_arn=rule.arn,
                               via="events")
    if denied is not None:
        return {"delivered": False, "reason": denied.message}
    session = in_process.service_session(str(role_arn), "events-forwarding")
    policy, owner = _bus_policy(arn)
    denied = in_process.authorize_as(
        session,
        [Authorization("events:PutEvents", arn, {
            "events:source": [event["source"]],
            "events:detail-type": [event["detail-type"]],
            "events:eventBusInvocation": "true",
        }, policy, owner)],
        via="events", region=backend.region_name,
    )
    if denied is not None:
        return {"delivered": False, "reason": denied.message}
    parts = arn.split(":")
    account, region = parts[4], parts[3]
    entry = {
        "EventBusName": arn,
        "Source": event["source"],
        "DetailType": event["detail-type"],
        "Detail": json.dumps(event["detail"]),
        "Resources": list(event.get("resources") or []),
        "Time": float(event["time"]),
    }
    _publish(events_backends[account][region], event_records[account][region], entry,
             str(event["id"]), sender=str(event.get("account") or backend.account_id),
             forwarded_by=rule.arn, hops=hops + 1)
    return {"delivered": True, "reason": None}


def _deliver_to_topic(backend: EventsBackend, rule: Any, topic_arn: str,
                      message: str) -> dict[str, Any]:
    from moto.sns.models import sns_backends

    from .iam import in_process

    parts = topic_arn.split(":")
    account, region = parts[4], parts[3]
    sns = sns_backends[account][region]
    topic = sns.topics.get(topic_arn)
    if topic is None:
        return {"delivered": False, "reason": f"Topic {topic_arn} does not exist"}
    denied = in_process.service_allowed(
        "events.amazonaws.com", "sns:Publish", topic_arn, account, topic._policy_json,
        source_account=backend.account_id, source_arn=rule.arn, via="events",
    )
    if denied is not None:
        return {"delivered": False, "reason": denied.message}
    message_id = sns.publish(message, arn=topic_arn)
    return {"delivered": True, "reason": None, "MessageId": message_id}


# --------------------------------------------------------------------------
# Control routes
# --------------------------------------------------------------------------


def _records() -> list[EventsRecordBackend]:
    return [b for account in list(event_records.values()) for b in list(account.values())]


def _published(request: ControlRequest) -> tuple[int, Any]:
    found: list[dict[str, Any]] = []
    for record in _records():
        with record.lock:
            found.extend(copy.deepcopy(record.published))
    for member in ("EventBusName", "Source", "DetailType"):
        if request.query.get(member):
            found = [e for e in found if e[member] == request.query[member]]
    return 200, {"events": found}


def _deliveries(request: ControlRequest) -> tuple[int, Any]:
    found: list[dict[str, Any]] = []
    for record in _records():
        with record.lock:
            found.extend(copy.deepcopy(record.deliveries))
    if request.query.get("TargetArn"):
        found = [d for d in found if d["TargetArn"] == request.query["TargetArn"]]
    return 200, {"deliveries": found}


def _clear(_request: ControlRequest) -> tuple[int, Any]:
    for record in _records():
        with record.lock:
            record.published.clear()
            record.deliveries.clear()
    return 200, {"events": [], "deliveries": []}


def _sns_messages(request: ControlRequest) -> tuple[int, Any]:
    from moto.sns.models import sns_backends

    topic_arn = request.query.get("TopicArn")
    if not topic_arn:
        return 400, {"error": "TopicArn is required"}
    parts = topic_arn.split(":")
    if len(parts) != 6:
        return 400, {"error": f"invalid TopicArn {topic_arn}"}
    topic = sns_backends[parts[4]][parts[3]].topics.get(topic_arn)
    if topic is None:
        return 404, {"error": f"Topic {topic_arn} does not exist"}
    return 200, {
        "messages": [
            {"MessageId": m[0], "Message": m[1], "Subject": m[2]}
            for m in list(topic.sent_notifications)
        ]
    }


def _any_principal_permission() -> None:
    """PutPermission with ``Principal: "*"`` (API reference, PutPermission: "Specify "*" to
    permit any account to put events to your default event bus", usually with a ``Condition``
    such as ``aws:PrincipalOrgID``) is the statement ``"Principal": "*"``; moto stored
    ``{"AWS": "arn:aws:iam::*:root"}``, which names no principal, so no account was admitted."""
    original = EventsBackend._put_permission_from_params
    if getattr(original, "_any_principal", False):
        return

    def put(self: EventsBackend, event_bus: Any, action: Any, principal: str,
            statement_id: str, condition: Any) -> None:
        original(self, event_bus, action, principal, statement_id, condition)
        if principal == "*":
            event_bus._statements[statement_id].principal = "*"

    put._any_principal = True  # type: ignore[attr-defined]
    EventsBackend._put_permission_from_params = put  # type: ignore[method-assign]


_any_principal_permission()


EXTENSION = register(
    ServiceExtension(
        name="eventbridge",
        service="events",
        base_response=EventsHandler,
        response=StudioEventsHandler,
        control_routes=[
            ControlRoute("GET", r"events/published", _published),
            ControlRoute("DELETE", r"events/published", _clear),
            ControlRoute("GET", r"events/deliveries", _deliveries),
            ControlRoute("GET", r"sns/messages", _sns_messages),
        ],
    )
)
