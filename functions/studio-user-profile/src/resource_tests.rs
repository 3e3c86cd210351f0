//! The resource's behaviour against the in-memory Studio: given a Studio, when CloudFormation
//! asks, then the profile, its tags, apps and spaces are as expected.

use std::collections::BTreeMap;

use cfn_custom_resource::properties::parse;
use cfn_custom_resource::testing::{self, RequestBuilder, run};
use cfn_custom_resource::{
    AwsErrorKind, CustomResource, CustomResourceRequest, Invocation, Progress, RequestKind,
    ResourceError,
};
use serde_json::{Value, json};
use studio_sagemaker::ownership::{MANAGED_TAG, REQUEST_ID_TAG, STACK_ID_TAG};

use aws_sdk_sagemaker::types::{AppStatus, AppType, SharingType, UserProfileStatus};
use studio_sagemaker::identity_center::memory::MemoryIdentityCenter;
use studio_sagemaker::identity_center::{PrincipalKind, SSO_ASSIGNMENT_TAG};
use studio_sagemaker::memory::{MemoryStudio, aws_error};

use crate::ports::memory_roles::MemoryRoles;
use crate::ports::{App, AppOwner, Tags};
use crate::properties::UserProfileProperties;
use crate::{StudioUserProfile, USER_PROFILE_ROLE_TAG};

const DOMAIN: &str = "d-abcdef123456";
const DOMAIN_ROLE: &str = "arn:aws:iam::123456789012:role/studio-domain-default";
const ALICE_ROLE: &str = "arn:aws:iam::123456789012:role/SageMakerStudioUser-alice";
const ALICE_ROLE_V2: &str = "arn:aws:iam::123456789012:role/SageMakerStudioUser-alice-v2";
const BOB_ROLE: &str = "arn:aws:iam::123456789012:role/SageMakerStudioUser-bob";
const STACK: &str =
    "arn:aws:cloudformation:us-east-1:123456789012:stack/SC-123456789012-pp-abc/0a1b2c3d";
const ALICE_ARN: &str =
    "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-abcdef123456/alice";

/// A Studio with the domain `domain_id`, whose default execution role is `role`.
fn studio_with_domain(domain_id: &str, role: Option<&str>) -> MemoryStudio {
    let studio = MemoryStudio::default();
    studio.add_domain(domain_id, "team", vec![]);
    studio.set_domain_execution_role(domain_id, role);
    studio
}

/// The roles the user-profile product makes for alice (tagged for her profile) and bob.
fn product_roles() -> MemoryRoles {
    let roles = MemoryRoles::default();
    let alice = format!("{DOMAIN}/alice");
    roles.add(ALICE_ROLE, &[(USER_PROFILE_ROLE_TAG, &alice)]);
    roles.add(ALICE_ROLE_V2, &[(USER_PROFILE_ROLE_TAG, &alice)]);
    roles.add(
        BOB_ROLE,
        &[(USER_PROFILE_ROLE_TAG, &format!("{DOMAIN}/bob"))],
    );
    roles
}

type Resource = StudioUserProfile<MemoryStudio, MemoryRoles, MemoryIdentityCenter>;

fn resource() -> Resource {
    StudioUserProfile::new(
        studio_with_domain(DOMAIN, Some(DOMAIN_ROLE)),
        product_roles(),
        MemoryIdentityCenter::default(),
    )
}

/// An app called `default`.
fn add_app(studio: &MemoryStudio, owner: AppOwner, app_type: AppType, status: AppStatus) {
    studio.add_app(DOMAIN, App::new(owner, app_type, "default", status));
}

fn alice() -> Value {
    json!({
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:studio-user-profile",
        "DomainId": DOMAIN,
        "UserProfileName": "alice",
        "ExecutionRoleArn": ALICE_ROLE,
        "Tags": [{"Key": "team", "Value": "fraud"}, {"Key": "project", "Value": "p1"}]
    })
}

fn with(mut properties: Value, changes: &Value) -> Value {
    if let (Some(map), Some(changes)) = (properties.as_object_mut(), changes.as_object()) {
        for (key, value) in changes {
            if value.is_null() {
                map.remove(key);
            } else {
                map.insert(key.clone(), value.clone());
            }
        }
    }
    properties
}

/// A request of this resource in the product's stack.
fn ours(request: RequestBuilder) -> CustomResourceRequest {
    request
        .stack_id(STACK)
        .logical_resource_id("UserProfile")
        .resource_type("Custom::StudioUserProfile")
        .build()
}

fn create(properties: Value) -> CustomResourceRequest {
    ours(testing::create(properties))
}

fn update(physical_id: &str, properties: Value, old: Value) -> CustomResourceRequest {
    ours(testing::update(physical_id, properties, old))
}

fn delete(physical_id: &str, properties: Value) -> CustomResourceRequest {
    ours(testing::delete(physical_id, properties))
}

fn user_tags(tags: &BTreeMap<String, String>) -> BTreeMap<&str, &str> {
    tags.iter()
        .filter(|(key, _)| !key.starts_with("studio-catalog:"))
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect()
}

#[tokio::test]
async fn create_tags_the_profile_with_its_owner_identity_and_waits_until_in_service() {
    let resource = resource();

    let run = run(
        &resource,
        &create(with(alice(), &json!({"StudioUserId": "alice@example.com"}))),
    )
    .await;

    let completed = run.outcome.unwrap();
    assert_eq!(completed.physical_resource_id, ALICE_ARN);
    assert_eq!(run.waited_for, vec!["user profile alice to be InService"]);
    let tags = resource.studio.tags(ALICE_ARN);
    assert_eq!(
        user_tags(&tags),
        BTreeMap::from([
            ("studiouserid", "alice@example.com"),
            ("team", "fraud"),
            ("project", "p1")
        ])
    );
    assert_eq!(tags.get(STACK_ID_TAG).map(String::as_str), Some(STACK));
    assert_eq!(
        tags.get(REQUEST_ID_TAG).map(String::as_str),
        Some("create-1")
    );
    assert_eq!(tags.get(MANAGED_TAG).map(String::as_str), Some("true"));
    let stored = resource.studio.user_profile(DOMAIN, "alice").unwrap();
    assert_eq!(stored.settings.unwrap().execution_role(), Some(ALICE_ROLE));
}

#[tokio::test]
async fn create_answers_the_profiles_attributes() {
    let resource = resource();

    let completed = run(&resource, &create(alice())).await.outcome.unwrap();

    assert_eq!(
        completed.data,
        BTreeMap::from([
            ("UserProfileArn".to_owned(), ALICE_ARN.to_owned()),
            ("UserProfileName".to_owned(), "alice".to_owned()),
            ("DomainId".to_owned(), DOMAIN.to_owned()),
            ("HomeEfsFileSystemUid".to_owned(), "200001".to_owned()),
        ])
    );
}

