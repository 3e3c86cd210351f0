"""The domain product's paths the end-to-end story does not take, launched through Service Catalog
under the portfolio's own launch role, with IAM enforced (issue #13, "Least privilege proven, not
reviewed").

The module deploys ``portfolio/portfolio.yaml`` itself once (its products staged from
``templates/*.yaml``; its tag options exist once per account) and core.yaml's launch role as
written (``LaunchRole``, ``LaunchRoleRegionalCode``: ``emulator_client.deploy_launch_role``),
publishes the core stack's SSM parameters by hand under a prefix of its own, and each test has the cloud admin (a role session allowed only the Service Catalog end-user actions) launch, update and
terminate the product. Service Catalog runs the product's stack with the launch role (Service
Catalog Administrator Guide, "AWS Service Catalog launch constraints"); CloudFormation makes each
resource's handler calls as that role, for the permissions the type's resource provider schema
lists (``studio_emulator/iam/resource_handlers.py``). The core stack's ``Custom::StudioDomain``
function is the fixture ``functions/cfn-answer`` (it answers SUCCESS with a domain's attributes;
the real function's own permissions are core.yaml's, not the launch role's).

Each test asserts the operation's outcome and that the decision log (``GET
/_studio_emulator/iam/decisions``) holds the launch role's grants the path needs, allowed by the
statement meant -- so a test fails if its path stops being taken. The negative tests remove one
statement from the deployed launch role's policy and find the path refused, naming the action.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import iam_enforced  # noqa: F401 (the fixture)
from emulator_client import (
    ACCOUNT,
    END_USER_STATEMENTS,
    REGION,
    REPOSITORY,
    client,
    create_function,
    deploy_launch_role,
    error,
    function_zip,
    launch_role_statements,
    load_template,
    policy_document,
    resolve,
    role_session,
    signed_client,
    unique,
    wait_for,
    wait_for_stack,
)

ROOT = Path(REPOSITORY)
PORTFOLIO = ROOT / "portfolio" / "portfolio.yaml"
PRODUCTS = {
    "StudioDomain": ROOT / "templates" / "studio-domain.yaml",
    "StudioUserProfile": ROOT / "templates" / "studio-user-profile.yaml",
    "DataAccessGrant": ROOT / "templates" / "data-access-grant.yaml",
    "StudioSpace": ROOT / "templates" / "studio-space.yaml",
}
#: The launch role's inline policy (core.yaml's LaunchRole since issue #16).
LAUNCH_POLICY = "provision-studio-catalog-products"

#: What the studio-domain function answers (its Data: functions/studio-domain, the attributes
#: studio-domain.yaml reads with !GetAtt Domain.*), and when it creates a new domain
#: (functions/studio-domain/src/properties.rs ``replacement_reason``).
DOMAIN_ANSWER = {
    "Custom::StudioDomain": {
        "DomainId": "d-{id}",
        "DomainArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:domain/d-{{id}}",
        "Url": f"https://d-{{id}}.studio.{REGION}.sagemaker.aws",
        "HomeEfsFileSystemId": "fs-{id}",
    }
}
DOMAIN_REPLACED_ON = {"Custom::StudioDomain": ["DomainName", "VpcId", "AuthMode", "KmsKeyId"]}

pytestmark = pytest.mark.transition_seconds(0.05)


@dataclass
class Catalog:
    """A deployed portfolio (its own core prefix, role prefix and artefact bucket), the core
    stack's SSM parameters published under ``/<prefix>/``, and the cloud admin's clients."""

    endpoint: str
    control: Callable[..., Any]
    prefix: str
    role_prefix: str
    bucket: str
    outputs: dict[str, str]
    admin: Any
    subnet: str
    vpc: str
    zips: list[str] = field(default_factory=list)

    @property
    def launch_role(self) -> str:
        return f"{self.prefix}-launch"

    # ---- the core stack's SSM parameters -----------------------------------------------

    def parameter(self, name: str) -> str:
        return f"/{self.prefix}/{name}"

    def publish(self, name: str, value: str) -> None:
        client(self.endpoint, "ssm").put_parameter(
            Name=self.parameter(name), Value=value, Type="String", Overwrite=True
        )

    def stage_code(self, fixture: str) -> str:
        """A function zip in the artefact bucket, published as the sign-in function's code."""
        key = f"{self.prefix}/code/studio-presigned-url-{len(self.zips) + 1}.zip"
        client(self.endpoint, "s3").put_object(Bucket=self.bucket, Key=key,
                                               Body=function_zip(fixture))
        self.zips.append(key)
        self.publish("code/studio-presigned-url", key)
        return key

    # ---- the cloud admin's launches -----------------------------------------------------

    def domain_parameters(self, **values: str) -> list[dict[str, str]]:
        """The launch form: the network, and the SSM-typed parameters naming this core
        prefix's parameters (the template's defaults name ``/studio-catalog/...``)."""
        given = {
            "VpcId": self.vpc,
            "SubnetIds": self.subnet,
            "AppNetworkAccessType": "PublicInternetOnly",
            "StudioDomainServiceToken": self.parameter("service-tokens/studio-domain"),
            "ProductRolePrefix": self.parameter("config/product-role-prefix"),
            "ProductRoleBoundary": self.parameter("config/product-role-boundary"),
            "CodeBucket": self.parameter("code/bucket"),
            "PresignedUrlCodeKey": self.parameter("code/studio-presigned-url"),
            "FunctionArchitecture": self.parameter("code/function-architecture"),
            **values,
        }
        return [{"Key": k, "Value": v} for k, v in given.items()]

    def artifact(self, product: str) -> str:
        sc = client(self.endpoint, "servicecatalog")
        [artifact] = sc.list_provisioning_artifacts(ProductId=self.outputs[f"{product}ProductId"])[
            "ProvisioningArtifactDetails"
        ]
        return str(artifact["Id"])

    def wait(self, record: dict[str, Any]) -> dict[str, Any]:
        def done() -> bool:
            status = self.admin.describe_record(Id=record["RecordId"])["RecordDetail"]["Status"]
            return status in ("SUCCEEDED", "FAILED")

        wait_for(done, True, timeout=60)
        return dict(self.admin.describe_record(Id=record["RecordId"])["RecordDetail"])

    def launch(self, product: str, parameters: list[dict[str, str]]) -> dict[str, Any]:
        record = self.admin.provision_product(
            ProductId=self.outputs[f"{product}ProductId"],
            ProvisioningArtifactId=self.artifact(product),
            ProvisionedProductName=unique("pp"),
            ProvisionToken=unique("tok"),
            ProvisioningParameters=parameters,
        )["RecordDetail"]
        return self.wait(record)

    def update(self, provisioned: str, parameters: list[dict[str, Any]]) -> dict[str, Any]:
        record = self.admin.update_provisioned_product(
            ProvisionedProductId=provisioned,
            ProvisioningParameters=parameters,
            UpdateToken=unique("tok"),
        )["RecordDetail"]
        return self.wait(record)

    def terminate(self, provisioned: str) -> dict[str, Any]:
        record = self.admin.terminate_provisioned_product(
            ProvisionedProductId=provisioned, TerminateToken=unique("tok")
        )["RecordDetail"]
        return self.wait(record)

    def stack(self, provisioned: str) -> dict[str, Any]:
        [pp] = [
            p for p in client(self.endpoint, "servicecatalog").search_provisioned_products(
                AccessLevelFilter={"Key": "Account", "Value": "self"})["ProvisionedProducts"]
            if p["Id"] == provisioned
        ]
        return dict(client(self.endpoint, "cloudformation").describe_stacks(
            StackName=pp["PhysicalId"])["Stacks"][0])

    # ---- the decision log ----------------------------------------------------------------

    def forget_decisions(self) -> None:
        self.control("DELETE", "iam/decisions")

    def launch_role_grants(self) -> set[tuple[str, str]]:
        """(action, Sid of the statement that allowed it) of every allowed decision for a
        session of the launch role since the log was last emptied."""
        role = f"arn:aws:sts::{ACCOUNT}:assumed-role/{self.launch_role}/"
        return {
            (d["action"], (d.get("statement") or {}).get("sid"))
            for d in self.control("GET", "iam/decisions?result=Allowed")["decisions"]
            if str(d.get("principal", "")).startswith(role)
        }

    def launch_role_refusals(self) -> list[dict[str, Any]]:
        role = f"arn:aws:sts::{ACCOUNT}:assumed-role/{self.launch_role}/"
        return [
            d for d in self.control("GET", "iam/decisions")["decisions"]
            if str(d.get("principal", "")).startswith(role) and d.get("result") != "Allowed"
        ]

    def launch_role_statements(self) -> list[dict[str, Any]]:
        """The launch role's inline policy as core.yaml writes it, for this catalog's
        prefixes (read from the template: moto's GetRolePolicy answers a role made by a
        stack with a Python rendering of its document, not JSON)."""
        return launch_role_statements(self.prefix, self.role_prefix, self.bucket, regional=False)

    def without_statement(self, sid: str) -> None:
        """The deployed launch role's policy with the statement ``sid`` removed (set-up as the
        account's admin)."""
        statements = self.launch_role_statements()
        kept = [s for s in statements if s.get("Sid") != sid]
        assert len(kept) == len(statements) - 1, f"no statement {sid}"
        client(self.endpoint, "iam").put_role_policy(
            RoleName=self.launch_role, PolicyName=LAUNCH_POLICY,
            PolicyDocument=policy_document(*kept))


