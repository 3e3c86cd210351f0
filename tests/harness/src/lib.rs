//! Runs the real Lambda binaries locally the way AWS Lambda does, and plays
//! CloudFormation's part, so integration tests and the local walk-through can
//! drive a custom resource end to end without AWS.
//!
//! - [`lambda`]: a local Lambda service. Each function's binary is spawned with
//!   the Lambda environment and talks to a Runtime API (2018-06-01) served by the
//!   harness; an Invoke API endpoint accepts (SigV4-signed) SDK calls.
//! - [`cloudformation`]: the pre-signed `ResponseURL` receiver and builders for
//!   the events CloudFormation sends to a custom resource.
//! - [`custom_resource`]: one custom resource's function, its stack and the leased emulator,
//!   started together, for the functions' integration tests.
//! - [`story`]: the end-to-end story (deploy, launch from the catalog, sign in, clean up,
//!   terminate) against the emulator alone, which runs the functions, CloudFormation and
//!   Service Catalog itself; the walk-through binary and the end-to-end test tell it.
//! - [`cleanup`]: what the story and the tests read alike of what the cleanup left (its warning
//!   tag, its events, the idle settings it repairs).
//! - [`servicecatalog`]: what the story and the tests ask Service Catalog alike (the account's
//!   provisioned products, a provisioned product's status, tags).
//! - [`emulator`]: starts the local AWS emulator (`tests/aws-emulator/server.py`), or
//!   leases the test binary's shared one, and wraps its control API and AWS APIs.
//!
//! Set `HARNESS_ECHO_LOGS=1` to see every captured process output line on the
//! test's stderr, prefixed with its source.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use serde_json::json;
//! use studio_catalog_harness::{
//!     cloudformation::{CfnRequest, Deployment},
//!     emulator::AwsEmulator,
//!     lambda::{FunctionSpec, LocalLambda},
//!     target_dir,
//! };
//!
//! let aws = AwsEmulator::builder().transition_seconds(0.1).lease().await?;
//! let cfn = Deployment::start("studio-test").await?;
//! let binary = target_dir().join("debug/studio-domain");
//! let lambda = LocalLambda::start(vec![
//!     FunctionSpec::new("studio-domain", binary)
//!         .envs(aws.aws_env())
//!         .env("CFN_RESPONSE_URL_ALLOW", cfn.url_prefix())
//!         .env("CFN_ALLOWED_STACK_NAMES", "studio-test"),
//! ])
//! .await?;
//! let domain = CfnRequest::create("Custom::StudioDomain", "Domain", json!({"DomainName": "d"}));
//! let created = cfn.request(&lambda, "studio-domain", &domain).await?;
//! assert!(created.is_success());
//! let deleted = cfn
//!     .request(&lambda, "studio-domain", &domain.delete(&created.physical_resource_id, json!({"DomainName": "d"})))
//!     .await?;
//! assert!(deleted.is_success());
//! # Ok(())
//! # }
//! ```

pub mod cleanup;
pub mod cloudformation;
pub mod custom_resource;
pub mod emulator;
pub mod function_url;
mod http;
mod ids;
pub mod lambda;
mod logs;
pub mod servicecatalog;
pub mod story;

use std::{
    path::PathBuf,
    sync::{Mutex, MutexGuard, OnceLock, PoisonError},
};

pub use logs::ECHO_LOGS_ENV;

/// The account id every ARN the harness makes uses.
pub const ACCOUNT_ID: &str = "123456789012";
/// The region every ARN the harness makes uses.
pub const REGION: &str = "us-east-1";

/// The workspace root (two levels above this crate's manifest), so helpers
/// work from any crate's tests.
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.join("..").join("..");
    root.canonicalize().unwrap_or(root)
}

/// Cargo's target directory for this workspace, wherever Cargo puts its output (the rule is
/// `studio_catalog_workspace::target_dir`'s, asked once). Profiles are below it:
/// `target_dir().join("release")`, cargo-lambda's zips under `target_dir().join("lambda")`.
pub fn target_dir() -> PathBuf {
    static TARGET_DIR: OnceLock<PathBuf> = OnceLock::new();
    TARGET_DIR
        .get_or_init(|| studio_catalog_workspace::target_dir(&workspace_root()))
        .clone()
}

/// Checks that each of `binaries` (function binaries, `studio-catalog-deploy`) is built in
/// `target_dir().join("debug")`: the integration tests run the real binaries, which `cargo
/// test` of the harness does not build. Panics naming the first one missing.
pub fn assert_debug_binaries_built(binaries: &[&str]) {
    let bin_dir = target_dir().join("debug");
    for binary in binaries {
        assert!(
            bin_dir.join(binary).is_file(),
            "{binary} is not built: run `cargo build --workspace --bins` first"
        );
    }
}

/// Locks a std mutex; a poisoned lock (a panic while holding it, e.g. a failed
/// assertion in a test task) still hands out the data.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
