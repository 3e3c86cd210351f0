"""CloudFormation resource types moto's CloudFormation lacks.

moto's CloudFormation builds its resource map from the direct subclasses of
``moto.core.common_models.CloudFormationModel``; a type without one is skipped
with a warning ("No Moto CloudFormation support for ..."), so a stack that
references it (``!GetAtt``, an output) fails or, worse, completes without the
resource.  This module adds such models, written the moto way (a
``CloudFormationModel`` whose ``create/update/delete_from_cloudformation_json``
call the service's moto backend), so they can move upstream into the service's
``models.py``.

* ``AWS::Scheduler::Schedule`` (core stack: the cleanup schedule) -> moto's
  EventBridge Scheduler backend. ``Ref`` = the schedule name, ``!GetAtt Arn``.
* The Service Catalog types of the portfolio stack, on moto's Service Catalog
  backend (portfolios, products, shares) plus a small backend of our own for
  what moto lacks (associations, launch constraints, tag options):
  ``AWS::ServiceCatalog::Portfolio`` (``Ref`` = portfolio id, ``PortfolioName``),
  ``CloudFormationProduct`` (``Ref`` = product id, ``ProductName``,
  ``ProvisioningArtifactIds``, ``ProvisioningArtifactNames``; the artefact is the
  one ``servicecatalog/`` serves), ``PortfolioProductAssociation``,
  ``PortfolioPrincipalAssociation``, ``LaunchRoleConstraint``, ``TagOption``,
  ``TagOptionAssociation``, ``PortfolioShare``. Each checks what it refers to
  exists (``ResourceNotFoundException``), and a launch constraint needs its
  product in the portfolio, as in AWS. ``GET
  /_studio_emulator/cloudformation/servicecatalog`` shows the associations,
  constraints and tag options.

Custom resources (``Custom::*``, ``AWS::CloudFormation::CustomResource``) are in
``custom_resources.py``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.common_models import CloudFormationModel
from moto.moto_api._internal import mock_random as random
from moto.scheduler.models import EventBridgeSchedulerBackend, Schedule, scheduler_backends
from moto.servicecatalog.exceptions import (
    InvalidParametersException,
    ResourceNotFoundException,
)
from moto.servicecatalog.models import (
    Portfolio,
    Product,
    ServiceCatalogBackend,
    servicecatalog_backends,
)


def _scheduler(account_id: str, region_name: str) -> EventBridgeSchedulerBackend:
    return scheduler_backends[account_id][region_name]


class SchedulerSchedule(CloudFormationModel):
    """``AWS::Scheduler::Schedule`` on moto's scheduler backend."""

    def __init__(self, schedule: Schedule, account_id: str, region_name: str) -> None:
        self.schedule = schedule
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Scheduler::Schedule"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ["Arn"]

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "Arn":
            return self.schedule.arn
        raise UnformattedGetAttTemplateException()

    @property
    def physical_resource_id(self) -> str:
        return self.schedule.name

    @staticmethod
    def _arguments(properties: dict[str, Any]) -> dict[str, Any]:
        """Backend arguments from the resource properties (the API's names)."""
        return {
            "description": properties.get("Description"),
            "end_date": properties.get("EndDate"),
            "flexible_time_window": properties["FlexibleTimeWindow"],
            "group_name": properties.get("GroupName"),
            "kms_key_arn": properties.get("KmsKeyArn"),
            "schedule_expression": properties["ScheduleExpression"],
            "schedule_expression_timezone": properties.get("ScheduleExpressionTimezone"),
            "start_date": properties.get("StartDate"),
            "state": properties.get("State"),
            "target": properties["Target"],
        }

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> SchedulerSchedule:
        properties = cloudformation_json["Properties"]
        schedule = _scheduler(account_id, region_name).create_schedule(
            name=resource_name,
            action_after_completion=None,
            **cls._arguments(properties),
        )
        return cls(schedule, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: SchedulerSchedule,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> SchedulerSchedule:
        properties = cloudformation_json["Properties"]
        old = original_resource.schedule
        same_identity = (
            properties.get("Name", old.name) == old.name
            and (properties.get("GroupName") or "default") == old.group_name
        )
        if not same_identity:
            # Name and GroupName require replacement, as in CloudFormation.
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            )
        arguments = cls._arguments(properties)
        arguments["group_name"] = old.group_name
        schedule = _scheduler(account_id, region_name).update_schedule(
            name=old.name, **arguments
        )
        return cls(schedule, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        group = cloudformation_json.get("Properties", {}).get("GroupName")
        _scheduler(account_id, region_name).delete_schedule(group, resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _scheduler(account_id, region_name).delete_schedule(
            self.schedule.group_name, self.schedule.name
        )


# ---------------------------------------------------------------------------
# Service Catalog
# ---------------------------------------------------------------------------


def _catalog(account_id: str, region_name: str) -> ServiceCatalogBackend:
    return servicecatalog_backends[account_id][region_name]


def _portfolio(account_id: str, region_name: str, portfolio_id: str) -> Portfolio:
    portfolio = _catalog(account_id, region_name).portfolios.get(portfolio_id)
    if portfolio is None:
        raise ResourceNotFoundException(f"Portfolio {portfolio_id} not found.")
    return portfolio


def _product(account_id: str, region_name: str, product_id: str) -> Product:
    product = _catalog(account_id, region_name).products.get(product_id)
    if product is None:
        raise ResourceNotFoundException(f"Product {product_id} not found.")
    return product


class CatalogLinksBackend(BaseBackend):
    """What moto's Service Catalog does not keep: associations, constraints, tag options."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        #: (portfolio id, product id) -> association id
        self.product_associations: dict[tuple[str, str], str] = {}
        #: (portfolio id, principal ARN) -> association id
        self.principal_associations: dict[tuple[str, str], str] = {}
        #: constraint id -> description
        self.constraints: dict[str, dict[str, Any]] = {}
        #: tag option id -> {"Key", "Value"}
        self.tag_options: dict[str, dict[str, str]] = {}
        #: (resource id, tag option id) -> association id
        self.tag_option_associations: dict[tuple[str, str], str] = {}

    def summary(self) -> dict[str, Any]:
        return {
            "ProductAssociations": [
                {"PortfolioId": pf, "ProductId": pr} for pf, pr in self.product_associations
            ],
            "PrincipalAssociations": [
                {"PortfolioId": pf, "PrincipalARN": arn} for pf, arn in self.principal_associations
            ],
            "Constraints": list(self.constraints.values()),
            "TagOptions": [{"Id": i, **option} for i, option in self.tag_options.items()],
            "TagOptionAssociations": [
                {"ResourceId": r, "TagOptionId": t} for r, t in self.tag_option_associations
            ],
        }


catalog_links_backends = BackendDict(CatalogLinksBackend, "servicecatalog")


def _links(account_id: str, region_name: str) -> CatalogLinksBackend:
    return catalog_links_backends[account_id][region_name]


class _Where(NamedTuple):
    """The account and region a catalog resource is made in, and what it reads there."""

    account_id: str
    region_name: str

    @property
    def catalog(self) -> ServiceCatalogBackend:
        return _catalog(self.account_id, self.region_name)

    @property
    def links(self) -> CatalogLinksBackend:
        return _links(self.account_id, self.region_name)

    def portfolio(self, portfolio_id: str) -> Portfolio:
        return _portfolio(self.account_id, self.region_name, portfolio_id)

    def product(self, product_id: str) -> Product:
        return _product(self.account_id, self.region_name, product_id)


def _new_id(prefix: str) -> str:
    return prefix + "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(13))


class _CatalogModel:
    """Shared plumbing of the Service Catalog models: the type from ``CFN_TYPE``, the
    resource built by ``_create`` from its properties, no name property, no
    attributes, replaced on update. (Each model also names ``CloudFormationModel`` as
    a direct base: moto finds models through ``CloudFormationModel.__subclasses__()``.)"""

    #: The CloudFormation resource type (``AWS::ServiceCatalog::...``).
    CFN_TYPE = ""

    def __init__(self, physical_id: str, account_id: str, region_name: str) -> None:
        self.physical_id = physical_id
        self.account_id = account_id
        self.region_name = region_name
        #: What the resource links (for deletion).
        self.key: tuple[str, str] = ("", "")

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.CFN_TYPE

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        return cls._create(cloudformation_json["Properties"], _Where(account_id, region_name))

    @classmethod
    def _create(cls, properties: dict[str, Any], at: _Where) -> Any:
        raise NotImplementedError

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        """Deleted through ``delete`` (moto calls it on the parsed resource)."""

    def delete(self, account_id: str, region_name: str) -> None:
        raise NotImplementedError


class _CatalogLink(_CatalogModel):
    """A link kept in the ``LINKS`` table of ``CatalogLinksBackend`` under ``key``
    (created once per key; its id is the one first recorded)."""

    #: The name of the ``CatalogLinksBackend`` table.
    LINKS = ""
    #: The link's id, from the two parts of its key.
    ID_FORMAT = "{}|{}"

    @classmethod
    def _create(cls, properties: dict[str, Any], at: _Where) -> Any:
        key = cls._key(properties, at)
        table = getattr(at.links, cls.LINKS)
        table.setdefault(key, cls.ID_FORMAT.format(*key))
        model = cls(table[key], *at)
        model.key = key
        return model

    @staticmethod
    def _key(properties: dict[str, Any], at: _Where) -> tuple[str, str]:
        """What the link joins, checked to exist."""
        raise NotImplementedError

    def delete(self, account_id: str, region_name: str) -> None:
        getattr(_links(account_id, region_name), self.LINKS).pop(self.key, None)


class CatalogPortfolio(_CatalogModel, CloudFormationModel):
    """``AWS::ServiceCatalog::Portfolio``."""

    CFN_TYPE = "AWS::ServiceCatalog::Portfolio"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ["PortfolioName", "Id"]

    def get_cfn_attribute(self, attribute_name: str) -> str:
        portfolio = _portfolio(self.account_id, self.region_name, self.physical_id)
        if attribute_name == "PortfolioName":
            return portfolio.display_name
        if attribute_name == "Id":
            return portfolio.id
        raise UnformattedGetAttTemplateException()

    @classmethod
    def _create(cls, properties: dict[str, Any], at: _Where) -> CatalogPortfolio:
        detail, _tags = at.catalog.create_portfolio(
            accept_language=properties.get("AcceptLanguage"),
            display_name=properties["DisplayName"],
            description=properties.get("Description"),
            provider_name=properties["ProviderName"],
            tags=properties.get("Tags"),
            idempotency_token=None,
        )
        return cls(detail["Id"], *at)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CatalogPortfolio, new_resource_name: str,
        cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> CatalogPortfolio:
        properties = cloudformation_json["Properties"]
        portfolio = _portfolio(account_id, region_name, original_resource.physical_id)
        portfolio.display_name = properties["DisplayName"]
        portfolio.description = properties.get("Description") or ""
        portfolio.provider_name = properties["ProviderName"]
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        _catalog(account_id, region_name).delete_portfolio(None, self.physical_id)


class CatalogProduct(_CatalogModel, CloudFormationModel):
    """``AWS::ServiceCatalog::CloudFormationProduct`` with its (first) provisioning artifact."""

    CFN_TYPE = "AWS::ServiceCatalog::CloudFormationProduct"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ["ProductName", "ProvisioningArtifactIds", "ProvisioningArtifactNames"]

    def get_cfn_attribute(self, attribute_name: str) -> str:
        from ..servicecatalog import artifact_id, artifact_name

        product = _product(self.account_id, self.region_name, self.physical_id)
        if attribute_name == "ProductName":
            return product.name
        if attribute_name == "ProvisioningArtifactIds":
            return artifact_id(product)
        if attribute_name == "ProvisioningArtifactNames":
            return artifact_name(product)
        raise UnformattedGetAttTemplateException()

    @staticmethod
    def _artifact(properties: dict[str, Any]) -> dict[str, Any]:
        artifacts = properties.get("ProvisioningArtifactParameters") or []
        if not artifacts:
            raise InvalidParametersException("ProvisioningArtifactParameters is required")
        first = dict(artifacts[0])
        info = first.get("Info") or {}
        if not (info.get("LoadTemplateFromURL") or info.get("ImportFromPhysicalId")):
            raise InvalidParametersException(
                "ProvisioningArtifactParameters Info needs LoadTemplateFromURL"
            )
        first.setdefault("Type", "CLOUD_FORMATION_TEMPLATE")
        return first

    @classmethod
    def _create(cls, properties: dict[str, Any], at: _Where) -> CatalogProduct:
        product = at.catalog.create_product(
            name=properties["Name"],
            owner=properties["Owner"],
            description=properties.get("Description"),
            distributor=properties.get("Distributor"),
            support_description=properties.get("SupportDescription"),
            support_email=properties.get("SupportEmail"),
            support_url=properties.get("SupportUrl"),
            product_type=properties.get("ProductType") or "CLOUD_FORMATION_TEMPLATE",
            tags=properties.get("Tags") or [],
            provisioning_artifact_parameters=cls._artifact(properties),
        )
        return cls(product.id, *at)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CatalogProduct, new_resource_name: str,
        cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> CatalogProduct:
        properties = cloudformation_json["Properties"]
        product = _product(account_id, region_name, original_resource.physical_id)
        product.name = properties["Name"]
        product.owner = properties["Owner"]
        product.description = properties.get("Description")
        product.distributor = properties.get("Distributor")
        product.support_description = properties.get("SupportDescription")
        product.provisioning_artifact_parameters = cls._artifact(properties)
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        _catalog(account_id, region_name).delete_product(None, self.physical_id)


class CatalogProductAssociation(_CatalogLink, CloudFormationModel):
    """``AWS::ServiceCatalog::PortfolioProductAssociation``."""

    CFN_TYPE = "AWS::ServiceCatalog::PortfolioProductAssociation"
    LINKS = "product_associations"
    ID_FORMAT = "a-{}|{}"

    @staticmethod
    def _key(properties: dict[str, Any], at: _Where) -> tuple[str, str]:
        return at.portfolio(properties["PortfolioId"]).id, at.product(properties["ProductId"]).id


class CatalogPrincipalAssociation(_CatalogLink, CloudFormationModel):
    """``AWS::ServiceCatalog::PortfolioPrincipalAssociation``."""

    CFN_TYPE = "AWS::ServiceCatalog::PortfolioPrincipalAssociation"
    LINKS = "principal_associations"

    @staticmethod
    def _key(properties: dict[str, Any], at: _Where) -> tuple[str, str]:
        portfolio = at.portfolio(properties["PortfolioId"])
        if properties.get("PrincipalType") not in ("IAM", "IAM_PATTERN"):
            raise InvalidParametersException("PrincipalType must be IAM or IAM_PATTERN")
        return portfolio.id, properties["PrincipalARN"]


class CatalogLaunchRoleConstraint(_CatalogModel, CloudFormationModel):
    """``AWS::ServiceCatalog::LaunchRoleConstraint``: the product must be in the portfolio."""

    CFN_TYPE = "AWS::ServiceCatalog::LaunchRoleConstraint"

    @classmethod
    def _create(cls, properties: dict[str, Any], at: _Where) -> CatalogLaunchRoleConstraint:
        portfolio = at.portfolio(properties["PortfolioId"])
        product = at.product(properties["ProductId"])
        links = at.links
        if (portfolio.id, product.id) not in links.product_associations:
            raise ResourceNotFoundException(
                f"Product {product.id} is not in portfolio {portfolio.id}."
            )
        if bool(properties.get("RoleArn")) == bool(properties.get("LocalRoleName")):
            raise InvalidParametersException("Exactly one of RoleArn and LocalRoleName is required.")
        constraint_id = _new_id("cons-")
        links.constraints[constraint_id] = {
            "ConstraintId": constraint_id,
            "Type": "LAUNCH",
            "PortfolioId": portfolio.id,
            "ProductId": product.id,
            "RoleArn": properties.get("RoleArn"),
            "LocalRoleName": properties.get("LocalRoleName"),
            "Description": properties.get("Description"),
        }
        return cls(constraint_id, *at)

    def delete(self, account_id: str, region_name: str) -> None:
        _links(account_id, region_name).constraints.pop(self.physical_id, None)


class CatalogTagOption(_CatalogModel, CloudFormationModel):
    """``AWS::ServiceCatalog::TagOption``."""

    CFN_TYPE = "AWS::ServiceCatalog::TagOption"

    @classmethod
    def _create(cls, properties: dict[str, Any], at: _Where) -> CatalogTagOption:
        option = {"Key": properties["Key"], "Value": properties["Value"]}
        links = at.links
        if option in links.tag_options.values():
            raise InvalidParametersException(
                f"TagOption {option['Key']}={option['Value']} already exists."
            )
        option_id = _new_id("tag-")
        links.tag_options[option_id] = option
        return cls(option_id, *at)

    def delete(self, account_id: str, region_name: str) -> None:
        _links(account_id, region_name).tag_options.pop(self.physical_id, None)


class CatalogTagOptionAssociation(_CatalogLink, CloudFormationModel):
    """``AWS::ServiceCatalog::TagOptionAssociation`` (portfolio or product)."""

    CFN_TYPE = "AWS::ServiceCatalog::TagOptionAssociation"
    LINKS = "tag_option_associations"

    @staticmethod
    def _key(properties: dict[str, Any], at: _Where) -> tuple[str, str]:
        resource_id = properties["ResourceId"]
        catalog = at.catalog
        if resource_id not in catalog.portfolios and resource_id not in catalog.products:
            raise ResourceNotFoundException(f"Resource {resource_id} not found.")
        option_id = properties["TagOptionId"]
        if option_id not in at.links.tag_options:
            raise ResourceNotFoundException(f"TagOption {option_id} not found.")
        return resource_id, option_id


class CatalogPortfolioShare(_CatalogModel, CloudFormationModel):
    """``AWS::ServiceCatalog::PortfolioShare`` with an account (moto's share backend)."""

    CFN_TYPE = "AWS::ServiceCatalog::PortfolioShare"

    @classmethod
    def _create(cls, properties: dict[str, Any], at: _Where) -> CatalogPortfolioShare:
        portfolio = at.portfolio(properties["PortfolioId"])
        share_with = properties["AccountId"]
        at.catalog.create_portfolio_share(
            accept_language=None,
            portfolio_id=portfolio.id,
            account_id=share_with,
            organization_node=None,
            share_tag_options=str(properties.get("ShareTagOptions", "false")).lower() == "true",
            share_principals=False,
        )
        model = cls(f"{portfolio.id}|{share_with}", *at)
        model.key = (portfolio.id, share_with)
        return model

    def delete(self, account_id: str, region_name: str) -> None:
        portfolio_id, share_with = self.key
        _catalog(account_id, region_name).delete_portfolio_share(
            None, portfolio_id, share_with, None
        )


#: The resource types this module adds.
MODELS: list[type[CloudFormationModel]] = [
    SchedulerSchedule,
    CatalogPortfolio,
    CatalogProduct,
    CatalogProductAssociation,
    CatalogPrincipalAssociation,
    CatalogLaunchRoleConstraint,
    CatalogTagOption,
    CatalogTagOptionAssociation,
    CatalogPortfolioShare,
]


def _refresh_moto_type_map() -> None:
    # moto caches the subclass list on first use; a model defined afterwards would be missed.
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


_refresh_moto_type_map()


# ---------------------------------------------------------------------------
# AWS::Lambda::Function: what moto's model drops
# ---------------------------------------------------------------------------


def _keep_lambda_function_properties() -> None:
    """moto 5.2.5's ``LambdaFunction.create_from_cloudformation_json`` builds the function
    from a fixed list of properties and drops ``Architectures`` (an arm64 function became
    x86_64), ``LoggingConfig`` (JSON logs, the log group) and ``Tags``; its update keeps
    ``Architectures`` as created. The resource's properties (CloudFormation template
    reference, AWS::Lambda::Function) are applied to the function moto made. Upstream this is
    three more entries in moto's ``optional_properties``."""
    from moto.awslambda.models import LambdaFunction
    from moto.awslambda.utils import get_backend

    if getattr(LambdaFunction, "_studio_keeps_cfn_properties", False):
        return
    moto_create = LambdaFunction.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
    moto_update = LambdaFunction.update_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def apply(fn: Any, properties: dict[str, Any], account_id: str, region_name: str) -> Any:
        if "Architectures" in properties:
            fn.architectures = list(properties["Architectures"])
        if "LoggingConfig" in properties:
            fn.logging_config = dict(properties["LoggingConfig"] or {})
        tags = {t["Key"]: t["Value"] for t in properties.get("Tags") or []}
        if tags:
            get_backend(account_id, region_name).tag_resource(fn.function_arn, tags)
        return fn

    def create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any],
               account_id: str, region_name: str, **kwargs: Any) -> Any:
        fn = moto_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        return apply(fn, cloudformation_json["Properties"], account_id, region_name)

    def update(cls: Any, original_resource: Any, new_resource_name: str,
               cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> Any:
        fn = moto_update(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        )
        return apply(fn, cloudformation_json["Properties"], account_id, region_name)

    LambdaFunction.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign,assignment]
    LambdaFunction.update_from_cloudformation_json = classmethod(update)  # type: ignore[method-assign,assignment]
    LambdaFunction._studio_keeps_cfn_properties = True  # type: ignore[attr-defined]


_keep_lambda_function_properties()
