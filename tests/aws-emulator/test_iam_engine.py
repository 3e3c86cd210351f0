"""IAM evaluation (studio_emulator/iam/): the engine's decisions, the switch, the refusals.

The server's own default is off; the suite enforces (conftest.py, ``SUITE_CONFIG``). These tests
set up their principals with the set-up credentials (the account root); ``iam_enforced``
(emulator_client) empties the decision log for a test that reads it.
"""

from __future__ import annotations

import json
import os
import urllib.error
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import iam_enforced  # noqa: F401 (the fixture)
from emulator_client import (
    ACCOUNT,
    allow,
    client,
    deny,
    error,
    iam_relaxed,
    iam_user,
    policy_document,
    reset_for_suite,
    role_session,
    signed_client,
    unique,
    user_arn,
)


# --------------------------------------------------------------------------
# The switch
# --------------------------------------------------------------------------


def test_the_suite_enforces_while_the_servers_default_and_a_reset_are_off(
    endpoint: str, control: Callable[..., Any]
) -> None:
    # The suite runs every server enforced (conftest: SUITE_CONFIG after each reset).
    assert control("GET", "config")["iam_enforcement"] is True
    try:
        # A reset is the state of a freshly started server: enforcement off.
        control("POST", "reset")
        assert control("GET", "config")["iam_enforcement"] is False
        # Off: a key nobody issued works as moto's default identity, and nothing is decided.
        client(endpoint, "sagemaker", key="AKIAUNKNOWNKEY000000").list_domains()
        assert control("GET", "iam/decisions")["decisions"] == []
    finally:
        reset_for_suite(control)  # the module's other tests run as the suite runs them

    assert control("GET", "config")["iam_enforcement"] is True
    with pytest.raises(ClientError) as exc:
        client(endpoint, "sagemaker", key="AKIAUNKNOWNKEY000000").list_domains()
    assert error(exc)[0] == "UnrecognizedClientException"


def test_iam_relaxed_switches_enforcement_off_only_inside_its_block(
    endpoint: str, control: Callable[..., Any]
) -> None:
    unknown = client(endpoint, "sagemaker", key="AKIAUNKNOWNKEY000000")
    with iam_relaxed(control):
        assert control("GET", "config")["iam_enforcement"] is False
        unknown.list_domains()  # unenforced: moto's default identity

    assert control("GET", "config")["iam_enforcement"] is True
    with pytest.raises(RuntimeError), iam_relaxed(control):
        raise RuntimeError("a failure while arranging state")
    assert control("GET", "config")["iam_enforcement"] is True
    with pytest.raises(ClientError) as exc:
        unknown.list_domains()
    assert error(exc)[0] == "UnrecognizedClientException"


def test_a_test_that_leaves_enforcement_off_fails_and_the_next_runs_enforced(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pytest session of its own (its own emulator), with this directory's conftest.py.
    monkeypatch.setenv("PYTHONPATH", os.path.dirname(os.path.abspath(__file__)))
    pytester.makepyfile(
        test_left_off="""
        from emulator_client import iam_relaxed

        def test_switches_it_off(control):
            control("POST", "config", {"iam_enforcement": False})

        def test_relaxes_it_to_arrange_state(control):
            with iam_relaxed(control):
                pass

        def test_runs_enforced(control):
            assert control("GET", "config")["iam_enforcement"] is True
        """
    )
    result = pytester.runpytest_subprocess("-p", "conftest", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["*test_switches_it_off*", "*the test left IAM enforcement off: switch it off only to*"]
    )


def test_enforcement_setting_must_be_a_boolean(control: Callable[..., Any]) -> None:
    with pytest.raises(urllib.error.HTTPError) as exc:
        control("POST", "config", {"iam_enforcement": "yes"})
    assert exc.value.code == 400
    assert "iam_enforcement" in json.loads(exc.value.read())["error"]


def test_control_routes_are_never_evaluated(
    endpoint: str, control: Callable[..., Any], iam_enforced: None
) -> None:
    assert control("GET", "health")["status"] == "ok"
    assert control("GET", "iam/decisions")["decisions"] == []


# --------------------------------------------------------------------------
# Who signs
# --------------------------------------------------------------------------


def test_root_credentials_are_allowed_everything(endpoint: str, iam_enforced: None) -> None:
    iam = client(endpoint, "iam")
    name = unique("root-made")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=policy_document())
    assert iam.get_role(RoleName=name)["Role"]["RoleName"] == name