#[tokio::test]
async fn the_studio_user_id_defaults_to_the_profile_name() {
    let resource = resource();

    run(&resource, &create(alice())).await.outcome.unwrap();

    assert_eq!(
        resource
            .studio
            .tags(ALICE_ARN)
            .get("studiouserid")
            .map(String::as_str),
        Some("alice")
    );
}

#[tokio::test]
async fn without_an_execution_role_the_profile_keeps_the_domains() {
    let resource = resource();

    run(
        &resource,
        &create(with(alice(), &json!({"ExecutionRoleArn": null}))),
    )
    .await
    .outcome
    .unwrap();

    assert!(
        resource
            .studio
            .user_profile(DOMAIN, "alice")
            .unwrap()
            .settings
            .is_none()
    );
}

#[tokio::test]
async fn the_single_sign_on_identity_is_given_to_create() {
    let resource = resource();
    let properties = with(
        alice(),
        &json!({"SingleSignOnUserIdentifier": "UserName", "SingleSignOnUserValue": "alice@example.com"}),
    );

    run(&resource, &create(properties)).await.outcome.unwrap();

    let stored = resource.studio.user_profile(DOMAIN, "alice").unwrap();
    assert_eq!(
        stored.profile.single_sign_on_user_value.as_deref(),
        Some("alice@example.com")
    );
}

#[tokio::test]
async fn a_duplicate_delivery_of_a_create_finds_the_same_profile() {
    let resource = resource();
    let request = create(alice());

    let first = run(&resource, &request).await.outcome.unwrap();
    let second = run(&resource, &request).await.outcome.unwrap();

    assert_eq!(first, second);
    assert_eq!(resource.studio.count("CreateUserProfile"), 1);
}

#[tokio::test]
async fn a_create_racing_its_duplicate_converges_on_one_profile() {
    let resource = resource();
    let request = create(alice());
    // The duplicate delivery creates the profile after this delivery looked for it.
    run(&resource, &request).await.outcome.unwrap();
    resource.studio.hide_profiles_from_next_describe();

    let again = run(&resource, &request).await;

    assert_eq!(again.outcome.unwrap().physical_resource_id, ALICE_ARN);
    assert_eq!(resource.studio.count("CreateUserProfile"), 2);
    assert_eq!(resource.studio.count("DeleteUserProfile"), 0);
}

#[tokio::test]
async fn create_never_adopts_a_profile_it_did_not_create() {
    let resource = resource();
    resource.studio.add_user_profile(DOMAIN, "alice", vec![]);

    let run = run(&resource, &create(alice())).await;
    let error = run.outcome.unwrap_err();

    assert!(
        error
            .to_string()
            .starts_with("A user profile named alice already exists in domain d-abcdef123456, and this request did not create it"),
        "{error}"
    );
    assert_eq!(
        run.made, None,
        "a FAILED answer must not name another's profile"
    );
    assert_eq!(resource.studio.count("CreateUserProfile"), 0);
}

#[tokio::test]
async fn an_invalid_user_profile_name_fails_before_any_call() {
    let resource = resource();

    let error = run(
        &resource,
        &create(with(alice(), &json!({"UserProfileName": "alice.smith"}))),
    )
    .await
    .outcome
    .unwrap_err();

    assert!(
        error
            .to_string()
            .contains("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"),
        "{error}"
    );
    assert_eq!(resource.studio.calls(), Vec::<String>::new());
}

#[tokio::test]
async fn a_failed_profile_fails_the_create_at_once_and_names_the_profile() {
    let resource = resource();
    resource.studio.settle_new_profiles_to(
        UserProfileStatus::Failed,
        "The execution role cannot be assumed by SageMaker",
    );

    let run = run(&resource, &create(alice())).await;

    match run.outcome {
        Err(ResourceError::Permanent { reason }) => assert_eq!(
            reason,
            "User profile alice of domain d-abcdef123456 is Failed: The execution role cannot be assumed by SageMaker"
        ),
        other => panic!("expected a permanent error, got {other:?}"),
    }
    assert_eq!(run.made.as_deref(), Some(ALICE_ARN));
}

#[tokio::test]
async fn a_missing_domain_fails_the_create_naming_domain_id() {
    let resource = resource();

    let error = run(
        &resource,
        &create(with(alice(), &json!({"DomainId": "d-000000000000"}))),
    )
    .await
    .outcome
    .unwrap_err();

    assert!(
        error
            .to_string()
            .ends_with("Check DomainId: the domain d-000000000000 must exist"),
        "{error}"
    );
}

#[tokio::test]
async fn throttling_is_retried_not_answered() {
    let resource = resource();
    resource.studio.fail_next(
        "CreateUserProfile",
        aws_error(
            "CreateUserProfile",
            "ThrottlingException",
            AwsErrorKind::Throttled,
        ),
    );

    let run = run(&resource, &create(alice())).await;

    assert_eq!(run.outcome.unwrap().physical_resource_id, ALICE_ARN);
    assert!(run.retried[0].starts_with("CreateUserProfile failed: ThrottlingException"));
    assert_eq!(resource.studio.count("CreateUserProfile"), 2);
}

#[tokio::test]
async fn a_tag_change_updates_the_tags_in_place() {
    let resource = resource();
    run(&resource, &create(alice())).await.outcome.unwrap();
    let new = with(
        alice(),
        &json!({"StudioUserId": "alice.smith", "Tags": [{"Key": "team", "Value": "risk"}, {"Key": "tier", "Value": "gold"}]}),
    );

    let completed = run(&resource, &update(ALICE_ARN, new, alice()))
        .await
        .outcome
        .unwrap();

    assert_eq!(completed.physical_resource_id, ALICE_ARN);
    let tags = resource.studio.tags(ALICE_ARN);
    assert_eq!(
        user_tags(&tags),
        BTreeMap::from([
            ("studiouserid", "alice.smith"),
            ("team", "risk"),
            ("tier", "gold")
        ])
    );
    assert_eq!(tags.get(STACK_ID_TAG).map(String::as_str), Some(STACK));
    assert_eq!(resource.studio.count("CreateUserProfile"), 1);
    assert_eq!(resource.studio.count("UpdateUserProfile"), 0);
    assert_eq!(resource.studio.count("DeleteUserProfile"), 0);
}

