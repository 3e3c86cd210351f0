//! The `studio-domain` Lambda function: `Custom::StudioDomain`.

use studio_domain::StudioDomain;
use studio_domain::aws::SageMakerStudio;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    cfn_custom_resource::logging::init();
    let config = aws_config::load_from_env().await;
    let studio = SageMakerStudio::new(aws_sdk_sagemaker::Client::new(&config));
    cfn_custom_resource::run(StudioDomain::new(studio), &config).await
}
