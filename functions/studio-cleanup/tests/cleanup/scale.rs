//! Many domains and apps: the run finishes in one invocation, acts on exactly the apps past
//! their lifetime, and makes a bounded number of calls per app.
//!
//! `benchmark_50_domains_5000_apps` (ignored; `functions/studio-cleanup/benches/cleanup_scale.sh`
//! runs it) arranges the figure twice — one copy per region — and cleans one copy with
//! the configured concurrency and the other with `CONCURRENCY=1`, printing resources scanned per
//! second and API calls per app scanned for both, with the emulator answering every call after
//! `BENCH_LATENCY_MS` (30 ms: a real API round trip), so that the runs are bound by round trips
//! as on AWS, not by the emulator's CPU.

use std::time::{Duration, Instant};

use crate::support::{
    ROLE, TRANSITION_SECONDS, TestResult, arranging_config, function, minutes_ago, scheduler_event,
};
use aws_sdk_sagemaker::types::{AppType, AuthMode, Tag, UserSettings};
use futures::{StreamExt, TryStreamExt, stream};
use studio_catalog_harness::emulator::AwsEmulator;
use studio_catalog_harness::lambda::LocalLambda;
use studio_cleanup::Report;
use studio_cleanup::report::{ResourceType, Rule};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// How many calls the arrangement makes at once.
const ARRANGE_CONCURRENCY: usize = 16;

/// An account's worth of Studio: `domains` managed domains (plus one unmanaged), each with
/// `profiles` user profiles of `apps_per_profile` KernelGateway apps; every other app older
/// than the lifetime.
struct Fleet {
    domains: usize,
    profiles: usize,
    apps_per_profile: usize,
}

impl Fleet {
    fn apps(&self) -> usize {
        self.domains * self.profiles * self.apps_per_profile
    }

    fn old_apps(&self) -> usize {
        self.apps().div_ceil(2)
    }
}

