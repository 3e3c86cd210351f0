"""Launch forms that carry guardrails (issue #17): the domain product's "Guardrails" parameters
(hidden instance types, ML tools and app types; idle shutdown; default and maximum EBS size;
lifecycle configurations and a custom image; TagPropagation) reach the domain's
``DefaultUserSettings`` and ``DefaultSpaceSettings``, an empty parameter leaving its field out;
the user product may only tighten them (the rule is ``studio-sagemaker``'s ``guardrails.rs``,
applied by ``Custom::StudioUserProfile``).

The launches reuse ``test_iam_product_paths``'s portfolio (core.yaml's launch role, the products
staged from ``templates/*.yaml``, IAM enforced, the cloud admin allowed only the Service Catalog
end-user actions); the module replaces its answering fixture for ``Custom::StudioDomain`` with the
real ``studio-domain`` binary under core.yaml's ``StudioDomainFunctionRole`` policy, so that
DescribeDomain reads back what the function asked CreateDomain for.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore
import pytest

from emulator_client import iam_enforced  # noqa: F401 (the fixture)
from emulator_client import (
    ACCOUNT,
    REGION,
    client,
    create_function,
    function_zip,
    load_template,
    rust_binary,
    unique,
    wait_for,
)
from test_cloudformation_rules import DOMAIN_FORM, launch_form_refusal
from test_iam_product_paths import (  # noqa: F401 (the fixtures)
    CORE,
    PRODUCTS,
    Catalog,
    _previous,
    catalog,
    portfolio,
    succeeded,
)

#: The parameters the issue's "Launch forms that carry guardrails" lists, per product.
GUARDRAILS = {
    "StudioDomain": [
        "HiddenInstanceTypes", "HiddenMlTools", "HiddenAppTypes", "IdleTimeoutInMinutes",
        "MinIdleTimeoutInMinutes", "MaxIdleTimeoutInMinutes", "DefaultEbsVolumeSizeInGb",
        "MaximumEbsVolumeSizeInGb", "JupyterLabLifecycleConfigArns",
        "CodeEditorLifecycleConfigArns", "JupyterLabCustomImageName",
        "JupyterLabCustomImageConfigName", "CodeEditorCustomImageName",
        "CodeEditorCustomImageConfigName", "TagPropagation",
    ],
    "StudioUserProfile": [
        "HiddenInstanceTypes", "HiddenMlTools", "HiddenAppTypes", "IdleTimeoutInMinutes",
        "DefaultEbsVolumeSizeInGb", "MaximumEbsVolumeSizeInGb",
    ],
}


def _interface(product: str) -> tuple[dict[str, Any], dict[str, Any]]:
    template = load_template(PRODUCTS[product])
    return template["Parameters"], template["Metadata"]["AWS::CloudFormation::Interface"]


@pytest.mark.parametrize("product", sorted(PRODUCTS))
def test_every_product_parameter_is_in_exactly_one_labelled_group_and_has_a_label(
    product: str,
) -> None:
    """The console's launch form shows a parameter under its group's label
    (CloudFormation User Guide, "AWS::CloudFormation::Interface"); one left out of every group
    lands in an unlabelled heap at the end."""
    parameters, interface = _interface(product)
    grouped: list[str] = []
    for group in interface["ParameterGroups"]:
        assert group["Label"]["default"].strip(), group
        grouped += group["Parameters"]
    assert sorted(grouped) == sorted(parameters), (
        f"not grouped: {sorted(set(parameters) - set(grouped))}; "
        f"twice or unknown: {sorted(p for p in grouped if grouped.count(p) > 1 or p not in parameters)}"
    )
    unlabelled = [p for p in parameters if not interface["ParameterLabels"].get(p, {}).get("default")]
    assert unlabelled == []


@pytest.mark.parametrize("product", sorted(GUARDRAILS))
def test_the_guardrail_parameters_are_one_group_of_the_launch_form(product: str) -> None:
    _, interface = _interface(product)
    [group] = [g for g in interface["ParameterGroups"]
               if g["Label"]["default"].startswith("Guardrails")]
    assert group["Parameters"] == GUARDRAILS[product]


def _sagemaker_shapes() -> dict[str, Any]:
    directory = Path(botocore.__file__).parent / "data" / "sagemaker"
    [version] = sorted(p for p in directory.iterdir() if p.is_dir())
    with gzip.open(version / "service-2.json.gz") as model:
        return dict(json.load(model)["shapes"])


@pytest.mark.parametrize("product", sorted(GUARDRAILS))
@pytest.mark.parametrize(("parameter", "shape"), [
    ("HiddenInstanceTypes", "AppInstanceType"),
    ("HiddenMlTools", "MlTools"),
    ("HiddenAppTypes", "AppType"),
])
def test_a_hidden_list_allows_exactly_the_apis_enum_and_empty(
    product: str, parameter: str, shape: str
) -> None:
    """CloudFormation checks each member of a CommaDelimitedList against AllowedValues; the
    values are the API's enum as the botocore model lists it (sagemaker service-2.json)."""
    parameters, _ = _interface(product)
    assert parameters[parameter]["Type"] == "CommaDelimitedList"
    assert parameters[parameter]["AllowedValues"] == ["", *_sagemaker_shapes()[shape]["enum"]]


