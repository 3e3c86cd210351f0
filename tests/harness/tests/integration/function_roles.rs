//! The functions' code paths under the roles `templates/core.yaml` gives them, with IAM
//! enforced (the harness's default). The functions' own integration tests sign as the account
//! root, so they prove nothing about the roles; the end-to-end story runs the functions under
//! their roles but takes only the launch's paths. Here the core stack is deployed with the real
//! deploy tool, as the story deploys it, and each remaining path is driven for real: stacks with
//! the custom resources (their `ServiceToken` the core stack's output) are created, updated and
//! deleted; the cleanup schedule fires. Each step asserts the AWS state it leaves AND that the
//! emulator's decision log holds the path's actions, allowed, for the function's role session —
//! the test fails if a path stops being taken or its grant stops allowing it.
//!
//! The paths (grants `scripts/least-privilege` found exercised by no test under the role):
//! - domain function: `lambda:InvokeFunction` (handing a long wait on to a new invocation of
//!   itself), `sagemaker:DeleteTags` (an update's tag diff), `DeleteApp`/`DeleteSpace`/
//!   `DeleteUserProfile` (a delete with `DeleteUserProfiles=true`);
//! - profile function: `lambda:InvokeFunction` (its create handed on), `iam:GetRole` (the
//!   execution role's `studio-catalog:user-profile` tag checked), `sagemaker:DescribeDomain`
//!   and `UpdateUserProfile` (an update that drops `ExecutionRoleArn`: back to the domain's
//!   default role), `DeleteTags`, `DeleteApp` (a delete of a profile with an app);
//! - space function: every grant — `lambda:InvokeFunction` (its create handed on),
//!   `sagemaker:DescribeUserProfile` (the owner checked), `DescribeDomain` (the EBS maximum),
//!   `CreateSpace` and `AddTags` (created with its tags), `DescribeSpace`, `ListTags`,
//!   `DeleteTags` and `UpdateSpace` (an update in place), `ListApps`, `DeleteApp` and
//!   `DeleteSpace` (a delete with `DeleteSpaceData=true` and an app running);
//! - grant function: `lambda:InvokeFunction` (waiting for IAM to know the principal, handed on);
//! - lifecycle config function: every grant (`ListStudioLifecycleConfigs`, `CreateStudioLifecycleConfig`
//!   with `AddTags`, `ListTags`, `DeleteStudioLifecycleConfig`, `lambda:InvokeFunction`; and, for a
//!   refused delete naming what lists the config, `ListDomains`/`DescribeDomain`,
//!   `ListUserProfiles`/`DescribeUserProfile`, `ListSpaces`/`DescribeSpace`);
//! - cleanup function, over two runs a grace period apart (issue #15: warn, then act):
//!   `sagemaker:DescribeDomain` (`CleanupDomainIds`), `ListUserProfiles`, `DescribeUserProfile`,
//!   `ListSpaces`, `DescribeSpace`, `UpdateSpace` (a space's idle shutdown beyond the maximum,
//!   repaired), `AddTags` (the warning tag on what expired), `ssm:PutParameter` and
//!   `GetParametersByPath` (a provisioned product's warning), `events:PutEvents` (the warnings
//!   and actions); then `StopNotebookInstance`, `DeleteEndpoint` (tagged `expires-at` in the past),
//!   `servicecatalog:SearchProvisionedProducts`, `TerminateProvisionedProduct`,
//!   `cloudformation:DescribeStacks` (an expired provisioned product), `ssm:DeleteParameter`, and
//!   `sagemaker:DeleteTags` (the warning taken back from a notebook made exempt meanwhile);
//! - sign-in function (the domain product's `PresignedUrlFunctionRole`, its template created as
//!   a plain stack): `sagemaker:DescribeSpace` (a sign-in into the caller's private space),
//!   `sagemaker:DescribeDomain` (a refused sign-in checks the domain is not an IAM Identity
//!   Center one), `tag:GetResources` (the profile found by its tag) and
//!   `sagemaker:ListUserProfiles` (the listing it falls back to when GetResources fails).
//!
//! A hand-on happens in AWS when a wait outlasts the function's 900 s Timeout (a domain takes
//! minutes); here the platform admin shortens the function's Timeout (Lambda
//! `UpdateFunctionConfiguration`) for that step only and the emulator keeps the resource in
//! transition for a few seconds, so the same code path is taken in seconds.
//!
//! Not here: the grant function's `glue:GetCatalog`/`GetDatabase`/`GetTable` (the emulator's
//! Lake Formation does not authorise the grantor's Data Catalog reads; a cross-account catalog
//! needs them).
//!
//! It runs the built binaries (`cargo build --workspace --bins` first; `scripts/test` does).

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_cloudformation::types::StackStatus;
use aws_sdk_sts::config::Credentials;
use reqwest::Method;
use serde_json::{Value, json};
use studio_catalog_harness::cleanup;
use studio_catalog_harness::emulator::{AwsEmulator, Fault, xml_text};
use studio_catalog_harness::function_url::signed_get;
use studio_catalog_harness::story::{
    CapturedOutput, DeployRun, Narrator, service_catalog_end_user_policy,
};
use studio_catalog_harness::{
    ACCOUNT_ID, REGION, assert_debug_binaries_built, target_dir, workspace_root,
};

const IAM_VERSION: &str = "2010-05-08";
const CORE_STACK: &str = "studio-catalog-core";
/// The core stack's `ProductRolePrefix` (its default): the functions may pass only such roles.
const EXECUTION_ROLE: &str = "studio-sc-function-roles-execution";
const DEFAULT_EXECUTION_ROLE: &str = "studio-sc-function-roles-default";
const CLOUD_ADMIN_ROLE: &str = "CloudAdmin";
/// The role a data access grant names before IAM knows it.
const ANALYST_ROLE: &str = "studio-sc-function-roles-analyst";
const DOMAIN_NAME: &str = "function-roles";
/// The SSM path of the cleanup's provisioned products' warnings (core.yaml's `WARNING_PARAMETER_PATH`, `/<NamePrefix>/cleanup/warnings`).
const WARNING_PATH: &str = "/studio-catalog/cleanup/warnings";
const DATABASE: &str = "claims";
const TABLE: &str = "payments";
/// How long one stack operation or one cleanup effect may take.
const DEADLINE: Duration = Duration::from_secs(60);

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The decision log's length now: a step's decisions are those after it.
async fn decisions_now(aws: &AwsEmulator) -> TestResult<usize> {
    Ok(aws.iam_decisions().await?.len())
}

/// Asserts that since decision `from`, each of `actions` was decided `Allowed` for a session of
/// the role `role` (`arn:aws:sts::<account>:assumed-role/<role>/<session>`), and that the role
/// was refused nothing.
async fn assert_allowed(
    aws: &AwsEmulator,
    from: usize,
    role: &str,
    actions: &[&str],
    path: &str,
) -> TestResult {
    let decisions = aws.iam_decisions().await?;
    let marker = format!(":assumed-role/{role}/");
    let of_role: Vec<&Value> = decisions
        .iter()
        .skip(from)
        .filter(|decision| {
            decision["principal"]
                .as_str()
                .is_some_and(|principal| principal.contains(&marker))
        })
        .collect();
    let summary = || {
        of_role
            .iter()
            .map(|d| format!("{} {} {}", d["action"], d["result"], d["resources"]))
            .collect::<Vec<_>>()
    };
    for action in actions {
        assert!(
            of_role
                .iter()
                .any(|d| d["action"] == *action && d["result"] == "Allowed"),
            "{path}: no Allowed {action} for {role}; its decisions: {:#?}",
            summary()
        );
    }
    let refused: Vec<&&Value> = of_role
        .iter()
        .filter(|d| d["result"] != "Allowed")
        .collect();
    assert!(
        refused.is_empty(),
        "{path}: {role} was refused: {refused:#?}"
    );
    Ok(())
}

/// The messages in log group `group` (CloudWatch Logs `FilterLogEvents`).
async fn log_messages(aws: &AwsEmulator, group: &str) -> TestResult<Vec<String>> {
    Ok(aws
        .log_messages(group)
        .await?
        .into_iter()
        // A JSON log line: its level and fields only (not the spans).
        .map(|message| match serde_json::from_str::<Value>(&message) {
            Ok(line) if line.is_object() => format!("{} {}", line["level"], line["fields"]),
            _ => message,
        })
        .collect())
}

