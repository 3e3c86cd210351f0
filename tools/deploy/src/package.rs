//! `package`: builds the functions for Lambda and stages the zips and the templates under one
//! prefix in an S3 bucket, the templates rewritten to point at what was staged.
//!
//! Layout under `s3://<bucket>/<prefix>/<version>/`:
//!
//! ```text
//! functions/<function>.zip        the Lambda zips (bootstrap inside), one per function crate
//! templates/core.yaml             CodeBucket and the *CodeKey defaults point at the zips
//! templates/<product>.yaml        product templates; their SSM parameter names under the core's
//!                                 NamePrefix
//! portfolio/portfolio.yaml        product template URLs, ArtifactBucket, ProductVersion,
//!                                 CoreNamePrefix set
//! ```
//!
//! The product templates find the suite through SSM parameters (`AWS::SSM::Parameter::Value<...>`)
//! that the core stack publishes under `/<NamePrefix>/`. Service Catalog passes no value for them
//! (the launch form's user does not know them), so their defaults must name the core's
//! parameters: `package` stages them for one NamePrefix ([`PackageRequest::name_prefix`], default
//! core.yaml's), which the manifest records and `deploy` gives the core stack.
//!
//! The functions are the workspace's crates marked `[package.metadata.studio-catalog.lambda]`
//! (read with [`studio_catalog_workspace`]): each one's zip is staged and the `core.yaml` parameter
//! it names (`code-key-parameter`) gets the zip's key as its default.
//!
//! The version defaults to `<crate version>-<content hash>`, so staging the same code twice
//! lands on the same keys and a change always lands on new ones (CloudFormation updates a
//! function's code only when its `S3Key` changes).
//!
//! The zips come from cargo-lambda's release cross build for arm64
//! ([`FunctionCode::CargoLambdaZips`]), or, for a local run, from the binaries already built for
//! this machine ([`FunctionCode::Binaries`], zipped here by [`lambda_zip::bootstrap_zip`]); the
//! staged `core.yaml`'s `FunctionArchitecture` default is the architecture they were built for.

use std::{
    collections::BTreeMap,
    future::Future,
    io::Write,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use studio_catalog_workspace::{LambdaFunction, Workspace, WorkspaceError};

use crate::template::{
    TemplateError, parameter_attribute, parameter_names, set_parameter_defaults,
};

/// The core stack's template (relative to the workspace root).
pub const CORE_TEMPLATE: &str = "templates/core.yaml";
/// The portfolio's template (relative to the workspace root).
pub const PORTFOLIO_TEMPLATE: &str = "portfolio/portfolio.yaml";
/// The organisation stack's template (`org-rollout`: one stack per rollout region in the
/// management or delegated-admin account), staged as written: `org-rollout` gives every
/// parameter.
pub const ORGANIZATION_TEMPLATE: &str = "templates/organization.yaml";
/// The product templates and the portfolio parameter that carries each one's URL.
pub const PRODUCT_TEMPLATES: [(&str, &str); 4] = [
    ("templates/studio-domain.yaml", "StudioDomainTemplateUrl"),
    (
        "templates/studio-user-profile.yaml",
        "StudioUserProfileTemplateUrl",
    ),
    (
        "templates/data-access-grant.yaml",
        "DataAccessGrantTemplateUrl",
    ),
    ("templates/studio-space.yaml", "StudioSpaceTemplateUrl"),
];

/// The core template's parameter that `package` sets to the artefact bucket.
const CODE_BUCKET_PARAMETER: &str = "CodeBucket";
/// The core template's parameter that `package` sets to the architecture the zips were built
/// for (every function's `Architectures`; published in SSM for the domain product's function).
pub const ARCHITECTURE_PARAMETER: &str = "FunctionArchitecture";

/// The core template's parameter that prefixes the suite's function names and SSM parameter
/// paths (`/<NamePrefix>/...`). `package` stages every template for one value of it.
pub const NAME_PREFIX_PARAMETER: &str = "NamePrefix";
/// The portfolio template's parameter that is the core stack's NamePrefix (its launch role reads
/// the SSM parameters under `/<CoreNamePrefix>/`).
pub const CORE_NAME_PREFIX_PARAMETER: &str = "CoreNamePrefix";
/// How a template parameter's `Type` starts when CloudFormation resolves its value from SSM
/// Parameter Store ("SSM parameter types", CloudFormation User Guide, Parameters).
const SSM_PARAMETER_TYPE: &str = "AWS::SSM::Parameter::Value<";

/// core.yaml's rule for its `NamePrefix`: the parameter's `Default` and `AllowedPattern`, read
/// from the template (their one home), plus SSM's own rule on parameter names.
#[derive(Debug, Clone)]
pub struct NamePrefixRule {
    /// core.yaml's `NamePrefix` `Default`: what the product templates are written for.
    pub default: String,
    /// core.yaml's `NamePrefix` `AllowedPattern`, as written.
    pub allowed_pattern: String,
    /// Its `ConstraintDescription`, if any.
    pub constraint: Option<String>,
    /// `allowed_pattern`, anchored at both ends: for a `String` parameter "the pattern must match
    /// the entire parameter value provided" (CloudFormation User Guide, Parameters,
    /// `AllowedPattern`).
    matcher: regex_lite::Regex,
}

impl NamePrefixRule {
    /// The rule of the workspace at `workspace` (its `templates/core.yaml`).
    pub fn of_workspace(workspace: &Path) -> Result<Self, PackageError> {
        let path = workspace.join(CORE_TEMPLATE);
        let core =
            std::fs::read_to_string(&path).map_err(|source| PackageError::Io { path, source })?;
        Self::of_core_template(&core)
    }

    /// The rule of `core` (the text of `templates/core.yaml`).
    pub fn of_core_template(core: &str) -> Result<Self, PackageError> {
        let attribute = |name: &'static str| {
            parameter_attribute(core, NAME_PREFIX_PARAMETER, name).map_err(|source| {
                PackageError::Template {
                    path: CORE_TEMPLATE.to_owned(),
                    source,
                }
            })
        };
        let missing = |what: &'static str| PackageError::NamePrefixRule {
            message: format!("{NAME_PREFIX_PARAMETER} has no {what}"),
        };
        let default = attribute("Default")?.ok_or_else(|| missing("Default"))?;
        let allowed_pattern =
            attribute("AllowedPattern")?.ok_or_else(|| missing("AllowedPattern"))?;
        let constraint = attribute("ConstraintDescription")?;
        let matcher = regex_lite::Regex::new(&format!("^(?:{allowed_pattern})$")).map_err(|e| {
            PackageError::NamePrefixRule {
                message: format!("its AllowedPattern {allowed_pattern:?} does not compile: {e}"),
            }
        })?;
        Ok(Self {
            default,
            allowed_pattern,
            constraint,
            matcher,
        })
    }

    /// `prefix` if CloudFormation and SSM would take it as the core stack's NamePrefix: it
    /// matches core.yaml's `AllowedPattern` (CloudFormation refuses the stack otherwise), and
    /// `/<prefix>/...` is a name SSM lets a stack create ("A parameter name can't be prefixed
    /// with "aws" or "ssm" (case-insensitive)", SSM API reference, `PutParameter`, `Name`).
    pub fn check(&self, prefix: &str) -> Result<(), PackageError> {
        let refused = |reason: String| PackageError::InvalidNamePrefix {
            value: prefix.to_owned(),
            reason,
        };
        if !self.matcher.is_match(prefix) {
            let constraint = self
                .constraint
                .as_deref()
                .map_or_else(String::new, |c| format!(": {c}"));
            return Err(refused(format!(
                "core.yaml's {NAME_PREFIX_PARAMETER} must match {}{constraint}",
                self.allowed_pattern
            )));
        }
        let lower = prefix.to_ascii_lowercase();
        if let Some(reserved) = ["aws", "ssm"].into_iter().find(|r| lower.starts_with(r)) {
            return Err(refused(format!(
                "SSM refuses parameter names prefixed with \"{reserved}\" (/{prefix}/...)"
            )));
        }
        Ok(())
    }
}

/// The product template `template`'s SSM parameter defaults moved from `/<from>/` to
/// `/<to>/`: `(parameter, new default)` for each parameter of an `AWS::SSM::Parameter::Value<...>`
/// type whose `Default` names a parameter under `/<from>/` (none when `from == to`).
pub fn ssm_defaults_for_prefix(
    template: &str,
    from: &str,
    to: &str,
) -> Result<Vec<(String, String)>, TemplateError> {
    let mut moved = Vec::new();
    if from == to {
        return Ok(moved);
    }
    let old = format!("/{from}/");
    for name in parameter_names(template)? {
        let is_ssm = parameter_attribute(template, &name, "Type")?
            .is_some_and(|kind| kind.starts_with(SSM_PARAMETER_TYPE));
        if !is_ssm {
            continue;
        }
        if let Some(rest) = parameter_attribute(template, &name, "Default")?
            .as_deref()
            .and_then(|default| default.strip_prefix(&old))
        {
            moved.push((name, format!("/{to}/{rest}")));
        }
    }
    Ok(moved)
}

