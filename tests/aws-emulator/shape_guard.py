"""The shape guard: every answer the emulator gives is checked against botocore's models.

botocore's ``ParamValidator`` checks only the *input* of a call, and only in part
(no enum, pattern or maximum). Nothing checks what a server answers: botocore's parsers
take whatever the body holds and drop what the model does not name. An emulator that
answers a member AWS never sends, an enum value AWS does not have, an ARN that does not
match the documented pattern, or an error code the operation cannot return, would pass
its own tests and mislead the code tested against it. This module reports those answers.

What is checked, for each answer (``check_response``), after the installed botocore
service model (``botocore/data/<service>/<version>/service-2.json``):

* The parsed output (botocore's own parser, so the values are what an SDK sees) against
  the operation's output shape (``check_value``): required members
  (``StructureShape.required_members``), member types, ``enum`` (``StringShape.enum``),
  ``pattern``, ``min``/``max`` (string and blob lengths, list and map sizes, number
  values), and that a union has exactly one member set.
* The raw body (``check_json_wire`` for awsJson/restJson, ``check_xml_wire`` for
  awsQuery/restXml): no member the shape does not name (the parser would drop it
  silently), JSON types as serialised (a number for an ``integer``, a timestamp as epoch
  seconds unless the model says ``timestampFormat``, no ``null``).
* An error's code (from botocore's parser, as ``ClientError.response["Error"]["Code"]``)
  against the operation's documented errors (``OperationModel.error_shapes``, with the
  code of an ``error`` trait, e.g. IAM's ``NoSuchEntity``) and the errors common to all
  AWS APIs (``COMMON_ERRORS``).

Patterns: the models' patterns are Java/ECMAScript regular expressions, matched
unanchored (Smithy ``@pattern``: "the pattern is not implicitly anchored",
https://smithy.io/2.0/spec/constraint-traits.html#pattern-trait). They are compiled with
the ``regex`` package (installed with ``moto[server]``, through ``cfn-lint``), which
knows ``\\p{L}``-style classes; the one Java idiom it lacks that these services use — a
UTF-16 surrogate pair range ``\\uD800\\uDC00-\\uDBFF\\uDFFF`` meaning U+10000–U+10FFFF —
is translated. A pattern that still does not compile is not checked (listed in
``UNCHECKED_PATTERNS``), never guessed.
"""

from __future__ import annotations

import datetime
import json
import threading
from collections import Counter
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import regex
from botocore.model import OperationModel, Shape
from botocore.parsers import create_parser

# The errors common to the API actions of all AWS services: the "Common Errors" page of
# each service's API reference, in its published versions, e.g.
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html; the newer
# list (ExpiredTokenException, MalformedHttpRequestException, RequestAbortedException,
# RequestEntityTooLargeException, RequestTimeoutException, UnrecognizedClientException,
# UnknownOperationException): https://docs.aws.amazon.com/lambda/latest/api/CommonErrors.html;
# the older one (InvalidParameterCombination, InvalidParameterValue, InvalidQueryParameter,
# MalformedQueryString, MissingAction, MissingAuthenticationToken, MissingParameter):
# https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html, and the
# query services' spelling ``Throttling``:
# https://docs.aws.amazon.com/cloudsearch/latest/developerguide/CommonErrors.html.
# The pages spell the validation error ``ValidationError`` (what the query services
# answer); the JSON services answer ``ValidationException`` (e.g. SageMaker's
# "ValidationException: 2 validation errors detected: Value '' at
# 'defaultSpaceSettings.executionRole' ...", hashicorp/terraform-provider-aws#27990), so
# both are common. Likewise the query services spell an expired session token
# ``ExpiredToken`` ("An error occurred (ExpiredToken) when calling the GetCallerIdentity
# operation: The security token included in the request is expired", aws/aws-cli#7870;
# IAM's ``<Code>ExpiredToken</Code>``, cfn-sphere/cfn-sphere#55).
COMMON_ERRORS = frozenset(
    {
        "AccessDeniedException",
        "ExpiredToken",
        "ExpiredTokenException",
        "IncompleteSignature",
        "InternalFailure",
        "InvalidAction",
        "InvalidClientTokenId",
        "InvalidParameterCombination",
        "InvalidParameterValue",
        "InvalidQueryParameter",
        "MalformedHttpRequestException",
        "MalformedQueryString",
        "MissingAction",
        "MissingAuthenticationToken",
        "MissingParameter",
        "NotAuthorized",
        "OptInRequired",
        "RequestAbortedException",
        "RequestEntityTooLargeException",
        "RequestExpired",
        "RequestTimeoutException",
        "ServiceUnavailable",
        "Throttling",
        "ThrottlingException",
        "UnknownOperationException",
        "UnrecognizedClientException",
        "ValidationError",
        "ValidationException",
    }
)

