//! The command line: `package` and `deploy`, parsed with `clap` (derive). The help is the
//! hand-written [`USAGE`] (for `-h`, `--help` and `help`, anywhere on the line); a line clap
//! cannot understand, or a value that is not valid, is a usage error: exit status 2.

use std::{path::PathBuf, time::Duration};

use clap::{
    Args, CommandFactory, Parser, Subcommand,
    builder::NonEmptyStringValueParser,
    error::{Error, ErrorKind},
};

use crate::share::{InvalidNodeId, OrganizationNode};

/// Usage text.
pub const USAGE: &str = "\
studio-catalog-deploy: stage and deploy the studio-catalog suite

USAGE:
  studio-catalog-deploy package --bucket BUCKET [options]
  studio-catalog-deploy deploy [options]

package: builds the functions (the workspace's crates marked [package.metadata.studio-catalog.lambda];
scripts/functions lists them) with `cargo lambda build --release --arm64 --output-format zip`
and uploads the zips and the templates under s3://BUCKET/PREFIX/VERSION/, the templates rewritten
to point at them; writes the manifest that `deploy` reads.
  --bucket BUCKET           artefact bucket (required)
  --prefix PREFIX           base prefix (default studio-catalog)
  --version VERSION         version (default <crate version>-<content hash>)
  --name-prefix PREFIX      the core stack's NamePrefix (default: core.yaml's NamePrefix
                            default): the product templates are staged to read the core's SSM
                            parameters under /PREFIX/, the portfolio's CoreNamePrefix is PREFIX,
                            and deploy gives it to the core stack; refused unless it matches
                            core.yaml's AllowedPattern and SSM takes /PREFIX/ (no aws*, ssm*)
  --create-bucket           create the bucket if it does not exist
  --skip-build              use the zips already in --lambda-dir
  --lambda-dir DIR          where the zips are (default: <Cargo's target dir>/lambda, where
                            cargo lambda puts them; target/lambda unless CARGO_TARGET_DIR or
                            build.target-dir say otherwise)
  --from-binaries [DIR]     for a local run: no cargo lambda build; zip each function's binary
                            already built for this machine (DIR/<function>, default <Cargo's
                            target dir>/debug) as bootstrap, and stage core.yaml with
                            FunctionArchitecture set to this machine's (x86_64 or arm64)
  --root DIR                workspace root (default: current directory)
  --manifest FILE           manifest to write (default <root>/dist/package.json)

deploy: creates or updates the core stack, then the portfolio stack, from the staged templates;
prints stack events, a progress bar and the outputs; a failed deploy prints the failing
resources' reasons and exits with status 1.
  --manifest FILE           manifest written by package (default <root>/dist/package.json)
  --core-stack-name NAME    default studio-catalog-core
  --portfolio-stack-name N  default studio-catalog-portfolio
  --skip-portfolio          deploy only the core stack
  --core-parameter K=V      a core stack parameter (repeatable); NamePrefix is the packaged one
                            (--name-prefix): another value is refused
  --portfolio-parameter K=V a portfolio parameter (repeatable); CloudAdminRoleArn is required
                            when the portfolio stack is created
  --share-organizational-unit OU
                            after the portfolio stack, share the portfolio with this AWS
                            Organizations OU (ou-xxxx-yyyyyyyy; repeatable), with its tag
                            options; skipped if already shared
  --share-organization ORG  share it with the whole organisation (o-xxxxxxxxxx) likewise
  --poll-seconds N          pause between polls of a stack, at least 1 (default 5)
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
}

/// Options every command takes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Args)]
pub struct AwsArgs {
    /// `--region`.
    #[arg(long, value_parser = NonEmptyStringValueParser::new())]
    pub region: Option<String>,
    /// `--endpoint-url`.
    #[arg(long, value_parser = NonEmptyStringValueParser::new())]
    pub endpoint_url: Option<String>,
}

