//! A grant as Lake Formation understands it: who, on what, which permissions; its identity
//! (the physical id), and how one grant turns into another without an access gap.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_lakeformation::types::Permission;
use cfn_custom_resource::ResourceError;

use crate::properties::{GrantProperties, ResourceProperty};

/// The principal that stands for "whoever IAM allows" (Lake Formation's compatibility group).
pub const IAM_ALLOWED_PRINCIPALS: &str = "IAM_ALLOWED_PRINCIPALS";
/// Every physical id this resource answers starts with this.
pub const PHYSICAL_ID_PREFIX: &str = "lfgrant-";

/// One GrantPermissions or RevokePermissions call: validated, with sets for the lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The Data Catalog holding the grant (`None`: the account's own).
    pub catalog_id: Option<String>,
    /// An IAM role or user ARN, or `IAM_ALLOWED_PRINCIPALS`.
    pub principal: String,
    /// What it is on.
    pub resource: GrantResource,
    pub permissions: BTreeSet<String>,
    /// The permissions with grant option.
    pub grantable: BTreeSet<String>,
}

/// The Lake Formation resource shapes, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantResource {
    /// The Data Catalog.
    Catalog {
        /// A catalog other than the default one.
        id: Option<String>,
    },
    /// A database.
    Database {
        catalog_id: Option<String>,
        name: String,
    },
    /// A table, or every table of a database.
    Table {
        catalog_id: Option<String>,
        database_name: String,
        /// Its name; `None` is the `TableWildcard`.
        name: Option<String>,
    },
    /// Some columns of a table.
    TableWithColumns {
        catalog_id: Option<String>,
        database_name: String,
        /// The table.
        name: String,
        columns: Columns,
    },
    /// An S3 location.
    DataLocation {
        catalog_id: Option<String>,
        /// The location's ARN.
        resource_arn: String,
    },
    /// A data cells filter (rows and columns of a table).
    DataCellsFilter {
        table_catalog_id: Option<String>,
        database_name: String,
        /// The table.
        table_name: String,
        /// The filter.
        name: String,
    },
    /// An LF-tag (key and some of its values).
    LfTag {
        catalog_id: Option<String>,
        key: String,
        values: BTreeSet<String>,
    },
    /// Every database or table an LF-tag expression matches.
    LfTagPolicy {
        catalog_id: Option<String>,
        /// `DATABASE` or `TABLE`.
        resource_type: String,
        /// Tag key → any of these values.
        expression: BTreeMap<String, BTreeSet<String>>,
    },
}

/// The columns of a `TableWithColumns`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Columns {
    /// These columns.
    Named(BTreeSet<String>),
    /// Every column but these (`ColumnWildcard`).
    AllExcept(BTreeSet<String>),
}

/// The object a grant secures, independent of which of its parts (columns, tag values) and
/// which permissions: the identity behind the physical id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Securable {
    kind: &'static str,
    fields: Vec<String>,
}

/// Which part of its [`Securable`] a grant covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// The whole object.
    Whole,
    /// These columns, or these LF-tag values.
    Parts(BTreeSet<String>),
    /// Every column but these.
    AllColumnsExcept(BTreeSet<String>),
}

/// How an update is carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdatePlan {
    /// Another principal or another object: grant the new one under a new physical id;
    /// CloudFormation then deletes (revokes) the old one. The two cannot overlap.
    Replace,
    /// The same principal and object: change the grant in place, same physical id. The new
    /// grant is made first, in full (what was added, and what should be there anyway).
    InPlace {
        /// Then revoked: what the old grant had and the new one does not.
        revokes: Vec<Grant>,
        /// The part selection changed shape (e.g. columns to a column wildcard): what the old
        /// grant covered cannot be subtracted exactly, so it is revoked whole and the new grant
        /// is made again right after.
        grant_again: bool,
    },
}

impl Grant {
    /// Validates `properties` into a grant. Every refusal names the property and what to do.
    pub fn from_properties(properties: &GrantProperties) -> Result<Self, ResourceError> {
        let principal = validate_principal(&properties.principal)?;
        let permissions = permission_set(&properties.permissions, "Permissions")?;
        if permissions.is_empty() {
            return Err(ResourceError::invalid_property(
                "Permissions",
                format!(
                    "must list at least one permission ({})",
                    known_permissions()
                ),
            ));
        }
        let grantable = permission_set(
            properties
                .permissions_with_grant_option
                .as_deref()
                .unwrap_or_default(),
            "PermissionsWithGrantOption",
        )?;
        let catalog_id = optional_name(properties.catalog_id.as_deref(), "CatalogId")?;
        let resource = GrantResource::from_property(&properties.resource)?;
        for (property, set) in [
            ("Permissions", &permissions),
            ("PermissionsWithGrantOption", &grantable),
        ] {
            resource.check_fit(property, set)?;
        }
        Ok(Self {
            catalog_id,
            principal,
            resource,
            permissions,
            grantable,
        })
    }

