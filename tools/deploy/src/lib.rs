//! Stages the studio-catalog functions and templates in S3 and deploys the core stack and the
//! Service Catalog portfolio with the AWS SDK.
//!
//! - [`package`]: `cargo lambda build` the functions (the workspace's crates marked as one,
//!   [`studio_catalog_workspace`]) or zip the binaries already built for this machine
//!   ([`package::FunctionCode`]), upload the zips and the templates
//!   under one versioned prefix, the templates rewritten to point at them
//!   ([`package::stage`], with the [`package::ArtifactStore`] port).
//! - [`deploy`]: create or update the core stack, then the portfolio stack, showing stack
//!   events, a progress bar and the outputs, and the failing resources' reasons on failure
//!   ([`deploy::deploy_suite`] / [`deploy::deploy_stack`], with the [`deploy::Stacks`] port).
//! - [`report`]: how progress is shown ([`report::TextReporter`], or your own
//!   [`report::DeployReporter`]).
//! - [`share`]: after the portfolio stack, share the portfolio with AWS Organizations nodes
//!   (OUs, the organisation) that CloudFormation cannot share with
//!   ([`share::share_portfolio`], with the [`share::PortfolioShares`] port).
//! - [`aws`]: the ports on `aws_sdk_s3::Client`, `aws_sdk_cloudformation::Client` and
//!   `aws_sdk_servicecatalog::Client`.
//!
//! The command line ([`cli`]) is a thin layer over [`package_command`] and [`deploy_command`];
//! the local walk-through calls the same functions.

pub mod aws;
pub mod calls;
pub mod cli;
pub mod deploy;
mod org_command;
pub mod org_rollout;
pub mod package;
pub mod report;
pub mod share;
pub mod template;

use std::io::Write;

use thiserror::Error;

use crate::{
    cli::{AwsArgs, DeployArgs, PackageArgs, default_manifest},
    deploy::{DeployError, DeploySettings, SuiteDeployment, SuiteRequest},
    package::{FunctionCode, PackageError, PackageManifest, PackageRequest},
    report::TextReporter,
    share::ShareError,
};

