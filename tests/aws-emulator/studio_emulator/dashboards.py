"""CloudWatch dashboards: ``PutDashboard``'s checks, for the API and ``AWS::CloudWatch::Dashboard``.

moto 5.2.5's PutDashboard checks only that ``DashboardBody`` parses as JSON (and its
CloudFormation model not even that). The rule lives in the backend's ``put_dashboard``, so the
API call and the stack resource (core.yaml's dashboard, issue #15) are checked alike:

* ``DashboardName``: "can contain only alphanumerics, dash (-) and underscore (_)", 1-255
  characters (API reference, PutDashboard; CloudFormation template reference,
  AWS::CloudWatch::Dashboard: "between 1 and 255 characters").
* ``DashboardBody``: "a string in JSON format" that "must include a ``widgets`` array, but that
  array can be empty", with at most 500 widgets (Dashboard Body Structure and Syntax,
  "Overall Structure"); each widget an object with ``type`` and ``properties``
  ("Widgets Array Structure": both required), ``width`` 1-24 and ``height`` 1-1000 when given.

* A ``log`` widget (a CloudWatch Logs Insights query; issue #16's dashboard across the
  organisation): its ``properties`` need ``query`` (a string, the Logs Insights query, which
  names its log groups with ``SOURCE '<log group>' | ...``) and ``region`` (a string), and
  ``view``, when given, is ``table``, ``timeSeries``, ``bar`` or ``pie`` (Dashboard Body
  Structure and Syntax, "Properties of a log widget object"; ``title`` is free text). Not
  checked: the query's syntax, that its log groups exist.

A refusal is ``DashboardInvalidInputError`` (code ``InvalidParameterInput``, the error
PutDashboard documents: "Some part of the dashboard data is invalid"). Not checked (not
confirmed): the list of widget types and each type's properties.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.cloudwatch.exceptions import DashboardInvalidInputError
from moto.cloudwatch.models import CloudWatchBackend

from .core import ServiceExtension, register

NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,255}")
MAX_WIDGETS = 500
LOG_VIEWS = ("table", "timeSeries", "bar", "pie")


def log_widget_problems(where: str, properties: dict[str, Any]) -> list[str]:
    """What is wrong with the ``properties`` of a ``log`` widget (empty: nothing)."""
    problems = []
    for member in ("query", "region"):
        if not isinstance(properties.get(member), str) or not properties[member]:
            problems.append(f"{where}.properties: should have required property '{member}'")
    view = properties.get("view")
    if view is not None and view not in LOG_VIEWS:
        problems.append(f"{where}.properties.view should be one of {', '.join(LOG_VIEWS)}")
    return problems


def dashboard_problems(name: Any, body: Any) -> list[str]:
    """What is wrong with a dashboard (empty: nothing)."""
    problems = []
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        problems.append(
            "The dashboard name must be 1 to 255 characters of alphanumerics, dash (-) "
            "and underscore (_)"
        )
    try:
        parsed = json.loads(body) if isinstance(body, str) else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        return [*problems, "The field DashboardBody must be a valid JSON object"]
    widgets = parsed.get("widgets")
    if not isinstance(widgets, list):
        return [*problems, "The dashboard body must include a widgets array"]
    if len(widgets) > MAX_WIDGETS:
        problems.append(f"A dashboard can have at most {MAX_WIDGETS} widgets")
    for index, widget in enumerate(widgets):
        where = f"widgets[{index}]"
        if not isinstance(widget, dict):
            problems.append(f"{where} must be an object")
            continue
        if not isinstance(widget.get("type"), str):
            problems.append(f"{where}: should have required property 'type'")
        if not isinstance(widget.get("properties"), dict):
            problems.append(f"{where}: should have required property 'properties'")
        elif widget.get("type") == "log":
            problems += log_widget_problems(where, widget["properties"])
        for member, low, high in (("width", 1, 24), ("height", 1, 1000)):
            value = widget.get(member)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high
            ):
                problems.append(f"{where}.{member} must be an integer from {low} to {high}")
    return problems


def _checked_put_dashboard() -> None:
    if getattr(CloudWatchBackend, "_studio_checks_dashboards", False):
        return
    moto_put = CloudWatchBackend.put_dashboard

    def put_dashboard(self: CloudWatchBackend, name: str, body: str) -> Any:
        problems = dashboard_problems(name, body)
        if problems:
            raise DashboardInvalidInputError("; ".join(problems))
        return moto_put(self, name, body)

    CloudWatchBackend.put_dashboard = put_dashboard  # type: ignore[method-assign]
    CloudWatchBackend._studio_checks_dashboards = True  # type: ignore[attr-defined]


_checked_put_dashboard()

EXTENSION = register(ServiceExtension(name="cloudwatch-dashboards", service="cloudwatch"))
