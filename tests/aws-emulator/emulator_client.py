"""Helpers shared by the emulator's tests (the fixtures built on them are in conftest.py).

The emulator server as a subprocess, boto3 clients pointed at it, the
``/_studio_emulator/`` control API, unique names, polling and error helpers.

IAM is enforced in every server the suite talks to (:data:`SUITE_CONFIG`, applied at start and
after each reset by :func:`reset_for_suite`; issue #13 "Enforcing is the default in the test
suite"). The set-up keys are the account root, allowed everything, so state is arranged as an
admin would; a non-root identity (an IAM user, a role session, a function's execution role) has
only the policy its helper gives it. :func:`iam_relaxed` switches enforcement off, only to
arrange state.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
import yaml
from botocore.config import Config
from botocore.exceptions import ClientError

from shape_guard import SESSION_GUARD, ShapeGuard

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "server.py")
REGION = "us-east-1"
ACCOUNT = "123456789012"
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"

_READY = re.compile(r"studio-emulator ready on (http://127\.0\.0\.1:\d+)\n")

#: The configuration every server of the suite runs with: IAM enforced (the server's own default,
#: and ``POST reset``'s, is off; README "IAM in the suite").
SUITE_CONFIG: dict[str, Any] = {"iam_enforcement": True}


class EmulatorProcess:
    """``server.py`` on a free port of 127.0.0.1, started and stopped by the tests, configured
    as the suite runs every server (:data:`SUITE_CONFIG`: IAM enforced)."""

    def __init__(self, transition_seconds: float | None = None) -> None:
        command = [sys.executable, SERVER, "--host", "127.0.0.1", "--port", "0"]
        if transition_seconds is not None:
            command += ["--transition-seconds", str(transition_seconds)]
        # stderr goes to a file, so that a long-lived server never blocks on a full pipe.
        self._stderr = tempfile.TemporaryFile(mode="w+")
        self._proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._stderr, text=True
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()  # blocks until ready (or exit)
        match = _READY.fullmatch(line)
        if not match:
            self._proc.kill()
            self._proc.wait()
            pytest.fail(f"emulator did not start: {line!r} {self._read_stderr()!r}")
        self.endpoint: str = match.group(1)
        control_api(self.endpoint)("POST", "config", SUITE_CONFIG)

    def _read_stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()

    def stop(self) -> None:
        """SIGTERM, and the server must exit with status 0 within 10 seconds."""
        try:
            self._proc.send_signal(signal.SIGTERM)
            try:
                code = self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                raise
            assert code == 0, self._read_stderr()
        finally:
            self._stderr.close()


def client(
    endpoint: str,
    service: str,
    key: str = ACCESS_KEY_ID,
    guard: ShapeGuard = SESSION_GUARD,
    **config: Any,
) -> Any:
    """A boto3 client of ``service`` against the emulator (no retries).

    Every answer it receives is checked by ``guard`` (shape_guard.py) against the
    operation's botocore model; the session's guard fails the test that caused a
    violation. ``config`` adds botocore ``Config`` options, e.g.
    ``parameter_validation=False``.
    """
    made = boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key="secret",
        config=Config(retries={"mode": "standard", "max_attempts": 1}, **config),
    )
    return guard.register(made)


def control_api(endpoint: str) -> Callable[..., Any]:
    """``call(method, path, body=None)``: JSON in and out of ``/_studio_emulator/<path>``."""

    def call(method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{endpoint}/_studio_emulator/{path}", data=data, method=method
        )
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read())

    return call


def reset_for_suite(call: Callable[..., Any], **settings: Any) -> None:
    """``POST reset`` through the control API ``call``, then the suite's configuration
    (:data:`SUITE_CONFIG`, IAM enforced: a reset switches it off) and ``settings``."""
    call("POST", "reset")
    call("POST", "config", {**SUITE_CONFIG, **settings})


@contextlib.contextmanager
def iam_relaxed(control: Callable[..., Any]) -> Iterator[None]:
    """IAM evaluation off inside the block, on again after it: ONLY to arrange state that no
    identity of the test could arrange with enforcement on. Never around the calls a test
    asserts on (issue #13: "a test may switch it off only to arrange state")."""
    control("POST", "config", {"iam_enforcement": False})
    try:
        yield
    finally:
        control("POST", "config", {"iam_enforcement": True})


_counter = itertools.count(1)


def unique(prefix: str, separator: str = "-") -> str:
    """``prefix-<pid>-<n>``: a name no other test of this run uses."""
    return f"{prefix}{separator}{os.getpid()}{separator}{next(_counter)}"


def wait_for(fn: Callable[[], Any], expected: Any, timeout: float = 5.0) -> Any:
    """Polls ``fn()`` until it equals ``expected``; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value == expected:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {expected!r}, still {value!r}")
        time.sleep(0.05)


#: The execution role named in the Studio domains the suites create (it need not exist).
STUDIO_ROLE = "arn:aws:iam::123456789012:role/studio-execution"


def domain_request(**extra: Any) -> dict[str, Any]:
    """CreateDomain's arguments for an IAM domain with a unique name (``extra`` overrides)."""
    return {
        "DomainName": unique("dom"),
        "AuthMode": "IAM",
        "DefaultUserSettings": {"ExecutionRole": STUDIO_ROLE},
        "SubnetIds": ["subnet-0123456789abcdef0"],
        "VpcId": "vpc-0123456789abcdef0",
        **extra,
    }


def in_service_domain(sm: Any, **extra: Any) -> str:
    """A new domain (:func:`domain_request`), once it is InService: its id."""
    domain_id = str(sm.create_domain(**domain_request(**extra))["DomainId"])
    wait_for(lambda: sm.describe_domain(DomainId=domain_id)["Status"], "InService")
    return domain_id


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    """(code, message) of a raised ``ClientError``."""
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


#: The smallest product template: one resource that needs nothing.
HANDLE_TEMPLATE = json.dumps(
    {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
    }
)
TEMPLATE_BUCKET = "product-templates"


def stage_template(endpoint: str, body: str, key: str | None = None) -> str:
    """``body`` put in moto's S3 (bucket ``TEMPLATE_BUCKET``, created if need be); returns
    the object's URL on the emulator, path style, as the deploy tool stages templates."""
    s3 = client(endpoint, "s3")
    try:
        s3.create_bucket(Bucket=TEMPLATE_BUCKET)
    except ClientError as e:
        if e.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    key = key or f"templates/{unique('product')}.yaml"
    s3.put_object(Bucket=TEMPLATE_BUCKET, Key=key, Body=body.encode())
    return f"{endpoint}/{TEMPLATE_BUCKET}/{key}"


def new_product(sc: Any, template: str = HANDLE_TEMPLATE) -> tuple[str, str]:
    """A Service Catalog product with one provisioning artifact whose template is
    ``template`` (staged in moto's S3), in no portfolio (so with no launch path yet);
    returns the product id and the artifact id."""
    detail = sc.create_product(
        Name=unique("product"),
        Owner="platform",
        ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters={
            "Name": "v1",
            "Info": {"LoadTemplateFromURL": stage_template(sc.meta.endpoint_url, template)},
            "Type": "CLOUD_FORMATION_TEMPLATE",
        },
        IdempotencyToken=unique("token"),
    )
    product_id = detail["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    artifact = sc.list_provisioning_artifacts(ProductId=product_id)[
        "ProvisioningArtifactDetails"
    ][0]["Id"]
    return product_id, artifact


def provision_and_wait(sc: Any, product_id: str, artifact: str, timeout: float = 20.0) -> dict[str, Any]:
    """ProvisionProduct of ``artifact`` of ``product_id`` (a fresh name and token), waited until
    its record ends (``SUCCEEDED`` or ``FAILED``); returns the record's ``RecordDetail``."""
    record_id = sc.provision_product(
        ProductId=product_id, ProvisioningArtifactId=artifact,
        ProvisionedProductName=unique("pp"), ProvisionToken=unique("tok"),
    )["RecordDetail"]["RecordId"]
    wait_for(
        lambda: sc.describe_record(Id=record_id)["RecordDetail"]["Status"] in ("SUCCEEDED", "FAILED"),
        True, timeout=timeout,
    )
    return dict(sc.describe_record(Id=record_id)["RecordDetail"])


def new_organization(endpoint: str) -> tuple[Any, dict[str, Any], str, str]:
    """An organisation in moto's Organizations (the caller's account its management
    account) with one organisational unit under its root; returns the Organizations
    client, the organisation, the root id and the OU id. It stays until the next reset."""
    organizations = client(endpoint, "organizations")
    org = organizations.create_organization(FeatureSet="ALL")["Organization"]
    root = organizations.list_roots()["Roots"][0]["Id"]
    ou = organizations.create_organizational_unit(ParentId=root, Name=unique("ou"))[
        "OrganizationalUnit"
    ]["Id"]
    return organizations, org, root, ou


def policy_document(*statements: dict[str, Any]) -> str:
    """An IAM policy document (JSON) of ``statements``."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    """An ``Allow`` policy statement (``extra``: ``Sid``, ``Condition``, ``Principal`` ...)."""
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    """A ``Deny`` policy statement."""
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


FUNCTIONS = os.path.join(HERE, "functions")


def function_zip(name: str, bootstrap: str | None = None) -> bytes:
    """The deployment package of fixture function ``functions/<name>/`` (its files at the zip's
    root, modes kept: ``bootstrap`` executable); ``bootstrap`` = a file to zip as ``bootstrap``
    instead (e.g. a built binary)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    # compresslevel 1: a 50 MB debug binary deflates in ~1 s instead of ~4 s at the default
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        home = os.path.join(FUNCTIONS, name)
        files = (
            [(bootstrap, "bootstrap")]
            if bootstrap
            else [
                (os.path.join(root, f), os.path.relpath(os.path.join(root, f), home))
                for root, _dirs, names in os.walk(home)
                for f in sorted(names)
            ]
        )
        for path, entry in files:
            info = zipfile.ZipInfo(entry, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (os.stat(path).st_mode & 0o777) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as f:
                archive.writestr(info, f.read(), compresslevel=1)
    return buffer.getvalue()


def trust_policy(service: str) -> dict[str, Any]:
    """A role trust policy that lets the AWS service ``service`` (e.g. ``lambda``) assume it."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": f"{service}.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def service_role(endpoint: str, name: str, service: str, *statements: dict[str, Any]) -> str:
    """An IAM role trusting ``<service>.amazonaws.com``, with an inline policy of
    ``statements`` (none: no permission at all); returns its ARN."""
    iam = client(endpoint, "iam")
    arn = iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(trust_policy(service))
    )["Role"]["Arn"]
    if statements:
        iam.put_role_policy(
            RoleName=name, PolicyName=f"{name}-policy", PolicyDocument=policy_document(*statements)
        )
    return str(arn)


def execution_role(endpoint: str, name: str, *statements: dict[str, Any]) -> str:
    """An IAM role that Lambda may assume (moto's CreateFunction wants one), with an inline
    policy of ``statements`` (none: the function may call nothing but what needs no permission,
    e.g. STS ``GetCallerIdentity``); returns its ARN."""
    return service_role(endpoint, name, "lambda", *statements)


#: What every Service Catalog launch role needs (Service Catalog Administrator Guide, "AWS
#: Service Catalog launch constraints"): read Service Catalog's own copy of the product's
#: template, tagged ``servicecatalog:provisioning=true``, and run the product's ``SC-*`` stack.
LAUNCH_ROLE_STATEMENTS: tuple[dict[str, Any], ...] = (
    allow(
        "s3:GetObject",
        Condition={"StringEquals": {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}},
    ),
    allow(
        [
            "cloudformation:CreateStack",
            "cloudformation:UpdateStack",
            "cloudformation:DeleteStack",
            "cloudformation:DescribeStacks",
            "cloudformation:DescribeStackEvents",
            "cloudformation:SetStackPolicy",
        ],
        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/SC-*",
    ),
    allow(["cloudformation:GetTemplateSummary", "cloudformation:ValidateTemplate"]),
)


#: A Service Catalog end user's permissions (the end-user actions of the managed policy
#: ``AWSServiceCatalogEndUserFullAccess``); without a launch constraint an end user launches
#: with their own credentials, so they need :data:`LAUNCH_ROLE_STATEMENTS` too (Service Catalog
#: Administrator Guide, "AWS Service Catalog launch constraints").
END_USER_STATEMENTS: tuple[dict[str, Any], ...] = (
    allow(
        [
            f"servicecatalog:{action}"
            for action in (
                "DescribeProduct", "DescribeProductView", "DescribeProvisioningParameters",
                "ListLaunchPaths", "ProvisionProduct", "SearchProducts",
                "DescribeProvisionedProduct", "DescribeRecord", "ListRecordHistory",
                "ScanProvisionedProducts", "SearchProvisionedProducts",
                "TerminateProvisionedProduct", "UpdateProvisionedProduct",
                "ListProvisioningArtifacts", "DescribeProvisioningArtifact",
            )
        ]
    ),
)


def launch_role(endpoint: str, name: str, *statements: dict[str, Any]) -> str:
    """A Service Catalog launch role (trusting ``servicecatalog.amazonaws.com``) allowed
    :data:`LAUNCH_ROLE_STATEMENTS` and ``statements`` (what the product's resources need);
    returns its ARN."""
    return service_role(endpoint, name, "servicecatalog", *LAUNCH_ROLE_STATEMENTS, *statements)


def function_logging(function_name: str, log_group: str | None = None) -> dict[str, Any]:
    """The statement a function's execution role needs for Lambda to deliver its logs to its
    log group (``log_group``, default ``/aws/lambda/<name>``): ``logs:CreateLogGroup``,
    ``logs:CreateLogStream``, ``logs:PutLogEvents``, as ``AWSLambdaBasicExecutionRole`` grants
    them (Lambda Developer Guide, "Sending Lambda function logs to CloudWatch Logs"), on that
    group and its streams only."""
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{log_group or f'/aws/lambda/{function_name}'}"
    return allow(
        ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], [group, f"{group}:*"]
    )


def create_function(
    lambda_client: Any,
    fixture: str = "probe",
    *,
    function_name: str | None = None,
    role: str | None = None,
    statements: tuple[dict[str, Any], ...] = (),
    logs: bool = True,
    zip_bytes: bytes | None = None,
    **config: Any,
) -> dict[str, Any]:
    """A ``provided.al2023`` function running fixture ``functions/<fixture>/`` (or
    ``zip_bytes``), named uniquely unless ``function_name`` is given; its execution role is
    ``role``, else a new one whose policy is ``statements`` (what the test's scenario lets
    the function call) and, unless ``logs`` is false, :func:`function_logging` for its log
    group (every function logs: START, END and REPORT at least); ``config`` adds CreateFunction
    members (``Timeout``, ``MemorySize``, ``Environment``, ``LoggingConfig``, ...). Returns the
    CreateFunction answer."""
    name = function_name or unique(fixture)
    if role is None:
        if logs:
            group = (config.get("LoggingConfig") or {}).get("LogGroup")
            statements = (function_logging(name, group), *statements)
        role = execution_role(lambda_client.meta.endpoint_url, f"{name}-role", *statements)
    members: dict[str, Any] = {
        "FunctionName": name,
        "Runtime": "provided.al2023",
        "Role": role,
        "Handler": "bootstrap",
        "Code": {"ZipFile": zip_bytes if zip_bytes is not None else function_zip(fixture)},
        "Timeout": 3,
        "MemorySize": 128,
    }
    return lambda_client.create_function(**{**members, **config})


def wait_for_stack(cloudformation: Any, stack: str, timeout: float = 30.0) -> dict[str, Any]:
    """Polls DescribeStacks until ``stack`` (name or id) is no longer ``*_IN_PROGRESS`` (stack
    operations run in the background, as in CloudFormation); returns its description.
    Fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
        if not described["StackStatus"].endswith("_IN_PROGRESS"):
            return described
        if time.monotonic() > deadline:
            raise AssertionError(f"stack {stack} still {described['StackStatus']}")
        time.sleep(0.05)


def delete_stack(cloudformation: Any, stack: str, timeout: float = 30.0) -> dict[str, Any]:
    """DeleteStack of ``stack`` (name or id), then waits until the deletion ends; returns the
    stack's last description (``DELETE_COMPLETE``, or ``DELETE_FAILED``)."""
    stack_id = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["StackId"]
    cloudformation.delete_stack(StackName=stack_id)
    return wait_for_stack(cloudformation, stack_id, timeout)


#: The log buckets of the ``cfn-recorder`` fixture are named ``cfn-log-<pid>-<n>``.
RECORDER_LOG_PREFIX = "cfn-log"

#: The least policy of the ``cfn-recorder`` fixture's execution role: it writes its log
#: (``PutObject`` on ``log/*``) and looks for its release (``HeadObject``, which is
#: ``s3:GetObject`` in the Service Authorization Reference, on ``release/*``) in its log buckets.
RECORDER_STATEMENTS: tuple[dict[str, Any], ...] = (
    allow("s3:PutObject", f"arn:aws:s3:::{RECORDER_LOG_PREFIX}-*/log/*"),
    allow("s3:GetObject", f"arn:aws:s3:::{RECORDER_LOG_PREFIX}-*/release/*"),
)


def recorder_function(lambda_client: Any, **config: Any) -> str:
    """A new ``cfn-recorder`` provider function (role: :data:`RECORDER_STATEMENTS`, timeout
    60 s unless ``config`` says otherwise); returns its ARN, the ServiceToken."""
    made = create_function(
        lambda_client, "cfn-recorder", statements=RECORDER_STATEMENTS, **{"Timeout": 60, **config}
    )
    return str(made["FunctionArn"])


def recorder_log(endpoint: str) -> str:
    """A new log bucket for the ``cfn-recorder`` fixture; returns its name."""
    log = unique(RECORDER_LOG_PREFIX)
    client(endpoint, "s3").create_bucket(Bucket=log)
    return log


class Recorder:
    """The fixture custom-resource provider (``functions/cfn-recorder``), invoked by
    CloudFormation through the Lambda executor: it logs each request it receives to a bucket
    of its own and answers as the resource's properties say (``FailOn``, ``Reason``,
    ``PhysicalId``, ``Data``, ``WaitFor``...; see its bootstrap)."""

    def __init__(self, s3: Any, provider: str, log: str) -> None:
        self.s3, self.provider, self.log = s3, provider, log

    @classmethod
    def start(cls, endpoint: str, provider: str | None = None) -> "Recorder":
        """A recorder logging to a new bucket; the provider function is created unless given."""
        if provider is None:
            provider = recorder_function(client(endpoint, "lambda"))
        s3 = client(endpoint, "s3")
        log = recorder_log(endpoint)
        return cls(s3, provider, log)

    def resource(self, depends_on: str | None = None, **properties: Any) -> dict[str, Any]:
        """A ``Custom::Recorded`` resource served by the recorder."""
        resource: dict[str, Any] = {
            "Type": "Custom::Recorded",
            "Properties": {"ServiceToken": self.provider, "LogBucket": self.log, **properties},
        }
        if depends_on:
            resource["DependsOn"] = depends_on
        return resource

    def requests(self) -> list[dict[str, Any]]:
        """What the provider received, oldest first."""
        listed = self.s3.list_objects_v2(Bucket=self.log, Prefix="log/").get("Contents", [])
        return [
            json.loads(self.s3.get_object(Bucket=self.log, Key=o["Key"])["Body"].read())
            for o in sorted(listed, key=lambda o: o["Key"])
        ]

    def sequence(self) -> list[tuple[str, str]]:
        """``(RequestType, LogicalResourceId)`` of each request, oldest first."""
        return [(r["RequestType"], r["LogicalResourceId"]) for r in self.requests()]

    def release(self, logical_id: str) -> None:
        """Lets a resource that waits for it (``WaitFor``) answer."""
        self.s3.put_object(Bucket=self.log, Key=f"release/{logical_id}", Body=b"go")


# --------------------------------------------------------------------------
# IAM evaluation (studio_emulator/iam/)
# --------------------------------------------------------------------------


def iam_user(
    endpoint: str,
    name: str,
    *statements: dict[str, Any],
    tags: dict[str, str] | None = None,
) -> tuple[str, str]:
    """An IAM user (tagged ``tags``) with an inline policy of ``statements``, made with the
    set-up credentials; returns its access key ``(id, secret)``. (moto keeps no permissions
    boundary for users: use :func:`role_session` for one.)"""
    iam = client(endpoint, "iam")
    iam.create_user(
        UserName=name, Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()]
    )
    if statements:
        iam.put_user_policy(
            UserName=name, PolicyName=f"{name}-policy", PolicyDocument=policy_document(*statements)
        )
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def signed_client(endpoint: str, service: str, key: tuple[str, ...], **config: Any) -> Any:
    """A boto3 client of ``service`` signing with ``key`` = ``(id, secret[, session token])``."""
    made = boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key[0],
        aws_secret_access_key=key[1],
        aws_session_token=key[2] if len(key) > 2 else None,
        config=Config(retries={"mode": "standard", "max_attempts": 1}, **config),
    )
    return SESSION_GUARD.register(made)


def role_session(
    endpoint: str,
    role_name: str,
    *statements: dict[str, Any],
    boundary: str | None = None,
    session_name: str = "session",
) -> tuple[str, str, str]:
    """A role (trusting the account) with an inline policy of ``statements`` (and an optional
    boundary), assumed with the set-up credentials; returns the session's
    ``(id, secret, token)``."""
    return _account_role_session(
        endpoint, (ACCESS_KEY_ID, "secret"), ACCOUNT, role_name, statements, session_name, boundary
    )


def _account_role_session(
    endpoint: str,
    key: tuple[str, ...],
    account: str,
    role_name: str,
    statements: tuple[dict[str, Any], ...],
    session_name: str,
    boundary: str | None = None,
) -> tuple[str, str, str]:
    """A role of ``account`` trusting that account, with an inline policy of ``statements``,
    made and assumed with ``key`` (a principal of that account); the session's
    ``(id, secret, token)``."""
    iam = signed_client(endpoint, "iam", key)
    trust = policy_document(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
         "Action": "sts:AssumeRole"}
    )
    members: dict[str, Any] = {"RoleName": role_name, "AssumeRolePolicyDocument": trust}
    if boundary:
        members["PermissionsBoundary"] = boundary
    arn = iam.create_role(**members)["Role"]["Arn"]
    if statements:
        iam.put_role_policy(
            RoleName=role_name, PolicyName=f"{role_name}-policy",
            PolicyDocument=policy_document(*statements),
        )
    creds = signed_client(endpoint, "sts", key).assume_role(
        RoleArn=arn, RoleSessionName=session_name
    )["Credentials"]
    return creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]


