//! The `studio-presigned-url` Lambda function.

use std::collections::BTreeSet;

use studio_presigned_url::{Config, SignIn, aws::SignInClients, log_targets};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_support::logging::init_holding_at_info(&log_targets::URL_SEEING_TARGETS);
    let config = Config::from_env().inspect_err(|error| {
        tracing::error!(error = %error, "invalid configuration; the function cannot start");
    })?;
    tracing::info!(
        domain_id = %config.domain_id,
        session_expiration_seconds = config.session_expiration_seconds,
        expires_in_seconds = config.expires_in_seconds,
        allowed_account_ids = config.allowed_account_ids.as_ref().map(joined),
        trusted_session_role_names = joined(&config.trusted_session_role_names),
        profile_index_ttl_seconds = config.profile_index_ttl.as_secs(),
        "configured"
    );
    let sdk_config = aws_config::load_from_env().await;
    // SageMaker, and the Resource Groups Tagging API that finds the caller's profile by tag.
    let studio = SignInClients::new(&sdk_config);
    studio_presigned_url::run(SignIn::new(config, studio)).await
}

fn joined(items: &BTreeSet<String>) -> String {
    items
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(",")
}
