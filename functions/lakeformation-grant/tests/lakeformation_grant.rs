//! `Custom::LakeFormationGrant` end to end: the real binary, under the local Lambda service,
//! answering CloudFormation requests against the AWS emulator (moto + the Lake Formation
//! extension in `tests/aws-emulator/studio_emulator/lakeformation.py`).

mod support;

use serde_json::json;
use support::{GrantUnderTest, PRODUCT_ROLE_PREFIX, grant_request, listed, role_arn, with_timeout};

const ORDER_COLUMNS: &[&str] = &["order_id", "customer_id", "amount", "email", "phone"];

async fn lab_with_orders(stack: &str) -> GrantUnderTest {
    let lab = GrantUnderTest::start(stack).await;
    lab.create_table("sales", "orders", ORDER_COLUMNS).await;
    lab
}

fn orders_grant(principal: &str, permissions: &[&str]) -> serde_json::Value {
    json!({
        "Principal": principal,
        "Resource": {"Table": {"DatabaseName": "sales", "Name": "orders"}},
        "Permissions": permissions,
    })
}

#[tokio::test]
async fn a_data_scientist_gets_the_whole_table() {
    let lab = lab_with_orders("lf-full-table").await;
    let alice = lab.create_role("ds-alice").await;

    let created = lab
        .send_and_wait(&grant_request(
            "AliceOrders",
            orders_grant(&alice, &["SELECT", "DESCRIBE"]),
        ))
        .await;

    assert!(created.is_success(), "{:?}", created.reason);
    assert!(
        created.physical_resource_id.starts_with("lfgrant-table-"),
        "{}",
        created.physical_resource_id
    );
    assert_eq!(created.data("Principal"), Some(alice.as_str()));
    assert_eq!(created.data("ResourceType"), Some("TABLE"));
    assert_eq!(
        lab.permissions_on_table(&alice, "sales", "orders").await,
        vec![listed("Table sales.orders", &["DESCRIBE", "SELECT"], &[])]
    );
}

#[tokio::test]
async fn another_data_scientist_gets_only_the_columns_without_pii() {
    let lab = lab_with_orders("lf-columns").await;
    let bob = lab.create_role("ds-bob").await;
    let carol = lab.create_role("ds-carol").await;

    let named = lab
        .send_and_wait(&grant_request(
            "BobOrders",
            json!({
                "Principal": bob,
                "Resource": {"TableWithColumns": {
                    "DatabaseName": "sales", "Name": "orders",
                    "ColumnNames": ["order_id", "amount", "customer_id"],
                }},
                "Permissions": ["SELECT"],
            }),
        ))
        .await;
    let all_but_pii = lab
        .send_and_wait(&grant_request(
            "CarolOrders",
            json!({
                "Principal": carol,
                "Resource": {"TableWithColumns": {
                    "DatabaseName": "sales", "Name": "orders",
                    "ColumnWildcard": {"ExcludedColumnNames": ["email", "phone"]},
                }},
                "Permissions": ["SELECT"],
            }),
        ))
        .await;

    assert!(named.is_success(), "{:?}", named.reason);
    assert!(all_but_pii.is_success(), "{:?}", all_but_pii.reason);
    assert_eq!(named.data("ResourceType"), Some("TABLE_WITH_COLUMNS"));
    assert_eq!(
        lab.permissions_on_table(&bob, "sales", "orders").await,
        vec![listed(
            "TableWithColumns sales.orders [amount, customer_id, order_id]",
            &["SELECT"],
            &[]
        )]
    );
    assert_eq!(
        lab.permissions_on_table(&carol, "sales", "orders").await,
        vec![listed(
            "TableWithColumns sales.orders all but [email, phone]",
            &["SELECT"],
            &[]
        )]
    );
}

#[tokio::test]
async fn a_permission_only_update_grants_the_added_before_revoking_the_removed_under_the_same_id() {
    let lab = lab_with_orders("lf-update-permissions").await;
    let alice = lab.create_role("ds-alice").await;
    let old = with_timeout(orders_grant(&alice, &["SELECT", "ALTER"]));
    let create = grant_request("AliceOrders", old.clone());
    let created = lab.send_and_wait(&create).await;
    assert!(created.is_success(), "{:?}", created.reason);
    lab.forget_calls().await;

    let new = with_timeout(orders_grant(&alice, &["SELECT", "INSERT"]));
    let updated = lab
        .send_and_wait(&create.update(&created.physical_resource_id, new, old))
        .await;

    assert!(updated.is_success(), "{:?}", updated.reason);
    assert_eq!(updated.physical_resource_id, created.physical_resource_id);
    assert_eq!(
        lab.lake_formation_calls().await,
        vec!["GrantPermissions", "RevokePermissions"]
    );
    assert_eq!(
        lab.permissions_on_table(&alice, "sales", "orders").await,
        vec![listed("Table sales.orders", &["INSERT", "SELECT"], &[])]
    );
}

