"""The data scientists' managed policy (``templates/studio-domain.yaml`` ``DataScientistPolicy``),
attached beside a policy that allows every SageMaker action, evaluated with IAM enforced (issue
#14, section 2: "Data scientists can't move an identity tag").

The policy is meant for existing roles, IAM users and permission sets, where other policies
(``AmazonSageMakerFullAccess``, which allows ``sagemaker:*`` on ``*``) may allow tagging: its
explicit denies must win whatever else is attached ("Policy evaluation logic": an explicit deny
in any policy overrides every allow, IAM User Guide).

What the denies rely on (Service Authorization Reference, SageMaker AI): ``AddTags`` and
``DeleteTags`` act on the ``user-profile`` resource type; ``CreatePresignedDomainUrl`` acts on
``user-profile`` and supports ``aws:ResourceTag/${TagKey}``. The caller's identity in the
condition is ``${aws:PrincipalTag/studiouserid}`` ("IAM policy elements: Variables and tags",
IAM User Guide: ``aws:PrincipalTag/tag-key`` is a policy variable, from the user's tags or the
session's tags). ``${aws:username}`` exists only for IAM users, and ``${aws:userid}`` of a role
session is ``role-id:session-name`` ("Where you can use policy variables" / the ``aws:userid``
table), which no tag value can equal; the principal tag is the one variable both kinds of
principal carry.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import (
    ACCESS_KEY_ID,
    ACCOUNT,
    REGION,
    REPOSITORY,
    client,
    error,
    load_template,
    signed_client,
    unique,
)

pytestmark = pytest.mark.transition_seconds(0.1)

DOMAIN_TEMPLATE = Path(REPOSITORY) / "templates" / "studio-domain.yaml"


def _resolve(node: Any, values: dict[str, str], conditions: dict[str, bool]) -> Any:
    """``Fn::Sub``/``Ref``/``Fn::GetAtt``/``Fn::If`` resolved as a stack would; an
    ``AWS::NoValue`` list item dropped."""
    if isinstance(node, list):
        items = [_resolve(item, values, conditions) for item in node]
        return [item for item in items if item is not NO_VALUE]
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            name, yes, no = node["Fn::If"]
            return _resolve(yes if conditions[name] else no, values, conditions)
        if node == {"Ref": "AWS::NoValue"}:
            return NO_VALUE
        if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
            text = node["Fn::Sub"]
            for key, value in values.items():
                text = text.replace("${" + key + "}", value)
            return text
        if set(node) == {"Ref"}:
            return values[node["Ref"]]
        if set(node) == {"Fn::GetAtt"}:
            attribute = node["Fn::GetAtt"]
            return values[attribute if isinstance(attribute, str) else ".".join(attribute)]
        return {key: _resolve(value, values, conditions) for key, value in node.items()}
    return node


NO_VALUE = object()


def data_scientist_statements(domain_id: str) -> list[dict[str, Any]]:
    """The policy's statements as a stack of an IAM domain ``domain_id`` would write them."""
    policy = load_template(DOMAIN_TEMPLATE)["Resources"]["DataScientistPolicy"]
    values = {
        "AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT,
        "Domain.DomainId": domain_id,
        "PresignedUrlFunction.Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:sign-in",
    }
    return _resolve(policy["Properties"]["PolicyDocument"]["Statement"], values,
                    {"SignsInWithPresignedUrls": True})


