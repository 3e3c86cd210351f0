"""SageMaker Studio responses: request members in, output shapes out.

``SageMakerStudioResponse`` subclasses moto's ``SageMakerResponse`` (awsJson1_1):
parameters are parsed from the botocore model (``_get_param``), passed to the
backend in ``models.py`` as keyword arguments, and results are serialised
through the operation's output shape (``ActionResult``), so only documented
members reach the client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import camelcase_to_underscores
from moto.sagemaker.exceptions import ResourceNotFound, ValidationError
from moto.sagemaker.responses import SageMakerResponse

from .models import (
    AppIdentity,
    SageMakerStudioBackend,
    parse_studio_arn,
    sagemaker_studio_backends,
)
from .validation import (
    APP_SORT_BY,
    PROFILE_SPACE_SORT_BY,
    SORT_ORDERS,
    Validator,
    validate_resource_arn,
)


class SageMakerStudioResponse(SageMakerResponse):
    """Studio operations on top of moto's ``SageMakerResponse``."""

    @property
    def studio_backend(self) -> SageMakerStudioBackend:
        return sagemaker_studio_backends[self.current_account][self.region]

    def _list_args(
        self,
        sortable: list[str] | None = None,
        min_results: int = 1,
        max_results_limit: int = 100,
    ) -> dict[str, Any]:
        v = Validator()
        max_results = self._get_param("MaxResults")
        v.int_range(max_results, "MaxResults", min_results, max_results_limit)
        args: dict[str, Any] = {
            "max_results": max_results,
            "next_token": self._get_param("NextToken"),
        }
        if sortable is not None:
            sort_by = self._get_param("SortBy")
            sort_order = self._get_param("SortOrder")
            v.enum(sort_by, "SortBy", sortable)
            v.enum(sort_order, "SortOrder", SORT_ORDERS)
            args["sort_by"] = sort_by
            args["sort_order"] = sort_order
        v.check()
        return args

    def _members(self, *names: str) -> dict[str, Any]:
        """The request members ``names`` as backend keyword arguments
        (``DomainId`` -> ``domain_id``); a member not given is ``None``."""
        return {camelcase_to_underscores(name): self._get_param(name) for name in names}

    def _describe(self, operation: Callable[..., Any], *members: str) -> ActionResult:
        """Describe*: the resource's full ``describe()`` shape."""
        return ActionResult(operation(**self._members(*members)).describe())

    def _delete(self, operation: Callable[..., None], *members: str) -> ActionResult:
        """Delete*: no output members."""
        operation(**self._members(*members))
        return EmptyResult()

    def _list(
        self,
        operation: Callable[..., tuple[list[Any], str | None]],
        result_key: str,
        filters: tuple[str, ...] = (),
        sortable: list[str] | None = None,
    ) -> ActionResult:
        """List* of Studio resources: filters, paging, sorting, summaries."""
        items, next_token = operation(
            **self._members(*filters), **self._list_args(sortable)
        )
        return ActionResult(
            {result_key: [i.summary() for i in items], "NextToken": next_token}
        )

    # Domains

    def create_domain(self) -> ActionResult:
        domain = self.studio_backend.create_domain(
            **self._members(
                "DomainName",
                "AuthMode",
                "DefaultUserSettings",
                "SubnetIds",
                "VpcId",
                "DomainSettings",
                "Tags",
                "AppNetworkAccessType",
                "HomeEfsFileSystemKmsKeyId",
                "KmsKeyId",
                "AppSecurityGroupManagement",
                "DefaultSpaceSettings",
                "TagPropagation",
                "HomeEfsFileSystemCreation",
            )
        )
        return ActionResult(
            {"DomainArn": domain.arn, "DomainId": domain.domain_id, "Url": domain.url}
        )

    def describe_domain(self) -> ActionResult:
        domain = self.studio_backend.describe_domain(self._get_param("DomainId"))
        return ActionResult(domain.describe())

    def update_domain(self) -> ActionResult:
        domain = self.studio_backend.update_domain(
            **self._members(
                "DomainId",
                "DefaultUserSettings",
                "DomainSettingsForUpdate",
                "DefaultSpaceSettings",
                "SubnetIds",
                "AppNetworkAccessType",
                "AppSecurityGroupManagement",
                "TagPropagation",
                "HomeEfsFileSystemCreation",
                "VpcId",
            )
        )
        return ActionResult({"DomainArn": domain.arn})

    def delete_domain(self) -> ActionResult:
        return self._delete(
            self.studio_backend.delete_domain, "DomainId", "RetentionPolicy"
        )

    def list_domains(self) -> ActionResult:
        return self._list(self.studio_backend.list_domains, "Domains")

    # User profiles

    def create_user_profile(self) -> ActionResult:
        profile = self.studio_backend.create_user_profile(
            **self._members(
                "DomainId",
                "UserProfileName",
                "SingleSignOnUserIdentifier",
                "SingleSignOnUserValue",
                "Tags",
                "UserSettings",
            )
        )
        return ActionResult({"UserProfileArn": profile.arn})

    def describe_user_profile(self) -> ActionResult:
        return self._describe(
            self.studio_backend.describe_user_profile, "DomainId", "UserProfileName"
        )

    def update_user_profile(self) -> ActionResult:
        profile = self.studio_backend.update_user_profile(
            **self._members("DomainId", "UserProfileName", "UserSettings")
        )
        return ActionResult({"UserProfileArn": profile.arn})

    def delete_user_profile(self) -> ActionResult:
        return self._delete(
            self.studio_backend.delete_user_profile, "DomainId", "UserProfileName"
        )

    def list_user_profiles(self) -> ActionResult:
        return self._list(
            self.studio_backend.list_user_profiles,
            "UserProfiles",
            ("DomainIdEquals", "UserProfileNameContains"),
            PROFILE_SPACE_SORT_BY,
        )

    # Spaces

    def create_space(self) -> ActionResult:
        space = self.studio_backend.create_space(
            **self._members(
                "DomainId",
                "SpaceName",
                "Tags",
                "SpaceSettings",
                "OwnershipSettings",
                "SpaceSharingSettings",
                "SpaceDisplayName",
            )
        )
        return ActionResult({"SpaceArn": space.arn})

    def describe_space(self) -> ActionResult:
        return self._describe(self.studio_backend.describe_space, "DomainId", "SpaceName")

    def update_space(self) -> ActionResult:
        space = self.studio_backend.update_space(
            **self._members("DomainId", "SpaceName", "SpaceSettings", "SpaceDisplayName")
        )
        return ActionResult({"SpaceArn": space.arn})

    def delete_space(self) -> ActionResult:
        return self._delete(self.studio_backend.delete_space, "DomainId", "SpaceName")

    def list_spaces(self) -> ActionResult:
        return self._list(
            self.studio_backend.list_spaces,
            "Spaces",
            ("DomainIdEquals", "SpaceNameContains"),
            PROFILE_SPACE_SORT_BY,
        )

    # Apps

    #: The members that name an app (DescribeApp, DeleteApp, CreateApp).
    APP_IDENTITY = ("DomainId", "UserProfileName", "SpaceName", "AppType", "AppName")

    def _app_identity(self) -> AppIdentity:
        return AppIdentity(**self._members(*self.APP_IDENTITY))

    def create_app(self) -> ActionResult:
        app = self.studio_backend.create_app(
            self._app_identity(), **self._members("Tags", "ResourceSpec", "RecoveryMode")
        )
        return ActionResult({"AppArn": app.arn})

    def describe_app(self) -> ActionResult:
        return ActionResult(self.studio_backend.describe_app(self._app_identity()).describe())

    def delete_app(self) -> ActionResult:
        self.studio_backend.delete_app(self._app_identity())
        return EmptyResult()

    def list_apps(self) -> ActionResult:
        return self._list(
            self.studio_backend.list_apps,
            "Apps",
            ("DomainIdEquals", "UserProfileNameEquals", "SpaceNameEquals"),
            APP_SORT_BY,
        )

    # Presigned URL

    def create_presigned_domain_url(self) -> ActionResult:
        url = self.studio_backend.create_presigned_domain_url(
            **self._members(
                "DomainId",
                "UserProfileName",
                "SessionExpirationDurationInSeconds",
                "ExpiresInSeconds",
                "SpaceName",
                "LandingUri",
            )
        )
        return ActionResult({"AuthorizedUrl": url})

    # Tags: Studio ARNs are handled here, everything else by moto.

    @staticmethod
    def _moto_tagging(operation: Callable[[], ActionResult], arn: Any) -> ActionResult:
        # moto 5.2.5 crashes (HTTP 500) on unknown or multi-segment ARNs; AWS answers
        # a resource that does not exist with ValidationException (see _resource_for_arn).
        try:
            return operation()
        except (AttributeError, TypeError, ValueError, ResourceNotFound) as exc:
            raise ValidationError(f"Resource {arn} does not exist") from exc

    def add_tags(self) -> ActionResult:
        arn = self._get_param("ResourceArn")
        validate_resource_arn(arn)
        if parse_studio_arn(arn) is None:
            # The ``Tag`` shape's rules hold for every SageMaker resource (notebook instances,
            # endpoints ...); moto's own AddTags checks none of them.
            v = Validator()
            if v.required(self._get_param("Tags"), "Tags"):
                v.tags(self._get_param("Tags"))
            v.check()
            return self._moto_tagging(super().add_tags, arn)
        tags = self.studio_backend.add_tags(arn, self._get_param("Tags"))
        return ActionResult({"Tags": tags})

    def list_tags(self) -> ActionResult:
        arn = self._get_param("ResourceArn")
        validate_resource_arn(arn)
        if parse_studio_arn(arn) is None:
            return self._moto_tagging(super().list_tags, arn)
        # ListTagsMaxResults: min 50, no documented maximum.
        args = self._list_args(min_results=50, max_results_limit=2**31 - 1)
        tags, next_token = self.studio_backend.list_tags(arn=arn, **args)
        return ActionResult({"Tags": tags, "NextToken": next_token})

    def delete_tags(self) -> ActionResult:
        arn = self._get_param("ResourceArn")
        validate_resource_arn(arn)
        if parse_studio_arn(arn) is None:
            return self._moto_tagging(super().delete_tags, arn)
        self.studio_backend.delete_tags(arn, self._get_param("TagKeys"))
        return EmptyResult()