#[tokio::test]
async fn dropping_a_grant_option_keeps_the_permission_itself() {
    let lab = lab_with_orders("lf-update-grant-option").await;
    let alice = lab.create_role("ds-alice").await;
    let mut old = with_timeout(orders_grant(&alice, &["SELECT", "DESCRIBE"]));
    old["PermissionsWithGrantOption"] = json!(["SELECT"]);
    let create = grant_request("AliceOrders", old.clone());
    let created = lab.send_and_wait(&create).await;
    assert!(created.is_success(), "{:?}", created.reason);
    assert_eq!(
        lab.permissions_on_table(&alice, "sales", "orders").await,
        vec![listed(
            "Table sales.orders",
            &["DESCRIBE", "SELECT"],
            &["SELECT"]
        )]
    );

    let new = with_timeout(orders_grant(&alice, &["SELECT", "DESCRIBE"]));
    let updated = lab
        .send_and_wait(&create.update(&created.physical_resource_id, new, old))
        .await;

    assert!(updated.is_success(), "{:?}", updated.reason);
    assert_eq!(updated.physical_resource_id, created.physical_resource_id);
    assert_eq!(
        lab.permissions_on_table(&alice, "sales", "orders").await,
        vec![listed("Table sales.orders", &["DESCRIBE", "SELECT"], &[])]
    );
}

#[tokio::test]
async fn a_revoke_failing_mid_update_leaves_no_access_gap_and_the_rollback_restores_the_grant() {
    let lab = lab_with_orders("lf-update-rollback").await;
    let alice = lab.create_role("ds-alice").await;
    let old = with_timeout(orders_grant(&alice, &["SELECT", "ALTER"]));
    let create = grant_request("AliceOrders", old.clone());
    let created = lab.send_and_wait(&create).await;
    assert!(created.is_success(), "{:?}", created.reason);
    let new = with_timeout(orders_grant(&alice, &["SELECT", "INSERT"]));
    lab.fail(
        "RevokePermissions",
        "AccessDeniedException",
        "Insufficient Lake Formation permission(s)",
        1,
    )
    .await;

    let failed = lab
        .send_and_wait(&create.update(&created.physical_resource_id, new.clone(), old.clone()))
        .await;

    assert!(failed.is_failed());
    let reason = failed.reason.clone().unwrap_or_default();
    assert!(
        reason.starts_with("RevokePermissions failed: AccessDeniedException"),
        "{reason}"
    );
    // The added permission was granted before the revoke was tried: nothing was lost.
    assert_eq!(
        lab.permissions_on_table(&alice, "sales", "orders").await,
        vec![listed(
            "Table sales.orders",
            &["ALTER", "INSERT", "SELECT"],
            &[]
        )]
    );

    // CloudFormation rolls back: an update from the new properties to the old ones.
    let rolled_back = lab
        .send_and_wait(&create.update(&created.physical_resource_id, old, new))
        .await;
    assert!(rolled_back.is_success(), "{:?}", rolled_back.reason);
    assert_eq!(
        rolled_back.physical_resource_id,
        created.physical_resource_id
    );
    assert_eq!(
        lab.permissions_on_table(&alice, "sales", "orders").await,
        vec![listed("Table sales.orders", &["ALTER", "SELECT"], &[])]
    );
}

