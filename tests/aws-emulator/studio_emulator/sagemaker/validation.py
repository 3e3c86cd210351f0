"""Request validation with the wording of the AWS request validator.

Values from the SageMaker API reference and the botocore model
(``botocore/data/sagemaker/2017-07-24/service-2.json``):

* Tags (``Tag``/``TagKey``/``TagValue`` shapes: ``Value`` required, pattern
  ``([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)``, lengths 1-128 / 0-256) and the ``aws:``
  key prefix, reserved for AWS use (AWS General Reference, "Tagging AWS
  resources: tag naming limits and requirements").
* ``ResourceArn`` of AddTags/ListTags/DeleteTags must match the model's pattern
  (``ValidationException``).
* ``LandingUri`` of CreatePresignedDomainUrl is one of the documented forms
  (``studio::relative/path``, ``app:<JupyterServer|JupyterLab|RStudioServerPro|
  CodeEditor|Canvas>:relative/path``).
* List*: ``MaxResults`` defaults to 10 (the member docs of ListDomains/
  ListUserProfiles/ListSpaces/ListApps).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import regex

from moto.sagemaker.exceptions import ValidationError

NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
DOMAIN_ID_PATTERN = r"^d-(-*[a-z0-9]){1,61}$"
SUBNET_OR_VPC_PATTERN = r"^[-0-9a-zA-Z]+$"
AUTH_MODES = ["SSO", "IAM"]
APP_NETWORK_ACCESS_TYPES = ["PublicInternetOnly", "VpcOnly"]
APP_SECURITY_GROUP_MANAGEMENT = ["Service", "Customer"]
TAG_PROPAGATION = ["ENABLED", "DISABLED"]
HOME_EFS_RETENTION = ["Retain", "Delete"]
APP_TYPES = [
    "JupyterServer",
    "KernelGateway",
    "DetailedProfiler",
    "TensorBoard",
    "CodeEditor",
    "JupyterLab",
    "RStudioServerPro",
    "RSessionGateway",
    "Canvas",
]
SHARING_TYPES = ["Private", "Shared"]
SORT_ORDERS = ["Ascending", "Descending"]
PROFILE_SPACE_SORT_BY = ["CreationTime", "LastModifiedTime"]
APP_SORT_BY = ["CreationTime"]
MAX_TAGS = 50
#: ``TagKey``/``TagValue`` pattern ``([\p{L}\p{Z}\p{N}_.:/=+\-@]*)`` (Python's ``re``
#: has no ``\p{...}``: letters, separators and numbers are told by Unicode category).
TAG_PATTERN = r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)"
TAG_PUNCTUATION = set("_.:/=+-@")
#: ``ResourceArn`` shape (AddTags, ListTags, DeleteTags).
RESOURCE_ARN_PATTERN = r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:.+"
#: The apps a ``LandingUri`` may name (``app:<App>:<relative path>``), per the API reference.
LANDING_APPS = ["JupyterServer", "JupyterLab", "RStudioServerPro", "CodeEditor", "Canvas"]
#: "The default value for MaxResults is 10" (ListDomains, ListUserProfiles, ListSpaces, ListApps).
LIST_DEFAULT_MAX_RESULTS = 10




def _member(name: str) -> str:
    """'DomainName' -> 'domainName', 'SpaceSharingSettings.SharingType' too."""
    return ".".join(p[:1].lower() + p[1:] for p in name.split("."))


class Validator:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def required(self, value: Any, name: str) -> bool:
        if value is None:
            self.errors.append(
                f"Value null at '{_member(name)}' failed to satisfy constraint: "
                "Member must not be null"
            )
            return False
        return True

    def pattern(self, value: Any, name: str, pattern: str) -> None:
        if value is None:
            return
        if not isinstance(value, str) or not re.match(pattern, value):
            self.errors.append(
                f"Value '{value}' at '{_member(name)}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {pattern}"
            )

    def enum(self, value: Any, name: str, allowed: list[str]) -> None:
        if value is not None and value not in allowed:
            self.errors.append(
                f"Value '{value}' at '{_member(name)}' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(allowed)}]"
            )

    def int_range(self, value: Any, name: str, low: int, high: int) -> None:
        if value is None:
            return
        if not isinstance(value, int) or value < low:
            self.errors.append(
                f"Value '{value}' at '{_member(name)}' failed to satisfy constraint: "
                f"Member must have value greater than or equal to {low}"
            )
        elif value > high:
            self.errors.append(
                f"Value '{value}' at '{_member(name)}' failed to satisfy constraint: "
                f"Member must have value less than or equal to {high}"
            )

    def length(self, value: Any, name: str, low: int, high: int) -> None:
        if value is None:
            return
        if len(value) < low:
            self.errors.append(
                f"Value '{value}' at '{_member(name)}' failed to satisfy constraint: "
                f"Member must have length greater than or equal to {low}"
            )
        elif len(value) > high:
            self.errors.append(
                f"Value '{value}' at '{_member(name)}' failed to satisfy constraint: "
                f"Member must have length less than or equal to {high}"
            )

    def structure(self, value: Any, name: str) -> None:
        if value is not None and not isinstance(value, dict):
            self.errors.append(
                f"Value '{value}' at '{_member(name)}' failed to satisfy constraint: "
                "Member must be a structure"
            )

    def tag_text(self, value: Any, name: str) -> None:
        """``TagKey``/``TagValue``: Unicode letters, separators, numbers and ``_.:/=+-@``."""
        if isinstance(value, str) and all(
            unicodedata.category(ch)[0] in "LZN" or ch in TAG_PUNCTUATION for ch in value
        ):
            return
        self.errors.append(
            f"Value '{value}' at '{_member(name)}' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {TAG_PATTERN}"
        )

    def tags(self, tags: Any, name: str = "Tags") -> None:
        """A ``TagList``: at most 50 ``Tag``s, each with a ``Key`` and a ``Value``."""
        if tags is None:
            return
        self.length(tags, name, 0, MAX_TAGS)
        for i, tag in enumerate(tags):
            member = f"{name}.{i + 1}.member"
            if not isinstance(tag, dict):
                self.structure(tag, member)
                continue
            key = tag.get("Key")
            if self.required(key, f"{member}.Key"):
                self.length(key, f"{member}.Key", 1, 128)
                self.tag_text(key, f"{member}.Key")
                if isinstance(key, str) and key.lower().startswith("aws:"):
                    # Reserved for AWS use (AWS General Reference, tag naming limits).
                    self.errors.append(
                        f"Value '{key}' at '{_member(member)}.key' failed to satisfy "
                        "constraint: Member must not begin with the reserved prefix 'aws:'"
                    )
            value = tag.get("Value")
            if self.required(value, f"{member}.Value"):
                self.length(value, f"{member}.Value", 0, 256)
                self.tag_text(value, f"{member}.Value")

    def subnets_and_vpc(self, subnet_ids: Any, vpc_id: Any, required: bool) -> None:
        """CreateDomain (both required) and UpdateDomain: 1-16 ``SubnetIds`` and a
        ``VpcId``, each of ``[-0-9a-zA-Z]+``."""
        if subnet_ids is not None or (required and self.required(subnet_ids, "SubnetIds")):
            self.length(subnet_ids, "SubnetIds", 1, 16)
            for subnet in subnet_ids:
                self.pattern(subnet, "SubnetIds.member", SUBNET_OR_VPC_PATTERN)
        if not required or self.required(vpc_id, "VpcId"):
            self.pattern(vpc_id, "VpcId", SUBNET_OR_VPC_PATTERN)

    def domain_enums(
        self, app_network_access_type: Any, app_security_group_management: Any, tag_propagation: Any
    ) -> None:
        """CreateDomain and UpdateDomain: the ``AppNetworkAccessType``,
        ``AppSecurityGroupManagement`` and ``TagPropagation`` enums."""
        self.enum(app_network_access_type, "AppNetworkAccessType", APP_NETWORK_ACCESS_TYPES)
        self.enum(
            app_security_group_management,
            "AppSecurityGroupManagement",
            APP_SECURITY_GROUP_MANAGEMENT,
        )
        self.enum(tag_propagation, "TagPropagation", TAG_PROPAGATION)

    def resource_arn(self, arn: Any) -> None:
        """``ResourceArn``: at most 256 characters matching ``RESOURCE_ARN_PATTERN``."""
        if not self.required(arn, "ResourceArn"):
            return
        if not isinstance(arn, str) or not re.fullmatch(RESOURCE_ARN_PATTERN, arn):
            self.errors.append(
                f"Value '{arn}' at 'resourceArn' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {RESOURCE_ARN_PATTERN}"
            )
        else:
            self.length(arn, "ResourceArn", 0, 256)

    def check(self) -> None:
        if self.errors:
            count = len(self.errors)
            plural = "s" if count > 1 else ""
            raise ValidationError(
                f"{count} validation error{plural} detected: " + "; ".join(self.errors)
            )


def validate_domain_id(domain_id: Any) -> None:
    v = Validator()
    if v.required(domain_id, "DomainId"):
        v.pattern(domain_id, "DomainId", DOMAIN_ID_PATTERN)
    v.check()


def validate_resource_arn(arn: Any) -> None:
    v = Validator()
    v.resource_arn(arn)
    v.check()


def validate_required(value: Any, name: str) -> None:
    v = Validator()
    v.required(value, name)
    v.check()


def validate_landing_uri(landing_uri: Any) -> None:
    """``LandingUri``: ``studio::<relative path>`` or ``app:<App>:<relative path>``."""
    if landing_uri is None:
        return
    if isinstance(landing_uri, str):
        if landing_uri.startswith("studio::"):
            return
        app, sep, _ = landing_uri[len("app:"):].partition(":")
        if landing_uri.startswith("app:") and sep and app in LANDING_APPS:
            return
    raise ValidationError(
        f"Invalid LandingUri '{landing_uri}': use studio::relative/path or "
        f"app:<App>:relative/path with App one of {', '.join(LANDING_APPS)}"
    )



# --------------------------------------------------------------------------
# Idle shutdown settings (AppLifecycleManagement), checked against botocore's model
# --------------------------------------------------------------------------

#: The settings members whose app settings carry an ``AppLifecycleManagement``, per request
#: member: ``UserSettings`` (CreateDomain/UpdateDomain ``DefaultUserSettings``,
#: CreateUserProfile/UpdateUserProfile ``UserSettings``: ``JupyterLabAppSettings`` and
#: ``CodeEditorAppSettings`` -> ``AppLifecycleManagement`` -> ``IdleSettings`` with
#: ``LifecycleManagement``, ``IdleTimeoutInMinutes``, ``Min``/``MaxIdleTimeoutInMinutes``),
#: ``DefaultSpaceSettings`` (``JupyterLabAppSettings`` only) and ``SpaceSettings``
#: (``SpaceJupyterLabAppSettings``/``SpaceCodeEditorAppSettings`` ->
#: ``SpaceAppLifecycleManagement`` -> ``SpaceIdleSettings``: ``IdleTimeoutInMinutes`` only).
LIFECYCLE_SETTINGS = {
    "UserSettings": "UserSettings",
    "DefaultUserSettings": "UserSettings",
    "DefaultSpaceSettings": "DefaultSpaceSettings",
    "SpaceSettings": "SpaceSettings",
}
LIFECYCLE_APPS = ("JupyterLabAppSettings", "CodeEditorAppSettings")


def _sagemaker_shape(name: str) -> Any:
    from moto.core.utils import get_service_model

    return get_service_model("sagemaker").shape_for(name)


#: The settings whose WHOLE shape is checked (``_check_shape``): the request members of the
#: domain and its profiles (hD, issue #17). ``SpaceSettings`` keeps only its lifecycle check.
FULL_SHAPE_SETTINGS = {"UserSettings", "DefaultUserSettings", "DefaultSpaceSettings"}
_PATTERNS: dict[str, Any] = {}


def _pattern(pattern: str) -> Any:
    """The model's pattern compiled with ``regex`` (it knows ``\\p{..}``), cached."""
    if pattern not in _PATTERNS:
        _PATTERNS[pattern] = regex.compile(pattern)
    return _PATTERNS[pattern]