#[tokio::test]
async fn a_tag_update_leaves_tags_the_stack_never_set() {
    let resource = resource();
    run(&resource, &create(alice())).await.outcome.unwrap();
    resource
        .studio
        .add_tags(
            ALICE_ARN,
            studio_sagemaker::sagemaker_tags(&[cfn_custom_resource::Tag {
                key: "added-by-hand".into(),
                value: "yes".into(),
            }]),
        )
        .await
        .unwrap();

    run(
        &resource,
        &update(ALICE_ARN, with(alice(), &json!({"Tags": null})), alice()),
    )
    .await
    .outcome
    .unwrap();

    assert_eq!(
        user_tags(&resource.studio.tags(ALICE_ARN)),
        BTreeMap::from([("studiouserid", "alice"), ("added-by-hand", "yes")])
    );
}

#[tokio::test]
async fn an_execution_role_change_updates_the_profile_in_place() {
    let resource = resource();
    run(&resource, &create(alice())).await.outcome.unwrap();
    let new_role = ALICE_ROLE_V2;

    let run = run(
        &resource,
        &update(
            ALICE_ARN,
            with(alice(), &json!({"ExecutionRoleArn": new_role})),
            alice(),
        ),
    )
    .await;

    assert_eq!(run.outcome.unwrap().physical_resource_id, ALICE_ARN);
    assert_eq!(
        run.waited_for,
        vec!["user profile alice to be InService after the update"]
    );
    let stored = resource.studio.user_profile(DOMAIN, "alice").unwrap();
    assert_eq!(stored.settings.unwrap().execution_role(), Some(new_role));
    assert_eq!(resource.studio.count("CreateUserProfile"), 1);
}

#[tokio::test]
async fn a_profile_with_another_users_execution_role_is_refused_and_nothing_is_created() {
    let resource = resource();

    let error = run(
        &resource,
        &create(with(alice(), &json!({"ExecutionRoleArn": BOB_ROLE}))),
    )
    .await
    .outcome
    .unwrap_err();

    let reason = error.to_string();
    assert!(
        reason.starts_with(&format!(
            "ExecutionRoleArn {BOB_ROLE} is not an execution role made for user profile alice of domain {DOMAIN}: it is tagged {USER_PROFILE_ROLE_TAG}={DOMAIN}/bob. Expected a role tagged {USER_PROFILE_ROLE_TAG}={DOMAIN}/alice"
        )),
        "{reason}"
    );
    assert!(
        reason.contains(DOMAIN_ROLE),
        "names the allowed default: {reason}"
    );
    assert!(!error.is_retryable());
    assert_eq!(resource.studio.count("CreateUserProfile"), 0);
    assert!(resource.studio.user_profile(DOMAIN, "alice").is_none());
}

#[tokio::test]
async fn a_role_without_the_profile_tag_is_refused() {
    let resource = resource();
    let untagged = "arn:aws:iam::123456789012:role/studio-sc-someone-elses";
    resource.roles.add(untagged, &[("team", "fraud")]);

    let error = run(
        &resource,
        &create(with(alice(), &json!({"ExecutionRoleArn": untagged}))),
    )
    .await
    .outcome
    .unwrap_err();

    assert!(
        error
            .to_string()
            .contains(&format!("it has no {USER_PROFILE_ROLE_TAG} tag")),
        "{error}"
    );
    assert_eq!(resource.studio.count("CreateUserProfile"), 0);
}

#[tokio::test]
async fn a_role_iam_does_not_know_by_that_arn_is_refused() {
    let resource = resource();
    // The name of alice's role, under another path: not the role IAM has.
    let elsewhere = "arn:aws:iam::123456789012:role/other/SageMakerStudioUser-alice";

    let missing = run(
        &resource,
        &create(with(
            alice(),
            &json!({"ExecutionRoleArn": "arn:aws:iam::123456789012:role/no-such-role"}),
        )),
    )
    .await
    .outcome
    .unwrap_err();
    let moved = run(
        &resource,
        &create(with(alice(), &json!({"ExecutionRoleArn": elsewhere}))),
    )
    .await
    .outcome
    .unwrap_err();

    assert!(
        missing.to_string().contains("IAM has no role of that name"),
        "{missing}"
    );
    assert!(
        moved.to_string().contains(&format!(
            "the role of that name in this account is {ALICE_ROLE}"
        )),
        "{moved}"
    );
    assert_eq!(resource.studio.count("CreateUserProfile"), 0);
}

#[tokio::test]
async fn the_domains_default_execution_role_stays_allowed_given_or_not() {
    let resource = resource();
    let bob = with(
        alice(),
        &json!({"UserProfileName": "bob", "ExecutionRoleArn": DOMAIN_ROLE}),
    );
    let carol = with(
        alice(),
        &json!({"UserProfileName": "carol", "ExecutionRoleArn": null}),
    );

    run(&resource, &create(bob)).await.outcome.unwrap();
    run(&resource, &create(carol)).await.outcome.unwrap();

    assert_eq!(resource.studio.count("CreateUserProfile"), 2);
    assert!(
        resource.roles.calls.lock().unwrap().is_empty(),
        "the domain's role needs no GetRole, and no role none"
    );
}

#[tokio::test]
async fn an_update_to_another_users_execution_role_is_refused_and_nothing_changes() {
    let resource = resource();
    run(&resource, &create(alice())).await.outcome.unwrap();

    let error = run(
        &resource,
        &update(
            ALICE_ARN,
            with(
                alice(),
                &json!({"ExecutionRoleArn": BOB_ROLE, "StudioUserId": "bob"}),
            ),
            alice(),
        ),
    )
    .await
    .outcome
    .unwrap_err();

    assert!(
        error
            .to_string()
            .starts_with(&format!("ExecutionRoleArn {BOB_ROLE} is not")),
        "{error}"
    );
    assert_eq!(resource.studio.count("UpdateUserProfile"), 0);
    let stored = resource.studio.user_profile(DOMAIN, "alice").unwrap();
    assert_eq!(stored.settings.unwrap().execution_role(), Some(ALICE_ROLE));
    assert_eq!(
        resource
            .studio
            .tags(ALICE_ARN)
            .get("studiouserid")
            .map(String::as_str),
        Some("alice"),
        "not even the tags changed"
    );
}

#[tokio::test]
async fn removing_the_execution_role_falls_back_to_the_domains() {
    let resource = resource();
    run(&resource, &create(alice())).await.outcome.unwrap();

    run(
        &resource,
        &update(
            ALICE_ARN,
            with(alice(), &json!({"ExecutionRoleArn": null})),
            alice(),
        ),
    )
    .await
    .outcome
    .unwrap();

    let stored = resource.studio.user_profile(DOMAIN, "alice").unwrap();
    assert_eq!(stored.settings.unwrap().execution_role(), Some(DOMAIN_ROLE));
}

