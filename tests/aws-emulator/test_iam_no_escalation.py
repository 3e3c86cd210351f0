"""#14 section 4: no product lets a cloud admin grant themselves data or power -- each attack a
launch through Service Catalog (or a session of a role a launch made), with IAM enforced.

The portfolio is ``portfolio/portfolio.yaml`` as written, deployed once for the module by
``test_iam_product_paths``'s fixtures (its ``LaunchRole``, the products staged from
``templates/*.yaml``, the core stack's SSM parameters and its ``ProductRoleBoundary`` managed
policy made as core.yaml writes it). The attacks:

* a product whose template creates a role without the core stack's boundary, with another
  boundary, outside the suite's path, gives the launch role (or any role of the account that is
  not a product's) a policy, or attaches a managed policy to a role: each is refused to the
  launch role, the launch FAILED with the handler's AccessDenied in the stack's events, nothing
  left. (Such a product needs a portfolio administrator; a cloud admin only launches. The
  launch role is what both have in common, so it is what must refuse.)
* a product role holding, by some other policy, the right to attach policies to itself cannot
  attach AdministratorAccess: its boundary (the core stack's) has no IAM;
* the domain's default execution role runs apps only in shared spaces: deleting another user's
  app, in their private space, is refused;
* ``QueryResultsPrefix`` ``*`` is refused at launch (the parameter's pattern);
* the data access grant product asking ``ALL``, a grant option, or for a role that is not a
  product's: the real ``lakeformation-grant`` binary (core.yaml's role policy and defaults)
  answers FAILED naming the property, and nothing is granted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import (
    ACCOUNT,
    REGION,
    REPOSITORY,
    allow,
    client,
    create_function,
    error,
    function_zip,
    load_template,
    policy_document,
    launch_role_statements,
    role_statements,
    rust_binary,
    signed_client,
    unique,
    wait_for,
)
from emulator_client import iam_enforced  # noqa: F401 (the fixture)
from test_iam_product_paths import (  # noqa: F401 (the fixtures)
    CORE,
    Catalog,
    catalog,
    portfolio,
    succeeded,
)

ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
PRODUCT_PATH = "/studio-catalog/products/"


def boundary_arn(catalog: Catalog) -> str:
    return f"arn:aws:iam::{ACCOUNT}:policy/studio-catalog/{catalog.prefix}-product-role-boundary"


# --------------------------------------------------------------------------
# A product of the portfolio whose template does what no product of the suite does
# --------------------------------------------------------------------------


def rogue_product(catalog: Catalog, resources: dict[str, Any]) -> str:
    """A product in the portfolio, launched under its launch role (a LAUNCH constraint naming
    it), whose template is ``resources``; made as the account's admin. Returns its id."""
    sc = client(catalog.endpoint, "servicecatalog")
    key = f"{catalog.prefix}/rogue/{unique('t')}.json"
    client(catalog.endpoint, "s3").put_object(
        Bucket=catalog.bucket, Key=key,
        Body=json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}),
    )
    product = sc.create_product(
        Name=unique("rogue"), Owner="platform", ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters={
            "Name": "v1", "Type": "CLOUD_FORMATION_TEMPLATE",
            "Info": {"LoadTemplateFromURL": f"{catalog.endpoint}/{catalog.bucket}/{key}"},
        },
        IdempotencyToken=unique("tok"),
    )["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    portfolio_id = catalog.outputs["PortfolioId"]
    sc.associate_product_with_portfolio(ProductId=product, PortfolioId=portfolio_id)
    sc.create_constraint(
        PortfolioId=portfolio_id, ProductId=product, Type="LAUNCH",
        Parameters=json.dumps({"LocalRoleName": catalog.launch_role}),
        IdempotencyToken=unique("tok"),
    )
    return str(product)


def launch_rogue(catalog: Catalog, resources: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The cloud admin launches a rogue product: (its record, the stack's event reasons)."""
    product = rogue_product(catalog, resources)
    [artifact] = client(catalog.endpoint, "servicecatalog").list_provisioning_artifacts(
        ProductId=product)["ProvisioningArtifactDetails"]
    record = catalog.admin.provision_product(
        ProductId=product, ProvisioningArtifactId=artifact["Id"],
        ProvisionedProductName=unique("pp"), ProvisionToken=unique("tok"),
    )["RecordDetail"]
    record = catalog.wait(record)
    return record, stack_event_reasons(catalog, record)


def stack_event_reasons(catalog: Catalog, record: dict[str, Any]) -> list[str]:
    """The reasons of the product stack's events (the CloudFormation stack Service Catalog
    made for the record)."""
    cloudformation = client(catalog.endpoint, "cloudformation")
    stacks = [
        s for s in cloudformation.list_stacks()["StackSummaries"]
        if record["ProvisionedProductId"] in s["StackName"]
        or s["StackName"].endswith(record["ProvisionedProductId"])
    ]
    reasons = []
    for stack in stacks:
        events = cloudformation.describe_stack_events(StackName=stack["StackId"])["StackEvents"]
        reasons += [e.get("ResourceStatusReason") or "" for e in events]
    return reasons


def role(name: str, **properties: Any) -> dict[str, Any]:
    return {"Type": "AWS::IAM::Role", "Properties": {
        "RoleName": name,
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "sts:AssumeRole"}]},
        **properties,
    }}