def test_the_ebs_size_pattern_is_the_apis_range_5_to_16384() -> None:
    """SpaceEbsVolumeSizeInGb: min 5, max 16384 (botocore); empty leaves the field out."""
    import re

    shape = _sagemaker_shapes()["SpaceEbsVolumeSizeInGb"]
    for product in GUARDRAILS:
        parameters, _ = _interface(product)
        for name in ("DefaultEbsVolumeSizeInGb", "MaximumEbsVolumeSizeInGb"):
            pattern = re.compile(parameters[name]["AllowedPattern"])
            accepted = [n for n in range(0, 20000) if pattern.fullmatch(str(n))]
            assert accepted == list(range(shape["min"], shape["max"] + 1)), (product, name)
            assert pattern.fullmatch("")
            assert not pattern.fullmatch("05")


@pytest.mark.parametrize("app", ["JupyterLab", "CodeEditor"])
@pytest.mark.parametrize(("suffix", "shape"), [
    ("CustomImageName", "ImageName"),
    ("CustomImageConfigName", "AppImageConfigName"),
])
def test_a_custom_image_parameter_takes_the_apis_name_or_empty(
    app: str, suffix: str, shape: str
) -> None:
    """CustomImage's ImageName and AppImageConfigName (botocore shapes ImageName,
    AppImageConfigName): the model's pattern over the whole value, and its maximum length (the
    patterns alone allow longer names); empty leaves the image out."""
    parameters, _ = _interface("StudioDomain")
    parameter = parameters[f"{app}{suffix}"]
    model = _sagemaker_shapes()[shape]
    assert parameter["AllowedPattern"] == f"^({model['pattern']})?$"
    assert parameter["MaxLength"] == model["max"]
    assert parameter["Default"] == ""


@pytest.mark.parametrize("app", ["JupyterLab", "CodeEditor"])
@pytest.mark.parametrize(("image", "config", "allowed"), [
    ("", "", True),
    ("team-image", "team-config", True),
    ("team-image", "", False),
    ("", "team-config", False),
])
def test_a_custom_image_is_given_with_its_app_image_config_or_not_at_all(
    endpoint: str, app: str, image: str, config: str, allowed: bool
) -> None:
    """CustomImage requires both ImageName and AppImageConfigName (botocore): the launch form
    giving one without the other is refused by the rule ``<app>CustomImageComesWithItsConfig``
    before anything is created (without it, a config alone would be dropped silently by the
    ``Has<app>CustomImage`` condition, and an image alone would reach the function with an empty
    config name). The emulator's CloudFormation evaluates the template's Rules
    (``studio_emulator/cloudformation/rules.py``); CreateChangeSet of the form, every other
    parameter at its default, is refused with the rule's ``AssertDescription``."""
    [description] = [
        assertion["AssertDescription"]
        for assertion in load_template(PRODUCTS["StudioDomain"])["Rules"][
            f"{app}CustomImageComesWithItsConfig"
        ]["Assertions"]
    ]
    refusal = launch_form_refusal(endpoint, PRODUCTS["StudioDomain"], {
        **DOMAIN_FORM, "DomainName": unique("domain"),
        f"{app}CustomImageName": image, f"{app}CustomImageConfigName": config,
    })
    assert refusal == (None if allowed else description)