/// A Lambda instruction set architecture (`Architectures` of `AWS::Lambda::Function`: `arm64`
/// or `x86_64`, Lambda API reference, `CreateFunction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Architecture {
    /// `arm64` (Graviton): what the release build (`cargo lambda build --arm64`) targets.
    #[default]
    #[serde(rename = "arm64")]
    Arm64,
    /// `x86_64`.
    #[serde(rename = "x86_64")]
    X86_64,
}

impl Architecture {
    /// Lambda's name for it.
    pub fn lambda_name(self) -> &'static str {
        match self {
            Self::Arm64 => "arm64",
            Self::X86_64 => "x86_64",
        }
    }

    /// The Lambda architecture of a Rust target architecture (`std::env::consts::ARCH`):
    /// `aarch64` is `arm64`, `x86_64` is `x86_64`; Lambda runs no other.
    pub fn of_rust_arch(arch: &str) -> Option<Self> {
        match arch {
            "aarch64" => Some(Self::Arm64),
            "x86_64" => Some(Self::X86_64),
            _ => None,
        }
    }

    /// The architecture an ELF executable is built for (its header's `e_machine`: 62 = x86-64,
    /// 183 = AArch64, System V ABI / ELF specification); `None` when `binary` is not an ELF file
    /// (a script `bootstrap` runs wherever its interpreter does); `Err(machine)` for an ELF file
    /// of another machine.
    pub fn of_elf(binary: &[u8]) -> Option<Result<Self, u16>> {
        let header = binary.get(..20)?;
        if header[..4] != *b"\x7fELF" || !matches!(header[4], 1 | 2) {
            return None;
        }
        let machine = match header[5] {
            1 => u16::from_le_bytes([header[18], header[19]]),
            2 => u16::from_be_bytes([header[18], header[19]]),
            _ => return None,
        };
        Some(match machine {
            62 => Ok(Self::X86_64),
            183 => Ok(Self::Arm64),
            other => Err(other),
        })
    }

    /// This machine's: what binaries built here without `--target` run on.
    pub fn of_this_machine() -> Result<Self, PackageError> {
        Self::of_rust_arch(std::env::consts::ARCH).ok_or(PackageError::UnsupportedArchitecture(
            std::env::consts::ARCH,
        ))
    }
}

impl std::fmt::Display for Architecture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.lambda_name())
    }
}

/// Where the functions' code comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionCode {
    /// The zips of `cargo lambda build --release --arm64 --output-format zip`:
    /// `<dir>/<function>/bootstrap.zip`, built for arm64.
    CargoLambdaZips(PathBuf),
    /// The binaries already built for this machine (`cargo build`): `<dir>/<function>`, each
    /// zipped as `bootstrap` ([`lambda_zip::bootstrap_zip`]); for a local run, where the
    /// functions run on this machine's architecture.
    Binaries(PathBuf),
}

impl FunctionCode {
    /// The architecture the code is built for.
    pub fn architecture(&self) -> Result<Architecture, PackageError> {
        match self {
            Self::CargoLambdaZips(_) => Ok(Architecture::Arm64),
            Self::Binaries(_) => Architecture::of_this_machine(),
        }
    }

    /// The zip of `function`: read from cargo-lambda's output, or made from its binary.
    fn zip_of(&self, function: &str) -> Result<Vec<u8>, PackageError> {
        match self {
            Self::CargoLambdaZips(dir) => {
                let path = dir.join(function).join("bootstrap.zip");
                read_file(&path).map_err(|e| match e {
                    Some(source) => PackageError::Io { path, source },
                    None => PackageError::MissingZip { path },
                })
            }
            Self::Binaries(dir) => {
                let path = dir.join(function);
                let binary = read_file(&path).map_err(|e| match e {
                    Some(source) => PackageError::Io {
                        path: path.clone(),
                        source,
                    },
                    None => PackageError::MissingBinary {
                        path: path.clone(),
                        function: function.to_owned(),
                    },
                })?;
                let expected = Architecture::of_this_machine()?;
                let found = match Architecture::of_elf(&binary) {
                    Some(Ok(built_for)) if built_for != expected => built_for.to_string(),
                    Some(Err(machine)) => format!("ELF machine {machine}"),
                    Some(Ok(_)) | None => String::new(),
                };
                if !found.is_empty() {
                    return Err(PackageError::ForeignBinary {
                        path,
                        found,
                        expected,
                    });
                }
                lambda_zip::bootstrap_zip(&binary).map_err(|e| PackageError::Zip {
                    path,
                    message: e.to_string(),
                })
            }
        }
    }
}

/// The file's bytes; `Err(None)` when it does not exist.
fn read_file(path: &Path) -> Result<Vec<u8>, Option<std::io::Error>> {
    std::fs::read(path).map_err(|e| (e.kind() != std::io::ErrorKind::NotFound).then_some(e))
}
/// The portfolio template's parameters that `package` sets besides the product template URLs.
const PORTFOLIO_PARAMETERS: [&str; 2] = ["ArtifactBucket", "ProductVersion"];

/// The Lambda functions of the workspace at `workspace` (the crates marked
/// `[package.metadata.studio-catalog.lambda]`).
pub fn functions(workspace: &Path) -> Result<Vec<LambdaFunction>, PackageError> {
    Ok(Workspace::load(workspace)?.functions().to_vec())
}

/// Per template (workspace-relative path), the parameters whose defaults `package` sets for
/// `functions`. Recorded in the manifest: a deploy leaves them to the (new) template default
/// instead of reusing the stack's previous value.
pub fn rewritten_parameters(functions: &[LambdaFunction]) -> BTreeMap<String, Vec<String>> {
    let core = [
        CODE_BUCKET_PARAMETER,
        ARCHITECTURE_PARAMETER,
        NAME_PREFIX_PARAMETER,
    ]
    .into_iter()
    .map(str::to_owned)
    .chain(functions.iter().map(|f| f.code_key_parameter.clone()));
    let portfolio = PORTFOLIO_PARAMETERS
        .into_iter()
        .chain([CORE_NAME_PREFIX_PARAMETER])
        .chain(PRODUCT_TEMPLATES.iter().map(|(_, parameter)| *parameter))
        .map(str::to_owned);
    BTreeMap::from([
        (CORE_TEMPLATE.to_owned(), core.collect()),
        (PORTFOLIO_TEMPLATE.to_owned(), portfolio.collect()),
    ])
}

/// A failed call to the artefact store.
#[derive(Debug, Error)]
#[error("S3 {operation} failed: {message}")]
pub struct StoreError {
    /// The S3 operation.
    pub operation: &'static str,
    /// What S3 (or the connection) said.
    pub message: String,
}

