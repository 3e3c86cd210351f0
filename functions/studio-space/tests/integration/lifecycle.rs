//! `studio-space` end to end: the real binary under a local Lambda runtime, CloudFormation's
//! part played by the harness, SageMaker by the local emulator.

use std::ops::Deref;
use std::time::Duration;

use serde_json::{Value, json};
use studio_catalog_harness::cloudformation::{CfnRequest, CfnResponse};
use studio_catalog_harness::custom_resource::{CustomResourceOptions, CustomResourceUnderTest};
use studio_catalog_harness::emulator::Fault;

const FUNCTION: &str = "studio-space";
const RESOURCE_TYPE: &str = "Custom::StudioSpace";
const DOMAIN_ROLE: &str = "arn:aws:iam::123456789012:role/studio-domain-default";

/// `Custom::StudioSpace` under test, in an `InService` domain with alice's profile.
struct SpaceUnderTest {
    resource: CustomResourceUnderTest,
    domain_id: String,
}

impl Deref for SpaceUnderTest {
    type Target = CustomResourceUnderTest;

    fn deref(&self) -> &CustomResourceUnderTest {
        &self.resource
    }
}

async fn world() -> SpaceUnderTest {
    world_with(Duration::from_secs(60)).await
}

async fn world_with(function_timeout: Duration) -> SpaceUnderTest {
    let resource = CustomResourceUnderTest::start(
        env!("CARGO_BIN_EXE_studio-space"),
        "team-a-alice-lab",
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
                "DefaultUserSettings": {
                    "ExecutionRole": DOMAIN_ROLE,
                    "SpaceStorageSettings": {"DefaultEbsStorageSettings": {
                        "DefaultEbsVolumeSizeInGb": 5, "MaximumEbsVolumeSizeInGb": 50}}
                },
                "SubnetIds": ["subnet-0a1b2c3d"],
                "VpcId": "vpc-0a1b2c3d",
            }),
        )
        .await
        .expect("the domain is created");
    let domain_id = created["DomainId"].as_str().unwrap().to_owned();
    let world = SpaceUnderTest {
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
    let alice = json!({"DomainId": world.domain_id, "UserProfileName": "alice"});
    world
        .aws()
        .sagemaker("CreateUserProfile", &alice)
        .await
        .unwrap();
    world
        .wait_for_status("DescribeUserProfile", alice, "InService")
        .await;
    world
}

