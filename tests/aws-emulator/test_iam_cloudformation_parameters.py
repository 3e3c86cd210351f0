"""IAM: CloudFormation reads a template's SSM-typed parameters as its caller.

A parameter of type ``AWS::SSM::Parameter::Value<...>`` is read from Parameter Store at
CreateStack and UpdateStack with ``ssm:GetParameters`` on the parameter's ARN, with the
credentials of whoever called CloudFormation -- not the stack's service role -- and a refusal
is CreateStack's ``ValidationError`` "AccessDenied. User doesn't have permission to call
ssm:GetParameters" (``studio_emulator/cloudformation/parameters.py``, ``check_reads``, for the
sources). A Service Catalog launch calls CloudFormation as its launch role, so the launch role
reads them (the portfolio's ``SuiteParametersPublishedByTheCoreStack`` grant). IAM is enforced
throughout (the suite's default); state is arranged with the set-up credentials (the account
root, allowed everything).
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
    provision_and_wait,
    ACCOUNT,
    REGION,
    REPOSITORY,
    allow,
    client,
    error,
    launch_role,
    load_template,
    new_product,
    role_session,
    launch_role_statements,
    service_role,
    signed_client,
    unique,
    wait_for_stack,
)

pytestmark = pytest.mark.transition_seconds(0.05)

SSM_VALUE_TYPE = "AWS::SSM::Parameter::Value<"
REFUSED = (
    "ValidationError", "AccessDenied. User doesn't have permission to call ssm:GetParameters"
)
#: What a deployer needs besides the read: run and look at its stacks, pass a service role.
DEPLOYER = allow(
    ["cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DescribeStacks",
     "cloudformation:DescribeStackEvents", "iam:PassRole"]
)


def arn(name: str) -> str:
    return f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{name.lstrip('/')}"


def published(endpoint: str, value: str = "v1") -> str:
    """A String parameter ``/<unique>/token`` in Parameter Store (put as the account root);
    its name."""
    name = f"/{unique('suite')}/token"
    client(endpoint, "ssm").put_parameter(Name=name, Value=value, Type="String")
    return name


def template(name: str) -> str:
    """A template whose parameter ``Token`` is the SSM parameter ``name`` (its default),
    output as ``Token``."""
    return json.dumps({
        "Parameters": {"Token": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": name}},
        "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {"Token": {"Value": {"Ref": "Token"}}},
    })


def deployer(endpoint: str, *statements: dict[str, Any]) -> Any:
    """A CloudFormation client of a role session (``.../deployer``) allowed :data:`DEPLOYER`
    and ``statements``."""
    key = role_session(endpoint, unique("deployer"), DEPLOYER, *statements, session_name="deployer")
    return signed_client(endpoint, "cloudformation", key)


def reads(control: Callable[..., Any]) -> list[tuple[str, list[str], str, str]]:
    """The decision log's ``ssm:GetParameters`` decisions made through CloudFormation:
    (principal, resources, result, via)."""
    return [
        (d["principal"], d["resources"], d["result"], d["via"])
        for d in control("GET", "iam/decisions")["decisions"]
        if d["action"] == "ssm:GetParameters" and d.get("via") == "cloudformation"
    ]


def output(cfn: Any, stack_id: str) -> str:
    [described] = cfn.describe_stacks(StackName=stack_id)["Stacks"]
    return str({o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}["Token"])


# --------------------------------------------------------------------------
# CreateStack / UpdateStack called directly
# --------------------------------------------------------------------------


@pytest.mark.usefixtures("iam_enforced")
def test_a_caller_allowed_ssm_get_parameters_on_the_parameter_creates_the_stack_with_its_value(
    endpoint: str, control: Callable[..., Any]
) -> None:
    name = published(endpoint, "arn:one")
    cfn = deployer(endpoint, allow("ssm:GetParameters", arn(name)))

    stack_id = cfn.create_stack(StackName=unique("stack"), TemplateBody=template(name))["StackId"]

    assert wait_for_stack(cfn, stack_id)["StackStatus"] == "CREATE_COMPLETE"
    assert output(cfn, stack_id) == "arn:one"
    [(principal, resources, result, via)] = reads(control)
    assert principal.startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/")
    assert principal.endswith("/deployer")
    assert (resources, result, via) == ([arn(name)], "Allowed", "cloudformation")


@pytest.mark.usefixtures("iam_enforced")
def test_a_caller_who_may_not_read_the_parameter_is_refused_create_stack(
    endpoint: str, control: Callable[..., Any]
) -> None:
    name = published(endpoint)
    cfn = deployer(endpoint)
    stack_name = unique("stack")

    with pytest.raises(ClientError) as raised:
        cfn.create_stack(StackName=stack_name, TemplateBody=template(name))

    assert error(raised) == REFUSED
    decided = [(r, result) for _, r, result, _ in reads(control)]
    assert decided == [([arn(name)], "ImplicitlyDenied")]
    with pytest.raises(ClientError):  # no stack was made
        client(endpoint, "cloudformation").describe_stacks(StackName=stack_name)


@pytest.mark.usefixtures("iam_enforced")
def test_ssm_get_parameter_alone_does_not_allow_cloudformations_read(endpoint: str) -> None:
    """CloudFormation calls GetParameters (plural): a grant of ssm:GetParameter only is not
    enough (the portfolio's launch role grants both)."""
    name = published(endpoint)
    cfn = deployer(endpoint, allow("ssm:GetParameter", arn(name)))

    with pytest.raises(ClientError) as raised:
        cfn.create_stack(StackName=unique("stack"), TemplateBody=template(name))

    assert error(raised) == REFUSED


@pytest.mark.usefixtures("iam_enforced")
@pytest.mark.parametrize(
    "resource",
    [
        "*",
        f"arn:aws:ssm:*:{ACCOUNT}:parameter/*",
        "arn:aws:ssm:{region}:{account}:parameter/{top}/*",
    ],
)
def test_a_wildcard_resource_grant_allows_the_read(
    endpoint: str, control: Callable[..., Any], resource: str
) -> None:
    name = published(endpoint)
    granted = resource.format(region=REGION, account=ACCOUNT, top=name.split("/")[1])
    cfn = deployer(endpoint, allow("ssm:GetParameters", granted))

    stack_id = cfn.create_stack(StackName=unique("stack"), TemplateBody=template(name))["StackId"]

    assert wait_for_stack(cfn, stack_id)["StackStatus"] == "CREATE_COMPLETE"
    assert [(r, result) for _, r, result, _ in reads(control)] == [([arn(name)], "Allowed")]


@pytest.mark.usefixtures("iam_enforced")
def test_a_grant_on_another_prefix_does_not_allow_the_read(endpoint: str) -> None:
    name = published(endpoint)
    cfn = deployer(endpoint, allow("ssm:GetParameters", arn("/some-other-suite/*")))

    with pytest.raises(ClientError) as raised:
        cfn.create_stack(StackName=unique("stack"), TemplateBody=template(name))

    assert error(raised) == REFUSED


@pytest.mark.usefixtures("iam_enforced")
def test_the_caller_reads_the_parameters_not_the_stacks_service_role(
    endpoint: str, control: Callable[..., Any]
) -> None:
    """With a service role the caller still reads them: a role allowed the read does not stand
    in for a caller who may not, and a caller allowed it needs no grant on the role."""
    name = published(endpoint)
    reader = service_role(
        endpoint, unique("cfn-role"), "cloudformation", allow("ssm:GetParameters", arn(name))
    )
    not_reader = service_role(endpoint, unique("cfn-role"), "cloudformation", allow("iam:GetRole"))

    with pytest.raises(ClientError) as raised:
        deployer(endpoint).create_stack(
            StackName=unique("stack"), TemplateBody=template(name), RoleARN=reader
        )
    assert error(raised) == REFUSED

    cfn = deployer(endpoint, allow("ssm:GetParameters", arn(name)))
    stack_id = cfn.create_stack(
        StackName=unique("stack"), TemplateBody=template(name), RoleARN=not_reader
    )["StackId"]
    assert wait_for_stack(cfn, stack_id)["StackStatus"] == "CREATE_COMPLETE"
    assert {p.rsplit("/", 1)[-1] for p, _, _, _ in reads(control)} == {"deployer"}


@pytest.mark.usefixtures("iam_enforced")
def test_update_stack_reads_the_parameters_again_as_its_caller(
    endpoint: str, control: Callable[..., Any]
) -> None:
    name = published(endpoint, "arn:one")
    cfn = deployer(endpoint, allow("ssm:GetParameters", arn(name)))
    stack_id = cfn.create_stack(StackName=unique("stack"), TemplateBody=template(name))["StackId"]
    assert wait_for_stack(cfn, stack_id)["StackStatus"] == "CREATE_COMPLETE"
    client(endpoint, "ssm").put_parameter(Name=name, Value="arn:two", Type="String", Overwrite=True)
    control("DELETE", "iam/decisions")

    with pytest.raises(ClientError) as raised:
        deployer(endpoint).update_stack(StackName=stack_id, TemplateBody=template(name))
    assert error(raised) == REFUSED
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"

    cfn.update_stack(StackName=stack_id, TemplateBody=template(name))
    assert wait_for_stack(cfn, stack_id)["StackStatus"] == "UPDATE_COMPLETE"
    assert output(cfn, stack_id) == "arn:two"
    assert [result for _, _, result, _ in reads(control)] == ["ImplicitlyDenied", "Allowed"]


@pytest.mark.usefixtures("iam_enforced")
def test_a_refused_read_comes_before_a_missing_parameter_is_reported(endpoint: str) -> None:
    """IAM decides before Parameter Store looks the name up: a caller who may not read learns
    nothing of whether the parameter exists; one who may is told it does not."""
    missing = f"/{unique('suite')}/no-such"

    with pytest.raises(ClientError) as raised:
        deployer(endpoint).create_stack(StackName=unique("stack"), TemplateBody=template(missing))
    assert error(raised) == REFUSED

    with pytest.raises(ClientError) as raised:
        deployer(endpoint, allow("ssm:GetParameters")).create_stack(
            StackName=unique("stack"), TemplateBody=template(missing)
        )
    assert error(raised) == (
        "ValidationError",
        f"Unable to fetch parameters [{missing}] from parameter store for this account.",
    )


@pytest.mark.usefixtures("iam_enforced")
def test_the_value_given_is_read_not_the_default(
    endpoint: str, control: Callable[..., Any]
) -> None:
    default, given = published(endpoint, "arn:default"), published(endpoint, "arn:given")
    cfn = deployer(endpoint, allow("ssm:GetParameters", arn(given)))

    stack_id = cfn.create_stack(
        StackName=unique("stack"), TemplateBody=template(default),
        Parameters=[{"ParameterKey": "Token", "ParameterValue": given}],
    )["StackId"]

    assert wait_for_stack(cfn, stack_id)["StackStatus"] == "CREATE_COMPLETE"
    assert output(cfn, stack_id) == "arn:given"
    assert [r for _, r, _, _ in reads(control)] == [[arn(given)]]


# --------------------------------------------------------------------------
# Service Catalog: the launch role reads them
# --------------------------------------------------------------------------


def launch(endpoint: str, name: str, *statements: dict[str, Any]) -> dict[str, Any]:
    """The record of a launch (by the set-up caller) of a product whose template reads the SSM
    parameter ``name``, under a launch role allowed what every launch role needs and
    ``statements``."""
    role = launch_role(endpoint, unique("launch"), *statements)
    return launch_template(endpoint, template(name), role)


def launch_template(endpoint: str, body: str, role: str) -> dict[str, Any]:
    """The record of a launch (by the set-up caller) of a product of template ``body`` under the
    launch role ``role``."""
    sc = client(endpoint, "servicecatalog")
    product_id, artifact = new_product(sc, body)
    portfolio = sc.create_portfolio(DisplayName=unique("portfolio"), ProviderName="platform")[
        "PortfolioDetail"
    ]["Id"]
    sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio)
    sc.associate_principal_with_portfolio(
        PortfolioId=portfolio, PrincipalARN=f"arn:aws:iam::{ACCOUNT}:user/moto", PrincipalType="IAM"
    )
    sc.create_constraint(
        PortfolioId=portfolio, ProductId=product_id, Type="LAUNCH",
        Parameters=json.dumps({"RoleArn": role}),
        IdempotencyToken=unique("cons"),
    )
    return provision_and_wait(sc, product_id, artifact)