CORE = ROOT / "templates" / "core.yaml"


def product_role_boundary(endpoint: str, prefix: str) -> str:
    """The core stack's share of the products' roles: its ``ProductRoleBoundary`` managed policy,
    as core.yaml writes it for ``NamePrefix`` ``prefix`` (created as the account's admin, as the
    core stack would); returns its ARN."""
    boundary = load_template(CORE)["Resources"]["ProductRoleBoundary"]["Properties"]
    values = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT,
              "NamePrefix": prefix}
    document = resolve(boundary["PolicyDocument"], values)
    return str(client(endpoint, "iam").create_policy(
        PolicyName=resolve(boundary["ManagedPolicyName"], values), Path=boundary["Path"],
        PolicyDocument=json.dumps(document),
    )["Policy"]["Arn"])


def _stage_templates(endpoint: str, bucket: str, prefix: str) -> dict[str, str]:
    s3 = client(endpoint, "s3")
    urls = {}
    for product, path in PRODUCTS.items():
        key = f"{prefix}/templates/{path.name}"
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
        urls[f"{product}TemplateUrl"] = f"{endpoint}/{bucket}/{key}"
    return urls


@pytest.fixture(scope="module")
def portfolio(endpoint: str, control: Callable[..., Any]) -> Catalog:
    """One portfolio for the module: its tag options are unique in the account (CreateTagOption
    refuses a key and value that exist), so a second stack of it would fail."""
    prefix = unique("pp")
    role_prefix = f"{unique('sc', '')}-"
    bucket = unique("artifacts")
    client(endpoint, "s3").create_bucket(Bucket=bucket)
    ec2 = client(endpoint, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]

    # The core stack's share: the launch role (core.yaml's, issue #16), the custom-resource
    # function and its SSM parameters.
    deploy_launch_role(endpoint, prefix, role_prefix, bucket)
    domain_function = create_function(
        client(endpoint, "lambda"), "cfn-answer", function_name=f"{prefix}-studio-domain",
        Timeout=30,
        Environment={"Variables": {"ANSWER_DATA": json.dumps(DOMAIN_ANSWER),
                                   "ANSWER_REPLACE_ON": json.dumps(DOMAIN_REPLACED_ON)}},
    )["FunctionArn"]

    admin_role = unique("CloudAdmin")
    admin_key = role_session(endpoint, admin_role, *END_USER_STATEMENTS)
    cloudformation = client(endpoint, "cloudformation")
    parameters = {
        "CloudAdminRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{admin_role}",
        "ArtifactBucket": bucket,
        "CoreNamePrefix": prefix,
        "ProductRolePrefix": role_prefix,
        **_stage_templates(endpoint, bucket, prefix),
    }
    stack = unique("portfolio")
    cloudformation.create_stack(
        StackName=stack, TemplateBody=PORTFOLIO.read_text(encoding="utf-8"),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    described = wait_for_stack(cloudformation, stack, timeout=60)
    assert described["StackStatus"] == "CREATE_COMPLETE", described
    made = Catalog(
        endpoint=endpoint, control=control, prefix=prefix, role_prefix=role_prefix,
        bucket=bucket, outputs={o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]},
        admin=signed_client(endpoint, "servicecatalog", admin_key), subnet=subnet, vpc=vpc,
    )
    made.publish("service-tokens/studio-domain", domain_function)
    made.publish("config/product-role-prefix", role_prefix)
    made.publish("config/product-role-boundary", product_role_boundary(endpoint, prefix))
    made.publish("code/bucket", bucket)
    made.publish("code/function-architecture", "x86_64")
    made.stage_code("http-echo")
    return made


