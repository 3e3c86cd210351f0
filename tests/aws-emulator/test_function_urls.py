"""Lambda function URLs served by the emulator (``studio_emulator/function_urls.py``; each
rule's source is in its docstring): SigV4 against moto's credentials, authorisation, the
payload-format-2.0 event and the answer mapped back to HTTP.

Requests go to 127.0.0.1:PORT with ``Host: <url-id>.lambda-url.us-east-1.on.aws``, signed with
botocore's ``SigV4Auth``; the fixture function ``functions/http-echo`` answers with the event.
"""

from __future__ import annotations

import base64
import datetime
import http.client
import json
import os
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from emulator_client import (
    ACCOUNT,
    REGION,
    REPOSITORY,
    allow,
    client,
    control_api,
    create_function,
    error,
    function_zip,
    id_token,
    new_organization,
    other_account_session,
    policy_document,
    role_statements,
    rust_binary,
    signed_client,
    unique,
    wait_for,
)

FORBIDDEN = (
    "Forbidden. For troubleshooting Function URL authorization issues, see: "
    "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"
)
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service "
    "documentation for details."
)
INVALID_TOKEN = "The security token included in the request is invalid."


class Answer:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ", ".join(values) if values else None

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    endpoint: str,
    host: str,
    method: str = "GET",
    target: str = "/",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    sign_with: Credentials | None = None,
    region: str = REGION,
    service: str = "lambda",
    tamper: Callable[[dict[str, str], str, bytes], tuple[dict[str, str], str, bytes]] | None = None,
) -> Answer:
    """``method target`` to the emulator with ``Host: host``, SigV4-signed if ``sign_with``."""
    headers = dict(headers or {})
    if sign_with is not None:
        signed = AWSRequest(method=method, url=f"https://{host}{target}", data=body, headers=headers)
        SigV4Auth(sign_with, service, region).add_auth(signed)
        headers = dict(signed.headers.items())
    if tamper is not None:
        headers, target, body = tamper(headers, target, body)
    address = urlsplit(endpoint)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host)
        for name, value in headers.items():
            if name.lower() != "host":
                connection.putheader(name, value)
        if body or method in ("POST", "PUT", "PATCH"):
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        return Answer(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


#: What a caller of the module's function URLs is allowed: both actions a function URL's
#: caller needs (Lambda Developer Guide, "Control access to Lambda function URLs": with
#: ``AWS_IAM``, ``lambda:InvokeFunctionUrl`` and ``lambda:InvokeFunction``), on the module's
#: functions (the fixture's, and the sign-in function's).
URL_CALLER = policy_document(
    allow(
        ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"],
        [
            f"arn:aws:lambda:{REGION}:*:function:http-echo-*",
            f"arn:aws:lambda:{REGION}:*:function:studio-presigned-url-*",
        ],
    )
)


@pytest.fixture(scope="module")
def iam_user(iam: Any) -> tuple[Credentials, dict[str, Any]]:
    """An IAM user's access key (its policy: ``URL_CALLER``), and its ``sts get-caller-identity``."""
    name = unique("alice")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="url-caller", PolicyDocument=URL_CALLER)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    identity = client(iam.meta.endpoint_url, "sts", key=key["AccessKeyId"]).get_caller_identity()
    return credentials, identity


def assume_role(endpoint: str, role_arn: str, session: str, **extra: Any) -> tuple[Credentials, dict[str, Any]]:
    sts = client(endpoint, "sts", parameter_validation=False)
    answer = sts.assume_role(RoleArn=role_arn, RoleSessionName=session, **extra)
    c = answer["Credentials"]
    credentials = Credentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    identity = client(endpoint, "sts", key=c["AccessKeyId"]).get_caller_identity()
    return credentials, identity


