"""EventBridge Scheduler firing its schedules (moto 5.2.5 only stores them).

moto's scheduler backend holds the schedules (``AWS::Scheduler::Schedule`` is created by the
CloudFormation types); this module makes one fire, as EventBridge Scheduler fires it.  Sources:

* Lambda targets are templated targets ("Using templated targets in EventBridge Scheduler":
  Lambda ``Invoke``, by the function's ARN); "EventBridge Scheduler invokes your Lambda
  function asynchronously" (Lambda developer guide, "Using Lambda with Amazon EventBridge
  Scheduler") -- an ``Event`` invocation through ``awslambda.invoke``.  Universal targets
  (``arn:aws:scheduler:::aws-sdk:...``) and the other templated targets are not modelled:
  the fire route refuses them (400).
* The payload is the target's ``Input`` (API reference ``Target``: "If you are configuring a
  templated Lambda ... the input must be a well-formed JSON"), with the context attributes
  replaced ("Adding context attributes in EventBridge Scheduler": ``<aws.scheduler.schedule-arn>``,
  ``<aws.scheduler.scheduled-time>`` as ``2022-03-22T18:59:43Z``, ``<aws.scheduler.execution-id>``,
  ``<aws.scheduler.attempt-number>``).  Without ``Input`` "EventBridge Scheduler delivers a
  default notification to the target" (``Target.Input``); its content is not documented: the
  emulator sends ``{}``.
* The target is invoked as the schedule's execution role ``Target.RoleArn`` ("To configure a
  templated target, you must also grant permissions to the schedule's execution role"): the
  role must exist in the schedule's account and trust ``scheduler.amazonaws.com`` (the user
  guide's "Setting up the execution role"), else the firing fails (the route answers 422).
  The role is kept on each execution (``role_arn``); with IAM enforced the target is invoked
  only if that role's session may ``lambda:InvokeFunction`` it (``_authorize``).
* ``State``: a ``DISABLED`` schedule does not run (API reference ``CreateSchedule``): the
  fire route refuses it (409).
* Background firing (off by default; ``POST /_studio_emulator/config {"scheduler_firing":
  "rate"}``; ``"off"`` stops it, as does ``POST reset``): an ``ENABLED`` ``rate(N unit)``
  schedule fires every N units from its ``StartDate`` or creation (ticks missed while firing
  was off are not caught up), an ``at(...)`` schedule once at its time in
  ``ScheduleExpressionTimezone`` ("Schedule types on EventBridge Scheduler"; one whose time
  passed while firing was off fires when it starts), after which ``ActionAfterCompletion:
  DELETE`` deletes it.  ``cron(...)`` is
  not fired in the background (only through the route).  ``{"scheduler_time_scale": 60}``
  makes a rate run 60 times faster (a ``rate(1 minute)`` fires every second), for the
  walk-through and the tests.

Not modelled: ``FlexibleTimeWindow`` (a schedule fires at the window's start), retries and
dead-letter queues of the schedule (once Lambda accepted the event, its own asynchronous
retries apply), ``EndDate``, KMS.
"""

from __future__ import annotations

import json
import math
import re
import string
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from moto.core.base_backend import BackendDict, BaseBackend
from moto.moto_api._internal import mock_random as random
from moto.scheduler.models import Schedule, scheduler_backends

from .core import ControlRequest, ControlRoute, ServiceExtension, Setting, register

LAMBDA_ARN = re.compile(
    r"arn:aws[a-z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:"
    r"(?P<name>[A-Za-z0-9_-]+)(?::(?P<qualifier>[A-Za-z0-9$_-]+))?"
)
RATE = re.compile(r"rate\((?P<n>[1-9][0-9]*) (?P<unit>minutes?|hours?|days?)\)")
AT = re.compile(r"at\((?P<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)")
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
SCHEDULER_PRINCIPAL = "scheduler.amazonaws.com"


