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
* ``AWS::SNS::TopicPolicy`` (core stack: EventBridge may publish the cleanup's warnings to
  the topic) -> moto's SNS backend (``SnsTopicPolicy``).
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

What moto's own models answer differently is corrected at the end: ``AWS::Lambda::Function``
keeps the properties moto drops; ``AWS::Logs::LogGroup``'s ``!GetAtt Arn`` ends with ``:*``.

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
# AWS::SNS::TopicPolicy
# ---------------------------------------------------------------------------


class SnsTopicPolicy(CloudFormationModel):
    """``AWS::SNS::TopicPolicy`` (core stack: lets EventBridge publish the cleanup's warnings to
    the topic) on moto's SNS backend. CloudFormation template reference: ``PolicyDocument``
    (Json, required) and ``Topics`` (the topics' ARNs, required); ``Ref`` is the policy's id.
    The handlers call ``sns:SetTopicAttributes`` (resource provider schema): create and update
    set each topic's ``Policy``; a topic no longer listed, and every topic at delete, gets
    SNS's default policy back. A topic that does not exist fails the resource
    (``NotFound``, as SetTopicAttributes answers)."""

    def __init__(self, policy_id: str, topics: list[str], document: dict[str, Any]) -> None:
        self.policy_id = policy_id
        self.topics = list(topics)
        self.document = document

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::TopicPolicy"

    @property
    def physical_resource_id(self) -> str:
        return self.policy_id

    @staticmethod
    def _apply(topics: list[str], document: Any, account_id: str, region_name: str) -> None:
        import json as _json

        from moto.sns.models import sns_backends

        text = document if isinstance(document, str) else _json.dumps(document)
        for arn in topics:
            parts = str(arn).split(":")
            backend = sns_backends[parts[4] if len(parts) == 6 else account_id][
                parts[3] if len(parts) == 6 else region_name
            ]
            backend.set_topic_attribute(arn, "policy", text)

    @staticmethod
    def _restore_default(topics: list[str], account_id: str, region_name: str) -> None:
        from moto.sns.models import sns_backends

        for arn in topics:
            backend = sns_backends[account_id][region_name]
            topic = backend.topics.get(arn)
            if topic is not None:
                topic._policy_json = topic._create_default_topic_policy(
                    backend.region_name, backend.account_id, topic.name
                )

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> SnsTopicPolicy:
        properties = cloudformation_json["Properties"]
        topics = list(properties["Topics"])
        cls._apply(topics, properties["PolicyDocument"], account_id, region_name)
        return cls(f"{resource_name}-{random.get_random_hex(12)}", topics,
                   properties["PolicyDocument"])

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: SnsTopicPolicy,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> SnsTopicPolicy:
        properties = cloudformation_json["Properties"]
        topics = list(properties["Topics"])
        cls._apply(topics, properties["PolicyDocument"], account_id, region_name)
        cls._restore_default(
            [t for t in original_resource.topics if t not in topics], account_id, region_name
        )
        return cls(original_resource.policy_id, topics, properties["PolicyDocument"])

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        topics = list(cloudformation_json.get("Properties", {}).get("Topics") or [])
        cls._restore_default(topics, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        self._restore_default(self.topics, account_id, region_name)


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
    SnsTopicPolicy,
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


# ---------------------------------------------------------------------------
# AWS::Logs::LogGroup: the Arn attribute
# ---------------------------------------------------------------------------


def _log_group_arn_with_its_streams() -> None:
    """``Fn::GetAtt <LogGroup>.Arn`` is "The Amazon resource name (ARN) of the CloudWatch Logs
    log group, such as arn:aws:logs:us-east-1:123456789012:log-group:/mystack-testgroup-
    12ABC1AB12A1:*" (CloudFormation template reference, AWS::Logs::LogGroup, Return values):
    with ``:*``, so a policy granting ``logs:PutLogEvents`` on it covers the group's streams
    (``log-group:<name>:log-stream:<stream>``). moto 5.2.5 answers the ARN without it (its
    ``LogGroup.arn``, which DescribeLogGroups' ``logGroupArn`` rightly is)."""
    from moto.logs.models import LogGroup

    if getattr(LogGroup, "_studio_arn_with_streams", False):
        return
    moto_attribute = LogGroup.get_cfn_attribute

    def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
        if attribute_name == "Arn":
            return f"{self.arn}:*"
        return moto_attribute(self, attribute_name)

    LogGroup.get_cfn_attribute = get_cfn_attribute  # type: ignore[method-assign]
    LogGroup._studio_arn_with_streams = True  # type: ignore[attr-defined]


_log_group_arn_with_its_streams()


# ---------------------------------------------------------------------------
# AWS::KMS::Key: its Tags and KeyPolicy as the template gives them
# ---------------------------------------------------------------------------


def _kms_key_from_its_properties() -> None:
    """An AWS::KMS::Key's ``Tags`` are ``Key``/``Value`` pairs and its ``KeyPolicy`` a JSON
    object (CloudFormation template reference, AWS::KMS::Key: "KeyPolicy: Json", Tag: "Key",
    "Value"); moto 5.2.5's ``Key.create_from_cloudformation_json`` hands both to
    ``create_key`` as they are, which wants KMS's ``TagKey``/``TagValue`` and a policy string
    (a tagged key failed with ``KeyError: 'TagKey'``; GetKeyPolicy answered an object). The
    properties are translated to what CreateKey takes. A key removed from its stack is
    scheduled for deletion, not deleted: "the number of days in the waiting period before AWS
    KMS deletes a KMS key that has been removed from a CloudFormation stack ... The default
    value is 30 days" (template reference, ``PendingWindowInDays``; the delete handler's
    permissions are kms:DescribeKey and kms:ScheduleKeyDeletion); moto deleted it at once.
    Added for test_iam_product_paths.py (H6)."""
    import json

    from moto.kms.models import Key

    if getattr(Key, "_studio_reads_cfn_properties", False):
        return
    moto_create = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any],
               account_id: str, region_name: str, **kwargs: Any) -> Any:
        properties = dict(cloudformation_json["Properties"])
        properties["Tags"] = [
            {"TagKey": t.get("Key", t.get("TagKey")), "TagValue": t.get("Value", t.get("TagValue"))}
            for t in properties.get("Tags") or []
        ]
        if isinstance(properties.get("KeyPolicy"), dict):
            properties["KeyPolicy"] = json.dumps(properties["KeyPolicy"])
        given = {**cloudformation_json, "Properties": properties}
        key = moto_create(cls, resource_name, given, account_id, region_name, **kwargs)
        key.studio_pending_window_in_days = int(properties.get("PendingWindowInDays") or 30)
        return key

    def delete(self: Any, account_id: str, region_name: str) -> None:
        from moto.kms.models import kms_backends

        kms_backends[account_id][region_name].schedule_key_deletion(
            self.id, getattr(self, "studio_pending_window_in_days", 30)
        )

    def update(cls: Any, original_resource: Any, new_resource_name: str,
               cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> Any:
        """An update of the key in place (moto 5.2.5's Key has no update, so a stack update
        left the key as created): ``Description``, ``KeyPolicy`` and ``Tags`` are "Update
        requires: No interruption" (CloudFormation template reference, AWS::KMS::Key), and the
        type's update handler lists kms:UpdateKeyDescription, kms:PutKeyPolicy,
        kms:TagResource and kms:UntagResource (its provider schema, handlers.update). The
        properties that replace a key (KeySpec, KeyUsage, MultiRegion, Origin) are not
        modelled: no template changes them. Added for test_iam_update_paths.py (#13)."""
        from moto.kms.models import kms_backends

        backend = kms_backends[account_id][region_name]
        properties = cloudformation_json["Properties"]
        key = original_resource
        description = str(properties.get("Description") or "")
        if description != key.description:
            backend.update_key_description(key.id, description)
        policy = properties.get("KeyPolicy")
        if isinstance(policy, dict):
            policy = json.dumps(policy)
        if policy and policy != key.policy:
            backend.put_key_policy(key.id, policy)
        wanted = {str(t.get("Key")): str(t.get("Value", "")) for t in properties.get("Tags") or []}
        present = backend.tagger.get_tag_dict_for_resource(key.id)
        gone = [k for k in present if k not in wanted]
        if gone:
            backend.untag_resource(key.arn, gone)
        changed = {k: v for k, v in wanted.items() if present.get(k) != v}
        if changed:
            backend.tag_resource(key.arn, changed)
        return key

    Key.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign,assignment]
    Key.update_from_cloudformation_json = classmethod(update)  # type: ignore[method-assign,assignment]
    Key.delete = delete  # type: ignore[method-assign]
    Key._studio_reads_cfn_properties = True  # type: ignore[attr-defined]


