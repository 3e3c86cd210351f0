//! The command line: `package` and `deploy`, parsed with `clap` (derive). The help is the
//! hand-written [`USAGE`] (for `-h`, `--help` and `help`, anywhere on the line); a line clap
//! cannot understand, or a value that is not valid, is a usage error: exit status 2.

use std::{path::PathBuf, time::Duration};

use clap::{
    Args, CommandFactory, Parser, Subcommand,
    builder::NonEmptyStringValueParser,
    error::{Error, ErrorKind},
};

use crate::{
    org_rollout::{Amount, CallAs, ConcurrencyMode, RegionConcurrency},
    share::{InvalidNodeId, OrganizationNode},
};

/// Usage text.
pub const USAGE: &str = "\
studio-catalog-deploy: stage and deploy the studio-catalog suite

USAGE:
  studio-catalog-deploy package --bucket BUCKET [options]
  studio-catalog-deploy deploy [options]
  studio-catalog-deploy org-rollout --organizational-unit OU [--organizational-unit OU ...] [options]
  studio-catalog-deploy org-rollout --delete [options]

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

org-rollout: from the management account (or a delegated administrator of StackSets), rolls the
suite out to AWS Organizations OUs: per target region an organisation stack NAMEPREFIX-organization
(templates/organization.yaml: the region's artefact bucket, readable by the organisation only; in
the hub region the organisation's event bus, log group and dashboard) and the zips copied to that
bucket (Lambda reads code only from its own region); then a SERVICE_MANAGED StackSet of the staged
core.yaml (auto-deployment on) with instances for the OUs in each region, progress per stack
instance and the failed instances with their reasons; then the portfolio stack, shared with the
OUs, and which member accounts have accepted the share. Exits 1 if an operation failed or a
targeted instance is not CURRENT (saying whether within the failure tolerance). Activates
StackSets' trusted access with Organizations if it is off. Each target region's artefact bucket
is BUCKET-R (BUCKET: the packaged bucket; the first region too). The StackSet's parameters are
the same in every region, no per-region overrides (CodeBucket=BUCKET, CodeBucketPerRegion=true,
AccountWideResources=<first target region>), so an account that joins an OU later is right in
every region by auto-deployment alone.
  --organizational-unit OU  target OU (ou-xxxx-yyyyyyyy or r-xxxx; repeatable; required unless --delete)
  --target-region R         a region to roll out to (repeatable; the order is the region order, the
                            first creates the account-wide IAM resources; default: --region's)
  --hub-region R            the region of the organisation's event bus and dashboard (default: the
                            first target region; must be a target region)
  --stack-set-name NAME     default NAMEPREFIX-member
  --call-as SELF|DELEGATED_ADMIN
                            default SELF in the management account, DELEGATED_ADMIN elsewhere
  --retain-stacks-on-account-removal true|false
                            default true: an account that leaves the OUs keeps its core stack, so
                            the products launched there can still be updated or terminated
  --failure-tolerance-count N       failed accounts tolerated per region (default 0)
  --failure-tolerance-percentage P  or a percentage of a region's accounts
  --max-concurrent-count N          accounts deployed at once per region
  --max-concurrent-percentage P     or a percentage (default 25: a quarter of a region at most;
                            with the default tolerance 0, STRICT_FAILURE_TOLERANCE still runs one
                            account at a time -- raise the tolerance to go faster)
  --region-concurrency SEQUENTIAL|PARALLEL  default SEQUENTIAL
  --concurrency-mode STRICT_FAILURE_TOLERANCE|SOFT_FAILURE_TOLERANCE
                            default STRICT_FAILURE_TOLERANCE
  --core-parameter K=V      a StackSet parameter (repeatable; not CodeBucket, CodeBucketPerRegion,
                            AccountWideResources, OrganizationEventBusArn: org-rollout sets them)
  --portfolio-stack-name N  default studio-catalog-portfolio
  --portfolio-parameter K=V a portfolio parameter (repeatable)
  --skip-portfolio          no portfolio stack and no share
  --report-calls            at the end, the AWS API calls made, per operation
  --delete                  remove every stack instance (RetainStacks false), then the StackSet;
                            says first what it removes and what it leaves (the organisation stacks
                            and buckets, the portfolio, and every Studio resource and SC-* product
                            stack of the member accounts)
  --manifest FILE, --poll-seconds N, --timeout-minutes N (per stack, share or operation), --root DIR
                            as for deploy

Every command:
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
    /// `org-rollout`.
    OrgRollout(Box<OrgRolloutArgs>),
}

