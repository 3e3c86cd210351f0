//! Measures each function as Lambda would run it: cold-start init (process start to the first
//! Runtime API `next`), peak RSS over a realistic operation, AWS API calls per operation, and
//! the size of what ships.
//!
//! `cargo run --release -p studio-catalog-harness --bin studio-catalog-bench -- [--runs N] [FUNCTION...]`
//! (`benches/functions.sh` builds the release binaries first). Prints a Markdown table and
//! writes `bench/functions.json` under Cargo's target directory. The binaries are read from
//! `<target dir>/release`, the arm64 zips (if packaged) from `<target dir>/lambda`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use studio_catalog_harness::cloudformation::{CfnRequest, CfnResponse, Deployment};
use studio_catalog_harness::emulator::AwsEmulator;
use studio_catalog_harness::function_url::iam_user_get;
use studio_catalog_harness::lambda::{FunctionSpec, LocalLambda};
use studio_catalog_harness::{target_dir, workspace_root};

/// A Python/boto3 custom-resource handler (crhelper style, the usual way to write these),
/// measured on this machine.
const REFERENCE_INIT_MS: f64 = 296.0;
const REFERENCE_PEAK_RSS_MB: f64 = 58.0;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// What one cold start measured.
struct Run {
    init_ms: f64,
    peak_rss_kib: u64,
    api_calls: usize,
}

#[derive(Debug, Default)]
struct Figures {
    function: String,
    workload: &'static str,
    init_ms: Vec<f64>,
    peak_rss_kib: u64,
    api_calls: Vec<usize>,
    binary_bytes: Option<u64>,
    zip_bytes: Option<u64>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a rank among at most a few hundred runs"
    )]
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// A domain in service, arranged directly in the emulator.
async fn arrange_domain(aws: &AwsEmulator, name: &str) -> BenchResult<String> {
    let created = aws
        .sagemaker(
            "CreateDomain",
            &json!({
                "DomainName": name, "AuthMode": "IAM", "VpcId": "vpc-0a1b2c3d", "SubnetIds": ["subnet-0a1b2c3d"],
                "DefaultUserSettings": {"ExecutionRole": "arn:aws:iam::123456789012:role/studio-default"}
            }),
        )
        .await?;
    let domain_id = created["DomainId"]
        .as_str()
        .ok_or("no DomainId")?
        .to_owned();
    wait_in_service(aws, "DescribeDomain", &json!({"DomainId": domain_id})).await?;
    Ok(domain_id)
}

/// A user profile in service, arranged directly in the emulator: CreateUserProfile with `body`
/// (its `DomainId`, `UserProfileName` and whatever else the workload needs), then waited for.
async fn arrange_profile(aws: &AwsEmulator, body: &Value) -> BenchResult<()> {
    aws.sagemaker("CreateUserProfile", body).await?;
    wait_in_service(
        aws,
        "DescribeUserProfile",
        &json!({"DomainId": body["DomainId"], "UserProfileName": body["UserProfileName"]}),
    )
    .await
}

async fn wait_in_service(aws: &AwsEmulator, operation: &str, body: &Value) -> BenchResult<()> {
    Ok(aws
        .wait_for_sagemaker_status(operation, body, "InService", Duration::from_secs(10))
        .await?)
}

fn domain_properties(name: &str) -> Value {
    json!({
        "ServiceTimeout": "300",
        "DomainName": name,
        "VpcId": "vpc-0a1b2c3d",
        "SubnetIds": ["subnet-0a1b2c3d"],
        "DefaultExecutionRoleArn": "arn:aws:iam::123456789012:role/studio-default",
    })
}

/// A private JupyterLab space of alice's, as `events/studio-space/create.json` describes one
/// (instance type, idle shutdown, EBS volume, tags), with `DeleteSpaceData` so that its delete
/// runs (without it, a JupyterLab space's delete fails at once, touching nothing).
fn space_properties(domain_id: &str) -> Value {
    json!({
        "ServiceTimeout": "300",
        "DomainId": domain_id,
        "SpaceName": "alice-lab",
        "SpaceDisplayName": "Alice's lab",
        "OwnershipSettings": {"OwnerUserProfileName": "alice"},
        "SpaceSharingSettings": {"SharingType": "Private"},
        "SpaceSettings": {
            "AppType": "JupyterLab",
            "JupyterLabAppSettings": {
                "DefaultResourceSpec": {"InstanceType": "ml.t3.medium"},
                "AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": "120"}}
            },
            "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": "20"}}
        },
        "Tags": [{"Key": "team", "Value": "fraud-analytics"}],
        "DeleteSpaceData": "true",
    })
}

