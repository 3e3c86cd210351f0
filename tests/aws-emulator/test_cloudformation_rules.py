"""A template's ``Rules`` refuse the stack operation before anything is created, as
CloudFormation's do (``studio_emulator/cloudformation/rules.py`` for the sources): a rule
applies when it has no ``RuleCondition`` or its condition is true, each of its assertions must
hold, and a failing one refuses CreateStack / UpdateStack / CreateChangeSet with a
``ValidationError`` whose message is its ``AssertDescription``; a Service Catalog launch or
update of such a template fails its record with that error.

IAM is enforced (the suite's default); the set-up keys are the account root.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator_client import (
    REPOSITORY,
    TEMPLATE_BUCKET,
    client,
    error,
    new_product,
    stage_template,
    unique,
    wait_for,
    wait_for_stack,
)

pytestmark = pytest.mark.transition_seconds(0.05)

#: The principal the tests' credentials act as in Service Catalog (test_servicecatalog.py).
CALLER = "arn:aws:iam::123456789012:user/moto"
REFUSAL = "The rule refuses these parameters."


@pytest.fixture(scope="module")
def cfn(endpoint: str) -> Any:
    return client(endpoint, "cloudformation")


def template(assertion: Any, condition: Any = None, **more: Any) -> str:
    """A template of one resource that needs nothing, the parameters ``Text`` / ``Other``
    (String, default empty), ``Items`` (CommaDelimitedList, default empty) and ``Count``
    (Number, default 1), and one rule ``Checked`` asserting ``assertion`` (its
    ``AssertDescription``: :data:`REFUSAL`), under ``condition`` when one is given."""
    rule: dict[str, Any] = {"Assertions": [{"Assert": assertion, "AssertDescription": REFUSAL}]}
    if condition is not None:
        rule["RuleCondition"] = condition
    return json.dumps({
        "Parameters": {
            "Text": {"Type": "String", "Default": ""},
            "Other": {"Type": "String", "Default": ""},
            "Items": {"Type": "CommaDelimitedList", "Default": ""},
            "Count": {"Type": "Number", "Default": "1"},
        },
        "Rules": {"Checked": rule, **more},
        "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
    })


def ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def equals(name: str, value: str) -> dict[str, Any]:
    return {"Fn::Equals": [ref(name), value]}


def given(**values: str) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def created(cfn: Any, body: str, **values: str) -> str:
    """CreateStack of ``body`` with ``values``; returns the stack id once it is created."""
    stack_id = str(cfn.create_stack(
        StackName=unique("rules"), TemplateBody=body, Parameters=given(**values)
    )["StackId"])
    assert wait_for_stack(cfn, stack_id)["StackStatus"] == "CREATE_COMPLETE"
    return stack_id


def refused(cfn: Any, body: str, **values: str) -> tuple[str, str]:
    """CreateStack of ``body`` with ``values``, refused: the error, once it is checked that no
    stack of that name exists."""
    name = unique("rules")
    with pytest.raises(ClientError) as raised:
        cfn.create_stack(StackName=name, TemplateBody=body, Parameters=given(**values))
    with pytest.raises(ClientError) as missing:
        cfn.describe_stacks(StackName=name)
    assert error(missing) == ("ValidationError", f"Stack with id {name} does not exist")
    return error(raised)


# --------------------------------------------------------------------------
# The rule functions
# --------------------------------------------------------------------------

CASES = [
    # (id, assertion, parameters, holds)
    ("equals-true", equals("Text", "x"), {"Text": "x"}, True),
    ("equals-false", equals("Text", "x"), {"Text": "y"}, False),
    ("equals-default", equals("Text", ""), {}, True),
    ("equals-number-literal", {"Fn::Equals": [ref("Count"), 5]}, {"Count": "5"}, True),
    ("equals-pseudo-parameter", equals("AWS::Region", "us-east-1"), {}, True),
    ("not-true", {"Fn::Not": [equals("Text", "x")]}, {"Text": "y"}, True),
    ("not-false", {"Fn::Not": [equals("Text", "x")]}, {"Text": "x"}, False),
    ("and-true", {"Fn::And": [equals("Text", "x"), equals("Other", "y")]},
     {"Text": "x", "Other": "y"}, True),
    ("and-false", {"Fn::And": [equals("Text", "x"), equals("Other", "y")]},
     {"Text": "x", "Other": "z"}, False),
    ("or-true", {"Fn::Or": [equals("Text", "x"), equals("Other", "y")]}, {"Other": "y"}, True),
    ("or-false", {"Fn::Or": [equals("Text", "x"), equals("Other", "y")]},
     {"Text": "q", "Other": "q"}, False),
    ("contains-literal-list", {"Fn::Contains": [["m1.large", "m1.small"], ref("Text")]},
     {"Text": "m1.small"}, True),
    ("contains-false", {"Fn::Contains": [["m1.large", "m1.small"], ref("Text")]},
     {"Text": "m5.large"}, False),
    ("contains-list-parameter", {"Fn::Contains": [ref("Items"), "b"]}, {"Items": "a,b"}, True),
    ("contains-list-parameter-false", {"Fn::Contains": [ref("Items"), "b"]},
     {"Items": "a,c"}, False),
    ("each-member-equals-true", {"Fn::EachMemberEquals": [ref("Items"), "a"]},
     {"Items": "a,a"}, True),
    ("each-member-equals-false", {"Fn::EachMemberEquals": [ref("Items"), "a"]},
     {"Items": "a,b"}, False),
    ("each-member-in-true", {"Fn::EachMemberIn": [ref("Items"), ["a", "b"]]},
     {"Items": "b,a"}, True),
    ("each-member-in-false", {"Fn::EachMemberIn": [ref("Items"), ["a", "b"]]},
     {"Items": "a,c"}, False),
    # An empty CommaDelimitedList is [""] to Ref (aws-cloudformation/cfn-lint#979), given or
    # by its default.
    ("empty-list-default", {"Fn::Not": [{"Fn::Contains": [ref("Items"), ""]}]}, {}, False),
    ("empty-list-given", {"Fn::Not": [{"Fn::Contains": [ref("Items"), ""]}]}, {"Items": ""},
     False),
    ("list-given", {"Fn::Not": [{"Fn::Contains": [ref("Items"), ""]}]}, {"Items": "a"}, True),
]


@pytest.mark.parametrize(
    ("assertion", "values", "holds"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_rule_function_decides_the_create(
    cfn: Any, assertion: Any, values: dict[str, str], holds: bool
) -> None:
    body = template(assertion)
    if holds:
        created(cfn, body, **values)
    else:
        assert refused(cfn, body, **values) == ("ValidationError", REFUSAL)


@pytest.mark.parametrize(("text", "holds"), [("prod", False), ("dev", True)])
def test_a_rule_applies_only_when_its_condition_is_true(
    cfn: Any, text: str, holds: bool
) -> None:
    """``RuleCondition`` ``Text == prod``; the assertion (``Other`` given) fails whenever it
    is checked."""
    body = template(
        {"Fn::Not": [equals("Other", "")]}, condition=equals("Text", "prod")
    )
    if holds:
        created(cfn, body, Text=text)
    else:
        assert refused(cfn, body, Text=text) == ("ValidationError", REFUSAL)


def test_the_failing_assertion_names_itself(cfn: Any) -> None:
    """Of several rules and assertions, the error is the description of the one that failed."""
    body = template(
        equals("Text", "x"),
        Second={"Assertions": [
            {"Assert": equals("Other", ""), "AssertDescription": "Other stays empty."},
            {"Assert": equals("Other", "y"), "AssertDescription": "Other must be y."},
        ]},
    )
    assert refused(cfn, body, Text="x", Other="") == ("ValidationError", "Other must be y.")
    assert refused(cfn, body, Text="z", Other="") == ("ValidationError", REFUSAL)


# --------------------------------------------------------------------------
# Functions the Rules block does not take, or the emulator does not model
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("assertion", "function"), [
    ({"Fn::Not": [{"Condition": "Anything"}]}, "Condition"),
    ({"Fn::If": ["Anything", equals("Text", ""), equals("Other", "")]}, "Fn::If"),
    ({"Fn::Equals": [{"Fn::Join": ["", ref("Items")]}, ""]}, "Fn::Join"),
])
def test_other_functions_are_a_template_format_error(
    cfn: Any, assertion: Any, function: str
) -> None:
    """Even where the rule's condition is false: the template is refused as it is read."""
    body = template(assertion, condition=equals("Text", "never"))
    assert refused(cfn, body) == (
        "ValidationError",
        "Template format error: Following functions are not supported in the Rules block of "
        f"the template: [{function}].",
    )


