//! `org-rollout` on the AWS SDK: the clients of each region (with the call counter), the
//! organisation and the caller, the regional artefact buckets and their copies of the zips;
//! the StackSet logic is [`crate::org_rollout`], the stacks [`crate::deploy`], the shares
//! [`crate::share`].

use std::io::Write;

use aws_sdk_cloudformation::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::{
    Error,
    calls::CallCounter,
    cli::{OrgRolloutArgs, default_manifest},
    deploy::{
        self, DeployError, DeploySettings, ParameterValue, StackRequest, Stacks, deploy_stack,
    },
    org_rollout::{
        self, CallAs, MemberRollout, OperationIds, OperationPreferences, RolloutError,
        StackSetRequest, StackSets,
    },
    package::{NAME_PREFIX_PARAMETER, ORGANIZATION_TEMPLATE, PackageManifest},
    report::{DeployReporter, TextReporter},
    share::{self, OrganizationNode, ShareError},
};

/// The AWS clients of a rollout: one SDK configuration, a client per service and region.
struct Clients {
    config: aws_config::SdkConfig,
    counter: Option<CallCounter>,
}

macro_rules! client_of {
    ($self:ident, $sdk:ident, $region:expr) => {{
        let mut builder = $sdk::config::Builder::from(&$self.config)
            .region(aws_config::Region::new($region.to_owned()));
        if let Some(counter) = &$self.counter {
            builder = builder.interceptor(counter.clone());
        }
        builder
    }};
}

impl Clients {
    fn home(&self) -> String {
        self.config
            .region()
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    fn cloudformation(&self, region: &str) -> aws_sdk_cloudformation::Client {
        aws_sdk_cloudformation::Client::from_conf(
            client_of!(self, aws_sdk_cloudformation, region).build(),
        )
    }

    fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            client_of!(self, aws_sdk_s3, region)
                .force_path_style(self.config.endpoint_url().is_some())
                .build(),
        )
    }

    fn servicecatalog(&self) -> aws_sdk_servicecatalog::Client {
        aws_sdk_servicecatalog::Client::from_conf(
            client_of!(self, aws_sdk_servicecatalog, self.home()).build(),
        )
    }

    fn organizations(&self) -> aws_sdk_organizations::Client {
        aws_sdk_organizations::Client::from_conf(
            client_of!(self, aws_sdk_organizations, self.home()).build(),
        )
    }

    fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::from_conf(client_of!(self, aws_sdk_sts, self.home()).build())
    }
}

fn call_error<E, R>(operation: &'static str, error: &SdkError<E, R>) -> RolloutError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    RolloutError::Call {
        operation,
        code: error.code().map(str::to_owned),
        message: error
            .message()
            .map_or_else(|| DisplayErrorContext(error).to_string(), str::to_owned),
    }
}

/// The organisation's id and management account, and the caller's account.
async fn organization(clients: &Clients) -> Result<(String, String, String), RolloutError> {
    let described = match clients.organizations().describe_organization().send().await {
        Ok(output) => output,
        Err(error) if error.code() == Some("AWSOrganizationsNotInUseException") => {
            return Err(RolloutError::NoOrganization);
        }
        Err(error) => return Err(call_error("organizations:DescribeOrganization", &error)),
    };
    let organization = described.organization();
    let id = organization
        .and_then(|o| o.id())
        .unwrap_or_default()
        .to_owned();
    let management = organization
        .and_then(|o| o.master_account_id())
        .unwrap_or_default()
        .to_owned();
    let caller = clients
        .sts()
        .get_caller_identity()
        .send()
        .await
        .map_err(|error| call_error("sts:GetCallerIdentity", &error))?
        .account()
        .unwrap_or_default()
        .to_owned();
    Ok((id, management, caller))
}

/// The artefact bucket of `region`: `<packaged bucket>-<region>` in every target region (the
/// packaged bucket's own region too), the name core.yaml reads with `CodeBucketPerRegion=true`
/// -- one rule, so that one StackSet parameter serves every region.
fn regional_bucket(manifest: &PackageManifest, region: &str) -> String {
    format!("{}-{region}", manifest.bucket)
}

