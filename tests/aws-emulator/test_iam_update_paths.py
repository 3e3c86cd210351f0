"""A domain product updated to a new product version, through Service Catalog, under the
portfolio's own launch role, with IAM enforced (issue #13, "Least privilege proven").

The platform team publishes a new version of a product (a new provisioning artefact: the
portfolio's ``ProductVersion``; Service Catalog API Reference, CreateProvisioningArtifact), and the
cloud admin moves a provisioned product to it (UpdateProvisionedProduct with the new
``ProvisioningArtifactId``): Service Catalog updates the product's stack with the new template
under the launch role (Administrator Guide, "AWS Service Catalog launch constraints": the role
Service Catalog assumes "when an end user launches, updates, or terminates a product").
CloudFormation then runs each changed resource's update handler as that role, for the
permissions the type's resource provider schema lists (``studio_emulator/iam/resource_handlers.py``).

The parameters of ``templates/studio-domain.yaml`` cannot change its KMS key, its log group or its
function URL in place (only ``DomainName`` reaches the key, and a new domain name replaces the
custom-named managed policy too). A new version of the template can: this module's version 2
rewords the key's description, renames its key policy statement and adds a tag, drops the log
group's retention and tags it, and gives the function URL a CORS configuration; moving back to
version 1 undoes each change. The fixtures (a deployed portfolio, the core stack's SSM
parameters, the cloud admin) are ``test_iam_product_paths``'s, deployed again for this module.
"""

from __future__ import annotations

from typing import Any

import pytest

from emulator_client import iam_enforced  # noqa: F401 (the fixture)
from emulator_client import client, unique
from test_iam_product_paths import (  # noqa: F401 (fixtures)
    PRODUCTS,
    Catalog,
    catalog,
    missing,
    portfolio,
    succeeded,
)

#: Version 2 of the domain product's template: (text of version 1, its replacement), each once.
VERSION_2_CHANGES = (
    # AWS::KMS::Key Description (kms:UpdateKeyDescription).
    ("Description: !Sub Encrypts the volumes of SageMaker Studio domain ${DomainName}.",
     "Description: !Sub Encrypts the home and space volumes of SageMaker Studio domain ${DomainName}."),
    # AWS::KMS::Key KeyPolicy (kms:PutKeyPolicy).
    ("- Sid: AccountAdministersTheKeyThroughIam", "- Sid: TheAccountAdministersTheKeyThroughIam"),
    # AWS::KMS::Key Tags: one more (kms:TagResource; version 1 again: kms:UntagResource).
    ('        - Key: studio-catalog:managed\n          Value: "true"\n',
     '        - Key: studio-catalog:managed\n          Value: "true"\n'
     '        - Key: studio-catalog:product-version\n          Value: "2"\n'),
    # AWS::Logs::LogGroup: no RetentionInDays (logs:DeleteRetentionPolicy), Tags
    # (logs:TagResource; version 1 again: logs:UntagResource, logs:PutRetentionPolicy).
    ("      RetentionInDays: 365\n",
     "      Tags:\n        - Key: studio-catalog:product-version\n          Value: \"2\"\n"),
    # AWS::Lambda::Url Cors (lambda:UpdateFunctionUrlConfig).
    ("      AuthType: AWS_IAM\n\n",
     "      AuthType: AWS_IAM\n      Cors:\n        AllowOrigins:\n          - https://studio.example.com\n\n"),
)

pytestmark = pytest.mark.transition_seconds(0.05)


def _version_2() -> str:
    text = PRODUCTS["StudioDomain"].read_text(encoding="utf-8")
    for old, new in VERSION_2_CHANGES:
        assert text.count(old) == 1, f"version 1 no longer has one {old!r}"
        text = text.replace(old, new)
    return text


def _publish_version_2(catalog: Catalog) -> str:
    """Version 2 staged in the artefact bucket and added to the domain product (as the platform
    team, the account's admin); returns its provisioning artefact id."""
    key = f"{catalog.prefix}/templates/studio-domain-v2.yaml"
    client(catalog.endpoint, "s3").put_object(
        Bucket=catalog.bucket, Key=key, Body=_version_2().encode("utf-8"))
    detail = client(catalog.endpoint, "servicecatalog").create_provisioning_artifact(
        ProductId=catalog.outputs["StudioDomainProductId"],
        Parameters={
            "Name": unique("v2"),
            "Info": {"LoadTemplateFromURL": f"{catalog.endpoint}/{catalog.bucket}/{key}"},
            "Type": "CLOUD_FORMATION_TEMPLATE",
        },
        IdempotencyToken=unique("tok"),
    )["ProvisioningArtifactDetail"]
    return str(detail["Id"])


