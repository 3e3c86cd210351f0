"""Lambda function URLs, served by the emulator (moto 5.2.5 only stores their configuration).

A request to the emulator's port whose ``Host`` is a function URL's host
(``<url-id>.lambda-url.<region>.on.aws``, optionally with ``:port``) is a call of that
function URL: :class:`FunctionUrlMiddleware` authenticates it, authorises it, builds the
payload-format-2.0 event, invokes the function through ``awslambda.invoke`` (synchronously)
and maps the function's answer back to HTTP.  Sources, rule by rule:

* The URL (Lambda developer guide, "Creating and managing Lambda function URLs" / "Invoking
  Lambda function URLs"; API reference ``FunctionUrlConfig``): ``https://<url-id>.lambda-url.
  <region>.on.aws/`` -- AWS answers the URL with a trailing ``/`` (the API reference's
  examples and the CLI output), moto without; ``InvokeMode`` is ``BUFFERED`` or
  ``RESPONSE_STREAM`` (botocore model enum; moto says ``Buffered``).  :class:`FunctionUrl`
  fixes both and leaves out an unset ``Cors`` (the model has no ``null``).
* ``AuthType: AWS_IAM`` (developer guide "Control access to Lambda function URLs",
  "Invoking Lambda function URLs": "Lambda also calculates the SigV4 signature ... Lambda
  processes the request only if the signatures match"): Signature Version 4 for service
  ``lambda`` in the function's region (IAM user guide "Elements of an AWS API request
  signature", "Create a signed AWS API request"), recomputed with botocore's ``SigV4Auth``
  over the headers the request names in ``SignedHeaders`` and compared.  The secret is the
  one moto holds for the access key: an IAM user's key (``iam create-access-key``) or an STS
  session (``AssumeRole``, ``AssumeRoleWithSAML``, ``AssumeRoleWithWebIdentity``), whose
  ``X-Amz-Security-Token`` must be the session's token.  "In most cases, a request must reach
  AWS within five minutes of the time stamp in the request" (IAM user guide, "Signing AWS API
  requests") -- so the skew allowed is 5 minutes, with AWS's ``Signature expired: ... is now
  earlier than ... (... - 5 min.)`` wording (reported in boto/botocore#149).  The signature
  may also travel in the query string ("Authentication methods": ``X-Amz-Algorithm``,
  ``X-Amz-Credential``, ``X-Amz-Date``, ``X-Amz-Expires`` (at most 604800),
  ``X-Amz-SignedHeaders``, ``X-Amz-Security-Token``, ``X-Amz-Signature``; the canonical query
  is every parameter but ``X-Amz-Signature``) -- a bookmark the sign-in function documents
  (``events/studio-presigned-url/browser-federated-session.json``); it is good from
  ``X-Amz-Date`` for ``X-Amz-Expires`` seconds, and the function receives those parameters.
* Answers of a refused request (HTTP 403): a bad signature ``{"message": "The request
  signature we calculated does not match the signature you provided. Check your AWS Secret
  Access Key and signing method. Consult the service documentation for details."}`` (a
  function URL's answer quoted in RJPearson94/terraform-aws-open-next#48; error type
  ``InvalidSignatureException`` as the Lambda front end names it, erlcloud/erlcloud#690); an
  unknown key or a temporary key without its token ``{"message": "The security token included
  in the request is invalid."}`` (jamesmbourne/aws4-axios#1553, a function URL);
  unauthorised or unsigned ``{"Message": "Forbidden. For troubleshooting Function URL
  authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}``
  with ``x-amzn-ErrorType: AccessDeniedException`` (awsdocs/aws-lambda-developer-guide#494).
* Authorisation (developer guide "Control access to Lambda function URLs": "Starting in
  October 2025, new function URLs will require both lambda:InvokeFunctionUrl and
  lambda:InvokeFunction permissions"): :func:`authorize` is asked for both actions.  It is
  the seam of issue #13 (real IAM evaluation): today a principal of the function's own
  account is allowed (its identity policy is not evaluated yet); any other caller -- another
  account, or the anonymous caller of an ``AuthType: NONE`` URL -- needs an ``Allow``
  statement in the function's resource-based policy (``AddPermission``) for the action,
  naming it (``*``, its account or its ARN), whose conditions hold
  (``lambda:FunctionUrlAuthType``, ``lambda:InvokedViaFunctionUrl``); a matching ``Deny``
  wins.  So a ``NONE`` URL answers 403 until ``AddPermission --principal '*' --action
  lambda:InvokeFunctionUrl --function-url-auth-type NONE`` and the ``lambda:InvokeFunction``
  statement exist (CreateFunctionUrlConfig reference; the guide's "Using the NONE auth type").
* The event ("Invoking Lambda function URLs", "Request payload format"): ``version`` 2.0,
  ``routeKey``/``stage`` ``$default``, ``rawPath``, ``rawQueryString``, ``cookies`` (the
  ``Cookie`` header split, not repeated in ``headers``), ``headers`` (lower-case names,
  repeated ones comma-joined, plus the ``x-forwarded-*`` and ``x-amzn-trace-id`` headers the
  guide's example shows), ``queryStringParameters`` (repeated keys comma-joined),
  ``requestContext`` (``accountId`` the function's, ``apiId``/``domainPrefix`` the url-id,
  ``domainName``, ``http``, ``requestId``, ``time``, ``timeEpoch``, and for ``AWS_IAM``
  ``authorizer.iam``: ``accessKey``, ``accountId`` (the caller's), ``callerId``, ``userArn``,
  ``userId`` as ``sts get-caller-identity`` answers for the key, ``principalOrgId`` the id of
  the organisation the caller's account belongs to (null outside one; the sign-in function's
  sample event ``browser-federated-session.json`` carries one), ``cognitoIdentity`` null), ``body`` and ``isBase64Encoded`` (a body whose content type is
  not text is base64-encoded).  ``body``, ``cookies`` and ``queryStringParameters`` are left
  out when there are none.
* The answer ("Response payload format"): a JSON object with ``statusCode`` gives the status,
  ``headers``, ``cookies`` (one ``Set-Cookie`` each) and ``body`` (base64-decoded when
  ``isBase64Encoded``); any other valid JSON is a 200 ``application/json`` answer with that
  JSON as the body.  A function error (``X-Amz-Function-Error``) is a 502 ``Internal Server
  Error`` (reported in awslabs/aws-lambda-cpp#200 and awsdocs/aws-lambda-developer-guide#430).
  An invocation Lambda refuses (throttled by reserved concurrency: "You can throttle the rate
  of requests that your Lambda function processes through a function URL by configuring
  reserved concurrency", developer guide; a request over the payload quota) answers the
  Invoke API's status and error type (429 ``TooManyRequestsException``, 413) with
  ``{"Message": ...}`` -- the body's wording is not confirmed.
* CORS (``Cors`` of the configuration; "Cross-origin resource sharing (CORS)" in the guide):
  a preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) is answered
  by Lambda without invoking the function; other answers get ``Access-Control-Allow-Origin``
  (and ``-Allow-Credentials``, ``-Expose-Headers``) for an allowed origin, replacing the
  function's own.
* ``AWS::Lambda::Url`` (CloudFormation template reference; moto has no model):
  ``TargetFunctionArn`` (name or ARN), ``AuthType``, ``Cors``, ``InvokeMode``; ``Ref`` is the
  function's ARN, ``Fn::GetAtt`` ``FunctionUrl`` and ``FunctionArn``.

Upstream, :class:`FunctionUrl` and :class:`LambdaUrl` belong in ``moto/awslambda/models.py``,
:class:`FunctionUrlResponse` in ``responses.py``, and the middleware becomes a ``url_bases``
entry of ``moto/awslambda/urls.py`` for the ``<url-id>.lambda-url.<region>.on.aws`` hosts with a
catch-all path dispatched to :func:`serve` (moto's dispatcher picks the service by host).

Not modelled: ``InvokeMode: RESPONSE_STREAM`` (the URL answers 502 with a message saying
so), SigV4a, ``Qualifier`` (moto's own limitation).
"""