/// The decisions since `from` for sessions of role `role`, one line each.
async fn role_decisions(aws: &AwsEmulator, from: usize, role: &str) -> TestResult<Vec<String>> {
    let marker = format!(":assumed-role/{role}/");
    Ok(aws
        .iam_decisions()
        .await?
        .iter()
        .skip(from)
        .filter(|d| d["principal"].as_str().is_some_and(|p| p.contains(&marker)))
        .map(|d| format!("{} {} {}", d["action"], d["result"], d["resources"]))
        .collect())
}

/// Waits until `probe` answers `Some`, at most [`DEADLINE`].
async fn wait_for<T>(
    what: &str,
    mut probe: impl AsyncFnMut() -> TestResult<Option<T>>,
) -> TestResult<T> {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(found) = probe().await? {
            return Ok(found);
        }
        if Instant::now() > deadline {
            return Err(format!("{what}: not within {DEADLINE:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// CloudFormation as the platform admin: stacks of custom resources, followed to their end.
struct Stacks {
    cfn: aws_sdk_cloudformation::Client,
}

impl Stacks {
    /// The stack's status once no operation is in progress, and its events' failure reasons.
    async fn settled(&self, stack: &str) -> TestResult<(StackStatus, Vec<String>)> {
        let status = wait_for(&format!("stack {stack} settles"), async || {
            let described = self.cfn.describe_stacks().stack_name(stack).send().await?;
            let status = described
                .stacks()
                .first()
                .and_then(|s| s.stack_status().cloned())
                .ok_or_else(|| format!("no stack {stack}"))?;
            Ok((!status.as_str().ends_with("_IN_PROGRESS")).then_some(status))
        })
        .await?;
        let events = self
            .cfn
            .describe_stack_events()
            .stack_name(stack)
            .send()
            .await?;
        let reasons = events
            .stack_events()
            .iter()
            .filter_map(|event| {
                let status = event.resource_status()?.as_str();
                status.ends_with("_FAILED").then(|| {
                    format!(
                        "{} {status}: {}",
                        event.logical_resource_id().unwrap_or_default(),
                        event.resource_status_reason().unwrap_or_default()
                    )
                })
            })
            .collect();
        Ok((status, reasons))
    }

    /// Creates the stack; returns its id once `CREATE_COMPLETE`.
    async fn create(&self, name: &str, template: &Value) -> TestResult<String> {
        let created = self
            .cfn
            .create_stack()
            .stack_name(name)
            .template_body(template.to_string())
            .send()
            .await?;
        let id = created.stack_id().unwrap_or(name).to_owned();
        let (status, reasons) = self.settled(&id).await?;
        assert_eq!(status, StackStatus::CreateComplete, "{name}: {reasons:#?}");
        Ok(id)
    }

    async fn update(&self, id: &str, template: &Value) -> TestResult {
        self.cfn
            .update_stack()
            .stack_name(id)
            .template_body(template.to_string())
            .send()
            .await?;
        let (status, reasons) = self.settled(id).await?;
        assert_eq!(status, StackStatus::UpdateComplete, "{id}: {reasons:#?}");
        Ok(())
    }

    async fn delete(&self, id: &str) -> TestResult {
        self.cfn.delete_stack().stack_name(id).send().await?;
        let (status, reasons) = self.settled(id).await?;
        assert_eq!(status, StackStatus::DeleteComplete, "{id}: {reasons:#?}");
        Ok(())
    }
}

/// A template of one custom resource.
fn custom_resource(resource_type: &str, properties: &Value) -> Value {
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Resource": {"Type": resource_type, "Properties": properties}},
        "Outputs": {"Id": {"Value": {"Ref": "Resource"}}}
    })
}

/// The function `function_arn`'s execution role's name (Lambda `GetFunctionConfiguration`).
async fn role_of(aws: &AwsEmulator, function_arn: &str) -> TestResult<String> {
    let name = function_arn.rsplit(':').next().unwrap_or_default();
    let configuration = aws
        .call_rest(
            "lambda",
            Method::GET,
            &format!("/2015-03-31/functions/{name}/configuration"),
            None,
        )
        .await?;
    let role = configuration["Role"].as_str().unwrap_or_default();
    Ok(role.rsplit('/').next().unwrap_or_default().to_owned())
}

/// Lambda `UpdateFunctionConfiguration` of the function's `Timeout`.
async fn set_timeout(aws: &AwsEmulator, function_arn: &str, seconds: u64) -> TestResult {
    let name = function_arn.rsplit(':').next().unwrap_or_default();
    aws.call_rest(
        "lambda",
        Method::PUT,
        &format!("/2015-03-31/functions/{name}/configuration"),
        Some(&json!({"Timeout": seconds})),
    )
    .await?;
    Ok(())
}

/// The SageMaker resource's status (`Describe<kind>` with `key`), or `gone`.
async fn sagemaker_status(aws: &AwsEmulator, operation: &str, key: &Value) -> TestResult<String> {
    match aws.sagemaker(operation, key).await {
        Ok(described) => {
            let status = ["Status", "NotebookInstanceStatus", "EndpointStatus"]
                .iter()
                .find_map(|field| described[*field].as_str())
                .unwrap_or_default();
            Ok(status.to_owned())
        }
        Err(error) if error.aws_error_type() == Some("ResourceNotFound") => Ok("gone".to_owned()),
        Err(error) if error.to_string().contains("Could not find") => Ok("gone".to_owned()),
        Err(error) => Err(error.into()),
    }
}

async fn wait_status(
    aws: &AwsEmulator,
    operation: &str,
    key: &Value,
    wanted: &[&str],
) -> TestResult<String> {
    wait_for(&format!("{operation} {key} in {wanted:?}"), async || {
        let status = sagemaker_status(aws, operation, key).await?;
        Ok(wanted.contains(&status.as_str()).then_some(status))
    })
    .await
}

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:role/{name}")
}

/// The path of the roles the products make (core.yaml's PassRole statements and the grant
/// function's PRODUCT_ROLE_PATH name it; #14 section 4).
const PRODUCT_ROLE_PATH: &str = "/studio-catalog/products/";

/// A role as the products make them: under [`PRODUCT_ROLE_PATH`].
fn product_role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:role{PRODUCT_ROLE_PATH}{name}")
}

/// An RFC 3339 time a day ago: an `expires-at` that has passed.
fn a_day_ago() -> TestResult<String> {
    let then = SystemTime::now() - Duration::from_secs(24 * 3600);
    Ok(
        aws_smithy_types::DateTime::from(then)
            .fmt(aws_smithy_types::date_time::Format::DateTime)?,
    )
}

/// The platform admin's account: the roles the products would make, the cloud admins' role,
/// a VPC with two subnets, a Glue table. Returns the subnet ids.
async fn prepare_account(aws: &AwsEmulator) -> TestResult<(String, Vec<String>)> {
    let sagemaker = json!({"Service": "sagemaker.amazonaws.com"});
    let account = json!({"AWS": format!("arn:aws:iam::{ACCOUNT_ID}:root")});
    for (role, trusted) in [
        (EXECUTION_ROLE, &sagemaker),
        (DEFAULT_EXECUTION_ROLE, &sagemaker),
        (CLOUD_ADMIN_ROLE, &account),
    ] {
        let path = if role == CLOUD_ADMIN_ROLE {
            "/"
        } else {
            PRODUCT_ROLE_PATH
        };
        aws.create_role_trusting(role, path, trusted).await?;
    }
    aws.call_query(
        "iam",
        IAM_VERSION,
        "PutRolePolicy",
        &[
            ("RoleName", CLOUD_ADMIN_ROLE),
            ("PolicyName", "service-catalog-end-user"),
            (
                "PolicyDocument",
                &service_catalog_end_user_policy().to_string(),
            ),
        ],
    )
    .await?;
    let (vpc_id, subnets) = aws.create_vpc_with_two_subnets(30).await?;
    aws.glue(
        "CreateDatabase",
        &json!({"DatabaseInput": {"Name": DATABASE}}),
    )
    .await?;
    aws.glue(
        "CreateTable",
        &json!({"DatabaseName": DATABASE, "TableInput": {"Name": TABLE,
            "StorageDescriptor": {"Columns": [{"Name": "amount", "Type": "double"}]}}}),
    )
    .await?;
    Ok((vpc_id, subnets))
}