@pytest.fixture(scope="module")
def session(endpoint: str, iam: Any) -> tuple[Credentials, dict[str, Any]]:
    """An assumed-role session of a role of the account (its policy: ``URL_CALLER``)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}],
    }
    name = unique("data-scientist")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=name, PolicyName="url-caller", PolicyDocument=URL_CALLER)
    return assume_role(endpoint, role["Role"]["Arn"], "alice")


def new_url(lam: Any, auth_type: str = "AWS_IAM", **config: Any) -> tuple[str, str, str]:
    """A function running ``functions/http-echo`` with a function URL; (name, url, host)."""
    name = create_function(lam, "http-echo")["FunctionName"]
    url = lam.create_function_url_config(FunctionName=name, AuthType=auth_type, **config)["FunctionUrl"]
    return name, url, urlsplit(url).hostname or ""


@pytest.fixture(scope="module")
def iam_url(lam: Any) -> tuple[str, str, str]:
    return new_url(lam)


def assert_refused(answer: Answer, error_type: str, body: dict[str, str]) -> None:
    """A 403 of the function URL: its error type and JSON body."""
    assert answer.status == 403, (answer.status, answer.body)
    assert answer.header("x-amzn-ErrorType") == error_type
    assert answer.json() == body


def echoed(answer: Answer) -> dict[str, Any]:
    assert answer.status == 200, (answer.status, answer.body)
    return answer.json()


# --------------------------------------------------------------------------
# The configuration
# --------------------------------------------------------------------------


def test_create_function_url_config_answers_the_aws_url_form(lam: Any) -> None:
    name = create_function(lam, "http-echo")["FunctionName"]

    config = lam.create_function_url_config(FunctionName=name, AuthType="AWS_IAM")

    assert re.fullmatch(r"https://[a-z0-9]{32}\.lambda-url\.us-east-1\.on\.aws/", config["FunctionUrl"])
    assert config["InvokeMode"] == "BUFFERED"
    assert "Cors" not in config
    assert lam.get_function_url_config(FunctionName=name)["FunctionUrl"] == config["FunctionUrl"]


# --------------------------------------------------------------------------
# AWS_IAM: who signed
# --------------------------------------------------------------------------


def test_a_request_signed_by_an_iam_user_reaches_the_function_as_that_user(
    endpoint: str, iam_url: tuple[str, str, str], iam_user: tuple[Credentials, dict[str, Any]]
) -> None:
    _, _, host = iam_url
    credentials, identity = iam_user

    event = echoed(request(endpoint, host, target="/profile?user=alice&x=1&x=2", sign_with=credentials))

    assert event["requestContext"]["authorizer"]["iam"] == {
        "accessKey": credentials.access_key,
        "accountId": identity["Account"],
        "callerId": identity["UserId"],
        "cognitoIdentity": None,
        "principalOrgId": None,
        "userArn": identity["Arn"],
        "userId": identity["UserId"],
    }
    assert identity["Arn"].startswith(f"arn:aws:iam::{ACCOUNT}:user/")


def web_identity_session(endpoint: str, iam: Any) -> tuple[Credentials, dict[str, Any]]:
    """A session of AssumeRoleWithWebIdentity (an OIDC-federated data scientist: the account's
    OpenID Connect provider issued the token, the role trusts it; the role's policy:
    ``URL_CALLER``)."""
    issuer = "https://idp.example.com"
    try:
        iam.create_open_id_connect_provider(
            Url=issuer, ClientIDList=["studio"], ThumbprintList=["a" * 40]
        )
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    trust = policy_document(
        {"Effect": "Allow",
         "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/idp.example.com"},
         "Action": "sts:AssumeRoleWithWebIdentity"}
    )
    name = unique("web-identity")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="url-caller", PolicyDocument=URL_CALLER)
    answer = client(endpoint, "sts").assume_role_with_web_identity(
        RoleArn=role,
        RoleSessionName="alice",
        WebIdentityToken=id_token(iss=issuer, aud="studio", sub="alice"),
    )
    c = answer["Credentials"]
    credentials = Credentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    return credentials, client(endpoint, "sts", key=c["AccessKeyId"]).get_caller_identity()


@pytest.mark.parametrize("kind", ["AssumeRole", "AssumeRoleWithWebIdentity"])
def test_an_assumed_role_session_reaches_the_function_as_that_session(
    endpoint: str,
    iam: Any,
    iam_url: tuple[str, str, str],
    session: tuple[Credentials, dict[str, Any]],
    kind: str,
) -> None:
    _, _, host = iam_url
    credentials, identity = session if kind == "AssumeRole" else web_identity_session(endpoint, iam)

    event = echoed(request(endpoint, host, sign_with=credentials))

    iam_identity = event["requestContext"]["authorizer"]["iam"]
    assert iam_identity["userArn"] == identity["Arn"]
    assert re.fullmatch(rf"arn:aws:sts::{ACCOUNT}:assumed-role/[^/]+/alice", identity["Arn"])
    assert iam_identity["userId"] == iam_identity["callerId"] == identity["UserId"]
    assert identity["UserId"].startswith("AROA") and identity["UserId"].endswith(":alice")
    assert iam_identity["accessKey"] == credentials.access_key


def test_the_event_is_payload_format_2_0(
    endpoint: str, iam_url: tuple[str, str, str], iam_user: tuple[Credentials, dict[str, Any]]
) -> None:
    _, url, host = iam_url
    url_id = host.split(".")[0]

    event = echoed(
        request(
            endpoint,
            host,
            method="POST",
            target="/sign-in/now?profile=alice&tag=a&tag=b",
            body=b'{"hello": "world"}',
            headers={
                "Content-Type": "application/json",
                "X-Custom": "one",
                "Cookie": "a=1; b=2",
                "User-Agent": "pytest-agent",
            },
            sign_with=iam_user[0],
        )
    )

    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/sign-in/now"
    assert event["rawQueryString"] == "profile=alice&tag=a&tag=b"
    assert event["queryStringParameters"] == {"profile": "alice", "tag": "a,b"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-custom"] == "one"
    assert event["headers"]["host"] == host
    assert event["headers"]["content-type"] == "application/json"
    assert event["headers"]["x-forwarded-proto"] == "https"
    assert event["body"] == '{"hello": "world"}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["accountId"] == ACCOUNT
    assert context["apiId"] == context["domainPrefix"] == url_id
    assert context["domainName"] == host == urlsplit(url).hostname
    assert context["http"] == {
        "method": "POST",
        "path": "/sign-in/now",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "pytest-agent",
    }
    assert context["routeKey"] == context["stage"] == "$default"
    assert re.fullmatch(r"[0-9a-f-]{36}", context["requestId"])
    assert re.fullmatch(r"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000", context["time"])
    assert isinstance(context["timeEpoch"], int)


def test_a_request_without_body_query_or_cookies_leaves_them_out(
    endpoint: str, iam_url: tuple[str, str, str], iam_user: tuple[Credentials, dict[str, Any]]
) -> None:
    event = echoed(request(endpoint, iam_url[2], sign_with=iam_user[0]))

    assert event["rawQueryString"] == ""
    assert not {"body", "cookies", "queryStringParameters"} & set(event)
    assert event["isBase64Encoded"] is False


def test_a_binary_request_body_reaches_the_function_base64_encoded(
    endpoint: str, iam_url: tuple[str, str, str], iam_user: tuple[Credentials, dict[str, Any]]
) -> None:
    data = bytes(range(256))

    event = echoed(
        request(
            endpoint,
            iam_url[2],
            method="PUT",
            body=data,
            headers={"Content-Type": "application/octet-stream"},
            sign_with=iam_user[0],
        )
    )

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == data


# --------------------------------------------------------------------------
# AWS_IAM: refusals
# --------------------------------------------------------------------------


def test_an_unsigned_request_is_forbidden(endpoint: str, iam_url: tuple[str, str, str]) -> None:
    assert_refused(request(endpoint, iam_url[2]), "AccessDeniedException", {"Message": FORBIDDEN})


def test_a_wrong_secret_is_a_signature_mismatch(
    endpoint: str, iam_url: tuple[str, str, str], iam_user: tuple[Credentials, dict[str, Any]]
) -> None:
    wrong = Credentials(iam_user[0].access_key, "not-the-secret")

    answer = request(endpoint, iam_url[2], sign_with=wrong)

    assert_refused(answer, "InvalidSignatureException", {"message": MISMATCH})


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h, t, b: (h, "/other", b),
        lambda h, t, b: (h, t + "?admin=true", b),
        lambda h, t, b: (h, t, b + b"!"),
        lambda h, t, b: ({**h, "X-Custom": "changed"}, t, b),
    ],
    ids=["path", "query", "body", "signed-header"],
)
def test_a_request_changed_after_signing_is_a_signature_mismatch(
    endpoint: str,
    iam_url: tuple[str, str, str],
    iam_user: tuple[Credentials, dict[str, Any]],
    tamper: Callable[..., Any],
) -> None:
    answer = request(
        endpoint,
        iam_url[2],
        method="POST",
        body=b"{}",
        headers={"X-Custom": "signed"},
        sign_with=iam_user[0],
        tamper=tamper,
    )

    assert_refused(answer, "InvalidSignatureException", {"message": MISMATCH})


@pytest.mark.parametrize(
    ("minutes_ago", "refusal"),
    [
        (1, None),
        (-1, None),
        (6, r"Signature expired: {t} is now earlier than {t} \({t} - 5 min\.\)"),
        (-6, r"Signature not yet current: {t} is still later than {t} \({t} \+ 5 min\.\)"),
    ],
)
def test_a_signature_may_be_at_most_five_minutes_off(
    endpoint: str,
    iam_url: tuple[str, str, str],
    iam_user: tuple[Credentials, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    minutes_ago: int,
    refusal: str | None,
) -> None:
    then = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=minutes_ago)
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: then.replace(tzinfo=None))

    answer = request(endpoint, iam_url[2], sign_with=iam_user[0])

    if refusal is None:
        assert answer.status == 200
    else:
        assert answer.status == 403
        assert re.fullmatch(refusal.format(t=r"\d{8}T\d{6}Z"), answer.json()["message"]), answer.body


def presigned(host: str, target: str, credentials: Credentials, expires: int = 300) -> str:
    """``target`` with SigV4 in its query string (a browser bookmark's form)."""
    signed = AWSRequest(method="GET", url=f"https://{host}{target}")
    SigV4QueryAuth(credentials, "lambda", REGION, expires=expires).add_auth(signed)
    parts = urlsplit(signed.url)
    return f"{parts.path}?{parts.query}"


def test_a_presigned_url_reaches_the_function_with_its_query(
    endpoint: str, iam_url: tuple[str, str, str], session: tuple[Credentials, dict[str, Any]]
) -> None:
    host = iam_url[2]

    event = echoed(request(endpoint, host, target=presigned(host, "/?landing=studio%3A%3A", session[0])))

    assert event["requestContext"]["authorizer"]["iam"]["userArn"] == session[1]["Arn"]
    assert event["queryStringParameters"]["landing"] == "studio::"
    assert event["queryStringParameters"]["X-Amz-Security-Token"] == session[0].token
    assert "X-Amz-Signature=" in event["rawQueryString"]


def test_a_presigned_url_is_refused_once_expired_or_changed(
    endpoint: str,
    iam_url: tuple[str, str, str],
    iam_user: tuple[Credentials, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = iam_url[2]
    changed = presigned(host, "/?landing=studio%3A%3A", iam_user[0]).replace("studio%3A%3A", "app%3A")
    then = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=90)
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: then.replace(tzinfo=None))
    expired = presigned(host, "/", iam_user[0], expires=60)

    assert_refused(request(endpoint, host, target=changed), "InvalidSignatureException", {"message": MISMATCH})
    answer = request(endpoint, host, target=expired)
    assert answer.status == 403
    assert answer.json()["message"].startswith("Signature expired: ")


def test_an_unknown_access_key_is_an_invalid_token(endpoint: str, iam_url: tuple[str, str, str]) -> None:
    answer = request(endpoint, iam_url[2], sign_with=Credentials("AKIAUNKNOWNKEY000000", "secret"))

    assert_refused(answer, "UnrecognizedClientException", {"message": INVALID_TOKEN})


def test_a_session_key_needs_its_session_token(
    endpoint: str, iam_url: tuple[str, str, str], session: tuple[Credentials, dict[str, Any]]
) -> None:
    credentials = session[0]
    for token in (None, "not-the-token"):
        answer = request(
            endpoint, iam_url[2], sign_with=Credentials(credentials.access_key, credentials.secret_key, token)
        )

        assert_refused(answer, "UnrecognizedClientException", {"message": INVALID_TOKEN})


def test_an_expired_session_is_refused(
    endpoint: str, iam: Any, iam_url: tuple[str, str, str]
) -> None:
    role = iam.create_role(
        RoleName=unique("short"),
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    credentials, _ = assume_role(endpoint, role, "brief", DurationSeconds=1)

    answer = wait_for(
        lambda: request(endpoint, iam_url[2], sign_with=credentials).json(),
        {"message": "The security token included in the request is expired"},
        timeout=5,
    )

    assert answer


@pytest.mark.parametrize(
    ("service", "region", "message"),
    [
        ("execute-api", REGION, "Credential should be scoped to correct service: 'lambda'. "),
        ("lambda", "eu-west-1", "Credential should be scoped to a valid region, not 'eu-west-1'. "),
    ],
)
def test_the_signature_must_be_for_lambda_in_the_functions_region(
    endpoint: str,
    iam_url: tuple[str, str, str],
    iam_user: tuple[Credentials, dict[str, Any]],
    service: str,
    region: str,
    message: str,
) -> None:
    answer = request(endpoint, iam_url[2], sign_with=iam_user[0], service=service, region=region)

    assert_refused(answer, "InvalidSignatureException", {"message": message})


def test_an_unknown_url_id_is_forbidden(endpoint: str, iam_user: tuple[Credentials, dict[str, Any]]) -> None:
    host = f"{'0' * 32}.lambda-url.{REGION}.on.aws"

    answer = request(endpoint, host, sign_with=iam_user[0])

    assert_refused(answer, "AccessDeniedException", {"Message": FORBIDDEN})


# --------------------------------------------------------------------------
# Authorisation: resource-based policies
# --------------------------------------------------------------------------


def public_url_statements(lam: Any, name: str, *, invoke_function: bool = True) -> None:
    lam.add_permission(
        FunctionName=name,
        StatementId="FunctionURLAllowPublicAccess",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    if invoke_function:
        lam.add_permission(
            FunctionName=name,
            StatementId="FunctionURLInvokeAllowPublicAccess",
            Action="lambda:InvokeFunction",
            Principal="*",
            InvokedViaFunctionUrl=True,
        )


def test_a_none_url_without_a_public_policy_is_forbidden(endpoint: str, lam: Any) -> None:
    _, _, host = new_url(lam, "NONE")

    assert_refused(request(endpoint, host), "AccessDeniedException", {"Message": FORBIDDEN})


def test_a_none_url_needs_invoke_function_as_well_as_invoke_function_url(endpoint: str, lam: Any) -> None:
    name, _, host = new_url(lam, "NONE")
    public_url_statements(lam, name, invoke_function=False)

    assert request(endpoint, host).status == 403


def test_a_none_url_with_the_public_policy_invokes_the_function_anonymously(endpoint: str, lam: Any) -> None:
    name, _, host = new_url(lam, "NONE")
    public_url_statements(lam, name)

    event = echoed(request(endpoint, host, target="/hello"))

    assert event["rawPath"] == "/hello"
    assert "authorizer" not in event["requestContext"]


def test_another_accounts_caller_needs_the_functions_resource_policy(
    endpoint: str, lam: Any, iam_url: tuple[str, str, str]
) -> None:
    name, _, host = iam_url
    other = "111122223333"
    # the partner's role, allowed by its own account to call the URL (URL_CALLER)
    key = other_account_session(
        endpoint, other, unique("partner"), *json.loads(URL_CALLER)["Statement"],
        session_name="partner",
    )
    credentials = Credentials(*key)
    identity = signed_client(endpoint, "sts", key).get_caller_identity()
    assert identity["Account"] == other

    refused = request(endpoint, host, sign_with=credentials)
    for action, extra in (
        ("lambda:InvokeFunctionUrl", {"FunctionUrlAuthType": "AWS_IAM"}),
        ("lambda:InvokeFunction", {"InvokedViaFunctionUrl": True}),
    ):
        lam.add_permission(
            FunctionName=name,
            StatementId=unique("partner"),
            Action=action,
            Principal=other,
            **extra,
        )
    allowed = request(endpoint, host, sign_with=credentials)

    assert_refused(refused, "AccessDeniedException", {"Message": FORBIDDEN})
    assert echoed(allowed)["requestContext"]["authorizer"]["iam"]["accountId"] == other


# --------------------------------------------------------------------------
# The answer
# --------------------------------------------------------------------------


def test_a_redirect_is_passed_through_with_its_cookies(
    endpoint: str, iam_url: tuple[str, str, str], iam_user: tuple[Credentials, dict[str, Any]]
) -> None:
    answer = request(endpoint, iam_url[2], target="/redirect", sign_with=iam_user[0])

    assert answer.status == 302
    assert answer.header("Location") == "https://studio.example/signed-in"
    assert answer.all("Set-Cookie") == ["session=abc; Secure; HttpOnly"]


def test_a_function_error_is_a_bad_gateway(
    endpoint: str, iam_url: tuple[str, str, str], iam_user: tuple[Credentials, dict[str, Any]]
) -> None:
    answer = request(endpoint, iam_url[2], target="/error", sign_with=iam_user[0])

    assert answer.status == 502
    assert answer.body == b"Internal Server Error"


def test_a_throttled_function_is_too_many_requests(
    endpoint: str, lam: Any, iam_user: tuple[Credentials, dict[str, Any]]
) -> None:
    name, _, host = new_url(lam)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)

    answer = request(endpoint, host, sign_with=iam_user[0])

    assert answer.status == 429
    assert answer.header("x-amzn-ErrorType") == "TooManyRequestsException"


def test_json_without_a_status_code_is_a_200_json_answer(
    endpoint: str, iam_url: tuple[str, str, str], iam_user: tuple[Credentials, dict[str, Any]]
) -> None:
    answer = request(endpoint, iam_url[2], target="/plain", sign_with=iam_user[0])

    assert answer.status == 200
    assert answer.header("Content-Type") == "application/json"
    assert answer.json() == ["not", "a", "statusCode", "object"]


def test_a_base64_encoded_answer_is_decoded(
    endpoint: str, iam_url: tuple[str, str, str], iam_user: tuple[Credentials, dict[str, Any]]
) -> None:
    answer = request(endpoint, iam_url[2], target="/binary", sign_with=iam_user[0])

    assert answer.status == 200
    assert answer.header("Content-Type") == "application/octet-stream"
    assert answer.body == bytes(range(256))


# --------------------------------------------------------------------------
# CORS
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cors_url(lam: Any) -> tuple[str, str, str]:
    return new_url(
        lam,
        Cors={
            "AllowOrigins": ["https://studio.example"],
            "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["authorization", "x-amz-date"],
            "ExposeHeaders": ["x-request-id"],
            "MaxAge": 300,
        },
    )


def test_a_cors_preflight_is_answered_without_signature_or_function(
    endpoint: str, cors_url: tuple[str, str, str]
) -> None:
    answer = request(
        endpoint,
        cors_url[2],
        method="OPTIONS",
        headers={"Origin": "https://studio.example", "Access-Control-Request-Method": "POST"},
    )

    assert answer.status == 200
    assert answer.header("Access-Control-Allow-Origin") == "https://studio.example"
    assert answer.header("Access-Control-Allow-Methods") == "GET,POST"
    assert answer.header("Access-Control-Allow-Headers") == "authorization,x-amz-date"
    assert answer.header("Access-Control-Max-Age") == "300"
    assert answer.body == b""


def test_cors_headers_of_the_configuration_replace_the_functions(
    endpoint: str, cors_url: tuple[str, str, str], iam_user: tuple[Credentials, dict[str, Any]]
) -> None:
    allowed = request(
        endpoint, cors_url[2], headers={"Origin": "https://studio.example"}, sign_with=iam_user[0]
    )
    other = request(
        endpoint, cors_url[2], headers={"Origin": "https://elsewhere.example"}, sign_with=iam_user[0]
    )

    assert allowed.status == 200
    assert allowed.all("Access-Control-Allow-Origin") == ["https://studio.example"]
    assert allowed.header("Access-Control-Expose-Headers") == "x-request-id"
    assert other.status == 200
    assert other.all("Access-Control-Allow-Origin") == []


# --------------------------------------------------------------------------
# AWS::Lambda::Url
# --------------------------------------------------------------------------


def test_a_lambda_url_resource_creates_the_url_and_answers_its_attributes(
    endpoint: str, lam: Any, cfn: Any
) -> None:
    name = create_function(lam, "http-echo")["FunctionName"]
    template = {
        "Resources": {
            "Url": {
                "Type": "AWS::Lambda::Url",
                "Properties": {"TargetFunctionArn": name, "AuthType": "AWS_IAM"},
            }
        },
        "Outputs": {
            "Url": {"Value": {"Fn::GetAtt": ["Url", "FunctionUrl"]}},
            "Arn": {"Value": {"Fn::GetAtt": ["Url", "FunctionArn"]}},
            "Ref": {"Value": {"Ref": "Url"}},
        },
    }
    stack = unique("url-stack")
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(template))
    wait_for(
        lambda: cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"],
        "CREATE_COMPLETE",
        timeout=30,
    )

    outputs = {
        o["OutputKey"]: o["OutputValue"]
        for o in cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    }
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    assert outputs["Url"] == lam.get_function_url_config(FunctionName=name)["FunctionUrl"]
    assert outputs["Arn"] == outputs["Ref"] == arn

    cfn.delete_stack(StackName=stack)
    wait_for(
        lambda: [s["StackStatus"] for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == stack],
        ["DELETE_COMPLETE"],
        timeout=30,
    )
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as raised:
        lam.get_function_url_config(FunctionName=name)
    assert error(raised)[0] == "ResourceNotFoundException"


# --------------------------------------------------------------------------
# The real sign-in function
# --------------------------------------------------------------------------


def _sign_in_function(lam: Any, domain_id: str, **env: str) -> tuple[str, str]:
    """The real sign-in function for ``domain_id``, with the role the domain product's template
    gives it and ``env``, behind an ``AWS_IAM`` function URL: its name and the URL's host."""
    statements = role_statements(
        os.path.join(REPOSITORY, "templates", "studio-domain.yaml"),
        "PresignedUrlFunctionRole",
        {
            "Domain.DomainId": domain_id,
            "PresignedUrlLogGroup.Arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/url",
        },
    )
    name = create_function(
        lam,
        function_name=unique("studio-presigned-url"),
        zip_bytes=function_zip("studio-presigned-url", bootstrap=rust_binary("studio-presigned-url")),
        statements=tuple(statements),
        Environment={"Variables": {"DOMAIN_ID": domain_id, **env}},
        Timeout=10,
    )["FunctionName"]
    url = lam.create_function_url_config(FunctionName=name, AuthType="AWS_IAM")["FunctionUrl"]
    return name, urlsplit(url).hostname or ""


#: An identity provider's SAML metadata as IAM CreateSAMLProvider takes it (1,000 to 10,000,000
#: characters, botocore's ``iam`` model): an ``EntityDescriptor`` with a signing key (whose
#: certificate the emulator does not check) and a sign-on endpoint.
SAML_METADATA = (
    '<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
    'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.example.com/saml">'
    '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
    '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
    + base64.b64encode(b"not a real certificate " * 40).decode()
    + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
    '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
    'Location="https://idp.example.com/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>'
)


def _domain_with(endpoint: str, profiles: dict[str, str]) -> str:
    """An InService IAM domain with InService ``profiles`` (name -> ``studiouserid``)."""
    sagemaker = client(endpoint, "sagemaker")
    domain_id = str(sagemaker.create_domain(
        DomainName=unique("sign-in"), AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": f"arn:aws:iam::{ACCOUNT}:role/StudioExecution"},
        SubnetIds=["subnet-0123456789abcdef0"], VpcId="vpc-0123456789abcdef0",
    )["DomainArn"].rsplit("/", 1)[1])
    wait_for(lambda: sagemaker.describe_domain(DomainId=domain_id)["Status"], "InService", 30)
    for profile, owner in profiles.items():
        sagemaker.create_user_profile(DomainId=domain_id, UserProfileName=profile,
                                      Tags=[{"Key": "studiouserid", "Value": owner}])
        wait_for(lambda p=profile: sagemaker.describe_user_profile(
            DomainId=domain_id, UserProfileName=p)["Status"], "InService", 30)
    return domain_id


def _issued_to(endpoint: str, domain_id: str) -> list[tuple[str, str]]:
    """(URL, profile) of each presigned URL the emulator issued in ``domain_id``."""
    issued = control_api(endpoint)("GET", f"presigned-urls?DomainId={domain_id}")["presigned_urls"]
    return [(u["AuthorizedUrl"], u["UserProfileName"]) for u in issued]


@pytest.mark.rust_binaries
def test_a_saml_session_of_a_listed_role_and_an_iam_user_each_get_their_own_profile(
    endpoint: str, lam: Any, iam: Any, iam_user: tuple[Credentials, dict[str, Any]]
) -> None:
    """The identities the sign-in believes, IAM enforced: a session of a role that trusts only
    a SAML provider (its session name is the assertion's ``RoleSessionName``, set by the
    identity provider) listed in ``TRUSTED_SESSION_ROLE_NAMES``, and an IAM user (its name)."""
    user_name = iam_user[1]["Arn"].rsplit("/", 1)[1]
    domain_id = _domain_with(endpoint, {"alice": "alice", "the-user": user_name})
    provider = iam.create_saml_provider(
        Name=unique("idp"), SAMLMetadataDocument=SAML_METADATA)["SAMLProviderArn"]
    role_name = unique("federated-scientists")
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithSAML"}]}))["Role"]["Arn"]
    iam.put_role_policy(RoleName=role_name, PolicyName="url-caller", PolicyDocument=URL_CALLER)
    assertion = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Assertion>'
        '<saml:AttributeStatement>'
        '<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">'
        f"<saml:AttributeValue>{role},{provider}</saml:AttributeValue></saml:Attribute>"
        '<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">'
        "<saml:AttributeValue>alice</saml:AttributeValue></saml:Attribute>"
        "</saml:AttributeStatement></saml:Assertion></samlp:Response>"
    )
    federated = client(endpoint, "sts").assume_role_with_saml(
        RoleArn=role, PrincipalArn=provider,
        SAMLAssertion=base64.b64encode(assertion.encode()).decode())["Credentials"]
    alice = Credentials(federated["AccessKeyId"], federated["SecretAccessKey"],
                        federated["SessionToken"])
    _, host = _sign_in_function(lam, domain_id, TRUSTED_SESSION_ROLE_NAMES=role_name)

    as_alice = request(endpoint, host, headers={"Accept": "application/json"}, sign_with=alice)
    as_user = request(endpoint, host, headers={"Accept": "application/json"},
                      sign_with=iam_user[0])

    assert (as_alice.status, as_user.status) == (200, 200), (as_alice.body, as_user.body)
    assert _issued_to(endpoint, domain_id) == [
        (as_alice.json()["url"], "alice"), (as_user.json()["url"], "the-user")]