def account_admin(endpoint: str, account: str) -> tuple[str, str, str]:
    """A session of a role allowed everything in ``account`` (another account than the
    set-up keys' own), to arrange state there as that account's admin would; returns its
    ``(id, secret, token)``.

    The set-up keys are the root of :data:`ACCOUNT` only, and moto has no root key of another
    account: the role is made by a session of a role moto lets anyone assume without it
    existing, with IAM relaxed (:func:`iam_relaxed`, arranging state only); everything after is
    authorised as the new role's session."""
    with iam_relaxed(control_api(endpoint)):
        bootstrap = client(endpoint, "sts").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/bootstrap", RoleSessionName="bootstrap"
        )["Credentials"]
        key = (bootstrap["AccessKeyId"], bootstrap["SecretAccessKey"], bootstrap["SessionToken"])
        return _account_role_session(
            endpoint, key, account, unique("account-admin"), (allow("*"),), "admin"
        )


def other_account_session(
    endpoint: str, account: str, role_name: str, *statements: dict[str, Any],
    session_name: str = "caller",
) -> tuple[str, str, str]:
    """A session (``session_name``) of a new role ``role_name`` of another ``account``, with
    an inline policy of ``statements``, made by that account's admin (:func:`account_admin`);
    returns its ``(id, secret, token)``."""
    return _account_role_session(
        endpoint, account_admin(endpoint, account), account, role_name, statements, session_name
    )