#[tokio::test]
async fn a_column_change_on_the_same_table_is_made_in_place() {
    let lab = lab_with_orders("lf-update-columns").await;
    let bob = lab.create_role("ds-bob").await;
    let columns = |names: &[&str]| {
        with_timeout(json!({
            "Principal": bob,
            "Resource": {"TableWithColumns": {
                "DatabaseName": "sales", "Name": "orders", "ColumnNames": names,
            }},
            "Permissions": ["SELECT"],
        }))
    };
    let old = columns(&["order_id", "amount", "email"]);
    let create = grant_request("BobOrders", old.clone());
    let created = lab.send_and_wait(&create).await;
    assert!(created.is_success(), "{:?}", created.reason);

    let updated = lab
        .send_and_wait(&create.update(
            &created.physical_resource_id,
            columns(&["order_id", "amount", "customer_id"]),
            old,
        ))
        .await;

    assert!(updated.is_success(), "{:?}", updated.reason);
    assert_eq!(updated.physical_resource_id, created.physical_resource_id);
    assert_eq!(
        lab.permissions_on_table(&bob, "sales", "orders").await,
        vec![listed(
            "TableWithColumns sales.orders [amount, customer_id, order_id]",
            &["SELECT"],
            &[]
        )]
    );
}

#[tokio::test]
async fn a_principal_change_is_a_replacement_and_the_old_grant_goes_only_when_cloudformation_deletes_it()
 {
    let lab = lab_with_orders("lf-replace").await;
    let alice = lab.create_role("ds-alice").await;
    let carol = lab.create_role("ds-carol").await;
    let old = with_timeout(orders_grant(&alice, &["SELECT"]));
    let create = grant_request("AnalystOrders", old.clone());
    let created = lab.send_and_wait(&create).await;
    assert!(created.is_success(), "{:?}", created.reason);

    let new = with_timeout(orders_grant(&carol, &["SELECT"]));
    let replaced = lab
        .send_and_wait(&create.update(&created.physical_resource_id, new, old.clone()))
        .await;

    assert!(replaced.is_success(), "{:?}", replaced.reason);
    assert_ne!(replaced.physical_resource_id, created.physical_resource_id);
    assert_eq!(replaced.data("Principal"), Some(carol.as_str()));
    // Both hold the table until CloudFormation deletes the old resource: no gap.
    let select = vec![listed("Table sales.orders", &["SELECT"], &[])];
    assert_eq!(
        lab.permissions_on_table(&alice, "sales", "orders").await,
        select
    );
    assert_eq!(
        lab.permissions_on_table(&carol, "sales", "orders").await,
        select
    );

    let old_deleted = lab
        .send_and_wait(&create.delete(&created.physical_resource_id, old))
        .await;
    assert!(old_deleted.is_success(), "{:?}", old_deleted.reason);
    assert_eq!(
        lab.permissions_on_table(&alice, "sales", "orders").await,
        vec![]
    );
    assert_eq!(
        lab.permissions_on_table(&carol, "sales", "orders").await,
        select
    );
}

#[tokio::test]
async fn deleting_twice_succeeds_both_times() {
    let lab = lab_with_orders("lf-delete-twice").await;
    let alice = lab.create_role("ds-alice").await;
    let properties = with_timeout(orders_grant(&alice, &["SELECT", "DESCRIBE"]));
    let create = grant_request("AliceOrders", properties.clone());
    let created = lab.send_and_wait(&create).await;
    assert!(created.is_success(), "{:?}", created.reason);

    let first = lab
        .send_and_wait(&create.delete(&created.physical_resource_id, properties.clone()))
        .await;
    let second = lab
        .send_and_wait(&create.delete(&created.physical_resource_id, properties))
        .await;

    assert!(first.is_success(), "{:?}", first.reason);
    assert_eq!(
        lab.permissions_on_table(&alice, "sales", "orders").await,
        vec![]
    );
    assert!(second.is_success(), "{:?}", second.reason);
    assert_eq!(
        second.reason.as_deref(),
        Some("Nothing to revoke: the grant or what it was on no longer exists")
    );
    assert_eq!(second.physical_resource_id, created.physical_resource_id);
}

#[tokio::test]
async fn deleting_after_the_table_was_dropped_succeeds() {
    let lab = lab_with_orders("lf-dropped-table").await;
    let alice = lab.create_role("ds-alice").await;
    let properties = with_timeout(orders_grant(&alice, &["SELECT"]));
    let create = grant_request("AliceOrders", properties.clone());
    let created = lab.send_and_wait(&create).await;
    assert!(created.is_success(), "{:?}", created.reason);
    lab.drop_table("sales", "orders").await;
    lab.forget_calls().await;

    let deleted = lab
        .send_and_wait(&create.delete(&created.physical_resource_id, properties))
        .await;

    assert!(deleted.is_success(), "{:?}", deleted.reason);
    assert_eq!(lab.lake_formation_calls().await, vec!["RevokePermissions"]);
    assert_eq!(lab.all_permissions().await, 0);
}

