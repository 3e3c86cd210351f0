"""Service Catalog request checks, ids and errors shared by the operations."""

from __future__ import annotations

import re
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.moto_api._internal import mock_random as random
from moto.servicecatalog.exceptions import InvalidParametersException


NAME_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$"
TOKEN_PATTERN = r"^[a-zA-Z0-9_-]*$"
MAX_TAGS = 50


class ValidationException(JsonRESTError):
    """One of the errors common to all AWS APIs (the only one that fits a
    request on a busy resource where the operation documents no other)."""

    code = 400

    def __init__(self, message: str):
        super().__init__("ValidationException", message)


class DuplicateResourceException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("DuplicateResourceException", message)




def _random_id(prefix: str) -> str:
    return prefix + random.get_random_string(13, lower_case=True)


def _validate(
    errors: list[str], value: Any, name: str, *, required: bool = False,
    pattern: str | None = None, max_len: int | None = None,
) -> None:
    if value is None:
        if required:
            errors.append(f"{name} is required")
        return
    if not isinstance(value, str):
        errors.append(f"{name} must be a string")
        return
    if max_len is not None and not 1 <= len(value) <= max_len:
        errors.append(f"{name} must be 1 to {max_len} characters long")
    if pattern is not None and not re.match(pattern, value):
        errors.append(f"{name} must match {pattern}")


def _check(errors: list[str]) -> None:
    if errors:
        raise InvalidParametersException("; ".join(errors))


#: ``TagKey`` / ``TagValue`` pattern of the model, ``^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$``
#: (Python's ``re`` has no ``\p{..}``: letters and digits are ``[^\W_]``,
#: separators are the Unicode space characters).
TAG_PATTERN = re.compile(r"^(?:[^\W_]|[ \u00a0\u2000-\u200a\u2028\u2029\u3000_.:/=+\-@])*$")


def _check_tags(errors: list[str], tags: Any) -> None:
    """``Tags`` of ``ProvisionProduct``: at most 50 ``Tag`` shapes, each with a
    ``Key`` of 1-128 and a ``Value`` of 1-256 characters matching the model's
    pattern; ``aws:`` keys are reserved."""
    if tags is None:
        return
    if not isinstance(tags, list):
        errors.append("Tags must be a list")
        return
    if len(tags) > MAX_TAGS:
        errors.append(f"Tags must have at most {MAX_TAGS} members")
    for index, tag in enumerate(tags, start=1):
        if not isinstance(tag, dict):
            errors.append(f"Tags[{index}] must be a structure")
            continue
        for member, limit in (("Key", 128), ("Value", 256)):
            value = tag.get(member)
            where = f"'tags.{index}.member.{member.lower()}'"
            if not isinstance(value, str):
                errors.append(f"Value null at {where} failed to satisfy constraint: "
                              "Member must not be null")
            elif not 1 <= len(value) <= limit:
                errors.append(f"Value '{value}' at {where} failed to satisfy constraint: "
                              f"Member must have length between 1 and {limit}")
            elif not TAG_PATTERN.match(value):
                errors.append(f"Value '{value}' at {where} failed to satisfy constraint: "
                              "Member must satisfy regular expression pattern: "
                              "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$")
        if isinstance(tag.get("Key"), str) and tag["Key"].lower().startswith("aws:"):
            errors.append(f"Invalid tag key {tag['Key']!r}: the aws: prefix is reserved")


def _page(items: list[Any], page_size: Any, page_token: Any, default: int, limit: int) -> tuple[list[Any], str | None]:
    if page_size is None or page_size == 0:
        page_size = default
    if not isinstance(page_size, int) or not 0 <= page_size <= limit:
        raise InvalidParametersException(f"PageSize must be between 0 and {limit}")
    start = 0
    if page_token:
        try:
            start = int(str(page_token))
        except ValueError:
            raise InvalidParametersException("The page token is not valid.") from None
        if start < 0 or start > len(items):
            raise InvalidParametersException("The page token is not valid.")
    end = start + page_size
    return items[start:end], (str(end) if end < len(items) else None)
