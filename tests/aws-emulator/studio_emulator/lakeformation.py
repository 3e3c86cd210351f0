"""AWS Lake Formation permissions for moto: grants, revokes and listings as AWS answers them.

moto 5.2.5 stores grants as opaque (principal, resource) blobs: it grants on
databases and tables that do not exist, revokes what was never granted without
a word, ignores ``TableWithColumns`` when listing, and keeps grants on a table
after the table was dropped.  This module replaces ``GrantPermissions``,
``RevokePermissions``, ``ListPermissions`` and their batch forms with a model
that follows the Lake Formation API reference and the service's observed
behaviour:

* **Securable objects are checked against the Glue Data Catalog** (moto's Glue
  backend of the same account and region): a grant or revoke on a database or
  table that does not exist answers ``EntityNotFoundException``.  A grant
  belongs to the object it was made on: when the Glue table (or database) is
  dropped, its grants go with it, and a table re-created under the same name
  starts with none.
* **Principals are checked against IAM** (moto's IAM backend): an IAM role or
  user ARN of the emulated account that IAM does not know answers
  ``InvalidInputException: Invalid principal`` -- what Lake Formation answers
  while a just-created role has not propagated yet.
  ``IAM_ALLOWED_PRINCIPALS``, account ids and other accounts' ARNs are taken
  as they are.
* **Revoking what is not granted** answers ``InvalidInputException: No
  permissions revoked. Grantee has no permissions and no grantable permissions
  on resource``; revoking a mix of held and not-held permissions revokes the
  held ones.
* **Column-level permissions** (``TableWithColumns``) are kept per column:
  grants on overlapping column lists merge, revoking columns removes just
  those, and ``ListPermissions`` groups columns with the same permissions into
  one ``TableWithColumns`` entry.  A ``ColumnWildcard`` grant (optionally with
  ``ExcludedColumnNames``) is its own entry.  Column names must exist in the
  table (``StorageDescriptor.Columns`` or ``PartitionKeys``).
* **LF-tag permissions** (``LFTag``) are kept per tag value, like columns; the
  tag key and values must exist (``CreateLFTag``).
* ``ListPermissions`` filters by ``Principal`` (which needs ``Resource``),
  ``Resource`` (every shape) and ``ResourceType``, and paginates
  (``MaxResults``/``NextToken``).  For a ``Table`` resource it lists the
  table-level and the column-level entries of that table.

* **Which permissions fit which resource** is one table,
  ``PERMISSIONS_BY_RESOURCE``, used by ``GrantPermissions``,
  ``RevokePermissions`` and both batch forms; a permission (or grantable
  permission) outside the resource's row answers ``InvalidInputException:
  Permissions modification is invalid.``  Source: Lake Formation developer
  guide, "Lake Formation permissions reference" (table "Lake Formation
  permissions per resource type":
  https://docs.aws.amazon.com/lake-formation/latest/dg/lf-permissions-reference.html),
  "Adding LF-Tag creators" (``CREATE_LF_TAG`` is granted on the catalog) and
  the ``TableWithColumnsResource`` shape of the botocore model ("only used
  when granting a SELECT permission").  The error message is the one public
  reports quote for ``SELECT`` on a database.
* **Batch entries** (``BatchPermissionsRequestEntry``) must carry an ``Id`` of
  1 to 255 characters (``required: ["Id"]``, shape ``Identifier`` in the
  botocore model), and a batch holds at most 20 entries (the model's
  documentation of ``Entries``); otherwise the whole request is refused with
  ``InvalidInputException`` and nothing is granted.
* **ListPermissions** refuses a ``TableWithColumns`` resource (botocore
  model, ``ListPermissionsRequest.Resource``: "This operation does not
  support getting privileges on a table with columns. Instead, call this
  operation on the table") and accepts exactly the ``DataLakeResourceType``
  enum of the installed botocore model as ``ResourceType``; a value outside
  it is ``InvalidInputException``.

Not modelled: ``Condition``, hybrid access mode, cross-account grants (other
accounts' catalogs are accepted without checks), data-cells filter existence
(moto has no ``CreateDataCellsFilter``), registration of data locations,
grants on ``AnyResource``, ``LFTagExpression``, ``UserDefinedFunction`` and
resource links.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import JsonRESTError
from moto.lakeformation.models import lakeformation_backends
from moto.lakeformation.responses import LakeFormationResponse

from .core import ServiceExtension, register

# --------------------------------------------------------------------------
# Constants (from the Lake Formation API reference)
# --------------------------------------------------------------------------

PERMISSIONS = {
    "ALL",
    "SELECT",
    "ALTER",
    "DROP",
    "DELETE",
    "INSERT",
    "DESCRIBE",
    "CREATE_DATABASE",
    "CREATE_TABLE",
    "DATA_LOCATION_ACCESS",
    "CREATE_LF_TAG",
    "ASSOCIATE",
    "GRANT_WITH_LF_TAG_EXPRESSION",
    "CREATE_LF_TAG_EXPRESSION",
    "CREATE_CATALOG",
    "SUPER_USER",
    "EXECUTE",
}
RESOURCE_SHAPES = [
    "Catalog",
    "Database",
    "Table",
    "TableWithColumns",
    "DataLocation",
    "DataCellsFilter",
    "LFTag",
    "LFTagPolicy",
]
#: ``DataLakeResourceType`` in the botocore model (lakeformation 2017-03-31).
#: ``ANY_RESOURCE``, ``LF_NAMED_TAG_EXPRESSION`` and ``USER_DEFINED_FUNCTION``
#: are accepted; no grant the emulator keeps is of those types.
LIST_RESOURCE_TYPES = {
    "ANY_RESOURCE",
    "CATALOG",
    "DATABASE",
    "TABLE",
    "DATA_LOCATION",
    "LF_TAG",
    "LF_TAG_POLICY",
    "LF_TAG_POLICY_DATABASE",
    "LF_TAG_POLICY_TABLE",
    "LF_NAMED_TAG_EXPRESSION",
    "USER_DEFINED_FUNCTION",
}
_TABLE_PERMISSIONS = frozenset(
    {"ALL", "ALTER", "DELETE", "DESCRIBE", "DROP", "INSERT", "SELECT"}
)
_DATABASE_PERMISSIONS = frozenset({"ALL", "ALTER", "CREATE_TABLE", "DESCRIBE", "DROP"})
#: The permissions that fit each kind of resource ("Lake Formation permissions
#: per resource type", Lake Formation developer guide).  The kind is the
#: ``Resource`` member; an ``LFTagPolicy`` is ``LFTagPolicy:<ResourceType>``.
PERMISSIONS_BY_RESOURCE: dict[str, frozenset[str]] = {
    "Catalog": frozenset({"CREATE_DATABASE", "CREATE_LF_TAG", "CREATE_LF_TAG_EXPRESSION"}),
    "Database": _DATABASE_PERMISSIONS,
    "Table": _TABLE_PERMISSIONS,
    "TableWithColumns": frozenset({"SELECT"}),
    "DataLocation": frozenset({"DATA_LOCATION_ACCESS"}),
    "DataCellsFilter": frozenset({"DESCRIBE", "DROP", "SELECT"}),
    "LFTag": frozenset(
        {"ALTER", "ASSOCIATE", "DESCRIBE", "DROP", "GRANT_WITH_LF_TAG_EXPRESSION"}
    ),
    "LFTagPolicy:DATABASE": _DATABASE_PERMISSIONS,
    "LFTagPolicy:TABLE": _TABLE_PERMISSIONS,
}
INVALID_MODIFICATION = "Permissions modification is invalid."
#: ``BatchGrantPermissionsRequest.Entries``: "A list of up to 20 entries".
MAX_BATCH_ENTRIES = 20
#: ``Identifier`` in the botocore model.
MAX_ENTRY_ID_LENGTH = 255
NOTHING_REVOKED = (
    "No permissions revoked. Grantee has no permissions and no grantable "
    "permissions on resource"
)
IAM_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):(role|user)/(.+)$")
ACCOUNT_ID = re.compile(r"^\d{12}$")
MAX_RESULTS_LIMIT = 1000


# --------------------------------------------------------------------------
# Errors (restJson: ``{"__type": ..., "message": ...}``)
# --------------------------------------------------------------------------


class InvalidInput(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidInputException", message)


class EntityNotFound(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("EntityNotFoundException", message)


def not_found(kind: str, name: str) -> EntityNotFound:
    return EntityNotFound(f"{kind} {name} not found.")


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------


@dataclass
class Held:
    """What one principal holds on one object (or one column / tag value)."""

    permissions: set[str] = field(default_factory=set)
    grantable: set[str] = field(default_factory=set)

    def add(self, permissions: set[str], grantable: set[str]) -> None:
        self.permissions |= permissions
        self.grantable |= grantable

    def remove(self, permissions: set[str], grantable: set[str]) -> bool:
        """Removes what is held of the given; whether anything was removed."""
        removed = bool(self.permissions & permissions) or bool(
            self.grantable & grantable
        )
        self.permissions -= permissions
        self.grantable -= grantable
        return removed

    def is_empty(self) -> bool:
        return not self.permissions and not self.grantable

    def key(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return tuple(sorted(self.permissions)), tuple(sorted(self.grantable))


@dataclass
class Securable:
    """A securable object, resolved: its identity, what it must exist as, and
    how it is written in a ``Resource``."""

    #: Identity of the object, e.g. ``("TABLE", catalog, db, name)``.
    key: tuple[str, ...]
    #: ``Catalog``, ``Database``, ``Table``, ``DataLocation``, ...
    shape: str
    #: The ``Resource`` member written for whole-object entries.
    resource: dict[str, Any]
    #: The Glue object it was granted on (identity check after drops).
    anchor: Any = None
    #: For tables: the column names; for LF tags: the tag values.
    parts: list[str] | None = None
    #: For the list filter: the ``ResourceType`` it counts as.
    resource_type: str = ""


@dataclass
class Selection:
    """Which part of a securable object a request names."""

    #: ``whole`` (the object), ``parts`` (columns / tag values) or
    #: ``wildcard`` (all columns, optionally but some).
    kind: str
    items: frozenset[str] = frozenset()


@dataclass
class ObjectGrants:
    """Everything one principal holds on one securable object."""

    securable: Securable
    whole: Held = field(default_factory=Held)
    parts: dict[str, Held] = field(default_factory=dict)
    wildcard: Held | None = None
    wildcard_excluded: frozenset[str] = frozenset()

    def is_empty(self) -> bool:
        return (
            self.whole.is_empty()
            and all(h.is_empty() for h in self.parts.values())
            and (self.wildcard is None or self.wildcard.is_empty())
        )


def _sorted_unique(values: Any, member: str) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InvalidInput(f"{member} must be a list of strings.")
    return sorted(set(values))


@dataclass(frozen=True)
class PermissionChange:
    """What a GrantPermissions or RevokePermissions request (or one batch entry) names,
    as given: checked by the backend."""

    catalog_id: str
    principal: Any
    resource: Any
    permissions: Any
    grantable: Any


class LakeFormationPermissionsBackend(BaseBackend):
    """Grants per account and region, keyed by principal and securable object."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self._lock = threading.RLock()
        #: (catalog_id, principal, object key) -> ObjectGrants, in grant order.
        self.grants: dict[tuple[str, str, tuple[str, ...]], ObjectGrants] = {}

    # -- neighbours ---------------------------------------------------------

    def _glue(self) -> Any:
        from moto.glue.models import glue_backends

        return glue_backends[self.account_id][self.region_name]

    def _moto_lakeformation(self) -> Any:
        return lakeformation_backends[self.account_id][self.region_name]

    def _check_principal(self, principal: Any) -> str:
        if not isinstance(principal, dict):
            raise InvalidInput("Principal is required.")
        identifier = principal.get("DataLakePrincipalIdentifier")
        if not isinstance(identifier, str) or not identifier:
            raise InvalidInput("Principal.DataLakePrincipalIdentifier is required.")
        return identifier

    def _check_principal_exists(self, identifier: str) -> None:
        match = IAM_ARN.match(identifier)
        if not match or match.group(1) != self.account_id:
            return
        from moto.iam.models import iam_backends

        partition = identifier.split(":")[1]
        iam = iam_backends[self.account_id][partition]
        if match.group(2) == "role":
            known = any(role.arn == identifier for role in iam.roles.values())
        else:
            known = any(user.arn == identifier for user in iam.users.values())
        if not known:
            raise InvalidInput(f"Invalid principal: {identifier}")

    # -- resources ----------------------------------------------------------

    def _own_catalog(self, catalog_id: str) -> bool:
        return catalog_id == self.account_id

    def _database(self, catalog_id: str, name: Any) -> Any:
        if not isinstance(name, str) or not name:
            raise InvalidInput("Database name is required.")
        if not self._own_catalog(catalog_id):
            return None
        database = self._glue().databases.get(name)
        if database is None:
            raise not_found("Database", name)
        return database

    def _table(self, catalog_id: str, database_name: Any, name: Any) -> Any:
        database = self._database(catalog_id, database_name)
        if not isinstance(name, str) or not name:
            raise InvalidInput("Table name is required.")
        if database is None:
            return None
        table = database.tables.get(name)
        if table is None:
            raise not_found("Table", f"{database_name}.{name}")
        return table

    @staticmethod
    def _table_columns(table: Any) -> set[str] | None:
        if table is None:
            return None
        current = table.get_version(str(table._current_version))
        columns = (current.get("StorageDescriptor") or {}).get("Columns") or []
        keys = current.get("PartitionKeys") or []
        return {c.get("Name") for c in columns + keys if isinstance(c, dict)}

    def resolve(self, catalog_id: str, resource: Any) -> tuple[Securable, Selection]:
        """The securable object a ``Resource`` names, and which part of it."""
        if not isinstance(resource, dict):
            raise InvalidInput("Resource is required.")
        shapes = [s for s in RESOURCE_SHAPES if resource.get(s) is not None]
        others = [
            k for k, v in resource.items() if v is not None and k not in RESOURCE_SHAPES
        ]
        if others:
            raise InvalidInput(f"Resource type {others[0]} is not supported.")
        if len(shapes) != 1:
            raise InvalidInput(
                "Resource must have exactly one resource type populated."
            )
        shape = shapes[0]
        body = resource[shape]
        if not isinstance(body, dict):
            raise InvalidInput(f"Resource.{shape} must be an object.")
        whole = Selection("whole")

        if shape == "Catalog":
            cat = body.get("Id") or catalog_id
            return (
                Securable(
                    ("CATALOG", cat),
                    shape,
                    {"Catalog": {"Id": cat} if body.get("Id") else {}},
                    resource_type="CATALOG",
                ),
                whole,
            )

        cat = body.get("CatalogId") or catalog_id
        if shape == "Database":
            anchor = self._database(cat, body.get("Name"))
            name = body["Name"]
            return (
                Securable(
                    ("DATABASE", cat, name),
                    shape,
                    {"Database": {"CatalogId": cat, "Name": name}},
                    anchor,
                    resource_type="DATABASE",
                ),
                whole,
            )

        if shape == "Table":
            db = body.get("DatabaseName")
            name = body.get("Name")
            wildcard = body.get("TableWildcard")
            if name is None and wildcard is None:
                raise InvalidInput(
                    "Table name and table wildcard cannot both be empty."
                )
            if name is not None and wildcard is not None:
                raise InvalidInput(
                    "Table name and table wildcard cannot both be present."
                )
            if wildcard is not None:
                anchor = self._database(cat, db)
                return (
                    Securable(
                        ("TABLE_WILDCARD", cat, db),
                        shape,
                        {
                            "Table": {
                                "CatalogId": cat,
                                "DatabaseName": db,
                                "TableWildcard": {},
                            }
                        },
                        anchor,
                        resource_type="TABLE",
                    ),
                    whole,
                )
            table = self._table(cat, db, name)
            return (self._table_securable(cat, db, name, table), whole)

        if shape == "TableWithColumns":
            db = body.get("DatabaseName")
            name = body.get("Name")
            table = self._table(cat, db, name)
            names = body.get("ColumnNames")
            wildcard = body.get("ColumnWildcard")
            if names is not None and wildcard is not None:
                raise InvalidInput(
                    "ColumnNames and ColumnWildcard cannot both be present."
                )
            if names is None and wildcard is None:
                raise InvalidInput(
                    "Either ColumnNames or ColumnWildcard must be present."
                )
            securable = self._table_securable(cat, db, name, table)
            known = self._table_columns(table)
            if names is not None:
                columns = _sorted_unique(names, "ColumnNames")
                if not columns:
                    raise InvalidInput("ColumnNames must not be empty.")
                selection = Selection("parts", frozenset(columns))
            else:
                if not isinstance(wildcard, dict):
                    raise InvalidInput("ColumnWildcard must be an object.")
                columns = _sorted_unique(
                    wildcard.get("ExcludedColumnNames") or [], "ExcludedColumnNames"
                )
                selection = Selection("wildcard", frozenset(columns))
            missing = sorted(set(columns) - known) if known is not None else []
            if missing:
                raise InvalidInput(
                    f"Column(s) {', '.join(missing)} not found in table {db}.{name}."
                )
            return securable, selection

        if shape == "DataLocation":
            arn = body.get("ResourceArn")
            if not isinstance(arn, str) or not arn:
                raise InvalidInput("DataLocation.ResourceArn is required.")
            return (
                Securable(
                    ("DATA_LOCATION", cat, arn),
                    shape,
                    {"DataLocation": {"CatalogId": cat, "ResourceArn": arn}},
                    resource_type="DATA_LOCATION",
                ),
                whole,
            )

        if shape == "DataCellsFilter":
            tcat = body.get("TableCatalogId") or catalog_id
            db, table_name, name = (
                body.get("DatabaseName"),
                body.get("TableName"),
                body.get("Name"),
            )
            if not all(isinstance(v, str) and v for v in (db, table_name, name)):
                raise InvalidInput(
                    "DataCellsFilter needs DatabaseName, TableName and Name."
                )
            anchor = self._table(tcat, db, table_name)
            return (
                Securable(
                    ("DATA_CELLS_FILTER", tcat, db, table_name, name),
                    shape,
                    {
                        "DataCellsFilter": {
                            "TableCatalogId": tcat,
                            "DatabaseName": db,
                            "TableName": table_name,
                            "Name": name,
                        }
                    },
                    anchor,
                    resource_type="TABLE",
                ),
                whole,
            )

        if shape == "LFTag":
            key = body.get("TagKey")
            if not isinstance(key, str) or not key:
                raise InvalidInput("LFTag.TagKey is required.")
            values = _sorted_unique(body.get("TagValues"), "TagValues")
            if not values:
                raise InvalidInput("LFTag.TagValues must not be empty.")
            defined = self._lf_tag_values(cat, key)
            if defined is not None:
                missing = [v for v in values if v not in defined and v != "*"]
                if missing:
                    raise EntityNotFound("Tag or tag value does not exist.")
            return (
                Securable(
                    ("LF_TAG", cat, key),
                    shape,
                    {"LFTag": {"CatalogId": cat, "TagKey": key}},
                    parts=values,
                    resource_type="LF_TAG",
                ),
                Selection("parts", frozenset(values)),
            )

        # LFTagPolicy
        resource_type = body.get("ResourceType")
        if resource_type not in ("DATABASE", "TABLE"):
            raise InvalidInput("LFTagPolicy.ResourceType must be DATABASE or TABLE.")
        expression = body.get("Expression")
        expression_name = body.get("ExpressionName")
        if (expression is None) == (expression_name is None):
            raise InvalidInput(
                "LFTagPolicy needs exactly one of Expression and ExpressionName."
            )
        if expression is not None:
            if not isinstance(expression, list) or not expression:
                raise InvalidInput("LFTagPolicy.Expression must not be empty.")
            canonical = sorted(
                (
                    str(t.get("TagKey")),
                    tuple(_sorted_unique(t.get("TagValues"), "TagValues")),
                )
                for t in expression
                if isinstance(t, dict)
            )
            written: dict[str, Any] = {
                "CatalogId": cat,
                "ResourceType": resource_type,
                "Expression": [
                    {"TagKey": k, "TagValues": list(v)} for k, v in canonical
                ],
            }
            identity = json.dumps(canonical)
        else:
            written = {
                "CatalogId": cat,
                "ResourceType": resource_type,
                "ExpressionName": expression_name,
            }
            identity = f"name:{expression_name}"
        return (
            Securable(
                ("LF_TAG_POLICY", cat, resource_type, identity),
                shape,
                {"LFTagPolicy": written},
                resource_type=f"LF_TAG_POLICY_{resource_type}",
            ),
            whole,
        )

    def _table_securable(self, cat: str, db: str, name: str, table: Any) -> Securable:
        return Securable(
            ("TABLE", cat, db, name),
            "Table",
            {"Table": {"CatalogId": cat, "DatabaseName": db, "Name": name}},
            table,
            resource_type="TABLE",
        )

    def _lf_tag_values(self, catalog_id: str, key: str) -> list[str] | None:
        if not self._own_catalog(catalog_id):
            return None
        tags = self._moto_lakeformation().list_lf_tags(catalog_id)
        if key not in tags:
            raise EntityNotFound("Tag or tag value does not exist.")
        return list(tags[key])

    # -- life of grants -----------------------------------------------------

    def _still_exists(self, grants: ObjectGrants) -> bool:
        """Whether the object a grant was made on still exists (the same one)."""
        securable = grants.securable
        kind = securable.key[0]
        cat = securable.key[1]
        if not self._own_catalog(cat):
            return True
        glue = self._glue()
        if kind == "DATABASE":
            return glue.databases.get(securable.key[2]) is securable.anchor
        if kind == "TABLE_WILDCARD":
            return glue.databases.get(securable.key[2]) is securable.anchor
        if kind in ("TABLE", "DATA_CELLS_FILTER"):
            db, name = securable.key[2], securable.key[3]
            database = glue.databases.get(db)
            return (
                database is not None and database.tables.get(name) is securable.anchor
            )
        if kind == "LF_TAG":
            return securable.key[2] in self._moto_lakeformation().list_lf_tags(cat)
        return True

    def _forget_dropped(self) -> None:
        for key in [k for k, g in self.grants.items() if not self._still_exists(g)]:
            del self.grants[key]

    def _checked(
        self, change: PermissionChange, granting: bool
    ) -> tuple[tuple[str, str, tuple[Any, ...]], Securable, Selection, set[str], set[str]]:
        """What GrantPermissions and RevokePermissions check, in this order: the principal,
        the permissions (required, and not all empty, for a grant), the resource, and
        that they fit it; returns the grants' key, the object, the selection and the
        permissions (plain, with grant option)."""
        identifier = self._check_principal(change.principal)
        permissions = change.permissions if granting else change.permissions or []
        perms = _permission_set(permissions, "Permissions")
        grant_opts = _permission_set(change.grantable or [], "PermissionsWithGrantOption")
        if granting and not perms and not grant_opts:
            raise InvalidInput("Permissions must not be empty.")
        securable, selection = self.resolve(change.catalog_id, change.resource)
        _check_fit(change.resource, perms | grant_opts)
        key = (change.catalog_id, identifier, securable.key)
        return key, securable, selection, perms, grant_opts

    def grant(self, change: PermissionChange) -> None:
        with self._lock:
            self._forget_dropped()
            key, securable, selection, perms, grant_opts = self._checked(change, granting=True)
            self._check_principal_exists(key[1])
            grants = self.grants.get(key)
            if grants is None:
                grants = self.grants[key] = ObjectGrants(securable)
            if selection.kind == "whole":
                grants.whole.add(perms, grant_opts)
            elif selection.kind == "parts":
                for item in selection.items:
                    grants.parts.setdefault(item, Held()).add(perms, grant_opts)
            else:
                if grants.wildcard is None:
                    grants.wildcard = Held()
                grants.wildcard.add(perms, grant_opts)
                grants.wildcard_excluded = selection.items

    def revoke(self, change: PermissionChange) -> None:
        with self._lock:
            self._forget_dropped()
            key, _, selection, perms, grant_opts = self._checked(change, granting=False)
            grants = self.grants.get(key)
            removed = False
            if grants is not None:
                if selection.kind == "whole":
                    removed = grants.whole.remove(perms, grant_opts)
                elif selection.kind == "parts":
                    for item in selection.items:
                        held = grants.parts.get(item)
                        if held is not None and held.remove(perms, grant_opts):
                            removed = True
                        if held is not None and held.is_empty():
                            del grants.parts[item]
                elif grants.wildcard is not None:
                    removed = grants.wildcard.remove(perms, grant_opts)
                    if grants.wildcard.is_empty():
                        grants.wildcard = None
                        grants.wildcard_excluded = frozenset()
                if grants.is_empty():
                    del self.grants[key]
            if not removed:
                raise InvalidInput(NOTHING_REVOKED)

    def list(
        self,
        catalog_id: str,
        principal: Any,
        resource: Any,
        resource_type: Any,
    ) -> list[dict[str, Any]]:
        with self._lock:
            self._forget_dropped()
            if principal is not None and resource is None:
                raise InvalidInput(
                    "Resource is mandatory if Principal is set in the input."
                )
            if resource_type is not None and resource_type not in LIST_RESOURCE_TYPES:
                raise InvalidInput(f"Unsupported resource type {resource_type}.")
            identifier = (
                self._check_principal(principal) if principal is not None else None
            )
            wanted: tuple[str, ...] | None = None
            if resource is not None:
                if isinstance(resource, dict) and resource.get("TableWithColumns"):
                    raise InvalidInput(
                        "ListPermissions does not support a TableWithColumns "
                        "resource; list the Table instead."
                    )
                securable, _ = self.resolve(catalog_id, resource)
                wanted = securable.key
            entries: list[dict[str, Any]] = []
            for (cat, who, object_key), grants in self.grants.items():
                if cat != catalog_id:
                    continue
                if identifier is not None and who != identifier:
                    continue
                if wanted is not None and object_key != wanted:
                    continue
                if resource_type is not None and not (
                    grants.securable.resource_type == resource_type
                    or (
                        resource_type == "LF_TAG_POLICY"
                        and grants.securable.resource_type.startswith("LF_TAG_POLICY")
                    )
                ):
                    continue
                entries.extend(_entries(who, grants))
            return entries


