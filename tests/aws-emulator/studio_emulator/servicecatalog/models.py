"""Artefacts, provisioned products and records, and the backend that provisions them."""

from __future__ import annotations

import hashlib
import inspect
import json
import threading
import time
from collections.abc import Iterator
from typing import Any, NamedTuple

from moto.cloudformation.exceptions import CloudFormationError
from moto.cloudformation.models import cloudformation_backends
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.common_models import BaseModel
from moto.core.utils import utcnow
from moto.servicecatalog.exceptions import InvalidParametersException, ResourceNotFoundException
from moto.servicecatalog.models import Product, servicecatalog_backends

from ..core import transition_delay
from .launch_paths import (
    catalog_links,
    launch_path_id,
    launch_paths,
)
from .templates import (
    cloudformation_status_message,
    parse_template,
    read_artifact_template,
)
from .validation import (
    DuplicateResourceException,
    NAME_PATTERN,
    TOKEN_PATTERN,
    ValidationException,
    _check,
    _check_tags,
    _random_id,
    _validate,
)


MODEL_PROVISIONED_PRODUCT = "servicecatalog::provisioned-product"
STATUSES = ["AVAILABLE", "UNDER_CHANGE", "TAINTED", "ERROR", "PLAN_IN_PROGRESS"]
BUSY_STATUSES = ("UNDER_CHANGE", "PLAN_IN_PROGRESS")
ACCESS_LEVELS = ["Account", "Role", "User"]
#: What Service Catalog lets the product's stack do (it launches templates that
#: create IAM resources and use transforms without asking the end user).
STACK_CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
#: The first member of ``RecordOutputs`` of a CloudFormation-backed product.
STACK_ARN_OUTPUT = "CloudformationStackARN"
STACK_ARN_OUTPUT_DESCRIPTION = "The ARN of the launched Cloudformation Stack"


def artifact_id(product: Product) -> str:
    """The one provisioning artifact of a moto product (stable per product)."""
    digest = hashlib.sha256(product.id.encode()).hexdigest()
    return "pa-" + digest[:13]


def artifact_name(product: Product) -> str:
    return (product.provisioning_artifact_parameters or {}).get("Name") or "v1"


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------


class Artifact(BaseModel):
    """A provisioning artefact (version) of a product, with Service Catalog's own
    copy of its template: AWS reads ``LoadTemplateFromURL`` when the artefact is
    created and launches from that copy later (Administrator Guide, "AWS Service
    Catalog launch constraints": the launch role reads "the copy of the product's
    template" that Service Catalog keeps in a bucket of its own)."""

    def __init__(self, artifact_id: str, parameters: dict[str, Any], created_time: Any) -> None:
        self.id = artifact_id
        self.created_time = created_time
        self.active = True
        self.guidance = "DEFAULT"
        self.template: str | None = None
        self.set_parameters(parameters)

    def set_parameters(self, parameters: dict[str, Any]) -> None:
        info = dict(parameters.get("Info") or {})
        if info != getattr(self, "info", None):
            self.template = None  # a new source is a new template
        self.info = info
        self.name = parameters.get("Name")
        self.description = parameters.get("Description")
        self.type = parameters.get("Type") or "CLOUD_FORMATION_TEMPLATE"

    @property
    def template_url(self) -> str | None:
        url = self.info.get("LoadTemplateFromURL")
        return url if isinstance(url, str) else None

    def load_template(self, account_id: str) -> str:
        """Service Catalog's copy, taken from ``Info`` the first time."""
        if self.template is None:
            self.template = read_artifact_template(account_id, self.info)
        return self.template

    def detail(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "Name": self.name,
            "Description": self.description,
            "Type": self.type,
            "CreatedTime": self.created_time,
            "Active": self.active,
            "Guidance": self.guidance,
        }


class Record(BaseModel):
    """A request on a provisioned product (``DescribeRecord``)."""

    def __init__(
        self,
        record_type: str,
        provisioned_product: ProvisionedProduct,
        artifact_id: str,
        path_id: str | None,
        tags: list[dict[str, str]],
    ) -> None:
        self.id = _random_id("rec-")
        self.record_type = record_type
        #: "CREATED - The request was created but the operation has not started."
        self.status = "CREATED"
        self.created_time = self.updated_time = utcnow()
        self.provisioned_product_id = provisioned_product.id
        self.provisioned_product_name = provisioned_product.name
        self.product_id = provisioned_product.product_id
        self.provisioning_artifact_id = artifact_id
        self.path_id = path_id
        self.tags = list(tags)
        self.service_tags = provisioned_product.record_service_tags()
        self.launch_role_arn = provisioned_product.launch_role_arn
        self.owner_key = provisioned_product.owner_key
        self.errors: list[dict[str, str]] = []
        self.outputs: list[dict[str, str]] = []

    def set_status(self, status: str) -> None:
        if status != self.status:
            self.status = status
            self.updated_time = utcnow()

    def finish(self, status: str, error: dict[str, str] | None = None) -> None:
        self.set_status(status)
        if error:
            self.errors.append(error)

    def detail(self) -> dict[str, Any]:
        # Service Catalog adds its own tags once it processes the request (the record
        # of a launch lists aws:servicecatalog:productArn, ...:provisioningPrincipalArn and
        # ...:portfolioArn; the answer of ProvisionProduct itself has none).
        tags = self.tags if self.status == "CREATED" else self.tags + self.service_tags
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
            "RecordTags": tags,
            "LaunchRoleArn": self.launch_role_arn,
        }