#[tokio::test]
async fn user_settings_are_passed_through_on_update() {
    let resource = resource();
    run(&resource, &create(alice())).await.outcome.unwrap();
    let new = with(
        alice(),
        &json!({"UserSettings": {"JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.m5.large"}}}}),
    );

    run(&resource, &update(ALICE_ARN, new, alice()))
        .await
        .outcome
        .unwrap();

    let settings = resource
        .studio
        .user_profile(DOMAIN, "alice")
        .unwrap()
        .settings
        .unwrap();
    assert_eq!(settings.execution_role(), Some(ALICE_ROLE));
    assert_eq!(
        settings
            .jupyter_lab_app_settings()
            .and_then(|lab| lab.default_resource_spec())
            .and_then(|spec| spec.instance_type())
            .map(|kind| kind.as_str()),
        Some("ml.m5.large")
    );
}

#[tokio::test]
async fn a_rename_creates_a_new_profile_and_leaves_the_old_one_for_cloudformation_to_delete() {
    let resource = resource();
    run(&resource, &create(alice())).await.outcome.unwrap();
    let alice_2_role = "arn:aws:iam::123456789012:role/SageMakerStudioUser-alice-2";
    resource.roles.add(
        alice_2_role,
        &[(USER_PROFILE_ROLE_TAG, &format!("{DOMAIN}/alice-2"))],
    );

    let completed = run(
        &resource,
        &update(
            ALICE_ARN,
            with(
                alice(),
                &json!({"UserProfileName": "alice-2", "ExecutionRoleArn": alice_2_role}),
            ),
            alice(),
        ),
    )
    .await
    .outcome
    .unwrap();

    assert_eq!(
        completed.physical_resource_id,
        "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-abcdef123456/alice-2"
    );
    assert!(resource.studio.user_profile(DOMAIN, "alice").is_some());
    assert_eq!(
        resource
            .studio
            .tags(&completed.physical_resource_id)
            .get("studiouserid")
            .map(String::as_str),
        Some("alice-2")
    );
}

#[tokio::test]
async fn a_change_of_single_sign_on_identity_is_refused_in_place() {
    let resource = resource();
    let old = with(
        alice(),
        &json!({"SingleSignOnUserIdentifier": "UserName", "SingleSignOnUserValue": "alice"}),
    );
    resource.studio.add_user_profile(DOMAIN, "alice", vec![]);

    let error = run(
        &resource,
        &update(
            ALICE_ARN,
            with(old.clone(), &json!({"SingleSignOnUserValue": "alice2"})),
            old,
        ),
    )
    .await
    .outcome
    .unwrap_err();

    assert!(
        error.to_string().contains("change UserProfileName too"),
        "{error}"
    );
}

#[tokio::test]
async fn a_failed_profile_is_not_updated_and_the_reason_says_why() {
    let resource = resource();
    resource.studio.settle_new_profiles_to(
        UserProfileStatus::Failed,
        "The execution role cannot be assumed",
    );
    let _ = run(&resource, &create(alice())).await.outcome.unwrap_err();
    let new_role = ALICE_ROLE_V2;

    let error = run(
        &resource,
        &update(
            ALICE_ARN,
            with(alice(), &json!({"ExecutionRoleArn": new_role})),
            alice(),
        ),
    )
    .await
    .outcome
    .unwrap_err();

    assert_eq!(
        error.to_string(),
        "User profile alice of domain d-abcdef123456 is Failed: The execution role cannot be assumed. It cannot be updated; change UserProfileName to replace it"
    );
    assert_eq!(resource.studio.count("UpdateUserProfile"), 0);
}

#[tokio::test]
async fn updating_a_profile_that_no_longer_exists_fails_with_advice() {
    let resource = resource();
    let new_role = ALICE_ROLE_V2;

    let error = run(
        &resource,
        &update(
            ALICE_ARN,
            with(alice(), &json!({"ExecutionRoleArn": new_role})),
            alice(),
        ),
    )
    .await
    .outcome
    .unwrap_err();

    assert!(
        error
            .to_string()
            .contains("does not exist, so it cannot be updated"),
        "{error}"
    );
}

#[tokio::test]
async fn delete_removes_apps_and_private_spaces_then_the_profile_and_leaves_others_spaces() {
    let resource = resource();
    run(&resource, &create(alice())).await.outcome.unwrap();
    let studio = &resource.studio;
    add_app(
        studio,
        AppOwner::UserProfile("alice".into()),
        AppType::JupyterServer,
        AppStatus::InService,
    );
    add_app(
        studio,
        AppOwner::UserProfile("alice".into()),
        AppType::KernelGateway,
        AppStatus::Pending,
    );
    studio.add_space(
        DOMAIN,
        "alice-lab",
        Some("alice"),
        Some(SharingType::Private),
    );
    add_app(
        studio,
        AppOwner::Space("alice-lab".into()),
        AppType::JupyterLab,
        AppStatus::InService,
    );
    studio.add_space(DOMAIN, "team-space", Some("bob"), Some(SharingType::Shared));
    add_app(
        studio,
        AppOwner::Space("team-space".into()),
        AppType::CodeEditor,
        AppStatus::InService,
    );

    let run = run(&resource, &delete(ALICE_ARN, alice())).await;

    run.outcome.unwrap();
    assert!(studio.user_profile(DOMAIN, "alice").is_none());
    assert_eq!(studio.space_names(), vec!["team-space"]);
    let live: Vec<String> = studio
        .live_apps()
        .into_iter()
        .map(|app| app.app_type.to_string())
        .collect();
    assert_eq!(live, vec!["CodeEditor"]);
    assert!(
        run.waited_for
            .iter()
            .any(|what| what == "3 app(s) and 1 space(s) of user profile alice to be deleted"),
        "{:?}",
        run.waited_for
    );
}

