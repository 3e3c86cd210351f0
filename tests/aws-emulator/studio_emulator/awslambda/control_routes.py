"""Test hooks of the Lambda executor (below ``/_studio_emulator/``; moto has its own ``/moto-api``).

Its settings are in ``POST config`` (``lambda_async_retry_seconds``, ``lambda_idle_seconds``,
``lambda_throttle_retry_seconds``; see ``executor.ExecutorSettings``).

* ``GET lambda/environments`` — the execution environments alive, each with ``Id``,
  ``FunctionName``, ``Version``, ``Pid``, ``Busy``, ``Invocations``, ``LogGroupName``,
  ``LogStreamName``, ``IdleSeconds``; ``?FunctionName=`` filters. Also ``pending_events``: the
  asynchronous events queued or running.
"""

from __future__ import annotations

from typing import Any

from ..core import ControlRequest, ControlRoute
from .models import lambda_executor_backends


def get_environments(req: ControlRequest) -> tuple[int, Any]:
    wanted = req.query.get("FunctionName")
    environments = []
    pending = 0
    for account in list(lambda_executor_backends.values()):
        for backend in list(account.values()):
            pending += backend.queue.pending()
            environments += [
                dict(e.describe(), AccountId=backend.account_id, Region=backend.region_name)
                for e in backend.environments()
                if wanted in (None, e.snapshot.name)
            ]
    return 200, {"environments": environments, "pending_events": pending}


ROUTES = [
    ControlRoute("GET", r"lambda/environments", get_environments),
]
