//! Runs the real Lambda binaries locally the way AWS Lambda does, and plays
//! CloudFormation's part, so integration tests and the local walk-through can
//! drive a custom resource end to end without AWS.
//!
//! - [`lambda`]: a local Lambda service. Each function's binary is spawned with
//!   the Lambda environment and talks to a Runtime API (2018-06-01) served by the
//!   harness; an Invoke API endpoint accepts (SigV4-signed) SDK calls.
//! - [`cloudformation`]: the pre-signed `ResponseURL` receiver and builders for
//!   the events CloudFormation sends to a custom resource.
//! - [`emulator`]: starts the local AWS emulator (`tests/aws-emulator/server.py`)
//!   and wraps its control API.
//! - [`http`]: the tiny HTTP/1.1 client the harness uses, for tests that want
//!   to talk to an endpoint by hand.
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
//! let aws = AwsEmulator::builder().transition_seconds(0.1).start().await?;
//! let cfn = Deployment::start("studio-test").await?;
//! let binary = target_dir().join("debug/studio-domain");
//! let lambda = LocalLambda::start(vec![
//!     FunctionSpec::new("studio-domain", binary)
//!         .envs(aws.aws_env())
//!         .env("CFN_RESPONSE_URL_ALLOW", cfn.url_prefix()),
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

pub mod cloudformation;
pub mod emulator;
pub mod function_url;
pub mod http;
mod ids;
pub mod lambda;
mod logs;

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

/// Cargo's target directory for this workspace, wherever Cargo puts its output:
/// `CARGO_TARGET_DIR` when set (relative to the current directory, as Cargo reads it), else
/// what `cargo metadata` reports (which also honours `build.target-dir` in `.cargo/config.toml`),
/// else `<workspace root>/target`. Profiles are below it: `target_dir().join("release")`,
/// cargo-lambda's zips under `target_dir().join("lambda")`.
pub fn target_dir() -> PathBuf {
    static TARGET_DIR: OnceLock<PathBuf> = OnceLock::new();
    TARGET_DIR
        .get_or_init(|| {
            let from_env = std::env::var_os("CARGO_TARGET_DIR")
                .filter(|dir| !dir.is_empty())
                .map(PathBuf::from)
                .map(|dir| match std::env::current_dir() {
                    Ok(cwd) if dir.is_relative() => cwd.join(dir),
                    _ => dir,
                });
            from_env
                .or_else(target_dir_from_cargo_metadata)
                .unwrap_or_else(|| workspace_root().join("target"))
        })
        .clone()
}

/// `target_directory` from `cargo metadata --format-version 1 --no-deps`, run in the workspace.
fn target_dir_from_cargo_metadata() -> Option<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace_root())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|output| output.status.success())?;
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    metadata["target_directory"].as_str().map(PathBuf::from)
}

/// Locks a std mutex; a poisoned lock (a panic while holding it, e.g. a failed
/// assertion in a test task) still hands out the data.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_dir_is_where_cargo_built_this_test() {
        // Given this test binary, which Cargo put in <target dir>/<profile>/deps
        let exe = std::env::current_exe().unwrap().canonicalize().unwrap();

        // Then the target directory is one of its ancestors, wherever Cargo was told to build
        let target = target_dir().canonicalize().unwrap();
        assert!(
            exe.ancestors().any(|dir| dir == target),
            "{} is not under {}",
            exe.display(),
            target.display()
        );
    }

    #[test]
    fn cargo_metadata_names_the_same_target_dir() {
        let from_cargo = target_dir_from_cargo_metadata().expect("cargo metadata answers");

        assert_eq!(
            from_cargo.canonicalize().unwrap(),
            target_dir().canonicalize().unwrap()
        );
    }
}
