//! The resource's behaviour against the in-memory Studio: given a Studio, when CloudFormation
//! asks, then the space, its tags and apps are as expected.

use std::collections::BTreeMap;

use aws_sdk_sagemaker::types::{AppStatus, AppType, SharingType, SpaceStatus};
use cfn_custom_resource::testing::{self, RequestBuilder, run, run_from};
use cfn_custom_resource::{AwsErrorKind, CustomResourceRequest, Invocation, RequestKind};
use serde_json::{Value, json};
use studio_sagemaker::memory::{MemoryStudio, aws_error};
use studio_sagemaker::ownership::{MANAGED_TAG, STACK_ID_TAG};

use crate::ports::{App, AppOwner};
use crate::{SpaceState, StudioSpace};

const DOMAIN: &str = "d-abcdef123456";
const STACK: &str =
    "arn:aws:cloudformation:us-east-1:123456789012:stack/SC-123456789012-pp-abc/0a1b2c3d";
const OTHER_STACK: &str =
    "arn:aws:cloudformation:us-east-1:123456789012:stack/SC-123456789012-pp-other/9f8e7d6c";
const LAB_ARN: &str = "arn:aws:sagemaker:us-east-1:123456789012:space/d-abcdef123456/alice-lab";

/// A Studio with the domain and alice's profile.
fn resource() -> StudioSpace<MemoryStudio> {
    let studio = MemoryStudio::default();
    studio.add_domain(DOMAIN, "team", vec![]);
    studio.add_user_profile(DOMAIN, "alice", vec![]);
    StudioSpace::new(studio)
}

fn alice_lab() -> Value {
    json!({
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:studio-space",
        "DomainId": DOMAIN,
        "SpaceName": "alice-lab",
        "SpaceDisplayName": "Alice's lab",
        "OwnershipSettings": {"OwnerUserProfileName": "alice"},
        "SpaceSharingSettings": {"SharingType": "Private"},
        "SpaceSettings": {
            "AppType": "JupyterLab",
            "JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}},
            "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": "20"}}
        },
        "Tags": [{"Key": "team", "Value": "fraud"}]
    })
}

fn with(mut properties: Value, changes: &Value) -> Value {
    for (key, value) in changes.as_object().unwrap() {
        if value.is_null() {
            properties.as_object_mut().unwrap().remove(key);
        } else {
            properties[key] = value.clone();
        }
    }
    properties
}