@pytest.mark.rust_binaries
def test_the_sign_in_function_refuses_a_session_whose_name_its_caller_chose(
    endpoint: str, lam: Any, session: tuple[Credentials, dict[str, Any]]
) -> None:
    """The session fixture is ``alice`` of a role the account's principals assume with
    ``sts:AssumeRole`` (so they name the session): IAM lets the request through the URL, and the
    function, reading the caller from ``requestContext.authorizer.iam``, refuses it (issue #14)."""
    _, host = _sign_in_function(lam, "d-abcdefabcdef")

    answer = request(endpoint, host, target="/?profile=alice",
                     headers={"Accept": "application/json"}, sign_with=session[0])

    assert answer.status == 403
    assert answer.json()["code"] == "session_not_trusted"
    role = session[1]["Arn"].split("/")[1]
    assert f"Sessions of role {role} are not trusted" in answer.json()["message"]


def _template_permissions(account: str) -> list[dict[str, Any]]:
    """The AddPermission requests of the domain template's ``SignIn*ForAccount1`` resources
    (AWS::Lambda::Permission) for ``account``, as CloudFormation makes them."""
    from emulator_client import load_template

    resources = load_template(os.path.join(REPOSITORY, "templates", "studio-domain.yaml"))["Resources"]
    permissions = []
    for logical in ("SignInUrlForAccount1", "SignInInvocationForAccount1"):
        properties = dict(resources[logical]["Properties"])
        del properties["FunctionName"]
        properties["Principal"] = account
        permissions.append({"StatementId": logical, **properties})
    return permissions


