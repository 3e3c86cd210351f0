//! [`Grants`] on the AWS SDK's Lake Formation client: a thin translation, nothing decided here.

use aws_sdk_lakeformation::Client;
use aws_sdk_lakeformation::types::{
    CatalogResource, ColumnWildcard, DataCellsFilterResource, DataLakePrincipal,
    DataLocationResource, DatabaseResource, LfTag, LfTagKeyResource, LfTagPolicyResource,
    Permission, Resource, ResourceType, TableResource, TableWildcard, TableWithColumnsResource,
};
use aws_smithy_types::error::operation::BuildError;
use cfn_custom_resource::{AwsError, AwsErrorKind};

use crate::grant::{Columns, Grant, GrantResource};
use crate::ports::{Grants, LakeFormationError};

/// Lake Formation through the AWS SDK.
#[derive(Debug, Clone)]
pub struct LakeFormation {
    client: Client,
}

impl LakeFormation {
    /// Wraps a client built once at cold start.
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

/// Sends GrantPermissions or RevokePermissions for `$grant`: the two calls take the same
/// fields (their SDK builders share no trait). RevokePermissions requires `Permissions` even
/// when only grant options are revoked, so both always send them.
macro_rules! send_permissions {
    ($call:expr, $operation:expr, $grant:expr) => {{
        let grant: &Grant = $grant;
        let resource = sdk_resource(&grant.resource).map_err(|e| invalid($operation, &e))?;
        $call
            .set_catalog_id(grant.catalog_id.clone())
            .principal(principal(grant))
            .resource(resource)
            .set_permissions(Some(permissions(&grant.permissions)))
            .set_permissions_with_grant_option(
                (!grant.grantable.is_empty()).then(|| permissions(&grant.grantable)),
            )
            .send()
            .await
            .map(drop)
            .map_err(|error| AwsError::from_sdk($operation, &error).into())
    }};
}

impl Grants for LakeFormation {
    async fn grant(&self, grant: &Grant) -> Result<(), LakeFormationError> {
        send_permissions!(self.client.grant_permissions(), "GrantPermissions", grant)
    }