    /// What `properties` can have granted: like [`Grant::from_properties`], except that a
    /// permission that does not fit the resource is left out rather than refused, as Lake
    /// Formation can hold no such permission. For the properties of what exists already (the
    /// old properties of an update, those of a delete): a stack whose properties no longer
    /// pass today's checks can still be updated and deleted.
    pub fn from_granted_properties(properties: &GrantProperties) -> Result<Self, ResourceError> {
        let principal = validate_principal(&properties.principal)?;
        let resource = GrantResource::from_property(&properties.resource)?;
        let fit = resource.permissions_that_fit();
        let fitting = |names: &[String], property: &str| {
            permission_set(names, property).map(|set| {
                set.into_iter()
                    .filter(|p| fit.contains(&p.as_str()))
                    .collect()
            })
        };
        Ok(Self {
            catalog_id: optional_name(properties.catalog_id.as_deref(), "CatalogId")?,
            principal,
            permissions: fitting(&properties.permissions, "Permissions")?,
            grantable: fitting(
                properties
                    .permissions_with_grant_option
                    .as_deref()
                    .unwrap_or_default(),
                "PermissionsWithGrantOption",
            )?,
            resource,
        })
    }

    /// The account's Data Catalog when none is named.
    fn catalog(&self, account: &str) -> String {
        self.catalog_id
            .clone()
            .unwrap_or_else(|| account.to_owned())
    }

    /// The object this grant secures, with every default catalog filled in from `account`.
    pub fn securable(&self, account: &str) -> Securable {
        let catalog = self.catalog(account);
        let inner = |id: &Option<String>| id.clone().unwrap_or_else(|| catalog.clone());
        let (kind, fields) = match &self.resource {
            GrantResource::Catalog { id } => ("catalog", vec![inner(id)]),
            GrantResource::Database { catalog_id, name } => {
                ("database", vec![inner(catalog_id), name.clone()])
            }
            GrantResource::Table {
                catalog_id,
                database_name,
                name: Some(name),
            }
            | GrantResource::TableWithColumns {
                catalog_id,
                database_name,
                name,
                ..
            } => (
                "table",
                vec![inner(catalog_id), database_name.clone(), name.clone()],
            ),
            GrantResource::Table {
                catalog_id,
                database_name,
                name: None,
            } => ("tables", vec![inner(catalog_id), database_name.clone()]),
            GrantResource::DataLocation {
                catalog_id,
                resource_arn,
            } => ("location", vec![inner(catalog_id), resource_arn.clone()]),
            GrantResource::DataCellsFilter {
                table_catalog_id,
                database_name,
                table_name,
                name,
            } => (
                "filter",
                vec![
                    inner(table_catalog_id),
                    database_name.clone(),
                    table_name.clone(),
                    name.clone(),
                ],
            ),
            GrantResource::LfTag {
                catalog_id, key, ..
            } => ("lftag", vec![inner(catalog_id), key.clone()]),
            GrantResource::LfTagPolicy {
                catalog_id,
                resource_type,
                expression,
            } => {
                let mut fields = vec![inner(catalog_id), resource_type.clone()];
                for (key, values) in expression {
                    fields.push(key.clone());
                    fields.push(values.iter().cloned().collect::<Vec<_>>().join(","));
                }
                ("lftagpolicy", fields)
            }
        };
        Securable {
            kind,
            fields: std::iter::once(catalog).chain(fields).collect(),
        }
    }

    /// Which part of its object the grant covers.
    pub fn selection(&self) -> Selection {
        match &self.resource {
            GrantResource::TableWithColumns {
                columns: Columns::Named(names),
                ..
            } => Selection::Parts(names.clone()),
            GrantResource::TableWithColumns {
                columns: Columns::AllExcept(excluded),
                ..
            } => Selection::AllColumnsExcept(excluded.clone()),
            GrantResource::LfTag { values, .. } => Selection::Parts(values.clone()),
            _ => Selection::Whole,
        }
    }

