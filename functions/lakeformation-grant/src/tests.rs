//! The resource's behaviour against the in-memory [`MemoryGrants`], driven by the sample
//! events in `events/lakeformation-grant/`.

use std::collections::BTreeSet;

use cfn_custom_resource::properties::parse;
use cfn_custom_resource::testing::{self, Run, request_from_event};
use serde_json::{Value, json};

use super::*;
use crate::config::GrantPolicy;
use crate::grant::{Columns, GrantResource};
use crate::memory::{Call, MemoryGrants, Operation, error};

const CREATE: &str = include_str!("../../../events/lakeformation-grant/create.json");
const CREATE_COLUMNS: &str =
    include_str!("../../../events/lakeformation-grant/create-columns.json");
const UPDATE: &str = include_str!("../../../events/lakeformation-grant/update.json");
const UPDATE_PRINCIPAL: &str =
    include_str!("../../../events/lakeformation-grant/update-principal.json");
const DELETE: &str = include_str!("../../../events/lakeformation-grant/delete.json");

const ALICE: &str = "arn:aws:iam::123456789012:role/studio-catalog/ds-alice-execution";
const CAROL: &str = "arn:aws:iam::123456789012:role/studio-catalog/ds-carol-execution";

fn event(text: &str) -> Value {
    serde_json::from_str(text).expect("sample event is JSON")
}

fn properties(value: &Value) -> Result<GrantProperties, ResourceError> {
    parse(value)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

fn orders(principal: &str, permissions: &[&str]) -> Grant {
    Grant {
        catalog_id: None,
        principal: principal.to_owned(),
        resource: GrantResource::Table {
            catalog_id: None,
            database_name: "sales".to_owned(),
            name: Some("orders".to_owned()),
        },
        permissions: set(permissions),
        grantable: BTreeSet::new(),
    }
}

/// A core stack that allows every permission, with and without grant option, to the sample
/// events' roles (`role/studio-catalog/ds-*`): the behaviours below are the resource's own.
fn allow_everything() -> GrantPolicy {
    let every: BTreeSet<String> = aws_sdk_lakeformation::types::Permission::values()
        .iter()
        .map(|p| (*p).to_owned())
        .collect();
    GrantPolicy::new(every.clone(), every, "/studio-catalog/", "ds-").expect("a valid policy")
}

/// The core stack's defaults (SELECT, DESCRIBE; no grant option) for the same roles.
fn core_defaults() -> GrantPolicy {
    GrantPolicy::from_lookup(|name| match name {
        "PRODUCT_ROLE_PREFIX" => Some("ds-".to_owned()),
        "PRODUCT_ROLE_PATH" => Some("/studio-catalog/".to_owned()),
        _ => None,
    })
    .expect("the defaults")
}

fn resource(grants: MemoryGrants) -> LakeFormationGrant<MemoryGrants> {
    LakeFormationGrant::new(grants, allow_everything())
}

/// A resource whose next call of `operation` fails with `failure`.
fn failing(operation: Operation, failure: LakeFormationError) -> LakeFormationGrant<MemoryGrants> {
    let grants = MemoryGrants::new();
    grants.fail_next(operation, failure);
    resource(grants)
}

/// Runs the request `event` carries to the end, as the protocol would.
async fn run(grant: &LakeFormationGrant<MemoryGrants>, event: Value) -> Run {
    testing::run(grant, &request_from_event(event)).await
}

fn calls(grant: &LakeFormationGrant<MemoryGrants>) -> Vec<(Operation, Grant)> {
    grant
        .grants
        .calls()
        .into_iter()
        .map(|Call { operation, grant }| (operation, grant))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Sample events
// ---------------------------------------------------------------------------------------------

#[test]
fn every_sample_event_survives_a_serde_round_trip_as_a_cloudformation_request() {
    use aws_lambda_events::event::cloudformation::CloudFormationCustomResourceRequest;
    for text in [CREATE, CREATE_COLUMNS, UPDATE, UPDATE_PRINCIPAL, DELETE] {
        let original = event(text);
        let typed: CloudFormationCustomResourceRequest =
            serde_json::from_value(original.clone()).expect("a CloudFormation request");
        let round_tripped = serde_json::to_value(&typed).expect("serialisable");
        assert_eq!(round_tripped, original);
        let request = request_from_event(original);
        let grant = Grant::from_properties(&properties(&request.properties).unwrap());
        assert!(grant.is_ok(), "{}: {grant:?}", request.request_id);
    }
}

#[test]
fn the_sample_events_carry_the_ids_this_resource_answers() {
    let update = event(UPDATE);
    let delete = event(DELETE);
    assert_eq!(
        update["PhysicalResourceId"],
        orders(ALICE, &["SELECT"]).physical_id("123456789012")
    );
    assert_eq!(
        delete["PhysicalResourceId"],
        orders(CAROL, &["SELECT"]).physical_id("123456789012")
    );
}

// ---------------------------------------------------------------------------------------------
// Create
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_grants_the_table_under_an_id_made_of_principal_and_table() {
    let grant = resource(MemoryGrants::new());

    let completed = run(&grant, event(CREATE)).await.completed();

    assert_eq!(
        calls(&grant),
        vec![(
            Operation::Grant,
            orders(ALICE, &["SELECT", "DESCRIBE", "ALTER"])
        )]
    );
    assert_eq!(
        completed.physical_resource_id,
        event(UPDATE)["PhysicalResourceId"]
    );
    assert_eq!(completed.data["Principal"], ALICE);
    assert_eq!(completed.data["ResourceType"], "TABLE");
}

#[tokio::test]
async fn a_duplicate_create_delivery_converges_on_the_same_grant_and_id() {
    let grant = resource(MemoryGrants::new());

    let first = run(&grant, event(CREATE)).await.completed();
    let second = run(&grant, event(CREATE)).await.completed();

    assert_eq!(first, second);
    let calls = calls(&grant);
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0], calls[1]);
}