#[tokio::test]
async fn a_role_created_moments_ago_is_granted_once_iam_has_propagated_it() {
    let lab = lab_with_orders("lf-iam-propagation").await;
    let dana = role_arn("ds-dana");
    let token = lab.send(&grant_request(
        "DanaOrders",
        orders_grant(&dana, &["SELECT"]),
    ));

    // Lake Formation does not know the role yet ("Invalid principal") ...
    let mut attempts = 0;
    while attempts == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        attempts = lab
            .aws()
            .call_count("lakeformation", "GrantPermissions")
            .await
            .expect("the call log");
    }
    // ... until IAM has it.
    lab.create_role("ds-dana").await;
    let created = lab
        .wait_for_answer(&token, std::time::Duration::from_secs(90))
        .await;

    assert!(created.is_success(), "{:?}", created.reason);
    assert!(
        lab.aws()
            .call_count("lakeformation", "GrantPermissions")
            .await
            .expect("the call log")
            >= 2
    );
    assert_eq!(
        lab.permissions_on_table(&dana, "sales", "orders").await,
        vec![listed("Table sales.orders", &["SELECT"], &[])]
    );
}

#[tokio::test]
async fn concurrent_modifications_and_throttling_are_retried() {
    let lab = lab_with_orders("lf-retries").await;
    let alice = lab.create_role("ds-alice").await;
    lab.fail(
        "GrantPermissions",
        "ConcurrentModificationException",
        "Concurrent modification detected",
        1,
    )
    .await;
    lab.fail(
        "GrantPermissions",
        "ThrottlingException",
        "Rate exceeded",
        1,
    )
    .await;

    let created = lab
        .send_and_wait(&grant_request(
            "AliceOrders",
            orders_grant(&alice, &["SELECT"]),
        ))
        .await;

    assert!(created.is_success(), "{:?}", created.reason);
    assert_eq!(
        lab.permissions_on_table(&alice, "sales", "orders").await,
        vec![listed("Table sales.orders", &["SELECT"], &[])]
    );
}

#[tokio::test]
async fn a_grant_on_a_table_that_does_not_exist_fails_naming_it() {
    let lab = lab_with_orders("lf-missing-table").await;
    let alice = lab.create_role("ds-alice").await;

    let failed = lab
        .send_and_wait(&grant_request(
            "AliceRefunds",
            json!({
                "Principal": alice,
                "Resource": {"Table": {"DatabaseName": "sales", "Name": "refunds"}},
                "Permissions": ["SELECT"],
            }),
        ))
        .await;

    assert!(failed.is_failed());
    let reason = failed.reason.unwrap_or_default();
    assert!(
        reason.starts_with(
            "GrantPermissions failed: EntityNotFoundException: Table sales.refunds not found."
        ),
        "{reason}"
    );
    assert!(
        reason.contains("must exist in the Data Catalog"),
        "{reason}"
    );
}

/// Sends a create with `properties`; asserts it failed before any Lake Formation call.
async fn refused(lab: &GrantUnderTest, properties: serde_json::Value) -> String {
    lab.forget_calls().await;
    let failed = lab
        .send_and_wait(&grant_request("Refused", properties))
        .await;
    assert!(failed.is_failed(), "{failed:?}");
    assert_eq!(lab.lake_formation_calls().await, Vec::<String>::new());
    failed.reason.unwrap_or_default()
}