    /// The physical id: the same for the same principal and object, whatever the permissions
    /// or the columns, so that a duplicate delivery converges and an in-place update keeps it.
    pub fn physical_id(&self, account: &str) -> String {
        let securable = self.securable(account);
        let mut hash = Fnv128::new();
        hash.field(&self.principal);
        hash.field(securable.kind);
        for field in &securable.fields {
            hash.field(field);
        }
        format!(
            "{PHYSICAL_ID_PREFIX}{}-{:032x}",
            securable.kind,
            hash.finish()
        )
    }

    /// The same grant with other permission sets.
    fn with_permissions(&self, permissions: BTreeSet<String>, grantable: BTreeSet<String>) -> Self {
        Self {
            permissions,
            grantable,
            ..self.clone()
        }
    }

    /// The same grant on other parts (columns or LF-tag values) of its object.
    fn with_parts(&self, parts: BTreeSet<String>) -> Self {
        let resource = match &self.resource {
            GrantResource::TableWithColumns {
                catalog_id,
                database_name,
                name,
                ..
            } => GrantResource::TableWithColumns {
                catalog_id: catalog_id.clone(),
                database_name: database_name.clone(),
                name: name.clone(),
                columns: Columns::Named(parts),
            },
            GrantResource::LfTag {
                catalog_id, key, ..
            } => GrantResource::LfTag {
                catalog_id: catalog_id.clone(),
                key: key.clone(),
                values: parts,
            },
            other => other.clone(),
        };
        Self {
            resource,
            ..self.clone()
        }
    }

    /// Whether the call would change nothing.
    pub fn is_empty(&self) -> bool {
        self.permissions.is_empty() && self.grantable.is_empty()
    }
}

/// Whether `id` has the shape of [`Grant::physical_id`].
pub fn is_physical_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix(PHYSICAL_ID_PREFIX) else {
        return false;
    };
    let Some((kind, hash)) = rest.rsplit_once('-') else {
        return false;
    };
    !kind.is_empty()
        && kind.bytes().all(|b| b.is_ascii_lowercase())
        && hash.len() == 32
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

/// How to get from grant `old` to grant `new` (`account`: the stack's account, the default
/// catalog). Another principal or object is a replacement; otherwise the grant changes in place:
/// the new grant first, then the revokes of what only the old one had.
pub fn plan_update(old: &Grant, new: &Grant, account: &str) -> UpdatePlan {
    if old.principal != new.principal || old.securable(account) != new.securable(account) {
        return UpdatePlan::Replace;
    }
    let removed_permissions: BTreeSet<String> = old
        .permissions
        .difference(&new.permissions)
        .cloned()
        .collect();
    let removed_grantable: BTreeSet<String> =
        old.grantable.difference(&new.grantable).cloned().collect();
    let removed = new.with_permissions(removed_permissions, removed_grantable);

    let (revokes, grant_again) = match (old.selection(), new.selection()) {
        (old_selection, new_selection) if old_selection == new_selection => (
            vec![removed]
                .into_iter()
                .filter(|g| !g.is_empty())
                .collect(),
            false,
        ),
        (Selection::Parts(old_parts), Selection::Parts(new_parts)) => {
            let dropped: BTreeSet<String> = old_parts.difference(&new_parts).cloned().collect();
            let kept: BTreeSet<String> = old_parts.intersection(&new_parts).cloned().collect();
            let mut revokes = Vec::new();
            if !dropped.is_empty() {
                revokes.push(
                    new.with_parts(dropped)
                        .with_permissions(old.permissions.clone(), old.grantable.clone()),
                );
            }
            if !kept.is_empty() && !removed.is_empty() {
                revokes.push(removed.with_parts(kept));
            }
            (revokes, false)
        }
        _ => (vec![old.clone()], true),
    };
    UpdatePlan::InPlace {
        revokes,
        grant_again,
    }
}

