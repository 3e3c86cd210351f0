"""The parts of a WSGI request the context builders read: parameters, headers, region, key.

Parameters are merged from what the request's protocol carries them in (botocore's serialisers):
the JSON body (awsJson, restJson), the query string and url-encoded form (query, ec2), and the
URI labels of REST operations (moto's botocore router, as ``control.identify`` uses it). A body
that is read is put back for moto.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any
from urllib.parse import parse_qs

from .context import Request

_CREDENTIAL_RE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
#: The largest body read for its parameters (CreateFunction carries a base64 zip).
MAX_BODY = 64 * 1024 * 1024


def credential(environ: dict[str, Any]) -> tuple[str | None, str | None]:
    """(access key id, region) of a SigV4-signed request (header or presigned URL)."""
    match = _CREDENTIAL_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        return match.group(1), match.group(2)
    query = parse_qs(environ.get("QUERY_STRING", ""))
    scoped = (query.get("X-Amz-Credential") or [None])[0]
    if scoped:
        parts = scoped.split("/")
        if len(parts) >= 5:
            return parts[0], parts[2]
    return None, None


def _body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return b""
    if length <= 0 or length > MAX_BODY:
        return b""
    raw = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(raw)
    return raw


def _uri_params(service: str, environ: dict[str, Any]) -> dict[str, Any]:
    try:
        from moto.core.request import Request as MotoRequest
        from moto.core.routing import get_service_router

        probe = dict(environ, **{"wsgi.input": io.BytesIO(b""), "CONTENT_LENGTH": "0"})
        _operation, params = get_service_router(service).match(MotoRequest(probe))
        return dict(params)
    except Exception:
        return {}


def build(environ: dict[str, Any], service: str, operation: str, protocol: str,
          account_id: str, region: str) -> Request:
    params: dict[str, Any] = {}
    for name, values in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items():
        params[name] = values[0]
    content_type = environ.get("CONTENT_TYPE", "") or ""
    if protocol in ("json", "rest-json") and service != "s3":
        raw = _body(environ)
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if isinstance(body, dict):
                params.update(body)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        raw = _body(environ)
        form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        for name, values in form.items():
            params[name] = values[0]
    if protocol in ("rest-json", "rest-xml"):
        params.update(_uri_params(service, environ))
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    return Request(
        service=service,
        operation=operation,
        region=region,
        account_id=account_id,
        params=params,
        headers=headers,
        path=environ.get("PATH_INFO", "") or "/",
        secure=environ.get("wsgi.url_scheme") == "https",
        source_ip=str(environ.get("REMOTE_ADDR") or "127.0.0.1"),
    )