from __future__ import annotations

import base64
import calendar
import fnmatch
import hmac
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, unquote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials
from moto.awslambda import models as lambda_models
from moto.awslambda.models import FunctionUrlConfig, LambdaFunction, lambda_backends
from moto.awslambda.responses import LambdaResponse
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel

from .core import ServiceExtension, register

#: A function URL's host: ``<url-id>.lambda-url.<region>.on.aws`` (developer guide).
HOST_PATTERN = re.compile(
    r"(?P<url_id>[a-z0-9]+)\.lambda-url\.(?P<region>[a-z0-9-]+)\.on\.aws(?::\d+)?\.?"
)
#: "a request must reach AWS within five minutes of the time stamp in the request".
MAX_SKEW_SECONDS = 5 * 60
SIGV4_ALGORITHM = "AWS4-HMAC-SHA256"
SIGV4_TIME_FORMAT = "%Y%m%dT%H%M%SZ"

FORBIDDEN_MESSAGE = (
    "Forbidden. For troubleshooting Function URL authorization issues, see: "
    "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"
)
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service "
    "documentation for details."
)
INVALID_TOKEN = "The security token included in the request is invalid."
EXPIRED_TOKEN = "The security token included in the request is expired"

#: Content types whose bodies reach the function as text; any other body is base64-encoded.
_TEXT_TYPES = re.compile(
    r"(text/.*|application/(json|javascript|xml|[\w.+-]*\+(json|xml)))(\s*;.*)?",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------
# The configuration, as AWS answers it
# --------------------------------------------------------------------------


class FunctionUrl(FunctionUrlConfig):
    """moto's ``FunctionUrlConfig`` with AWS's URL form and ``InvokeMode`` values."""

    def __init__(self, function: LambdaFunction, config: dict[str, Any]) -> None:
        super().__init__(function=function, config=config)
        self.url = self.url.rstrip("/") + "/"

    @property
    def host(self) -> str:
        return self.url.split("/")[2]

    @property
    def url_id(self) -> str:
        return self.host.split(".", 1)[0]

    @property
    def auth_type(self) -> str:
        return str(self.config.get("AuthType") or "AWS_IAM")

    @property
    def invoke_mode(self) -> str:
        return str(self.config.get("InvokeMode") or "BUFFERED")

    @property
    def cors(self) -> dict[str, Any] | None:
        cors = self.config.get("Cors")
        return cors if isinstance(cors, dict) else None

    def to_dict(self) -> dict[str, Any]:
        answer = super().to_dict()
        answer["InvokeMode"] = self.invoke_mode
        if answer.get("Cors") is None:
            answer.pop("Cors", None)
        return answer

    def update(self, new_config: dict[str, Any]) -> None:
        super().update(new_config)
        if new_config.get("InvokeMode"):
            self.config["InvokeMode"] = new_config["InvokeMode"]


# moto builds the configuration by this module-level name (LambdaFunction.create_url_config).
lambda_models.FunctionUrlConfig = FunctionUrl  # type: ignore[misc]


def find_function_url(url_id: str, region: str) -> FunctionUrl | None:
    """The function URL ``url_id`` of any account in ``region``."""
    for account_backends in list(lambda_backends.values()):
        backend = account_backends.get(region)
        if backend is None:
            continue
        for group in list(backend._lambdas._functions.values()):
            function = group.get("latest")
            config = getattr(function, "url_config", None)
            if isinstance(config, FunctionUrl) and config.url_id == url_id:
                return config
    return None


# --------------------------------------------------------------------------
# AWS::Lambda::Url
# --------------------------------------------------------------------------


class LambdaUrl(CloudFormationModel):
    """``AWS::Lambda::Url`` on moto's Lambda backend."""

    def __init__(self, config: FunctionUrl) -> None:
        self.config = config

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Url"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ["FunctionUrl", "FunctionArn"]

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "FunctionUrl":
            return self.config.url
        if attribute_name == "FunctionArn":
            return str(self.config.function.function_arn)
        raise UnformattedGetAttTemplateException()

    @property
    def physical_resource_id(self) -> str:
        return str(self.config.function.function_arn)

    @staticmethod
    def _config(properties: dict[str, Any]) -> dict[str, Any]:
        return {
            key: properties[key]
            for key in ("AuthType", "Cors", "InvokeMode")
            if properties.get(key) is not None
        }

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> LambdaUrl:
        properties = cloudformation_json["Properties"]
        backend = lambda_backends[account_id][region_name]
        config = backend.create_function_url_config(
            properties["TargetFunctionArn"], cls._config(properties)
        )
        return cls(config)  # type: ignore[arg-type]

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: LambdaUrl,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> LambdaUrl:
        properties = cloudformation_json["Properties"]
        backend = lambda_backends[account_id][region_name]
        target = backend.get_function(properties["TargetFunctionArn"])
        if target is not original_resource.config.function:
            # TargetFunctionArn and Qualifier require replacement.
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            )
        original_resource.config.update(cls._config(properties))
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        target = cloudformation_json.get("Properties", {}).get("TargetFunctionArn")
        backend = lambda_backends[account_id][region_name]
        try:
            backend.delete_function_url_config(target or resource_name)
        except Exception:  # the function (and with it its URL) is gone already
            pass

    def delete(self, account_id: str, region_name: str) -> None:
        function = self.config.function
        if function.url_config is self.config:
            function.delete_url_config()


