//! The `studio-cleanup` Lambda function: scheduled termination of idle and expired resources.

use studio_cleanup::aws::AwsAccount;
use studio_cleanup::{Cleanup, Config};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_support::logging::init();
    let config = Config::from_env().inspect_err(|error| {
        tracing::error!(error = %error, "invalid configuration; the function cannot start");
    })?;
    let sdk_config = aws_config::load_from_env().await;
    let account = AwsAccount::new(&sdk_config);
    studio_cleanup::run(Cleanup::new(account, config)).await
}
