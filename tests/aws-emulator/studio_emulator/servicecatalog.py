"""AWS Service Catalog provisioned products for moto.

moto 5.2.5 has portfolios and products but no provisioning artifacts that can
be launched and no provisioned products.  This module adds them after the
[Service Catalog API reference](https://docs.aws.amazon.com/servicecatalog/latest/dg/API_Operations_AWSServiceCatalog.html):

* ``ProvisionProduct`` - launches a product's provisioning artifact: a
  provisioned product (``pp-`` + 13 lowercase alphanumerics) backed by a real
  moto CloudFormation stack named ``SC-<account>-<pp-id>`` (so
  ``DescribeStacks`` on its ``PhysicalId`` works), a ``PROVISION_PRODUCT``
  record (``rec-...``); ``UNDER_CHANGE`` -> ``AVAILABLE``.
* ``DescribeProvisionedProduct``, ``SearchProvisionedProducts`` (with
  ``Tags``, ``AccessLevelFilter``, a small ``SearchQuery`` filter, sorting and
  ``PageSize``/``PageToken``), ``ScanProvisionedProducts``.
* ``TerminateProvisionedProduct`` - ``TerminateToken`` is an idempotency token
  (the same token returns the same record); ``UNDER_CHANGE`` -> gone (the
  stack is deleted unless ``RetainPhysicalResources``). A stack with
  termination protection makes the record ``FAILED`` and the provisioned
  product ``ERROR``, unless ``IgnoreErrors`` (then Service Catalog just stops
  managing it and the stack stays).
* ``DescribeRecord``; ``DescribeProduct`` / ``ListProvisioningArtifacts`` with
  the product's provisioning artifact (moto has none).
* CloudFormation ``UpdateTerminationProtection`` (moto stores the flag given at
  ``CreateStack`` but has no way to change it), and ``DeleteStack`` refusing a
  protected stack with AWS's ``ValidationError``, so that the stacks behind
  provisioned products can be protected as in AWS.

Launch paths (moto has no associations; they are kept with the CloudFormation
ones in ``cloudformation_types.CatalogLinksBackend``):

* ``AssociateProductWithPortfolio`` / ``DisassociateProductFromPortfolio``,
  ``AssociatePrincipalWithPortfolio`` (``PrincipalType`` ``IAM``: a full
  user/group/role ARN; ``IAM_PATTERN``: an ARN without account id whose
  resource id may hold ``*`` (any characters) and ``?`` (zero or one), as the
  ``PrincipalARN`` documentation of the botocore model describes) /
  ``DisassociatePrincipalFromPortfolio`` / ``ListPrincipalsForPortfolio``.
* A product's launch paths for a caller (``ListLaunchPaths``,
  ``DescribeProduct.LaunchPaths``): one per portfolio that holds the product
  and is associated with one of the caller's principals (``lpv3-`` + 13
  characters, stable per portfolio and product).
* ``ProvisionProduct`` needs one: none answers ``ResourceNotFoundException: No
  launch paths found for resource: prod-...`` (the message AWS Control Tower's
  troubleshooting guide quotes); ``PathId`` "is optional if the product has a
  default path, and required if the product has more than one path" (botocore
  model), so two paths and no ``PathId`` is ``InvalidParametersException`` and a
  ``PathId`` that is not one of the caller's is ``ResourceNotFoundException``.
* The caller is resolved from the request's access key as moto's ``sts
  get-caller-identity`` resolves it (``caller_principals``): an assumed-role
  session acts as its role, an IAM user's key as the user and its groups, and
  any other key (the tests' default credentials) as moto's default identity,
  taken as the IAM user ``arn:aws:iam::ACCOUNT:user/moto``.

Tags of ``ProvisionProduct`` follow the model's ``Tag`` shape: both members
required, ``Key`` 1-128 and ``Value`` 1-256 characters matching
``^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$``, at most 50; an empty value is refused
(``InvalidParametersException``, with the AWS validator's wording).

Access levels: a provisioned product remembers the access key that launched
it; ``User`` and ``Role`` only see the caller's own, ``Account`` sees all.
Without ``AccessLevelFilter``, ``SearchProvisionedProducts`` uses ``Account``
and ``ScanProvisionedProducts`` ``User`` (the defaults the botocore model
documents for each).

Assumption (the API reference lists only ``ResourceNotFoundException`` for
``TerminateProvisionedProduct``): terminating a product that is
``UNDER_CHANGE``/``PLAN_IN_PROGRESS`` answers ``ValidationException`` (an error
common to all AWS APIs).

Test hook: ``POST /_studio_emulator/servicecatalog/provisioned-products/{id}/status``
``{"Status": "ERROR", "StatusMessage": "..."}`` forces a status.

Portfolio shares with an AWS Organizations node (moto records them as opaque
strings, cannot list ``ORGANIZATIONAL_UNIT`` shares and has no
``DescribePortfolioShareStatus``):

* ``CreatePortfolioShare`` with ``OrganizationNode`` ``{Type: ORGANIZATION |
  ORGANIZATIONAL_UNIT | ACCOUNT, Value}`` (``Value`` checked against the API's
  pattern; exactly one of ``AccountId`` and ``OrganizationNode``;
  ``SharePrincipals`` only with an organisation or OU node) returns a
  ``PortfolioShareToken`` (``share-`` + 13 lowercase alphanumerics). The share
  is ``IN_PROGRESS``, then ``COMPLETED`` after the transition delay (model
  ``servicecatalog::portfolio-share``). Sharing a node already shared "will
  have no effect and will not return an error" (API reference): it returns
  the token of that share and changes nothing, ``ShareTagOptions`` /
  ``SharePrincipals`` included (one that ended in ``ERROR`` is shared again).
  Shares with an ``AccountId`` stay moto's.
* "``AWSOrganizationsAccess`` must be enabled in order to create a portfolio
  share to an organization node" (API reference): until
  ``EnableAWSOrganizationsAccess`` (and after ``DisableAWSOrganizationsAccess``)
  such a share answers ``InvalidStateException``.
  ``GetAWSOrganizationsAccessStatus`` answers ``ENABLED`` / ``DISABLED``. Only
  the management account may enable or disable it (a member account gets
  ``OperationNotSupportedException``); with an organisation in moto, enabling
  also enables the trusted access of ``servicecatalog.amazonaws.com`` in moto's
  Organizations (``organizations:EnableAWSServiceAccess`` "on your behalf").
  Without an organisation in moto, enabling is accepted.
* ``UpdatePortfolioShare`` of an organisation-node share sets the
  ``ShareTagOptions`` / ``SharePrincipals`` given; refused
  (``InvalidStateException``) while the share is ``IN_PROGRESS``.
* ``DescribePortfolioShareStatus`` ``{PortfolioShareToken}`` → ``PortfolioShareToken``,
  ``PortfolioId``, ``OrganizationNodeValue``, ``Status``, ``ShareDetails``
  (``SuccessfulShares``: the accounts of the node, after moto's
  Organizations, none without an organisation; ``ShareErrors``).
* ``DescribePortfolioShares`` ``{PortfolioId, Type}`` for ``ORGANIZATION``,
  ``ORGANIZATIONAL_UNIT`` and ``ORGANIZATION_MEMBER_ACCOUNT`` (the latter has
  none here); ``ACCOUNT`` is moto's. ``PageSize`` 0–100 and ``PageToken``.
* ``DeletePortfolioShare`` with an ``OrganizationNode`` forgets the share.
* Organizations: when moto's Organizations backend has an organisation whose
  management account is the caller, an ``ORGANIZATION`` node must be its id
  and an ``ORGANIZATIONAL_UNIT`` one of its OUs (``InvalidParametersException``);
  a caller that is only a member account of an organisation gets
  ``OperationNotSupportedException`` (only the management account or a
  delegated administrator may share with the organisation). Without any
  organisation in moto, every well-formed id is accepted.

Test hook: ``POST /_studio_emulator/servicecatalog/portfolio-shares/{token}/status``
``{"Status": "ERROR", "ShareErrors": [{"Accounts": [...], "Message": "...",
"Error": "..."}]}`` ends a share in that status.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from moto.cloudformation.exceptions import ValidationError as CloudFormationValidationError
from moto.cloudformation.models import cloudformation_backends
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.common_models import BaseModel
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random as random
from moto.servicecatalog.exceptions import (
    InvalidParametersException,
    ResourceNotFoundException,
)
from moto.servicecatalog.models import Product, servicecatalog_backends
from moto.servicecatalog.responses import ServiceCatalogResponse

from .core import ControlRequest, ControlRoute, ServiceExtension, register, transition_delay

MODEL_PROVISIONED_PRODUCT = "servicecatalog::provisioned-product"

NAME_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$"
TOKEN_PATTERN = r"^[a-zA-Z0-9_-]*$"
STATUSES = ["AVAILABLE", "UNDER_CHANGE", "TAINTED", "ERROR", "PLAN_IN_PROGRESS"]
BUSY_STATUSES = ("UNDER_CHANGE", "PLAN_IN_PROGRESS")
ACCESS_LEVELS = ["Account", "Role", "User"]
SORT_KEYS = {"arn": "arn", "id": "id", "name": "name", "lastRecordId": "last_record_id"}
MAX_TAGS = 50

#: The template of every stack a provisioned product stands for.
STACK_TEMPLATE = json.dumps(
    {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
    }
)


class ValidationException(JsonRESTError):
    """One of the errors common to all AWS APIs (the only one that fits a
    request on a busy resource where the operation documents no other)."""

    code = 400

    def __init__(self, message: str):
        super().__init__("ValidationException", message)


class DuplicateResourceException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("DuplicateResourceException", message)


def _random_id(prefix: str) -> str:
    return prefix + random.get_random_string(13, lower_case=True)


def artifact_id(product: Product) -> str:
    """The one provisioning artifact of a moto product (stable per product)."""
    digest = hashlib.sha256(product.id.encode()).hexdigest()
    return "pa-" + digest[:13]


def artifact_name(product: Product) -> str:
    return (product.provisioning_artifact_parameters or {}).get("Name") or "v1"


def _validate(
    errors: list[str], value: Any, name: str, *, required: bool = False,
    pattern: str | None = None, max_len: int | None = None,
) -> None:
    if value is None:
        if required:
            errors.append(f"{name} is required")
        return
    if not isinstance(value, str):
        errors.append(f"{name} must be a string")
        return
    if max_len is not None and not 1 <= len(value) <= max_len:
        errors.append(f"{name} must be 1 to {max_len} characters long")
    if pattern is not None and not re.match(pattern, value):
        errors.append(f"{name} must match {pattern}")


def _check(errors: list[str]) -> None:
    if errors:
        raise InvalidParametersException("; ".join(errors))


#: ``TagKey`` / ``TagValue`` pattern of the model, ``^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$``
#: (Python's ``re`` has no ``\p{..}``: letters and digits are ``[^\W_]``,
#: separators are the Unicode space characters).
TAG_PATTERN = re.compile(r"^(?:[^\W_]|[ \u00a0\u2000-\u200a\u2028\u2029\u3000_.:/=+\-@])*$")


def _check_tags(errors: list[str], tags: Any) -> None:
    """``Tags`` of ``ProvisionProduct``: at most 50 ``Tag`` shapes, each with a
    ``Key`` of 1-128 and a ``Value`` of 1-256 characters matching the model's
    pattern; ``aws:`` keys are reserved."""
    if tags is None:
        return
    if not isinstance(tags, list):
        errors.append("Tags must be a list")
        return
    if len(tags) > MAX_TAGS:
        errors.append(f"Tags must have at most {MAX_TAGS} members")
    for index, tag in enumerate(tags, start=1):
        if not isinstance(tag, dict):
            errors.append(f"Tags[{index}] must be a structure")
            continue
        for member, limit in (("Key", 128), ("Value", 256)):
            value = tag.get(member)
            where = f"'tags.{index}.member.{member.lower()}'"
            if not isinstance(value, str):
                errors.append(f"Value null at {where} failed to satisfy constraint: "
                              "Member must not be null")
            elif not 1 <= len(value) <= limit:
                errors.append(f"Value '{value}' at {where} failed to satisfy constraint: "
                              f"Member must have length between 1 and {limit}")
            elif not TAG_PATTERN.match(value):
                errors.append(f"Value '{value}' at {where} failed to satisfy constraint: "
                              "Member must satisfy regular expression pattern: "
                              "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$")
        if isinstance(tag.get("Key"), str) and tag["Key"].lower().startswith("aws:"):
            errors.append(f"Invalid tag key {tag['Key']!r}: the aws: prefix is reserved")


# --------------------------------------------------------------------------
# Who calls, and which launch paths they have
# --------------------------------------------------------------------------

#: The identity moto's STS gives credentials it did not issue (``sts
#: get-caller-identity`` answers ``arn:aws:sts::ACCOUNT:user/moto``), as the
#: IAM principal ARN a portfolio would be associated with.
DEFAULT_PRINCIPAL = "arn:aws:iam::{account}:user/moto"
IAM_PRINCIPAL_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):(user|group|role)/(.+)$")
IAM_PATTERN_ARN = re.compile(r"^arn:(aws[a-z-]*):iam:::(user|group|role)/(.+)$")
PRINCIPAL_TYPES = ["IAM", "IAM_PATTERN"]


def caller_principals(account_id: str, access_key: str) -> list[str]:
    """The IAM principal ARNs a request signed with ``access_key`` acts as.

    Resolved as moto's ``sts get-caller-identity`` resolves the key: the role
    of an assumed-role session (moto's STS), else the IAM user owning the key
    (moto's IAM) with the groups it belongs to, else moto's default identity
    ``arn:aws:iam::ACCOUNT:user/moto``.
    """
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    for account_backends in list(sts_backends.values()):
        for backend in list(account_backends.values()):
            role = backend.get_assumed_role_from_access_key(access_key)
            if role is not None:
                return [role.role_arn]
    for partition_backends in list(iam_backends.values()):
        for iam in list(partition_backends.values()):
            user = iam.get_user_from_access_key_id(access_key)
            if user is not None:
                groups = [g.arn for g in iam.get_groups_for_user(user.name)]
                return [user.arn, *groups]
    return [DEFAULT_PRINCIPAL.format(account=account_id)]


def _pattern_matches(pattern: str, arn: str) -> bool:
    """An ``IAM_PATTERN`` ARN (no account id; ``*`` any characters, ``?`` zero
    or one character) against a full IAM ARN."""
    wanted = IAM_PATTERN_ARN.match(pattern)
    actual = IAM_PRINCIPAL_ARN.match(arn)
    if not wanted or not actual or wanted.group(1, 2) != (actual.group(1), actual.group(3)):
        return False
    regex = "".join(
        ".*" if c == "*" else ".?" if c == "?" else re.escape(c) for c in wanted.group(3)
    )
    return re.fullmatch(regex, actual.group(4)) is not None


def principal_matches(associated: str, principals: list[str]) -> bool:
    """Whether a portfolio's principal association covers one of ``principals``."""
    if IAM_PATTERN_ARN.match(associated):
        return any(_pattern_matches(associated, arn) for arn in principals)
    return associated in principals


def launch_path_id(portfolio_id: str, product_id: str) -> str:
    """The launch path of a product through a portfolio (stable)."""
    digest = hashlib.sha256(f"{portfolio_id}|{product_id}".encode()).hexdigest()
    return "lpv3-" + digest[:13]


def catalog_links(account_id: str, region_name: str) -> Any:
    """Associations and constraints, kept in one place for the API and for
    CloudFormation (``cloudformation_types.CatalogLinksBackend``)."""
    from .cloudformation_types import catalog_links_backends

    return catalog_links_backends[account_id][region_name]


def launch_paths(
    account_id: str, region_name: str, product_id: str, principals: list[str]
) -> list[dict[str, Any]]:
    """The product's launch paths for the caller: one per portfolio that holds
    the product and is associated with one of the caller's principals."""
    catalog = servicecatalog_backends[account_id][region_name]
    links = catalog_links(account_id, region_name)
    paths = []
    for portfolio_id, associated_product in list(links.product_associations):
        if associated_product != product_id or portfolio_id not in catalog.portfolios:
            continue
        if not any(
            pf == portfolio_id and principal_matches(arn, principals)
            for pf, arn in list(links.principal_associations)
        ):
            continue
        constraints = [
            {"Type": c["Type"], "Description": c.get("Description")}
            for c in list(links.constraints.values())
            if (c.get("PortfolioId"), c.get("ProductId")) == (portfolio_id, product_id)
        ]
        paths.append(
            {
                "Id": launch_path_id(portfolio_id, product_id),
                "Name": catalog.portfolios[portfolio_id].display_name,
                "ConstraintSummaries": constraints,
                "Tags": [],
            }
        )
    return paths


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------


class Record(BaseModel):
    def __init__(
        self,
        record_type: str,
        provisioned_product: ProvisionedProduct,
        tags: list[dict[str, str]] | None,
    ) -> None:
        self.id = _random_id("rec-")
        self.record_type = record_type
        self.status = "IN_PROGRESS"
        self.created_time = self.updated_time = utcnow()
        self.provisioned_product_id = provisioned_product.id
        self.provisioned_product_name = provisioned_product.name
        self.product_id = provisioned_product.product_id
        self.provisioning_artifact_id = provisioned_product.provisioning_artifact_id
        self.path_id = provisioned_product.path_id
        self.tags = list(tags or [])
        self.errors: list[dict[str, str]] = []

    def finish(self, status: str, error: dict[str, str] | None = None) -> None:
        self.status = status
        self.updated_time = utcnow()
        if error:
            self.errors.append(error)

    def detail(self) -> dict[str, Any]:
        return {
            "RecordId": self.id,
            "ProvisionedProductName": self.provisioned_product_name,
            "Status": self.status,
            "CreatedTime": self.created_time,
            "UpdatedTime": self.updated_time,
            "ProvisionedProductType": "CFN_STACK",
            "RecordType": self.record_type,
            "ProvisionedProductId": self.provisioned_product_id,
            "ProductId": self.product_id,
            "ProvisioningArtifactId": self.provisioning_artifact_id,
            "PathId": self.path_id,
            "RecordErrors": self.errors,
            "RecordTags": self.tags,
        }


class ProvisionedProduct(BaseModel):
    def __init__(
        self,
        account_id: str,
        region_name: str,
        name: str,
        product: Product,
        provisioning_artifact_id: str,
        provisioning_artifact_name: str,
        path_id: str | None,
        tags: list[dict[str, str]],
        token: str,
        owner_key: str,
    ) -> None:
        self.id = _random_id("pp-")
        self.name = name
        self.arn = (
            f"arn:aws:servicecatalog:{region_name}:{account_id}:stack/{name}/{self.id}"
        )
        self.product_id = product.id
        self.product_name = product.name
        self.provisioning_artifact_id = provisioning_artifact_id
        self.provisioning_artifact_name = provisioning_artifact_name
        self.path_id = path_id
        self.tags = list(tags)
        self.idempotency_token = token
        self.owner_key = owner_key
        self.user_arn = f"arn:aws:iam::{account_id}:user/{owner_key}"
        self.created_time = utcnow()
        self.status = "UNDER_CHANGE"
        self.status_message: str | None = None
        self.physical_id: str | None = None
        self.last_record_id: str | None = None
        self.last_provisioning_record_id: str | None = None
        self.last_successful_provisioning_record_id: str | None = None
        #: (record, due, settle) of the operation in progress.
        self.pending: tuple[Record, float, Callable[[], None]] | None = None

    def detail(self) -> dict[str, Any]:
        return {
            "Name": self.name,
            "Arn": self.arn,
            "Type": "CFN_STACK",
            "Id": self.id,
            "Status": self.status,
            "StatusMessage": self.status_message,
            "CreatedTime": self.created_time,
            "IdempotencyToken": self.idempotency_token,
            "LastRecordId": self.last_record_id,
            "LastProvisioningRecordId": self.last_provisioning_record_id,
            "LastSuccessfulProvisioningRecordId": self.last_successful_provisioning_record_id,
            "ProductId": self.product_id,
            "ProvisioningArtifactId": self.provisioning_artifact_id,
        }

    def attributes(self) -> dict[str, Any]:
        return {
            **self.detail(),
            "Tags": self.tags,
            "PhysicalId": self.physical_id,
            "ProductName": self.product_name,
            "ProvisioningArtifactName": self.provisioning_artifact_name,
            "UserArn": self.user_arn,
            "UserArnSession": self.user_arn,
        }


class ServiceCatalogProvisioningBackend(BaseBackend):
    """Provisioned products and records of one account/region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        self.provisioned_products: dict[str, ProvisionedProduct] = {}
        self.records: dict[str, Record] = {}
        #: ProvisionToken -> record id, TerminateToken -> record id.
        self.provision_tokens: dict[str, str] = {}
        self.terminate_tokens: dict[tuple[str, str], str] = {}

    # ---- internals ------------------------------------------------------

    @property
    def _catalog(self) -> Any:
        return servicecatalog_backends[self.account_id][self.region_name]

    @property
    def _cloudformation(self) -> Any:
        return cloudformation_backends[self.account_id][self.region_name]

    def settle(self) -> None:
        now = time.monotonic()
        for pp in list(self.provisioned_products.values()):
            if pp.pending is not None and now >= pp.pending[1]:
                settle = pp.pending[2]
                pp.pending = None
                settle()

    def _begin(self, pp: ProvisionedProduct, record: Record, settle: Callable[[], None]) -> None:
        self.records[record.id] = record
        pp.last_record_id = record.id
        pp.status = "UNDER_CHANGE"
        pp.status_message = None
        due = time.monotonic() + transition_delay(MODEL_PROVISIONED_PRODUCT)
        pp.pending = (record, due, settle)

    def _find_product(self, product_id: str | None, product_name: str | None) -> Product:
        catalog = self._catalog
        if product_id:
            product = catalog.products.get(product_id)
        elif product_name:
            product = catalog.lookup_by_name(product_name)
        else:
            raise InvalidParametersException("ProductId or ProductName is required")
        if product is None:
            raise ResourceNotFoundException(
                f"Product {product_id or product_name} not found."
            )
        return product

    def _launch_path(
        self, product: Product, path_id: str | None, principals: list[str]
    ) -> str:
        """The launch path a provisioning uses: the one given, or the only one.

        A product reaches a user through a portfolio that holds it and is
        associated with the user's principal (``ListLaunchPaths``); without
        one, AWS answers ``No launch paths found for resource: prod-...``.
        ``PathId`` "is optional if the product has a default path, and
        required if the product has more than one path" (``ProvisionProduct``).
        """
        paths = launch_paths(self.account_id, self.region_name, product.id, principals)
        if not paths:
            raise ResourceNotFoundException(
                f"No launch paths found for resource: {product.id}"
            )
        if path_id is not None:
            if path_id not in {p["Id"] for p in paths}:
                raise ResourceNotFoundException(
                    f"No launch path {path_id} found for resource: {product.id}"
                )
            return path_id
        if len(paths) > 1:
            raise InvalidParametersException(
                f"Product {product.id} has more than one launch path; PathId is required."
            )
        return str(paths[0]["Id"])

    def _get(self, pp_id: str | None, name: str | None) -> ProvisionedProduct:
        if bool(pp_id) == bool(name):
            raise InvalidParametersException(
                "Exactly one of ProvisionedProductId or ProvisionedProductName is required"
            )
        for pp in self.provisioned_products.values():
            if (pp_id and pp.id == pp_id) or (name and pp.name == name):
                return pp
        raise ResourceNotFoundException(
            f"Provisioned product {pp_id or name} not found."
        )

    # ---- operations -------------------------------------------------------

    def provision_product(
        self,
        owner_key: str,
        principals: list[str],
        product_id: str | None,
        product_name: str | None,
        provisioning_artifact_id: str | None,
        provisioning_artifact_name: str | None,
        path_id: str | None,
        provisioned_product_name: str | None,
        provisioning_parameters: list[dict[str, str]] | None,
        tags: list[dict[str, str]] | None,
        provision_token: str | None,
    ) -> Record:
        errors: list[str] = []
        _validate(errors, provisioned_product_name, "ProvisionedProductName",
                  required=True, pattern=NAME_PATTERN, max_len=128)
        _validate(errors, provision_token, "ProvisionToken",
                  required=True, pattern=TOKEN_PATTERN, max_len=128)
        _validate(errors, product_id, "ProductId", max_len=100)
        _validate(errors, provisioning_artifact_id, "ProvisioningArtifactId", max_len=100)
        _validate(errors, path_id, "PathId", max_len=100)
        _check_tags(errors, tags)
        _check(errors)
        assert provision_token is not None and provisioned_product_name is not None
        with self.lock:
            self.settle()
            if provision_token in self.provision_tokens:
                return self.records[self.provision_tokens[provision_token]]
            product = self._find_product(product_id, product_name)
            artifact = artifact_id(product)
            if provisioning_artifact_id and provisioning_artifact_id != artifact:
                raise ResourceNotFoundException(
                    f"Provisioning artifact {provisioning_artifact_id} not found."
                )
            if provisioning_artifact_name and provisioning_artifact_name != artifact_name(product):
                raise ResourceNotFoundException(
                    f"Provisioning artifact {provisioning_artifact_name} not found."
                )
            if not provisioning_artifact_id and not provisioning_artifact_name:
                raise InvalidParametersException(
                    "ProvisioningArtifactId or ProvisioningArtifactName is required"
                )
            path_id = self._launch_path(product, path_id, principals)
            if any(pp.name == provisioned_product_name for pp in self.provisioned_products.values()):
                raise DuplicateResourceException(
                    f"A provisioned product with name {provisioned_product_name} already exists."
                )
            pp = ProvisionedProduct(
                account_id=self.account_id,
                region_name=self.region_name,
                name=provisioned_product_name,
                product=product,
                provisioning_artifact_id=artifact,
                provisioning_artifact_name=artifact_name(product),
                path_id=path_id,
                tags=tags or [],
                token=provision_token,
                owner_key=owner_key,
            )
            stack = self._cloudformation.create_stack(
                name=f"SC-{self.account_id}-{pp.id}",
                template=STACK_TEMPLATE,
                parameters={},
                tags={t["Key"]: t.get("Value", "") for t in tags or []},
            )
            pp.physical_id = stack.stack_id
            self.provisioned_products[pp.id] = pp
            record = Record("PROVISION_PRODUCT", pp, tags)
            pp.last_provisioning_record_id = record.id

            def provisioned() -> None:
                pp.status = "AVAILABLE"
                pp.last_successful_provisioning_record_id = record.id
                record.finish("SUCCEEDED")

            self._begin(pp, record, provisioned)
            self.provision_tokens[provision_token] = record.id
            return record

    def describe_provisioned_product(self, pp_id: str | None, name: str | None) -> ProvisionedProduct:
        with self.lock:
            self.settle()
            return self._get(pp_id, name)

    def visible(
        self, access_level: dict[str, str] | None, caller_key: str, default: str
    ) -> list[ProvisionedProduct]:
        key = (access_level or {}).get("Key", default)
        value = (access_level or {}).get("Value", "self")
        if key not in ACCESS_LEVELS:
            raise InvalidParametersException(
                f"AccessLevelFilter.Key must be one of {', '.join(ACCESS_LEVELS)}"
            )
        if value != "self":
            raise InvalidParametersException("AccessLevelFilter.Value must be 'self'")
        with self.lock:
            self.settle()
            products = list(self.provisioned_products.values())
        if key == "Account":
            return products
        return [pp for pp in products if pp.owner_key == caller_key]

    def terminate_provisioned_product(
        self,
        pp_id: str | None,
        name: str | None,
        terminate_token: str | None,
        ignore_errors: bool,
        retain_physical_resources: bool,
    ) -> Record:
        errors: list[str] = []
        _validate(errors, terminate_token, "TerminateToken",
                  required=True, pattern=TOKEN_PATTERN, max_len=128)
        _check(errors)
        assert terminate_token is not None
        with self.lock:
            self.settle()
            pp = self._get(pp_id, name)
            seen = self.terminate_tokens.get((pp.id, terminate_token))
            if seen is not None:
                return self.records[seen]
            if pp.status in BUSY_STATUSES:
                raise ValidationException(
                    f"Provisioned product {pp.id} is in status {pp.status}; "
                    "it cannot be terminated until the operation in progress ends."
                )
            record = Record("TERMINATE_PROVISIONED_PRODUCT", pp, pp.tags)

            def terminated() -> None:
                stack = self._stack(pp.physical_id)
                if stack is not None and not retain_physical_resources:
                    if not stack.enable_termination_protection:
                        self._cloudformation.delete_stack(stack.stack_id)
                    elif not ignore_errors:
                        message = (
                            f"Stack [{stack.stack_id}] cannot be deleted while "
                            "TerminationProtection is enabled"
                        )
                        record.finish(
                            "FAILED", {"Code": "ValidationError", "Description": message}
                        )
                        pp.status = "ERROR"
                        pp.status_message = message
                        return
                    # else: the stack stays; Service Catalog stops managing it.
                record.finish("SUCCEEDED")
                self.provisioned_products.pop(pp.id, None)

            self._begin(pp, record, terminated)
            self.terminate_tokens[(pp.id, terminate_token)] = record.id
            return record

    def _stack(self, stack_id: str | None) -> Any:
        if not stack_id:
            return None
        return self._cloudformation.stacks.get(stack_id)

    def describe_record(self, record_id: str | None) -> Record:
        with self.lock:
            self.settle()
            if not record_id or record_id not in self.records:
                raise ResourceNotFoundException(f"Record {record_id} not found.")
            return self.records[record_id]

    def force_status(self, pp_id: str, status: str, message: str | None) -> ProvisionedProduct | None:
        with self.lock:
            self.settle()
            pp = self.provisioned_products.get(pp_id)
            if pp is not None:
                pp.pending = None
                pp.status = status
                pp.status_message = message
            return pp


provisioning_backends = BackendDict(ServiceCatalogProvisioningBackend, "servicecatalog")


def iter_provisioning_backends() -> Iterator[ServiceCatalogProvisioningBackend]:
    for account_backends in list(provisioning_backends.values()):
        yield from list(account_backends.values())


# --------------------------------------------------------------------------
# Responses
# --------------------------------------------------------------------------


def _search_matches(pp: ProvisionedProduct, queries: list[str]) -> bool:
    """``SearchQuery`` terms: ``field:value`` (exact) or free text (substring)."""
    fields = {
        "arn": pp.arn,
        "id": pp.id,
        "name": pp.name,
        "status": pp.status,
        "type": "CFN_STACK",
        "productId": pp.product_id,
        "productName": pp.product_name,
        "provisioningArtifactId": pp.provisioning_artifact_id,
        "lastRecordId": pp.last_record_id or "",
        "physicalId": pp.physical_id or "",
    }
    for query in queries:
        key, sep, value = query.partition(":")
        if sep and key in fields:
            if fields[key] != value:
                return False
        elif not any(query in str(v) for v in fields.values()):
            return False
    return True


def _page(items: list[Any], page_size: Any, page_token: Any, default: int, limit: int) -> tuple[list[Any], str | None]:
    if page_size is None or page_size == 0:
        page_size = default
    if not isinstance(page_size, int) or not 0 <= page_size <= limit:
        raise InvalidParametersException(f"PageSize must be between 0 and {limit}")
    start = 0
    if page_token:
        try:
            start = int(str(page_token))
        except ValueError:
            raise InvalidParametersException("The page token is not valid.") from None
        if start < 0 or start > len(items):
            raise InvalidParametersException("The page token is not valid.")
    end = start + page_size
    return items[start:end], (str(end) if end < len(items) else None)


class _ServiceCatalogJsonResponse(ServiceCatalogResponse):
    """The extensions' operations read the JSON request body themselves."""

    def _params(self) -> dict[str, Any]:
        try:
            body = json.loads(self.body or "{}")
        except ValueError:
            raise InvalidParametersException("The request body is not valid JSON.") from None
        return body if isinstance(body, dict) else {}


class ServiceCatalogProvisioningResponse(_ServiceCatalogJsonResponse):
    """Provisioned-product operations on top of moto's ``ServiceCatalogResponse``."""

    @property
    def provisioning(self) -> ServiceCatalogProvisioningBackend:
        return provisioning_backends[self.current_account][self.region]

    def _caller_principals(self) -> list[str]:
        return caller_principals(self.current_account, self.get_access_key())

    # ---- portfolio associations (moto has none) -------------------------

    def _links(self) -> Any:
        return catalog_links(self.current_account, self.region)

    def _portfolio_id(self, p: dict[str, Any]) -> str:
        errors: list[str] = []
        _validate(errors, p.get("PortfolioId"), "PortfolioId", required=True, max_len=100)
        _check(errors)
        portfolio_id = str(p["PortfolioId"])
        if portfolio_id not in self.servicecatalog_backend.portfolios:
            raise ResourceNotFoundException(f"Portfolio {portfolio_id} not found.")
        return portfolio_id

    def _product_id(self, p: dict[str, Any]) -> str:
        errors: list[str] = []
        _validate(errors, p.get("ProductId"), "ProductId", required=True, max_len=100)
        _check(errors)
        product_id = str(p["ProductId"])
        if product_id not in self.servicecatalog_backend.products:
            raise ResourceNotFoundException(f"Product {product_id} not found.")
        return product_id

    def associate_product_with_portfolio(self) -> ActionResult:
        p = self._params()
        portfolio_id, product_id = self._portfolio_id(p), self._product_id(p)
        self._links().product_associations.setdefault(
            (portfolio_id, product_id), f"a-{portfolio_id}|{product_id}"
        )
        return EmptyResult()

    def disassociate_product_from_portfolio(self) -> ActionResult:
        p = self._params()
        portfolio_id, product_id = self._portfolio_id(p), self._product_id(p)
        if self._links().product_associations.pop((portfolio_id, product_id), None) is None:
            raise ResourceNotFoundException(
                f"Product {product_id} is not in portfolio {portfolio_id}."
            )
        return EmptyResult()

    def associate_principal_with_portfolio(self) -> ActionResult:
        p = self._params()
        portfolio_id = self._portfolio_id(p)
        arn, principal_type = p.get("PrincipalARN"), p.get("PrincipalType")
        errors: list[str] = []
        _validate(errors, arn, "PrincipalARN", required=True, max_len=1000)
        if principal_type not in PRINCIPAL_TYPES:
            errors.append(f"PrincipalType must be one of {', '.join(PRINCIPAL_TYPES)}")
        elif principal_type == "IAM" and not IAM_PRINCIPAL_ARN.match(str(arn)):
            errors.append("PrincipalARN must be a user, group or role ARN for PrincipalType IAM")
        elif principal_type == "IAM_PATTERN" and not IAM_PATTERN_ARN.match(str(arn)):
            errors.append(
                "PrincipalARN must be arn:partition:iam:::resource-type/resource-id "
                "for PrincipalType IAM_PATTERN"
            )
        _check(errors)
        self._links().principal_associations.setdefault(
            (portfolio_id, str(arn)), f"{portfolio_id}|{arn}"
        )
        return EmptyResult()

    def disassociate_principal_from_portfolio(self) -> ActionResult:
        p = self._params()
        portfolio_id = self._portfolio_id(p)
        arn = p.get("PrincipalARN")
        if self._links().principal_associations.pop((portfolio_id, arn), None) is None:
            raise ResourceNotFoundException(
                f"Principal {arn} is not associated with portfolio {portfolio_id}."
            )
        return EmptyResult()

    def list_principals_for_portfolio(self) -> ActionResult:
        p = self._params()
        portfolio_id = self._portfolio_id(p)
        principals = [
            {
                "PrincipalARN": arn,
                "PrincipalType": "IAM_PATTERN" if IAM_PATTERN_ARN.match(arn) else "IAM",
            }
            for pf, arn in list(self._links().principal_associations)
            if pf == portfolio_id
        ]
        page, token = _page(principals, p.get("PageSize"), p.get("PageToken"), 20, 20)
        return ActionResult({"Principals": page, "NextPageToken": token})

    def list_launch_paths(self) -> ActionResult:
        p = self._params()
        product_id = self._product_id(p)
        paths = launch_paths(
            self.current_account, self.region, product_id, self._caller_principals()
        )
        page, token = _page(paths, p.get("PageSize"), p.get("PageToken"), 20, 20)
        return ActionResult({"LaunchPathSummaries": page, "NextPageToken": token})

    def provision_product(self) -> ActionResult:
        p = self._params()
        record = self.provisioning.provision_product(
            owner_key=self.get_access_key(),
            principals=self._caller_principals(),
            product_id=p.get("ProductId"),
            product_name=p.get("ProductName"),
            provisioning_artifact_id=p.get("ProvisioningArtifactId"),
            provisioning_artifact_name=p.get("ProvisioningArtifactName"),
            path_id=p.get("PathId"),
            provisioned_product_name=p.get("ProvisionedProductName"),
            provisioning_parameters=p.get("ProvisioningParameters"),
            tags=p.get("Tags"),
            provision_token=p.get("ProvisionToken"),
        )
        return ActionResult({"RecordDetail": record.detail()})

    def describe_provisioned_product(self) -> ActionResult:
        p = self._params()
        pp = self.provisioning.describe_provisioned_product(p.get("Id"), p.get("Name"))
        return ActionResult({"ProvisionedProductDetail": pp.detail(), "CloudWatchDashboards": []})

    def search_provisioned_products(self) -> ActionResult:
        p = self._params()
        products = self.provisioning.visible(
            p.get("AccessLevelFilter"), self.get_access_key(), default="Account"
        )
        queries = (p.get("Filters") or {}).get("SearchQuery") or []
        products = [pp for pp in products if _search_matches(pp, queries)]
        sort_by = p.get("SortBy")
        if sort_by is not None:
            if sort_by not in SORT_KEYS:
                raise InvalidParametersException(
                    f"SortBy must be one of {', '.join(SORT_KEYS)}"
                )
            products.sort(
                key=lambda pp: getattr(pp, SORT_KEYS[sort_by]) or "",
                reverse=p.get("SortOrder") == "DESCENDING",
            )
        page, token = _page(products, p.get("PageSize"), p.get("PageToken"), 20, 100)
        return ActionResult(
            {
                "ProvisionedProducts": [pp.attributes() for pp in page],
                "TotalResultsCount": len(products),
                "NextPageToken": token,
            }
        )

    def scan_provisioned_products(self) -> ActionResult:
        p = self._params()
        products = self.provisioning.visible(
            p.get("AccessLevelFilter"), self.get_access_key(), default="User"
        )
        page, token = _page(products, p.get("PageSize"), p.get("PageToken"), 20, 20)
        return ActionResult(
            {"ProvisionedProducts": [pp.detail() for pp in page], "NextPageToken": token}
        )

    def terminate_provisioned_product(self) -> ActionResult:
        p = self._params()
        record = self.provisioning.terminate_provisioned_product(
            pp_id=p.get("ProvisionedProductId"),
            name=p.get("ProvisionedProductName"),
            terminate_token=p.get("TerminateToken"),
            ignore_errors=bool(p.get("IgnoreErrors")),
            retain_physical_resources=bool(p.get("RetainPhysicalResources")),
        )
        return ActionResult({"RecordDetail": record.detail()})

    def describe_record(self) -> ActionResult:
        p = self._params()
        record = self.provisioning.describe_record(p.get("Id"))
        return ActionResult({"RecordDetail": record.detail(), "RecordOutputs": []})

    def describe_product(self) -> ActionResult:
        p = self._params()
        product = self.servicecatalog_backend.describe_product(
            accept_language=p.get("AcceptLanguage"), id=p.get("Id"), name=p.get("Name")
        )
        return ActionResult(
            {
                "ProductViewSummary": product.to_dict(),
                "ProvisioningArtifacts": [self._artifact(product)],
                "Budgets": [],
                "LaunchPaths": [
                    {"Id": path["Id"], "Name": path["Name"]}
                    for path in launch_paths(
                        self.current_account, self.region, product.id,
                        self._caller_principals(),
                    )
                ],
            }
        )

    def list_provisioning_artifacts(self) -> ActionResult:
        p = self._params()
        product = self.servicecatalog_backend.describe_product(
            accept_language=p.get("AcceptLanguage"), id=p.get("ProductId"), name=None
        )
        return ActionResult({"ProvisioningArtifactDetails": [self._artifact(product)]})

    @staticmethod
    def _artifact(product: Product) -> dict[str, Any]:
        params = product.provisioning_artifact_parameters or {}
        return {
            "Id": artifact_id(product),
            "Name": artifact_name(product),
            "Description": params.get("Description"),
            "Type": params.get("Type") or "CLOUD_FORMATION_TEMPLATE",
            "CreatedTime": product.created_time,
            "Active": True,
            "Guidance": "DEFAULT",
        }


class CloudFormationTerminationProtectionResponse(CloudFormationResponse):
    """Termination protection for moto's CloudFormation stacks."""

    def update_termination_protection(self) -> ActionResult:
        name = self._get_param("StackName")
        enable = self._get_bool_param("EnableTerminationProtection")
        if enable is None:
            raise CloudFormationValidationError(
                message="1 validation error detected: Value null at "
                "'enableTerminationProtection' failed to satisfy constraint: "
                "Member must not be null"
            )
        stack = self.cloudformation_backend.get_stack(name)
        if stack.status == "DELETE_COMPLETE":
            raise CloudFormationValidationError(name)
        stack.enable_termination_protection = enable
        return ActionResult({"StackId": stack.stack_id})

    def delete_stack(self) -> ActionResult:
        name = self._get_param("StackName")
        backend = self.cloudformation_backend
        stack = next(
            (s for s in backend.stacks.values() if name in (s.name, s.stack_id)), None
        )
        if stack is not None and stack.enable_termination_protection:
            raise CloudFormationValidationError(
                message=f"Stack [{stack.name}] cannot be deleted while "
                "TerminationProtection is enabled"
            )
        backend.delete_stack(name)
        return EmptyResult()


# --------------------------------------------------------------------------
# Portfolio shares with an organisation node
# --------------------------------------------------------------------------

MODEL_PORTFOLIO_SHARE = "servicecatalog::portfolio-share"
ORGANIZATION_NODE_TYPES = ["ORGANIZATION", "ORGANIZATIONAL_UNIT", "ACCOUNT"]
DESCRIBE_SHARE_TYPES = ["ACCOUNT", "ORGANIZATION", "ORGANIZATIONAL_UNIT", "ORGANIZATION_MEMBER_ACCOUNT"]
SHARE_STATUSES = ["NOT_STARTED", "IN_PROGRESS", "COMPLETED", "COMPLETED_WITH_ERRORS", "ERROR"]
#: ``OrganizationNodeValue`` in the Service Catalog API model.
ORGANIZATION_NODE_VALUE_PATTERN = (
    r"(^[0-9]{12}$)|(^arn:aws:organizations::\d{12}:organization\/o-[a-z0-9]{10,32})"
    r"|(^o-[a-z0-9]{10,32}$)"
    r"|(^arn:aws:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$)"
    r"|(^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$)"
)


class OperationNotSupportedException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("OperationNotSupportedException", message)


class InvalidStateException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("InvalidStateException", message)


ORGANIZATIONS_SERVICE_PRINCIPAL = "servicecatalog.amazonaws.com"


class OrganizationShare(BaseModel):
    """A portfolio shared with an organisation, an OU or an account through Organizations."""

    def __init__(
        self, portfolio_id: str, node_type: str, node_value: str,
        share_tag_options: bool, share_principals: bool,
    ) -> None:
        self.token = _random_id("share-")
        self.portfolio_id = portfolio_id
        self.node_type = node_type
        self.node_value = node_value
        self.share_tag_options = share_tag_options
        self.share_principals = share_principals
        self.status = "IN_PROGRESS"
        self.due: float | None = time.monotonic() + transition_delay(MODEL_PORTFOLIO_SHARE)
        self.share_errors: list[dict[str, Any]] = []
        #: The accounts the node stands for (moto's Organizations), set by the backend.
        self.accounts: list[str] = []

    def settle(self, now: float) -> None:
        if self.due is not None and now >= self.due:
            self.due = None
            self.status = "COMPLETED"

    def share_details(self) -> dict[str, Any]:
        done = self.status in ("COMPLETED", "COMPLETED_WITH_ERRORS")
        return {
            # "List of accounts for whom the operation succeeded" (ShareDetails)
            "SuccessfulShares": list(self.accounts) if done else [],
            "ShareErrors": self.share_errors,
        }

    def status_result(self) -> dict[str, Any]:
        return {
            "PortfolioShareToken": self.token,
            "PortfolioId": self.portfolio_id,
            "OrganizationNodeValue": self.node_value,
            "Status": self.status,
            "ShareDetails": self.share_details(),
        }

    def detail(self) -> dict[str, Any]:
        return {
            "PrincipalId": self.node_value,
            "Type": self.node_type,
            "Accepted": True,
            "ShareTagOptions": self.share_tag_options,
            "SharePrincipals": self.share_principals,
        }


class PortfolioSharingBackend(BaseBackend):
    """Organisation-node portfolio shares of one account/region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        #: token -> share; a node shared again keeps its share (and token).
        self.shares: dict[str, OrganizationShare] = {}
        #: ``AccessStatus`` of portfolio sharing through Organizations.
        self.organizations_access = "DISABLED"

    def _settle(self) -> None:
        now = time.monotonic()
        for share in self.shares.values():
            share.settle(now)

    def _portfolio(self, portfolio_id: Any) -> None:
        errors: list[str] = []
        _validate(errors, portfolio_id, "PortfolioId", required=True, max_len=100)
        _check(errors)
        if portfolio_id not in servicecatalog_backends[self.account_id][self.region_name].portfolios:
            raise ResourceNotFoundException(f"Portfolio {portfolio_id} not found.")

    @staticmethod
    def _organization_of(account_id: str) -> tuple[Any, bool] | None:
        """moto's organisation ``account_id`` belongs to (its backend), and
        whether the account is its management account; ``None`` without one."""
        from moto.organizations.models import organizations_backends

        for account_backends in list(organizations_backends.values()):
            for backend in list(account_backends.values()):
                org = backend.org
                if org is None:
                    continue
                if org.master_account_id == account_id:
                    return backend, True
                if any(a.id == account_id for a in backend.accounts):
                    return backend, False
        return None

    def _node_accounts(self, node_type: str, node_value: str) -> list[str]:
        """The member accounts an organisation node shares with, after moto's
        Organizations (none known without an organisation)."""
        node_id = node_value.rsplit("/", 1)[-1]
        if node_type == "ACCOUNT":
            return [node_id]
        membership = self._organization_of(self.account_id)
        if membership is None:
            return []
        backend = membership[0]
        members = [a for a in backend.accounts if a.id != self.account_id]
        if node_type == "ORGANIZATION":
            return sorted(a.id for a in members)
        under = {node_id}
        while True:
            more = {ou.id for ou in backend.ou if ou.parent_id in under} - under
            if not more:
                break
            under |= more
        return sorted(a.id for a in members if a.parent_id in under)

    def set_organizations_access(self, enabled: bool) -> None:
        """``EnableAWSOrganizationsAccess`` / ``DisableAWSOrganizationsAccess``:
        only the management account may call them; enabling also enables the
        trusted access of ``servicecatalog.amazonaws.com`` in moto's
        Organizations (``organizations:EnableAWSServiceAccess`` "on your
        behalf").  Without an organisation in moto the call is accepted."""
        with self.lock:
            membership = self._organization_of(self.account_id)
            if membership is not None and not membership[1]:
                raise OperationNotSupportedException(
                    "Only the management account of the organization can change "
                    "AWS Organizations access for Service Catalog."
                )
            if membership is not None:
                backend = membership[0]
                if enabled:
                    backend.enable_aws_service_access(
                        ServicePrincipal=ORGANIZATIONS_SERVICE_PRINCIPAL
                    )
                elif any(
                    s.get("ServicePrincipal") == ORGANIZATIONS_SERVICE_PRINCIPAL
                    for s in backend.services
                ):
                    backend.disable_aws_service_access(
                        ServicePrincipal=ORGANIZATIONS_SERVICE_PRINCIPAL
                    )
            self.organizations_access = "ENABLED" if enabled else "DISABLED"

    def organizations_access_status(self) -> str:
        with self.lock:
            membership = self._organization_of(self.account_id)
            if membership is not None and not membership[1]:
                raise OperationNotSupportedException(
                    "Only the management account or a delegated administrator of the "
                    "organization can get the AWS Organizations access status."
                )
            return self.organizations_access

    def _check_organizations_access(self) -> None:
        if self.organizations_access != "ENABLED":
            raise InvalidStateException(
                "AWSOrganizationsAccess must be enabled in order to create a portfolio "
                "share to an organization node (call EnableAWSOrganizationsAccess)."
            )

    def _check_organization(self, node_type: str, node_value: str) -> None:
        from moto.organizations.models import organizations_backends

        for account_backends in list(organizations_backends.values()):
            for backend in list(account_backends.values()):
                org = backend.org
                if org is None:
                    continue
                if org.master_account_id == self.account_id:
                    known = {org.id, org.arn} if node_type == "ORGANIZATION" else (
                        {ou.id for ou in backend.ou} | {ou.arn for ou in backend.ou}
                        if node_type == "ORGANIZATIONAL_UNIT"
                        else {a.id for a in backend.accounts}
                    )
                    if node_value not in known:
                        raise InvalidParametersException(
                            f"{node_value} is not part of organization {org.id}."
                        )
                    return
                if any(a.id == self.account_id for a in backend.accounts):
                    raise OperationNotSupportedException(
                        "Only the management account or a delegated administrator of "
                        "the organization can share with an organization node."
                    )

    def create(
        self, portfolio_id: Any, account_id: Any, node: Any,
        share_tag_options: bool, share_principals: bool,
    ) -> OrganizationShare:
        if bool(account_id) == bool(node):
            raise InvalidParametersException(
                "Provide exactly one of AccountId and OrganizationNode."
            )
        errors: list[str] = []
        if not isinstance(node, dict):
            raise InvalidParametersException("OrganizationNode must be a structure.")
        node_type, node_value = node.get("Type"), node.get("Value")
        if node_type not in ORGANIZATION_NODE_TYPES:
            errors.append(
                f"OrganizationNode.Type must be one of {', '.join(ORGANIZATION_NODE_TYPES)}"
            )
        _validate(errors, node_value, "OrganizationNode.Value", required=True,
                  pattern=ORGANIZATION_NODE_VALUE_PATTERN)
        if share_principals and node_type == "ACCOUNT":
            errors.append(
                "SharePrincipals is only supported for an OrganizationNode of type "
                "ORGANIZATION or ORGANIZATIONAL_UNIT"
            )
        _check(errors)
        with self.lock:
            self._settle()
            self._portfolio(portfolio_id)
            self._check_organization(node_type, node_value)
            self._check_organizations_access()
            share = self._find(portfolio_id, node_type, node_value)
            if share is not None and share.status == "ERROR":
                del self.shares[share.token]  # a failed share is shared again from scratch
            elif share is not None:
                # "If the portfolio share with the specified account or organization
                # node already exists, this action will have no effect"
                return share
            share = OrganizationShare(
                portfolio_id, node_type, node_value, share_tag_options, share_principals
            )
            share.accounts = self._node_accounts(node_type, node_value)
            self.shares[share.token] = share
            return share

    def _find(self, portfolio_id: Any, node_type: Any, node_value: Any) -> OrganizationShare | None:
        return next(
            (
                share for share in self.shares.values()
                if (share.portfolio_id, share.node_type, share.node_value)
                == (portfolio_id, node_type, node_value)
            ),
            None,
        )

    def update(
        self, portfolio_id: Any, node: Any,
        share_tag_options: bool | None, share_principals: bool | None,
    ) -> OrganizationShare:
        """``UpdatePortfolioShare`` of an organisation-node share: a member not
        given keeps its value; refused while the share is ``IN_PROGRESS``."""
        if not isinstance(node, dict):
            raise InvalidParametersException("OrganizationNode must be a structure.")
        with self.lock:
            self._settle()
            self._portfolio(portfolio_id)
            share = self._find(portfolio_id, node.get("Type"), node.get("Value"))
            if share is None or share.status == "ERROR":
                raise ResourceNotFoundException(
                    f"Portfolio {portfolio_id} is not shared with {node.get('Value')}."
                )
            if share.status == "IN_PROGRESS":
                raise InvalidStateException(
                    "The portfolio share cannot be updated while it is IN_PROGRESS."
                )
            if share_principals and share.node_type == "ACCOUNT":
                raise InvalidParametersException(
                    "SharePrincipals is only supported for an OrganizationNode of type "
                    "ORGANIZATION or ORGANIZATIONAL_UNIT"
                )
            if share_tag_options is not None:
                share.share_tag_options = share_tag_options
            if share_principals is not None:
                share.share_principals = share_principals
            return share

    def status(self, token: Any) -> OrganizationShare:
        errors: list[str] = []
        _validate(errors, token, "PortfolioShareToken", required=True, max_len=100)
        _check(errors)
        with self.lock:
            self._settle()
            share = self.shares.get(token)
            if share is None:
                raise ResourceNotFoundException(f"Portfolio share {token} not found.")
            return share

    def describe(self, portfolio_id: Any, share_type: Any) -> list[OrganizationShare]:
        if share_type not in DESCRIBE_SHARE_TYPES:
            raise InvalidParametersException(
                f"Type must be one of {', '.join(DESCRIBE_SHARE_TYPES)}"
            )
        with self.lock:
            self._settle()
            self._portfolio(portfolio_id)
            return [
                share for share in self.shares.values()
                if share.portfolio_id == portfolio_id and share.node_type == share_type
                and share.status != "ERROR"
            ]

    def delete(self, portfolio_id: Any, node: dict[str, Any]) -> OrganizationShare | None:
        with self.lock:
            self._settle()
            self._portfolio(portfolio_id)
            for token, share in list(self.shares.items()):
                if (share.portfolio_id, share.node_type, share.node_value) == (
                    portfolio_id, node.get("Type"), node.get("Value"),
                ):
                    del self.shares[token]
                    return share
            return None

    def force_status(
        self, token: str, status: str, share_errors: list[dict[str, Any]]
    ) -> OrganizationShare | None:
        with self.lock:
            share = self.shares.get(token)
            if share is not None:
                share.due = None
                share.status = status
                share.share_errors = list(share_errors)
            return share


sharing_backends = BackendDict(PortfolioSharingBackend, "servicecatalog")


class ServiceCatalogSharingResponse(_ServiceCatalogJsonResponse):
    """Organisation-node shares on top of moto's ``ServiceCatalogResponse``."""

    @property
    def sharing(self) -> PortfolioSharingBackend:
        return sharing_backends[self.current_account][self.region]

    def create_portfolio_share(self) -> ActionResult:
        p = self._params()
        if p.get("AccountId") and not p.get("OrganizationNode"):
            if p.get("SharePrincipals"):
                raise InvalidParametersException(
                    "SharePrincipals is only supported for an OrganizationNode of type "
                    "ORGANIZATION or ORGANIZATIONAL_UNIT"
                )
            return super().create_portfolio_share()
        share = self.sharing.create(
            p.get("PortfolioId"), p.get("AccountId"), p.get("OrganizationNode"),
            bool(p.get("ShareTagOptions")), bool(p.get("SharePrincipals")),
        )
        return ActionResult({"PortfolioShareToken": share.token})

    def update_portfolio_share(self) -> ActionResult:
        p = self._params()
        if p.get("AccountId") and p.get("OrganizationNode"):
            raise InvalidParametersException(
                "Provide exactly one of AccountId and OrganizationNode."
            )
        if not p.get("OrganizationNode"):
            raise OperationNotSupportedException(
                "UpdatePortfolioShare of an account share is not supported by the emulator."
            )
        share = self.sharing.update(
            p.get("PortfolioId"), p.get("OrganizationNode"),
            p.get("ShareTagOptions"), p.get("SharePrincipals"),
        )
        return ActionResult({"PortfolioShareToken": share.token, "Status": share.status})

    def enable_aws_organizations_access(self) -> ActionResult:
        self.sharing.set_organizations_access(True)
        return EmptyResult()

    def disable_aws_organizations_access(self) -> ActionResult:
        self.sharing.set_organizations_access(False)
        return EmptyResult()

    def get_aws_organizations_access_status(self) -> ActionResult:
        return ActionResult({"AccessStatus": self.sharing.organizations_access_status()})

    def describe_portfolio_share_status(self) -> ActionResult:
        share = self.sharing.status(self._params().get("PortfolioShareToken"))
        return ActionResult(share.status_result())

    def describe_portfolio_shares(self) -> ActionResult:
        p = self._params()
        if p.get("Type") == "ACCOUNT":
            return super().describe_portfolio_shares()
        shares = self.sharing.describe(p.get("PortfolioId"), p.get("Type"))
        page, token = _page(shares, p.get("PageSize"), p.get("PageToken"), 50, 100)
        return ActionResult(
            {"PortfolioShareDetails": [s.detail() for s in page], "NextPageToken": token}
        )

    def delete_portfolio_share(self) -> ActionResult:
        p = self._params()
        node = p.get("OrganizationNode")
        if not node or p.get("AccountId"):
            return super().delete_portfolio_share()
        share = self.sharing.delete(p.get("PortfolioId"), node)
        if share is None:
            raise ResourceNotFoundException(
                f"Portfolio {p.get('PortfolioId')} is not shared with {node.get('Value')}."
            )
        return ActionResult({"PortfolioShareToken": share.token})


# --------------------------------------------------------------------------
# Control routes and registration
# --------------------------------------------------------------------------


def _control_force_status(request: ControlRequest) -> tuple[int, Any]:
    body = request.body or {}
    status = body.get("Status")
    if status not in STATUSES:
        return 400, {"error": f"Status must be one of {', '.join(STATUSES)}"}
    pp_id = request.match["pp_id"]
    for backend in iter_provisioning_backends():
        pp = backend.force_status(pp_id, status, body.get("StatusMessage"))
        if pp is not None:
            return 200, {"Id": pp.id, "Status": pp.status, "StatusMessage": pp.status_message}
    return 404, {"error": f"Provisioned product {pp_id} not found."}


def _control_share_status(request: ControlRequest) -> tuple[int, Any]:
    body = request.body or {}
    status = body.get("Status")
    if status not in SHARE_STATUSES:
        return 400, {"error": f"Status must be one of {', '.join(SHARE_STATUSES)}"}
    token = request.match["token"]
    for account_backends in list(sharing_backends.values()):
        for backend in list(account_backends.values()):
            share = backend.force_status(token, status, body.get("ShareErrors") or [])
            if share is not None:
                return 200, share.status_result()
    return 404, {"error": f"Portfolio share {token} not found."}


EXTENSION = register(
    ServiceExtension(
        name="servicecatalog-provisioning",
        service="servicecatalog",
        base_response=ServiceCatalogResponse,
        response=ServiceCatalogProvisioningResponse,
        state_models=[MODEL_PROVISIONED_PRODUCT],
        control_routes=[
            ControlRoute(
                "POST",
                r"servicecatalog/provisioned-products/(?P<pp_id>[^/]+)/status",
                _control_force_status,
            ),
        ],
    )
)

CLOUDFORMATION_EXTENSION = register(
    ServiceExtension(
        name="cloudformation-termination-protection",
        service="cloudformation",
        base_response=CloudFormationResponse,
        response=CloudFormationTerminationProtectionResponse,
    )
)

SHARING_EXTENSION = register(
    ServiceExtension(
        name="servicecatalog-organization-sharing",
        service="servicecatalog",
        base_response=ServiceCatalogResponse,
        response=ServiceCatalogSharingResponse,
        state_models=[MODEL_PORTFOLIO_SHARE],
        control_routes=[
            ControlRoute(
                "POST",
                r"servicecatalog/portfolio-shares/(?P<token>[^/]+)/status",
                _control_share_status,
            ),
        ],
    )
)