# Violations the guard reports but that are accepted, in this one place, each with its
# reason: (service, operation, regex searched in the violation) -> reason.
ALLOWED: dict[tuple[str, str, str], str] = {
    # moto itself (not our extension), moto 5.2.5:
    ("scheduler", "GetSchedule", r"^GetSchedule\.\w+: null "): (
        "moto's Schedule.to_dict() writes null for the members a schedule does not set "
        "(StartDate, EndDate, KmsKeyArn, ActionAfterCompletion); every SDK reads null as "
        "absent, so the answer means what AWS's (which omits them) means"
    ),
    # (KMS: for the IAM evaluation's key-policy tests, test_iam_context.py)
    (
        "kms",
        "CreateKey",
        r"^CreateKey\.KeyMetadata\.(KeyUsage|MultiRegion|SigningAlgorithms): null ",
    ): (
        "moto 5.2.5's KMS writes null for the KeyMetadata members a symmetric key does not "
        "set; SDKs read null as absent, AWS omits them"
    ),
    (
        "kms",
        "DescribeKey",
        r"^DescribeKey\.KeyMetadata\.(KeyUsage|MultiRegion|SigningAlgorithms): null ",
    ): (
        "moto 5.2.5's KMS writes null for the KeyMetadata members a symmetric key does not "
        "set; SDKs read null as absent, AWS omits them"
    ),
    ("organizations", "ListAccounts", r"^ListAccounts\.NextToken: null "): (
        "moto's Organizations writes NextToken: null on the last page; SDKs read it as "
        "absent (no more pages), as AWS's omitted member"
    ),
    # AWS itself, against its model:
    (
        "cloudformation",
        "DescribeStackEvents",
        r"^DescribeStackEvents\.StackEvents\[\d+\]\.ResourceStatus: "
        r"'UPDATE(_ROLLBACK)?_COMPLETE_CLEANUP_IN_PROGRESS' is not one of ",
    ): (
        "a stack's own events (ResourceType AWS::CloudFormation::Stack) carry its stack "
        "status, and CloudFormation records the two cleanup phases of an update as events "
        "(user guide, 'Stack status codes'; the events of any update), which the model's "
        "ResourceStatus enum does not list; SDKs keep unknown enum values as strings"
    ),
    ("logs", "FilterLogEvents", r"^FilterLogEvents\.nextToken: null "): (
        "moto's CloudWatch Logs writes nextToken: null on the last page; SDKs read it as "
        "absent (no more pages), as AWS's omitted member"
    ),
    ("logs", "DescribeLogStreams", r"^DescribeLogStreams\.nextToken: null "): (
        "moto's CloudWatch Logs writes nextToken: null on the last page; SDKs read it as "
        "absent (no more pages), as AWS's omitted member"
    ),
}

_SURROGATE_PAIR_RANGE = "\\uD800\\uDC00-\\uDBFF\\uDFFF"
_PATTERNS: dict[str, Any] = {}
UNCHECKED_PATTERNS: set[str] = set()


def compiled_pattern(pattern: str) -> Any | None:
    """The model's ``pattern`` compiled (cached), or ``None`` if it cannot be."""
    if pattern not in _PATTERNS:
        translated = pattern.replace(_SURROGATE_PAIR_RANGE, "\\U00010000-\\U0010FFFF")
        try:
            _PATTERNS[pattern] = regex.compile(translated)
        except regex.error:
            _PATTERNS[pattern] = None
            UNCHECKED_PATTERNS.add(pattern)
    return _PATTERNS[pattern]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _expected(path: str, what: str, value: Any) -> str:
    """The violation of a value that is not of the kind its shape names."""
    return f"{path}: expected {what}, got {_type_of(value)} {_short(value)}"


def _type_of(value: Any) -> str:
    return type(value).__name__


def _check_size(shape: Shape, size: int, what: str, path: str) -> Iterator[str]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        yield f"{path}: {what} {size} is below the minimum {low}"
    if high is not None and size > high:
        yield f"{path}: {what} {size} is above the maximum {high}"


