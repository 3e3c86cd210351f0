//! `Custom::LakeFormationGrant` under test (the harness's `CustomResourceUnderTest`), with
//! helpers to arrange Glue tables and IAM roles and to read Lake Formation's permissions back.

use std::ops::Deref;
use std::time::Duration;

use aws_sdk_lakeformation::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_lakeformation::types::{DataLakePrincipal, Resource, TableResource};
use serde_json::{Value, json};
use studio_catalog_harness::cloudformation::CfnRequest;
use studio_catalog_harness::custom_resource::{CustomResourceOptions, CustomResourceUnderTest};
use studio_catalog_harness::emulator::Fault;
use studio_catalog_harness::{ACCOUNT_ID, REGION};

pub(crate) const RESOURCE_TYPE: &str = "Custom::LakeFormationGrant";

/// The grant's function, its stack and the emulator, with a Lake Formation client to read
/// permissions back.
pub(crate) struct GrantUnderTest {
    lake_formation: aws_sdk_lakeformation::Client,
    resource: CustomResourceUnderTest,
}

impl Deref for GrantUnderTest {
    type Target = CustomResourceUnderTest;

    fn deref(&self) -> &CustomResourceUnderTest {
        &self.resource
    }
}

/// A permission entry as ListPermissions reports it, summarised for comparisons.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Listed {
    /// `Table sales.orders`, `TableWithColumns sales.orders [a, b]`,
    /// `TableWithColumns sales.orders all but [email]`.
    pub resource: String,
    /// Sorted.
    pub permissions: Vec<String>,
    /// Sorted.
    pub grantable: Vec<String>,
}

impl GrantUnderTest {
    /// Starts everything; resources change state in 0.2 s. The core stack's grant policy
    /// allows every permission a table or its columns take, with and without grant option, to
    /// the roles [`role_arn`] names (prefix `ds-`): the tests of the resource's own behaviour.
    pub(crate) async fn start(stack: &str) -> Self {
        const TABLE_PERMISSIONS: &str = "ALL,ALTER,DELETE,DESCRIBE,DROP,INSERT,SELECT";
        Self::start_with(
            stack,
            &[
                ("GRANT_ALLOWED_PERMISSIONS", TABLE_PERMISSIONS),
                (
                    "GRANT_ALLOWED_PERMISSIONS_WITH_GRANT_OPTION",
                    TABLE_PERMISSIONS,
                ),
            ],
        )
        .await
    }

    /// Starts everything with core.yaml's defaults for the grant policy (`SELECT`, `DESCRIBE`,
    /// no grant option), for the roles [`role_arn`] names.
    pub(crate) async fn start_under_core_defaults(stack: &str) -> Self {
        Self::start_with(stack, &[]).await
    }

    async fn start_with(stack: &str, policy: &[(&str, &str)]) -> Self {
        let mut options = CustomResourceOptions::default()
            .transition_seconds(0.2)
            .response_timeout(Duration::from_secs(90))
            .function_timeout(studio_catalog_harness::lambda::DEFAULT_TIMEOUT)
            .env("PRODUCT_ROLE_PREFIX", PRODUCT_ROLE_PREFIX)
            .env("PRODUCT_ROLE_PATH", "/studio-catalog/");
        for (key, value) in policy {
            options = options.env(*key, *value);
        }
        let resource = CustomResourceUnderTest::start(
            env!("CARGO_BIN_EXE_lakeformation-grant"),
            stack,
            options,
        )
        .await;
        let config = aws_sdk_lakeformation::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(resource.aws().endpoint_url())
            .credentials_provider(Credentials::new("testing", "testing", None, None, "lab"))
            .build();
        Self {
            lake_formation: aws_sdk_lakeformation::Client::from_conf(config),
            resource,
        }
    }

    /// An IAM role (what a Studio user profile's execution role is); returns its ARN.
    pub(crate) async fn create_role(&self, name: &str) -> String {
        let arn = self
            .aws()
            .create_role(name)
            .await
            .expect("IAM creates the role");
        assert_eq!(arn, role_arn(name));
        arn
    }

    /// A Glue database (if new) and a table in it with these columns.
    pub(crate) async fn create_table(&self, database: &str, table: &str, columns: &[&str]) {
        let databases = self
            .glue("GetDatabases", json!({}))
            .await
            .get("DatabaseList")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if !databases.iter().any(|d| d["Name"] == database) {
            self.glue(
                "CreateDatabase",
                json!({"DatabaseInput": {"Name": database}}),
            )
            .await;
        }
        let columns: Vec<Value> = columns
            .iter()
            .map(|name| json!({"Name": name, "Type": "string"}))
            .collect();
        self.glue(
            "CreateTable",
            json!({
                "DatabaseName": database,
                "TableInput": {"Name": table, "StorageDescriptor": {"Columns": columns}},
            }),
        )
        .await;
    }