@pytest.mark.parametrize(("assertion", "function"), [
    ({"Fn::EachMemberIn": [ref("Items"), {"Fn::RefAll": "AWS::EC2::VPC::Id"}]}, "Fn::RefAll"),
    ({"Fn::Equals": [{"Fn::ValueOf": ["Text", "Tags.Department"]}, "IT"]}, "Fn::ValueOf"),
    ({"Fn::EachMemberEquals": [{"Fn::ValueOfAll": ["AWS::EC2::VPC::Id", "Tags.Team"]}, "IT"]},
     "Fn::ValueOfAll"),
], ids=["RefAll", "ValueOf", "ValueOfAll"])
def test_account_lookups_are_refused_as_not_modelled(
    cfn: Any, assertion: Any, function: str
) -> None:
    """They read the account's resources (every VPC id, a subnet's tags): refused, never
    guessed."""
    code, message = refused(cfn, template(assertion))
    assert code == "ValidationError"
    assert message.startswith(f"The studio emulator does not model {function} in Rules: it "
                              "needs the account's resources")


@pytest.mark.parametrize(("assertion", "message"), [
    ({"Fn::Not": [equals("Text", ""), equals("Other", "")]},
     "Template format error: Fn::Not in rule Checked takes a list of 1 arguments"),
    ({"Fn::And": [equals("Text", "")]},
     "Template format error: Fn::And in rule Checked takes a list of 2 to 10 arguments"),
    ({"Fn::Contains": [ref("Text"), ""]},
     "Template format error: Fn::Contains in rule Checked needs a list of strings, not ''"),
    (equals("Handle", ""),
     "Template format error: Unresolved resource dependencies [Handle] in the Rules block of "
     "the template"),
    ({"Fn::Contains": [["a"], ref("Text")], "Extra": 1},
     "Template format error: rule Checked has a mapping that is not a rule function"),
    (ref("Text"),
     "Template format error: Assert of rule Checked must evaluate to true or false, not ''"),
])
def test_a_misshapen_rule_is_a_template_format_error(
    cfn: Any, assertion: Any, message: str
) -> None:
    assert refused(cfn, template(assertion)) == ("ValidationError", message)