// The permissions that fit each kind of resource — the one home of this rule. Lake Formation
// refuses any other with `InvalidInputException: Permissions modification is invalid.`, which
// names neither the permission nor the resource; this table lets the function refuse first and
// say which.
//
// Sources: Lake Formation developer guide, "Lake Formation permissions reference", table
// "Lake Formation permissions per resource type"
// (<https://docs.aws.amazon.com/lake-formation/latest/dg/lf-permissions-reference.html>):
// Catalog, Database, Table, Data location, LF-Tag rows; "Adding LF-Tag creators"
// (`CREATE_LF_TAG` on the catalog); "Data filtering and cell-level security" (`SELECT`,
// `DESCRIBE`, `DROP` on a data cells filter); the botocore model of `TableWithColumnsResource`
// ("only used when granting a SELECT permission"). An `LFTagPolicy` grants on the databases or
// tables it matches, so it takes their permissions.
const DATABASE_PERMISSIONS: &[&str] = &["ALL", "ALTER", "CREATE_TABLE", "DESCRIBE", "DROP"];
const TABLE_PERMISSIONS: &[&str] = &[
    "ALL", "ALTER", "DELETE", "DESCRIBE", "DROP", "INSERT", "SELECT",
];
const CATALOG_PERMISSIONS: &[&str] = &[
    "ALL",
    "ALTER",
    "CREATE_CATALOG",
    "CREATE_DATABASE",
    "CREATE_LF_TAG",
    "CREATE_LF_TAG_EXPRESSION",
    "DESCRIBE",
    "DROP",
    "SUPER_USER",
];
const COLUMN_PERMISSIONS: &[&str] = &["SELECT"];
const DATA_LOCATION_PERMISSIONS: &[&str] = &["DATA_LOCATION_ACCESS"];
const DATA_CELLS_FILTER_PERMISSIONS: &[&str] = &["DESCRIBE", "DROP", "SELECT"];
const LF_TAG_PERMISSIONS: &[&str] = &[
    "ALTER",
    "ASSOCIATE",
    "DESCRIBE",
    "DROP",
    "GRANT_WITH_LF_TAG_EXPRESSION",
];