#[tokio::test]
async fn delete_of_a_profile_owning_a_shared_space_fails_at_once_naming_it_and_touches_nothing() {
    // Given alice owns a shared space (SageMaker refuses DeleteUserProfile until it is gone)
    let resource = resource();
    run(&resource, &create(alice())).await.outcome.unwrap();
    let studio = &resource.studio;
    add_app(
        studio,
        AppOwner::UserProfile("alice".into()),
        AppType::JupyterServer,
        AppStatus::InService,
    );
    studio.add_space(
        DOMAIN,
        "team-space",
        Some("alice"),
        Some(SharingType::Shared),
    );
    add_app(
        studio,
        AppOwner::Space("team-space".into()),
        AppType::CodeEditor,
        AppStatus::InService,
    );

    // When the stack deletes the profile without DeleteSharedSpaces
    let run = run(&resource, &delete(ALICE_ARN, alice())).await;

    // Then it fails in one step, naming the space and the property, and deletes nothing
    let error = run.outcome.unwrap_err();
    let reason = error.to_string();
    assert!(
        reason.contains("owns shared space(s) team-space"),
        "{reason}"
    );
    assert!(reason.contains("DeleteSharedSpaces"), "{reason}");
    assert!(run.waited_for.is_empty(), "{:?}", run.waited_for);
    assert!(studio.user_profile(DOMAIN, "alice").is_some());
    assert_eq!(studio.space_names(), vec!["team-space"]);
    assert_eq!(studio.live_apps().len(), 2);
    assert_eq!(studio.count("DeleteApp"), 0);
    assert_eq!(studio.count("DeleteSpace"), 0);
}

#[tokio::test]
async fn delete_with_delete_shared_spaces_removes_the_shared_spaces_it_owns_and_their_apps() {
    let resource = resource();
    let alice_deleting_shared = with(alice(), &json!({"DeleteSharedSpaces": "true"}));
    run(&resource, &create(alice_deleting_shared.clone()))
        .await
        .outcome
        .unwrap();
    let studio = &resource.studio;
    studio.add_space(
        DOMAIN,
        "team-space",
        Some("alice"),
        Some(SharingType::Shared),
    );
    add_app(
        studio,
        AppOwner::Space("team-space".into()),
        AppType::CodeEditor,
        AppStatus::InService,
    );
    studio.add_space(DOMAIN, "bobs-space", Some("bob"), Some(SharingType::Shared));

    run(&resource, &delete(ALICE_ARN, alice_deleting_shared))
        .await
        .outcome
        .unwrap();

    assert!(studio.user_profile(DOMAIN, "alice").is_none());
    assert_eq!(studio.space_names(), vec!["bobs-space"]);
    assert!(studio.live_apps().is_empty());
}

#[tokio::test]
async fn delete_of_a_profile_owning_a_jupyterlab_space_refuses_naming_it_and_delete_space_data() {
    // Given alice owns a private JupyterLab space (its work is on the space's own EBS volume)
    let resource = resource();
    run(&resource, &create(alice())).await.outcome.unwrap();
    let studio = &resource.studio;
    studio.add_space(
        DOMAIN,
        "alices-lab",
        Some("alice"),
        Some(SharingType::Private),
    );
    studio.set_space_app_type(DOMAIN, "alices-lab", AppType::JupyterLab);
    add_app(
        studio,
        AppOwner::Space("alices-lab".into()),
        AppType::JupyterLab,
        AppStatus::InService,
    );

    // When the stack deletes the profile without DeleteSpaceData
    let run = run(&resource, &delete(ALICE_ARN, alice())).await;

    // Then it fails in one step, naming the space and the property, and deletes nothing
    let reason = run.outcome.unwrap_err().to_string();
    assert!(
        reason.contains("Deleting user profile alice of domain")
            && reason.contains("space(s) alices-lab"),
        "{reason}"
    );
    assert!(reason.contains("DeleteSpaceData"), "{reason}");
    assert!(run.waited_for.is_empty(), "{:?}", run.waited_for);
    assert!(studio.user_profile(DOMAIN, "alice").is_some());
    assert_eq!(studio.space_names(), vec!["alices-lab"]);
    assert_eq!(studio.count("DeleteApp"), 0);
    assert_eq!(studio.count("DeleteSpace"), 0);
}

#[tokio::test]
async fn delete_with_delete_space_data_removes_the_jupyterlab_space_and_the_profile() {
    let resource = resource();
    let alice_deleting_data = with(alice(), &json!({"DeleteSpaceData": "true"}));
    run(&resource, &create(alice_deleting_data.clone()))
        .await
        .outcome
        .unwrap();
    let studio = &resource.studio;
    studio.add_space(
        DOMAIN,
        "alices-code",
        Some("alice"),
        Some(SharingType::Private),
    );
    studio.set_space_app_type(DOMAIN, "alices-code", AppType::CodeEditor);

    run(&resource, &delete(ALICE_ARN, alice_deleting_data))
        .await
        .outcome
        .unwrap();

    assert!(studio.user_profile(DOMAIN, "alice").is_none());
    assert!(studio.space_names().is_empty());
}

#[tokio::test]
async fn delete_of_a_profile_already_gone_succeeds() {
    let resource = resource();

    let completed = run(&resource, &delete(ALICE_ARN, alice()))
        .await
        .outcome
        .unwrap();

    assert_eq!(
        completed.reason.as_deref(),
        Some("User profile alice of domain d-abcdef123456 is deleted")
    );
    assert_eq!(resource.studio.operations(), vec!["DescribeUserProfile"]);
}

#[tokio::test]
async fn delete_leaves_a_profile_another_stack_owns() {
    let resource = resource();
    let other_stack = studio_sagemaker::sagemaker_tags(&[cfn_custom_resource::Tag {
        key: STACK_ID_TAG.into(),
        value: "arn:aws:cloudformation:us-east-1:123456789012:stack/other/1".into(),
    }]);
    resource
        .studio
        .add_user_profile(DOMAIN, "alice", other_stack);

    let completed = run(&resource, &delete(ALICE_ARN, alice()))
        .await
        .outcome
        .unwrap();

    assert!(
        completed
            .reason
            .unwrap()
            .contains("belongs to another stack")
    );
    assert!(resource.studio.user_profile(DOMAIN, "alice").is_some());
    assert_eq!(resource.studio.count("DeleteUserProfile"), 0);
}

#[tokio::test]
async fn delete_ignores_a_physical_id_that_is_not_a_user_profile_arn() {
    let resource = resource();
    resource.studio.add_user_profile(DOMAIN, "alice", vec![]);

    for id in [
        "2024/11/23/[$LATEST]0123456789abcdef",
        "failed-create-1",
        DOMAIN,
    ] {
        assert!(!resource.owns_physical_id(id));
        let properties: UserProfileProperties = parse(&alice()).unwrap();
        let step = resource
            .delete(&delete(id, alice()), id, &properties, None)
            .await
            .unwrap();
        assert!(matches!(step, Progress::Done(_)));
    }
    assert_eq!(resource.studio.calls(), Vec::<String>::new());
}