def _check_shape(v: Validator, value: Any, shape: Any, name: str) -> None:
    """``value`` against botocore ``shape``, as the request validator checks it:

    * structures recursively, their ``required`` members (``Member must not be null``) and, for
      a union (``CustomFileSystemConfig``), exactly one member set;
    * lists: their ``min``/``max`` sizes (``SecurityGroups`` at most 5, ``CustomFileSystemConfigs``
      at most 10, ``CodeRepositories`` 10, ``CustomImages`` 200, ``EmrSettings`` role lists 5,
      ``HiddenSageMakerImageVersionAliases`` 5, ``VersionAliases`` 20,
      ``DockerSettings.VpcOnlyTrustedAccounts`` 20) and each member;
    * strings: ``enum``, ``min``/``max`` length, ``pattern`` matched whole (the API reference
      shows the patterns anchored, e.g. ``^arn:aws[a-z\\-]*:iam::\\d{12}:role/?...$`` for
      ``DefaultSpaceSettings.ExecutionRole``);
    * integers and longs: their range (``IdleTimeoutInMinutes`` 60-525600, ``Uid`` 10000-4000000,
      ``Gid`` 1001-4000000, ``SpaceEbsVolumeSizeInGb`` 5-16384).

    Members the shape does not have are left alone (what AWS does with them is not confirmed)."""
    if value is None:
        return
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            v.structure(value, name)
            return
        for member in shape.required_members:
            v.required(value.get(member), f"{name}.{member}")
        if shape.metadata.get("union"):
            given = [m for m in shape.members if value.get(m) is not None]
            if len(given) != 1:
                v.errors.append(
                    f"Value at '{_member(name)}' failed to satisfy constraint: "
                    f"Member must have exactly one of {', '.join(shape.members)} set, "
                    f"got {len(given)}"
                )
        for member, member_shape in shape.members.items():
            _check_shape(v, value.get(member), member_shape, f"{name}.{member}")
    elif kind == "list":
        if not isinstance(value, list):
            v.errors.append(
                f"Value '{value}' at '{_member(name)}' failed to satisfy constraint: "
                "Member must be a list"
            )
            return
        v.length(value, name, shape.metadata.get("min", 0), shape.metadata.get("max", 2**31))
        for index, item in enumerate(value):
            _check_shape(v, item, shape.member, f"{name}.{index + 1}.member")
    elif kind in ("integer", "long"):
        low = shape.metadata.get("min", -(2**63))
        high = shape.metadata.get("max", 2**63 - 1)
        if isinstance(value, bool) or not isinstance(value, int):
            v.errors.append(
                f"Value '{value}' at '{_member(name)}' failed to satisfy constraint: "
                "Member must be an integer"
            )
        else:
            v.int_range(value, name, low, high)
    elif kind == "string":
        if not isinstance(value, str):
            v.errors.append(
                f"Value '{value}' at '{_member(name)}' failed to satisfy constraint: "
                "Member must be a string"
            )
            return
        if shape.enum:
            v.enum(value, name, list(shape.enum))
            return
        v.length(value, name, shape.metadata.get("min", 0), shape.metadata.get("max", 2**31))
        pattern = shape.metadata.get("pattern")
        if pattern and not _pattern(pattern).fullmatch(value):
            v.errors.append(
                f"Value '{value}' at '{_member(name)}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {pattern}"
            )


def check_settings(v: Validator, settings: Any, shape_name: str, member: str) -> None:
    """The request member ``member`` (e.g. ``DomainSettings``) against the botocore shape
    ``shape_name``, whole (see ``_check_shape``)."""
    _check_shape(v, settings, _sagemaker_shape(shape_name), member)


def lifecycle_settings(v: Validator, settings: Any, member: str) -> None:
    """The ``AppLifecycleManagement`` of each app's settings in ``settings`` (the request
    member ``member``, a key of :data:`LIFECYCLE_SETTINGS`), per the botocore model."""
    if not isinstance(settings, dict):
        return
    if member in FULL_SHAPE_SETTINGS:
        check_settings(v, settings, LIFECYCLE_SETTINGS[member], member)
        return
    shape = _sagemaker_shape(LIFECYCLE_SETTINGS[member])
    for app in LIFECYCLE_APPS:
        app_settings = settings.get(app)
        if app not in shape.members or not isinstance(app_settings, dict):
            continue
        lifecycle_shape = shape.members[app].members.get("AppLifecycleManagement")
        if lifecycle_shape is not None:
            _check_shape(
                v, app_settings.get("AppLifecycleManagement"), lifecycle_shape,
                f"{member}.{app}.AppLifecycleManagement",
            )
