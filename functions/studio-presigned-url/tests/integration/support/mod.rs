//! Set-up shared by the function's integration tests (`mod support;` in each).

use serde_json::json;
use studio_catalog_harness::{ACCOUNT_ID, emulator::AwsEmulator};

/// Creates the Studio domain `name` with `auth_mode` (`IAM` or `SSO`) in the emulator, its
/// default execution role `StudioExecution` and a placeholder VPC and subnet (SageMaker
/// `CreateDomain` requires `DefaultUserSettings`, `SubnetIds` and `VpcId`); returns its id.
pub(crate) async fn create_domain(aws: &AwsEmulator, name: &str, auth_mode: &str) -> String {
    let created = aws
        .sagemaker(
            "CreateDomain",
            &json!({
                "DomainName": name,
                "AuthMode": auth_mode,
                "DefaultUserSettings": {
                    "ExecutionRole": format!("arn:aws:iam::{ACCOUNT_ID}:role/StudioExecution")
                },
                "SubnetIds": ["subnet-0123456789abcdef0"],
                "VpcId": "vpc-0123456789abcdef0"
            }),
        )
        .await
        .expect("CreateDomain");
    created["DomainId"].as_str().expect("DomainId").to_owned()
}
