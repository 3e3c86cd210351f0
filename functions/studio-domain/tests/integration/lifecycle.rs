//! `studio-domain` end to end: the real binary under a local Lambda runtime, CloudFormation's
//! part played by the harness, SageMaker by the local emulator.

use std::ops::Deref;
use std::time::Duration;

use serde_json::{Value, json};
use studio_catalog_harness::cloudformation::{CfnRequest, CfnResponse, Deployment};
use studio_catalog_harness::custom_resource::{CustomResourceOptions, CustomResourceUnderTest};
use studio_catalog_harness::emulator::Fault;

const FUNCTION: &str = "studio-domain";
const RESOURCE_TYPE: &str = "Custom::StudioDomain";

/// `Custom::StudioDomain` under test, with what these tests ask of SageMaker.
struct DomainUnderTest(CustomResourceUnderTest);

impl Deref for DomainUnderTest {
    type Target = CustomResourceUnderTest;

    fn deref(&self) -> &CustomResourceUnderTest {
        &self.0
    }
}

async fn world_with(transition_seconds: f64, function_timeout: Duration) -> DomainUnderTest {
    DomainUnderTest(
        CustomResourceUnderTest::start(
            env!("CARGO_BIN_EXE_studio-domain"),
            "team-a-studio",
            CustomResourceOptions::default()
                // Two teams' stacks send requests (CustomResourceStackNames, as a customer lists them).
                .allowed_stack_names("team-*-studio")
                .transition_seconds(transition_seconds)
                .function_timeout(function_timeout),
        )
        .await,
    )
}

async fn world() -> DomainUnderTest {
    world_with(0.3, Duration::from_secs(60)).await
}

fn properties(domain_name: &str) -> Value {
    json!({
        "ServiceTimeout": "120",
        "DomainName": domain_name,
        "VpcId": "vpc-0a1b2c3d",
        "SubnetIds": ["subnet-0a1b2c3d", "subnet-0b1c2d3e"],
        "DefaultExecutionRoleArn": "arn:aws:iam::123456789012:role/studio-default",
        "Tags": [{"Key": "team", "Value": "risk"}],
    })
}

impl DomainUnderTest {
    async fn create(&self, logical_id: &str, properties: Value) -> (CfnRequest, CfnResponse) {
        let request = CfnRequest::create(RESOURCE_TYPE, logical_id, properties);
        let response = self.send_and_wait(&request).await;
        (request, response)
    }

    async fn describe(&self, domain_id: &str) -> Result<Value, String> {
        self.aws()
            .sagemaker("DescribeDomain", &json!({"DomainId": domain_id}))
            .await
            .map_err(|error| error.aws_error_type().unwrap_or("unknown").to_owned())
    }

