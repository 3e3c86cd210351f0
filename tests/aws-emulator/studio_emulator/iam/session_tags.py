"""Session tags: AssumeRole's ``Tags`` kept on the session, as STS keeps them.

STS API Reference, AssumeRole, ``Tags``: "A list of session tags that you want to pass. ...
they are passed as principal tags"; IAM User Guide, "Passing session tags in AWS STS": the
session's ``aws:PrincipalTag/<key>`` are its session tags, which override a role tag of the
same key. moto 5.2.5 reads ``Tags`` nowhere; :func:`install` wraps its ``TokenResponse.assume_role``
so that the ``AssumedRole`` it creates carries ``session_tags`` (read by
``principals.resolve``). ``TransitiveTagKeys`` (tags carried into a role chain) are not
modelled.
"""

from __future__ import annotations

import threading
from typing import Any

_PENDING = threading.local()


def _request_tags(response: Any) -> dict[str, str]:
    parsed = response._get_param("Tags")
    if isinstance(parsed, list):
        return {
            str(t.get("Key")): str(t.get("Value", "")) for t in parsed if isinstance(t, dict)
        }
    tags: dict[str, str] = {}
    index = 1
    while True:
        key = response._get_param(f"Tags.member.{index}.Key")
        if key is None:
            return tags
        tags[str(key)] = str(response._get_param(f"Tags.member.{index}.Value") or "")
        index += 1


def install() -> None:
    from moto.sts.models import STSBackend
    from moto.sts.responses import TokenResponse

    if getattr(TokenResponse.assume_role, "_keeps_session_tags", False):
        return
    moto_response = TokenResponse.assume_role
    moto_backend = STSBackend.assume_role

    def assume_role(self: Any) -> Any:
        _PENDING.tags = _request_tags(self)
        try:
            return moto_response(self)
        finally:
            _PENDING.tags = None

    def backend_assume_role(self: Any, *args: Any, **kwargs: Any) -> Any:
        role = moto_backend(self, *args, **kwargs)
        role.session_tags = dict(getattr(_PENDING, "tags", None) or {})
        return role

    assume_role._keeps_session_tags = True  # type: ignore[attr-defined]
    TokenResponse.assume_role = assume_role  # type: ignore[method-assign]
    STSBackend.assume_role = backend_assume_role  # type: ignore[method-assign]