#[tokio::test]
async fn a_column_grant_leaves_out_the_excluded_columns() {
    let grant = resource(MemoryGrants::new());

    let completed = run(&grant, event(CREATE_COLUMNS)).await.completed();

    let [(Operation::Grant, granted)]: [(Operation, Grant); 1] = calls(&grant).try_into().unwrap()
    else {
        panic!("expected one grant");
    };
    assert_eq!(
        granted.resource,
        GrantResource::TableWithColumns {
            catalog_id: None,
            database_name: "sales".to_owned(),
            name: "customers".to_owned(),
            columns: Columns::AllExcept(set(&["date_of_birth", "email", "phone"])),
        }
    );
    assert_eq!(completed.data["ResourceType"], "TABLE_WITH_COLUMNS");
}

fn invalid_principal() -> LakeFormationError {
    LakeFormationError::InvalidPrincipal(error(
        "InvalidInputException",
        "Invalid principal",
        AwsErrorKind::Invalid,
    ))
}

#[tokio::test]
async fn an_invalid_principal_right_after_the_role_was_created_is_waited_for() {
    let grant = failing(Operation::Grant, invalid_principal());
    let request = request_from_event(event(CREATE));
    let granted = properties(&request.properties).unwrap();

    let first = grant.create(&request, &granted, None).await.unwrap();
    let Progress::InProgress {
        state,
        waiting_for,
        physical_resource_id,
    } = first
    else {
        panic!("expected to wait, got {first:?}");
    };
    assert_eq!(state.principal_attempts, 1);
    assert!(waiting_for.contains("IAM"), "{waiting_for}");
    assert_eq!(physical_resource_id, None, "nothing was granted yet");

    let second = testing::run_from(&grant, &request, Some(state)).await;
    assert_eq!(second.continuations(), 0);
    assert!(grant::is_physical_id(
        &second.completed().physical_resource_id
    ));
    assert_eq!(calls(&grant).len(), 2);
}

