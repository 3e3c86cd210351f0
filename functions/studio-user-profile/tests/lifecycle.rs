//! `studio-user-profile` end to end: the real binary under a local Lambda runtime,
//! CloudFormation's part played by the harness, SageMaker by the local emulator.

use std::ops::Deref;
use std::time::Duration;

use serde_json::{Value, json};
use studio_catalog_harness::cloudformation::{CfnRequest, CfnResponse};
use studio_catalog_harness::custom_resource::{CustomResourceOptions, CustomResourceUnderTest};
use studio_catalog_harness::emulator::Fault;

const FUNCTION: &str = "studio-user-profile";
const RESOURCE_TYPE: &str = "Custom::StudioUserProfile";
const DOMAIN_ROLE: &str = "arn:aws:iam::123456789012:role/studio-domain-default";
/// The user-profile product's execution roles, as the world creates them (path `/studio-catalog/`),
/// each tagged for its profile (`studio-catalog:user-profile = <domain id>/<profile name>`).
const ALICE_ROLE: &str = "arn:aws:iam::123456789012:role/studio-catalog/SageMakerStudioUser-alice";
const ALICE_ROLE_V2: &str =
    "arn:aws:iam::123456789012:role/studio-catalog/SageMakerStudioUser-alice-v2";
const ALICE_SMITH_ROLE: &str =
    "arn:aws:iam::123456789012:role/studio-catalog/SageMakerStudioUser-alice-smith";
const BOB_ROLE: &str = "arn:aws:iam::123456789012:role/studio-catalog/SageMakerStudioUser-bob";
/// The tag that ties an execution role to its profile.
const USER_PROFILE_ROLE_TAG: &str = "studio-catalog:user-profile";
const NAME_RULE: &str = "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}";

/// `Custom::StudioUserProfile` under test, in an `InService` domain made for it.
struct ProfileUnderTest {
    resource: CustomResourceUnderTest,
    domain_id: String,
}

impl Deref for ProfileUnderTest {
    type Target = CustomResourceUnderTest;

    fn deref(&self) -> &CustomResourceUnderTest {
        &self.resource
    }
}

async fn world() -> ProfileUnderTest {
    world_with(Duration::from_secs(60)).await
}

async fn world_with(function_timeout: Duration) -> ProfileUnderTest {
    let resource = CustomResourceUnderTest::start(
        env!("CARGO_BIN_EXE_studio-user-profile"),
        "team-a-alice",
        CustomResourceOptions::default().function_timeout(function_timeout),
    )
    .await;
    let created = resource
        .aws()
        .sagemaker(
            "CreateDomain",
            &json!({
                "DomainName": "team-a",
                "AuthMode": "IAM",
                "DefaultUserSettings": {"ExecutionRole": DOMAIN_ROLE},
                "SubnetIds": ["subnet-0a1b2c3d"],
                "VpcId": "vpc-0a1b2c3d",
            }),
        )
        .await
        .expect("the domain is created");
    let domain_id = created["DomainId"].as_str().unwrap().to_owned();
    for (role, profile) in [
        (ALICE_ROLE, "alice"),
        (ALICE_ROLE_V2, "alice"),
        (ALICE_SMITH_ROLE, "alice-smith"),
        (BOB_ROLE, "bob"),
    ] {
        let name = role.rsplit('/').next().unwrap();
        let tag = format!("{domain_id}/{profile}");
        let arn = resource
            .aws()
            .create_tagged_role(name, &[(USER_PROFILE_ROLE_TAG, &tag)])
            .await
            .expect("the execution role is created");
        assert_eq!(arn, role);
    }
    let world = ProfileUnderTest {
        resource,
        domain_id,
    };
    world
        .wait_for_status(
            "DescribeDomain",
            json!({"DomainId": world.domain_id}),
            "InService",
        )
        .await;
    world
}

impl ProfileUnderTest {
    fn properties(&self, name: &str) -> Value {
        json!({
            "ServiceTimeout": "120",
            "DomainId": self.domain_id,
            "UserProfileName": name,
            "ExecutionRoleArn": ALICE_ROLE,
            "Tags": [{"Key": "team", "Value": "fraud"}, {"Key": "cost-center", "Value": "cc-4711"}],
        })
    }