    async fn domain_ids(&self) -> Vec<String> {
        let listed = self
            .aws()
            .sagemaker("ListDomains", &json!({}))
            .await
            .unwrap();
        listed["Domains"]
            .as_array()
            .unwrap()
            .iter()
            .map(|domain| domain["DomainId"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn tags(&self, arn: &str) -> Vec<(String, String)> {
        self.aws().sagemaker_tags(arn).await.unwrap()
    }

    async fn wait_in_service(&self, describe: &str, body: Value) {
        self.aws()
            .wait_for_sagemaker_status(describe, &body, "InService", Duration::from_secs(10))
            .await
            .unwrap();
    }

    async fn add_user_profile(&self, domain_id: &str, name: &str) {
        self.aws()
            .sagemaker(
                "CreateUserProfile",
                &json!({"DomainId": domain_id, "UserProfileName": name}),
            )
            .await
            .unwrap();
        self.wait_in_service(
            "DescribeUserProfile",
            json!({"DomainId": domain_id, "UserProfileName": name}),
        )
        .await;
    }

    async fn add_space_with_app(&self, domain_id: &str, space: &str, owner: &str) {
        self.aws()
            .sagemaker(
                "CreateSpace",
                &json!({
                    "DomainId": domain_id,
                    "SpaceName": space,
                    "OwnershipSettings": {"OwnerUserProfileName": owner},
                    "SpaceSharingSettings": {"SharingType": "Shared"}
                }),
            )
            .await
            .unwrap();
        self.wait_in_service(
            "DescribeSpace",
            json!({"DomainId": domain_id, "SpaceName": space}),
        )
        .await;
        self.add_app(
            domain_id,
            json!({"SpaceName": space}),
            "JupyterLab",
            "default",
        )
        .await;
    }

    async fn add_app(&self, domain_id: &str, owner: Value, app_type: &str, app_name: &str) {
        let mut body = json!({"DomainId": domain_id, "AppType": app_type, "AppName": app_name});
        for (key, value) in owner.as_object().unwrap() {
            body[key] = value.clone();
        }
        self.aws().sagemaker("CreateApp", &body).await.unwrap();
        let mut describe = body.clone();
        describe.as_object_mut().unwrap().remove("ResourceSpec");
        self.wait_in_service("DescribeApp", describe).await;
    }

    fn continuations(&self) -> usize {
        self.lambda()
            .invocations(FUNCTION)
            .iter()
            .filter(|record| cfn_custom_resource::is_continuation(&record.payload))
            .count()
    }
}

#[tokio::test]
async fn create_answers_once_with_the_domain_and_its_attributes() {
    let world = world().await;
    let request = CfnRequest::create(RESOURCE_TYPE, "Domain", properties("team-a"));
    let (event, token) = world.event(&request);

    let created = world.send_event_and_wait(event).await;

    assert!(created.is_success(), "{:?}", created.reason);
    let domain_id = created.physical_resource_id.clone();
    assert!(
        domain_id.starts_with("d-") && domain_id.len() == 14,
        "{domain_id}"
    );
    assert_eq!(created.data("DomainId"), Some(domain_id.as_str()));
    assert!(
        created
            .data("DomainArn")
            .unwrap()
            .ends_with(&format!("domain/{domain_id}"))
    );
    assert!(created.data("Url").unwrap().starts_with("https://"));
    assert!(
        created
            .data("HomeEfsFileSystemId")
            .unwrap()
            .starts_with("fs-")
    );
    assert_eq!(
        created.content_type.as_deref(),
        Some(""),
        "CloudFormation's S3 URL needs an empty Content-Type"
    );
    assert!(created.problems().is_empty(), "{:?}", created.problems());
    world
        .lambda()
        .wait_idle(FUNCTION, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        world.cfn().server().responses(&token).len(),
        1,
        "exactly one answer"
    );
    let described = world.describe(&domain_id).await.unwrap();
    assert_eq!(described["Status"], "InService");
    assert_eq!(described["DomainName"], "team-a");
    assert_eq!(
        described["DefaultUserSettings"]["ExecutionRole"],
        "arn:aws:iam::123456789012:role/studio-default"
    );
}

#[tokio::test]
async fn a_duplicate_delivery_of_a_create_converges_on_the_same_domain() {
    let world = world().await;
    let request = CfnRequest::create(RESOURCE_TYPE, "Domain", properties("team-a"));

    let first = world.send_and_wait(&request).await;
    let second = world.send_and_wait(&request).await;

    assert!(first.is_success() && second.is_success());
    assert_eq!(first.physical_resource_id, second.physical_resource_id);
    assert_eq!(
        world.domain_ids().await,
        vec![first.physical_resource_id.clone()]
    );
    assert_eq!(
        world
            .aws()
            .call_count("sagemaker", "CreateDomain")
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn deleting_one_stacks_domain_leaves_the_other_stacks_domain() {
    let world = world().await;
    let other_stack = Deployment::start("team-b-studio").await.unwrap();
    let (ours, created) = world.create("Domain", properties("team-a")).await;
    let theirs_request = CfnRequest::create(RESOURCE_TYPE, "Domain", properties("team-b"));
    let (event, token) = other_stack.event(FUNCTION, &theirs_request);
    // The other stack's function answers to its own response server.
    let theirs_event = {
        let mut event = event;
        event["ResponseURL"] = json!(world.cfn().server().response_url(&token));
        event
    };
    let theirs = world.send_event_and_wait(theirs_event).await;
    assert!(created.is_success() && theirs.is_success());

    let deleted = world
        .send_and_wait(&ours.delete(&created.physical_resource_id, properties("team-a")))
        .await;

    assert!(deleted.is_success(), "{:?}", deleted.reason);
    assert_eq!(
        world
            .describe(&created.physical_resource_id)
            .await
            .unwrap_err(),
        "ResourceNotFound"
    );
    assert_eq!(
        world.describe(&theirs.physical_resource_id).await.unwrap()["Status"],
        "InService"
    );
}

#[tokio::test]
async fn a_delete_naming_another_stacks_domain_leaves_it_untouched() {
    let world = world().await;
    let (_, theirs) = world.create("Domain", properties("team-b")).await;
    let our_stack = Deployment::start("team-a-studio").await.unwrap();
    let delete = CfnRequest::create(RESOURCE_TYPE, "Domain", properties("team-b"))
        .delete(&theirs.physical_resource_id, properties("team-b"));
    let (mut event, token) = our_stack.event(FUNCTION, &delete);
    event["ResponseURL"] = json!(world.cfn().server().response_url(&token));

    let deleted = world.send_event_and_wait(event).await;

    assert!(deleted.is_success());
    assert!(deleted.reason.unwrap().contains("belongs to another stack"));
    assert_eq!(
        world.describe(&theirs.physical_resource_id).await.unwrap()["Status"],
        "InService"
    );
}

#[tokio::test]
async fn a_missing_or_malformed_property_fails_naming_it_and_creates_nothing() {
    let world = world().await;
    let mut missing = properties("team-a");
    missing.as_object_mut().unwrap().remove("VpcId");
    let mut malformed = properties("team-a");
    malformed["HomeEfsRetention"] = json!("Keep");
    let mut bad_name = properties("team a");
    bad_name["DomainName"] = json!("team a");

    let (_, missing) = world.create("Domain", missing).await;
    let (_, malformed) = world.create("Domain", malformed).await;
    let (_, bad_name) = world.create("Domain", bad_name).await;

    assert!(missing.is_failed());
    assert_eq!(
        missing.reason.as_deref(),
        Some("Invalid property VpcId: is required but was not given")
    );
    assert!(malformed.is_failed());
    assert!(
        malformed
            .reason
            .as_deref()
            .unwrap()
            .starts_with("Invalid property HomeEfsRetention"),
        "{:?}",
        malformed.reason
    );
    assert!(
        bad_name
            .reason
            .as_deref()
            .unwrap()
            .starts_with("Invalid property DomainName: must match")
    );
    assert_eq!(
        world
            .aws()
            .call_count("sagemaker", "CreateDomain")
            .await
            .unwrap(),
        0
    );
    assert!(world.domain_ids().await.is_empty());
}

#[tokio::test]
async fn delete_after_a_failed_create_succeeds_without_touching_anything() {
    let world = world().await;
    let mut invalid = properties("team-a");
    invalid["SubnetIds"] = json!([]);
    let (request, failed) = world.create("Domain", invalid.clone()).await;
    assert!(failed.is_failed());
    world.aws().clear_calls().await.unwrap();

    let deleted = world
        .send_and_wait(&request.delete(&failed.physical_resource_id, invalid))
        .await;

    assert!(deleted.is_success(), "{:?}", deleted.reason);
    assert_eq!(deleted.physical_resource_id, failed.physical_resource_id);
    assert!(
        world.aws().calls().await.unwrap().is_empty(),
        "no AWS call for a placeholder id"
    );
}

#[tokio::test]
async fn a_domain_that_fails_is_answered_failed_with_aws_reason_and_named_for_rollback() {
    let world = world_with(1.5, Duration::from_secs(60)).await;
    let request = CfnRequest::create(RESOURCE_TYPE, "Domain", properties("team-a"));
    let token = world.send(&request);
    let domain_id = loop {
        if let Some(id) = world.domain_ids().await.first() {
            break id.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    world
        .aws()
        .fail_domain(
            &domain_id,
            "The subnet subnet-0a1b2c3d has no free IP addresses",
        )
        .await
        .unwrap();

    let failed = world.wait_for_answer(&token, Duration::from_secs(60)).await;

    assert!(failed.is_failed());
    assert_eq!(
        failed.physical_resource_id, domain_id,
        "the rollback delete must find it"
    );
    assert!(failed.reason.unwrap().contains("no free IP addresses"));
}

#[tokio::test]
async fn a_create_that_fails_after_the_domain_exists_names_it_so_the_rollback_deletes_it() {
    // Given a function that may create domains but not describe them (a permanent error after
    // CreateDomain has succeeded)
    let world = world().await;
    world
        .aws()
        .inject_fault(
            &Fault::new("sagemaker", "DescribeDomain", "AccessDeniedException")
                .message("User is not authorized to perform: sagemaker:DescribeDomain")
                .until_cleared(),
        )
        .await
        .unwrap();

    // When the create runs
    let (request, failed) = world.create("Domain", properties("team-a")).await;

    // Then it fails naming the domain that exists
    assert!(failed.is_failed());
    let domain_ids = world.domain_ids().await;
    assert_eq!(domain_ids.len(), 1);
    assert_eq!(
        failed.physical_resource_id, domain_ids[0],
        "the FAILED answer must carry the domain's id, not a placeholder"
    );
    assert!(failed.reason.unwrap().contains("AccessDenied"));

    // And CloudFormation's rollback delete, with that id, deletes it
    world.aws().clear_faults().await.unwrap();
    let deleted = world
        .send_and_wait(&request.delete(&failed.physical_resource_id, properties("team-a")))
        .await;
    assert!(deleted.is_success(), "{:?}", deleted.reason);
    assert_eq!(
        world.describe(&domain_ids[0]).await.err().as_deref(),
        Some("ResourceNotFound")
    );
}

#[tokio::test]
async fn a_creation_that_outlasts_one_invocation_continues_in_the_next() {
    // Domains take 6 s to come up; each invocation may run only 3 s.
    let world = world_with(6.0, Duration::from_secs(3)).await;

    let (_, created) = world.create("Domain", properties("team-a")).await;

    assert!(created.is_success(), "{:?}", created.reason);
    assert!(world.continuations() >= 1, "the wait spanned invocations");
    let timed_out = world
        .lambda()
        .invocations(FUNCTION)
        .iter()
        .filter(|record| record.outcome.kind() == "TimedOut")
        .count();
    assert_eq!(timed_out, 0, "no invocation ran into its deadline");
    assert_eq!(
        world
            .aws()
            .call_count("sagemaker", "CreateDomain")
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn throttling_is_retried_until_the_call_goes_through() {
    let world = world().await;
    // More throttles than the SDK's own attempts (AWS_MAX_ATTEMPTS=2): the protocol retries.
    world
        .aws()
        .inject_fault(&Fault::throttling("sagemaker", "CreateDomain").count(3))
        .await
        .unwrap();

    let (_, created) = world.create("Domain", properties("team-a")).await;

    assert!(created.is_success(), "{:?}", created.reason);
    assert_eq!(
        world
            .aws()
            .call_count("sagemaker", "CreateDomain")
            .await
            .unwrap(),
        4
    );
    assert_eq!(world.domain_ids().await.len(), 1);
}

#[tokio::test]
async fn a_failed_response_put_is_retried_and_answered_once() {
    let world = world().await;
    world.cfn().server().fail_next_puts(2, 500);
    let request = CfnRequest::create(RESOURCE_TYPE, "Domain", properties("team-a"));
    let (event, token) = world.event(&request);

    let created = world.send_event_and_wait(event).await;

    assert!(created.is_success());
    world
        .lambda()
        .wait_idle(FUNCTION, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(world.cfn().server().attempts(&token), 3);
    assert_eq!(world.cfn().server().responses(&token).len(), 1);
}

#[tokio::test]
async fn a_tag_change_is_made_in_place_on_the_same_domain() {
    let world = world().await;
    let (request, created) = world.create("Domain", properties("team-a")).await;
    let domain_id = created.physical_resource_id.clone();
    let arn = created.data("DomainArn").unwrap().to_owned();
    let mut retagged = properties("team-a");
    retagged["Tags"] = json!([{"Key": "cost-centre", "Value": "4711"}]);

    let updated = world
        .send_and_wait(&request.update(&domain_id, retagged, properties("team-a")))
        .await;

    assert!(updated.is_success(), "{:?}", updated.reason);
    assert_eq!(
        updated.physical_resource_id, domain_id,
        "same id: no replacement"
    );
    assert_eq!(world.domain_ids().await, vec![domain_id]);
    let tags = world.tags(&arn).await;
    assert!(tags.contains(&("cost-centre".into(), "4711".into())));
    assert!(!tags.iter().any(|(key, _)| key == "team"), "{tags:?}");
    assert!(
        tags.iter().any(|(key, _)| key == "studio-catalog:stack-id"),
        "ownership tags stay"
    );
}

#[tokio::test]
async fn removing_a_subnet_while_apps_run_fails_at_once_naming_them_and_changes_nothing() {
    // Given a domain in which alice has a running app
    let world = world().await;
    let (request, created) = world.create("Domain", properties("team-a")).await;
    let domain_id = created.physical_resource_id.clone();
    world.add_user_profile(&domain_id, "alice").await;
    world
        .add_app(
            &domain_id,
            json!({"UserProfileName": "alice"}),
            "JupyterServer",
            "default",
        )
        .await;

    // When the stack removes a subnet (which SageMaker refuses while apps run) and a tag
    let mut changed = properties("team-a");
    changed["SubnetIds"] = json!(["subnet-0a1b2c3d"]);
    changed["Tags"] = json!([]);
    let updated = world
        .send_and_wait(&request.update(&domain_id, changed, properties("team-a")))
        .await;

    // Then the update fails in one answer, naming the app, and nothing was changed
    assert!(updated.is_failed());
    let reason = updated.reason.unwrap();
    assert!(
        reason.contains("SubnetIds (removing subnet-0b1c2d3e)"),
        "{reason}"
    );
    assert!(
        reason.contains("JupyterServer default of user profile alice (InService)"),
        "{reason}"
    );
    let described = world.describe(&domain_id).await.unwrap();
    assert_eq!(
        described["SubnetIds"],
        json!(["subnet-0a1b2c3d", "subnet-0b1c2d3e"])
    );
    assert_eq!(
        world
            .aws()
            .call_count("sagemaker", "UpdateDomain")
            .await
            .unwrap(),
        0
    );
    assert!(
        world
            .tags(described["DomainArn"].as_str().unwrap())
            .await
            .contains(&("team".to_owned(), "risk".to_owned())),
        "the tags are untouched too"
    );
}

#[tokio::test]
async fn settings_and_subnets_change_in_place_through_update_domain() {
    let world = world().await;
    let (request, created) = world.create("Domain", properties("team-a")).await;
    let domain_id = created.physical_resource_id.clone();
    let mut changed = properties("team-a");
    changed["SubnetIds"] = json!(["subnet-0c1d2e3f"]);
    changed["DefaultUserSettings"] =
        json!({"JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.m5.large"}}});

    let updated = world
        .send_and_wait(&request.update(&domain_id, changed, properties("team-a")))
        .await;

    assert!(updated.is_success(), "{:?}", updated.reason);
    assert_eq!(updated.physical_resource_id, domain_id);
    let described = world.describe(&domain_id).await.unwrap();
    assert_eq!(described["Status"], "InService");
    assert_eq!(described["SubnetIds"], json!(["subnet-0c1d2e3f"]));
    assert_eq!(
        described["DefaultUserSettings"]["JupyterLabAppSettings"]["DefaultResourceSpec"]["InstanceType"],
        "ml.m5.large"
    );
    assert_eq!(
        world
            .aws()
            .call_count("sagemaker", "UpdateDomain")
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn tag_propagation_and_idle_shutdown_are_set_on_create_and_tag_propagation_changes_in_place()
{
    let world = world().await;
    let idle = json!({"AppLifecycleManagement": {"IdleSettings": {
        "LifecycleManagement": "ENABLED",
        "IdleTimeoutInMinutes": "120",
        "MinIdleTimeoutInMinutes": "60",
        "MaxIdleTimeoutInMinutes": "480",
    }}});
    let mut with_defaults = properties("team-a");
    with_defaults["TagPropagation"] = json!("ENABLED");
    with_defaults["DefaultUserSettings"] =
        json!({"JupyterLabAppSettings": idle, "CodeEditorAppSettings": idle});

    let (request, created) = world.create("Domain", with_defaults.clone()).await;

    assert!(created.is_success(), "{:?}", created.reason);
    let domain_id = created.physical_resource_id.clone();
    let described = world.describe(&domain_id).await.unwrap();
    assert_eq!(described["TagPropagation"], "ENABLED");
    for app in ["JupyterLabAppSettings", "CodeEditorAppSettings"] {
        let settings =
            &described["DefaultUserSettings"][app]["AppLifecycleManagement"]["IdleSettings"];
        assert_eq!(settings["LifecycleManagement"], "ENABLED", "{app}");
        assert_eq!(settings["IdleTimeoutInMinutes"], 120, "{app}");
        assert_eq!(settings["MaxIdleTimeoutInMinutes"], 480, "{app}");
    }

    let mut without = with_defaults.clone();
    without["TagPropagation"] = json!("DISABLED");
    let updated = world
        .send_and_wait(&request.update(&domain_id, without, with_defaults))
        .await;

    assert!(updated.is_success(), "{:?}", updated.reason);
    assert_eq!(updated.physical_resource_id, domain_id);
    assert_eq!(
        world.describe(&domain_id).await.unwrap()["TagPropagation"],
        "DISABLED"
    );
}

#[tokio::test]
async fn new_settings_round_trip_and_change_in_place_and_a_removed_one_goes_back_to_its_default() {
    let world = world().await;
    let mut with_settings = properties("team-a");
    with_settings["DefaultUserSettings"] = json!({
        "AutoMountHomeEFS": "Disabled",
        "StudioWebPortalSettings": {"HiddenAppTypes": ["JupyterServer"], "HiddenInstanceTypes": ["ml.p4d.24xlarge"]},
        "CustomFileSystemConfigs": [{"EFSFileSystemConfig": {"FileSystemId": "fs-0123456789abcdef0", "FileSystemPath": "/team"}}],
        "TensorBoardAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}},
        "CanvasAppSettings": {"KendraSettings": {"Status": "DISABLED"}, "WorkspaceSettings": {"S3ArtifactPath": "s3://bucket/canvas"}},
    });
    with_settings["DefaultSpaceSettings"] = json!({
        "ExecutionRole": "arn:aws:iam::123456789012:role/studio-default",
        "CustomPosixUserConfig": {"Uid": "10000", "Gid": "1001"},
        "SpaceStorageSettings": {"DefaultEbsStorageSettings": {"DefaultEbsVolumeSizeInGb": "10", "MaximumEbsVolumeSizeInGb": "50"}},
    });
    with_settings["DomainSettings"] = json!({
        "DockerSettings": {"EnableDockerAccess": "ENABLED"},
        "IpAddressType": "dualstack",
        "AmazonQSettings": {"Status": "ENABLED"},
        "TrustedIdentityPropagationSettings": {"Status": "ENABLED"},
    });
    with_settings["AppSecurityGroupManagement"] = json!("Service");

    let (request, created) = world.create("Domain", with_settings.clone()).await;

    assert!(created.is_success(), "{:?}", created.reason);
    assert_eq!(
        created.data["SingleSignOnApplicationArn"], "",
        "an IAM domain has none"
    );
    assert!(
        created
            .data
            .contains_key("SecurityGroupIdForDomainBoundary")
    );
    let domain_id = created.physical_resource_id.clone();
    let described = world.describe(&domain_id).await.unwrap();
    assert_eq!(
        described["DefaultUserSettings"]["AutoMountHomeEFS"],
        "Disabled"
    );
    assert_eq!(
        described["DefaultUserSettings"]["StudioWebPortalSettings"]["HiddenAppTypes"],
        json!(["JupyterServer"])
    );
    assert_eq!(
        described["DefaultSpaceSettings"]["CustomPosixUserConfig"],
        json!({"Uid": 10000, "Gid": 1001})
    );
    assert_eq!(described["DomainSettings"]["IpAddressType"], "dualstack");
    assert_eq!(described["AppSecurityGroupManagement"], "Service");
    assert_eq!(
        described["DomainSettings"]["TrustedIdentityPropagationSettings"]["Status"],
        "ENABLED"
    );
    assert_eq!(
        described["DefaultUserSettings"]["CanvasAppSettings"]["WorkspaceSettings"]["S3ArtifactPath"],
        "s3://bucket/canvas"
    );

    let mut changed = with_settings.clone();
    changed["DomainSettings"] = json!({"IpAddressType": "ipv4"});
    changed["DefaultUserSettings"]
        .as_object_mut()
        .unwrap()
        .remove("StudioWebPortalSettings");
    changed["DefaultSpaceSettings"]["SpaceStorageSettings"]["DefaultEbsStorageSettings"]["MaximumEbsVolumeSizeInGb"] =
        json!("100");
    changed["DefaultUserSettings"]["CanvasAppSettings"] =
        json!({"KendraSettings": {"Status": "ENABLED"}});
    changed["DefaultUserSettings"]
        .as_object_mut()
        .unwrap()
        .remove("TensorBoardAppSettings");
    let updated = world
        .send_and_wait(&request.update(&domain_id, changed, with_settings))
        .await;

    assert!(updated.is_success(), "{:?}", updated.reason);
    assert_eq!(updated.physical_resource_id, domain_id, "in place");
    let described = world.describe(&domain_id).await.unwrap();
    assert_eq!(described["DomainSettings"]["IpAddressType"], "ipv4");
    assert_eq!(
        described["DomainSettings"]["DockerSettings"]["EnableDockerAccess"], "DISABLED",
        "DockerSettings taken away is sent with its default"
    );
    assert_eq!(
        described["DefaultUserSettings"]["StudioWebPortalSettings"],
        json!({}),
        "a removed structure is sent empty, not left as it was"
    );
    assert_eq!(
        described["DefaultSpaceSettings"]["SpaceStorageSettings"]["DefaultEbsStorageSettings"]["MaximumEbsVolumeSizeInGb"],
        100
    );
    assert_eq!(
        described["DefaultUserSettings"]["AutoMountHomeEFS"],
        "Disabled"
    );
    assert_eq!(
        described["DomainSettings"]["TrustedIdentityPropagationSettings"]["Status"], "DISABLED",
        "TrustedIdentityPropagationSettings taken away is sent as DISABLED"
    );
    assert_eq!(
        described["DomainSettings"]["AmazonQSettings"]["Status"],
        "DISABLED"
    );
    assert_eq!(
        described["DefaultUserSettings"]["CanvasAppSettings"],
        json!({"KendraSettings": {"Status": "ENABLED"}}),
        "changed in place"
    );
    assert_eq!(
        described["DefaultUserSettings"]["TensorBoardAppSettings"],
        json!({})
    );
}

#[tokio::test]
async fn a_new_domain_name_replaces_the_domain_and_the_old_one_is_deleted_after() {
    let world = world().await;
    let (request, created) = world.create("Domain", properties("team-a")).await;
    let old_id = created.physical_resource_id.clone();

    let replaced = world
        .send_and_wait(&request.update(&old_id, properties("team-a-v2"), properties("team-a")))
        .await;

    assert!(replaced.is_success(), "{:?}", replaced.reason);
    let new_id = replaced.physical_resource_id.clone();
    assert_ne!(
        new_id, old_id,
        "a new physical id tells CloudFormation it was replaced"
    );
    assert_eq!(
        world.describe(&new_id).await.unwrap()["DomainName"],
        "team-a-v2"
    );
    assert_eq!(
        world.describe(&old_id).await.unwrap()["Status"],
        "InService",
        "the old one waits for CloudFormation's delete"
    );

    let cleanup = world
        .send_and_wait(&request.delete(&old_id, properties("team-a")))
        .await;

    assert!(cleanup.is_success());
    assert_eq!(
        world.describe(&old_id).await.unwrap_err(),
        "ResourceNotFound"
    );
    assert_eq!(
        world.describe(&new_id).await.unwrap()["Status"],
        "InService"
    );
}

#[tokio::test]
async fn a_delete_with_user_profiles_left_fails_naming_them_and_touches_nothing() {
    let world = world().await;
    let (request, created) = world.create("Domain", properties("team-a")).await;
    let domain_id = created.physical_resource_id.clone();
    world.add_user_profile(&domain_id, "alice").await;
    world.add_user_profile(&domain_id, "bob").await;
    world
        .add_space_with_app(&domain_id, "shared-notebooks", "alice")
        .await;

    let deleted = world
        .send_and_wait(&request.delete(&domain_id, properties("team-a")))
        .await;

    assert!(deleted.is_failed());
    let reason = deleted.reason.unwrap();
    assert!(reason.contains("2 user profile(s): alice, bob"), "{reason}");
    assert!(reason.contains("DeleteUserProfiles"), "{reason}");
    assert_eq!(deleted.physical_resource_id, domain_id);
    assert_eq!(
        world.describe(&domain_id).await.unwrap()["Status"],
        "InService"
    );
    assert_eq!(
        world
            .aws()
            .call_count("sagemaker", "DeleteApp")
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        world
            .aws()
            .call_count("sagemaker", "DeleteSpace")
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn delete_stops_apps_and_spaces_first_and_keeps_the_home_file_system() {
    let world = world().await;
    let mut props = properties("team-a");
    props["DeleteUserProfiles"] = json!("true");
    let (request, created) = world.create("Domain", props.clone()).await;
    let domain_id = created.physical_resource_id.clone();
    let home = created.data("HomeEfsFileSystemId").unwrap().to_owned();
    world.add_user_profile(&domain_id, "alice").await;
    world
        .add_app(
            &domain_id,
            json!({"UserProfileName": "alice"}),
            "JupyterServer",
            "default",
        )
        .await;
    world
        .add_app(
            &domain_id,
            json!({"UserProfileName": "alice"}),
            "KernelGateway",
            "datascience-1",
        )
        .await;
    world
        .add_space_with_app(&domain_id, "shared-notebooks", "alice")
        .await;

    let deleted = world
        .send_and_wait(&request.delete(&domain_id, props))
        .await;

    assert!(deleted.is_success(), "{:?}", deleted.reason);
    assert_eq!(
        world.describe(&domain_id).await.unwrap_err(),
        "ResourceNotFound"
    );
    assert_eq!(
        world
            .aws()
            .call_count("sagemaker", "DeleteApp")
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        world
            .aws()
            .call_count("sagemaker", "DeleteSpace")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        world
            .aws()
            .call_count("sagemaker", "DeleteUserProfile")
            .await
            .unwrap(),
        1
    );
    let file_system = world
        .aws()
        .efs_file_systems()
        .await
        .unwrap()
        .into_iter()
        .find(|file_system| file_system.file_system_id == home)
        .expect("the home file system is known");
    assert_eq!(file_system.state, "retained");
}

#[tokio::test]
async fn home_efs_retention_delete_deletes_the_home_file_system() {
    let world = world().await;
    let mut props = properties("team-a");
    props["HomeEfsRetention"] = json!("Delete");
    let (request, created) = world.create("Domain", props.clone()).await;
    let home = created.data("HomeEfsFileSystemId").unwrap().to_owned();

    let deleted = world
        .send_and_wait(&request.delete(&created.physical_resource_id, props))
        .await;

    assert!(deleted.is_success());
    let states: Vec<String> = world
        .aws()
        .efs_file_systems()
        .await
        .unwrap()
        .into_iter()
        .filter(|file_system| file_system.file_system_id == home)
        .map(|file_system| file_system.state)
        .collect();
    assert_eq!(states, vec!["deleted".to_owned()]);
}

#[tokio::test]
async fn deleting_a_domain_that_is_already_gone_succeeds() {
    let world = world().await;
    let (request, created) = world.create("Domain", properties("team-a")).await;
    let first = world
        .send_and_wait(&request.delete(&created.physical_resource_id, properties("team-a")))
        .await;

    let again = world
        .send_and_wait(&request.delete(&created.physical_resource_id, properties("team-a")))
        .await;

    assert!(first.is_success() && again.is_success());
    assert_eq!(again.physical_resource_id, created.physical_resource_id);
}
