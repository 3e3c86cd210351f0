"""Test hooks of the SageMaker Studio extension (``/_studio_emulator/...``).

Not part of AWS: what tests need to see or force (home EFS records, issued
presigned URLs, a failed domain or app, an app's last real user activity, a
resource's creation time moved into the past).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ..core import ControlRequest
from .models import iter_studio_backends


def control_list_efs(request: ControlRequest) -> tuple[int, Any]:
    records: list[dict[str, Any]] = []
    for backend in iter_studio_backends():
        records.extend(backend.home_efs_records())
    domain_id = request.query.get("DomainId")
    if domain_id:
        records = [r for r in records if r["DomainId"] == domain_id]
    return 200, {"file_systems": records}


def control_fail_domain(request: ControlRequest) -> tuple[int, Any]:
    domain_id = request.match["domain_id"]
    body = request.body or {}
    reason = body.get("reason") or body.get("FailureReason") or "Injected failure"
    for backend in iter_studio_backends():
        domain = backend.fail_domain(domain_id, str(reason))
        if domain is not None:
            return 200, {"DomainId": domain_id, "Status": "Failed", "FailureReason": reason}
    return 404, {"error": f"Cannot find Domain with id {domain_id}"}


def control_list_presigned_urls(request: ControlRequest) -> tuple[int, Any]:
    records: list[dict[str, Any]] = []
    for backend in iter_studio_backends():
        with backend.lock:
            records.extend(dict(r) for r in backend.presigned_urls)
    domain_id = request.query.get("DomainId")
    if domain_id:
        records = [r for r in records if r["DomainId"] == domain_id]
    return 200, {"presigned_urls": records}


def _parse_rfc3339(value: Any, member: str = "LastUserActivityTimestamp") -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{member} must be an RFC3339 string")
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def control_fail_app(request: ControlRequest) -> tuple[int, Any]:
    body = request.body or {}
    arn = body.get("AppArn")
    if not arn:
        return 400, {"error": "AppArn is required"}
    reason = str(body.get("reason") or body.get("FailureReason") or "Injected failure")
    for backend in iter_studio_backends():
        if backend.fail_app(arn, reason) is not None:
            return 200, {"AppArn": arn, "Status": "Failed", "FailureReason": reason}
    return 404, {"error": f"Cannot find App {arn}"}


def control_app_last_activity(request: ControlRequest) -> tuple[int, Any]:
    """The app's user was active at ``LastUserActivityTimestamp``. DescribeApp reports the
    later of that and the last health check (``models.HealthChecks``), so an activity in the
    past is overtaken by the health checks of a running app, as on AWS."""
    body = request.body or {}
    arn = body.get("AppArn")
    if not arn:
        return 400, {"error": "AppArn is required"}
    try:
        when = _parse_rfc3339(body.get("LastUserActivityTimestamp"))
    except ValueError as exc:
        return 400, {"error": str(exc)}
    for backend in iter_studio_backends():
        if backend.set_app_last_activity(arn, when) is not None:
            return 200, {
                "AppArn": arn,
                "LastUserActivityTimestamp": when.isoformat() + "Z",
            }
    return 404, {"error": f"Cannot find App {arn}"}



def control_creation_time(request: ControlRequest) -> tuple[int, Any]:
    """``{"ResourceArn": <domain|user-profile|space|app ARN>, "CreationTime": RFC3339}``:
    the resource was created then (lifetime tests: "created 13 hours ago"). An app's time
    ``InService`` moves with it, so its health checks continue up to now."""
    body = request.body or {}
    arn = body.get("ResourceArn") or body.get("AppArn")
    if not arn:
        return 400, {"error": "ResourceArn is required"}
    try:
        when = _parse_rfc3339(body.get("CreationTime"), "CreationTime")
    except ValueError as exc:
        return 400, {"error": str(exc)}
    for backend in iter_studio_backends():
        if backend.owns_arn(arn) and backend.set_creation_time(arn, when) is not None:
            return 200, {"ResourceArn": arn, "CreationTime": when.isoformat() + "Z"}
    return 404, {"error": f"Cannot find resource {arn}"}