/// `org-rollout` options, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgRolloutArgs {
    /// AWS options.
    pub aws: AwsArgs,
    /// The workspace root.
    pub root: PathBuf,
    /// `None`: [`default_manifest`].
    pub manifest: Option<PathBuf>,
    /// The target OUs, each once.
    pub organizational_units: Vec<String>,
    /// The target regions, in order (empty: the client's).
    pub target_regions: Vec<String>,
    /// `None`: the first target region.
    pub hub_region: Option<String>,
    /// `None`: `<NamePrefix>-member`.
    pub stack_set_name: Option<String>,
    /// `None`: by the caller's account.
    pub call_as: Option<CallAs>,
    /// `AutoDeployment.RetainStacksOnAccountRemoval`.
    pub retain_stacks_on_account_removal: bool,
    /// Per region failure tolerance.
    pub failure_tolerance: Amount,
    /// Per region concurrency.
    pub max_concurrent: Amount,
    /// `RegionConcurrencyType`.
    pub region_concurrency: RegionConcurrency,
    /// `ConcurrencyMode`.
    pub concurrency_mode: ConcurrencyMode,
    /// StackSet parameters.
    pub core_parameters: Vec<(String, String)>,
    /// `None`: `--skip-portfolio`.
    pub portfolio_stack_name: Option<String>,
    /// Portfolio parameters.
    pub portfolio_parameters: Vec<(String, String)>,
    /// Print the API calls at the end.
    pub report_calls: bool,
    /// `--delete`.
    pub delete: bool,
    /// The pause between polls.
    pub poll_interval: Duration,
    /// The limit per stack, share or operation.
    pub timeout: Duration,
}

/// The core parameters `org-rollout` sets itself.
pub const ROLLOUT_CORE_PARAMETERS: [&str; 4] = [
    "CodeBucket",
    "CodeBucketPerRegion",
    "AccountWideResources",
    "OrganizationEventBusArn",
];

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
    #[command(override_help = USAGE)]
    OrgRollout(OrgRolloutOptions),
}

