"""SageMaker Studio models and backend: every rule of the extension.

Statuses follow the API reference (``Pending`` -> ``InService``, ``Updating``
-> ``InService``, ``Deleting`` -> gone, apps ``Deleting`` -> ``Deleted``).
They are driven lazily by time: every backend call (under the backend's lock)
first settles the transitions whose deadline has passed.  The delay of each
model comes from moto's state manager (``sagemaker::studio-domain`` etc.), so
``POST /moto-api/state-manager/set-transition`` works as for any moto model.

Refusals modelled after what AWS documents (each has a test in
``test_sagemaker_fidelity.py`` named for the behaviour):

* DeleteUserProfile is refused (``ResourceInUse``) while the profile owns any
  space, shared ones included - Developer Guide, "Remove user profiles": "All
  apps launched by a user profile and all spaces owned by the user profile must
  be deleted to delete the user profile."
* UpdateDomain (API reference, member docs of ``UpdateDomainRequest``):
  ``AppNetworkAccessType`` "can only be modified if there are no apps in the
  InService, Pending, or Deleting state" and not when
  ``RStudioServerProDomainSettings.DomainExecutionRoleArn`` is set or given;
  ``SubnetIds``: "If removing subnets, ensure there are no apps in the
  InService, Pending, or Deleting state"; ``ExecutionRoleIdentityConfig`` "can
  only be modified if there are no apps in the InService or Pending state";
  ``VpcId``: "only when adding VPC configuration to a ... domain ... that was
  created without VPC settings"; ``HomeEfsFileSystemCreation``: "you cannot
  change from Enabled to Disabled".
* UpdateSpace: "You can't edit the app type of a space in the SpaceSettings."
* CreatePresignedDomainUrl: "can only be called when the authentication mode
  equals IAM"; ``LandingUri`` is one of the documented forms
  (``studio::relative/path``, ``app:<JupyterServer|JupyterLab|RStudioServerPro|
  CodeEditor|Canvas>:relative/path``); a private space opens only for its owner
  (Developer Guide, "Private spaces ... are only accessible by the user profile
  that owns the space"); the profile signing in must be ``InService``.
* CreateApp for a user profile or space that is being deleted.
* Tags and ``ResourceArn``: the shapes' rules are in ``validation.py``; a
  well-formed ARN naming nothing (a ``Deleted`` app included) is a
  ``ValidationException`` (see ``_resource_for_arn``).
* List*: ``SortOrder`` defaults to ``Ascending`` and ``MaxResults`` to 10 (the
  member docs of ListDomains/ListUserProfiles/ListSpaces/ListApps).
* ``ResourceLimitExceeded`` (documented for CreateDomain, CreateUserProfile,
  CreateSpace and CreateApp) for the quotas in ``QUOTAS``.  The account's values
  are per account and adjustable (Service Quotas), so none is enforced unless a
  test sets it with ``POST /_studio_emulator/config {"quotas": {...}}``.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.common_models import BaseModel
from moto.core.exceptions import InvalidToken
from moto.core.resource_tagging import TaggableResourcesMixin, TaggedResource
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random as random
from moto.sagemaker.exceptions import (
    ResourceInUseException,
    ResourceNotFound,
    ValidationError,
)
from moto.sagemaker.utils import arn_formatter
from moto.utilities.paginator import paginate
from moto.utilities.tagging_service import TaggingService

from ..core import config, transition_delay
from ..tagging import TagVisibility
from .exceptions import ResourceLimitExceeded
from .validation import (
    APP_TYPES,
    AUTH_MODES,
    DOMAIN_ID_PATTERN,
    HOME_EFS_RETENTION,
    LIST_DEFAULT_MAX_RESULTS,
    MAX_TAGS,
    NAME_PATTERN,
    SHARING_TYPES,
    Validator,
    check_settings,
    lifecycle_settings,
    validate_domain_id,
    validate_landing_uri,
    validate_required,
    validate_resource_arn,
)

MODEL_DOMAIN = "sagemaker::studio-domain"
MODEL_USER_PROFILE = "sagemaker::studio-user-profile"
MODEL_SPACE = "sagemaker::studio-space"
MODEL_APP = "sagemaker::studio-app"


#: Quotas answered with ``ResourceLimitExceeded``; unlimited unless set through
#: ``POST /_studio_emulator/config {"quotas": {name: limit}}``.
QUOTA_DOMAINS = "sagemaker::domains-per-region"
QUOTA_USER_PROFILES = "sagemaker::user-profiles-per-domain"
QUOTA_SPACES = "sagemaker::spaces-per-domain"
QUOTA_APPS = "sagemaker::apps-per-owner"
QUOTAS: dict[str, int | None] = {
    QUOTA_DOMAINS: None,
    QUOTA_USER_PROFILES: None,
    QUOTA_SPACES: None,
    QUOTA_APPS: None,
}


#: A resource whose deletion finished is removed from the backend.
GONE = "<gone>"

PAGINATION_MODEL = {
    name: {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": LIST_DEFAULT_MAX_RESULTS,
        "unique_attribute": "arn",
    }
    for name in ("list_domains", "list_user_profiles", "list_spaces", "list_apps")
}
PAGINATION_MODEL["list_tags"] = {
    "input_token": "next_token",
    "limit_key": "max_results",
    "limit_default": 50,
    "unique_attribute": "Key",
}



def _merge(current: dict[str, Any] | None, update: dict[str, Any] | None) -> Any:
    """Update*: members given replace the stored ones, the others are kept."""
    if update is None:
        return current
    merged = copy.deepcopy(current) if current else {}
    merged.update(copy.deepcopy(update))
    return merged


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------


class TimedLifecycle:
    """Status of one resource, advanced lazily by time.

    Unlike moto's ``ManagedState`` (a fixed linear chain), Studio resources
    re-enter transient states (``Updating``, ``Deleting``), so each transition
    is started explicitly with :meth:`begin`; the backend settles it with
    :meth:`refresh` once its deadline (``transition_delay(model)`` after the
    start) has passed.
    """

    def __init__(self, model_name: str, initial: str, target: str | None) -> None:
        self.model_name = model_name
        self.status = initial
        self._target: str | None = None
        self._due = 0.0
        if target is not None:
            self.begin(initial, target)

    def begin(self, transient: str, target: str) -> None:
        self.status = transient
        self._target = target
        self._due = time.monotonic() + transition_delay(self.model_name)

    def force(self, status: str) -> None:
        self.status = status
        self._target = None

    @property
    def in_transition(self) -> bool:
        return self._target is not None

    def refresh(self, now: float) -> str | None:
        """Settle a due transition; return the status reached, if any."""
        if self._target is not None and now >= self._due:
            self.status, self._target = self._target, None
            return self.status
        return None


class HealthChecks:
    """SageMaker's health checks of a running app, modelled lazily.

    DescribeApp API reference: ``LastHealthCheckTimestamp`` is "the timestamp of the last
    health check", and ``LastUserActivityTimestamp`` "is also updated when SageMaker AI
    performs health checks without user activity. As a result, this value is set to the
    same value as LastHealthCheckTimestamp."  So while an app is ``InService`` both move on
    every health check, whatever its user does.  A check runs when the app reaches
    ``InService`` and then every ``interval`` seconds; a Describe reports the latest one
    (no background thread).  AWS does not document the interval: the default of 5 minutes
    is our choice (unconfirmed); ``POST /_studio_emulator/config
    {"health_check_seconds": N}`` changes it.
    """

    DEFAULT_SECONDS = 300.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seconds = self.DEFAULT_SECONDS

    @property
    def seconds(self) -> float:
        with self._lock:
            return self._seconds

    def set_seconds(self, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ValueError("health_check_seconds must be a number > 0")
        with self._lock:
            self._seconds = float(value)

    def reset(self) -> None:
        with self._lock:
            self._seconds = self.DEFAULT_SECONDS

    def last_tick(self, since: datetime, until: datetime) -> datetime:
        """The last health check of an app ``InService`` from ``since`` to ``until``."""
        interval = self.seconds
        elapsed = max(0.0, (until - since).total_seconds())
        return since + timedelta(seconds=interval * int(elapsed // interval))


health_checks = HealthChecks()


class _StudioResource:
    """What the Studio models share: the status is kept by the ``lifecycle``.

    (A mixin, not a ``BaseModel``: moto lists every ``BaseModel`` class in
    ``/moto-api/data.json``.)"""

    lifecycle: TimedLifecycle
    failure_reason: str | None

    @property
    def status(self) -> str:
        return self.lifecycle.status

    def _failure_reason(self) -> str | None:
        """``FailureReason`` is returned only while the resource has failed."""
        failed = self.status in ("Failed", "Update_Failed", "Delete_Failed")
        return self.failure_reason if failed else None


class StudioDomain(_StudioResource, BaseModel):
    def __init__(
        self,
        account_id: str,
        region_name: str,
        domain_name: str,
        auth_mode: str,
        default_user_settings: dict[str, Any],
        subnet_ids: list[str],
        vpc_id: str,
        domain_settings: dict[str, Any] | None,
        app_network_access_type: str | None,
        home_efs_file_system_kms_key_id: str | None,
        kms_key_id: str | None,
        app_security_group_management: str | None,
        default_space_settings: dict[str, Any] | None,
        tag_propagation: str | None,
        home_efs_file_system_creation: str | None,
    ):
        self.account_id = account_id
        self.region_name = region_name
        self.domain_id = "d-" + random.get_random_string(12, lower_case=True)
        self.arn = arn_formatter("domain", self.domain_id, account_id, region_name)
        self.domain_name = domain_name
        self.auth_mode = auth_mode
        self.default_user_settings = copy.deepcopy(default_user_settings)
        self.subnet_ids = list(subnet_ids)
        self.vpc_id = vpc_id
        self.domain_settings = copy.deepcopy(domain_settings)
        self.app_network_access_type = app_network_access_type or "PublicInternetOnly"
        self.home_efs_file_system_kms_key_id = (
            home_efs_file_system_kms_key_id or kms_key_id
        )
        self.app_security_group_management = app_security_group_management
        self.default_space_settings = copy.deepcopy(default_space_settings)
        self.tag_propagation = tag_propagation or "DISABLED"
        self.home_efs_file_system_creation = home_efs_file_system_creation
        self.home_efs_file_system_id = "fs-" + random.get_random_hex(17)
        self.url = f"https://{self.domain_id}.studio.{region_name}.sagemaker.aws"
        if auth_mode == "SSO":
            # The application SageMaker manages in IAM Identity Center (identity_center.py).
            from ..identity_center import register_managed_application

            self.sso_application_arn, self.sso_application_instance_id = (
                register_managed_application(account_id, region_name, domain_name)
            )
        else:
            self.sso_application_instance_id = None
            self.sso_application_arn = None
        self.creation_time = self.last_modified_time = utcnow()
        self.failure_reason: str | None = None
        self.retention_policy: dict[str, str] | None = None
        self.lifecycle = TimedLifecycle(MODEL_DOMAIN, "Pending", "InService")
        self._next_uid = 200001

    def next_home_uid(self) -> str:
        uid, self._next_uid = self._next_uid, self._next_uid + 1
        return str(uid)

    def describe(self) -> dict[str, Any]:
        return {
            "DomainArn": self.arn,
            "DomainId": self.domain_id,
            "DomainName": self.domain_name,
            "HomeEfsFileSystemId": self.home_efs_file_system_id,
            "SingleSignOnManagedApplicationInstanceId": self.sso_application_instance_id,
            "SingleSignOnApplicationArn": self.sso_application_arn,
            "Status": self.status,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "FailureReason": self._failure_reason(),
            "AuthMode": self.auth_mode,
            "DefaultUserSettings": self.default_user_settings,
            "DomainSettings": self.domain_settings,
            "AppNetworkAccessType": self.app_network_access_type,
            "HomeEfsFileSystemKmsKeyId": self.home_efs_file_system_kms_key_id,
            "KmsKeyId": self.home_efs_file_system_kms_key_id,
            "SubnetIds": self.subnet_ids,
            "Url": self.url,
            "VpcId": self.vpc_id,
            "AppSecurityGroupManagement": self.app_security_group_management,
            "HomeEfsFileSystemCreation": self.home_efs_file_system_creation,
            "TagPropagation": self.tag_propagation,
            "DefaultSpaceSettings": self.default_space_settings,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "DomainArn": self.arn,
            "DomainId": self.domain_id,
            "DomainName": self.domain_name,
            "Status": self.status,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "Url": self.url,
        }


def _arn_in_domain(domain: StudioDomain, resource_type: str, path: str) -> str:
    """``arn:aws:sagemaker:R:A:<resource_type>/<domain id>/<path>``."""
    return arn_formatter(
        resource_type, f"{domain.domain_id}/{path}", domain.account_id, domain.region_name
    )


class StudioUserProfile(_StudioResource, BaseModel):
    def __init__(
        self,
        domain: StudioDomain,
        user_profile_name: str,
        sso_user_identifier: str | None,
        sso_user_value: str | None,
        user_settings: dict[str, Any] | None,
        sequence: int,
    ):
        self.domain_id = domain.domain_id
        self.user_profile_name = user_profile_name
        self.arn = _arn_in_domain(domain, "user-profile", user_profile_name)
        self.home_efs_file_system_uid = domain.next_home_uid()
        self.sso_user_identifier = sso_user_identifier
        self.sso_user_value = sso_user_value
        self.user_settings = copy.deepcopy(user_settings)
        self.creation_time = self.last_modified_time = utcnow()
        self.failure_reason: str | None = None
        self.sequence = sequence
        self.lifecycle = TimedLifecycle(MODEL_USER_PROFILE, "Pending", "InService")

    def describe(self) -> dict[str, Any]:
        return {
            "DomainId": self.domain_id,
            "UserProfileArn": self.arn,
            "UserProfileName": self.user_profile_name,
            "HomeEfsFileSystemUid": self.home_efs_file_system_uid,
            "Status": self.status,
            "LastModifiedTime": self.last_modified_time,
            "CreationTime": self.creation_time,
            "FailureReason": self._failure_reason(),
            "SingleSignOnUserIdentifier": self.sso_user_identifier,
            "SingleSignOnUserValue": self.sso_user_value,
            "UserSettings": self.user_settings,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "DomainId": self.domain_id,
            "UserProfileName": self.user_profile_name,
            "Status": self.status,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
        }


class StudioSpace(_StudioResource, BaseModel):
    def __init__(
        self,
        domain: StudioDomain,
        space_name: str,
        space_settings: dict[str, Any] | None,
        ownership_settings: dict[str, Any] | None,
        space_sharing_settings: dict[str, Any] | None,
        space_display_name: str | None,
        sequence: int,
    ):
        self.domain_id = domain.domain_id
        self.space_name = space_name
        self.arn = _arn_in_domain(domain, "space", space_name)
        self.home_efs_file_system_uid = domain.next_home_uid()
        self.space_settings = copy.deepcopy(space_settings)
        self.ownership_settings = copy.deepcopy(ownership_settings)
        self.space_sharing_settings = copy.deepcopy(space_sharing_settings)
        self.space_display_name = space_display_name
        self.url = (
            f"https://{random.get_random_string(16, lower_case=True)}"
            f".studio.{domain.region_name}.sagemaker.aws"
        )
        self.creation_time = self.last_modified_time = utcnow()
        self.failure_reason: str | None = None
        self.sequence = sequence
        self.lifecycle = TimedLifecycle(MODEL_SPACE, "Pending", "InService")

    @property
    def owner(self) -> str | None:
        return (self.ownership_settings or {}).get("OwnerUserProfileName")

    @property
    def sharing_type(self) -> str | None:
        return (self.space_sharing_settings or {}).get("SharingType")

    def describe(self) -> dict[str, Any]:
        return {
            "DomainId": self.domain_id,
            "SpaceArn": self.arn,
            "SpaceName": self.space_name,
            "HomeEfsFileSystemUid": self.home_efs_file_system_uid,
            "Status": self.status,
            "LastModifiedTime": self.last_modified_time,
            "CreationTime": self.creation_time,
            "FailureReason": self._failure_reason(),
            "SpaceSettings": self.space_settings,
            "OwnershipSettings": self.ownership_settings,
            "SpaceSharingSettings": self.space_sharing_settings,
            "SpaceDisplayName": self.space_display_name,
            "Url": self.url,
        }

    def summary(self) -> dict[str, Any]:
        settings = self.space_settings or {}
        settings_summary = {
            "AppType": settings.get("AppType"),
            "RemoteAccess": settings.get("RemoteAccess"),
            "SpaceStorageSettings": settings.get("SpaceStorageSettings"),
        }
        return {
            "DomainId": self.domain_id,
            "SpaceName": self.space_name,
            "Status": self.status,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "SpaceSettingsSummary": settings_summary,
            "SpaceSharingSettingsSummary": (
                {"SharingType": self.sharing_type} if self.sharing_type else None
            ),
            "OwnershipSettingsSummary": (
                {"OwnerUserProfileName": self.owner} if self.owner else None
            ),
            "SpaceDisplayName": self.space_display_name,
        }


class StudioApp(_StudioResource, BaseModel):
    def __init__(
        self,
        domain: StudioDomain,
        user_profile_name: str | None,
        space_name: str | None,
        app_type: str,
        app_name: str,
        resource_spec: dict[str, Any] | None,
        recovery_mode: bool | None,
        sequence: int,
    ):
        self.domain_id = domain.domain_id
        self.user_profile_name = user_profile_name
        self.space_name = space_name
        self.app_type = app_type
        self.app_name = app_name
        owner = space_name or user_profile_name
        self.arn = _arn_in_domain(domain, "app", f"{owner}/{app_type.lower()}/{app_name}")
        if resource_spec is None:
            default_type = "system" if app_type == "JupyterServer" else "ml.t3.medium"
            resource_spec = {"InstanceType": default_type}
        self.resource_spec = copy.deepcopy(resource_spec)
        self.recovery_mode = recovery_mode
        self.creation_time = utcnow()
        #: When the app reached ``InService`` (its first health check) and when it left it
        #: (health checks stop); see :class:`HealthChecks`.
        self.in_service_since: datetime | None = None
        self.in_service_until: datetime | None = None
        #: The last real user activity (``POST apps/last-activity``), if any.
        self.user_activity: datetime | None = None
        self.failure_reason: str | None = None
        self.sequence = sequence
        self.lifecycle = TimedLifecycle(MODEL_APP, "Pending", "InService")

    def on_in_service(self) -> None:
        self.in_service_since = utcnow()
        self.in_service_until = None

    def leave_in_service(self) -> None:
        """The app stops being ``InService`` (deleted, failed): no more health checks."""
        if self.in_service_since is not None and self.in_service_until is None:
            self.in_service_until = utcnow()

    def backdate(self, creation_time: datetime) -> None:
        """Move ``CreationTime`` (control API); the time it has been ``InService`` moves
        with it, as if it had been created then."""
        delta = creation_time - self.creation_time
        self.creation_time = creation_time
        if self.in_service_since is not None:
            self.in_service_since += delta

    @property
    def last_health_check_timestamp(self) -> datetime | None:
        if self.in_service_since is None:
            return None
        return health_checks.last_tick(self.in_service_since, self.in_service_until or utcnow())

    @property
    def last_user_activity_timestamp(self) -> datetime | None:
        """DescribeApp API reference, ``LastUserActivityTimestamp``: "also updated when
        SageMaker AI performs health checks without user activity. As a result, this value
        is set to the same value as LastHealthCheckTimestamp." -- the later of the last
        health check and the last real user activity."""
        checked = self.last_health_check_timestamp
        if self.user_activity is None:
            return checked
        return self.user_activity if checked is None else max(checked, self.user_activity)

    def describe(self) -> dict[str, Any]:
        return {
            "AppArn": self.arn,
            "AppType": self.app_type,
            "AppName": self.app_name,
            "DomainId": self.domain_id,
            "UserProfileName": self.user_profile_name,
            "SpaceName": self.space_name,
            "Status": self.status,
            "RecoveryMode": self.recovery_mode,
            "LastHealthCheckTimestamp": self.last_health_check_timestamp,
            "LastUserActivityTimestamp": self.last_user_activity_timestamp,
            "CreationTime": self.creation_time,
            "FailureReason": self.failure_reason if self.status == "Failed" else None,
            "ResourceSpec": self.resource_spec,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "DomainId": self.domain_id,
            "UserProfileName": self.user_profile_name,
            "SpaceName": self.space_name,
            "AppType": self.app_type,
            "AppName": self.app_name,
            "Status": self.status,
            "CreationTime": self.creation_time,
            "ResourceSpec": self.resource_spec,
        }


@dataclass(frozen=True)
class AppIdentity:
    """The members that name an app (CreateApp, DescribeApp, DeleteApp): a domain,
    exactly one owner (a user profile or a space), the app type and name."""

    domain_id: Any
    app_type: Any
    app_name: Any
    user_profile_name: Any = None
    space_name: Any = None

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        """The backend's key of an app: apps of a space and of a user profile apart."""
        if self.space_name:
            return (self.domain_id, "space", self.space_name, self.app_type, self.app_name)
        return (
            self.domain_id, "user", self.user_profile_name or "", self.app_type, self.app_name
        )

    @property
    def owner_label(self) -> str:
        if self.space_name:
            return f"Space {self.space_name}"
        return f"UserProfile {self.user_profile_name}"

    def validate(self, v: Validator) -> None:
        """The members' shapes, then "exactly one of UserProfileName or SpaceName"."""
        if v.required(self.domain_id, "DomainId"):
            v.pattern(self.domain_id, "DomainId", DOMAIN_ID_PATTERN)
        if v.required(self.app_type, "AppType"):
            v.enum(self.app_type, "AppType", APP_TYPES)
        if v.required(self.app_name, "AppName"):
            v.pattern(self.app_name, "AppName", NAME_PATTERN)
        v.pattern(self.user_profile_name, "UserProfileName", NAME_PATTERN)
        v.pattern(self.space_name, "SpaceName", NAME_PATTERN)
        v.check()
        if bool(self.user_profile_name) == bool(self.space_name):
            raise ValidationError(
                "Exactly one of UserProfileName or SpaceName must be specified"
            )