    async fn create(&self, logical_id: &str, properties: Value) -> (CfnRequest, CfnResponse) {
        let request = CfnRequest::create(RESOURCE_TYPE, logical_id, properties);
        let response = self.send_and_wait(&request).await;
        (request, response)
    }

    async fn describe(&self, name: &str) -> Result<Value, String> {
        self.aws()
            .sagemaker(
                "DescribeUserProfile",
                &json!({"DomainId": self.domain_id, "UserProfileName": name}),
            )
            .await
            .map_err(|error| error.aws_error_type().unwrap_or("unknown").to_owned())
    }

    async fn profile_names(&self) -> Vec<String> {
        let listed = self
            .aws()
            .sagemaker(
                "ListUserProfiles",
                &json!({"DomainIdEquals": self.domain_id}),
            )
            .await
            .unwrap();
        let mut names: Vec<String> = listed["UserProfiles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|profile| profile["UserProfileName"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    }

    async fn space_names(&self) -> Vec<String> {
        let listed = self
            .aws()
            .sagemaker("ListSpaces", &json!({"DomainIdEquals": self.domain_id}))
            .await
            .unwrap();
        let mut names: Vec<String> = listed["Spaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|space| space["SpaceName"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    }

    async fn tags(&self, arn: &str) -> Vec<(String, String)> {
        self.aws().sagemaker_tags(arn).await.unwrap()
    }

    /// The tags a template controls: all but the suite's ownership tags.
    async fn template_tags(&self, arn: &str) -> Vec<(String, String)> {
        self.tags(arn)
            .await
            .into_iter()
            .filter(|(key, _)| !key.starts_with("studio-catalog:"))
            .collect()
    }

    async fn calls(&self, operation: &str) -> usize {
        self.aws().call_count("sagemaker", operation).await.unwrap()
    }

    async fn wait_for_status(&self, describe: &str, body: Value, status: &str) {
        for _ in 0..200 {
            let described = self.aws().sagemaker(describe, &body).await.unwrap();
            if described["Status"] == status {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{describe} {body} never became {status}");
    }

    /// A profile made outside the stack (another user's).
    async fn add_profile(&self, name: &str) {
        let profile = json!({"DomainId": self.domain_id, "UserProfileName": name});
        self.aws()
            .sagemaker("CreateUserProfile", &profile)
            .await
            .unwrap();
        self.wait_for_status("DescribeUserProfile", profile, "InService")
            .await;
    }

    /// A running app of the profile `name` (Studio Classic's Jupyter server).
    async fn start_profile_app(&self, name: &str) {
        let app = json!({
            "DomainId": self.domain_id,
            "UserProfileName": name,
            "AppType": "JupyterServer",
            "AppName": "default",
        });
        self.aws().sagemaker("CreateApp", &app).await.unwrap();
        self.wait_for_status("DescribeApp", app, "InService").await;
    }

    /// A space of `owner`'s (`Private` or `Shared`) with a running JupyterLab app.
    async fn start_space_with_app(&self, space: &str, owner: &str, sharing_type: &str) {
        self.aws()
            .sagemaker(
                "CreateSpace",
                &json!({
                    "DomainId": self.domain_id,
                    "SpaceName": space,
                    "OwnershipSettings": {"OwnerUserProfileName": owner},
                    "SpaceSharingSettings": {"SharingType": sharing_type},
                    "SpaceSettings": {"AppType": "JupyterLab"},
                }),
            )
            .await
            .unwrap();
        self.wait_for_status(
            "DescribeSpace",
            json!({"DomainId": self.domain_id, "SpaceName": space}),
            "InService",
        )
        .await;
        let app = json!({
            "DomainId": self.domain_id,
            "SpaceName": space,
            "AppType": "JupyterLab",
            "AppName": "default",
        });
        self.aws().sagemaker("CreateApp", &app).await.unwrap();
        self.wait_for_status("DescribeApp", app, "InService").await;
    }
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

fn pairs(tags: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = tags
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    pairs.sort();
    pairs
}

#[tokio::test]
async fn create_makes_an_in_service_profile_tagged_with_its_owner_identity() {
    let world = world().await;
    let properties = with(
        world.properties("alice"),
        &json!({"StudioUserId": "alice.smith"}),
    );

    let (_, created) = world.create("UserProfile", properties).await;

    assert!(created.is_success(), "{:?}", created.reason);
    let arn = created.physical_resource_id.clone();
    assert_eq!(
        arn,
        format!(
            "arn:aws:sagemaker:us-east-1:123456789012:user-profile/{}/alice",
            world.domain_id
        )
    );
    assert_eq!(created.data("UserProfileArn"), Some(arn.as_str()));
    assert_eq!(created.data("UserProfileName"), Some("alice"));
    assert_eq!(created.data("DomainId"), Some(world.domain_id.as_str()));
    let described = world.describe("alice").await.unwrap();
    assert_eq!(described["Status"], "InService");
    assert_eq!(
        created.data("HomeEfsFileSystemUid"),
        described["HomeEfsFileSystemUid"].as_str()
    );
    assert_eq!(described["UserSettings"]["ExecutionRole"], ALICE_ROLE);
    assert_eq!(
        world.template_tags(&arn).await,
        pairs(&[
            ("studiouserid", "alice.smith"),
            ("team", "fraud"),
            ("cost-center", "cc-4711")
        ])
    );
    let tags = world.tags(&arn).await;
    assert!(tags.contains(&(
        "studio-catalog:stack-id".to_owned(),
        world.cfn().stack().stack_id().to_owned()
    )));
    assert!(tags.contains(&("studio-catalog:managed".to_owned(), "true".to_owned())));
}

#[tokio::test]
async fn a_tag_change_updates_the_same_profile_in_place() {
    let world = world().await;
    let old = world.properties("alice");
    let (create, created) = world.create("UserProfile", old.clone()).await;
    let before = world.describe("alice").await.unwrap();
    let new = with(
        old.clone(),
        &json!({
            "StudioUserId": "alice.smith@example.com",
            "Tags": [{"Key": "team", "Value": "risk"}, {"Key": "data-classification", "Value": "confidential"}],
        }),
    );

    let updated = world
        .send_and_wait(&create.update(&created.physical_resource_id, new, old))
        .await;

    assert!(updated.is_success(), "{:?}", updated.reason);
    assert_eq!(updated.physical_resource_id, created.physical_resource_id);
    let after = world.describe("alice").await.unwrap();
    assert_eq!(after["CreationTime"], before["CreationTime"]);
    assert_eq!(
        after["HomeEfsFileSystemUid"],
        before["HomeEfsFileSystemUid"]
    );
    assert_eq!(
        world.template_tags(&created.physical_resource_id).await,
        pairs(&[
            ("studiouserid", "alice.smith@example.com"),
            ("team", "risk"),
            ("data-classification", "confidential"),
        ])
    );
    assert_eq!(world.calls("CreateUserProfile").await, 1);
    assert_eq!(world.calls("UpdateUserProfile").await, 0);
    assert_eq!(world.calls("DeleteUserProfile").await, 0);
}

#[tokio::test]
async fn an_execution_role_change_updates_the_same_profile_in_place() {
    let world = world().await;
    let old = world.properties("alice");
    let (create, created) = world.create("UserProfile", old.clone()).await;
    let before = world.describe("alice").await.unwrap();
    let new_role = ALICE_ROLE_V2;
    let new = with(old.clone(), &json!({"ExecutionRoleArn": new_role}));

    let updated = world
        .send_and_wait(&create.update(&created.physical_resource_id, new, old))
        .await;

    assert!(updated.is_success(), "{:?}", updated.reason);
    assert_eq!(updated.physical_resource_id, created.physical_resource_id);
    assert_eq!(
        updated.data("UserProfileArn"),
        Some(created.physical_resource_id.as_str())
    );
    let after = world.describe("alice").await.unwrap();
    assert_eq!(after["Status"], "InService");
    assert_eq!(after["UserSettings"]["ExecutionRole"], new_role);
    assert_eq!(after["CreationTime"], before["CreationTime"]);
    assert_eq!(world.calls("UpdateUserProfile").await, 1);
    assert_eq!(world.calls("CreateUserProfile").await, 1);
}

#[tokio::test]
async fn a_rename_is_a_replacement_and_deleting_the_old_profile_keeps_the_new() {
    let world = world().await;
    let old = world.properties("alice");
    let (create, created) = world.create("UserProfile", old.clone()).await;
    let new = with(
        old.clone(),
        &json!({"UserProfileName": "alice-smith", "ExecutionRoleArn": ALICE_SMITH_ROLE}),
    );

    let updated = world
        .send_and_wait(&create.update(&created.physical_resource_id, new.clone(), old.clone()))
        .await;

    assert!(updated.is_success(), "{:?}", updated.reason);
    assert_ne!(updated.physical_resource_id, created.physical_resource_id);
    assert!(updated.physical_resource_id.ends_with("/alice-smith"));
    assert_eq!(world.profile_names().await, vec!["alice", "alice-smith"]);
    assert_eq!(
        world.template_tags(&updated.physical_resource_id).await,
        pairs(&[
            ("studiouserid", "alice-smith"),
            ("team", "fraud"),
            ("cost-center", "cc-4711")
        ])
    );

    // CloudFormation then deletes the old profile, with its old properties.
    let deleted = world
        .send_and_wait(&create.delete(&created.physical_resource_id, old))
        .await;

    assert!(deleted.is_success(), "{:?}", deleted.reason);
    assert_eq!(world.profile_names().await, vec!["alice-smith"]);
}

#[tokio::test]
async fn delete_removes_running_apps_and_the_private_space_then_the_profile_and_leaves_others_spaces()
 {
    let world = world().await;
    // The private space is a JupyterLab space: its work goes with it, so the template says so.
    let properties = with(
        world.properties("alice"),
        &json!({"DeleteSpaceData": "true"}),
    );
    let (create, created) = world.create("UserProfile", properties.clone()).await;
    world.start_profile_app("alice").await;
    world
        .start_space_with_app("alice-private", "alice", "Private")
        .await;
    world.add_profile("bob").await;
    world
        .start_space_with_app("team-shared", "bob", "Shared")
        .await;

    let deleted = world
        .send_and_wait(&create.delete(&created.physical_resource_id, properties))
        .await;

    assert!(deleted.is_success(), "{:?}", deleted.reason);
    assert_eq!(deleted.physical_resource_id, created.physical_resource_id);
    assert_eq!(
        world.describe("alice").await.unwrap_err(),
        "ResourceNotFound"
    );
    assert_eq!(world.space_names().await, vec!["team-shared"]);
    let shared_app = world
        .aws()
        .sagemaker(
            "DescribeApp",
            &json!({"DomainId": world.domain_id, "SpaceName": "team-shared", "AppType": "JupyterLab", "AppName": "default"}),
        )
        .await
        .unwrap();
    assert_eq!(shared_app["Status"], "InService");
    assert_eq!(world.calls("DeleteApp").await, 2);
    assert_eq!(world.calls("DeleteSpace").await, 1);
}

#[tokio::test]
async fn delete_of_a_profile_owning_a_shared_space_fails_at_once_naming_it_and_touches_nothing() {
    // Given alice's profile owns a shared space with a running app, and has an app of her own
    let world = world().await;
    let properties = world.properties("alice");
    let (create, created) = world.create("UserProfile", properties.clone()).await;
    world.start_profile_app("alice").await;
    world
        .start_space_with_app("team-shared", "alice", "Shared")
        .await;

    // When the stack deletes the profile, without DeleteSharedSpaces
    let describes_before = world.calls("DescribeUserProfile").await;
    let deleted = world
        .send_and_wait(&create.delete(&created.physical_resource_id, properties))
        .await;

    // Then the answer is FAILED at once, naming the space and the property, and nothing is gone
    assert!(deleted.is_failed());
    let reason = deleted.reason.unwrap();
    assert!(reason.contains("team-shared"), "{reason}");
    assert!(reason.contains("DeleteSharedSpaces"), "{reason}");
    assert_eq!(
        world.calls("DescribeUserProfile").await - describes_before,
        1,
        "answered after one look, without polling"
    );
    assert_eq!(
        world.describe("alice").await.unwrap()["Status"],
        "InService"
    );
    assert_eq!(world.space_names().await, vec!["team-shared"]);
    assert_eq!(world.calls("DeleteApp").await, 0);
    assert_eq!(world.calls("DeleteSpace").await, 0);
    assert_eq!(world.calls("DeleteUserProfile").await, 0);
}

#[tokio::test]
async fn delete_of_a_profile_owning_a_jupyterlab_space_fails_at_once_naming_it_and_delete_space_data()
 {
    // Given alice's private JupyterLab space, whose work is on the space's own EBS volume
    let world = world().await;
    let properties = world.properties("alice");
    let (create, created) = world.create("UserProfile", properties.clone()).await;
    world
        .start_space_with_app("alice-private", "alice", "Private")
        .await;

    // When the stack deletes the profile without DeleteSpaceData
    let deleted = world
        .send_and_wait(&create.delete(&created.physical_resource_id, properties))
        .await;

    // Then the answer is FAILED, naming the space and the property, and nothing is gone
    assert!(deleted.is_failed());
    let reason = deleted.reason.unwrap();
    assert!(reason.contains("space(s) alice-private"), "{reason}");
    assert!(reason.contains("DeleteSpaceData"), "{reason}");
    assert_eq!(world.space_names().await, vec!["alice-private"]);
    assert_eq!(world.calls("DeleteApp").await, 0);
    assert_eq!(world.calls("DeleteSpace").await, 0);
    assert_eq!(world.calls("DeleteUserProfile").await, 0);
}

#[tokio::test]
async fn delete_shared_spaces_true_deletes_the_spaces_it_owns_and_their_apps_then_the_profile() {
    let world = world().await;
    let properties = with(
        world.properties("alice"),
        &json!({"DeleteSharedSpaces": "true", "DeleteSpaceData": "true"}),
    );
    let (create, created) = world.create("UserProfile", properties.clone()).await;
    assert!(created.is_success(), "{:?}", created.reason);
    world
        .start_space_with_app("team-shared", "alice", "Shared")
        .await;

    let deleted = world
        .send_and_wait(&create.delete(&created.physical_resource_id, properties))
        .await;

    assert!(deleted.is_success(), "{:?}", deleted.reason);
    assert_eq!(
        world.describe("alice").await.unwrap_err(),
        "ResourceNotFound"
    );
    assert!(world.space_names().await.is_empty());
}

#[tokio::test]
async fn a_create_that_fails_after_the_profile_exists_names_it_so_the_rollback_deletes_it() {
    // Given a create under way whose profile exists, when describing it becomes forbidden
    let world = world().await;
    world.aws().set_transition_seconds(2.0).await.unwrap();
    let request = CfnRequest::create(RESOURCE_TYPE, "UserProfile", world.properties("alice"));
    let token = world.send(&request);
    while world.profile_names().await.is_empty() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    world
        .aws()
        .inject_fault(
            &Fault::new("sagemaker", "DescribeUserProfile", "AccessDeniedException")
                .message("User is not authorized to perform: sagemaker:DescribeUserProfile")
                .until_cleared(),
        )
        .await
        .unwrap();

    // Then the FAILED answer carries the profile's ARN, not a placeholder
    let failed = world.wait_for_answer(&token, Duration::from_secs(60)).await;
    assert!(failed.is_failed());
    assert_eq!(
        failed.physical_resource_id,
        format!(
            "arn:aws:sagemaker:us-east-1:123456789012:user-profile/{}/alice",
            world.domain_id
        )
    );

    // And the rollback's delete, with that id, deletes the profile
    world.aws().clear_faults().await.unwrap();
    world.aws().set_transition_seconds(0.3).await.unwrap();
    let deleted = world
        .send_and_wait(&request.delete(&failed.physical_resource_id, world.properties("alice")))
        .await;
    assert!(deleted.is_success(), "{:?}", deleted.reason);
    assert!(world.profile_names().await.is_empty());
}

#[tokio::test]
async fn delete_of_a_profile_already_deleted_succeeds() {
    let world = world().await;
    let properties = world.properties("alice");
    let (create, created) = world.create("UserProfile", properties.clone()).await;
    world
        .aws()
        .sagemaker(
            "DeleteUserProfile",
            &json!({"DomainId": world.domain_id, "UserProfileName": "alice"}),
        )
        .await
        .unwrap();
    for _ in 0..100 {
        if world.describe("alice").await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        world.describe("alice").await.unwrap_err(),
        "ResourceNotFound"
    );

    let deleted = world
        .send_and_wait(&create.delete(&created.physical_resource_id, properties))
        .await;

    assert!(deleted.is_success(), "{:?}", deleted.reason);
    assert_eq!(world.calls("DeleteUserProfile").await, 1);
}

#[tokio::test]
async fn an_invalid_user_profile_name_fails_naming_the_rule_and_creates_nothing() {
    let world = world().await;
    world.aws().clear_calls().await.unwrap();
    let properties = with(
        world.properties("alice"),
        &json!({"UserProfileName": "alice.smith"}),
    );

    let (create, failed) = world.create("UserProfile", properties.clone()).await;

    assert!(failed.is_failed());
    let reason = failed.reason.clone().unwrap_or_default();
    assert!(reason.contains("UserProfileName"), "{reason}");
    assert!(reason.contains(NAME_RULE), "{reason}");
    assert!(world.aws().calls().await.unwrap().is_empty());
    assert!(world.profile_names().await.is_empty());

    // The rollback's delete of the placeholder id touches nothing.
    world.aws().clear_calls().await.unwrap();
    let deleted = world
        .send_and_wait(&create.delete(&failed.physical_resource_id, properties))
        .await;
    assert!(deleted.is_success(), "{:?}", deleted.reason);
    assert!(world.aws().calls().await.unwrap().is_empty());
}

#[tokio::test]
async fn two_profiles_in_one_domain_deleting_one_leaves_the_other() {
    let world = world().await;
    let (_, alice) = world.create("Alice", world.properties("alice")).await;
    let bob_properties = with(world.properties("bob"), &json!({"ExecutionRoleArn": null}));
    let (bob_create, bob) = world.create("Bob", bob_properties.clone()).await;
    assert!(alice.is_success() && bob.is_success());
    assert_eq!(
        world.describe("bob").await.unwrap()["UserSettings"]["ExecutionRole"],
        Value::Null,
        "without ExecutionRoleArn the profile keeps the domain's role"
    );
    world.start_profile_app("alice").await;

    let deleted = world
        .send_and_wait(&bob_create.delete(&bob.physical_resource_id, bob_properties))
        .await;

    assert!(deleted.is_success(), "{:?}", deleted.reason);
    assert_eq!(world.profile_names().await, vec!["alice"]);
    assert_eq!(
        world.describe("alice").await.unwrap()["Status"],
        "InService"
    );
    assert_eq!(world.calls("DeleteApp").await, 0);
}

#[tokio::test]
async fn a_duplicate_delivery_of_a_create_converges_on_one_profile() {
    let world = world().await;
    let request = CfnRequest::create(RESOURCE_TYPE, "UserProfile", world.properties("alice"));
    let (event, token) = world.event(&request);

    world
        .lambda()
        .invoke_async(FUNCTION, event.clone())
        .unwrap();
    world.lambda().invoke_async(FUNCTION, event).unwrap();
    world
        .lambda()
        .wait_for_invocations(FUNCTION, 2, Duration::from_secs(120))
        .await
        .unwrap();
    world
        .lambda()
        .wait_idle(FUNCTION, Duration::from_secs(120))
        .await
        .unwrap();

    let responses = world.cfn().server().responses(&token);
    assert_eq!(responses.len(), 2);
    assert!(
        responses.iter().all(CfnResponse::is_success),
        "{responses:?}"
    );
    assert_eq!(
        responses[0].physical_resource_id,
        responses[1].physical_resource_id
    );
    assert_eq!(world.profile_names().await, vec!["alice"]);
    assert_eq!(world.calls("CreateUserProfile").await, 1);
}

#[tokio::test]
async fn throttling_is_retried_until_the_profile_is_created() {
    let world = world().await;
    world
        .aws()
        .inject_fault(&Fault::throttling("sagemaker", "CreateUserProfile").count(3))
        .await
        .unwrap();

    let (_, created) = world.create("UserProfile", world.properties("alice")).await;

    assert!(created.is_success(), "{:?}", created.reason);
    assert_eq!(world.calls("CreateUserProfile").await, 4);
    assert_eq!(
        world.describe("alice").await.unwrap()["Status"],
        "InService"
    );
}

#[tokio::test]
async fn a_create_that_outlasts_one_invocation_continues_in_the_next() {
    let world = world_with(Duration::from_secs(3)).await;
    world
        .aws()
        .configure(&json!({"transitions": {"sagemaker::studio-user-profile": 4}}))
        .await
        .unwrap();

    let (_, created) = world.create("UserProfile", world.properties("alice")).await;

    assert!(created.is_success(), "{:?}", created.reason);
    assert!(created.physical_resource_id.ends_with("/alice"));
    let invocations = world.lambda().invocations(FUNCTION);
    assert!(
        invocations.len() >= 2,
        "{} invocation(s)",
        invocations.len()
    );
    assert!(
        invocations
            .iter()
            .all(|invocation| invocation.outcome.is_success())
    );
    assert_eq!(world.calls("CreateUserProfile").await, 1);
}

#[tokio::test]
async fn a_hand_made_request_from_a_stack_not_allowed_fails_naming_it_and_creates_nothing() {
    let world = world().await;
    world.aws().clear_calls().await.unwrap();
    let request = CfnRequest::create(RESOURCE_TYPE, "UserProfile", world.properties("alice"));
    let (mut event, _) = world.event(&request);
    let forged_stack = "arn:aws:cloudformation:us-east-1:123456789012:stack/mallory-by-hand/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d";
    event["StackId"] = json!(forged_stack);

    let answer = world.send_event_and_wait(event).await;

    assert!(answer.is_failed());
    let reason = answer.reason.clone().unwrap_or_default();
    assert!(reason.contains(forged_stack), "{reason}");
    assert!(reason.contains("named team-a-alice"), "{reason}");
    assert!(
        world.aws().calls().await.unwrap().is_empty(),
        "no AWS call at all"
    );
    assert!(world.profile_names().await.is_empty());
}

#[tokio::test]
async fn a_profile_with_another_users_execution_role_fails_naming_it_and_creates_nothing() {
    let world = world().await;
    let properties = with(
        world.properties("alice"),
        &json!({"ExecutionRoleArn": BOB_ROLE}),
    );

    let (_, failed) = world.create("UserProfile", properties).await;

    assert!(failed.is_failed());
    let reason = failed.reason.clone().unwrap_or_default();
    assert!(
        reason.starts_with(&format!("ExecutionRoleArn {BOB_ROLE} is not an execution role made for user profile alice of domain {}", world.domain_id)),
        "{reason}"
    );
    assert!(
        reason.contains(&format!(
            "Expected a role tagged {USER_PROFILE_ROLE_TAG}={}/alice",
            world.domain_id
        )),
        "{reason}"
    );
    assert_eq!(world.calls("CreateUserProfile").await, 0);
    assert!(world.profile_names().await.is_empty());
}

#[tokio::test]
async fn an_idle_timeout_beyond_the_domains_maximum_fails_naming_it_and_a_tighter_one_is_set() {
    let world = world().await;
    // The domain product's default: idle shutdown on, users between 60 and 480 minutes.
    world
        .aws()
        .sagemaker(
            "UpdateDomain",
            &json!({"DomainId": world.domain_id, "DefaultUserSettings": {
                "JupyterLabAppSettings": {"AppLifecycleManagement": {"IdleSettings": {
                    "LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 120,
                    "MinIdleTimeoutInMinutes": 60, "MaxIdleTimeoutInMinutes": 480}}}}}),
        )
        .await
        .unwrap();
    world
        .wait_for_status(
            "DescribeDomain",
            json!({"DomainId": world.domain_id}),
            "InService",
        )
        .await;
    let idle = |minutes: &str| {
        with(
            world.properties("alice"),
            &json!({"UserSettings": {"JupyterLabAppSettings": {"AppLifecycleManagement": {
                "IdleSettings": {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": minutes}}}}}),
        )
    };

    let (_, refused) = world.create("UserProfile", idle("10080")).await;

    assert!(refused.is_failed());
    let reason = refused.reason.clone().unwrap_or_default();
    assert!(
        reason.contains(
            "UserSettings.JupyterLabAppSettings.AppLifecycleManagement.IdleSettings.IdleTimeoutInMinutes: 10080 minutes is above domain"
        ),
        "{reason}"
    );
    assert!(world.profile_names().await.is_empty());

    let (_, created) = world.create("UserProfile", idle("90")).await;

    assert!(created.is_success(), "{:?}", created.reason);
    let described = world.describe("alice").await.unwrap();
    assert_eq!(
        described["UserSettings"]["JupyterLabAppSettings"]["AppLifecycleManagement"]["IdleSettings"]
            ["IdleTimeoutInMinutes"],
        90
    );
}

#[tokio::test]
async fn new_user_settings_round_trip_and_change_in_place() {
    let world = world().await;
    let old = with(
        world.properties("alice"),
        &json!({"UserSettings": {
            "AutoMountHomeEFS": "Disabled",
            "StudioWebPortalSettings": {"HiddenMlTools": ["AutoMl"]},
            "CustomPosixUserConfig": {"Uid": "200001", "Gid": "1001"},
            "JupyterLabAppSettings": {"CodeRepositories": [{"RepositoryUrl": "https://github.com/example/analysis.git"}]},
            "RSessionAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}},
            "RStudioServerProAppSettings": {"AccessStatus": "ENABLED", "UserGroup": "R_STUDIO_USER"},
            "CanvasAppSettings": {"DirectDeploySettings": {"Status": "DISABLED"}},
        }}),
    );
    let (create, created) = world.create("UserProfile", old.clone()).await;
    assert!(created.is_success(), "{:?}", created.reason);
    let described = world.describe("alice").await.unwrap();
    assert_eq!(described["UserSettings"]["AutoMountHomeEFS"], "Disabled");
    assert_eq!(
        described["UserSettings"]["StudioWebPortalSettings"]["HiddenMlTools"],
        json!(["AutoMl"])
    );
    assert_eq!(
        described["UserSettings"]["CustomPosixUserConfig"],
        json!({"Uid": 200001, "Gid": 1001})
    );

    let mut new = old.clone();
    new["UserSettings"]["AutoMountHomeEFS"] = json!("DefaultAsDomain");
    new["UserSettings"]["RStudioServerProAppSettings"]["UserGroup"] = json!("R_STUDIO_ADMIN");
    new["UserSettings"]
        .as_object_mut()
        .unwrap()
        .remove("CanvasAppSettings");
    new["UserSettings"]["StudioWebPortalSettings"] =
        json!({"HiddenMlTools": ["AutoMl", "JumpStart"], "HiddenAppTypes": ["JupyterServer"]});
    let updated = world
        .send_and_wait(&create.update(&created.physical_resource_id, new, old))
        .await;

    assert!(updated.is_success(), "{:?}", updated.reason);
    assert_eq!(updated.physical_resource_id, created.physical_resource_id);
    let after = world.describe("alice").await.unwrap();
    assert_eq!(after["UserSettings"]["AutoMountHomeEFS"], "DefaultAsDomain");
    assert_eq!(
        after["UserSettings"]["StudioWebPortalSettings"]["HiddenAppTypes"],
        json!(["JupyterServer"])
    );
    assert_eq!(
        described["UserSettings"]["CanvasAppSettings"]["DirectDeploySettings"]["Status"],
        "DISABLED"
    );
    assert_eq!(
        after["UserSettings"]["RStudioServerProAppSettings"]["UserGroup"], "R_STUDIO_ADMIN",
        "changed in place"
    );
    assert_eq!(
        after["UserSettings"]["CanvasAppSettings"],
        json!({}),
        "a removed CanvasAppSettings is sent empty"
    );
    assert_eq!(
        after["UserSettings"]["RSessionAppSettings"]["DefaultResourceSpec"]["InstanceType"],
        "ml.t3.medium"
    );
    assert_eq!(after["CreationTime"], described["CreationTime"]);
    assert_eq!(world.calls("UpdateUserProfile").await, 1);
}

#[tokio::test]
async fn a_user_settings_limit_fails_naming_the_property_and_creates_nothing() {
    let world = world().await;
    let efs = json!({"EFSFileSystemConfig": {"FileSystemId": "fs-0123456789abcdef0"}});
    let properties = with(
        world.properties("alice"),
        &json!({"UserSettings": {"CustomFileSystemConfigs": vec![efs; 11]}}),
    );

    let (_, response) = world.create("UserProfile", properties).await;

    assert!(!response.is_success());
    assert!(
        response.reason.as_deref().is_some_and(|reason| reason
            .contains("UserSettings.CustomFileSystemConfigs: expected at most 10 items, got 11")),
        "{:?}",
        response.reason
    );
    assert_eq!(world.calls("CreateUserProfile").await, 0);
}