/// `org-rollout` as typed; [`OrgRolloutOptions::into_args`] checks what spans options.
#[derive(Debug, Args)]
struct OrgRolloutOptions {
    #[command(flatten)]
    aws: AwsArgs,
    #[arg(long, default_value = ".")]
    root: PathBuf,
    #[arg(long)]
    manifest: Option<PathBuf>,
    #[arg(long = "organizational-unit", value_name = "OU", value_parser = target_ou)]
    organizational_units: Vec<String>,
    #[arg(long = "target-region", value_name = "R", value_parser = region_name)]
    target_regions: Vec<String>,
    #[arg(long = "hub-region", value_name = "R", value_parser = region_name)]
    hub_region: Option<String>,
    #[arg(long, value_parser = NonEmptyStringValueParser::new())]
    stack_set_name: Option<String>,
    #[arg(long = "call-as", value_parser = call_as)]
    call_as: Option<CallAs>,
    #[arg(long = "retain-stacks-on-account-removal", value_name = "true|false",
          default_value = "true", value_parser = true_or_false, action = clap::ArgAction::Set)]
    retain_stacks_on_account_removal: bool,
    #[arg(
        long = "failure-tolerance-count",
        value_name = "N",
        conflicts_with = "failure_tolerance_percentage"
    )]
    failure_tolerance_count: Option<u32>,
    #[arg(long = "failure-tolerance-percentage", value_name = "P", value_parser = percentage)]
    failure_tolerance_percentage: Option<u32>,
    #[arg(long = "max-concurrent-count", value_name = "N", conflicts_with = "max_concurrent_percentage",
          value_parser = clap::value_parser!(u32).range(1..))]
    max_concurrent_count: Option<u32>,
    #[arg(long = "max-concurrent-percentage", value_name = "P", value_parser = percentage_from_one)]
    max_concurrent_percentage: Option<u32>,
    #[arg(long = "region-concurrency", default_value = "SEQUENTIAL", value_parser = region_concurrency)]
    region_concurrency: RegionConcurrency,
    #[arg(long = "concurrency-mode", default_value = "STRICT_FAILURE_TOLERANCE", value_parser = concurrency_mode)]
    concurrency_mode: ConcurrencyMode,
    #[arg(long = "core-parameter", value_name = "K=V", value_parser = key_value)]
    core_parameters: Vec<(String, String)>,
    #[arg(long, default_value = "studio-catalog-portfolio", value_parser = NonEmptyStringValueParser::new())]
    portfolio_stack_name: String,
    #[arg(long = "portfolio-parameter", value_name = "K=V", value_parser = key_value)]
    portfolio_parameters: Vec<(String, String)>,
    #[arg(long)]
    skip_portfolio: bool,
    #[arg(long)]
    report_calls: bool,
    #[arg(long)]
    delete: bool,
    #[arg(long = "poll-seconds", value_name = "N", default_value = "5", value_parser = poll_seconds,
          allow_negative_numbers = true)]
    poll_seconds: f64,
    #[arg(long = "timeout-minutes", value_name = "N", default_value = "60", value_parser = positive_number,
          allow_negative_numbers = true)]
    timeout_minutes: f64,
}

impl OrgRolloutOptions {
    fn into_args(self) -> Result<OrgRolloutArgs, Error> {
        let mut ous: Vec<String> = Vec::new();
        for ou in self.organizational_units {
            if !ous.contains(&ou) {
                ous.push(ou);
            }
        }
        if ous.is_empty() && !self.delete {
            return Err(usage_error(
                ErrorKind::MissingRequiredArgument,
                "org-rollout needs --organizational-unit OU (repeatable), or --delete",
            ));
        }
        let mut regions: Vec<String> = Vec::new();
        for region in self.target_regions {
            if regions.contains(&region) {
                return Err(usage_error(
                    ErrorKind::ArgumentConflict,
                    &format!(
                        "--target-region {region} is given twice: the order is the region order"
                    ),
                ));
            }
            regions.push(region);
        }
        if let Some(hub) = &self.hub_region
            && !regions.is_empty()
            && !regions.contains(hub)
        {
            return Err(usage_error(
                ErrorKind::ArgumentConflict,
                &format!("--hub-region {hub} is not a --target-region: the hub is one of them"),
            ));
        }
        if let Some((key, _)) = self
            .core_parameters
            .iter()
            .find(|(key, _)| ROLLOUT_CORE_PARAMETERS.contains(&key.as_str()))
        {
            return Err(usage_error(
                ErrorKind::ArgumentConflict,
                &format!(
                    "--core-parameter {key}: org-rollout sets it (the packaged bucket, regional \
                     buckets, the first target region, the hub's event bus)"
                ),
            ));
        }
        Ok(OrgRolloutArgs {
            aws: self.aws,
            root: self.root,
            manifest: self.manifest,
            organizational_units: ous,
            target_regions: regions,
            hub_region: self.hub_region,
            stack_set_name: self.stack_set_name,
            call_as: self.call_as,
            retain_stacks_on_account_removal: self.retain_stacks_on_account_removal,
            failure_tolerance: match self.failure_tolerance_percentage {
                Some(p) => Amount::Percentage(p),
                None => Amount::Count(self.failure_tolerance_count.unwrap_or(0)),
            },
            max_concurrent: match self.max_concurrent_count {
                Some(n) => Amount::Count(n),
                None => Amount::Percentage(self.max_concurrent_percentage.unwrap_or(25)),
            },
            region_concurrency: self.region_concurrency,
            concurrency_mode: self.concurrency_mode,
            core_parameters: self.core_parameters,
            portfolio_stack_name: (!self.skip_portfolio).then_some(self.portfolio_stack_name),
            portfolio_parameters: self.portfolio_parameters,
            report_calls: self.report_calls,
            delete: self.delete,
            poll_interval: Duration::from_secs_f64(self.poll_seconds),
            timeout: Duration::from_secs_f64(self.timeout_minutes * 60.0),
        })
    }
}