@pytest.mark.usefixtures("iam_enforced")
def test_a_launch_role_without_ssm_get_parameters_fails_the_launch(
    endpoint: str, control: Callable[..., Any]
) -> None:
    """The end user (the account root here) may read everything: the launch role is the one
    asked."""
    name = published(endpoint)

    record = launch(endpoint, name)

    assert record["Status"] == "FAILED"
    [problem] = record["RecordErrors"]
    assert REFUSED[1] in problem["Description"], problem
    [(principal, resources, result, _)] = reads(control)
    assert principal.endswith("/AWSServiceCatalog")
    assert (resources, result) == ([arn(name)], "ImplicitlyDenied")


@pytest.mark.usefixtures("iam_enforced")
def test_a_launch_role_allowed_ssm_get_parameters_under_the_suites_prefix_launches(
    endpoint: str, control: Callable[..., Any]
) -> None:
    """The portfolio's grant: ssm:GetParameter(s) on ``parameter/<prefix>/*``."""
    name = published(endpoint)
    prefix = name.split("/")[1]

    record = launch(
        endpoint, name,
        allow(["ssm:GetParameter", "ssm:GetParameters"], arn(f"/{prefix}/*")),
    )

    assert record["Status"] == "SUCCEEDED", record
    [(principal, _, result, _)] = reads(control)
    assert principal.endswith("/AWSServiceCatalog")
    assert result == "Allowed"


