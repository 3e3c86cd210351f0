"""Amazon EventBridge operations (SAR: "Actions, resources, and condition keys for Amazon
EventBridge", https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html).

* ``PutEvents``: ``events:PutEvents`` on each event bus its entries name
  (``event-bus/${EventBusName}``; an entry without ``EventBusName`` goes to ``default``; a bus
  given by ARN is that ARN), with ``events:source`` and ``events:detail-type`` (ArrayOfString:
  the sources / detail types of the entries sent to that bus) and ``events:eventBusInvocation``
  = ``false`` (a direct API call, not an event forwarded from a bus). The bus's resource policy
  (PutPermission) is its resource policy, owned by the bus's account, so a bus of another
  account admits the caller only if its policy does too (EventBridge User Guide, "Permissions
  for Amazon EventBridge event buses": e.g. ``aws:PrincipalOrgID`` for an organisation).
* Rule operations (PutRule, DeleteRule, DescribeRule, EnableRule, DisableRule, PutTargets,
  RemoveTargets, ListTargetsByRule): ``rule/${RuleName}`` on the default bus,
  ``rule/${EventBusName}/${RuleName}`` on a custom one. PutRule carries its ``Tags``
  (``aws:RequestTag``/``aws:TagKeys``) and the ``source`` / ``detail-type`` of its
  ``EventPattern`` (``events:source``, ``events:detail-type``); PutTargets ``events:TargetArn``
  and, for a target with a ``RoleArn``, ``iam:PassRole`` to ``events.amazonaws.com``.
* Event bus operations (CreateEventBus, DeleteEventBus, DescribeEventBus): ``event-bus/${Name}``.

Any other operation is ``events:<Operation>`` on ``*``.
"""

from __future__ import annotations

from typing import Any

from . import Authorization, Request, parse_json, pass_role, request_tags

PREFIX = "events"

RULE_OPERATIONS = frozenset({
    "PutRule", "DeleteRule", "DescribeRule", "EnableRule", "DisableRule", "PutTargets",
    "RemoveTargets", "ListTargetsByRule",
})
BUS_OPERATIONS = frozenset({"CreateEventBus", "DeleteEventBus", "DescribeEventBus"})


def _bus_arn(request: Request, bus: Any) -> str:
    if isinstance(bus, str) and bus.startswith("arn:"):
        return bus
    return request.arn("events", f"event-bus/{bus or 'default'}")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def put_events(request: Request) -> list[Authorization]:
    by_bus: dict[str, dict[str, list[str]]] = {}
    for entry in request.params.get("Entries") or []:
        if not isinstance(entry, dict):
            continue
        keys = by_bus.setdefault(
            _bus_arn(request, entry.get("EventBusName")), {"source": [], "detail-type": []}
        )
        for key, member in (("source", "Source"), ("detail-type", "DetailType")):
            if isinstance(entry.get(member), str) and entry[member] not in keys[key]:
                keys[key].append(entry[member])
    if not by_bus:
        return [Authorization("events:PutEvents", _bus_arn(request, None))]
    return [
        Authorization(
            "events:PutEvents",
            arn,
            {
                "events:source": keys["source"],
                "events:detail-type": keys["detail-type"],
                "events:eventBusInvocation": "false",
            },
            *_bus_policy(arn),
        )
        for arn, keys in by_bus.items()
    ]


def _bus_policy(arn: str) -> tuple[Any, str | None]:
    """(the bus's resource policy, its account) for the bus ``arn`` names, if it exists."""
    from moto.events.models import events_backends

    parts = arn.split(":")
    if len(parts) < 6:
        return None, None
    region, account, name = parts[3], parts[4], parts[5].split("/", 1)[-1]
    try:
        bus = events_backends[account][region].event_buses.get(name)
    except Exception:  # noqa: BLE001 -- not an account moto knows
        return None, account
    return (parse_json(bus.policy) if bus is not None else None), account


def _rule(request: Request) -> list[Authorization]:
    p = request.params
    name = p.get("Name") or p.get("Rule")
    bus = p.get("EventBusName")
    if isinstance(bus, str) and bus.startswith("arn:"):
        bus = bus.split("/")[-1]
    path = f"rule/{name}" if not bus or bus == "default" else f"rule/{bus}/{name}"
    arn = request.arn("events", path)
    op = request.operation
    context: dict[str, Any] = {}
    needed: list[Authorization] = []
    if op == "PutRule":
        context.update(request_tags(p.get("Tags")))
        pattern = parse_json(p.get("EventPattern")) or {}
        if isinstance(pattern, dict):
            if _strings(pattern.get("source")):
                context["events:source"] = _strings(pattern.get("source"))
            if _strings(pattern.get("detail-type")):
                context["events:detail-type"] = _strings(pattern.get("detail-type"))
        needed += pass_role(request, p.get("RoleArn"), "events.amazonaws.com")
    if op == "PutTargets":
        targets = [t for t in p.get("Targets") or [] if isinstance(t, dict)]
        context["events:TargetArn"] = [t["Arn"] for t in targets if isinstance(t.get("Arn"), str)]
        for target in targets:
            needed += pass_role(request, target.get("RoleArn"), "events.amazonaws.com")
    return [Authorization(f"events:{op}", arn, context), *needed]


def default(request: Request) -> list[Authorization]:
    op = request.operation
    if op == "PutEvents":
        return put_events(request)
    if op in RULE_OPERATIONS:
        return _rule(request)
    if op in BUS_OPERATIONS:
        name = request.params.get("Name")
        return [Authorization(f"events:{op}", _bus_arn(request, name))]
    return [Authorization(f"events:{op}")]