# --------------------------------------------------------------------------
# Updates and change sets
# --------------------------------------------------------------------------

#: ``Other`` must be given with ``Text`` and only with it.
TOGETHER = template({"Fn::Or": [
    {"Fn::And": [equals("Text", ""), equals("Other", "")]},
    {"Fn::And": [{"Fn::Not": [equals("Text", "")]}, {"Fn::Not": [equals("Other", "")]}]},
]})


def test_an_update_the_rule_refuses_leaves_the_stack_as_it_was(cfn: Any) -> None:
    stack_id = created(cfn, TOGETHER, Text="a", Other="b")
    with pytest.raises(ClientError) as raised:
        cfn.update_stack(StackName=stack_id, TemplateBody=TOGETHER, Parameters=given(Text="a"))
    assert error(raised) == ("ValidationError", REFUSAL)  # Other takes its default again
    stack = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {
        "Text": "a", "Other": "b", "Items": "", "Count": "1",
    }
    cfn.update_stack(StackName=stack_id, TemplateBody=TOGETHER, Parameters=given(Text="", Other=""))
    assert wait_for_stack(cfn, stack_id)["StackStatus"] == "UPDATE_COMPLETE"


def test_an_update_reads_previous_values_as_the_stack_has_them(cfn: Any) -> None:
    stack_id = created(cfn, TOGETHER, Text="a", Other="b")
    previous_text = {"ParameterKey": "Text", "UsePreviousValue": True}
    with pytest.raises(ClientError) as raised:
        cfn.update_stack(
            StackName=stack_id, UsePreviousTemplate=True,
            Parameters=[previous_text, *given(Other="")],
        )
    assert error(raised) == ("ValidationError", REFUSAL)
    cfn.update_stack(
        StackName=stack_id, UsePreviousTemplate=True, Parameters=[previous_text, *given(Other="c")]
    )
    assert wait_for_stack(cfn, stack_id)["StackStatus"] == "UPDATE_COMPLETE"