/// `studio-catalog-deploy package` + `deploy`, as the story runs it, with `core` parameters;
/// the core stack's outputs.
async fn deploy(
    aws: &AwsEmulator,
    cfn: &aws_sdk_cloudformation::Client,
    core: Vec<(String, String)>,
) -> TestResult<std::collections::BTreeMap<String, String>> {
    let bin_dir = target_dir().join("debug");
    let manifest: PathBuf = std::env::temp_dir().join(format!(
        "studio-catalog-function-roles-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&manifest)?;
    let mut core_parameters = vec![
        (
            "ResponseUrlAllowedPrefixes".to_owned(),
            format!("{}/", aws.endpoint_url()),
        ),
        // The platform admin's own stacks of custom resources, besides Service Catalog's.
        (
            "CustomResourceStackNames".to_owned(),
            "SC-*,function-roles-*".to_owned(),
        ),
    ];
    core_parameters.extend(core);
    let mut narrator = Narrator::new(Box::new(CapturedOutput));
    DeployRun {
        binary: &bin_dir.join("studio-catalog-deploy"),
        functions_dir: &bin_dir,
        bucket: "studio-catalog-function-roles-artifacts",
        manifest: manifest.join("package.json"),
        core_parameters,
        portfolio_parameters: vec![("CloudAdminRoleArn".to_owned(), role_arn(CLOUD_ADMIN_ROLE))],
        name_prefix: None,
    }
    .run(aws, &mut narrator)
    .await
    .map_err(|error| error.to_string())?;
    let described = cfn.describe_stacks().stack_name(CORE_STACK).send().await?;
    let stack = described.stacks().first().ok_or("no core stack")?;
    Ok(stack
        .outputs()
        .iter()
        .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value()?.to_owned())))
        .collect())
}

/// 3c. `Custom::StudioLifecycleConfig` under its core role: a stack of a config and a profile
/// (erin) that lists its ARN (`Fn::GetAtt`), whose create is handed on (the Timeout shortened to
/// 1 s: the version made, the retiring step in a new invocation); two edits (a new version each;
/// the first old version kept while erin lists it, retired by the second); the stack deleted
/// (erin first, then every version). Then a config alone, listed by a profile the admin made:
/// its delete is refused naming that profile (every domain, profile and space read to name it),
/// and succeeds once the profile lists it no more.
async fn lifecycle_config_paths(
    aws: &AwsEmulator,
    stacks: &Stacks,
    config_token: &str,
    profile_token: &str,
    domain_id: &str,
) -> TestResult {
    let config_role = role_of(aws, config_token).await?;
    let template = |script: &str, tags: Value| {
        json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {
                "LabSetup": {"Type": "Custom::StudioLifecycleConfig", "Properties": {
                    "ServiceToken": config_token,
                    "StudioLifecycleConfigName": "claims-lab-setup",
                    "StudioLifecycleConfigContent": aws_smithy_types::base64::encode(script),
                    "StudioLifecycleConfigAppType": "JupyterLab",
                    "Tags": tags
                }},
                "Erin": {"Type": "Custom::StudioUserProfile", "Properties": {
                    "ServiceToken": profile_token,
                    "DomainId": domain_id,
                    "UserProfileName": "erin",
                    "UserSettings": {"JupyterLabAppSettings": {"LifecycleConfigArns": [
                        {"Fn::GetAtt": ["LabSetup", "StudioLifecycleConfigArn"]}
                    ]}}
                }}
            }
        })
    };
    let listed_by_erin = async || -> TestResult<String> {
        let erin = aws
            .sagemaker(
                "DescribeUserProfile",
                &json!({"DomainId": domain_id, "UserProfileName": "erin"}),
            )
            .await?;
        Ok(
            erin["UserSettings"]["JupyterLabAppSettings"]["LifecycleConfigArns"][0]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    let exists = async |arn: &str| -> TestResult<bool> {
        let name = arn.rsplit('/').next().unwrap_or_default();
        match aws
            .sagemaker(
                "DescribeStudioLifecycleConfig",
                &json!({"StudioLifecycleConfigName": name}),
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(error) if error.aws_error_type() == Some("ResourceNotFound") => Ok(false),
            Err(error) => Err(error.into()),
        }
    };
    let team = json!([{"Key": "team", "Value": "claims"}]);
    let from = decisions_now(aws).await?;
    set_timeout(aws, config_token, 1).await?;
    let stack = stacks
        .create(
            "function-roles-lifecycle-config",
            &template("pip install jupyterlab-git", team.clone()),
        )
        .await?;
    let v1 = listed_by_erin().await?;
    assert!(exists(&v1).await?, "erin lists the first version, {v1}");
    assert_allowed(
        aws,
        from,
        &config_role,
        &[
            "sagemaker:ListStudioLifecycleConfigs",
            "sagemaker:CreateStudioLifecycleConfig",
            "sagemaker:AddTags",
            "sagemaker:ListTags",
            "lambda:InvokeFunction",
        ],
        "lifecycle config create handed on",
    )
    .await?;
    set_timeout(aws, config_token, 900).await?;
    stacks
        .update(
            &stack,
            &template("pip install jupyterlab-git jupyterlab-lsp", team.clone()),
        )
        .await?;
    let v2 = listed_by_erin().await?;
    assert_ne!(v2, v1, "CloudFormation moved erin to the new version");
    assert!(
        exists(&v1).await?,
        "the first version is kept: erin listed it when it was replaced"
    );
    let from = decisions_now(aws).await?;
    stacks
        .update(
            &stack,
            &template(
                "pip install jupyterlab-git jupyterlab-lsp",
                json!([{"Key": "team", "Value": "claims"}, {"Key": "owner", "Value": "erin"}]),
            ),
        )
        .await?;
    let v3 = listed_by_erin().await?;
    assert!(
        !exists(&v1).await? && exists(&v2).await? && exists(&v3).await?,
        "v1 retired"
    );
    assert_allowed(
        aws,
        from,
        &config_role,
        &["sagemaker:DeleteStudioLifecycleConfig"],
        "retired",
    )
    .await?;
    stacks.delete(&stack).await?;
    assert!(
        !exists(&v2).await? && !exists(&v3).await?,
        "the stack's delete took every version"
    );

    // A config alone, listed by a profile the admin made (and a space in the domain, so that
    // every kind of settings is read when the refusal names what lists it).
    let alone = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Resource": {"Type": "Custom::StudioLifecycleConfig", "Properties": {
            "ServiceToken": config_token,
            "StudioLifecycleConfigName": "claims-kernel-setup",
            "StudioLifecycleConfigContent": aws_smithy_types::base64::encode("pip install pandas"),
            "StudioLifecycleConfigAppType": "JupyterLab"
        }}},
        "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Resource", "StudioLifecycleConfigArn"]}}}
    });
    let alone_stack = stacks
        .create("function-roles-lifecycle-config-alone", &alone)
        .await?;
    let described = stacks
        .cfn
        .describe_stacks()
        .stack_name(&alone_stack)
        .send()
        .await?;
    let arn = described
        .stacks()
        .first()
        .and_then(|s| s.outputs().first())
        .and_then(|o| o.output_value())
        .ok_or("the config stack has no output")?
        .to_owned();
    let grace = json!({"DomainId": domain_id, "UserProfileName": "grace",
        "UserSettings": {"JupyterLabAppSettings": {"LifecycleConfigArns": [arn]}}});
    aws.sagemaker("CreateUserProfile", &grace).await?;
    let grace_key = json!({"DomainId": domain_id, "UserProfileName": "grace"});
    wait_status(aws, "DescribeUserProfile", &grace_key, &["InService"]).await?;
    let grace_lab = json!({"DomainId": domain_id, "SpaceName": "grace-lab",
        "OwnershipSettings": {"OwnerUserProfileName": "grace"},
        "SpaceSharingSettings": {"SharingType": "Private"},
        "SpaceSettings": {"AppType": "JupyterLab"}});
    aws.sagemaker("CreateSpace", &grace_lab).await?;
    let from = decisions_now(aws).await?;
    stacks
        .cfn
        .delete_stack()
        .stack_name(&alone_stack)
        .send()
        .await?;
    let (status, reasons) = stacks.settled(&alone_stack).await?;
    assert_eq!(status, StackStatus::DeleteFailed, "{reasons:#?}");
    assert!(
        reasons.iter().any(|r| r.contains(&format!(
            "listed by user profile grace of domain {domain_id}"
        ))),
        "{reasons:#?}"
    );
    assert_allowed(
        aws,
        from,
        &config_role,
        &[
            "sagemaker:ListDomains",
            "sagemaker:DescribeDomain",
            "sagemaker:ListUserProfiles",
            "sagemaker:DescribeUserProfile",
            "sagemaker:ListSpaces",
            "sagemaker:DescribeSpace",
        ],
        "lifecycle config delete refused, naming what lists it",
    )
    .await?;
    aws.sagemaker(
        "UpdateUserProfile",
        &json!({"DomainId": domain_id, "UserProfileName": "grace",
            "UserSettings": {"JupyterLabAppSettings": {"LifecycleConfigArns": []}}}),
    )
    .await?;
    wait_status(aws, "DescribeUserProfile", &grace_key, &["InService"]).await?;
    stacks.delete(&alone_stack).await?;
    assert!(!exists(&arn).await?, "deleted once nothing lists it");
    let space_key = json!({"DomainId": domain_id, "SpaceName": "grace-lab"});
    wait_status(aws, "DescribeSpace", &space_key, &["InService"]).await?;
    aws.sagemaker("DeleteSpace", &space_key).await?;
    wait_status(aws, "DescribeSpace", &space_key, &["gone"]).await?;
    aws.sagemaker("DeleteUserProfile", &grace_key).await?;
    wait_status(aws, "DescribeUserProfile", &grace_key, &["gone"]).await?;
    Ok(())
}

