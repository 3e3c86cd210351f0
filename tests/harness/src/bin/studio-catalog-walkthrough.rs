//! The local walk-through: the provisioning lifecycle against the local AWS emulator, with the
//! real function binaries under a local Lambda runtime, printing each step and its time.
//! Exits non-zero if any step did not behave. `scripts/walkthrough` builds and runs it.

use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use studio_catalog_harness::cloudformation::{CfnRequest, CfnResponse, Deployment};
use studio_catalog_harness::emulator::AwsEmulator;
use studio_catalog_harness::lambda::{FunctionSpec, LocalLambda};
use studio_catalog_harness::workspace_root;

type StepResult = Result<String, String>;

struct Walkthrough {
    steps: Vec<(String, Duration, StepResult)>,
}

impl Walkthrough {
    async fn step<F, Fut>(&mut self, title: &str, action: F) -> bool
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = StepResult>,
    {
        let started = Instant::now();
        eprintln!("▶ {title}");
        let result = action().await;
        let took = started.elapsed();
        match &result {
            Ok(detail) => eprintln!("  ✔ {detail} ({:.2} s)", took.as_secs_f64()),
            Err(problem) => eprintln!("  ✘ {problem} ({:.2} s)", took.as_secs_f64()),
        }
        let ok = result.is_ok();
        self.steps.push((title.to_owned(), took, result));
        ok
    }

    fn summary(&self) -> bool {
        eprintln!("\nSummary");
        let mut all_ok = true;
        for (title, took, result) in &self.steps {
            let mark = if result.is_ok() { "✔" } else { "✘" };
            all_ok &= result.is_ok();
            eprintln!("  {mark} {title:<80} {:>7.2} s", took.as_secs_f64());
        }
        let total: Duration = self.steps.iter().map(|(_, took, _)| *took).sum();
        eprintln!(
            "  {} of {} steps behaved, {:.1} s in all",
            self.steps.iter().filter(|s| s.2.is_ok()).count(),
            self.steps.len(),
            total.as_secs_f64()
        );
        all_ok
    }
}

