//! `studio-lifecycle-config` end to end: the real binary under a local Lambda runtime,
//! CloudFormation's part played by the harness, SageMaker by the local emulator (which refuses
//! DeleteStudioLifecycleConfig while a domain, profile or space lists the config, as SageMaker
//! does). One test binary; each module one behaviour.

mod versions;

use std::time::Duration;

use serde_json::{Value, json};
use studio_catalog_harness::cloudformation::{CfnRequest, CfnResponse};
use studio_catalog_harness::custom_resource::{CustomResourceOptions, CustomResourceUnderTest};

const RESOURCE_TYPE: &str = "Custom::StudioLifecycleConfig";
const DOMAIN_ROLE: &str = "arn:aws:iam::123456789012:role/studio-domain-default";

/// The resource under test, and a domain `InService` for profiles to list its configs.
struct World {
    resource: CustomResourceUnderTest,
    domain_id: String,
}

impl World {
    async fn start() -> Self {
        let resource = CustomResourceUnderTest::start(
            env!("CARGO_BIN_EXE_studio-lifecycle-config"),
            "team-a-lab",
            CustomResourceOptions::default(),
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
        let world = Self {
            domain_id: created["DomainId"]
                .as_str()
                .expect("a domain id")
                .to_owned(),
            resource,
        };
        world
            .wait_for_status("DescribeDomain", json!({"DomainId": world.domain_id}))
            .await;
        world
    }

    async fn wait_for_status(&self, describe: &str, body: Value) {
        for _ in 0..200 {
            let described = self
                .resource
                .aws()
                .sagemaker(describe, &body)
                .await
                .unwrap();
            if described["Status"] == "InService" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{describe} {body} never became InService");
    }

    async fn send(&self, request: &CfnRequest) -> CfnResponse {
        self.resource.send_and_wait(request).await
    }

    /// Whether the config `name` exists (DescribeStudioLifecycleConfig).
    async fn config_exists(&self, name: &str) -> bool {
        match self
            .resource
            .aws()
            .sagemaker(
                "DescribeStudioLifecycleConfig",
                &json!({"StudioLifecycleConfigName": name}),
            )
            .await
        {
            Ok(_) => true,
            Err(error) if error.aws_error_type() == Some("ResourceNotFound") => false,
            Err(error) => panic!("DescribeStudioLifecycleConfig {name}: {error}"),
        }
    }

    /// Makes user profile `name` list exactly `arns` as its JupyterLab lifecycle configs
    /// (CreateUserProfile, then UpdateUserProfile), as a profile of the same stack does once
    /// CloudFormation has updated it.
    async fn profile_lists(&self, name: &str, arns: &[&str]) {
        let profile = json!({"DomainId": self.domain_id, "UserProfileName": name});
        let settings = json!({"JupyterLabAppSettings": {"LifecycleConfigArns": arns}});
        let exists = self
            .resource
            .aws()
            .sagemaker("DescribeUserProfile", &profile)
            .await
            .is_ok();
        let (operation, mut body) = if exists {
            ("UpdateUserProfile", profile.clone())
        } else {
            ("CreateUserProfile", profile.clone())
        };
        body["UserSettings"] = settings;
        self.resource
            .aws()
            .sagemaker(operation, &body)
            .await
            .unwrap_or_else(|error| panic!("{operation} {name}: {error}"));
        self.wait_for_status("DescribeUserProfile", profile).await;
    }
}

/// The resource's properties with script `script` (base64-encoded here) and `tags`.
fn properties(script: &str, tags: &Value) -> Value {
    json!({
        "ServiceTimeout": "120",
        "StudioLifecycleConfigName": "team-a-lab-setup",
        "StudioLifecycleConfigContent": aws_smithy_types::base64::encode(script),
        "StudioLifecycleConfigAppType": "JupyterLab",
        "Tags": tags,
    })
}
