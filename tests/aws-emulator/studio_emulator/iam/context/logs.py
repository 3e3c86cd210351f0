"""CloudWatch Logs operations (SAR: "Actions, resources, and condition keys for Amazon CloudWatch
Logs", https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html).

Every operation is the action of its name; resource ``log-group:${LogGroupName}`` (and
``log-group:${LogGroupName}:log-stream:${LogStreamName}`` for stream operations); Describe*
without a group on ``*``.
"""

from __future__ import annotations

from . import Authorization, Request, request_tags

PREFIX = "logs"


def default(request: Request) -> list[Authorization]:
    op = request.operation
    p = request.params
    group = p.get("logGroupName")
    if not group:
        return [Authorization(f"logs:{op}")]
    resource = f"log-group:{group}"
    if p.get("logStreamName"):
        resource += f":log-stream:{p['logStreamName']}"
    return [Authorization(f"logs:{op}", request.arn("logs", resource), request_tags(p.get("tags")))]
