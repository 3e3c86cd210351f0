"""IAM evaluation (studio_emulator/iam/context/): the request context AWS builds per operation.

The resource's tags, the request's tags, the implicit authorisations (iam:PassRole, the tagging
action of a tagged create), resource-based policies (a Lambda function policy across accounts,
a role's trust policy). IAM is enforced throughout (the suite's default); state is arranged with
the set-up credentials (the account root), and ``iam_enforced`` (emulator_client) empties the
decision log for a test that reads it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import iam_enforced  # noqa: F401 (the fixture)
from emulator_client import (
    ACCOUNT,
    allow,
    client,
    create_function,
    error,
    execution_role,
    iam_user,
    id_token,
    other_account_session,
    new_product,
    policy_document,
    role_session,
    signed_client,
    unique,
    user_arn,
    wait_for,
    wait_for_stack,
)

OTHER_ACCOUNT = "111111111111"


def new_domain(endpoint: str) -> tuple[str, str]:
    """A SageMaker domain made with the set-up credentials: (domain id, its execution role)."""
    role = execution_role(endpoint, unique("sm-exec"))
    sm = client(endpoint, "sagemaker")
    domain_id = sm.create_domain(
        DomainName=unique("dom"),
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": role},
        SubnetIds=["subnet-0123456789abcdef0"],
        VpcId="vpc-0123456789abcdef0",
    )["DomainId"]
    wait_for(lambda: sm.describe_domain(DomainId=domain_id)["Status"], "InService")
    return domain_id, role


# --------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------


def test_resource_tags_of_a_user_profile_decide_with_a_policy_variable(
    endpoint: str, iam_enforced: None
) -> None:
    domain_id, _ = new_domain(endpoint)
    sm = client(endpoint, "sagemaker")
    alice, bob = unique("alice"), unique("bob")
    for owner in (alice, bob):
        sm.create_user_profile(
            DomainId=domain_id, UserProfileName=owner, Tags=[{"Key": "owner", "Value": owner}]
        )
    key = iam_user(
        endpoint,
        alice,
        allow(
            "sagemaker:DescribeUserProfile",
            Condition={"StringEquals": {"sagemaker:ResourceTag/owner": "${aws:username}"}},
        ),
    )
    mine = signed_client(endpoint, "sagemaker", key)
    assert mine.describe_user_profile(DomainId=domain_id, UserProfileName=alice)[
        "UserProfileName"
    ] == alice
    with pytest.raises(ClientError) as exc:
        mine.describe_user_profile(DomainId=domain_id, UserProfileName=bob)
    assert error(exc) == (
        "AccessDeniedException",
        f"User: {user_arn(alice)} is not authorized to perform: sagemaker:DescribeUserProfile "
        f"on resource: arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/{domain_id}/{bob} "
        "because no identity-based policy allows the sagemaker:DescribeUserProfile action",
    )


def test_notebook_instances_and_endpoints_are_authorised_on_their_arns_with_their_tags(
    endpoint: str, iam_enforced: None
) -> None:
    """SAR: StopNotebookInstance acts on notebook-instance/${NotebookInstanceName}, DeleteEndpoint
    on endpoint/${EndpointName}; aws:ResourceTag/* are the tags the resource carries."""
    sm = client(endpoint, "sagemaker")
    role = execution_role(endpoint, unique("nb-exec"))
    tagged, untagged = unique("nb-expiring"), unique("nb-plain")
    expiry = [{"Key": "expires-at", "Value": "2020-01-01T00:00:00Z"}]
    for name, tags in ((tagged, expiry), (untagged, [])):
        sm.create_notebook_instance(
            NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=role, Tags=tags
        )
        wait_for(
            lambda name=name: sm.describe_notebook_instance(NotebookInstanceName=name)[
                "NotebookInstanceStatus"
            ],
            "InService",
        )
    model, config, ep = unique("model"), unique("epc"), unique("ep")
    sm.create_model(
        ModelName=model,
        ExecutionRoleArn=role,
        PrimaryContainer={"Image": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/m:1"},
    )
    sm.create_endpoint_config(
        EndpointConfigName=config,
        ProductionVariants=[{"VariantName": "all", "ModelName": model,
                             "InitialInstanceCount": 1, "InstanceType": "ml.m5.xlarge"}],
    )
    sm.create_endpoint(EndpointName=ep, EndpointConfigName=config)
    key = iam_user(
        endpoint,
        unique("cleaner"),
        allow(
            ["sagemaker:StopNotebookInstance", "sagemaker:DeleteEndpoint"],
            [
                f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:notebook-instance/*",
                f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/{ep}",
            ],
            Condition={"Null": {"aws:ResourceTag/expires-at": "false"}},
        ),
    )
    cleaner = signed_client(endpoint, "sagemaker", key)
    cleaner.stop_notebook_instance(NotebookInstanceName=tagged)
    with pytest.raises(ClientError) as exc:
        cleaner.stop_notebook_instance(NotebookInstanceName=untagged)
    assert error(exc)[0] == "AccessDeniedException"
    assert f"notebook-instance/{untagged}" in error(exc)[1]
    # The endpoint carries no expires-at tag: refused on its ARN; tagged, allowed.
    with pytest.raises(ClientError) as exc:
        cleaner.delete_endpoint(EndpointName=ep)
    assert f"on resource: arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/{ep} " in error(exc)[1]
    wait_for(lambda: sm.describe_endpoint(EndpointName=ep)["EndpointStatus"], "InService")
    sm.add_tags(
        ResourceArn=f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/{ep}",
        Tags=expiry,
    )
    cleaner.delete_endpoint(EndpointName=ep)


def test_a_presigned_url_into_a_space_is_authorised_on_the_user_profile(
    endpoint: str, iam_enforced: None
) -> None:
    """SAR: CreatePresignedDomainUrl's one resource type is user-profile, also with SpaceName."""
    domain_id, _ = new_domain(endpoint)
    sm = client(endpoint, "sagemaker")
    owner = unique("owner")
    sm.create_user_profile(DomainId=domain_id, UserProfileName=owner)
    wait_for(
        lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName=owner)["Status"],
        "InService",
    )
    space = unique("space")
    sm.create_space(
        DomainId=domain_id,
        SpaceName=space,
        OwnershipSettings={"OwnerUserProfileName": owner},
        SpaceSharingSettings={"SharingType": "Private"},
        SpaceSettings={"AppType": "JupyterLab"},
    )
    wait_for(lambda: sm.describe_space(DomainId=domain_id, SpaceName=space)["Status"], "InService")
    profile_arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/{domain_id}/{owner}"
    key = iam_user(
        endpoint, unique("signer"), allow("sagemaker:CreatePresignedDomainUrl", profile_arn)
    )
    signer = signed_client(endpoint, "sagemaker", key)
    url = signer.create_presigned_domain_url(
        DomainId=domain_id, UserProfileName=owner, SpaceName=space
    )["AuthorizedUrl"]
    assert url.startswith("https://")
    with pytest.raises(ClientError) as exc:
        signer.create_presigned_domain_url(DomainId=domain_id, UserProfileName="someone-else")
    refused = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/{domain_id}/someone-else"
    assert f"on resource: {refused} " in error(exc)[1]


def test_request_tags_and_the_tagging_action_of_a_tagged_create(
    endpoint: str, control: Callable[..., Any], iam_enforced: None
) -> None:
    domain_id, _ = new_domain(endpoint)
    create = allow(
        "sagemaker:CreateUserProfile",
        Condition={"StringEquals": {"aws:RequestTag/team": "data"}},
    )
    tagging = allow(
        "sagemaker:AddTags",
        Condition={"StringEquals": {"sagemaker:TaggingAction": "CreateUserProfile"}},
        Sid="TagOnCreate",
    )
    without_tagging = signed_client(endpoint, "sagemaker", iam_user(endpoint, unique("a"), create))
    with_tagging = signed_client(
        endpoint, "sagemaker", iam_user(endpoint, unique("b"), create, tagging)
    )
    data = [{"Key": "team", "Value": "data"}]

    with pytest.raises(ClientError) as exc:  # the create is allowed, its tags are not
        without_tagging.create_user_profile(
            DomainId=domain_id, UserProfileName=unique("p"), Tags=data
        )
    assert "perform: sagemaker:AddTags on resource: " in error(exc)[1]
    with pytest.raises(ClientError) as exc:  # a tag value the condition does not admit
        with_tagging.create_user_profile(
            DomainId=domain_id, UserProfileName=unique("p"), Tags=[{"Key": "team", "Value": "x"}]
        )
    assert "perform: sagemaker:CreateUserProfile on resource: " in error(exc)[1]
    name = unique("p")
    with_tagging.create_user_profile(DomainId=domain_id, UserProfileName=name, Tags=data)
    decided = control("GET", "iam/decisions?action=sagemaker:AddTags&result=Allowed")["decisions"]
    assert decided[-1]["resources"] == [
        f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/{domain_id}/{name}"
    ]
    assert decided[-1]["statement"]["sid"] == "TagOnCreate"


def test_a_private_space_and_its_apps_carry_their_owners_profile_arn(
    endpoint: str, iam_enforced: None
) -> None:
    """sagemaker:OwnerUserProfileArn (SAR: CreateSpace, UpdateSpace, DeleteSpace, CreateApp,
    DeleteApp) is the profile named in the space's OwnershipSettings: a policy that lets alice
    change only her own spaces and their apps (the user role's ChangeOnlyOwnSpacesAndTheirApps)
    allows her space and its app, and refuses a space owned by bob and an app in his space."""
    domain_id, _ = new_domain(endpoint)
    sm = client(endpoint, "sagemaker")
    alice, bob = unique("alice"), unique("bob")
    for owner in (alice, bob):
        sm.create_user_profile(DomainId=domain_id, UserProfileName=owner)
    base = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}"
    key = iam_user(
        endpoint,
        alice,
        allow(
            ["sagemaker:CreateSpace", "sagemaker:DeleteSpace", "sagemaker:CreateApp",
             "sagemaker:DeleteApp"],
            [f"{base}:space/{domain_id}/*", f"{base}:app/{domain_id}/*"],
            Condition={"ArnLike": {
                "sagemaker:OwnerUserProfileArn": f"{base}:user-profile/{domain_id}/{alice}"
            }},
        ),
    )
    mine = signed_client(endpoint, "sagemaker", key)

    def private_space(caller: Any, name: str, owner: str) -> None:
        caller.create_space(
            DomainId=domain_id, SpaceName=name,
            OwnershipSettings={"OwnerUserProfileName": owner},
            SpaceSharingSettings={"SharingType": "Private"},
            SpaceSettings={"AppType": "JupyterLab"},
        )
        wait_for(
            lambda: sm.describe_space(DomainId=domain_id, SpaceName=name)["Status"], "InService"
        )

    private_space(mine, "alice-space", alice)
    app = {"DomainId": domain_id, "SpaceName": "alice-space", "AppType": "JupyterLab",
           "AppName": "default"}
    mine.create_app(**app)
    wait_for(lambda: sm.describe_app(**app)["Status"], "InService")
    mine.delete_app(**app)

    with pytest.raises(ClientError) as exc:  # a space owned by someone else
        private_space(mine, "not-mine", bob)
    assert error(exc) == (
        "AccessDeniedException",
        f"User: {user_arn(alice)} is not authorized to perform: sagemaker:CreateSpace on "
        f"resource: {base}:space/{domain_id}/not-mine because no identity-based policy allows "
        "the sagemaker:CreateSpace action",
    )
    private_space(sm, "bob-space", bob)  # made by the admin
    with pytest.raises(ClientError) as exc:  # an app in bob's space
        mine.create_app(**{**app, "SpaceName": "bob-space"})
    assert "perform: sagemaker:CreateApp on resource: " in error(exc)[1]
    with pytest.raises(ClientError) as exc:
        mine.delete_space(DomainId=domain_id, SpaceName="bob-space")
    assert "perform: sagemaker:DeleteSpace on resource: " in error(exc)[1]


def test_provisioned_products_are_reached_at_the_access_level_a_policy_grants(
    endpoint: str, iam_enforced: None
) -> None:
    """servicecatalog:userLevel/roleLevel/accountLevel are hierarchical (Service Catalog Admin
    Guide, "Example policies for managing provisioned products"): a policy granting only
    ``userLevel = self`` searches the caller's own products but not the account's, and may not
    describe a product someone else launched; ``accountLevel = self`` reaches both."""
    sc = client(endpoint, "servicecatalog")
    product_id, artifact = new_product(sc)
    portfolio = sc.create_portfolio(DisplayName=unique("portfolio"), ProviderName="platform")[
        "PortfolioDetail"]["Id"]
    sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio)
    sc.associate_principal_with_portfolio(
        PortfolioId=portfolio, PrincipalARN=f"arn:aws:iam::{ACCOUNT}:user/moto",
        PrincipalType="IAM",
    )
    launched = sc.provision_product(  # by the admin
        ProductId=product_id, ProvisioningArtifactId=artifact,
        ProvisionedProductName=unique("pp"), ProvisionToken=unique("tok"),
    )["RecordDetail"]["ProvisionedProductId"]
    actions = ["servicecatalog:SearchProvisionedProducts", "servicecatalog:DescribeProvisionedProduct"]

    def caller(level: str) -> Any:
        key = role_session(endpoint, unique(level), allow(
            actions, Condition={"StringEquals": {f"servicecatalog:{level}": "self"}}
        ))
        return signed_client(endpoint, "servicecatalog", key)

    own_only, everything = caller("userLevel"), caller("accountLevel")
    mine = own_only.search_provisioned_products(AccessLevelFilter={"Key": "User", "Value": "self"})
    assert mine["ProvisionedProducts"] == []
    for call in (
        lambda: own_only.search_provisioned_products(),  # Account, the default
        lambda: own_only.describe_provisioned_product(Id=launched),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc)[0] == "AccessDeniedException"
    everything.search_provisioned_products(AccessLevelFilter={"Key": "User", "Value": "self"})
    found = everything.search_provisioned_products()["ProvisionedProducts"]
    assert launched in [pp["Id"] for pp in found]
    assert everything.describe_provisioned_product(Id=launched)["ProvisionedProductDetail"][
        "Id"] == launched


# --------------------------------------------------------------------------
# Implicit authorisations
# --------------------------------------------------------------------------


def test_create_domain_needs_pass_role_to_sagemaker(
    endpoint: str, control: Callable[..., Any], iam_enforced: None
) -> None:
    role = execution_role(endpoint, unique("sm-exec"))
    create = allow("sagemaker:CreateDomain")

    def pass_to(service: str) -> dict[str, Any]:
        return allow(
            "iam:PassRole", role,
            Condition={"StringEquals": {"iam:PassedToService": service}}, Sid="Pass",
        )

    def create_domain(sm: Any) -> None:
        sm.create_domain(
            DomainName=unique("dom"),
            AuthMode="IAM",
            DefaultUserSettings={"ExecutionRole": role},
            SubnetIds=["subnet-0123456789abcdef0"],
            VpcId="vpc-0123456789abcdef0",
        )

    wrong = unique("admin")
    to_lambda = signed_client(
        endpoint, "sagemaker", iam_user(endpoint, wrong, create, pass_to("lambda.amazonaws.com"))
    )
    with pytest.raises(ClientError) as exc:
        create_domain(to_lambda)
    assert error(exc) == (
        "AccessDeniedException",
        f"User: {user_arn(wrong)} is not authorized to perform: iam:PassRole on resource: "
        f"{role} because no identity-based policy allows the iam:PassRole action",
    )
    to_sagemaker = signed_client(
        endpoint, "sagemaker",
        iam_user(endpoint, unique("admin"), create, pass_to("sagemaker.amazonaws.com")),
    )
    create_domain(to_sagemaker)
    [passed] = control("GET", "iam/decisions?action=iam:PassRole&result=Allowed")["decisions"]
    assert passed["resources"] == [role]
    assert passed["statement"]["sid"] == "Pass"


def _create_function(endpoint: str, role: str) -> Callable[[Any], Any]:
    return lambda lam: lam.create_function(
        FunctionName=unique("passed"), Runtime="provided.al2023", Role=role,
        Handler="bootstrap", Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
    )


def _create_stack(endpoint: str, role: str) -> Callable[[Any], Any]:
    return lambda cfn: cfn.create_stack(
        StackName=unique("passed"), RoleARN=role,
        TemplateBody=json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}),
    )


def _create_user_profile(endpoint: str, role: str) -> Callable[[Any], Any]:
    domain_id, _ = new_domain(endpoint)
    return lambda sm: sm.create_user_profile(
        DomainId=domain_id, UserProfileName=unique("p"), UserSettings={"ExecutionRole": role}
    )


@pytest.mark.parametrize(
    ("service", "action", "make"),
    [
        ("lambda", "lambda:CreateFunction", _create_function),
        ("cloudformation", "cloudformation:CreateStack", _create_stack),
        ("sagemaker", "sagemaker:CreateUserProfile", _create_user_profile),
    ],
)
def test_an_operation_that_passes_a_role_needs_pass_role(
    endpoint: str, control: Callable[..., Any], service: str, action: str, make: Any
) -> None:
    role = execution_role(endpoint, unique("passed-role"))
    call = make(endpoint, role)
    name = unique("no-pass")
    caller = signed_client(endpoint, service, iam_user(endpoint, name, allow(action)))
    control("DELETE", "iam/decisions")  # the decisions below only
    with pytest.raises(ClientError) as exc:
        call(caller)
    assert error(exc)[1] == (
        f"User: {user_arn(name)} is not authorized to perform: iam:PassRole on resource: "
        f"{role} because no identity-based policy allows the iam:PassRole action"
    )
    decided = control("GET", f"iam/decisions?principal={user_arn(name)}")["decisions"]
    assert [(d["action"], d["result"]) for d in decided] == [
        (action, "Allowed"), ("iam:PassRole", "ImplicitlyDenied")
    ]


# --------------------------------------------------------------------------
# Resource-based policies
# --------------------------------------------------------------------------


def _other_account_session(
    endpoint: str, role_name: str, *statements: dict[str, Any]
) -> tuple[str, str, str]:
    """A role session in OTHER_ACCOUNT whose role has ``statements``."""
    return other_account_session(endpoint, OTHER_ACCOUNT, role_name, *statements)


def _invoked_from_the_other_account_once_granted(
    endpoint: str, control: Callable[..., Any], function: dict[str, Any], statement_id: str
) -> None:
    """A session of OTHER_ACCOUNT whose own role policy allows invoking ``function``: a direct
    Invoke is refused while the function policy names no grant for it, and allowed once
    AddPermission's ``statement_id`` grants OTHER_ACCOUNT; across accounts both sides must
    allow (the caller's role policy and the function's)."""
    arn = function["FunctionArn"]
    invoker = unique("invoker")
    session = _other_account_session(endpoint, invoker, allow("lambda:InvokeFunction", arn))
    caller = signed_client(endpoint, "lambda", session)
    control("DELETE", "iam/decisions")  # the decisions below only
    with pytest.raises(ClientError) as exc:
        caller.invoke(FunctionName=arn, Payload=b"{}")
    assert error(exc) == (
        "AccessDeniedException",
        f"User: arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/{invoker}/caller is not authorized "
        f"to perform: lambda:InvokeFunction on resource: {arn} because no resource-based "
        "policy allows the lambda:InvokeFunction action",
    )
    client(endpoint, "lambda").add_permission(
        FunctionName=function["FunctionName"],
        StatementId=statement_id,
        Action="lambda:InvokeFunction",
        Principal=OTHER_ACCOUNT,
    )
    try:
        caller.invoke(FunctionName=arn, Payload=json.dumps({"action": "echo"}))
        refused = None
    except ClientError as exc:
        # Past IAM, moto 5.2.5 looks a function named by ARN up in the caller's account
        # (ResourceNotFoundException): cross-account invoke is not routed yet.
        refused = exc.response["Error"]["Code"]
    assert refused in (None, "ResourceNotFoundException")
    decided = control("GET", "iam/decisions?action=lambda:InvokeFunction")["decisions"]
    assert [d["result"] for d in decided] == ["ImplicitlyDenied", "Allowed"]
    grants = {(g["policyType"], g.get("statementId")) for g in decided[-1]["grants"]}
    assert grants == {("identity", None), ("resource", statement_id)}


def test_a_cross_account_invoke_needs_the_function_policy(
    endpoint: str, control: Callable[..., Any]
) -> None:
    function = create_function(client(endpoint, "lambda"))

    _invoked_from_the_other_account_once_granted(endpoint, control, function, "other-account")


def test_a_function_policy_is_evaluated_as_get_policy_answers_it(
    endpoint: str, control: Callable[..., Any]
) -> None:
    """An AWS::Lambda::Permission is one statement of Sid, Effect, Principal, Action, Resource,
    Condition (Lambda Developer Guide, "Viewing resource-based IAM policies in Lambda";
    ``InvokedViaFunctionUrl`` is ``Bool lambda:InvokedViaFunctionUrl``, "Control access to
    Lambda function URLs"), not the resource's properties as moto keeps them (FunctionName,
    InvokedViaFunctionUrl): a grant only through the function URL does not allow a direct
    Invoke, a plain grant does."""
    function = create_function(client(endpoint, "lambda"))
    arn = function["FunctionArn"]
    cfn = client(endpoint, "cloudformation")
    template = {
        "Resources": {
            "ThroughTheUrlOnly": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "FunctionName": arn,
                    "Action": "lambda:InvokeFunction",
                    "Principal": OTHER_ACCOUNT,
                    "InvokedViaFunctionUrl": True,
                },
            }
        }
    }
    stack = unique("permission")
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(template))
    assert wait_for_stack(cfn, stack)["StackStatus"] == "CREATE_COMPLETE"
    _invoked_from_the_other_account_once_granted(endpoint, control, function, "direct")


def test_assume_role_is_decided_by_the_role_trust_policy(endpoint: str, iam_enforced: None) -> None:
    iam = client(endpoint, "iam")
    trusted, stranger = unique("trusted"), unique("stranger")
    role = unique("target")
    role_arn = iam.create_role(
        RoleName=role,
        AssumeRolePolicyDocument=policy_document(
            {"Effect": "Allow", "Principal": {"AWS": user_arn(trusted)}, "Action": "sts:AssumeRole"}
        ),
    )["Role"]["Arn"]
    may_assume = allow("sts:AssumeRole", role_arn)
    trusted_key = iam_user(endpoint, trusted, may_assume)
    stranger_key = iam_user(endpoint, stranger, may_assume)

    creds = signed_client(endpoint, "sts", trusted_key).assume_role(
        RoleArn=role_arn, RoleSessionName="sess"
    )["Credentials"]
    assert creds["AccessKeyId"]
    with pytest.raises(ClientError) as exc:
        signed_client(endpoint, "sts", stranger_key).assume_role(
            RoleArn=role_arn, RoleSessionName="sess"
        )
    code, message = error(exc)
    assert code == "AccessDenied"
    assert message.startswith(
        f"User: {user_arn(stranger)} is not authorized to perform: sts:AssumeRole on resource: "
        f"{role_arn}"
    )


def test_a_web_identity_is_decided_by_the_trust_policy_with_its_oidc_provider(
    endpoint: str, iam_enforced: None
) -> None:
    """AssumeRoleWithWebIdentity is unsigned: the role's trust policy decides, with the OIDC
    provider the token's ``iss`` names as the Federated principal and the token's ``aud`` and
    ``sub`` as ``<provider>:aud`` / ``<provider>:sub``; a token of a provider the account has
    not registered, or no ID token at all, is InvalidIdentityToken."""
    iam = client(endpoint, "iam")
    # A provider whose aud/sub keys the SAR lists for the action (the engine admits no others).
    issuer, host = "https://accounts.google.com", "accounts.google.com"
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{host}"
    try:
        iam.create_open_id_connect_provider(
            Url=issuer, ClientIDList=["studio"], ThumbprintList=["a" * 40]
        )
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    role_arn = iam.create_role(
        RoleName=unique("federated"),
        AssumeRolePolicyDocument=policy_document({
            "Effect": "Allow", "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{host}:aud": "studio", f"{host}:sub": "alice"}},
        }),
    )["Role"]["Arn"]
    sts = client(endpoint, "sts")

    def assume(token: str) -> Any:
        return sts.assume_role_with_web_identity(
            RoleArn=role_arn, RoleSessionName="alice", WebIdentityToken=token
        )

    answer = assume(id_token(iss=issuer, aud="studio", sub="alice"))
    assert answer["AssumedRoleUser"]["Arn"].endswith("/alice")
    with pytest.raises(ClientError) as exc:
        assume(id_token(iss=issuer, aud="studio", sub="bob"))
    assert error(exc) == (
        "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"
    )
    with pytest.raises(ClientError) as exc:
        assume(id_token(iss="https://other.example.com", aud="studio", sub="alice"))
    assert error(exc) == (
        "InvalidIdentityToken",
        "No OpenIDConnect provider found in your account for https://other.example.com",
    )
    with pytest.raises(ClientError) as exc:
        assume("not-a-jwt")
    assert error(exc)[0] == "InvalidIdentityToken"


def test_a_saml_assertion_is_decided_by_the_trust_policy_with_its_saml_provider(
    endpoint: str, iam_enforced: None
) -> None:
    """AssumeRoleWithSAML is unsigned: a role that trusts another SAML provider is refused
    before the assertion is read."""
    iam = client(endpoint, "iam")
    trusted = f"arn:aws:iam::{ACCOUNT}:saml-provider/{unique('trusted')}"
    other = f"arn:aws:iam::{ACCOUNT}:saml-provider/{unique('other')}"
    role_arn = iam.create_role(
        RoleName=unique("saml"),
        AssumeRolePolicyDocument=policy_document({
            "Effect": "Allow", "Principal": {"Federated": trusted},
            "Action": "sts:AssumeRoleWithSAML",
        }),
    )["Role"]["Arn"]
    with pytest.raises(ClientError) as exc:
        client(endpoint, "sts").assume_role_with_saml(
            RoleArn=role_arn, PrincipalArn=other, SAMLAssertion="PHNhbWw+PC9zYW1sPg" * 2
        )
    assert error(exc) == ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML")


def test_a_key_policy_that_does_not_name_the_account_refuses_its_identity_policies(
    endpoint: str, iam_enforced: None
) -> None:
    kms = client(endpoint, "kms")
    open_key = kms.create_key()["KeyMetadata"]["KeyId"]  # the default policy names the account
    closed_key = kms.create_key(
        Policy=policy_document(
            {"Sid": "OnlyAdmin", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/admin"},
             "Action": "kms:*", "Resource": "*"}
        ),
        BypassPolicyLockoutSafetyCheck=True,
    )["KeyMetadata"]["Arn"]
    name = unique("kms-user")
    caller = signed_client(
        endpoint, "kms", iam_user(endpoint, name, allow(["kms:DescribeKey", "kms:CreateKey"]))
    )
    caller.describe_key(KeyId=open_key)
    with pytest.raises(ClientError) as exc:
        caller.describe_key(KeyId=closed_key)
    assert error(exc) == (
        "AccessDeniedException",
        f"User: {user_arn(name)} is not authorized to perform: kms:DescribeKey on resource: "
        f"{closed_key} because no resource-based policy allows the kms:DescribeKey action",
    )
    with pytest.raises(ClientError) as exc:  # a tagged CreateKey needs kms:TagResource
        caller.create_key(Tags=[{"TagKey": "team", "TagValue": "data"}])
    assert error(exc)[1].endswith(
        "because no identity-based policy allows the kms:TagResource action"
    )


def test_an_explicit_deny_in_a_bucket_policy_wins_over_the_user_policy(
    endpoint: str, control: Callable[..., Any], iam_enforced: None
) -> None:
    bucket = unique("iam-denied")
    s3_admin = client(endpoint, "s3")
    s3_admin.create_bucket(Bucket=bucket)
    s3_admin.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3_admin.put_bucket_policy(
        Bucket=bucket,
        Policy=policy_document(
            {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::{bucket}/*"}
        ),
    )
    name = unique("s3-user")
    s3 = signed_client(endpoint, "s3", iam_user(endpoint, name, allow("s3:*")))
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="k")
    assert error(exc) == (
        "AccessDenied",
        f"User: {user_arn(name)} is not authorized to perform: s3:GetObject on resource: "
        f'"arn:aws:s3:::{bucket}/k" with an explicit deny in a resource-based policy',
    )


def test_a_function_calls_aws_as_its_role_session(
    endpoint: str, control: Callable[..., Any]
) -> None:
    """The Lambda executor's credentials are the function role's session: its calls are
    authorised with the role's policies."""
    lam = client(endpoint, "lambda")
    role_name = unique("fn-role")
    role = execution_role(endpoint, role_name)
    client(endpoint, "iam").put_role_policy(
        RoleName=role_name, PolicyName="whoami",
        PolicyDocument=policy_document(allow("ssm:GetParameter")),
    )
    function = create_function(lam, role=role)
    control("DELETE", "iam/decisions")  # the decisions below only
    name = unique("/iam/fn")
    answer = lam.invoke(
        FunctionName=function["FunctionName"],
        Payload=json.dumps({"action": "put-parameter", "name": name, "value": "v"}),
    )
    assert answer.get("FunctionError") == "Unhandled"
    decided = control("GET", "iam/decisions?action=ssm:PutParameter")["decisions"]
    assert decided[-1]["principal"].startswith(
        f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/"
    )
    assert decided[-1]["result"] == "ImplicitlyDenied"


# --------------------------------------------------------------------------
# Cost
# --------------------------------------------------------------------------


def test_a_decision_is_fast_once_the_engine_runs(endpoint: str, iam_enforced: None) -> None:
    key = iam_user(endpoint, unique("fast"), allow("sagemaker:ListDomains"))
    sm = signed_client(endpoint, "sagemaker", key)
    sm.list_domains()  # starts the engine
    started = time.monotonic()
    for _ in range(20):
        sm.list_domains()
    per_call = (time.monotonic() - started) / 20
    # A deadline, not a benchmark: a decision must not make every request noticeably slower.
    assert per_call < 0.25, f"{per_call * 1000:.1f} ms per enforced ListDomains"