@pytest.fixture
def catalog(portfolio: Catalog, iam_enforced: None) -> Iterator[Catalog]:  # noqa: F811
    """The module's portfolio, the decision log empty; the launch role's policy and the domain
    function's answers as deployed again after the test."""
    lam = client(portfolio.endpoint, "lambda")
    function = f"{portfolio.prefix}-studio-domain"
    environment = lam.get_function_configuration(FunctionName=function)["Environment"]
    portfolio.stage_code("http-echo")
    yield portfolio
    client(portfolio.endpoint, "iam").put_role_policy(
        RoleName=portfolio.launch_role, PolicyName=LAUNCH_POLICY,
        PolicyDocument=policy_document(*portfolio.launch_role_statements()),
    )
    lam.update_function_configuration(FunctionName=function, Environment=environment)


def succeeded(record: dict[str, Any]) -> bool:
    return record["Status"] == "SUCCEEDED"


def missing(wanted: set[tuple[str, str]], granted: set[tuple[str, str]]) -> set[tuple[str, str]]:
    return wanted - granted


# --------------------------------------------------------------------------
# CreateKmsKey=true: the key's create, then an update of the sign-in function, then terminate
# --------------------------------------------------------------------------

KEY_CREATE = {
    # AWS::KMS::Key create handler: CreateKey with Tags and KeyPolicy, TagResource, PutKeyPolicy
    # (allowed by the request's tag), EnableKeyRotation (EnableKeyRotation: true).
    ("kms:CreateKey", "CreateOnlyKeysTaggedAsManaged"),
    ("kms:TagResource", "CreateOnlyKeysTaggedAsManaged"),
    ("kms:PutKeyPolicy", "CreateOnlyKeysTaggedAsManaged"),
}


