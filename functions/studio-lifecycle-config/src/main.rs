//! The `studio-lifecycle-config` Lambda function: `Custom::StudioLifecycleConfig`.

use studio_lifecycle_config::StudioLifecycleConfig;
use studio_sagemaker::aws::SageMakerStudio;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    cfn_custom_resource::logging::init();
    let config = aws_config::load_from_env().await;
    let studio = SageMakerStudio::new(aws_sdk_sagemaker::Client::new(&config));
    cfn_custom_resource::run(StudioLifecycleConfig::new(studio), &config).await
}
