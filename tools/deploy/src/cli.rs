//! The command line: `package` and `deploy`.

use std::{path::PathBuf, time::Duration};

use thiserror::Error;

use crate::share::OrganizationNode;

/// Usage text.
pub const USAGE: &str = "\
studio-catalog-deploy: stage and deploy the studio-catalog suite

USAGE:
  studio-catalog-deploy package --bucket BUCKET [options]
  studio-catalog-deploy deploy [options]

package: builds the five functions with `cargo lambda build --release --arm64 --output-format zip`
and uploads the zips and the templates under s3://BUCKET/PREFIX/VERSION/, the templates rewritten
to point at them; writes the manifest that `deploy` reads.
  --bucket BUCKET           artefact bucket (required)
  --prefix PREFIX           base prefix (default studio-catalog)
  --version VERSION         version (default <crate version>-<content hash>)
  --create-bucket           create the bucket if it does not exist
  --skip-build              use the zips already in --lambda-dir
  --lambda-dir DIR          where the zips are (default: <Cargo's target dir>/lambda, where
                            cargo lambda puts them; target/lambda unless CARGO_TARGET_DIR or
                            build.target-dir say otherwise)
  --root DIR                workspace root (default: current directory)
  --manifest FILE           manifest to write (default <root>/dist/package.json)

deploy: creates or updates the core stack, then the portfolio stack, from the staged templates;
prints stack events, a progress bar and the outputs; a failed deploy prints the failing
resources' reasons and exits with status 1.
  --manifest FILE           manifest written by package (default <root>/dist/package.json)
  --core-stack-name NAME    default studio-catalog-core
  --portfolio-stack-name N  default studio-catalog-portfolio
  --skip-portfolio          deploy only the core stack
  --core-parameter K=V      a core stack parameter (repeatable)
  --portfolio-parameter K=V a portfolio parameter (repeatable); CloudAdminRoleArn is required
                            when the portfolio stack is created
  --share-organizational-unit OU
                            after the portfolio stack, share the portfolio with this AWS
                            Organizations OU (ou-xxxx-yyyyyyyy; repeatable), with its tag
                            options; skipped if already shared
  --share-organization ORG  share it with the whole organisation (o-xxxxxxxxxx) likewise
  --poll-seconds N          pause between polls (default 5)
  --timeout-minutes N       per stack or share (default 60)
  --root DIR                workspace root (default: current directory)

Both:
  --region REGION           AWS region (default: the SDK's, e.g. AWS_REGION)
  --endpoint-url URL        send every AWS call there (e.g. a local emulator; AWS_ENDPOINT_URL
                            works too); package then prints and records template URLs on
                            that endpoint (URL/BUCKET/KEY) instead of s3.REGION.amazonaws.com
  -h, --help                this text
";

/// A parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `package`.
    Package(PackageArgs),
    /// `deploy`.
    Deploy(DeployArgs),
    /// `--help`.
    Help,
}

/// Options every command takes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AwsArgs {
    /// `--region`.
    pub region: Option<String>,
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
}

/// `package` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageArgs {
    /// AWS options.
    pub aws: AwsArgs,
    /// `--root`.
    pub root: PathBuf,
    /// `--bucket`.
    pub bucket: String,
    /// `--prefix`.
    pub prefix: String,
    /// `--version`.
    pub version: Option<String>,
    /// `--create-bucket`.
    pub create_bucket: bool,
    /// `--skip-build`.
    pub skip_build: bool,
    /// `--lambda-dir`.
    pub lambda_dir: Option<PathBuf>,
    /// `--manifest`.
    pub manifest: Option<PathBuf>,
}

/// `deploy` options.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployArgs {
    /// AWS options.
    pub aws: AwsArgs,
    /// `--root`.
    pub root: PathBuf,
    /// `--manifest`.
    pub manifest: Option<PathBuf>,
    /// `--core-stack-name`.
    pub core_stack_name: String,
    /// `--portfolio-stack-name`, `None` with `--skip-portfolio`.
    pub portfolio_stack_name: Option<String>,
    /// `--core-parameter`.
    pub core_parameters: Vec<(String, String)>,
    /// `--portfolio-parameter`.
    pub portfolio_parameters: Vec<(String, String)>,
    /// `--poll-seconds`.
    pub poll_interval: Duration,
    /// `--timeout-minutes`.
    pub timeout: Duration,
    /// `--share-organizational-unit` (in order) then `--share-organization`.
    pub share_with: Vec<OrganizationNode>,
}

