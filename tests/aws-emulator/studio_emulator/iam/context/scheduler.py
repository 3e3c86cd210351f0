"""EventBridge Scheduler operations (SAR: "Actions, resources, and condition keys for Amazon
EventBridge Scheduler", https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridgescheduler.html).

Every operation is the action of its name; resource ``schedule/${GroupName}/${ScheduleName}``
(group ``default`` when none is given); CreateSchedule/UpdateSchedule pass ``Target.RoleArn``
to ``scheduler.amazonaws.com``: ``iam:PassRole`` (Scheduler User Guide, "Set up the execution
role").
"""

from __future__ import annotations

from . import Authorization, Request, pass_role

PREFIX = "scheduler"


def default(request: Request) -> list[Authorization]:
    p = request.params
    name = p.get("Name")
    if not name or "Group" in request.operation:
        return [Authorization(f"scheduler:{request.operation}")]
    group = p.get("GroupName") or "default"
    arn = request.arn("scheduler", f"schedule/{group}/{name}")
    needed = [Authorization(f"scheduler:{request.operation}", arn)]
    if request.operation in ("CreateSchedule", "UpdateSchedule"):
        target = p.get("Target") or {}
        needed += pass_role(request, target.get("RoleArn"), "scheduler.amazonaws.com")
    return needed
