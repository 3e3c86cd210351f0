//! `Custom::StudioLifecycleConfig` driven as Lambda would, against the in-memory Studio.

use aws_sdk_sagemaker::types::Tag;
use cfn_custom_resource::testing::{self, create, delete, update};
use cfn_custom_resource::{AwsErrorKind, CustomResourceRequest, ResourceError};
use serde_json::{Value, json};
use studio_sagemaker::memory::{MemoryStudio, aws_error};
use studio_sagemaker::ownership::{LOGICAL_ID_TAG, MANAGED_TAG, REQUEST_ID_TAG, STACK_ID_TAG};

use super::*;

const STACK: &str =
    "arn:aws:cloudformation:us-east-1:123456789012:stack/SC-123456789012-pp-lab/0a1b2c3d";
const OTHER_STACK: &str =
    "arn:aws:cloudformation:us-east-1:123456789012:stack/SC-123456789012-pp-other/4e5f6a7b";
const PHYSICAL_ID: &str = "studio-lifecycle-config/team-a-lab/JupyterLab";
/// `echo one` and `echo two`, base64.
const ONE: &str = "ZWNobyBvbmU=";
const TWO: &str = "ZWNobyB0d28=";
const ALICE: &str = "user profile alice of domain d-1";

fn props(content: &str) -> Value {
    json!({
        "StudioLifecycleConfigName": "team-a-lab",
        "StudioLifecycleConfigContent": content,
        "StudioLifecycleConfigAppType": "JupyterLab",
        "Tags": [{"Key": "team", "Value": "a"}],
    })
}

fn resource() -> StudioLifecycleConfig<MemoryStudio> {
    StudioLifecycleConfig::new(MemoryStudio::default())
}

fn creation(properties: Value) -> CustomResourceRequest {
    create(properties)
        .stack_id(STACK)
        .logical_resource_id("LabSetup")
        .build()
}

fn edit(old: Value, new: Value) -> CustomResourceRequest {
    update(PHYSICAL_ID, new, old)
        .stack_id(STACK)
        .logical_resource_id("LabSetup")
        .build()
}

fn deletion(properties: Value) -> CustomResourceRequest {
    delete(PHYSICAL_ID, properties)
        .stack_id(STACK)
        .logical_resource_id("LabSetup")
        .build()
}

fn version_of(content: &str) -> String {
    version_name(&serde_json::from_value(props(content)).expect("the properties read"))
}

async fn created(resource: &StudioLifecycleConfig<MemoryStudio>, content: &str) -> Completed {
    testing::run(resource, &creation(props(content)))
        .await
        .completed()
}

fn reason(error: &ResourceError) -> String {
    error.to_string()
}

#[tokio::test]
async fn create_makes_the_first_version_tagged_with_the_stack_and_answers_its_arn() {
    let resource = resource();

    let run = testing::run(&resource, &creation(props(ONE))).await;

    assert_eq!(
        run.waited_for,
        vec!["the older versions of Studio lifecycle config team-a-lab to be retired"]
    );
    let completed = run.completed();
    let name = version_of(ONE);
    let stored = resource
        .studio
        .lifecycle_config(&name)
        .expect("the version exists");
    assert_eq!(completed.physical_resource_id, PHYSICAL_ID);
    assert_eq!(completed.data["StudioLifecycleConfigName"], name);
    assert_eq!(
        completed.data["StudioLifecycleConfigArn"],
        stored.config.arn
    );
    assert_eq!(stored.content, ONE);
    assert_eq!(stored.config.app_type.as_str(), "JupyterLab");
    let tags = resource.studio.tags(&stored.config.arn);
    assert_eq!(tags.get("team").map(String::as_str), Some("a"));
    assert_eq!(tags.get(STACK_ID_TAG).map(String::as_str), Some(STACK));
    assert_eq!(
        tags.get(LOGICAL_ID_TAG).map(String::as_str),
        Some("LabSetup")
    );
    assert_eq!(tags.get(MANAGED_TAG).map(String::as_str), Some("true"));
}

