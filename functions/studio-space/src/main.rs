//! The `studio-space` Lambda function: `Custom::StudioSpace`.

use studio_space::StudioSpace;
use studio_space::aws::SageMakerStudio;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    cfn_custom_resource::logging::init();
    let config = aws_config::load_from_env().await;
    let studio = SageMakerStudio::new(aws_sdk_sagemaker::Client::new(&config));
    cfn_custom_resource::run(StudioSpace::new(studio), &config).await
}