#[tokio::test]
async fn invalid_properties_fail_with_a_clear_reason_before_calling_aws() {
    let lab = lab_with_orders("lf-validation").await;
    let alice = lab.create_role("ds-alice").await;

    let unknown_permission = refused(&lab, orders_grant(&alice, &["SELECT", "READ"])).await;
    assert!(
        unknown_permission.starts_with(
            "Invalid property Permissions: unknown permission \"READ\" (expected any of ALL,"
        ),
        "{unknown_permission}"
    );

    let no_shape = refused(
        &lab,
        json!({"Principal": alice, "Resource": {}, "Permissions": ["SELECT"]}),
    )
    .await;
    assert!(
        no_shape.starts_with("Invalid property Resource: must name exactly one of Catalog,")
            && no_shape.ends_with("it names none"),
        "{no_shape}"
    );

    let two_shapes = refused(
        &lab,
        json!({
            "Principal": alice,
            "Resource": {
                "Database": {"Name": "sales"},
                "Table": {"DatabaseName": "sales", "Name": "orders"},
            },
            "Permissions": ["SELECT"],
        }),
    )
    .await;
    assert!(
        two_shapes.contains("it names Database and Table"),
        "{two_shapes}"
    );

    let names_and_wildcard = refused(
        &lab,
        json!({
            "Principal": alice,
            "Resource": {"TableWithColumns": {
                "DatabaseName": "sales", "Name": "orders",
                "ColumnNames": ["order_id"],
                "ColumnWildcard": {"ExcludedColumnNames": ["email"]},
            }},
            "Permissions": ["SELECT"],
        }),
    )
    .await;
    assert!(
        names_and_wildcard.starts_with(
            "Invalid property Resource.TableWithColumns: takes ColumnNames or ColumnWildcard, not both"
        ),
        "{names_and_wildcard}"
    );
}

#[tokio::test]
async fn permissions_that_do_not_fit_their_resource_fail_before_any_lake_formation_call() {
    let lab = lab_with_orders("lf-fit").await;
    let bob = lab.create_role("ds-bob").await;
    let all_but_pii = |permissions: &[&str]| {
        with_timeout(json!({
            "Principal": bob,
            "Resource": {"TableWithColumns": {
                "DatabaseName": "sales", "Name": "orders",
                "ColumnWildcard": {"ExcludedColumnNames": ["email", "phone"]},
            }},
            "Permissions": permissions,
        }))
    };

    // A create: refused, nothing granted.
    let describe_on_columns = refused(&lab, all_but_pii(&["SELECT", "DESCRIBE"])).await;
    assert!(
        describe_on_columns.starts_with(
            "Invalid property Permissions: DESCRIBE does not fit a TableWithColumns resource, which takes only SELECT."
        ),
        "{describe_on_columns}"
    );
    assert_eq!(lab.all_permissions().await, 0);

    // An update to permissions that do not fit: refused before granting anything; the grant
    // made before stays as it was.
    let old = all_but_pii(&["SELECT"]);
    let create = grant_request("BobOrders", old.clone());
    let created = lab.send_and_wait(&create).await;
    assert!(created.is_success(), "{:?}", created.reason);
    lab.forget_calls().await;

    let failed = lab
        .send_and_wait(&create.update(
            &created.physical_resource_id,
            all_but_pii(&["SELECT", "INSERT"]),
            old,
        ))
        .await;

    assert!(failed.is_failed(), "{failed:?}");
    assert!(
        failed.reason.as_deref().unwrap_or_default().starts_with(
            "Invalid property Permissions: INSERT does not fit a TableWithColumns resource"
        ),
        "{:?}",
        failed.reason
    );
    assert_eq!(lab.lake_formation_calls().await, Vec::<String>::new());
    assert_eq!(
        lab.permissions_on_table(&bob, "sales", "orders").await,
        vec![listed(
            "TableWithColumns sales.orders all but [email, phone]",
            &["SELECT"],
            &[]
        )]
    );
}

#[tokio::test]
async fn a_duplicate_create_delivery_converges_on_one_grant_and_one_id() {
    let lab = lab_with_orders("lf-duplicate").await;
    let alice = lab.create_role("ds-alice").await;
    let create = grant_request("AliceOrders", orders_grant(&alice, &["SELECT"]));

    let first = lab.send_and_wait(&create).await;
    let second = lab.send_and_wait(&create).await;

    assert!(first.is_success() && second.is_success());
    assert_eq!(first.physical_resource_id, second.physical_resource_id);
    assert_eq!(
        lab.permissions_on_table(&alice, "sales", "orders").await,
        vec![listed("Table sales.orders", &["SELECT"], &[])]
    );
}

// ---------------------------------------------------------------------------------------------
// #14 section 4: no grant a cloud admin could use to give themselves data or power. The
// function runs with core.yaml's defaults (SELECT, DESCRIBE; no grant option; principals
// role/studio-catalog/ds-* of this account); each refusal is FAILED before any Lake Formation
// call and leaves the principal holding nothing.
// ---------------------------------------------------------------------------------------------

