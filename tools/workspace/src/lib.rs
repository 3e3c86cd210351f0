//! What the workspace holds, asked of Cargo (`cargo metadata --no-deps --offline`):
//!
//! - **the Lambda functions**: the one list of them is the function crates themselves. A crate
//!   is a function when its `Cargo.toml` says so:
//!
//!   ```toml
//!   [package.metadata.studio-catalog.lambda]
//!   # the templates/core.yaml parameter that carries the S3 key of this function's zip
//!   code-key-parameter = "StudioDomainCodeKey"
//!   ```
//!
//!   Its package name is its binary's name and the directory `cargo lambda build` puts its zip
//!   in (`<target dir>/lambda/<name>/bootstrap.zip`). Packaging, the deploy tool's help, the
//!   scripts (`scripts/functions`) and the check of `templates/core.yaml` follow this list.
//! - **the target directory**: wherever Cargo puts its output (`CARGO_TARGET_DIR`,
//!   `build.target-dir`), for the harness (binaries under a profile) and for packaging
//!   (cargo-lambda's zips under `lambda/`).
//!
//! ```no_run
//! let workspace = studio_catalog_workspace::Workspace::load(std::path::Path::new("."))?;
//! for function in workspace.functions() {
//!     println!("{} {}", function.name, function.code_key_parameter);
//! }
//! # Ok::<(), studio_catalog_workspace::WorkspaceError>(())
//! ```

use std::path::{Path, PathBuf};

use cargo_metadata::{Metadata, MetadataCommand};
use serde::Deserialize;
use thiserror::Error;

/// The `[package.metadata]` table this workspace's crates use.
pub const METADATA_TABLE: &str = "studio-catalog";
/// The key, inside [`METADATA_TABLE`], that marks a crate as a Lambda function.
pub const LAMBDA_KEY: &str = "lambda";

/// One Lambda function of the suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaFunction {
    /// The package name: also its binary's and its `cargo lambda` output directory's.
    pub name: String,
    /// The `templates/core.yaml` parameter that carries the S3 key of its zip.
    pub code_key_parameter: String,
}

/// Why the workspace could not be read.
#[derive(Debug, Error)]
pub enum WorkspaceError {
    /// `cargo metadata` did not answer.
    #[error("cargo metadata failed in {root}: {source}")]
    Metadata {
        /// The workspace root it ran in.
        root: PathBuf,
        /// What went wrong.
        #[source]
        source: cargo_metadata::Error,
    },
    /// A crate's `[package.metadata.studio-catalog.lambda]` table is malformed.
    #[error(
        "{package}: [package.metadata.{METADATA_TABLE}.{LAMBDA_KEY}] needs \
         code-key-parameter = \"<templates/core.yaml parameter>\": {message}"
    )]
    Marker {
        /// The package whose table it is.
        package: String,
        /// What serde said.
        message: String,
    },
}

/// The workspace, as `cargo metadata` describes it.
#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
    target_dir: PathBuf,
    functions: Vec<LambdaFunction>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct LambdaMarker {
    code_key_parameter: String,
}

impl Workspace {
    /// Runs `cargo metadata --no-deps --offline` in `root` (`$CARGO` when set, as under
    /// `cargo run` or `cargo test`, else `cargo`).
    pub fn load(root: &Path) -> Result<Self, WorkspaceError> {
        let metadata = MetadataCommand::new()
            .current_dir(root)
            .no_deps()
            .other_options(vec!["--offline".to_owned()])
            .exec()
            .map_err(|source| WorkspaceError::Metadata {
                root: root.to_owned(),
                source,
            })?;
        Self::from_metadata(&metadata)
    }

    /// The workspace `metadata` describes.
    pub fn from_metadata(metadata: &Metadata) -> Result<Self, WorkspaceError> {
        let mut functions = Vec::new();
        for package in metadata.workspace_packages() {
            let Some(marker) = package
                .metadata
                .get(METADATA_TABLE)
                .and_then(|t| t.get(LAMBDA_KEY))
            else {
                continue;
            };
            let marker = LambdaMarker::deserialize(marker).map_err(|e| WorkspaceError::Marker {
                package: package.name.to_string(),
                message: e.to_string(),
            })?;
            functions.push(LambdaFunction {
                name: package.name.to_string(),
                code_key_parameter: marker.code_key_parameter,
            });
        }
        Ok(Self {
            root: metadata.workspace_root.clone().into_std_path_buf(),
            target_dir: metadata.target_directory.clone().into_std_path_buf(),
            functions,
        })
    }