/// `package` options.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct PackageArgs {
    /// AWS options.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// The workspace root.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// The artefact bucket.
    #[arg(long, value_parser = NonEmptyStringValueParser::new())]
    pub bucket: String,
    /// The base prefix.
    #[arg(long, default_value = "studio-catalog", value_parser = NonEmptyStringValueParser::new())]
    pub prefix: String,
    /// `None`: `<crate version>-<content hash>`.
    #[arg(long, value_parser = NonEmptyStringValueParser::new())]
    pub version: Option<String>,
    /// The core stack's NamePrefix; `None`: core.yaml's default.
    #[arg(long, value_parser = NonEmptyStringValueParser::new())]
    pub name_prefix: Option<String>,
    /// Create the bucket if it does not exist.
    #[arg(long)]
    pub create_bucket: bool,
    /// Use the zips already in `lambda_dir`.
    #[arg(long)]
    pub skip_build: bool,
    /// `None`: [`crate::package::cargo_lambda_dir`].
    #[arg(long, conflicts_with = "from_binaries")]
    pub lambda_dir: Option<PathBuf>,
    /// `--from-binaries [DIR]`: `Some(None)` for the default directory,
    /// [`crate::package::debug_binaries_dir`].
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    pub from_binaries: Option<Option<PathBuf>>,
    /// `None`: [`default_manifest`].
    #[arg(long)]
    pub manifest: Option<PathBuf>,
}

/// `deploy` options.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployArgs {
    /// AWS options.
    pub aws: AwsArgs,
    /// The workspace root.
    pub root: PathBuf,
    /// `None`: [`default_manifest`].
    pub manifest: Option<PathBuf>,
    /// The core stack.
    pub core_stack_name: String,
    /// The portfolio stack, `None` with `--skip-portfolio`.
    pub portfolio_stack_name: Option<String>,
    /// `--core-parameter`, in order.
    pub core_parameters: Vec<(String, String)>,
    /// `--portfolio-parameter`, in order.
    pub portfolio_parameters: Vec<(String, String)>,
    /// The pause between polls.
    pub poll_interval: Duration,
    /// The limit per stack or share.
    pub timeout: Duration,
    /// `--share-organizational-unit` (in order, each once) then `--share-organization`.
    pub share_with: Vec<OrganizationNode>,
}

/// The default manifest location under the workspace root.
pub fn default_manifest(root: &std::path::Path) -> PathBuf {
    root.join("dist").join("package.json")
}

#[derive(Debug, Parser)]
#[command(
    name = "studio-catalog-deploy",
    override_help = USAGE,
    disable_version_flag = true
)]
struct Cli {
    #[command(subcommand)]
    command: CliCommand,
}

#[derive(Debug, Subcommand)]
enum CliCommand {
    #[command(override_help = USAGE)]
    Package(PackageArgs),
    #[command(override_help = USAGE)]
    Deploy(DeployOptions),
}

/// `deploy` as typed; [`DeployOptions::into_args`] checks what spans options.
#[derive(Debug, Args)]
struct DeployOptions {
    #[command(flatten)]
    aws: AwsArgs,
    #[arg(long, default_value = ".")]
    root: PathBuf,
    #[arg(long)]
    manifest: Option<PathBuf>,
    #[arg(long, default_value = "studio-catalog-core", value_parser = NonEmptyStringValueParser::new())]
    core_stack_name: String,
    #[arg(long, default_value = "studio-catalog-portfolio", value_parser = NonEmptyStringValueParser::new())]
    portfolio_stack_name: String,
    #[arg(long)]
    skip_portfolio: bool,
    #[arg(long = "core-parameter", value_name = "K=V", value_parser = key_value)]
    core_parameters: Vec<(String, String)>,
    #[arg(long = "portfolio-parameter", value_name = "K=V", value_parser = key_value)]
    portfolio_parameters: Vec<(String, String)>,
    #[arg(long = "poll-seconds", value_name = "N", default_value = "5", value_parser = poll_seconds,
          allow_negative_numbers = true)]
    poll_seconds: f64,
    #[arg(long = "timeout-minutes", value_name = "N", default_value = "60", value_parser = positive_number,
          allow_negative_numbers = true)]
    timeout_minutes: f64,
    #[arg(long = "share-organizational-unit", value_name = "OU", value_parser = organizational_unit)]
    organizational_units: Vec<OrganizationNode>,
    #[arg(long = "share-organization", value_name = "ORG", value_parser = organization)]
    organizations: Vec<OrganizationNode>,
}

