//! The `studio-domain` Lambda function: `Custom::StudioDomain`.

use studio_domain::StudioDomain;
use studio_domain::aws::SageMakerStudio;
use studio_sagemaker::identity_center::aws::SdkIdentityCenter;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    cfn_custom_resource::logging::init();
    let config = aws_config::load_from_env().await;
    let studio = SageMakerStudio::new(aws_sdk_sagemaker::Client::new(&config));
    let identity_center = SdkIdentityCenter::new(
        aws_sdk_ssoadmin::Client::new(&config),
        aws_sdk_identitystore::Client::new(&config),
    );
    cfn_custom_resource::run(StudioDomain::new(studio, identity_center), &config).await
}