def _synchronized(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run a backend method under the backend lock, after settling due transitions.

    moto's paginator signals a bad NextToken with ``InvalidToken``; SageMaker
    answers ``ValidationException`` instead.
    """

    @functools.wraps(func)
    def wrapper(self: SageMakerStudioBackend, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            self._settle_transitions()
            try:
                return func(self, *args, **kwargs)
            except InvalidToken as exc:  # from moto's paginator
                raise ValidationError(f"Invalid pagination token: {exc}") from exc

    return wrapper


@contextlib.contextmanager
def _missing_parent_is_invalid() -> Iterator[None]:
    """CreateUserProfile/CreateSpace/CreateApp document no ``ResourceNotFound``
    (only ``ResourceInUse`` and ``ResourceLimitExceeded``): a domain, profile or
    space they name that does not exist is a ``ValidationException``."""
    try:
        yield
    except ResourceNotFound as exc:
        raise ValidationError(exc.message) from exc


def _sorted(items: list[Any], sort_by: str | None, sort_order: str | None) -> list[Any]:
    """``SortBy`` defaults to ``CreationTime``, ``SortOrder`` to ``Ascending`` (API reference)."""
    attr = "last_modified_time" if sort_by == "LastModifiedTime" else "creation_time"
    return sorted(
        items,
        key=lambda x: (getattr(x, attr), x.sequence),
        reverse=sort_order == "Descending",
    )


def _check_quota(name: str, used: int, what: str) -> None:
    """``ResourceLimitExceeded`` when ``used`` already reaches the configured quota."""
    limit = config.quota(name)
    if limit is not None and used >= limit:
        raise ResourceLimitExceeded(
            f"The account-level service limit '{what}' is {limit}, with current "
            f"utilization of {used}. Request a quota increase through Service Quotas."
        )


def _listed(
    items: Iterable[Any],
    domain_id_equals: str | None,
    sort_by: str | None,
    sort_order: str | None,
    keep: Callable[[Any], bool],
) -> list[Any]:
    """List*: the items of ``DomainIdEquals`` (all without it) that ``keep``, sorted."""
    return _sorted(
        [
            x
            for x in items
            if (domain_id_equals is None or x.domain_id == domain_id_equals) and keep(x)
        ],
        sort_by,
        sort_order,
    )


class SageMakerStudioBackend(BaseBackend, TaggableResourcesMixin):
    """SageMaker Studio resources of one account/region.

    A ``TaggableResourcesMixin`` like moto's own SageMaker backend, so that the Resource Groups
    Tagging API's ``GetResources`` lists domains, user profiles, spaces and apps
    (``studio_emulator/tagging.py`` has the rules and their sources).
    """

    SERVICE_NAMESPACE = "sagemaker"

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        self.domains: dict[str, StudioDomain] = {}
        self.user_profiles: dict[tuple[str, str], StudioUserProfile] = {}
        self.spaces: dict[tuple[str, str], StudioSpace] = {}
        self.apps: dict[tuple[str, str, str, str, str], StudioApp] = {}
        #: Home EFS file systems created for domains, by FileSystemId.
        self.home_efs_file_systems: dict[str, dict[str, Any]] = {}
        self.tagger = TaggingService()
        #: What GetResources sees of the tags while a change has not reached it yet.
        self.tag_visibility = TagVisibility()
        #: ARNs that have had a tag ("tagged or previously tagged" resources, GetResources).
        self.once_tagged: set[str] = set()
        self._sequence = 0
        #: Every URL CreatePresignedDomainUrl issued, with what it was issued for (for tests:
        #: AWS's token is opaque, so a test cannot otherwise tell whose session a URL opens).
        self.presigned_urls: list[dict[str, Any]] = []

    # ---- internals ------------------------------------------------------

    def _next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    def _settle_transitions(self) -> None:
        now = time.monotonic()
        for app in list(self.apps.values()):
            if app.lifecycle.refresh(now) == "InService":
                app.on_in_service()
        owners: list[tuple[dict[tuple[str, str], Any], str]] = [
            (self.user_profiles, "user"),
            (self.spaces, "space"),
        ]
        for table, kind in owners:
            for key, owner in list(table.items()):
                if owner.lifecycle.refresh(now) == GONE:
                    self._forget_owner_apps(owner.domain_id, kind, key[1])
                    self._forget_tags(owner.arn)
                    del table[key]
        for domain_id, domain in list(self.domains.items()):
            if domain.lifecycle.refresh(now) == GONE:
                for key in [k for k in self.apps if k[0] == domain_id]:
                    self._forget_tags(self.apps[key].arn)
                    del self.apps[key]
                policy = (domain.retention_policy or {}).get(
                    "HomeEfsFileSystem", "Retain"
                )
                efs = self.home_efs_file_systems[domain.home_efs_file_system_id]
                efs["State"] = "deleted" if policy == "Delete" else "retained"
                self._forget_tags(domain.arn)
                del self.domains[domain_id]

    def _forget_owner_apps(self, domain_id: str, kind: str, owner: str) -> None:
        for key in [k for k in self.apps if k[:3] == (domain_id, kind, owner)]:
            self._forget_tags(self.apps[key].arn)
            del self.apps[key]

    def _forget_tags(self, arn: str) -> None:
        """A resource is gone: its tags, and what GetResources remembered of them."""
        self.tagger.delete_all_tags_for_resource(arn)
        self.tag_visibility.forget(arn)
        self.once_tagged.discard(arn)

    def _get_domain(self, domain_id: str) -> StudioDomain:
        validate_domain_id(domain_id)
        if domain_id not in self.domains:
            raise ResourceNotFound(f"Cannot find Domain with id {domain_id}")
        return self.domains[domain_id]

    def _get_in_domain(
        self, table: dict[tuple[str, str], Any], kind: str, domain_id: str, name: str
    ) -> Any:
        """A user profile or space (``kind``) of a domain that exists."""
        self._get_domain(domain_id)
        resource = table.get((domain_id, name))
        if resource is None:
            raise ResourceNotFound(
                f"Cannot find {kind} with name {name} in Domain {domain_id}"
            )
        return resource

    def _add_to_domain(
        self,
        table: dict[tuple[str, str], Any],
        kind: str,
        quota: tuple[str, str],
        domain_id: str,
        name: str,
        make: Callable[[int], Any],
        tags: list[dict[str, str]] | None,
    ) -> Any:
        """Store a new user profile or space (``kind``) of a domain: refused with
        ``ResourceInUse`` when the name is taken in the domain, then with
        ``ResourceLimitExceeded`` when the domain has reached ``quota`` (name, what)."""
        if (domain_id, name) in table:
            raise ResourceInUseException(f"{kind} {name} already exists in Domain {domain_id}")
        _check_quota(quota[0], sum(1 for d, _ in table if d == domain_id), quota[1])
        return self._add(table, (domain_id, name), make(self._next_sequence()), tags)

    def _add(
        self, table: dict[Any, Any], key: Any, resource: Any, tags: list[dict[str, str]] | None
    ) -> Any:
        """Store a new user profile, space or app and tag it."""
        table[key] = resource
        self._tags_change(resource.arn, bool(tags), created=True)
        self.tagger.tag_resource(resource.arn, tags)
        return resource

    def _tags_change(self, arn: str, adds: bool, created: bool = False) -> None:
        """Called just before the tags of ``arn`` change (``created``: it is new)."""
        current = None if created else self.tagger.get_tag_dict_for_resource(arn)
        self.tag_visibility.before_change(arn, current)
        if adds:
            self.once_tagged.add(arn)

    def _get_user_profile(self, domain_id: str, name: str) -> StudioUserProfile:
        return self._get_in_domain(self.user_profiles, "UserProfile", domain_id, name)

    def _get_space(self, domain_id: str, name: str) -> StudioSpace:
        return self._get_in_domain(self.spaces, "Space", domain_id, name)

    def _live_apps(self, domain_id: str, kind: str | None = None, owner: str | None = None) -> list[StudioApp]:
        return [
            app
            for key, app in self.apps.items()
            if key[0] == domain_id
            and (kind is None or key[1] == kind)
            and (owner is None or key[2] == owner)
            and app.status != "Deleted"
        ]

    @staticmethod
    def _check_not_busy(kind: str, name: str, status: str, operation: str) -> None:
        if status in ("Pending", "Updating", "Deleting"):
            raise ResourceInUseException(
                f"{kind} {name} is in status {status} and cannot be {operation} "
                "until it is InService"
            )

    def _check_no_live_apps(self, kind: str, app_kind: str, domain_id: str, name: str) -> None:
        """A user profile or space is deleted only when its apps are all ``Deleted``."""
        apps = self._live_apps(domain_id, app_kind, name)
        if apps:
            raise ResourceInUseException(
                f"Cannot delete {kind} {name}: it has {len(apps)} app(s) "
                "that are not Deleted"
            )

    @staticmethod
    def _check_updatable(kind: str, name: str, status: str) -> None:
        if status not in ("InService", "Update_Failed"):
            raise ResourceInUseException(
                f"{kind} {name} is in status {status} and cannot be "
                "updated until it is InService"
            )

    @staticmethod
    def _begin(resource: Any, transient: str, target: str) -> None:
        """Start an ``Updating``/``Deleting`` transition of a domain, profile or space."""
        resource.last_modified_time = utcnow()
        resource.lifecycle.begin(transient, target)

    # ---- domains ----------------------------------------------------------

    @_synchronized
    def create_domain(
        self,
        domain_name: str,
        auth_mode: str,
        default_user_settings: dict[str, Any],
        subnet_ids: list[str],
        vpc_id: str,
        domain_settings: dict[str, Any] | None = None,
        tags: list[dict[str, str]] | None = None,
        app_network_access_type: str | None = None,
        home_efs_file_system_kms_key_id: str | None = None,
        kms_key_id: str | None = None,
        app_security_group_management: str | None = None,
        default_space_settings: dict[str, Any] | None = None,
        tag_propagation: str | None = None,
        home_efs_file_system_creation: str | None = None,
    ) -> StudioDomain:
        v = Validator()
        if v.required(domain_name, "DomainName"):
            v.pattern(domain_name, "DomainName", NAME_PATTERN)
        if v.required(auth_mode, "AuthMode"):
            v.enum(auth_mode, "AuthMode", AUTH_MODES)
        if v.required(default_user_settings, "DefaultUserSettings"):
            v.structure(default_user_settings, "DefaultUserSettings")
        v.subnets_and_vpc(subnet_ids, vpc_id, required=True)
        v.domain_enums(app_network_access_type, app_security_group_management, tag_propagation)
        v.structure(domain_settings, "DomainSettings")
        check_settings(v, domain_settings, "DomainSettings", "DomainSettings")
        v.structure(default_space_settings, "DefaultSpaceSettings")
        lifecycle_settings(v, default_user_settings, "DefaultUserSettings")
        lifecycle_settings(v, default_space_settings, "DefaultSpaceSettings")
        v.tags(tags)
        v.check()
        for existing in self.domains.values():
            if existing.domain_name == domain_name:
                raise ResourceInUseException(
                    f"Domain with name {domain_name} already exists "
                    f"({existing.domain_id}). Choose a different name."
                )
        _check_quota(QUOTA_DOMAINS, len(self.domains), "domains per Region")
        domain = StudioDomain(
            account_id=self.account_id,
            region_name=self.region_name,
            domain_name=domain_name,
            auth_mode=auth_mode,
            default_user_settings=default_user_settings,
            subnet_ids=subnet_ids,
            vpc_id=vpc_id,
            domain_settings=domain_settings,
            app_network_access_type=app_network_access_type,
            home_efs_file_system_kms_key_id=home_efs_file_system_kms_key_id,
            kms_key_id=kms_key_id,
            app_security_group_management=app_security_group_management,
            default_space_settings=default_space_settings,
            tag_propagation=tag_propagation,
            home_efs_file_system_creation=home_efs_file_system_creation,
        )
        self.domains[domain.domain_id] = domain
        self.home_efs_file_systems[domain.home_efs_file_system_id] = {
            "FileSystemId": domain.home_efs_file_system_id,
            "DomainId": domain.domain_id,
            "DomainName": domain.domain_name,
            "State": "in-use",
            "RetentionPolicy": None,
            "AccountId": self.account_id,
            "Region": self.region_name,
        }
        self._tags_change(domain.arn, bool(tags), created=True)
        self.tagger.tag_resource(domain.arn, tags)
        return domain

    @_synchronized
    def describe_domain(self, domain_id: str) -> StudioDomain:
        return self._get_domain(domain_id)

    @_synchronized
    def update_domain(
        self,
        domain_id: str,
        default_user_settings: dict[str, Any] | None = None,
        domain_settings_for_update: dict[str, Any] | None = None,
        default_space_settings: dict[str, Any] | None = None,
        subnet_ids: list[str] | None = None,
        app_network_access_type: str | None = None,
        app_security_group_management: str | None = None,
        tag_propagation: str | None = None,
        home_efs_file_system_creation: str | None = None,
        vpc_id: str | None = None,
    ) -> StudioDomain:
        domain = self._get_domain(domain_id)
        v = Validator()
        v.structure(default_user_settings, "DefaultUserSettings")
        v.structure(domain_settings_for_update, "DomainSettingsForUpdate")
        check_settings(
            v, domain_settings_for_update, "DomainSettingsForUpdate", "DomainSettingsForUpdate"
        )
        v.structure(default_space_settings, "DefaultSpaceSettings")
        lifecycle_settings(v, default_user_settings, "DefaultUserSettings")
        lifecycle_settings(v, default_space_settings, "DefaultSpaceSettings")
        v.subnets_and_vpc(subnet_ids, vpc_id, required=False)
        v.domain_enums(app_network_access_type, app_security_group_management, tag_propagation)
        v.enum(
            home_efs_file_system_creation,
            "HomeEfsFileSystemCreation",
            ["Enabled", "Disabled"],
        )
        v.check()
        self._check_updatable("Domain", domain_id, domain.status)
        self._check_domain_update_allowed(
            domain,
            domain_settings_for_update,
            subnet_ids,
            app_network_access_type,
            home_efs_file_system_creation,
            vpc_id,
        )
        domain.default_user_settings = _merge(
            domain.default_user_settings, default_user_settings
        )
        if domain_settings_for_update:
            settings = copy.deepcopy(domain.domain_settings) or {}
            for key, value in domain_settings_for_update.items():
                if key == "RStudioServerProDomainSettingsForUpdate":
                    settings["RStudioServerProDomainSettings"] = _merge(
                        settings.get("RStudioServerProDomainSettings"), value
                    )
                else:
                    settings[key] = copy.deepcopy(value)
            domain.domain_settings = settings
        domain.default_space_settings = _merge(
            domain.default_space_settings, default_space_settings
        )
        if subnet_ids is not None:
            domain.subnet_ids = list(subnet_ids)
        if vpc_id is not None:
            domain.vpc_id = vpc_id
        if app_network_access_type is not None:
            domain.app_network_access_type = app_network_access_type
        if app_security_group_management is not None:
            domain.app_security_group_management = app_security_group_management
        if tag_propagation is not None:
            domain.tag_propagation = tag_propagation
        if home_efs_file_system_creation is not None:
            domain.home_efs_file_system_creation = home_efs_file_system_creation
        domain.failure_reason = None
        self._begin(domain, "Updating", "InService")
        return domain

    def _check_domain_update_allowed(
        self,
        domain: StudioDomain,
        domain_settings_for_update: dict[str, Any] | None,
        subnet_ids: list[str] | None,
        app_network_access_type: str | None,
        home_efs_file_system_creation: str | None,
        vpc_id: str | None,
    ) -> None:
        """What UpdateDomain refuses, per the member docs of ``UpdateDomainRequest``."""
        running = [
            a for a in self._live_apps(domain.domain_id)
            if a.status in ("InService", "Pending", "Deleting")
        ]
        running_note = (
            f"the domain has {len(running)} app(s) in the InService, Pending or "
            "Deleting state. Delete them first."
        )
        updates = domain_settings_for_update or {}
        rstudio_role_given = bool(
            (updates.get("RStudioServerProDomainSettingsForUpdate") or {}).get(
                "DomainExecutionRoleArn"
            )
        )
        rstudio_role_set = bool(
            ((domain.domain_settings or {}).get("RStudioServerProDomainSettings") or {}).get(
                "DomainExecutionRoleArn"
            )
        )
        if (
            app_network_access_type is not None
            and app_network_access_type != domain.app_network_access_type
        ):
            if rstudio_role_set or rstudio_role_given:
                raise ValidationError(
                    "AppNetworkAccessType cannot be updated when "
                    "DomainSettings.RStudioServerProDomainSettings.DomainExecutionRoleArn "
                    "is set or provided in the same request"
                )
            if running:
                raise ResourceInUseException(
                    f"AppNetworkAccessType of Domain {domain.domain_id} cannot be updated: "
                    + running_note
                )
        if subnet_ids is not None:
            removed = sorted(set(domain.subnet_ids) - set(subnet_ids))
            if removed and running:
                raise ResourceInUseException(
                    f"Subnet(s) {', '.join(removed)} cannot be removed from Domain "
                    f"{domain.domain_id}: " + running_note
                )
        identity = updates.get("ExecutionRoleIdentityConfig")
        current_identity = (domain.domain_settings or {}).get("ExecutionRoleIdentityConfig")
        if identity is not None and identity != current_identity:
            if any(a.status in ("InService", "Pending") for a in running):
                raise ResourceInUseException(
                    f"ExecutionRoleIdentityConfig of Domain {domain.domain_id} cannot be "
                    "updated while the domain has apps in the InService or Pending state"
                )
        if vpc_id is not None and domain.vpc_id and vpc_id != domain.vpc_id:
            raise ValidationError(
                f"VpcId of Domain {domain.domain_id} cannot be changed from "
                f"{domain.vpc_id}: VpcId can only be added to a domain created "
                "without VPC settings"
            )
        if (
            home_efs_file_system_creation == "Disabled"
            and (domain.home_efs_file_system_creation or "Enabled") == "Enabled"
        ):
            raise ValidationError(
                "HomeEfsFileSystemCreation cannot be changed from Enabled to Disabled"
            )

    @_synchronized
    def delete_domain(
        self, domain_id: str, retention_policy: dict[str, str] | None = None
    ) -> None:
        domain = self._get_domain(domain_id)
        v = Validator()
        v.structure(retention_policy, "RetentionPolicy")
        if retention_policy:
            v.enum(
                retention_policy.get("HomeEfsFileSystem"),
                "RetentionPolicy.HomeEfsFileSystem",
                HOME_EFS_RETENTION,
            )
        v.check()
        self._check_not_busy("Domain", domain_id, domain.status, "deleted")
        profiles = [p for (d, _), p in self.user_profiles.items() if d == domain_id]
        spaces = [s for (d, _), s in self.spaces.items() if d == domain_id]
        apps = self._live_apps(domain_id)
        if profiles or spaces or apps:
            raise ResourceInUseException(
                f"Cannot delete Domain {domain_id}: it still has "
                f"{len(profiles)} user profile(s), {len(spaces)} space(s) and "
                f"{len(apps)} app(s) that are not Deleted. Delete them first."
            )
        policy = {"HomeEfsFileSystem": (retention_policy or {}).get("HomeEfsFileSystem") or "Retain"}
        domain.retention_policy = policy
        self.home_efs_file_systems[domain.home_efs_file_system_id][
            "RetentionPolicy"
        ] = policy["HomeEfsFileSystem"]
        self._begin(domain, "Deleting", GONE)

    @_synchronized
    @paginate(pagination_model=PAGINATION_MODEL)
    def list_domains(self) -> list[StudioDomain]:
        return sorted(self.domains.values(), key=lambda d: d.creation_time)

    # ---- user profiles ----------------------------------------------------

    @_synchronized
    def create_user_profile(
        self,
        domain_id: str,
        user_profile_name: str,
        single_sign_on_user_identifier: str | None = None,
        single_sign_on_user_value: str | None = None,
        tags: list[dict[str, str]] | None = None,
        user_settings: dict[str, Any] | None = None,
    ) -> StudioUserProfile:
        v = Validator()
        if v.required(domain_id, "DomainId"):
            v.pattern(domain_id, "DomainId", DOMAIN_ID_PATTERN)
        if v.required(user_profile_name, "UserProfileName"):
            v.pattern(user_profile_name, "UserProfileName", NAME_PATTERN)
        v.enum(
            single_sign_on_user_identifier, "SingleSignOnUserIdentifier", ["UserName"]
        )
        v.structure(user_settings, "UserSettings")
        lifecycle_settings(v, user_settings, "UserSettings")
        v.tags(tags)
        v.check()
        with _missing_parent_is_invalid():
            domain = self._get_domain(domain_id)
        sso_given = single_sign_on_user_identifier or single_sign_on_user_value
        if domain.auth_mode == "IAM" and sso_given:
            raise ValidationError(
                "SingleSignOnUserIdentifier and SingleSignOnUserValue can only be "
                "specified for domains with AuthMode SSO"
            )
        if domain.auth_mode == "SSO" and not (
            single_sign_on_user_identifier and single_sign_on_user_value
        ):
            raise ValidationError(
                "SingleSignOnUserIdentifier and SingleSignOnUserValue are required "
                "for domains with AuthMode SSO"
            )
        if domain.auth_mode == "SSO":
            # The user must exist and be assigned to the domain's application (identity_center.py).
            from ..identity_center import profile_user_refusal

            refusal = profile_user_refusal(
                self.account_id, self.region_name, domain.sso_application_arn,
                str(single_sign_on_user_value),
            )
            if refusal is not None:
                raise ValidationError(refusal)
        return self._add_to_domain(
            self.user_profiles,
            "UserProfile",
            (QUOTA_USER_PROFILES, "user profiles per domain"),
            domain_id,
            user_profile_name,
            lambda sequence: StudioUserProfile(
                domain=domain,
                user_profile_name=user_profile_name,
                sso_user_identifier=single_sign_on_user_identifier,
                sso_user_value=single_sign_on_user_value,
                user_settings=user_settings,
                sequence=sequence,
            ),
            tags,
        )

    @_synchronized
    def describe_user_profile(
        self, domain_id: str, user_profile_name: str
    ) -> StudioUserProfile:
        validate_required(user_profile_name, "UserProfileName")
        return self._get_user_profile(domain_id, user_profile_name)

    @_synchronized
    def update_user_profile(
        self,
        domain_id: str,
        user_profile_name: str,
        user_settings: dict[str, Any] | None = None,
    ) -> StudioUserProfile:
        v = Validator()
        v.required(user_profile_name, "UserProfileName")
        v.structure(user_settings, "UserSettings")
        lifecycle_settings(v, user_settings, "UserSettings")
        v.check()
        profile = self._get_user_profile(domain_id, user_profile_name)
        self._check_updatable("UserProfile", user_profile_name, profile.status)
        profile.user_settings = _merge(profile.user_settings, user_settings)
        self._begin(profile, "Updating", "InService")
        return profile

    @_synchronized
    def delete_user_profile(self, domain_id: str, user_profile_name: str) -> None:
        validate_required(user_profile_name, "UserProfileName")
        profile = self._get_user_profile(domain_id, user_profile_name)
        self._check_not_busy("UserProfile", user_profile_name, profile.status, "deleted")
        self._check_no_live_apps("UserProfile", "user", domain_id, user_profile_name)
        # "All apps launched by a user profile and all spaces owned by the user
        # profile must be deleted" (Developer Guide, Remove user profiles): shared
        # spaces it owns block the delete as private ones do.
        owned = [
            s.space_name
            for (d, _), s in self.spaces.items()
            if d == domain_id and s.owner == user_profile_name
        ]
        if owned:
            raise ResourceInUseException(
                f"Cannot delete UserProfile {user_profile_name}: it owns "
                f"space(s) {', '.join(sorted(owned))}. Delete them first."
            )
        self._begin(profile, "Deleting", GONE)

    @_synchronized
    @paginate(pagination_model=PAGINATION_MODEL)
    def list_user_profiles(
        self,
        domain_id_equals: str | None = None,
        user_profile_name_contains: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> list[StudioUserProfile]:
        return _listed(
            self.user_profiles.values(),
            domain_id_equals,
            sort_by,
            sort_order,
            lambda p: user_profile_name_contains is None
            or user_profile_name_contains in p.user_profile_name,
        )

    # ---- spaces -----------------------------------------------------------

    @_synchronized
    def create_space(
        self,
        domain_id: str,
        space_name: str,
        tags: list[dict[str, str]] | None = None,
        space_settings: dict[str, Any] | None = None,
        ownership_settings: dict[str, Any] | None = None,
        space_sharing_settings: dict[str, Any] | None = None,
        space_display_name: str | None = None,
    ) -> StudioSpace:
        v = Validator()
        if v.required(domain_id, "DomainId"):
            v.pattern(domain_id, "DomainId", DOMAIN_ID_PATTERN)
        if v.required(space_name, "SpaceName"):
            v.pattern(space_name, "SpaceName", NAME_PATTERN)
        v.structure(space_settings, "SpaceSettings")
        lifecycle_settings(v, space_settings, "SpaceSettings")
        # The whole SpaceSettings shape as the request validator checks it (botocore model,
        # shape SpaceSettings): SpaceEbsVolumeSizeInGb 5-16384, CustomFileSystems at most 5,
        # each exactly one of EFS/FSx/S3, CodeRepositories at most 10, the enums and patterns.
        check_settings(v, space_settings, "SpaceSettings", "SpaceSettings")
        v.structure(ownership_settings, "OwnershipSettings")
        v.structure(space_sharing_settings, "SpaceSharingSettings")
        if isinstance(space_sharing_settings, dict):
            sharing = space_sharing_settings.get("SharingType")
            if v.required(sharing, "SpaceSharingSettings.SharingType"):
                v.enum(sharing, "SpaceSharingSettings.SharingType", SHARING_TYPES)
        if isinstance(ownership_settings, dict):
            owner = ownership_settings.get("OwnerUserProfileName")
            if v.required(owner, "OwnershipSettings.OwnerUserProfileName"):
                v.pattern(owner, "OwnershipSettings.OwnerUserProfileName", NAME_PATTERN)
        if space_display_name is not None:
            v.length(space_display_name, "SpaceDisplayName", 1, 64)
        v.tags(tags)
        v.check()
        if (ownership_settings is None) != (space_sharing_settings is None):
            raise ValidationError(
                "OwnershipSettings and SpaceSharingSettings must be specified together"
            )
        with _missing_parent_is_invalid():
            domain = self._get_domain(domain_id)
            if ownership_settings:
                self._get_user_profile(domain_id, ownership_settings["OwnerUserProfileName"])
        return self._add_to_domain(
            self.spaces,
            "Space",
            (QUOTA_SPACES, "spaces per domain"),
            domain_id,
            space_name,
            lambda sequence: StudioSpace(
                domain=domain,
                space_name=space_name,
                space_settings=space_settings,
                ownership_settings=ownership_settings,
                space_sharing_settings=space_sharing_settings,
                space_display_name=space_display_name,
                sequence=sequence,
            ),
            tags,
        )

    @_synchronized
    def describe_space(self, domain_id: str, space_name: str) -> StudioSpace:
        validate_required(space_name, "SpaceName")
        return self._get_space(domain_id, space_name)

    @_synchronized
    def update_space(
        self,
        domain_id: str,
        space_name: str,
        space_settings: dict[str, Any] | None = None,
        space_display_name: str | None = None,
    ) -> StudioSpace:
        v = Validator()
        v.required(space_name, "SpaceName")
        v.structure(space_settings, "SpaceSettings")
        lifecycle_settings(v, space_settings, "SpaceSettings")
        # As CreateSpace: the whole SpaceSettings shape (UpdateSpaceRequest takes the same one).
        check_settings(v, space_settings, "SpaceSettings", "SpaceSettings")
        if space_display_name is not None:
            v.length(space_display_name, "SpaceDisplayName", 1, 64)
        v.check()
        space = self._get_space(domain_id, space_name)
        self._check_updatable("Space", space_name, space.status)
        current_type = (space.space_settings or {}).get("AppType")
        new_type = (space_settings or {}).get("AppType")
        if current_type and new_type and new_type != current_type:
            # "You can't edit the app type of a space in the SpaceSettings." (UpdateSpace)
            raise ValidationError(
                f"The AppType of Space {space_name} cannot be changed from "
                f"{current_type} to {new_type}"
            )
        space.space_settings = _merge(space.space_settings, space_settings)
        if space_display_name is not None:
            space.space_display_name = space_display_name
        self._begin(space, "Updating", "InService")
        return space

    @_synchronized
    def delete_space(self, domain_id: str, space_name: str) -> None:
        validate_required(space_name, "SpaceName")
        space = self._get_space(domain_id, space_name)
        self._check_not_busy("Space", space_name, space.status, "deleted")
        self._check_no_live_apps("Space", "space", domain_id, space_name)
        self._begin(space, "Deleting", GONE)

    @_synchronized
    @paginate(pagination_model=PAGINATION_MODEL)
    def list_spaces(
        self,
        domain_id_equals: str | None = None,
        space_name_contains: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> list[StudioSpace]:
        return _listed(
            self.spaces.values(),
            domain_id_equals,
            sort_by,
            sort_order,
            lambda s: space_name_contains is None or space_name_contains in s.space_name,
        )

    # ---- apps -------------------------------------------------------------

    def _get_app(self, app: AppIdentity) -> StudioApp:
        if app.space_name:
            self._get_space(app.domain_id, app.space_name)
        else:
            self._get_user_profile(app.domain_id, app.user_profile_name or "")
        found = self.apps.get(app.key)
        if found is None:
            raise ResourceNotFound(
                f"Cannot find App {app.app_type}/{app.app_name} for {app.owner_label} "
                f"in Domain {app.domain_id}"
            )
        return found

    @_synchronized
    def create_app(
        self,
        app: AppIdentity,
        tags: list[dict[str, str]] | None = None,
        resource_spec: dict[str, Any] | None = None,
        recovery_mode: bool | None = None,
    ) -> StudioApp:
        v = Validator()
        v.structure(resource_spec, "ResourceSpec")
        v.tags(tags)
        app.validate(v)
        if app.app_type == "JupyterServer" and app.app_name != "default":
            raise ValidationError("The AppName of a JupyterServer app must be 'default'")
        with _missing_parent_is_invalid():
            domain = self._get_domain(app.domain_id)
            if app.space_name:
                owner: Any = self._get_space(app.domain_id, app.space_name)
            else:
                owner = self._get_user_profile(app.domain_id, app.user_profile_name or "")
        if owner.status in ("Deleting", "Delete_Failed"):
            raise ResourceInUseException(
                f"Cannot create App for {app.owner_label}: it is in status {owner.status}"
            )
        existing = self.apps.get(app.key)
        if existing is not None and existing.status != "Deleted":
            raise ResourceInUseException(
                f"App {existing.arn} already exists with status {existing.status}"
            )
        kind = "space" if app.space_name else "user"
        _check_quota(
            QUOTA_APPS,
            len(self._live_apps(app.domain_id, kind, app.space_name or app.user_profile_name)),
            f"apps per {app.owner_label.split()[0]}",
        )
        if existing is not None:
            self.tagger.delete_all_tags_for_resource(existing.arn)
            self.once_tagged.discard(existing.arn)
        tags = self._propagated_tags(domain, owner, tags)
        created = StudioApp(
            domain=domain,
            user_profile_name=None if app.space_name else app.user_profile_name,
            space_name=app.space_name,
            app_type=app.app_type,
            app_name=app.app_name,
            resource_spec=resource_spec,
            recovery_mode=recovery_mode,
            sequence=self._next_sequence(),
        )
        return self._add(self.apps, app.key, created, tags)

    def _propagated_tags(
        self, domain: StudioDomain, owner: Any, tags: list[dict[str, str]] | None
    ) -> list[dict[str, str]] | None:
        """The tags a new app gets. Developer Guide, "Custom tag propagation": with the
        domain's ``TagPropagation`` ``ENABLED``, "resources created at the user profile and
        space level take on the tags specified at the domain level, as well as those specified
        during user profile or space creation"; "System tags added by AWS services ... are not
        propagated" (no ``aws:`` key can be set here anyway); "SageMaker AI resources have a 50
        tag limit. If the number of tags added to a resource exceeds 50, SageMaker AI returns
        an error during resource creation". With ``DISABLED`` (the default) the app has only
        the tags of its CreateApp. The domain's and the owner's tags are read as they are when
        the app is created (AddTags: tags added to a domain or profile reach "Apps that the
        Domain or User Profile launches after you call this API, but not ... Apps ...
        launched before"). Unconfirmed, our choice: on a key set at several levels the most
        specific wins (CreateApp's own, then the profile's or space's, then the domain's); the
        limit's error is a ``ValidationException``; a space's app takes the space's tags, not
        its owner's profile's."""
        if domain.tag_propagation != "ENABLED":
            return tags
        merged: dict[str, str] = {}
        for source in (domain.arn, owner.arn):
            merged.update(self.tagger.get_tag_dict_for_resource(source))
        merged.update({t["Key"]: t["Value"] for t in tags or []})
        if len(merged) > MAX_TAGS:
            raise ValidationError(
                f"The app would have {len(merged)} tags with the tags propagated from its domain "
                f"and {type(owner).__name__.replace('Studio', '')}; at most {MAX_TAGS} are allowed"
            )
        return [{"Key": k, "Value": v} for k, v in merged.items()]

    @_synchronized
    def describe_app(self, app: AppIdentity) -> StudioApp:
        app.validate(Validator())
        return self._get_app(app)

    @_synchronized
    def delete_app(self, app: AppIdentity) -> None:
        app.validate(Validator())
        found = self._get_app(app)
        if found.status == "Deleted":
            raise ResourceNotFound(f"App {found.arn} has already been deleted")
        self._check_not_busy("App", found.arn, found.status, "deleted")
        found.leave_in_service()
        found.lifecycle.begin("Deleting", "Deleted")

    @_synchronized
    @paginate(pagination_model=PAGINATION_MODEL)
    def list_apps(
        self,
        domain_id_equals: str | None = None,
        user_profile_name_equals: str | None = None,
        space_name_equals: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> list[StudioApp]:
        return _listed(
            self.apps.values(),
            domain_id_equals,
            sort_by,
            sort_order,
            lambda a: (
                user_profile_name_equals is None
                or a.user_profile_name == user_profile_name_equals
            )
            and (space_name_equals is None or a.space_name == space_name_equals),
        )

    # ---- presigned URL ----------------------------------------------------

    @_synchronized
    def create_presigned_domain_url(
        self,
        domain_id: str,
        user_profile_name: str,
        session_expiration_duration_in_seconds: int | None = None,
        expires_in_seconds: int | None = None,
        space_name: str | None = None,
        landing_uri: str | None = None,
    ) -> str:
        v = Validator()
        if v.required(domain_id, "DomainId"):
            v.pattern(domain_id, "DomainId", DOMAIN_ID_PATTERN)
        if v.required(user_profile_name, "UserProfileName"):
            v.pattern(user_profile_name, "UserProfileName", NAME_PATTERN)
        v.int_range(
            session_expiration_duration_in_seconds,
            "SessionExpirationDurationInSeconds",
            1800,
            43200,
        )
        v.int_range(expires_in_seconds, "ExpiresInSeconds", 5, 300)
        v.pattern(space_name, "SpaceName", NAME_PATTERN)
        if landing_uri is not None:
            v.length(landing_uri, "LandingUri", 0, 1023)
        v.check()
        validate_landing_uri(landing_uri)
        domain = self._get_domain(domain_id)
        profile = self._get_user_profile(domain_id, user_profile_name)
        if domain.auth_mode != "IAM":
            raise ValidationError(
                f"CreatePresignedDomainUrl can only be called for a domain whose "
                f"AuthMode is IAM; Domain {domain_id} uses {domain.auth_mode}"
            )
        if profile.status != "InService":
            raise ValidationError(
                f"UserProfile {user_profile_name} is in status {profile.status}; "
                "a presigned URL can only be created for a user profile that is InService"
            )
        if space_name:
            space = self._get_space(domain_id, space_name)
            if space.sharing_type == "Private" and space.owner != user_profile_name:
                raise ValidationError(
                    f"Space {space_name} is a private space of UserProfile {space.owner}; "
                    f"UserProfile {user_profile_name} cannot access it"
                )
        token = random.token_urlsafe(96)
        url = f"{domain.url}/auth?token={token}"
        self.presigned_urls.append(
            {
                "AuthorizedUrl": url,
                "DomainId": domain_id,
                "UserProfileName": user_profile_name,
                "SpaceName": space_name,
                "LandingUri": landing_uri,
                # The API's defaults when a member is not given.
                "SessionExpirationDurationInSeconds": session_expiration_duration_in_seconds
                if session_expiration_duration_in_seconds is not None
                else 43200,
                "ExpiresInSeconds": expires_in_seconds
                if expires_in_seconds is not None
                else 300,
            }
        )
        return url

    # ---- tags -------------------------------------------------------------

    def _resource_for_arn(self, arn: str) -> BaseModel:
        parsed = parse_studio_arn(arn)
        if parsed is None:
            raise ValidationError(f"Invalid ResourceArn {arn}")
        kind, parts = parsed
        resource: BaseModel | None = None
        if kind == "domain" and len(parts) == 1:
            resource = self.domains.get(parts[0])
        elif kind == "user-profile" and len(parts) == 2:
            resource = self.user_profiles.get((parts[0], parts[1]))
        elif kind == "space" and len(parts) == 2:
            resource = self.spaces.get((parts[0], parts[1]))
        elif kind == "app":
            resource = next((a for a in self.apps.values() if a.arn == arn), None)
        if resource is None or getattr(resource, "arn", None) != arn or (
            getattr(resource, "status", None) == "Deleted"
        ):
            # AddTags/ListTags/DeleteTags document no errors; AWS answers a resource
            # that is gone (a Deleted app included) with ValidationException
            # (aws/amazon-sagemaker-feedback#108).
            raise ValidationError(f"Resource {arn} does not exist")
        return resource

    @_synchronized
    def add_tags(self, arn: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
        v = Validator()
        v.resource_arn(arn)
        if v.required(tags, "Tags"):
            v.tags(tags)
        v.check()
        self._resource_for_arn(arn)
        current = self.tagger.get_tag_dict_for_resource(arn)
        new_keys = {t["Key"] for t in tags} - set(current)
        if len(current) + len(new_keys) > MAX_TAGS:
            raise ValidationError(
                f"Resource {arn} would have more than {MAX_TAGS} tags"
            )
        self._tags_change(arn, True)
        self.tagger.tag_resource(arn, tags)
        return self.tagger.list_tags_for_resource(arn)["Tags"]

    @_synchronized
    @paginate(pagination_model=PAGINATION_MODEL)
    def list_tags(self, arn: str) -> list[dict[str, str]]:
        validate_resource_arn(arn)
        self._resource_for_arn(arn)
        return self.tagger.list_tags_for_resource(arn)["Tags"]

    @_synchronized
    def delete_tags(self, arn: str, tag_keys: list[str]) -> None:
        v = Validator()
        v.resource_arn(arn)
        if v.required(tag_keys, "TagKeys"):
            v.length(tag_keys, "TagKeys", 1, 50)
        v.check()
        self._resource_for_arn(arn)
        self._tags_change(arn, False)
        self.tagger.untag_resource_using_names(arn, tag_keys)

    # ---- Resource Groups Tagging API (TaggableResourcesMixin) -------------

    @_synchronized
    def iter_tagged_resources(self) -> Iterator[TaggedResource]:
        """Every domain, user profile, space and app with the tags GetResources sees.

        Resource types as the ARN spells them (``sagemaker:user-profile`` ...: GetResources'
        ``ResourceTypeFilters`` "is the same as that embedded in a resource's ARN"); a resource
        that once had a tag stays listed with none ("tagged or previously tagged"); a
        ``Deleted`` app is gone. Collected under the lock: moto's paginator reads it lazily.
        """
        sources: list[tuple[str, Iterable[Any]]] = [
            ("sagemaker:domain", self.domains.values()),
            ("sagemaker:user-profile", self.user_profiles.values()),
            ("sagemaker:space", self.spaces.values()),
            ("sagemaker:app", (a for a in self.apps.values() if a.status != "Deleted")),
        ]
        found = []
        for resource_type, resources in sources:
            for resource in resources:
                tags = self.tag_visibility.visible(
                    resource.arn, self.tagger.get_tag_dict_for_resource(resource.arn)
                )
                if tags is None:
                    continue
                found.append(
                    TaggedResource(
                        arn=resource.arn,
                        tags=dict(tags),
                        resource_type=resource_type,
                        extra={"include_untagged": resource.arn in self.once_tagged},
                    )
                )
        return iter(found)

    def owns_arn(self, arn: str) -> bool:
        """Studio's ARNs only: moto's SageMaker backend keeps the rest. (Today moto's backend
        claims every SageMaker ARN first, so TagResources does not reach this one; folded into
        moto's SageMaker backend upstream, it would.)"""
        return parse_studio_arn(arn) is not None

    def tag_resource(self, arn: str, tags: dict[str, str]) -> None:
        self.add_tags(arn, [{"Key": k, "Value": v} for k, v in tags.items()])

    def untag_resource(self, arn: str, tag_keys: list[str]) -> None:
        self.delete_tags(arn, tag_keys)

    # ---- hooks for the control API ---------------------------------------

    @_synchronized
    def fail_domain(self, domain_id: str, reason: str) -> StudioDomain | None:
        domain = self.domains.get(domain_id)
        if domain is not None:
            domain.lifecycle.force("Failed")
            domain.failure_reason = reason
            domain.last_modified_time = utcnow()
        return domain

    @_synchronized
    def fail_app(self, app_arn: str, reason: str) -> StudioApp | None:
        app = next((a for a in self.apps.values() if a.arn == app_arn), None)
        if app is not None:
            app.leave_in_service()
            app.lifecycle.force("Failed")
            app.failure_reason = reason
        return app

    @_synchronized
    def set_app_last_activity(self, app_arn: str, when: datetime) -> StudioApp | None:
        """A real user activity at ``when``: reported until a later health check overtakes it."""
        app = next((a for a in self.apps.values() if a.arn == app_arn), None)
        if app is not None:
            app.user_activity = when
        return app

    @_synchronized
    def set_creation_time(self, arn: str, when: datetime) -> Any:
        """Backdate a domain, user profile, space or app (``POST creation-time``)."""
        try:
            resource: Any = self._resource_for_arn(arn)
        except ValidationError:
            resource = next((a for a in self.apps.values() if a.arn == arn), None)
        if isinstance(resource, StudioApp):
            resource.backdate(when)
        elif resource is not None:
            resource.creation_time = when
            resource.last_modified_time = max(resource.last_modified_time, when)
        return resource

    @_synchronized
    def home_efs_records(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.home_efs_file_systems.values()]


def parse_studio_arn(arn: Any) -> tuple[str, list[str]] | None:
    """``arn:aws:sagemaker:R:A:user-profile/d-x/name`` -> ('user-profile', [...])."""
    if not isinstance(arn, str):
        return None
    pieces = arn.split(":", 5)
    if len(pieces) != 6 or pieces[0] != "arn" or pieces[2] != "sagemaker":
        return None
    kind, _, rest = pieces[5].partition("/")
    if kind not in ("domain", "user-profile", "space", "app") or not rest:
        return None
    return kind, rest.split("/")


sagemaker_studio_backends = BackendDict(SageMakerStudioBackend, "sagemaker")


def iter_studio_backends() -> Iterator[SageMakerStudioBackend]:
    for account_backends in list(sagemaker_studio_backends.values()):
        for backend in list(account_backends.values()):
            yield backend