def _refresh_moto_type_map() -> None:
    # moto caches CloudFormationModel.__subclasses__() on first use.
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


_refresh_moto_type_map()


# --------------------------------------------------------------------------
# Who signed the request
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """The identity behind an access key, as ``sts get-caller-identity`` answers it."""

    access_key_id: str
    account_id: str
    arn: str  # user ARN, or the assumed-role session ARN
    user_id: str  # AIDA... for a user, AROA...:session for a session
    principal_arn: str  # the IAM user or role a resource policy names

    def authorizer_iam(self) -> dict[str, Any]:
        """``requestContext.authorizer.iam`` of the function-URL event."""
        return {
            "accessKey": self.access_key_id,
            "accountId": self.account_id,
            "callerId": self.user_id,
            "cognitoIdentity": None,
            "principalOrgId": organization_id(self.account_id),
            "userArn": self.arn,
            "userId": self.user_id,
        }


def organization_id(account_id: str) -> str | None:
    """The id of the organisation (moto's Organizations) ``account_id`` belongs to."""
    from moto.organizations.models import organizations_backends

    management = organizations_backends.master_accounts.get(account_id, (account_id, "aws"))
    backend = organizations_backends.get(management[0], {}).get(management[1])
    organization = getattr(backend, "org", None)
    return str(organization.id) if organization is not None else None


@dataclass(frozen=True)
class SigningKey:
    caller: Caller
    secret_access_key: str
    session_token: str | None = None  # required for temporary credentials
    expiration: datetime | None = None


def signing_key(access_key_id: str) -> SigningKey | None:
    """moto's secret (and session token) for ``access_key_id``, with its identity (resolved by
    ``iam.principals.resolve``; the account-root set-up keys are no moto credentials)."""
    from .iam.principals import resolve

    principal = resolve(access_key_id)
    if principal is None or principal.is_root or principal.secret_access_key is None:
        return None
    caller = Caller(
        access_key_id=access_key_id,
        account_id=principal.account_id,
        arn=principal.arn,
        user_id=principal.user_id,
        principal_arn=principal.principal_arn,
    )
    return SigningKey(
        caller, principal.secret_access_key, principal.session_token, principal.expiration
    )