#[tokio::test]
async fn an_invalid_principal_that_outlasts_iam_propagation_fails_with_what_to_check() {
    let grant = failing(Operation::Grant, invalid_principal());
    let state = GrantState {
        principal_attempts: MAX_PRINCIPAL_ATTEMPTS - 1,
    };

    let failure = testing::run_from(&grant, &request_from_event(event(CREATE)), Some(state))
        .await
        .error();

    assert!(!failure.is_retryable());
    assert!(
        failure
            .to_string()
            .contains("check that Principal names an existing IAM role or user"),
        "{failure}"
    );
}

#[tokio::test]
async fn a_concurrent_modification_is_tried_again() {
    let grant = failing(
        Operation::Grant,
        LakeFormationError::Failed(error(
            "ConcurrentModificationException",
            "Concurrent modification",
            AwsErrorKind::Transient,
        )),
    );

    let run = run(&grant, event(CREATE)).await;

    assert_eq!(
        run.retried,
        vec!["GrantPermissions failed: ConcurrentModificationException: Concurrent modification"]
    );
    run.completed();
    assert_eq!(calls(&grant).len(), 2);
}

#[tokio::test]
async fn a_grant_on_a_table_that_does_not_exist_fails_saying_so() {
    let grant = failing(
        Operation::Grant,
        LakeFormationError::NotFound(error(
            "EntityNotFoundException",
            "Table sales.orders not found.",
            AwsErrorKind::NotFound,
        )),
    );

    let failure = run(&grant, event(CREATE)).await.error();

    assert!(!failure.is_retryable());
    assert_eq!(
        failure.to_string(),
        "GrantPermissions failed: EntityNotFoundException: Table sales.orders not found.. The table (and its database) to grant on must exist in the Data Catalog before the grant"
    );
}

