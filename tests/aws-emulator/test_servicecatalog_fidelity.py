"""Service Catalog rules the API reference documents (see the docstring of
``studio_emulator/servicecatalog.py`` for each source): launch paths, tags,
access levels and organisation-node shares.

Run: .venv/bin/python -m pytest -q tests/aws-emulator/test_servicecatalog_fidelity.py
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import (
    ACCOUNT,
    END_USER_STATEMENTS,
    HANDLE_TEMPLATE,
    LAUNCH_ROLE_STATEMENTS,
    TEMPLATE_BUCKET,
    account_admin,
    client,
    error,
    new_organization,
    new_product,
    policy_document,
    signed_client,
    stage_template,
    unique,
    wait_for,
)

TRANSITION = 0.2
CALLER = f"arn:aws:iam::{ACCOUNT}:user/moto"  # moto's identity for unknown credentials
OU = "ou-ab12-cdef3456"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}
        ],
    }
)

pytestmark = pytest.mark.transition_seconds(TRANSITION)


#: What the tests' end users may do: Service Catalog's end-user actions, and, launching
#: without a launch constraint, the stack and its template under their own credentials.
END_USER_POLICY = policy_document(*END_USER_STATEMENTS, *LAUNCH_ROLE_STATEMENTS)

# -- helpers -----------------------------------------------------------------



def session_of(endpoint: str, role_arn: str, session_name: str) -> tuple[str, str, str]:
    """An STS AssumeRole session of ``role_arn`` (assumed with the set-up credentials)."""
    credentials = client(endpoint, "sts").assume_role(
        RoleArn=role_arn, RoleSessionName=session_name
    )["Credentials"]
    return credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]


def new_portfolio(sc: Any, product_id: str | None = None, principal: str | None = None,
                  principal_type: str = "IAM") -> str:
    portfolio_id = sc.create_portfolio(DisplayName=unique("portfolio"), ProviderName="platform")[
        "PortfolioDetail"
    ]["Id"]
    if product_id:
        sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio_id)
    if principal:
        sc.associate_principal_with_portfolio(
            PortfolioId=portfolio_id, PrincipalARN=principal, PrincipalType=principal_type
        )
    return portfolio_id


def provision(sc: Any, product_id: str, artifact: str, **extra: Any) -> dict[str, Any]:
    return sc.provision_product(
        ProductId=product_id,
        ProvisioningArtifactId=artifact,
        ProvisionedProductName=unique("pp"),
        ProvisionToken=unique("tok"),
        **extra,
    )["RecordDetail"]


def provision_error(sc: Any, product_id: str, artifact: str, **extra: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as exc:
        provision(sc, product_id, artifact, **extra)
    return error(exc)


@pytest.fixture(scope="module")
def raw_sc(endpoint: str) -> Any:
    """A client that sends what it is given (no botocore parameter validation)."""
    return client(endpoint, "servicecatalog", parameter_validation=False)


# -- launch paths ------------------------------------------------------------


def test_a_product_in_no_portfolio_has_no_launch_path(sc):
    product_id, artifact = new_product(sc)
    assert provision_error(sc, product_id, artifact) == (
        "ResourceNotFoundException",
        f"No launch paths found for resource: {product_id}",
    )
    assert sc.list_launch_paths(ProductId=product_id)["LaunchPathSummaries"] == []


def test_a_portfolio_not_associated_with_the_caller_gives_no_launch_path(sc):
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=f"arn:aws:iam::{ACCOUNT}:role/someone-else")
    assert provision_error(sc, product_id, artifact)[0] == "ResourceNotFoundException"


def test_the_default_credentials_act_as_moto_default_user(sc):
    product_id, artifact = new_product(sc)
    portfolio_id = new_portfolio(sc, product_id, principal=CALLER)
    record = provision(sc, product_id, artifact)
    [path] = sc.list_launch_paths(ProductId=product_id)["LaunchPathSummaries"]
    assert record["PathId"] == path["Id"]
    assert path["Name"] == sc.describe_portfolio(Id=portfolio_id)["PortfolioDetail"]["DisplayName"]
    described = sc.describe_product(Id=product_id)["LaunchPaths"]
    assert described == [{"Id": path["Id"], "Name": path["Name"]}]


def test_an_iam_user_acts_as_itself_and_its_groups(endpoint, sc, iam):
    user = iam.create_user(UserName=unique("analyst"))["User"]
    iam.put_user_policy(UserName=user["UserName"], PolicyName="end-user", PolicyDocument=END_USER_POLICY)
    key = iam.create_access_key(UserName=user["UserName"])["AccessKey"]
    as_user = signed_client(endpoint, "servicecatalog", (key["AccessKeyId"], key["SecretAccessKey"]))
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=CALLER)
    assert provision_error(as_user, product_id, artifact)[0] == "ResourceNotFoundException"

    new_portfolio(sc, product_id, principal=user["Arn"])
    provision(as_user, product_id, artifact)

    group = iam.create_group(GroupName=unique("analysts"))["Group"]
    iam.add_user_to_group(GroupName=group["GroupName"], UserName=user["UserName"])
    grouped_product, grouped_artifact = new_product(sc)
    new_portfolio(sc, grouped_product, principal=group["Arn"])
    provision(as_user, grouped_product, grouped_artifact)


def test_an_assumed_role_session_acts_as_its_role(endpoint, sc, iam):
    role = iam.create_role(RoleName=unique("scientist"), AssumeRolePolicyDocument=TRUST)["Role"]
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="end-user", PolicyDocument=END_USER_POLICY)
    as_role = signed_client(endpoint, "servicecatalog", session_of(endpoint, role["Arn"], "alice"))
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=role["Arn"])
    provision(as_role, product_id, artifact)
    assert provision_error(sc, product_id, artifact)[0] == "ResourceNotFoundException"


def test_an_iam_pattern_association_matches_by_name(sc):
    product_id, artifact = new_product(sc)
    new_portfolio(
        sc, product_id, principal="arn:aws:iam:::role/nobody-*", principal_type="IAM_PATTERN"
    )
    assert provision_error(sc, product_id, artifact)[0] == "ResourceNotFoundException"
    new_portfolio(
        sc, product_id, principal="arn:aws:iam:::user/m?t*", principal_type="IAM_PATTERN"
    )
    provision(sc, product_id, artifact)


def test_two_launch_paths_need_a_path_id(sc):
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=CALLER)
    new_portfolio(sc, product_id, principal=CALLER)
    assert provision_error(sc, product_id, artifact)[0] == "InvalidParametersException"
    paths = sc.list_launch_paths(ProductId=product_id)["LaunchPathSummaries"]
    assert len(paths) == 2
    record = provision(sc, product_id, artifact, PathId=paths[1]["Id"])
    assert record["PathId"] == paths[1]["Id"]


def test_a_path_id_that_is_not_the_callers_is_not_found(sc):
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=CALLER)
    assert (
        provision_error(sc, product_id, artifact, PathId="lpv3-0000000000000")[0]
        == "ResourceNotFoundException"
    )


def test_associations_are_checked_and_can_be_undone(sc):
    product_id, artifact = new_product(sc)
    portfolio_id = new_portfolio(sc, product_id, principal=CALLER)
    assert sc.list_principals_for_portfolio(PortfolioId=portfolio_id)["Principals"] == [
        {"PrincipalARN": CALLER, "PrincipalType": "IAM"}
    ]
    for bad in (
        {"PrincipalARN": "arn:aws:iam:::user/moto", "PrincipalType": "IAM"},
        {"PrincipalARN": CALLER, "PrincipalType": "IAM_PATTERN"},
        {"PrincipalARN": CALLER, "PrincipalType": "ROLE"},
    ):
        with pytest.raises(ClientError) as exc:
            sc.associate_principal_with_portfolio(PortfolioId=portfolio_id, **bad)
        assert error(exc)[0] == "InvalidParametersException"
    with pytest.raises(ClientError) as missing:
        sc.associate_product_with_portfolio(
            ProductId="prod-doesnotexist0", PortfolioId=portfolio_id
        )
    assert error(missing)[0] == "ResourceNotFoundException"

    sc.disassociate_principal_from_portfolio(PortfolioId=portfolio_id, PrincipalARN=CALLER)
    assert provision_error(sc, product_id, artifact)[0] == "ResourceNotFoundException"
    sc.disassociate_product_from_portfolio(ProductId=product_id, PortfolioId=portfolio_id)
    with pytest.raises(ClientError) as again:
        sc.disassociate_product_from_portfolio(ProductId=product_id, PortfolioId=portfolio_id)
    assert error(again)[0] == "ResourceNotFoundException"


# -- tags ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        {"Key": "owner", "Value": ""},
        {"Key": "owner", "Value": "x" * 257},
        {"Key": "", "Value": "alice"},
        {"Key": "k" * 129, "Value": "alice"},
        {"Key": "owner", "Value": "alice;drop"},
        {"Key": "owner"},
    ],
    ids=["empty-value", "long-value", "empty-key", "long-key", "value-pattern", "no-value"],
)
def test_a_tag_outside_the_tag_shape_is_refused(sc, raw_sc, tag):
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=CALLER)
    code, _ = provision_error(raw_sc, product_id, artifact, Tags=[tag])
    assert code == "InvalidParametersException"


def test_tags_with_letters_digits_spaces_and_symbols_are_accepted(sc):
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=CALLER)
    tags = [{"Key": "cost centre", "Value": "Équipe data/ml:2030-01-01T00:00:00Z+@_.="}]
    assert provision(sc, product_id, artifact, Tags=tags)["RecordTags"] == tags


# -- access levels -------------------------------------------------------------


def test_search_defaults_to_the_account_and_scan_to_the_user(endpoint, sc, iam):
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=CALLER)
    pp_id = provision(sc, product_id, artifact)["ProvisionedProductId"]
    user = iam.create_user(UserName=unique("viewer"))["User"]
    iam.put_user_policy(UserName=user["UserName"], PolicyName="end-user", PolicyDocument=END_USER_POLICY)
    key = iam.create_access_key(UserName=user["UserName"])["AccessKey"]
    other = signed_client(endpoint, "servicecatalog", (key["AccessKeyId"], key["SecretAccessKey"]))
    searched = [p["Id"] for p in other.search_provisioned_products()["ProvisionedProducts"]]
    assert pp_id in searched
    scanned = [p["Id"] for p in other.scan_provisioned_products()["ProvisionedProducts"]]
    assert pp_id not in scanned


# -- the artefact's template ----------------------------------------------------

#: A template with a required parameter, one with a default, and their constraints.
CHECKED_TEMPLATE = json.dumps(
    {
        "Parameters": {
            "Colour": {"Type": "String", "AllowedValues": ["blue", "green"]},
            "Suffix": {"Type": "String", "Default": "a", "AllowedPattern": "[a-z]+"},
            "Code": {"Type": "String", "Default": "abc", "MinLength": 2, "MaxLength": 4},
        },
        "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
    }
)


def test_a_template_url_that_names_no_template_is_refused(sc, endpoint):
    present = stage_template(endpoint, HANDLE_TEMPLATE)
    not_a_template = stage_template(endpoint, "just: text")
    for url in (
        f"{endpoint}/{TEMPLATE_BUCKET}/templates/missing.yaml",
        f"https://no-such-bucket-{unique('b')}.s3.amazonaws.com/t.yaml",
        "https://example.com/t.yaml",
        not_a_template,
    ):
        with pytest.raises(ClientError) as exc:
            sc.create_product(
                Name=unique("product"), Owner="platform", ProductType="CLOUD_FORMATION_TEMPLATE",
                ProvisioningArtifactParameters={"Name": "v1", "Info": {"LoadTemplateFromURL": url}},
                IdempotencyToken=unique("token"),
            )
        assert error(exc) == (
            "InvalidParametersException",
            "Invalid templateBody. Please make sure that your template is valid",
        ), url
    product_id, _ = new_product(sc)
    with pytest.raises(ClientError) as artifact:
        sc.create_provisioning_artifact(
            ProductId=product_id,
            Parameters={"Name": "v2", "Info": {"LoadTemplateFromURL": present + ".missing"}},
            IdempotencyToken=unique("pa"),
        )
    assert error(artifact)[0] == "InvalidParametersException"


def test_a_template_can_be_imported_from_a_stack(sc, cfn):
    stack_id = cfn.create_stack(StackName=unique("source"), TemplateBody=CHECKED_TEMPLATE, Parameters=[
        {"ParameterKey": "Colour", "ParameterValue": "blue"}
    ])["StackId"]

    def create(info):
        return sc.create_product(
            Name=unique("product"), Owner="platform", ProductType="CLOUD_FORMATION_TEMPLATE",
            ProvisioningArtifactParameters={"Name": "v1", "Info": info},
            IdempotencyToken=unique("token"),
        )["ProductViewDetail"]["ProductViewSummary"]["ProductId"]

    product_id = create({"ImportFromPhysicalId": stack_id})
    new_portfolio(sc, product_id, principal=CALLER)
    artifact = sc.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"][0]
    form = sc.describe_provisioning_parameters(ProductId=product_id, ProvisioningArtifactId=artifact["Id"])
    assert [p["ParameterKey"] for p in form["ProvisioningArtifactParameters"]] == ["Colour", "Suffix", "Code"]
    missing = stack_id.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    for info in ({"ImportFromPhysicalId": missing},
                 {"ImportFromPhysicalId": stack_id, "LoadTemplateFromURL": "https://example.com/t"}):
        with pytest.raises(ClientError) as refused:
            create(info)
        assert error(refused)[0] == "InvalidParametersException"


@pytest.mark.parametrize(
    "url",
    [
        "https://{bucket}.s3.us-east-1.amazonaws.com/{key}",
        "https://{bucket}.s3.amazonaws.com/{key}",
        "https://s3.us-east-1.amazonaws.com/{bucket}/{key}",
        "https://s3.amazonaws.com/{bucket}/{key}",
        "{endpoint}/{bucket}/{key}",
    ],
    ids=["virtual-hosted-regional", "virtual-hosted", "path-regional", "path", "emulator"],
)
def test_a_template_is_read_from_s3_in_each_url_style(sc, endpoint, url):
    key = f"templates/{unique('styled')}.json"
    stage_template(endpoint, CHECKED_TEMPLATE, key)
    product_id = sc.create_product(
        Name=unique("product"), Owner="platform", ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters={
            "Name": "v1",
            "Info": {"LoadTemplateFromURL": url.format(endpoint=endpoint, bucket=TEMPLATE_BUCKET, key=key)},
        },
        IdempotencyToken=unique("token"),
    )["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    new_portfolio(sc, product_id, principal=CALLER)
    artifact = sc.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"][0]
    form = sc.describe_provisioning_parameters(ProductId=product_id, ProvisioningArtifactId=artifact["Id"])
    assert [p["ParameterKey"] for p in form["ProvisioningArtifactParameters"]] == ["Colour", "Suffix", "Code"]


def test_service_catalog_launches_from_its_copy_of_the_template(sc, endpoint):
    key = f"templates/{unique('copied')}.json"
    url = stage_template(endpoint, CHECKED_TEMPLATE, key)
    product_id = sc.create_product(
        Name=unique("product"), Owner="platform", ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters={"Name": "v1", "Info": {"LoadTemplateFromURL": url}},
        IdempotencyToken=unique("token"),
    )["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    client(endpoint, "s3").delete_object(Bucket=TEMPLATE_BUCKET, Key=key)
    new_portfolio(sc, product_id, principal=CALLER)
    artifact = sc.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"][0]
    record = provision(
        sc, product_id, artifact["Id"], ProvisioningParameters=[{"Key": "Colour", "Value": "blue"}]
    )
    wait_for(lambda: sc.describe_record(Id=record["RecordId"])["RecordDetail"]["Status"], "SUCCEEDED", 20)


@pytest.mark.parametrize(
    "parameters, message",
    [
        ([{"Key": "Colour", "Value": "blue"}, {"Key": "Size", "Value": "L"}],
         "Parameters: [Size] do not exist in the template"),
        ([], "Parameters: [Colour] must have values"),
        ([{"Key": "Colour", "Value": "pink"}], "Parameter 'Colour' must be one of AllowedValues"),
        ([{"Key": "Colour", "Value": "blue"}, {"Key": "Suffix", "Value": "A1"}],
         "Parameter 'Suffix' must match pattern [a-z]+"),
        ([{"Key": "Colour", "Value": "blue"}, {"Key": "Code", "Value": "abcde"}],
         "Parameter 'Code' must contain at most 4 characters"),
    ],
    ids=["undeclared", "missing", "allowed-values", "allowed-pattern", "max-length"],
)
def test_parameters_are_refused_as_cloudformation_refuses_them(sc, cfn, parameters, message):
    product_id, artifact = new_product(sc, CHECKED_TEMPLATE)
    new_portfolio(sc, product_id, principal=CALLER)
    record = provision(sc, product_id, artifact, ProvisioningParameters=parameters)
    assert record["Status"] == "CREATED"  # accepted: CloudFormation refuses the stack
    wait_for(lambda: sc.describe_record(Id=record["RecordId"])["RecordDetail"]["Status"], "FAILED")
    detail = sc.describe_record(Id=record["RecordId"])["RecordDetail"]
    assert detail["RecordErrors"] == [{"Code": "ValidationError", "Description": message}]
    pp = sc.describe_provisioned_product(Id=record["ProvisionedProductId"])["ProvisionedProductDetail"]
    assert pp["Status"] == "ERROR"
    assert pp["StatusMessage"].startswith(f"AmazonCloudFormationException  {message} (Service: ")
    assert "Error Code: ValidationError" in pp["StatusMessage"]
    with pytest.raises(ClientError):
        cfn.describe_stacks(StackName=f"SC-{ACCOUNT}-{record['ProvisionedProductId']}")


def test_a_provisioned_product_name_is_unique_in_the_account(sc):
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=CALLER)
    name = unique("pp")
    sc.provision_product(
        ProductId=product_id, ProvisioningArtifactId=artifact,
        ProvisionedProductName=name, ProvisionToken=unique("tok"),
    )
    with pytest.raises(ClientError) as duplicate:
        sc.provision_product(
            ProductId=product_id, ProvisioningArtifactId=artifact,
            ProvisionedProductName=name, ProvisionToken=unique("tok"),
        )
    assert error(duplicate) == ("InvalidParametersException", f"A stack named {name} already exists.")


def test_tags_are_updated_only_with_a_resource_update_constraint(sc, cfn):
    product_id, artifact = new_product(sc)
    portfolio_id = new_portfolio(sc, product_id, principal=CALLER)
    record = provision(sc, product_id, artifact, Tags=[{"Key": "team", "Value": "ml"}])
    pp_id = record["ProvisionedProductId"]
    wait_for(lambda: sc.describe_record(Id=record["RecordId"])["RecordDetail"]["Status"], "SUCCEEDED")
    new_tags = [{"Key": "team", "Value": "bi"}]
    with pytest.raises(ClientError) as refused:
        sc.update_provisioned_product(ProvisionedProductId=pp_id, UpdateToken=unique("u"), Tags=new_tags)
    assert error(refused)[0] == "InvalidParametersException"
    sc.create_constraint(
        PortfolioId=portfolio_id, ProductId=product_id, Type="RESOURCE_UPDATE",
        Parameters=json.dumps({"Version": "2.0", "Properties": {"TagUpdateOnProvisionedProduct": "ALLOWED"}}),
        IdempotencyToken=unique("cons"),
    )
    update = sc.update_provisioned_product(ProvisionedProductId=pp_id, UpdateToken=unique("u"), Tags=new_tags)
    wait_for(lambda: sc.describe_record(Id=update["RecordDetail"]["RecordId"])["RecordDetail"]["Status"], "SUCCEEDED")
    stack = cfn.describe_stacks(StackName=f"SC-{ACCOUNT}-{pp_id}")["Stacks"][0]
    assert {t["Key"]: t["Value"] for t in stack["Tags"]}["team"] == "bi"


def test_a_launch_constraint_names_exactly_one_role_once_per_portfolio_and_product(sc):
    product_id, _ = new_product(sc)
    portfolio_id = new_portfolio(sc, product_id, principal=CALLER)

    def constrain(parameters):
        return sc.create_constraint(
            PortfolioId=portfolio_id, ProductId=product_id, Type="LAUNCH",
            Parameters=json.dumps(parameters), IdempotencyToken=unique("cons"),
        )

    for bad in ({}, {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/a", "LocalRoleName": "a"}):
        with pytest.raises(ClientError) as exc:
            constrain(bad)
        assert error(exc)[0] == "InvalidParametersException"
    made = constrain({"LocalRoleName": "launch"})["ConstraintDetail"]
    assert (made["Type"], made["PortfolioId"], made["ProductId"]) == ("LAUNCH", portfolio_id, product_id)
    with pytest.raises(ClientError) as twice:
        constrain({"LocalRoleName": "other"})
    assert error(twice)[0] == "DuplicateResourceException"
    sc.delete_constraint(Id=made["ConstraintId"])
    constrain({"LocalRoleName": "other"})


def test_an_assumed_role_session_is_the_provisioning_principal(endpoint, sc, iam):
    role = iam.create_role(RoleName=unique("admin"), AssumeRolePolicyDocument=TRUST)["Role"]
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="end-user", PolicyDocument=END_USER_POLICY)
    as_role = signed_client(endpoint, "servicecatalog", session_of(endpoint, role["Arn"], "carol"))
    product_id, artifact = new_product(sc)
    new_portfolio(sc, product_id, principal=role["Arn"])
    pp_id = provision(as_role, product_id, artifact)["ProvisionedProductId"]
    [found] = [
        p for p in sc.search_provisioned_products()["ProvisionedProducts"] if p["Id"] == pp_id
    ]
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role['RoleName']}/carol"
    assert (found["UserArn"], found["UserArnSession"]) == (role["Arn"], session)
    tags = {t["Key"]: t["Value"] for t in found["Tags"]}
    assert tags["aws:servicecatalog:provisioningPrincipalArn"] == session


# -- organisation-node shares ----------------------------------------------------


def shares(sc: Any, portfolio_id: str, share_type: str = "ORGANIZATIONAL_UNIT") -> list[Any]:
    return sc.describe_portfolio_shares(PortfolioId=portfolio_id, Type=share_type)[
        "PortfolioShareDetails"
    ]


def test_an_organization_node_share_needs_organizations_access(sc):
    # runs first among the share tests: the module starts with access never enabled
    assert sc.get_aws_organizations_access_status()["AccessStatus"] == "DISABLED"
    portfolio_id = new_portfolio(sc)
    node = {"Type": "ORGANIZATIONAL_UNIT", "Value": OU}
    with pytest.raises(ClientError) as exc:
        sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=node)
    assert error(exc)[0] == "InvalidStateException"
    assert shares(sc, portfolio_id) == []
    # an account share does not go through Organizations
    sc.create_portfolio_share(PortfolioId=portfolio_id, AccountId="111122223333")

    sc.enable_aws_organizations_access()
    assert sc.get_aws_organizations_access_status()["AccessStatus"] == "ENABLED"
    sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=node)
    assert [s["PrincipalId"] for s in shares(sc, portfolio_id)] == [OU]

    sc.disable_aws_organizations_access()
    assert sc.get_aws_organizations_access_status()["AccessStatus"] == "DISABLED"
    with pytest.raises(ClientError) as disabled:
        sc.create_portfolio_share(
            PortfolioId=portfolio_id,
            OrganizationNode={"Type": "ORGANIZATION", "Value": "o-abcdef1234"},
        )
    assert error(disabled)[0] == "InvalidStateException"
    assert [s["PrincipalId"] for s in shares(sc, portfolio_id)] == [OU]  # kept
    sc.enable_aws_organizations_access()


def test_sharing_an_existing_node_again_has_no_effect(sc):
    sc.enable_aws_organizations_access()
    portfolio_id = new_portfolio(sc)
    node = {"Type": "ORGANIZATIONAL_UNIT", "Value": OU}
    first = sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=node)
    before = shares(sc, portfolio_id)
    again = sc.create_portfolio_share(
        PortfolioId=portfolio_id, OrganizationNode=node, ShareTagOptions=True, SharePrincipals=True
    )
    assert again == {**first, "ResponseMetadata": again["ResponseMetadata"]}
    assert shares(sc, portfolio_id) == before
    assert before[0]["ShareTagOptions"] is False and before[0]["SharePrincipals"] is False


def test_update_portfolio_share_changes_a_completed_share(sc):
    sc.enable_aws_organizations_access()
    portfolio_id = new_portfolio(sc)
    node = {"Type": "ORGANIZATIONAL_UNIT", "Value": OU}
    token = sc.create_portfolio_share(PortfolioId=portfolio_id, OrganizationNode=node)[
        "PortfolioShareToken"
    ]
    with pytest.raises(ClientError) as busy:
        sc.update_portfolio_share(
            PortfolioId=portfolio_id, OrganizationNode=node, ShareTagOptions=True
        )
    assert error(busy)[0] == "InvalidStateException"
    wait_for(
        lambda: sc.describe_portfolio_share_status(PortfolioShareToken=token)["Status"], "COMPLETED"
    )
    updated = sc.update_portfolio_share(
        PortfolioId=portfolio_id, OrganizationNode=node, ShareTagOptions=True
    )
    assert (updated["PortfolioShareToken"], updated["Status"]) == (token, "COMPLETED")
    [detail] = shares(sc, portfolio_id)
    assert (detail["ShareTagOptions"], detail["SharePrincipals"]) == (True, False)


def test_with_an_organization_access_and_successful_shares_follow_it(endpoint, sc):
    # Runs last in the module: the organisation stays until the next module's reset.
    organizations, org, root, ou = new_organization(endpoint)
    member = organizations.create_account(Email="m@example.com", AccountName="m")[
        "CreateAccountStatus"
    ]["AccountId"]
    organizations.move_account(AccountId=member, SourceParentId=root, DestinationParentId=ou)

    sc.enable_aws_organizations_access()
    enabled = organizations.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    assert "servicecatalog.amazonaws.com" in [s["ServicePrincipal"] for s in enabled]

    portfolio_id = new_portfolio(sc)
    token = sc.create_portfolio_share(
        PortfolioId=portfolio_id, OrganizationNode={"Type": "ORGANIZATIONAL_UNIT", "Value": ou}
    )["PortfolioShareToken"]
    wait_for(
        lambda: sc.describe_portfolio_share_status(PortfolioShareToken=token)["Status"], "COMPLETED"
    )
    details = sc.describe_portfolio_share_status(PortfolioShareToken=token)["ShareDetails"]
    assert details["SuccessfulShares"] == [member]

    member_sc = signed_client(endpoint, "servicecatalog", account_admin(endpoint, member))
    with pytest.raises(ClientError) as exc:
        member_sc.enable_aws_organizations_access()
    assert error(exc)[0] == "OperationNotSupportedException"
    assert org["MasterAccountId"] == ACCOUNT