def test_a_domain_with_its_own_kms_key_launches_updates_and_terminates_under_the_launch_role(
    catalog: Catalog,
) -> None:
    """``CreateKmsKey=true``: the AWS::KMS::Key create handler as the launch role (CreateKey,
    with the tagging and key policy it carries, allowed by the request tag; EnableKeyRotation on
    the new key, allowed by its resource tag). Then the core stack publishes new code and the
    admin changes the session length: the sign-in function's update handler (code,
    configuration, tags, the role passed again, the zip read from the artefact bucket). Then
    terminate: the key is kept (``DeletionPolicy: RetainExceptOnCreate``), no KMS call at all.
    The key's update handler is not reachable with this template: only ``DomainName`` changes
    the key's properties, and a new domain name would also replace the custom-named managed
    policy (its ``Description``), which CloudFormation refuses."""
    record = catalog.launch("StudioDomain", catalog.domain_parameters(
        DomainName=unique("dom"), CreateKmsKey="true"))
    assert succeeded(record), (record, catalog.launch_role_refusals())
    pp = record["ProvisionedProductId"]
    granted = catalog.launch_role_grants()
    assert missing(KEY_CREATE | {("kms:EnableKeyRotation", "ManageOnlyKeysTaggedAsManaged")},
                   granted) == set(), sorted(granted)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in catalog.stack(pp)["Outputs"]}
    key = client(catalog.endpoint, "kms").describe_key(KeyId=outputs["KmsKeyArn"])["KeyMetadata"]
    assert key["KeyState"] == "Enabled"
    assert client(catalog.endpoint, "kms").get_key_rotation_status(
        KeyId=key["KeyId"])["KeyRotationEnabled"] is True

    # New code published by the core stack, and a new session length: the sign-in function's
    # code and environment change (AWS::Lambda::Function update handler).
    catalog.forget_decisions()
    catalog.stage_code("cfn-answer")
    record = catalog.update(pp, _previous(catalog, SessionExpirationSeconds="3600"))
    assert succeeded(record), (record, catalog.launch_role_refusals())
    granted = catalog.launch_role_grants()
    assert missing({
        ("lambda:UpdateFunctionCode", "SignInFunctions"),
        ("lambda:UpdateFunctionConfiguration", "SignInFunctions"),
        ("lambda:GetFunction", "SignInFunctions"),
        ("lambda:TagResource", "SignInFunctions"),
        ("lambda:UntagResource", "SignInFunctions"),
        ("iam:PassRole", "PassOnlyTheSignInFunctionRoleToLambda"),
        ("s3:GetObject", "TemplatesAndFunctionCode"),
    }, granted) == set(), sorted(granted)
    function = client(catalog.endpoint, "lambda").get_function_configuration(
        FunctionName=_function_name(catalog, pp))
    assert function["Environment"]["Variables"]["SESSION_EXPIRATION_DURATION_IN_SECONDS"] == "3600"

    # Terminate: the key stays (DeletionPolicy RetainExceptOnCreate), everything else goes.
    catalog.forget_decisions()
    record = catalog.terminate(pp)
    assert succeeded(record), (record, catalog.launch_role_refusals())
    assert client(catalog.endpoint, "kms").describe_key(
        KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"
    granted = catalog.launch_role_grants()
    assert missing({
        ("lambda:DeleteFunction", "SignInFunctions"),
        ("lambda:DeleteFunctionUrlConfig", "SignInFunctions"),
        ("logs:DeleteLogGroup", "SignInFunctionLogs"),
        ("iam:DeletePolicy", "DataScientistPolicies"),
        ("iam:DeleteRole", "ProductRolesOnlyWithTheBoundary"),
    }, granted) == set(), sorted(granted)
    assert not any(action.startswith("kms:") for action, _ in granted), sorted(granted)


def _function_name(catalog: Catalog, pp: str) -> str:
    resources = client(catalog.endpoint, "cloudformation").describe_stack_resources(
        StackName=catalog.stack(pp)["StackId"])["StackResources"]
    [name] = [r["PhysicalResourceId"] for r in resources
              if r["LogicalResourceId"] == "PresignedUrlFunction"]
    return str(name)


def _outputs(catalog: Catalog, pp: str) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in catalog.stack(pp).get("Outputs", [])}


def _previous(catalog: Catalog, **values: str) -> list[dict[str, Any]]:
    """UpdateProvisionedProduct's parameters: ``values`` given, every other one of the launch
    form kept (``UsePreviousValue``)."""
    keys = [p["Key"] for p in catalog.domain_parameters()] + ["DomainName", "CreateKmsKey"]
    return [
        {"Key": key, "Value": values[key]} if key in values
        else {"Key": key, "UsePreviousValue": True}
        for key in keys
    ] + [{"Key": k, "Value": v} for k, v in values.items() if k not in keys]


# --------------------------------------------------------------------------
# AllowedAccountIds: the sign-in function's resource-based policy
# --------------------------------------------------------------------------

OTHER_ACCOUNTS = ("111111111111", "222222222222")


def _policy_principals(catalog: Catalog, function: str) -> list[tuple[str, str]]:
    """(account named by the statement's principal, action) of each statement of the
    function's resource-based policy."""
    policy = json.loads(client(catalog.endpoint, "lambda").get_policy(FunctionName=function)["Policy"])
    return sorted(
        (next(a for a in OTHER_ACCOUNTS if a in json.dumps(s["Principal"])), s["Action"])
        for s in policy["Statement"]
    )


def test_a_domain_signed_into_from_other_accounts_grants_and_revokes_them_under_the_launch_role(
    catalog: Catalog,
) -> None:
    """``AllowedAccountIds``: each account gets two statements in the sign-in function's
    resource-based policy (AWS::Lambda::Permission: ``lambda:AddPermission``); an update that
    drops one account removes its two (``lambda:RemovePermission``) and changes the function's
    environment (``ALLOWED_ACCOUNT_IDS``: ``lambda:UpdateFunctionConfiguration``)."""
    record = catalog.launch("StudioDomain", catalog.domain_parameters(
        DomainName=unique("dom"), AllowedAccountIds=",".join(OTHER_ACCOUNTS)))
    assert succeeded(record), (record, catalog.launch_role_refusals())
    pp = record["ProvisionedProductId"]
    assert missing({("lambda:AddPermission", "SignInFunctions")},
                   catalog.launch_role_grants()) == set()
    function = _function_name(catalog, pp)
    assert _policy_principals(catalog, function) == sorted(
        (a, action) for a in OTHER_ACCOUNTS
        for action in ("lambda:InvokeFunction", "lambda:InvokeFunctionUrl"))

    catalog.forget_decisions()
    record = catalog.update(pp, _previous(catalog, AllowedAccountIds=OTHER_ACCOUNTS[0]))
    assert succeeded(record), (record, catalog.launch_role_refusals())
    granted = catalog.launch_role_grants()
    assert missing({
        ("lambda:RemovePermission", "SignInFunctions"),
        ("lambda:UpdateFunctionConfiguration", "SignInFunctions"),
        ("lambda:UpdateFunctionCode", "SignInFunctions"),
        ("iam:PassRole", "PassOnlyTheSignInFunctionRoleToLambda"),
    }, granted) == set(), sorted(granted)
    assert _policy_principals(catalog, function) == [
        (OTHER_ACCOUNTS[0], "lambda:InvokeFunction"), (OTHER_ACCOUNTS[0], "lambda:InvokeFunctionUrl")]
    environment = client(catalog.endpoint, "lambda").get_function_configuration(
        FunctionName=function)["Environment"]["Variables"]
    assert environment["ALLOWED_ACCOUNT_IDS"] == OTHER_ACCOUNTS[0]

    catalog.forget_decisions()
    record = catalog.terminate(pp)
    assert succeeded(record), (record, catalog.launch_role_refusals())
    assert ("lambda:RemovePermission", "SignInFunctions") in catalog.launch_role_grants()