async fn lab_under_core_defaults(stack: &str) -> GrantUnderTest {
    let lab = GrantUnderTest::start_under_core_defaults(stack).await;
    lab.create_table("sales", "orders", ORDER_COLUMNS).await;
    lab
}

#[tokio::test]
async fn attack_a_grant_of_all_fails_and_grants_nothing() {
    let lab = lab_under_core_defaults("lf-attack-all").await;
    let alice = lab.create_role("ds-alice").await;

    let reason = refused(&lab, orders_grant(&alice, &["ALL"])).await;

    assert_eq!(
        reason,
        "Invalid property Permissions: ALL not allowed by the core stack, which allows DESCRIBE, SELECT (its GrantAllowedPermissions)"
    );
    assert_eq!(
        lab.permissions_on_table(&alice, "sales", "orders").await,
        vec![]
    );
}

#[tokio::test]
async fn attack_a_grant_with_grant_option_fails_and_grants_nothing() {
    let lab = lab_under_core_defaults("lf-attack-grant-option").await;
    let alice = lab.create_role("ds-alice").await;
    let mut properties = orders_grant(&alice, &["SELECT"]);
    properties["PermissionsWithGrantOption"] = json!(["SELECT"]);

    let reason = refused(&lab, properties).await;

    assert!(
        reason.starts_with(
            "Invalid property PermissionsWithGrantOption: SELECT not allowed with grant option by the core stack, which allows no grant option at all"
        ),
        "{reason}"
    );
    assert_eq!(
        lab.permissions_on_table(&alice, "sales", "orders").await,
        vec![]
    );
}

#[tokio::test]
async fn attack_a_grant_to_a_role_outside_the_product_prefix_fails_and_grants_nothing() {
    let lab = lab_under_core_defaults("lf-attack-principal").await;
    // The cloud admin's own role: an existing role of the account, not one a product made.
    let admin = lab.create_role("CloudAdmin").await;

    let reason = refused(&lab, orders_grant(&admin, &["SELECT"])).await;

    assert!(
        reason.starts_with(&format!(
            "Invalid property Principal: \"{admin}\" is not a role the products made: grants go only to IAM roles of account 123456789012 named /studio-catalog/{PRODUCT_ROLE_PREFIX}*"
        )),
        "{reason}"
    );
    assert_eq!(
        lab.permissions_on_table(&admin, "sales", "orders").await,
        vec![]
    );
}

#[tokio::test]
async fn attack_a_grant_to_another_accounts_role_or_to_every_principal_fails_and_grants_nothing() {
    let lab = lab_under_core_defaults("lf-attack-other-account").await;
    let elsewhere = "arn:aws:iam::210987654321:role/studio-catalog/ds-alice";

    for principal in [elsewhere, "IAM_ALLOWED_PRINCIPALS"] {
        let reason = refused(&lab, orders_grant(principal, &["SELECT"])).await;
        assert!(
            reason.starts_with(&format!(
                "Invalid property Principal: \"{principal}\" is not a role the products made"
            )),
            "{reason}"
        );
        assert_eq!(
            lab.permissions_on_table(principal, "sales", "orders").await,
            vec![]
        );
    }
}

#[tokio::test]
async fn attack_an_update_adding_all_fails_before_any_revoke_and_leaves_the_grant_as_it_was() {
    let lab = lab_under_core_defaults("lf-attack-update").await;
    let alice = lab.create_role("ds-alice").await;
    let old = with_timeout(orders_grant(&alice, &["SELECT"]));
    let create = grant_request("AliceOrders", old.clone());
    let created = lab.send_and_wait(&create).await;
    assert!(created.is_success(), "{:?}", created.reason);
    lab.forget_calls().await;

    let new = with_timeout(orders_grant(&alice, &["SELECT", "ALL"]));
    let updated = lab
        .send_and_wait(&create.update(&created.physical_resource_id, new, old))
        .await;

    assert!(updated.is_failed(), "{updated:?}");
    assert!(
        updated
            .reason
            .as_deref()
            .unwrap_or_default()
            .starts_with("Invalid property Permissions: ALL not allowed by the core stack"),
        "{:?}",
        updated.reason
    );
    assert_eq!(lab.lake_formation_calls().await, Vec::<String>::new());
    assert_eq!(
        lab.permissions_on_table(&alice, "sales", "orders").await,
        vec![listed("Table sales.orders", &["SELECT"], &[])]
    );
}