fn binary(name: &str) -> PathBuf {
    let dir = std::env::var("STUDIO_CATALOG_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("target/debug"));
    dir.join(name)
}

fn success(response: &CfnResponse) -> Result<&CfnResponse, String> {
    if response.is_success() {
        Ok(response)
    } else {
        Err(format!(
            "FAILED: {}",
            response.reason.as_deref().unwrap_or("no reason")
        ))
    }
}

fn domain_properties(tags: &Value) -> Value {
    json!({
        "DomainName": "risk-analytics",
        "VpcId": "vpc-0a1b2c3d4e5f60718",
        "SubnetIds": ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60719"],
        "DefaultExecutionRoleArn": "arn:aws:iam::123456789012:role/studio-catalog-default-execution",
        "DefaultUserSettings": {"JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}}},
        "Tags": tags,
        "HomeEfsRetention": "Retain",
    })
}

fn profile_properties(domain_id: &str, user: &str) -> Value {
    json!({
        "DomainId": domain_id,
        "UserProfileName": user,
        "StudioUserId": user,
        "ExecutionRoleArn": format!("arn:aws:iam::123456789012:role/studio-catalog-user-{user}"),
        "Tags": [{"Key": "team", "Value": "risk"}],
    })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut walk = Walkthrough { steps: Vec::new() };
    let aws = match AwsEmulator::builder().transition_seconds(1.0).start().await {
        Ok(aws) => aws,
        Err(error) => {
            eprintln!("could not start the local AWS emulator: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    eprintln!("local AWS emulator on {}", aws.endpoint_url());
    let cfn = match Deployment::start("SC-123456789012-pp-studio-domain").await {
        Ok(cfn) => cfn.with_timeout(Duration::from_secs(300)),
        Err(error) => {
            eprintln!("could not start the CloudFormation response server: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let spec = |name: &str| {
        FunctionSpec::new(name, binary(name))
            .envs(aws.aws_env())
            .env("CFN_RESPONSE_URL_ALLOW", cfn.url_prefix())
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .timeout(Duration::from_secs(60))
    };
    let lambda =
        match LocalLambda::start(vec![spec("studio-domain"), spec("studio-user-profile")]).await {
            Ok(lambda) => lambda,
            Err(error) => {
                eprintln!(
                    "could not start the functions (build them with `cargo build --bins`): {error}"
                );
                return std::process::ExitCode::FAILURE;
            }
        };

    let create = CfnRequest::create(
        "Custom::StudioDomain",
        "StudioDomain",
        domain_properties(&json!([{"Key": "team", "Value": "risk"}])),
    );
    let mut domain_id = String::new();
    let mut home_efs = String::new();
    walk.step(
        "Provision a Studio domain (Custom::StudioDomain create)",
        || async {
            let created = cfn
                .request(&lambda, "studio-domain", &create)
                .await
                .map_err(|e| e.to_string())?;
            success(&created)?;
            domain_id = created.physical_resource_id.clone();
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

    walk.step(
        "Change the domain's tags in place (update, same physical id)",
        || async {
            let update = create.update(
                &domain_id,
                domain_properties(&json!([{"Key": "team", "Value": "risk-platform"}])),
                domain_properties(&json!([{"Key": "team", "Value": "risk"}])),
            );
            let updated = cfn
                .request(&lambda, "studio-domain", &update)
                .await
                .map_err(|e| e.to_string())?;
            success(&updated)?;
            if updated.physical_resource_id != domain_id {
                return Err(format!(
                    "the domain was replaced ({} → {})",
                    domain_id, updated.physical_resource_id
                ));
            }
            Ok(format!("domain {domain_id} kept, tags updated"))
        },
    )
    .await;

    let mut profiles: Vec<(String, CfnRequest, String)> = Vec::new();
    for user in ["alice", "bob"] {
        let request = CfnRequest::create(
            "Custom::StudioUserProfile",
            "UserProfile",
            profile_properties(&domain_id, user),
        );
        let mut arn = String::new();
        walk.step(
            &format!(
                "Provision user {user} (Custom::StudioUserProfile, tagged studiouserid={user})"
            ),
            || async {
                let created = cfn
                    .request(&lambda, "studio-user-profile", &request)
                    .await
                    .map_err(|e| e.to_string())?;
                success(&created)?;
                arn = created.physical_resource_id.clone();
                let tags = aws
                    .sagemaker("ListTags", &json!({"ResourceArn": arn}))
                    .await
                    .map_err(|e| e.to_string())?;
                let tagged = tags["Tags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|tag| tag["Key"] == "studiouserid" && tag["Value"] == user);
                if !tagged {
                    return Err(format!("{arn} lacks the studiouserid={user} tag"));
                }
                Ok(format!(
                    "{arn} InService, home uid {}",
                    created.data("HomeEfsFileSystemUid").unwrap_or_default()
                ))
            },
        )
        .await;
        profiles.push((user.to_owned(), request, arn));
    }

    walk.step(
        "Terminating the domain while profiles remain is refused, nothing touched",
        || async {
            let delete = create.delete(
                &domain_id,
                domain_properties(&json!([{"Key": "team", "Value": "risk-platform"}])),
            );
            let refused = cfn
                .request(&lambda, "studio-domain", &delete)
                .await
                .map_err(|e| e.to_string())?;
            if refused.is_success() {
                return Err("the domain was deleted with profiles in it".to_owned());
            }
            let reason = refused.reason.unwrap_or_default();
            if !reason.contains("alice, bob") {
                return Err(format!("unexpected reason: {reason}"));
            }
            Ok(format!("FAILED as it should: {reason}"))
        },
    )
    .await;

    for (user, request, arn) in &profiles {
        walk.step(&format!("Terminate {user}'s profile"), || async {
            let delete = request.delete(arn, profile_properties(&domain_id, user));
            let deleted = cfn
                .request(&lambda, "studio-user-profile", &delete)
                .await
                .map_err(|e| e.to_string())?;
            success(&deleted)?;
            Ok(format!("{arn} deleted"))
        })
        .await;
    }

    walk.step(
        "Terminate the domain, home directories retained",
        || async {
            let delete = create.delete(
                &domain_id,
                domain_properties(&json!([{"Key": "team", "Value": "risk-platform"}])),
            );
            let deleted = cfn
                .request(&lambda, "studio-domain", &delete)
                .await
                .map_err(|e| e.to_string())?;
            success(&deleted)?;
            let file_systems = aws.efs_file_systems().await.map_err(|e| e.to_string())?;
            let state = file_systems
                .iter()
                .find(|fs| fs.file_system_id == home_efs)
                .map(|fs| fs.state.clone())
                .unwrap_or_else(|| "unknown".to_owned());
            if state != "retained" {
                return Err(format!("home EFS {home_efs} is {state}, expected retained"));
            }
            Ok(format!(
                "domain {domain_id} deleted; home EFS {home_efs} retained"
            ))
        },
    )
    .await;

    if walk.summary() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