# --------------------------------------------------------------------------
# The request and its refusals
# --------------------------------------------------------------------------


@dataclass
class IncomingRequest:
    """What the function URL received."""

    method: str
    raw_path: str
    raw_query: str
    headers: list[tuple[str, str]]  # (lower-case name, value), in arrival order
    body: bytes
    source_ip: str
    protocol: str
    received_at: float = field(default_factory=time.time)

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k == name]
        return ",".join(values) if values else None

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> IncomingRequest:
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if raw_uri and raw_uri.startswith("/"):
            raw_path, _, raw_query = raw_uri.partition("?")
        else:
            raw_path = quote(environ.get("PATH_INFO") or "/", safe="/~!$&'()*+,;=:@%")
            raw_query = environ.get("QUERY_STRING", "")
        headers: list[tuple[str, str]] = []
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                headers.append((key[5:].replace("_", "-").lower(), str(value)))
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
                headers.append((key.replace("_", "-").lower(), str(value)))
        return cls(
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            raw_path=raw_path or "/",
            raw_query=raw_query,
            headers=headers,
            body=_read_body(environ),
            source_ip=str(environ.get("REMOTE_ADDR") or "127.0.0.1"),
            protocol=str(environ.get("SERVER_PROTOCOL") or "HTTP/1.1"),
        )


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    if environ.get("wsgi.input_terminated"):
        return bytes(stream.read())
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return bytes(stream.read(length)) if length > 0 else b""


@dataclass
class HttpAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class FunctionUrlRefusal(Exception):
    """A request the function URL answers itself, without invoking the function."""

    def __init__(self, status: int, error_type: str | None, body: dict[str, Any]) -> None:
        super().__init__(json.dumps(body))
        self.status = status
        self.error_type = error_type
        self.body = body

    def answer(self) -> HttpAnswer:
        headers = [("Content-Type", "application/json"), ("x-amzn-RequestId", str(uuid.uuid4()))]
        if self.error_type:
            headers.append(("x-amzn-ErrorType", self.error_type))
        return HttpAnswer(self.status, headers, json.dumps(self.body).encode())


def forbidden() -> FunctionUrlRefusal:
    return FunctionUrlRefusal(403, "AccessDeniedException", {"Message": FORBIDDEN_MESSAGE})


def _signature_error(
    message: str, error_type: str = "InvalidSignatureException"
) -> FunctionUrlRefusal:
    return FunctionUrlRefusal(403, error_type, {"message": message})


# --------------------------------------------------------------------------
# SigV4
# --------------------------------------------------------------------------


class _Recomputed(SigV4Auth):
    """botocore's SigV4 over exactly the headers the request says it signed."""

    def __init__(
        self, credentials: Credentials, region: str, signed: list[str], query: str
    ) -> None:
        super().__init__(credentials, "lambda", region)
        self._signed = signed
        self._query = query

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        chosen = HTTPHeaders()
        for name in self._signed:
            value = request.headers.get(name)
            if value is not None:
                chosen[name] = value
        return chosen

    def canonical_query_string(self, request: AWSRequest) -> str:
        # URI-encode every name and value once (decoding what the client encoded), sorted.
        pairs = []
        for part in self._query.split("&") if self._query else []:
            name, _, value = part.partition("=")
            pairs.append((quote(unquote(name), safe="-_.~"), quote(unquote(value), safe="-_.~")))
        return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _authorization_parts(header: str) -> tuple[str, dict[str, str]]:
    algorithm, _, rest = header.strip().partition(" ")
    parts: dict[str, str] = {}
    for item in rest.split(","):
        name, _, value = item.strip().partition("=")
        if name:
            parts[name] = value
    return algorithm, parts


def _request_time(request: IncomingRequest) -> tuple[str, float]:
    amz_date = request.header("x-amz-date")
    if amz_date:
        try:
            parsed = datetime.strptime(amz_date, SIGV4_TIME_FORMAT)
        except ValueError:
            raise _signature_error(
                f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See "
                "http://en.wikipedia.org/wiki/ISO_8601",
                "IncompleteSignatureException",
            ) from None
        return amz_date, calendar.timegm(parsed.timetuple())
    date = request.header("date")
    if date:
        try:
            parsed_date = parsedate_to_datetime(date)
        except (TypeError, ValueError):
            parsed_date = None
        if parsed_date is not None:
            stamp = parsed_date.astimezone(timezone.utc).strftime(SIGV4_TIME_FORMAT)
            return stamp, parsed_date.timestamp()
    raise _signature_error(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        "IncompleteSignatureException",
    )