#[tokio::test]
async fn delete_deletes_only_the_profile_its_physical_id_names() {
    let resource = resource();
    run(&resource, &create(alice())).await.outcome.unwrap();
    let bob = create(with(
        alice(),
        &json!({"UserProfileName": "bob", "ExecutionRoleArn": BOB_ROLE}),
    ));
    let bob_arn = run(&resource, &bob)
        .await
        .outcome
        .unwrap()
        .physical_resource_id;

    run(
        &resource,
        &delete(&bob_arn, with(alice(), &json!({"UserProfileName": "bob"}))),
    )
    .await
    .outcome
    .unwrap();

    assert!(resource.studio.user_profile(DOMAIN, "bob").is_none());
    assert_eq!(
        resource
            .studio
            .user_profile(DOMAIN, "alice")
            .unwrap()
            .profile
            .status,
        UserProfileStatus::InService
    );
}

mod events {
    use super::*;

    const EVENTS: [(&str, &str); 6] = [
        (
            "create.json",
            include_str!("../../../events/studio-user-profile/create.json"),
        ),
        (
            "create-sso.json",
            include_str!("../../../events/studio-user-profile/create-sso.json"),
        ),
        (
            "update-tags.json",
            include_str!("../../../events/studio-user-profile/update-tags.json"),
        ),
        (
            "update-execution-role.json",
            include_str!("../../../events/studio-user-profile/update-execution-role.json"),
        ),
        (
            "update-rename.json",
            include_str!("../../../events/studio-user-profile/update-rename.json"),
        ),
        (
            "delete.json",
            include_str!("../../../events/studio-user-profile/delete.json"),
        ),
    ];

    #[test]
    fn every_sample_event_is_a_request_whose_properties_round_trip() {
        for (name, text) in EVENTS {
            let event: Value = serde_json::from_str(text).unwrap();
            let invocation = Invocation::from_payload(event.clone()).unwrap();
            let request = invocation.request();
            assert_eq!(request.resource_type, "Custom::StudioUserProfile", "{name}");
            let mut all = vec![request.properties.clone()];
            if let RequestKind::Update { old_properties, .. } = &request.kind {
                all.push(old_properties.clone());
            }
            for properties in all {
                let parsed: UserProfileProperties = parse(&properties).unwrap();
                parsed
                    .validate()
                    .unwrap_or_else(|error| panic!("{name}: {error}"));
                let again: UserProfileProperties =
                    serde_json::from_value(serde_json::to_value(&parsed).unwrap()).unwrap();
                assert_eq!(again, parsed, "{name}");
            }
            if let Some(id) = request.physical_resource_id() {
                assert!(resource().owns_physical_id(id), "{name}");
            }
        }
    }

    #[test]
    fn the_update_events_are_what_their_names_say() {
        let kind = |text: &str| {
            let event: Value = serde_json::from_str(text).unwrap();
            let new: UserProfileProperties = parse(&event["ResourceProperties"]).unwrap();
            let old: UserProfileProperties = parse(&event["OldResourceProperties"]).unwrap();
            (
                new.settings_differ(&old),
                new.user_profile_name != old.user_profile_name,
                new.tags != old.tags || new.studio_user_id() != old.studio_user_id(),
            )
        };
        assert_eq!(kind(EVENTS[2].1), (false, false, true));
        assert_eq!(kind(EVENTS[3].1), (true, false, false));
        assert_eq!(kind(EVENTS[4].1), (false, true, false));
    }

    #[tokio::test]
    async fn the_sample_create_runs_against_the_in_memory_studio() {
        let event: Value = serde_json::from_str(EVENTS[0].1).unwrap();
        let roles = MemoryRoles::default();
        roles.add(
            "arn:aws:iam::111122223333:role/SageMakerStudioUser-alice.smith",
            &[(USER_PROFILE_ROLE_TAG, "d-4xkq2tx0h1lp/alice-smith")],
        );
        let resource = StudioUserProfile::new(
            studio_with_domain("d-4xkq2tx0h1lp", Some(DOMAIN_ROLE)),
            roles,
            MemoryIdentityCenter::default(),
        );
        let request = Invocation::from_payload(event).unwrap().request().clone();

        let completed = run(&resource, &request).await.outcome.unwrap();

        assert_eq!(
            completed.physical_resource_id,
            "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-4xkq2tx0h1lp/alice-smith"
        );
    }
}

/// The domain's idle shutdown defaults: on for JupyterLab and Code Editor, at most `max` minutes.
fn domain_idle_shutdown(studio: &MemoryStudio, max: i32) {
    let bounds = studio_sagemaker::ports::IdleSettings {
        enabled: Some(true),
        timeout_minutes: Some(120),
        min_timeout_minutes: Some(60),
        max_timeout_minutes: Some(max),
    };
    studio.state().domain_idle_shutdown.insert(
        DOMAIN.to_owned(),
        studio_sagemaker::ports::IdleShutdown {
            jupyter_lab: Some(bounds),
            code_editor: Some(bounds),
        },
    );
}

/// alice with `idle` as her JupyterLab and Code Editor `IdleSettings`.
fn alice_idle(idle: &Value) -> Value {
    with(
        alice(),
        &json!({"UserSettings": {
            "JupyterLabAppSettings": {"AppLifecycleManagement": {"IdleSettings": idle}},
            "CodeEditorAppSettings": {"AppLifecycleManagement": {"IdleSettings": idle}}
        }}),
    )
}

#[tokio::test]
async fn a_profile_may_tighten_the_domains_idle_shutdown() {
    let resource = resource();
    domain_idle_shutdown(&resource.studio, 480);

    run(
        &resource,
        &create(alice_idle(
            &json!({"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": "60"}),
        )),
    )
    .await
    .outcome
    .unwrap();

    let settings = resource
        .studio
        .user_profile(DOMAIN, "alice")
        .unwrap()
        .settings
        .unwrap();
    let idle = settings
        .code_editor_app_settings()
        .and_then(|app| app.app_lifecycle_management())
        .and_then(|management| management.idle_settings())
        .unwrap();
    assert_eq!(idle.idle_timeout_in_minutes(), Some(60));
}

#[tokio::test]
async fn a_profile_idle_timeout_beyond_the_domains_maximum_fails_naming_it_and_creates_nothing() {
    let resource = resource();
    domain_idle_shutdown(&resource.studio, 480);

    let error = run(
        &resource,
        &create(alice_idle(&json!({"IdleTimeoutInMinutes": "10080"}))),
    )
    .await
    .outcome
    .unwrap_err();

    assert_eq!(
        error.to_string(),
        format!(
            "Invalid property UserSettings.JupyterLabAppSettings.AppLifecycleManagement.IdleSettings.IdleTimeoutInMinutes: 10080 minutes is above domain {DOMAIN}'s MaxIdleTimeoutInMinutes 480; a user profile may only tighten the domain's idle shutdown. Nothing was done"
        )
    );
    assert!(resource.studio.user_profile(DOMAIN, "alice").is_none());
}