def refused(reasons: list[str], action: str) -> bool:
    return any(
        "HandlerErrorCode: AccessDenied" in r and f"not authorized to perform: {action}" in r
        for r in reasons
    )


def no_role(catalog: Catalog, name: str) -> bool:
    try:
        client(catalog.endpoint, "iam").get_role(RoleName=name)
    except ClientError as exc:
        return exc.response["Error"]["Code"] == "NoSuchEntity"
    return False


def test_attack_the_launch_role_creating_a_role_without_the_boundary_is_refused(
    catalog: Catalog,
) -> None:
    name = f"{catalog.role_prefix}rogue-{unique('r', '')}"
    record, reasons = launch_rogue(catalog, {"Rogue": role(name, Path=PRODUCT_PATH)})

    assert record["Status"] == "FAILED", record
    assert refused(reasons, "iam:CreateRole"), reasons
    assert no_role(catalog, name)


def test_attack_the_launch_role_creating_a_role_with_another_boundary_is_refused(
    catalog: Catalog,
) -> None:
    """A boundary of the launcher's choosing (AdministratorAccess: no limit at all)."""
    name = f"{catalog.role_prefix}rogue-{unique('r', '')}"
    record, reasons = launch_rogue(catalog, {"Rogue": role(
        name, Path=PRODUCT_PATH, PermissionsBoundary=ADMINISTRATOR_ACCESS)})

    assert record["Status"] == "FAILED", record
    assert refused(reasons, "iam:CreateRole"), reasons
    assert no_role(catalog, name)


def test_attack_the_launch_role_creating_a_bounded_role_outside_the_suites_path_is_refused(
    catalog: Catalog,
) -> None:
    name = f"{catalog.role_prefix}rogue-{unique('r', '')}"
    record, reasons = launch_rogue(catalog, {"Rogue": role(
        name, PermissionsBoundary=boundary_arn(catalog))})

    assert record["Status"] == "FAILED", record
    assert refused(reasons, "iam:CreateRole"), reasons
    assert no_role(catalog, name)


def test_attack_the_launch_role_giving_itself_a_policy_is_refused(catalog: Catalog) -> None:
    """The launch role has no boundary and is not under the products' path: PutRolePolicy on
    it is refused, whatever the prefix."""
    record, reasons = launch_rogue(catalog, {"Escalate": {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": "escalate",
            "Roles": [catalog.launch_role],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"}]},
        },
    }})

    assert record["Status"] == "FAILED", record
    # The AWS::IAM::Policy create handler's role-policy calls, on the launch role's own ARN
    # (GetRolePolicy is asked first, then PutRolePolicy): the first is refused already.
    assert any(refused(reasons, f"{action} on resource: arn:aws:iam::{ACCOUNT}:role/"
                                f"{catalog.launch_role} ")
               for action in ("iam:GetRolePolicy", "iam:PutRolePolicy")), reasons
    # core.yaml's two: the role's own and its region's code-bucket policy (issue #16).
    assert sorted(client(catalog.endpoint, "iam").list_role_policies(
        RoleName=catalog.launch_role)["PolicyNames"]) == [
        f"code-bucket-{REGION}", "provision-studio-catalog-products"]