# --------------------------------------------------------------------------
# A new domain: the data scientists' managed policy gets a new version
# --------------------------------------------------------------------------


def test_an_update_that_replaces_the_domain_writes_a_new_version_of_the_data_scientists_policy(
    catalog: Catalog,
) -> None:
    """``CreateKmsKey`` false -> true: the key is created by the update, the studio-domain
    function answers a new domain (a new ``KmsKeyId`` replaces it), and every statement naming
    the domain id changes: the data scientists' managed policy gets a new default version
    (AWS::IAM::ManagedPolicy update: ``iam:CreatePolicyVersion``, the oldest one deleted when
    five exist: ``iam:DeletePolicyVersion``, ``iam:ListPolicyVersions``, ``iam:GetPolicy``), the
    default execution role's inline policy is rewritten (AWS::IAM::Policy update), the sign-in
    function's ``DOMAIN_ID`` changes."""
    record = catalog.launch("StudioDomain", catalog.domain_parameters(DomainName=unique("dom")))
    assert succeeded(record), (record, catalog.launch_role_refusals())
    pp = record["ProvisionedProductId"]
    before = _outputs(catalog, pp)

    catalog.forget_decisions()
    record = catalog.update(pp, _previous(catalog, CreateKmsKey="true"))
    assert succeeded(record), (record, catalog.launch_role_refusals())
    after = _outputs(catalog, pp)
    assert after["DomainId"] != before["DomainId"], (before, after)
    granted = catalog.launch_role_grants()
    assert missing(KEY_CREATE | {
        ("kms:EnableKeyRotation", "ManageOnlyKeysTaggedAsManaged"),
        ("iam:CreatePolicyVersion", "DataScientistPolicies"),
        ("iam:DeletePolicyVersion", "DataScientistPolicies"),
        ("iam:ListPolicyVersions", "DataScientistPolicies"),
        ("iam:GetPolicy", "DataScientistPolicies"),
        ("iam:PutRolePolicy", "ProductRolesOnlyWithTheBoundary"),
        ("lambda:UpdateFunctionConfiguration", "SignInFunctions"),
    }, granted) == set(), sorted(granted)
    iam = client(catalog.endpoint, "iam")
    policy = iam.get_policy(PolicyArn=after["DataScientistPolicyArn"])["Policy"]
    assert policy["DefaultVersionId"] != "v1", policy
    document = iam.get_policy_version(
        PolicyArn=after["DataScientistPolicyArn"], VersionId=policy["DefaultVersionId"]
    )["PolicyVersion"]["Document"]
    text = document if isinstance(document, str) else json.dumps(document)
    assert after["DomainId"] in text and before["DomainId"] not in text

    catalog.forget_decisions()
    record = catalog.terminate(pp)
    assert succeeded(record), (record, catalog.launch_role_refusals())
    assert ("iam:DeletePolicy", "DataScientistPolicies") in catalog.launch_role_grants()


# --------------------------------------------------------------------------
# A launch that fails after its key was made: the rollback deletes the key
# --------------------------------------------------------------------------


def test_a_failed_launch_schedules_the_deletion_of_the_key_it_created(catalog: Catalog) -> None:
    """``DeletionPolicy: RetainExceptOnCreate`` keeps the key when the product is terminated but
    not when the launch that created it rolls back (CloudFormation User Guide, "DeletionPolicy
    attribute"): the AWS::KMS::Key delete handler (``kms:DescribeKey``,
    ``kms:ScheduleKeyDeletion``) runs as the launch role on the key, tagged as managed."""
    lam = client(catalog.endpoint, "lambda")
    function = f"{catalog.prefix}-studio-domain"
    variables = lam.get_function_configuration(FunctionName=function)["Environment"]["Variables"]
    lam.update_function_configuration(
        FunctionName=function, Environment={"Variables": {**variables, "ANSWER_FAIL": "Create"}})

    record = catalog.launch("StudioDomain", catalog.domain_parameters(
        DomainName=unique("dom"), CreateKmsKey="true"))

    assert record["Status"] == "FAILED", record
    assert "ANSWER_FAIL" in json.dumps(record["RecordErrors"]), record
    kms = client(catalog.endpoint, "kms")
    events = client(catalog.endpoint, "cloudformation").describe_stack_events(
        StackName=catalog.stack(record["ProvisionedProductId"])["StackId"])["StackEvents"]
    [key] = {e["PhysicalResourceId"] for e in events
             if e["LogicalResourceId"] == "DomainKey" and e["ResourceStatus"] == "CREATE_COMPLETE"}
    wait_for(lambda: kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"], "PendingDeletion",
             timeout=30)
    granted = catalog.launch_role_grants()
    assert missing(KEY_CREATE | {
        ("kms:DescribeKey", "ManageOnlyKeysTaggedAsManaged"),
        ("kms:ScheduleKeyDeletion", "ManageOnlyKeysTaggedAsManaged"),
    }, granted) == set(), sorted(granted)


