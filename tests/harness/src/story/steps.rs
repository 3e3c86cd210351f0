//! The story's steps, in order. Each step is a title and an action that returns what it found
//! (shown after ✔) or the [`StepError`] of what did not behave (shown after ✘); the walk stops
//! at the first one that did not behave.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_lakeformation::types::{
    DataLakePrincipal, DataLakeSettings, PrincipalResourcePermissions, Resource, TableResource,
};
use aws_sdk_sagemaker::types::{
    AppType, OwnershipSettings, SharingType, SpaceSettings, SpaceSharingSettings, Tag,
};
use reqwest::Method;
use serde_json::{Value, json};

use super::catalog::{Catalog, Product, RecordOutcome};
use super::cleanup;
use super::deploy::DeployRun;
use super::narrator::Narrator;
use super::sessions::Session;
use super::{OperationFigure, StepError, StoryOptions};
use crate::ACCOUNT_ID;
use crate::emulator::{AwsEmulator, EmulatorError, xml_text};
use crate::function_url::{FunctionUrlAnswer, signed_get};

const IAM_VERSION: &str = "2010-05-08";
const EC2_VERSION: &str = "2016-11-15";
const ARTIFACT_BUCKET: &str = "studio-catalog-local-artifacts";
/// The core stack's `NamePrefix` the platform admin packages and deploys with.
const NAME_PREFIX: &str = "story-cat";
const CORE_STACK: &str = "studio-catalog-core";
const PORTFOLIO_STACK: &str = "studio-catalog-portfolio";
const CLOUD_ADMIN_ROLE: &str = "CloudAdmin";
const DATA_SCIENTISTS_ROLE: &str = "DataScientists";
/// The company's identity provider, registered in IAM: the data scientists arrive through it.
const IDENTITY_PROVIDER: &str = "risk-idp";
/// Another role the data scientists' policy is attached to, which principals of the account
/// assume with `sts:AssumeRole` (and so name their sessions themselves).
const ANALYSTS_ROLE: &str = "Analysts";
const DOMAIN_PRODUCT: &str = "SageMaker Studio domain";
const USER_PRODUCT: &str = "SageMaker Studio user profile";
const GRANT_PRODUCT: &str = "Lake Formation data access grant";
const DOMAIN_NAME: &str = "risk-analytics";
const DATABASE: &str = "risk";
const TABLE: &str = "transactions";
const QUERY_RESULTS_BUCKET: &str = "risk-athena-results";
/// The products' IAM role names start with the core stack's `ProductRolePrefix` (its default).
const PRODUCT_ROLE_PREFIX: &str = "studio-sc-";
/// The tag Studio puts on the spaces it creates for the data scientists (our model of Studio).
const SPACE_TAG: (&str, &str) = ("team", "risk");
/// The shared space the platform admin arranges for the team.
const SHARED_SPACE: &str = "risk-team";

/// The cloud admins' rights: Service Catalog's end-user rights and nothing else — modelled on
/// the AWS managed policy `AWSServiceCatalogEndUserFullAccess` (AWS Managed Policy Reference),
/// which allows the end-user Service Catalog actions and, on `SC-*` stacks only, the
/// CloudFormation calls a launch without a launch constraint makes and the stack reads the
/// console shows. No SageMaker, Lake Formation or IAM action.
pub fn service_catalog_end_user_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ProductStacks",
                "Effect": "Allow",
                "Action": [
                    "cloudformation:CreateStack", "cloudformation:DeleteStack",
                    "cloudformation:DescribeStackEvents", "cloudformation:DescribeStacks",
                    "cloudformation:SetStackPolicy", "cloudformation:UpdateStack",
                    "cloudformation:ValidateTemplate", "cloudformation:ListStackResources"
                ],
                "Resource": "arn:aws:cloudformation:*:*:stack/SC-*"
            },
            {
                "Sid": "EndUserServiceCatalog",
                "Effect": "Allow",
                "Action": [
                    "cloudformation:GetTemplateSummary",
                    "servicecatalog:DescribeProduct", "servicecatalog:DescribeProductView",
                    "servicecatalog:DescribeProvisioningParameters", "servicecatalog:ListLaunchPaths",
                    "servicecatalog:ProvisionProduct", "servicecatalog:SearchProducts",
                    "servicecatalog:DescribeProvisionedProduct", "servicecatalog:DescribeRecord",
                    "servicecatalog:ListRecordHistory", "servicecatalog:ScanProvisionedProducts",
                    "servicecatalog:SearchProvisionedProducts", "servicecatalog:TerminateProvisionedProduct",
                    "servicecatalog:UpdateProvisionedProduct", "servicecatalog:ListProvisioningArtifacts",
                    "servicecatalog:DescribeProvisioningArtifact"
                ],
                "Resource": "*"
            },
            {
                "Sid": "ProductTemplates",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*"
            }
        ]
    })
}

/// A role any principal of the account may assume (its identity policy decides who).
fn account_trust_policy(tag_session: bool) -> Value {
    let mut actions = vec!["sts:AssumeRole"];
    if tag_session {
        actions.push("sts:TagSession");
    }
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT_ID}:root")},
            "Action": actions
        }]
    })
}

/// The data scientists' role: only the company's SAML identity provider may open a session of
/// it (IAM User Guide, "Create a role for a third-party identity provider (SAML 2.0
/// federation)"), so only the provider names its sessions. (AWS's own wizard also conditions
/// the trust on `SAML:aud`; the emulator does not read the assertion's keys, so such a
/// condition could not hold here.)
fn saml_trust_policy(provider_arn: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithSAML"
        }]
    })
}

/// What the steps find and later steps use.
#[derive(Debug, Default)]
struct World {
    admin: Option<Session>,
    data_scientists_role_arn: String,
    identity_provider_arn: String,
    vpc_id: String,
    subnet_ids: Vec<String>,
    security_group_id: String,
    core_outputs: BTreeMap<String, String>,
    products: BTreeMap<&'static str, Product>,
    /// The products launched, by whom or what each is for: `domain`, `alice`, `bob`, `grant`
    /// (the record of the latest operation on each).
    launched: BTreeMap<&'static str, RecordOutcome>,
    /// Every product stack, to check at the end that each is `DELETE_COMPLETE`.
    stacks: Vec<String>,
}

impl World {
    fn admin(&self) -> Result<&Session, StepError> {
        self.admin
            .as_ref()
            .ok_or_else(|| StepError::new("no admin session"))
    }

    fn product(&self, name: &str) -> Result<&Product, StepError> {
        self.products
            .get(name)
            .ok_or_else(|| StepError::new(format!("the product {name:?} was not found")))
    }

    /// The product launched for `key` (`domain`, `alice`, `bob`, `grant`).
    fn launched(&self, key: &str) -> Result<&RecordOutcome, StepError> {
        self.launched
            .get(key)
            .ok_or_else(|| StepError::new(format!("no {key} product")))
    }

    /// The output `output` of the product launched for `key`.
    fn launched_output(&self, key: &str, output: &str) -> Result<String, StepError> {
        self.launched(key)?.output(output).map(str::to_owned)
    }

    fn domain_id(&self) -> Result<String, StepError> {
        self.launched_output("domain", "DomainId")
    }

    fn remember_stack(&mut self, outcome: &RecordOutcome) {
        if let Some(stack) = outcome.outputs.get("CloudformationStackARN")
            && !self.stacks.contains(stack)
        {
            self.stacks.push(stack.clone());
        }
    }
}

/// Runs one step: its title, the action, its outcome. `None` when it did not behave.
async fn step<T>(
    narrator: &mut Narrator,
    title: &str,
    action: impl AsyncFnOnce(&mut Narrator) -> Result<(T, String), StepError>,
) -> Option<T> {
    let started = narrator.begin(title);
    // Boxed: a step's future holds a whole product operation, followed to its end.
    match Box::pin(action(narrator)).await {
        Ok((value, detail)) => {
            narrator.end(title, started, &Ok(detail));
            Some(value)
        }
        Err(problem) => {
            narrator.end(title, started, &Err(problem.to_string()));
            None
        }
    }
}

/// Counts the `Describe*` calls the emulator received since `from` (an index in its call log).
async fn describe_calls_since(
    aws: &AwsEmulator,
    from: usize,
) -> Result<Vec<(String, usize)>, StepError> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for call in aws.calls().await?.iter().skip(from) {
        if call.operation.starts_with("Describe") {
            *counts
                .entry(format!("{}:{}", call.service, call.operation))
                .or_default() += 1;
        }
    }
    Ok(counts.into_iter().collect())
}

/// A product operation that must succeed, measured: the emulator's call count is taken before
/// `record` runs (a future does nothing until it is awaited), the record is followed to its end
/// and the operation's figure pushed, with the `Describe*` calls the emulator received meanwhile.
async fn measured(
    aws: &AwsEmulator,
    figures: &mut Vec<OperationFigure>,
    operation: String,
    sagemaker_wait: Duration,
    record: impl Future<Output = Result<RecordOutcome, StepError>>,
) -> Result<RecordOutcome, StepError> {
    let calls_before = aws.calls().await?.len();
    let outcome = record.await?.expect_success()?;
    figures.push(OperationFigure {
        operation,
        took: outcome.took,
        sagemaker_wait,
        describe_calls: describe_calls_since(aws, calls_before).await?,
    });
    Ok(outcome)
}