def test_a_change_set_the_rule_refuses_is_not_created(cfn: Any) -> None:
    name = unique("rules")
    with pytest.raises(ClientError) as raised:
        cfn.create_change_set(
            StackName=name, ChangeSetName="first", ChangeSetType="CREATE",
            TemplateBody=TOGETHER, Parameters=given(Text="a"),
        )
    assert error(raised) == ("ValidationError", REFUSAL)
    with pytest.raises(ClientError):
        cfn.describe_stacks(StackName=name)
    made = cfn.create_change_set(
        StackName=name, ChangeSetName="first", ChangeSetType="CREATE",
        TemplateBody=TOGETHER, Parameters=given(Text="a", Other="b"),
    )
    described = cfn.describe_change_set(ChangeSetName=made["Id"])
    assert described["Status"] == "CREATE_COMPLETE"
    with pytest.raises(ClientError) as update:
        cfn.create_change_set(
            StackName=name, ChangeSetName="second", ChangeSetType="UPDATE",
            TemplateBody=TOGETHER, Parameters=given(Other="b"),
        )
    assert error(update) == ("ValidationError", REFUSAL)


# --------------------------------------------------------------------------
# Service Catalog
# --------------------------------------------------------------------------


def _launchable(sc: Any, body: str) -> tuple[str, str]:
    product_id, artifact = new_product(sc, body)
    portfolio_id = sc.create_portfolio(DisplayName=unique("portfolio"), ProviderName="platform")[
        "PortfolioDetail"
    ]["Id"]
    sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio_id)
    sc.associate_principal_with_portfolio(
        PortfolioId=portfolio_id, PrincipalARN=CALLER, PrincipalType="IAM"
    )
    return product_id, artifact


def _record(sc: Any, record_id: str, status: str) -> dict[str, Any]:
    wait_for(lambda: sc.describe_record(Id=record_id)["RecordDetail"]["Status"], status, 20)
    return dict(sc.describe_record(Id=record_id)["RecordDetail"])