/// The default manifest location under the workspace root.
pub fn default_manifest(root: &std::path::Path) -> PathBuf {
    root.join("dist").join("package.json")
}

/// A command line that cannot be understood.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum UsageError {
    /// No command.
    #[error("which command: package or deploy?")]
    NoCommand,
    /// Unknown command.
    #[error("unknown command {0:?}")]
    UnknownCommand(String),
    /// Unknown option for the command.
    #[error("unknown option {option} for {command}")]
    UnknownOption {
        /// The command.
        command: &'static str,
        /// The option.
        option: String,
    },
    /// An option without its value.
    #[error("{0} needs a value")]
    MissingValue(String),
    /// A bad value.
    #[error("{option}: {problem}")]
    BadValue {
        /// The option.
        option: String,
        /// What is wrong.
        problem: String,
    },
    /// A required option is missing.
    #[error("{command} needs {option}")]
    Required {
        /// The command.
        command: &'static str,
        /// The option.
        option: &'static str,
    },
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, UsageError> {
    let mut args = args.into_iter();
    let command = match args.next() {
        None => return Err(UsageError::NoCommand),
        Some(arg) if arg == "-h" || arg == "--help" || arg == "help" => return Ok(Command::Help),
        Some(command) => command,
    };
    let rest: Vec<String> = args.collect();
    if rest.iter().any(|a| a == "-h" || a == "--help") {
        return Ok(Command::Help);
    }
    match command.as_str() {
        "package" => parse_package(rest).map(Command::Package),
        "deploy" => parse_deploy(rest).map(Command::Deploy),
        _ => Err(UsageError::UnknownCommand(command)),
    }
}

/// Splits `--name value` and `--name=value`.
struct Options {
    args: std::vec::IntoIter<String>,
}

impl Options {
    fn next(&mut self) -> Option<(String, Option<String>)> {
        let arg = self.args.next()?;
        match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                Some((name.to_owned(), Some(value.to_owned())))
            }
            _ => Some((arg, None)),
        }
    }

    fn value(&mut self, name: &str, inline: Option<String>) -> Result<String, UsageError> {
        inline
            .or_else(|| self.args.next())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| UsageError::MissingValue(name.to_owned()))
    }
}

fn common(
    aws: &mut AwsArgs,
    root: &mut PathBuf,
    options: &mut Options,
    name: &str,
    inline: Option<String>,
) -> Result<bool, UsageError> {
    match name {
        "--region" => aws.region = Some(options.value(name, inline)?),
        "--endpoint-url" => aws.endpoint_url = Some(options.value(name, inline)?),
        "--root" => *root = PathBuf::from(options.value(name, inline)?),
        _ => return Ok(false),
    }
    Ok(true)
}

fn flag(name: &str, inline: Option<&str>) -> Result<bool, UsageError> {
    match inline {
        None => Ok(true),
        Some(_) => Err(UsageError::BadValue {
            option: name.to_owned(),
            problem: "takes no value".into(),
        }),
    }
}

fn parse_package(args: Vec<String>) -> Result<PackageArgs, UsageError> {
    let mut options = Options {
        args: args.into_iter(),
    };
    let mut parsed = PackageArgs {
        aws: AwsArgs::default(),
        root: PathBuf::from("."),
        bucket: String::new(),
        prefix: "studio-catalog".into(),
        version: None,
        create_bucket: false,
        skip_build: false,
        lambda_dir: None,
        manifest: None,
    };
    while let Some((name, inline)) = options.next() {
        if common(
            &mut parsed.aws,
            &mut parsed.root,
            &mut options,
            &name,
            inline.clone(),
        )? {
            continue;
        }
        match name.as_str() {
            "--bucket" => parsed.bucket = options.value(&name, inline)?,
            "--prefix" => parsed.prefix = options.value(&name, inline)?,
            "--version" => parsed.version = Some(options.value(&name, inline)?),
            "--create-bucket" => parsed.create_bucket = flag(&name, inline.as_deref())?,
            "--skip-build" => parsed.skip_build = flag(&name, inline.as_deref())?,
            "--lambda-dir" => parsed.lambda_dir = Some(options.value(&name, inline)?.into()),
            "--manifest" => parsed.manifest = Some(options.value(&name, inline)?.into()),
            _ => {
                return Err(UsageError::UnknownOption {
                    command: "package",
                    option: name,
                });
            }
        }
    }
    if parsed.bucket.is_empty() {
        return Err(UsageError::Required {
            command: "package",
            option: "--bucket",
        });
    }
    Ok(parsed)
}