#: What AmazonSageMakerFullAccess-like policies allow (its first statement allows
#: ``sagemaker:*`` on ``*``, AWS Managed Policy Reference).
SAGEMAKER_FULL_ACCESS = {"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}


@pytest.fixture(scope="module")
def studio(endpoint: str) -> dict[str, str]:
    """An IAM domain with profiles ``alice`` and ``bob`` tagged with their identities (made with
    the set-up keys), and the IAM user ``alice`` (principal tag ``studiouserid=alice``) holding
    the data scientists' policy plus ``sagemaker:*``."""
    sagemaker = client(endpoint, "sagemaker")
    domain_id = sagemaker.create_domain(
        DomainName=unique("ds-policy"), AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": f"arn:aws:iam::{ACCOUNT}:role/StudioExecution"},
        SubnetIds=["subnet-0123456789abcdef0"], VpcId="vpc-0123456789abcdef0",
    )["DomainArn"].rsplit("/", 1)[1]
    _wait(sagemaker.describe_domain, DomainId=domain_id)
    for name in ("alice", "bob"):
        sagemaker.create_user_profile(
            DomainId=domain_id, UserProfileName=name,
            Tags=[{"Key": "studiouserid", "Value": name}],
        )
        _wait(sagemaker.describe_user_profile, DomainId=domain_id, UserProfileName=name)
    iam = client(endpoint, "iam")
    user = unique("alice")
    iam.create_user(UserName=user, Tags=[{"Key": "studiouserid", "Value": "alice"}])
    document = {"Version": "2012-10-17",
                "Statement": [*data_scientist_statements(domain_id), SAGEMAKER_FULL_ACCESS]}
    iam.put_user_policy(UserName=user, PolicyName="data-scientist-and-full-access",
                        PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return {"domain_id": domain_id, "key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


def _wait(describe: Any, **request: str) -> None:
    import time

    deadline = time.monotonic() + 30
    while describe(**request)["Status"] != "InService":
        assert time.monotonic() < deadline, f"{request} never InService"
        time.sleep(0.05)


def _as_alice(endpoint: str, studio: dict[str, str]) -> Any:
    return signed_client(endpoint, "sagemaker", (studio["key"], studio["secret"]))


def _profile_arn(studio: dict[str, str], name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/{studio['domain_id']}/{name}"


def _denied(call: Any, **request: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as exc:
        call(**request)
    return error(exc)


@pytest.mark.parametrize("profile", ["alice", "bob"])
def test_a_data_scientist_with_full_sagemaker_access_cannot_retag_a_profile(
    endpoint: str, studio: dict[str, str], profile: str
) -> None:
    """``NoMovingTheIdentityTagOfAProfile``: AddTags on a profile is refused, their own as much
    as another's (moving one's own tag onto nobody, or bob's onto oneself, is the same attack)."""
    sagemaker = _as_alice(endpoint, studio)
    code, _ = _denied(sagemaker.add_tags, ResourceArn=_profile_arn(studio, profile),
                      Tags=[{"Key": "studiouserid", "Value": "alice"}])
    assert code == "AccessDeniedException"
    tags = client(endpoint, "sagemaker").list_tags(ResourceArn=_profile_arn(studio, profile))
    assert {"Key": "studiouserid", "Value": profile} in tags["Tags"]


@pytest.mark.parametrize("profile", ["alice", "bob"])
def test_a_data_scientist_with_full_sagemaker_access_cannot_remove_a_profiles_tag(
    endpoint: str, studio: dict[str, str], profile: str
) -> None:
    sagemaker = _as_alice(endpoint, studio)
    code, _ = _denied(sagemaker.delete_tags, ResourceArn=_profile_arn(studio, profile),
                      TagKeys=["studiouserid"])
    assert code == "AccessDeniedException"


def test_a_data_scientist_with_full_sagemaker_access_cannot_sign_in_to_another_users_profile(
    endpoint: str, studio: dict[str, str]
) -> None:
    """``NoSignInToAProfileTaggedForSomeoneElse``: ``sagemaker:ResourceTag/studiouserid`` is
    bob, the principal tag is alice."""
    sagemaker = _as_alice(endpoint, studio)
    code, _ = _denied(sagemaker.create_presigned_domain_url,
                      DomainId=studio["domain_id"], UserProfileName="bob")
    assert code == "AccessDeniedException"


def test_a_data_scientist_with_full_sagemaker_access_signs_in_to_their_own_profile(
    endpoint: str, studio: dict[str, str]
) -> None:
    sagemaker = _as_alice(endpoint, studio)
    answer = sagemaker.create_presigned_domain_url(
        DomainId=studio["domain_id"], UserProfileName="alice")
    assert answer["AuthorizedUrl"].startswith("https://")


def test_a_principal_without_an_identity_tag_signs_in_nowhere(
    endpoint: str, studio: dict[str, str]
) -> None:
    """``NoSignInWithoutAnIdentityTag``: a role session with no ``studiouserid`` tag holding
    the policy and ``sagemaker:*`` is refused every profile (StringNotEquals against a missing
    key would otherwise not match and leave the Allow of ``sagemaker:*`` standing)."""
    iam = client(endpoint, "iam")
    role = unique("untagged-ds")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName=role, PolicyName="ds", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [*data_scientist_statements(studio["domain_id"]), SAGEMAKER_FULL_ACCESS]}))
    credentials = signed_client(endpoint, "sts", (ACCESS_KEY_ID, "secret")).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{role}", RoleSessionName="alice")["Credentials"]
    sagemaker = signed_client(endpoint, "sagemaker", (
        credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]))
    for profile in ("alice", "bob"):
        code, _ = _denied(sagemaker.create_presigned_domain_url,
                          DomainId=studio["domain_id"], UserProfileName=profile)
        assert code == "AccessDeniedException", profile


def test_create_presigned_domain_url_is_authorised_with_the_profiles_tags(
    endpoint: str, studio: dict[str, str]
) -> None:
    """The emulator's context for CreatePresignedDomainUrl carries the user profile's tags as
    ``sagemaker:ResourceTag/*`` (SAR, SageMaker AI: the ``user-profile`` resource type lists
    ``aws:ResourceTag/${TagKey}`` and ``sagemaker:ResourceTag/${TagKey}``): an Allow conditioned
    on the tag allows the profile tagged so and no other."""
    iam = client(endpoint, "iam")
    user = unique("tag-reader")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="alice-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sagemaker:CreatePresignedDomainUrl",
            "Resource": _profile_arn(studio, "*"),
            "Condition": {"StringEquals": {"sagemaker:ResourceTag/studiouserid": "alice"}}}]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    sagemaker = signed_client(endpoint, "sagemaker", (key["AccessKeyId"], key["SecretAccessKey"]))
    assert sagemaker.create_presigned_domain_url(
        DomainId=studio["domain_id"], UserProfileName="alice")["AuthorizedUrl"]
    code, _ = _denied(sagemaker.create_presigned_domain_url,
                      DomainId=studio["domain_id"], UserProfileName="bob")
    assert code == "AccessDeniedException"