impl GrantResource {
    /// The permissions Lake Formation accepts on this kind of resource.
    pub fn permissions_that_fit(&self) -> &'static [&'static str] {
        match self {
            Self::Catalog { .. } => CATALOG_PERMISSIONS,
            Self::Database { .. } => DATABASE_PERMISSIONS,
            Self::Table { .. } => TABLE_PERMISSIONS,
            Self::TableWithColumns { .. } => COLUMN_PERMISSIONS,
            Self::DataLocation { .. } => DATA_LOCATION_PERMISSIONS,
            Self::DataCellsFilter { .. } => DATA_CELLS_FILTER_PERMISSIONS,
            Self::LfTag { .. } => LF_TAG_PERMISSIONS,
            Self::LfTagPolicy { resource_type, .. } if resource_type == "DATABASE" => {
                DATABASE_PERMISSIONS
            }
            Self::LfTagPolicy { .. } => TABLE_PERMISSIONS,
        }
    }

    /// The kind as the `Resource` property names it, for a `Reason`.
    fn kind_name(&self) -> String {
        match self {
            Self::Catalog { .. } => "Catalog".to_owned(),
            Self::Database { .. } => "Database".to_owned(),
            Self::Table { name: None, .. } => "Table (TableWildcard)".to_owned(),
            Self::Table { .. } => "Table".to_owned(),
            Self::TableWithColumns { .. } => "TableWithColumns".to_owned(),
            Self::DataLocation { .. } => "DataLocation".to_owned(),
            Self::DataCellsFilter { .. } => "DataCellsFilter".to_owned(),
            Self::LfTag { .. } => "LFTag".to_owned(),
            Self::LfTagPolicy { resource_type, .. } => {
                format!("LFTagPolicy of ResourceType {resource_type}")
            }
        }
    }

    /// What to write instead, for the misfits people make most.
    fn fit_hint(&self, misfits: &BTreeSet<String>) -> &'static str {
        match self {
            Self::TableWithColumns { .. } => {
                ". Column grants are SELECT only: for DESCRIBE (or more) on the table itself, add a second Custom::LakeFormationGrant with Resource.Table and those permissions"
            }
            Self::Database { .. }
                if misfits
                    .iter()
                    .any(|p| matches!(p.as_str(), "SELECT" | "INSERT" | "DELETE")) =>
            {
                ". To read or write the database's tables, grant on Resource.Table (a Name, or TableWildcard for every table)"
            }
            Self::Table { .. } if misfits.contains("CREATE_TABLE") => {
                ". CREATE_TABLE is granted on Resource.Database"
            }
            _ => "",
        }
    }

    /// Refuses, naming `property`, any of `permissions` that does not fit this resource.
    fn check_fit(
        &self,
        property: &str,
        permissions: &BTreeSet<String>,
    ) -> Result<(), ResourceError> {
        let fit = self.permissions_that_fit();
        let misfits: BTreeSet<String> = permissions
            .iter()
            .filter(|p| !fit.contains(&p.as_str()))
            .cloned()
            .collect();
        if misfits.is_empty() {
            return Ok(());
        }
        let listed = misfits.iter().cloned().collect::<Vec<_>>().join(", ");
        let verb = if misfits.len() == 1 { "does" } else { "do" };
        Err(ResourceError::invalid_property(
            property,
            format!(
                "{listed} {verb} not fit a {} resource, which takes only {}{}",
                self.kind_name(),
                fit.join(", "),
                self.fit_hint(&misfits)
            ),
        ))
    }

    /// The `ResourceType` attribute: the shape's name in Lake Formation's upper-case style.
    pub fn resource_type(&self) -> &'static str {
        match self {
            Self::Catalog { .. } => "CATALOG",
            Self::Database { .. } => "DATABASE",
            Self::Table { .. } => "TABLE",
            Self::TableWithColumns { .. } => "TABLE_WITH_COLUMNS",
            Self::DataLocation { .. } => "DATA_LOCATION",
            Self::DataCellsFilter { .. } => "DATA_CELLS_FILTER",
            Self::LfTag { .. } => "LF_TAG",
            Self::LfTagPolicy { .. } => "LF_TAG_POLICY",
        }
    }

    fn from_property(resource: &ResourceProperty) -> Result<Self, ResourceError> {
        let given: Vec<&str> = [
            ("Catalog", resource.catalog.is_some()),
            ("Database", resource.database.is_some()),
            ("Table", resource.table.is_some()),
            ("TableWithColumns", resource.table_with_columns.is_some()),
            ("DataLocation", resource.data_location.is_some()),
            ("DataCellsFilter", resource.data_cells_filter.is_some()),
            ("LFTag", resource.lf_tag.is_some()),
            ("LFTagPolicy", resource.lf_tag_policy.is_some()),
        ]
        .into_iter()
        .filter_map(|(shape, present)| present.then_some(shape))
        .collect();
        const SHAPES: &str = "Catalog, Database, Table, TableWithColumns, DataLocation, DataCellsFilter, LFTag or LFTagPolicy";
        match given.as_slice() {
            [] => {
                return Err(ResourceError::invalid_property(
                    "Resource",
                    format!("must name exactly one of {SHAPES}; it names none"),
                ));
            }
            [_] => {}
            several => {
                return Err(ResourceError::invalid_property(
                    "Resource",
                    format!(
                        "must name exactly one of {SHAPES}; it names {}. Make one resource per grant",
                        several.join(" and ")
                    ),
                ));
            }
        }

        if let Some(catalog) = &resource.catalog {
            return Ok(Self::Catalog {
                id: optional_name(catalog.id.as_deref(), "Resource.Catalog.Id")?,
            });
        }
        if let Some(database) = &resource.database {
            return Ok(Self::Database {
                catalog_id: optional_name(
                    database.catalog_id.as_deref(),
                    "Resource.Database.CatalogId",
                )?,
                name: name_of(&database.name, "Resource.Database.Name")?,
            });
        }
        if let Some(table) = &resource.table {
            let name = match (&table.name, &table.table_wildcard) {
                (Some(table_name), None) => Some(name_of(table_name, "Resource.Table.Name")?),
                (None, Some(_)) => None,
                (Some(_), Some(_)) => {
                    return Err(ResourceError::invalid_property(
                        "Resource.Table",
                        "takes Name or TableWildcard, not both",
                    ));
                }
                (None, None) => {
                    return Err(ResourceError::invalid_property(
                        "Resource.Table",
                        "needs Name (one table) or TableWildcard: {} (every table of the database)",
                    ));
                }
            };
            return Ok(Self::Table {
                catalog_id: optional_name(table.catalog_id.as_deref(), "Resource.Table.CatalogId")?,
                database_name: name_of(&table.database_name, "Resource.Table.DatabaseName")?,
                name,
            });
        }
        if let Some(table) = &resource.table_with_columns {
            let columns = match (&table.column_names, &table.column_wildcard) {
                (Some(_), Some(_)) => {
                    return Err(ResourceError::invalid_property(
                        "Resource.TableWithColumns",
                        "takes ColumnNames or ColumnWildcard, not both: list the columns to grant, or grant every column but some with ColumnWildcard.ExcludedColumnNames",
                    ));
                }
                (None, None) => {
                    return Err(ResourceError::invalid_property(
                        "Resource.TableWithColumns",
                        "needs ColumnNames (the columns to grant) or ColumnWildcard (every column, ExcludedColumnNames left out)",
                    ));
                }
                (Some(names), None) => {
                    let names = name_set(names, "Resource.TableWithColumns.ColumnNames")?;
                    if names.is_empty() {
                        return Err(ResourceError::invalid_property(
                            "Resource.TableWithColumns.ColumnNames",
                            "must name at least one column",
                        ));
                    }
                    Columns::Named(names)
                }
                (None, Some(wildcard)) => Columns::AllExcept(name_set(
                    wildcard
                        .excluded_column_names
                        .as_deref()
                        .unwrap_or_default(),
                    "Resource.TableWithColumns.ColumnWildcard.ExcludedColumnNames",
                )?),
            };
            return Ok(Self::TableWithColumns {
                catalog_id: optional_name(
                    table.catalog_id.as_deref(),
                    "Resource.TableWithColumns.CatalogId",
                )?,
                database_name: name_of(
                    &table.database_name,
                    "Resource.TableWithColumns.DatabaseName",
                )?,
                name: name_of(&table.name, "Resource.TableWithColumns.Name")?,
                columns,
            });
        }
        if let Some(location) = &resource.data_location {
            return Ok(Self::DataLocation {
                catalog_id: optional_name(
                    location.catalog_id.as_deref(),
                    "Resource.DataLocation.CatalogId",
                )?,
                resource_arn: name_of(&location.resource_arn, "Resource.DataLocation.ResourceArn")?,
            });
        }
        if let Some(filter) = &resource.data_cells_filter {
            return Ok(Self::DataCellsFilter {
                table_catalog_id: optional_name(
                    filter.table_catalog_id.as_deref(),
                    "Resource.DataCellsFilter.TableCatalogId",
                )?,
                database_name: name_of(
                    &filter.database_name,
                    "Resource.DataCellsFilter.DatabaseName",
                )?,
                table_name: name_of(&filter.table_name, "Resource.DataCellsFilter.TableName")?,
                name: name_of(&filter.name, "Resource.DataCellsFilter.Name")?,
            });
        }
        if let Some(tag) = &resource.lf_tag {
            let values = name_set(&tag.tag_values, "Resource.LFTag.TagValues")?;
            if values.is_empty() {
                return Err(ResourceError::invalid_property(
                    "Resource.LFTag.TagValues",
                    "must list at least one value",
                ));
            }
            return Ok(Self::LfTag {
                catalog_id: optional_name(tag.catalog_id.as_deref(), "Resource.LFTag.CatalogId")?,
                key: name_of(&tag.tag_key, "Resource.LFTag.TagKey")?,
                values,
            });
        }
        if let Some(policy) = &resource.lf_tag_policy {
            if !matches!(policy.resource_type.as_str(), "DATABASE" | "TABLE") {
                return Err(ResourceError::invalid_property(
                    "Resource.LFTagPolicy.ResourceType",
                    format!(
                        "expected DATABASE or TABLE, got \"{}\"",
                        policy.resource_type
                    ),
                ));
            }
            if policy.expression.is_empty() {
                return Err(ResourceError::invalid_property(
                    "Resource.LFTagPolicy.Expression",
                    "must have at least one {TagKey, TagValues} condition",
                ));
            }
            let mut expression = BTreeMap::new();
            for (index, pair) in policy.expression.iter().enumerate() {
                let property = format!("Resource.LFTagPolicy.Expression[{index}]");
                let key = name_of(&pair.tag_key, &format!("{property}.TagKey"))?;
                let values = name_set(&pair.tag_values, &format!("{property}.TagValues"))?;
                if values.is_empty() {
                    return Err(ResourceError::invalid_property(
                        format!("{property}.TagValues"),
                        "must list at least one value",
                    ));
                }
                if expression.insert(key.clone(), values).is_some() {
                    return Err(ResourceError::invalid_property(
                        format!("{property}.TagKey"),
                        format!("\"{key}\" appears twice; list all its values in one condition"),
                    ));
                }
            }
            return Ok(Self::LfTagPolicy {
                catalog_id: optional_name(
                    policy.catalog_id.as_deref(),
                    "Resource.LFTagPolicy.CatalogId",
                )?,
                resource_type: policy.resource_type.clone(),
                expression,
            });
        }
        Err(ResourceError::invalid_property(
            "Resource",
            format!("must name exactly one of {SHAPES}"),
        ))
    }
}