/// A StackSets OU target: an OU id or the root (`r-…`), the API model's pattern.
fn target_ou(id: &str) -> Result<String, String> {
    let valid = match id.strip_prefix("r-") {
        Some(root) => {
            (4..=32).contains(&root.len())
                && root
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        }
        None => OrganizationNode::organizational_unit(id).is_ok(),
    };
    if valid {
        Ok(id.to_owned())
    } else {
        Err(format!(
            "{id:?} is not an organizational unit id (ou-[0-9a-z]{{4,32}}-[a-z0-9]{{8,32}}) or a \
             root id (r-[0-9a-z]{{4,32}})"
        ))
    }
}

fn region_name(text: &str) -> Result<String, String> {
    let parts: Vec<&str> = text.split('-').collect();
    let valid = parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok();
    if valid {
        Ok(text.to_owned())
    } else {
        Err(format!("{text:?} is not a region name such as eu-west-1"))
    }
}

fn call_as(text: &str) -> Result<CallAs, String> {
    match text {
        "SELF" => Ok(CallAs::SelfAccount),
        "DELEGATED_ADMIN" => Ok(CallAs::DelegatedAdmin),
        _ => Err(format!("{text:?}: SELF or DELEGATED_ADMIN")),
    }
}

fn true_or_false(text: &str) -> Result<bool, String> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("{text:?}: true or false")),
    }
}

fn percentage(text: &str) -> Result<u32, String> {
    text.parse::<u32>()
        .ok()
        .filter(|p| *p <= 100)
        .ok_or_else(|| format!("{text:?} is not a percentage from 0 to 100"))
}

fn percentage_from_one(text: &str) -> Result<u32, String> {
    Some(percentage(text)?)
        .filter(|p| *p >= 1)
        .ok_or_else(|| format!("{text:?} is not a percentage from 1 to 100"))
}

fn region_concurrency(text: &str) -> Result<RegionConcurrency, String> {
    match text {
        "SEQUENTIAL" => Ok(RegionConcurrency::Sequential),
        "PARALLEL" => Ok(RegionConcurrency::Parallel),
        _ => Err(format!("{text:?}: SEQUENTIAL or PARALLEL")),
    }
}