def test_attack_the_launch_role_attaching_administrator_access_to_a_bounded_role_is_refused(
    catalog: Catalog,
) -> None:
    """A role as the products make them (path, boundary), with AdministratorAccess attached:
    the launch role may attach no managed policy to a role."""
    name = f"{catalog.role_prefix}rogue-{unique('r', '')}"
    record, reasons = launch_rogue(catalog, {"Rogue": role(
        name, Path=PRODUCT_PATH, PermissionsBoundary=boundary_arn(catalog),
        ManagedPolicyArns=[ADMINISTRATOR_ACCESS])})

    assert record["Status"] == "FAILED", record
    assert refused(reasons, "iam:AttachRolePolicy"), reasons


def test_a_role_made_as_the_products_make_them_is_created_under_the_launch_role(
    catalog: Catalog,
) -> None:
    """The other side of the attacks above: path and boundary as the products set them, and
    the launch role creates it (CreateRole allowed by ProductRolesOnlyWithTheBoundary)."""
    catalog.forget_decisions()
    name = f"{catalog.role_prefix}fine-{unique('r', '')}"
    record, reasons = launch_rogue(catalog, {"Fine": role(
        name, Path=PRODUCT_PATH, PermissionsBoundary=boundary_arn(catalog))})

    assert succeeded(record), (record, reasons)
    made = client(catalog.endpoint, "iam").get_role(RoleName=name)["Role"]
    assert made["Arn"] == f"arn:aws:iam::{ACCOUNT}:role{PRODUCT_PATH}{name}"
    assert made["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary_arn(catalog)
    assert ("iam:CreateRole", "ProductRolesOnlyWithTheBoundary") in catalog.launch_role_grants()


# --------------------------------------------------------------------------
# A product's role, bounded, cannot give itself more
# --------------------------------------------------------------------------


@pytest.fixture
def domain(catalog: Catalog) -> Iterator[dict[str, str]]:
    """A launched domain product: its outputs. The core stack's Custom::StudioDomain (the
    cfn-answer fixture) answers with a domain the emulator holds (made as the admin), so that
    the default execution role's policy names a domain its sessions can act in."""
    sm = client(catalog.endpoint, "sagemaker")
    real = sm.create_domain(
        DomainName=unique("dom"), AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": f"arn:aws:iam::{ACCOUNT}:role/placeholder"},
        SubnetIds=[catalog.subnet], VpcId=catalog.vpc,
    )
    domain_id = real["DomainArn"].split("/")[-1]
    answer = {"Custom::StudioDomain": {
        "DomainId": domain_id, "DomainArn": real["DomainArn"],
        "Url": f"https://{domain_id}.studio.us-east-1.sagemaker.aws", "HomeEfsFileSystemId": "fs-1",
    }}
    lam = client(catalog.endpoint, "lambda")
    function = f"{catalog.prefix}-studio-domain"
    variables = lam.get_function_configuration(FunctionName=function)["Environment"]["Variables"]
    lam.update_function_configuration(FunctionName=function, Environment={"Variables": {
        **variables, "ANSWER_DATA": json.dumps(answer)}})
    record = catalog.launch("StudioDomain", catalog.domain_parameters(DomainName=unique("dom")))
    assert succeeded(record), (record, catalog.launch_role_refusals())
    outputs = {o["OutputKey"]: o["OutputValue"]
               for o in catalog.stack(record["ProvisionedProductId"])["Outputs"]}
    yield outputs
    catalog.terminate(record["ProvisionedProductId"])


def studio_session(catalog: Catalog, role_arn: str) -> tuple[str, str, str]:
    """SageMaker's session of ``role_arn`` (what Studio's apps run as)."""
    opened = catalog.control("POST", "iam/service-sessions", {
        "RoleArn": role_arn, "ServicePrincipal": "sagemaker.amazonaws.com",
        "SessionName": "SageMaker",
    })
    creds = opened["Credentials"]
    return creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]