#[tokio::test]
async fn a_profile_may_not_turn_off_the_idle_shutdown_the_domain_turns_on() {
    let resource = resource();
    domain_idle_shutdown(&resource.studio, 480);

    let error = run(
        &resource,
        &create(alice_idle(&json!({"LifecycleManagement": "DISABLED"}))),
    )
    .await
    .outcome
    .unwrap_err();

    assert!(
        error.to_string().starts_with(
            "Invalid property UserSettings.JupyterLabAppSettings.AppLifecycleManagement.IdleSettings.LifecycleManagement: DISABLED would turn off"
        ),
        "{error}"
    );
    assert!(resource.studio.user_profile(DOMAIN, "alice").is_none());
}

#[tokio::test]
async fn an_update_loosening_the_idle_shutdown_fails_before_update_user_profile() {
    let resource = resource();
    domain_idle_shutdown(&resource.studio, 480);
    let tight = alice_idle(&json!({"IdleTimeoutInMinutes": "120"}));
    let created = run(&resource, &create(tight.clone()))
        .await
        .outcome
        .unwrap();
    resource.studio.forget_calls();

    let error = run(
        &resource,
        &update(
            &created.physical_resource_id,
            alice_idle(&json!({"MaxIdleTimeoutInMinutes": "600"})),
            tight,
        ),
    )
    .await
    .outcome
    .unwrap_err();

    assert!(
        error
            .to_string()
            .contains("MaxIdleTimeoutInMinutes: 600 minutes is above domain"),
        "{error}"
    );
    assert_eq!(resource.studio.count("UpdateUserProfile"), 0);
}

#[tokio::test]
async fn a_domain_without_a_maximum_bounds_no_profile_timeout() {
    let resource = resource();

    run(
        &resource,
        &create(alice_idle(&json!({"IdleTimeoutInMinutes": "10080"}))),
    )
    .await
    .outcome
    .unwrap();

    assert!(resource.studio.user_profile(DOMAIN, "alice").is_some());
}

/// The domain's guardrails (studio_sagemaker::guardrails): hides ml.p4d.24xlarge and AutoMl,
/// spaces at most 100 GB.
fn domain_guardrails(studio: &MemoryStudio) {
    studio.state().domain_guardrails.insert(
        DOMAIN.to_owned(),
        studio_sagemaker::guardrails::DomainGuardrails {
            hidden_instance_types: vec!["ml.p4d.24xlarge".to_owned()],
            hidden_ml_tools: vec!["AutoMl".to_owned()],
            hidden_app_types: vec![],
            maximum_ebs_volume_size_in_gb: Some(100),
        },
    );
}

#[tokio::test]
async fn a_profile_hiding_more_and_with_a_smaller_ebs_maximum_is_created() {
    let resource = resource();
    domain_guardrails(&resource.studio);

    run(
        &resource,
        &create(with(
            alice(),
            &json!({"UserSettings": {
                "StudioWebPortalSettings": {
                    "HiddenInstanceTypes": ["ml.p4d.24xlarge", "ml.g5.48xlarge"],
                    "HiddenMlTools": ["AutoMl", "Training"]
                },
                "SpaceStorageSettings": {"DefaultEbsStorageSettings": {
                    "DefaultEbsVolumeSizeInGb": "5", "MaximumEbsVolumeSizeInGb": "50"}}
            }}),
        )),
    )
    .await
    .outcome
    .unwrap();

    let settings = resource
        .studio
        .user_profile(DOMAIN, "alice")
        .unwrap()
        .settings
        .unwrap();
    let portal = settings.studio_web_portal_settings().unwrap();
    assert_eq!(portal.hidden_instance_types().len(), 2);
}

#[tokio::test]
async fn a_profile_showing_an_instance_type_the_domain_hides_fails_naming_it_and_creates_nothing() {
    let resource = resource();
    domain_guardrails(&resource.studio);

    let error = run(
        &resource,
        &create(with(
            alice(),
            &json!({"UserSettings": {"StudioWebPortalSettings": {
                "HiddenInstanceTypes": ["ml.g5.48xlarge"], "HiddenMlTools": ["AutoMl"]
            }}}),
        )),
    )
    .await
    .outcome
    .unwrap_err();

    assert_eq!(
        error.to_string(),
        format!(
            "Invalid property UserSettings.StudioWebPortalSettings.HiddenInstanceTypes: a list that hides everything domain {DOMAIN} hides (ml.p4d.24xlarge); it would show ml.p4d.24xlarge. A user profile may only hide more. Nothing was done"
        )
    );
    assert!(resource.studio.user_profile(DOMAIN, "alice").is_none());
    assert_eq!(resource.studio.count("CreateUserProfile"), 0);
}

#[tokio::test]
async fn an_update_raising_the_ebs_maximum_above_the_domains_fails_before_update_user_profile() {
    let resource = resource();
    domain_guardrails(&resource.studio);
    let created = run(&resource, &create(alice())).await.outcome.unwrap();
    resource.studio.forget_calls();

    let error = run(
        &resource,
        &update(
            &created.physical_resource_id,
            with(
                alice(),
                &json!({"UserSettings": {"SpaceStorageSettings": {"DefaultEbsStorageSettings": {
                    "DefaultEbsVolumeSizeInGb": "5", "MaximumEbsVolumeSizeInGb": "500"}}}}),
            ),
            alice(),
        ),
    )
    .await
    .outcome
    .unwrap_err();

    assert!(
        error.to_string().starts_with(
            "Invalid property UserSettings.SpaceStorageSettings.DefaultEbsStorageSettings.MaximumEbsVolumeSizeInGb: at most 100 GB"
        ),
        "{error}"
    );
    assert_eq!(resource.studio.count("UpdateUserProfile"), 0);
}

/// IAM Identity Center: a profile of an `SSO` domain and its user's application assignment.
mod single_sign_on {
    use super::*;

    const APPLICATION: &str =
        "arn:aws:sso::123456789012:application/ssoins-1234567890abcdef/apl-0123456789abcdef";

    /// The resource on an SSO domain with its application, and the users alice and bob in the
    /// directory.
    fn sso_resource() -> Resource {
        let resource = resource();
        resource
            .studio
            .state()
            .domains
            .get_mut(DOMAIN)
            .unwrap()
            .domain
            .single_sign_on_application_arn = Some(APPLICATION.to_owned());
        resource.identity_center.add_application(APPLICATION);
        resource
            .identity_center
            .add_principal(PrincipalKind::User, "alice");
        resource
            .identity_center
            .add_principal(PrincipalKind::User, "bob");
        resource
    }