def _check_skew(stamp: str, signed_at: float, now: float) -> None:
    def fmt(t: float) -> str:
        return time.strftime(SIGV4_TIME_FORMAT, time.gmtime(t))

    if signed_at < now - MAX_SKEW_SECONDS:
        raise _signature_error(
            f"Signature expired: {stamp} is now earlier than {fmt(now - MAX_SKEW_SECONDS)} "
            f"({fmt(now)} - 5 min.)"
        )
    if signed_at > now + MAX_SKEW_SECONDS:
        raise _signature_error(
            f"Signature not yet current: {stamp} is still later than "
            f"{fmt(now + MAX_SKEW_SECONDS)} ({fmt(now)} + 5 min.)"
        )


@dataclass(frozen=True)
class _Signed:
    """What a request says about its signature, from its header or its query string."""

    credential: str
    signed_headers: str
    signature: str
    stamp: str  # X-Amz-Date, ISO-8601 basic
    signed_at: float
    token: str | None
    canonical_query: str  # the raw query the signature covers
    expires: int | None = None  # query-string signatures only


def _query_pairs(raw_query: str) -> list[tuple[str, str]]:
    return [
        (unquote(name), unquote(value))
        for name, _, value in (p.partition("=") for p in raw_query.split("&") if p)
    ]


def _signed_parts(request: IncomingRequest) -> _Signed:
    authorization = request.header("authorization")
    if authorization:
        algorithm, parts = _authorization_parts(authorization)
        if algorithm != SIGV4_ALGORITHM:
            raise forbidden()
        missing = [p for p in ("Credential", "SignedHeaders", "Signature") if not parts.get(p)]
        if missing:
            raise _signature_error(
                " ".join(f"Authorization header requires '{p}' parameter." for p in missing)
                + f" Authorization={authorization}",
                "IncompleteSignatureException",
            )
        stamp, signed_at = _request_time(request)
        return _Signed(
            parts["Credential"],
            parts["SignedHeaders"],
            parts["Signature"].strip(),
            stamp,
            signed_at,
            request.header("x-amz-security-token"),
            request.raw_query,
        )
    query = dict(_query_pairs(request.raw_query))
    if "X-Amz-Algorithm" not in query:
        raise forbidden()
    if query["X-Amz-Algorithm"] != SIGV4_ALGORITHM:
        raise forbidden()
    missing = [
        p
        for p in ("X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Date")
        if not query.get(p)
    ]
    if missing:
        raise _signature_error(
            " ".join(f"AWS query-string parameters must include '{p}'." for p in missing)
            + " Re-examine the query-string parameters.",
            "IncompleteSignatureException",
        )
    try:
        stamp = query["X-Amz-Date"]
        signed_at = calendar.timegm(datetime.strptime(stamp, SIGV4_TIME_FORMAT).timetuple())
        expires = int(query.get("X-Amz-Expires") or 0)
    except ValueError:
        raise _signature_error(SIGNATURE_MISMATCH) from None
    covered = "&".join(
        p
        for p in request.raw_query.split("&")
        if p and unquote(p.partition("=")[0]) != "X-Amz-Signature"
    )
    return _Signed(
        query["X-Amz-Credential"],
        query["X-Amz-SignedHeaders"],
        query["X-Amz-Signature"].strip(),
        stamp,
        signed_at,
        query.get("X-Amz-Security-Token"),
        covered,
        expires,
    )


def _check_expiry(signed: _Signed, now: float) -> None:
    """A query-string signature is good for ``X-Amz-Expires`` seconds (1 to 7 days)."""
    assert signed.expires is not None
    if not 0 < signed.expires <= 604800:
        raise _signature_error(
            "X-Amz-Expires must be non-negative and less than a week (604800 seconds).",
            "IncompleteSignatureException",
        )
    if signed.signed_at > now + MAX_SKEW_SECONDS:
        _check_skew(signed.stamp, signed.signed_at, now)
    if now > signed.signed_at + signed.expires:
        until = time.strftime(SIGV4_TIME_FORMAT, time.gmtime(signed.signed_at + signed.expires))
        raise _signature_error(
            f"Signature expired: {until} is now earlier than "
            f"{time.strftime(SIGV4_TIME_FORMAT, time.gmtime(now))}"
        )


