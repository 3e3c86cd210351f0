"""CloudFormation resource types and update behaviour moto's CloudFormation lacks.

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
  one ``servicecatalog.py`` serves), ``PortfolioProductAssociation``,
  ``PortfolioPrincipalAssociation``, ``LaunchRoleConstraint``, ``TagOption``,
  ``TagOptionAssociation``, ``PortfolioShare``. Each checks what it refers to
  exists (``ResourceNotFoundException``), and a launch constraint needs its
  product in the portfolio, as in AWS. ``GET
  /_studio_emulator/cloudformation/servicecatalog`` shows the associations,
  constraints and tag options.

Stack updates, as CloudFormation does them (the deploy tool relies on both):

* An update whose template and resolved parameters are unchanged is refused
  with ``ValidationError: No updates are to be performed.`` (moto checks this
  only when parameters are passed, comparing raw input values).
* A resource is updated when a parameter it references resolves to a new value,
  *including a changed template default* (moto compares only the parameters
  passed in the call, so a new default -- the way ``package`` points the core
  stack at new code -- left resources untouched), and a parameter the update
  does not pass takes its default again instead of moto's previous input.

Stack creation, as CloudFormation does it: a resource that fails to create
(moto raises from the resource's backend, e.g. a Lambda function whose code
bucket does not exist) no longer turns ``CreateStack`` into an HTTP 500 and a
stack stuck in ``CREATE_IN_PROGRESS``. The stack records the resource's
``CREATE_FAILED`` event with the error as ``ResourceStatusReason``, rolls back
(deletes what it created, drops its exports) and ends in ``ROLLBACK_COMPLETE``.
Template errors (a missing parameter, an unknown ``!GetAtt`` attribute, an
unknown import) still answer ``CreateStack`` with an error, as in AWS.

Control routes: ``GET /_studio_emulator/cloudformation/types`` lists the types
this module adds; ``GET /_studio_emulator/cloudformation/servicecatalog`` the
associations, constraints and tag options.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import (
    ExportNotFound,
    MissingParameterError,
    UnformattedGetAttTemplateException,
    UnsupportedAttribute,
    ValidationError,
)
from moto.cloudformation.models import CloudFormationBackend, Event, Stack
from moto.cloudformation.parsing import ResourceMap, get_references_from_template
from moto.cloudformation.responses import CloudFormationResponse
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

from .core import ControlRequest, ControlRoute, ServiceExtension, register


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
        from .servicecatalog import artifact_id, artifact_name

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
# Stack updates
# ---------------------------------------------------------------------------


def _comparable(value: Any) -> Any:
    """A resolved parameter value as CloudFormation compares it (text)."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if value is None:
        return None
    return str(value)


def _resolve_declared(
    resource_map: ResourceMap,
    template: dict[str, Any],
    given: dict[str, Any],
) -> dict[str, Any]:
    """Each parameter ``template`` declares: the value given, else its default; SSM
    parameter types resolved to the parameter's value, as ``load_parameters`` does."""
    resolved = {}
    for name, slot in (template.get("Parameters") or {}).items():
        value = given.get(name, slot.get("Default"))
        value_type = slot.get("Type", "String")
        if value_type.startswith("AWS::SSM::Parameter::") and value:
            try:
                value = resource_map.parse_ssm_parameter(value, value_type)
            except Exception:  # noqa: BLE001 -- a missing SSM parameter fails later, as in moto
                pass
        resolved[name] = _comparable(value)
    return resolved


_moto_build_resource_diff = ResourceMap.build_resource_diff
_moto_resource_map_update = ResourceMap.update


def _build_resource_diff(
    self: ResourceMap,
    other_template: dict[str, Any],
    parameters: dict[str, Any] | None = None,
) -> dict[str, Any]:
    actions = _moto_build_resource_diff(self, other_template, parameters)
    old_resources = self._resource_json_map
    new_values = _resolve_declared(self, other_template, parameters or {})
    changed = {
        name
        for name, value in new_values.items()
        if _comparable(self.resolved_parameters.get(name)) != value
    }
    if changed:
        for name, resource in other_template.get("Resources", {}).items():
            if name in old_resources and name not in actions["Modify"]:
                if changed & set(get_references_from_template(resource)):
                    actions["Modify"].append(name)
    return actions