    fn sso(user: &str) -> Value {
        with(
            alice(),
            &json!({"SingleSignOnUserIdentifier": "UserName", "SingleSignOnUserValue": user}),
        )
    }

    fn assigned(resource: &Resource, user: &str) -> bool {
        resource
            .identity_center
            .is_assigned_by_name(APPLICATION, PrincipalKind::User, user)
    }

    fn identity_center_calls(resource: &Resource, operation: &str) -> usize {
        resource
            .identity_center
            .calls()
            .iter()
            .filter(|call| call.starts_with(operation))
            .count()
    }

    #[tokio::test]
    async fn create_assigns_the_user_before_the_profile_and_marks_it() {
        let resource = sso_resource();

        run(&resource, &create(sso("alice"))).await.outcome.unwrap();

        assert!(assigned(&resource, "alice"));
        let tags = resource.studio.tags(ALICE_ARN);
        assert_eq!(
            tags.get(SSO_ASSIGNMENT_TAG).map(String::as_str),
            Some("created")
        );
        let calls = resource.studio.calls();
        assert!(
            calls
                .iter()
                .any(|call| call.starts_with("CreateUserProfile"))
        );
    }

    #[tokio::test]
    async fn a_duplicate_delivery_assigns_once() {
        let resource = sso_resource();
        let request = create(sso("alice"));

        run(&resource, &request).await.outcome.unwrap();
        run(&resource, &request).await.outcome.unwrap();

        assert_eq!(
            identity_center_calls(&resource, "CreateApplicationAssignment"),
            1
        );
        assert_eq!(
            resource
                .studio
                .tags(ALICE_ARN)
                .get(SSO_ASSIGNMENT_TAG)
                .map(String::as_str),
            Some("created")
        );
    }

    #[tokio::test]
    async fn an_assignment_made_by_someone_else_is_left_on_delete() {
        let resource = sso_resource();
        let id = resource.identity_center.state().principals
            [&(PrincipalKind::User, "alice".to_owned())]
            .clone();
        resource.identity_center.state().assignments.insert((
            APPLICATION.to_owned(),
            studio_sagemaker::identity_center::Principal {
                kind: PrincipalKind::User,
                id,
            },
        ));

        run(&resource, &create(sso("alice"))).await.outcome.unwrap();
        assert!(
            !resource
                .studio
                .tags(ALICE_ARN)
                .contains_key(SSO_ASSIGNMENT_TAG)
        );
        run(&resource, &delete(ALICE_ARN, sso("alice")))
            .await
            .outcome
            .unwrap();

        assert!(resource.studio.user_profile(DOMAIN, "alice").is_none());
        assert!(assigned(&resource, "alice"));
        assert_eq!(
            identity_center_calls(&resource, "DeleteApplicationAssignment"),
            0
        );
    }

    #[tokio::test]
    async fn delete_removes_the_assignment_its_create_made() {
        let resource = sso_resource();
        run(&resource, &create(sso("alice"))).await.outcome.unwrap();

        run(&resource, &delete(ALICE_ARN, sso("alice")))
            .await
            .outcome
            .unwrap();

        assert!(resource.studio.user_profile(DOMAIN, "alice").is_none());
        assert!(!assigned(&resource, "alice"));
    }

    #[tokio::test]
    async fn delete_keeps_the_assignment_another_profile_of_the_same_user_needs() {
        let resource = sso_resource();
        run(&resource, &create(sso("alice"))).await.outcome.unwrap();
        {
            let mut state = resource.studio.state();
            let mut other = studio_sagemaker::memory::new_user_profile(
                &mut state,
                DOMAIN,
                "alice-second",
                UserProfileStatus::InService,
            );
            other.profile.single_sign_on_user_value = Some("alice".to_owned());
            state
                .profiles
                .insert((DOMAIN.to_owned(), "alice-second".to_owned()), other);
        }

        run(&resource, &delete(ALICE_ARN, sso("alice")))
            .await
            .outcome
            .unwrap();

        assert!(resource.studio.user_profile(DOMAIN, "alice").is_none());
        assert!(assigned(&resource, "alice"));
    }

    #[tokio::test]
    async fn a_user_missing_from_the_directory_fails_naming_the_property_and_creates_nothing() {
        let resource = sso_resource();

        let error = run(&resource, &create(sso("mallory")))
            .await
            .outcome
            .unwrap_err();

        let reason = error.to_string();
        assert!(
            reason.starts_with("Invalid property SingleSignOnUserValue: mallory is not a user of domain d-abcdef123456's IAM Identity Center"),
            "{reason}"
        );
        assert!(
            reason.contains("has no user whose userName is mallory"),
            "{reason}"
        );
        assert!(resource.studio.user_profile(DOMAIN, "alice").is_none());
        assert_eq!(resource.studio.count("CreateUserProfile"), 0);
        assert_eq!(
            identity_center_calls(&resource, "CreateApplicationAssignment"),
            0
        );
    }

    #[tokio::test]
    async fn a_failed_create_undoes_the_assignment_it_made() {
        let resource = sso_resource();
        resource.studio.fail_next(
            "CreateUserProfile",
            aws_error(
                "CreateUserProfile",
                "ValidationException",
                AwsErrorKind::Invalid,
            ),
        );

        let error = run(&resource, &create(sso("alice")))
            .await
            .outcome
            .unwrap_err();

        assert!(error.to_string().contains("ValidationException"), "{error}");
        assert!(!assigned(&resource, "alice"));
        assert!(resource.studio.user_profile(DOMAIN, "alice").is_none());
    }

    #[tokio::test]
    async fn a_failing_identity_center_call_fails_the_create_before_the_profile() {
        let resource = sso_resource();
        resource.identity_center.fail_next(
            "CreateApplicationAssignment",
            aws_error(
                "CreateApplicationAssignment",
                "AccessDeniedException",
                AwsErrorKind::AccessDenied,
            ),
        );

        let error = run(&resource, &create(sso("alice")))
            .await
            .outcome
            .unwrap_err();

        assert!(
            error.to_string().contains("AccessDeniedException"),
            "{error}"
        );
        assert_eq!(resource.studio.count("CreateUserProfile"), 0);
    }

    #[tokio::test]
    async fn an_iam_domain_makes_no_identity_center_call() {
        let resource = resource();

        run(&resource, &create(alice())).await.outcome.unwrap();
        run(&resource, &delete(ALICE_ARN, alice()))
            .await
            .outcome
            .unwrap();

        assert!(resource.identity_center.calls().is_empty());
    }
}