def authenticate(request: IncomingRequest, region: str) -> Caller:
    """The caller of a SigV4-signed request (``Authorization`` header or query string), or
    the refusal AWS answers."""
    signed = _signed_parts(request)
    scope = signed.credential.split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        named = scope[2] if len(scope) > 2 else ""
        raise _signature_error(f"Credential should be scoped to a valid region, not '{named}'. ")
    access_key_id, scope_date, scope_region, scope_service, _ = scope
    if scope_region != region:
        raise _signature_error(
            f"Credential should be scoped to a valid region, not '{scope_region}'. "
        )
    if scope_service != "lambda":
        raise _signature_error("Credential should be scoped to correct service: 'lambda'. ")
    names = [h.strip().lower() for h in signed.signed_headers.split(";") if h.strip()]
    if "host" not in names:
        raise _signature_error("'Host' must be a 'SignedHeader' in the AWS Authorization.")
    if scope_date != signed.stamp[:8]:
        raise _signature_error(
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{scope_date}' != '{signed.stamp[:8]}', from '{signed.stamp}'."
        )
    if signed.expires is None:
        _check_skew(signed.stamp, signed.signed_at, request.received_at)
    else:
        _check_expiry(signed, request.received_at)

    key = signing_key(access_key_id)
    if key is None:
        raise _signature_error(INVALID_TOKEN, "UnrecognizedClientException")
    if key.session_token is not None:
        if signed.token != key.session_token:
            raise _signature_error(INVALID_TOKEN, "UnrecognizedClientException")
        if key.expiration is not None and key.expiration.timestamp() <= request.received_at:
            raise _signature_error(EXPIRED_TOKEN, "ExpiredTokenException")
    elif signed.token:
        raise _signature_error(INVALID_TOKEN, "UnrecognizedClientException")

    host = request.header("host") or ""
    aws_request = AWSRequest(
        method=request.method,
        url=f"https://{host}{request.raw_path}",
        headers={
            name: value
            for name, value in request.headers
            if name in names or name == "x-amz-content-sha256"
        },
        data=request.body,
    )
    aws_request.context["timestamp"] = signed.stamp
    auth = _Recomputed(
        Credentials(access_key_id, key.secret_access_key, key.session_token),
        region,
        names,
        signed.canonical_query,
    )
    canonical = auth.canonical_request(aws_request)
    expected = auth.signature(auth.string_to_sign(aws_request, canonical), aws_request)
    if not hmac.compare_digest(expected, signed.signature):
        raise _signature_error(SIGNATURE_MISMATCH)
    return key.caller


# --------------------------------------------------------------------------
# Authorisation (the seam of #13)
# --------------------------------------------------------------------------


def _engine_decision(
    caller: Caller, action: str, resource: str, context: dict[str, str]
) -> bool | None:
    """The policy engine's decision for a signed caller, or None when IAM is not enforced."""
    from .iam import in_process, principals
    from .iam.context import Authorization
    from .iam.context.awslambda import function_policy

    if not in_process.enforcing():
        return None
    principal = principals.resolve(caller.access_key_id)
    if principal is None:
        return False
    account_id, region, name = _function_arn_parts(resource)
    try:
        policy = function_policy(lambda_backends[account_id][region].get_policy(name, None))
    except Exception:
        policy = None
    denied = in_process.authorize_as(
        principal,
        [Authorization(action, resource, dict(context), policy, account_id)],
        via="lambda",
        region=region,
        extra_context={"aws:SourceIp": "127.0.0.1"},
    )
    return denied is None


def authorize(
    principal: Caller | None,
    action: str,
    resource: str,
    context: dict[str, str],
) -> bool:
    """May ``principal`` (``None``: anonymous) do ``action`` on the function ``resource``?

    With IAM enforced (issue #13) a signed caller is evaluated by the policy engine
    (``iam/in_process.py``): its identity policies, boundary and session policy and the
    function's resource policy, same- versus cross-account as IAM evaluates them (Lambda
    Developer Guide, "Control access to Lambda function URLs": ``AWS_IAM`` needs the two
    actions this module asks for, ``lambda:InvokeFunctionUrl`` and ``lambda:InvokeFunction``,
    allowed by the caller's identity policy in the same account, by both the identity policy
    and the function's resource policy across accounts; ``lambda:FunctionUrlAuthType`` and
    ``lambda:InvokedViaFunctionUrl`` are in the request context). Not enforced: a principal of
    the function's own account is allowed; anyone else needs the function's resource-based
    policy to allow it, and a matching ``Deny`` in that policy refuses everyone.
    """
    account_id, region, name = _function_arn_parts(resource)
    if principal is not None:
        decided = _engine_decision(principal, action, resource, context)
        if decided is not None:
            return decided
    try:
        function = lambda_backends[account_id][region].get_function(name)
        statements = list(function.policy.statements)
    except Exception:
        return False
    matching = [
        s
        for s in statements
        if _statement_applies(s, principal, account_id, action, resource, context)
    ]
    if any(str(s.get("Effect", "Allow")) == "Deny" for s in matching):
        return False
    if principal is not None and principal.account_id == account_id:
        return True
    return any(str(s.get("Effect", "Allow")) == "Allow" for s in matching)


def _function_arn_parts(arn: str) -> tuple[str, str, str]:
    parts = arn.split(":")
    if len(parts) < 7:
        raise ValueError(f"not a function ARN: {arn}")
    return parts[4], parts[3], parts[6]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statement_applies(
    statement: dict[str, Any],
    principal: Caller | None,
    account_id: str,
    action: str,
    resource: str,
    context: dict[str, str],
) -> bool:
    actions = [str(a).lower() for a in _as_list(statement.get("Action", []))]
    if not any(fnmatch.fnmatchcase(action.lower(), a) for a in actions):
        return False
    resources = _as_list(statement.get("Resource", resource))
    base = resource.split(":$LATEST")[0]
    if not any(fnmatch.fnmatchcase(base, str(r)) or str(r) == resource for r in resources):
        return False
    if not _principal_named(statement.get("Principal"), principal):
        return False
    return _conditions_hold(statement, context)


def _principal_named(named: Any, principal: Caller | None) -> bool:
    if named == "*":
        return True
    if isinstance(named, dict):
        values = [str(v) for v in _as_list(named.get("AWS", []))]
    else:
        values = [str(v) for v in _as_list(named or [])]
    if "*" in values:
        return True
    if principal is None:
        return False
    names = {
        principal.account_id,
        f"arn:aws:iam::{principal.account_id}:root",
        principal.arn,
        principal.principal_arn,
    }
    return any(v in names for v in values)