fn concurrency_mode(text: &str) -> Result<ConcurrencyMode, String> {
    match text {
        "STRICT_FAILURE_TOLERANCE" => Ok(ConcurrencyMode::StrictFailureTolerance),
        "SOFT_FAILURE_TOLERANCE" => Ok(ConcurrencyMode::SoftFailureTolerance),
        _ => Err(format!(
            "{text:?}: STRICT_FAILURE_TOLERANCE or SOFT_FAILURE_TOLERANCE"
        )),
    }
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
        CliCommand::OrgRollout(options) => options
            .into_args()
            .map(|args| Command::OrgRollout(Box::new(args))),
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

    fn org_rollout(line: &str) -> OrgRolloutArgs {
        let Command::OrgRollout(parsed) = parse(args(line)).unwrap() else {
            panic!("{line}")
        };
        *parsed
    }

    #[test]
    fn org_rollout_defaults_are_the_documented_safe_ones() {
        let parsed = org_rollout("org-rollout --organizational-unit ou-ab12-cdef3456");

        assert_eq!(parsed.organizational_units, ["ou-ab12-cdef3456"]);
        assert!(parsed.target_regions.is_empty() && parsed.hub_region.is_none());
        assert!(parsed.retain_stacks_on_account_removal);
        assert_eq!(parsed.failure_tolerance, Amount::Count(0));
        assert_eq!(parsed.max_concurrent, Amount::Percentage(25));
        assert_eq!(parsed.region_concurrency, RegionConcurrency::Sequential);
        assert_eq!(
            parsed.concurrency_mode,
            ConcurrencyMode::StrictFailureTolerance
        );
        assert_eq!(parsed.call_as, None);
        assert_eq!(
            parsed.portfolio_stack_name.as_deref(),
            Some("studio-catalog-portfolio")
        );
        assert!(!parsed.delete && !parsed.report_calls);
    }

    #[test]
    fn org_rollout_takes_regions_in_order_and_its_preferences() {
        let parsed = org_rollout(
            "org-rollout --organizational-unit ou-ab12-cdef3456 --organizational-unit r-ab12 \
             --target-region eu-west-1 --target-region us-east-1 --hub-region us-east-1 \
             --call-as DELEGATED_ADMIN \
             --retain-stacks-on-account-removal false --failure-tolerance-percentage 10 \
             --max-concurrent-count 3 --region-concurrency PARALLEL \
             --concurrency-mode SOFT_FAILURE_TOLERANCE --skip-portfolio --report-calls",
        );

        assert_eq!(parsed.organizational_units, ["ou-ab12-cdef3456", "r-ab12"]);
        assert_eq!(parsed.target_regions, ["eu-west-1", "us-east-1"]);
        assert_eq!(parsed.hub_region.as_deref(), Some("us-east-1"));
        assert_eq!(parsed.call_as, Some(CallAs::DelegatedAdmin));
        assert!(!parsed.retain_stacks_on_account_removal);
        assert_eq!(parsed.failure_tolerance, Amount::Percentage(10));
        assert_eq!(parsed.max_concurrent, Amount::Count(3));
        assert_eq!(parsed.region_concurrency, RegionConcurrency::Parallel);
        assert_eq!(parsed.portfolio_stack_name, None);
        assert!(parsed.report_calls);
    }

    #[test]
    fn org_rollout_mistakes_are_refused_before_any_call() {
        let (kind, message) = refused("org-rollout");
        assert_eq!(kind, ErrorKind::MissingRequiredArgument);
        assert!(message.contains("--organizational-unit"), "{message}");
        assert!(matches!(
            parse(args("org-rollout --delete")),
            Ok(Command::OrgRollout(_))
        ));
        let (_, message) = refused("org-rollout --organizational-unit ou-1");
        assert!(message.contains("root id (r-"), "{message}");
        let (kind, message) = refused(
            "org-rollout --organizational-unit ou-ab12-cdef3456 --target-region us-east-1 \
             --hub-region eu-west-1",
        );
        assert_eq!(kind, ErrorKind::ArgumentConflict);
        assert!(message.contains("not a --target-region"), "{message}");
        let (_, message) = refused(
            "org-rollout --organizational-unit ou-ab12-cdef3456 --target-region us-east-1 \
             --target-region us-east-1",
        );
        assert!(message.contains("given twice"), "{message}");
        for key in ROLLOUT_CORE_PARAMETERS {
            let (_, message) = refused(&format!(
                "org-rollout --organizational-unit ou-ab12-cdef3456 --core-parameter {key}=x"
            ));
            assert!(message.contains("org-rollout sets it"), "{key}: {message}");
        }
        let (_, message) = refused(
            "org-rollout --organizational-unit ou-ab12-cdef3456 --failure-tolerance-count 1 \
             --failure-tolerance-percentage 10",
        );
        assert!(message.contains("--failure-tolerance"), "{message}");
        let (_, message) = refused(
            "org-rollout --organizational-unit ou-ab12-cdef3456 --max-concurrent-percentage 0",
        );
        assert!(message.contains("from 1 to 100"), "{message}");
        let (_, message) =
            refused("org-rollout --organizational-unit ou-ab12-cdef3456 --target-region Europe");
        assert!(message.contains("region name"), "{message}");
    }
}
