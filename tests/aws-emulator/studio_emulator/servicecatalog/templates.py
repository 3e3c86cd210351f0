"""The artefact's template: where it is, how it is read, what CloudFormation checks of it."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from moto.moto_api._internal import mock_random as random
from moto.servicecatalog.exceptions import InvalidParametersException


#: ``InvalidParametersException`` message of an artefact whose template cannot be read.
INVALID_TEMPLATE = "Invalid templateBody. Please make sure that your template is valid"


# --------------------------------------------------------------------------
# The artefact's template: where it is, what it declares
# --------------------------------------------------------------------------

#: ``https://BUCKET.s3.REGION.amazonaws.com/KEY``, ``https://BUCKET.s3.amazonaws.com/KEY``,
#: ``https://BUCKET.s3-REGION.amazonaws.com/KEY`` (virtual-hosted style).
S3_VIRTUAL_HOST = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.s3(?:[.-](?:dualstack\.)?[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$"
)
#: ``https://s3.REGION.amazonaws.com/BUCKET/KEY``, ``https://s3.amazonaws.com/BUCKET/KEY``,
#: ``https://s3-REGION.amazonaws.com/BUCKET/KEY`` (path style).
S3_PATH_HOST = re.compile(r"^s3(?:[.-](?:dualstack\.)?[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$")
#: Hosts of the emulator itself, addressed path style (``http://127.0.0.1:PORT/BUCKET/KEY``).
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}


def template_object(url: Any) -> tuple[str, str] | None:
    """The S3 bucket and key a ``LoadTemplateFromURL`` names, or ``None``.

    Accepted as Amazon S3 addresses objects (S3 user guide, "Methods for
    accessing a bucket": virtual-hosted and path styles, with or without the
    Region), plus the emulator's own endpoint in path style -- where the deploy
    tool stages templates when ``--endpoint-url`` is set.
    """
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = unquote(parts.path).lstrip("/")
    match = S3_VIRTUAL_HOST.match(host)
    if match and parts.scheme == "https" and path:
        return match.group("bucket"), path
    local = host in LOCAL_HOSTS or (parts.netloc.lower() in LOCAL_HOSTS)
    if (S3_PATH_HOST.match(host) and parts.scheme == "https") or (
        local and parts.scheme in ("http", "https")
    ):
        bucket, _, key = path.partition("/")
        if bucket and key:
            return bucket, key
    return None


def read_template(account_id: str, url: Any) -> str:
    """The body of the template ``url`` names, read from moto's S3.

    A URL that names no object (or no S3 object at all), or a body that is not a
    JSON/YAML mapping, is what Service Catalog refuses with
    ``InvalidParametersException: Invalid templateBody. Please make sure that your
    template is valid`` (the message a CreateProduct of the CloudFormation type
    ``AWS::ServiceCatalog::CloudFormationProduct`` reports for a template URL that
    points at nothing: bksarthak/devsecops-book#5).
    """
    from moto.s3.exceptions import MissingBucket
    from moto.s3.models import s3_backends

    location = template_object(url)
    if location is None:
        raise InvalidParametersException(INVALID_TEMPLATE)
    try:
        key = s3_backends[account_id]["aws"].get_object(*location)
    except MissingBucket:
        key = None
    if key is None:
        raise InvalidParametersException(INVALID_TEMPLATE)
    body = key.value.decode("utf-8", errors="replace")
    parse_template(body)  # refuse what is not a template now, as AWS does
    return body


#: ``ImportFromPhysicalId``: "Currently only supports CloudFormation stack arn".
STACK_ARN = re.compile(r"^arn:aws[a-z-]*:cloudformation:([a-z0-9-]+):(\d{12}):stack/[^/]+/.+$")


def read_artifact_template(account_id: str, info: Any) -> str:
    """The template an artefact's ``Info`` names: "Specify the template source with one of
    the following options, but not both. Keys accepted: [ LoadTemplateFromURL,
    ImportFromPhysicalId ]" -- a URL (``read_template``) or the ARN of a stack whose
    template is taken (a stack that does not exist is ``INVALID_TEMPLATE`` too)."""
    from moto.cloudformation.models import cloudformation_backends

    info = info if isinstance(info, dict) else {}
    sources = [k for k in ("LoadTemplateFromURL", "ImportFromPhysicalId") if info.get(k)]
    if len(sources) != 1:
        raise InvalidParametersException(
            "Specify exactly one of LoadTemplateFromURL and ImportFromPhysicalId in Info."
        )
    if sources[0] == "LoadTemplateFromURL":
        return read_template(account_id, info["LoadTemplateFromURL"])
    match = STACK_ARN.match(str(info["ImportFromPhysicalId"]))
    stack = None
    if match:
        region, owner = match.groups()
        stack = cloudformation_backends[owner][region].stacks.get(info["ImportFromPhysicalId"])
    if stack is None:
        raise InvalidParametersException(INVALID_TEMPLATE)
    body = stack.template if isinstance(stack.template, str) else json.dumps(stack.template)
    parse_template(body)
    return body


class _TemplateLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form intrinsic functions (``!Ref``, ``!Sub``, ...)."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def parse_template(body: str) -> dict[str, Any]:
    """A template body (JSON or YAML) as a mapping; ``InvalidParametersException`` otherwise."""
    try:
        parsed = json.loads(body)
    except ValueError:
        try:
            parsed = yaml.load(body, Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError:
            parsed = None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("Resources"), dict):
        raise InvalidParametersException(INVALID_TEMPLATE)
    return parsed


def declared_parameters(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    parameters = template.get("Parameters") or {}
    return {k: v for k, v in parameters.items() if isinstance(v, dict)}


def cloudformation_status_message(message: str, code: str = "ValidationError") -> str:
    """A CloudFormation refusal as Service Catalog shows it in ``StatusMessage``
    (AWS CLI examples, "describe-provisioned-product": ``AmazonCloudFormationException
    Parameters: [KeyName] must have values (Service: AmazonCloudFormation; Status Code:
    400; Error Code: ValidationError; Request ID: ...)``). IAM's refusal of the call is
    CloudFormation's ``AccessDenied``, HTTP 403 (the AWS SDKs report "An error occurred
    (AccessDenied) when calling the CreateChangeSet operation: User: ... is not authorized to
    perform: cloudformation:CreateChangeSet", lucpod/aws-lambda-workshop#2); that Service Catalog
    wraps it in the same form is assumed, not confirmed."""
    status = 403 if code == "AccessDenied" else 400
    return (
        f"AmazonCloudFormationException  {message} (Service: AmazonCloudFormation; "
        f"Status Code: {status}; Error Code: {code}; Request ID: {random.uuid4()})"
    )