impl SpaceUnderTest {
    fn properties(&self) -> Value {
        json!({
            "ServiceTimeout": "120",
            "DomainId": self.domain_id,
            "SpaceName": "alice-lab",
            "SpaceDisplayName": "Alice's lab",
            "OwnershipSettings": {"OwnerUserProfileName": "alice"},
            "SpaceSharingSettings": {"SharingType": "Private"},
            "SpaceSettings": {
                "AppType": "JupyterLab",
                "JupyterLabAppSettings": {
                    "DefaultResourceSpec": {"InstanceType": "ml.t3.medium"},
                    "AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": "120"}}
                },
                "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": "10"}}
            },
            "Tags": [{"Key": "team", "Value": "fraud"}],
        })
    }

    fn arn(&self) -> String {
        format!(
            "arn:aws:sagemaker:us-east-1:123456789012:space/{}/alice-lab",
            self.domain_id
        )
    }

    async fn create(&self, properties: Value) -> (CfnRequest, CfnResponse) {
        let request = CfnRequest::create(RESOURCE_TYPE, "Space", properties);
        let response = self.send_and_wait(&request).await;
        (request, response)
    }

    async fn describe(&self) -> Result<Value, String> {
        self.aws()
            .sagemaker(
                "DescribeSpace",
                &json!({"DomainId": self.domain_id, "SpaceName": "alice-lab"}),
            )
            .await
            .map_err(|error| error.aws_error_type().unwrap_or("unknown").to_owned())
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

    /// The tags a template controls: all but the suite's ownership tags.
    async fn template_tags(&self, arn: &str) -> Vec<(String, String)> {
        self.aws()
            .sagemaker_tags(arn)
            .await
            .unwrap()
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

    /// A running JupyterLab app in the space.
    async fn start_app(&self) {
        let app = json!({
            "DomainId": self.domain_id,
            "SpaceName": "alice-lab",
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

#[tokio::test]
async fn a_space_is_created_updated_in_place_and_deleted_only_with_delete_space_data() {
    // Given a private JupyterLab space of alice's, created by the stack
    let world = world().await;
    let (create, created) = world.create(world.properties()).await;
    assert!(created.is_success(), "{:?}", created.reason);
    assert_eq!(created.physical_resource_id, world.arn());
    assert_eq!(created.data["SpaceArn"], world.arn());
    assert_eq!(created.data["DomainId"], world.domain_id);
    assert!(
        created.data["Url"].starts_with("https://"),
        "{:?}",
        created.data
    );
    let described = world.describe().await.unwrap();
    assert_eq!(
        described["OwnershipSettings"]["OwnerUserProfileName"],
        "alice"
    );
    assert_eq!(described["SpaceSharingSettings"]["SharingType"], "Private");
    assert_eq!(described["SpaceSettings"]["AppType"], "JupyterLab");

    // When the template renames it, grows its volume and changes a tag
    let mut changed = with(
        world.properties(),
        &json!({"SpaceDisplayName": "Alice's models", "Tags": [{"Key": "team", "Value": "risk"}]}),
    );
    changed["SpaceSettings"]["SpaceStorageSettings"]["EbsStorageSettings"]["EbsVolumeSizeInGb"] =
        json!("20");
    let updated = world
        .send_and_wait(&create.update(
            &created.physical_resource_id,
            changed.clone(),
            world.properties(),
        ))
        .await;

    // Then the same space has changed in place
    assert!(updated.is_success(), "{:?}", updated.reason);
    assert_eq!(updated.physical_resource_id, created.physical_resource_id);
    let described = world.describe().await.unwrap();
    assert_eq!(described["SpaceDisplayName"], "Alice's models");
    assert_eq!(
        described["SpaceSettings"]["SpaceStorageSettings"]["EbsStorageSettings"]["EbsVolumeSizeInGb"],
        20
    );
    assert_eq!(described["SpaceSettings"]["AppType"], "JupyterLab");
    assert_eq!(
        world.template_tags(&world.arn()).await,
        vec![("team".to_owned(), "risk".to_owned())]
    );
    assert_eq!(world.calls("CreateSpace").await, 1);
    assert_eq!(world.calls("UpdateSpace").await, 1);

    // When alice works in it and the stack deletes it without DeleteSpaceData
    world.start_app().await;
    let refused = world
        .send_and_wait(&create.delete(&created.physical_resource_id, changed.clone()))
        .await;

    // Then the delete fails naming the space and the property, and nothing is touched
    assert!(refused.is_failed());
    let reason = refused.reason.unwrap();
    assert!(reason.contains("space(s) alice-lab"), "{reason}");
    assert!(reason.contains("DeleteSpaceData"), "{reason}");
    assert_eq!(world.calls("DeleteApp").await, 0);
    assert_eq!(world.calls("DeleteSpace").await, 0);

    // And with DeleteSpaceData "true" its app goes first, then the space
    let deleting = with(changed, &json!({"DeleteSpaceData": "true"}));
    let deleted = world
        .send_and_wait(&create.delete(&created.physical_resource_id, deleting))
        .await;
    assert!(deleted.is_success(), "{:?}", deleted.reason);
    assert_eq!(world.describe().await.unwrap_err(), "ResourceNotFound");
    assert_eq!(world.calls("DeleteApp").await, 1);
}

#[tokio::test]
async fn create_refuses_a_volume_above_the_domains_maximum_and_an_owner_without_a_profile() {
    let world = world().await;
    let mut too_big = world.properties();
    too_big["SpaceSettings"]["SpaceStorageSettings"]["EbsStorageSettings"]["EbsVolumeSizeInGb"] =
        json!("60");
    let (_, refused) = world.create(too_big).await;
    assert!(refused.is_failed());
    let reason = refused.reason.unwrap();
    assert!(
        reason.contains("SpaceSettings.SpaceStorageSettings.EbsStorageSettings.EbsVolumeSizeInGb")
            && reason.contains("MaximumEbsVolumeSizeInGb 50"),
        "{reason}"
    );

    let nobody = with(
        world.properties(),
        &json!({"OwnershipSettings": {"OwnerUserProfileName": "nobody"}}),
    );
    let (_, refused) = world.create(nobody).await;
    assert!(refused.is_failed());
    let reason = refused.reason.unwrap();
    assert!(
        reason.contains("OwnershipSettings.OwnerUserProfileName"),
        "{reason}"
    );
    assert_eq!(world.calls("CreateSpace").await, 0);
}

#[tokio::test]
async fn a_duplicate_delivery_of_a_create_converges_on_one_space() {
    let world = world().await;
    let request = CfnRequest::create(RESOURCE_TYPE, "Space", world.properties());
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
    assert_eq!(world.space_names().await, vec!["alice-lab"]);
    assert_eq!(world.calls("CreateSpace").await, 1);
}

#[tokio::test]
async fn a_delete_of_a_physical_id_that_is_not_a_space_touches_nothing() {
    // Given a space of that name made outside the stack
    let world = world().await;
    world
        .aws()
        .sagemaker(
            "CreateSpace",
            &json!({"DomainId": world.domain_id, "SpaceName": "alice-lab",
                "SpaceSettings": {"AppType": "JupyterLab"}}),
        )
        .await
        .unwrap();
    let request = CfnRequest::create(RESOURCE_TYPE, "Space", world.properties());

    // When CloudFormation deletes the placeholder of a failed create
    let deleted = world
        .send_and_wait(&request.delete("2026/12/02/[$LATEST]0123456789abcdef", world.properties()))
        .await;

    // Then it succeeds and the space is left alone
    assert!(deleted.is_success(), "{:?}", deleted.reason);
    assert_eq!(world.space_names().await, vec!["alice-lab"]);
    assert_eq!(world.calls("DeleteSpace").await, 0);
}

#[tokio::test]
async fn a_create_that_fails_after_the_space_exists_names_it_so_the_rollback_deletes_it() {
    // Given a create under way whose space exists, when describing it becomes forbidden
    let world = world().await;
    world.aws().set_transition_seconds(2.0).await.unwrap();
    let request = CfnRequest::create(RESOURCE_TYPE, "Space", world.properties());
    let token = world.send(&request);
    while world.space_names().await.is_empty() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    world
        .aws()
        .inject_fault(
            &Fault::new("sagemaker", "DescribeSpace", "AccessDeniedException")
                .message("User is not authorized to perform: sagemaker:DescribeSpace")
                .until_cleared(),
        )
        .await
        .unwrap();

    // Then the FAILED answer carries the space's ARN, not a placeholder
    let failed = world.wait_for_answer(&token, Duration::from_secs(60)).await;
    assert!(failed.is_failed());
    assert_eq!(failed.physical_resource_id, world.arn());

    // And the rollback's delete, with that id, deletes the space
    world.aws().clear_faults().await.unwrap();
    world.aws().set_transition_seconds(0.3).await.unwrap();
    let deleting = with(world.properties(), &json!({"DeleteSpaceData": "true"}));
    let deleted = world
        .send_and_wait(&request.delete(&failed.physical_resource_id, deleting))
        .await;
    assert!(deleted.is_success(), "{:?}", deleted.reason);
    assert!(world.space_names().await.is_empty());
}

#[tokio::test]
async fn a_create_that_outlasts_one_invocation_continues_in_the_next() {
    let world = world_with(Duration::from_secs(3)).await;
    world
        .aws()
        .configure(&json!({"transitions": {"sagemaker::studio-space": 4}}))
        .await
        .unwrap();

    let (_, created) = world.create(world.properties()).await;

    assert!(created.is_success(), "{:?}", created.reason);
    assert_eq!(created.physical_resource_id, world.arn());
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
    assert_eq!(world.calls("CreateSpace").await, 1);
}