@pytest.mark.rust_binaries
def test_a_caller_of_another_allowed_account_signs_in_only_as_itself_through_the_template_grants(
    endpoint: str, lam: Any
) -> None:
    """``AllowedAccountIds`` end to end, IAM enforced: a principal of another account needs the
    function's resource-based policy (the template's two Lambda permissions; Lambda Developer
    Guide, "Control access to Lambda function URLs"), and then signs in as
    ``<account>/<name>`` only: alice of account B never gets the profile of alice of this
    account."""
    other = "444455556666"
    domain_id = _domain_with(endpoint, {"alice": "alice", "alice-partner": f"{other}/alice"})
    name, host = _sign_in_function(
        lam, domain_id, ALLOWED_ACCOUNT_IDS=f"{ACCOUNT},{other}",
        TRUSTED_SESSION_ROLE_NAMES="PartnerScientists")
    # alice of account B: a session of B's federated role (listed as trusted), allowed by
    # her own account to call the URL.
    key = other_account_session(endpoint, other, "PartnerScientists",
                                *json.loads(URL_CALLER)["Statement"], session_name="alice")
    credentials = Credentials(*key)

    without_grant = request(endpoint, host, headers={"Accept": "application/json"},
                            sign_with=credentials)
    for permission in _template_permissions(other):
        lam.add_permission(FunctionName=name, **permission)
    signed_in = request(endpoint, host, headers={"Accept": "application/json"},
                        sign_with=credentials)
    asking_for_alice_a = request(endpoint, host, target="/?profile=alice",
                                 headers={"Accept": "application/json"}, sign_with=credentials)

    assert_refused(without_grant, "AccessDeniedException", {"Message": FORBIDDEN})
    assert signed_in.status == 200, signed_in.body
    assert _issued_to(endpoint, domain_id) == [(signed_in.json()["url"], "alice-partner")]
    assert asking_for_alice_a.status == 403
    assert asking_for_alice_a.json()["code"] == "profile_not_allowed"


# Last: the organisation stays until the next module's reset.
def test_the_callers_organisation_is_the_principal_org_id(
    endpoint: str, iam_url: tuple[str, str, str], iam_user: tuple[Credentials, dict[str, Any]]
) -> None:
    _, organization, _, _ = new_organization(endpoint)

    event = echoed(request(endpoint, iam_url[2], sign_with=iam_user[0]))

    assert event["requestContext"]["authorizer"]["iam"]["principalOrgId"] == organization["Id"]