# --------------------------------------------------------------------------
# Launches through Service Catalog, with the real studio-domain function
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def domain_function(portfolio: Catalog) -> str:  # noqa: F811
    """The real ``studio-domain`` function (core.yaml's ``StudioDomainFunctionRole``) in place
    of the portfolio's answering fixture."""
    return _core_function(portfolio, "studio-domain", "StudioDomainFunctionRole",
                          "StudioDomainLogGroup")


def _core_role(portfolio: Catalog, role_resource: str, log_group: str) -> str:  # noqa: F811
    """core.yaml's ``role_resource`` as CloudFormation makes it: a stack of that role and the log
    group its policy names, with core.yaml's own definitions, parameters and ``Description``, so
    that the least-privilege report (``least_privilege.py``, which credits a call to the
    template statement of the stack resource that holds the role) counts the function's calls
    for core.yaml's statements. The role's ARN."""
    core = load_template(CORE)
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": core["Description"],
        "Parameters": {name: core["Parameters"][name]
                       for name in ("NamePrefix", "ProductRolePrefix")},
        "Resources": {
            # The log group with its name only (its retention and key are other parameters').
            log_group: {"Type": "AWS::Logs::LogGroup", "Properties": {
                "LogGroupName": core["Resources"][log_group]["Properties"]["LogGroupName"]}},
            role_resource: core["Resources"][role_resource],
        },
        "Outputs": {"Role": {"Value": {"Fn::GetAtt": [role_resource, "Arn"]}}},
    }
    cfn = client(portfolio.endpoint, "cloudformation")
    stack = cfn.create_stack(
        StackName=unique("core-role"), TemplateBody=json.dumps(template),
        Capabilities=["CAPABILITY_IAM"],
        Parameters=[{"ParameterKey": "NamePrefix", "ParameterValue": portfolio.prefix},
                    {"ParameterKey": "ProductRolePrefix",
                     "ParameterValue": portfolio.role_prefix}])["StackId"]
    wait_for(lambda: cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"],
             "CREATE_COMPLETE")
    [role] = [o["OutputValue"] for o in cfn.describe_stacks(StackName=stack)["Stacks"][0][
        "Outputs"] if o["OutputKey"] == "Role"]
    return str(role)


