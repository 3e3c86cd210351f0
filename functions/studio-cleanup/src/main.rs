//! The `studio-cleanup` Lambda function: scheduled enforcement of idle shutdown, lifetimes and expiry.

use studio_cleanup::aws::AwsAccount;
use studio_cleanup::{Cleanup, Config};
use studio_sagemaker::aws::SageMakerStudio;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_support::logging::init();
    let config = Config::from_env().inspect_err(|error| {
        tracing::error!(error = %error, "invalid configuration; the function cannot start");
    })?;
    let sdk_config = aws_config::load_from_env().await;
    let sagemaker = aws_sdk_sagemaker::Client::new(&sdk_config);
    let studio = SageMakerStudio::new(sagemaker.clone());
    let account = AwsAccount::with_sagemaker(&sdk_config, sagemaker);
    studio_cleanup::run(Cleanup::new(studio, account, config)).await
}