impl DeployOptions {
    fn into_args(self) -> Result<DeployArgs, Error> {
        let mut share_with: Vec<OrganizationNode> = Vec::new();
        for node in self.organizational_units {
            if !share_with.contains(&node) {
                share_with.push(node);
            }
        }
        let mut organizations = self.organizations.into_iter();
        let organization = organizations.next();
        if organizations.any(|other| Some(&other) != organization.as_ref()) {
            return Err(usage_error(
                ErrorKind::ArgumentConflict,
                "--share-organization: an account belongs to one organization: give it once",
            ));
        }
        share_with.extend(organization);
        if self.skip_portfolio && !share_with.is_empty() {
            return Err(usage_error(
                ErrorKind::ArgumentConflict,
                "--skip-portfolio: sharing needs the portfolio stack: drop \
                 --share-organizational-unit / --share-organization, or deploy the portfolio",
            ));
        }
        Ok(DeployArgs {
            aws: self.aws,
            root: self.root,
            manifest: self.manifest,
            core_stack_name: self.core_stack_name,
            portfolio_stack_name: (!self.skip_portfolio).then_some(self.portfolio_stack_name),
            core_parameters: self.core_parameters,
            portfolio_parameters: self.portfolio_parameters,
            poll_interval: Duration::from_secs_f64(self.poll_seconds),
            timeout: Duration::from_secs_f64(self.timeout_minutes * 60.0),
            share_with,
        })
    }
}

/// A usage error as clap words and exits with it (status 2).
fn usage_error(kind: ErrorKind, message: &str) -> Error {
    Cli::command().error(kind, message)
}

fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("{text:?} is not KEY=VALUE")),
    }
}

fn positive_number(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n > 0.0)
        .ok_or_else(|| format!("{text:?} is not a positive number"))
}

/// The shortest pause between two polls of a stack (or a share): at most one describe call per
/// second per stack, the figure issue #12 sets; each poll is one call (see `deploy::deploy_stack`).
pub const MIN_POLL_SECONDS: f64 = 1.0;

fn poll_seconds(text: &str) -> Result<f64, String> {
    let seconds = positive_number(text)?;
    if seconds < MIN_POLL_SECONDS {
        return Err(format!(
            "{text:?}: at least {MIN_POLL_SECONDS} (one describe call per second per stack at most)"
        ));
    }
    Ok(seconds)
}

fn organizational_unit(id: &str) -> Result<OrganizationNode, InvalidNodeId> {
    OrganizationNode::organizational_unit(id)
}

fn organization(id: &str) -> Result<OrganizationNode, InvalidNodeId> {
    OrganizationNode::organization(id)
}