def test_every_role_a_domain_launch_creates_carries_the_boundary_under_the_suites_path(
    catalog: Catalog, domain: dict[str, str],
) -> None:
    iam = client(catalog.endpoint, "iam")
    name = domain["DefaultExecutionRoleArn"].split("/")[-1]
    made = iam.get_role(RoleName=name)["Role"]
    assert made["Path"] == PRODUCT_PATH
    assert made["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary_arn(catalog)


def test_attack_a_product_role_attaching_administrator_access_to_itself_is_refused_by_its_boundary(
    catalog: Catalog, domain: dict[str, str],
) -> None:
    """Even with an identity policy that lets it (a mistake elsewhere: an admin's extra
    policy), the domain's default execution role cannot attach AdministratorAccess to itself
    or give itself an inline policy: the core stack's boundary has no IAM (an action is allowed
    only if the identity policies AND the boundary allow it -- IAM User Guide, "Permissions
    boundaries for IAM entities", "Evaluating effective permissions with boundaries")."""
    role_arn = domain["DefaultExecutionRoleArn"]
    name = role_arn.split("/")[-1]
    iam = client(catalog.endpoint, "iam")
    iam.put_role_policy(RoleName=name, PolicyName="mistake", PolicyDocument=policy_document(
        allow(["iam:AttachRolePolicy", "iam:PutRolePolicy"], role_arn)))
    as_role = signed_client(catalog.endpoint, "iam", studio_session(catalog, role_arn))

    with pytest.raises(ClientError) as attached:
        as_role.attach_role_policy(RoleName=name, PolicyArn=ADMINISTRATOR_ACCESS)
    with pytest.raises(ClientError) as put:
        as_role.put_role_policy(RoleName=name, PolicyName="more", PolicyDocument=policy_document(
            allow("*")))

    for exc in (attached, put):
        code, message = error(exc)
        assert code == "AccessDenied", message
        assert "permissions boundary" in message, message
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []
    iam.delete_role_policy(RoleName=name, PolicyName="mistake")


# --------------------------------------------------------------------------
# The domain's default execution role: apps in shared spaces only
# --------------------------------------------------------------------------


def wait_in_service(sm: Any, **space: str) -> None:
    wait_for(lambda: sm.describe_space(**space)["Status"], "InService", timeout=30)


def test_attack_a_default_role_session_deleting_another_users_app_is_refused(
    catalog: Catalog, domain: dict[str, str],
) -> None:
    """bob's private space and its app (arranged as the admin); Studio, as the domain's
    default role, may run an app in the shared space but not delete bob's, nor create one in
    his space."""
    domain_id = domain["DomainId"]
    sm = client(catalog.endpoint, "sagemaker")
    for user in ("alice", "bob"):
        sm.create_user_profile(DomainId=domain_id, UserProfileName=user)
        wait_for(lambda user=user: sm.describe_user_profile(
            DomainId=domain_id, UserProfileName=user)["Status"], "InService", timeout=30)
    sm.create_space(
        DomainId=domain_id, SpaceName="bob-private",
        OwnershipSettings={"OwnerUserProfileName": "bob"},
        SpaceSharingSettings={"SharingType": "Private"},
        SpaceSettings={"AppType": "JupyterLab"},
    )
    sm.create_space(
        DomainId=domain_id, SpaceName="team",
        OwnershipSettings={"OwnerUserProfileName": "alice"},
        SpaceSharingSettings={"SharingType": "Shared"},
        SpaceSettings={"AppType": "JupyterLab"},
    )
    wait_in_service(sm, DomainId=domain_id, SpaceName="bob-private")
    wait_in_service(sm, DomainId=domain_id, SpaceName="team")
    sm.create_app(DomainId=domain_id, SpaceName="bob-private", AppType="JupyterLab",
                  AppName="default")
    as_default = signed_client(catalog.endpoint, "sagemaker",
                               studio_session(catalog, domain["DefaultExecutionRoleArn"]))

    with pytest.raises(ClientError) as deleted:
        as_default.delete_app(DomainId=domain_id, SpaceName="bob-private", AppType="JupyterLab",
                              AppName="default")
    with pytest.raises(ClientError) as created:
        as_default.create_app(DomainId=domain_id, SpaceName="bob-private",
                              AppType="CodeEditor", AppName="default")
    # What Studio does in the shared space as the default role: read it, run an app, stop it.
    assert as_default.describe_space(DomainId=domain_id, SpaceName="team")["SpaceName"] == "team"
    as_default.describe_user_profile(DomainId=domain_id, UserProfileName="alice")
    as_default.create_app(DomainId=domain_id, SpaceName="team", AppType="JupyterLab",
                          AppName="default")
    as_default.describe_app(DomainId=domain_id, SpaceName="team", AppType="JupyterLab",
                            AppName="default")
    wait_for(lambda: sm.describe_app(DomainId=domain_id, SpaceName="team", AppType="JupyterLab",
                                     AppName="default")["Status"], "InService", timeout=30)
    as_default.delete_app(DomainId=domain_id, SpaceName="team", AppType="JupyterLab",
                          AppName="default")

    for exc in (deleted, created):
        code, message = error(exc)
        assert code == "AccessDeniedException", message
    bobs = sm.describe_app(DomainId=domain_id, SpaceName="bob-private", AppType="JupyterLab",
                           AppName="default")
    assert bobs["Status"] not in ("Deleting", "Deleted"), bobs["Status"]


# --------------------------------------------------------------------------
# QueryResultsPrefix
# --------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["*", "athena-results/*", "a?c"])
def test_attack_a_query_results_prefix_with_a_wildcard_is_refused_at_launch(
    catalog: Catalog, prefix: str,
) -> None:
    """The prefix becomes part of the user's execution role's S3 ARNs, where ``*`` and ``?``
    are wildcards (IAM User Guide, "IAM JSON policy elements: Resource": wildcards in ARNs):
    ``*`` would give the user everyone's query results. The launch fails on the parameter's
    pattern, before any resource."""
    record = catalog.launch("StudioUserProfile", [
        {"Key": k, "Value": v} for k, v in {
            "DomainId": "d-abcdefghijkl", "UserProfileName": "mallory",
            "StudioUserId": "mallory", "QueryResultsBucket": "results",
            "QueryResultsPrefix": prefix,
            "StudioUserProfileServiceToken": catalog.parameter("service-tokens/studio-user-profile"),
            "LakeFormationGrantServiceToken": catalog.parameter("service-tokens/lakeformation-grant"),
            "ProductRolePrefix": catalog.parameter("config/product-role-prefix"),
            "ProductRoleBoundary": catalog.parameter("config/product-role-boundary"),
        }.items()
    ])

    assert record["Status"] == "FAILED", record
    [problem] = record["RecordErrors"]
    assert "QueryResultsPrefix" in problem["Description"], problem


# --------------------------------------------------------------------------
# The wiring: one boundary, one path, everywhere
# --------------------------------------------------------------------------


def test_the_launch_role_names_the_boundary_core_yaml_creates() -> None:
    """The portfolio derives the boundary's ARN from CoreNamePrefix; core.yaml names it from
    NamePrefix: the two must agree, or no launch could create a role."""
    boundary = load_template(CORE)["Resources"]["ProductRoleBoundary"]["Properties"]
    assert boundary["Path"] == "/studio-catalog/"
    assert boundary["ManagedPolicyName"] == {"Fn::Sub": "${NamePrefix}-product-role-boundary"}
    launch = load_template(CORE)["Resources"]["LaunchRole"]["Properties"]
    [statement] = [s for p in launch["Policies"] for s in p["PolicyDocument"]["Statement"]
                   if s.get("Sid") == "ProductRolesOnlyWithTheBoundary"]
    assert statement["Condition"]["StringEquals"]["iam:PermissionsBoundary"] == {"Fn::Sub": (
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/studio-catalog/"
        "${NamePrefix}-product-role-boundary")}


def test_every_role_the_products_create_has_the_path_and_the_boundary() -> None:
    for template in ("studio-domain.yaml", "studio-user-profile.yaml", "data-access-grant.yaml"):
        resources = load_template(os.path.join(REPOSITORY, "templates", template))["Resources"]
        for name, resource in resources.items():
            if resource["Type"] != "AWS::IAM::Role":
                continue
            properties = resource["Properties"]
            assert properties.get("Path") == PRODUCT_PATH, (template, name)
            assert properties.get("PermissionsBoundary") == {"Ref": "ProductRoleBoundary"}, (
                template, name)


def test_every_arn_naming_product_roles_includes_the_suites_path() -> None:
    """``role/${ProductRolePrefix}`` without the path would no longer match any product role
    (IAM role ARNs carry the path)."""
    for path in ("templates/core.yaml", "templates/studio-domain.yaml",
                 "templates/studio-user-profile.yaml", "templates/data-access-grant.yaml",
                 "portfolio/portfolio.yaml"):
        with open(os.path.join(REPOSITORY, path), encoding="utf-8") as f:
            text = f.read()
        assert ":role/${ProductRolePrefix}" not in text, path



# --------------------------------------------------------------------------
# Overlapping prefixes: the core stack's own functions stay out of the launch role's reach
# --------------------------------------------------------------------------


def _launch_role_decides(core_prefix: str, role_prefix: str, action: str, resource: str) -> str:
    from studio_emulator.iam.engine import ENGINE

    statements = launch_role_statements(core_prefix, role_prefix, "artifacts")
    answer = ENGINE.decide({
        "request": {
            "principal": f"arn:aws:sts::{ACCOUNT}:assumed-role/{core_prefix}-launch/AWSCloudFormation",
            "action": action,
            "resource": {"resource": resource, "accountId": ACCOUNT},
            "contextVariables": {},
        },
        "identityPolicies": [{"name": "launch", "policy": {
            "Version": "2012-10-17", "Statement": statements}}],
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
    })
    return str(answer["result"])


@pytest.mark.parametrize("action", ["lambda:UpdateFunctionCode", "lambda:DeleteFunction",
                                    "lambda:AddPermission"])
def test_attack_a_product_role_prefix_that_starts_the_core_prefix_reaches_no_core_function(
    action: str,
) -> None:
    """ProductRolePrefix ``studio-`` and NamePrefix ``studio-catalog`` (tools/deploy refuses
    them; a portfolio deployed by hand might not): ``function:studio-*`` would cover the core's
    ``studio-catalog-lakeformation-grant``; the explicit deny keeps it out, the products' own
    sign-in functions stay reachable, and the core's functions stay invocable."""
    core = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:studio-catalog-lakeformation-grant"
    product = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:studio-url-risk"

    assert _launch_role_decides("studio-catalog", "studio-", action, core) == "ExplicitlyDenied"
    assert _launch_role_decides("studio-catalog", "studio-", action, product) == "Allowed"
    assert _launch_role_decides("studio-catalog", "studio-", "lambda:InvokeFunction",
                                core) == "Allowed"


# --------------------------------------------------------------------------
# The data access grant product, launched through Service Catalog, with the real function
# --------------------------------------------------------------------------


@pytest.fixture
def grant_function(catalog: Catalog) -> Iterator[dict[str, str]]:
    """The core stack's share of a grant: the ``lakeformation-grant`` binary as
    ``<prefix>-lakeformation-grant`` under core.yaml's role policy and its environment as
    core.yaml sets it (defaults: SELECT, DESCRIBE; no grant option; the catalog's role prefix),
    a Lake Formation administrator (the deploy's step after the core stack), its ServiceToken
    published, and the table ``risk.transactions``. Returns the role ARNs the launches name."""
    name = f"{catalog.prefix}-lakeformation-grant"
    statements = role_statements(CORE, "LakeFormationGrantFunctionRole", {
        "NamePrefix": catalog.prefix,
        "LakeFormationGrantLogGroup.Arn":
            f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{name}",
    })
    lam = client(catalog.endpoint, "lambda")
    try:  # the module's portfolio keeps it from one test to the next
        existing = lam.get_function_configuration(FunctionName=name)
        created = {"Role": existing["Role"], "FunctionArn": existing["FunctionArn"]}
    except ClientError:
        created = _create_grant_function(catalog, lam, name, statements)
    catalog.publish("service-tokens/lakeformation-grant", created["FunctionArn"])
    glue = client(catalog.endpoint, "glue")
    glue.create_database(DatabaseInput={"Name": "risk"})
    glue.create_table(DatabaseName="risk", TableInput={
        "Name": "transactions",
        "StorageDescriptor": {"Columns": [{"Name": "amount", "Type": "double"}]}})
    iam = client(catalog.endpoint, "iam")
    roles = {}
    for key, role_name in (("product", f"{catalog.role_prefix}user-{unique('a', '')}"),
                           ("foreign", unique("CloudAdminOwn"))):
        roles[key] = str(iam.create_role(
            RoleName=role_name, Path=PRODUCT_PATH, AssumeRolePolicyDocument=policy_document({
                "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole"}),
            PermissionsBoundary=boundary_arn(catalog),
        )["Role"]["Arn"])
    yield roles
    glue.delete_table(DatabaseName="risk", Name="transactions")
    glue.delete_database(Name="risk")


def _create_grant_function(catalog: Catalog, lam: Any, name: str,
                           statements: list[dict[str, Any]]) -> dict[str, Any]:
    created = create_function(
        lam, function_name=name,
        zip_bytes=function_zip("", bootstrap=rust_binary("lakeformation-grant")),
        statements=tuple(statements),
        Architectures=["x86_64" if os.uname().machine == "x86_64" else "arm64"],
        Timeout=60, MemorySize=256, LoggingConfig={"LogFormat": "JSON"},
        Environment={"Variables": {
            # core.yaml's environment for its defaults (GrantAllowedPermissions SELECT,DESCRIBE,
            # no grant option), the catalog's prefixes, and the emulator's ResponseURLs.
            "GRANT_ALLOWED_PERMISSIONS": "SELECT,DESCRIBE",
            "GRANT_ALLOWED_PERMISSIONS_WITH_GRANT_OPTION": "",
            "PRODUCT_ROLE_PREFIX": catalog.role_prefix,
            "PRODUCT_ROLE_PATH": PRODUCT_PATH,
            "CFN_RESPONSE_URL_ALLOW": f"{catalog.endpoint}/",
            "CFN_ALLOWED_STACK_NAMES": "SC-*",
        }},
    )
    client(catalog.endpoint, "lambda").add_permission(
        FunctionName=name, StatementId="cloudformation", Action="lambda:InvokeFunction",
        Principal="cloudformation.amazonaws.com", SourceAccount=ACCOUNT,
    )
    client(catalog.endpoint, "lakeformation").put_data_lake_settings(
        DataLakeSettings={"DataLakeAdmins": [
            {"DataLakePrincipalIdentifier": created["Role"]}]})
    return dict(created)


def launch_grant(catalog: Catalog, principal: str, **values: str) -> dict[str, Any]:
    return catalog.launch("DataAccessGrant", [{"Key": k, "Value": v} for k, v in {
        "PrincipalArn": principal, "DatabaseName": "risk", "TableName": "transactions",
        "LakeFormationGrantServiceToken": catalog.parameter("service-tokens/lakeformation-grant"),
        **values,
    }.items()])


def held(catalog: Catalog, principal: str) -> list[dict[str, Any]]:
    return list(client(catalog.endpoint, "lakeformation").list_permissions(
        Principal={"DataLakePrincipalIdentifier": principal},
        Resource={"Table": {"DatabaseName": "risk", "Name": "transactions"}},
    )["PrincipalResourcePermissions"])


@pytest.mark.rust_binaries
@pytest.mark.parametrize(("who", "values", "refused_property"), [
    ("product", {"Permissions": "ALL"}, "Permissions"),
    ("product", {"Permissions": "SELECT", "PermissionsWithGrantOption": "SELECT"},
     "PermissionsWithGrantOption"),
    ("foreign", {"Permissions": "SELECT"}, "Principal"),
], ids=["all", "grant-option", "principal-outside-the-prefix"])
def test_attack_a_grant_product_asking_more_than_the_core_allows_fails_and_grants_nothing(
    catalog: Catalog, grant_function: dict[str, str], who: str, values: dict[str, str],
    refused_property: str,
) -> None:
    """The cloud admin launches the data access grant product asking ALL, a grant option, or
    for a role of the account that is not a product's (under the products' path, so the launch
    form's pattern lets it through): the record FAILED with the function's reason naming the
    property, and the principal holds nothing."""
    principal = grant_function[who]
    record = launch_grant(catalog, principal, **values)

    assert record["Status"] == "FAILED", record
    reasons = " ".join(e["Description"] for e in record.get("RecordErrors") or [])
    assert f"Invalid property {refused_property}:" in reasons, record
    assert held(catalog, principal) == []


@pytest.mark.rust_binaries
def test_a_grant_product_within_the_core_defaults_grants_select_and_describe(
    catalog: Catalog, grant_function: dict[str, str],
) -> None:
    principal = grant_function["product"]
    record = launch_grant(catalog, principal, Permissions="SELECT,DESCRIBE")

    assert succeeded(record), record
    [entry] = held(catalog, principal)
    assert sorted(entry["Permissions"]) == ["DESCRIBE", "SELECT"]
    catalog.terminate(record["ProvisionedProductId"])
    assert held(catalog, principal) == []