@pytest.mark.parametrize(
    ("service", "call", "code", "message"),
    [
        ("sagemaker", lambda c: c.list_domains(), "UnrecognizedClientException",
         "The security token included in the request is invalid."),
        ("lambda", lambda c: c.list_functions(), "UnrecognizedClientException",
         "The security token included in the request is invalid."),
        ("sts", lambda c: c.get_caller_identity(), "InvalidClientTokenId",
         "The security token included in the request is invalid."),
        ("s3", lambda c: c.list_buckets(), "InvalidAccessKeyId",
         "The AWS Access Key Id you provided does not exist in our records."),
    ],
)
def test_an_unknown_access_key_is_refused_as_the_service_refuses_it(
    endpoint: str, iam_enforced: None, service: str, call: Any, code: str, message: str
) -> None:
    unknown = signed_client(endpoint, service, ("AKIAUNKNOWNKEY000000", "secret"))
    with pytest.raises(ClientError) as exc:
        call(unknown)
    assert error(exc) == (code, message)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


# --------------------------------------------------------------------------
# Identity policies
# --------------------------------------------------------------------------


def test_an_identity_policy_allows_what_it_names_and_nothing_else(
    endpoint: str, iam_enforced: None
) -> None:
    name = unique("alice")
    key = iam_user(endpoint, name, allow("sagemaker:ListDomains"))
    sm = signed_client(endpoint, "sagemaker", key)
    assert sm.list_domains()["Domains"] == []
    with pytest.raises(ClientError) as exc:
        sm.list_user_profiles()
    assert error(exc) == (
        "AccessDeniedException",
        f"User: {user_arn(name)} is not authorized to perform: sagemaker:ListUserProfiles "
        "because no identity-based policy allows the sagemaker:ListUserProfiles action",
    )