def _conditions_hold(statement: dict[str, Any], context: dict[str, str]) -> bool:
    lowered = {k.lower(): str(v) for k, v in context.items()}
    conditions: list[tuple[str, str, list[str]]] = []
    for operator, keys in (statement.get("Condition") or {}).items():
        for key, values in (keys or {}).items():
            conditions.append((operator, key.lower(), [str(v) for v in _as_list(values)]))
    # moto keeps AddPermission's FunctionUrlAuthType / InvokedViaFunctionUrl as raw members.
    if statement.get("FunctionUrlAuthType") is not None:
        conditions.append(
            ("StringEquals", "lambda:functionurlauthtype", [str(statement["FunctionUrlAuthType"])])
        )
    if statement.get("InvokedViaFunctionUrl") is not None:
        via_url = str(statement["InvokedViaFunctionUrl"]).lower()
        conditions.append(("Bool", "lambda:invokedviafunctionurl", [via_url]))
    for operator, key, values in conditions:
        actual = lowered.get(key)
        if actual is None:
            return False
        if operator == "StringEquals" and actual not in values:
            return False
        if operator == "StringLike" and not any(fnmatch.fnmatchcase(actual, v) for v in values):
            return False
        if operator == "Bool" and actual.lower() not in [v.lower() for v in values]:
            return False
        if operator not in ("StringEquals", "StringLike", "Bool"):
            return False
    return True


# --------------------------------------------------------------------------
# The event, and the answer
# --------------------------------------------------------------------------


def build_event(
    request: IncomingRequest,
    config: FunctionUrl,
    caller: Caller | None,
    request_id: str,
) -> dict[str, Any]:
    """The payload-format-2.0 event of a function-URL request."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        if name == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    trace = f"Root=1-{int(request.received_at):08x}-{uuid.uuid4().hex[:24]}"
    headers.setdefault("x-amzn-trace-id", trace)
    headers.setdefault("x-forwarded-for", request.source_ip)
    headers.setdefault("x-forwarded-proto", "https")
    headers.setdefault("x-forwarded-port", "443")

    query: dict[str, str] = {}
    for part in request.raw_query.split("&") if request.raw_query else []:
        name, _, value = part.partition("=")
        name, value = unquote(name.replace("+", " ")), unquote(value.replace("+", " "))
        query[name] = f"{query[name]},{value}" if name in query else value

    account_id = config.function.account_id
    context: dict[str, Any] = {
        "accountId": account_id,
        "apiId": config.url_id,
        "domainName": config.host,
        "domainPrefix": config.url_id,
        "http": {
            "method": request.method,
            "path": request.raw_path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": request.header("user-agent") or "",
        },
        "requestId": request_id,
        "routeKey": "$default",
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(request.received_at)),
        "timeEpoch": int(request.received_at * 1000),
    }
    if caller is not None:
        context["authorizer"] = {"iam": caller.authorizer_iam()}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = context
    is_base64 = False
    if request.body:
        content_type = request.header("content-type") or ""
        if _TEXT_TYPES.fullmatch(content_type):
            try:
                event["body"] = request.body.decode("utf-8")
            except UnicodeDecodeError:
                is_base64 = True
        else:
            is_base64 = True
        if is_base64:
            event["body"] = base64.b64encode(request.body).decode()
    event["isBase64Encoded"] = is_base64
    return event


def http_answer(payload: bytes, request_id: str) -> HttpAnswer:
    """The HTTP answer for what the function returned ("Response payload format")."""
    base = [("x-amzn-RequestId", request_id)]
    try:
        value = json.loads(payload) if payload.strip() else None
    except ValueError:
        return bad_gateway(request_id)
    if isinstance(value, dict) and "statusCode" in value:
        try:
            status = int(value["statusCode"])
        except (TypeError, ValueError):
            return bad_gateway(request_id)
        headers: list[tuple[str, str]] = []
        for name, header_value in (value.get("headers") or {}).items():
            headers.append((str(name), str(header_value)))
        for cookie in value.get("cookies") or []:
            headers.append(("Set-Cookie", str(cookie)))
        body = value.get("body")
        if body is None:
            data = b""
        elif value.get("isBase64Encoded"):
            try:
                data = base64.b64decode(str(body), validate=True)
            except ValueError:
                return bad_gateway(request_id)
        else:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
        if not any(n.lower() == "content-type" for n, _ in headers):
            headers.append(("Content-Type", "application/json"))
        return HttpAnswer(status, headers + base, data)
    return HttpAnswer(200, [("Content-Type", "application/json"), *base], payload)


def bad_gateway(request_id: str, message: str = "Internal Server Error") -> HttpAnswer:
    return HttpAnswer(
        502,
        [("Content-Type", "text/plain"), ("x-amzn-RequestId", request_id)],
        message.encode(),
    )


# --------------------------------------------------------------------------
# CORS
# --------------------------------------------------------------------------


def _allowed(values: list[Any] | None, value: str) -> bool:
    return any(str(v) == "*" or str(v).lower() == value.lower() for v in values or [])


def _cors_headers(cors: dict[str, Any], origin: str) -> list[tuple[str, str]]:
    if not _allowed(cors.get("AllowOrigins"), origin):
        return []
    wildcard = "*" in [str(o) for o in cors.get("AllowOrigins") or []]
    headers = [("Access-Control-Allow-Origin", "*" if wildcard else origin)]
    if cors.get("AllowCredentials"):
        headers.append(("Access-Control-Allow-Credentials", "true"))
    if cors.get("ExposeHeaders"):
        headers.append(("Access-Control-Expose-Headers", ",".join(cors["ExposeHeaders"])))
    return headers


def preflight(cors: dict[str, Any], request: IncomingRequest) -> HttpAnswer | None:
    """Lambda's own answer to a CORS preflight, or ``None`` if this is not one."""
    origin = request.header("origin")
    method = request.header("access-control-request-method")
    if request.method != "OPTIONS" or not origin or not method:
        return None
    headers = _cors_headers(cors, origin)
    if headers and _allowed(cors.get("AllowMethods"), method):
        headers.append(("Access-Control-Allow-Methods", ",".join(cors.get("AllowMethods") or [])))
        if cors.get("AllowHeaders"):
            headers.append(("Access-Control-Allow-Headers", ",".join(cors["AllowHeaders"])))
        if cors.get("MaxAge") is not None:
            headers.append(("Access-Control-Max-Age", str(cors["MaxAge"])))
    else:
        headers = []
    return HttpAnswer(200, headers + [("x-amzn-RequestId", str(uuid.uuid4()))], b"")


