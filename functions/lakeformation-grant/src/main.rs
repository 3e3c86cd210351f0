//! The `lakeformation-grant` Lambda function: `Custom::LakeFormationGrant`.

use lakeformation_grant::LakeFormationGrant;
use lakeformation_grant::aws::LakeFormation;
use lakeformation_grant::config::GrantPolicy;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    cfn_custom_resource::logging::init();
    let policy = GrantPolicy::from_env().inspect_err(|error| {
        tracing::error!(error = %error, "invalid configuration; the function cannot start");
    })?;
    let config = aws_config::load_from_env().await;
    let lake_formation = LakeFormation::new(aws_sdk_lakeformation::Client::new(&config));
    cfn_custom_resource::run(LakeFormationGrant::new(lake_formation, policy), &config).await
}