_kms_key_from_its_properties()


# ---------------------------------------------------------------------------
# AWS::Lambda::Permission: its statement goes with the resource
# ---------------------------------------------------------------------------


def _lambda_permission_removed_with_its_resource() -> None:
    """moto 5.2.5's ``Permission.create_from_cloudformation_json`` adds the statement to the
    function's policy but gives the resource no physical id and no delete, so a permission
    removed from the template (a condition turned false) or deleted with its stack stayed in
    the function's resource-based policy -- an account revoked kept its access. In AWS the
    resource's delete handler calls ``lambda:RemovePermission`` (its resource provider schema,
    ``handlers.delete.permissions``) and the resource is identified by its statement id
    (schema ``primaryIdentifier`` ``FunctionName`` + ``Id``). Here the statement id is the
    physical id, and the delete removes that statement (a function deleted first has no
    policy left to change). Added for test_iam_product_paths.py (H6)."""
    import json

    from moto.awslambda.exceptions import UnknownPolicyException
    from moto.awslambda.models import Permission
    from moto.awslambda.utils import get_backend

    if getattr(Permission, "_studio_removed_with_its_resource", False):
        return

    def create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any],
               account_id: str, region_name: str, **kwargs: Any) -> Any:
        properties = dict(cloudformation_json["Properties"])
        statement_id = str(properties.pop("StatementId", "") or random.uuid4())
        fn = get_backend(account_id, region_name).get_function(properties["FunctionName"])
        fn.policy.add_statement(raw=json.dumps({**properties, "StatementId": statement_id}))
        permission = Permission(region=region_name)
        permission.physical_resource_id = statement_id  # type: ignore[attr-defined]
        permission.function_name = properties["FunctionName"]  # type: ignore[attr-defined]
        return permission

    def delete(self: Any, account_id: str, region_name: str) -> None:
        try:
            fn = get_backend(account_id, region_name).get_function(self.function_name)
        except Exception:  # noqa: BLE001 -- the function is gone, and its policy with it
            return
        try:
            fn.policy.del_statement(self.physical_resource_id)
        except UnknownPolicyException:
            pass

    Permission.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign,assignment]
    Permission.delete = delete  # type: ignore[attr-defined]
    Permission._studio_removed_with_its_resource = True  # type: ignore[attr-defined]


