"""SageMaker Studio lifecycle configurations, for moto (which has none in 5.2.5).

Operations, after the SageMaker API reference and botocore's model
(``CreateStudioLifecycleConfig``, ``DescribeStudioLifecycleConfig``,
``ListStudioLifecycleConfigs``, ``DeleteStudioLifecycleConfig``; tags through ``AddTags`` /
``ListTags`` / ``DeleteTags`` on the config's ARN):

* ``StudioLifecycleConfigName``: shape ``StudioLifecycleConfigName``, pattern
  ``[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`` (the API reference anchors it: ``^...``; the Studio
  names' ``NAME_PATTERN``), at most 63 characters; required.
* ``StudioLifecycleConfigContent``: 1-16384 characters, "This content must be base64
  encoded" (the request member's docs). That a value that does not decode as base64 is a
  ``ValidationException`` is our reading of that sentence: no AWS page shows the refusal.
* ``StudioLifecycleConfigAppType``: enum ``JupyterServer | KernelGateway | CodeEditor |
  JupyterLab``.
* ``Tags``: the ``TagList`` rules of ``validation.py``.
* A second config of a name -> ``ResourceInUse`` (the only error the model lists for Create).
* Describe/Delete of a config that does not exist -> ``ResourceNotFound`` (the model lists it).
* ``StudioLifecycleConfigArn`` = ``arn:aws:sagemaker:R:A:studio-lifecycle-config/<name>`` (SAR
  resource type ``studio-lifecycle-config``); ``LastModifiedTime`` equals ``CreationTime``
  ("This value is equivalent to CreationTime because Amazon SageMaker AI Studio Lifecycle
  Configurations are immutable", ``StudioLifecycleConfigDetails``).
* List: ``NameContains``, ``AppTypeEquals``, ``CreationTimeBefore/After``,
  ``ModifiedTimeBefore/After`` (on or before / on or after), ``SortBy`` ``CreationTime``
  (default) | ``LastModifiedTime`` | ``Name``, ``SortOrder`` default ``Descending`` (the
  member docs), ``MaxResults`` 1-100 default 10, ``NextToken``.
* DeleteStudioLifecycleConfig: "In order to delete the Lifecycle Configuration, there must be
  no running apps using the Lifecycle Configuration. You must also remove the Lifecycle
  Configuration from UserSettings in all Domains and UserProfiles." -> ``ResourceInUse`` (the
  model lists it) while a domain's ``DefaultUserSettings`` or ``DefaultSpaceSettings``, a
  profile's ``UserSettings``, a space's ``SpaceSettings`` lists its ARN (``LifecycleConfigArns``
  or ``DefaultResourceSpec.LifecycleConfigArn`` of an app's settings), or an app that is not
  ``Deleted`` was created with it (``ResourceSpec.LifecycleConfigArn``). Spaces are our reading:
  the page predates them, and a space's settings list configs as a profile's do. The message
  is ours (AWS's wording is not public); it names what uses the config.
* Create/UpdateDomain, Create/UpdateUserProfile, Create/UpdateSpace and CreateApp: every
  lifecycle config ARN the settings list must name a config of the account and region whose
  ``StudioLifecycleConfigAppType`` is the app's (``JupyterServerAppSettings`` ->
  ``JupyterServer``, ``KernelGatewayAppSettings`` -> ``KernelGateway``,
  ``JupyterLabAppSettings`` -> ``JupyterLab``, ``CodeEditorAppSettings`` -> ``CodeEditor``): Developer Guide,
  "Setting Default Lifecycle Configurations": "you'll first need to create a Lifecycle
  Configuration" and "it must be added to the DefaultResourceSpec of the appropriate app type".
  The error code is our choice, ``ValidationException``, as for every missing referent of a
  Create* in this emulator (these operations document no ``ResourceNotFound``). Not modelled
  (unconfirmed): that a ``DefaultResourceSpec.LifecycleConfigArn`` must also be in the
  ``LifecycleConfigArns`` list.

The checks of the settings run in this module's response class, which ``sagemaker/__init__``
registers before the Studio extension, so that it comes first in the combined class's MRO and
then hands the request on (``super()``) to the Studio operations.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.common_models import BaseModel
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.responses import SageMakerResponse
from moto.utilities.paginator import paginate
from moto.utilities.tagging_service import TaggingService

from ..core import ServiceExtension, register
from .models import sagemaker_studio_backends
from .validation import (
    LIST_DEFAULT_MAX_RESULTS,
    NAME_PATTERN,
    SORT_ORDERS,
    Validator,
    validate_resource_arn,
)

#: ``StudioLifecycleConfigContent``: min 1, max 16384.
CONTENT_MAX = 16384
CONFIG_APP_TYPES = ["JupyterServer", "KernelGateway", "CodeEditor", "JupyterLab"]
CONFIG_SORT_BY = ["CreationTime", "LastModifiedTime", "Name"]
#: ``StudioLifecycleConfigArn`` of a config (the SAR resource type ``studio-lifecycle-config``).
CONFIG_ARN = re.compile(r"arn:aws[a-z\-]*:sagemaker:([a-z0-9\-]*):([0-9]{12}):studio-lifecycle-config/(.+)")

#: The app settings members that list lifecycle configs, and the app type each is for: the
#: same member names in botocore's ``UserSettings``, ``DefaultSpaceSettings`` and
#: ``SpaceSettings`` (whose ``JupyterLabAppSettings``/``CodeEditorAppSettings`` are the
#: ``SpaceJupyterLabAppSettings``/``SpaceCodeEditorAppSettings`` shapes: a
#: ``DefaultResourceSpec``, no ``LifecycleConfigArns``).
APP_SETTINGS_APP_TYPES = {
    "JupyterServerAppSettings": "JupyterServer",
    "KernelGatewayAppSettings": "KernelGateway",
    "JupyterLabAppSettings": "JupyterLab",
    "CodeEditorAppSettings": "CodeEditor",
}
#: Request members that carry settings, per operation.
SETTINGS_MEMBERS = {
    "CreateDomain": ("DefaultUserSettings", "DefaultSpaceSettings"),
    "UpdateDomain": ("DefaultUserSettings", "DefaultSpaceSettings"),
    "CreateUserProfile": ("UserSettings",),
    "UpdateUserProfile": ("UserSettings",),
    "CreateSpace": ("SpaceSettings",),
    "UpdateSpace": ("SpaceSettings",),
}

PAGINATION_MODEL = {
    "list_configs": {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": LIST_DEFAULT_MAX_RESULTS,
        "unique_attribute": "arn",
    }
}


def listed_config_arns(settings: Any, member: str) -> Iterator[tuple[str, str, str]]:
    """``(path, arn, app type)`` of every lifecycle config ARN that ``settings`` (the request
    member ``member``) lists: each app's ``LifecycleConfigArns`` and
    ``DefaultResourceSpec.LifecycleConfigArn``."""
    if not isinstance(settings, dict):
        return
    for app_settings_member, app_type in APP_SETTINGS_APP_TYPES.items():
        app_settings = settings.get(app_settings_member)
        if not isinstance(app_settings, dict):
            continue
        path = f"{member}.{app_settings_member}"
        for i, arn in enumerate(app_settings.get("LifecycleConfigArns") or []):
            yield f"{path}.LifecycleConfigArns.{i + 1}", arn, app_type
        spec = app_settings.get("DefaultResourceSpec")
        if isinstance(spec, dict) and spec.get("LifecycleConfigArn") is not None:
            yield f"{path}.DefaultResourceSpec.LifecycleConfigArn", spec["LifecycleConfigArn"], app_type


class StudioLifecycleConfig(BaseModel):
    def __init__(
        self, account_id: str, region_name: str, name: str, content: str, app_type: str
    ) -> None:
        self.name = name
        self.content = content
        self.app_type = app_type
        self.arn = f"arn:aws:sagemaker:{region_name}:{account_id}:studio-lifecycle-config/{name}"
        self.creation_time: datetime = utcnow()

    def describe(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "StudioLifecycleConfigContent": self.content,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "StudioLifecycleConfigArn": self.arn,
            "StudioLifecycleConfigName": self.name,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.creation_time,
            "StudioLifecycleConfigAppType": self.app_type,
        }


class StudioLifecycleConfigBackend(BaseBackend):
    """The Studio lifecycle configs of one account/region."""

    PAGINATION_MODEL = PAGINATION_MODEL

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        self.configs: dict[str, StudioLifecycleConfig] = {}
        self.tagger = TaggingService()

    @property
    def studio(self) -> Any:
        return sagemaker_studio_backends[self.account_id][self.region_name]

    @staticmethod
    def _validate_name(v: Validator, name: Any) -> None:
        """``StudioLifecycleConfigName``: required, at most 63, ``NAME_PATTERN``."""
        if v.required(name, "StudioLifecycleConfigName"):
            v.length(name, "StudioLifecycleConfigName", 0, 63)
            v.pattern(name, "StudioLifecycleConfigName", NAME_PATTERN)

    def _get(self, name: Any) -> StudioLifecycleConfig:
        v = Validator()
        self._validate_name(v, name)
        v.check()
        config = self.configs.get(name)
        if config is None:
            raise ResourceNotFound(
                f"Unable to find Studio Lifecycle Config {name}: it does not exist."
            )
        return config

    def create(
        self, name: Any, content: Any, app_type: Any, tags: list[dict[str, str]] | None
    ) -> StudioLifecycleConfig:
        v = Validator()
        self._validate_name(v, name)
        if v.required(content, "StudioLifecycleConfigContent"):
            v.length(content, "StudioLifecycleConfigContent", 1, CONTENT_MAX)
            if isinstance(content, str) and 1 <= len(content) <= CONTENT_MAX:
                try:
                    base64.b64decode(content, validate=True)
                except (binascii.Error, ValueError):
                    v.errors.append(
                        "Value at 'studioLifecycleConfigContent' failed to satisfy "
                        "constraint: Member must be base64 encoded"
                    )
        if v.required(app_type, "StudioLifecycleConfigAppType"):
            v.enum(app_type, "StudioLifecycleConfigAppType", CONFIG_APP_TYPES)
        v.tags(tags)
        v.check()
        if name in self.configs:
            raise ResourceInUseException(f"Studio Lifecycle Config {name} already exists.")
        config = StudioLifecycleConfig(self.account_id, self.region_name, name, content, app_type)
        self.configs[name] = config
        self.tagger.tag_resource(config.arn, tags or [])
        return config

    def describe(self, name: Any) -> StudioLifecycleConfig:
        return self._get(name)

    def users_of(self, arn: str) -> list[str]:
        """What lists the config ``arn``: domains, user profiles, spaces, apps not ``Deleted``."""
        studio = self.studio
        with studio.lock:
            studio._settle_transitions()
            users: list[str] = []
            for domain in studio.domains.values():
                for member, settings in (
                    ("DefaultUserSettings", domain.default_user_settings),
                    ("DefaultSpaceSettings", domain.default_space_settings),
                ):
                    if any(a == arn for _, a, _ in listed_config_arns(settings, member)):
                        users.append(f"domain {domain.domain_id} ({member})")
            for (domain_id, name), profile in studio.user_profiles.items():
                if any(a == arn for _, a, _ in listed_config_arns(profile.user_settings, "UserSettings")):
                    users.append(f"user profile {name} of domain {domain_id}")
            for (domain_id, name), space in studio.spaces.items():
                if any(a == arn for _, a, _ in listed_config_arns(space.space_settings, "SpaceSettings")):
                    users.append(f"space {name} of domain {domain_id}")
            for app in studio.apps.values():
                if app.status != "Deleted" and (app.resource_spec or {}).get("LifecycleConfigArn") == arn:
                    users.append(f"app {app.arn}")
            return users

    def delete(self, name: Any) -> None:
        config = self._get(name)
        users = self.users_of(config.arn)
        if users:
            raise ResourceInUseException(
                f"Unable to delete Studio Lifecycle Config {name}: it is in use by "
                + ", ".join(users)
                + ". Remove it from their settings (and delete the apps using it) first."
            )
        del self.configs[name]
        self.tagger.delete_all_tags_for_resource(config.arn)

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_configs(
        self,
        name_contains: str | None = None,
        app_type_equals: str | None = None,
        creation_time_before: datetime | None = None,
        creation_time_after: datetime | None = None,
        modified_time_before: datetime | None = None,
        modified_time_after: datetime | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> list[StudioLifecycleConfig]:
        def when(value: datetime | None) -> datetime | None:
            return value.replace(tzinfo=None) if value is not None else None

        def created(c: StudioLifecycleConfig) -> datetime:
            return c.creation_time.replace(tzinfo=None)

        items = [
            c
            for c in self.configs.values()
            if (name_contains is None or name_contains in c.name)
            and (app_type_equals is None or c.app_type == app_type_equals)
            and (creation_time_before is None or created(c) <= when(creation_time_before))  # type: ignore[operator]
            and (creation_time_after is None or created(c) >= when(creation_time_after))  # type: ignore[operator]
            and (modified_time_before is None or created(c) <= when(modified_time_before))  # type: ignore[operator]
            and (modified_time_after is None or created(c) >= when(modified_time_after))  # type: ignore[operator]
        ]
        key = (lambda c: c.name) if sort_by == "Name" else created
        return sorted(items, key=key, reverse=(sort_order or "Descending") == "Descending")

    def check_listed(self, listed: list[tuple[str, Any, str]]) -> None:
        """Every ``(path, arn, app type)`` names a config of this account/region of that app
        type (see the module's docstring) -> else ``ValidationException``."""
        problems = []
        for path, arn, app_type in listed:
            match = CONFIG_ARN.fullmatch(arn) if isinstance(arn, str) else None
            config = None
            if match and (match.group(1), match.group(2)) == (self.region_name, self.account_id):
                config = self.configs.get(match.group(3))
            if config is None:
                problems.append(f"{path}: Studio Lifecycle Config {arn} does not exist")
            elif config.app_type != app_type:
                problems.append(
                    f"{path}: Studio Lifecycle Config {arn} is for app type "
                    f"{config.app_type}, not {app_type}"
                )
        if problems:
            raise ValidationError("; ".join(problems))


studio_lifecycle_config_backends = BackendDict(StudioLifecycleConfigBackend, "sagemaker")


def lifecycle_config_tags(account_id: str, region: str, arn: str) -> dict[str, str] | None:
    """The tags of the lifecycle config ``arn`` (for IAM's ``aws:ResourceTag/*``); None when
    ``arn`` is not a lifecycle config's."""
    if not CONFIG_ARN.fullmatch(arn):
        return None
    tags = studio_lifecycle_config_backends[account_id][region].tagger.list_tags_for_resource(arn)
    return {t["Key"]: t.get("Value", "") for t in tags["Tags"]}


class SageMakerLifecycleConfigResponse(SageMakerResponse):
    """Studio lifecycle configs, and the checks of the settings that list them."""

    @property
    def lifecycle_configs(self) -> StudioLifecycleConfigBackend:
        return studio_lifecycle_config_backends[self.current_account][self.region]

    def _checked(self, operation: str, members: tuple[str, ...]) -> None:
        backend = self.lifecycle_configs
        listed = [
            found
            for member in members
            for found in listed_config_arns(self._get_param(member), member)
        ]
        if listed:
            with backend.lock:
                backend.check_listed(listed)

    # Operations of their own

    def create_studio_lifecycle_config(self) -> ActionResult:
        backend = self.lifecycle_configs
        with backend.lock:
            config = backend.create(
                self._get_param("StudioLifecycleConfigName"),
                self._get_param("StudioLifecycleConfigContent"),
                self._get_param("StudioLifecycleConfigAppType"),
                self._get_param("Tags"),
            )
        return ActionResult({"StudioLifecycleConfigArn": config.arn})

    def describe_studio_lifecycle_config(self) -> ActionResult:
        backend = self.lifecycle_configs
        with backend.lock:
            config = backend.describe(self._get_param("StudioLifecycleConfigName"))
        return ActionResult(config.describe())

    def delete_studio_lifecycle_config(self) -> ActionResult:
        backend = self.lifecycle_configs
        with backend.lock:
            backend.delete(self._get_param("StudioLifecycleConfigName"))
        return EmptyResult()

    def list_studio_lifecycle_configs(self) -> ActionResult:
        v = Validator()
        v.int_range(self._get_param("MaxResults"), "MaxResults", 1, 100)
        v.enum(self._get_param("SortBy"), "SortBy", CONFIG_SORT_BY)
        v.enum(self._get_param("SortOrder"), "SortOrder", SORT_ORDERS)
        v.enum(self._get_param("AppTypeEquals"), "AppTypeEquals", CONFIG_APP_TYPES)
        v.check()
        backend = self.lifecycle_configs
        with backend.lock:
            items, next_token = backend.list_configs(
                name_contains=self._get_param("NameContains"),
                app_type_equals=self._get_param("AppTypeEquals"),
                creation_time_before=self._get_param("CreationTimeBefore"),
                creation_time_after=self._get_param("CreationTimeAfter"),
                modified_time_before=self._get_param("ModifiedTimeBefore"),
                modified_time_after=self._get_param("ModifiedTimeAfter"),
                sort_by=self._get_param("SortBy"),
                sort_order=self._get_param("SortOrder"),
                max_results=self._get_param("MaxResults"),
                next_token=self._get_param("NextToken"),
            )
        return ActionResult(
            {"StudioLifecycleConfigs": [c.summary() for c in items], "NextToken": next_token}
        )

    # Tags on a config's ARN (other ARNs go on down the chain)

    def _config_for_tags(self) -> StudioLifecycleConfig | None:
        arn = self._get_param("ResourceArn")
        if not isinstance(arn, str) or not CONFIG_ARN.fullmatch(arn):
            return None
        validate_resource_arn(arn)
        match = CONFIG_ARN.fullmatch(arn)
        assert match is not None
        config = self.lifecycle_configs.configs.get(match.group(3))
        if config is None or config.arn != arn:
            # As for the Studio resources: a well-formed ARN naming nothing.
            raise ValidationError(f"Resource {arn} does not exist")
        return config

    def add_tags(self) -> ActionResult:
        with self.lifecycle_configs.lock:
            config = self._config_for_tags()
            if config is None:
                return super().add_tags()
            tags = self._get_param("Tags")
            v = Validator()
            if v.required(tags, "Tags"):
                v.tags(tags)
            v.check()
            tagger = self.lifecycle_configs.tagger
            tagger.tag_resource(config.arn, tags)
            return ActionResult({"Tags": tagger.list_tags_for_resource(config.arn)["Tags"]})

    def list_tags(self) -> ActionResult:
        with self.lifecycle_configs.lock:
            config = self._config_for_tags()
            if config is None:
                return super().list_tags()
            tags = self.lifecycle_configs.tagger.list_tags_for_resource(config.arn)["Tags"]
            return ActionResult({"Tags": tags})

    def delete_tags(self) -> ActionResult:
        with self.lifecycle_configs.lock:
            config = self._config_for_tags()
            if config is None:
                return super().delete_tags()
            self.lifecycle_configs.tagger.untag_resource_using_names(
                config.arn, self._get_param("TagKeys") or []
            )
            return EmptyResult()

    # Settings that list configs: checked, then handed on to the Studio operations

    def create_domain(self) -> ActionResult:
        self._checked("CreateDomain", SETTINGS_MEMBERS["CreateDomain"])
        return super().create_domain()

    def update_domain(self) -> ActionResult:
        self._checked("UpdateDomain", SETTINGS_MEMBERS["UpdateDomain"])
        return super().update_domain()

    def create_user_profile(self) -> ActionResult:
        self._checked("CreateUserProfile", SETTINGS_MEMBERS["CreateUserProfile"])
        return super().create_user_profile()

    def update_user_profile(self) -> ActionResult:
        self._checked("UpdateUserProfile", SETTINGS_MEMBERS["UpdateUserProfile"])
        return super().update_user_profile()

    def create_space(self) -> ActionResult:
        self._checked("CreateSpace", SETTINGS_MEMBERS["CreateSpace"])
        return super().create_space()

    def update_space(self) -> ActionResult:
        self._checked("UpdateSpace", SETTINGS_MEMBERS["UpdateSpace"])
        return super().update_space()

    def create_app(self) -> ActionResult:
        spec = self._get_param("ResourceSpec")
        app_type = self._get_param("AppType")
        if isinstance(spec, dict) and spec.get("LifecycleConfigArn") is not None:
            backend = self.lifecycle_configs
            with backend.lock:
                backend.check_listed(
                    [("ResourceSpec.LifecycleConfigArn", spec["LifecycleConfigArn"], str(app_type))]
                )
        return super().create_app()


EXTENSION = register(
    ServiceExtension(
        name="sagemaker-studio-lifecycle-configs",
        service="sagemaker",
        base_response=SageMakerResponse,
        response=SageMakerLifecycleConfigResponse,
    )
)