def _resource_map_update(
    self: ResourceMap,
    template: dict[str, Any],
    parameters: dict[str, Any] | None = None,
) -> None:
    if not parameters:
        # moto keeps the previous inputs when an update passes none; CloudFormation gives
        # the parameters an update does not pass their defaults.
        self.input_parameters = {}
    _moto_resource_map_update(self, template, parameters)


ResourceMap.build_resource_diff = _build_resource_diff  # type: ignore[method-assign]
ResourceMap.update = _resource_map_update  # type: ignore[method-assign]


# ---------------------------------------------------------------------------
# Stack creation: a failing resource fails the stack, which rolls back
# ---------------------------------------------------------------------------

#: Errors CloudFormation reports synchronously, as template errors.
_TEMPLATE_ERRORS = (
    ExportNotFound,
    MissingParameterError,
    UnformattedGetAttTemplateException,
    UnsupportedAttribute,
    ValidationError,
)


class ResourceCreationFailed(Exception):
    """A resource of a stack could not be created (carries what the event reports)."""

    def __init__(self, logical_id: str, resource_type: str, reason: str) -> None:
        super().__init__(reason)
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.reason = reason


def _error_reason(error: Exception) -> str:
    code = getattr(error, "error_type", None) or getattr(error, "code", None)
    message = getattr(error, "message", None)
    if not message and isinstance(error, ValueError) and len(error.args) == 2:
        code, message = error.args  # moto's awslambda raises ValueError(code, message)
    message = message or str(error) or type(error).__name__
    if isinstance(code, str) and code and not message.startswith(code):
        return f"Resource handler returned message: \"{message}\" (HandlerErrorCode: {code})"
    return f"Resource handler returned message: \"{message}\""


_moto_parse_and_create_resource = parsing.parse_and_create_resource


def _parse_and_create_resource(
    logical_id: str,
    resource_json: dict[str, Any],
    resources_map: ResourceMap,
    account_id: str,
    region_name: str,
) -> Any:
    try:
        return _moto_parse_and_create_resource(
            logical_id, resource_json, resources_map, account_id, region_name
        )
    except (ResourceCreationFailed, *_TEMPLATE_ERRORS):
        raise
    except Exception as error:  # noqa: BLE001 -- any backend error fails the resource
        raise ResourceCreationFailed(
            logical_id, resource_json.get("Type", ""), _error_reason(error)
        ) from error


class _NoOutputs(dict):  # type: ignore[type-arg]
    """The outputs of a stack that rolled back: none, and no exports."""

    exports: list[Any] = []


def _resource_event(stack: Stack, failure: ResourceCreationFailed) -> Event:
    return Event(
        stack_id=stack.stack_id,
        stack_name=stack.name,
        logical_resource_id=failure.logical_id,
        physical_resource_id="",
        resource_type=failure.resource_type,
        resource_status="CREATE_FAILED",
        resource_status_reason=failure.reason,
        resource_properties=None,
    )


def _fail_and_roll_back(stack: Stack, failure: ResourceCreationFailed) -> None:
    stack.events.append(_resource_event(stack, failure))
    stack.status = "ROLLBACK_IN_PROGRESS"
    stack._add_stack_event(
        "ROLLBACK_IN_PROGRESS",
        resource_status_reason=(
            f"The following resource(s) failed to create: [{failure.logical_id}]. "
            "Rollback requested by user."
        ),
    )
    try:
        stack.resource_map.delete()
    except Exception as error:  # noqa: BLE001
        stack.status = "ROLLBACK_FAILED"
        stack._add_stack_event("ROLLBACK_FAILED", resource_status_reason=str(error))
    else:
        stack.status = "ROLLBACK_COMPLETE"
        stack._add_stack_event("ROLLBACK_COMPLETE")
    stack.output_map = _NoOutputs()