def id_token(**claims: Any) -> str:
    """An OpenID Connect ID token (a JWT) with ``claims`` (``iss``, ``aud``, ``sub`` ...), for
    STS ``AssumeRoleWithWebIdentity``; its signature is not checked."""

    def part(document: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'kid': 'k'})}.{part(claims)}.c2lnbmF0dXJl"


def user_arn(name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:iam::{account}:user/{name}"


@pytest.fixture
def iam_enforced(control: Callable[..., Any]) -> None:
    """For a test that reads the decision log: checks that IAM is enforced (the suite's
    default; a test that switched it off and not on again fails the next one here) and empties
    the log, so the test sees only its own decisions. Import it into a test module to use it."""
    assert control("GET", "config")["iam_enforcement"] is True, "IAM is not enforced"
    control("DELETE", "iam/decisions")


#: The workspace root (``tests/aws-emulator/../..``).
REPOSITORY = os.path.dirname(os.path.dirname(HERE))


# --------------------------------------------------------------------------
# The templates' own policies (templates/*.yaml, portfolio/portfolio.yaml)
# --------------------------------------------------------------------------


class _TemplateLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (``!Sub`` is ``{"Fn::Sub": ...}``, ``!Ref`` is
    ``{"Ref": ...}``)."""


def _short_form(loader: yaml.Loader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _short_form)


def resolve(node: Any, values: dict[str, str]) -> Any:
    """``Fn::Sub`` (string form), ``Ref`` and ``Fn::If`` (its condition's value in ``values``)
    replaced by ``values``; anything else as it is."""
    if isinstance(node, list):
        return [resolve(item, values) for item in node]
    if isinstance(node, dict):
        if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
            return re.sub(r"\$\{([^}!]+)\}", lambda m: values[m.group(1)], node["Fn::Sub"])
        if set(node) == {"Ref"}:
            return values[node["Ref"]]
        if set(node) == {"Fn::If"}:  # the condition's value given in ``values`` ("true"/"false")
            condition, if_true, if_false = node["Fn::If"]
            return resolve(if_true if values[condition] == "true" else if_false, values)
        if set(node) == {"Fn::GetAtt"}:
            attribute = node["Fn::GetAtt"]
            return values[attribute if isinstance(attribute, str) else ".".join(attribute)]
        return {key: resolve(value, values) for key, value in node.items()}
    return node


def load_template(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The CloudFormation template (YAML, short forms read as their long forms) at ``path``."""
    with open(path, encoding="utf-8") as f:
        return dict(yaml.load(f.read(), Loader=_TemplateLoader))  # noqa: S506 (SafeLoader)


def role_statements(
    path: str | os.PathLike[str], role: str, values: dict[str, str]
) -> list[dict[str, Any]]:
    """Every statement of the inline policies of ``role`` in the template at ``path``, its
    ``Fn::Sub``/``Ref``/``Fn::GetAtt`` resolved with ``values`` (and the pseudo parameters of
    :data:`ACCOUNT` in :data:`REGION`): the policy a stack of it would give the role."""
    template = load_template(path)
    statements = []
    for policy in template["Resources"][role]["Properties"]["Policies"]:
        statements += policy["PolicyDocument"]["Statement"]
    return resolve(statements, {"AWS::Partition": "aws", "AWS::Region": REGION,
                                 "AWS::AccountId": ACCOUNT, **values})


#: core.yaml: since issue #16 the portfolio's launch role (``LaunchRole``, named
#: ``<NamePrefix>-launch``) and its regional code-bucket grant (``LaunchRoleRegionalCode``).
CORE_TEMPLATE = os.path.join(REPOSITORY, "templates", "core.yaml")
LAUNCH_ROLE_POLICY = "provision-studio-catalog-products"


def launch_role_statements(core_prefix: str, role_prefix: str, bucket: str,
                           *, regional: bool = True) -> list[dict[str, Any]]:
    """The statements core.yaml gives its launch role for ``NamePrefix`` ``core_prefix``,
    ``ProductRolePrefix`` ``role_prefix`` and ``CodeBucket`` ``bucket``: the role's inline
    policy and (``regional``) the ``LaunchRoleRegionalCode`` policy of its region."""
    values = {"NamePrefix": core_prefix, "ProductRolePrefix": role_prefix, "CodeBucket": bucket}
    statements = role_statements(CORE_TEMPLATE, "LaunchRole", values)
    if regional:
        policy = load_template(CORE_TEMPLATE)["Resources"]["LaunchRoleRegionalCode"]["Properties"]
        # CodeBucketPerRegion's default ("false"): the one bucket CodeBucket.
        statements += resolve(policy["PolicyDocument"]["Statement"], {
            "AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT,
            "CodeBucketIsRegional": "false", **values})
    return statements


def deploy_launch_role(endpoint: str, core_prefix: str, role_prefix: str, bucket: str) -> str:
    """core.yaml's launch role alone -- its ``LaunchRole`` and ``LaunchRoleRegionalCode``
    resources as core.yaml writes them, in a stack whose template carries core.yaml's
    ``Description`` (the identity the least-privilege report attributes grants by): what a core
    stack of ``NamePrefix`` ``core_prefix`` makes for the portfolio, without its functions.
    Returns the stack's name."""
    core = load_template(CORE_TEMPLATE)
    names = ("LaunchRole", "LaunchRoleRegionalCode")
    body = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": core["Description"],
        # Every parameter and condition of core.yaml (each has a default but the three given
        # below), so that whatever conditions the two resources take resolve as in core.
        "Parameters": core["Parameters"],
        "Conditions": core["Conditions"],
        "Resources": {k: core["Resources"][k] for k in names},
    }
    stack = f"launch-role-{core_prefix}"
    cloudformation = client(endpoint, "cloudformation")
    cloudformation.create_stack(
        StackName=stack, TemplateBody=json.dumps(body), Capabilities=["CAPABILITY_NAMED_IAM"],
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in (
            ("NamePrefix", core_prefix), ("ProductRolePrefix", role_prefix), ("CodeBucket", bucket))],
    )
    deadline = time.monotonic() + 60
    while True:
        status = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
        if not status.endswith("_IN_PROGRESS"):
            break
        assert time.monotonic() < deadline, f"{stack} still {status}"
        time.sleep(0.05)
    assert status == "CREATE_COMPLETE", status
    return stack


