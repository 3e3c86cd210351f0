"""The templates' own policies, evaluated by the emulator's IAM engine (issue #13, "Fix what the
review found").

Each test takes a role's statements from the template as written (``templates/*.yaml``,
``portfolio/portfolio.yaml``; ``Fn::Sub``/``Ref`` resolved with the values a stack would have),
gives them to a role in the emulator, and calls AWS as that role's session with IAM enforced:
the call the products need is allowed, and what they must not do is refused. Where the emulator
cannot yet build a request's whole context (a space's ``sagemaker:OwnerUserProfileArn``), the
decision is asked of the engine itself with the context AWS would build.

Sources: the Service Authorization Reference (SAR; the engine's data set is it), the KMS
Developer Guide ("Tagging keys"), the Service Catalog Administrator Guide ("AWS Service Catalog
launch constraints"), the SageMaker Developer Guide ("Provide permissions for tagging SageMaker
AI resources"), the Lake Formation Developer Guide ("IAM permissions required to grant or revoke
Lake Formation permissions").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import iam_enforced  # noqa: F401 (the fixture)
from emulator_client import (
    ACCOUNT,
    REGION,
    REPOSITORY,
    client,
    error,
    load_template,
    role_session,
    launch_role_statements,
    role_statements,
    signed_client,
    unique,
    wait_for_stack,
)

ROOT = Path(REPOSITORY)
PORTFOLIO = ROOT / "portfolio" / "portfolio.yaml"
CORE = ROOT / "templates" / "core.yaml"
USER_PROFILE = ROOT / "templates" / "studio-user-profile.yaml"

LOG_GROUPS = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda"
SAGEMAKER = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"

pytestmark = pytest.mark.transition_seconds(0.1)


def session_of(endpoint: str, statements: list[dict[str, Any]]) -> tuple[str, str, str]:
    return role_session(endpoint, unique("template-role"), *statements)


def denied(exc: pytest.ExceptionInfo[ClientError]) -> bool:
    return error(exc)[0] in ("AccessDenied", "AccessDeniedException")


# --------------------------------------------------------------------------
# #13 item 1: the launch role reads Service Catalog's copy of the template
# --------------------------------------------------------------------------


def launch_role(endpoint: str) -> tuple[str, str, str]:
    return session_of(endpoint, launch_role_statements(
        "studio-catalog", "studio-sc-", "studio-catalog-artifacts"))


def test_the_launch_role_reads_only_the_template_copies_service_catalog_tags_as_provisioning(
    endpoint: str, iam_enforced: None  # noqa: F811
) -> None:
    """Service Catalog launches from its own copy of the template, in a bucket of its own,
    tagged ``servicecatalog:provisioning=true``; the launch role reads it with
    ``s3:GetObject`` on ``*`` under ``s3:ExistingObjectTag/servicecatalog:provisioning``
    (Service Catalog Administrator Guide, "AWS Service Catalog launch constraints"). An object
    of that bucket without the tag stays unreadable."""
    s3 = client(endpoint, "s3")
    bucket = unique("sc-owned-copies")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="copy.yaml", Body=b"Resources: {}\n",
                  Tagging="servicecatalog:provisioning=true")
    s3.put_object(Bucket=bucket, Key="other.yaml", Body=b"Resources: {}\n")
    as_launch_role = signed_client(endpoint, "s3", launch_role(endpoint))

    assert as_launch_role.get_object(Bucket=bucket, Key="copy.yaml")["Body"].read()
    with pytest.raises(ClientError) as exc:
        as_launch_role.get_object(Bucket=bucket, Key="other.yaml")
    assert denied(exc)


# --------------------------------------------------------------------------
# #13 item 2: the domain product's CreateKmsKey=true
# --------------------------------------------------------------------------


MANAGED = [{"TagKey": "studio-catalog:managed", "TagValue": "true"}]


def test_the_launch_role_creates_a_key_tagged_as_managed_and_tagging_is_allowed_by_the_request_tag(
    endpoint: str, control: Callable[..., Any], iam_enforced: None  # noqa: F811
) -> None:
    """CreateKey with ``Tags`` needs ``kms:CreateKey`` and ``kms:TagResource`` on ``*`` (KMS
    Developer Guide, "Tagging keys": to tag a key when you create it you need kms:TagResource);
    the key has no tags yet, so only an ``aws:RequestTag`` condition can allow the tagging."""
    kms = signed_client(endpoint, "kms", launch_role(endpoint))

    key = kms.create_key(Description="studio domain", Tags=MANAGED)["KeyMetadata"]
    tagging = control("GET", "iam/decisions?action=kms:TagResource")["decisions"]
    assert [(d["result"], d["statement"].get("sid")) for d in tagging] == [
        ("Allowed", "CreateOnlyKeysTaggedAsManaged")
    ]
    # The key handler's later calls act on the key, now tagged: the resource-tag statement.
    kms.enable_key_rotation(KeyId=key["KeyId"])
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True


def test_the_launch_role_creates_no_key_without_the_managed_tag(
    endpoint: str, iam_enforced: None  # noqa: F811
) -> None:
    kms = signed_client(endpoint, "kms", launch_role(endpoint))
    with pytest.raises(ClientError) as exc:
        kms.create_key(Description="someone else's key")
    assert denied(exc)
    with pytest.raises(ClientError) as exc:
        kms.create_key(Tags=[{"TagKey": "studio-catalog:managed", "TagValue": "false"}])
    assert denied(exc)


# --------------------------------------------------------------------------
# #13 item 3: the cleanup reads the domains CleanupDomainIds names
# --------------------------------------------------------------------------


def test_the_cleanup_role_describes_the_domains_it_is_given(
    endpoint: str, iam_enforced: None  # noqa: F811
) -> None:
    """With ``CleanupDomainIds`` the cleanup calls DescribeDomain on each id."""
    sm = client(endpoint, "sagemaker")
    domain_id = sm.create_domain(
        DomainName=unique("dom"), AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": f"arn:aws:iam::{ACCOUNT}:role/studio-execution"},
        SubnetIds=["subnet-0123456789abcdef0"], VpcId="vpc-0123456789abcdef0",
    )["DomainId"]
    cleanup = session_of(endpoint, role_statements(CORE, "StudioCleanupFunctionRole", {
        "StudioCleanupLogGroup.Arn": f"{LOG_GROUPS}/cleanup",
        "NamePrefix": "studio-catalog", "CleanupEventBusName": "default",
    }))
    as_cleanup = signed_client(endpoint, "sagemaker", cleanup)
    assert as_cleanup.describe_domain(DomainId=domain_id)["DomainId"] == domain_id


# --------------------------------------------------------------------------
# #13 item 4: Studio tags the spaces and apps it creates for the user
# --------------------------------------------------------------------------


DOMAIN_ID = "d-abcdefghijkl"


def execution_role_statements(profile: str, domain_id: str = DOMAIN_ID) -> list[dict[str, Any]]:
    return role_statements(USER_PROFILE, "ExecutionRole", {
        "DomainId": domain_id, "UserProfileName": profile, "AthenaWorkGroup": "primary",
        "QueryResultsBucket": "results", "QueryResultsPrefix": "athena-results",
    })


def decide(statements: list[dict[str, Any]], action: str, resource: str,
           context: dict[str, Any]) -> str:
    """The engine's decision for a role holding ``statements`` (what the emulator asks it for
    every request, here with a context the emulator cannot build yet)."""
    from studio_emulator.iam.engine import ENGINE

    answer = ENGINE.decide({
        "request": {
            "principal": f"arn:aws:sts::{ACCOUNT}:assumed-role/user-role/SageMaker",
            "action": action,
            "resource": {"resource": resource, "accountId": ACCOUNT},
            "contextVariables": context,
        },
        "identityPolicies": [{"name": "studio", "policy": {
            "Version": "2012-10-17", "Statement": statements}}],
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
    })
    return str(answer["result"])


SPACE = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:space/{DOMAIN_ID}/alice-private"
SPACE_APP = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:app/{DOMAIN_ID}/alice-private/jupyterlab/default"
TAGS = {"aws:RequestTag/team": "risk", "aws:TagKeys": ["team"]}


@pytest.mark.parametrize(("resource", "create"), [(SPACE, "CreateSpace"), (SPACE_APP, "CreateApp")])
def test_studio_may_tag_a_space_or_space_app_while_creating_it(resource: str, create: str) -> None:
    """AddTags supports ``aws:RequestTag/*``, ``aws:TagKeys`` and ``sagemaker:TaggingAction``
    only (SAR, SageMaker AI: AddTags); a create with Tags is authorised for AddTags with
    ``sagemaker:TaggingAction`` = the create's name (SageMaker Developer Guide, "Provide
    permissions for tagging SageMaker AI resources")."""
    statements = execution_role_statements("alice")
    assert decide(statements, "sagemaker:AddTags", resource,
                  {**TAGS, "sagemaker:TaggingAction": create}) == "Allowed"


def test_the_execution_role_never_tags_a_space_outside_a_create() -> None:
    statements = execution_role_statements("alice")
    assert decide(statements, "sagemaker:AddTags", SPACE, TAGS) != "Allowed"
    assert decide(statements, "sagemaker:AddTags", SPACE,
                  {**TAGS, "sagemaker:TaggingAction": "CreateTrainingJob"}) != "Allowed"


def test_an_owner_condition_on_add_tags_never_allows_it() -> None:
    """The statement the review found (AddTags under ``sagemaker:OwnerUserProfileArn``, a key
    AddTags does not have): its condition is never met, so Studio could not tag a private
    space it creates."""
    before = [{
        "Effect": "Allow",
        "Action": ["sagemaker:CreateSpace", "sagemaker:AddTags"],
        "Resource": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:space/{DOMAIN_ID}/*",
        "Condition": {"ArnLike": {"sagemaker:OwnerUserProfileArn":
                                  f"{SAGEMAKER}:user-profile/{DOMAIN_ID}/alice"}},
    }]
    assert decide(before, "sagemaker:AddTags", SPACE,
                  {**TAGS, "sagemaker:TaggingAction": "CreateSpace"}) != "Allowed"


def test_a_user_creates_their_own_tagged_app_but_cannot_retag_it_afterwards(
    endpoint: str, iam_enforced: None  # noqa: F811
) -> None:
    """Through the emulator: CreateApp with Tags on the user's own profile is authorised for
    CreateApp and for AddTags with ``sagemaker:TaggingAction=CreateApp``; AddTags on its own
    afterwards is refused."""
    sm = client(endpoint, "sagemaker")
    domain_id = sm.create_domain(
        DomainName=unique("dom"), AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": f"arn:aws:iam::{ACCOUNT}:role/studio-execution"},
        SubnetIds=["subnet-0123456789abcdef0"], VpcId="vpc-0123456789abcdef0",
    )["DomainId"]
    sm.create_user_profile(DomainId=domain_id, UserProfileName="alice")
    as_user = signed_client(endpoint, "sagemaker",
                            session_of(endpoint, execution_role_statements("alice", domain_id)))

    app_arn = as_user.create_app(
        DomainId=domain_id, UserProfileName="alice", AppType="JupyterServer", AppName="default",
        Tags=[{"Key": "team", "Value": "risk"}],
    )["AppArn"]
    with pytest.raises(ClientError) as exc:
        as_user.add_tags(ResourceArn=app_arn, Tags=[{"Key": "team", "Value": "fraud"}])
    assert denied(exc)


# --------------------------------------------------------------------------
# #13 item 7: the grantor's Glue reads on another account's catalog
# --------------------------------------------------------------------------


OTHER_ACCOUNT = "222222222222"


@pytest.mark.parametrize(("action", "resource"), [
    ("glue:GetCatalog", f"arn:aws:glue:{REGION}:{OTHER_ACCOUNT}:catalog"),
    ("glue:GetDatabase", f"arn:aws:glue:{REGION}:{OTHER_ACCOUNT}:database/risk"),
    ("glue:GetTable", f"arn:aws:glue:{REGION}:{OTHER_ACCOUNT}:table/risk/transactions"),
])
def test_the_grant_role_reads_a_shared_catalog_of_another_account(
    action: str, resource: str
) -> None:
    """A grant with the ``CatalogId`` of another account needs the grantor's Glue reads on that
    catalog (Lake Formation Developer Guide, "IAM permissions required to grant or revoke Lake
    Formation permissions"); across accounts the catalog's own resource policy must allow them
    too, so the identity policy names any account and that policy decides."""
    from studio_emulator.iam.engine import ENGINE

    statements = role_statements(CORE, "LakeFormationGrantFunctionRole", {
        "LakeFormationGrantLogGroup.Arn": f"{LOG_GROUPS}/grant",
        "NamePrefix": "studio-catalog",
    })
    role = f"arn:aws:iam::{ACCOUNT}:role/grant-role"
    catalog_policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": role}, "Action": "glue:Get*",
        "Resource": f"arn:aws:glue:{REGION}:{OTHER_ACCOUNT}:*",
    }]}
    answer = ENGINE.decide({
        "request": {
            "principal": f"arn:aws:sts::{ACCOUNT}:assumed-role/grant-role/grant-function",
            "action": action,
            "resource": {"resource": resource, "accountId": OTHER_ACCOUNT},
            "contextVariables": {},
        },
        "identityPolicies": [{"name": "grant", "policy": {
            "Version": "2012-10-17", "Statement": statements}}],
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
        "resourcePolicy": catalog_policy,
    })
    assert answer["result"] == "Allowed"


# --------------------------------------------------------------------------
# #13 item 5: IAM names unique per product stack, within 64 characters
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "resource"), [
    (USER_PROFILE, "ExecutionRole"),
    (ROOT / "templates" / "studio-domain.yaml", "DefaultExecutionRole"),
    (ROOT / "templates" / "studio-domain.yaml", "PresignedUrlFunctionRole"),
])
def test_two_products_of_the_same_name_get_distinct_roles_within_64_characters(
    endpoint: str, path: Path, resource: str
) -> None:
    """IAM role names are unique in the account, case-insensitively (IAM User Guide, "IAM
    identifiers"), and at most 64 characters ("IAM and AWS STS quotas"): two stacks for the
    same profile or domain name (two domains, or two regions) get two roles, the longest
    prefix included."""
    role_name = load_template(path)["Resources"][resource]["Properties"]["RoleName"]
    body = json.dumps({
        "Parameters": {"ProductRolePrefix": {"Type": "String"}},
        "Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": role_name,
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole"}]},
        }}},
        "Outputs": {"Name": {"Value": {"Ref": "Role"}}},
    })
    cloudformation = client(endpoint, "cloudformation")
    names = []
    for _ in range(2):
        stack = unique("SC-123456789012-pp")
        cloudformation.create_stack(StackName=stack, TemplateBody=body, Parameters=[
            {"ParameterKey": "ProductRolePrefix", "ParameterValue": "a" * 16}])
        described = wait_for_stack(cloudformation, stack)
        assert described["StackStatus"] == "CREATE_COMPLETE", described
        names += [o["OutputValue"] for o in described["Outputs"]]
    assert len({n.lower() for n in names}) == 2, names
    assert all(n.startswith("a" * 16) and len(n) <= 64 for n in names), names


# --------------------------------------------------------------------------
# The one list of handler actions asked only for a property (resource_handlers.CONDITIONAL),
# which the emulator applies and scripts/lint-templates step 4 reads
# --------------------------------------------------------------------------


def test_each_conditional_handler_action_is_listed_for_a_property_its_type_has() -> None:
    """Each (type, action) of the table is an action one of the type's handlers lists, and each
    property it is asked for is a property of the type's provider schema (a name the schema
    lacks, such as SAM's ``AutoPublishAlias`` on AWS::Lambda::Function, would make the action
    never asked and the lint never require it)."""
    from studio_emulator.iam import resource_handlers as handlers

    for (kind, action), properties in {
        **handlers.CONDITIONAL,
        **{key: (prop,) for key, (prop, _value) in handlers.UNLESS_VALUE.items()},
    }.items():
        listed = {a for h in ("create", "read", "update", "delete")
                  for a in handlers.handler_permissions(kind, h)}
        assert action in listed, (kind, action)
        schema = handlers._schema(handlers._index("us-east-1")[kind])
        for path in properties:
            assert path.split(".")[0] in schema["properties"], (kind, action, path)


def test_a_key_that_keeps_rotation_enabled_is_never_asked_to_disable_it() -> None:
    """AWS::KMS::Key: the update handler lists kms:DisableKeyRotation, called only when
    ``EnableKeyRotation`` becomes false or is left out (schema: "By default, automatic key
    rotation is not enabled")."""
    from studio_emulator.iam.resource_handlers import asked_for, authorizations

    kind = "AWS::KMS::Key"
    kept = {"EnableKeyRotation": True, "Description": "d"}
    assert not asked_for(kind, "kms:DisableKeyRotation", kept, kept)
    assert asked_for(kind, "kms:DisableKeyRotation", {"EnableKeyRotation": False}, kept)
    assert asked_for(kind, "kms:DisableKeyRotation", {"Description": "d"}, kept)
    assert not asked_for(kind, "kms:DisableKeyRotation", {"Description": "d"}, {"Description": "d"})
    asked = {a.action for a in authorizations(kind, "update", kept, kept, "", ACCOUNT, REGION)}
    assert "kms:EnableKeyRotation" in asked and "kms:DisableKeyRotation" not in asked, asked


def test_the_launch_role_grants_no_handler_action_its_products_never_need() -> None:
    """The launch role's grants that belong to a property no product template sets are gone:
    no AWS::IAM::ManagedPolicy handler lists iam:TagPolicy / iam:UntagPolicy (the type has no
    Tags); lambda:DeleteFunctionConcurrency is for ReservedConcurrentExecutions and
    ec2:DescribeNetworkInterfaces for VpcConfig, which the sign-in function does not set."""
    from studio_emulator.iam.resource_handlers import asked_for, handler_permissions

    portfolio = load_template(CORE)["Resources"]["LaunchRole"]
    granted = {a for policy in portfolio["Properties"]["Policies"]
               for statement in policy["PolicyDocument"]["Statement"]
               for a in ([statement["Action"]] if isinstance(statement["Action"], str)
                         else statement["Action"])}
    function = load_template(ROOT / "templates/studio-domain.yaml")["Resources"][
        "PresignedUrlFunction"]["Properties"]
    for action in ("lambda:DeleteFunctionConcurrency", "ec2:DescribeNetworkInterfaces"):
        assert not asked_for("AWS::Lambda::Function", action, function), action
        assert action not in granted, action
    managed = {a for h in ("create", "read", "update", "delete")
               for a in handler_permissions("AWS::IAM::ManagedPolicy", h)}
    for action in ("iam:TagPolicy", "iam:UntagPolicy"):
        assert action not in managed and action not in granted, action