_moto_create_resources = Stack.create_resources


def _create_resources(self: Stack) -> None:
    try:
        _moto_create_resources(self)
    except ResourceCreationFailed as failure:
        _fail_and_roll_back(self, failure)


_moto_stack_update = Stack.update


def _stack_update(self: Stack, *args: Any, **kwargs: Any) -> None:
    try:
        _moto_stack_update(self, *args, **kwargs)
    except ResourceCreationFailed as failure:
        # Updates keep moto's behaviour: the resource's own error.
        raise (failure.__cause__ or failure) from None


_moto_create_stack = CloudFormationBackend.create_stack


def _create_stack(self: CloudFormationBackend, *args: Any, **kwargs: Any) -> Stack:
    name = kwargs.get("name", args[0] if args else None)
    try:
        stack = _moto_create_stack(self, *args, **kwargs)
    except ResourceCreationFailed as failure:
        # moto evaluates the exports (and so creates what they name) before it creates the
        # other resources: the failure surfaces here, the stack already registered.
        stack = next(s for s in self.stacks.values() if s.name == name)
        stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
        _fail_and_roll_back(stack, failure)
    if stack.status.startswith("ROLLBACK"):
        for name in [n for n, e in self.exports.items() if e.exporting_stack_id == stack.stack_id]:
            del self.exports[name]
    return stack


parsing.parse_and_create_resource = _parse_and_create_resource
Stack.create_resources = _create_resources  # type: ignore[method-assign]
Stack.update = _stack_update  # type: ignore[method-assign]
CloudFormationBackend.create_stack = _create_stack  # type: ignore[method-assign]


class CloudFormationUpdateResponse(CloudFormationResponse):
    """``UpdateStack`` refuses an update that changes nothing, as CloudFormation does."""

    def update_stack(self) -> Any:
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        if self._get_bool_param("UsePreviousTemplate", False):
            body = stack.template
        else:
            body = self._get_param("TemplateBody")
            if not body and self._get_param("TemplateURL"):
                body = self._get_stack_from_s3_url(self._get_param("TemplateURL"))
        tags = {item["Key"]: item["Value"] for item in self._get_param("Tags", [])}
        if body == stack.template and (not tags or tags == stack.tags):
            given: dict[str, Any] = {}
            for parameter in self._get_param("Parameters", []):
                key = parameter["ParameterKey"]
                if str(parameter.get("UsePreviousValue", "")).lower() == "true":
                    given[key] = stack.resource_map.resolved_parameters.get(key)
                elif "ParameterValue" in parameter:
                    given[key] = parameter["ParameterValue"]
            resource_map = stack.resource_map
            new_values = _resolve_declared(resource_map, stack.template_dict, given)
            old_values = {
                name: _comparable(value)
                for name, value in resource_map.resolved_parameters.items()
            }
            if new_values == old_values:
                raise ValidationError(stack.name, message="No updates are to be performed.")
        return super().update_stack()


def _control_list_types(_request: ControlRequest) -> tuple[int, Any]:
    return 200, {"types": [model.cloudformation_type() for model in MODELS]}


def _control_catalog_links(request: ControlRequest) -> tuple[int, Any]:
    account_id = request.query.get("account_id", "123456789012")
    region_name = request.query.get("region", "us-east-1")
    return 200, _links(account_id, region_name).summary()


EXTENSION = register(
    ServiceExtension(
        name="cloudformation-types",
        service="cloudformation",
        base_response=CloudFormationResponse,
        response=CloudFormationUpdateResponse,
        control_routes=[
            ControlRoute("GET", r"cloudformation/types", _control_list_types),
            ControlRoute("GET", r"cloudformation/servicecatalog", _control_catalog_links),
        ],
    )
)