/// Where the artefacts go (S3 in production; an in-memory map in unit tests).
pub trait ArtifactStore: Send + Sync {
    /// Creates `bucket` in the store's region unless it exists.
    fn ensure_bucket(&self, bucket: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Writes one object.
    fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Why packaging failed.
#[derive(Debug, Error)]
pub enum PackageError {
    /// A function zip is missing.
    #[error(
        "{path} is missing: build the functions first (`cargo lambda build --release --arm64 --output-format zip`, or `package` without --skip-build), or stage this machine's binaries with --from-binaries"
    )]
    MissingZip {
        /// The path that was expected.
        path: PathBuf,
    },
    /// A function binary is missing (`--from-binaries`).
    #[error("{path} is missing: build it first (`cargo build -p {function} --bins`)")]
    MissingBinary {
        /// The path that was expected.
        path: PathBuf,
        /// The function.
        function: String,
    },
    /// A binary could not be zipped.
    #[error("zipping {path}: {message}")]
    Zip {
        /// The binary.
        path: PathBuf,
        /// What the zip writer said.
        message: String,
    },
    /// A binary given to `--from-binaries` is built for another architecture than this machine's.
    #[error(
        "{path} is built for {found}, not for this machine ({expected}): --from-binaries stages binaries built here (cargo build without --target); for arm64 stage cargo lambda's zips"
    )]
    ForeignBinary {
        /// The binary.
        path: PathBuf,
        /// What its ELF header says (`arm64`, `x86_64`, or `ELF machine N`).
        found: String,
        /// This machine's.
        expected: Architecture,
    },
    /// This machine's architecture is not one Lambda runs (`--from-binaries`).
    #[error(
        "this machine is {0}: Lambda runs arm64 (aarch64) and x86_64 only; stage cargo lambda's arm64 zips instead"
    )]
    UnsupportedArchitecture(&'static str),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A template could not be rewritten.
    #[error("{path}: {source}")]
    Template {
        /// The template.
        path: String,
        /// The error.
        source: TemplateError,
    },
    /// The prefix or version has characters that are not safe in S3 keys and template URLs.
    #[error("{what} {value:?} may only contain {allowed}")]
    InvalidName {
        /// "prefix" or "version".
        what: &'static str,
        /// The value given.
        value: String,
        /// The allowed characters.
        allowed: &'static str,
    },
    /// The NamePrefix is one CloudFormation or SSM would refuse.
    #[error("name prefix {value:?} is refused: {reason}")]
    InvalidNamePrefix {
        /// The prefix given.
        value: String,
        /// Which rule it breaks.
        reason: String,
    },
    /// core.yaml's NamePrefix parameter could not be read as a rule.
    #[error("{CORE_TEMPLATE}: {message}")]
    NamePrefixRule {
        /// What is wrong with it.
        message: String,
    },
    /// The bucket name is not a valid S3 bucket name.
    #[error("{0:?} is not an S3 bucket name")]
    InvalidBucket(String),
    /// An upload failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The workspace's crates (the list of functions) could not be read.
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    /// `cargo lambda` could not be run or failed.
    #[error("{0}")]
    Build(String),
    /// The manifest could not be read or written.
    #[error("manifest {path}: {message}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// What to stage.
#[derive(Debug, Clone)]
pub struct PackageRequest {
    /// The workspace root (holds `templates/` and `portfolio/`).
    pub workspace: PathBuf,
    /// Where the functions' code comes from (and so which architecture it runs on).
    pub code: FunctionCode,
    /// The artefact bucket.
    pub bucket: String,
    /// Its region (for the template URLs).
    pub region: String,
    /// Base prefix; the artefacts go under `<prefix>/<version>/`.
    pub prefix: String,
    /// The version; default `<crate version>-<content hash>`.
    pub version: Option<String>,
    /// The core stack's NamePrefix the templates are staged for (the product templates' SSM
    /// parameter names, the portfolio's CoreNamePrefix, core.yaml's default); `None`: core.yaml's
    /// own `NamePrefix` default. Checked against core.yaml's `AllowedPattern` before any upload.
    pub name_prefix: Option<String>,
    /// Create the bucket if it does not exist.
    pub create_bucket: bool,
    /// The S3 endpoint the artefacts are uploaded to when it is not AWS's (`--endpoint-url` /
    /// `AWS_ENDPOINT_URL`, e.g. a local emulator); the template URLs then name objects on it
    /// (path style, as the S3 client addresses it), not on `s3.<region>.amazonaws.com`.
    pub endpoint_url: Option<String>,
}

impl PackageRequest {
    /// A request with the defaults: cargo lambda's zips in `target/lambda`, prefix
    /// `studio-catalog`, AWS's S3 endpoint. (The command line's default zip directory is
    /// [`cargo_lambda_dir`], which follows Cargo's target directory.)
    pub fn new(workspace: impl Into<PathBuf>, bucket: &str, region: &str) -> Self {
        let workspace = workspace.into();
        Self {
            code: FunctionCode::CargoLambdaZips(workspace.join("target").join("lambda")),
            workspace,
            bucket: bucket.to_owned(),
            region: region.to_owned(),
            prefix: "studio-catalog".to_owned(),
            version: None,
            name_prefix: None,
            create_bucket: false,
            endpoint_url: None,
        }
    }

    /// The URL CloudFormation and Service Catalog read the object `key` of the bucket from.
    fn object_url(&self, key: &str) -> String {
        match &self.endpoint_url {
            Some(endpoint) => endpoint_object_url(endpoint, &self.bucket, key),
            None => s3_https_url(&self.bucket, &self.region, key),
        }
    }
}

/// Where `cargo lambda build` puts the zips for `workspace`: `<target dir>/lambda`, wherever
/// Cargo puts its output ([`studio_catalog_workspace::target_dir`]; `CARGO_TARGET_DIR` and
/// `build.target-dir` are honoured, as cargo-lambda honours them).
pub fn cargo_lambda_dir(workspace: &Path) -> PathBuf {
    studio_catalog_workspace::target_dir(workspace).join("lambda")
}

/// Where `cargo build` puts the debug binaries of `workspace`: `<target dir>/debug` (the
/// command line's default for `--from-binaries`).
pub fn debug_binaries_dir(workspace: &Path) -> PathBuf {
    studio_catalog_workspace::target_dir(workspace).join("debug")
}

/// What was staged, and where. Written to `dist/package.json` by the CLI; `deploy` reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct PackageManifest {
    /// The artefact bucket.
    pub bucket: String,
    /// Its region.
    pub region: String,
    /// The full prefix (`<base>/<version>`).
    pub prefix: String,
    /// The version (also the provisioning artefact name of the products).
    pub version: String,
    /// The architecture the zips were built for (the staged `FunctionArchitecture` default).
    /// A manifest written before it was recorded staged cargo lambda's arm64 zips.
    #[serde(default)]
    pub architecture: Architecture,
    /// The core stack's NamePrefix the templates were staged for: the product templates read
    /// their SSM parameters under `/<name_prefix>/`, so `deploy` gives it to the core stack.
    /// Required: a manifest without it is refused, not read as core.yaml's default.
    pub name_prefix: String,
    /// S3 key of each function's zip.
    pub function_keys: BTreeMap<String, String>,
    /// HTTPS URL of each staged template, by workspace-relative path.
    pub template_urls: BTreeMap<String, String>,
    /// Per template (workspace-relative path), the parameters whose defaults were set
    /// ([`rewritten_parameters`]). Required: a manifest without it (written before it was
    /// recorded) is refused, not read as "none", which would deploy the previous code keys.
    pub rewritten_parameters: BTreeMap<String, Vec<String>>,
}

impl PackageManifest {
    /// URL of the staged core template.
    pub fn core_template_url(&self) -> Option<&str> {
        self.template_urls.get(CORE_TEMPLATE).map(String::as_str)
    }

    /// URL of the staged portfolio template.
    pub fn portfolio_template_url(&self) -> Option<&str> {
        self.template_urls
            .get(PORTFOLIO_TEMPLATE)
            .map(String::as_str)
    }

    /// URL of the staged organisation template (`None` in a manifest written before it was
    /// staged: run `package` again).
    pub fn organization_template_url(&self) -> Option<&str> {
        self.template_urls
            .get(ORGANIZATION_TEMPLATE)
            .map(String::as_str)
    }

    /// The base prefix `package` was given (the prefix without `/<version>`).
    pub fn base_prefix(&self) -> &str {
        self.prefix
            .strip_suffix(self.version.as_str())
            .map_or(self.prefix.as_str(), |base| base.trim_end_matches('/'))
    }

    /// The parameters of `template` (a workspace-relative path) whose defaults `package` set.
    pub fn rewritten_parameters(&self, template: &str) -> Vec<&str> {
        self.rewritten_parameters
            .get(template)
            .map_or_else(Vec::new, |names| names.iter().map(String::as_str).collect())
    }

    /// Writes the manifest as pretty JSON, creating the directory.
    pub fn write_to(&self, path: &Path) -> Result<(), PackageError> {
        let manifest_error = |message: String| PackageError::Manifest {
            path: path.to_owned(),
            message,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| manifest_error(e.to_string()))?;
        }
        let mut text =
            serde_json::to_string_pretty(self).map_err(|e| manifest_error(e.to_string()))?;
        text.push('\n');
        std::fs::write(path, text).map_err(|e| manifest_error(e.to_string()))
    }

    /// Reads a manifest written by [`PackageManifest::write_to`].
    pub fn read_from(path: &Path) -> Result<Self, PackageError> {
        let manifest_error = |message: String| PackageError::Manifest {
            path: path.to_owned(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| {
            manifest_error(format!("{e} (run `studio-catalog-deploy package` first)"))
        })?;
        serde_json::from_str(&text).map_err(|e| {
            let hint = if e.is_data() {
                " (written by another version of this tool: run `studio-catalog-deploy package` again)"
            } else {
                ""
            };
            manifest_error(format!("{e}{hint}"))
        })
    }
}

/// The virtualenv `scripts/package-functions` installs cargo-lambda into.
pub const PACKAGE_VENV: &str = ".venv-package";

/// `cargo` with `<workspace>/.venv-package/bin` first on `PATH` when it exists, so a
/// cargo-lambda installed there by `scripts/package-functions` is found.
fn cargo(workspace: &Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new("cargo");
    command.current_dir(workspace);
    let venv_bin = workspace.join(PACKAGE_VENV).join("bin");
    if venv_bin.is_dir() {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let paths = std::iter::once(venv_bin).chain(std::env::split_paths(&path));
        if let Ok(joined) = std::env::join_paths(paths) {
            command.env("PATH", joined);
        }
    }
    command
}

/// Runs `cargo lambda build --release --arm64 --output-format zip` for the functions of
/// `workspace` ([`functions`]), its output passed through. Needs `cargo-lambda` (`pip install cargo-lambda`,
/// which brings zig; `scripts/package-functions` installs it in `.venv-package`, used when
/// present) and the arm64 standard library (`rustup target add aarch64-unknown-linux-gnu`;
/// rust-toolchain.toml lists it).
pub async fn build_functions(workspace: &Path) -> Result<(), PackageError> {
    let probe = cargo(workspace)
        .args(["lambda", "--version"])
        .output()
        .await
        .map_err(|e| PackageError::Build(format!("cannot run cargo: {e}")))?;
    if !probe.status.success() {
        return Err(PackageError::Build(
            "cargo-lambda is not installed: `pip install cargo-lambda` (it brings zig) or \
             scripts/package-functions, then `rustup target add aarch64-unknown-linux-gnu`"
                .to_owned(),
        ));
    }
    let functions = functions(workspace)?;
    let mut command = cargo(workspace);
    command.args([
        "lambda",
        "build",
        "--release",
        "--arm64",
        "--output-format",
        "zip",
    ]);
    for function in &functions {
        command.args(["--package", &function.name]);
    }
    let status = command
        .status()
        .await
        .map_err(|e| PackageError::Build(format!("cannot run cargo lambda: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(PackageError::Build(format!(
            "cargo lambda build failed ({status})"
        )))
    }
}