/// Creates `fleet` in `region`; returns the unmanaged domain's id.
async fn arrange(aws: &AwsEmulator, region: &str, fleet: &Fleet) -> Result<String, Error> {
    let config = arranging_config(aws, region).await;
    let sagemaker = aws_sdk_sagemaker::Client::new(&config);
    let create_domain = |name: String, managed: bool| {
        let sagemaker = sagemaker.clone();
        async move {
            let mut request = sagemaker
                .create_domain()
                .domain_name(name)
                .auth_mode(AuthMode::Iam)
                .default_user_settings(UserSettings::builder().execution_role(ROLE).build())
                .subnet_ids("subnet-0123456789abcdef0")
                .vpc_id("vpc-0123456789abcdef0");
            if managed {
                request = request.tags(
                    Tag::builder()
                        .key("studio-catalog:managed")
                        .value("true")
                        .build(),
                );
            }
            Ok::<_, Error>(
                Box::pin(request.send())
                    .await?
                    .domain_id()
                    .unwrap_or_default()
                    .to_owned(),
            )
        }
    };
    let managed: Vec<String> = stream::iter(0..fleet.domains)
        .map(|d| create_domain(format!("team-{d}"), true))
        .buffered(ARRANGE_CONCURRENCY)
        .try_collect()
        .await?;
    let unmanaged = create_domain("not-managed".to_owned(), false).await?;
    let domains: Vec<&String> = managed.iter().chain([&unmanaged]).collect();
    settle().await;

    let profiles: Vec<(String, String)> = domains
        .iter()
        .flat_map(|d| (0..fleet.profiles).map(move |p| ((*d).clone(), format!("user-{p}"))))
        .collect();
    stream::iter(&profiles)
        .map(|(domain, profile)| {
            let request = sagemaker
                .create_user_profile()
                .domain_id(domain)
                .user_profile_name(profile);
            async move { request.send().await.map(drop) }
        })
        .buffer_unordered(ARRANGE_CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await?;
    settle().await;

    let apps: Vec<(String, String, String)> = profiles
        .iter()
        .flat_map(|(d, p)| {
            (0..fleet.apps_per_profile).map(move |a| (d.clone(), p.clone(), format!("kernel-{a}")))
        })
        .collect();
    let arns: Vec<String> = stream::iter(&apps)
        .map(|(domain, profile, name)| {
            let request = sagemaker
                .create_app()
                .domain_id(domain)
                .user_profile_name(profile)
                .app_type(AppType::KernelGateway)
                .app_name(name);
            async move {
                Ok::<_, Error>(
                    request
                        .send()
                        .await?
                        .app_arn()
                        .unwrap_or_default()
                        .to_owned(),
                )
            }
        })
        .buffered(ARRANGE_CONCURRENCY)
        .try_collect()
        .await?;
    settle().await;

    // Every other app created three hours ago; the others a minute ago.
    let old = minutes_ago(180);
    let recent = minutes_ago(1);
    stream::iter(arns.iter().enumerate())
        .map(|(i, arn)| {
            let when = if i % 2 == 0 { &old } else { &recent };
            async move { aws.set_creation_time(arn, when).await }
        })
        .buffer_unordered(ARRANGE_CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(unmanaged)
}

/// Lets `Pending` resources reach `InService`.
async fn settle() {
    tokio::time::sleep(Duration::from_secs_f64(TRANSITION_SECONDS * 2.0)).await;
}

/// The apps of `domain` in `region`, by status.
async fn app_statuses(aws: &AwsEmulator, region: &str, domain: &str) -> Result<Vec<String>, Error> {
    let config = arranging_config(aws, region).await;
    let sagemaker = aws_sdk_sagemaker::Client::new(&config);
    let mut statuses = Vec::new();
    let mut pages = sagemaker
        .list_apps()
        .domain_id_equals(domain)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        statuses.extend(
            page?
                .apps()
                .iter()
                .filter_map(|a| a.status().map(|s| s.as_str().to_owned())),
        );
    }
    Ok(statuses)
}

/// One cleanup run of `name`: the report, the wall time, and the calls the emulator received.
async fn clean(
    lambda: &LocalLambda,
    aws: &AwsEmulator,
    name: &str,
) -> Result<(Report, Duration, usize), Error> {
    aws.clear_calls().await?;
    let started = Instant::now();
    let result = lambda.invoke(name, scheduler_event()).await?;
    let elapsed = started.elapsed();
    let report: Report = serde_json::from_value(result.into_payload()?)?;
    let calls = aws.calls().await?.len();
    Ok((report, elapsed, calls))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_domains_and_apps_are_cleaned_in_one_run() -> TestResult {
    let fleet = Fleet {
        domains: 10,
        profiles: 5,
        apps_per_profile: 10,
    };
    let aws = AwsEmulator::builder()
        .transition_seconds(TRANSITION_SECONDS)
        .lease()
        .await?;
    let lambda = LocalLambda::start(vec![function(
        &aws,
        "studio-cleanup",
        &[("MAX_APP_LIFETIME_HOURS", "KernelGateway=1")],
        Duration::from_secs(120),
    )])
    .await?;
    let unmanaged = arrange(&aws, studio_catalog_harness::REGION, &fleet)
        .await
        .map_err(|e| e.to_string())?;

    let (report, _, calls) = clean(&lambda, &aws, "studio-cleanup")
        .await
        .map_err(|e| e.to_string())?;

    assert!(report.complete, "{:?}", report.remaining);
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(report.scanned[&ResourceType::StudioDomain], 10);
    assert_eq!(report.scanned[&ResourceType::StudioApp], 500);
    let lifetime = report.tally(Rule::MaxLifetime, ResourceType::StudioApp);
    assert_eq!(
        (lifetime.acted, lifetime.skipped, lifetime.failed),
        (250, 250, 0)
    );
    // Per app: its tags, and for half of them the deletion; plus the listings, the profiles'
    // tags and settings, and the events ten to a call.
    let per_app = report.api_calls as f64 / 500.0;
    assert!(per_app <= 2.0, "{per_app} calls per app");
    assert_eq!(report.events_published, 250);
    assert_eq!(calls as u64, report.api_calls, "no call was retried");
    let unmanaged_apps = app_statuses(&aws, studio_catalog_harness::REGION, &unmanaged)
        .await
        .map_err(|e| e.to_string())?;
    assert_eq!(unmanaged_apps.len(), 50);
    assert!(
        unmanaged_apps.iter().all(|s| s == "InService"),
        "{unmanaged_apps:?}"
    );
    Ok(())
}

/// The figure: 50 domains, 5,000 apps, with the configured concurrency and with one
/// call at a time. Run by `functions/studio-cleanup/benches/cleanup_scale.sh`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: minutes of arranging; run functions/studio-cleanup/benches/cleanup_scale.sh"]
async fn benchmark_50_domains_5000_apps() -> TestResult {
    let fleet = Fleet {
        domains: env_number("BENCH_DOMAINS", 50),
        profiles: 10,
        apps_per_profile: env_number("BENCH_APPS_PER_DOMAIN", 100) / 10,
    };
    let concurrency = std::env::var("BENCH_CONCURRENCY").unwrap_or_else(|_| "8".to_owned());
    let aws = AwsEmulator::builder()
        .transition_seconds(TRANSITION_SECONDS)
        .lease()
        .await?;
    let fifteen_minutes = Duration::from_secs(900);
    let lambda = LocalLambda::start(vec![
        function(
            &aws,
            "cleanup-concurrent",
            &[
                ("MAX_APP_LIFETIME_HOURS", "KernelGateway=1"),
                ("CONCURRENCY", &concurrency),
                ("AWS_REGION", "us-east-1"),
            ],
            fifteen_minutes,
        ),
        function(
            &aws,
            "cleanup-sequential",
            &[
                ("MAX_APP_LIFETIME_HOURS", "KernelGateway=1"),
                ("CONCURRENCY", "1"),
                ("AWS_REGION", "us-west-2"),
            ],
            fifteen_minutes,
        ),
    ])
    .await?;
    let arranging = Instant::now();
    arrange(&aws, "us-east-1", &fleet)
        .await
        .map_err(|e| e.to_string())?;
    arrange(&aws, "us-west-2", &fleet)
        .await
        .map_err(|e| e.to_string())?;
    let latency_ms = env_number("BENCH_LATENCY_MS", 30);
    aws.configure(&serde_json::json!({ "latency_ms": latency_ms }))
        .await
        .map_err(|e| e.to_string())?;
    eprintln!(
        "arranged 2 x {} domains / {} apps in {:.0} s; every API call now answered after {latency_ms} ms",
        fleet.domains,
        fleet.apps(),
        arranging.elapsed().as_secs_f64()
    );

    eprintln!(
        "{:<32} {:>8} {:>8} {:>8} {:>11} {:>11} {:>14} {:>9}",
        "run", "apps", "acted", "seconds", "scanned/s", "calls", "calls/app", "complete"
    );
    let mut seconds = Vec::new();
    for (name, label) in [
        (
            "cleanup-concurrent",
            format!("concurrent (CONCURRENCY={concurrency})"),
        ),
        (
            "cleanup-sequential",
            "sequential (CONCURRENCY=1)".to_owned(),
        ),
    ] {
        let (report, elapsed, calls) = clean(&lambda, &aws, name)
            .await
            .map_err(|e| e.to_string())?;
        let scanned: u64 = report.scanned.values().sum();
        let apps = report
            .scanned
            .get(&ResourceType::StudioApp)
            .copied()
            .unwrap_or_default();
        let acted = report
            .tally(Rule::MaxLifetime, ResourceType::StudioApp)
            .acted;
        eprintln!(
            "{label:<32} {apps:>8} {acted:>8} {:>8.1} {:>11.0} {calls:>11} {:>14.2} {:>9}",
            elapsed.as_secs_f64(),
            scanned as f64 / elapsed.as_secs_f64(),
            calls as f64 / apps as f64,
            report.complete
        );
        seconds.push(elapsed.as_secs_f64());
        assert!(report.complete, "{name}: {:?}", report.remaining);
        assert_eq!(apps as usize, fleet.apps());
        assert_eq!(acted as usize, fleet.old_apps());
        assert!(
            calls as f64 / apps as f64 <= 2.0,
            "{calls} calls for {apps} apps"
        );
        assert!(report.failures.is_empty(), "{:?}", report.failures);
    }
    if let [concurrent, sequential] = seconds[..] {
        eprintln!(
            "speed-up: {:.1}x (sequential {sequential:.1} s / concurrent {concurrent:.1} s)",
            sequential / concurrent
        );
    }
    Ok(())
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
