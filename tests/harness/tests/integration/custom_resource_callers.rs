//! The custom-resource functions act only for CloudFormation's stacks (issue #14, section 3),
//! with IAM enforced and the roles `templates/core.yaml` gives them.
//!
//! Whoever may invoke a custom-resource function writes the whole request and would borrow
//! the function's role: a profile with another user's execution role, a Lake Formation grant
//! to themselves, the delete of a managed domain. Here the core stack is deployed with the real
//! deploy tool (`CustomResourceStackNames` = `SC-*,platform-*`: Service Catalog's stacks and
//! the platform admin's own), a domain is made by a `platform-domain` stack, and a role that may
//! invoke the functions (`lambda:InvokeFunction` on them, nothing else) sends hand-made
//! requests, answered to a URL the deployment allows (`ResponseUrlAllowedPrefixes`). Each
//! attack is refused with nothing done, and the AWS state and the emulator's decision log show
//! it. A stack CloudFormation really runs, but whose name is not allowed, fails with the
//! function's reason and rolls back clean.
//!
//! It runs the built binaries (`cargo build --workspace --bins` first; `scripts/test` does).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use aws_sdk_cloudformation::types::StackStatus;
use aws_sdk_sts::config::Credentials;
use reqwest::Method;
use serde_json::{Value, json};
use studio_catalog_harness::cloudformation::{CfnRequest, CfnResponse, ResponseServer, Stack};
use studio_catalog_harness::emulator::AwsEmulator;
use studio_catalog_harness::story::{CapturedOutput, DeployRun, Narrator};
use studio_catalog_harness::{ACCOUNT_ID, REGION, assert_debug_binaries_built, target_dir};

const IAM_VERSION: &str = "2010-05-08";
/// The core stack's `CustomResourceStackNames`, as a platform admin who also runs stacks of
/// their own sets it.
const ALLOWED_STACK_NAMES: &str = "SC-*,platform-*";
/// Roles as the user-profile product makes them (the core's default `ProductRolePrefix`).
const ALICE_ROLE: &str = "studio-sc-callers-alice";
const BOB_ROLE: &str = "studio-sc-callers-bob";
const DEFAULT_EXECUTION_ROLE: &str = "studio-sc-callers-default";
/// Someone who may invoke the custom-resource functions (a developer, a CI role, a cloud
/// admin with a broad Lambda policy), and nothing else.
const INVOKER_ROLE: &str = "FunctionInvoker";
const CLOUD_ADMIN_ROLE: &str = "CloudAdmin";
/// A stack name the deployment does not allow.
const FORGED_STACK: &str = "mallory-by-hand";
/// How long a stack operation or an answer may take.
const DEADLINE: Duration = Duration::from_secs(90);

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:role/{name}")
}

/// Product roles live under the suite's path (as the products create them).
const PRODUCT_ROLE_PATH: &str = "/studio-catalog/products/";

fn product_role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:role{PRODUCT_ROLE_PATH}{name}")
}

fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:studio-catalog-{name}")
}

/// The decision log's length now: a step's decisions are those after it.
async fn decisions_now(aws: &AwsEmulator) -> TestResult<usize> {
    Ok(aws.iam_decisions().await?.len())
}

/// The actions decided since `from` for sessions of role `role`, as `action result`, but for
/// Lambda's delivery of the function's logs under its role (`logs:*`), which every invocation
/// makes.
async fn role_decisions(aws: &AwsEmulator, from: usize, role: &str) -> TestResult<Vec<String>> {
    let marker = format!(":assumed-role/{role}/");
    Ok(aws
        .iam_decisions()
        .await?
        .iter()
        .skip(from)
        .filter(|d| d["principal"].as_str().is_some_and(|p| p.contains(&marker)))
        .filter(|d| !d["action"].as_str().is_some_and(|a| a.starts_with("logs:")))
        .map(|d| {
            format!(
                "{} {}",
                d["action"].as_str().unwrap_or_default(),
                d["result"].as_str().unwrap_or_default()
            )
        })
        .collect())
}

