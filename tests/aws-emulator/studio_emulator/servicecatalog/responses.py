"""The Service Catalog and CloudFormation operations this extension answers."""

from __future__ import annotations

import json
from typing import Any

from moto.cloudformation.exceptions import ValidationError as CloudFormationValidationError
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.servicecatalog.exceptions import InvalidParametersException, ResourceNotFoundException
from moto.servicecatalog.models import Product, servicecatalog_backends
from moto.servicecatalog.responses import ServiceCatalogResponse

from .launch_paths import (
    IAM_PATTERN_ARN,
    IAM_PRINCIPAL_ARN,
    PRINCIPAL_TYPES,
    caller_arn,
    caller_principals,
    catalog_links,
    launch_paths,
)
from .models import (
    Artifact,
    Caller,
    ProvisionedProduct,
    ServiceCatalogProvisioningBackend,
    provisioning_backends,
)
from .templates import (
    declared_parameters,
    parse_template,
    read_artifact_template,
)
from .validation import (
    _check,
    _page,
    _validate,
)


SORT_KEYS = {"arn": "arn", "id": "id", "name": "name", "lastRecordId": "last_record_id"}


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

    def _caller(self) -> Caller:
        key = self.get_access_key()
        return Caller(key, caller_principals(self.current_account, key), caller_arn(self.current_account, key))

    # ---- portfolio associations (moto has none) -------------------------

    def _links(self) -> Any:
        return catalog_links(self.current_account, self.region)

    def _portfolio_id(self, p: dict[str, Any], *, imported: bool = False) -> str:
        """A portfolio of this account; with ``imported``, also one it imported (a
        recipient "distributes the products to end users in that account" by associating
        its own principals with the imported portfolio: Administrator Guide, "Sharing and
        Importing Portfolios"; products and constraints stay the sharer's)."""
        from .imports import imported_portfolio

        errors: list[str] = []
        _validate(errors, p.get("PortfolioId"), "PortfolioId", required=True, max_len=100)
        _check(errors)
        portfolio_id = str(p["PortfolioId"])
        if portfolio_id not in self.servicecatalog_backend.portfolios and not (
            imported and imported_portfolio(self.current_account, self.region, portfolio_id)
        ):
            raise ResourceNotFoundException(f"Portfolio {portfolio_id} not found.")
        return portfolio_id

    def _product_id(self, p: dict[str, Any], *, imported: bool = False) -> str:
        from .imports import product_owner

        errors: list[str] = []
        _validate(errors, p.get("ProductId"), "ProductId", required=True, max_len=100)
        _check(errors)
        product_id = str(p["ProductId"])
        if product_id not in self.servicecatalog_backend.products and not (
            imported and product_owner(self.current_account, self.region, product_id)
        ):
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
        portfolio_id = self._portfolio_id(p, imported=True)
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
        portfolio_id = self._portfolio_id(p, imported=True)
        arn = p.get("PrincipalARN")
        if self._links().principal_associations.pop((portfolio_id, arn), None) is None:
            raise ResourceNotFoundException(
                f"Principal {arn} is not associated with portfolio {portfolio_id}."
            )
        return EmptyResult()

    def list_principals_for_portfolio(self) -> ActionResult:
        p = self._params()
        portfolio_id = self._portfolio_id(p, imported=True)
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
        product_id = self._product_id(p, imported=True)
        paths = launch_paths(
            self.current_account, self.region, product_id, self._caller_principals()
        )
        page, token = _page(paths, p.get("PageSize"), p.get("PageToken"), 20, 20)
        return ActionResult({"LaunchPathSummaries": page, "NextPageToken": token})

    def provision_product(self) -> ActionResult:
        p = self._params()
        record = self.provisioning.provision_product(
            caller=self._caller(),
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

    def update_provisioned_product(self) -> ActionResult:
        p = self._params()
        record = self.provisioning.update_provisioned_product(
            caller=self._caller(),
            pp_id=p.get("ProvisionedProductId"),
            name=p.get("ProvisionedProductName"),
            product_id=p.get("ProductId"),
            product_name=p.get("ProductName"),
            provisioning_artifact_id=p.get("ProvisioningArtifactId"),
            provisioning_artifact_name=p.get("ProvisioningArtifactName"),
            path_id=p.get("PathId"),
            provisioning_parameters=p.get("ProvisioningParameters"),
            tags=p.get("Tags"),
            update_token=p.get("UpdateToken"),
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
        with self.provisioning.lock:
            outputs = self.provisioning.record_outputs(record)
        return ActionResult({"RecordDetail": record.detail(), "RecordOutputs": outputs})

    def list_record_history(self) -> ActionResult:
        p = self._params()
        records = self.provisioning.record_history(
            p.get("AccessLevelFilter"), self.get_access_key(), p.get("SearchFilter")
        )
        page, token = _page(records, p.get("PageSize"), p.get("PageToken"), 20, 100)
        return ActionResult({"RecordDetails": [r.detail() for r in page], "NextPageToken": token})

    def _described_product(self, product_id: Any, name: Any, language: Any) -> Product:
        """moto's ``DescribeProduct`` lookup, then a product of an imported portfolio (the
        sharer's; ``imports.py``) -- its refusal stands when neither has it."""
        try:
            return self.servicecatalog_backend.describe_product(
                accept_language=language, id=product_id, name=name
            )
        except ResourceNotFoundException:
            try:
                return self.provisioning._find_product(product_id, None if product_id else name)
            except ResourceNotFoundException:
                pass
            raise

    def describe_product(self) -> ActionResult:
        p = self._params()
        product = self._described_product(p.get("Id"), p.get("Name"), p.get("AcceptLanguage"))
        return ActionResult(
            {
                "ProductViewSummary": product.to_dict(),
                "ProvisioningArtifacts": [
                    {k: v for k, v in a.detail().items() if k in ARTIFACT_SUMMARY}
                    for a in self.provisioning.artifacts_of(product)
                ],
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

    def search_products(self) -> ActionResult:
        """``SearchProducts``: "the products to which the caller has access" -- those
        with a launch path for the caller -- filtered by ``FullTextSearch`` (any term,
        in the name, owner, distributor or description, ignoring case), ``Owner``,
        ``ProductType``; sorted by ``Title`` or ``CreationDate``; ``PageSize`` 0-100 (the
        model's ``PageSize``), 20 by default."""
        from .imports import imported_portfolios

        p = self._params()
        principals = self._caller_principals()
        candidates = {pr.id: pr for pr in list(self.servicecatalog_backend.products.values())}
        for offer in imported_portfolios(self.current_account, self.region):
            # An imported portfolio's products are the sharer's (``imports.py``).
            sharer = servicecatalog_backends[offer.account_id][self.region]
            for pf, product_id in list(
                catalog_links(offer.account_id, self.region).product_associations
            ):
                product = sharer.products.get(product_id)
                if pf == offer.portfolio_id and product is not None:
                    candidates.setdefault(product_id, product)
        products = [
            product for product in candidates.values()
            if launch_paths(self.current_account, self.region, product.id, principals)
        ]
        filters = p.get("Filters") or {}
        terms = [str(t).lower() for t in filters.get("FullTextSearch") or []]
        if terms:
            products = [
                product for product in products
                if any(
                    term in " ".join(
                        str(v) for v in (product.name, product.owner, product.distributor,
                                         product.description) if v
                    ).lower()
                    for term in terms
                )
            ]
        for key, attribute in (("Owner", "owner"), ("ProductType", "product_type")):
            wanted = filters.get(key)
            if wanted:
                products = [pr for pr in products if getattr(pr, attribute) in wanted]
        sort_by = p.get("SortBy")
        if sort_by in ("Title", "CreationDate"):
            products.sort(
                key=lambda pr: pr.name if sort_by == "Title" else pr.created_time,
                reverse=p.get("SortOrder") == "DESCENDING",
            )
        page, token = _page(products, p.get("PageSize"), p.get("PageToken"), 20, 100)
        return ActionResult(
            {
                "ProductViewSummaries": [product.to_dict() for product in page],
                "ProductViewAggregations": {},
                "NextPageToken": token,
            }
        )

    def create_product(self) -> ActionResult:
        """``CreateProduct`` reads the template of its first artefact (and keeps a
        copy): an ``Info`` that names no template is refused with
        ``InvalidParametersException`` before anything is created."""
        p = self._params()
        parameters = p.get("ProvisioningArtifactParameters")
        if parameters is not None:
            read_artifact_template(self.current_account, (parameters or {}).get("Info"))
        result = super().create_product()
        product_id = result.result["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
        product = self.servicecatalog_backend.products[product_id]
        if parameters is not None:
            self.provisioning.take_template_copy(product)
        result.result["ProvisioningArtifactDetail"] = self.provisioning.artifacts_of(product)[0].detail()
        return result

    def create_provisioning_artifact(self) -> ActionResult:
        p = self._params()
        artifact = self.provisioning.create_artifact(
            p.get("ProductId"), p.get("Parameters"), p.get("IdempotencyToken")
        )
        return ActionResult(
            {
                "ProvisioningArtifactDetail": artifact.detail(),
                "Info": {"TemplateUrl": artifact.template_url or ""},
                "Status": "CREATING",
            }
        )

    def _artifact_from(self, p: dict[str, Any]) -> tuple[Product, Artifact]:
        product = self.provisioning._find_product(p.get("ProductId"), p.get("ProductName"))
        artifact = self.provisioning.find_artifact(
            product, p.get("ProvisioningArtifactId"), p.get("ProvisioningArtifactName")
        )
        return product, artifact

    def describe_provisioning_artifact(self) -> ActionResult:
        p = self._params()
        _, artifact = self._artifact_from(p)
        return ActionResult(
            {
                "ProvisioningArtifactDetail": artifact.detail(),
                "Info": {"TemplateUrl": artifact.template_url or ""},
                "Status": "AVAILABLE",
            }
        )

    def describe_provisioning_parameters(self) -> ActionResult:
        """``DescribeProvisioningParameters``: the launch form -- the artefact
        template's parameters with their constraints, the launch path's constraint
        summaries and the template's output keys."""
        p = self._params()
        product, artifact = self._artifact_from(p)
        with self.provisioning.lock:
            path_id = self.provisioning._launch_path(
                product, p.get("PathId"), self._caller_principals()
            )
            template = parse_template(artifact.load_template(self.current_account))
        parameters = []
        for key, spec in declared_parameters(template).items():
            constraints: dict[str, Any] = {
                "AllowedValues": [str(v) for v in spec.get("AllowedValues") or []]
            }
            for name in ("AllowedPattern", "ConstraintDescription", "MaxLength", "MinLength",
                         "MaxValue", "MinValue"):
                if name in spec:
                    constraints[name] = str(spec[name])
            entry = {
                "ParameterKey": key,
                "ParameterType": str(spec.get("Type", "String")),
                "IsNoEcho": str(spec.get("NoEcho", "false")).lower() == "true",
                "ParameterConstraints": constraints,
            }
            if "Default" in spec:
                entry["DefaultValue"] = str(spec["Default"])
            if spec.get("Description"):
                entry["Description"] = str(spec["Description"])
            parameters.append(entry)
        [path] = [
            path for path in launch_paths(
                self.current_account, self.region, product.id, self._caller_principals()
            )
            if path["Id"] == path_id
        ]
        outputs = [
            {"Key": key, **({"Description": str(o["Description"])} if isinstance(o, dict) and o.get("Description") else {})}
            for key, o in (template.get("Outputs") or {}).items()
        ]
        portfolio_id = self.provisioning._portfolio_of(product.id, path_id)
        links = self._links()
        offered: dict[str, list[str]] = {}
        for resource_id, option_id in list(links.tag_option_associations):
            option = links.tag_options.get(option_id)
            if option is not None and resource_id in (portfolio_id, product.id):
                offered.setdefault(option["Key"], []).append(option["Value"])
        return ActionResult(
            {
                "ProvisioningArtifactParameters": parameters,
                "ConstraintSummaries": path["ConstraintSummaries"],
                "UsageInstructions": [],
                # "Information about the TagOptions associated with the resource": those of
                # the launch path's portfolio and of the product, values grouped by key.
                "TagOptions": [{"Key": k, "Values": sorted(v)} for k, v in offered.items()],
                "ProvisioningArtifactPreferences": {},
                "ProvisioningArtifactOutputKeys": outputs,
            }
        )

    def create_constraint(self) -> ActionResult:
        p = self._params()
        constraint = self.provisioning.create_constraint(
            p.get("PortfolioId"), p.get("ProductId"), p.get("Type"), p.get("Parameters"),
            p.get("Description"), p.get("IdempotencyToken"),
        )
        return ActionResult(
            {
                "ConstraintDetail": _constraint_detail(constraint),
                "ConstraintParameters": constraint["Parameters"],
                "Status": "CREATING",
            }
        )

    def describe_constraint(self) -> ActionResult:
        constraint = self.provisioning.constraint(self._params().get("Id"))
        return ActionResult(
            {
                "ConstraintDetail": _constraint_detail(constraint),
                "ConstraintParameters": constraint.get("Parameters") or json.dumps(
                    {k: constraint[k] for k in ("RoleArn", "LocalRoleName") if constraint.get(k)}
                ),
                "Status": "AVAILABLE",
            }
        )

    def delete_constraint(self) -> ActionResult:
        self.provisioning.delete_constraint(self._params().get("Id"))
        return EmptyResult()

    def list_provisioning_artifacts(self) -> ActionResult:
        p = self._params()
        product = self._described_product(p.get("ProductId"), None, p.get("AcceptLanguage"))
        return ActionResult(
            {
                "ProvisioningArtifactDetails": [
                    a.detail() for a in self.provisioning.artifacts_of(product)
                ]
            }
        )


#: The members of ``ProvisioningArtifact`` (DescribeProduct) among an artefact's details.
ARTIFACT_SUMMARY = ("Id", "Name", "Description", "CreatedTime", "Guidance")


def _constraint_detail(constraint: dict[str, Any]) -> dict[str, Any]:
    return {
        "ConstraintId": constraint["ConstraintId"],
        "Type": constraint["Type"],
        "Description": constraint.get("Description"),
        "Owner": constraint.get("Owner"),
        "ProductId": constraint.get("ProductId"),
        "PortfolioId": constraint.get("PortfolioId"),
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