def check_value(shape: Shape, value: Any, path: str) -> Iterator[str]:
    """Violations of ``shape`` by ``value`` (a value as botocore's parser returns it)."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            yield _expected(path, "a structure", value)
            return
        if shape.metadata.get("document"):
            return
        for name in shape.required_members:
            if name not in value:
                yield f"{path}.{name}: required member is missing"
        for name, item in value.items():
            member = shape.members.get(name)
            if member is not None:
                yield from check_value(member, item, f"{path}.{name}")
        if shape.metadata.get("union") and len(value) != 1:
            yield f"{path}: a union must have exactly one member set, has {sorted(value)}"
    elif kind == "list":
        if not isinstance(value, list):
            yield _expected(path, "a list", value)
            return
        yield from _check_size(shape, len(value), "list length", path)
        for index, item in enumerate(value):
            yield from check_value(shape.member, item, f"{path}[{index}]")
    elif kind == "map":
        if not isinstance(value, dict):
            yield _expected(path, "a map", value)
            return
        yield from _check_size(shape, len(value), "map size", path)
        for key, item in value.items():
            yield from check_value(shape.key, key, f"{path}[{key!r}] (key)")
            yield from check_value(shape.value, item, f"{path}[{key!r}]")
    elif kind == "string":
        if not isinstance(value, str):
            yield _expected(path, "a string", value)
            return
        if shape.enum and value not in shape.enum:
            yield f"{path}: {_short(value)} is not one of {shape.enum}"
        yield from _check_size(shape, len(value), "length", path)
        pattern = shape.metadata.get("pattern")
        if pattern is not None:
            compiled = compiled_pattern(pattern)
            if compiled is not None and compiled.search(value) is None:
                yield f"{path}: {_short(value)} does not match pattern {pattern}"
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            yield _expected(path, f"an {kind}", value)
            return
        yield from _check_size(shape, value, "value", path)
    elif kind in ("double", "float"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            yield _expected(path, f"a {kind}", value)
            return
        yield from _check_size(shape, value, "value", path)
    elif kind == "boolean":
        if not isinstance(value, bool):
            yield _expected(path, "a boolean", value)
    elif kind == "timestamp":
        if not isinstance(value, datetime.datetime):
            yield _expected(path, "a timestamp", value)
    elif kind == "blob":
        if shape.serialization.get("streaming"):
            return
        if not isinstance(value, (bytes, bytearray)):
            yield _expected(path, "a blob", value)
            return
        yield from _check_size(shape, len(value), "length", path)


_JSON_NUMBER_WORDS = ("NaN", "Infinity", "-Infinity")


def check_json_wire(shape: Shape, value: Any, path: str) -> Iterator[str]:
    """Violations of ``shape`` by ``value`` as it is on the wire (awsJson/restJson body).

    Members are matched by their serialised name (``jsonName``), as botocore's JSON
    parser does; what it would drop (an unknown member, a ``null``) is reported here.
    """
    kind = shape.type_name
    if value is None:
        yield f"{path}: null (AWS omits a member that has no value)"
        return
    if kind == "structure":
        if shape.metadata.get("document"):
            return
        if not isinstance(value, dict):
            yield _expected(path, "a JSON object", value)
            return
        # Members bound to a header or the status code (restJson) are not in the body.
        by_wire_name = {
            member.serialization.get("name", name): (name, member)
            for name, member in shape.members.items()
            if not member.serialization.get("location")
        }
        for key, item in value.items():
            if key not in by_wire_name:
                yield f"{path}.{key}: not a member of {shape.name}"
                continue
            name, member = by_wire_name[key]
            yield from check_json_wire(member, item, f"{path}.{name}")
    elif kind in ("list", "map"):
        # A list's items are named by index, a map's by key: [0], ['key'].
        is_list = kind == "list"
        if not isinstance(value, list if is_list else dict):
            yield _expected(path, "a JSON array" if is_list else "a JSON object", value)
            return
        items = enumerate(value) if is_list else value.items()
        element = shape.member if is_list else shape.value
        for key, item in items:
            yield from check_json_wire(element, item, f"{path}[{key!r}]")
    elif kind in ("string", "blob"):
        if not isinstance(value, str):
            yield _expected(path, "a JSON string", value)
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            yield _expected(path, "a JSON integer", value)
    elif kind in ("double", "float"):
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number and value not in _JSON_NUMBER_WORDS:
            yield _expected(path, "a JSON number", value)
    elif kind == "boolean":
        if not isinstance(value, bool):
            yield _expected(path, "a JSON boolean", value)
    elif kind == "timestamp":
        declared = shape.serialization.get("timestampFormat", "unixTimestamp")
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if declared == "unixTimestamp" and not number:
            yield (
                f"{path}: expected epoch seconds (a JSON number), "
                f"got {_type_of(value)} {_short(value)}"
            )
        elif declared != "unixTimestamp" and not isinstance(value, str):
            yield f"{path}: expected a {declared} string, got {_type_of(value)} {_short(value)}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_name(name: str, member: Shape) -> str:
    return member.serialization.get("name", name)


def _xml_member_names(shape: Shape) -> dict[str, tuple[str, Shape]]:
    names: dict[str, tuple[str, Shape]] = {}
    for name, member in shape.members.items():
        if member.serialization.get("location") or member.serialization.get("xmlAttribute"):
            continue
        if member.type_name in ("list", "map") and member.serialization.get("flattened"):
            item = member.member if member.type_name == "list" else member
            names[item.serialization.get("name", _xml_name(name, member))] = (name, member)
            names[_xml_name(name, member)] = (name, member)
        else:
            names[_xml_name(name, member)] = (name, member)
    return names


def check_xml_wire(shape: Shape, node: ElementTree.Element, path: str) -> Iterator[str]:
    """Elements of ``node`` that ``shape`` does not name (awsQuery/restXml body)."""
    kind = shape.type_name
    children = list(node)
    if kind == "structure":
        names = _xml_member_names(shape)
        for child in children:
            tag = _local(child.tag)
            if tag not in names:
                yield f"{path}.{tag}: not a member of {shape.name}"
                continue
            name, member = names[tag]
            if member.serialization.get("flattened") and member.type_name == "list":
                yield from check_xml_wire(member.member, child, f"{path}.{name}[]")
            elif member.serialization.get("flattened") and member.type_name == "map":
                yield from _check_xml_entry(member, child, f"{path}.{name}")
            else:
                yield from check_xml_wire(member, child, f"{path}.{name}")
    elif kind == "list":
        item_name = shape.member.serialization.get("name", "member")
        for index, child in enumerate(children):
            if _local(child.tag) != item_name:
                yield f"{path}[{index}]: list item element {_local(child.tag)!r}, not {item_name!r}"
                continue
            yield from check_xml_wire(shape.member, child, f"{path}[{index}]")
    elif kind == "map":
        for child in children:
            if _local(child.tag) != "entry":
                yield f"{path}: map element {_local(child.tag)!r}, not 'entry'"
                continue
            yield from _check_xml_entry(shape, child, path)
    elif children:
        yield f"{path}: a {kind} with child elements {[_local(c.tag) for c in children]}"


def _check_xml_entry(shape: Shape, entry: ElementTree.Element, path: str) -> Iterator[str]:
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    for child in entry:
        tag = _local(child.tag)
        if tag == value_name:
            yield from check_xml_wire(shape.value, child, f"{path}[]")
        elif tag != key_name:
            yield f"{path}: map entry element {tag!r}, not {key_name!r}/{value_name!r}"


def documented_error_codes(operation_model: OperationModel) -> set[str]:
    """The codes of the operation's documented errors (the ``error`` trait's code, if any)."""
    codes = set()
    for shape in operation_model.error_shapes:
        codes.add(shape.name)
        code = shape.metadata.get("error", {}).get("code")
        if code:
            codes.add(code)
    return codes


# Errors common to one protocol's services, beyond COMMON_ERRORS (the IAM evaluation's
# refusals, studio_emulator/iam/denials.py): S3's "Error responses" list of the S3 API
# Reference (AccessDenied, InvalidAccessKeyId); EC2's "Error codes" page of its API
# Reference (UnauthorizedOperation, AuthFailure); the query services' ``AccessDenied``
# (IAM User Guide, "Access denied error messages": "(AccessDenied) when calling the
# ListRoles operation").
PROTOCOL_COMMON_ERRORS = {
    "rest-xml": frozenset({"AccessDenied", "InvalidAccessKeyId"}),
    "ec2": frozenset({"UnauthorizedOperation", "AuthFailure"}),
    "query": frozenset({"AccessDenied"}),
}


def check_error_code(operation_model: OperationModel, code: str) -> Iterator[str]:
    if code in COMMON_ERRORS or code in documented_error_codes(operation_model):
        return
    protocol = operation_model.service_model.protocol
    if code in PROTOCOL_COMMON_ERRORS.get(protocol, frozenset()):
        return
    documented = sorted(documented_error_codes(operation_model))
    yield (
        f"error code {code!r} is neither documented for {operation_model.name} "
        f"({', '.join(documented) or 'none'}) nor common to all AWS APIs"
    )


def _wire_violations(operation_model: OperationModel, response: dict[str, Any]) -> Iterator[str]:
    shape = operation_model.output_shape
    body = response.get("body") or b""
    if shape is None or not body.strip():
        return
    protocol = operation_model.service_model.resolved_protocol
    name = operation_model.name
    payload = shape.serialization.get("payload")
    if payload is not None:
        shape = shape.members[payload]
        if shape.type_name != "structure":
            return
    if protocol in ("json", "rest-json"):
        try:
            document = json.loads(body)
        except ValueError:
            yield f"{name}: the body is not JSON: {_short(body)}"
            return
        yield from check_json_wire(shape, document, name)
    elif protocol in ("query", "rest-xml"):
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            yield f"{name}: the body is not XML: {_short(body)}"
            return
        if protocol == "query":
            wrapper = shape.serialization.get("resultWrapper")
            results = [c for c in root if _local(c.tag) == wrapper] if wrapper else [root]
            for child in root:
                if _local(child.tag) not in (wrapper, "ResponseMetadata"):
                    yield f"{name}.{_local(child.tag)}: not part of a {name} answer"
            for result in results:
                yield from check_xml_wire(shape, result, name)
        else:
            yield from check_xml_wire(shape, root, name)


def check_response(operation_model: OperationModel, response: dict[str, Any]) -> list[str]:
    """Every violation of the operation's model by one answer.

    ``response`` is botocore's response dict (``status_code``, ``headers``, ``body``), as
    the ``before-parse`` event gives it. Each violation starts with the operation name.
    """
    name = operation_model.name
    if operation_model.has_streaming_output or operation_model.has_event_stream_output:
        return []
    parser = create_parser(operation_model.service_model.resolved_protocol)
    try:
        parsed = parser.parse(response, operation_model.output_shape)
    except Exception as exc:  # noqa: BLE001 - a body botocore cannot parse is a violation
        return [f"{name}: botocore cannot parse the answer: {exc!r}"]
    if response["status_code"] >= 300:
        code = parsed.get("Error", {}).get("Code", "")
        return [f"{name}: {message}" for message in check_error_code(operation_model, code)]
    violations: list[str] = []
    shape = operation_model.output_shape
    if shape is not None:
        parsed.pop("ResponseMetadata", None)
        violations.extend(check_value(shape, parsed, name))
        violations.extend(_wire_violations(operation_model, response))
    return violations


def allowed(service: str, operation: str, violation: str) -> bool:
    """Whether ``ALLOWED`` accepts this violation of ``service``'s ``operation``."""
    return any(
        service == s and operation == o and regex.search(w, violation) is not None
        for (s, o, w) in ALLOWED
    )