class Operation:
    """The stack operation a record stands for, followed lazily (``settle``)."""

    def __init__(
        self,
        record: Record,
        stack_id: str | None,
        events_from: int,
        refusal: str | None = None,
        *,
        refusal_code: str = "ValidationError",
        ignore_errors: bool = False,
        keep_stack: bool = False,
        unchanged: bool = False,
        artifact_id: str | None = None,
        path_id: str | None = None,
        parameters: dict[str, str] | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> None:
        self.record = record
        self.stack_id = stack_id
        #: Where this operation's events start in the stack's event list.
        self.events_from = events_from
        #: CloudFormation's refusal of the operation (a ``ValidationError`` message, or IAM's
        #: ``AccessDenied`` of the identity Service Catalog called CloudFormation as).
        self.refusal = refusal
        self.refusal_code = refusal_code
        self.ignore_errors = ignore_errors
        self.keep_stack = keep_stack
        #: An update CloudFormation found nothing to do for.
        self.unchanged = unchanged
        #: What the provisioned product becomes when the operation succeeds.
        self.artifact_id = artifact_id
        self.path_id = path_id
        self.parameters = parameters
        self.tags = tags
        #: Service Catalog's own processing takes at least the transition delay.
        self.due = time.monotonic() + transition_delay(MODEL_PROVISIONED_PRODUCT)


class ProvisionedProduct(BaseModel):
    def __init__(
        self,
        account_id: str,
        region_name: str,
        name: str,
        product: Product,
        artifact: Artifact,
        path_id: str,
        portfolio_arn: str | None,
        tags: list[dict[str, str]],
        token: str,
        owner_key: str,
        principal_arn: str,
        session_arn: str,
        launch_role_arn: str | None,
    ) -> None:
        self.id = _random_id("pp-")
        self.name = name
        self.arn = (
            f"arn:aws:servicecatalog:{region_name}:{account_id}:stack/{name}/{self.id}"
        )
        self.product_id = product.id
        self.product_arn = product.arn
        self.product_name = product.name
        self.provisioning_artifact_id = artifact.id
        self.provisioning_artifact_name = artifact.name
        self.path_id = path_id
        self.portfolio_arn = portfolio_arn
        self.tags = list(tags)
        self.idempotency_token = token
        self.owner_key = owner_key
        self.user_arn = principal_arn
        self.user_arn_session = session_arn
        self.launch_role_arn = launch_role_arn
        #: The stack's parameters as last provisioned (for ``UsePreviousValue``).
        self.parameters: dict[str, str] = {}
        self.created_time = utcnow()
        self.status = "UNDER_CHANGE"
        self.status_message: str | None = None
        self.physical_id: str | None = None
        self.last_record_id: str | None = None
        self.last_provisioning_record_id: str | None = None
        self.last_successful_provisioning_record_id: str | None = None
        self.operation: Operation | None = None

    def record_service_tags(self) -> list[dict[str, str]]:
        tags = [
            {"Key": "aws:servicecatalog:productArn", "Value": self.product_arn},
            {"Key": "aws:servicecatalog:provisioningPrincipalArn", "Value": self.user_arn_session},
        ]
        if self.portfolio_arn:
            tags.append({"Key": "aws:servicecatalog:portfolioArn", "Value": self.portfolio_arn})
        return tags

    def service_tags(self, artifact_id: str | None = None) -> list[dict[str, str]]:
        """The tags Service Catalog puts on the stack (and lists with the product's
        tags): product, provisioning principal, artefact, portfolio, provisioned
        product (the AWS CLI's "search-provisioned-products" example)."""
        return [
            *self.record_service_tags(),
            {
                "Key": "aws:servicecatalog:provisioningArtifactIdentifier",
                "Value": artifact_id or self.provisioning_artifact_id,
            },
            {"Key": "aws:servicecatalog:provisionedProductArn", "Value": self.arn},
        ]

    def stack_tags(
        self, tags: list[dict[str, str]] | None = None, artifact_id: str | None = None
    ) -> dict[str, str]:
        """The stack's tags: the end user's (``tags``, default the current ones), then
        Service Catalog's."""
        chosen = self.tags if tags is None else tags
        return {t["Key"]: t["Value"] for t in [*chosen, *self.service_tags(artifact_id)]}

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
            "LaunchRoleArn": self.launch_role_arn,
        }

    def attributes(self) -> dict[str, Any]:
        detail = self.detail()
        detail.pop("LaunchRoleArn")
        return {
            **detail,
            "Tags": [*self.tags, *self.service_tags()],
            "PhysicalId": self.physical_id,
            "ProductName": self.product_name,
            "ProvisioningArtifactName": self.provisioning_artifact_name,
            "UserArn": self.user_arn,
            "UserArnSession": self.user_arn_session,
        }


#: How a record ends, by the stack status its operation reached:
#: (record status, provisioned product status; ``None`` = the product is gone).
OUTCOMES: dict[str, dict[str, tuple[str, str | None]]] = {
    "PROVISION_PRODUCT": {
        "CREATE_COMPLETE": ("SUCCEEDED", "AVAILABLE"),
        "ROLLBACK_COMPLETE": ("FAILED", "ERROR"),
        "ROLLBACK_FAILED": ("FAILED", "ERROR"),
        "DELETE_COMPLETE": ("FAILED", "ERROR"),
    },
    "UPDATE_PROVISIONED_PRODUCT": {
        "UPDATE_COMPLETE": ("SUCCEEDED", "AVAILABLE"),
        # "TAINTED - ... a request to update to a new version failed and the stack
        # rolled back to the current version." (ProvisionedProductDetail.Status)
        "UPDATE_ROLLBACK_COMPLETE": ("FAILED", "TAINTED"),
        "UPDATE_ROLLBACK_FAILED": ("FAILED", "ERROR"),
    },
    "TERMINATE_PROVISIONED_PRODUCT": {
        "DELETE_COMPLETE": ("SUCCEEDED", None),
        "DELETE_FAILED": ("FAILED", "ERROR"),
    },
}
#: Stack statuses of a failed operation being remedied (a rollback):
#: "IN_PROGRESS_IN_ERROR - ... the requested operation failed and some remediation is
#: occurring. For example, a rollback." (RecordDetail.Status)
IN_ERROR = {
    "CREATE_FAILED",
    "ROLLBACK_IN_PROGRESS",
    "UPDATE_FAILED",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
}


class Caller(NamedTuple):
    """Who calls: the request's access key, the IAM principals it acts as
    (``caller_principals``) and its ARN as STS reports it (``caller_arn``)."""

    access_key: str
    principals: list[str]
    arn: str