    /// Drops a Glue table.
    pub(crate) async fn drop_table(&self, database: &str, table: &str) {
        self.glue(
            "DeleteTable",
            json!({"DatabaseName": database, "Name": table}),
        )
        .await;
    }

    async fn glue(&self, operation: &str, body: Value) -> Value {
        self.aws()
            .glue(operation, &body)
            .await
            .unwrap_or_else(|error| panic!("glue {operation} failed: {error}"))
    }

    /// What `principal` holds on the table (table-level and column-level entries), sorted.
    pub(crate) async fn permissions_on_table(
        &self,
        principal: &str,
        database: &str,
        table: &str,
    ) -> Vec<Listed> {
        let resource = Resource::builder()
            .table(
                TableResource::builder()
                    .database_name(database)
                    .name(table)
                    .build()
                    .expect("a table resource"),
            )
            .build();
        let answer = self
            .lake_formation
            .list_permissions()
            .principal(
                DataLakePrincipal::builder()
                    .data_lake_principal_identifier(principal)
                    .build(),
            )
            .resource(resource)
            .send()
            .await
            .expect("ListPermissions");
        let mut listed: Vec<Listed> = answer
            .principal_resource_permissions()
            .iter()
            .map(|entry| {
                let resource = entry.resource().expect("a resource");
                let description = if let Some(table) = resource.table() {
                    format!(
                        "Table {}.{}",
                        table.database_name(),
                        table.name().unwrap_or("*")
                    )
                } else if let Some(table) = resource.table_with_columns() {
                    match (&table.column_names, table.column_wildcard()) {
                        (Some(names), _) => format!(
                            "TableWithColumns {}.{} [{}]",
                            table.database_name(),
                            table.name(),
                            names.join(", ")
                        ),
                        (None, Some(wildcard)) => format!(
                            "TableWithColumns {}.{} all but [{}]",
                            table.database_name(),
                            table.name(),
                            wildcard.excluded_column_names().join(", ")
                        ),
                        (None, None) => format!(
                            "TableWithColumns {}.{}",
                            table.database_name(),
                            table.name()
                        ),
                    }
                } else {
                    format!("{resource:?}")
                };
                let mut permissions: Vec<String> = entry
                    .permissions()
                    .iter()
                    .map(|p| p.as_str().to_owned())
                    .collect();
                permissions.sort();
                let mut grantable: Vec<String> = entry
                    .permissions_with_grant_option()
                    .iter()
                    .map(|p| p.as_str().to_owned())
                    .collect();
                grantable.sort();
                Listed {
                    resource: description,
                    permissions,
                    grantable,
                }
            })
            .collect();
        listed.sort();
        listed
    }

    /// Every permission entry in the account's catalog.
    pub(crate) async fn all_permissions(&self) -> usize {
        self.lake_formation
            .list_permissions()
            .send()
            .await
            .expect("ListPermissions")
            .principal_resource_permissions()
            .len()
    }

    /// The Lake Formation operations the function called, in order.
    pub(crate) async fn lake_formation_calls(&self) -> Vec<String> {
        self.aws()
            .calls()
            .await
            .expect("the call log")
            .into_iter()
            .filter(|call| call.service == "lakeformation")
            .map(|call| call.operation)
            .collect()
    }

    /// Forgets the calls so far.
    pub(crate) async fn forget_calls(&self) {
        self.aws().clear_calls().await.expect("clear the call log");
    }

    /// Makes the next `count` Lake Formation `operation` calls fail.
    pub(crate) async fn fail(&self, operation: &str, code: &str, message: &str, count: u32) {
        self.aws()
            .inject_fault(
                &Fault::new("lakeformation", operation, code)
                    .message(message)
                    .count(count),
            )
            .await
            .expect("inject a fault");
    }
}

/// The products' role prefix the tests' function is configured with.
pub(crate) const PRODUCT_ROLE_PREFIX: &str = "ds-";

/// `arn:aws:iam::123456789012:role/studio-catalog/<name>`.
pub(crate) fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:role/studio-catalog/{name}")
}

/// A create request for a grant, with a short `ServiceTimeout` so a gap fails fast.
pub(crate) fn grant_request(logical_id: &str, properties: Value) -> CfnRequest {
    CfnRequest::create(RESOURCE_TYPE, logical_id, with_timeout(properties))
}

/// Adds `ServiceTimeout: 120`.
pub(crate) fn with_timeout(mut properties: Value) -> Value {
    properties["ServiceTimeout"] = json!("120");
    properties
}

/// A `Listed` entry.
pub(crate) fn listed(resource: &str, permissions: &[&str], grantable: &[&str]) -> Listed {
    Listed {
        resource: resource.to_owned(),
        permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
        grantable: grantable.iter().map(|p| (*p).to_owned()).collect(),
    }
}
