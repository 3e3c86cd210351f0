//! The `studio-user-profile` Lambda function: `Custom::StudioUserProfile`.

use studio_sagemaker::identity_center::aws::SdkIdentityCenter;
use studio_user_profile::StudioUserProfile;
use studio_user_profile::aws::{IamRoles, SageMakerStudio};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    cfn_custom_resource::logging::init();
    let config = aws_config::load_from_env().await;
    let studio = SageMakerStudio::new(aws_sdk_sagemaker::Client::new(&config));
    let roles = IamRoles::new(aws_sdk_iam::Client::new(&config));
    let identity_center = SdkIdentityCenter::new(
        aws_sdk_ssoadmin::Client::new(&config),
        aws_sdk_identitystore::Client::new(&config),
    );
    cfn_custom_resource::run(
        StudioUserProfile::new(studio, roles, identity_center),
        &config,
    )
    .await
}