class ServiceCatalogProvisioningBackend(BaseBackend):
    """Provisioning artefacts, provisioned products and records of one account/region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        self.provisioned_products: dict[str, ProvisionedProduct] = {}
        self.records: dict[str, Record] = {}
        #: product id -> its artefacts, the first one being moto's (``artifact_id``).
        self.artifacts: dict[str, list[Artifact]] = {}
        #: CreateProvisioningArtifact IdempotencyToken -> (product id, artefact id).
        self.artifact_tokens: dict[str, tuple[str, str]] = {}
        #: ProvisionToken -> record id; (pp id, UpdateToken/TerminateToken) -> record id.
        self.provision_tokens: dict[str, str] = {}
        self.update_tokens: dict[tuple[str, str], str] = {}
        self.terminate_tokens: dict[tuple[str, str], str] = {}

    # ---- internals ------------------------------------------------------

    @property
    def _catalog(self) -> Any:
        return servicecatalog_backends[self.account_id][self.region_name]

    @property
    def _cloudformation(self) -> Any:
        return cloudformation_backends[self.account_id][self.region_name]

    def _links(self) -> Any:
        return catalog_links(self.account_id, self.region_name)

    def settle(self) -> None:
        for pp in list(self.provisioned_products.values()):
            self._settle(pp)

    def _stack(self, stack_id: str | None) -> Any:
        if not stack_id:
            return None
        cloudformation = self._cloudformation
        return cloudformation.stacks.get(stack_id) or cloudformation.deleted_stacks.get(stack_id)

    def _settle(self, pp: ProvisionedProduct) -> None:
        """Follows the operation in progress to the stack's status (computed when asked).

        The record is ``IN_PROGRESS`` once the stack operation has started,
        ``IN_PROGRESS_IN_ERROR`` while a failed operation rolls back, and ends when the
        stack does (``OUTCOMES``); Service Catalog's own processing takes at least the
        transition delay of ``servicecatalog::provisioned-product``.
        """
        op = pp.operation
        if op is None:
            return
        record = op.record
        if record.status == "CREATED":
            record.set_status("IN_PROGRESS")
        if time.monotonic() < op.due:
            return
        kind = record.record_type
        if op.refusal is not None:
            self._refused(pp, op)
            return
        if kind == "TERMINATE_PROVISIONED_PRODUCT" and (op.keep_stack or op.stack_id is None):
            record.finish("SUCCEEDED")
            self._forget(pp)
            return
        stack = self._stack(op.stack_id)
        if op.unchanged:
            self._succeeded(pp, op, stack)
            return
        stack_status = stack.status if stack is not None else "DELETE_COMPLETE"
        outcome = OUTCOMES[kind].get(stack_status)
        if outcome is None:
            record.set_status("IN_PROGRESS_IN_ERROR" if stack_status in IN_ERROR else "IN_PROGRESS")
            return
        record_status, pp_status = outcome
        if record_status == "SUCCEEDED":
            self._succeeded(pp, op, stack)
            return
        code, reason = self._failure(stack, op)
        if kind == "TERMINATE_PROVISIONED_PRODUCT" and op.ignore_errors:
            # "If set to true, Service Catalog stops managing the specified provisioned
            # product even if it cannot delete the underlying resources."
            record.finish("SUCCEEDED")
            self._forget(pp)
            return
        record.finish("FAILED", {"Code": code, "Description": reason})
        record.outputs = self._outputs(stack, with_stack_outputs=False)
        pp.status = pp_status or "ERROR"
        pp.status_message = reason
        pp.operation = None

    def _succeeded(self, pp: ProvisionedProduct, op: Operation, stack: Any) -> None:
        record = op.record
        record.finish("SUCCEEDED")
        record.outputs = self._outputs(stack, with_stack_outputs=True)
        if record.record_type == "TERMINATE_PROVISIONED_PRODUCT":
            self._forget(pp)
            return
        pp.status = "AVAILABLE"
        pp.status_message = None
        pp.last_successful_provisioning_record_id = record.id
        if op.artifact_id is not None:
            artifact = self._artifact_by_id(pp.product_id, op.artifact_id)
            pp.provisioning_artifact_id = op.artifact_id
            pp.provisioning_artifact_name = artifact.name if artifact else None
        pp.path_id = op.path_id or pp.path_id
        if op.parameters is not None:
            pp.parameters = dict(op.parameters)
        if op.tags is not None:
            pp.tags = list(op.tags)
        pp.operation = None

    def _refused(self, pp: ProvisionedProduct, op: Operation) -> None:
        """CloudFormation refused the operation: the record fails with its
        ``ValidationError``; a launch leaves the product ``ERROR`` ("CloudFormation
        received a parameter value that was not valid and could not launch the
        stack"), an update leaves a running stack as it was (``TAINTED``), a
        termination leaves the product ``ERROR`` unless ``IgnoreErrors``."""
        record, kind = op.record, op.record.record_type
        assert op.refusal is not None
        if kind == "TERMINATE_PROVISIONED_PRODUCT" and op.ignore_errors:
            record.finish("SUCCEEDED")
            self._forget(pp)
            return
        record.finish("FAILED", {"Code": op.refusal_code, "Description": op.refusal})
        stack = self._stack(pp.physical_id)
        running = stack is not None and stack.status in (
            "CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE",
        )
        pp.status = "TAINTED" if kind == "UPDATE_PROVISIONED_PRODUCT" and running else "ERROR"
        pp.status_message = cloudformation_status_message(op.refusal, op.refusal_code)
        pp.operation = None

    def _forget(self, pp: ProvisionedProduct) -> None:
        pp.operation = None
        self.provisioned_products.pop(pp.id, None)

    @staticmethod
    def _failure(stack: Any, op: Operation) -> tuple[str, str]:
        """The record's error: the first resource that failed during the operation
        (its status and ``ResourceStatusReason``), else the stack's own status."""
        events = list(getattr(stack, "events", None) or [])[op.events_from:]
        for event in events:
            status = str(getattr(event, "resource_status", ""))
            if status.endswith("_FAILED") and event.logical_resource_id != stack.name:
                reason = event.resource_status_reason or f"Resource {event.logical_resource_id} {status}"
                return status, str(reason)
        status = getattr(stack, "status", "DELETE_COMPLETE")
        for event in reversed(events):
            if event.resource_status_reason and event.logical_resource_id == stack.name:
                return status, str(event.resource_status_reason)
        return status, f"Stack {getattr(stack, 'stack_id', op.stack_id)} is {status}"

    @staticmethod
    def _outputs(stack: Any, *, with_stack_outputs: bool) -> list[dict[str, str]]:
        """``RecordOutputs``: ``CloudformationStackARN`` first, then the stack's outputs."""
        if stack is None:
            return []
        outputs = [
            {
                "OutputKey": STACK_ARN_OUTPUT,
                "OutputValue": stack.stack_id,
                "Description": STACK_ARN_OUTPUT_DESCRIPTION,
            }
        ]
        if with_stack_outputs:
            for output in stack.outputs or []:
                entry = {"OutputKey": output["OutputKey"], "OutputValue": str(output["OutputValue"])}
                if output.get("Description"):
                    entry["Description"] = output["Description"]
                outputs.append(entry)
        return outputs

    def record_outputs(self, record: Record) -> list[dict[str, str]]:
        if record.outputs or record.status in ("SUCCEEDED", "FAILED"):
            return record.outputs
        pp = self.provisioned_products.get(record.provisioned_product_id)
        return self._outputs(self._stack(pp.physical_id if pp else None), with_stack_outputs=False)

    # ---- products and artefacts -------------------------------------------

    def owner_of(self, product_id: str) -> str:
        """The account whose catalog holds ``product_id``: this one, or the sharer of an
        imported portfolio holding it (``imports.product_owner``)."""
        if product_id in self._catalog.products:
            return self.account_id
        from .imports import product_owner

        return product_owner(self.account_id, self.region_name, product_id) or self.account_id

    def _find_product(self, product_id: str | None, product_name: str | None) -> Product:
        """A product of this account's catalog, or of a portfolio it imported (the
        sharer's product: "The products and constraints in the imported portfolio stay in
        sync", Administrator Guide, "Sharing and Importing Portfolios")."""
        catalog = self._catalog
        if product_id:
            product = catalog.products.get(product_id)
            if product is None:
                product = servicecatalog_backends[self.owner_of(product_id)][
                    self.region_name
                ].products.get(product_id)
        elif product_name:
            product = catalog.lookup_by_name(product_name)
            if product is None:
                from .imports import imported_portfolios

                for offer in imported_portfolios(self.account_id, self.region_name):
                    found = servicecatalog_backends[offer.account_id][
                        self.region_name
                    ].lookup_by_name(product_name)
                    if found is not None and self.owner_of(found.id) == offer.account_id:
                        product = found
                        break
        else:
            raise InvalidParametersException("ProductId or ProductName is required")
        if product is None:
            raise ResourceNotFoundException(
                f"Product {product_id or product_name} not found."
            )
        return product

    def artifacts_of(self, product: Product) -> list[Artifact]:
        """The product's artefacts: the one moto's product was created with (kept in
        step with it, as CloudFormation may update it), then those added by
        ``CreateProvisioningArtifact``. An imported product's are its owner's."""
        owner = self.owner_of(product.id)
        if owner != self.account_id:
            return provisioning_backends[owner][self.region_name].artifacts_of(product)
        artifacts = self.artifacts.setdefault(product.id, [])
        params = product.provisioning_artifact_parameters or {}
        if not artifacts:
            artifacts.append(Artifact(artifact_id(product), params, product.created_time))
        else:
            artifacts[0].set_parameters(params)
        if not artifacts[0].name:
            artifacts[0].name = "v1"
        return artifacts

    def _artifact_by_id(self, product_id: str, wanted: str) -> Artifact | None:
        product = self._catalog.products.get(product_id)
        if product is None:
            return None
        return next((a for a in self.artifacts_of(product) if a.id == wanted), None)

    def find_artifact(
        self, product: Product, wanted_id: str | None, wanted_name: str | None
    ) -> Artifact:
        if not wanted_id and not wanted_name:
            raise InvalidParametersException(
                "ProvisioningArtifactId or ProvisioningArtifactName is required"
            )
        for artifact in self.artifacts_of(product):
            if (wanted_id and artifact.id == wanted_id) or (
                not wanted_id and artifact.name == wanted_name
            ):
                return artifact
        raise ResourceNotFoundException(
            f"Provisioning artifact {wanted_id or wanted_name} not found for product {product.id}."
        )

    def create_artifact(self, product_id: Any, parameters: Any, token: Any) -> Artifact:
        """``CreateProvisioningArtifact``: a new version whose template is read now
        (``INVALID_TEMPLATE`` if it cannot be); the same ``IdempotencyToken`` returns
        the same artefact."""
        errors: list[str] = []
        _validate(errors, product_id, "ProductId", required=True, max_len=100)
        _validate(errors, token, "IdempotencyToken", required=True, pattern=TOKEN_PATTERN, max_len=128)
        if not isinstance(parameters, dict):
            errors.append("Parameters is required")
        _check(errors)
        with self.lock:
            if token in self.artifact_tokens:
                seen_product, seen_artifact = self.artifact_tokens[token]
                found = self._artifact_by_id(seen_product, seen_artifact)
                if found is not None:
                    return found
            product = self._find_product(product_id, None)
            artifact = Artifact(_random_id("pa-"), parameters, utcnow())
            if artifact.type != "CLOUD_FORMATION_TEMPLATE":
                raise InvalidParametersException(
                    "The CLOUD_FORMATION_TEMPLATE Product Type only supports the following "
                    "ProvisioningArtifact Types: CLOUD_FORMATION_TEMPLATE"
                )
            artifact.load_template(self.account_id)
            self.artifacts_of(product).append(artifact)
            self.artifact_tokens[token] = (product.id, artifact.id)
            return artifact

    def take_template_copy(self, product: Product) -> None:
        """Reads a new product's template now, as ``CreateProduct`` does."""
        with self.lock:
            self.artifacts_of(product)[0].load_template(self.account_id)

    # ---- launch paths and constraints -------------------------------------

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

    def _portfolio_of(self, product_id: str, path_id: str) -> str | None:
        for portfolio_id, associated in list(
            catalog_links(self.owner_of(product_id), self.region_name).product_associations
        ):
            if associated == product_id and launch_path_id(portfolio_id, product_id) == path_id:
                return str(portfolio_id)
        return None

    def _constraints(self, portfolio_id: str | None, product_id: str, kind: str) -> list[dict[str, Any]]:
        # An imported product's constraints are the sharer's (they "stay in sync").
        links = catalog_links(self.owner_of(product_id), self.region_name)
        return [
            c for c in list(links.constraints.values())
            if c.get("Type") == kind
            and (c.get("PortfolioId"), c.get("ProductId")) == (portfolio_id, product_id)
        ]

    def launch_role(self, portfolio_id: str | None, product_id: str) -> str | None:
        """The role Service Catalog provisions as: the launch constraint's ``RoleArn``,
        or its ``LocalRoleName`` as a role of the caller's account ("the IAM role with
        that name in the account will be used", CloudFormation's
        ``AWS::ServiceCatalog::LaunchRoleConstraint``) -- for an imported portfolio the
        RECIPIENT's role (the CDK's ``setLocalLaunchRoleName``: the role "must exist in
        ... the account of the user who launches a product with this launch constraint"). Without a launch constraint the
        stack runs with the end user's own credentials (no role)."""
        for constraint in self._constraints(portfolio_id, product_id, "LAUNCH"):
            if constraint.get("RoleArn"):
                return str(constraint["RoleArn"])
            if constraint.get("LocalRoleName"):
                return f"arn:aws:iam::{self.account_id}:role/{constraint['LocalRoleName']}"
        return None

    def _tag_updates_allowed(self, portfolio_id: str | None, product_id: str) -> bool:
        """``Tags`` of UpdateProvisionedProduct "Requires the product to have
        RESOURCE_UPDATE constraint with TagUpdatesOnProvisionedProduct set to
        ALLOWED"."""
        return any(
            c.get("TagUpdateOnProvisionedProduct") == "ALLOWED"
            for c in self._constraints(portfolio_id, product_id, "RESOURCE_UPDATE")
        )

    def create_constraint(
        self, portfolio_id: Any, product_id: Any, kind: Any, parameters: Any,
        description: Any, token: Any,
    ) -> dict[str, Any]:
        """``CreateConstraint`` of a ``LAUNCH`` (``{"RoleArn": ...}`` or
        ``{"LocalRoleName": ...}``, exactly one) or ``RESOURCE_UPDATE``
        (``{"Version": "2.0", "Properties": {"TagUpdateOnProvisionedProduct":
        "ALLOWED"|"NOT_ALLOWED"}}``) constraint; the product must be in the portfolio;
        one constraint of a type per portfolio and product (``DuplicateResourceException``)."""
        errors: list[str] = []
        _validate(errors, portfolio_id, "PortfolioId", required=True, max_len=100)
        _validate(errors, product_id, "ProductId", required=True, max_len=100)
        _validate(errors, token, "IdempotencyToken", required=True, pattern=TOKEN_PATTERN, max_len=128)
        if kind not in ("LAUNCH", "RESOURCE_UPDATE"):
            errors.append("Type must be LAUNCH or RESOURCE_UPDATE (the other types are not modelled)")
        try:
            values = json.loads(parameters) if isinstance(parameters, str) else None
        except ValueError:
            values = None
        if not isinstance(values, dict):
            errors.append("Parameters must be a JSON object")
        _check(errors)
        assert isinstance(values, dict)
        with self.lock:
            links = self._links()
            if portfolio_id not in self._catalog.portfolios:
                raise ResourceNotFoundException(f"Portfolio {portfolio_id} not found.")
            self._find_product(product_id, None)
            if (portfolio_id, product_id) not in links.product_associations:
                raise ResourceNotFoundException(
                    f"Product {product_id} is not in portfolio {portfolio_id}."
                )
            if self._constraints(portfolio_id, product_id, kind):
                raise DuplicateResourceException(
                    f"A {kind} constraint already exists for product {product_id} "
                    f"in portfolio {portfolio_id}."
                )
            constraint: dict[str, Any] = {
                "ConstraintId": _random_id("cons-"),
                "Type": kind,
                "PortfolioId": portfolio_id,
                "ProductId": product_id,
                "Description": description,
                "Owner": self.account_id,
                "Parameters": parameters,
            }
            if kind == "LAUNCH":
                if bool(values.get("RoleArn")) == bool(values.get("LocalRoleName")):
                    raise InvalidParametersException(
                        "Exactly one of RoleArn and LocalRoleName is required."
                    )
                constraint["RoleArn"] = values.get("RoleArn")
                constraint["LocalRoleName"] = values.get("LocalRoleName")
            else:
                allowed = (values.get("Properties") or {}).get("TagUpdateOnProvisionedProduct")
                if allowed not in ("ALLOWED", "NOT_ALLOWED"):
                    raise InvalidParametersException(
                        "Properties.TagUpdateOnProvisionedProduct must be ALLOWED or NOT_ALLOWED."
                    )
                constraint["TagUpdateOnProvisionedProduct"] = allowed
            links.constraints[constraint["ConstraintId"]] = constraint
            return constraint

    def constraint(self, constraint_id: Any) -> dict[str, Any]:
        found = self._links().constraints.get(constraint_id)
        if found is None:
            raise ResourceNotFoundException(f"Constraint {constraint_id} not found.")
        return dict(found)

    def delete_constraint(self, constraint_id: Any) -> None:
        if self._links().constraints.pop(constraint_id, None) is None:
            raise ResourceNotFoundException(f"Constraint {constraint_id} not found.")

    # ---- stacks -------------------------------------------------------------

    def _calling_as(self, pp: ProvisionedProduct) -> tuple[Any, dict[str, Any]]:
        """(the identity Service Catalog calls CloudFormation as for ``pp``, the keys its calls
        carry). With a launch role: Service Catalog's session of that role ("the IAM role that
        AWS Service Catalog assumes when an end user launches, updates, or terminates a
        product", Administrator Guide, "AWS Service Catalog launch constraints"); without one
        "end users must launch and manage products using their own IAM credentials" (same page),
        which Service Catalog forwards, so the call carries ``aws:ViaAWSService`` (IAM User
        Guide, "AWS global condition context keys": true "when an AWS service uses the
        credentials of an IAM principal to make a request on their behalf"; Service Catalog is
        not among the services that set ``aws:CalledVia``)."""
        from ..iam import in_process, principals, service_catalog

        if pp.launch_role_arn:
            return principals.role_session(pp.launch_role_arn, service_catalog.SESSION_NAME), {}
        return in_process.current_caller(), {"aws:ViaAWSService": "true"}

    def _stack_refusal(
        self,
        pp: ProvisionedProduct,
        operation: str,
        stack: str,
        tags: list[dict[str, str]] | None = None,
    ) -> str | None:
        """With IAM enforced (issue #13): IAM's refusal of the CloudFormation call Service
        Catalog makes for ``pp`` -- ``CreateStack`` for ProvisionProduct, ``UpdateStack`` for
        UpdateProvisionedProduct, ``DeleteStack`` for TerminateProvisionedProduct, on ``stack``
        (its ARN, or ``stack/<name>/*`` before it exists) -- as :meth:`_calling_as`, or None.

        The authorisations are those of the same call made over HTTP
        (``iam/context/cloudformation.py``: the action on the stack's ARN, the end user's
        ``tags`` as ``aws:RequestTag/*`` and ``cloudformation:TagResource``). Service Catalog's
        own ``aws:servicecatalog:*`` tags are not counted: the ``aws:`` key prefix is reserved
        for AWS use (AWS General Reference, "Tagging AWS resources: tag naming limits and
        requirements"), AWS puts them there itself; whether AWS checks them against the caller
        is not published. No ``iam:PassRole`` is asked: the stack keeps the launch role as its
        ``RoleARN`` here, but the guide's launch-role policies grant no ``iam:PassRole`` of the
        role to itself, so Service Catalog cannot be passing it as a caller would. Not modelled, because no source says which Service Catalog operation calls them:
        DescribeStacks, DescribeStackEvents, GetTemplateSummary, ValidateTemplate,
        SetStackPolicy (the guide's example launch role, "Step 6: Add a launch constraint",
        grants them without saying when they are used)."""
        from ..iam import in_process
        from ..iam.context import Request
        from ..iam.context import cloudformation as cloudformation_context

        if not in_process.enforcing():
            return None
        principal, extra = self._calling_as(pp)
        params: dict[str, Any] = {"StackName": stack}
        own = [t for t in tags or [] if not str(t.get("Key", "")).startswith("aws:")]
        for index, tag in enumerate(own, start=1):
            params[f"Tags.member.{index}.Key"] = tag["Key"]
            params[f"Tags.member.{index}.Value"] = tag.get("Value", "")
        request = Request(
            service="cloudformation", operation=operation, region=self.region_name,
            account_id=self.account_id, params=params, headers={}, path="/", secure=True,
            source_ip="",
        )
        denied = in_process.authorize_as(
            principal, cloudformation_context.default(request), via="servicecatalog",
            region=self.region_name, extra_context=extra,
        )
        return denied.message if denied is not None else None

    def _stack_call(self, pp: ProvisionedProduct, method: Any, **arguments: Any) -> Any:
        """A call of moto's CloudFormation backend with what Service Catalog passes;
        ``Capabilities`` go along where the backend takes them. While IAM is enforced,
        CloudFormation's caller is whom Service Catalog calls as (:meth:`_calling_as`) -- what
        CloudFormation reads as its caller, e.g. the template's SSM parameters
        (``cloudformation/parameters.py``) and the caller a stack operation keeps."""
        from ..iam import in_process

        if "capabilities" in inspect.signature(method).parameters:
            arguments["capabilities"] = list(STACK_CAPABILITIES)
        caller = in_process.current_caller()
        if in_process.enforcing():
            in_process.set_current_caller(self._calling_as(pp)[0])
        try:
            return method(**arguments)
        finally:
            in_process.set_current_caller(caller)

    def _create_stack(
        self, pp: ProvisionedProduct, body: str, template: dict[str, Any], values: dict[str, str]
    ) -> tuple[str | None, str | None]:
        """CreateStack ``SC-<account>-<pp id>`` from the artefact's template with the
        provisioning parameters, the tags, and the launch role as ``RoleARN``;
        ``NotificationArns`` are not passed (moto's CloudFormation does not notify).
        Returns the stack id, or CloudFormation's refusal."""
        try:
            stack = self._stack_call(
                pp,
                self._cloudformation.create_stack,
                name=f"SC-{self.account_id}-{pp.id}",
                template=body,
                parameters=dict(values),
                tags=pp.stack_tags(),
                role_arn=pp.launch_role_arn,
            )
        except CloudFormationError as error:
            return None, error.message
        return stack.stack_id, None

    def _launch_refusal(
        self, pp: ProvisionedProduct, product_id: str, artifact_id: str
    ) -> str | None:
        """With IAM enforced (issue #13): the launch role must trust Service Catalog and read
        Service Catalog's copy of the template (``iam/service_catalog.py``)."""
        from ..iam import in_process, service_catalog

        return service_catalog.launch_refusal(
            pp.launch_role_arn, in_process.current_caller(), self.account_id, self.region_name,
            product_id, artifact_id,
        )

    def _terminate_refusal(self, pp: ProvisionedProduct, stack_id: str) -> str | None:
        """With IAM enforced: a termination under a launch role needs Service Catalog to assume
        the role again (it must still exist and trust ``servicecatalog.amazonaws.com``), then
        ``cloudformation:DeleteStack`` on the stack as that session (:meth:`_stack_refusal`)."""
        from ..iam import in_process, service_catalog

        if not in_process.enforcing():
            return None
        if pp.launch_role_arn:
            denied = in_process.trusts(
                pp.launch_role_arn, service_catalog.SERVICE, self.account_id, None,
                via="servicecatalog",
            )
            if denied is not None:
                return f"Unable to assume the launch role {pp.launch_role_arn}: {denied.message}"
        return self._stack_refusal(pp, "DeleteStack", stack_id)

    # ---- operations -------------------------------------------------------

    def _get(self, pp_id: str | None, name: str | None) -> ProvisionedProduct:
        if bool(pp_id) == bool(name):
            raise InvalidParametersException(
                "Exactly one of ProvisionedProductId or ProvisionedProductName is required"
            )
        for pp in self.provisioned_products.values():
            if (pp_id and pp.id == pp_id) or (name and name in (pp.name, pp.arn)):
                return pp
        raise ResourceNotFoundException(
            f"Provisioned product {pp_id or name} not found."
        )

    def _begin(self, pp: ProvisionedProduct, op: Operation) -> None:
        record = op.record
        self.records[record.id] = record
        pp.last_record_id = record.id
        pp.last_provisioning_record_id = record.id
        pp.status = "UNDER_CHANGE"
        pp.status_message = None
        pp.operation = op

    @staticmethod
    def _check_parameters(errors: list[str], parameters: Any, *, update: bool) -> None:
        if parameters is None:
            return
        if not isinstance(parameters, list):
            errors.append("ProvisioningParameters must be a list")
            return
        for index, parameter in enumerate(parameters, start=1):
            if not isinstance(parameter, dict) or not isinstance(parameter.get("Key"), str) or not (
                1 <= len(parameter["Key"]) <= 1000
            ):
                errors.append(f"ProvisioningParameters[{index}].Key must be 1 to 1000 characters")
            elif not update and not isinstance(parameter.get("Value", ""), str):
                errors.append(f"ProvisioningParameters[{index}].Value must be a string")

    def provision_product(
        self,
        caller: Caller,
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
        self._check_parameters(errors, provisioning_parameters, update=False)
        _check(errors)
        assert provision_token is not None and provisioned_product_name is not None
        with self.lock:
            self.settle()
            if provision_token in self.provision_tokens:
                return self.records[self.provision_tokens[provision_token]]
            product = self._find_product(product_id, product_name)
            artifact = self.find_artifact(product, provisioning_artifact_id, provisioning_artifact_name)
            path_id = self._launch_path(product, path_id, caller.principals)
            if any(pp.name == provisioned_product_name for pp in self.provisioned_products.values()):
                # The name must be unique in the account; AWS answers
                # "A stack named NAME already exists." (awslabs/aws-service-catalog-puppet#284).
                raise InvalidParametersException(
                    f"A stack named {provisioned_product_name} already exists."
                )
            body = artifact.load_template(self.account_id)
            template = parse_template(body)
            portfolio_id = self._portfolio_of(product.id, path_id)
            pp = ProvisionedProduct(
                account_id=self.account_id,
                region_name=self.region_name,
                name=provisioned_product_name,
                product=product,
                artifact=artifact,
                path_id=path_id,
                portfolio_arn=(
                    servicecatalog_backends[self.owner_of(product.id)][self.region_name]
                    .portfolios[portfolio_id].arn if portfolio_id else None
                ),
                tags=tags or [],
                token=provision_token,
                owner_key=caller.access_key,
                principal_arn=caller.principals[0],
                session_arn=caller.arn,
                launch_role_arn=self.launch_role(portfolio_id, product.id),
            )
            values = {p["Key"]: p.get("Value", "") for p in provisioning_parameters or []}
            record = Record("PROVISION_PRODUCT", pp, artifact.id, path_id, tags or [])
            refusal = self._launch_refusal(pp, product.id, artifact.id)
            refusal_code = "ValidationError"
            stack_id = None
            if refusal is None:
                refusal = self._stack_refusal(
                    pp, "CreateStack", f"SC-{self.account_id}-{pp.id}", pp.tags
                )
                refusal_code = "ValidationError" if refusal is None else "AccessDenied"
            if refusal is None:
                stack_id, refusal = self._create_stack(pp, body, template, values)
            pp.physical_id = stack_id
            self.provisioned_products[pp.id] = pp
            self._begin(pp, Operation(
                record, stack_id, 0, refusal, refusal_code=refusal_code, parameters=values
            ))
            self.provision_tokens[provision_token] = record.id
            return record

    def update_provisioned_product(
        self,
        caller: Caller,
        pp_id: str | None,
        name: str | None,
        product_id: str | None,
        product_name: str | None,
        provisioning_artifact_id: str | None,
        provisioning_artifact_name: str | None,
        path_id: str | None,
        provisioning_parameters: list[dict[str, Any]] | None,
        tags: list[dict[str, str]] | None,
        update_token: str | None,
    ) -> Record:
        """``UpdateProvisionedProduct``: UpdateStack with the new (or current)
        artefact's template and parameters -- a parameter given with
        ``UsePreviousValue`` keeps its value, one not given takes the template's
        default, as UpdateStack does -- under the launch role; ``Tags`` need a
        ``RESOURCE_UPDATE`` constraint that allows them. An update CloudFormation finds
        nothing to do for (``No updates are to be performed.``) still succeeds."""
        errors: list[str] = []
        _validate(errors, update_token, "UpdateToken", required=True, pattern=TOKEN_PATTERN, max_len=128)
        _check_tags(errors, tags)
        self._check_parameters(errors, provisioning_parameters, update=True)
        _check(errors)
        assert update_token is not None
        with self.lock:
            self.settle()
            pp = self._get(pp_id, name)
            seen = self.update_tokens.get((pp.id, update_token))
            if seen is not None:
                return self.records[seen]
            if pp.status in BUSY_STATUSES:
                raise ValidationException(
                    f"Provisioned product {pp.id} is in status {pp.status}; "
                    "it cannot be updated until the operation in progress ends."
                )
            if (product_id and product_id != pp.product_id) or (
                product_name and product_name != pp.product_name
            ):
                raise InvalidParametersException(
                    f"Provisioned product {pp.id} was launched from product {pp.product_id}."
                )
            product = self._find_product(pp.product_id, None)
            if not provisioning_artifact_id and not provisioning_artifact_name:
                provisioning_artifact_id = pp.provisioning_artifact_id
            artifact = self.find_artifact(product, provisioning_artifact_id, provisioning_artifact_name)
            path_id = self._launch_path(product, path_id or pp.path_id, caller.principals)
            portfolio_id = self._portfolio_of(product.id, path_id)
            if tags is not None and tags != pp.tags and not self._tag_updates_allowed(
                portfolio_id, product.id
            ):
                raise InvalidParametersException(
                    "Tag updates are not allowed: the product needs a RESOURCE_UPDATE "
                    "constraint with TagUpdateOnProvisionedProduct set to ALLOWED."
                )
            values: dict[str, str] = {}
            for parameter in provisioning_parameters or []:
                if parameter.get("UsePreviousValue"):
                    if parameter["Key"] in pp.parameters:
                        values[parameter["Key"]] = pp.parameters[parameter["Key"]]
                else:
                    values[parameter["Key"]] = str(parameter.get("Value", ""))
            pp.launch_role_arn = self.launch_role(portfolio_id, product.id)
            new_tags = list(tags) if tags is not None else list(pp.tags)
            record = Record("UPDATE_PROVISIONED_PRODUCT", pp, artifact.id, path_id, new_tags)
            stack = self._stack(pp.physical_id)
            refusal: str | None = None
            refusal_code = "ValidationError"
            unchanged = False
            events_from = len(getattr(stack, "events", None) or [])
            if stack is None or stack.status == "DELETE_COMPLETE":
                refusal = f"Stack [SC-{self.account_id}-{pp.id}] does not exist"
            elif (launch_refused := self._launch_refusal(pp, product.id, artifact.id)) is not None:
                refusal = launch_refused
            elif (
                denied := self._stack_refusal(pp, "UpdateStack", stack.stack_id, new_tags)
            ) is not None:
                refusal, refusal_code = denied, "AccessDenied"
            else:
                try:
                    body = artifact.load_template(self.account_id)
                    self._stack_call(
                        pp,
                        self._cloudformation.update_stack,
                        name=stack.stack_id,
                        template=body,
                        role_arn=pp.launch_role_arn,
                        parameters=[
                            {"ParameterKey": k, "ParameterValue": v} for k, v in values.items()
                        ],
                        tags=pp.stack_tags(new_tags, artifact.id),
                    )
                except CloudFormationError as error:
                    if "No updates are to be performed" in str(error.message):
                        unchanged = True
                    else:
                        refusal = error.message
            op = Operation(
                record, stack.stack_id if stack is not None else None, events_from, refusal,
                refusal_code=refusal_code, unchanged=unchanged, artifact_id=artifact.id,
                path_id=path_id,
                parameters=values, tags=new_tags,
            )
            self._begin(pp, op)
            self.update_tokens[(pp.id, update_token)] = record.id
            return record

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

    def describe_provisioned_product(self, pp_id: str | None, name: str | None) -> ProvisionedProduct:
        with self.lock:
            self.settle()
            return self._get(pp_id, name)

    def terminate_provisioned_product(
        self,
        pp_id: str | None,
        name: str | None,
        terminate_token: str | None,
        ignore_errors: bool,
        retain_physical_resources: bool,
    ) -> Record:
        """``TerminateProvisionedProduct``: DeleteStack; the product is gone when the
        stack is ``DELETE_COMPLETE``. A stack that cannot be deleted (termination
        protection, ``DELETE_FAILED``) fails the record and leaves the product
        ``ERROR`` -- unless ``IgnoreErrors``; ``RetainPhysicalResources`` keeps the stack."""
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
            record = Record(
                "TERMINATE_PROVISIONED_PRODUCT", pp, pp.provisioning_artifact_id, pp.path_id, pp.tags
            )
            stack = self._stack(pp.physical_id)
            live = stack is not None and stack.status != "DELETE_COMPLETE"
            refusal: str | None = None
            refusal_code = "ValidationError"
            events_from = len(getattr(stack, "events", None) or [])
            keep_stack = retain_physical_resources or not live
            if not keep_stack:
                # IAM decides before CloudFormation looks at the stack's termination protection.
                refusal = self._terminate_refusal(pp, stack.stack_id)
                refusal_code = "ValidationError" if refusal is None else "AccessDenied"
            if refusal is None and not keep_stack and stack.enable_termination_protection:
                if ignore_errors:
                    keep_stack = True
                else:
                    refusal = (
                        f"Stack [{stack.stack_id}] cannot be deleted while "
                        "TerminationProtection is enabled"
                    )
            elif refusal is None and not keep_stack:
                self._stack_call(
                    pp, self._cloudformation.delete_stack, name_or_stack_id=stack.stack_id
                )
            op = Operation(
                record, stack.stack_id if live else None, events_from, refusal,
                refusal_code=refusal_code, ignore_errors=ignore_errors, keep_stack=keep_stack,
            )
            self._begin(pp, op)
            self.terminate_tokens[(pp.id, terminate_token)] = record.id
            return record

    def describe_record(self, record_id: str | None) -> Record:
        with self.lock:
            self.settle()
            if not record_id or record_id not in self.records:
                raise ResourceNotFoundException(f"Record {record_id} not found.")
            return self.records[record_id]

    def record_history(
        self, access_level: dict[str, str] | None, caller_key: str, search: dict[str, Any] | None
    ) -> list[Record]:
        """``ListRecordHistory``: the records, newest first; ``AccessLevelFilter``
        (default ``User``: the records of the caller's own provisioned products) and a
        ``SearchFilter`` ``{"Key": "product"|"provisionedproduct", "Value": id}``."""
        key = (access_level or {}).get("Key", "User")
        if key not in ACCESS_LEVELS:
            raise InvalidParametersException(
                f"AccessLevelFilter.Key must be one of {', '.join(ACCESS_LEVELS)}"
            )
        search = search or {}
        if search and search.get("Key") not in ("product", "provisionedproduct"):
            raise InvalidParametersException("SearchFilter.Key must be product or provisionedproduct")
        with self.lock:
            self.settle()
            records = list(self.records.values())
        if key != "Account":
            records = [r for r in records if r.owner_key == caller_key]
        if search.get("Key") == "product":
            records = [r for r in records if r.product_id == search.get("Value")]
        elif search.get("Key") == "provisionedproduct":
            records = [r for r in records if r.provisioned_product_id == search.get("Value")]
        return sorted(records, key=lambda r: r.created_time, reverse=True)

    def force_status(self, pp_id: str, status: str, message: str | None) -> ProvisionedProduct | None:
        with self.lock:
            self.settle()
            pp = self.provisioned_products.get(pp_id)
            if pp is not None:
                pp.operation = None
                pp.status = status
                pp.status_message = message
            return pp


provisioning_backends = BackendDict(ServiceCatalogProvisioningBackend, "servicecatalog")


def iter_provisioning_backends() -> Iterator[ServiceCatalogProvisioningBackend]:
    for account_backends in list(provisioning_backends.values()):
        yield from list(account_backends.values())