/// Uploads the zips and the (rewritten) templates; `log` gets one line per object.
pub async fn stage<S: ArtifactStore>(
    store: &S,
    request: &PackageRequest,
    log: &mut (dyn Write + Send),
) -> Result<PackageManifest, PackageError> {
    if !is_bucket_name(&request.bucket) {
        return Err(PackageError::InvalidBucket(request.bucket.clone()));
    }
    let base = request.prefix.trim_matches('/');
    check_name("prefix", base, is_key_char, "letters, digits and !_.*'()-/")?;

    let functions = functions(&request.workspace)?;
    let template_files = [CORE_TEMPLATE, PORTFOLIO_TEMPLATE, ORGANIZATION_TEMPLATE]
        .into_iter()
        .chain(PRODUCT_TEMPLATES.iter().map(|(file, _)| *file));
    let mut templates = BTreeMap::new();
    for file in template_files {
        let path = request.workspace.join(file);
        let text = std::fs::read_to_string(&path).map_err(|source| PackageError::Io {
            path: path.clone(),
            source,
        })?;
        templates.insert(file, text);
    }
    let rule = NamePrefixRule::of_core_template(&templates[CORE_TEMPLATE])?;
    let name_prefix = request
        .name_prefix
        .clone()
        .unwrap_or_else(|| rule.default.clone());
    rule.check(&name_prefix)?;

    let architecture = request.code.architecture()?;
    let mut zips = Vec::with_capacity(functions.len());
    for function in &functions {
        zips.push((function.name.as_str(), request.code.zip_of(&function.name)?));
    }
    let version = match &request.version {
        Some(version) => version.clone(),
        None => default_version(&zips, &templates, &name_prefix),
    };
    check_name(
        "version",
        &version,
        |c| c.is_ascii_alphanumeric() || "._+-".contains(c),
        "letters, digits and ._+-",
    )?;
    let prefix = if base.is_empty() {
        version.clone()
    } else {
        format!("{base}/{version}")
    };

    if request.create_bucket {
        store.ensure_bucket(&request.bucket).await?;
    }

    let bucket = request.bucket.as_str();
    let mut manifest = PackageManifest {
        bucket: bucket.to_owned(),
        region: request.region.clone(),
        prefix: prefix.clone(),
        version: version.clone(),
        architecture,
        name_prefix: name_prefix.clone(),
        function_keys: BTreeMap::new(),
        template_urls: BTreeMap::new(),
        rewritten_parameters: rewritten_parameters(&functions),
    };

    for (function, bytes) in zips {
        let key = format!("{prefix}/functions/{function}.zip");
        let size = bytes.len();
        store
            .put_object(bucket, &key, bytes, "application/zip")
            .await?;
        log_line(
            log,
            format_args!("uploaded s3://{bucket}/{key} ({size} bytes, {architecture})"),
        );
        manifest.function_keys.insert(function.to_owned(), key);
    }

    let rewrite = |file: &str, defaults: Vec<(&str, String)>| {
        set_parameter_defaults(
            &templates[file],
            defaults.iter().map(|(name, value)| (*name, value.as_str())),
        )
        .map_err(|source| PackageError::Template {
            path: file.to_owned(),
            source,
        })
    };

    let mut core_defaults = vec![
        (CODE_BUCKET_PARAMETER, bucket.to_owned()),
        (
            ARCHITECTURE_PARAMETER,
            architecture.lambda_name().to_owned(),
        ),
        (NAME_PREFIX_PARAMETER, name_prefix.clone()),
    ];
    for function in &functions {
        core_defaults.push((
            function.code_key_parameter.as_str(),
            manifest.function_keys[&function.name].clone(),
        ));
    }
    let core = rewrite(CORE_TEMPLATE, core_defaults)?;
    let mut staged = vec![(CORE_TEMPLATE, core)];

    let [artifact_bucket, product_version] = PORTFOLIO_PARAMETERS;
    let mut portfolio_defaults = vec![
        (artifact_bucket, bucket.to_owned()),
        (product_version, version.clone()),
    ];
    portfolio_defaults.push((CORE_NAME_PREFIX_PARAMETER, name_prefix.clone()));
    for (file, parameter) in PRODUCT_TEMPLATES {
        // Written for core.yaml's default prefix: moved to the one staged for (a template staged
        // for the default stays byte for byte as written).
        let moved = ssm_defaults_for_prefix(&templates[file], &rule.default, &name_prefix)
            .map_err(|source| PackageError::Template {
                path: file.to_owned(),
                source,
            })?;
        let product = rewrite(
            file,
            moved
                .iter()
                .map(|(name, value)| (name.as_str(), value.clone()))
                .collect(),
        )?;
        if !moved.is_empty() {
            manifest.rewritten_parameters.insert(
                file.to_owned(),
                moved.into_iter().map(|(name, _)| name).collect(),
            );
        }
        staged.push((file, product));
        portfolio_defaults.push((parameter, request.object_url(&staged_key(&prefix, file))));
    }
    staged.push((
        PORTFOLIO_TEMPLATE,
        rewrite(PORTFOLIO_TEMPLATE, portfolio_defaults)?,
    ));
    staged.push((
        ORGANIZATION_TEMPLATE,
        templates[ORGANIZATION_TEMPLATE].clone(),
    ));

    for (file, text) in staged {
        let key = staged_key(&prefix, file);
        store
            .put_object(bucket, &key, text.into_bytes(), "application/x-yaml")
            .await?;
        let url = request.object_url(&key);
        log_line(log, format_args!("uploaded {url}"));
        manifest.template_urls.insert(file.to_owned(), url);
    }
    Ok(manifest)
}

/// The key of a workspace file under the staging prefix (`templates/x.yaml` stays
/// `templates/x.yaml`, `portfolio/portfolio.yaml` stays `portfolio/portfolio.yaml`).
fn staged_key(prefix: &str, file: &str) -> String {
    format!("{prefix}/{file}")
}

/// The HTTPS URL CloudFormation and Service Catalog read an object from.
pub fn s3_https_url(bucket: &str, region: &str, key: &str) -> String {
    let domain = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    if bucket.contains('.') {
        // A dotted bucket does not match the wildcard certificate of virtual-hosted URLs.
        format!("https://s3.{region}.{domain}/{bucket}/{key}")
    } else {
        format!("https://{bucket}.s3.{region}.{domain}/{key}")
    }
}

/// The path-style URL of an object on an S3 endpoint that is not AWS's
/// (`http://localhost:4566/bucket/key`), as the SDK addresses it when an endpoint is set.
pub fn endpoint_object_url(endpoint: &str, bucket: &str, key: &str) -> String {
    format!("{}/{bucket}/{key}", endpoint.trim_end_matches('/'))
}

/// `<crate version>-<first 8 hex digits of a hash of every zip, source template and the name
/// prefix>` (the templates staged for another prefix differ: they must not land on the same keys).
fn default_version(
    zips: &[(&str, Vec<u8>)],
    templates: &BTreeMap<&str, String>,
    name_prefix: &str,
) -> String {
    let mut hash = Fnv1a::new();
    for (name, bytes) in zips {
        hash.write(name.as_bytes());
        hash.write(&(bytes.len() as u64).to_le_bytes());
        hash.write(bytes);
    }
    for (name, text) in templates {
        hash.write(name.as_bytes());
        hash.write(&(text.len() as u64).to_le_bytes());
        hash.write(text.as_bytes());
    }
    hash.write(NAME_PREFIX_PARAMETER.as_bytes());
    hash.write(&(name_prefix.len() as u64).to_le_bytes());
    hash.write(name_prefix.as_bytes());
    let digest = format!("{:016x}", hash.finish());
    format!("{}-{}", env!("CARGO_PKG_VERSION"), &digest[..8])
}

/// FNV-1a's step (xor, then multiply by the 64-bit FNV prime) over little-endian 64-bit words,
/// the last partial word byte by byte: stable across Rust releases, unlike `DefaultHasher`, and
/// a change of any one word always changes the result (each step is a bijection of the state).
/// Words rather than bytes: the debug build of the tool hashes ~250 MB of local debug zips, which
/// byte by byte took a second of CPU.
struct Fnv1a(u64);

impl Fnv1a {
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        let (words, rest) = bytes.as_chunks::<8>();
        for word in words {
            self.0 = (self.0 ^ u64::from_le_bytes(*word)).wrapping_mul(Self::PRIME);
        }
        for byte in rest {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!_.*'()-/".contains(c)
}

fn check_name(
    what: &'static str,
    value: &str,
    allowed: impl Fn(char) -> bool,
    description: &'static str,
) -> Result<(), PackageError> {
    if value.chars().all(allowed) && !value.contains("//") {
        Ok(())
    } else {
        Err(PackageError::InvalidName {
            what,
            value: value.to_owned(),
            allowed: description,
        })
    }
}

fn is_bucket_name(bucket: &str) -> bool {
    let bytes = bucket.as_bytes();
    (3..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-')
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
}

fn log_line(log: &mut (dyn Write + Send), line: std::fmt::Arguments<'_>) {
    // A closed or failing log (a pipe that went away) must not fail the upload.
    let _ = writeln!(log, "{line}");
}

pub mod lambda_zip;

#[cfg(test)]
pub(crate) mod memory;

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::{memory::MemoryStore, *};

    fn workspace_root() -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
    }