#[tokio::test]
async fn an_edit_makes_a_new_version_keeps_the_physical_id_and_retires_the_free_old_one() {
    let resource = resource();
    let first = created(&resource, ONE).await;

    let edited = testing::run(&resource, &edit(props(ONE), props(TWO)))
        .await
        .completed();

    assert_eq!(edited.physical_resource_id, first.physical_resource_id);
    assert_ne!(
        edited.data["StudioLifecycleConfigArn"],
        first.data["StudioLifecycleConfigArn"]
    );
    assert_eq!(edited.data["StudioLifecycleConfigName"], version_of(TWO));
    assert_eq!(
        resource.studio.lifecycle_config_names(),
        vec![version_of(TWO)]
    );
}

#[tokio::test]
async fn a_tag_change_is_a_new_version_too() {
    let resource = resource();
    created(&resource, ONE).await;
    let mut retagged = props(ONE);
    retagged["Tags"] = json!([{"Key": "team", "Value": "b"}]);

    let edited = testing::run(&resource, &edit(props(ONE), retagged))
        .await
        .completed();

    let name = edited.data["StudioLifecycleConfigName"].clone();
    assert_ne!(name, version_of(ONE));
    let arn = &edited.data["StudioLifecycleConfigArn"];
    assert_eq!(
        resource.studio.tags(arn).get("team").map(String::as_str),
        Some("b")
    );
    assert_eq!(resource.studio.lifecycle_config_names(), vec![name]);
}

#[tokio::test]
async fn an_old_version_in_use_is_kept_without_failing_the_update_then_retired_by_a_later_one() {
    let resource = resource();
    let first = created(&resource, ONE).await;
    let old_arn = first.data["StudioLifecycleConfigArn"].clone();
    resource
        .studio
        .list_lifecycle_configs_in(ALICE, &[&old_arn]);

    let edited = testing::run(&resource, &edit(props(ONE), props(TWO)))
        .await
        .completed();

    assert!(
        edited
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains(&format!(
                "kept while in use (retired by a later update or the delete) {}",
                version_of(ONE)
            )),
        "{edited:?}"
    );
    assert_eq!(resource.studio.lifecycle_config_names().len(), 2);
    assert_eq!(
        resource.studio.count("UpdateUserProfile"),
        0,
        "nothing else is changed"
    );

    // The profile moves to the new ARN (CloudFormation updates it); the next update retires v1.
    resource
        .studio
        .list_lifecycle_configs_in(ALICE, &[&edited.data["StudioLifecycleConfigArn"]]);
    let mut retagged = props(TWO);
    retagged["Tags"] = json!([{"Key": "team", "Value": "a"}, {"Key": "owner", "Value": "alice"}]);
    let later = testing::run(&resource, &edit(props(TWO), retagged))
        .await
        .completed();

    assert_eq!(
        resource.studio.lifecycle_config_names(),
        vec![
            later.data["StudioLifecycleConfigName"].clone(),
            version_of(TWO)
        ],
        "v1 is retired; v2, which the profile lists now, is kept"
    );
    assert!(resource.studio.lifecycle_config(&version_of(ONE)).is_none());
}

#[tokio::test]
async fn delete_refuses_while_the_current_version_is_listed_naming_what_lists_it() {
    let resource = resource();
    let first = created(&resource, ONE).await;
    resource
        .studio
        .list_lifecycle_configs_in(ALICE, &[&first.data["StudioLifecycleConfigArn"]]);

    let error = testing::run(&resource, &deletion(props(ONE))).await.error();

    let reason = reason(&error);
    assert!(
        reason.contains(&format!(
            "{} (the current version) is listed by {ALICE}",
            version_of(ONE)
        )),
        "{reason}"
    );
    assert_eq!(
        resource.studio.lifecycle_config_names(),
        vec![version_of(ONE)]
    );
}

#[tokio::test]
async fn delete_deletes_every_version_it_made_once_nothing_lists_them() {
    let resource = resource();
    let first = created(&resource, ONE).await;
    resource
        .studio
        .list_lifecycle_configs_in(ALICE, &[&first.data["StudioLifecycleConfigArn"]]);
    testing::run(&resource, &edit(props(ONE), props(TWO)))
        .await
        .completed();
    resource.studio.list_lifecycle_configs_in(ALICE, &[]);

    let deleted = testing::run(&resource, &deletion(props(TWO)))
        .await
        .completed();

    assert_eq!(deleted.physical_resource_id, PHYSICAL_ID);
    assert!(resource.studio.lifecycle_config_names().is_empty());
    let deletes: Vec<String> = resource
        .studio
        .calls()
        .into_iter()
        .filter(|call| call.starts_with("DeleteStudioLifecycleConfig"))
        .collect();
    assert_eq!(
        deletes.last().map(String::as_str),
        Some(format!("DeleteStudioLifecycleConfig {}", version_of(TWO)).as_str()),
        "the current version goes last"
    );
}