def _permission_set(values: Any, member: str) -> set[str]:
    if values is None:
        raise InvalidInput(f"{member} is required.")
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InvalidInput(f"{member} must be a list of permissions.")
    unknown = sorted(set(values) - PERMISSIONS)
    if unknown:
        raise InvalidInput(f"Unknown permission {unknown[0]} in {member}.")
    return set(values)


def _resource_kind(resource: dict[str, Any]) -> str:
    """The row of ``PERMISSIONS_BY_RESOURCE`` of a resolved ``Resource``."""
    shape = next(s for s in RESOURCE_SHAPES if resource.get(s) is not None)
    if shape == "LFTagPolicy":
        return f"LFTagPolicy:{resource[shape].get('ResourceType')}"
    return shape


def _check_fit(resource: dict[str, Any], permissions: set[str]) -> None:
    """Every permission must fit the kind of resource it is granted on."""
    if permissions - PERMISSIONS_BY_RESOURCE[_resource_kind(resource)]:
        raise InvalidInput(INVALID_MODIFICATION)


def _entry(who: str, resource: dict[str, Any], held: Held) -> dict[str, Any]:
    return {
        "Principal": {"DataLakePrincipalIdentifier": who},
        "Resource": resource,
        "Permissions": sorted(held.permissions),
        "PermissionsWithGrantOption": sorted(held.grantable),
    }