fn validate_principal(principal: &str) -> Result<String, ResourceError> {
    let principal = principal.trim();
    if principal == IAM_ALLOWED_PRINCIPALS || is_iam_role_or_user_arn(principal) {
        return Ok(principal.to_owned());
    }
    Err(ResourceError::invalid_property(
        "Principal",
        format!(
            "expected an IAM role or user ARN (arn:aws:iam::<account>:role/<name>) or IAM_ALLOWED_PRINCIPALS, got \"{principal}\""
        ),
    ))
}

/// `arn:<partition>:iam::<12 digits>:role/<name>` or `...:user/<name>` (paths allowed).
fn is_iam_role_or_user_arn(text: &str) -> bool {
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    let entity = resource
        .strip_prefix("role/")
        .or_else(|| resource.strip_prefix("user/"));
    *arn == "arn"
        && partition.starts_with("aws")
        && *service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && entity.is_some_and(|name| !name.is_empty() && !name.ends_with('/'))
}

fn permission_set(names: &[String], property: &str) -> Result<BTreeSet<String>, ResourceError> {
    let known = Permission::values();
    let mut set = BTreeSet::new();
    for name in names {
        let name = name.trim();
        if !known.contains(&name) {
            return Err(ResourceError::invalid_property(
                property,
                format!("unknown permission \"{name}\" ({})", known_permissions()),
            ));
        }
        set.insert(name.to_owned());
    }
    Ok(set)
}

