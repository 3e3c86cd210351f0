"""IAM Identity Center applications for moto: the application SageMaker makes for an ``SSO``
domain, and who is assigned to it (moto 5.2.5's ``ssoadmin`` has instances, permission sets and
account assignments, but no applications; its ``identitystore`` has users and groups).

Sources (IAM Identity Center API reference, "sso-admin"; botocore ``sso-admin`` 2020-07-20 model):

* ``ListInstances`` as moto answers it, without its ``Name: null`` (AWS omits a member that has
  no value).
* ``DescribeInstance`` ("Returns the details of an instance of IAM Identity Center"): InstanceArn,
  IdentityStoreId, OwnerAccountId, Name, CreatedDate, Status of one of moto's instances; an
  unknown instance is ``ValidationException`` (the model lists no not-found error for it).
* An ``AuthMode SSO`` domain has an application: DescribeDomain ``SingleSignOnApplicationArn``
  ("The ARN of the application managed by SageMaker AI in IAM Identity Center. This value is only
  returned for domains created after October 1, 2023.") and
  ``SingleSignOnManagedApplicationInstanceId`` ("The IAM Identity Center managed application
  instance ID"). :func:`register_managed_application` makes it in the instance of the domain's
  account and Region, ARN as the ``Application`` resource type of the Service Authorization
  Reference: ``arn:aws:sso::${AccountId}:application/${InstanceId}/${ApplicationId}``
  (``apl-`` + 16 characters, the API's ApplicationArn pattern).
* ``DescribeApplication``: ApplicationArn, ApplicationAccount, InstanceArn, Name, Status
  (``ENABLED``), CreatedDate; an unknown ARN is ``ResourceNotFoundException``. (The
  ApplicationProviderArn of SageMaker's application is not documented: not returned.)
* ``CreateApplicationAssignment`` ("Grant application access to a user or group"),
  ``DeleteApplicationAssignment`` ("Revoke application access ... for a user or group"),
  ``DescribeApplicationAssignment``, ``ListApplicationAssignments`` (``ApplicationAssignments``
  of ApplicationArn/PrincipalId/PrincipalType, ``MaxResults`` 1-100, ``NextToken``). The
  application must exist (``ResourceNotFoundException``, one of the errors the reference lists);
  so must the principal, a user or group of the instance's identity store (the reference:
  PrincipalId is "An identifier for an object in IAM Identity Center, such as a user or group"):
  an unknown one is ``ResourceNotFoundException`` too -- the emulator's reading, the reference
  does not say which error an unknown principal gets. A second CreateApplicationAssignment of
  the same principal is ``ConflictException`` (listed for the operation; whether AWS answers a
  repeat with it or with success is NOT confirmed: callers should look before they assign).
  Deleting an assignment that does not exist is ``ResourceNotFoundException``.
* SageMaker CreateUserProfile on an SSO domain (:func:`profile_user_refusal`): the
  ``SingleSignOnUserValue`` must be the user name of a user of the instance's identity store,
  assigned to the domain's application directly or through a group; else ValidationException.
* IAM: ``sso:<Operation>`` on the ``Application`` resource (``iam/context/sso.py``).

Not modelled: PutApplicationAssignmentConfiguration (``AssignmentRequired`` false), an
organisation instance used from member accounts (each account/Region has moto's own instance),
what becomes of the application when its domain is deleted (not documented: it stays).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import JsonRESTError
from moto.core.utils import unix_time
from moto.identitystore.responses import IdentityStoreResponse
from moto.moto_api._internal import mock_random as random
from moto.ssoadmin.models import ssoadmin_backends
from moto.ssoadmin.responses import SSOAdminResponse

from .core import ServiceExtension, register

PRINCIPAL_TYPES = ("USER", "GROUP")
MAX_RESULTS = 100


class ResourceNotFound(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ResourceNotFoundException", message)


class Conflict(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ConflictException", message)


class Invalid(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)


@dataclass
class Application:
    arn: str
    account_id: str
    instance_arn: str
    name: str
    created: float = field(default_factory=unix_time)
    #: (principal type, principal id), in the order they were assigned.
    assignments: list[tuple[str, str]] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        return {
            "ApplicationArn": self.arn,
            "ApplicationAccount": self.account_id,
            "InstanceArn": self.instance_arn,
            "Name": self.name,
            "Status": "ENABLED",
            "CreatedDate": self.created,
        }


class IdentityCenterApplicationsBackend(BaseBackend):
    """The applications of one account and Region (the Region of their instance)."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        #: application ARN -> application
        self.applications: dict[str, Application] = {}

    def application(self, arn: Any) -> Application:
        app = self.applications.get(arn) if isinstance(arn, str) else None
        if app is None:
            raise ResourceNotFound(f"Application {arn} does not exist.")
        return app


identity_center_backends = BackendDict(IdentityCenterApplicationsBackend, "sso-admin")

#: botocore ``identitystore`` IdentityStoreId: ``d-[0-9a-f]{10}`` (or a UUID).
STORE_ID = re.compile(r"d-[0-9a-f]{10}")