/// The role behind the function `name` (Lambda `GetFunctionConfiguration`).
async fn role_of(aws: &AwsEmulator, name: &str) -> TestResult<String> {
    let configuration = aws
        .call_rest(
            "lambda",
            Method::GET,
            &format!("/2015-03-31/functions/studio-catalog-{name}/configuration"),
            None,
        )
        .await?;
    let role = configuration["Role"].as_str().unwrap_or_default();
    Ok(role.rsplit('/').next().unwrap_or_default().to_owned())
}

/// The account as the platform admin prepares it: the product roles, the cloud admins' role,
/// the invoker's role, a VPC with two subnets. Returns (VPC id, subnet ids).
async fn prepare_account(aws: &AwsEmulator) -> TestResult<(String, Vec<String>)> {
    let sagemaker = json!({"Service": "sagemaker.amazonaws.com"});
    let account = json!({"AWS": format!("arn:aws:iam::{ACCOUNT_ID}:root")});
    for (role, trusted, path) in [
        (ALICE_ROLE, &sagemaker, PRODUCT_ROLE_PATH),
        (BOB_ROLE, &sagemaker, PRODUCT_ROLE_PATH),
        (DEFAULT_EXECUTION_ROLE, &sagemaker, PRODUCT_ROLE_PATH),
        (CLOUD_ADMIN_ROLE, &account, "/"),
        (INVOKER_ROLE, &account, "/"),
    ] {
        aws.create_role_trusting(role, path, trusted).await?;
    }
    let functions = [
        "studio-domain",
        "studio-user-profile",
        "lakeformation-grant",
    ]
    .map(function_arn);
    let invoke_only = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": functions}]
    });
    aws.call_query(
        "iam",
        IAM_VERSION,
        "PutRolePolicy",
        &[
            ("RoleName", INVOKER_ROLE),
            ("PolicyName", "invoke-the-custom-resource-functions"),
            ("PolicyDocument", &invoke_only.to_string()),
        ],
    )
    .await?;
    Ok(aws.create_vpc_with_two_subnets(40).await?)
}

/// Tags the product role `role` for the profile `profile` of `domain_id`, as the user-profile
/// product does.
async fn tag_for_profile(
    aws: &AwsEmulator,
    role: &str,
    domain_id: &str,
    profile: &str,
) -> TestResult {
    aws.call_query(
        "iam",
        IAM_VERSION,
        "TagRole",
        &[
            ("RoleName", role),
            ("Tags.member.1.Key", "studio-catalog:user-profile"),
            ("Tags.member.1.Value", &format!("{domain_id}/{profile}")),
        ],
    )
    .await?;
    Ok(())
}

/// `studio-catalog-deploy package` + `deploy`, with `response_urls` answered besides the
/// emulator's own.
async fn deploy(aws: &AwsEmulator, response_urls: &str) -> TestResult {
    let bin_dir = target_dir().join("debug");
    let manifest: PathBuf =
        std::env::temp_dir().join(format!("studio-catalog-callers-{}", std::process::id()));
    std::fs::create_dir_all(&manifest)?;
    let mut narrator = Narrator::new(Box::new(CapturedOutput));
    DeployRun {
        binary: &bin_dir.join("studio-catalog-deploy"),
        functions_dir: &bin_dir,
        bucket: "studio-catalog-callers-artifacts",
        manifest: manifest.join("package.json"),
        core_parameters: vec![
            (
                "ResponseUrlAllowedPrefixes".to_owned(),
                format!("{}/,{response_urls}", aws.endpoint_url()),
            ),
            (
                "CustomResourceStackNames".to_owned(),
                ALLOWED_STACK_NAMES.to_owned(),
            ),
            // Its default, given: moto's CloudFormation splits a CommaDelimitedList parameter's
            // given value but not its Default (moto/cloudformation/parsing.py load_parameters).
            (
                "GrantAllowedPermissions".to_owned(),
                "SELECT,DESCRIBE".to_owned(),
            ),
        ],
        portfolio_parameters: vec![("CloudAdminRoleArn".to_owned(), role_arn(CLOUD_ADMIN_ROLE))],
        name_prefix: None,
    }
    .run(aws, &mut narrator)
    .await
    .map_err(|error| error.to_string())?;
    Ok(())
}