#[tokio::test]
async fn access_denied_says_what_the_function_role_needs() {
    let grant = failing(
        Operation::Grant,
        LakeFormationError::Failed(error(
            "AccessDeniedException",
            "Insufficient Lake Formation permission(s)",
            AwsErrorKind::AccessDenied,
        )),
    );

    let failure = run(&grant, event(CREATE)).await.error();

    assert!(
        failure
            .to_string()
            .contains("must be a Lake Formation data lake administrator"),
        "{failure}"
    );
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// The `Reason` a create of `properties_json` is refused with, before any call.
async fn refused(properties_json: Value) -> String {
    let mut create_event = event(CREATE);
    create_event["ResourceProperties"] = properties_json;
    let grant = resource(MemoryGrants::new());
    let failure = run(&grant, create_event).await.error();
    assert!(
        matches!(failure, ResourceError::InvalidProperty { .. }),
        "{failure:?}"
    );
    assert!(calls(&grant).is_empty(), "AWS was called");
    failure.to_string()
}

/// Properties granting `permissions` on `resource` to Alice.
fn to_alice(resource: &Value, permissions: &[&str]) -> Value {
    json!({"Principal": ALICE, "Resource": resource, "Permissions": permissions})
}

#[tokio::test]
async fn an_unknown_permission_name_is_refused_before_calling_aws() {
    let reason = refused(to_alice(
        &json!({"Table": {"DatabaseName": "sales", "Name": "orders"}}),
        &["SELECT", "READ"],
    ))
    .await;
    assert!(
        reason.starts_with(
            "Invalid property Permissions: unknown permission \"READ\" (expected any of ALL, ALTER,"
        ),
        "{reason}"
    );
}

#[tokio::test]
async fn an_unknown_permission_with_grant_option_is_refused_too() {
    let reason = refused(json!({
        "Principal": ALICE,
        "Resource": {"Table": {"DatabaseName": "sales", "Name": "orders"}},
        "Permissions": ["SELECT"],
        "PermissionsWithGrantOption": ["SELECTT"],
    }))
    .await;
    assert!(
        reason.starts_with("Invalid property PermissionsWithGrantOption: unknown permission"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_resource_with_no_shape_is_refused() {
    let reason = refused(to_alice(&json!({}), &["SELECT"])).await;
    assert_eq!(
        reason,
        "Invalid property Resource: must name exactly one of Catalog, Database, Table, TableWithColumns, DataLocation, DataCellsFilter, LFTag or LFTagPolicy; it names none"
    );
}

#[tokio::test]
async fn a_resource_with_two_shapes_is_refused() {
    let reason = refused(to_alice(
        &json!({
            "Database": {"Name": "sales"},
            "Table": {"DatabaseName": "sales", "Name": "orders"},
        }),
        &["SELECT"],
    ))
    .await;
    assert!(
        reason.ends_with("it names Database and Table. Make one resource per grant"),
        "{reason}"
    );
}

#[tokio::test]
async fn column_names_with_a_column_wildcard_are_refused() {
    let reason = refused(to_alice(
        &json!({"TableWithColumns": {
            "DatabaseName": "sales", "Name": "customers",
            "ColumnNames": ["id"],
            "ColumnWildcard": {"ExcludedColumnNames": ["email"]},
        }}),
        &["SELECT"],
    ))
    .await;
    assert!(
        reason.starts_with(
            "Invalid property Resource.TableWithColumns: takes ColumnNames or ColumnWildcard, not both"
        ),
        "{reason}"
    );
}

#[tokio::test]
async fn a_principal_that_is_not_an_iam_role_or_user_is_refused() {
    let reason = refused(json!({
        "Principal": "arn:aws:iam::123456789012:group/data-scientists",
        "Resource": {"Table": {"DatabaseName": "sales", "Name": "orders"}},
        "Permissions": ["SELECT"],
    }))
    .await;
    assert!(reason.starts_with("Invalid property Principal: expected an IAM role or user ARN"));
}

#[tokio::test]
async fn no_permissions_at_all_is_refused() {
    let reason = refused(to_alice(
        &json!({"Table": {"DatabaseName": "sales", "Name": "orders"}}),
        &[],
    ))
    .await;
    assert!(
        reason.starts_with("Invalid property Permissions: must list at least one permission"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_table_with_both_a_name_and_a_wildcard_is_refused() {
    let reason = refused(to_alice(
        &json!({"Table": {"DatabaseName": "sales", "Name": "orders", "TableWildcard": {}}}),
        &["SELECT"],
    ))
    .await;
    assert_eq!(
        reason,
        "Invalid property Resource.Table: takes Name or TableWildcard, not both"
    );
}

#[tokio::test]
async fn select_on_a_database_is_refused_naming_what_a_database_takes() {
    let reason = refused(to_alice(
        &json!({"Database": {"Name": "sales"}}),
        &["SELECT", "DESCRIBE"],
    ))
    .await;
    assert_eq!(
        reason,
        "Invalid property Permissions: SELECT does not fit a Database resource, which takes only ALL, ALTER, CREATE_TABLE, DESCRIBE, DROP. To read or write the database's tables, grant on Resource.Table (a Name, or TableWildcard for every table)"
    );
}

#[tokio::test]
async fn describe_on_columns_is_refused_saying_to_grant_it_on_the_table_separately() {
    let reason = refused(to_alice(
        &json!({"TableWithColumns": {
            "DatabaseName": "sales", "Name": "customers",
            "ColumnWildcard": {"ExcludedColumnNames": ["email"]},
        }}),
        &["SELECT", "DESCRIBE"],
    ))
    .await;
    assert_eq!(
        reason,
        "Invalid property Permissions: DESCRIBE does not fit a TableWithColumns resource, which takes only SELECT. Column grants are SELECT only: for DESCRIBE (or more) on the table itself, add a second Custom::LakeFormationGrant with Resource.Table and those permissions"
    );
}

#[tokio::test]
async fn create_table_on_a_table_is_refused_pointing_to_the_database() {
    let reason = refused(to_alice(
        &json!({"Table": {"DatabaseName": "sales", "TableWildcard": {}}}),
        &["CREATE_TABLE", "DATA_LOCATION_ACCESS"],
    ))
    .await;
    assert_eq!(
        reason,
        "Invalid property Permissions: CREATE_TABLE, DATA_LOCATION_ACCESS do not fit a Table (TableWildcard) resource, which takes only ALL, ALTER, DELETE, DESCRIBE, DROP, INSERT, SELECT. CREATE_TABLE is granted on Resource.Database"
    );
}

#[tokio::test]
async fn a_grant_option_that_does_not_fit_is_refused_naming_permissions_with_grant_option() {
    let reason = refused(json!({
        "Principal": ALICE,
        "Resource": {"TableWithColumns": {
            "DatabaseName": "sales", "Name": "customers", "ColumnNames": ["id"],
        }},
        "Permissions": ["SELECT"],
        "PermissionsWithGrantOption": ["ALL"],
    }))
    .await;
    assert!(
        reason.starts_with(
            "Invalid property PermissionsWithGrantOption: ALL does not fit a TableWithColumns resource, which takes only SELECT."
        ),
        "{reason}"
    );
}

#[tokio::test]
async fn data_location_access_fits_only_a_data_location() {
    let reason = refused(to_alice(
        &json!({"DataLocation": {"ResourceArn": "arn:aws:s3:::datalake/sales"}}),
        &["DATA_LOCATION_ACCESS", "SELECT"],
    ))
    .await;
    assert_eq!(
        reason,
        "Invalid property Permissions: SELECT does not fit a DataLocation resource, which takes only DATA_LOCATION_ACCESS"
    );
}

#[tokio::test]
async fn create_database_on_a_database_is_refused_it_is_granted_on_the_catalog() {
    let reason = refused(to_alice(
        &json!({"Database": {"Name": "sales"}}),
        &["CREATE_DATABASE"],
    ))
    .await;
    assert!(
        reason.starts_with(
            "Invalid property Permissions: CREATE_DATABASE does not fit a Database resource"
        ),
        "{reason}"
    );
    let catalog = properties(&json!({
        "Principal": ALICE, "Resource": {"Catalog": {}}, "Permissions": ["CREATE_DATABASE"],
    }))
    .unwrap();
    assert!(Grant::from_properties(&catalog).is_ok());
}

#[tokio::test]
async fn an_lf_tag_policy_takes_the_permissions_of_what_it_matches() {
    let policy = |resource_type: &str| {
        json!({
            "Principal": ALICE,
            "Resource": {"LFTagPolicy": {
                "ResourceType": resource_type,
                "Expression": [{"TagKey": "domain", "TagValues": ["sales"]}],
            }},
            "Permissions": ["SELECT"],
        })
    };
    assert!(Grant::from_properties(&properties(&policy("TABLE")).unwrap()).is_ok());

    let reason = refused(policy("DATABASE")).await;
    assert!(
        reason.starts_with(
            "Invalid property Permissions: SELECT does not fit a LFTagPolicy of ResourceType DATABASE resource, which takes only ALL, ALTER, CREATE_TABLE, DESCRIBE, DROP"
        ),
        "{reason}"
    );
}

// ---------------------------------------------------------------------------------------------
// Update
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_permission_only_update_grants_the_new_first_then_revokes_the_removed_same_id() {
    let grant = resource(MemoryGrants::new());

    let completed = run(&grant, event(UPDATE)).await.completed();

    assert_eq!(
        calls(&grant),
        vec![
            (
                Operation::Grant,
                orders(ALICE, &["SELECT", "DESCRIBE", "INSERT"])
            ),
            (Operation::Revoke, orders(ALICE, &["ALTER"])),
        ]
    );
    assert_eq!(
        completed.physical_resource_id,
        event(UPDATE)["PhysicalResourceId"]
    );
}

#[tokio::test]
async fn a_principal_change_is_a_replacement_granted_under_a_new_id() {
    let grant = resource(MemoryGrants::new());

    let completed = run(&grant, event(UPDATE_PRINCIPAL)).await.completed();

    assert_eq!(
        calls(&grant),
        vec![(
            Operation::Grant,
            orders(CAROL, &["SELECT", "DESCRIBE", "INSERT"])
        )],
        "the old grant is CloudFormation's to delete, after the new one exists"
    );
    assert_ne!(
        completed.physical_resource_id,
        event(UPDATE_PRINCIPAL)["PhysicalResourceId"]
    );
    assert_eq!(
        completed.physical_resource_id,
        event(DELETE)["PhysicalResourceId"]
    );
    assert_eq!(completed.data["Principal"], CAROL);
}

#[tokio::test]
async fn a_removed_permission_already_gone_does_not_fail_the_update() {
    let grant = failing(
        Operation::Revoke,
        LakeFormationError::NothingToRevoke(error(
            "InvalidInputException",
            "No permissions revoked",
            AwsErrorKind::Invalid,
        )),
    );

    let completed = run(&grant, event(UPDATE)).await.completed();

    assert_eq!(
        completed.physical_resource_id,
        event(UPDATE)["PhysicalResourceId"]
    );
}

#[tokio::test]
async fn a_failed_revoke_leaves_the_new_grant_in_place_and_fails_the_update() {
    let grant = failing(
        Operation::Revoke,
        LakeFormationError::Failed(error(
            "AccessDeniedException",
            "Insufficient Lake Formation permission(s)",
            AwsErrorKind::AccessDenied,
        )),
    );

    let failure = run(&grant, event(UPDATE)).await.error();

    assert!(!failure.is_retryable());
    assert_eq!(
        calls(&grant)[0].0,
        Operation::Grant,
        "granted before revoking"
    );
}

#[tokio::test]
async fn an_update_of_a_placeholder_left_by_a_failed_create_grants_under_a_real_id() {
    let grant = resource(MemoryGrants::new());
    let mut placeholder = event(UPDATE);
    placeholder["PhysicalResourceId"] = json!("2026/11/23/[$LATEST]0123456789abcdef");

    let completed = run(&grant, placeholder).await.completed();

    assert_eq!(
        calls(&grant),
        vec![(
            Operation::Grant,
            orders(ALICE, &["SELECT", "DESCRIBE", "INSERT"])
        )]
    );
    assert_eq!(
        completed.physical_resource_id,
        event(UPDATE)["PhysicalResourceId"]
    );
}

#[tokio::test]
async fn an_update_to_permissions_that_do_not_fit_fails_before_granting_anything() {
    let grant = resource(MemoryGrants::new());
    let mut to_columns = event(UPDATE);
    to_columns["ResourceProperties"]["Resource"] = json!({"TableWithColumns": {
        "DatabaseName": "sales", "Name": "orders", "ColumnNames": ["order_id"],
    }});

    let failure = run(&grant, to_columns).await.error();

    assert!(
        failure.to_string().starts_with(
            "Invalid property Permissions: DESCRIBE, INSERT do not fit a TableWithColumns resource"
        ),
        "{failure}"
    );
    assert!(calls(&grant).is_empty(), "AWS was called");
}

#[tokio::test]
async fn an_update_from_old_properties_that_do_not_fit_revokes_only_what_could_be_held() {
    let grant = resource(MemoryGrants::new());
    let mut from_misfit = event(UPDATE);
    from_misfit["OldResourceProperties"]["Permissions"] = json!(["SELECT", "CREATE_TABLE"]);

    run(&grant, from_misfit).await.completed();

    assert_eq!(
        calls(&grant),
        vec![(
            Operation::Grant,
            orders(ALICE, &["SELECT", "DESCRIBE", "INSERT"])
        )],
        "CREATE_TABLE on a table was never held: nothing to revoke"
    );
}

// ---------------------------------------------------------------------------------------------
// Delete
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn delete_revokes_everything_the_properties_grant() {
    let grant = resource(MemoryGrants::new());

    let completed = run(&grant, event(DELETE)).await.completed();

    assert_eq!(
        calls(&grant),
        vec![(
            Operation::Revoke,
            orders(CAROL, &["SELECT", "DESCRIBE", "INSERT"])
        )]
    );
    assert_eq!(
        completed.physical_resource_id,
        event(DELETE)["PhysicalResourceId"]
    );
}

#[tokio::test]
async fn deleting_what_is_no_longer_granted_or_no_longer_exists_succeeds() {
    for failure in [
        LakeFormationError::NothingToRevoke(error(
            "InvalidInputException",
            "No permissions revoked. Grantee has no permissions and no grantable permissions on resource",
            AwsErrorKind::Invalid,
        )),
        LakeFormationError::NotFound(error(
            "EntityNotFoundException",
            "Table sales.orders not found.",
            AwsErrorKind::NotFound,
        )),
    ] {
        let grant = failing(Operation::Revoke, failure);

        let completed = run(&grant, event(DELETE)).await.completed();

        assert_eq!(
            completed.reason.as_deref(),
            Some("Nothing to revoke: the grant or what it was on no longer exists")
        );
    }
}

#[tokio::test]
async fn a_throttled_delete_is_tried_again() {
    let grant = failing(
        Operation::Revoke,
        LakeFormationError::Failed(error(
            "ThrottlingException",
            "Rate exceeded",
            AwsErrorKind::Throttled,
        )),
    );

    let run = run(&grant, event(DELETE)).await;

    assert_eq!(
        run.retried,
        vec!["GrantPermissions failed: ThrottlingException: Rate exceeded"]
    );
    run.completed();
    assert_eq!(calls(&grant).len(), 2);
}

#[tokio::test]
async fn a_delete_revokes_only_the_permissions_that_fit_and_nothing_if_none_do() {
    let grant = resource(MemoryGrants::new());
    let mut some_fit = event(DELETE);
    some_fit["ResourceProperties"]["Permissions"] = json!(["SELECT", "CREATE_TABLE"]);
    let mut none_fit = event(DELETE);
    none_fit["ResourceProperties"]["Permissions"] = json!(["CREATE_TABLE"]);

    run(&grant, some_fit).await.completed();
    let nothing = run(&grant, none_fit).await.completed();

    assert_eq!(
        calls(&grant),
        vec![(Operation::Revoke, orders(CAROL, &["SELECT"]))]
    );
    assert_eq!(
        nothing.reason.as_deref(),
        Some("Nothing to revoke: the grant or what it was on no longer exists")
    );
}

#[test]
fn only_ids_of_this_shape_are_owned() {
    let grant = resource(MemoryGrants::new());
    assert!(grant.owns_physical_id("lfgrant-table-68bcc9e29a93f691f93c16e349e2c9e4"));
    assert!(!grant.owns_physical_id("2026/11/23/[$LATEST]0123456789abcdef0123456789abcdef"));
    assert!(!grant.owns_physical_id("failed-create-d2e3f4a5-6b7c-4d8e-9f0a-1b2c3d4e5f60"));
    assert!(!grant.owns_physical_id("lfgrant-table-not-hex"));
}

// ---------------------------------------------------------------------------------------------
// The core stack's allow-lists (#14 section 4): refused before any Lake Formation call
// ---------------------------------------------------------------------------------------------

fn under_core_defaults() -> LakeFormationGrant<MemoryGrants> {
    LakeFormationGrant::new(MemoryGrants::new(), core_defaults())
}

async fn refused_create(properties: Value) -> String {
    let grant = under_core_defaults();
    let mut create = event(CREATE);
    create["ResourceProperties"] = properties;
    let reason = run(&grant, create).await.error().to_string();
    assert_eq!(calls(&grant), vec![], "nothing may be granted");
    reason
}

#[tokio::test]
async fn a_grant_asking_all_fails_naming_permissions_and_grants_nothing() {
    let reason =
        refused_create(json!({"Principal": ALICE, "Resource": {"Table": {"DatabaseName": "sales", "Name": "orders"}}, "Permissions": ["ALL"]}))
            .await;
    assert_eq!(
        reason,
        "Invalid property Permissions: ALL not allowed by the core stack, which allows DESCRIBE, SELECT (its GrantAllowedPermissions)"
    );
}

#[tokio::test]
async fn a_grant_asking_a_grant_option_fails_naming_permissions_with_grant_option_and_grants_nothing()
 {
    let reason = refused_create(json!({
        "Principal": ALICE,
        "Resource": {"Table": {"DatabaseName": "sales", "Name": "orders"}},
        "Permissions": ["SELECT"], "PermissionsWithGrantOption": ["SELECT"],
    }))
    .await;
    assert!(
        reason.starts_with(
            "Invalid property PermissionsWithGrantOption: SELECT not allowed with grant option"
        ),
        "{reason}"
    );
}

#[tokio::test]
async fn a_grant_to_a_principal_outside_the_product_prefix_or_account_fails_and_grants_nothing() {
    for principal in [
        "arn:aws:iam::123456789012:role/studio-catalog/CloudAdmin",
        "arn:aws:iam::123456789012:role/CloudAdmin",
        "arn:aws:iam::210987654321:role/studio-catalog/ds-alice-execution",
        "IAM_ALLOWED_PRINCIPALS",
    ] {
        let reason = refused_create(json!({
            "Principal": principal,
            "Resource": {"Table": {"DatabaseName": "sales", "Name": "orders"}},
            "Permissions": ["SELECT"],
        }))
        .await;
        assert!(
            reason.starts_with(&format!(
                "Invalid property Principal: \"{principal}\" is not a role the products made"
            )),
            "{reason}"
        );
    }
}

#[tokio::test]
async fn an_update_adding_a_disallowed_permission_fails_before_any_grant_or_revoke() {
    let grant = under_core_defaults();
    let mut update = event(UPDATE);
    update["OldResourceProperties"]["Permissions"] = json!(["SELECT", "DESCRIBE"]);
    update["ResourceProperties"]["Permissions"] = json!(["SELECT", "ALTER"]);
    let reason = run(&grant, update).await.error().to_string();
    assert!(
        reason.starts_with("Invalid property Permissions: ALTER not allowed by the core stack"),
        "{reason}"
    );
    assert_eq!(calls(&grant), vec![], "the grant stays as it was");
}

#[tokio::test]
async fn a_grant_within_the_core_defaults_is_made() {
    let grant = under_core_defaults();
    let mut create = event(CREATE);
    create["ResourceProperties"]["Permissions"] = json!(["SELECT", "DESCRIBE"]);
    let completed = run(&grant, create).await.completed();
    assert_eq!(completed.data["Principal"], ALICE);
    assert_eq!(calls(&grant).len(), 1);
}

#[tokio::test]
async fn deleting_a_grant_the_policy_no_longer_allows_still_revokes_it() {
    let grant = under_core_defaults();
    let mut delete = event(DELETE);
    delete["ResourceProperties"]["Permissions"] = json!(["ALL"]);
    let completed = run(&grant, delete).await.completed();
    assert!(
        completed
            .reason
            .as_deref()
            .unwrap_or_default()
            .starts_with("Revoked from"),
        "{:?}",
        completed.reason
    );
}