def instances(account_id: str, region: str) -> list[Any]:
    """moto's instances of ``account_id``/``region``, their identity store id as the model spells
    it (moto draws ``d-`` + 10 letters and digits; the botocore pattern is ``d-[0-9a-f]{10}``)."""
    found = ssoadmin_backends[account_id][region].instances
    for instance in found:
        if not STORE_ID.fullmatch(instance.identity_store_id):
            instance.identity_store_id = "d-" + random.get_random_hex(10)
    return found


def register_managed_application(account_id: str, region: str, name: str) -> tuple[str, str]:
    """The application SageMaker makes for an SSO domain in ``account_id``/``region``:
    ``(application ARN, managed application instance id)``."""
    instance = instances(account_id, region)[0]
    instance_id = instance.instance_arn.rsplit("/", 1)[1]
    arn = (
        f"arn:aws:sso::{account_id}:application/{instance_id}/"
        f"apl-{random.get_random_hex(16)}"
    )
    backend = identity_center_backends[account_id][region]
    with backend.lock:
        backend.applications[arn] = Application(arn, account_id, instance.instance_arn, name)
    return arn, "ins-" + random.get_random_hex(16)


def _identity_store_id(account_id: str, region: str, instance_arn: str) -> str:
    for instance in instances(account_id, region):
        if instance.instance_arn == instance_arn:
            return str(instance.identity_store_id)
    raise ResourceNotFound(f"Instance {instance_arn} does not exist.")


def _check_principal(app: Application, region: str, principal_type: Any, principal_id: Any) -> None:
    from moto.identitystore.models import identitystore_backends

    if principal_type not in PRINCIPAL_TYPES:
        raise Invalid(
            f"1 validation error detected: Value '{principal_type}' at 'principalType' failed "
            "to satisfy constraint: Member must satisfy enum value set: [USER, GROUP]"
        )
    store_id = _identity_store_id(app.account_id, region, app.instance_arn)
    store = identitystore_backends[app.account_id][region].identity_stores.get(store_id)
    members = {"USER": store.users, "GROUP": store.groups}[principal_type] if store else {}
    if principal_id not in members:
        raise ResourceNotFound(f"{principal_type} {principal_id} does not exist.")


def profile_user_refusal(
    account_id: str, region: str, application_arn: str | None, user_name: str
) -> str | None:
    """Why SageMaker refuses a profile of an SSO domain for the user ``user_name``, or ``None``.

    * SageMaker API reference, CreateUserProfile ``SingleSignOnUserValue``: "If the Domain's
      AuthMode is IAM Identity Center, this field is required, and must match a valid username
      of a user in your directory."
    * CloudFormation ``AWS::SageMaker::UserProfile``: "If you're using IAM Identity Center
      authentication, a user in IAM Identity Center, or a group in IAM Identity Center
      containing that user, must be assigned to the Amazon SageMaker Studio application ...
      to create a user profile."
    SageMaker's own wording of either refusal is not documented: the messages are the
    emulator's (ValidationException)."""
    from moto.identitystore.models import identitystore_backends

    backend = identity_center_backends[account_id][region]
    with backend.lock:
        app = backend.applications.get(application_arn or "")
        if app is None:
            return f"The domain's IAM Identity Center application {application_arn} does not exist"
        assigned = list(app.assignments)
    store_id = _identity_store_id(app.account_id, region, app.instance_arn)
    store = identitystore_backends[app.account_id][region].identity_stores.get(store_id)
    user_ids = (
        {uid for uid, user in store.users.items() if user.UserName == user_name}
        if store is not None
        else set()
    )
    if not user_ids:
        return (
            f"SingleSignOnUserValue {user_name} is not the user name of a user in the "
            f"IAM Identity Center directory {store_id}"
        )
    groups = {
        m["GroupId"]
        for m in store.group_memberships.values()
        if m.get("MemberId", {}).get("UserId") in user_ids
    }
    if any(
        (kind == "USER" and pid in user_ids) or (kind == "GROUP" and pid in groups)
        for kind, pid in assigned
    ):
        return None
    return (
        f"User {user_name} is not assigned to the domain's IAM Identity Center application "
        f"{app.arn}, neither directly nor through a group"
    )