fn key_value(option: &str, text: &str) -> Result<(String, String), UsageError> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(UsageError::BadValue {
            option: option.to_owned(),
            problem: format!("{text:?} is not KEY=VALUE"),
        }),
    }
}

fn number(option: &str, text: &str) -> Result<f64, UsageError> {
    text.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n > 0.0)
        .ok_or_else(|| UsageError::BadValue {
            option: option.to_owned(),
            problem: format!("{text:?} is not a positive number"),
        })
}

fn parse_deploy(args: Vec<String>) -> Result<DeployArgs, UsageError> {
    let mut options = Options {
        args: args.into_iter(),
    };
    let mut parsed = DeployArgs {
        aws: AwsArgs::default(),
        root: PathBuf::from("."),
        manifest: None,
        core_stack_name: "studio-catalog-core".into(),
        portfolio_stack_name: Some("studio-catalog-portfolio".into()),
        core_parameters: Vec::new(),
        portfolio_parameters: Vec::new(),
        poll_interval: Duration::from_secs(5),
        timeout: Duration::from_secs(60 * 60),
        share_with: Vec::new(),
    };
    let mut skip_portfolio = false;
    let mut organization: Option<OrganizationNode> = None;
    while let Some((name, inline)) = options.next() {
        if common(
            &mut parsed.aws,
            &mut parsed.root,
            &mut options,
            &name,
            inline.clone(),
        )? {
            continue;
        }
        match name.as_str() {
            "--manifest" => parsed.manifest = Some(options.value(&name, inline)?.into()),
            "--core-stack-name" => parsed.core_stack_name = options.value(&name, inline)?,
            "--portfolio-stack-name" => {
                parsed.portfolio_stack_name = Some(options.value(&name, inline)?);
            }
            "--skip-portfolio" => skip_portfolio = flag(&name, inline.as_deref())?,
            "--core-parameter" => {
                let text = options.value(&name, inline)?;
                parsed.core_parameters.push(key_value(&name, &text)?);
            }
            "--portfolio-parameter" => {
                let text = options.value(&name, inline)?;
                parsed.portfolio_parameters.push(key_value(&name, &text)?);
            }
            "--poll-seconds" => {
                let seconds = number(&name, &options.value(&name, inline)?)?;
                parsed.poll_interval = Duration::from_secs_f64(seconds);
            }
            "--timeout-minutes" => {
                let minutes = number(&name, &options.value(&name, inline)?)?;
                parsed.timeout = Duration::from_secs_f64(minutes * 60.0);
            }
            "--share-organizational-unit" => {
                let id = options.value(&name, inline)?;
                let node = OrganizationNode::organizational_unit(&id).map_err(|error| {
                    UsageError::BadValue {
                        option: name.clone(),
                        problem: error.to_string(),
                    }
                })?;
                if !parsed.share_with.contains(&node) {
                    parsed.share_with.push(node);
                }
            }
            "--share-organization" => {
                let id = options.value(&name, inline)?;
                let node =
                    OrganizationNode::organization(&id).map_err(|error| UsageError::BadValue {
                        option: name.clone(),
                        problem: error.to_string(),
                    })?;
                if organization.as_ref().is_some_and(|o| *o != node) {
                    return Err(UsageError::BadValue {
                        option: name,
                        problem: "an account belongs to one organization: give it once".into(),
                    });
                }
                organization = Some(node);
            }
            _ => {
                return Err(UsageError::UnknownOption {
                    command: "deploy",
                    option: name,
                });
            }
        }
    }
    parsed.share_with.extend(organization);
    if skip_portfolio {
        if !parsed.share_with.is_empty() {
            return Err(UsageError::BadValue {
                option: "--skip-portfolio".into(),
                problem: "sharing needs the portfolio stack: drop --share-organizational-unit / \
                          --share-organization, or deploy the portfolio"
                    .into(),
            });
        }
        parsed.portfolio_stack_name = None;
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn package_takes_its_options_in_both_spellings() {
        let Command::Package(parsed) = parse(args(
            "package --bucket b --prefix=p --version 1.0 --skip-build --create-bucket \
             --lambda-dir d --manifest m.json --region eu-west-1 --endpoint-url=http://x:1",
        ))
        .unwrap() else {
            panic!()
        };

        assert_eq!(parsed.bucket, "b");
        assert_eq!(parsed.prefix, "p");
        assert_eq!(parsed.version.as_deref(), Some("1.0"));
        assert!(parsed.skip_build && parsed.create_bucket);
        assert_eq!(parsed.lambda_dir, Some(PathBuf::from("d")));
        assert_eq!(parsed.manifest, Some(PathBuf::from("m.json")));
        assert_eq!(parsed.aws.region.as_deref(), Some("eu-west-1"));
        assert_eq!(parsed.aws.endpoint_url.as_deref(), Some("http://x:1"));
    }

    #[test]
    fn package_needs_a_bucket() {
        assert_eq!(
            parse(args("package --skip-build")),
            Err(UsageError::Required {
                command: "package",
                option: "--bucket"
            })
        );
    }

    #[test]
    fn deploy_collects_repeated_parameters_and_can_skip_the_portfolio() {
        let Command::Deploy(parsed) = parse(args(
            "deploy --core-parameter LogLevel=DEBUG --core-parameter CleanupDryRun=true \
             --portfolio-parameter CloudAdminRoleArn=arn:aws:iam::1:role/a=b \
             --skip-portfolio --poll-seconds 0.5 --timeout-minutes 2",
        ))
        .unwrap() else {
            panic!()
        };

        assert_eq!(
            parsed.core_parameters,
            [
                ("LogLevel".to_owned(), "DEBUG".to_owned()),
                ("CleanupDryRun".to_owned(), "true".to_owned())
            ]
        );
        assert_eq!(parsed.portfolio_parameters[0].1, "arn:aws:iam::1:role/a=b");
        assert_eq!(parsed.portfolio_stack_name, None);
        assert_eq!(parsed.poll_interval, Duration::from_millis(500));
        assert_eq!(parsed.timeout, Duration::from_secs(120));
        assert_eq!(parsed.core_stack_name, "studio-catalog-core");
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(parse(args("")), Err(UsageError::NoCommand));
        assert_eq!(
            parse(args("publish")),
            Err(UsageError::UnknownCommand("publish".into()))
        );
        assert_eq!(
            parse(args("deploy --bucket b")),
            Err(UsageError::UnknownOption {
                command: "deploy",
                option: "--bucket".into()
            })
        );
        assert_eq!(
            parse(args("deploy --core-parameter")),
            Err(UsageError::MissingValue("--core-parameter".into()))
        );
        assert!(matches!(
            parse(args("deploy --core-parameter novalue")),
            Err(UsageError::BadValue { .. })
        ));
        assert!(matches!(
            parse(args("deploy --poll-seconds -1")),
            Err(UsageError::BadValue { .. })
        ));
        assert!(matches!(
            parse(args("package --bucket b --skip-build=yes")),
            Err(UsageError::BadValue { .. })
        ));
    }

    #[test]
    fn deploy_collects_the_organization_nodes_to_share_with() {
        let Command::Deploy(parsed) = parse(args(
            "deploy --share-organizational-unit ou-ab12-cdef3456 --share-organization=o-abcdef1234 \
             --share-organizational-unit=ou-ab12-99999999 --share-organizational-unit ou-ab12-cdef3456",
        ))
        .unwrap() else {
            panic!()
        };

        assert_eq!(
            parsed.share_with,
            [
                OrganizationNode::organizational_unit("ou-ab12-cdef3456").unwrap(),
                OrganizationNode::organizational_unit("ou-ab12-99999999").unwrap(),
                OrganizationNode::organization("o-abcdef1234").unwrap(),
            ]
        );
    }

    #[test]
    fn malformed_organization_ids_are_refused_before_any_call() {
        let Err(UsageError::BadValue { option, problem }) =
            parse(args("deploy --share-organizational-unit ou-123"))
        else {
            panic!()
        };
        assert_eq!(option, "--share-organizational-unit");
        assert!(
            problem.contains("ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}"),
            "{problem}"
        );
        let Err(UsageError::BadValue { problem, .. }) =
            parse(args("deploy --share-organization ou-ab12-cdef3456"))
        else {
            panic!()
        };
        assert!(problem.contains("o-[a-z0-9]{10,32}"), "{problem}");
        assert!(matches!(
            parse(args(
                "deploy --share-organization o-abcdef1234 --share-organization o-bbbbbbbbbb"
            )),
            Err(UsageError::BadValue { .. })
        ));
        assert!(matches!(
            parse(args(
                "deploy --skip-portfolio --share-organization o-abcdef1234"
            )),
            Err(UsageError::BadValue { .. })
        ));
    }

    #[test]
    fn help_wins_anywhere() {
        assert_eq!(parse(args("--help")), Ok(Command::Help));
        assert_eq!(parse(args("deploy --region x -h")), Ok(Command::Help));
    }
}