    /// A request over the real templates and each function's fake code in a fresh directory,
    /// laid out as `code` reads it ([`code_file`]).
    fn request_with(code: fn(PathBuf) -> FunctionCode, name: &str) -> PackageRequest {
        let code = code(std::env::temp_dir().join(format!(
            "studio-catalog-deploy-{name}-{}",
            std::process::id()
        )));
        for function in functions(&workspace_root()).unwrap() {
            let file = code_file(&code, &function.name);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, fake_code(&code, &function.name)).unwrap();
        }
        PackageRequest {
            code,
            ..PackageRequest::new(workspace_root(), "artefacts", "eu-west-1")
        }
    }

    /// Where `code` keeps `function`'s code: cargo-lambda's `<dir>/<function>/bootstrap.zip`,
    /// or the binary `<dir>/<function>`.
    fn code_file(code: &FunctionCode, function: &str) -> PathBuf {
        match code {
            FunctionCode::CargoLambdaZips(dir) => dir.join(function).join("bootstrap.zip"),
            FunctionCode::Binaries(dir) => dir.join(function),
        }
    }

    /// What [`request_with`] writes for `function`.
    fn fake_code(code: &FunctionCode, function: &str) -> String {
        match code {
            FunctionCode::CargoLambdaZips(_) => format!("zip of {function}"),
            FunctionCode::Binaries(_) => format!("\x7fELF binary of {function}"),
        }
    }

    /// `stage` into a fresh store with the bucket.
    async fn stage_afresh(request: &PackageRequest) -> Result<PackageManifest, PackageError> {
        stage(
            &MemoryStore::with_bucket("artefacts"),
            request,
            &mut std::io::sink(),
        )
        .await
    }

    #[tokio::test]
    async fn staging_uploads_the_zips_and_templates_under_one_versioned_prefix() {
        let store = MemoryStore::with_bucket("artefacts");
        let request = PackageRequest {
            version: Some("1.2.3".into()),
            ..request_with(FunctionCode::CargoLambdaZips, "layout")
        };

        let manifest = stage(&store, &request, &mut std::io::sink()).await.unwrap();

        assert_eq!(manifest.prefix, "studio-catalog/1.2.3");
        let mut keys = store.keys();
        keys.sort();
        // one zip per function of the workspace, then every template
        let mut expected_keys: Vec<String> = functions(&workspace_root())
            .unwrap()
            .into_iter()
            .map(|f| format!("studio-catalog/1.2.3/functions/{}.zip", f.name))
            .chain(
                [
                    PORTFOLIO_TEMPLATE,
                    CORE_TEMPLATE,
                    "templates/data-access-grant.yaml",
                    ORGANIZATION_TEMPLATE,
                    "templates/studio-domain.yaml",
                    "templates/studio-user-profile.yaml",
                    "templates/studio-space.yaml",
                ]
                .map(|file| format!("studio-catalog/1.2.3/{file}")),
            )
            .collect();
        expected_keys.sort();
        assert_eq!(keys, expected_keys);
        let (zip, content_type) = store
            .object(
                "artefacts",
                "studio-catalog/1.2.3/functions/studio-domain.zip",
            )
            .unwrap();
        assert_eq!(zip, b"zip of studio-domain");
        assert_eq!(content_type, "application/zip");
    }

    #[tokio::test]
    async fn the_staged_core_template_points_at_the_staged_zips() {
        let store = MemoryStore::with_bucket("artefacts");
        let request = PackageRequest {
            version: Some("7".into()),
            ..request_with(FunctionCode::CargoLambdaZips, "core")
        };

        stage(&store, &request, &mut std::io::sink()).await.unwrap();

        let core = store.text("artefacts", "studio-catalog/7/templates/core.yaml");
        assert!(core.contains("    Default: \"artefacts\"\n"));
        for function in functions(&workspace_root()).unwrap() {
            let parameter = &function.code_key_parameter;
            let expected = format!("  {parameter}:\n    Type: String\n    Description:");
            assert!(core.contains(&expected), "{parameter} moved");
            assert!(
                core.contains(&format!(
                    "    Default: \"studio-catalog/7/functions/{}.zip\"\n",
                    function.name
                )),
                "{parameter}"
            );
        }
    }

    #[tokio::test]
    async fn the_staged_portfolio_points_at_the_staged_product_templates() {
        let store = MemoryStore::with_bucket("artefacts");
        let request = PackageRequest {
            version: Some("7".into()),
            ..request_with(FunctionCode::CargoLambdaZips, "portfolio")
        };

        let manifest = stage(&store, &request, &mut std::io::sink()).await.unwrap();

        let portfolio = store.text("artefacts", "studio-catalog/7/portfolio/portfolio.yaml");
        assert!(portfolio.contains(
            "    Default: \"https://artefacts.s3.eu-west-1.amazonaws.com/studio-catalog/7/templates/studio-domain.yaml\"\n"
        ));
        assert!(portfolio.contains("    Default: \"7\"\n"));
        assert_eq!(
            manifest.portfolio_template_url(),
            Some(
                "https://artefacts.s3.eu-west-1.amazonaws.com/studio-catalog/7/portfolio/portfolio.yaml"
            )
        );
        // Product templates are staged as written: they find the suite through SSM.
        let source =
            std::fs::read_to_string(workspace_root().join(PRODUCT_TEMPLATES[0].0)).unwrap();
        assert_eq!(
            store.text("artefacts", "studio-catalog/7/templates/studio-domain.yaml"),
            source
        );
    }

    #[tokio::test]
    async fn the_default_version_follows_the_content() {
        for (code, name) in [
            (
                FunctionCode::CargoLambdaZips as fn(PathBuf) -> FunctionCode,
                "version-zips",
            ),
            (FunctionCode::Binaries, "version-binaries"),
        ] {
            let request = request_with(code, name);
            let first = stage_afresh(&request).await.unwrap();
            let again = stage_afresh(&request).await.unwrap();
            std::fs::write(code_file(&request.code, "studio-cleanup"), "changed").unwrap();
            let changed = stage_afresh(&request).await.unwrap();

            assert_eq!(first.version, again.version, "{:?}", request.code);
            assert_eq!(first.function_keys, again.function_keys);
            assert_ne!(first.version, changed.version, "{:?}", request.code);
            assert!(
                first
                    .version
                    .starts_with(concat!(env!("CARGO_PKG_VERSION"), "-"))
            );
        }
    }

    #[tokio::test]
    async fn a_missing_zip_or_binary_names_the_file_and_how_to_build_it() {
        for (code, name, file, build) in [
            (
                FunctionCode::CargoLambdaZips as fn(PathBuf) -> FunctionCode,
                "missing-zip",
                "studio-cleanup/bootstrap.zip",
                "cargo lambda build",
            ),
            (
                FunctionCode::Binaries,
                "missing-binary",
                "studio-cleanup is missing",
                "cargo build -p studio-cleanup --bins",
            ),
        ] {
            let request = request_with(code, name);
            std::fs::remove_file(code_file(&request.code, "studio-cleanup")).unwrap();

            let message = stage_afresh(&request).await.unwrap_err().to_string();

            assert!(message.contains(file), "{message}");
            assert!(message.contains(build), "{message}");
        }
    }

    #[tokio::test]
    async fn the_bucket_is_created_only_when_asked() {
        let request = PackageRequest {
            version: Some("1".into()),
            ..request_with(FunctionCode::CargoLambdaZips, "bucket")
        };
        let store = MemoryStore::default();

        let refused = stage(&store, &request, &mut std::io::sink()).await;
        let created = stage(
            &store,
            &PackageRequest {
                create_bucket: true,
                ..request.clone()
            },
            &mut std::io::sink(),
        )
        .await;

        assert!(matches!(refused, Err(PackageError::Store(_))));
        assert!(created.is_ok());
    }

    #[tokio::test]
    async fn unsafe_prefixes_versions_and_buckets_are_refused_before_any_upload() {
        let store = MemoryStore::with_bucket("artefacts");
        let base = request_with(FunctionCode::CargoLambdaZips, "names");
        let bad = [
            PackageRequest {
                prefix: "a b".into(),
                ..base.clone()
            },
            PackageRequest {
                version: Some("1/2".into()),
                ..base.clone()
            },
            PackageRequest {
                bucket: "Upper_Case".into(),
                ..base.clone()
            },
        ];

        for request in bad {
            assert!(stage(&store, &request, &mut std::io::sink()).await.is_err());
        }
        assert!(store.keys().is_empty());
    }

    #[tokio::test]
    async fn staging_on_an_endpoint_gives_template_urls_on_that_endpoint() {
        // Given a package aimed at an S3 endpoint that is not AWS's (a local emulator)
        let store = MemoryStore::with_bucket("artefacts");
        let request = PackageRequest {
            version: Some("7".into()),
            endpoint_url: Some("http://localhost:4566/".into()),
            ..request_with(FunctionCode::CargoLambdaZips, "endpoint")
        };
        let mut log = Vec::new();

        // When it is staged
        let manifest = stage(&store, &request, &mut log).await.unwrap();

        // Then every template URL, printed and recorded, names the object on that endpoint
        let base = "http://localhost:4566/artefacts/studio-catalog/7";
        assert_eq!(
            manifest.portfolio_template_url(),
            Some(format!("{base}/portfolio/portfolio.yaml").as_str())
        );
        assert_eq!(
            manifest.core_template_url(),
            Some(format!("{base}/templates/core.yaml").as_str())
        );
        let log = String::from_utf8(log).unwrap();
        assert!(!log.contains("amazonaws.com"), "{log}");
        assert!(
            log.contains(&format!("uploaded {base}/templates/core.yaml")),
            "{log}"
        );
        // and so do the product template URLs the portfolio hands to Service Catalog
        let portfolio = store.text("artefacts", "studio-catalog/7/portfolio/portfolio.yaml");
        assert!(
            portfolio.contains(&format!(
                "    Default: \"{base}/templates/studio-domain.yaml\"\n"
            )),
            "{portfolio}"
        );
        assert!(!portfolio.contains(".amazonaws.com/studio-catalog/"));
    }

    #[test]
    fn the_default_zip_directory_is_lambda_under_cargo_s_target_directory() {
        // Where Cargo builds is studio_catalog_workspace's (its tests check it against this
        // very test binary); cargo-lambda puts the zips in `lambda/` below it.
        assert_eq!(
            cargo_lambda_dir(&workspace_root()),
            studio_catalog_workspace::target_dir(&workspace_root()).join("lambda")
        );
    }

    #[test]
    fn dotted_buckets_get_path_style_urls_and_china_its_own_domain() {
        assert_eq!(
            s3_https_url("a.b", "us-east-1", "k/x.yaml"),
            "https://s3.us-east-1.amazonaws.com/a.b/k/x.yaml"
        );
        assert_eq!(
            s3_https_url("ab", "cn-north-1", "k"),
            "https://ab.s3.cn-north-1.amazonaws.com.cn/k"
        );
    }

    #[test]
    fn the_manifest_round_trips_through_its_file() {
        let manifest = PackageManifest {
            bucket: "b".into(),
            region: "r".into(),
            prefix: "p/v".into(),
            version: "v".into(),
            architecture: Architecture::Arm64,
            name_prefix: "studio-catalog".into(),
            function_keys: BTreeMap::from([("f".into(), "p/v/functions/f.zip".into())]),
            template_urls: BTreeMap::from([(CORE_TEMPLATE.into(), "https://u".into())]),
            rewritten_parameters: BTreeMap::from([(
                CORE_TEMPLATE.into(),
                vec!["CodeBucket".into(), "FCodeKey".into()],
            )]),
        };
        let path = std::env::temp_dir()
            .join(format!("studio-catalog-manifest-{}", std::process::id()))
            .join("package.json");

        manifest.write_to(&path).unwrap();

        assert_eq!(PackageManifest::read_from(&path).unwrap(), manifest);
        assert_eq!(manifest.core_template_url(), Some("https://u"));
        assert_eq!(
            manifest.rewritten_parameters(CORE_TEMPLATE),
            ["CodeBucket", "FCodeKey"]
        );
        assert!(manifest.rewritten_parameters(PORTFOLIO_TEMPLATE).is_empty());
    }

    #[test]
    fn a_manifest_that_does_not_say_which_defaults_package_set_is_refused() {
        let path = std::env::temp_dir()
            .join(format!(
                "studio-catalog-old-manifest-{}",
                std::process::id()
            ))
            .join("package.json");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            r#"{"bucket": "b", "region": "r", "prefix": "p/v", "version": "v",
                "name_prefix": "studio-catalog", "function_keys": {}, "template_urls": {}}"#,
        )
        .unwrap();

        let error = PackageManifest::read_from(&path).unwrap_err().to_string();

        assert!(error.contains("rewritten_parameters"), "{error}");
    }

    #[test]
    fn a_manifest_that_does_not_say_which_name_prefix_it_was_staged_for_is_refused() {
        // Read as core.yaml's default it could deploy a core stack the staged templates do not
        // read from: refused, with what to do.
        let path = std::env::temp_dir()
            .join(format!(
                "studio-catalog-manifest-without-prefix-{}",
                std::process::id()
            ))
            .join("package.json");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            r#"{"bucket": "b", "region": "r", "prefix": "p/v", "version": "v",
                "function_keys": {}, "template_urls": {}, "rewritten_parameters": {}}"#,
        )
        .unwrap();

        let error = PackageManifest::read_from(&path).unwrap_err().to_string();

        assert!(error.contains("name_prefix"), "{error}");
        assert!(
            error.contains("run `studio-catalog-deploy package` again"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn the_manifest_records_the_defaults_package_set() {
        let store = MemoryStore::with_bucket("artefacts");
        let request = request_with(FunctionCode::CargoLambdaZips, "rewritten");

        let manifest = stage(&store, &request, &mut std::io::sink()).await.unwrap();

        // the bucket, the architecture, the prefix, then each function's code key, in the
        // workspace's order of the functions
        let code_keys: Vec<String> = functions(&workspace_root())
            .unwrap()
            .into_iter()
            .map(|f| f.code_key_parameter)
            .collect();
        let mut expected = vec!["CodeBucket", "FunctionArchitecture", "NamePrefix"];
        expected.extend(code_keys.iter().map(String::as_str));
        assert!(code_keys.contains(&"StudioDomainCodeKey".to_owned()));
        assert_eq!(manifest.rewritten_parameters(CORE_TEMPLATE), expected);
        assert_eq!(
            manifest.rewritten_parameters(PORTFOLIO_TEMPLATE),
            [
                "ArtifactBucket",
                "ProductVersion",
                "CoreNamePrefix",
                "StudioDomainTemplateUrl",
                "StudioUserProfileTemplateUrl",
                "DataAccessGrantTemplateUrl",
                "StudioSpaceTemplateUrl",
            ]
        );
        // and the prefix the templates are staged for: core.yaml's default, no product
        // template rewritten for it
        assert_eq!(manifest.name_prefix, "studio-catalog");
        for (file, _) in PRODUCT_TEMPLATES {
            assert!(manifest.rewritten_parameters(file).is_empty(), "{file}");
        }
    }

    #[tokio::test]
    async fn staging_from_binaries_zips_each_binary_as_an_executable_bootstrap() {
        // Given binaries already built for this machine
        let store = MemoryStore::with_bucket("artefacts");
        let request = PackageRequest {
            version: Some("7".into()),
            ..request_with(FunctionCode::Binaries, "binaries")
        };

        // When they are staged
        let manifest = stage(&store, &request, &mut std::io::sink()).await.unwrap();

        // Then each function's zip holds its binary as `bootstrap`, mode 0755
        for function in functions(&workspace_root()).unwrap() {
            let key = &manifest.function_keys[&function.name];
            let (zip, content_type) = store.object("artefacts", key).unwrap();
            assert_eq!(content_type, "application/zip");
            let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
            let mut entry = archive.by_name("bootstrap").unwrap();
            assert_eq!(entry.unix_mode(), Some(0o100_755), "{}", function.name);
            let mut binary = String::new();
            std::io::Read::read_to_string(&mut entry, &mut binary).unwrap();
            assert_eq!(binary, fake_code(&request.code, &function.name));
        }
    }

    #[tokio::test]
    async fn the_staged_architecture_is_the_one_the_code_is_built_for() {
        // cargo-lambda's zips are built for arm64, the binaries for this machine
        let this_machine = match std::env::consts::ARCH {
            "aarch64" => "arm64",
            "x86_64" => "x86_64",
            other => panic!("Lambda runs no {other}"),
        };
        for (code, name, expected) in [
            (
                FunctionCode::CargoLambdaZips as fn(PathBuf) -> FunctionCode,
                "architecture-zips",
                "arm64",
            ),
            (
                FunctionCode::Binaries,
                "architecture-binaries",
                this_machine,
            ),
        ] {
            let store = MemoryStore::with_bucket("artefacts");
            let request = PackageRequest {
                version: Some("7".into()),
                ..request_with(code, name)
            };

            let manifest = stage(&store, &request, &mut std::io::sink()).await.unwrap();

            assert_eq!(manifest.architecture.lambda_name(), expected);
            let core = store.text("artefacts", "studio-catalog/7/templates/core.yaml");
            assert_eq!(
                parameter_default(&core, "FunctionArchitecture"),
                Some(format!("\"{expected}\"")),
                "{:?}",
                request.code
            );
        }
    }

    /// The `Default:` of parameter `name` in `template` (block-style YAML, as written).
    fn parameter_default(template: &str, name: &str) -> Option<String> {
        template
            .split(&format!("\n  {name}:\n"))
            .nth(1)?
            .lines()
            .take_while(|line| line.starts_with("    "))
            .find_map(|line| line.trim_start().strip_prefix("Default: "))
            .map(str::to_owned)
    }

    /// The first 20 bytes of a little-endian 64-bit ELF executable for `machine`.
    fn elf_header(machine: u16) -> Vec<u8> {
        let mut header = b"\x7fELF\x02\x01\x01\x00".to_vec();
        header.resize(16, 0);
        header.extend_from_slice(&2u16.to_le_bytes()); // e_type: ET_EXEC
        header.extend_from_slice(&machine.to_le_bytes());
        header.extend_from_slice(b"rest of the binary");
        header
    }

    #[test]
    fn an_elf_header_says_which_architecture_a_binary_is_built_for() {
        assert_eq!(
            Architecture::of_elf(&elf_header(62)),
            Some(Ok(Architecture::X86_64))
        );
        assert_eq!(
            Architecture::of_elf(&elf_header(183)),
            Some(Ok(Architecture::Arm64))
        );
        assert_eq!(Architecture::of_elf(&elf_header(243)), Some(Err(243)));
        assert_eq!(Architecture::of_elf(b"#!/bin/sh\nexec echo\n"), None);
        assert_eq!(Architecture::of_elf(b"\x7fELF"), None);
    }

    #[test]
    fn this_test_binary_is_built_for_this_machine() {
        let binary = std::fs::read(std::env::current_exe().unwrap()).unwrap();

        assert_eq!(
            Architecture::of_elf(&binary),
            Some(Ok(Architecture::of_this_machine().unwrap()))
        );
    }

    #[tokio::test]
    async fn a_binary_built_for_another_architecture_is_refused_naming_both() {
        let request = request_with(FunctionCode::Binaries, "foreign");
        let machine = Architecture::of_this_machine().unwrap();
        let (other, other_machine) = match machine {
            Architecture::X86_64 => ("arm64", 183),
            Architecture::Arm64 => ("x86_64", 62),
        };
        std::fs::write(
            code_file(&request.code, "studio-domain"),
            elf_header(other_machine),
        )
        .unwrap();

        let error = stage_afresh(&request).await.unwrap_err().to_string();

        assert!(error.contains("studio-domain is built for"), "{error}");
        assert!(
            error.contains(&format!(
                "built for {other}, not for this machine ({machine})"
            )),
            "{error}"
        );
    }

    #[test]
    fn rust_architectures_map_to_lambda_s_names() {
        assert_eq!(
            Architecture::of_rust_arch("aarch64"),
            Some(Architecture::Arm64)
        );
        assert_eq!(
            Architecture::of_rust_arch("x86_64"),
            Some(Architecture::X86_64)
        );
        assert_eq!(Architecture::of_rust_arch("riscv64"), None);
        assert_eq!(Architecture::X86_64.to_string(), "x86_64");
        assert_eq!(
            serde_json::to_string(&Architecture::Arm64).unwrap(),
            "\"arm64\""
        );
    }

    #[test]
    fn a_manifest_written_before_the_architecture_was_recorded_reads_as_arm64() {
        let manifest: PackageManifest = serde_json::from_str(
            r#"{"bucket": "b", "region": "r", "prefix": "p/v", "version": "v",
                "name_prefix": "studio-catalog", "function_keys": {}, "template_urls": {},
                "rewritten_parameters": {}}"#,
        )
        .unwrap();

        assert_eq!(manifest.architecture, Architecture::Arm64);
    }

    /// `(name, value of its Type)` of each resource in the `Resources:` block of `template`, and
    /// the names of the parameters in its `Parameters:` block (block-style YAML, two-space keys).
    fn parameters_and_resources(template: &str) -> (Vec<&str>, Vec<(&str, &str)>) {
        let (mut parameters, mut resources) = (Vec::new(), Vec::new());
        let mut section = "";
        let mut resource = None;
        for line in template.lines() {
            if !line.starts_with(' ') && line.ends_with(':') {
                section = line.trim_end_matches(':');
            } else if let Some(key) = line.strip_prefix("  ").filter(|l| !l.starts_with(' ')) {
                let key = key.trim_end_matches(':');
                match section {
                    "Parameters" => parameters.push(key),
                    "Resources" => resource = Some(key),
                    _ => {}
                }
            } else if let (Some(name), Some(kind)) = (resource, line.strip_prefix("    Type: ")) {
                resources.push((name, kind.trim()));
                resource = None;
            }
        }
        (parameters, resources)
    }

    #[test]
    fn core_yaml_declares_a_code_key_for_each_function_and_no_other() {
        let core = std::fs::read_to_string(workspace_root().join(CORE_TEMPLATE)).unwrap();
        let listed: BTreeSet<String> = functions(&workspace_root())
            .unwrap()
            .into_iter()
            .map(|f| f.code_key_parameter)
            .collect();

        let (parameters, resources) = parameters_and_resources(&core);

        let declared: BTreeSet<String> = parameters
            .iter()
            .filter(|p| p.ends_with("CodeKey"))
            .map(|p| (*p).to_owned())
            .collect();
        assert_eq!(
            declared, listed,
            "the *CodeKey parameters of {CORE_TEMPLATE}"
        );
        // Every function the core stack creates runs the zip of a listed function.
        let lambdas = resources
            .iter()
            .filter(|(_, kind)| *kind == "AWS::Lambda::Function")
            .count();
        let code_refs: Vec<&str> = core
            .lines()
            .filter_map(|l| l.trim().strip_prefix("S3Key: !Ref "))
            .collect();
        assert!(lambdas > 0);
        assert_eq!(
            code_refs.len(),
            lambdas,
            "one S3Key per AWS::Lambda::Function"
        );
        for parameter in code_refs {
            assert!(
                listed.contains(parameter),
                "S3Key: !Ref {parameter} is no listed function's"
            );
        }
    }

    #[test]
    fn every_function_runs_on_the_staged_architecture() {
        // The core stack's functions and the domain product's sign-in function run the zips
        // `package` staged, so their Architectures must be the one it staged (FunctionArchitecture).
        for file in [CORE_TEMPLATE, PRODUCT_TEMPLATES[0].0] {
            let template = std::fs::read_to_string(workspace_root().join(file)).unwrap();
            let (parameters, resources) = parameters_and_resources(&template);
            let lambdas = resources
                .iter()
                .filter(|(_, kind)| *kind == "AWS::Lambda::Function")
                .count();
            let architectures: Vec<&str> = template
                .lines()
                .filter_map(|l| l.trim().strip_prefix("Architectures: "))
                .collect();

            assert!(parameters.contains(&ARCHITECTURE_PARAMETER), "{file}");
            assert!(lambdas > 0, "{file}");
            assert_eq!(
                architectures,
                vec!["[!Ref FunctionArchitecture]"; lambdas],
                "{file}: one Architectures per AWS::Lambda::Function, the staged one"
            );
        }
    }

    /// The SSM parameter names the core stack `core` publishes (`Name: !Sub /${NamePrefix}/...`)
    /// with its `NamePrefix` default.
    fn published_ssm_names(core: &str) -> BTreeSet<String> {
        let prefix = parameter_attribute(core, NAME_PREFIX_PARAMETER, "Default")
            .unwrap()
            .unwrap();
        core.lines()
            .filter_map(|l| l.trim().strip_prefix("Name: !Sub /${NamePrefix}/"))
            .map(|path| format!("/{prefix}/{path}"))
            .collect()
    }

    /// `(parameter, Default)` of each `AWS::SSM::Parameter::Value<String>` parameter of `template`.
    fn ssm_typed_defaults(template: &str) -> Vec<(String, String)> {
        let (parameters, _) = parameters_and_resources(template);
        parameters
            .into_iter()
            .filter(|name| {
                template.contains(&format!(
                    "\n  {name}:\n    Type: AWS::SSM::Parameter::Value<String>\n"
                ))
            })
            .map(|name| {
                let default = parameter_attribute(template, name, "Default")
                    .unwrap()
                    .unwrap_or_else(|| panic!("{name} has no default"));
                (name.to_owned(), default)
            })
            .collect()
    }

    /// The SSM parameter names (`/a/b/*` style, `*` at the end only) the launch role (core's,
    /// #16) may read with `ssm:GetParameters`, its `${NamePrefix}` the staged default.
    fn launch_role_ssm_reads(core: &str) -> Vec<String> {
        let core_prefix = parameter_attribute(core, NAME_PREFIX_PARAMETER, "Default")
            .unwrap()
            .unwrap();
        let lines: Vec<&str> = core.lines().collect();
        let role = lines
            .iter()
            .position(|l| l.trim() == "LaunchRole:")
            .expect("core.yaml has the launch role");
        let action = role
            + lines[role..]
                .iter()
                .position(|l| {
                    matches!(
                        l.trim(),
                        "- ssm:GetParameters" | "Action: ssm:GetParameters"
                    )
                })
                .expect("the launch role reads SSM parameters");
        let resources: Vec<String> = lines[action..]
            .iter()
            .find_map(|l| l.trim().strip_prefix("Resource: !Sub "))
            .into_iter()
            .map(|arn| {
                arn.split_once(":parameter")
                    .unwrap_or_else(|| panic!("{arn}"))
                    .1
                    .replace("${NamePrefix}", &core_prefix)
            })
            .collect();
        assert!(!resources.is_empty());
        resources
    }

    fn covered_by(name: &str, resource: &str) -> bool {
        match resource.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == resource,
        }
    }

    #[tokio::test]
    async fn the_product_templates_read_only_ssm_parameters_the_core_stack_publishes() {
        // For core.yaml's default prefix and another one
        for name_prefix in [None, Some("acme")] {
            // Given the suite staged for that NamePrefix
            let store = MemoryStore::with_bucket("artefacts");
            let request = PackageRequest {
                version: Some("7".into()),
                name_prefix: name_prefix.map(str::to_owned),
                ..request_with(FunctionCode::CargoLambdaZips, "ssm-names")
            };
            let manifest = stage(&store, &request, &mut std::io::sink()).await.unwrap();
            let staged = |file: &str| store.text("artefacts", &format!("studio-catalog/7/{file}"));

            // Then the staged core stack publishes under that prefix (core.yaml's default,
            // the manifest's)
            let core = staged(CORE_TEMPLATE);
            let published = published_ssm_names(&core);
            let expected_prefix = name_prefix.unwrap_or("studio-catalog");
            assert_eq!(manifest.name_prefix, expected_prefix);
            assert!(published.len() >= 6, "{published:?}");
            assert!(
                published
                    .iter()
                    .all(|name| name.starts_with(&format!("/{expected_prefix}/"))),
                "{published:?}"
            );
            // and every SSM parameter a staged product template reads is one of those
            let readable = launch_role_ssm_reads(&core);
            for (file, _) in PRODUCT_TEMPLATES {
                let defaults = ssm_typed_defaults(&staged(file));
                assert!(!defaults.is_empty(), "{file}");
                for (name, default) in defaults {
                    assert!(
                        published.contains(&default),
                        "{file}: {name} reads {default}, which the core stack does not publish \
                         ({published:?})"
                    );
                    // and the launch role, whose NamePrefix is that prefix, may read it
                    assert!(
                        readable.iter().any(|r| covered_by(&default, r)),
                        "{file}: {name} reads {default}; the launch role reads {readable:?}"
                    );
                }
            }
        }
    }

    #[tokio::test]
    async fn the_default_name_prefix_stages_the_product_templates_as_written() {
        let default = NamePrefixRule::of_core_template(
            &std::fs::read_to_string(workspace_root().join(CORE_TEMPLATE)).unwrap(),
        )
        .unwrap()
        .default;
        for name_prefix in [None, Some(default)] {
            let store = MemoryStore::with_bucket("artefacts");
            let request = PackageRequest {
                version: Some("7".into()),
                name_prefix,
                ..request_with(FunctionCode::CargoLambdaZips, "as-written")
            };

            stage(&store, &request, &mut std::io::sink()).await.unwrap();

            for (file, _) in PRODUCT_TEMPLATES {
                let source = std::fs::read_to_string(workspace_root().join(file)).unwrap();
                assert_eq!(
                    store.text("artefacts", &format!("studio-catalog/7/{file}")),
                    source,
                    "{file}: {:?}",
                    request.name_prefix
                );
            }
        }
    }

    #[tokio::test]
    async fn another_name_prefix_rewrites_only_the_ssm_parameter_defaults() {
        // Given the suite staged for NamePrefix acme
        let store = MemoryStore::with_bucket("artefacts");
        let request = PackageRequest {
            version: Some("7".into()),
            name_prefix: Some("acme".into()),
            ..request_with(FunctionCode::CargoLambdaZips, "acme")
        };

        let manifest = stage(&store, &request, &mut std::io::sink()).await.unwrap();

        // Then each product template differs from its source in its SSM parameters'
        // Default lines only, each moved from /studio-catalog/ to /acme/
        for (file, _) in PRODUCT_TEMPLATES {
            let source = std::fs::read_to_string(workspace_root().join(file)).unwrap();
            let staged = store.text("artefacts", &format!("studio-catalog/7/{file}"));
            let (before, after): (Vec<&str>, Vec<&str>) = source
                .lines()
                .zip(staged.lines())
                .filter(|(a, b)| a != b)
                .unzip();
            assert_eq!(source.lines().count(), staged.lines().count(), "{file}");
            let moved: Vec<String> = ssm_typed_defaults(&source)
                .into_iter()
                .map(|(_, default)| default)
                .collect();
            assert_eq!(
                before,
                moved
                    .iter()
                    .map(|d| format!("    Default: {d}"))
                    .collect::<Vec<_>>(),
                "{file}"
            );
            assert_eq!(
                after,
                moved
                    .iter()
                    .map(|d| format!(
                        "    Default: \"/acme/{}\"",
                        d.strip_prefix("/studio-catalog/").unwrap()
                    ))
                    .collect::<Vec<_>>(),
                "{file}"
            );
            // and the manifest says which
            let names: Vec<String> = ssm_typed_defaults(&source)
                .into_iter()
                .map(|(name, _)| name)
                .collect();
            assert_eq!(manifest.rewritten_parameters(file), names, "{file}");
        }
        // and the core stack and the portfolio are staged for it too
        let core = store.text("artefacts", "studio-catalog/7/templates/core.yaml");
        assert_eq!(
            parameter_default(&core, "NamePrefix").as_deref(),
            Some("\"acme\"")
        );
        let portfolio = store.text("artefacts", "studio-catalog/7/portfolio/portfolio.yaml");
        assert_eq!(
            parameter_default(&portfolio, "CoreNamePrefix").as_deref(),
            Some("\"acme\"")
        );
        assert_eq!(manifest.name_prefix, "acme");
    }

    #[tokio::test]
    async fn a_name_prefix_cloudformation_or_ssm_would_refuse_is_refused_before_any_upload() {
        let store = MemoryStore::with_bucket("artefacts");
        let base = request_with(FunctionCode::CargoLambdaZips, "bad-prefix");
        for (prefix, reason) in [
            ("Acme", "must match ^[a-z][a-z0-9-]{1,22}[a-z0-9]$"),
            ("ab", "must match"),
            ("a-very-long-prefix-for-ssm", "must match"),
            ("acme-", "must match"),
            ("acme/x", "must match"),
            ("aws-tools", "prefixed with \"aws\""),
            ("ssm-params", "prefixed with \"ssm\""),
        ] {
            let request = PackageRequest {
                name_prefix: Some(prefix.into()),
                create_bucket: true,
                ..base.clone()
            };

            let error = stage(&store, &request, &mut std::io::sink())
                .await
                .unwrap_err()
                .to_string();

            assert!(error.contains(&format!("{prefix:?} is refused")), "{error}");
            assert!(error.contains(reason), "{prefix}: {error}");
        }
        // core.yaml's ConstraintDescription is named with its pattern
        let error = NamePrefixRule::of_core_template(
            &std::fs::read_to_string(workspace_root().join(CORE_TEMPLATE)).unwrap(),
        )
        .unwrap()
        .check("Acme")
        .unwrap_err()
        .to_string();
        assert!(error.contains("lowercase letters"), "{error}");
        assert!(store.keys().is_empty());
    }

    #[test]
    fn the_name_prefix_rule_is_core_yaml_s_own() {
        // Given a core template whose NamePrefix allows other prefixes and has another default
        let core = std::fs::read_to_string(workspace_root().join(CORE_TEMPLATE)).unwrap();
        let pattern = parameter_attribute(&core, NAME_PREFIX_PARAMETER, "AllowedPattern")
            .unwrap()
            .unwrap();
        let edited = set_parameter_defaults(&core, [(NAME_PREFIX_PARAMETER, "team-x")])
            .unwrap()
            .replace(
                &format!(
                    "    AllowedPattern: {}\n",
                    crate::template::yaml_quoted(&pattern)
                ),
                "    AllowedPattern: \"[A-Z]{2,8}|team-x\"\n",
            );
        assert_ne!(edited, core);

        // When its rule is read
        let rule = NamePrefixRule::of_core_template(&edited).unwrap();

        // Then the default and the pattern are the template's, the pattern matched whole
        assert_eq!(rule.default, "team-x");
        assert!(rule.check("ACME").is_ok());
        assert!(rule.check("team-x").is_ok());
        assert!(rule.check("acme").is_err());
        assert!(rule.check("XACMEX1").is_err(), "anchored at both ends");
    }

    #[tokio::test]
    async fn the_default_version_follows_the_name_prefix() {
        let request = request_with(FunctionCode::CargoLambdaZips, "version-prefix");
        let default = stage_afresh(&request).await.unwrap();
        let acme = stage_afresh(&PackageRequest {
            name_prefix: Some("acme".into()),
            ..request.clone()
        })
        .await
        .unwrap();

        // Templates staged for another prefix must not overwrite these keys.
        assert_ne!(default.version, acme.version);
    }

    #[test]
    fn the_template_check_finds_parameters_and_resources() {
        let template = "Parameters:\n  ACodeKey:\n    Type: String\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Type: nested\n";

        assert_eq!(
            parameters_and_resources(template),
            (vec!["ACodeKey"], vec![("Fn", "AWS::Lambda::Function")])
        );
    }
}