#[tokio::test]
async fn a_duplicate_delivery_of_the_create_finds_its_version_instead_of_making_another() {
    let resource = resource();
    let first = created(&resource, ONE).await;
    resource.studio.forget_calls();

    let again = created(&resource, ONE).await;

    assert_eq!(again, first);
    assert_eq!(resource.studio.count("CreateStudioLifecycleConfig"), 0);
    assert_eq!(
        resource.studio.lifecycle_config_names(),
        vec![version_of(ONE)]
    );
}

#[tokio::test]
async fn a_config_of_the_versions_name_made_by_another_stack_is_refused_and_left_untouched() {
    let resource = resource();
    let other = create(props(ONE))
        .stack_id(OTHER_STACK)
        .logical_resource_id("LabSetup")
        .build();
    testing::run(&resource, &other).await.completed();

    let error = testing::run(&resource, &creation(props(ONE))).await.error();

    assert!(reason(&error).contains("this resource did not make it; it was left untouched"));
    let arn = resource
        .studio
        .lifecycle_config(&version_of(ONE))
        .expect("the other stack's config stays")
        .config
        .arn;
    assert_eq!(
        resource
            .studio
            .tags(&arn)
            .get(STACK_ID_TAG)
            .map(String::as_str),
        Some(OTHER_STACK)
    );
}

#[tokio::test]
async fn delete_leaves_alone_the_versions_another_stack_made_of_the_same_name() {
    let resource = resource();
    let other = create(props(TWO))
        .stack_id(OTHER_STACK)
        .logical_resource_id("LabSetup")
        .build();
    testing::run(&resource, &other).await.completed();
    created(&resource, ONE).await;

    testing::run(&resource, &deletion(props(ONE)))
        .await
        .completed();

    assert_eq!(
        resource.studio.lifecycle_config_names(),
        vec![version_of(TWO)]
    );
}

#[tokio::test]
async fn delete_of_a_physical_id_it_does_not_make_is_done_untouched() {
    let resource = resource();
    created(&resource, ONE).await;
    resource.studio.forget_calls();
    let request = delete("2024/11/23/[$LATEST]0123456789abcdef", props(ONE))
        .stack_id(STACK)
        .build();

    let completed = testing::run(&resource, &request).await.completed();

    assert_eq!(
        completed.physical_resource_id,
        "2024/11/23/[$LATEST]0123456789abcdef"
    );
    assert!(resource.studio.calls().is_empty());
    assert_eq!(
        resource.studio.lifecycle_config_names(),
        vec![version_of(ONE)]
    );
}

#[tokio::test]
async fn a_failure_after_the_version_is_made_answers_failed_naming_the_resource() {
    let resource = resource();
    // The first ListTags is the retiring step's (nothing else exists when the version is made).
    resource.studio.fail_next(
        "ListTags",
        aws_error(
            "ListTags",
            "AccessDeniedException",
            AwsErrorKind::AccessDenied,
        ),
    );

    let run = testing::run(&resource, &creation(props(ONE))).await;

    assert_eq!(run.made.as_deref(), Some(PHYSICAL_ID));
    assert!(reason(&run.error()).contains("Check the function's execution role"));
    assert_eq!(
        resource.studio.lifecycle_config_names(),
        vec![version_of(ONE)],
        "the rollback's delete, for the id the FAILED answer names, removes it"
    );
    testing::run(&resource, &deletion(props(ONE)))
        .await
        .completed();
    assert!(resource.studio.lifecycle_config_names().is_empty());
}