class FiringError(Exception):
    """A schedule that cannot fire: ``status`` is the fire route's HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Execution:
    """One firing of a schedule (what the fire route answers)."""

    schedule_arn: str
    execution_id: str
    scheduled_time: str
    attempt_number: int
    invoked: str | None  # the function's ARN
    role_arn: str
    input: str
    request_id: str | None = None
    error: str | None = None


class SchedulerFiringBackend(BaseBackend):
    """The executions of one account and region (reset with moto's backends)."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.executions: list[Execution] = []
        self.next_due: dict[str, tuple[str, float]] = {}  # arn -> (expression, real time)
        self.completed: set[tuple[str, str]] = set()  # (arn, at() expression) fired
        self.lock = threading.Lock()
        self.due_lock = threading.Lock()  # one background pass at a time

    @property
    def schedules(self) -> Any:
        return scheduler_backends[self.account_id][self.region_name]

    def fire(self, schedule: Schedule, scheduled_time: datetime | None = None) -> Execution:
        """Invokes ``schedule``'s target once, as EventBridge Scheduler does."""
        if schedule.state != "ENABLED":
            raise FiringError(
                409,
                f"schedule {schedule.group_name}/{schedule.name} is {schedule.state}: "
                "EventBridge Scheduler does not invoke the target of a schedule that is not "
                "ENABLED",
            )
        target = schedule.target or {}
        arn = str(target.get("Arn") or "")
        match = LAMBDA_ARN.fullmatch(arn)
        if not match:
            raise FiringError(
                400,
                f"target {arn!r} is not a Lambda function: the emulator fires Lambda "
                "templated targets only",
            )
        when = (scheduled_time or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
        alphabet = string.ascii_lowercase + string.digits
        execution_id = "".join(random.choice(alphabet) for _ in range(16))
        execution = Execution(
            schedule_arn=schedule.arn,
            execution_id=execution_id,
            scheduled_time=when,
            attempt_number=1,
            invoked=arn.rsplit(":", 1)[0] if match["qualifier"] else arn,
            role_arn=str(target.get("RoleArn") or ""),
            input=_payload(target.get("Input"), schedule.arn, when, execution_id, 1),
        )
        try:
            self._check_role(execution.role_arn)
            self._authorize(schedule, execution)
            from . import awslambda

            invocation = awslambda.invoke(
                match["account"],
                match["region"],
                f"arn:aws:lambda:{match['region']}:{match['account']}:function:{match['name']}",
                execution.input.encode(),
                "Event",
                qualifier=match["qualifier"],
            )
            execution.request_id = invocation.request_id
        except FiringError as exc:
            execution.error = exc.message
            self._record(execution)
            raise
        except Exception as exc:  # the invocation was refused (missing function, throttled)
            execution.error = f"{type(exc).__name__}: {exc}"
            self._record(execution)
            raise FiringError(422, execution.error) from exc
        self._record(execution)
        return execution

    def _record(self, execution: Execution) -> None:
        with self.lock:
            self.executions.append(execution)

    def _authorize(self, schedule: Schedule, execution: Execution) -> None:
        """With IAM enforced (issue #13): Scheduler assumes the execution role (its trust
        policy, with ``aws:SourceAccount`` and ``aws:SourceArn`` = the schedule's ARN, as the
        user guide's "Set up the execution role" conditions it) and invokes the target as that
        session: ``lambda:InvokeFunction`` on the function (``iam/in_process.py``)."""
        from .iam import in_process
        from .iam.context import Authorization
        from .iam.context.awslambda import function_policy

        if not in_process.enforcing():
            return
        denied = in_process.trusts(
            execution.role_arn, SCHEDULER_PRINCIPAL, self.account_id, schedule.arn, via="scheduler"
        )
        if denied is not None:
            raise FiringError(422, denied.message)
        session = in_process.service_session(execution.role_arn, execution.execution_id)
        target = execution.invoked
        account, region, name = target.split(":")[4], target.split(":")[3], target.split(":")[6]
        try:
            from moto.awslambda.models import lambda_backends

            policy = function_policy(lambda_backends[account][region].get_policy(name, None))
        except Exception:
            policy = None
        denied = in_process.authorize_as(
            session,
            [Authorization("lambda:InvokeFunction", target, {}, policy, account)],
            via="scheduler",
            region=self.region_name,
        )
        if denied is not None:
            raise FiringError(422, denied.message)

    def _check_role(self, role_arn: str) -> None:
        from moto.iam.models import iam_backends

        try:
            account = role_arn.split(":")[4]
            role = iam_backends[account]["aws"].get_role_by_arn(role_arn)
        except Exception:
            raise FiringError(
                422,
                f"EventBridge Scheduler cannot assume the execution role {role_arn!r}: no such role",
            ) from None
        document = role.assume_role_policy_document
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except ValueError:
                document = {}
        for statement in _as_list((document or {}).get("Statement", [])):
            principal = statement.get("Principal") or {}
            services = (
                [SCHEDULER_PRINCIPAL]
                if principal == "*"
                else _as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
            )
            actions = _as_list(statement.get("Action", []))
            if (
                statement.get("Effect") == "Allow"
                and SCHEDULER_PRINCIPAL in services
                and any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions)
            ):
                return
        raise FiringError(
            422,
            f"EventBridge Scheduler cannot assume the execution role {role_arn!r}: its trust "
            f"policy does not allow {SCHEDULER_PRINCIPAL} to call sts:AssumeRole",
        )

    # ------------------------------------------------------------------
    # Background firing
    # ------------------------------------------------------------------

    def fire_due(self, now: float, scale: float) -> None:
        """Fires every ENABLED rate()/at() schedule that is due at real time ``now``."""
        with self.due_lock:
            self._fire_due(now, scale)

    def _fire_due(self, now: float, scale: float) -> None:
        for group in list(self.schedules.schedule_groups.values()):
            for schedule in list(group.schedules.values()):
                if schedule.state != "ENABLED":
                    continue
                expression = schedule.schedule_expression
                due = self._due(schedule, now, scale)
                if due is None or due > now:
                    continue
                try:
                    self.fire(schedule, datetime.fromtimestamp(due, timezone.utc))
                except FiringError:
                    pass  # recorded in the executions
                if AT.fullmatch(expression):
                    self.completed.add((schedule.arn, expression))
                    if (schedule.action_after_completion or "NONE") == "DELETE":
                        group.schedules.pop(schedule.name, None)
                else:
                    rate = RATE.fullmatch(expression)
                    assert rate is not None
                    period = _rate_seconds(rate) / scale
                    self.next_due[schedule.arn] = (expression, _next_tick(due, period, now))

    def _due(self, schedule: Schedule, now: float, scale: float) -> float | None:
        expression = schedule.schedule_expression
        if (schedule.arn, expression) in self.completed:
            return None
        known = self.next_due.get(schedule.arn)
        if known is not None and known[0] == expression:
            return known[1]
        rate = RATE.fullmatch(expression)
        at = AT.fullmatch(expression)
        if rate:
            # Every period from StartDate (or creation); a changed expression starts from now.
            created = float(schedule.creation_date or now)
            start = now if known else _epoch(schedule.start_date) or created
            due = _next_tick(start, _rate_seconds(rate) / scale, now)
        elif at:
            zone = ZoneInfo(schedule.schedule_expression_timezone or "UTC")
            due = datetime.fromisoformat(at["time"]).replace(tzinfo=zone).timestamp()
        else:
            return None
        self.next_due[schedule.arn] = (expression, due)
        return due


firing_backends = BackendDict(SchedulerFiringBackend, "scheduler")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _next_tick(start: float, period: float, now: float) -> float:
    """The first ``start + k * period`` (k >= 1) after ``now``: missed ticks are not caught up."""
    if now < start + period:
        return start + period
    return start + (math.floor((now - start) / period) + 1) * period


def _rate_seconds(rate: re.Match[str]) -> float:
    return int(rate["n"]) * UNIT_SECONDS[rate["unit"].rstrip("s")]


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        pass
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _payload(
    template: Any, schedule_arn: str, scheduled_time: str, execution_id: str, attempt: int
) -> str:
    """The target's ``Input`` with the context attributes filled in (``{}`` without one)."""
    if template is None or template == "":
        return "{}"
    text = str(template)
    for name, value in (
        ("schedule-arn", schedule_arn),
        ("scheduled-time", scheduled_time),
        ("execution-id", execution_id),
        ("attempt-number", str(attempt)),
    ):
        text = text.replace(f"<aws.scheduler.{name}>", value)
    return text


def find_schedules(
    group: str, name: str, account_id: str | None = None, region: str | None = None
) -> list[tuple[str, str, Schedule]]:
    """``(account, region, schedule)`` of every schedule ``group``/``name``."""
    found = []
    for account, account_backends in list(scheduler_backends.items()):
        if account_id and account != account_id:
            continue
        for region_name, backend in list(account_backends.items()):
            if region and region_name != region:
                continue
            schedule_group = backend.schedule_groups.get(group)
            if schedule_group is not None and name in schedule_group.schedules:
                found.append((account, region_name, schedule_group.schedules[name]))
    return found


# --------------------------------------------------------------------------
# The background firer
# --------------------------------------------------------------------------


class BackgroundFiring:
    """``scheduler_firing``/``scheduler_time_scale``: one thread that fires what is due."""

    TICK_SECONDS = 0.05

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._mode = "off"
        self._scale = 1.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def scale(self) -> float:
        return self._scale

    def set_mode(self, value: Any) -> None:
        if value not in ("off", "rate"):
            raise ValueError("scheduler_firing must be 'off' or 'rate'")
        with self._lock:
            self._mode = str(value)
            if value == "rate" and self._thread is None:
                for account_backends in list(firing_backends.values()):
                    for backend in list(account_backends.values()):
                        backend.next_due.clear()  # due times start again from the schedules' own
                self._stop = threading.Event()  # one per thread: a stopping one keeps its own
                self._thread = threading.Thread(
                    target=self._run, args=(self._stop,), name="scheduler-firing", daemon=True
                )
                self._thread.start()
            elif value == "off" and self._thread is not None:
                self._stop.set()
                self._thread = None

    def set_scale(self, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ValueError("scheduler_time_scale must be a positive number")
        with self._lock:
            self._scale = float(value)

    def reset(self) -> None:
        self.set_mode("off")
        with self._lock:
            self._scale = 1.0

    def _run(self, stop: threading.Event) -> None:
        while not stop.wait(self.TICK_SECONDS):
            now = time.time()
            for account, account_backends in list(scheduler_backends.items()):
                for region_name in list(account_backends.keys()):
                    try:
                        firing_backends[account][region_name].fire_due(now, self._scale)
                    except Exception:  # never let one region's schedules stop the others
                        continue


background = BackgroundFiring()


# --------------------------------------------------------------------------
# Control routes
# --------------------------------------------------------------------------


def _fire_route(req: ControlRequest) -> tuple[int, Any]:
    group, name = req.match["group"], req.match["name"]
    found = find_schedules(group, name, req.query.get("account_id"), req.query.get("region"))
    if not found:
        return 404, {"error": f"no schedule {group}/{name}"}
    if len(found) > 1:
        return 400, {
            "error": f"schedule {group}/{name} exists in several accounts/regions: "
            "give ?account_id=&region="
        }
    account, region, schedule = found[0]
    try:
        execution = firing_backends[account][region].fire(schedule)
    except FiringError as exc:
        return exc.status, {"error": exc.message}
    return 200, asdict(execution)


def _executions_route(req: ControlRequest) -> tuple[int, Any]:
    executions = [
        asdict(e)
        for account_backends in list(firing_backends.values())
        for backend in list(account_backends.values())
        for e in list(backend.executions)
    ]
    if req.query.get("schedule_arn"):
        executions = [e for e in executions if e["schedule_arn"] == req.query["schedule_arn"]]
    return 200, {"executions": executions}


EXTENSION = register(
    ServiceExtension(
        name="scheduler-firing",
        service="scheduler",
        control_routes=[
            ControlRoute(
                "POST", r"scheduler/schedules/(?P<group>[^/]+)/(?P<name>[^/]+)/fire", _fire_route
            ),
            ControlRoute("GET", r"scheduler/executions", _executions_route),
        ],
        settings={
            "scheduler_firing": Setting(
                get=lambda: background.mode, set=background.set_mode, reset=background.reset
            ),
            "scheduler_time_scale": Setting(get=lambda: background.scale, set=background.set_scale),
        },
    )
)