/// Copies the zips into `bucket` (same keys), skipping those already there with the same size
/// and ETag; returns (copied, unchanged).
async fn copy_zips(
    source: &aws_sdk_s3::Client,
    target: &aws_sdk_s3::Client,
    manifest: &PackageManifest,
    bucket: &str,
) -> Result<(usize, usize), RolloutError> {
    let (mut copied, mut unchanged) = (0, 0);
    for key in manifest.function_keys.values() {
        let original = source
            .head_object()
            .bucket(&manifest.bucket)
            .key(key)
            .send()
            .await
            .map_err(|error| call_error("s3:HeadObject", &error))?;
        let present = target.head_object().bucket(bucket).key(key).send().await;
        if let Ok(present) = present
            && present.content_length() == original.content_length()
            && present.e_tag() == original.e_tag()
        {
            unchanged += 1;
            continue;
        }
        // CopyObject to a bucket of another region: the request goes to the target's region,
        // x-amz-copy-source names the source (S3 API reference, CopyObject).
        target
            .copy_object()
            .copy_source(format!("{}/{key}", manifest.bucket))
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|error| call_error("s3:CopyObject", &error))?;
        copied += 1;
    }
    Ok((copied, unchanged))
}

/// Whether the organisation stack must create `bucket`: "false" for the packaged bucket, the
/// stack's own value when it exists, else whether the bucket is missing.
async fn create_bucket_value(
    cloudformation: &aws_sdk_cloudformation::Client,
    s3: &aws_sdk_s3::Client,
    stack: &str,
    bucket: &str,
) -> Result<&'static str, Error> {
    if let Some(state) = cloudformation
        .describe_stack(stack)
        .await
        .map_err(DeployError::from)?
        && let Some(value) = state.parameters.get("CreateArtifactBucket")
        && !state.status.starts_with("ROLLBACK")
    {
        return Ok(if value == "true" { "true" } else { "false" });
    }
    Ok(if s3.head_bucket().bucket(bucket).send().await.is_ok() {
        "false"
    } else {
        "true"
    })
}

fn value(key: &str, value: &str) -> ParameterValue {
    ParameterValue::Value {
        key: key.to_owned(),
        value: value.to_owned(),
    }
}

/// `org-rollout` (and `org-rollout --delete`), reported on `out`; with `--report-calls` the
/// API calls are listed at the end, also when it fails.
pub(crate) async fn run(
    args: &OrgRolloutArgs,
    config: aws_config::SdkConfig,
    out: &mut (dyn Write + Send),
    interactive: bool,
) -> Result<(), Error> {
    let path = args
        .manifest
        .clone()
        .unwrap_or_else(|| default_manifest(&args.root));
    let manifest = PackageManifest::read_from(&path)?;
    if config.region().is_none() {
        return Err(Error::NoRegion);
    }
    let clients = Clients {
        config,
        counter: args.report_calls.then(CallCounter::new),
    };
    let started = std::time::Instant::now();
    let result = {
        let mut reporter = TextReporter::new(&mut *out, interactive);
        if args.delete {
            delete(args, &manifest, &clients, &mut reporter).await
        } else {
            roll_out(args, &manifest, &clients, &mut reporter).await
        }
    };
    if let Some(counter) = &clients.counter {
        let _ = writeln!(
            out,
            "{}took {:.1}s",
            counter.summary(),
            started.elapsed().as_secs_f64()
        );
    }
    result
}

struct Plan {
    regions: Vec<String>,
    hub: String,
    stack_set: String,
    organization_stack: String,
    call_as: Option<CallAs>,
    preferences: OperationPreferences,
    settings: DeploySettings,
}

fn plan(args: &OrgRolloutArgs, manifest: &PackageManifest, clients: &Clients) -> Plan {
    let regions = if args.target_regions.is_empty() {
        vec![clients.home()]
    } else {
        args.target_regions.clone()
    };
    let hub = args
        .hub_region
        .clone()
        .unwrap_or_else(|| regions[0].clone());
    Plan {
        hub,
        stack_set: args
            .stack_set_name
            .clone()
            .unwrap_or_else(|| format!("{}-member", manifest.name_prefix)),
        organization_stack: format!("{}-organization", manifest.name_prefix),
        call_as: args.call_as,
        preferences: OperationPreferences {
            region_order: regions.clone(),
            region_concurrency: args.region_concurrency,
            failure_tolerance: args.failure_tolerance,
            max_concurrent: args.max_concurrent,
            concurrency_mode: args.concurrency_mode,
        },
        settings: DeploySettings {
            poll_interval: args.poll_interval,
            timeout: args.timeout,
        },
        regions,
    }
}

/// `CallAs`: given, else `SELF` in the management account and `DELEGATED_ADMIN` elsewhere.
async fn caller(
    plan: &Plan,
    clients: &Clients,
    reporter: &mut dyn DeployReporter,
) -> Result<(String, CallAs), RolloutError> {
    let (organization_id, management, caller) = organization(clients).await?;
    let call_as = plan.call_as.unwrap_or(if caller == management {
        CallAs::SelfAccount
    } else {
        CallAs::DelegatedAdmin
    });
    reporter.note(&format!(
        "organisation {organization_id} (management account {management}); caller {caller}: \
         StackSets calls as {}",
        call_as.as_str()
    ));
    Ok((organization_id, call_as))
}