#[allow(
    clippy::too_many_lines,
    reason = "the story reads as one walk, step by step"
)]
pub(super) async fn walk(
    aws: &AwsEmulator,
    options: &StoryOptions,
    narrator: &mut Narrator,
    figures: &mut Vec<OperationFigure>,
) -> Option<()> {
    let mut world = World::default();
    let transition = aws
        .control(Method::GET, "/config", None)
        .await
        .ok()
        .and_then(|config| config["transition_seconds"].as_f64())
        .unwrap_or_default();
    let domain_wait =
        Duration::from_secs_f64(options.domain_transition_seconds.unwrap_or(transition));
    let profile_wait = Duration::from_secs_f64(transition);
    match aws.iam_enforced().await {
        Ok(true) => narrator.say(
            "IAM enforced: every call below is authorised as AWS would, against the roles and policies the templates and the platform admin create\n",
        ),
        Ok(false) => narrator.say("IAM not enforced (the emulator's builder opted out)\n"),
        Err(error) => {
            narrator.say(&format!("could not read the emulator's configuration: {error}"));
            return None;
        }
    }
    if let Some(seconds) = options.domain_transition_seconds {
        let configured = aws
            .configure(&json!({"transitions": {"sagemaker::studio-domain": seconds}}))
            .await;
        if let Err(error) = configured {
            narrator.say(&format!("could not set the domain transition: {error}"));
            return None;
        }
    }

    // 1. The platform admin.
    step(
        narrator,
        "Platform admin: the cloud admins' role (Service Catalog end-user rights only), the data scientists' role, a VPC, the table risk.transactions",
        async |narrator| {
            let admin = Session::admin(aws).await?;
            narrator.progress(&format!("platform admin: {}", admin.arn));
            let provider = aws
                .call_query(
                    "iam",
                    IAM_VERSION,
                    "CreateSAMLProvider",
                    &[
                        ("Name", IDENTITY_PROVIDER),
                        ("SAMLMetadataDocument", &saml_metadata(IDENTITY_PROVIDER)),
                    ],
                )
                .await?;
            world.identity_provider_arn = xml_text(&provider, "SAMLProviderArn").unwrap_or_default().to_owned();
            for (role, trust, policy) in [
                (CLOUD_ADMIN_ROLE, account_trust_policy(false), Some(service_catalog_end_user_policy())),
                (DATA_SCIENTISTS_ROLE, saml_trust_policy(&world.identity_provider_arn), None),
                (ANALYSTS_ROLE, account_trust_policy(true), None),
            ] {
                aws.call_query(
                    "iam",
                    IAM_VERSION,
                    "CreateRole",
                    &[("RoleName", role), ("AssumeRolePolicyDocument", &trust.to_string())],
                )
                .await?;
                if let Some(policy) = policy {
                    aws.call_query(
                        "iam",
                        IAM_VERSION,
                        "PutRolePolicy",
                        &[
                            ("RoleName", role),
                            ("PolicyName", "service-catalog-end-user"),
                            ("PolicyDocument", &policy.to_string()),
                        ],
                    )
                    .await?;
                }
            }
            world.data_scientists_role_arn = format!("arn:aws:iam::{ACCOUNT_ID}:role/{DATA_SCIENTISTS_ROLE}");
            (world.vpc_id, world.subnet_ids) = aws.create_vpc_with_two_subnets(20).await?;
            let group = aws
                .call_query(
                    "ec2",
                    EC2_VERSION,
                    "CreateSecurityGroup",
                    &[
                        ("GroupName", "studio-apps"),
                        ("GroupDescription", "Studio apps of risk-analytics"),
                        ("VpcId", &world.vpc_id),
                    ],
                )
                .await?;
            world.security_group_id = xml_text(&group, "groupId").unwrap_or_default().to_owned();
            aws.glue("CreateDatabase", &json!({"DatabaseInput": {"Name": DATABASE}})).await?;
            let columns: Vec<Value> = ["transaction_id", "amount", "merchant", "customer_name", "customer_email"]
                .iter()
                .map(|name| json!({"Name": name, "Type": "string"}))
                .collect();
            aws.glue(
                "CreateTable",
                &json!({"DatabaseName": DATABASE, "TableInput": {"Name": TABLE, "StorageDescriptor": {"Columns": columns}}}),
            )
            .await?;
            world.admin = Some(admin);
            let detail = format!(
                "roles {CLOUD_ADMIN_ROLE}, {DATA_SCIENTISTS_ROLE} (trusting only the SAML provider {IDENTITY_PROVIDER}) and {ANALYSTS_ROLE}; {} with subnets {} and {}; {DATABASE}.{TABLE}, 5 columns (2 personal data)",
                world.vpc_id,
                world.subnet_ids.join(", "),
                world.security_group_id
            );
            Ok(((), detail))
        },
    )
    .await?;

    step(
        narrator,
        "Platform admin: studio-catalog-deploy package (zips from the built binaries, NamePrefix story-cat: the product templates follow it) and deploy (core stack, portfolio)",
        async |narrator| {
            let manifest = std::env::temp_dir().join(format!("studio-catalog-story-{}", std::process::id()));
            std::fs::create_dir_all(&manifest)?;
            DeployRun {
                binary: &options.bin_dir.join("studio-catalog-deploy"),
                functions_dir: &options.bin_dir,
                bucket: ARTIFACT_BUCKET,
                manifest: manifest.join("package.json"),
                // The functions answer CloudFormation only at an allowed ResponseURL; the
                // emulator's are on its own URL (core.yaml, ResponseUrlAllowedPrefixes).
                // The cleanup: repair idle-shutdown drift, Canvas at most 8 hours, a grace
                // period the story can wait, the platform team's address (cleanup.rs).
                core_parameters: [(
                    "ResponseUrlAllowedPrefixes".to_owned(),
                    format!("{}/", aws.endpoint_url()),
                )]
                .into_iter()
                .chain(cleanup::core_parameters())
                .collect(),
                portfolio_parameters: vec![(
                    "CloudAdminRoleArn".to_owned(),
                    format!("arn:aws:iam::{ACCOUNT_ID}:role/{CLOUD_ADMIN_ROLE}"),
                )],
                // Not the core template's default: the staged product templates and the launch
                // role must follow the core's prefix by themselves (#13 item 8).
                name_prefix: Some(NAME_PREFIX),
            }
            .run(aws, narrator)
            .await?;
            let admin = world.admin()?.clone();
            let cfn = admin.cloudformation();
            let mut statuses = Vec::new();
            for stack in [CORE_STACK, PORTFOLIO_STACK] {
                let described = cfn.describe_stacks().stack_name(stack).send().await?;
                let stack_detail = described
                    .stacks()
                    .first()
                    .ok_or_else(|| StepError::new(format!("no stack {stack}")))?;
                let status = stack_detail.stack_status().map(|s| s.as_str().to_owned()).unwrap_or_default();
                if !matches!(status.as_str(), "CREATE_COMPLETE" | "UPDATE_COMPLETE") {
                    return Err(StepError::new(format!("stack {stack} is {status}")));
                }
                if stack == CORE_STACK {
                    world.core_outputs = stack_detail
                        .outputs()
                        .iter()
                        .filter_map(|output| Some((output.output_key()?.to_owned(), output.output_value()?.to_owned())))
                        .collect();
                }
                statuses.push(format!("{stack} {status}"));
            }
            // tools/deploy/README.md: after the first deploy, the grant function's role becomes a
            // Lake Formation data lake administrator.
            let grant_role = world
                .core_outputs
                .get("LakeFormationGrantRoleArn")
                .ok_or_else(|| StepError::new("the core stack has no output LakeFormationGrantRoleArn"))?;
            admin
                .lakeformation()
                .put_data_lake_settings()
                .data_lake_settings(
                    DataLakeSettings::builder()
                        .data_lake_admins(DataLakePrincipal::builder().data_lake_principal_identifier(grant_role).build())
                        .build(),
                )
                .send()
                .await?;
            Ok(((), format!("{}; the grant function's role is a Lake Formation admin", statuses.join(", "))))
        },
    )
    .await?;

    // 2. The cloud admin: every Service Catalog call from here on is signed as their session.
    let catalog = step(
        narrator,
        "Cloud admin (assumed-role session of CloudAdmin) finds the three products and their launch paths",
        async |narrator| {
            let cloud_admin = world
                .admin()?
                .assume_role(aws, &format!("arn:aws:iam::{ACCOUNT_ID}:role/{CLOUD_ADMIN_ROLE}"), "cloud-admin", &[])
                .await?;
            narrator.progress(&format!("cloud admin: {}", cloud_admin.arn));
            let catalog = Catalog::new(&cloud_admin, options.poll_interval, options.operation_timeout);
            for name in [DOMAIN_PRODUCT, USER_PRODUCT, GRANT_PRODUCT] {
                let product = catalog.find_product(name).await?;
                narrator.progress(&format!(
                    "{name}: {} artefact {} launch path {}",
                    product.id, product.artifact_id, product.path_id
                ));
                world.products.insert(name, product);
            }
            Ok((catalog, "3 products, one launch path each".to_owned()))
        },
    )
    .await?;

    step(
        narrator,
        "Cloud admin launches the Studio domain product risk-analytics",
        async |narrator| {
            let subnets = world.subnet_ids.join(",");
            let outcome = measured(
                aws,
                figures,
                format!("ProvisionProduct {DOMAIN_PRODUCT}"),
                domain_wait,
                catalog.provision(
                    narrator,
                    world.product(DOMAIN_PRODUCT)?,
                    DOMAIN_NAME,
                    &[
                        ("DomainName", DOMAIN_NAME),
                        ("VpcId", &world.vpc_id),
                        ("SubnetIds", &subnets),
                        ("AppNetworkAccessType", "PublicInternetOnly"),
                        // Its trust policy lets only the identity provider open (and name) a
                        // session: the sign-in may believe the session name.
                        ("TrustedSessionRoleNames", DATA_SCIENTISTS_ROLE),
                    ],
                    &[("team", "risk")],
                ),
            )
            .await?;
            world.remember_stack(&outcome);
            let domain_id = outcome.output("DomainId")?.to_owned();
            let admin = world.admin()?;
            let domain = admin.sagemaker().describe_domain().domain_id(&domain_id).send().await?;
            let status = domain.status().map(|s| s.as_str()).unwrap_or_default();
            if status != "InService" || domain.domain_name() != Some(DOMAIN_NAME) {
                return Err(StepError::new(format!("DescribeDomain {domain_id}: {status} {:?}", domain.domain_name())));
            }
            let url = outcome.output("SignInFunctionUrl")?;
            if !url.contains(".lambda-url.") {
                return Err(StepError::new(format!("SignInFunctionUrl {url:?} is not a function URL")));
            }
            // The data scientists' managed policy goes on their federated role (the product's
            // output says so), and on the analysts' role too.
            let policy = outcome.output("DataScientistPolicyArn")?;
            for role in [DATA_SCIENTISTS_ROLE, ANALYSTS_ROLE] {
                aws.call_query(
                    "iam",
                    IAM_VERSION,
                    "AttachRolePolicy",
                    &[("RoleName", role), ("PolicyArn", policy)],
                )
                .await?;
            }
            let detail = format!(
                "domain {domain_id} InService in {:.1} s; home EFS {}; sign-in function URL trusting sessions of {DATA_SCIENTISTS_ROLE}; {policy} attached to {DATA_SCIENTISTS_ROLE} and {ANALYSTS_ROLE}",
                outcome.took.as_secs_f64(),
                outcome.output("HomeEfsFileSystemId")?
            );
            world.launched.insert("domain", outcome);
            Ok(((), detail))
        },
    )
    .await?;

    for user in ["alice", "bob"] {
        let title = if user == "alice" {
            "Cloud admin launches alice's user profile product, her apps' idle shutdown at 90 minutes (tighter than the domain's)".to_owned()
        } else {
            "Cloud admin launches bob's user profile product, with a grant on all columns but customer_name, customer_email".to_owned()
        };
        step(narrator, &title, async |narrator| {
            let domain_id = world.domain_id()?;
            let mut parameters: Vec<(&str, &str)> = vec![
                ("DomainId", &domain_id),
                ("UserProfileName", user),
                ("StudioUserId", user),
                ("QueryResultsBucket", QUERY_RESULTS_BUCKET),
            ];
            if user == "alice" {
                parameters.push(("IdleTimeoutInMinutes", "90"));
                // Her JupyterLab space's work goes with it when the product is terminated.
                parameters.push(("DeleteSpaceData", "true"));
            }
            if user == "bob" {
                parameters.extend([
                    ("GrantDatabaseName", DATABASE),
                    ("GrantTableName", TABLE),
                    ("GrantExcludedColumnNames", "customer_name,customer_email"),
                ]);
            }
            let outcome = measured(
                aws,
                figures,
                format!("ProvisionProduct {USER_PRODUCT} ({user})"),
                profile_wait,
                catalog.provision(narrator, world.product(USER_PRODUCT)?, &format!("{DOMAIN_NAME}-{user}"), &parameters, &[]),
            )
            .await?;
            world.remember_stack(&outcome);
            let admin = world.admin()?;
            let arn = outcome.output("UserProfileArn")?.to_owned();
            let profile = admin
                .sagemaker()
                .describe_user_profile()
                .domain_id(&domain_id)
                .user_profile_name(user)
                .send()
                .await?;
            let status = profile.status().map(|s| s.as_str()).unwrap_or_default();
            if status != "InService" || profile.user_profile_arn() != Some(arn.as_str()) {
                return Err(StepError::new(format!("DescribeUserProfile {user}: {status} {:?}", profile.user_profile_arn())));
            }
            let tags = aws.sagemaker_tags(&arn).await?;
            if !tags.contains(&("studiouserid".to_owned(), user.to_owned())) {
                return Err(StepError::new(format!("profile {user} is tagged {tags:?}, without studiouserid={user}")));
            }
            let mut detail = format!("profile {user} InService, tagged studiouserid={user}, in {:.1} s", outcome.took.as_secs_f64());
            if user == "alice" {
                let idle = profile
                    .user_settings()
                    .and_then(|settings| settings.code_editor_app_settings())
                    .and_then(|app| app.app_lifecycle_management())
                    .and_then(|management| management.idle_settings())
                    .and_then(|idle| idle.idle_timeout_in_minutes());
                if idle != Some(90) {
                    return Err(StepError::new(format!("alice's Code Editor idle timeout is {idle:?}, expected 90")));
                }
                detail.push_str("; idle shutdown after 90 minutes (JupyterLab, Code Editor)");
            }
            if user == "bob" {
                let role = outcome.output("ExecutionRoleArn")?;
                let entries = table_permissions(admin, role).await?;
                let excluded = excluded_columns(&entries);
                if excluded != ["customer_email", "customer_name"] {
                    return Err(StepError::new(format!("bob's grant excludes {excluded:?}, expected customer_email, customer_name ({entries:?})")));
                }
                detail.push_str("; Lake Formation: SELECT on risk.transactions but customer_email, customer_name");
            }
            world.launched.insert(user, outcome);
            Ok(((), detail))
        })
        .await?;
    }

    step(
        narrator,
        "Cloud admin launches a data access grant product: alice's role may SELECT and DESCRIBE risk.transactions",
        async |narrator| {
            let alice_role = world.launched_output("alice", "ExecutionRoleArn")?;
            let outcome = measured(
                aws,
                figures,
                format!("ProvisionProduct {GRANT_PRODUCT}"),
                Duration::ZERO,
                catalog.provision(
                    narrator,
                    world.product(GRANT_PRODUCT)?,
                    "risk-transactions-alice",
                    &[
                        ("PrincipalArn", &alice_role),
                        ("DatabaseName", DATABASE),
                        ("TableName", TABLE),
                        ("Permissions", "SELECT,DESCRIBE"),
                    ],
                    &[],
                ),
            )
            .await?;
            world.remember_stack(&outcome);
            let entries = table_permissions(world.admin()?, &alice_role).await?;
            let table_level: Vec<String> = entries
                .iter()
                .filter(|entry| entry.resource().and_then(Resource::table).is_some())
                .flat_map(|entry| entry.permissions().iter().map(|p| p.as_str().to_owned()))
                .collect();
            if !(table_level.contains(&"SELECT".to_owned()) && table_level.contains(&"DESCRIBE".to_owned())) {
                return Err(StepError::new(format!("alice's role holds {entries:?} on the table")));
            }
            let detail = format!(
                "Lake Formation: {alice_role} holds {} on risk.transactions ({} grant)",
                table_level.join(", "),
                outcome.output("ResourceType")?
            );
            world.launched.insert("grant", outcome);
            Ok(((), detail))
        },
    )
    .await?;

    // 3. Updates.
    step(
        narrator,
        "Cloud admin updates bob's product: studiouserid bob → robert, customer_name now granted (same profile, the grant never absent)",
        async |narrator| {
            let bob = world.launched("bob")?;
            let role = bob.output("ExecutionRoleArn")?.to_owned();
            let arn_before = bob.output("UserProfileArn")?.to_owned();
            let admin = world.admin()?;
            // Where the Lake Formation calls of the update start in the emulator's call log.
            let calls_before = aws.calls().await?.len();
            let mut observations = 0;
            let outcome = measured(
                aws,
                figures,
                format!("UpdateProvisionedProduct {USER_PRODUCT} (bob)"),
                profile_wait,
                catalog.update(
                    narrator,
                    bob,
                    world.product(USER_PRODUCT)?,
                    &[("StudioUserId", "robert"), ("GrantExcludedColumnNames", "customer_email")],
                    &["DomainId", "UserProfileName", "QueryResultsBucket", "GrantDatabaseName", "GrantTableName"],
                    async || {
                        // No moment without access: at every poll bob's role can read the table.
                        let entries = table_permissions(admin, &role).await?;
                        observations += 1;
                        if selectable(&entries) {
                            Ok(())
                        } else {
                            Err(StepError::new(format!("during the update bob's role held no SELECT on the table: {entries:?}")))
                        }
                    },
                ),
            )
            .await?;
            if outcome.output("UserProfileArn")? != arn_before {
                return Err(StepError::new(format!("the profile was replaced: {} → {}", arn_before, outcome.output("UserProfileArn")?)));
            }
            let tags = aws.sagemaker_tags(&arn_before).await?;
            if !tags.contains(&("studiouserid".to_owned(), "robert".to_owned())) {
                return Err(StepError::new(format!("bob's profile is tagged {tags:?}")));
            }
            let entries = table_permissions(admin, &role).await?;
            let excluded = excluded_columns(&entries);
            if excluded != ["customer_email"] {
                return Err(StepError::new(format!("bob's grant now excludes {excluded:?}, expected customer_email")));
            }
            // And the function's order of calls: the new grant before the revoke of the old.
            let calls = aws.calls().await?;
            let changes: Vec<&str> = calls
                .iter()
                .skip(calls_before)
                .filter(|call| matches!(call.operation.as_str(), "GrantPermissions" | "RevokePermissions" | "BatchGrantPermissions" | "BatchRevokePermissions"))
                .map(|call| call.operation.as_str())
                .collect();
            let first_grant = changes.iter().position(|op| op.contains("Grant"));
            let first_revoke = changes.iter().position(|op| op.contains("Revoke"));
            if let (Some(revoke), grant) = (first_revoke, first_grant)
                && grant.is_none_or(|grant| grant > revoke)
            {
                return Err(StepError::new(format!("Lake Formation calls during the update: {changes:?} (a revoke before the grant)")));
            }
            let detail = format!(
                "same profile, tagged studiouserid=robert; grant in place (Lake Formation calls {changes:?}; SELECT held at each of {observations} polls); customer_email the only column left out"
            );
            world.launched.insert("bob", outcome);
            Ok(((), detail))
        },
    )
    .await?;

    step(
        narrator,
        "Cloud admin updates the domain product in place: VpcOnly app network access with a security group",
        async |narrator| {
            let domain_id = world.domain_id()?;
            let outcome = measured(
                aws,
                figures,
                format!("UpdateProvisionedProduct {DOMAIN_PRODUCT}"),
                domain_wait,
                catalog.update(
                    narrator,
                    world.launched("domain")?,
                    world.product(DOMAIN_PRODUCT)?,
                    &[("AppNetworkAccessType", "VpcOnly"), ("SecurityGroupIds", &world.security_group_id)],
                    // The rest of the launch form as it was (UsePreviousValue), the trusted
                    // role included: a parameter left out would take its default.
                    &["DomainName", "VpcId", "SubnetIds", "TrustedSessionRoleNames"],
                    async || Ok(()),
                ),
            )
            .await?;
            if outcome.output("DomainId")? != domain_id {
                return Err(StepError::new(format!("the domain was replaced by {}", outcome.output("DomainId")?)));
            }
            let described = world.admin()?.sagemaker().describe_domain().domain_id(&domain_id).send().await?;
            let access = described.app_network_access_type().map(|a| a.as_str()).unwrap_or_default();
            let groups = described
                .default_user_settings()
                .map(|settings| settings.security_groups().to_vec())
                .unwrap_or_default();
            if access != "VpcOnly" || !groups.contains(&world.security_group_id) {
                return Err(StepError::new(format!("domain {domain_id}: {access}, security groups {groups:?}")));
            }
            world.launched.insert("domain", outcome);
            Ok(((), format!("domain {domain_id} kept, now VpcOnly with {}", world.security_group_id)))
        },
    )
    .await?;

    // 4. A bad parameter.
    step(
        narrator,
        "A launch with a bad parameter (carol's grant on a table that does not exist) fails with the function's reason and leaves nothing",
        async |narrator| {
            let domain_id = world.domain_id()?;
            let roles_before = user_roles(aws).await?;
            let outcome = catalog
                .provision(
                    narrator,
                    world.product(USER_PRODUCT)?,
                    &format!("{DOMAIN_NAME}-carol"),
                    &[
                        ("DomainId", &domain_id),
                        ("UserProfileName", "carol"),
                        ("StudioUserId", "carol"),
                        ("QueryResultsBucket", QUERY_RESULTS_BUCKET),
                        ("GrantDatabaseName", DATABASE),
                        ("GrantTableName", "no_such_table"),
                    ],
                    &[],
                )
                .await?;
            world.remember_stack(&outcome);
            if outcome.succeeded() {
                return Err(StepError::new("the launch succeeded"));
            }
            let reason = outcome.errors.join("; ");
            if !reason.contains("no_such_table") {
                return Err(StepError::new(format!("record {} without the function's reason: {reason:?}", outcome.status)));
            }
            let admin = world.admin()?;
            profile_gone(admin, &domain_id, "carol").await?;
            // The role the failed launch made was rolled back: no user role but those before.
            let left: Vec<String> = user_roles(aws)
                .await?
                .into_iter()
                .filter(|role| !roles_before.contains(role))
                .collect();
            if !left.is_empty() {
                return Err(StepError::new(format!("the failed launch left the roles {left:?}")));
            }
            let user_role_arns = format!("arn:aws:iam::{ACCOUNT_ID}:role/{PRODUCT_ROLE_PREFIX}user-");
            let listed = admin.lakeformation().list_permissions().send().await?;
            let strays: Vec<&str> = listed
                .principal_resource_permissions()
                .iter()
                .filter_map(|entry| entry.principal().and_then(|p| p.data_lake_principal_identifier()))
                .filter(|principal| {
                    principal.starts_with(&user_role_arns)
                        && !roles_before.iter().any(|role| principal.ends_with(&format!("/{role}")))
                })
                .collect();
            if !strays.is_empty() {
                return Err(StepError::new(format!("Lake Formation grants left for {strays:?}")));
            }
            let status = catalog.provisioned_product_status(&outcome.provisioned_product_id).await?;
            // A product whose launch failed stays, in ERROR, until it is terminated.
            catalog.terminate(narrator, &outcome).await?.expect_success()?;
            Ok(((), format!(
                "record {}: {reason}; no profile, no role, no grant left; the {status} product terminated",
                outcome.status
            )))
        },
    )
    .await?;

    // 5. Signing in.
    let sign_in_url = world.launched_output("domain", "SignInFunctionUrl").ok()?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .ok()?;
    let mut alice_session: Option<Session> = None;
    step(
        narrator,
        "alice signs in at the company's identity provider (SAML: the provider names her session), then through the domain's function URL (SigV4 as that session), and lands in her own Studio",
        async |narrator| {
            let alice = Session::saml(aws, &world.data_scientists_role_arn, &world.identity_provider_arn, "alice").await?;
            narrator.progress(&format!("data scientist: {}", alice.arn));
            let answer = signed_get(&http, &aws.endpoint_url(), &sign_in_url, "/", &alice.credentials, &[]).await?;
            let location = answer.location.clone().unwrap_or_default();
            if answer.status != 302 || !location.starts_with("https://") {
                // Not a 200's body: it would carry the sign-in URL, a bearer token. A refusal's
                // code and message are safe to show.
                let refusal = if answer.status >= 400 { answer.body.as_str() } else { "-" };
                return Err(StepError::new(format!(
                    "HTTP {} ({}), expected a 302 to Studio: {refusal}",
                    answer.status,
                    answer.content_type.as_deref().unwrap_or("no content type")
                )));
            }
            // Following the redirect: it leads to the Studio URL the emulator issued for alice's
            // profile (the URL itself is a bearer token: not printed).
            let issued = aws.control(Method::GET, "/presigned-urls", None).await?;
            let profile = issued["presigned_urls"]
                .as_array()
                .and_then(|urls| urls.iter().find(|url| url["AuthorizedUrl"] == location.as_str()))
                .map(|url| url["UserProfileName"].as_str().unwrap_or_default().to_owned());
            if profile.as_deref() != Some("alice") {
                return Err(StepError::new(format!("the 302 leads to a URL issued for {profile:?}, not alice")));
            }
            alice_session = Some(alice);
            Ok(((), "302 to a Studio URL issued for profile alice (not shown: it is a bearer token)".to_owned()))
        },
    )
    .await?;

    step(
        narrator,
        "alice asks the function URL for bob's profile and is refused",
        async |_narrator| {
            let alice = alice_session
                .as_ref()
                .ok_or_else(|| StepError::new("no alice session"))?;
            let answer: FunctionUrlAnswer = signed_get(
                &http,
                &aws.endpoint_url(),
                &sign_in_url,
                "/?profile=bob",
                &alice.credentials,
                &[("accept", "application/json")],
            )
            .await?;
            if answer.status != 403 {
                return Err(StepError::new(format!(
                    "expected 403, got HTTP {}: {}",
                    answer.status, answer.body
                )));
            }
            let body: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
            let code = body["code"].as_str().unwrap_or(&answer.body);
            Ok(((), format!("403 {code}")))
        },
    )
    .await?;

    step(
        narrator,
        "Someone who may assume the Analysts role (the data scientists' policy attached) names the session bob and asks the function URL: IAM lets the request through, the function refuses it",
        async |narrator| {
            let forged = world
                .admin()?
                .assume_role(aws, &format!("arn:aws:iam::{ACCOUNT_ID}:role/{ANALYSTS_ROLE}"), "bob", &[("studiouserid", "bob")])
                .await?;
            narrator.progress(&format!("forged session: {}", forged.arn));
            let before = issued_urls(aws).await?;
            let answer = signed_get(
                &http,
                &aws.endpoint_url(),
                &sign_in_url,
                "/",
                &forged.credentials,
                &[("accept", "application/json")],
            )
            .await?;
            let body: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
            let code = body["code"].as_str().unwrap_or_default().to_owned();
            if answer.status != 403 || code != "session_not_trusted" {
                // Not a 200's body: it would carry bob's sign-in URL.
                return Err(StepError::new(format!(
                    "expected 403 session_not_trusted, got HTTP {} {code}",
                    answer.status
                )));
            }
            if issued_urls(aws).await? != before {
                return Err(StepError::new("a URL was issued for the forged session"));
            }
            Ok(((), format!("403 {code}; no URL issued: \"{}\"", body["message"].as_str().unwrap_or_default())))
        },
    )
    .await?;

    // 6. Working in Studio, and the cleanup.
    let canvas_arn = step(
        narrator,
        "In Studio (her execution role) alice reads her domain, creates and updates her tagged private space (none of bob's), its JupyterLab app, an app of her own, Canvas and a scratch space Studio deletes, and sets her space's idle shutdown to a week; Studio as the domain's default role runs an app in a shared space",
        async |narrator| {
            let domain_id = world.domain_id()?;
            // Studio calls SageMaker as the profile's execution role: the user product's
            // ChangeOnlyOwnSpacesAndTheirApps lets it change only alice's own spaces and apps.
            let studio = Session::studio(aws, &world.launched_output("alice", "ExecutionRoleArn")?).await?;
            narrator.progress(&format!("Studio for alice: {}", studio.arn));
            let opened = studio_opens(&studio, &domain_id, "alice", &world.launched_output("alice", "UserProfileArn")?).await?;
            narrator.progress(&format!("Studio opens for alice: {opened}"));
            // Studio tags the space it creates: sagemaker:AddTags with TaggingAction CreateSpace.
            studio
                .sagemaker()
                .create_space()
                .domain_id(&domain_id)
                .space_name("alice-space")
                .ownership_settings(OwnershipSettings::builder().owner_user_profile_name("alice").build())
                .space_sharing_settings(SpaceSharingSettings::builder().sharing_type(SharingType::Private).build())
                .space_settings(SpaceSettings::builder().app_type(AppType::JupyterLab).build())
                .tags(Tag::builder().key(SPACE_TAG.0).value(SPACE_TAG.1).build())
                .send()
                .await?;
            // ... and no space of bob's.
            let not_hers = studio
                .sagemaker()
                .create_space()
                .domain_id(&domain_id)
                .space_name("bob-space")
                .ownership_settings(OwnershipSettings::builder().owner_user_profile_name("bob").build())
                .space_sharing_settings(SpaceSharingSettings::builder().sharing_type(SharingType::Private).build())
                .send()
                .await;
            match not_hers.map_err(|error| error.into_service_error()) {
                Err(refused) if refused.meta().code() == Some("AccessDeniedException") => {}
                other => return Err(StepError::new(format!("Studio for alice creating a space owned by bob: {other:?}, expected AccessDeniedException"))),
            }
            // Studio shows the space's status until it serves (DescribeSpace, as her role).
            let sm = studio.sagemaker();
            until_in_service("alice's space", async || {
                let space = sm.describe_space().domain_id(&domain_id).space_name("alice-space").send().await?;
                Ok(space.status().map(|s| s.as_str().to_owned()).unwrap_or_default())
            })
            .await?;
            // She renames it in Studio (UpdateSpace, as her role), and Studio waits for the update.
            let renamed = studio_updates_space(&studio, &domain_id, "alice-space").await?;
            let tags = aws.sagemaker_tags(&renamed).await?;
            if !tags.contains(&(SPACE_TAG.0.to_owned(), SPACE_TAG.1.to_owned())) {
                return Err(StepError::new(format!("alice's space is tagged {tags:?}, without {}={}", SPACE_TAG.0, SPACE_TAG.1)));
            }
            narrator.progress(&format!("alice-space created tagged {}={}, renamed (UpdateSpace), InService", SPACE_TAG.0, SPACE_TAG.1));
            let app = json!({"DomainId": domain_id, "SpaceName": "alice-space", "AppType": "JupyterLab", "AppName": "default"});
            let created = studio
                .sagemaker()
                .create_app()
                .domain_id(&domain_id)
                .space_name("alice-space")
                .app_type(AppType::JupyterLab)
                .app_name("default")
                .send()
                .await?;
            until_in_service("alice's app", async || {
                let described = sm
                    .describe_app()
                    .domain_id(&domain_id)
                    .space_name("alice-space")
                    .app_type(AppType::JupyterLab)
                    .app_name("default")
                    .send()
                    .await?;
                Ok(described.status().map(|s| s.as_str().to_owned()).unwrap_or_default())
            })
            .await?;
            let app_arn = created.app_arn().unwrap_or_default().to_owned();
            let own_app = studio_own_app(&studio, &domain_id, "alice").await?;
            narrator.progress(&own_app);
            let scratch = studio_scratch_space(&studio, &domain_id, "alice").await?;
            narrator.progress(&scratch);
            let default_role = world.launched_output("domain", "DefaultExecutionRoleArn")?;
            // Boxed: the shared space's future holds two sessions and a dozen calls.
            let shared = Box::pin(shared_space(aws, world.admin()?, &default_role, &domain_id, narrator)).await?;
            narrator.progress(&shared);
            narrator.progress(&format!("alice's app {app_arn} InService"));
            let canvas_arn = cleanup::alice_opens_canvas(&studio, &domain_id).await?;
            narrator.progress(&format!("alice's Canvas {canvas_arn} InService"));
            // Studio's settings page: idle shutdown after a week (UpdateSpace, as her role).
            cleanup::alice_lengthens_her_idle_shutdown(&studio, &domain_id, "alice-space").await?;
            until_in_service("alice's space after its idle setting", async || {
                let space = sm.describe_space().domain_id(&domain_id).space_name("alice-space").send().await?;
                Ok(space.status().map(|s| s.as_str().to_owned()).unwrap_or_default())
            })
            .await?;
            let still_running = aws.sagemaker("DescribeApp", &app).await?["Status"].as_str().unwrap_or_default().to_owned();
            Ok((canvas_arn, format!(
                "a space owned by bob refused to her; Studio as her role and as the domain's default role made each call above as it should; her JupyterLab app {still_running}, Canvas running, alice-space's idle shutdown at {} minutes (the domain allows {})",
                cleanup::A_WEEK_IN_MINUTES,
                cleanup::DOMAIN_MAX_IDLE_MINUTES
            )))
        },
    )
    .await?;

    let schedule_arn = world
        .core_outputs
        .get("CleanupScheduleArn")
        .cloned()
        .unwrap_or_default();
    let mut warned_at = None;
    step(
        narrator,
        "Platform admin turns bob's idle shutdown off by hand for a long training (UpdateUserProfile); alice's Canvas has run since this morning (9 h, past the core stack's Canvas lifetime of 8 h); the cleanup schedule fires: bob's profile and alice's space are repaired (idle shutdown on, at most the domain's 480 minutes), alice is warned about her Canvas (a tag on the app, an event on the bus that reaches the platform team's topic), nothing is deleted yet",
        async |narrator| {
            let domain_id = world.domain_id()?;
            let admin = world.admin()?;
            cleanup::admin_turns_off_bobs_idle_shutdown(admin, &domain_id).await?;
            let created = cleanup::created_hours_ago(aws, &canvas_arn, cleanup::CANVAS_AGE_HOURS).await?;
            narrator.progress(&format!("bob's JupyterLab idle shutdown DISABLED; alice's Canvas created {created}"));
            narrator.progress(&cleanup::fire_schedule(aws, &schedule_arn).await?);
            let prefix = world.core_outputs.get("NamePrefix").map_or(NAME_PREFIX, String::as_str);
            let warning = match cleanup::until("the warning tag on alice's Canvas", async || {
                Ok(cleanup::warning(aws, &canvas_arn).await?)
            })
            .await
            {
                Ok(warning) => warning,
                Err(error) => return Err(cleanup::with_log(aws, prefix, error).await),
            };
            let space_minutes = cleanup::until("alice's space to be repaired", async || {
                let minutes = cleanup::space_idle_minutes(admin, &domain_id, "alice-space").await?;
                Ok(minutes.filter(|&m| m <= cleanup::DOMAIN_MAX_IDLE_MINUTES))
            })
            .await?;
            let (bob_on, bob_minutes) = cleanup::until("bob's profile to be repaired", async || {
                let (on, minutes) = cleanup::bobs_idle_shutdown(admin, &domain_id).await?;
                Ok((on.as_deref() == Some("ENABLED")).then_some((on, minutes)))
            })
            .await?;
            // Turned off, it comes back on with the domain's default timeout.
            if bob_minutes != Some(cleanup::DOMAIN_IDLE_MINUTES) {
                return Err(StepError::new(format!(
                    "bob's idle shutdown is back on at {bob_minutes:?} minutes, not the domain's default {}",
                    cleanup::DOMAIN_IDLE_MINUTES
                )));
            }
            let events = cleanup::until("the warning event on the bus", async || {
                let events = cleanup::published_events(aws, Some("Studio Cleanup Warning")).await?;
                Ok((!events.is_empty()).then_some(events))
            })
            .await?;
            let detail = &events[0]["Detail"];
            if detail["resourceArn"] != canvas_arn.as_str()
                || detail["ownerProfile"] != "alice"
                || detail["ownerIdentity"] != "alice"
                || detail["rule"] != "max-lifetime"
            {
                return Err(StepError::new(format!("the warning event is about something else: {detail}")));
            }
            let topic = world
                .core_outputs
                .get("CleanupNotificationTopicArn")
                .ok_or_else(|| StepError::new("the core stack has no output CleanupNotificationTopicArn"))?;
            let mailed = cleanup::until("the warning on the platform team's topic", async || {
                let messages = cleanup::topic_messages(aws, topic).await?;
                Ok(messages
                    .iter()
                    .any(|message| message["detail"]["resourceArn"] == canvas_arn.as_str())
                    .then_some(messages.len()))
            })
            .await?;
            let status = cleanup::canvas_status(&admin.sagemaker(), &domain_id).await?;
            if status != "InService" {
                return Err(StepError::new(format!("alice's Canvas is {status} after the first run: the warning should come first")));
            }
            warned_at = Some(cleanup::warned_at(&warning)?);
            Ok(((), format!(
                "bob's profile {} at {} minutes, alice-space at {space_minutes} minutes; Canvas still {status}, tagged {}={warning}; the event names alice (profile and studiouserid) and the app, {mailed} message(s) on {topic}",
                bob_on.unwrap_or_default(),
                cleanup::DOMAIN_IDLE_MINUTES,
                cleanup::WARNING_TAG
            )))
        },
    )
    .await?;

    step(
        narrator,
        "The grace period passes (the core stack's CleanupWarningGraceMinutes); the schedule fires again: alice's Canvas is deleted and the action announced; the dashboard graphs every metric the runs logged",
        async |narrator| {
            let domain_id = world.domain_id()?;
            let admin = world.admin()?;
            let warned = warned_at.ok_or_else(|| StepError::new("no warning time"))?;
            cleanup::grace_passes(warned).await?;
            narrator.progress(&cleanup::fire_schedule(aws, &schedule_arn).await?);
            let prefix = world.core_outputs.get("NamePrefix").map_or(NAME_PREFIX, String::as_str);
            let status = match cleanup::until("alice's Canvas to be deleted", async || {
                let status = cleanup::canvas_status(&admin.sagemaker(), &domain_id).await?;
                Ok(matches!(status.as_str(), "Deleting" | "Deleted").then_some(status))
            })
            .await
            {
                Ok(status) => status,
                Err(error) => return Err(cleanup::with_log(aws, prefix, error).await),
            };
            let acted = cleanup::until("the action event on the bus", async || {
                let events = cleanup::published_events(aws, Some("Studio Cleanup Action")).await?;
                Ok(events
                    .iter()
                    .find(|event| event["Detail"]["resourceArn"] == canvas_arn.as_str())
                    .map(|event| event["Detail"]["action"].as_str().unwrap_or_default().to_owned()))
            })
            .await?;
            let emitted = cleanup::until("the cleanup's metrics in its log", async || {
                let emitted = cleanup::emitted_metrics(&cleanup::log_messages(aws, prefix).await?);
                Ok((!emitted.is_empty()).then_some(emitted))
            })
            .await?;
            let dashboard = world
                .core_outputs
                .get("CleanupDashboardName")
                .ok_or_else(|| StepError::new("the core stack has no output CleanupDashboardName"))?;
            let graphed = cleanup::dashboard_metrics(aws, dashboard).await?;
            let missing: Vec<_> = emitted.difference(&graphed).collect();
            if !missing.is_empty() {
                return Err(StepError::new(format!("the dashboard {dashboard} graphs none of {missing:?}")));
            }
            Ok(((), format!(
                "Canvas {status} ({acted}); the runs logged {} metrics, every one on the dashboard {dashboard}",
                emitted.len()
            )))
        },
    )
    .await?;

    // 7. Termination.
    step(
        narrator,
        "Cloud admin terminates the data access grant product: alice's grant revoked",
        async |narrator| {
            let alice_role = world.launched_output("alice", "ExecutionRoleArn")?;
            measured(
                aws,
                figures,
                format!("TerminateProvisionedProduct {GRANT_PRODUCT}"),
                Duration::ZERO,
                catalog.terminate(narrator, world.launched("grant")?),
            )
            .await?;
            let entries = table_permissions(world.admin()?, &alice_role).await?;
            if !entries.is_empty() {
                return Err(StepError::new(format!(
                    "alice's role still holds {entries:?}"
                )));
            }
            Ok((
                (),
                "alice's role holds nothing on risk.transactions".to_owned(),
            ))
        },
    )
    .await?;

    for user in ["alice", "bob"] {
        step(
            narrator,
            &format!("Cloud admin terminates {user}'s user profile product: apps, spaces, profile and role go"),
            async |narrator| {
                let domain_id = world.domain_id()?;
                measured(
                    aws,
                    figures,
                    format!("TerminateProvisionedProduct {USER_PRODUCT} ({user})"),
                    profile_wait,
                    catalog.terminate(narrator, world.launched(user)?),
                )
                .await?;
                let role_arn = world.launched_output(user, "ExecutionRoleArn")?;
                profile_gone(world.admin()?, &domain_id, user).await?;
                let role = role_gone(aws, &role_arn).await?;
                let mut detail = format!("profile {user} and role {role} deleted");
                if user == "alice" {
                    let spaces = aws.sagemaker("ListSpaces", &json!({"DomainIdEquals": domain_id})).await?;
                    let left: Vec<&str> = spaces["Spaces"]
                        .as_array()
                        .map(|spaces| spaces.iter().filter_map(|s| s["SpaceName"].as_str()).collect())
                        .unwrap_or_default();
                    if left.contains(&"alice-space") {
                        return Err(StepError::new("alice's private space is still there"));
                    }
                    detail.push_str(", her private space and its app with it");
                }
                Ok(((), detail))
            },
        )
        .await?;
    }

    step(
        narrator,
        "Cloud admin terminates the domain product: domain deleted, home file system retained",
        async |narrator| {
            let domain_id = world.domain_id()?;
            let home = world.launched_output("domain", "HomeEfsFileSystemId")?;
            measured(
                aws,
                figures,
                format!("TerminateProvisionedProduct {DOMAIN_PRODUCT}"),
                domain_wait,
                catalog.terminate(narrator, world.launched("domain")?),
            )
            .await?;
            if world
                .admin()?
                .sagemaker()
                .describe_domain()
                .domain_id(&domain_id)
                .send()
                .await
                .is_ok()
            {
                return Err(StepError::new(format!("domain {domain_id} is still there")));
            }
            let state = aws
                .efs_file_systems()
                .await?
                .into_iter()
                .find(|fs| fs.file_system_id == home)
                .map(|fs| fs.state)
                .unwrap_or_default();
            if state != "retained" {
                return Err(StepError::new(format!(
                    "home EFS {home} is {state:?}, expected retained"
                )));
            }
            Ok((
                (),
                format!("domain {domain_id} deleted; home EFS {home} retained"),
            ))
        },
    )
    .await?;

    step(
        narrator,
        "Nothing is left: every product stack DELETE_COMPLETE, no provisioned products, no domains",
        async |_narrator| {
            let admin = world.admin()?;
            let cfn = admin.cloudformation();
            for stack in &world.stacks {
                let described = cfn.describe_stacks().stack_name(stack).send().await?;
                let status = described
                    .stacks()
                    .first()
                    .and_then(|s| s.stack_status())
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default();
                if status != "DELETE_COMPLETE" {
                    return Err(StepError::new(format!("stack {stack} is {status}")));
                }
            }
            let left = catalog.provisioned_product_names().await?;
            if !left.is_empty() {
                return Err(StepError::new(format!(
                    "provisioned products left: {left:?}"
                )));
            }
            let domains = aws.sagemaker("ListDomains", &json!({})).await?;
            let live: Vec<&str> = domains["Domains"]
                .as_array()
                .map(|domains| {
                    domains
                        .iter()
                        .filter_map(|d| d["DomainId"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            if !live.is_empty() {
                return Err(StepError::new(format!("domains left: {live:?}")));
            }
            Ok((
                (),
                format!(
                    "{} product stacks DELETE_COMPLETE; no provisioned product, no domain",
                    world.stacks.len()
                ),
            ))
        },
    )
    .await?;
    Some(())
}

/// Polls `status` (what Studio shows of a space or an app it created) until it is `InService`;
/// a step error after a minute.
/// How many presigned URLs the emulator has issued so far.
async fn issued_urls(aws: &AwsEmulator) -> Result<usize, StepError> {
    let issued = aws.control(Method::GET, "/presigned-urls", None).await?;
    Ok(issued["presigned_urls"].as_array().map_or(0, Vec::len))
}

/// The SAML metadata of the company's identity provider as IAM's CreateSAMLProvider takes it
/// (1,000 to 10,000,000 characters, botocore's `iam` model): an `EntityDescriptor` with a
/// signing key, whose certificate the emulator does not check, and a sign-on endpoint.
fn saml_metadata(name: &str) -> String {
    let certificate = aws_smithy_types::base64::encode("not a real certificate ".repeat(40));
    format!(
        r#"<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://{name}.example.com/saml"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://{name}.example.com/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#
    )
}

async fn until_in_service(
    what: &str,
    status: impl AsyncFn() -> Result<String, StepError>,
) -> Result<(), StepError> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = status().await?;
        if now == "InService" {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(StepError::new(format!("{what} is still {now} after 60 s")));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Polls `status` until it answers one of `wanted` (returned); a step error after a minute.
async fn until_status(
    what: &str,
    wanted: &[&str],
    status: impl AsyncFn() -> Result<String, StepError>,
) -> Result<String, StepError> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = status().await?;
        if wanted.contains(&now.as_str()) {
            return Ok(now);
        }
        if Instant::now() > deadline {
            return Err(StepError::new(format!(
                "{what} is still {now} after 60 s, expected {wanted:?}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Where a Studio app runs: on a user's own profile (Studio Classic) or in a space.
#[derive(Debug, Clone, Copy)]
enum AppHome<'a> {
    Profile(&'a str),
    Space(&'a str),
}

impl AppHome<'_> {
    fn profile(self) -> Option<String> {
        match self {
            AppHome::Profile(user) => Some(user.to_owned()),
            AppHome::Space(_) => None,
        }
    }

    fn space(self) -> Option<String> {
        match self {
            AppHome::Space(space) => Some(space.to_owned()),
            AppHome::Profile(_) => None,
        }
    }
}

/// The status of the `default` app of `app_type` in `home`, as `sm` reads it (DescribeApp).
async fn app_status(
    sm: &aws_sdk_sagemaker::Client,
    domain_id: &str,
    home: AppHome<'_>,
    app_type: AppType,
) -> Result<String, StepError> {
    let described = sm
        .describe_app()
        .domain_id(domain_id)
        .set_user_profile_name(home.profile())
        .set_space_name(home.space())
        .app_type(app_type)
        .app_name("default")
        .send()
        .await?;
    Ok(described
        .status()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default())
}

/// `sm` creates the `default` app of `app_type` in `home` (CreateApp) and waits until it is
/// InService; `what` names it in an error.
async fn start_app(
    sm: &aws_sdk_sagemaker::Client,
    domain_id: &str,
    home: AppHome<'_>,
    app_type: AppType,
    what: &str,
) -> Result<(), StepError> {
    sm.create_app()
        .domain_id(domain_id)
        .set_user_profile_name(home.profile())
        .set_space_name(home.space())
        .app_type(app_type.clone())
        .app_name("default")
        .send()
        .await?;
    until_status(what, &["InService"], async || {
        app_status(sm, domain_id, home, app_type.clone()).await
    })
    .await?;
    Ok(())
}

/// `sm` deletes the `default` app of `app_type` in `home` (DeleteApp) and waits until it is
/// Deleted; its last status.
async fn stop_app(
    sm: &aws_sdk_sagemaker::Client,
    domain_id: &str,
    home: AppHome<'_>,
    app_type: AppType,
    what: &str,
) -> Result<String, StepError> {
    sm.delete_app()
        .domain_id(domain_id)
        .set_user_profile_name(home.profile())
        .set_space_name(home.space())
        .app_type(app_type.clone())
        .app_name("default")
        .send()
        .await?;
    until_status(what, &["Deleted"], async || {
        app_status(sm, domain_id, home, app_type.clone()).await
    })
    .await
}

/// The status of space `space` as `sm` reads it (DescribeSpace), `gone` once SageMaker answers
/// ResourceNotFound.
async fn space_status(
    sm: &aws_sdk_sagemaker::Client,
    domain_id: &str,
    space: &str,
) -> Result<String, StepError> {
    match sm
        .describe_space()
        .domain_id(domain_id)
        .space_name(space)
        .send()
        .await
    {
        Ok(described) => Ok(described
            .status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default()),
        Err(error) => {
            let error = error.into_service_error();
            if error.is_resource_not_found() {
                Ok("gone".to_owned())
            } else {
                Err(error.into())
            }
        }
    }
}

/// What Studio reads when a user opens it, as her execution role `studio`: the domains
/// (ListDomains), her domain (DescribeDomain), her profile and its tags (DescribeUserProfile,
/// ListTags), the domain's profiles, spaces and apps (ListUserProfiles, ListSpaces, ListApps).
/// Our model of Studio's UI: the SageMaker Developer Guide names no call list; these are the
/// reads the user product's execution role grants for it (ReadTheDomainAndOwnProfile,
/// ListActionsHaveNoResourceLevelPermissions), each answered as it should be.
async fn studio_opens(
    studio: &Session,
    domain_id: &str,
    user: &str,
    profile_arn: &str,
) -> Result<String, StepError> {
    let sm = studio.sagemaker();
    let domains = sm.list_domains().send().await?;
    if !domains
        .domains()
        .iter()
        .any(|d| d.domain_id() == Some(domain_id))
    {
        return Err(StepError::new(format!(
            "ListDomains as {user}'s role: {domain_id} not listed"
        )));
    }
    let domain = sm.describe_domain().domain_id(domain_id).send().await?;
    let status = domain.status().map(|s| s.as_str()).unwrap_or_default();
    if status != "InService" {
        return Err(StepError::new(format!(
            "DescribeDomain {domain_id} as {user}'s role: {status}"
        )));
    }
    let profile = sm
        .describe_user_profile()
        .domain_id(domain_id)
        .user_profile_name(user)
        .send()
        .await?;
    if profile.user_profile_arn() != Some(profile_arn) {
        return Err(StepError::new(format!(
            "DescribeUserProfile {user}: {:?}",
            profile.user_profile_arn()
        )));
    }
    let tags = sm.list_tags().resource_arn(profile_arn).send().await?;
    if !tags
        .tags()
        .iter()
        .any(|t| t.key() == Some("studiouserid") && t.value() == Some(user))
    {
        return Err(StepError::new(format!(
            "ListTags of {user}'s profile: {:?}",
            tags.tags()
        )));
    }
    let profiles = sm
        .list_user_profiles()
        .domain_id_equals(domain_id)
        .send()
        .await?;
    let mut names: Vec<&str> = profiles
        .user_profiles()
        .iter()
        .filter_map(|p| p.user_profile_name())
        .collect();
    names.sort_unstable();
    if !names.contains(&user) {
        return Err(StepError::new(format!(
            "ListUserProfiles of {domain_id}: {names:?}, without {user}"
        )));
    }
    let spaces = sm.list_spaces().domain_id_equals(domain_id).send().await?;
    let apps = sm.list_apps().domain_id_equals(domain_id).send().await?;
    Ok(format!(
        "ListDomains, DescribeDomain ({status}), DescribeUserProfile and ListTags of {user} (studiouserid={user}), ListUserProfiles {names:?}, ListSpaces ({} spaces), ListApps ({} apps)",
        spaces.spaces().len(),
        apps.apps().len()
    ))
}

/// Studio renames space `space` (UpdateSpace, as the owner's execution role `studio`) and waits
/// for the update to end; the space's ARN.
async fn studio_updates_space(
    studio: &Session,
    domain_id: &str,
    space: &str,
) -> Result<String, StepError> {
    let sm = studio.sagemaker();
    let display_name = format!("{space} (risk)");
    let updated = sm
        .update_space()
        .domain_id(domain_id)
        .space_name(space)
        .space_display_name(&display_name)
        .send()
        .await?;
    until_status(
        &format!("space {space} after its update"),
        &["InService"],
        async || space_status(&sm, domain_id, space).await,
    )
    .await?;
    let described = sm
        .describe_space()
        .domain_id(domain_id)
        .space_name(space)
        .send()
        .await?;
    if described.space_display_name() != Some(display_name.as_str()) {
        return Err(StepError::new(format!(
            "UpdateSpace {space}: display name {:?}",
            described.space_display_name()
        )));
    }
    Ok(updated.space_arn().unwrap_or_default().to_owned())
}

/// An app of the user's own profile (no space; Studio Classic's JupyterServer `default`), as
/// her execution role `studio`: created, InService, deleted (the user product's
/// OwnAppsInThisDomain).
async fn studio_own_app(
    studio: &Session,
    domain_id: &str,
    user: &str,
) -> Result<String, StepError> {
    let sm = studio.sagemaker();
    let home = AppHome::Profile(user);
    let what = format!("{user}'s JupyterServer app");
    start_app(&sm, domain_id, home, AppType::JupyterServer, &what).await?;
    let after = stop_app(&sm, domain_id, home, AppType::JupyterServer, &what).await?;
    Ok(format!(
        "{user}'s own JupyterServer app created, InService, deleted ({after})"
    ))
}

/// A scratch space of the user's, made and deleted in Studio as her execution role `studio`:
/// CreateSpace, its JupyterLab app, DeleteApp, DeleteSpace (ChangeOnlyOwnSpacesAndTheirApps).
async fn studio_scratch_space(
    studio: &Session,
    domain_id: &str,
    user: &str,
) -> Result<String, StepError> {
    let sm = studio.sagemaker();
    let space = format!("{user}-scratch");
    sm.create_space()
        .domain_id(domain_id)
        .space_name(&space)
        .ownership_settings(
            OwnershipSettings::builder()
                .owner_user_profile_name(user)
                .build(),
        )
        .space_sharing_settings(
            SpaceSharingSettings::builder()
                .sharing_type(SharingType::Private)
                .build(),
        )
        .space_settings(
            SpaceSettings::builder()
                .app_type(AppType::JupyterLab)
                .build(),
        )
        .send()
        .await?;
    until_status(&format!("space {space}"), &["InService"], async || {
        space_status(&sm, domain_id, &space).await
    })
    .await?;
    let what = format!("the app of {space}");
    start_app(
        &sm,
        domain_id,
        AppHome::Space(&space),
        AppType::JupyterLab,
        &what,
    )
    .await?;
    stop_app(
        &sm,
        domain_id,
        AppHome::Space(&space),
        AppType::JupyterLab,
        &what,
    )
    .await?;
    sm.delete_space()
        .domain_id(domain_id)
        .space_name(&space)
        .send()
        .await?;
    until_status(&format!("deleted space {space}"), &["gone"], async || {
        space_status(&sm, domain_id, &space).await
    })
    .await?;
    Ok(format!(
        "{space} created, its JupyterLab app run and deleted, the space deleted"
    ))
}

/// The team's shared space: the platform admin creates it (owned by alice, shared); Studio, as
/// the domain's default execution role `default_role_arn` (the role of the domain's
/// DefaultUserSettings, which DescribeDomain answers), reads the domain, its profiles, spaces and
/// apps, and creates, describes and deletes a JupyterLab app in it (the domain product's
/// DefaultExecutionRolePolicy); the admin then deletes the space (it would keep alice's profile
/// from being deleted).
async fn shared_space(
    aws: &AwsEmulator,
    admin: &Session,
    default_role_arn: &str,
    domain_id: &str,
    narrator: &mut Narrator,
) -> Result<String, StepError> {
    let platform = admin.sagemaker();
    platform
        .create_space()
        .domain_id(domain_id)
        .space_name(SHARED_SPACE)
        .ownership_settings(
            OwnershipSettings::builder()
                .owner_user_profile_name("alice")
                .build(),
        )
        .space_sharing_settings(
            SpaceSharingSettings::builder()
                .sharing_type(SharingType::Shared)
                .build(),
        )
        .space_settings(
            SpaceSettings::builder()
                .app_type(AppType::JupyterLab)
                .build(),
        )
        .send()
        .await?;
    until_status(
        &format!("shared space {SHARED_SPACE}"),
        &["InService"],
        async || space_status(&platform, domain_id, SHARED_SPACE).await,
    )
    .await?;
    let studio = Session::studio(aws, default_role_arn).await?;
    narrator.progress(&format!("Studio for the shared space: {}", studio.arn));
    let sm = studio.sagemaker();
    let domain = sm.describe_domain().domain_id(domain_id).send().await?;
    let role = domain
        .default_user_settings()
        .and_then(|settings| settings.execution_role());
    if role != Some(default_role_arn) {
        return Err(StepError::new(format!(
            "the domain's default execution role is {role:?}, the product's {default_role_arn}"
        )));
    }
    let profiles = sm
        .list_user_profiles()
        .domain_id_equals(domain_id)
        .send()
        .await?;
    let owner = sm
        .describe_user_profile()
        .domain_id(domain_id)
        .user_profile_name("alice")
        .send()
        .await?;
    let spaces = sm.list_spaces().domain_id_equals(domain_id).send().await?;
    if !spaces
        .spaces()
        .iter()
        .any(|space| space.space_name() == Some(SHARED_SPACE))
    {
        return Err(StepError::new(format!(
            "ListSpaces as the default role: no {SHARED_SPACE}"
        )));
    }
    let described = sm
        .describe_space()
        .domain_id(domain_id)
        .space_name(SHARED_SPACE)
        .send()
        .await?;
    let sharing = described
        .space_sharing_settings()
        .and_then(|settings| settings.sharing_type())
        .map(|sharing| sharing.as_str().to_owned())
        .unwrap_or_default();
    if sharing != "Shared" {
        return Err(StepError::new(format!(
            "DescribeSpace {SHARED_SPACE}: sharing {sharing:?}"
        )));
    }
    let home = AppHome::Space(SHARED_SPACE);
    let what = format!("the app of {SHARED_SPACE}");
    start_app(&sm, domain_id, home, AppType::JupyterLab, &what).await?;
    let apps = sm
        .list_apps()
        .domain_id_equals(domain_id)
        .space_name_equals(SHARED_SPACE)
        .send()
        .await?;
    if apps.apps().len() != 1 {
        return Err(StepError::new(format!(
            "ListApps of {SHARED_SPACE}: {:?}",
            apps.apps()
        )));
    }
    stop_app(&sm, domain_id, home, AppType::JupyterLab, &what).await?;
    platform
        .delete_space()
        .domain_id(domain_id)
        .space_name(SHARED_SPACE)
        .send()
        .await?;
    until_status(
        &format!("deleted space {SHARED_SPACE}"),
        &["gone"],
        async || space_status(&platform, domain_id, SHARED_SPACE).await,
    )
    .await?;
    Ok(format!(
        "shared space {SHARED_SPACE} (owner {}): as the domain's default role, DescribeDomain, ListUserProfiles ({}), DescribeUserProfile, ListSpaces, DescribeSpace, an app created, InService, listed, deleted; the space deleted by the admin",
        owner.user_profile_name().unwrap_or_default(),
        profiles.user_profiles().len()
    ))
}

/// That `user`'s profile (DescribeUserProfile) is gone.
async fn profile_gone(admin: &Session, domain_id: &str, user: &str) -> Result<(), StepError> {
    let profile = admin
        .sagemaker()
        .describe_user_profile()
        .domain_id(domain_id)
        .user_profile_name(user)
        .send()
        .await;
    match profile {
        Ok(profile) => Err(StepError::new(format!(
            "{user}'s profile is still there, {:?}",
            profile.status()
        ))),
        Err(_) => Ok(()),
    }
}

/// The user-profile products' execution roles that exist now (IAM `ListRoles`): their names
/// start with the product role prefix and `user-` (the template adds the stack's id).
async fn user_roles(aws: &AwsEmulator) -> Result<Vec<String>, StepError> {
    let listed = aws
        .call_query("iam", IAM_VERSION, "ListRoles", &[("MaxItems", "1000")])
        .await?;
    let prefix = format!("{PRODUCT_ROLE_PREFIX}user-");
    Ok(listed
        .split("<RoleName>")
        .skip(1)
        .filter_map(|rest| {
            rest.split_once("</RoleName>")
                .map(|(name, _)| name.trim().to_owned())
        })
        .filter(|name| name.starts_with(&prefix))
        .collect())
}

/// That the role `role_arn` (a user product's `ExecutionRoleArn`) is gone (IAM `GetRole`:
/// `NoSuchEntity`); its name.
async fn role_gone(aws: &AwsEmulator, role_arn: &str) -> Result<String, StepError> {
    let role = role_arn.rsplit('/').next().unwrap_or(role_arn).to_owned();
    match aws
        .call_query("iam", IAM_VERSION, "GetRole", &[("RoleName", &role)])
        .await
    {
        Err(EmulatorError::Aws { error_type, .. }) if error_type == "NoSuchEntity" => Ok(role),
        other => Err(StepError::new(format!("role {role}: {other:?}"))),
    }
}

/// Every Lake Formation entry `principal` holds on the story's table (table-level and
/// column-level: `ListPermissions` with a `Table` resource lists both).
async fn table_permissions(
    admin: &Session,
    principal: &str,
) -> Result<Vec<PrincipalResourcePermissions>, StepError> {
    let listed = admin
        .lakeformation()
        .list_permissions()
        .principal(
            DataLakePrincipal::builder()
                .data_lake_principal_identifier(principal)
                .build(),
        )
        .resource(
            Resource::builder()
                .table(
                    TableResource::builder()
                        .database_name(DATABASE)
                        .name(TABLE)
                        .build()?,
                )
                .build(),
        )
        .send()
        .await?;
    Ok(listed.principal_resource_permissions().to_vec())
}

/// Whether some entry lets its principal `SELECT` on the table (or some of its columns).
fn selectable(entries: &[PrincipalResourcePermissions]) -> bool {
    entries.iter().any(|entry| {
        entry
            .permissions()
            .iter()
            .any(|permission| matches!(permission.as_str(), "SELECT" | "ALL"))
    })
}

/// The sorted `ExcludedColumnNames` of the column-wildcard entries.
fn excluded_columns(entries: &[PrincipalResourcePermissions]) -> Vec<String> {
    let mut excluded: Vec<String> = entries
        .iter()
        .filter_map(|entry| entry.resource()?.table_with_columns()?.column_wildcard())
        .flat_map(|wildcard| wildcard.excluded_column_names().to_vec())
        .collect();
    excluded.sort();
    excluded
}