def _move_to(catalog: Catalog, provisioned: str, artifact: str) -> dict[str, Any]:
    """UpdateProvisionedProduct to ``artifact``, every parameter kept."""
    keys = [p["Key"] for p in catalog.domain_parameters()] + ["DomainName", "CreateKmsKey"]
    record = catalog.admin.update_provisioned_product(
        ProvisionedProductId=provisioned,
        ProvisioningArtifactId=artifact,
        ProvisioningParameters=[{"Key": k, "UsePreviousValue": True} for k in keys],
        UpdateToken=unique("tok"),
    )["RecordDetail"]
    return catalog.wait(record)


def _physical_id(catalog: Catalog, provisioned: str, logical_id: str) -> str:
    resources = client(catalog.endpoint, "cloudformation").describe_stack_resources(
        StackName=catalog.stack(provisioned)["StackId"])["StackResources"]
    [physical] = [r["PhysicalResourceId"] for r in resources
                  if r["LogicalResourceId"] == logical_id]
    return str(physical)


def test_a_new_product_version_updates_the_key_log_group_and_url_in_place_under_the_launch_role(
    catalog: Catalog,
) -> None:
    """Version 1 -> 2: the AWS::KMS::Key update handler (UpdateKeyDescription, PutKeyPolicy,
    TagResource, ListResourceTags on a key tagged studio-catalog:managed), the
    AWS::Logs::LogGroup update handler (DeleteRetentionPolicy, TagResource,
    ListTagsForResource) and the AWS::Lambda::Url update handler (UpdateFunctionUrlConfig), each
    allowed by the launch role statement meant. Version 2 -> 1: the tags go again
    (kms:UntagResource, logs:UntagResource) and the retention comes back."""
    record = catalog.launch("StudioDomain", catalog.domain_parameters(
        DomainName=unique("dom"), CreateKmsKey="true"))
    assert succeeded(record), (record, catalog.launch_role_refusals())
    pp = record["ProvisionedProductId"]
    version_1 = catalog.artifact("StudioDomain")
    version_2 = _publish_version_2(catalog)

    catalog.forget_decisions()
    record = _move_to(catalog, pp, version_2)
    assert succeeded(record), (record, catalog.launch_role_refusals())
    granted = catalog.launch_role_grants()
    # kms:TagResource on the existing key carries the update's tags (aws:RequestTag/*), so
    # either KMS statement may be the one named; kms:PutKeyPolicy has no aws:RequestTag key in
    # the Service Authorization Reference (AWS KMS), so only the statement on the key's own
    # tags can allow it (resource_handlers._tags_for).
    assert "kms:TagResource" in {action for action, _ in granted}, sorted(granted)
    assert missing({
        ("kms:PutKeyPolicy", "ManageOnlyKeysTaggedAsManaged"),
        ("kms:UpdateKeyDescription", "ManageOnlyKeysTaggedAsManaged"),
        ("kms:ListResourceTags", "ManageOnlyKeysTaggedAsManaged"),
        ("logs:DeleteRetentionPolicy", "SignInFunctionLogs"),
        ("logs:TagResource", "SignInFunctionLogs"),
        ("logs:ListTagsForResource", "SignInFunctionLogs"),
        ("lambda:UpdateFunctionUrlConfig", "SignInFunctions"),
    }, granted) == set(), sorted(granted)

    kms = client(catalog.endpoint, "kms")
    key = _physical_id(catalog, pp, "DomainKey")
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["Description"].startswith(
        "Encrypts the home and space volumes")
    policy = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    assert "TheAccountAdministersTheKeyThroughIam" in policy, policy

    catalog.forget_decisions()
    record = _move_to(catalog, pp, version_1)
    assert succeeded(record), (record, catalog.launch_role_refusals())
    granted = catalog.launch_role_grants()
    assert missing({
        ("kms:UntagResource", "ManageOnlyKeysTaggedAsManaged"),
        ("kms:UpdateKeyDescription", "ManageOnlyKeysTaggedAsManaged"),
        ("logs:UntagResource", "SignInFunctionLogs"),
        ("logs:PutRetentionPolicy", "SignInFunctionLogs"),
    }, granted) == set(), sorted(granted)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["Description"].startswith(
        "Encrypts the volumes")
    assert "TheAccountAdministersTheKeyThroughIam" not in kms.get_key_policy(
        KeyId=key, PolicyName="default")["Policy"]

    catalog.forget_decisions()
    record = catalog.terminate(pp)
    assert succeeded(record), (record, catalog.launch_role_refusals())