/// A JupyterLab lifecycle config named `name` running `script`, as
/// `events/studio-lifecycle-config/create.json` describes one.
fn lifecycle_config_properties(name: &str, script: &str) -> Value {
    json!({
        "ServiceTimeout": "300",
        "StudioLifecycleConfigName": name,
        "StudioLifecycleConfigContent": aws_smithy_types::base64::encode(script),
        "StudioLifecycleConfigAppType": "JupyterLab",
        "Tags": [{"Key": "team", "Value": "fraud-analytics"}],
    })
}

/// Sends a custom-resource request and insists on SUCCESS; returns the response.
async fn expect_success(
    cfn: &Deployment,
    lambda: &LocalLambda,
    function: &str,
    request: &CfnRequest,
) -> BenchResult<CfnResponse> {
    let response = cfn.request(lambda, function, request).await?;
    if response.is_success() {
        Ok(response)
    } else {
        Err(format!(
            "{function} {:?} failed: {:?}",
            request.request_type(),
            response.reason
        )
        .into())
    }
}

/// One cold start of `function` doing its workload.
async fn run_once(
    aws: &AwsEmulator,
    function: &str,
    binary: &Path,
    run: usize,
) -> BenchResult<Run> {
    let cfn = Deployment::start("bench")
        .await?
        .with_timeout(Duration::from_secs(120));
    let mut spec = FunctionSpec::new(function, binary)
        .envs(aws.aws_env())
        .env("CFN_RESPONSE_URL_ALLOW", cfn.url_prefix())
        // The stack the bench's requests come from, as CustomResourceStackNames would list it.
        .env("CFN_ALLOWED_STACK_NAMES", "bench")
        // The roles lakeformation-grant may grant to, as core.yaml's ProductRolePrefix would
        // set them: the bench's role is `role/studio-catalog/bench-<function>-<run>`.
        .env("PRODUCT_ROLE_PREFIX", "bench-")
        .env("PRODUCT_ROLE_PATH", "/studio-catalog/")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .timeout(Duration::from_secs(120));
    let name = format!("bench-{function}-{run}");
    // Arrange what the workload needs before the function starts, so the calls it makes
    // are its own.
    let arranged = match function {
        "studio-user-profile" | "studio-presigned-url" | "studio-cleanup" | "studio-space" => {
            Some(arrange_domain(aws, &name).await?)
        }
        _ => None,
    };
    let domain_id = arranged.clone().unwrap_or_default();
    let role = match function {
        "lakeformation-grant" => {
            if run == 0 {
                aws.glue(
                    "CreateDatabase",
                    &json!({"DatabaseInput": {"Name": "bench"}}),
                )
                .await?;
                aws.glue(
                    "CreateTable",
                    &json!({"DatabaseName": "bench", "TableInput": {"Name": "sales", "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "string"}, {"Name": "email", "Type": "string"}]}}}),
                )
                .await?;
            }
            aws.create_role(&name).await?
        }
        _ => String::new(),
    };
    match function {
        "studio-presigned-url" => {
            arrange_profile(
                aws,
                &json!({"DomainId": domain_id, "UserProfileName": "alice", "Tags": [{"Key": "studiouserid", "Value": "alice"}]}),
            )
            .await?;
            spec = spec.env("DOMAIN_ID", &domain_id);
        }
        // The space's owner.
        "studio-space" => {
            arrange_profile(
                aws,
                &json!({"DomainId": domain_id, "UserProfileName": "alice"}),
            )
            .await?;
        }
        "studio-cleanup" => {
            arrange_profile(
                aws,
                &json!({"DomainId": domain_id, "UserProfileName": "alice"}),
            )
            .await?;
            for app in ["datascience-1", "datascience-2"] {
                aws.sagemaker(
                    "CreateApp",
                    &json!({"DomainId": domain_id, "UserProfileName": "alice", "AppType": "KernelGateway", "AppName": app}),
                )
                .await?;
            }
            // The lifetime rule reads every app (issue #15: the idle rule is gone); none of
            // these two is old enough to act on.
            spec = spec
                .env("DOMAIN_IDS", &domain_id)
                .env("MAX_APP_LIFETIME_HOURS", "KernelGateway=12");
        }
        _ => {}
    }
    let lambda = LocalLambda::start(vec![spec]).await?;
    aws.clear_calls().await?;

    match function {
        "studio-domain" => {
            let create =
                CfnRequest::create("Custom::StudioDomain", "Domain", domain_properties(&name));
            let id = expect_success(&cfn, &lambda, function, &create)
                .await?
                .physical_resource_id;
            expect_success(
                &cfn,
                &lambda,
                function,
                &create.delete(&id, domain_properties(&name)),
            )
            .await?;
        }
        "studio-user-profile" => {
            let properties =
                json!({"ServiceTimeout": "300", "DomainId": domain_id, "UserProfileName": "alice"});
            let create =
                CfnRequest::create("Custom::StudioUserProfile", "Profile", properties.clone());
            let id = expect_success(&cfn, &lambda, function, &create)
                .await?
                .physical_resource_id;
            expect_success(&cfn, &lambda, function, &create.delete(&id, properties)).await?;
        }
        "lakeformation-grant" => {
            let properties = json!({
                "ServiceTimeout": "300", "Principal": role, "Permissions": ["SELECT"],
                "Resource": {"TableWithColumns": {"DatabaseName": "bench", "Name": "sales", "ColumnNames": ["id"]}}
            });
            let create =
                CfnRequest::create("Custom::LakeFormationGrant", "Grant", properties.clone());
            let id = expect_success(&cfn, &lambda, function, &create)
                .await?
                .physical_resource_id;
            expect_success(&cfn, &lambda, function, &create.delete(&id, properties)).await?;
        }
        "studio-space" => {
            let properties = space_properties(&domain_id);
            let create = CfnRequest::create("Custom::StudioSpace", "Space", properties.clone());
            let id = expect_success(&cfn, &lambda, function, &create)
                .await?
                .physical_resource_id;
            expect_success(&cfn, &lambda, function, &create.delete(&id, properties)).await?;
        }
        "studio-lifecycle-config" => {
            let v1 = lifecycle_config_properties(
                &name,
                "#!/bin/bash\nset -eux\npip install --quiet jupyterlab-git\n",
            );
            let v2 = lifecycle_config_properties(
                &name,
                "#!/bin/bash\nset -eux\npip install --quiet jupyterlab-git jupyterlab-lsp\n",
            );
            let create = CfnRequest::create(
                "Custom::StudioLifecycleConfig",
                "LifecycleConfig",
                v1.clone(),
            );
            let created = expect_success(&cfn, &lambda, function, &create).await?;
            let id = created.physical_resource_id.as_str();
            let old_version = created
                .data("StudioLifecycleConfigName")
                .ok_or("the create answered no StudioLifecycleConfigName")?;
            // The new content is a new version; nothing lists the old one, so it is retired.
            let updated =
                expect_success(&cfn, &lambda, function, &create.update(id, v2.clone(), v1)).await?;
            let reason = updated.reason.as_deref().unwrap_or_default();
            if updated.data("StudioLifecycleConfigName") == Some(old_version)
                || !reason.contains(&format!("retired {old_version}"))
            {
                return Err(format!(
                    "the update did not make a new version and retire {old_version}: {reason:?}"
                )
                .into());
            }
            expect_success(&cfn, &lambda, function, &create.delete(id, v2)).await?;
        }
        "studio-presigned-url" => {
            let answer = lambda
                .invoke(function, iam_user_get("alice", ""))
                .await?
                .into_payload()?;
            if answer["statusCode"] != 200 {
                return Err(format!("sign-in failed: {answer}").into());
            }
        }
        "studio-cleanup" => {
            let schedule = json!({"version": "0", "id": "bench", "detail-type": "Scheduled Event", "source": "aws.scheduler",
                "account": "123456789012", "time": "2026-11-23T03:00:00Z", "region": "us-east-1", "resources": [], "detail": {}});
            lambda.invoke(function, schedule).await?.into_payload()?;
        }
        other => return Err(format!("no workload for {other}").into()),
    }
    lambda.wait_idle(function, Duration::from_secs(30)).await?;
    let api_calls = aws.calls().await?.len();
    let records = lambda.invocations(function);
    let init = records
        .iter()
        .find_map(|record| record.init_duration)
        .ok_or("no cold start was recorded")?;
    let peak_rss_kib = records
        .iter()
        .filter_map(|record| record.peak_rss_kib)
        .max()
        .unwrap_or(0);
    Ok(Run {
        init_ms: init.as_secs_f64() * 1000.0,
        peak_rss_kib,
        api_calls,
    })
}

fn workload(function: &str) -> &'static str {
    match function {
        "studio-domain" => "create + delete a domain",
        "studio-user-profile" => "create + delete a profile",
        "lakeformation-grant" => "grant + revoke columns",
        "studio-presigned-url" => "one sign-in (cold index)",
        "studio-cleanup" => "one scheduled run, 1 domain, 2 apps",
        "studio-space" => "create + delete a private JupyterLab space",
        "studio-lifecycle-config" => "create, update (new version, old retired), delete a config",
        _ => "",
    }
}

fn file_size(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|metadata| metadata.len())
}

#[allow(clippy::cast_precision_loss, reason = "sizes in MB for a report")]
fn megabytes(bytes: Option<u64>) -> String {
    bytes.map_or_else(
        || "n/a".to_owned(),
        |bytes| format!("{:.2}", bytes as f64 / 1_048_576.0),
    )
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    let mut runs = 10usize;
    let mut functions: Vec<String> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().ok_or("--runs needs a number")?.parse()?,
            other => functions.push(other.to_owned()),
        }
    }
    if functions.is_empty() {
        // Every function of the workspace (the one list: `tools/workspace`); one without a
        // workload below is refused by name.
        functions = studio_catalog_workspace::Workspace::load(&workspace_root())?
            .function_names()
            .map(str::to_owned)
            .collect();
    }
    let target = target_dir();
    let aws = AwsEmulator::builder()
        .transition_seconds(0.1)
        .start()
        .await?;

    let mut all = Vec::new();
    for function in &functions {
        let binary: PathBuf = target.join("release").join(function);
        if !binary.exists() {
            return Err(format!(
                "{} is missing: build it with `cargo build --release -p {function}` \
                 (benches/functions.sh does that for every function it measures)",
                binary.display()
            )
            .into());
        }
        let mut figures = Figures {
            function: function.clone(),
            workload: workload(function),
            binary_bytes: file_size(&binary),
            zip_bytes: file_size(&target.join("lambda").join(function).join("bootstrap.zip")),
            ..Figures::default()
        };
        for run in 0..runs {
            let measured = run_once(&aws, function, &binary, run).await?;
            figures.init_ms.push(measured.init_ms);
            figures.peak_rss_kib = figures.peak_rss_kib.max(measured.peak_rss_kib);
            figures.api_calls.push(measured.api_calls);
        }
        figures.init_ms.sort_by(f64::total_cmp);
        all.push(figures);
    }

    let mut report = Vec::new();
    let mut out = format!(
        "| function | workload | init p50 (ms) | init p90 (ms) | init vs Python ({REFERENCE_INIT_MS} ms) | peak RSS (MB) | RSS vs Python ({REFERENCE_PEAK_RSS_MB} MB) | API calls | x86_64 binary (MB) | arm64 zip (MB) |\n|---|---|---|---|---|---|---|---|---|---|\n"
    );
    for figures in &all {
        let p50 = percentile(&figures.init_ms, 0.5);
        let p90 = percentile(&figures.init_ms, 0.9);
        #[allow(clippy::cast_precision_loss, reason = "kilobytes to megabytes")]
        let rss_mb = figures.peak_rss_kib as f64 / 1024.0;
        let calls = figures.api_calls.iter().max().copied().unwrap_or(0);
        out.push_str(&format!(
            "| {} | {} | {p50:.1} | {p90:.1} | {:.3}× | {rss_mb:.1} | {:.2}× | {calls} | {} | {} |\n",
            figures.function,
            figures.workload,
            p50 / REFERENCE_INIT_MS,
            rss_mb / REFERENCE_PEAK_RSS_MB,
            megabytes(figures.binary_bytes),
            megabytes(figures.zip_bytes),
        ));
        report.push(json!({
            "function": figures.function,
            "workload": figures.workload,
            "runs": figures.init_ms.len(),
            "init_ms": {"p50": p50, "p90": p90, "min": figures.init_ms.first(), "max": figures.init_ms.last()},
            "peak_rss_mb": rss_mb,
            "api_calls": figures.api_calls,
            "binary_bytes": figures.binary_bytes,
            "arm64_zip_bytes": figures.zip_bytes,
        }));
    }
    let dir = target.join("bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("functions.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes())?;
    Ok(())
}