    /// The workspace root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The Lambda functions, in the order Cargo lists the workspace's members.
    pub fn functions(&self) -> &[LambdaFunction] {
        &self.functions
    }

    /// The functions' names.
    pub fn function_names(&self) -> impl Iterator<Item = &str> {
        self.functions.iter().map(|f| f.name.as_str())
    }

    /// Cargo's target directory, as Cargo reports it in the root (`CARGO_TARGET_DIR` and
    /// `build.target-dir` honoured).
    pub fn target_dir(&self) -> &Path {
        &self.target_dir
    }

    /// Where `cargo lambda build` puts the zips: `<target dir>/lambda`.
    pub fn lambda_dir(&self) -> PathBuf {
        self.target_dir.join("lambda")
    }
}

/// Cargo's target directory for the workspace at `root`, wherever Cargo puts its output:
/// `CARGO_TARGET_DIR` when set (relative to the current directory, as Cargo reads it), else what
/// `cargo metadata` reports in `root` (which also honours `build.target-dir` in
/// `.cargo/config.toml`), else `<root>/target`. Profiles are below it (`release/`), and
/// cargo-lambda's zips (`lambda/`).
pub fn target_dir(root: &Path) -> PathBuf {
    let from_env = std::env::var_os("CARGO_TARGET_DIR")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .map(|dir| match std::env::current_dir() {
            Ok(cwd) if dir.is_relative() => cwd.join(dir),
            _ => dir,
        });
    from_env
        .or_else(|| {
            Workspace::load(root)
                .ok()
                .map(|workspace| workspace.target_dir)
        })
        .unwrap_or_else(|| root.join("target"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    /// A workspace of one package whose `[package.metadata]` is `metadata`.
    fn metadata_with(metadata: &serde_json::Value) -> Metadata {
        let root = if cfg!(windows) { "C:\\w" } else { "/w" };
        serde_json::from_value(serde_json::json!({
            "packages": [{
                "name": "f", "version": "0.1.0", "id": "path+file:///w#f@0.1.0",
                "manifest_path": format!("{root}/Cargo.toml"), "dependencies": [], "targets": [],
                "features": {}, "metadata": metadata,
            }],
            "workspace_members": ["path+file:///w#f@0.1.0"],
            "workspace_root": root, "target_directory": format!("{root}/target"),
            "version": 1, "resolve": null,
        }))
        .unwrap()
    }

    #[test]
    fn the_functions_are_the_crates_marked_as_lambda() {
        let workspace = Workspace::load(&workspace_root()).unwrap();

        assert_eq!(
            workspace.function_names().collect::<Vec<_>>(),
            [
                "studio-domain",
                "studio-user-profile",
                "studio-space",
                "lakeformation-grant",
                "studio-presigned-url",
                "studio-cleanup",
                "studio-lifecycle-config"
            ]
        );
        let domain = &workspace.functions()[0];
        assert_eq!(domain.code_key_parameter, "StudioDomainCodeKey");
    }

    #[test]
    fn a_crate_without_the_marker_is_not_a_function() {
        let metadata = metadata_with(&serde_json::json!({"other-tool": {"lambda": true}}));

        assert!(
            Workspace::from_metadata(&metadata)
                .unwrap()
                .functions()
                .is_empty()
        );
    }

    #[test]
    fn a_malformed_marker_is_refused_naming_the_crate() {
        let metadata = metadata_with(&serde_json::json!({
            "studio-catalog": {"lambda": {"code-key": "XCodeKey"}}
        }));

        let error = Workspace::from_metadata(&metadata).unwrap_err().to_string();

        assert!(
            error.starts_with("f: [package.metadata.studio-catalog.lambda]"),
            "{error}"
        );
        assert!(error.contains("code-key"), "{error}");
    }

    #[test]
    fn the_target_dir_is_where_cargo_built_this_test() {
        // Given this test binary, which Cargo put in <target dir>/<profile>/deps
        let exe = std::env::current_exe().unwrap().canonicalize().unwrap();

        // Then the target directory is one of its ancestors, wherever Cargo was told to build
        let target = target_dir(&workspace_root()).canonicalize().unwrap();
        assert!(
            exe.ancestors().any(|dir| dir == target),
            "{} is not under {}",
            exe.display(),
            target.display()
        );
    }

    #[test]
    fn cargo_metadata_names_the_same_target_dir() {
        let workspace = Workspace::load(&workspace_root()).unwrap();

        assert_eq!(
            workspace.target_dir().canonicalize().unwrap(),
            target_dir(&workspace_root()).canonicalize().unwrap()
        );
        assert_eq!(
            workspace.lambda_dir(),
            workspace.target_dir().join("lambda")
        );
    }
}
