//! The sign-in at scale (issue #14 section 5): the real binary, cold and warm, against domains of
//! 10 to 5,000 profiles in the local emulator.
//!
//! `benchmark_sign_in_at_scale` (ignored; `functions/studio-presigned-url/benches/sign_in_scale.sh`
//! runs it, release build) prints, for each domain size, the API calls (counted by the emulator)
//! and the p50/p90 latency of a cold sign-in (a fresh function process, its first request) and of
//! a warm one (the same process, again), by tag (GetResources) and — once per size, for
//! comparison — by the listing the function falls back to when GetResources fails.

use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};
use studio_catalog_harness::{
    ACCOUNT_ID,
    emulator::{AwsEmulator, Fault},
    lambda::{FunctionSpec, LocalLambda},
};

use crate::support;

const FUNCTION: &str = "studio-presigned-url";
const BROWSER_IAM_USER: &str =
    include_str!("../../../../events/studio-presigned-url/browser-iam-user.json");
/// How many CreateUserProfile calls the arrangement makes at once.
const ARRANGE_CONCURRENCY: usize = 16;
const WAIT: Duration = Duration::from_secs(60);

/// The browser sample event, signed by the IAM user `name` of the account.
fn signed_by(name: &str) -> Value {
    let mut event: Value = serde_json::from_str(BROWSER_IAM_USER).expect("the sample event");
    let iam = &mut event["requestContext"]["authorizer"]["iam"];
    iam["userArn"] = json!(format!("arn:aws:iam::{ACCOUNT_ID}:user/{name}"));
    iam["accountId"] = json!(ACCOUNT_ID);
    event
}

/// A domain with `profiles` user profiles, `user<i>` tagged `studiouserid=user<i>`, the one
/// signed in to (`user<profiles/2>`) `InService`; returns the domain id.
async fn domain_of(aws: &AwsEmulator, profiles: usize) -> String {
    let domain_id = support::create_domain(aws, &format!("scale-{profiles}"), "IAM").await;
    let domain = domain_id.as_str();
    stream::iter(0..profiles)
        .map(|i| async move {
            let request = json!({
                "DomainId": domain,
                "UserProfileName": format!("user{i}"),
                "Tags": [{ "Key": "studiouserid", "Value": format!("user{i}") }]
            });
            aws.sagemaker("CreateUserProfile", &request).await
        })
        .buffer_unordered(ARRANGE_CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await
        .expect("CreateUserProfile");
    let target = json!({ "DomainId": domain, "UserProfileName": format!("user{}", profiles / 2) });
    let started = Instant::now();
    while aws
        .sagemaker("DescribeUserProfile", &target)
        .await
        .expect("DescribeUserProfile")["Status"]
        != "InService"
    {
        assert!(
            started.elapsed() < WAIT,
            "the profile never became InService"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    domain_id
}

/// One invocation: its wall time, the emulator's calls it caused, its status code.
async fn timed_sign_in(
    aws: &AwsEmulator,
    lambda: &LocalLambda,
    caller: &str,
) -> (Duration, usize, i64) {
    aws.clear_calls().await.expect("DELETE calls");
    let started = Instant::now();
    let answer = lambda
        .invoke(FUNCTION, signed_by(caller))
        .await
        .expect("the invocation runs")
        .into_payload()
        .expect("the function answers");
    let took = started.elapsed();
    let calls = aws
        .calls()
        .await
        .expect("the call log")
        .into_iter()
        .filter(|call| call.service == "sagemaker" || call.service == "tagging")
        .count();
    (
        took,
        calls,
        answer["statusCode"].as_i64().unwrap_or_default(),
    )
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let rank = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
    samples[rank - 1]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// What one way of signing in cost at one domain size.
struct Figures {
    cold_calls: usize,
    warm_calls: usize,
    cold: Vec<Duration>,
    warm: Vec<Duration>,
}

/// `runs` cold-then-warm sign-ins of `caller`, each in a fresh function process.
async fn measure(aws: &AwsEmulator, domain_id: &str, caller: &str, runs: usize) -> Figures {
    let mut figures = Figures {
        cold_calls: 0,
        warm_calls: 0,
        cold: Vec::new(),
        warm: Vec::new(),
    };
    for _ in 0..runs {
        let spec = FunctionSpec::new(FUNCTION, env!("CARGO_BIN_EXE_studio-presigned-url"))
            .envs(aws.aws_env())
            .env("DOMAIN_ID", domain_id)
            .timeout(Duration::from_secs(300));
        let lambda = LocalLambda::start(vec![spec])
            .await
            .expect("the local Lambda starts");
        let (cold, cold_calls, cold_status) = timed_sign_in(aws, &lambda, caller).await;
        let (warm, warm_calls, warm_status) = timed_sign_in(aws, &lambda, caller).await;
        assert_eq!((cold_status, warm_status), (302, 302));
        figures.cold_calls = figures.cold_calls.max(cold_calls);
        figures.warm_calls = figures.warm_calls.max(warm_calls);
        figures.cold.push(cold);
        figures.warm.push(warm);
    }
    figures
}

fn report(profiles: usize, how: &str, mut figures: Figures) {
    let runs = figures.cold.len();
    eprintln!(
        "| {profiles} | {how} | {runs} | {} | {:.1} ms | {:.1} ms | {} | {:.1} ms | {:.1} ms |",
        figures.cold_calls,
        ms(percentile(&mut figures.cold, 0.5)),
        ms(percentile(&mut figures.cold, 0.9)),
        figures.warm_calls,
        ms(percentile(&mut figures.warm, 0.5)),
        ms(percentile(&mut figures.warm, 0.9)),
    );
}

fn env_list(name: &str, default: &str) -> Vec<usize> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_owned())
        .split(',')
        .map(|item| item.trim().parse().expect("a list of whole numbers"))
        .collect()
}

#[tokio::test]
#[ignore = "a benchmark: functions/studio-presigned-url/benches/sign_in_scale.sh"]
async fn benchmark_sign_in_at_scale() {
    let sizes = env_list("BENCH_PROFILES", "10,1000,5000");
    let runs = env_list("BENCH_RUNS", "10")[0];
    eprintln!(
        "| profiles | lookup | runs | cold calls | cold p50 | cold p90 | warm calls | warm p50 | warm p90 |"
    );
    eprintln!("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for profiles in sizes {
        let aws = AwsEmulator::builder()
            .transition_seconds(0.2)
            .lease()
            .await
            .expect("the emulator starts");
        let arranging = Instant::now();
        let domain_id = domain_of(&aws, profiles).await;
        eprintln!(
            "{profiles} profiles arranged in {:.1} s",
            arranging.elapsed().as_secs_f64()
        );
        let caller = format!("user{}", profiles / 2);

        let by_tag = measure(&aws, &domain_id, &caller, runs).await;
        assert!(by_tag.cold_calls <= 3 && by_tag.warm_calls <= 2);
        report(profiles, "by tag (GetResources)", by_tag);

        aws.inject_fault(
            &Fault::new("tagging", "GetResources", "AccessDeniedException").until_cleared(),
        )
        .await
        .expect("fault");
        let by_listing = measure(&aws, &domain_id, &caller, 1).await;
        aws.clear_faults().await.expect("faults cleared");
        report(profiles, "listing (fallback)", by_listing);
    }
}