def with_cors(answer: HttpAnswer, cors: dict[str, Any] | None, origin: str | None) -> HttpAnswer:
    if not cors or not origin:
        return answer
    kept = [(n, v) for n, v in answer.headers if not n.lower().startswith("access-control-")]
    return HttpAnswer(answer.status, kept + _cors_headers(cors, origin), answer.body)


# --------------------------------------------------------------------------
# Serving
# --------------------------------------------------------------------------


def serve(config: FunctionUrl, request: IncomingRequest) -> HttpAnswer:
    """One function-URL request: authenticate, authorise, invoke, answer."""
    cors = config.cors
    if cors:
        answer = preflight(cors, request)
        if answer is not None:
            return answer
    function_arn = str(config.function.function_arn)
    caller: Caller | None = None
    if config.auth_type == "AWS_IAM":
        caller = authenticate(request, config.function.region)
    context = {
        "lambda:FunctionUrlAuthType": config.auth_type,
        "lambda:InvokedViaFunctionUrl": "true",
    }
    for action in ("lambda:InvokeFunctionUrl", "lambda:InvokeFunction"):
        if not authorize(caller, action, function_arn, context):
            raise forbidden()
    request_id = str(uuid.uuid4())
    if config.invoke_mode != "BUFFERED":
        return bad_gateway(
            request_id, "InvokeMode RESPONSE_STREAM is not modelled by the local emulator"
        )
    event = build_event(request, config, caller, request_id)

    from moto.core.exceptions import JsonRESTError

    from . import awslambda

    try:
        invocation = awslambda.invoke(
            config.function.account_id,
            config.function.region,
            function_arn,
            json.dumps(event).encode(),
            "RequestResponse",
        )
    except JsonRESTError as refused:  # throttled, too large: the Invoke API's status and type
        raise FunctionUrlRefusal(
            int(refused.code), refused.error_type, {"Message": refused.message}
        ) from None
    if invocation.function_error:
        answer = bad_gateway(request_id)
    else:
        answer = http_answer(invocation.payload, request_id)
    return with_cors(answer, cors, request.header("origin"))


class FunctionUrlMiddleware:
    """Serves requests whose ``Host`` is a function URL's; passes the others on."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        host = str(environ.get("HTTP_HOST") or "").lower()
        match = HOST_PATTERN.fullmatch(host)
        if not match:
            return self.app(environ, start_response)
        request = IncomingRequest.from_environ(environ)
        config = find_function_url(match["url_id"], match["region"])
        try:
            if config is None:
                raise forbidden()
            answer = serve(config, request)
        except FunctionUrlRefusal as refusal:
            answer = refusal.answer()
        headers = [*answer.headers, ("Content-Length", str(len(answer.body)))]
        start_response(f"{answer.status} {_reason(answer.status)}", headers)
        return [answer.body]


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class FunctionUrlResponse(LambdaResponse):
    """CreateFunctionUrlConfig answers the members of its output shape only (the botocore
    model's ``CreateFunctionUrlConfigResponse`` has no ``LastModifiedTime``)."""

    def create_function_url_config(self) -> Any:
        status, headers, body = super().create_function_url_config()
        answer = json.loads(body)
        answer.pop("LastModifiedTime", None)
        return status, headers, json.dumps(answer)


EXTENSION = register(
    ServiceExtension(
        name="lambda-function-urls",
        service="awslambda",  # moto's backend name (moto/backend_index.py)
        base_response=LambdaResponse,
        response=FunctionUrlResponse,
    )
)
