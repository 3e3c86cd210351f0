//! Measures each function as Lambda would run it: cold-start init (process start to the first
//! Runtime API `next`), peak RSS over a realistic operation, and the size of what ships.
//!
//! `cargo run --release -p studio-catalog-harness --bin studio-catalog-bench -- [--runs N] [FUNCTION...]`
//! (see `benches/functions.sh`, which builds the release binaries first). Prints a Markdown
//! table and writes `target/bench/functions.json`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use studio_catalog_harness::cloudformation::{CfnRequest, Deployment};
use studio_catalog_harness::emulator::AwsEmulator;
use studio_catalog_harness::lambda::{FunctionSpec, LocalLambda};
use studio_catalog_harness::workspace_root;

/// The Python/boto3 custom-resource handler this suite replaces, measured on this machine.
const REFERENCE_INIT_MS: f64 = 296.0;
const REFERENCE_PEAK_RSS_MB: f64 = 58.0;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

#[derive(Debug, Default)]
struct Figures {
    function: String,
    init_ms: Vec<f64>,
    peak_rss_kib: u64,
    binary_bytes: Option<u64>,
    zip_bytes: Option<u64>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
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

/// One cold start of `studio-domain` doing a whole create and delete.
async fn studio_domain_run(
    aws: &AwsEmulator,
    binary: &Path,
    run: usize,
) -> BenchResult<(f64, u64)> {
    let cfn = Deployment::start("bench")
        .await?
        .with_timeout(Duration::from_secs(120));
    let lambda = LocalLambda::start(vec![
        FunctionSpec::new("studio-domain", binary)
            .envs(aws.aws_env())
            .env("CFN_RESPONSE_URL_ALLOW", cfn.url_prefix())
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .timeout(Duration::from_secs(120)),
    ])
    .await?;
    let name = format!("bench-{run}");
    let create = CfnRequest::create("Custom::StudioDomain", "Domain", domain_properties(&name));
    let created = cfn.request(&lambda, "studio-domain", &create).await?;
    if !created.is_success() {
        return Err(format!("create failed: {:?}", created.reason).into());
    }
    let delete = create.delete(&created.physical_resource_id, domain_properties(&name));
    let deleted = cfn.request(&lambda, "studio-domain", &delete).await?;
    if !deleted.is_success() {
        return Err(format!("delete failed: {:?}", deleted.reason).into());
    }
    lambda
        .wait_idle("studio-domain", Duration::from_secs(30))
        .await?;
    let records = lambda.invocations("studio-domain");
    let init = records
        .iter()
        .find_map(|record| record.init_duration)
        .ok_or("no cold start was recorded")?;
    let peak = records
        .iter()
        .filter_map(|record| record.peak_rss_kib)
        .max()
        .unwrap_or(0);
    Ok((init.as_secs_f64() * 1000.0, peak))
}

fn file_size(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|metadata| metadata.len())
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
        functions.push("studio-domain".to_owned());
    }
    let root = workspace_root();
    let release = root.join("target/release");
    let aws = AwsEmulator::builder()
        .transition_seconds(0.1)
        .start()
        .await?;

    let mut all = Vec::new();
    for function in &functions {
        let binary: PathBuf = release.join(function);
        if !binary.exists() {
            return Err(
                format!("{} is missing: run benches/functions.sh", binary.display()).into(),
            );
        }
        let mut figures = Figures {
            function: function.clone(),
            binary_bytes: file_size(&binary),
            zip_bytes: file_size(
                &root
                    .join("target/lambda")
                    .join(function)
                    .join("bootstrap.zip"),
            ),
            ..Figures::default()
        };
        for run in 0..runs {
            let (init_ms, peak) = match function.as_str() {
                "studio-domain" => studio_domain_run(&aws, &binary, run).await?,
                other => return Err(format!("no workload for {other}").into()),
            };
            figures.init_ms.push(init_ms);
            figures.peak_rss_kib = figures.peak_rss_kib.max(peak);
        }
        figures.init_ms.sort_by(f64::total_cmp);
        all.push(figures);
    }

    let mut report = Vec::new();
    let mut out = String::new();
    out.push_str(&format!(
        "| function | init p50 (ms) | init p90 (ms) | init vs Python ({REFERENCE_INIT_MS} ms) | peak RSS (MB) | RSS vs Python ({REFERENCE_PEAK_RSS_MB} MB) | x86_64 binary (MB) | arm64 zip (MB) |\n|---|---|---|---|---|---|---|---|\n"
    ));
    for figures in &all {
        let p50 = percentile(&figures.init_ms, 0.5);
        let p90 = percentile(&figures.init_ms, 0.9);
        let rss_mb = figures.peak_rss_kib as f64 / 1024.0;
        let mb = |bytes: Option<u64>| {
            bytes.map_or("n/a".to_owned(), |b| {
                format!("{:.2}", b as f64 / 1_048_576.0)
            })
        };
        out.push_str(&format!(
            "| {} | {p50:.1} | {p90:.1} | {:.3}× | {rss_mb:.1} | {:.2}× | {} | {} |\n",
            figures.function,
            p50 / REFERENCE_INIT_MS,
            rss_mb / REFERENCE_PEAK_RSS_MB,
            mb(figures.binary_bytes),
            mb(figures.zip_bytes),
        ));
        report.push(json!({
            "function": figures.function,
            "runs": figures.init_ms.len(),
            "init_ms": {"p50": p50, "p90": p90, "min": figures.init_ms.first(), "max": figures.init_ms.last()},
            "peak_rss_mb": rss_mb,
            "binary_bytes": figures.binary_bytes,
            "arm64_zip_bytes": figures.zip_bytes,
        }));
    }
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("functions.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes())?;
    Ok(())
}