async fn roll_out(
    args: &OrgRolloutArgs,
    manifest: &PackageManifest,
    clients: &Clients,
    reporter: &mut dyn DeployReporter,
) -> Result<(), Error> {
    let plan = plan(args, manifest, clients);
    if !plan.regions.contains(&plan.hub) {
        return Err(RolloutError::HubNotTargeted {
            hub: plan.hub,
            regions: plan.regions,
        }
        .into());
    }
    if let Some((_, given)) = args
        .core_parameters
        .iter()
        .find(|(key, value)| key == NAME_PREFIX_PARAMETER && *value != manifest.name_prefix)
    {
        return Err(DeployError::NamePrefixMismatch {
            parameter: NAME_PREFIX_PARAMETER,
            given: given.clone(),
            packaged: manifest.name_prefix.clone(),
        }
        .into());
    }
    let organization_url = manifest
        .organization_template_url()
        .ok_or(DeployError::NotPackaged(ORGANIZATION_TEMPLATE))?
        .to_owned();
    let core_url = manifest
        .core_template_url()
        .ok_or(DeployError::NotPackaged(crate::package::CORE_TEMPLATE))?
        .to_owned();
    let ous = args.organizational_units.join(", ");
    reporter.note(&format!(
        "org-rollout of version {} (NamePrefix {}) to {ous} in {} (region order; hub {}):",
        manifest.version,
        manifest.name_prefix,
        plan.regions.join(", "),
        plan.hub
    ));
    reporter.note(&format!(
        "  1. per region, stack {} (artefact bucket readable by the organisation; the event \
         bus and dashboard in {}) and the zips copied to that region's bucket",
        plan.organization_stack, plan.hub
    ));
    reporter.note(&format!(
        "  2. StackSet {} of core.yaml (SERVICE_MANAGED, auto-deployment on, \
         RetainStacksOnAccountRemoval {}; failure tolerance {} and at most {} at once per \
         region, {} regions, {})",
        plan.stack_set,
        args.retain_stacks_on_account_removal,
        plan.preferences.failure_tolerance,
        plan.preferences.max_concurrent,
        plan.preferences.region_concurrency.as_str(),
        plan.preferences.concurrency_mode.as_str()
    ));
    match &args.portfolio_stack_name {
        Some(name) => reporter.note(&format!(
            "  3. portfolio stack {name}, shared with {ous}; which accounts accepted"
        )),
        None => reporter.note("  3. no portfolio (--skip-portfolio)"),
    }

    let (organization_id, call_as) = caller(&plan, clients, reporter).await?;
    let home_cloudformation = clients.cloudformation(&clients.home());
    if !StackSets::organizations_access(&home_cloudformation, call_as)
        .await
        .map_err(RolloutError::from)?
    {
        reporter.note(
            "StackSets' trusted access with AWS Organizations is off: activating it \
             (ActivateOrganizationsAccess)",
        );
        StackSets::activate_organizations_access(&home_cloudformation, call_as)
            .await
            .map_err(RolloutError::from)?;
    } else {
        reporter.note("StackSets' trusted access with AWS Organizations is on");
    }

    let token = deploy::client_request_token();
    let source_s3 = clients.s3(&manifest.region);
    let mut hub_bus = None;
    for region in &plan.regions {
        let bucket = regional_bucket(manifest, region);
        let cloudformation = clients.cloudformation(region);
        let s3 = clients.s3(region);
        let create =
            create_bucket_value(&cloudformation, &s3, &plan.organization_stack, &bucket).await?;
        reporter.note(&format!("{region}: artefact bucket {bucket}"));
        let request = StackRequest {
            stack_name: plan.organization_stack.clone(),
            template_url: organization_url.clone(),
            parameters: vec![
                value("OrganizationId", &organization_id),
                value("ArtifactBucketName", &bucket),
                value("CreateArtifactBucket", create),
                value("ArtifactPrefix", manifest.base_prefix()),
                value("HubRegion", &plan.hub),
                value(NAME_PREFIX_PARAMETER, &manifest.name_prefix),
            ],
            client_request_token: format!("{token}-organization-{region}"),
        };
        let stack = deploy_stack(&cloudformation, &request, &[], plan.settings, reporter).await?;
        let (copied, unchanged) = copy_zips(&source_s3, &s3, manifest, &bucket).await?;
        reporter.note(&format!(
            "{region}: {copied} zips copied to s3://{bucket}/{}/functions/, {unchanged} unchanged",
            manifest.prefix
        ));
        if *region == plan.hub {
            hub_bus = Some(
                stack
                    .outputs
                    .get("OrganizationEventBusArn")
                    .cloned()
                    .ok_or_else(|| RolloutError::MissingOutput {
                        stack: plan.organization_stack.clone(),
                        region: region.clone(),
                        output: "OrganizationEventBusArn",
                    })?,
            );
        }
    }

    let first = &plan.regions[0];
    let mut parameters = args.core_parameters.clone();
    if !parameters.iter().any(|(k, _)| k == NAME_PREFIX_PARAMETER) {
        parameters.push((NAME_PREFIX_PARAMETER.into(), manifest.name_prefix.clone()));
    }
    // The same values in every region, no ParameterOverrides: StackSets gives an account that
    // joins a target OU later the stack set's own parameters only (CloudFormation API
    // Reference, UpdateStackInstances: "Accounts added to the target OUs ... in the future
    // won't use the overridden values"). core.yaml reads `<CodeBucket>-<region>` with
    // CodeBucketPerRegion=true and creates the account-wide IAM resources in the region named
    // by AccountWideResources only.
    parameters.push(("CodeBucket".into(), manifest.bucket.clone()));
    parameters.push(("CodeBucketPerRegion".into(), "true".into()));
    parameters.push(("AccountWideResources".into(), first.clone()));
    parameters.push((
        "OrganizationEventBusArn".into(),
        hub_bus.unwrap_or_default(),
    ));
    let rollout = MemberRollout {
        stack_set: StackSetRequest {
            name: plan.stack_set.clone(),
            call_as,
            template_url: core_url,
            parameters,
            retain_stacks_on_account_removal: args.retain_stacks_on_account_removal,
        },
        organizational_units: args.organizational_units.clone(),
        regions: plan.regions.clone(),
        preferences: plan.preferences.clone(),
    };
    let mut ids = OperationIds::new();
    let members = org_rollout::roll_out_members(
        &home_cloudformation,
        &rollout,
        &mut ids,
        plan.settings,
        reporter,
    )
    .await;
    // Within the tolerance the portfolio still goes out to the accounts that have their core.
    let not_current = match members {
        Ok(_) => None,
        Err(error @ RolloutError::InstancesNotCurrent { .. }) => Some(error),
        Err(error) => return Err(error.into()),
    };

    if let Some(name) = &args.portfolio_stack_name {
        let mut parameters = args.portfolio_parameters.clone();
        if !parameters.iter().any(|(k, _)| k == "CoreNamePrefix") {
            parameters.push(("CoreNamePrefix".into(), manifest.name_prefix.clone()));
        }
        if let Some((_, prefix)) = args
            .core_parameters
            .iter()
            .find(|(k, _)| k == "ProductRolePrefix")
            && !parameters.iter().any(|(k, _)| k == "ProductRolePrefix")
        {
            parameters.push(("ProductRolePrefix".into(), prefix.clone()));
        }
        let portfolio = deploy::deploy_portfolio(
            &home_cloudformation,
            manifest,
            name,
            &parameters,
            &format!("{token}-portfolio"),
            plan.settings,
            reporter,
        )
        .await?;
        let portfolio_id = portfolio
            .outputs
            .get("PortfolioId")
            .ok_or(ShareError::NoPortfolioId)?;
        let nodes = args
            .organizational_units
            .iter()
            .filter_map(|ou| OrganizationNode::organizational_unit(ou).ok())
            .collect::<Vec<_>>();
        let catalog = clients.servicecatalog();
        share::share_portfolio(&catalog, portfolio_id, &nodes, plan.settings, reporter).await?;
        share::report_acceptance(&catalog, portfolio_id, reporter).await?;
    }
    match not_current {
        Some(error) => Err(error.into()),
        None => Ok(()),
    }
}

async fn delete(
    args: &OrgRolloutArgs,
    manifest: &PackageManifest,
    clients: &Clients,
    reporter: &mut dyn DeployReporter,
) -> Result<(), Error> {
    let plan = plan(args, manifest, clients);
    let portfolio = args
        .portfolio_stack_name
        .clone()
        .unwrap_or_else(|| "studio-catalog-portfolio".into());
    for line in
        org_rollout::delete_plan(&plan.stack_set, &plan.organization_stack, &portfolio).lines()
    {
        reporter.note(line);
    }
    let (_, call_as) = caller(&plan, clients, reporter).await?;
    let cloudformation = clients.cloudformation(&clients.home());
    org_rollout::delete_members(
        &cloudformation,
        &plan.stack_set,
        call_as,
        &plan.preferences,
        &mut OperationIds::new(),
        plan.settings,
        reporter,
    )
    .await?;
    Ok(())
}