    async fn revoke(&self, grant: &Grant) -> Result<(), LakeFormationError> {
        send_permissions!(self.client.revoke_permissions(), "RevokePermissions", grant)
    }
}

fn principal(grant: &Grant) -> DataLakePrincipal {
    DataLakePrincipal::builder()
        .data_lake_principal_identifier(&grant.principal)
        .build()
}

fn permissions(names: &std::collections::BTreeSet<String>) -> Vec<Permission> {
    names
        .iter()
        .map(|name| Permission::from(name.as_str()))
        .collect()
}

fn invalid(operation: &'static str, error: &BuildError) -> LakeFormationError {
    LakeFormationError::Failed(AwsError {
        operation,
        code: None,
        message: format!("the request could not be built: {error}"),
        kind: AwsErrorKind::Invalid,
    })
}

/// The API's `Resource` for a validated resource.
pub fn sdk_resource(resource: &GrantResource) -> Result<Resource, BuildError> {
    let builder = Resource::builder();
    Ok(match resource {
        GrantResource::Catalog { id } => builder
            .catalog(CatalogResource::builder().set_id(id.clone()).build())
            .build(),
        GrantResource::Database { catalog_id, name } => builder
            .database(
                DatabaseResource::builder()
                    .set_catalog_id(catalog_id.clone())
                    .name(name)
                    .build()?,
            )
            .build(),
        GrantResource::Table {
            catalog_id,
            database_name,
            name,
        } => {
            let table = TableResource::builder()
                .set_catalog_id(catalog_id.clone())
                .database_name(database_name)
                .set_name(name.clone())
                .set_table_wildcard(name.is_none().then(|| TableWildcard::builder().build()));
            builder.table(table.build()?).build()
        }
        GrantResource::TableWithColumns {
            catalog_id,
            database_name,
            name,
            columns,
        } => {
            let table = TableWithColumnsResource::builder()
                .set_catalog_id(catalog_id.clone())
                .database_name(database_name)
                .name(name);
            let table = match columns {
                Columns::Named(names) => {
                    table.set_column_names(Some(names.iter().cloned().collect()))
                }
                Columns::AllExcept(excluded) => table.column_wildcard(
                    ColumnWildcard::builder()
                        .set_excluded_column_names(
                            (!excluded.is_empty()).then(|| excluded.iter().cloned().collect()),
                        )
                        .build(),
                ),
            };
            builder.table_with_columns(table.build()?).build()
        }
        GrantResource::DataLocation {
            catalog_id,
            resource_arn,
        } => builder
            .data_location(
                DataLocationResource::builder()
                    .set_catalog_id(catalog_id.clone())
                    .resource_arn(resource_arn)
                    .build()?,
            )
            .build(),
        GrantResource::DataCellsFilter {
            table_catalog_id,
            database_name,
            table_name,
            name,
        } => builder
            .data_cells_filter(
                DataCellsFilterResource::builder()
                    .set_table_catalog_id(table_catalog_id.clone())
                    .database_name(database_name)
                    .table_name(table_name)
                    .name(name)
                    .build(),
            )
            .build(),
        GrantResource::LfTag {
            catalog_id,
            key,
            values,
        } => builder
            .lf_tag(
                LfTagKeyResource::builder()
                    .set_catalog_id(catalog_id.clone())
                    .tag_key(key)
                    .set_tag_values(Some(values.iter().cloned().collect()))
                    .build()?,
            )
            .build(),
        GrantResource::LfTagPolicy {
            catalog_id,
            resource_type,
            expression,
        } => {
            let conditions = expression
                .iter()
                .map(|(key, values)| {
                    LfTag::builder()
                        .tag_key(key)
                        .set_tag_values(Some(values.iter().cloned().collect()))
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()?;
            builder
                .lf_tag_policy(
                    LfTagPolicyResource::builder()
                        .set_catalog_id(catalog_id.clone())
                        .resource_type(ResourceType::from(resource_type.as_str()))
                        .set_expression(Some(conditions))
                        .build()?,
                )
                .build()
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use aws_sdk_lakeformation::operation::grant_permissions::{
        GrantPermissionsError, GrantPermissionsOutput,
    };
    use aws_sdk_lakeformation::operation::revoke_permissions::RevokePermissionsError;
    use aws_sdk_lakeformation::types::error::{
        ConcurrentModificationException, EntityNotFoundException, InvalidInputException,
    };
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    fn metadata(code: &str, message: &str) -> ErrorMetadata {
        ErrorMetadata::builder().code(code).message(message).build()
    }

    fn column_grant() -> Grant {
        Grant {
            catalog_id: None,
            principal: "arn:aws:iam::123456789012:role/ds-bob".to_owned(),
            resource: GrantResource::TableWithColumns {
                catalog_id: None,
                database_name: "sales".to_owned(),
                name: "orders".to_owned(),
                columns: Columns::Named(BTreeSet::from(["amount".to_owned(), "id".to_owned()])),
            },
            permissions: BTreeSet::from(["SELECT".to_owned()]),
            grantable: BTreeSet::new(),
        }
    }

    #[tokio::test]
    async fn a_grant_is_sent_as_the_api_shapes_it() {
        let rule = mock!(Client::grant_permissions)
            .match_requests(|request| {
                let columns = request
                    .resource()
                    .and_then(|r| r.table_with_columns())
                    .and_then(|t| t.column_names.clone());
                request
                    .principal()
                    .and_then(|p| p.data_lake_principal_identifier())
                    == Some("arn:aws:iam::123456789012:role/ds-bob")
                    && columns == Some(vec!["amount".to_owned(), "id".to_owned()])
                    && request.permissions() == [Permission::Select]
                    && request.permissions_with_grant_option.is_none()
            })
            .then_output(|| GrantPermissionsOutput::builder().build());
        let lake_formation = LakeFormation::new(mock_client!(aws_sdk_lakeformation, [&rule]));

        lake_formation.grant(&column_grant()).await.unwrap();
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_concurrent_modification_is_a_transient_failure() {
        let rule = mock!(Client::grant_permissions).then_error(|| {
            GrantPermissionsError::ConcurrentModificationException(
                ConcurrentModificationException::builder()
                    .message("Concurrent modification")
                    .meta(metadata(
                        "ConcurrentModificationException",
                        "Concurrent modification",
                    ))
                    .build(),
            )
        });
        let lake_formation = LakeFormation::new(mock_client!(
            aws_sdk_lakeformation,
            RuleMode::MatchAny,
            [&rule]
        ));

        let error = lake_formation.grant(&column_grant()).await.unwrap_err();
        let LakeFormationError::Failed(aws) = error else {
            panic!("expected Failed, got {error:?}");
        };
        assert!(aws.is_transient(), "{aws:?}");
    }

    #[tokio::test]
    async fn an_invalid_principal_right_after_the_role_was_created_is_recognised() {
        let rule = mock!(Client::grant_permissions).then_error(|| {
            let message = "Invalid principal: arn:aws:iam::123456789012:role/ds-bob";
            GrantPermissionsError::InvalidInputException(
                InvalidInputException::builder()
                    .message(message)
                    .meta(metadata("InvalidInputException", message))
                    .build(),
            )
        });
        let lake_formation = LakeFormation::new(mock_client!(aws_sdk_lakeformation, [&rule]));

        let error = lake_formation.grant(&column_grant()).await.unwrap_err();
        assert!(
            matches!(error, LakeFormationError::InvalidPrincipal(_)),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn revoking_what_is_not_held_or_no_longer_exists_is_recognised() {
        const NOTHING: &str = "No permissions revoked. Grantee has no permissions and no grantable permissions on resource";
        let rule = mock!(Client::revoke_permissions)
            .sequence()
            .error(|| {
                RevokePermissionsError::InvalidInputException(
                    InvalidInputException::builder()
                        .message(NOTHING)
                        .meta(metadata("InvalidInputException", NOTHING))
                        .build(),
                )
            })
            .error(|| {
                RevokePermissionsError::EntityNotFoundException(
                    EntityNotFoundException::builder()
                        .message("Table not found")
                        .meta(metadata("EntityNotFoundException", "Table not found"))
                        .build(),
                )
            })
            .build();
        let lake_formation = LakeFormation::new(mock_client!(
            aws_sdk_lakeformation,
            RuleMode::Sequential,
            [&rule]
        ));

        let first = lake_formation.revoke(&column_grant()).await.unwrap_err();
        assert!(
            matches!(first, LakeFormationError::NothingToRevoke(_)),
            "{first:?}"
        );
        let second = lake_formation.revoke(&column_grant()).await.unwrap_err();
        assert!(
            matches!(second, LakeFormationError::NotFound(_)),
            "{second:?}"
        );
    }

    #[test]
    fn a_table_wildcard_and_a_column_wildcard_are_written_as_empty_objects() {
        let wildcard = sdk_resource(&GrantResource::Table {
            catalog_id: None,
            database_name: "sales".to_owned(),
            name: None,
        })
        .unwrap();
        let table = wildcard.table().unwrap();
        assert!(table.table_wildcard().is_some() && table.name().is_none());

        let all_columns = sdk_resource(&GrantResource::TableWithColumns {
            catalog_id: Some("123456789012".to_owned()),
            database_name: "sales".to_owned(),
            name: "orders".to_owned(),
            columns: Columns::AllExcept(BTreeSet::from(["email".to_owned()])),
        })
        .unwrap();
        let columns = all_columns.table_with_columns().unwrap();
        assert_eq!(
            columns.column_wildcard().unwrap().excluded_column_names(),
            ["email".to_owned()]
        );
        assert!(columns.column_names.is_none());
    }
}
