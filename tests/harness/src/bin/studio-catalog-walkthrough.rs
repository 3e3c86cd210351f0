//! The local walk-through: the whole provisioning story against the local AWS emulator, with
//! the real function binaries under a local Lambda runtime and CloudFormation's part played
//! here, printing each step and its time. Exits non-zero if any step did not behave.
//! `scripts/walkthrough` builds everything and runs it.
//!
//! The story (steps, results, summary) goes to stdout, so `scripts/walkthrough | tee story.txt`
//! keeps it; diagnostics (start-up failures, and the processes' logs with
//! `HARNESS_ECHO_LOGS=1`) go to stderr. The function binaries are read from
//! `STUDIO_CATALOG_BIN_DIR`, by default the `debug` directory of Cargo's target directory.

use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use studio_catalog_harness::cloudformation::{CfnRequest, CfnResponse, Deployment};
use studio_catalog_harness::emulator::AwsEmulator;
use studio_catalog_harness::function_url::iam_user_get;
use studio_catalog_harness::lambda::{FunctionSpec, LocalLambda};
use studio_catalog_harness::target_dir;

type StepResult = Result<String, String>;

/// Writes one line of the story to stdout (a closed pipe is not the walk-through's failure).
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// What the walk-through will show, before the first step.
const INTRO: &str = "\
studio-catalog walk-through: the provisioning lifecycle, end to end.
It runs against a local AWS emulator (moto server plus this project's extension, on 127.0.0.1):
no AWS account is touched and no credentials are needed. The real function binaries run under
a local Lambda runtime; this program plays CloudFormation's part.

What it shows:
  1. a Studio domain provisioned, then changed in place;
  2. two users' profiles with their Lake Formation grants (whole table / no personal data);
  3. signing in through the presigned-URL function, own profile only, the URL never logged;
  4. the scheduled cleanup stopping an idle app and keeping an active one;
  5. termination: refused while profiles remain, then users and domain deleted.
Each step prints what happened and its time; a summary follows. Under a minute in all.
";

/// The steps walked so far.
#[derive(Default)]
struct Walkthrough {
    steps: Vec<(String, Duration, bool)>,
}

impl Walkthrough {
    async fn step<F, Fut>(&mut self, title: &str, action: F) -> bool
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = StepResult>,
    {
        let started = Instant::now();
        say!("▶ {title}");
        let result = action().await;
        let took = started.elapsed();
        match &result {
            Ok(detail) => say!("  ✔ {detail} ({:.2} s)", took.as_secs_f64()),
            Err(problem) => say!("  ✘ {problem} ({:.2} s)", took.as_secs_f64()),
        }
        self.steps.push((title.to_owned(), took, result.is_ok()));
        result.is_ok()
    }

    fn summary(&self) -> bool {
        say!("\nSummary");
        for (title, took, ok) in &self.steps {
            let mark = if *ok { "✔" } else { "✘" };
            say!("  {mark} {title:<78} {:>7.2} s", took.as_secs_f64());
        }
        let behaved = self.steps.iter().filter(|step| step.2).count();
        let total: Duration = self.steps.iter().map(|step| step.1).sum();
        say!(
            "  {behaved} of {} steps behaved, {:.1} s in all",
            self.steps.len(),
            total.as_secs_f64()
        );
        behaved == self.steps.len()
    }
}

fn binary(name: &str) -> PathBuf {
    std::env::var("STUDIO_CATALOG_BIN_DIR")
        .map_or_else(|_| target_dir().join("debug"), PathBuf::from)
        .join(name)
}

fn text<E: std::fmt::Display>(error: E) -> String {
    error.to_string()
}

fn success(response: &CfnResponse) -> Result<(), String> {
    if response.is_success() {
        Ok(())
    } else {
        Err(format!(
            "FAILED: {}",
            response.reason.as_deref().unwrap_or("no reason")
        ))
    }
}

fn domain_properties(team: &str) -> Value {
    json!({
        "DomainName": "risk-analytics",
        "VpcId": "vpc-0a1b2c3d4e5f60718",
        "SubnetIds": ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60719"],
        "DefaultExecutionRoleArn": "arn:aws:iam::123456789012:role/studio-catalog-default-execution",
        "DefaultUserSettings": {"JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}}},
        "Tags": [{"Key": "team", "Value": team}],
        "HomeEfsRetention": "Retain",
    })
}

fn profile_properties(domain_id: &str, user: &str, role_arn: &str) -> Value {
    json!({
        "DomainId": domain_id,
        "UserProfileName": user,
        "StudioUserId": user,
        "ExecutionRoleArn": role_arn,
        "Tags": [{"Key": "team", "Value": "risk"}],
    })
}

/// alice reads and describes the whole table; bob selects every column but the customer's
/// personal data (a column grant is SELECT only, as Lake Formation requires).
fn grant_properties(user: &str, role_arn: &str) -> Value {
    let (resource, permissions) = if user == "alice" {
        (
            json!({"Table": {"DatabaseName": "risk", "Name": "transactions"}}),
            json!(["SELECT", "DESCRIBE"]),
        )
    } else {
        (
            json!({"TableWithColumns": {
                "DatabaseName": "risk",
                "Name": "transactions",
                "ColumnWildcard": {"ExcludedColumnNames": ["customer_name", "customer_email"]}
            }}),
            json!(["SELECT"]),
        )
    };
    json!({"Principal": role_arn, "Resource": resource, "Permissions": permissions})
}

/// The HTTP status and JSON body of a function URL response.
fn http_answer(payload: &Value) -> (u64, Value) {
    let status = payload["statusCode"].as_u64().unwrap_or_default();
    let body = payload["body"]
        .as_str()
        .and_then(|body| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null);
    (status, body)
}

struct User {
    name: &'static str,
    role_arn: String,
    profile: CfnRequest,
    profile_arn: String,
    grant: CfnRequest,
    grant_id: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    match walk().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("the walk-through could not start: {error}");
            ExitCode::FAILURE
        }
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "the walk-through reads as one story, step by step"
)]
async fn walk() -> Result<bool, Box<dyn std::error::Error>> {
    say!("{INTRO}");
    let mut walk = Walkthrough::default();
    let aws = AwsEmulator::builder()
        .transition_seconds(1.0)
        .start()
        .await?;
    say!("local AWS emulator on {}\n", aws.endpoint_url());
    let cfn = Deployment::start("SC-123456789012-pp-risk-analytics")
        .await?
        .with_timeout(Duration::from_secs(300));
    let spec = |name: &str| {
        FunctionSpec::new(name, binary(name))
            .envs(aws.aws_env())
            .env("CFN_RESPONSE_URL_ALLOW", cfn.url_prefix())
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .timeout(Duration::from_secs(60))
    };
    let lambda = LocalLambda::start(vec![
        spec("studio-domain"),
        spec("studio-user-profile"),
        spec("lakeformation-grant"),
    ])
    .await
    .map_err(|error| format!("{error} (build the functions with `cargo build --bins`)"))?;

    // 1. The domain product.
    let domain = CfnRequest::create(
        "Custom::StudioDomain",
        "StudioDomain",
        domain_properties("risk"),
    );
    let mut domain_id = String::new();
    let mut home_efs = String::new();
    let provisioned = walk
        .step(
            "Provision a Studio domain (Custom::StudioDomain)",
            || async {
                let created = cfn
                    .request(&lambda, "studio-domain", &domain)
                    .await
                    .map_err(text)?;
                success(&created)?;
                domain_id.clone_from(&created.physical_resource_id);
                home_efs = created
                    .data("HomeEfsFileSystemId")
                    .unwrap_or_default()
                    .to_owned();
                Ok(format!(
                    "domain {domain_id} InService, home EFS {home_efs}, Studio at {}",
                    created.data("Url").unwrap_or_default()
                ))
            },
        )
        .await;
    if !provisioned {
        return Ok(walk.summary());
    }

    walk.step(
        "Change the domain's tags in place (same physical id)",
        || async {
            let update = domain.update(
                &domain_id,
                domain_properties("risk-platform"),
                domain_properties("risk"),
            );
            let updated = cfn
                .request(&lambda, "studio-domain", &update)
                .await
                .map_err(text)?;
            success(&updated)?;
            if updated.physical_resource_id == domain_id {
                Ok(format!("domain {domain_id} kept, tag team=risk-platform"))
            } else {
                Err(format!(
                    "the domain was replaced by {}",
                    updated.physical_resource_id
                ))
            }
        },
    )
    .await;

    // 2. The data the users are granted.
    walk.step("Catalogue the table risk.transactions (Glue Data Catalog)", || async {
        aws.glue("CreateDatabase", &json!({"DatabaseInput": {"Name": "risk"}})).await.map_err(text)?;
        let columns: Vec<Value> = ["transaction_id", "amount", "merchant", "customer_name", "customer_email"]
            .iter()
            .map(|name| json!({"Name": name, "Type": "string"}))
            .collect();
        aws.glue(
            "CreateTable",
            &json!({"DatabaseName": "risk", "TableInput": {"Name": "transactions", "StorageDescriptor": {"Columns": columns}}}),
        )
        .await
        .map_err(text)?;
        Ok("risk.transactions with 5 columns, 2 of them personal data".to_owned())
    })
    .await;

    // 3. The user-profile product, twice.
    let mut users: Vec<User> = Vec::new();
    for name in ["alice", "bob"] {
        let mut user = User {
            name,
            role_arn: String::new(),
            profile: CfnRequest::create("Custom::StudioUserProfile", "UserProfile", Value::Null),
            profile_arn: String::new(),
            grant: CfnRequest::create("Custom::LakeFormationGrant", "DataGrant", Value::Null),
            grant_id: String::new(),
        };
        let access = if name == "alice" {
            "whole table"
        } else {
            "no PII columns"
        };
        walk.step(
            &format!(
                "Provision user {name}: role, profile (studiouserid={name}), grant ({access})"
            ),
            || async {
                user.role_arn = aws
                    .create_role(&format!("studio-catalog-user-{name}"))
                    .await
                    .map_err(text)?;
                user.profile = CfnRequest::create(
                    "Custom::StudioUserProfile",
                    "UserProfile",
                    profile_properties(&domain_id, name, &user.role_arn),
                );
                let created = cfn
                    .request(&lambda, "studio-user-profile", &user.profile)
                    .await
                    .map_err(text)?;
                success(&created)?;
                user.profile_arn.clone_from(&created.physical_resource_id);
                user.grant = CfnRequest::create(
                    "Custom::LakeFormationGrant",
                    "DataGrant",
                    grant_properties(name, &user.role_arn),
                );
                let granted = cfn
                    .request(&lambda, "lakeformation-grant", &user.grant)
                    .await
                    .map_err(text)?;
                success(&granted)?;
                user.grant_id.clone_from(&granted.physical_resource_id);
                Ok(format!(
                    "{} with role {}; grant {} ({})",
                    user.profile_arn,
                    user.role_arn,
                    user.grant_id,
                    granted.data("ResourceType").unwrap_or_default()
                ))
            },
        )
        .await;
        users.push(user);
    }

    // 4. Signing in.
    let sign_in = LocalLambda::start(vec![
        FunctionSpec::new("studio-presigned-url", binary("studio-presigned-url"))
            .envs(aws.aws_env())
            .env("DOMAIN_ID", &domain_id)
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .timeout(Duration::from_secs(30)),
    ])
    .await?;
    walk.step(
        "alice signs in to Studio (presigned URL for her own profile)",
        || async {
            let answer = sign_in
                .invoke(
                    "studio-presigned-url",
                    iam_user_get("alice", "landing=studio%3A%3A"),
                )
                .await
                .map_err(text)?
                .into_payload()
                .map_err(text)?;
            let (status, body) = http_answer(&answer);
            let url = body["url"].as_str().unwrap_or_default();
            if status == 200 && url.starts_with("https://") {
                Ok(format!(
                    "200, a URL valid for {} s (not shown: it is a bearer token)",
                    body["expiresInSeconds"]
                ))
            } else {
                Err(format!("HTTP {status}: {body}"))
            }
        },
    )
    .await;
    walk.step("alice asks for bob's profile and is refused", || async {
        let answer = sign_in
            .invoke("studio-presigned-url", iam_user_get("alice", "profile=bob"))
            .await
            .map_err(text)?
            .into_payload()
            .map_err(text)?;
        let (status, body) = http_answer(&answer);
        if status == 403 {
            Ok(format!("403 {}", body["code"]))
        } else {
            Err(format!("expected 403, got HTTP {status}: {body}"))
        }
    })
    .await;
    walk.step("The sign-in log never contains the URL", || async {
        let logs = sign_in.logs("studio-presigned-url");
        if logs.iter().any(|line| line.contains("/auth?token=")) {
            Err("a presigned URL was logged".to_owned())
        } else {
            Ok(format!("{} log lines, none with a URL", logs.len()))
        }
    })
    .await;

    // 5. Apps start, one goes idle, cleanup runs.
    let mut idle_app = String::new();
    let mut active_app = String::new();
    walk.step("alice's and bob's JupyterLab apps start; alice's is idle since midnight", || async {
        let mut arns = Vec::new();
        for user in &users {
            let space = format!("{}-space", user.name);
            aws.sagemaker(
                "CreateSpace",
                &json!({
                    "DomainId": domain_id, "SpaceName": space,
                    "OwnershipSettings": {"OwnerUserProfileName": user.name},
                    "SpaceSharingSettings": {"SharingType": "Private"},
                    "SpaceSettings": {"AppType": "JupyterLab"}
                }),
            )
            .await
            .map_err(text)?;
            tokio::time::sleep(Duration::from_millis(1200)).await;
            let created = aws
                .sagemaker(
                    "CreateApp",
                    &json!({"DomainId": domain_id, "SpaceName": space, "AppType": "JupyterLab", "AppName": "default"}),
                )
                .await
                .map_err(text)?;
            arns.push(created["AppArn"].as_str().unwrap_or_default().to_owned());
        }
        tokio::time::sleep(Duration::from_millis(1200)).await;
        idle_app.clone_from(&arns[0]);
        active_app.clone_from(&arns[1]);
        aws.set_app_last_activity(&idle_app, "2026-11-23T00:00:00Z").await.map_err(text)?;
        let a_minute_ago = std::time::SystemTime::now() - Duration::from_secs(60);
        aws.set_app_last_activity(&active_app, &rfc3339(a_minute_ago).map_err(text)?)
            .await
            .map_err(text)?;
        Ok(format!("{} apps InService", arns.len()))
    })
    .await;

    let cleanup = LocalLambda::start(vec![
        FunctionSpec::new("studio-cleanup", binary("studio-cleanup"))
            .envs(aws.aws_env())
            .env("DOMAIN_IDS", &domain_id)
            .env("IDLE_APP_MINUTES", "60")
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .timeout(Duration::from_secs(120)),
    ])
    .await?;
    walk.step("Scheduled cleanup stops the idle app and keeps the active one", || async {
        let schedule = json!({
            "version": "0", "id": "walkthrough", "detail-type": "Scheduled Event", "source": "aws.scheduler",
            "account": "123456789012", "time": "2026-11-23T03:00:00Z", "region": "us-east-1",
            "resources": ["arn:aws:scheduler:us-east-1:123456789012:schedule/default/studio-cleanup"], "detail": {}
        });
        let report = cleanup
            .invoke("studio-cleanup", schedule)
            .await
            .map_err(text)?
            .into_payload()
            .map_err(text)?;
        let status = |arn: &str| {
            let parts: Vec<&str> = arn.rsplit('/').collect();
            let (name, space) = (parts.first().copied().unwrap_or_default(), parts.get(2).copied().unwrap_or_default());
            json!({"DomainId": domain_id, "SpaceName": space, "AppType": "JupyterLab", "AppName": name})
        };
        let idle = aws.sagemaker("DescribeApp", &status(&idle_app)).await.map_err(text)?;
        let active = aws.sagemaker("DescribeApp", &status(&active_app)).await.map_err(text)?;
        let idle_status = idle["Status"].as_str().unwrap_or_default();
        let active_status = active["Status"].as_str().unwrap_or_default();
        if matches!(idle_status, "Deleting" | "Deleted") && active_status == "InService" {
            let actions = report["actions"].as_array().map_or(0, Vec::len);
            Ok(format!(
                "idle app {idle_status}, active app {active_status}; {actions} action(s), {} API calls",
                report["api_calls"]
            ))
        } else {
            Err(format!("idle app {idle_status}, active app {active_status}"))
        }
    })
    .await;

    // 6. Termination.
    walk.step(
        "Terminating the domain while profiles remain is refused, nothing touched",
        || async {
            let delete = domain.delete(&domain_id, domain_properties("risk-platform"));
            let refused = cfn
                .request(&lambda, "studio-domain", &delete)
                .await
                .map_err(text)?;
            let reason = refused.reason.clone().unwrap_or_default();
            if refused.is_failed() && reason.contains("alice, bob") {
                Ok(format!("FAILED as it should: {reason}"))
            } else {
                Err(format!("unexpected answer: {} {reason}", refused.status))
            }
        },
    )
    .await;

    for user in &users {
        walk.step(
            &format!(
                "Terminate {}'s user product: grant revoked, profile deleted",
                user.name
            ),
            || async {
                let revoke = user
                    .grant
                    .delete(&user.grant_id, grant_properties(user.name, &user.role_arn));
                success(
                    &cfn.request(&lambda, "lakeformation-grant", &revoke)
                        .await
                        .map_err(text)?,
                )?;
                let delete = user.profile.delete(
                    &user.profile_arn,
                    profile_properties(&domain_id, user.name, &user.role_arn),
                );
                success(
                    &cfn.request(&lambda, "studio-user-profile", &delete)
                        .await
                        .map_err(text)?,
                )?;
                Ok(format!(
                    "{} deleted, its apps and private space with it",
                    user.profile_arn
                ))
            },
        )
        .await;
    }

    walk.step(
        "Terminate the domain; home directories retained",
        || async {
            let delete = domain.delete(&domain_id, domain_properties("risk-platform"));
            success(
                &cfn.request(&lambda, "studio-domain", &delete)
                    .await
                    .map_err(text)?,
            )?;
            let file_systems = aws.efs_file_systems().await.map_err(text)?;
            let state = file_systems
                .iter()
                .find(|file_system| file_system.file_system_id == home_efs)
                .map_or("unknown", |file_system| file_system.state.as_str());
            if state == "retained" {
                Ok(format!(
                    "domain {domain_id} deleted; home EFS {home_efs} retained"
                ))
            } else {
                Err(format!("home EFS {home_efs} is {state}, expected retained"))
            }
        },
    )
    .await;

    Ok(walk.summary())
}

/// `2026-11-23T10:00:00Z`, as the emulator's control API takes a time (the SDK's own RFC 3339
/// formatting).
fn rfc3339(
    time: std::time::SystemTime,
) -> Result<String, aws_smithy_types::date_time::DateTimeFormatError> {
    aws_smithy_types::DateTime::from(time).fmt(aws_smithy_types::date_time::Format::DateTime)
}
