"""What a failed resource operation reports."""

from __future__ import annotations


class ResourceFailed(Exception):
    """A resource's create, update or delete failed.

    ``reason`` is the resource event's ``ResourceStatusReason``, verbatim (CloudFormation's
    own wording where the failure is CloudFormation's, e.g. a custom resource's answer).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OperationAbandoned(Exception):
    """The emulator was reset while a stack operation was running: it stops where it is."""
