//! `Custom::LakeFormationGrant`'s properties as CloudFormation sends them.
//!
//! The shapes mirror the Lake Formation API (`Resource`, `TableResource`, ...), so a grant
//! reads like the API call it makes. [`crate::grant::Grant::from_properties`] checks what
//! serde cannot (exactly one resource shape, known permission names, columns or a wildcard).

use cfn_custom_resource::properties::{optional_string_list, string_list};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// The resource's properties (without `ServiceToken` and `ServiceTimeout`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GrantProperties {
    /// Who is granted: an IAM role or user ARN, or `IAM_ALLOWED_PRINCIPALS`. Also accepted as
    /// `{"DataLakePrincipalIdentifier": ...}`, as `AWS::LakeFormation::PrincipalPermissions`
    /// writes it.
    #[serde(deserialize_with = "principal")]
    pub principal: String,
    /// What is granted on: exactly one of the API's resource shapes.
    pub resource: ResourceProperty,
    /// The permissions, e.g. `["SELECT", "DESCRIBE"]`.
    #[serde(deserialize_with = "string_list")]
    pub permissions: Vec<String>,
    /// The permissions the principal may grant on to others.
    #[serde(default, deserialize_with = "optional_string_list")]
    pub permissions_with_grant_option: Option<Vec<String>>,
    /// The Data Catalog that holds the grant; by default the account's own.
    #[serde(default)]
    pub catalog_id: Option<String>,
}

/// `Resource`: one of the Lake Formation API's resource shapes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceProperty {
    /// `Catalog: {}`: the Data Catalog itself.
    #[serde(rename = "Catalog", default)]
    pub catalog: Option<CatalogProperty>,
    /// `Database: {Name}`.
    #[serde(rename = "Database", default)]
    pub database: Option<DatabaseProperty>,
    /// `Table: {DatabaseName, Name | TableWildcard: {}}`.
    #[serde(rename = "Table", default)]
    pub table: Option<TableProperty>,
    /// `TableWithColumns: {DatabaseName, Name, ColumnNames | ColumnWildcard}`.
    #[serde(rename = "TableWithColumns", default)]
    pub table_with_columns: Option<TableWithColumnsProperty>,
    /// `DataLocation: {ResourceArn}`.
    #[serde(rename = "DataLocation", default)]
    pub data_location: Option<DataLocationProperty>,
    /// `DataCellsFilter: {DatabaseName, TableName, Name}`.
    #[serde(rename = "DataCellsFilter", default)]
    pub data_cells_filter: Option<DataCellsFilterProperty>,
    /// `LFTag: {TagKey, TagValues}`.
    #[serde(rename = "LFTag", default)]
    pub lf_tag: Option<LfTagProperty>,
    /// `LFTagPolicy: {ResourceType, Expression}`.
    #[serde(rename = "LFTagPolicy", default)]
    pub lf_tag_policy: Option<LfTagPolicyProperty>,
}

/// `Catalog`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CatalogProperty {
    /// A catalog other than the account's default one.
    #[serde(default)]
    pub id: Option<String>,
}

/// `Database`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DatabaseProperty {
    /// The catalog the database is in.
    #[serde(default)]
    pub catalog_id: Option<String>,
    pub name: String,
}

/// `Table`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TableProperty {
    /// The catalog the table is in.
    #[serde(default)]
    pub catalog_id: Option<String>,
    pub database_name: String,
    /// The table; or `TableWildcard` for every table of the database.
    #[serde(default)]
    pub name: Option<String>,
    /// `{}`: every table of the database.
    #[serde(default)]
    pub table_wildcard: Option<EmptyObject>,
}

/// `{}`, as the API writes wildcards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmptyObject {}

/// `TableWithColumns`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TableWithColumnsProperty {
    /// The catalog the table is in.
    #[serde(default)]
    pub catalog_id: Option<String>,
    pub database_name: String,
    pub name: String,
    /// The columns granted.
    #[serde(default, deserialize_with = "optional_string_list")]
    pub column_names: Option<Vec<String>>,
    /// Every column, but those excluded.
    #[serde(default)]
    pub column_wildcard: Option<ColumnWildcardProperty>,
}

/// `ColumnWildcard`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ColumnWildcardProperty {
    /// Columns left out (e.g. PII).
    #[serde(default, deserialize_with = "optional_string_list")]
    pub excluded_column_names: Option<Vec<String>>,
}