fn known_permissions() -> String {
    format!("expected any of {}", Permission::values().join(", "))
}

fn name_of(value: &str, property: &str) -> Result<String, ResourceError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ResourceError::invalid_property(
            property,
            "must not be empty",
        ));
    }
    Ok(value.to_owned())
}

fn optional_name(value: Option<&str>, property: &str) -> Result<Option<String>, ResourceError> {
    value.map(|value| name_of(value, property)).transpose()
}

fn name_set(values: &[String], property: &str) -> Result<BTreeSet<String>, ResourceError> {
    values
        .iter()
        .map(|value| name_of(value, property))
        .collect()
}

/// FNV-1a, 128 bits: stable across builds and platforms (unlike `std`'s hasher), which a
/// physical id must be.
struct Fnv128(u128);

impl Fnv128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

    fn new() -> Self {
        Self(Self::OFFSET)
    }

    /// Adds a field, length-prefixed so that fields cannot run into each other.
    fn field(&mut self, text: &str) {
        self.bytes(&(text.len() as u64).to_le_bytes());
        self.bytes(text.as_bytes());
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u128::from(*byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u128 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "123456789012";
    const ROLE: &str = "arn:aws:iam::123456789012:role/ds-alice";

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|item| (*item).to_owned()).collect()
    }

    fn columns(names: &[&str], permissions: &[&str]) -> Grant {
        Grant {
            catalog_id: None,
            principal: ROLE.to_owned(),
            resource: GrantResource::TableWithColumns {
                catalog_id: None,
                database_name: "sales".to_owned(),
                name: "customers".to_owned(),
                columns: Columns::Named(set(names)),
            },
            permissions: set(permissions),
            grantable: BTreeSet::new(),
        }
    }

    fn table(catalog_id: Option<&str>, permissions: &[&str]) -> Grant {
        Grant {
            catalog_id: catalog_id.map(str::to_owned),
            principal: ROLE.to_owned(),
            resource: GrantResource::Table {
                catalog_id: None,
                database_name: "sales".to_owned(),
                name: Some("customers".to_owned()),
            },
            permissions: set(permissions),
            grantable: BTreeSet::new(),
        }
    }

    #[test]
    fn changing_the_columns_of_the_same_table_is_in_place_and_revokes_only_dropped_columns() {
        let old = columns(&["id", "amount", "email"], &["SELECT"]);
        let new = columns(&["id", "amount", "country"], &["SELECT"]);

        let plan = plan_update(&old, &new, ACCOUNT);

        assert_eq!(
            plan,
            UpdatePlan::InPlace {
                revokes: vec![columns(&["email"], &["SELECT"])],
                grant_again: false,
            }
        );
        assert_eq!(old.physical_id(ACCOUNT), new.physical_id(ACCOUNT));
    }

    #[test]
    fn dropping_a_grant_option_on_kept_columns_revokes_just_the_option() {
        let mut old = columns(&["id"], &["SELECT"]);
        old.grantable = set(&["SELECT"]);
        let new = columns(&["id"], &["SELECT"]);

        let UpdatePlan::InPlace { revokes, .. } = plan_update(&old, &new, ACCOUNT) else {
            panic!("expected in place");
        };

        let mut option_only = columns(&["id"], &[]);
        option_only.grantable = set(&["SELECT"]);
        assert_eq!(revokes, vec![option_only]);
    }

    #[test]
    fn switching_from_a_column_list_to_a_wildcard_revokes_the_old_whole_then_grants_again() {
        let old = columns(&["id"], &["SELECT"]);
        let mut new = columns(&["id"], &["SELECT"]);
        new.resource = GrantResource::TableWithColumns {
            catalog_id: None,
            database_name: "sales".to_owned(),
            name: "customers".to_owned(),
            columns: Columns::AllExcept(set(&["email"])),
        };

        assert_eq!(
            plan_update(&old, &new, ACCOUNT),
            UpdatePlan::InPlace {
                revokes: vec![old.clone()],
                grant_again: true,
            }
        );
    }

    #[test]
    fn naming_the_default_catalog_explicitly_is_the_same_grant_not_a_replacement() {
        let old = table(None, &["SELECT"]);
        let new = table(Some(ACCOUNT), &["SELECT"]);

        assert_eq!(
            plan_update(&old, &new, ACCOUNT),
            UpdatePlan::InPlace {
                revokes: vec![],
                grant_again: false,
            }
        );
        assert_eq!(old.physical_id(ACCOUNT), new.physical_id(ACCOUNT));
    }

    #[test]
    fn another_table_or_the_table_wildcard_is_a_replacement() {
        let old = table(None, &["SELECT"]);
        let mut other_table = old.clone();
        other_table.resource = GrantResource::Table {
            catalog_id: None,
            database_name: "sales".to_owned(),
            name: Some("orders".to_owned()),
        };
        let mut every_table = old.clone();
        every_table.resource = GrantResource::Table {
            catalog_id: None,
            database_name: "sales".to_owned(),
            name: None,
        };

        assert_eq!(
            plan_update(&old, &other_table, ACCOUNT),
            UpdatePlan::Replace
        );
        assert_eq!(
            plan_update(&old, &every_table, ACCOUNT),
            UpdatePlan::Replace
        );
        assert_ne!(old.physical_id(ACCOUNT), every_table.physical_id(ACCOUNT));
    }

    #[test]
    fn another_principal_is_a_replacement() {
        let old = table(None, &["SELECT"]);
        let mut new = old.clone();
        new.principal = "arn:aws:iam::123456789012:role/ds-bob".to_owned();

        assert_eq!(plan_update(&old, &new, ACCOUNT), UpdatePlan::Replace);
        assert_ne!(old.physical_id(ACCOUNT), new.physical_id(ACCOUNT));
    }

    #[test]
    fn every_permission_of_the_fit_table_is_one_lake_formation_knows() {
        let known = Permission::values();
        for row in [
            CATALOG_PERMISSIONS,
            DATABASE_PERMISSIONS,
            TABLE_PERMISSIONS,
            COLUMN_PERMISSIONS,
            DATA_LOCATION_PERMISSIONS,
            DATA_CELLS_FILTER_PERMISSIONS,
            LF_TAG_PERMISSIONS,
        ] {
            for permission in row {
                assert!(known.contains(permission), "{permission}");
            }
        }
    }

    #[test]
    fn the_physical_id_is_stable_and_recognisable() {
        let id = table(None, &["SELECT"]).physical_id(ACCOUNT);
        assert_eq!(id, table(None, &["ALL"]).physical_id(ACCOUNT));
        assert!(is_physical_id(&id), "{id}");
        assert!(id.starts_with("lfgrant-table-"));
        // Fields cannot run into each other: ("ab", "c") is not ("a", "bc").
        let hash = |fields: &[&str]| {
            let mut hash = Fnv128::new();
            for field in fields {
                hash.field(field);
            }
            hash.finish()
        };
        assert_ne!(hash(&["ab", "c"]), hash(&["a", "bc"]));
    }
}