/// Parses the arguments after the program name. `Err` is a usage error (exit status 2) or the
/// help (`-h`, `--help` or `help` anywhere; exit status 0): [`Error::exit`] prints either where
/// it belongs (stderr, stdout) and exits with its status.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, Error> {
    let args: Vec<String> = args.into_iter().collect();
    // The help wins anywhere, even after a mistake, as the hand-written parser had it.
    if args.first().is_some_and(|a| a == "help") || args.iter().any(|a| a == "-h" || a == "--help")
    {
        return Err(Cli::command()
            .try_get_matches_from(["studio-catalog-deploy", "--help"])
            .expect_err("--help is clap's DisplayHelp"));
    }
    let cli = Cli::try_parse_from(std::iter::once("studio-catalog-deploy".to_owned()).chain(args))?;
    match cli.command {
        CliCommand::Package(args) => Ok(Command::Package(args)),
        CliCommand::Deploy(options) => options.into_args().map(Command::Deploy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    /// The usage error `line` makes: its kind and what it prints; its exit status is 2.
    fn refused(line: &str) -> (ErrorKind, String) {
        let error = parse(args(line)).expect_err(line);
        assert_eq!(error.exit_code(), 2, "{line}: {error}");
        (error.kind(), error.to_string())
    }

    #[test]
    fn package_takes_its_options_in_both_spellings() {
        let Command::Package(parsed) = parse(args(
            "package --bucket b --prefix=p --version 1.0 --skip-build --create-bucket \
             --lambda-dir d --manifest m.json --region eu-west-1 --endpoint-url=http://x:1 \
             --name-prefix=acme",
        ))
        .unwrap() else {
            panic!()
        };

        assert_eq!(parsed.bucket, "b");
        assert_eq!(parsed.prefix, "p");
        assert_eq!(parsed.version.as_deref(), Some("1.0"));
        assert_eq!(parsed.name_prefix.as_deref(), Some("acme"));
        assert!(parsed.skip_build && parsed.create_bucket);
        assert_eq!(parsed.lambda_dir, Some(PathBuf::from("d")));
        assert_eq!(parsed.from_binaries, None);
        assert_eq!(parsed.manifest, Some(PathBuf::from("m.json")));
        assert_eq!(parsed.aws.region.as_deref(), Some("eu-west-1"));
        assert_eq!(parsed.aws.endpoint_url.as_deref(), Some("http://x:1"));
    }

    #[test]
    fn package_defaults_are_the_documented_ones() {
        let Command::Package(parsed) = parse(args("package --bucket b")).unwrap() else {
            panic!()
        };

        assert_eq!(parsed.prefix, "studio-catalog");
        assert_eq!(parsed.root, PathBuf::from("."));
        assert_eq!(
            (parsed.version, parsed.lambda_dir, parsed.manifest),
            (None, None, None)
        );
        // core.yaml's NamePrefix default, read by `package` from the template
        assert_eq!(parsed.name_prefix, None);
        assert!(!parsed.skip_build && !parsed.create_bucket);
        assert_eq!(parsed.from_binaries, None);
        assert_eq!(parsed.aws, AwsArgs::default());
    }

    #[test]
    fn from_binaries_takes_a_directory_or_defaults_to_cargo_s() {
        let Command::Package(given) =
            parse(args("package --bucket b --from-binaries out/bin")).unwrap()
        else {
            panic!()
        };
        let Command::Package(default) = parse(args("package --from-binaries --bucket b")).unwrap()
        else {
            panic!()
        };

        assert_eq!(given.from_binaries, Some(Some(PathBuf::from("out/bin"))));
        assert_eq!(default.from_binaries, Some(None));
        assert_eq!(default.bucket, "b");
    }

    #[test]
    fn from_binaries_and_lambda_dir_exclude_each_other() {
        let (kind, message) = refused("package --bucket b --from-binaries --lambda-dir d");

        assert_eq!(kind, ErrorKind::ArgumentConflict);
        assert!(message.contains("--lambda-dir"), "{message}");
    }

    #[test]
    fn polls_closer_than_a_second_are_refused() {
        let (kind, message) = refused("deploy --poll-seconds 0.5");

        assert_eq!(kind, ErrorKind::ValueValidation);
        assert!(message.contains("at least 1"), "{message}");
    }

    #[test]
    fn package_needs_a_bucket() {
        let (kind, message) = refused("package --skip-build");

        assert_eq!(kind, ErrorKind::MissingRequiredArgument);
        assert!(message.contains("--bucket"), "{message}");
    }

    #[test]
    fn deploy_collects_repeated_parameters_and_can_skip_the_portfolio() {
        let Command::Deploy(parsed) = parse(args(
            "deploy --core-parameter LogLevel=DEBUG --core-parameter CleanupDryRun=true \
             --portfolio-parameter CloudAdminRoleArn=arn:aws:iam::1:role/a=b \
             --skip-portfolio --poll-seconds 1.5 --timeout-minutes 2",
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
        assert_eq!(parsed.poll_interval, Duration::from_millis(1500));
        assert_eq!(parsed.timeout, Duration::from_secs(120));
        assert_eq!(parsed.core_stack_name, "studio-catalog-core");
    }

    #[test]
    fn deploy_defaults_are_the_documented_ones() {
        let Command::Deploy(parsed) = parse(args("deploy")).unwrap() else {
            panic!()
        };

        assert_eq!(parsed.core_stack_name, "studio-catalog-core");
        assert_eq!(
            parsed.portfolio_stack_name.as_deref(),
            Some("studio-catalog-portfolio")
        );
        assert_eq!(parsed.poll_interval, Duration::from_secs(5));
        assert_eq!(parsed.timeout, Duration::from_secs(60 * 60));
        assert_eq!(parsed.root, PathBuf::from("."));
        assert!(parsed.manifest.is_none() && parsed.share_with.is_empty());
    }

    #[test]
    fn mistakes_are_named() {
        // No command: the usage text, on stderr, with status 2.
        let (kind, message) = refused("");
        assert_eq!(kind, ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand);
        assert_eq!(message.trim_end(), USAGE.trim_end());
        let (kind, message) = refused("publish");
        assert_eq!(kind, ErrorKind::InvalidSubcommand);
        assert!(message.contains("publish"), "{message}");
        let (kind, message) = refused("deploy --bucket b");
        assert_eq!(kind, ErrorKind::UnknownArgument);
        assert!(message.contains("--bucket"), "{message}");
        let (kind, message) = refused("deploy --core-parameter");
        assert_eq!(kind, ErrorKind::InvalidValue);
        assert!(message.contains("--core-parameter"), "{message}");
        let (kind, message) = refused("deploy --core-parameter novalue");
        assert_eq!(kind, ErrorKind::ValueValidation);
        assert!(
            message.contains("\"novalue\" is not KEY=VALUE"),
            "{message}"
        );
        let (kind, message) = refused("deploy --poll-seconds -1");
        assert_eq!(kind, ErrorKind::ValueValidation);
        assert!(
            message.contains("\"-1\" is not a positive number"),
            "{message}"
        );
        let (_, message) = refused("package --bucket b --skip-build=yes");
        assert!(message.contains("--skip-build"), "{message}");
        let (_, message) = refused("package --bucket=");
        assert!(message.contains("--bucket"), "{message}");
    }

    #[test]
    fn deploy_collects_the_organization_nodes_to_share_with() {
        let Command::Deploy(parsed) = parse(args(
            "deploy --share-organizational-unit ou-ab12-cdef3456 --share-organization=o-abcdef1234 \
             --share-organizational-unit=ou-ab12-99999999 --share-organizational-unit ou-ab12-cdef3456 \
             --share-organization o-abcdef1234",
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
        let (kind, message) = refused("deploy --share-organizational-unit ou-123");
        assert_eq!(kind, ErrorKind::ValueValidation);
        assert!(message.contains("--share-organizational-unit"), "{message}");
        assert!(
            message.contains("ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}"),
            "{message}"
        );
        let (_, message) = refused("deploy --share-organization ou-ab12-cdef3456");
        assert!(message.contains("o-[a-z0-9]{10,32}"), "{message}");
        let (kind, message) =
            refused("deploy --share-organization o-abcdef1234 --share-organization o-bbbbbbbbbb");
        assert_eq!(kind, ErrorKind::ArgumentConflict);
        assert!(message.contains("one organization"), "{message}");
        let (kind, message) = refused("deploy --skip-portfolio --share-organization o-abcdef1234");
        assert_eq!(kind, ErrorKind::ArgumentConflict);
        assert!(
            message.contains("sharing needs the portfolio stack"),
            "{message}"
        );
    }

    #[test]
    fn help_wins_anywhere_and_is_the_usage_text() {
        for line in [
            "--help",
            "-h",
            "help",
            "deploy --region x -h",
            "package --help",
            "deploy --bogus -h",
        ] {
            let help = parse(args(line)).expect_err(line);
            assert_eq!(help.kind(), ErrorKind::DisplayHelp, "{line}");
            assert_eq!(help.exit_code(), 0, "{line}");
            assert_eq!(
                help.render().to_string().trim_end(),
                USAGE.trim_end(),
                "{line}"
            );
        }
    }

    #[test]
    fn the_usage_text_names_every_option_clap_accepts() {
        for command in Cli::command().get_subcommands() {
            for arg in command.get_arguments() {
                let Some(long) = arg.get_long() else { continue };
                if long == "help" {
                    continue;
                }
                assert!(
                    USAGE.contains(&format!("--{long} ")) || USAGE.contains(&format!("--{long}\n")),
                    "{} --{long} is not in USAGE",
                    command.get_name()
                );
            }
        }
    }
}