#[allow(
    clippy::too_many_lines,
    reason = "one deploy and one emulator for every path: the steps read in order"
)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_function_path_runs_under_its_core_role() -> TestResult {
    assert_debug_binaries_built(&[
        "studio-catalog-deploy",
        "studio-domain",
        "studio-user-profile",
        "studio-space",
        "studio-lifecycle-config",
        "lakeformation-grant",
        "studio-cleanup",
        "studio-presigned-url",
    ]);
    let started = Instant::now();
    let mark = |what: &str| eprintln!("{:>6.1} s  {what}", started.elapsed().as_secs_f64());
    let aws = AwsEmulator::builder()
        .transition_seconds(0.5)
        .lease()
        .await?;
    assert!(aws.iam_enforced().await?, "IAM is enforced");
    let admin = aws
        .sdk_config(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "function-roles-admin",
        ))
        .await;
    let stacks = Stacks {
        cfn: aws_sdk_cloudformation::Client::new(&admin),
    };

    // The platform admin prepares the account and deploys.
    let (vpc_id, subnets) = prepare_account(&aws).await?;
    let outputs = deploy(&aws, &stacks.cfn, Vec::new()).await?;
    let output = |key: &str| {
        outputs
            .get(key)
            .cloned()
            .ok_or_else(|| format!("the core stack has no output {key}"))
    };
    let domain_token = output("StudioDomainServiceToken")?;
    let profile_token = output("StudioUserProfileServiceToken")?;
    let cleanup_function = output("StudioCleanupFunctionArn")?;
    let domain_role = role_of(&aws, &domain_token).await?;
    let profile_role = role_of(&aws, &profile_token).await?;
    let space_token = output("StudioSpaceServiceToken")?;
    let space_role = role_of(&aws, &space_token).await?;
    let cleanup_role = role_of(&aws, &cleanup_function).await?;
    let grant_token = output("LakeFormationGrantServiceToken")?;
    let grant_role_name = role_of(&aws, &grant_token).await?;
    // tools/deploy/README.md: the grant function's role becomes a data lake administrator.
    let grant_role = output("LakeFormationGrantRoleArn")?;
    aws_sdk_lakeformation::Client::new(&admin)
        .put_data_lake_settings()
        .data_lake_settings(
            aws_sdk_lakeformation::types::DataLakeSettings::builder()
                .data_lake_admins(
                    aws_sdk_lakeformation::types::DataLakePrincipal::builder()
                        .data_lake_principal_identifier(&grant_role)
                        .build(),
                )
                .build(),
        )
        .send()
        .await?;

    mark("deployed");
    // 1. Domain create that outlasts one invocation: the function hands the wait on to a new
    //    invocation of itself (lambda:InvokeFunction on its own ARN). In AWS a domain takes
    //    minutes and the function's Timeout is 900 s; here the admin shortens the Timeout to 4 s
    //    and the emulator keeps the domain Pending 3 s, so the wait outlasts one invocation.
    let from = decisions_now(&aws).await?;
    set_timeout(&aws, &domain_token, 4).await?;
    aws.configure(&json!({"transitions": {"sagemaker::studio-domain": 3.0}}))
        .await?;
    let domain_properties = |tags: Value| {
        json!({
            "ServiceToken": domain_token,
            "DomainName": DOMAIN_NAME,
            "VpcId": vpc_id,
            "SubnetIds": subnets,
            "AppNetworkAccessType": "PublicInternetOnly",
            "DefaultExecutionRoleArn": product_role_arn(DEFAULT_EXECUTION_ROLE),
            "DefaultUserSettings": {"ExecutionRole": product_role_arn(DEFAULT_EXECUTION_ROLE)},
            "DeleteUserProfiles": "true",
            // dave's JupyterLab space (and its EBS volume) goes with the domain.
            "DeleteSpaceData": "true",
            "Tags": tags
        })
    };
    let domain_stack = stacks
        .create(
            "function-roles-domain",
            &custom_resource(
                "Custom::StudioDomain",
                &domain_properties(json!([
                    {"Key": "team", "Value": "claims"},
                    {"Key": "owner", "Value": "platform"}
                ])),
            ),
        )
        .await?;
    let domain_id = {
        let described = stacks
            .cfn
            .describe_stacks()
            .stack_name(&domain_stack)
            .send()
            .await?;
        described
            .stacks()
            .first()
            .and_then(|s| s.outputs().first())
            .and_then(|o| o.output_value())
            .ok_or("the domain stack has no output")?
            .to_owned()
    };
    assert_eq!(
        sagemaker_status(&aws, "DescribeDomain", &json!({"DomainId": domain_id})).await?,
        "InService"
    );
    assert_allowed(
        &aws,
        from,
        &domain_role,
        &["sagemaker:CreateDomain", "lambda:InvokeFunction"],
        "domain create handed on",
    )
    .await?;
    set_timeout(&aws, &domain_token, 900).await?;
    aws.configure(&json!({"transitions": {"sagemaker::studio-domain": 0.5}}))
        .await?;
    let domain_arn = format!("arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:domain/{domain_id}");

    mark("1. domain created (handed on)");
    // 2. Domain update that drops a tag: UpdateDomain's tag diff (sagemaker:DeleteTags).
    let from = decisions_now(&aws).await?;
    stacks
        .update(
            &domain_stack,
            &custom_resource(
                "Custom::StudioDomain",
                &domain_properties(json!([{"Key": "team", "Value": "claims"}])),
            ),
        )
        .await?;
    let tags = aws.sagemaker_tags(&domain_arn).await?;
    assert!(
        tags.iter().any(|(k, v)| k == "team" && v == "claims")
            && !tags.iter().any(|(k, _)| k == "owner"),
        "the domain's tags after the update: {tags:?}"
    );
    assert_allowed(
        &aws,
        from,
        &domain_role,
        &["sagemaker:DeleteTags"],
        "domain tag removed",
    )
    .await?;

    mark("2. domain tag removed");
    // 3. A profile created with ExecutionRoleArn, then updated without it (back to the
    //    domain's default role: DescribeDomain, UpdateUserProfile) and without one tag
    //    (DeleteTags); then deleted with an app running (DeleteApp).
    let profile_properties = |role: Option<String>, tags: Value| {
        let mut properties = json!({
            "ServiceToken": profile_token,
            "DomainId": domain_id,
            "UserProfileName": "carol",
            "Tags": tags
        });
        if let Some(role) = role {
            properties["ExecutionRoleArn"] = json!(role);
        }
        properties
    };
    // The profile's create outlasts one invocation too (the Timeout shortened as in step 1,
    // the profile Pending 3 s): the profile function hands on to itself.
    let from = decisions_now(&aws).await?;
    set_timeout(&aws, &profile_token, 4).await?;
    aws.configure(&json!({"transitions": {"sagemaker::studio-user-profile": 3.0}}))
        .await?;
    // The role is the one the user-profile product would make for carol: tagged for her
    // profile (the profile function passes no other role).
    aws.call_query(
        "iam",
        IAM_VERSION,
        "TagRole",
        &[
            ("RoleName", EXECUTION_ROLE),
            ("Tags.member.1.Key", "studio-catalog:user-profile"),
            ("Tags.member.1.Value", &format!("{domain_id}/carol")),
        ],
    )
    .await?;
    let profile_stack = stacks
        .create(
            "function-roles-profile",
            &custom_resource(
                "Custom::StudioUserProfile",
                &profile_properties(
                    Some(product_role_arn(EXECUTION_ROLE)),
                    json!([
                        {"Key": "userprofilename", "Value": "carol"},
                        {"Key": "team", "Value": "claims"}
                    ]),
                ),
            ),
        )
        .await?;
    let carol = json!({"DomainId": domain_id, "UserProfileName": "carol"});
    assert_eq!(
        sagemaker_status(&aws, "DescribeUserProfile", &carol).await?,
        "InService"
    );
    assert_allowed(
        &aws,
        from,
        &profile_role,
        &[
            "iam:GetRole",
            "sagemaker:CreateUserProfile",
            "lambda:InvokeFunction",
        ],
        "profile create handed on",
    )
    .await?;
    set_timeout(&aws, &profile_token, 900).await?;
    aws.configure(&json!({"transitions": {"sagemaker::studio-user-profile": 0.5}}))
        .await?;
    let from = decisions_now(&aws).await?;
    stacks
        .update(
            &profile_stack,
            &custom_resource(
                "Custom::StudioUserProfile",
                &profile_properties(None, json!([{"Key": "userprofilename", "Value": "carol"}])),
            ),
        )
        .await?;
    let profile = aws.sagemaker("DescribeUserProfile", &carol).await?;
    assert_eq!(
        profile["UserSettings"]["ExecutionRole"],
        product_role_arn(DEFAULT_EXECUTION_ROLE),
        "carol's role after the update: {profile}"
    );
    let profile_arn = profile["UserProfileArn"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let tags = aws.sagemaker_tags(&profile_arn).await?;
    assert!(
        !tags.iter().any(|(k, _)| k == "team"),
        "carol's tags after the update: {tags:?}"
    );
    assert_allowed(
        &aws,
        from,
        &profile_role,
        &[
            "sagemaker:DescribeDomain",
            "sagemaker:UpdateUserProfile",
            "sagemaker:DeleteTags",
        ],
        "profile update",
    )
    .await?;

    let carol_app = json!({"DomainId": domain_id, "UserProfileName": "carol",
        "AppType": "JupyterServer", "AppName": "default"});
    aws.sagemaker("CreateApp", &carol_app).await?;
    wait_status(&aws, "DescribeApp", &carol_app, &["InService"]).await?;
    let from = decisions_now(&aws).await?;
    stacks.delete(&profile_stack).await?;
    assert_eq!(
        sagemaker_status(&aws, "DescribeUserProfile", &carol).await?,
        "gone"
    );
    let app_status = sagemaker_status(&aws, "DescribeApp", &carol_app).await?;
    assert!(
        matches!(app_status.as_str(), "Deleted" | "gone"),
        "carol's app after the profile's delete: {app_status}"
    );
    assert_allowed(
        &aws,
        from,
        &profile_role,
        &["sagemaker:DeleteApp", "sagemaker:DeleteUserProfile"],
        "profile delete with an app",
    )
    .await?;

    mark("3. profile created, updated, deleted");
    // 3b. A private JupyterLab space of frank's (a profile the admin made), created with its
    //     volume sized and two tags, its create handed on; renamed and one tag dropped in place;
    //     deleted with an app running and DeleteSpaceData=true.
    let frank = json!({"DomainId": domain_id, "UserProfileName": "frank"});
    aws.sagemaker("CreateUserProfile", &frank).await?;
    wait_status(&aws, "DescribeUserProfile", &frank, &["InService"]).await?;
    let space_properties = |display_name: &str, tags: Value| {
        json!({
            "ServiceToken": space_token,
            "DomainId": domain_id,
            "SpaceName": "frank-lab",
            "SpaceDisplayName": display_name,
            "OwnershipSettings": {"OwnerUserProfileName": "frank"},
            "SpaceSharingSettings": {"SharingType": "Private"},
            "SpaceSettings": {"AppType": "JupyterLab",
                "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": "10"}}},
            "DeleteSpaceData": "true",
            "Tags": tags
        })
    };
    let from = decisions_now(&aws).await?;
    set_timeout(&aws, &space_token, 4).await?;
    aws.configure(&json!({"transitions": {"sagemaker::studio-space": 3.0}}))
        .await?;
    let space_stack = stacks
        .create(
            "function-roles-space",
            &custom_resource(
                "Custom::StudioSpace",
                &space_properties(
                    "Frank's lab",
                    json!([{"Key": "team", "Value": "claims"}, {"Key": "project", "Value": "p7"}]),
                ),
            ),
        )
        .await?;
    let frank_space = json!({"DomainId": domain_id, "SpaceName": "frank-lab"});
    assert_eq!(
        sagemaker_status(&aws, "DescribeSpace", &frank_space).await?,
        "InService"
    );
    assert_allowed(
        &aws,
        from,
        &space_role,
        &[
            "sagemaker:DescribeUserProfile",
            "sagemaker:DescribeDomain",
            "sagemaker:CreateSpace",
            "sagemaker:DescribeSpace",
            "lambda:InvokeFunction",
        ],
        "space create handed on",
    )
    .await?;
    set_timeout(&aws, &space_token, 900).await?;
    aws.configure(&json!({"transitions": {"sagemaker::studio-space": 0.5}}))
        .await?;
    let from = decisions_now(&aws).await?;
    stacks
        .update(
            &space_stack,
            &custom_resource(
                "Custom::StudioSpace",
                &space_properties("Frank's models", json!([{"Key": "team", "Value": "risk"}])),
            ),
        )
        .await?;
    let space = aws.sagemaker("DescribeSpace", &frank_space).await?;
    assert_eq!(space["SpaceDisplayName"], "Frank's models", "{space}");
    let space_arn = space["SpaceArn"].as_str().unwrap_or_default().to_owned();
    let tags = aws.sagemaker_tags(&space_arn).await?;
    assert!(
        tags.iter().any(|(k, v)| k == "team" && v == "risk")
            && !tags.iter().any(|(k, _)| k == "project"),
        "frank-lab's tags after the update: {tags:?}"
    );
    assert_allowed(
        &aws,
        from,
        &space_role,
        &[
            "sagemaker:ListTags",
            "sagemaker:AddTags",
            "sagemaker:DeleteTags",
            "sagemaker:UpdateSpace",
        ],
        "space update in place",
    )
    .await?;
    let frank_app = json!({"DomainId": domain_id, "SpaceName": "frank-lab",
        "AppType": "JupyterLab", "AppName": "default"});
    aws.sagemaker("CreateApp", &frank_app).await?;
    wait_status(&aws, "DescribeApp", &frank_app, &["InService"]).await?;
    let from = decisions_now(&aws).await?;
    stacks.delete(&space_stack).await?;
    assert_eq!(
        sagemaker_status(&aws, "DescribeSpace", &frank_space).await?,
        "gone"
    );
    assert_allowed(
        &aws,
        from,
        &space_role,
        &[
            "sagemaker:ListApps",
            "sagemaker:DeleteApp",
            "sagemaker:DeleteSpace",
        ],
        "space delete with an app and DeleteSpaceData",
    )
    .await?;
    mark("3b. space created, updated, deleted");
    lifecycle_config_paths(
        &aws,
        &stacks,
        &output("StudioLifecycleConfigServiceToken")?,
        &profile_token,
        &domain_id,
    )
    .await?;
    mark("3c. lifecycle config versioned, retired, delete refused then done");
    // A grant to a role IAM does not know yet (Lake Formation: "Invalid principal"): the grant
    // function waits for IAM; with its Timeout shortened to 3 s the wait outlasts one
    // invocation and it hands on to itself. The role is created once the hand-on is in the
    // decision log; the grant then succeeds.
    let from = decisions_now(&aws).await?;
    set_timeout(&aws, &grant_token, 3).await?;
    let grant_stack = stacks
        .cfn
        .create_stack()
        .stack_name("function-roles-grant")
        .template_body(
            custom_resource(
                "Custom::LakeFormationGrant",
                &json!({
                    "ServiceToken": grant_token,
                    "Principal": product_role_arn(ANALYST_ROLE),
                    "Resource": {"Table": {"DatabaseName": DATABASE, "Name": TABLE}},
                    "Permissions": ["SELECT"]
                }),
            )
            .to_string(),
        )
        .send()
        .await?
        .stack_id()
        .unwrap_or("function-roles-grant")
        .to_owned();
    let marker = format!(":assumed-role/{grant_role_name}/");
    wait_for("the grant function hands on to itself", async || {
        let decisions = aws.iam_decisions().await?;
        Ok(decisions
            .iter()
            .skip(from)
            .any(|d| {
                d["action"] == "lambda:InvokeFunction"
                    && d["principal"].as_str().is_some_and(|p| p.contains(&marker))
            })
            .then_some(()))
    })
    .await?;
    aws.create_role_trusting(
        ANALYST_ROLE,
        PRODUCT_ROLE_PATH,
        &json!({"Service": "sagemaker.amazonaws.com"}),
    )
    .await?;
    let (status, reasons) = stacks.settled(&grant_stack).await?;
    assert_eq!(status, StackStatus::CreateComplete, "grant: {reasons:#?}");
    let held = aws_sdk_lakeformation::Client::new(&admin)
        .list_permissions()
        .principal(
            aws_sdk_lakeformation::types::DataLakePrincipal::builder()
                .data_lake_principal_identifier(product_role_arn(ANALYST_ROLE))
                .build(),
        )
        .resource(
            aws_sdk_lakeformation::types::Resource::builder()
                .table(
                    aws_sdk_lakeformation::types::TableResource::builder()
                        .database_name(DATABASE)
                        .name(TABLE)
                        .build()?,
                )
                .build(),
        )
        .send()
        .await?;
    assert!(
        held.principal_resource_permissions()
            .iter()
            .any(|p| p.permissions().iter().any(|p| p.as_str() == "SELECT")),
        "the analyst's permissions on {DATABASE}.{TABLE}: {held:?}"
    );
    assert_allowed(
        &aws,
        from,
        &grant_role_name,
        &["lakeformation:GrantPermissions", "lambda:InvokeFunction"],
        "grant handed on while IAM catches up",
    )
    .await?;
    set_timeout(&aws, &grant_token, 900).await?;
    stacks.delete(&grant_stack).await?;

    mark("grant handed on");
    // 4. The cleanup, configured with CleanupDomainIds (a second deploy), fired by its
    //    schedule: an expired notebook instance, endpoint and provisioned product.
    let expired = a_day_ago()?;
    let expiry_tags = json!([{"Key": "expires-at", "Value": expired}]);
    aws.sagemaker(
        "CreateNotebookInstance",
        &json!({"NotebookInstanceName": "expired-notebook", "InstanceType": "ml.t3.medium",
            "RoleArn": product_role_arn(EXECUTION_ROLE), "Tags": expiry_tags}),
    )
    .await?;
    let notebook = json!({"NotebookInstanceName": "expired-notebook"});
    wait_status(&aws, "DescribeNotebookInstance", &notebook, &["InService"]).await?;
    // One its owner makes exempt after the warning: the warning is taken back.
    aws.sagemaker(
        "CreateNotebookInstance",
        &json!({"NotebookInstanceName": "kept-notebook", "InstanceType": "ml.t3.medium",
            "RoleArn": product_role_arn(EXECUTION_ROLE), "Tags": expiry_tags}),
    )
    .await?;
    let kept = json!({"NotebookInstanceName": "kept-notebook"});
    wait_status(&aws, "DescribeNotebookInstance", &kept, &["InService"]).await?;
    aws.sagemaker(
        "CreateModel",
        &json!({"ModelName": "expired-model", "ExecutionRoleArn": product_role_arn(EXECUTION_ROLE),
            "PrimaryContainer": {"Image": format!("{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/model:1")}}),
    )
    .await?;
    aws.sagemaker(
        "CreateEndpointConfig",
        &json!({"EndpointConfigName": "expired-config", "ProductionVariants": [{
            "VariantName": "all", "ModelName": "expired-model",
            "InitialInstanceCount": 1, "InstanceType": "ml.m5.xlarge"}]}),
    )
    .await?;
    aws.sagemaker(
        "CreateEndpoint",
        &json!({"EndpointName": "expired-endpoint", "EndpointConfigName": "expired-config",
            "Tags": expiry_tags}),
    )
    .await?;
    let endpoint = json!({"EndpointName": "expired-endpoint"});
    wait_status(&aws, "DescribeEndpoint", &endpoint, &["InService"]).await?;

    // The cloud admin launches a data access grant product that expired a day ago.
    let cloud_admin = {
        let assumed = aws_sdk_sts::Client::new(&admin)
            .assume_role()
            .role_arn(role_arn(CLOUD_ADMIN_ROLE))
            .role_session_name("cloud-admin")
            .send()
            .await?;
        let issued = assumed
            .credentials()
            .ok_or("AssumeRole answered no credentials")?;
        aws.sdk_config(Credentials::new(
            issued.access_key_id(),
            issued.secret_access_key(),
            Some(issued.session_token().to_owned()),
            None,
            "function-roles-cloud-admin",
        ))
        .await
    };
    let sc = aws_sdk_servicecatalog::Client::new(&cloud_admin);
    let found = sc
        .search_products()
        .filters(
            aws_sdk_servicecatalog::types::ProductViewFilterBy::FullTextSearch,
            vec!["Lake Formation data access grant".to_owned()],
        )
        .send()
        .await?;
    let product_id = found
        .product_view_summaries()
        .first()
        .and_then(|view| view.product_id())
        .ok_or("no data access grant product")?
        .to_owned();
    let described = sc.describe_product().id(&product_id).send().await?;
    let artifact_id = described
        .provisioning_artifacts()
        .last()
        .and_then(|artifact| artifact.id())
        .ok_or("the product has no artefact")?
        .to_owned();
    let paths = sc
        .list_launch_paths()
        .product_id(&product_id)
        .send()
        .await?;
    let path_id = paths
        .launch_path_summaries()
        .first()
        .and_then(|path| path.id())
        .ok_or("the product has no launch path")?
        .to_owned();
    let parameter = |key: &str, value: &str| {
        aws_sdk_servicecatalog::types::ProvisioningParameter::builder()
            .key(key)
            .value(value)
            .build()
    };
    let provisioned = sc
        .provision_product()
        .product_id(&product_id)
        .provisioning_artifact_id(&artifact_id)
        .path_id(&path_id)
        .provisioned_product_name("expired-grant")
        .provision_token("function-roles-expired-grant")
        .provisioning_parameters(parameter("PrincipalArn", &product_role_arn(EXECUTION_ROLE)))
        .provisioning_parameters(parameter("DatabaseName", DATABASE))
        .provisioning_parameters(parameter("TableName", TABLE))
        .tags(
            aws_sdk_servicecatalog::types::Tag::builder()
                .key("expires-at")
                .value(&expired)
                .build()?,
        )
        .send()
        .await?;
    let record_id = provisioned
        .record_detail()
        .and_then(|record| record.record_id())
        .ok_or("ProvisionProduct answered no record")?
        .to_owned();
    let product_stack = wait_for("the grant product's launch", async || {
        let record = sc.describe_record().id(&record_id).send().await?;
        let detail = record.record_detail().ok_or("no record detail")?;
        match detail.status().map(|s| s.as_str()) {
            Some("SUCCEEDED") => Ok(record
                .record_outputs()
                .iter()
                .find(|o| o.output_key() == Some("CloudformationStackARN"))
                .and_then(|o| o.output_value())
                .map(str::to_owned)),
            Some("FAILED") => {
                Err(format!("the launch failed: {:?}", detail.record_errors()).into())
            }
            _ => Ok(None),
        }
    })
    .await?;

    // A profile with a private space and an app in it, made outside any stack: the domain's
    // delete (DeleteUserProfiles=true) must empty the domain of them. dave sets his space's idle
    // shutdown to a week: drift, which the cleanup repairs (UpdateSpace).
    let dave = json!({"DomainId": domain_id, "UserProfileName": "dave",
        "UserSettings": {"ExecutionRole": product_role_arn(EXECUTION_ROLE)},
        "Tags": [{"Key": "studio-catalog:managed", "Value": "true"}]});
    aws.sagemaker("CreateUserProfile", &dave).await?;
    let dave = json!({"DomainId": domain_id, "UserProfileName": "dave"});
    wait_status(&aws, "DescribeUserProfile", &dave, &["InService"]).await?;
    let dave_space = json!({"DomainId": domain_id, "SpaceName": "dave-space"});
    aws.sagemaker(
        "CreateSpace",
        &json!({"DomainId": domain_id, "SpaceName": "dave-space",
            "OwnershipSettings": {"OwnerUserProfileName": "dave"},
            "SpaceSharingSettings": {"SharingType": "Private"},
            "SpaceSettings": {"AppType": "JupyterLab", "JupyterLabAppSettings": {
                "AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": 10080}}}}}),
    )
    .await?;
    wait_status(&aws, "DescribeSpace", &dave_space, &["InService"]).await?;
    let dave_app = json!({"DomainId": domain_id, "SpaceName": "dave-space",
        "AppType": "JupyterLab", "AppName": "default"});
    aws.sagemaker("CreateApp", &dave_app).await?;
    wait_status(&aws, "DescribeApp", &dave_app, &["InService"]).await?;

    mark("expired notebooks, endpoint, product; dave's space");
    // The admin names the domain in CleanupDomainIds, repairs drift beyond 8 hours, and gives a
    // grace period this test can wait (3 s): a second deploy, then the schedule fires twice.
    let outputs = deploy(
        &aws,
        &stacks.cfn,
        vec![
            ("CleanupDomainIds".to_owned(), domain_id.clone()),
            ("CleanupIdleShutdownDrift".to_owned(), "repair".to_owned()),
            ("CleanupIdleShutdownMaxMinutes".to_owned(), "480".to_owned()),
            ("CleanupWarningGraceMinutes".to_owned(), "0.05".to_owned()),
        ],
    )
    .await?;
    let schedule_arn = outputs
        .get("CleanupScheduleArn")
        .ok_or("the core stack has no output CleanupScheduleArn")?;
    let mut parts = schedule_arn.rsplit('/');
    let (name, group) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let fire = async || {
        aws.control(
            Method::POST,
            &format!("/scheduler/schedules/{group}/{name}/fire"),
            None,
        )
        .await
    };
    let notebook_arn =
        |name: &str| format!("arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:notebook-instance/{name}");
    // The run's last word: its events on the bus (the emulator's record of PutEvents).
    let published = async |detail_type: &str, at_least: usize| -> TestResult<Option<()>> {
        let events = cleanup::published_events(&aws, Some(detail_type)).await?;
        Ok((events.len() >= at_least).then_some(()))
    };
    let warning =
        async |arn: &str| -> TestResult<Option<String>> { Ok(cleanup::warning(&aws, arn).await?) };
    // The first run warns (a tag, a ledger entry for the product, an event) and repairs.
    let from = decisions_now(&aws).await?;
    fire().await?;
    let warned = async {
        for name in ["expired-notebook", "kept-notebook"] {
            wait_for(&format!("the warning on {name}"), async || {
                warning(&notebook_arn(name)).await
            })
            .await?;
        }
        wait_for("the warning of the expired product", async || {
            let listed = aws
                .call_json_as(
                    "ssm",
                    "AmazonSSM.GetParametersByPath",
                    &json!({"Path": WARNING_PATH, "Recursive": true}),
                )
                .await?;
            Ok(listed["Parameters"]
                .as_array()
                .filter(|parameters| !parameters.is_empty())
                .map(|_| ()))
        })
        .await?;
        wait_for("dave's space repaired", async || {
            let space = aws.sagemaker("DescribeSpace", &dave_space).await?;
            let minutes = space["SpaceSettings"]["JupyterLabAppSettings"]["AppLifecycleManagement"]
                ["IdleSettings"]["IdleTimeoutInMinutes"]
                .as_i64();
            Ok(minutes.filter(|&m| m <= 480).map(|_| ()))
        })
        .await?;
        // Two notebooks, the endpoint and the product.
        wait_for("the four warnings on the bus", async || {
            published("Studio Cleanup Warning", 4).await
        })
        .await?;
        TestResult::Ok(())
    };
    if let Err(error) = warned.await {
        let log = log_messages(&aws, "/aws/lambda/studio-catalog-studio-cleanup").await?;
        let decisions = role_decisions(&aws, from, &cleanup_role).await?;
        return Err(format!(
            "{error}\nthe cleanup's log: {log:#?}\nits role's decisions: {decisions:#?}"
        )
        .into());
    }
    assert_eq!(
        sagemaker_status(&aws, "DescribeNotebookInstance", &notebook).await?,
        "InService",
        "warned, not stopped yet"
    );
    assert_allowed(
        &aws,
        from,
        &cleanup_role,
        &[
            "sagemaker:DescribeDomain",
            "sagemaker:ListUserProfiles",
            "sagemaker:DescribeUserProfile",
            "sagemaker:ListSpaces",
            "sagemaker:DescribeSpace",
            "sagemaker:UpdateSpace",
            "sagemaker:AddTags",
            "ssm:GetParametersByPath",
            "ssm:PutParameter",
            "events:PutEvents",
        ],
        "the cleanup's first run: warnings and a repair",
    )
    .await?;
    // The owner of kept-notebook makes it exempt; the grace period passes.
    aws.sagemaker(
        "AddTags",
        &json!({"ResourceArn": notebook_arn("kept-notebook"),
            "Tags": [{"Key": "cleanup", "Value": "exempt"}]}),
    )
    .await?;
    let warned_at = warning(&notebook_arn("expired-notebook"))
        .await?
        .as_deref()
        .and_then(cleanup::warned_at)
        .ok_or("no warning time")?;
    wait_for("the grace period to pass", async || {
        Ok((std::time::SystemTime::now() >= warned_at + Duration::from_secs(3)).then_some(()))
    })
    .await?;

    // The second run acts on what was warned of, and takes back the exempt one's warning.
    let from = decisions_now(&aws).await?;
    fire().await?;
    let effects = async {
        wait_for("kept-notebook's warning taken back", async || {
            Ok(warning(&notebook_arn("kept-notebook"))
                .await?
                .is_none()
                .then_some(()))
        })
        .await?;
        // The notebook stopped, the endpoint deleted, the product terminated.
        wait_for("the three actions on the bus", async || {
            published("Studio Cleanup Action", 3).await
        })
        .await?;
        wait_status(
            &aws,
            "DescribeNotebookInstance",
            &notebook,
            &["Stopping", "Stopped"],
        )
        .await?;
        wait_status(&aws, "DescribeEndpoint", &endpoint, &["Deleting", "gone"]).await?;
        wait_for("the expired product's stack is deleted", async || {
            let described = stacks
                .cfn
                .describe_stacks()
                .stack_name(&product_stack)
                .send()
                .await?;
            Ok(described
                .stacks()
                .first()
                .and_then(|s| s.stack_status())
                .filter(|status| **status == StackStatus::DeleteComplete)
                .map(|_| ()))
        })
        .await?;
        TestResult::Ok(())
    };
    if let Err(error) = effects.await {
        let log = log_messages(&aws, "/aws/lambda/studio-catalog-studio-cleanup").await?;
        let decisions = role_decisions(&aws, from, &cleanup_role).await?;
        return Err(format!(
            "{error}\nthe cleanup's log: {log:#?}\nits role's decisions: {decisions:#?}"
        )
        .into());
    }
    assert_allowed(
        &aws,
        from,
        &cleanup_role,
        &[
            "sagemaker:DescribeDomain",
            "sagemaker:StopNotebookInstance",
            "sagemaker:DeleteEndpoint",
            "sagemaker:DeleteTags",
            "servicecatalog:SearchProvisionedProducts",
            "cloudformation:DescribeStacks",
            "servicecatalog:TerminateProvisionedProduct",
            "ssm:GetParametersByPath",
            "ssm:DeleteParameter",
            "events:PutEvents",
        ],
        "cleanup of expired resources in CleanupDomainIds, after the grace period",
    )
    .await?;
    // dave's app has no lifetime and no expiry: the cleanup left it running; the exempt
    // notebook too.
    assert_eq!(
        sagemaker_status(&aws, "DescribeApp", &dave_app).await?,
        "InService"
    );
    assert_eq!(
        sagemaker_status(&aws, "DescribeNotebookInstance", &kept).await?,
        "InService"
    );

    mark("4. cleanup acted");
    // 5. The domain's delete with DeleteUserProfiles=true: dave's app, space and profile first.
    let from = decisions_now(&aws).await?;
    stacks.delete(&domain_stack).await?;
    assert_eq!(
        sagemaker_status(&aws, "DescribeDomain", &json!({"DomainId": domain_id})).await?,
        "gone"
    );
    assert_eq!(
        sagemaker_status(&aws, "DescribeUserProfile", &dave).await?,
        "gone"
    );
    assert_eq!(
        sagemaker_status(&aws, "DescribeSpace", &dave_space).await?,
        "gone"
    );
    assert_allowed(
        &aws,
        from,
        &domain_role,
        &[
            "sagemaker:DeleteApp",
            "sagemaker:DeleteSpace",
            "sagemaker:DeleteUserProfile",
            "sagemaker:DeleteDomain",
        ],
        "domain delete with DeleteUserProfiles=true",
    )
    .await?;
    mark("5. domain deleted with its profiles");

    // 6. Sign-in into a space: the domain product's template (as a plain stack of the admin's),
    //    a data scientist (IAM user erin, tagged studiouserid=erin), her profile and private space;
    //    the sign-in function reads the space (sagemaker:DescribeSpace) before the URL.
    let body = std::fs::read_to_string(workspace_root().join("templates/studio-domain.yaml"))?;
    let parameter = |key: &str, value: &str| {
        aws_sdk_cloudformation::types::Parameter::builder()
            .parameter_key(key)
            .parameter_value(value)
            .build()
    };
    let created = stacks
        .cfn
        .create_stack()
        .stack_name("function-roles-sign-in")
        .template_body(body)
        .capabilities(aws_sdk_cloudformation::types::Capability::CapabilityNamedIam)
        .parameters(parameter("DomainName", "function-roles-sign-in"))
        .parameters(parameter("VpcId", &vpc_id))
        .parameters(parameter("SubnetIds", &subnets.join(",")))
        .parameters(parameter("AppNetworkAccessType", "PublicInternetOnly"))
        .send()
        .await?;
    let sign_in_stack = created
        .stack_id()
        .unwrap_or("function-roles-sign-in")
        .to_owned();
    let (status, reasons) = stacks.settled(&sign_in_stack).await?;
    assert_eq!(
        status,
        StackStatus::CreateComplete,
        "sign-in domain: {reasons:#?}"
    );
    let described = stacks
        .cfn
        .describe_stacks()
        .stack_name(&sign_in_stack)
        .send()
        .await?;
    let product_output = |key: &str| {
        described
            .stacks()
            .first()
            .and_then(|stack| stack.outputs().iter().find(|o| o.output_key() == Some(key)))
            .and_then(|o| o.output_value())
            .map(str::to_owned)
            .ok_or_else(|| format!("the sign-in domain stack has no output {key}"))
    };
    let sign_in_domain = product_output("DomainId")?;
    let sign_in_url = product_output("SignInFunctionUrl")?;
    let sign_in_role = stacks
        .cfn
        .describe_stack_resource()
        .stack_name(&sign_in_stack)
        .logical_resource_id("PresignedUrlFunctionRole")
        .send()
        .await?
        .stack_resource_detail()
        .and_then(|r| r.physical_resource_id())
        .ok_or("no PresignedUrlFunctionRole")?
        .to_owned();
    let sign_in_role = sign_in_role
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    // erin is an IAM user: the sign-in believes an IAM user's name (a role session's name is
    // whoever assumed it's choice, and the domain lists no role as trusted).
    let data_scientist_user = |name: &'static str| {
        let aws = &aws;
        let policy = product_output("DataScientistPolicyArn");
        async move {
            let policy = policy?;
            aws.call_query(
                "iam",
                IAM_VERSION,
                "CreateUser",
                &[
                    ("UserName", name),
                    ("Tags.member.1.Key", "studiouserid"),
                    ("Tags.member.1.Value", name),
                ],
            )
            .await?;
            aws.call_query(
                "iam",
                IAM_VERSION,
                "AttachUserPolicy",
                &[("UserName", name), ("PolicyArn", &policy)],
            )
            .await?;
            let key = aws
                .call_query("iam", IAM_VERSION, "CreateAccessKey", &[("UserName", name)])
                .await?;
            let id = xml_text(&key, "AccessKeyId").ok_or("no AccessKeyId")?;
            let secret = xml_text(&key, "SecretAccessKey").ok_or("no SecretAccessKey")?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(Credentials::new(
                id,
                secret,
                None,
                None,
                "function-roles-data-scientist",
            ))
        }
    };
    let erin_credentials = data_scientist_user("erin").await?;
    let erin = json!({"DomainId": sign_in_domain, "UserProfileName": "erin"});
    aws.sagemaker(
        "CreateUserProfile",
        &json!({"DomainId": sign_in_domain, "UserProfileName": "erin",
            "Tags": [{"Key": "studiouserid", "Value": "erin"}]}),
    )
    .await?;
    wait_status(&aws, "DescribeUserProfile", &erin, &["InService"]).await?;
    let erin_space = json!({"DomainId": sign_in_domain, "SpaceName": "erin-space"});
    aws.sagemaker(
        "CreateSpace",
        &json!({"DomainId": sign_in_domain, "SpaceName": "erin-space",
            "OwnershipSettings": {"OwnerUserProfileName": "erin"},
            "SpaceSharingSettings": {"SharingType": "Private"},
            "SpaceSettings": {"AppType": "JupyterLab"}}),
    )
    .await?;
    wait_status(&aws, "DescribeSpace", &erin_space, &["InService"]).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()?;
    let from = decisions_now(&aws).await?;
    let answer = signed_get(
        &http,
        &aws.endpoint_url(),
        &sign_in_url,
        "/?space=erin-space",
        &erin_credentials,
        &[],
    )
    .await?;
    let location = answer.location.clone().unwrap_or_default();
    if answer.status != 302 {
        // Not a 200's body: it would carry the sign-in URL, a bearer token.
        let body = if answer.status == 200 {
            "-"
        } else {
            answer.body.as_str()
        };
        let log = log_messages(&aws, "/aws/lambda/studio-sc-url-function-roles-sign-in").await?;
        let decisions = role_decisions(&aws, from, &sign_in_role).await?;
        return Err(format!(
            "the sign-in into erin-space: HTTP {} {body}\nthe function's log: {log:#?}\nits role's decisions: {decisions:#?}",
            answer.status
        )
        .into());
    }
    // The 302 leads to the Studio URL the emulator issued for erin's space (not printed: a
    // bearer token).
    let issued = aws.control(Method::GET, "/presigned-urls", None).await?;
    let url = issued["presigned_urls"]
        .as_array()
        .and_then(|urls| {
            urls.iter()
                .find(|url| url["AuthorizedUrl"] == location.as_str())
        })
        .ok_or("the 302 leads to no URL the emulator issued")?;
    assert_eq!(
        (url["UserProfileName"].as_str(), url["SpaceName"].as_str()),
        (Some("erin"), Some("erin-space")),
        "the URL was issued for {:?}",
        (&url["UserProfileName"], &url["SpaceName"])
    );
    assert_allowed(
        &aws,
        from,
        &sign_in_role,
        &[
            "tag:GetResources",
            "sagemaker:ListTags",
            "sagemaker:DescribeSpace",
            "sagemaker:CreatePresignedDomainUrl",
        ],
        "sign-in into a space",
    )
    .await?;
    // frank, a data scientist with no profile yet: refused, after the function checked that
    // the domain is not an IAM Identity Center one (sagemaker:DescribeDomain, on refusals only).
    // GetResources fails for his sign-in (after IAM allowed it): the function falls back to
    // listing the domain (sagemaker:ListUserProfiles).
    let frank_credentials = data_scientist_user("frank").await?;
    aws.inject_fault(&Fault::new("tagging", "GetResources", "ThrottledException").until_cleared())
        .await?;
    let from = decisions_now(&aws).await?;
    let answer = signed_get(
        &http,
        &aws.endpoint_url(),
        &sign_in_url,
        "/",
        &frank_credentials,
        &[("accept", "application/json")],
    )
    .await?;
    let code = serde_json::from_str::<Value>(&answer.body).unwrap_or(Value::Null)["code"].clone();
    assert_eq!(
        (answer.status, code.as_str()),
        (403, Some("no_profile")),
        "frank without a profile: {}",
        answer.body
    );
    aws.clear_faults().await?;
    assert_allowed(
        &aws,
        from,
        &sign_in_role,
        &[
            "tag:GetResources",
            "sagemaker:ListUserProfiles",
            "sagemaker:DescribeDomain",
        ],
        "a refused sign-in reads the domain's AuthMode",
    )
    .await?;
    mark("6. signed in into a space");
    Ok(())
}