def test_a_launch_and_an_update_the_rule_refuses_fail_their_record(
    endpoint: str, cfn: Any
) -> None:
    sc = client(endpoint, "servicecatalog")
    product_id, artifact = _launchable(sc, TOGETHER)
    refused_launch = sc.provision_product(
        ProductId=product_id, ProvisioningArtifactId=artifact,
        ProvisionedProductName=unique("pp"), ProvisionToken=unique("tok"),
        ProvisioningParameters=[{"Key": "Text", "Value": "a"}],
    )["RecordDetail"]
    detail = _record(sc, refused_launch["RecordId"], "FAILED")
    assert detail["RecordErrors"] == [{"Code": "ValidationError", "Description": REFUSAL}]
    pp = sc.describe_provisioned_product(Id=refused_launch["ProvisionedProductId"])[
        "ProvisionedProductDetail"
    ]
    assert pp["Status"] == "ERROR"

    launch = sc.provision_product(
        ProductId=product_id, ProvisioningArtifactId=artifact,
        ProvisionedProductName=unique("pp"), ProvisionToken=unique("tok"),
        ProvisioningParameters=[{"Key": "Text", "Value": "a"}, {"Key": "Other", "Value": "b"}],
    )["RecordDetail"]
    _record(sc, launch["RecordId"], "SUCCEEDED")
    update = sc.update_provisioned_product(
        ProvisionedProductId=launch["ProvisionedProductId"], UpdateToken=unique("tok"),
        ProvisioningParameters=[{"Key": "Text", "UsePreviousValue": True},
                                {"Key": "Other", "Value": ""}],
    )["RecordDetail"]
    detail = _record(sc, update["RecordId"], "FAILED")
    assert detail["RecordErrors"] == [{"Code": "ValidationError", "Description": REFUSAL}]
    pp = sc.describe_provisioned_product(Id=launch["ProvisionedProductId"])[
        "ProvisionedProductDetail"
    ]
    assert pp["Status"] == "TAINTED"
    stack = cfn.describe_stacks(StackName=f"SC-123456789012-{launch['ProvisionedProductId']}")
    assert stack["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


# --------------------------------------------------------------------------
# The real studio-domain template
# --------------------------------------------------------------------------

DOMAIN_TEMPLATE = Path(REPOSITORY) / "templates" / "studio-domain.yaml"


def ssm_typed_parameters(endpoint: str, body: str) -> list[dict[str, str]]:
    """Each SSM-typed parameter of the template pointed at a Parameter Store parameter of its
    own (created here, so that the stack's parameters resolve)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    declared = yaml.load(body, Loader=Loader)["Parameters"]  # noqa: S506 (SafeLoader)
    ssm = client(endpoint, "ssm")
    prefix = f"/{unique('rules')}"
    values = []
    for key, spec in declared.items():
        if str(spec["Type"]).startswith("AWS::SSM::Parameter::Value<"):
            ssm.put_parameter(Name=f"{prefix}/{key}", Value=f"{key.lower()}-value", Type="String")
            values.append({"ParameterKey": key, "ParameterValue": f"{prefix}/{key}"})
    return values


def staged(endpoint: str, path: Path) -> str:
    """The template at ``path`` in moto's S3; its TemplateURL (virtual-hosted style: the real
    templates exceed TemplateBody's 51,200 bytes)."""
    key = f"templates/{unique(path.stem)}.yaml"
    stage_template(endpoint, path.read_text(encoding="utf-8"), key)
    return f"https://{TEMPLATE_BUCKET}.s3.amazonaws.com/{key}"


def launch_form_refusal(endpoint: str, path: Path, values: dict[str, str]) -> str | None:
    """Whether the template at ``path`` takes the launch form ``values`` (every other parameter
    at its default, its SSM-typed parameters pointed at parameters of their own): None when
    CreateChangeSet accepts it (its Rules hold), else the ``ValidationError``'s message."""
    cfn = client(endpoint, "cloudformation")
    try:
        cfn.create_change_set(
            StackName=unique("launch-form"), ChangeSetName="launch-form", ChangeSetType="CREATE",
            TemplateURL=staged(endpoint, path),
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
            Parameters=[*given(**values),
                        *ssm_typed_parameters(endpoint, path.read_text(encoding="utf-8"))],
        )
    except ClientError as refused_error:
        code = refused_error.response["Error"]["Code"]
        assert code == "ValidationError", refused_error
        return str(refused_error.response["Error"]["Message"])
    return None


#: What studio-domain.yaml needs besides its defaults (VpcOnly needs a security group).
DOMAIN_FORM = {
    "VpcId": "vpc-0123456789abcdef0", "SubnetIds": "subnet-0123456789abcdef0",
    "SecurityGroupIds": "sg-0123456789abcdef0",
}


def test_the_domain_template_refuses_a_custom_image_without_its_config(
    endpoint: str, cfn: Any
) -> None:
    """templates/studio-domain.yaml's ``JupyterLabCustomImageComesWithItsConfig``: CreateStack
    with an image and no app image configuration is refused before any resource exists; the
    same form with the configuration passes the rules."""
    name = unique("domain-rules")
    form = {**DOMAIN_FORM, "DomainName": unique("domain"),
            "JupyterLabCustomImageName": "team-image"}
    with pytest.raises(ClientError) as raised:
        cfn.create_stack(
            StackName=name, TemplateURL=staged(endpoint, DOMAIN_TEMPLATE),
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
            Parameters=[*given(**form),
                        *ssm_typed_parameters(endpoint, DOMAIN_TEMPLATE.read_text(encoding="utf-8"))],
        )
    assert error(raised) == (
        "ValidationError",
        "Give both the JupyterLab custom image and its app image configuration, or neither "
        "(CustomImage requires both).",
    )
    with pytest.raises(ClientError):
        cfn.describe_stacks(StackName=name)
    assert launch_form_refusal(endpoint, DOMAIN_TEMPLATE, {
        **form, "JupyterLabCustomImageConfigName": "team-config",
    }) is None