_lambda_permission_removed_with_its_resource()


# ---------------------------------------------------------------------------
# AWS::IAM::ManagedPolicy: an update writes a new version
# ---------------------------------------------------------------------------


def _managed_policy_updated_in_place() -> None:
    """moto 5.2.5's ``ManagedPolicy`` has no ``update_from_cloudformation_json``, so an update
    of the resource changed nothing: the policy kept its first document. In AWS the update
    handler (resource provider schema ``handlers.update.permissions``: ``iam:CreatePolicyVersion``,
    ``iam:DeletePolicyVersion``, ``iam:ListPolicyVersions``, the attach/detach actions) writes
    the new ``PolicyDocument`` as a new default version -- deleting the oldest non-default one
    when the policy has five, the most IAM keeps ("IAM and AWS STS quotas": managed policy
    versions 5) -- and attaches/detaches the ``Roles``, ``Users`` and ``Groups`` that changed.
    ``ManagedPolicyName``, ``Path`` and ``Description`` require a replacement (CloudFormation
    template reference, AWS::IAM::ManagedPolicy): a change of them creates a new policy, as
    moto's create does. Its delete detaches it from everything first (below). Added for
    test_iam_product_paths.py (H6)."""
    import json

    from moto.iam.models import ManagedPolicy, get_partition, iam_backends

    if getattr(ManagedPolicy, "_studio_updated_in_place", False):
        return

    def update(cls: Any, original_resource: Any, new_resource_name: str,
               cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> Any:
        properties = cloudformation_json.get("Properties", {})
        backend = iam_backends[account_id][get_partition(region_name)]
        policy = original_resource
        if (
            properties.get("ManagedPolicyName", policy.name) != policy.name
            or (properties.get("Path") or "/") != (policy.path or "/")
            or (properties.get("Description") or "") != (policy.description or "")
        ):
            return ManagedPolicy.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            )
        document = json.dumps(properties.get("PolicyDocument"))
        default = next((v for v in policy.versions if v.is_default), None)
        current = json.loads(default.document) if default and default.document else None
        if current != properties.get("PolicyDocument"):
            if len(policy.versions) >= 5:
                oldest = next(v for v in policy.versions if not v.is_default)
                backend.delete_policy_version(policy.arn, oldest.version_id)
            backend.create_policy_version(policy.arn, document, set_as_default=True)
        for kind, attach, detach in (
            ("Roles", backend.attach_role_policy, backend.detach_role_policy),
            ("Users", backend.attach_user_policy, backend.detach_user_policy),
            ("Groups", backend.attach_group_policy, backend.detach_group_policy),
        ):
            old = set((getattr(policy, "_studio_attached", None) or {}).get(kind) or [])
            new = set(properties.get(kind) or [])
            for name in sorted(new - old):
                attach(policy.arn, name)
            for name in sorted(old - new):
                detach(policy.arn, name)
        policy._studio_attached = _attached(properties)
        return policy

    moto_create = ManagedPolicy.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any],
               account_id: str, region_name: str, **kwargs: Any) -> Any:
        policy = moto_create(cls, resource_name, cloudformation_json, account_id, region_name,
                             **kwargs)
        policy._studio_attached = _attached(cloudformation_json.get("Properties", {}))
        return policy

    def _attached(properties: dict[str, Any]) -> dict[str, list[str]]:
        return {kind: list(properties.get(kind) or []) for kind in ("Roles", "Users", "Groups")}

    def delete(self: Any, account_id: str, region_name: str) -> None:
        """The delete handler (``handlers.delete.permissions``: iam:ListEntitiesForPolicy, the
        Detach* actions, iam:DeletePolicyVersion, iam:DeletePolicy): IAM deletes no policy
        still attached or with other versions (IAM API Reference, DeletePolicy: "you must
        first detach the policy from all users, groups, and roles ... In addition, you must
        delete all the policy's versions"), so it detaches every entity the policy is attached
        to -- the template's and the ones attached outside it -- and deletes the non-default
        versions first. moto kept the policy after its stack was deleted."""
        backend = iam_backends[account_id][get_partition(region_name)]
        for entities, detach in (
            (backend.roles, backend.detach_role_policy),
            (backend.users, backend.detach_user_policy),
            (backend.groups, backend.detach_group_policy),
        ):
            for entity in list(entities.values()):
                if self.arn in entity.managed_policies:
                    detach(self.arn, entity.name)
        for version in [v for v in self.versions if not v.is_default]:
            backend.delete_policy_version(self.arn, version.version_id)
        if self.arn in backend.managed_policies:
            backend.delete_policy(self.arn)

    ManagedPolicy.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign,assignment]
    ManagedPolicy.update_from_cloudformation_json = classmethod(update)  # type: ignore[method-assign,assignment]
    ManagedPolicy.delete = delete  # type: ignore[attr-defined]
    ManagedPolicy._studio_updated_in_place = True  # type: ignore[attr-defined]


_managed_policy_updated_in_place()