/// A request of this resource in the product's stack.
fn ours(request: RequestBuilder) -> CustomResourceRequest {
    request
        .stack_id(STACK)
        .logical_resource_id("Space")
        .resource_type("Custom::StudioSpace")
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

async fn created(resource: &StudioSpace<MemoryStudio>, properties: Value) -> String {
    run(resource, &create(properties))
        .await
        .completed()
        .physical_resource_id
}

#[tokio::test]
async fn create_makes_the_space_tagged_and_owned_and_waits_until_in_service() {
    let resource = resource();

    let run = run(&resource, &create(alice_lab())).await;

    assert_eq!(run.waited_for, vec!["space alice-lab to be InService"]);
    let done = run.completed();
    assert_eq!(done.physical_resource_id, LAB_ARN);
    assert_eq!(done.data["SpaceArn"], LAB_ARN);
    assert_eq!(done.data["SpaceName"], "alice-lab");
    assert_eq!(done.data["DomainId"], DOMAIN);
    assert!(done.data["Url"].starts_with("https://"));
    let studio = &resource.studio;
    let tags = studio.tags(LAB_ARN);
    assert_eq!(user_tags(&tags), BTreeMap::from([("team", "fraud")]));
    assert_eq!(tags[STACK_ID_TAG], STACK);
    assert_eq!(tags[MANAGED_TAG], "true");
    let space = studio.state().spaces[&(DOMAIN.to_owned(), "alice-lab".to_owned())].clone();
    assert_eq!(space.owner_user_profile_name.as_deref(), Some("alice"));
    assert_eq!(space.sharing_type, Some(SharingType::Private));
    assert_eq!(space.app_type, Some(AppType::JupyterLab));
}

#[tokio::test]
async fn create_refuses_an_owner_without_a_profile_naming_it_before_creating_anything() {
    let resource = resource();
    let properties = with(
        alice_lab(),
        &json!({"OwnershipSettings": {"OwnerUserProfileName": "nobody"}}),
    );

    let reason = run(&resource, &create(properties))
        .await
        .error()
        .to_string();

    assert!(
        reason.contains("OwnershipSettings.OwnerUserProfileName")
            && reason.contains("no user profile nobody"),
        "{reason}"
    );
    assert_eq!(resource.studio.count("CreateSpace"), 0);
}

#[tokio::test]
async fn create_refuses_an_ebs_volume_above_the_domains_maximum_naming_it() {
    let resource = resource();
    resource
        .studio
        .state()
        .domain_maximum_ebs_volume_size_in_gb
        .insert(DOMAIN.to_owned(), 10);

    let reason = run(&resource, &create(alice_lab()))
        .await
        .error()
        .to_string();

    assert!(
        reason.contains("SpaceSettings.SpaceStorageSettings.EbsStorageSettings.EbsVolumeSizeInGb")
            && reason
                .contains("20 GB is above domain d-abcdef123456's MaximumEbsVolumeSizeInGb 10"),
        "{reason}"
    );
    assert_eq!(resource.studio.count("CreateSpace"), 0);
}

#[tokio::test]
async fn a_settings_field_the_api_lacks_is_refused_by_name_before_any_call() {
    let resource = resource();
    let properties = with(
        alice_lab(),
        &json!({"SpaceSettings": {"AppType": "JupyterLab", "SpaceManagedResources": "ENABLED"}}),
    );

    let reason = run(&resource, &create(properties))
        .await
        .error()
        .to_string();

    assert!(reason.contains("SpaceManagedResources"), "{reason}");
    assert!(
        resource.studio.calls().is_empty(),
        "{:?}",
        resource.studio.calls()
    );
}

#[tokio::test]
async fn a_duplicate_delivery_of_a_create_finds_its_space_and_creates_no_second_one() {
    let resource = resource();
    let request = create(alice_lab());
    let first = run(&resource, &request).await.completed();

    let again = run(&resource, &request).await.completed();

    assert_eq!(again.physical_resource_id, first.physical_resource_id);
    assert_eq!(resource.studio.count("CreateSpace"), 1);
}

#[tokio::test]
async fn create_never_adopts_a_space_of_that_name_it_did_not_create() {
    let resource = resource();
    resource.studio.add_space(
        DOMAIN,
        "alice-lab",
        Some("alice"),
        Some(SharingType::Private),
    );
    resource.studio.set_tags(LAB_ARN, vec![]);
    resource
        .studio
        .state()
        .space_details
        .entry((DOMAIN.to_owned(), "alice-lab".to_owned()))
        .or_default()
        .space_arn = LAB_ARN.to_owned();

    let reason = run(&resource, &create(alice_lab()))
        .await
        .error()
        .to_string();

    assert!(
        reason.contains("already exists") && reason.contains("Choose another SpaceName"),
        "{reason}"
    );
    assert_eq!(resource.studio.count("CreateSpace"), 0);
    assert_eq!(resource.studio.count("AddTags"), 0);
}

#[tokio::test]
async fn a_create_whose_space_fails_answers_at_once_naming_the_space_so_the_rollback_deletes_it() {
    let resource = resource();
    resource.studio.state().new_spaces_settle_to = Some((
        SpaceStatus::Failed,
        "The EBS volume could not be created".to_owned(),
    ));

    let run = run(&resource, &create(alice_lab())).await;

    assert_eq!(run.made.as_deref(), Some(LAB_ARN));
    let reason = run.outcome.unwrap_err().to_string();
    assert!(
        reason.contains("Space alice-lab of domain d-abcdef123456 is Failed: The EBS volume could not be created"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_create_whose_wait_is_refused_names_the_space_it_made() {
    let resource = resource();
    // The look before creating answers "no such space" from the shared state; the fault hits
    // the DescribeSpace of the wait (the create step's own look is the first call of the run).
    let request = create(alice_lab());
    let properties = parsed(&request);
    let first = resource
        .create_step(&request, &properties, None)
        .await
        .unwrap();
    assert!(matches!(
        first,
        cfn_custom_resource::Progress::InProgress { .. }
    ));
    resource.studio.fail_next(
        "DescribeSpace",
        aws_error(
            "DescribeSpace",
            "AccessDeniedException",
            AwsErrorKind::AccessDenied,
        ),
    );

    let run = run_from(&resource, &request, Some(SpaceState::Creating)).await;

    assert!(run.outcome.is_err(), "{:?}", run.outcome);
    assert_eq!(resource.studio.count("CreateSpace"), 1);
}

#[tokio::test]
async fn a_continued_create_carries_on_waiting_from_its_state() {
    let resource = resource();
    let request = create(alice_lab());
    let first = crate::StudioSpace::create_step(&resource, &request, &parsed(&request), None)
        .await
        .unwrap();
    assert!(matches!(
        first,
        cfn_custom_resource::Progress::InProgress { .. }
    ));
    resource.studio.forget_calls();

    let run = run_from(&resource, &request, Some(SpaceState::Creating)).await;

    assert_eq!(run.completed().physical_resource_id, LAB_ARN);
    assert_eq!(resource.studio.count("CreateSpace"), 0);
}

fn parsed(request: &CustomResourceRequest) -> crate::properties::SpaceProperties {
    let mut properties = request.properties.clone();
    properties.as_object_mut().unwrap().remove("ServiceToken");
    cfn_custom_resource::properties::parse(&properties).unwrap()
}

#[tokio::test]
async fn update_changes_display_name_settings_and_tags_in_place() {
    let resource = resource();
    let arn = created(&resource, alice_lab()).await;
    resource.studio.forget_calls();
    let mut new = with(
        alice_lab(),
        &json!({"SpaceDisplayName": "Alice's models", "Tags": [{"Key": "team", "Value": "risk"}]}),
    );
    new["SpaceSettings"]["SpaceStorageSettings"]["EbsStorageSettings"]["EbsVolumeSizeInGb"] =
        json!("40");

    let run = run(&resource, &update(&arn, new, alice_lab())).await;

    assert_eq!(
        run.waited_for,
        vec!["space alice-lab to be InService after the update"]
    );
    assert_eq!(run.completed().physical_resource_id, arn);
    let studio = &resource.studio;
    assert_eq!(studio.count("CreateSpace"), 0);
    assert_eq!(studio.count("UpdateSpace"), 1);
    assert_eq!(
        user_tags(&studio.tags(&arn)),
        BTreeMap::from([("team", "risk")])
    );
    let details =
        studio.state().space_details[&(DOMAIN.to_owned(), "alice-lab".to_owned())].clone();
    assert_eq!(
        details.space_display_name.as_deref(),
        Some("Alice's models")
    );
    let settings = details.space_settings.unwrap();
    assert_eq!(settings.app_type(), None, "UpdateSpace is sent no AppType");
    assert_eq!(
        settings
            .space_storage_settings()
            .and_then(|storage| storage.ebs_storage_settings())
            .and_then(|ebs| ebs.ebs_volume_size_in_gb()),
        Some(40)
    );
}

#[tokio::test]
async fn a_tag_only_update_sends_no_update_space() {
    let resource = resource();
    let arn = created(&resource, alice_lab()).await;
    let new = with(alice_lab(), &json!({"Tags": []}));

    let done = run(&resource, &update(&arn, new, alice_lab()))
        .await
        .completed();

    assert_eq!(done.physical_resource_id, arn);
    assert_eq!(resource.studio.count("UpdateSpace"), 0);
    assert!(user_tags(&resource.studio.tags(&arn)).is_empty());
}

#[tokio::test]
async fn an_update_of_the_owner_sharing_or_app_type_refuses_naming_it_and_changes_nothing() {
    let resource = resource();
    let arn = created(&resource, alice_lab()).await;
    resource.studio.forget_calls();
    for (change, property) in [
        (
            json!({"SpaceSharingSettings": {"SharingType": "Shared"}, "Tags": []}),
            "SpaceSharingSettings.SharingType",
        ),
        (
            json!({"SpaceSettings": {"AppType": "CodeEditor"}, "Tags": []}),
            "SpaceSettings.AppType",
        ),
    ] {
        let reason = run(
            &resource,
            &update(&arn, with(alice_lab(), &change), alice_lab()),
        )
        .await
        .error()
        .to_string();
        assert!(
            reason.contains(property) && reason.contains("change SpaceName too"),
            "{reason}"
        );
    }
    let studio = &resource.studio;
    assert_eq!(studio.count("UpdateSpace") + studio.count("CreateSpace"), 0);
    assert_eq!(studio.count("AddTags") + studio.count("DeleteTags"), 0);
}

#[tokio::test]
async fn an_update_of_the_space_name_creates_a_new_space_a_replacement() {
    let resource = resource();
    let arn = created(&resource, alice_lab()).await;
    let new = with(alice_lab(), &json!({"SpaceName": "alice-lab-2"}));

    let done = run(&resource, &update(&arn, new, alice_lab()))
        .await
        .completed();

    assert_ne!(done.physical_resource_id, arn);
    assert!(done.physical_resource_id.ends_with("/alice-lab-2"));
    assert_eq!(
        resource.studio.space_names(),
        vec!["alice-lab", "alice-lab-2"]
    );
}

#[tokio::test]
async fn an_update_shrinking_the_ebs_volume_refuses_naming_it() {
    let resource = resource();
    let arn = created(&resource, alice_lab()).await;
    let mut new = alice_lab();
    new["SpaceSettings"]["SpaceStorageSettings"]["EbsStorageSettings"]["EbsVolumeSizeInGb"] =
        json!("10");
    resource.studio.forget_calls();

    let reason = run(&resource, &update(&arn, new, alice_lab()))
        .await
        .error()
        .to_string();

    assert!(
        reason.contains("EbsVolumeSizeInGb") && reason.contains("can grow, not shrink"),
        "{reason}"
    );
    assert_eq!(resource.studio.count("UpdateSpace"), 0);
}

/// The domain's idle shutdown bounds for JupyterLab and Code Editor: 60 to `max` minutes.
fn domain_idle_bounds(resource: &StudioSpace<MemoryStudio>, max: i32) {
    let bounds = studio_sagemaker::ports::IdleSettings {
        enabled: Some(true),
        timeout_minutes: Some(120),
        min_timeout_minutes: Some(90),
        max_timeout_minutes: Some(max),
    };
    resource.studio.state().domain_idle_shutdown.insert(
        DOMAIN.to_owned(),
        studio_sagemaker::ports::IdleShutdown {
            jupyter_lab: Some(bounds),
            code_editor: Some(bounds),
        },
    );
}

fn alice_lab_idle(minutes: &str) -> Value {
    let mut properties = alice_lab();
    properties["SpaceSettings"]["JupyterLabAppSettings"]["AppLifecycleManagement"] =
        json!({"IdleSettings": {"IdleTimeoutInMinutes": minutes}});
    properties
}

#[tokio::test]
async fn create_refuses_an_idle_timeout_above_the_domains_maximum_naming_it() {
    let resource = resource();
    domain_idle_bounds(&resource, 240);

    let reason = run(&resource, &create(alice_lab_idle("300")))
        .await
        .error()
        .to_string();

    assert!(
        reason.contains(
            "SpaceSettings.JupyterLabAppSettings.AppLifecycleManagement.IdleSettings.IdleTimeoutInMinutes"
        ) && reason.contains("300 minutes is above domain d-abcdef123456's MaxIdleTimeoutInMinutes 240"),
        "{reason}"
    );
    assert_eq!(resource.studio.count("CreateSpace"), 0);
}

#[tokio::test]
async fn an_update_to_an_idle_timeout_below_the_domains_minimum_refuses_naming_it() {
    let resource = resource();
    domain_idle_bounds(&resource, 240);
    let arn = created(&resource, alice_lab_idle("120")).await;
    resource.studio.forget_calls();

    let reason = run(
        &resource,
        &update(&arn, alice_lab_idle("60"), alice_lab_idle("120")),
    )
    .await
    .error()
    .to_string();

    assert!(
        reason.contains("60 minutes is below domain d-abcdef123456's MinIdleTimeoutInMinutes 90"),
        "{reason}"
    );
    assert_eq!(resource.studio.count("UpdateSpace"), 0);
}

#[tokio::test]
async fn an_idle_timeout_within_the_domains_bounds_is_created() {
    let resource = resource();
    domain_idle_bounds(&resource, 240);

    run(&resource, &create(alice_lab_idle("240")))
        .await
        .completed();

    assert_eq!(resource.studio.count("CreateSpace"), 1);
}

#[tokio::test]
async fn delete_of_a_jupyterlab_space_without_delete_space_data_refuses_and_touches_nothing() {
    let resource = resource();
    let arn = created(&resource, alice_lab()).await;
    resource.studio.add_app(
        DOMAIN,
        App::new(
            AppOwner::Space("alice-lab".into()),
            AppType::JupyterLab,
            "default",
            AppStatus::InService,
        ),
    );

    let run = run(&resource, &delete(&arn, alice_lab())).await;

    let reason = run.outcome.unwrap_err().to_string();
    assert!(
        reason.contains("Deleting space alice-lab of domain d-abcdef123456 would delete")
            && reason.contains("DeleteSpaceData"),
        "{reason}"
    );
    assert!(run.waited_for.is_empty());
    let studio = &resource.studio;
    assert_eq!(studio.count("DeleteApp") + studio.count("DeleteSpace"), 0);
    assert_eq!(studio.space_names(), vec!["alice-lab"]);
}

#[tokio::test]
async fn delete_with_delete_space_data_removes_the_apps_first_then_the_space() {
    let resource = resource();
    let properties = with(alice_lab(), &json!({"DeleteSpaceData": "true"}));
    let arn = created(&resource, properties.clone()).await;
    for (name, status) in [
        ("default", AppStatus::InService),
        ("broken", AppStatus::Failed),
    ] {
        resource.studio.add_app(
            DOMAIN,
            App::new(
                AppOwner::Space("alice-lab".into()),
                AppType::JupyterLab,
                name,
                status,
            ),
        );
    }
    resource
        .studio
        .state()
        .apps
        .retain(|stored| stored.app.app_name != "broken");

    let run = run(&resource, &delete(&arn, properties)).await;

    assert_eq!(
        run.waited_for,
        vec![
            "1 app(s) of space alice-lab to be deleted",
            "space alice-lab to be deleted"
        ]
    );
    run.completed();
    let deletes: Vec<String> = resource
        .studio
        .calls()
        .into_iter()
        .filter(|call| call.starts_with("Delete"))
        .collect();
    assert_eq!(
        deletes,
        vec!["DeleteApp JupyterLab/default", "DeleteSpace alice-lab"]
    );
    assert!(resource.studio.space_names().is_empty());
}

#[tokio::test]
async fn delete_of_a_space_without_an_app_type_needs_no_delete_space_data() {
    let resource = resource();
    let properties = with(alice_lab(), &json!({"SpaceSettings": null}));
    let arn = created(&resource, properties.clone()).await;

    run(&resource, &delete(&arn, properties)).await.completed();

    assert!(resource.studio.space_names().is_empty());
}

#[tokio::test]
async fn delete_leaves_a_space_another_stack_owns() {
    let resource = resource();
    let arn = created(&resource, alice_lab()).await;
    let other = testing::delete(&arn, with(alice_lab(), &json!({"DeleteSpaceData": "true"})))
        .stack_id(OTHER_STACK)
        .logical_resource_id("Space")
        .build();

    let done = run(&resource, &other).await.completed();

    assert!(done.reason.unwrap().contains("belongs to another stack"));
    assert_eq!(resource.studio.space_names(), vec!["alice-lab"]);
    assert_eq!(resource.studio.count("DeleteSpace"), 0);
}

#[tokio::test]
async fn delete_ignores_a_physical_id_that_is_not_a_space_arn() {
    let resource = resource();
    created(&resource, alice_lab()).await;
    resource.studio.forget_calls();

    let done = run(
        &resource,
        &delete("2026/12/02/[$LATEST]0123456789abcdef", alice_lab()),
    )
    .await
    .completed();

    assert_eq!(
        done.physical_resource_id,
        "2026/12/02/[$LATEST]0123456789abcdef"
    );
    assert!(
        resource.studio.calls().is_empty(),
        "{:?}",
        resource.studio.calls()
    );
}

#[tokio::test]
async fn delete_of_a_space_already_gone_succeeds() {
    let resource = resource();
    let done = run(&resource, &delete(LAB_ARN, alice_lab()))
        .await
        .completed();
    assert!(done.reason.unwrap().contains("is deleted"));
}

#[tokio::test]
async fn a_delete_step_waits_for_a_space_still_updating_and_touches_nothing() {
    let resource = resource();
    let properties = with(alice_lab(), &json!({"DeleteSpaceData": "true"}));
    let arn = created(&resource, properties.clone()).await;
    let studio = &resource.studio;
    studio.hold_statuses();
    studio
        .state()
        .spaces
        .get_mut(&(DOMAIN.to_owned(), "alice-lab".to_owned()))
        .unwrap()
        .status = SpaceStatus::Updating;
    let request = delete(&arn, properties);

    let step = resource
        .delete_step(&request, &arn, &parsed(&request))
        .await
        .unwrap();

    assert_eq!(
        step,
        cfn_custom_resource::Progress::waiting(
            SpaceState::Deleting,
            "space alice-lab to be InService before deleting it (now Updating)"
        )
    );
    assert_eq!(studio.count("DeleteSpace") + studio.count("DeleteApp"), 0);
}

#[test]
fn the_sample_events_are_requests_of_this_resource() {
    for (event, kind) in [
        (
            include_str!("../../../events/studio-space/create.json"),
            "Create",
        ),
        (
            include_str!("../../../events/studio-space/update.json"),
            "Update",
        ),
        (
            include_str!("../../../events/studio-space/delete.json"),
            "Delete",
        ),
    ] {
        let payload: Value = serde_json::from_str(event).unwrap();
        let Invocation::Fresh(request) = Invocation::from_payload(payload).unwrap() else {
            panic!("{kind} is a request from CloudFormation");
        };
        assert_eq!(request.request_type(), kind);
        assert_eq!(request.resource_type, "Custom::StudioSpace");
        if let RequestKind::Update {
            physical_resource_id,
            ..
        }
        | RequestKind::Delete {
            physical_resource_id,
        } = &request.kind
        {
            assert!(crate::ports::SpaceArn::parse(physical_resource_id.as_str()).is_some());
        }
    }
}