def _core_function(portfolio: Catalog, binary: str, role_resource: str,  # noqa: F811
                   log_group: str) -> str:
    """``<prefix>-<binary>`` as core.yaml makes it: the real binary under its role
    (``role_resource``, made by CloudFormation: :func:`_core_role`), its environment for the
    emulator's ResponseURLs and the launches' stacks (Service Catalog names them ``SC-*``); any
    function of that name is replaced. Its ServiceToken is published; returns its ARN."""
    name = f"{portfolio.prefix}-{binary}"
    lam = client(portfolio.endpoint, "lambda")
    try:
        lam.delete_function(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        pass
    role = _core_role(portfolio, role_resource, log_group)
    created = create_function(
        lam, function_name=name,
        zip_bytes=function_zip("", bootstrap=rust_binary(binary)),
        role=role,
        Architectures=["x86_64" if os.uname().machine == "x86_64" else "arm64"],
        Timeout=900, MemorySize=256, LoggingConfig={"LogFormat": "JSON"},
        Environment={"Variables": {
            "CFN_RESPONSE_URL_ALLOW": f"{portfolio.endpoint}/",
            "CFN_ALLOWED_STACK_NAMES": "SC-*",
        }},
    )
    lam.add_permission(
        FunctionName=name, StatementId="cloudformation", Action="lambda:InvokeFunction",
        Principal="cloudformation.amazonaws.com", SourceAccount=ACCOUNT,
    )
    portfolio.publish(f"service-tokens/{binary}", created["FunctionArn"])
    return str(created["FunctionArn"])


def function_decisions(catalog: Catalog, function: str) -> list[dict[str, Any]]:  # noqa: F811
    """The allowed IAM decisions of the function's role since the log was last emptied."""
    role = client(catalog.endpoint, "lambda").get_function_configuration(
        FunctionName=function)["Role"].rsplit("/", 1)[1]
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/"
    return [d for d in catalog.control("GET", "iam/decisions?result=Allowed")["decisions"]
            if str(d.get("principal", "")).startswith(session)]


@pytest.fixture(scope="module")
def profile_function(portfolio: Catalog) -> str:  # noqa: F811
    """The real ``studio-user-profile`` function (core.yaml's ``StudioUserProfileFunctionRole``);
    the grant's ServiceToken is published too (the product resolves every SSM-typed parameter,
    used or not), naming no function (the launches grant nothing)."""
    portfolio.publish("service-tokens/lakeformation-grant",
                      f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{portfolio.prefix}-lakeformation-grant")
    return _core_function(portfolio, "studio-user-profile", "StudioUserProfileFunctionRole",
                          "StudioUserProfileLogGroup")


@pytest.fixture
def lifecycle_config(catalog: Catalog) -> Iterator[str]:  # noqa: F811
    """A JupyterLab Studio lifecycle configuration (made by the account's admin)."""
    sagemaker = client(catalog.endpoint, "sagemaker")
    name = unique("lcc")
    arn = sagemaker.create_studio_lifecycle_config(
        StudioLifecycleConfigName=name,
        StudioLifecycleConfigContent=base64.b64encode(b"#!/bin/bash\necho ready\n").decode(),
        StudioLifecycleConfigAppType="JupyterLab",
    )["StudioLifecycleConfigArn"]
    yield str(arn)


def _domain(catalog: Catalog, record: dict[str, Any]) -> dict[str, Any]:
    outputs = {o["OutputKey"]: o["OutputValue"]
               for o in catalog.stack(record["ProvisionedProductId"])["Outputs"]}
    return dict(client(catalog.endpoint, "sagemaker").describe_domain(DomainId=outputs["DomainId"]))


@pytest.mark.rust_binaries
def test_a_domain_launched_with_guardrails_carries_them_in_its_default_settings(
    catalog: Catalog, domain_function: str, lifecycle_config: str  # noqa: F811
) -> None:
    record = catalog.launch("StudioDomain", catalog.domain_parameters(
        DomainName=unique("guarded", ""),
        HiddenInstanceTypes="ml.p4d.24xlarge,ml.g5.48xlarge",
        HiddenMlTools="AutoMl,Training",
        HiddenAppTypes="Canvas",
        DefaultEbsVolumeSizeInGb="10",
        MaximumEbsVolumeSizeInGb="100",
        JupyterLabLifecycleConfigArns=lifecycle_config,
        MaxIdleTimeoutInMinutes="240",
        TagPropagation="DISABLED",
    ))
    assert succeeded(record), record
    domain = _domain(catalog, record)
    defaults = domain["DefaultUserSettings"]
    assert defaults["StudioWebPortalSettings"] == {
        "HiddenInstanceTypes": ["ml.p4d.24xlarge", "ml.g5.48xlarge"],
        "HiddenMlTools": ["AutoMl", "Training"],
        "HiddenAppTypes": ["Canvas"],
    }
    ebs = {"DefaultEbsVolumeSizeInGb": 10, "MaximumEbsVolumeSizeInGb": 100}
    assert defaults["SpaceStorageSettings"] == {"DefaultEbsStorageSettings": ebs}
    assert defaults["JupyterLabAppSettings"]["LifecycleConfigArns"] == [lifecycle_config]
    assert "LifecycleConfigArns" not in defaults["CodeEditorAppSettings"]
    assert defaults["JupyterLabAppSettings"]["AppLifecycleManagement"]["IdleSettings"][
        "MaxIdleTimeoutInMinutes"] == 240
    shared = domain["DefaultSpaceSettings"]
    assert shared["SpaceStorageSettings"] == {"DefaultEbsStorageSettings": ebs}
    assert shared["JupyterLabAppSettings"]["LifecycleConfigArns"] == [lifecycle_config]
    assert domain["TagPropagation"] == "DISABLED"
    assert succeeded(catalog.terminate(record["ProvisionedProductId"]))


@pytest.mark.rust_binaries
def test_a_domain_launched_with_the_guardrails_left_empty_has_none_of_their_fields(
    catalog: Catalog, domain_function: str  # noqa: F811
) -> None:
    record = catalog.launch("StudioDomain", catalog.domain_parameters(
        DomainName=unique("open", "")))
    assert succeeded(record), record
    domain = _domain(catalog, record)
    defaults = domain["DefaultUserSettings"]
    assert "StudioWebPortalSettings" not in defaults
    assert "SpaceStorageSettings" not in defaults
    assert "LifecycleConfigArns" not in defaults["JupyterLabAppSettings"]
    assert "CustomImages" not in defaults["JupyterLabAppSettings"]
    assert "CustomImages" not in defaults["CodeEditorAppSettings"]
    assert "DefaultSpaceSettings" not in domain
    assert domain["TagPropagation"] == "ENABLED"
    assert succeeded(catalog.terminate(record["ProvisionedProductId"]))


@pytest.mark.rust_binaries
def test_a_code_editor_image_reaches_the_user_defaults_and_an_update_takes_it_away(
    catalog: Catalog, domain_function: str  # noqa: F811
) -> None:
    """The Code Editor image lands in ``DefaultUserSettings.CodeEditorAppSettings.CustomImages``
    beside the idle shutdown, and nowhere else: not in JupyterLab's settings, and not in
    ``DefaultSpaceSettings``, which has no ``CodeEditorAppSettings`` (botocore
    DefaultSpaceSettings). An update that empties both parameters leaves Code Editor with no
    custom image and its idle shutdown as it was."""
    record = catalog.launch("StudioDomain", catalog.domain_parameters(
        DomainName=unique("editor", ""),
        CodeEditorCustomImageName="team-editor-image",
        CodeEditorCustomImageConfigName="team-editor-config",
        MaxIdleTimeoutInMinutes="240",
    ))
    assert succeeded(record), record
    pp = record["ProvisionedProductId"]
    domain = _domain(catalog, record)
    editor = domain["DefaultUserSettings"]["CodeEditorAppSettings"]
    assert editor["CustomImages"] == [
        {"ImageName": "team-editor-image", "AppImageConfigName": "team-editor-config"}]
    idle = editor["AppLifecycleManagement"]["IdleSettings"]
    assert idle["MaxIdleTimeoutInMinutes"] == 240
    assert "CustomImages" not in domain["DefaultUserSettings"]["JupyterLabAppSettings"]
    assert "DefaultSpaceSettings" not in domain

    record = catalog.update(pp, _previous(
        catalog, CodeEditorCustomImageName="", CodeEditorCustomImageConfigName="",
    ) + [{"Key": "MaxIdleTimeoutInMinutes", "UsePreviousValue": True}])
    assert succeeded(record), record
    domain = _domain(catalog, record)
    editor = domain["DefaultUserSettings"]["CodeEditorAppSettings"]
    assert editor.get("CustomImages", []) == []
    assert editor["AppLifecycleManagement"]["IdleSettings"] == idle
    assert "DefaultSpaceSettings" not in domain
    assert succeeded(catalog.terminate(pp))


def _profile_parameters(catalog: Catalog, domain_id: str, **values: str) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in {
        "DomainId": domain_id, "UserProfileName": unique("ana", ""),
        "StudioUserId": "ana", "QueryResultsBucket": catalog.bucket,
        "StudioUserProfileServiceToken": catalog.parameter("service-tokens/studio-user-profile"),
        "LakeFormationGrantServiceToken": catalog.parameter("service-tokens/lakeformation-grant"),
        "ProductRolePrefix": catalog.parameter("config/product-role-prefix"),
        "ProductRoleBoundary": catalog.parameter("config/product-role-boundary"),
        **values,
    }.items()]


@pytest.mark.rust_binaries
def test_a_user_profile_may_only_tighten_the_domains_guardrails(
    catalog: Catalog, domain_function: str, profile_function: str  # noqa: F811
) -> None:
    """A profile that hides more and lowers the EBS maximum is created with them; one that shows
    an instance type the domain hides, or raises the maximum, fails naming the property, and no
    profile is made."""
    domain_record = catalog.launch("StudioDomain", catalog.domain_parameters(
        DomainName=unique("tight", ""),
        HiddenInstanceTypes="ml.p4d.24xlarge", HiddenMlTools="AutoMl",
        DefaultEbsVolumeSizeInGb="10", MaximumEbsVolumeSizeInGb="100",
    ))
    assert succeeded(domain_record), domain_record
    domain_id = _domain(catalog, domain_record)["DomainId"]
    sagemaker = client(catalog.endpoint, "sagemaker")

    tighter = catalog.launch("StudioUserProfile", _profile_parameters(
        catalog, domain_id, HiddenInstanceTypes="ml.p4d.24xlarge,ml.g5.48xlarge",
        HiddenMlTools="AutoMl,Training",
        DefaultEbsVolumeSizeInGb="10", MaximumEbsVolumeSizeInGb="50"))
    assert succeeded(tighter), tighter
    outputs = {o["OutputKey"]: o["OutputValue"]
               for o in catalog.stack(tighter["ProvisionedProductId"])["Outputs"]}
    settings = sagemaker.describe_user_profile(
        DomainId=domain_id, UserProfileName=outputs["UserProfileName"])["UserSettings"]
    assert settings["StudioWebPortalSettings"]["HiddenInstanceTypes"] == [
        "ml.p4d.24xlarge", "ml.g5.48xlarge"]
    assert settings["SpaceStorageSettings"]["DefaultEbsStorageSettings"][
        "MaximumEbsVolumeSizeInGb"] == 50

    for values, refused in [
        ({"HiddenInstanceTypes": "ml.g5.48xlarge", "HiddenMlTools": "AutoMl"},
         "UserSettings.StudioWebPortalSettings.HiddenInstanceTypes"),
        ({"DefaultEbsVolumeSizeInGb": "10", "MaximumEbsVolumeSizeInGb": "500"},
         "UserSettings.SpaceStorageSettings.DefaultEbsStorageSettings.MaximumEbsVolumeSizeInGb"),
    ]:
        parameters = _profile_parameters(catalog, domain_id, **values)
        record = catalog.launch("StudioUserProfile", parameters)
        assert record["Status"] == "FAILED", record
        events = client(catalog.endpoint, "cloudformation").describe_stack_events(
            StackName=catalog.stack(record["ProvisionedProductId"])["StackId"])["StackEvents"]
        reasons = [e.get("ResourceStatusReason", "") for e in events
                   if e["LogicalResourceId"] == "UserProfile"]
        assert any(f"Invalid property {refused}" in r for r in reasons), reasons
        name = next(p["Value"] for p in parameters if p["Key"] == "UserProfileName")
        listed = sagemaker.list_user_profiles(DomainIdEquals=domain_id)["UserProfiles"]
        assert name not in [p["UserProfileName"] for p in listed]
        assert succeeded(catalog.terminate(record["ProvisionedProductId"]))

    assert succeeded(catalog.terminate(tighter["ProvisionedProductId"]))
    assert succeeded(catalog.terminate(domain_record["ProvisionedProductId"]))