def _entries(who: str, grants: ObjectGrants) -> Iterator[dict[str, Any]]:
    securable = grants.securable
    if not grants.whole.is_empty():
        yield _entry(who, securable.resource, grants.whole)
    if grants.parts:
        # One entry per set of permissions: the parts that hold exactly it.
        groups: dict[tuple[Any, ...], list[str]] = {}
        for item, held in sorted(grants.parts.items()):
            groups.setdefault(held.key(), []).append(item)
        for (perms, grantable), items in groups.items():
            held = Held(set(perms), set(grantable))
            if securable.shape == "Table":
                table = dict(securable.resource["Table"])
                table["ColumnNames"] = items
                resource = {"TableWithColumns": table}
            else:
                tag = dict(securable.resource["LFTag"])
                tag["TagValues"] = items
                resource = {"LFTag": tag}
            yield _entry(who, resource, held)
    if grants.wildcard is not None and not grants.wildcard.is_empty():
        table = dict(securable.resource["Table"])
        table["ColumnWildcard"] = (
            {"ExcludedColumnNames": sorted(grants.wildcard_excluded)}
            if grants.wildcard_excluded
            else {}
        )
        yield _entry(who, {"TableWithColumns": table}, grants.wildcard)


lakeformation_permissions_backends = BackendDict(
    LakeFormationPermissionsBackend, "lakeformation"
)