class IdentityCenterApplicationsResponse(SSOAdminResponse):
    """Instances and application assignments on top of moto's ``SSOAdminResponse``."""

    @staticmethod
    def _instance(instance: Any) -> dict[str, Any]:
        """An instance as AWS answers it: a member without a value (moto's ``Name: null``) is
        omitted."""
        return {k: v for k, v in instance.to_json().items() if v is not None}

    def list_instances(self) -> str:
        found = instances(self.current_account, self.region)
        return json.dumps({"Instances": [self._instance(i) for i in found]})

    def describe_instance(self) -> str:
        arn = self._get_param("InstanceArn")
        for instance in instances(self.current_account, self.region):
            if instance.instance_arn == arn:
                return json.dumps(self._instance(instance))
        # botocore lists no ResourceNotFoundException for DescribeInstance; which of its errors
        # an unknown instance gets is not documented: ValidationException (emulator's choice).
        raise Invalid(f"Instance {arn} does not exist.")

    @property
    def applications(self) -> IdentityCenterApplicationsBackend:
        return identity_center_backends[self.current_account][self.region]

    def describe_application(self) -> str:
        with self.applications.lock:
            app = self.applications.application(self._get_param("ApplicationArn"))
            return json.dumps(app.describe())

    def _assignment(self) -> tuple[Application, tuple[str, str]]:
        app = self.applications.application(self._get_param("ApplicationArn"))
        kind, pid = self._get_param("PrincipalType"), self._get_param("PrincipalId")
        _check_principal(app, self.region, kind, pid)
        return app, (kind, pid)

    def create_application_assignment(self) -> str:
        with self.applications.lock:
            app, key = self._assignment()
            if key in app.assignments:
                raise Conflict(f"{key[0]} {key[1]} is already assigned to {app.arn}.")
            app.assignments.append(key)
        return "{}"

    def delete_application_assignment(self) -> str:
        with self.applications.lock:
            app = self.applications.application(self._get_param("ApplicationArn"))
            key = (self._get_param("PrincipalType"), self._get_param("PrincipalId"))
            if key not in app.assignments:
                raise ResourceNotFound(f"{key[0]} {key[1]} is not assigned to {app.arn}.")
            app.assignments.remove(key)
        return "{}"

    def describe_application_assignment(self) -> str:
        with self.applications.lock:
            app = self.applications.application(self._get_param("ApplicationArn"))
            key = (self._get_param("PrincipalType"), self._get_param("PrincipalId"))
            if key not in app.assignments:
                raise ResourceNotFound(f"{key[0]} {key[1]} is not assigned to {app.arn}.")
        return json.dumps(
            {"ApplicationArn": app.arn, "PrincipalType": key[0], "PrincipalId": key[1]}
        )

    def list_application_assignments(self) -> str:
        with self.applications.lock:
            app = self.applications.application(self._get_param("ApplicationArn"))
            assigned = list(app.assignments)
        max_results = self._get_param("MaxResults")
        if max_results is not None and not (
            isinstance(max_results, int) and 1 <= max_results <= MAX_RESULTS
        ):
            raise Invalid(
                f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to "
                f"satisfy constraint: Member must have value between 1 and {MAX_RESULTS}"
            )
        token = self._get_param("NextToken")
        start = 0
        if token is not None:
            if not (isinstance(token, str) and token.isdigit() and int(token) <= len(assigned)):
                raise Invalid("Invalid NextToken.")
            start = int(token)
        end = start + (max_results or MAX_RESULTS)
        body: dict[str, Any] = {
            "ApplicationAssignments": [
                {"ApplicationArn": app.arn, "PrincipalType": kind, "PrincipalId": pid}
                for kind, pid in assigned[start:end]
            ]
        }
        if end < len(assigned):
            body["NextToken"] = str(end)
        return json.dumps(body)


#: identitystore operation -> (id member, ARN member, resource kind, with a Revision).
_ARN_MEMBERS = {
    "CreateUser": ("UserId", "UserArn", "user", True),
    "GetUserId": ("UserId", "UserArn", "user", False),
    "DescribeUser": ("UserId", "UserArn", "user", True),
    "CreateGroup": ("GroupId", "GroupArn", "group", True),
    "GetGroupId": ("GroupId", "GroupArn", "group", False),
    "DescribeGroup": ("GroupId", "GroupArn", "group", True),
    "CreateGroupMembership": ("MembershipId", "MembershipArn", "membership", False),
}


class IdentityStoreArnsResponse(IdentityStoreResponse):
    """moto's identity store answers with the members the botocore model requires and moto
    5.2.5 leaves out: ``UserArn`` / ``GroupArn`` / ``MembershipArn`` (shape ``ResourceArn``,
    ``arn:aws:identitystore:::(user|group|membership)/<id>``, as the Service Authorization
    Reference's User/Group/GroupMembership resource types) and ``Revision`` (``[0-9]+``: the
    emulator keeps no revisions, every resource is at ``1``)."""

    def call_action(self) -> Any:
        status, headers, body = super().call_action()
        fill = _ARN_MEMBERS.get(self._get_action())
        if fill is None or status != 200 or not body:
            return status, headers, body
        id_member, arn_member, kind, revision = fill
        answer = json.loads(body)
        if id_member in answer:
            answer[arn_member] = f"arn:aws:identitystore:::{kind}/{answer[id_member]}"
            if revision:
                answer["Revision"] = "1"
        return status, headers, json.dumps(answer)


EXTENSION_IDENTITY_STORE = register(
    ServiceExtension(
        name="identity-store-arns",
        service="identitystore",
        base_response=IdentityStoreResponse,
        response=IdentityStoreArnsResponse,
    )
)

EXTENSION = register(
    ServiceExtension(
        name="identity-center-applications",
        service="ssoadmin",
        base_response=SSOAdminResponse,
        response=IdentityCenterApplicationsResponse,
    )
)