# --------------------------------------------------------------------------
# One statement fewer: the path is refused, naming what it needed
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("sid", "action"), [
    ("CreateOnlyKeysTaggedAsManaged", "kms:CreateKey"),
    ("ManageOnlyKeysTaggedAsManaged", "kms:EnableKeyRotation"),
])
def test_a_launch_role_without_a_key_statement_cannot_launch_a_domain_with_its_own_key(
    catalog: Catalog, sid: str, action: str
) -> None:
    catalog.without_statement(sid)

    record = catalog.launch("StudioDomain", catalog.domain_parameters(
        DomainName=unique("dom"), CreateKmsKey="true"))

    assert record["Status"] == "FAILED", record
    [problem] = record["RecordErrors"]
    assert f"is not authorized to perform: {action}" in problem["Description"], problem
    assert f"assumed-role/{catalog.launch_role}/" in problem["Description"], problem


def test_a_launch_role_without_the_managed_policy_statement_cannot_write_its_new_version(
    catalog: Catalog,
) -> None:
    """Without ``DataScientistPolicies`` the update that replaces the domain fails on the
    managed policy's update handler (its first call, ``iam:GetPolicy``), as the launch role."""
    record = catalog.launch("StudioDomain", catalog.domain_parameters(DomainName=unique("dom")))
    assert succeeded(record), (record, catalog.launch_role_refusals())
    catalog.without_statement("DataScientistPolicies")

    record = catalog.update(record["ProvisionedProductId"], _previous(catalog, CreateKmsKey="true"))

    assert record["Status"] == "FAILED", record
    text = json.dumps(record["RecordErrors"])
    assert f"assumed-role/{catalog.launch_role}/" in text, record
    assert {d["action"] for d in catalog.launch_role_refusals()} == {"iam:GetPolicy"}
    assert "is not authorized to perform: iam:GetPolicy" in text, text


# --------------------------------------------------------------------------
# The emulator rules these paths needed (CloudFormation as AWS runs it)
# --------------------------------------------------------------------------


def _stack(endpoint: str, resources: dict[str, Any], **members: Any) -> dict[str, Any]:
    cloudformation = client(endpoint, "cloudformation")
    name = unique("rules")
    cloudformation.create_stack(
        StackName=name, TemplateBody=json.dumps({"Resources": resources, **members.pop("body", {})}),
        Capabilities=["CAPABILITY_NAMED_IAM"], **members)
    return wait_for_stack(cloudformation, name)