# --------------------------------------------------------------------------
# Responses
# --------------------------------------------------------------------------


class LakeFormationPermissionsResponse(LakeFormationResponse):
    """Grant, revoke and list on top of moto's ``LakeFormationResponse``."""

    @property
    def permissions_backend(self) -> LakeFormationPermissionsBackend:
        return lakeformation_permissions_backends[self.current_account][self.region]

    def _catalog_id(self) -> str:
        return self._get_param("CatalogId") or self.current_account

    @staticmethod
    def _change(operation: Any, catalog_id: str, member: Callable[[str], Any]) -> None:
        """Grant or revoke what a request, or one batch entry, names (``member``)."""
        operation(
            PermissionChange(
                catalog_id=catalog_id,
                principal=member("Principal"),
                resource=member("Resource"),
                permissions=member("Permissions"),
                grantable=member("PermissionsWithGrantOption"),
            )
        )

    def grant_permissions(self) -> str:
        self._change(self.permissions_backend.grant, self._catalog_id(), self._get_param)
        return "{}"

    def revoke_permissions(self) -> str:
        self._change(self.permissions_backend.revoke, self._catalog_id(), self._get_param)
        return "{}"

    def list_permissions(self) -> str:
        entries = self.permissions_backend.list(
            catalog_id=self._catalog_id(),
            principal=self._get_param("Principal"),
            resource=self._get_param("Resource"),
            resource_type=self._get_param("ResourceType"),
        )
        max_results = self._get_param("MaxResults")
        token = self._get_param("NextToken")
        start = 0
        if token is not None:
            if (
                not isinstance(token, str)
                or not token.isdigit()
                or int(token) > len(entries)
            ):
                raise InvalidInput("Invalid NextToken.")
            start = int(token)
        if max_results is not None:
            if (
                not isinstance(max_results, int)
                or not 1 <= max_results <= MAX_RESULTS_LIMIT
            ):
                raise InvalidInput(
                    f"MaxResults must be between 1 and {MAX_RESULTS_LIMIT}."
                )
            end = start + max_results
        else:
            end = len(entries)
        body: dict[str, Any] = {"PrincipalResourcePermissions": entries[start:end]}
        if end < len(entries):
            body["NextToken"] = str(end)
        return json.dumps(body)

    @staticmethod
    def _batch_entries(entries: Any) -> list[dict[str, Any]]:
        """``Entries`` as the model requires: a list of at most 20 entries,
        each with an ``Id`` (``Identifier``: 1 to 255 characters)."""
        if not isinstance(entries, list):
            raise InvalidInput(
                "1 validation error detected: Value null at 'entries' failed to "
                "satisfy constraint: Member must not be null"
            )
        if len(entries) > MAX_BATCH_ENTRIES:
            raise InvalidInput(
                f"A batch request can have at most {MAX_BATCH_ENTRIES} entries."
            )
        for index, entry in enumerate(entries, start=1):
            entry_id = entry.get("Id") if isinstance(entry, dict) else None
            if entry_id is None:
                raise InvalidInput(
                    f"1 validation error detected: Value null at 'entries.{index}.member.id' "
                    "failed to satisfy constraint: Member must not be null"
                )
            if not isinstance(entry_id, str) or not 1 <= len(entry_id) <= MAX_ENTRY_ID_LENGTH:
                raise InvalidInput(
                    f"1 validation error detected: Value at 'entries.{index}.member.id' "
                    "failed to satisfy constraint: Member must have length between 1 "
                    f"and {MAX_ENTRY_ID_LENGTH}"
                )
        return entries

    def _batch(self, operation: Any) -> str:
        catalog_id = self._catalog_id()
        failures = []
        for entry in self._batch_entries(self._get_param("Entries")):
            try:
                self._change(operation, catalog_id, entry.get)
            except JsonRESTError as error:
                failures.append(
                    {
                        "RequestEntry": entry,
                        "Error": {
                            "ErrorCode": error.error_type,
                            "ErrorMessage": error.message,
                        },
                    }
                )
        return json.dumps({"Failures": failures})

    def batch_grant_permissions(self) -> str:
        return self._batch(self.permissions_backend.grant)

    def batch_revoke_permissions(self) -> str:
        return self._batch(self.permissions_backend.revoke)


EXTENSION = register(
    ServiceExtension(
        name="lakeformation-permissions",
        service="lakeformation",
        base_response=LakeFormationResponse,
        response=LakeFormationPermissionsResponse,
    )
)