/// Why a command failed.
#[derive(Debug, Error)]
pub enum Error {
    /// Packaging failed.
    #[error(transparent)]
    Package(#[from] PackageError),
    /// The deploy failed.
    #[error(transparent)]
    Deploy(#[from] DeployError),
    /// Sharing the portfolio with an Organizations node failed.
    #[error(transparent)]
    Share(#[from] ShareError),
    /// The organisation rollout failed.
    #[error(transparent)]
    Rollout(#[from] org_rollout::RolloutError),
    /// No AWS region is configured.
    #[error("no AWS region: pass --region or set AWS_REGION")]
    NoRegion,
}

/// The SDK configuration: the default chain, with `--region` and `--endpoint-url` applied
/// (`AWS_ENDPOINT_URL` is honoured by the default chain itself).
pub async fn sdk_config(aws: &AwsArgs) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(region) = &aws.region {
        loader = loader.region(aws_config::Region::new(region.clone()));
    }
    if let Some(endpoint) = &aws.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}

/// `package`: build (unless `--skip-build`), stage, write the manifest.
pub async fn package_command(
    args: &PackageArgs,
    out: &mut (dyn Write + Send),
) -> Result<PackageManifest, Error> {
    if let Some(prefix) = &args.name_prefix {
        // Before a build that takes minutes; `stage` checks it again.
        package::NamePrefixRule::of_workspace(&args.root)?.check(prefix)?;
    }
    let config = sdk_config(&args.aws).await;
    let region = config.region().ok_or(Error::NoRegion)?.to_string();
    let code = match &args.from_binaries {
        // Built already, for this machine: nothing to build.
        Some(dir) => FunctionCode::Binaries(
            dir.clone()
                .unwrap_or_else(|| package::debug_binaries_dir(&args.root)),
        ),
        None => {
            if !args.skip_build {
                package::build_functions(&args.root).await?;
            }
            FunctionCode::CargoLambdaZips(
                args.lambda_dir
                    .clone()
                    .unwrap_or_else(|| package::cargo_lambda_dir(&args.root)),
            )
        }
    };
    let mut request = PackageRequest::new(&args.root, &args.bucket, &region);
    request.prefix = args.prefix.clone();
    request.version = args.version.clone();
    request.name_prefix = args.name_prefix.clone();
    request.create_bucket = args.create_bucket;
    request.endpoint_url = config.endpoint_url().map(str::to_owned);
    request.code = code;
    let manifest = package::stage(&aws::s3_client(&config), &request, out).await?;
    let path = args
        .manifest
        .clone()
        .unwrap_or_else(|| default_manifest(&args.root));
    manifest.write_to(&path)?;
    let _ = writeln!(
        out,
        "staged version {} ({}, NamePrefix {}) under s3://{}/{}/\nmanifest: {}",
        manifest.version,
        manifest.architecture,
        manifest.name_prefix,
        manifest.bucket,
        manifest.prefix,
        path.display()
    );
    Ok(manifest)
}

/// `deploy`: the core stack, then the portfolio (unless skipped), then the portfolio's shares
/// with Organizations nodes (`--share-organizational-unit`, `--share-organization`), reported
/// on `out`.
pub async fn deploy_command(
    args: &DeployArgs,
    out: &mut (dyn Write + Send),
    interactive: bool,
) -> Result<SuiteDeployment, Error> {
    let path = args
        .manifest
        .clone()
        .unwrap_or_else(|| default_manifest(&args.root));
    let manifest = PackageManifest::read_from(&path)?;
    let config = sdk_config(&args.aws).await;
    if config.region().is_none() {
        return Err(Error::NoRegion);
    }
    let client = aws_sdk_cloudformation::Client::new(&config);
    let request = SuiteRequest {
        core_stack_name: args.core_stack_name.clone(),
        portfolio_stack_name: args.portfolio_stack_name.clone(),
        core_parameters: args.core_parameters.clone(),
        portfolio_parameters: args.portfolio_parameters.clone(),
    };
    let settings = DeploySettings {
        poll_interval: args.poll_interval,
        timeout: args.timeout,
    };
    let mut reporter = TextReporter::new(out, interactive);
    let deployment =
        deploy::deploy_suite(&client, &manifest, &request, settings, &mut reporter).await?;
    if let (Some(portfolio), false) = (&deployment.portfolio, args.share_with.is_empty()) {
        let portfolio_id = portfolio
            .outputs
            .get("PortfolioId")
            .ok_or(ShareError::NoPortfolioId)?;
        share::share_portfolio(
            &aws_sdk_servicecatalog::Client::new(&config),
            portfolio_id,
            &args.share_with,
            settings,
            &mut reporter,
        )
        .await?;
    }
    Ok(deployment)
}

/// `org-rollout` (or `org-rollout --delete`), reported on `out`: `Err` when a call, a stack,
/// a share or a stack set operation failed, or a targeted stack instance is not `CURRENT`
/// (after the portfolio was shared).
pub async fn org_rollout_command(
    args: &cli::OrgRolloutArgs,
    out: &mut (dyn Write + Send),
    interactive: bool,
) -> Result<(), Error> {
    let config = sdk_config(&args.aws).await;
    org_rollout_with_config(args, config, out, interactive).await
}

/// [`org_rollout_command`] with the SDK configuration given (its credentials, region and
/// endpoint; `args.aws` is not read).
pub async fn org_rollout_with_config(
    args: &cli::OrgRolloutArgs,
    config: aws_config::SdkConfig,
    out: &mut (dyn Write + Send),
    interactive: bool,
) -> Result<(), Error> {
    org_command::run(args, config, out, interactive).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refused_name_prefix_stops_package_before_the_build() {
        // Given `package` that would run the cargo lambda build (minutes) with a bad prefix
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let line = [
            "package",
            "--bucket",
            "b",
            "--name-prefix",
            "Acme",
            "--root",
            root,
        ];
        let cli::Command::Package(args) = cli::parse(line.map(str::to_owned)).unwrap() else {
            panic!("a package command");
        };

        // When it runs
        let error = package_command(&args, &mut std::io::sink())
            .await
            .unwrap_err();

        // Then the prefix is refused first: no build ran (it would have failed or taken minutes)
        assert!(
            matches!(
                error,
                Error::Package(PackageError::InvalidNamePrefix { ref value, .. }) if value == "Acme"
            ),
            "{error}"
        );
    }
}