/// `DataLocation`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DataLocationProperty {
    /// The catalog the location is registered in.
    #[serde(default)]
    pub catalog_id: Option<String>,
    /// The S3 location's ARN.
    pub resource_arn: String,
}

/// `DataCellsFilter`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DataCellsFilterProperty {
    /// The catalog the table is in.
    #[serde(default)]
    pub table_catalog_id: Option<String>,
    pub database_name: String,
    pub table_name: String,
    pub name: String,
}

/// `LFTag`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct LfTagProperty {
    /// The catalog the LF-tag is defined in.
    #[serde(default)]
    pub catalog_id: Option<String>,
    pub tag_key: String,
    #[serde(deserialize_with = "string_list")]
    pub tag_values: Vec<String>,
}

/// `LFTagPolicy`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct LfTagPolicyProperty {
    /// The catalog the LF-tags are defined in.
    #[serde(default)]
    pub catalog_id: Option<String>,
    /// `DATABASE` or `TABLE`.
    pub resource_type: String,
    /// The LF-tag conditions, all of which a resource must meet.
    pub expression: Vec<LfTagPairProperty>,
}

/// One condition of an `LFTagPolicy` expression.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct LfTagPairProperty {
    pub tag_key: String,
    /// Any of these values.
    #[serde(deserialize_with = "string_list")]
    pub tag_values: Vec<String>,
}

/// A principal as a string or as `{"DataLakePrincipalIdentifier": "..."}`.
fn principal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    const EXPECTED: &str = "expected an IAM role or user ARN, or IAM_ALLOWED_PRINCIPALS (or {\"DataLakePrincipalIdentifier\": ...})";
    match Value::deserialize(deserializer)? {
        Value::String(text) => Ok(text),
        Value::Object(map) if map.len() == 1 => match map.get("DataLakePrincipalIdentifier") {
            Some(Value::String(text)) => Ok(text.clone()),
            _ => Err(D::Error::custom(EXPECTED)),
        },
        _ => Err(D::Error::custom(EXPECTED)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfn_custom_resource::properties::parse;
    use serde_json::json;

    #[test]
    fn a_column_grant_is_read_from_cloudformation_strings() {
        let properties: GrantProperties = parse(&json!({
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:lakeformation-grant",
            "ServiceTimeout": "300",
            "Principal": "arn:aws:iam::123456789012:role/ds-bob",
            "Resource": {"TableWithColumns": {
                "DatabaseName": "sales", "Name": "orders",
                "ColumnWildcard": {"ExcludedColumnNames": ["email", "phone"]}
            }},
            "Permissions": "SELECT",
        }))
        .unwrap();
        assert_eq!(properties.permissions, vec!["SELECT"]);
        let columns = properties.resource.table_with_columns.unwrap();
        assert_eq!(
            columns.column_wildcard.unwrap().excluded_column_names,
            Some(vec!["email".to_owned(), "phone".to_owned()])
        );
    }

    #[test]
    fn the_principal_may_be_written_as_the_native_resource_writes_it() {
        let properties: GrantProperties = parse(&json!({
            "Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"},
            "Resource": {"Catalog": {}},
            "Permissions": ["CREATE_DATABASE"],
        }))
        .unwrap();
        assert_eq!(properties.principal, "IAM_ALLOWED_PRINCIPALS");
        assert_eq!(
            properties.resource.catalog,
            Some(CatalogProperty { id: None })
        );
    }

    #[test]
    fn an_unknown_resource_shape_is_named() {
        let error = parse::<GrantProperties>(&json!({
            "Principal": "IAM_ALLOWED_PRINCIPALS",
            "Resource": {"Tabel": {"DatabaseName": "sales", "Name": "orders"}},
            "Permissions": ["SELECT"],
        }))
        .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("Invalid property Resource.Tabel: is not a supported property"),
            "{error}"
        );
    }

    #[test]
    fn a_principal_that_is_neither_a_string_nor_the_native_object_is_refused() {
        let error = parse::<GrantProperties>(&json!({
            "Principal": {"Arn": "arn:aws:iam::123456789012:role/x"},
            "Resource": {"Catalog": {}},
            "Permissions": ["CREATE_DATABASE"],
        }))
        .unwrap_err();
        assert!(
            error.to_string().starts_with(
                "Invalid property Principal: expected an IAM role or user ARN, or IAM_ALLOWED_PRINCIPALS"
            ),
            "{error}"
        );
    }
}