/// A stack of one custom resource, created by the platform admin; its status once settled and
/// its events' failure reasons.
async fn create_stack(
    cfn: &aws_sdk_cloudformation::Client,
    name: &str,
    resource_type: &str,
    properties: &Value,
) -> TestResult<(String, StackStatus, Vec<String>)> {
    let template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Resource": {"Type": resource_type, "Properties": properties}},
        "Outputs": {"Id": {"Value": {"Ref": "Resource"}}}
    });
    let created = cfn
        .create_stack()
        .stack_name(name)
        .template_body(template.to_string())
        .send()
        .await?;
    let id = created.stack_id().unwrap_or(name).to_owned();
    let deadline = Instant::now() + DEADLINE;
    let status = loop {
        let described = cfn.describe_stacks().stack_name(&id).send().await?;
        let status = described
            .stacks()
            .first()
            .and_then(|s| s.stack_status().cloned())
            .ok_or("no stack")?;
        if !status.as_str().ends_with("_IN_PROGRESS") {
            break status;
        }
        if Instant::now() > deadline {
            return Err(format!("stack {name} did not settle within {DEADLINE:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let events = cfn.describe_stack_events().stack_name(&id).send().await?;
    let reasons = events
        .stack_events()
        .iter()
        .filter_map(|event| {
            let status = event.resource_status()?.as_str();
            status.ends_with("_FAILED").then(|| {
                event
                    .resource_status_reason()
                    .unwrap_or_default()
                    .to_owned()
            })
        })
        .collect();
    Ok((id, status, reasons))
}

/// The first output of stack `id`.
async fn output_of(cfn: &aws_sdk_cloudformation::Client, id: &str) -> TestResult<String> {
    let described = cfn.describe_stacks().stack_name(id).send().await?;
    Ok(described
        .stacks()
        .first()
        .and_then(|s| s.outputs().first())
        .and_then(|o| o.output_value())
        .ok_or("the stack has no output")?
        .to_owned())
}

/// The invoker: a session of [`INVOKER_ROLE`], calling Lambda.
struct Invoker<'a> {
    lambda: aws_sdk_lambda::Client,
    answers: ResponseServer,
    /// The emulator, to read a failed function's log.
    aws: &'a AwsEmulator,
}

impl Invoker<'_> {
    /// Invokes `function` (synchronously, as anyone may who is allowed to) with `request` as
    /// the stack `stack_name` would send it; returns the function's summary and the answer
    /// PUT to the response URL.
    async fn send(
        &self,
        function: &str,
        stack_name: &str,
        request: &CfnRequest,
    ) -> TestResult<(Value, CfnResponse)> {
        let stack = Stack::new(stack_name).with_function(&format!("studio-catalog-{function}"));
        let (event, token) = stack.event(&self.answers, request);
        let invoked = self
            .lambda
            .invoke()
            .function_name(function_arn(function))
            .payload(aws_sdk_lambda::primitives::Blob::new(serde_json::to_vec(
                &event,
            )?))
            .send()
            .await?;
        let payload = invoked.payload().map(|p| p.as_ref()).unwrap_or_default();
        if invoked.function_error().is_some() {
            let logs = self
                .aws
                .call_json_as(
                    "logs",
                    "Logs_20140328.FilterLogEvents",
                    &json!({"logGroupName": format!("/aws/lambda/studio-catalog-{function}")}),
                )
                .await?;
            return Err(format!(
                "{function} failed: {}; its log: {logs}",
                String::from_utf8_lossy(payload)
            )
            .into());
        }
        let summary: Value = serde_json::from_slice(payload)?;
        let answer = self.answers.wait_for_response(&token, DEADLINE).await?;
        Ok((summary, answer))
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "one deploy and one emulator for every attack: the steps read in order"
)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_made_requests_are_refused_and_do_nothing() -> TestResult {
    assert_debug_binaries_built(&[
        "studio-catalog-deploy",
        "studio-domain",
        "studio-user-profile",
        "lakeformation-grant",
        "studio-cleanup",
        "studio-presigned-url",
    ]);
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
            "callers-admin",
        ))
        .await;
    let cfn = aws_sdk_cloudformation::Client::new(&admin);
    let (vpc_id, subnets) = prepare_account(&aws).await?;
    let answers = ResponseServer::start().await?;
    deploy(&aws, &answers.url_prefix()).await?;
    let domain_role = role_of(&aws, "studio-domain").await?;
    let profile_role = role_of(&aws, "studio-user-profile").await?;
    let grant_role = role_of(&aws, "lakeformation-grant").await?;

    // The functions' resource policies name CloudFormation for the allowed stacks only, one
    // statement per pattern (aws:SourceArn, compared with ArnLike).
    for function in [
        "studio-domain",
        "studio-user-profile",
        "lakeformation-grant",
    ] {
        let policy = aws
            .call_rest(
                "lambda",
                Method::GET,
                &format!("/2015-03-31/functions/studio-catalog-{function}/policy"),
                None,
            )
            .await?;
        let policy: Value = serde_json::from_str(policy["Policy"].as_str().unwrap_or("{}"))?;
        let mut source_arns: Vec<&str> = policy["Statement"]
            .as_array()
            .ok_or("no statements")?
            .iter()
            .map(|statement| {
                assert_eq!(
                    statement["Principal"]["Service"],
                    "cloudformation.amazonaws.com"
                );
                assert_eq!(
                    statement["Condition"]["StringEquals"]["AWS:SourceAccount"],
                    ACCOUNT_ID
                );
                statement["Condition"]["ArnLike"]["AWS:SourceArn"]
                    .as_str()
                    .unwrap_or("(none)")
            })
            .collect();
        source_arns.sort_unstable();
        assert_eq!(
            source_arns,
            [
                format!("arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/SC-*/*"),
                format!("arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/platform-*/*"),
            ],
            "{function}: {policy}"
        );
    }

    // The platform admin's own domain stack (an allowed name) makes a managed domain.
    let (domain_stack, status, reasons) = create_stack(
        &cfn,
        "platform-domain",
        "Custom::StudioDomain",
        &json!({
            "ServiceToken": function_arn("studio-domain"),
            "DomainName": "callers",
            "VpcId": vpc_id,
            "SubnetIds": subnets,
            "AppNetworkAccessType": "PublicInternetOnly",
            "DefaultExecutionRoleArn": product_role_arn(DEFAULT_EXECUTION_ROLE),
            "DefaultUserSettings": {"ExecutionRole": product_role_arn(DEFAULT_EXECUTION_ROLE)},
        }),
    )
    .await?;
    assert_eq!(status, StackStatus::CreateComplete, "{reasons:#?}");
    let domain_id = output_of(&cfn, &domain_stack).await?;
    tag_for_profile(&aws, ALICE_ROLE, &domain_id, "alice").await?;
    tag_for_profile(&aws, BOB_ROLE, &domain_id, "bob").await?;

    // A stack CloudFormation runs, but whose name the deployment does not allow: the profile
    // is refused with the function's reason, and the rollback (a Delete from the same stack,
    // answered SUCCESS with nothing deleted) leaves the stack ROLLBACK_COMPLETE, not stuck.
    let from = decisions_now(&aws).await?;
    let (_, status, reasons) = create_stack(
        &cfn,
        "team-x-profile",
        "Custom::StudioUserProfile",
        &json!({
            "ServiceToken": function_arn("studio-user-profile"),
            "DomainId": domain_id,
            "UserProfileName": "xavier",
        }),
    )
    .await?;
    assert_eq!(status, StackStatus::RollbackComplete, "{reasons:#?}");
    assert!(
        reasons
            .iter()
            .any(|reason| reason.contains("Refused: StackId")
                && reason.contains("team-x-profile")
                && reason.contains(ALLOWED_STACK_NAMES)),
        "{reasons:#?}"
    );
    assert_eq!(
        role_decisions(&aws, from, &profile_role).await?,
        Vec::<String>::new(),
        "the function made no AWS call for a stack it does not act for"
    );

    // The invoker: may invoke the functions, nothing else.
    let invoker = {
        let assumed = aws_sdk_sts::Client::new(&admin)
            .assume_role()
            .role_arn(role_arn(INVOKER_ROLE))
            .role_session_name("mallory")
            .send()
            .await?;
        let issued = assumed
            .credentials()
            .ok_or("AssumeRole answered no credentials")?;
        let session = aws
            .sdk_config(Credentials::new(
                issued.access_key_id(),
                issued.secret_access_key(),
                Some(issued.session_token().to_owned()),
                None,
                "callers-invoker",
            ))
            .await;
        Invoker {
            lambda: aws_sdk_lambda::Client::new(&session),
            answers,
            aws: &aws,
        }
    };
    let profile = |name: &str, role: &str| {
        CfnRequest::create(
            "Custom::StudioUserProfile",
            "UserProfile",
            json!({
                "ServiceToken": function_arn("studio-user-profile"),
                "DomainId": domain_id,
                "UserProfileName": name,
                "ExecutionRoleArn": product_role_arn(role),
            }),
        )
    };
    let profile_gone = async |name: &str| -> TestResult<bool> {
        match aws
            .sagemaker(
                "DescribeUserProfile",
                &json!({"DomainId": domain_id, "UserProfileName": name}),
            )
            .await
        {
            Err(error) if error.aws_error_type() == Some("ResourceNotFound") => Ok(true),
            Err(error) => Err(error.into()),
            Ok(_) => Ok(false),
        }
    };

    // 1. A profile for mallory with alice's execution role, from a stack of mallory's naming.
    let from = decisions_now(&aws).await?;
    let (summary, answer) = invoker
        .send(
            "studio-user-profile",
            FORGED_STACK,
            &profile("mallory", ALICE_ROLE),
        )
        .await?;
    assert_eq!(summary["Outcome"], "FAILED", "{summary}");
    assert_eq!(summary["Delivered"], true, "{summary}");
    assert!(answer.is_failed());
    let reason = answer.reason.clone().unwrap_or_default();
    assert!(
        reason.starts_with(&format!(
            "Refused: StackId arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{FORGED_STACK}/"
        )),
        "{reason}"
    );
    assert!(reason.contains(ALLOWED_STACK_NAMES), "{reason}");
    assert!(profile_gone("mallory").await?, "no profile was created");
    assert_eq!(
        role_decisions(&aws, from, &profile_role).await?,
        Vec::<String>::new(),
        "the function made no AWS call"
    );

    // 2. The same from a stack named as Service Catalog names them (it passes the StackId
    //    check): alice's role is tagged for alice's profile, not mallory's.
    let from = decisions_now(&aws).await?;
    let (summary, answer) = invoker
        .send(
            "studio-user-profile",
            &format!("SC-{ACCOUNT_ID}-pp-forged0000001"),
            &profile("mallory", ALICE_ROLE),
        )
        .await?;
    assert_eq!(summary["Outcome"], "FAILED", "{summary}");
    let reason = answer.reason.clone().unwrap_or_default();
    assert!(
        reason.starts_with(&format!(
            "ExecutionRoleArn {} is not an execution role made for user profile mallory of domain {domain_id}: it is tagged studio-catalog:user-profile={domain_id}/alice. Expected a role tagged studio-catalog:user-profile={domain_id}/mallory",
            product_role_arn(ALICE_ROLE)
        )),
        "{reason}"
    );
    assert!(profile_gone("mallory").await?, "no profile was created");
    let decided = role_decisions(&aws, from, &profile_role).await?;
    assert!(
        decided.contains(&"iam:GetRole Allowed".to_owned()),
        "{decided:#?}"
    );
    assert!(
        !decided
            .iter()
            .any(|d| d.starts_with("sagemaker:CreateUserProfile")),
        "{decided:#?}"
    );

    // 3. bob's profile with bob's own role, from such a stack, is made: the check refuses
    //    only what is not the profile's own.
    let (summary, answer) = invoker
        .send(
            "studio-user-profile",
            &format!("SC-{ACCOUNT_ID}-pp-forged0000002"),
            &profile("bob", BOB_ROLE),
        )
        .await?;
    assert_eq!(
        summary["Outcome"], "SUCCESS",
        "{summary}: {:?}",
        answer.reason
    );
    assert!(!profile_gone("bob").await?);

    // 4. The managed domain deleted by hand, from a stack of mallory's naming: answered
    //    SUCCESS (so that CloudFormation could clean up), nothing deleted.
    let from = decisions_now(&aws).await?;
    let (summary, answer) = invoker
        .send(
            "studio-domain",
            FORGED_STACK,
            &CfnRequest::create("Custom::StudioDomain", "Domain", Value::Null).delete(
                &domain_id,
                json!({"ServiceToken": function_arn("studio-domain"), "DomainName": "callers"}),
            ),
        )
        .await?;
    assert_eq!(summary["Outcome"], "SUCCESS", "{summary}");
    assert!(answer.is_success());
    let reason = answer.reason.clone().unwrap_or_default();
    assert!(reason.starts_with("Not deleted: StackId"), "{reason}");
    let domain = aws
        .sagemaker("DescribeDomain", &json!({"DomainId": domain_id}))
        .await?;
    assert_eq!(domain["Status"], "InService", "the domain is still there");
    assert_eq!(
        role_decisions(&aws, from, &domain_role).await?,
        Vec::<String>::new(),
        "the function made no AWS call"
    );

    // 5. A Lake Formation grant to the invoker itself, from a stack of mallory's naming.
    let from = decisions_now(&aws).await?;
    let (summary, answer) = invoker
        .send(
            "lakeformation-grant",
            FORGED_STACK,
            &CfnRequest::create(
                "Custom::LakeFormationGrant",
                "Grant",
                json!({
                    "ServiceToken": function_arn("lakeformation-grant"),
                    "Principal": role_arn(INVOKER_ROLE),
                    "Resource": {"Database": {"Name": "claims"}},
                    "Permissions": ["ALL"],
                }),
            ),
        )
        .await?;
    assert_eq!(summary["Outcome"], "FAILED", "{summary}");
    assert!(
        answer
            .reason
            .as_deref()
            .is_some_and(|reason| reason.starts_with("Refused: StackId")),
        "{:?}",
        answer.reason
    );
    let granted = aws
        .call_rest(
            "lakeformation",
            Method::POST,
            "/ListPermissions",
            Some(&json!({})),
        )
        .await?;
    let to_invoker: Vec<&Value> = granted["PrincipalResourcePermissions"]
        .as_array()
        .ok_or("ListPermissions answered no list")?
        .iter()
        .filter(|p| {
            p["Principal"]["DataLakePrincipalIdentifier"] == role_arn(INVOKER_ROLE).as_str()
        })
        .collect();
    assert!(
        to_invoker.is_empty(),
        "no permission was granted: {to_invoker:?}"
    );
    assert_eq!(
        role_decisions(&aws, from, &grant_role).await?,
        Vec::<String>::new(),
        "the function made no AWS call"
    );
    Ok(())
}