@dataclass
class ShapeGuard:
    """Collects the violations of the answers received by the clients it is registered on.

    ``answers`` counts the answers checked per ``service.Operation``; ``accepted`` the
    violations ``ALLOWED`` let through.
    """

    violations: list[str] = field(default_factory=list)
    answers: Counter[str] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def register(self, client: Any) -> Any:
        client.meta.events.register("before-parse", self._before_parse)
        return client

    def _before_parse(
        self, operation_model: OperationModel, response_dict: dict[str, Any], **_: Any
    ) -> None:
        service = operation_model.service_model.service_name
        found, accepted = [], []
        for violation in check_response(operation_model, response_dict):
            if allowed(service, operation_model.name, violation):
                accepted.append(f"{service}.{violation}")
            else:
                found.append(f"{service}.{violation}")
        with self._lock:
            self.answers[f"{service}.{operation_model.name}"] += 1
            self.accepted.update(accepted)
            self.violations.extend(found)

    def take(self) -> list[str]:
        """The violations recorded so far, which are then forgotten."""
        with self._lock:
            taken, self.violations = self.violations, []
        return taken


# The guard of the test session: every client made by ``emulator_client.client`` reports
# to it, and conftest.py fails the test phase (setup, call, teardown) that caused a report.
SESSION_GUARD = ShapeGuard()