def test_an_ssm_typed_parameter_given_a_value_never_reads_its_default(endpoint: str) -> None:
    """CloudFormation uses a ``Default`` only "if no value is specified" (user guide,
    "Parameters"): the default names a parameter that does not exist, the value one that
    does, and the stack is created with the value's."""
    name = f"/{unique('given')}/token"
    client(endpoint, "ssm").put_parameter(Name=name, Value="given", Type="String")
    described = _stack(
        endpoint, {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        body={
            "Parameters": {"Token": {"Type": "AWS::SSM::Parameter::Value<String>",
                                     "Default": f"/{unique('absent')}/token"}},
            "Outputs": {"Token": {"Value": {"Ref": "Token"}}},
        },
        Parameters=[{"ParameterKey": "Token", "ParameterValue": name}],
    )
    assert described["StackStatus"] == "CREATE_COMPLETE", described
    assert described["Outputs"][0]["OutputValue"] == "given"


KEY_POLICY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*", "Resource": "*"}]}


def test_a_stack_key_carries_its_tags_and_key_policy_and_is_scheduled_for_deletion_with_it(
    endpoint: str,
) -> None:
    """AWS::KMS::Key ``Tags`` are Key/Value pairs and ``KeyPolicy`` a JSON object (template
    reference); a key removed from its stack waits ``PendingWindowInDays`` (default 30)
    before KMS deletes it."""
    described = _stack(endpoint, {"Key": {"Type": "AWS::KMS::Key", "Properties": {
        "KeyPolicy": KEY_POLICY, "PendingWindowInDays": 7,
        "Tags": [{"Key": "team", "Value": "risk"}]}}})
    assert described["StackStatus"] == "CREATE_COMPLETE", described
    cloudformation, kms = client(endpoint, "cloudformation"), client(endpoint, "kms")
    [resource] = cloudformation.describe_stack_resources(StackName=described["StackId"])[
        "StackResources"]
    key = resource["PhysicalResourceId"]
    # the tag is on the key: a role allowed DescribeKey only on keys tagged team=risk reads it
    reader = signed_client(endpoint, "kms", role_session(endpoint, unique("key-reader"), {
        "Effect": "Allow", "Action": "kms:DescribeKey", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/team": "risk"}}}))
    assert reader.describe_key(KeyId=key)["KeyMetadata"]["KeyId"] == key
    assert json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]) == KEY_POLICY

    cloudformation.delete_stack(StackName=described["StackId"])
    assert wait_for_stack(cloudformation, described["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    metadata = kms.describe_key(KeyId=key)["KeyMetadata"]
    assert metadata["KeyState"] == "PendingDeletion"
    days = (metadata["DeletionDate"] - metadata["CreationDate"]).days
    assert 6 <= days <= 7, metadata


def test_a_permission_deleted_with_its_stack_leaves_the_functions_policy(endpoint: str) -> None:
    """AWS::Lambda::Permission's delete handler calls ``lambda:RemovePermission``: the
    statement goes with the resource."""
    function = create_function(client(endpoint, "lambda"), "http-echo")["FunctionName"]
    described = _stack(endpoint, {"Permission": {"Type": "AWS::Lambda::Permission", "Properties": {
        "FunctionName": function, "Action": "lambda:InvokeFunction",
        "Principal": "111111111111"}}})
    assert described["StackStatus"] == "CREATE_COMPLETE", described
    lam, cloudformation = client(endpoint, "lambda"), client(endpoint, "cloudformation")
    [resource] = cloudformation.describe_stack_resources(StackName=described["StackId"])[
        "StackResources"]
    policy = json.loads(lam.get_policy(FunctionName=function)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == [resource["PhysicalResourceId"]]

    cloudformation.delete_stack(StackName=described["StackId"])
    assert wait_for_stack(cloudformation, described["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    with pytest.raises(ClientError) as exc:
        lam.get_policy(FunctionName=function)
    assert error(exc)[0] == "ResourceNotFoundException"


def test_a_managed_policy_update_writes_a_new_default_version(endpoint: str) -> None:
    """AWS::IAM::ManagedPolicy's update handler writes the new document as a new default
    version (``iam:CreatePolicyVersion``); the name stays."""
    cloudformation = client(endpoint, "cloudformation")
    name = unique("managed")

    def template(action: str) -> str:
        return json.dumps({"Resources": {"Policy": {"Type": "AWS::IAM::ManagedPolicy",
                                                    "Properties": {
            "ManagedPolicyName": name,
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": action, "Resource": "*"}]}}}}})

    cloudformation.create_stack(StackName=name, TemplateBody=template("s3:ListAllMyBuckets"),
                                Capabilities=["CAPABILITY_NAMED_IAM"])
    assert wait_for_stack(cloudformation, name)["StackStatus"] == "CREATE_COMPLETE"
    cloudformation.update_stack(StackName=name, TemplateBody=template("s3:ListBucket"),
                                Capabilities=["CAPABILITY_NAMED_IAM"])
    assert wait_for_stack(cloudformation, name)["StackStatus"] == "UPDATE_COMPLETE"

    iam = client(endpoint, "iam")
    arn = f"arn:aws:iam::{ACCOUNT}:policy/{name}"
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    assert policy["DefaultVersionId"] == "v2"
    document = iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]["Document"]
    document = json.loads(document) if isinstance(document, str) else document
    assert document["Statement"][0]["Action"] == "s3:ListBucket"
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]] in (
        ["v2", "v1"], ["v1", "v2"])


def test_a_new_keys_handler_calls_after_create_key_act_on_the_key_with_its_tags_and_policy() -> None:
    """The AWS::KMS::Key create handler enables rotation on the key CreateKey returned: asked
    on a key ARN, with ``aws:ResourceTag`` of the key's tags and its key policy; CreateKey and
    the tagging and policy it carries stay on ``*`` with ``aws:RequestTag``."""
    from studio_emulator.iam.resource_handlers import authorizations

    properties = {"KeyPolicy": KEY_POLICY, "EnableKeyRotation": True,
                  "Tags": [{"Key": "studio-catalog:managed", "Value": "true"}]}
    asked = {a.action: a for a in authorizations(
        "AWS::KMS::Key", "create", properties, None, "", ACCOUNT, REGION)}
    rotation = asked["kms:EnableKeyRotation"]
    assert rotation.resource.startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")
    assert rotation.context == {"aws:ResourceTag/studio-catalog:managed": "true"}
    assert rotation.resource_policy == KEY_POLICY
    for action in ("kms:CreateKey", "kms:TagResource", "kms:PutKeyPolicy"):
        assert asked[action].resource == "*"
        assert asked[action].context["aws:RequestTag/studio-catalog:managed"] == "true"


def test_an_update_carries_its_tags_only_on_the_handler_actions_that_take_request_tags() -> None:
    """An update that changes a log group's tags and retention: the tagging calls carry
    ``aws:RequestTag``/``aws:TagKeys``, ``logs:PutRetentionPolicy`` -- which the Service
    Authorization Reference gives no such key -- does not (found by test_iam_update_paths.py:
    the key's update-time ``kms:PutKeyPolicy`` was allowed by a statement on request tags)."""
    from studio_emulator.iam.resource_handlers import authorizations

    old = {"LogGroupName": "/aws/lambda/x", "RetentionInDays": 7,
           "Tags": [{"Key": "team", "Value": "risk"}]}
    new = {"LogGroupName": "/aws/lambda/x", "RetentionInDays": 30,
           "Tags": [{"Key": "team", "Value": "fraud"}]}
    asked = {a.action: a for a in authorizations(
        "AWS::Logs::LogGroup", "update", new, old, "/aws/lambda/x", ACCOUNT, REGION)}

    assert asked["logs:TagResource"].context["aws:RequestTag/team"] == "fraud"
    assert asked["logs:TagResource"].context["aws:TagKeys"] == ["team"]
    retention = asked["logs:PutRetentionPolicy"].context
    assert not any(key.startswith("aws:RequestTag/") or key == "aws:TagKeys" for key in retention)


# --------------------------------------------------------------------------
# Terminating a domain whose data scientists' policy is attached to their role
# --------------------------------------------------------------------------


def _attached_elsewhere(catalog: Catalog) -> tuple[str, str, str, str, str]:
    """A domain launched, and its DataScientistPolicy attached by the account's admin to the
    data scientists' role, an IAM user and an IAM group (outside the stack, as the output's
    description says to: "attach to their federated role(s) or permission set"; a managed
    policy attaches to users and groups as well, IAM User Guide, "Managed policies and inline
    policies"); returns the provisioned product, the policy ARN, and the names of the role,
    the user and the group."""
    record = catalog.launch("StudioDomain", catalog.domain_parameters(DomainName=unique("dom")))
    assert succeeded(record), (record, catalog.launch_role_refusals())
    pp = record["ProvisionedProductId"]
    policy = _outputs(catalog, pp)["DataScientistPolicyArn"]
    iam = client(catalog.endpoint, "iam")
    role, user, group = unique("data-scientists"), unique("scientist"), unique("scientists")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=policy_document(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": "sts:AssumeRole"}))
    iam.attach_role_policy(RoleName=role, PolicyArn=policy)
    iam.create_user(UserName=user)
    iam.attach_user_policy(UserName=user, PolicyArn=policy)
    iam.create_group(GroupName=group)
    iam.attach_group_policy(GroupName=group, PolicyArn=policy)
    catalog.forget_decisions()
    return pp, policy, role, user, group


def test_terminating_a_domain_detaches_its_data_scientists_policy_from_their_role(
    catalog: Catalog,
) -> None:
    """The AWS::IAM::ManagedPolicy delete handler detaches the policy from every entity it is
    attached to before DeletePolicy (IAM refuses to delete an attached policy), as the launch
    role: ``iam:DetachRolePolicy`` on the data scientists' role, allowed only for the
    products' policies (``iam:PolicyARN``), and ``iam:DetachUserPolicy`` /
    ``iam:DetachGroupPolicy`` on the user and the group it is attached to (the handler's
    ``handlers.delete.permissions`` list all three)."""
    pp, policy, role, user, group = _attached_elsewhere(catalog)

    record = catalog.terminate(pp)

    assert succeeded(record), (record["RecordErrors"], catalog.launch_role_refusals())
    granted = catalog.launch_role_grants()
    assert missing({
        ("iam:DetachRolePolicy", "DetachOnlyDataScientistPoliciesWhenTheDomainIsTerminated"),
        ("iam:DetachUserPolicy", "DetachOnlyDataScientistPoliciesWhenTheDomainIsTerminated"),
        ("iam:DetachGroupPolicy", "DetachOnlyDataScientistPoliciesWhenTheDomainIsTerminated"),
        ("iam:ListEntitiesForPolicy", "DataScientistPolicies"),
        ("iam:DeletePolicy", "DataScientistPolicies"),
    }, granted) == set(), sorted(granted)
    iam = client(catalog.endpoint, "iam")
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    assert iam.list_attached_user_policies(UserName=user)["AttachedPolicies"] == []
    assert iam.list_attached_group_policies(GroupName=group)["AttachedPolicies"] == []
    with pytest.raises(ClientError) as exc:
        iam.get_policy(PolicyArn=policy)
    assert error(exc)[0] == "NoSuchEntity"


def test_a_launch_role_without_the_detach_statement_cannot_terminate_a_domain_in_use(
    catalog: Catalog,
) -> None:
    pp, policy, role, _user, _group = _attached_elsewhere(catalog)
    catalog.without_statement("DetachOnlyDataScientistPoliciesWhenTheDomainIsTerminated")

    record = catalog.terminate(pp)

    assert record["Status"] == "FAILED", record
    text = json.dumps(record["RecordErrors"])
    assert "is not authorized to perform: iam:DetachRolePolicy" in text, text
    assert f"role/{role}" in text, text
    assert client(catalog.endpoint, "iam").list_attached_role_policies(RoleName=role)[
        "AttachedPolicies"] == [{"PolicyName": policy.split("/")[-1], "PolicyArn": policy}]


def test_a_managed_policy_deleted_with_its_stack_is_detached_from_everything_and_gone(
    endpoint: str,
) -> None:
    """IAM deletes no attached policy (IAM API Reference, DeletePolicy): the ManagedPolicy
    delete handler detaches it from the roles it is attached to, in the template or not."""
    iam, cloudformation = client(endpoint, "iam"), client(endpoint, "cloudformation")
    role = unique("attached-outside")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=policy_document(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": "sts:AssumeRole"}))
    name = unique("managed")
    described = _stack(endpoint, {"Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "ManagedPolicyName": name, "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}}}})
    assert described["StackStatus"] == "CREATE_COMPLETE", described
    arn = f"arn:aws:iam::{ACCOUNT}:policy/{name}"
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)

    cloudformation.delete_stack(StackName=described["StackId"])

    assert wait_for_stack(cloudformation, described["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    with pytest.raises(ClientError) as exc:
        iam.get_policy(PolicyArn=arn)
    assert error(exc)[0] == "NoSuchEntity"