#[tokio::test]
async fn a_continuation_carries_on_with_retiring_and_answers_the_version_of_its_state() {
    let resource = resource();
    created(&resource, ONE).await;
    let second = testing::run(&resource, &edit(props(ONE), props(TWO))).await;
    let arn = second.completed().data["StudioLifecycleConfigArn"].clone();
    // An older version left by an invocation that ran out of time before retiring it.
    let mut tags = vec![
        Tag::builder().key(STACK_ID_TAG).value(STACK).build(),
        Tag::builder().key(LOGICAL_ID_TAG).value("LabSetup").build(),
        Tag::builder().key(REQUEST_ID_TAG).value("update-0").build(),
    ];
    tags.push(Tag::builder().key(MANAGED_TAG).value("true").build());
    let leftover = studio_sagemaker::lifecycle_configs::NewLifecycleConfig {
        name: "team-a-lab-v00000000".to_owned(),
        content: ONE.to_owned(),
        app_type: "JupyterLab".into(),
        tags,
    };
    resource
        .studio
        .create_lifecycle_config(&leftover)
        .await
        .expect("the leftover is made");
    resource.studio.forget_calls();

    let run = testing::run_from(
        &resource,
        &edit(props(ONE), props(TWO)),
        Some(LifecycleConfigState::Retiring {
            name: version_of(TWO),
            arn: arn.clone(),
        }),
    )
    .await;

    assert_eq!(run.continuations(), 0);
    let completed = run.completed();
    assert_eq!(completed.data["StudioLifecycleConfigArn"], arn);
    assert_eq!(resource.studio.count("CreateStudioLifecycleConfig"), 0);
    assert_eq!(
        resource.studio.lifecycle_config_names(),
        vec![version_of(TWO)]
    );
}

#[tokio::test]
async fn a_new_base_name_or_app_type_is_a_replacement() {
    let resource = resource();
    created(&resource, ONE).await;
    let mut renamed = props(ONE);
    renamed["StudioLifecycleConfigName"] = json!("team-a-lab-2");
    let mut code_editor = props(ONE);
    code_editor["StudioLifecycleConfigAppType"] = json!("CodeEditor");

    let renamed = testing::run(&resource, &edit(props(ONE), renamed))
        .await
        .completed();
    let retyped = testing::run(&resource, &edit(props(ONE), code_editor))
        .await
        .completed();

    assert_eq!(
        renamed.physical_resource_id,
        "studio-lifecycle-config/team-a-lab-2/JupyterLab"
    );
    assert_eq!(
        retyped.physical_resource_id,
        "studio-lifecycle-config/team-a-lab/CodeEditor"
    );
    assert!(
        resource.studio.lifecycle_config(&version_of(ONE)).is_some(),
        "the replaced resource's version is CloudFormation's delete to remove"
    );
}

#[tokio::test]
async fn invalid_properties_are_refused_before_any_call() {
    let resource = resource();
    let mut bad = props("not base64!");
    bad["StudioLifecycleConfigName"] = json!("team-a-lab");

    let error = testing::run(&resource, &creation(bad)).await.error();

    assert!(matches!(
        error,
        ResourceError::InvalidProperty { ref property, .. } if property == "StudioLifecycleConfigContent"
    ));
    assert!(resource.studio.calls().is_empty());
}

#[tokio::test]
async fn the_sample_events_drive_a_create_an_edit_and_a_delete() {
    let resource = resource();
    let events = [
        include_str!("../../../events/studio-lifecycle-config/create.json"),
        include_str!("../../../events/studio-lifecycle-config/update.json"),
        include_str!("../../../events/studio-lifecycle-config/delete.json"),
    ];
    let mut ids = Vec::new();
    for event in events {
        let event: Value = serde_json::from_str(event).expect("the sample event is JSON");
        let request = testing::request_from_event(event);
        assert_eq!(request.resource_type, "Custom::StudioLifecycleConfig");
        let properties: LifecycleConfigProperties =
            cfn_custom_resource::properties::parse(&request.properties).expect("they read");
        let again: LifecycleConfigProperties =
            serde_json::from_value(serde_json::to_value(&properties).expect("they write"))
                .expect("they read again");
        assert_eq!(again, properties, "the properties round-trip");
        ids.push(
            testing::run(&resource, &request)
                .await
                .completed()
                .physical_resource_id,
        );
    }

    assert_eq!(
        ids,
        vec!["studio-lifecycle-config/team-a-lab-setup/JupyterLab"; 3]
    );
    assert!(resource.studio.lifecycle_config_names().is_empty());
}