def test_an_explicit_deny_wins_over_an_allow(
    endpoint: str, control: Callable[..., Any], iam_enforced: None
) -> None:
    name = unique("alice")
    key = iam_user(
        endpoint,
        name,
        allow("ssm:*"),
        deny(
            "ssm:GetParameter",
            f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/secret/*",
            Sid="NoSecrets",
        ),
    )
    client(endpoint, "ssm").put_parameter(Name="/secret/x", Value="v", Type="String")
    client(endpoint, "ssm").put_parameter(Name="/open/x", Value="v", Type="String")
    ssm = signed_client(endpoint, "ssm", key)
    assert ssm.get_parameter(Name="/open/x")["Parameter"]["Value"] == "v"
    with pytest.raises(ClientError) as exc:
        ssm.get_parameter(Name="/secret/x")
    assert error(exc) == (
        "AccessDeniedException",
        f"User: {user_arn(name)} is not authorized to perform: ssm:GetParameter on resource: "
        f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/secret/x "
        "with an explicit deny in an identity-based policy",
    )
    decided = control("GET", "iam/decisions?operation=GetParameter")["decisions"]
    assert [d["result"] for d in decided] == ["Allowed", "ExplicitlyDenied"]
    assert decided[1]["statement"] == {
        "policy_type": "identity",
        "policy": f"user/{name}/inline/{name}-policy",
        "sid": "NoSecrets",
        "index": 2,
        "effect": "Deny",
    }


def test_the_decision_log_names_the_allowing_statement(
    endpoint: str, control: Callable[..., Any], iam_enforced: None
) -> None:
    name = unique("alice")
    key = iam_user(
        endpoint, name, allow("sts:GetCallerIdentity"), allow("sagemaker:List*", Sid="Lists")
    )
    signed_client(endpoint, "sagemaker", key).list_domains()
    [decision] = control("GET", "iam/decisions?action=sagemaker:ListDomains")["decisions"]
    assert decision["principal"] == user_arn(name)
    assert decision["resources"] == ["*"]
    assert decision["result"] == "Allowed"
    assert decision["statement"]["sid"] == "Lists"
    assert decision["statement"]["index"] == 2
    calls = control("GET", "calls?operation=ListDomains")["calls"]
    assert calls[-1] == {"service": "sagemaker", "operation": "ListDomains", "iam": "Allowed"}


def test_resource_arn_patterns_limit_the_allow(endpoint: str, iam_enforced: None) -> None:
    bucket = unique("iam-bucket")
    s3_admin = client(endpoint, "s3")
    s3_admin.create_bucket(Bucket=bucket)
    for key in ("public/a.txt", "private/b.txt"):
        s3_admin.put_object(Bucket=bucket, Key=key, Body=b"x")
    name = unique("reader")
    creds = iam_user(endpoint, name, allow("s3:GetObject", f"arn:aws:s3:::{bucket}/public/*"))
    s3 = signed_client(endpoint, "s3", creds)
    assert s3.get_object(Bucket=bucket, Key="public/a.txt")["Body"].read() == b"x"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="private/b.txt")
    # S3 quotes the resource (S3 User Guide, "Access denied message examples").
    assert error(exc) == (
        "AccessDenied",
        f"User: {user_arn(name)} is not authorized to perform: s3:GetObject on resource: "
        f'"arn:aws:s3:::{bucket}/private/b.txt" because no identity-based policy allows the '
        "s3:GetObject action",
    )
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


# --------------------------------------------------------------------------
# Conditions
# --------------------------------------------------------------------------


def test_bool_on_secure_transport_denies_plain_http(endpoint: str, iam_enforced: None) -> None:
    # The emulator is served over http: aws:SecureTransport is false.
    key = iam_user(
        endpoint,
        unique("tls"),
        allow("sagemaker:ListDomains"),
        deny("sagemaker:ListUserProfiles", Condition={"Bool": {"aws:SecureTransport": "false"}}),
        allow("sagemaker:ListUserProfiles"),
    )
    sm = signed_client(endpoint, "sagemaker", key)
    sm.list_domains()
    with pytest.raises(ClientError) as exc:
        sm.list_user_profiles()
    assert "with an explicit deny in an identity-based policy" in error(exc)[1]


def test_null_and_if_exists_conditions_on_request_tags(endpoint: str, iam_enforced: None) -> None:
    key = iam_user(
        endpoint,
        unique("tagger"),
        # PutParameter with a team tag only if the tag is "data"; untagged puts are fine.
        allow(
            ["ssm:PutParameter", "ssm:AddTagsToResource"],
            Condition={"StringEqualsIfExists": {"aws:RequestTag/team": "data"}},
        ),
        # ... but never with a "cost" tag at all.
        deny("ssm:PutParameter", Condition={"Null": {"aws:RequestTag/cost": "false"}}),
    )
    ssm = signed_client(endpoint, "ssm", key)
    ssm.put_parameter(Name=unique("/p/untagged"), Value="v", Type="String")
    ssm.put_parameter(
        Name=unique("/p/data"), Value="v", Type="String", Tags=[{"Key": "team", "Value": "data"}]
    )
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(
            Name=unique("/p/web"), Value="v", Type="String", Tags=[{"Key": "team", "Value": "web"}]
        )
    assert "because no identity-based policy allows the ssm:PutParameter action" in error(exc)[1]
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(
            Name=unique("/p/cost"), Value="v", Type="String", Tags=[{"Key": "cost", "Value": "1"}]
        )
    assert "with an explicit deny in an identity-based policy" in error(exc)[1]


def test_arn_like_on_the_principal_arn(endpoint: str, iam_enforced: None) -> None:
    statement = allow(
        "sagemaker:ListDomains",
        Condition={"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/app-*"}},
    )
    app = role_session(endpoint, unique("app-"), statement)
    other = role_session(endpoint, unique("ops-"), statement)
    signed_client(endpoint, "sagemaker", app).list_domains()
    with pytest.raises(ClientError) as exc:
        signed_client(endpoint, "sagemaker", other).list_domains()
    code, message = error(exc)
    assert code == "AccessDeniedException"
    assert message.startswith(f"User: arn:aws:sts::{ACCOUNT}:assumed-role/ops-")
    assert message.endswith(
        "/session is not authorized to perform: sagemaker:ListDomains "
        "because no identity-based policy allows the sagemaker:ListDomains action"
    )


# --------------------------------------------------------------------------
# Permissions boundary
# --------------------------------------------------------------------------


def test_a_permissions_boundary_caps_what_the_role_policy_allows(
    endpoint: str, control: Callable[..., Any], iam_enforced: None
) -> None:
    boundary = client(endpoint, "iam").create_policy(
        PolicyName=unique("boundary"),
        PolicyDocument=policy_document(allow(["sagemaker:List*", "s3:ListAllMyBuckets"])),
    )["Policy"]["Arn"]
    role = unique("bounded")
    session = role_session(endpoint, role, allow(["sagemaker:*", "ssm:*"]), boundary=boundary)
    signed_client(endpoint, "sagemaker", session).list_domains()
    with pytest.raises(ClientError) as exc:
        signed_client(endpoint, "ssm", session).describe_parameters()
    assert error(exc) == (
        "AccessDeniedException",
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role}/session is not authorized to "
        "perform: ssm:DescribeParameters because no permissions boundary allows the "
        "ssm:DescribeParameters action",
    )
    # Nor does the boundary grant anything by itself: the role policy has no s3 action.
    with pytest.raises(ClientError) as exc:
        signed_client(endpoint, "s3", session).list_buckets()
    assert "because no identity-based policy allows the s3:ListAllMyBuckets action" in error(exc)[1]


# --------------------------------------------------------------------------
# The refusal in each protocol
# --------------------------------------------------------------------------


def test_a_denial_answers_in_the_query_protocol(endpoint: str, iam_enforced: None) -> None:
    name = unique("nobody")
    key = iam_user(endpoint, name)
    with pytest.raises(ClientError) as exc:
        signed_client(endpoint, "iam", key).list_roles()
    assert error(exc) == (
        "AccessDenied",
        f"User: {user_arn(name)} is not authorized to perform: iam:ListRoles "
        "because no identity-based policy allows the iam:ListRoles action",
    )
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert exc.value.response["Error"]["Type"] == "Sender"
    with pytest.raises(ClientError) as exc:
        signed_client(endpoint, "cloudformation", key).list_stacks()
    assert error(exc)[0] == "AccessDenied"


def test_a_denial_answers_in_the_ec2_protocol(endpoint: str, iam_enforced: None) -> None:
    name = unique("nobody")
    key = iam_user(endpoint, name)
    with pytest.raises(ClientError) as exc:
        signed_client(endpoint, "ec2", key).describe_vpcs()
    assert error(exc) == (
        "UnauthorizedOperation",
        "You are not authorized to perform this operation. "
        f"User: {user_arn(name)} is not authorized to perform: ec2:DescribeVpcs "
        "because no identity-based policy allows the ec2:DescribeVpcs action",
    )


def test_a_denial_answers_in_the_rest_json_protocol(endpoint: str, iam_enforced: None) -> None:
    name = unique("nobody")
    key = iam_user(endpoint, name)
    with pytest.raises(ClientError) as exc:
        signed_client(endpoint, "lambda", key).list_functions()
    assert error(exc) == (
        "AccessDeniedException",
        f"User: {user_arn(name)} is not authorized to perform: lambda:ListFunctions "
        "because no identity-based policy allows the lambda:ListFunctions action",
    )
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_get_caller_identity_needs_no_permission(endpoint: str, iam_enforced: None) -> None:
    name = unique("nobody")
    key = iam_user(endpoint, name)
    assert signed_client(endpoint, "sts", key).get_caller_identity()["Arn"] == user_arn(name)