PRODUCT_TEMPLATES = sorted(
    path.name
    for path in (Path(REPOSITORY) / "templates").glob("*.yaml")
    if SSM_VALUE_TYPE in path.read_text(encoding="utf-8")
)


@pytest.mark.usefixtures("iam_enforced")
@pytest.mark.parametrize("product", PRODUCT_TEMPLATES)
def test_the_portfolios_launch_role_reads_every_ssm_parameter_a_product_template_reads_by_default(
    endpoint: str, control: Callable[..., Any], product: str
) -> None:
    """The launch role of ``portfolio/portfolio.yaml`` as written (its default
    ``CoreNamePrefix``) launches the product template's SSM-typed parameters with their
    defaults, each one published as the core stack publishes it."""
    declared = load_template(Path(REPOSITORY) / "templates" / product)["Parameters"]
    typed = {k: v for k, v in declared.items() if str(v["Type"]).startswith(SSM_VALUE_TYPE)}
    ssm = client(endpoint, "ssm")
    for spec in typed.values():
        ssm.put_parameter(Name=spec["Default"], Value="published", Type="String", Overwrite=True)
    portfolio = Path(REPOSITORY) / "portfolio" / "portfolio.yaml"
    defaults = {
        key: str(spec["Default"])
        for key, spec in load_template(portfolio)["Parameters"].items()
        if key in ("CoreNamePrefix", "ProductRolePrefix", "ArtifactBucket")
    }
    # The launch role is core.yaml's (issue #16), for the portfolio's defaults.
    statements = launch_role_statements(
        defaults["CoreNamePrefix"], defaults["ProductRolePrefix"], defaults["ArtifactBucket"])
    role = service_role(endpoint, unique("launch"), "servicecatalog", *statements)
    body = json.dumps({
        "Parameters": typed,
        "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
    })

    record = launch_template(endpoint, body, role)

    assert record["Status"] == "SUCCEEDED", record
    assert sorted(r for _, [r], result, _ in reads(control) if result == "Allowed") == sorted(
        arn(spec["Default"]) for spec in typed.values()
    )