def wait_for_stack_set_operation(cfn: Any, stack_set: str, operation_id: str,
                                 timeout: float = 60.0) -> dict[str, Any]:
    """The StackSet operation ``operation_id`` once it is no longer ``RUNNING`` or ``QUEUED``
    (DescribeStackSetOperation), within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        operation = cfn.describe_stack_set_operation(
            StackSetName=stack_set, OperationId=operation_id)["StackSetOperation"]
        if operation["Status"] not in ("RUNNING", "QUEUED"):
            return dict(operation)
        assert time.monotonic() < deadline, f"operation still {operation['Status']}"
        time.sleep(0.05)


def rust_binary(name: str) -> str:
    """The path of the workspace's debug build of the binary ``name``, wherever Cargo puts its
    output: ``$STUDIO_CATALOG_BIN_DIR/<name>`` when set, else ``<target dir>/debug/<name>``
    with the target directory as ``cargo metadata`` reports it (``CARGO_TARGET_DIR``,
    ``build.target-dir``). The tests that run one are marked ``rust_binaries``: they skip when
    it is not built, unless ``STUDIO_CATALOG_REQUIRE_BINARIES=1`` (``scripts/test`` runs them
    so once the build is done), which makes a missing binary a failure."""
    directory = os.environ.get("STUDIO_CATALOG_BIN_DIR") or os.path.join(_cargo_target_dir(), "debug")
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        missing = f"{path} is not built (cargo build --workspace --bins)"
        if os.environ.get("STUDIO_CATALOG_REQUIRE_BINARIES") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    return path


_TARGET_DIR: list[str] = []


def _cargo_target_dir() -> str:
    if not _TARGET_DIR:
        metadata = subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--no-deps"],
            cwd=REPOSITORY,
            capture_output=True,
            check=True,
            text=True,
        )
        _TARGET_DIR.append(json.loads(metadata.stdout)["target_directory"])
    return _TARGET_DIR[0]
