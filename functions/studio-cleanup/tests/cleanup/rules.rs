//! The real `studio-cleanup` binary against the emulated account: each test arranges resources
//! the way a team would, invokes the function as the schedule does, and checks both its report
//! and what is left in the account.

use std::time::Duration;

use crate::support::{
    CleanupUnderTest, EXEMPT, EXPIRED, MALFORMED, NOT_YET, Owner, TestResult, actions,
};
use aws_sdk_sagemaker::types::AppType;
use serde_json::json;
use studio_catalog_harness::emulator::Fault;
use studio_cleanup::report::{ResourceType, Rule, SkipReason, Tally};

const ALICE: Owner<'static> = Owner::Profile("alice");
const BOB: Owner<'static> = Owner::Profile("bob");
const TEAM_SPACE: Owner<'static> = Owner::Space("team");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_past_their_types_lifetime_are_deleted_and_younger_ones_kept() -> TestResult {
    let world = CleanupUnderTest::start(&[(
        "MAX_APP_LIFETIME_HOURS",
        "JupyterLab=1,CodeEditor=1,KernelGateway=1",
    )])
    .await?;
    let domain = world.domain(true).await?;
    world.user_profile(&domain, "alice").await?;
    world.user_profile(&domain, "bob").await?;
    world.space(&domain, "team").await?;
    let idle_lab = world
        .app(&domain, ALICE, AppType::JupyterLab, "default", 180, &[])
        .await?;
    let idle_kernel = world
        .app(
            &domain,
            ALICE,
            AppType::KernelGateway,
            "datascience-1-0-ml-t3-medium",
            61,
            &[],
        )
        .await?;
    let idle_space_editor = world
        .app(
            &domain,
            TEAM_SPACE,
            AppType::CodeEditor,
            "default",
            600,
            &[],
        )
        .await?;
    let active = world
        .app(&domain, BOB, AppType::JupyterLab, "default", 5, &[])
        .await?;
    let classic_server = world
        .app(&domain, BOB, AppType::JupyterServer, "default", 10_000, &[])
        .await?;
    let unmanaged = world.domain(false).await?;
    world.user_profile(&unmanaged, "carol").await?;
    world
        .app(
            &unmanaged,
            Owner::Profile("carol"),
            AppType::JupyterLab,
            "default",
            10_000,
            &[],
        )
        .await?;

    let report = world.scheduled_run().await?;

    let acted = actions(&report);
    assert_eq!(acted.len(), 3, "{acted:?}");
    for arn in [&idle_lab, &idle_kernel, &idle_space_editor] {
        assert_eq!(
            acted.get(arn).map(String::as_str),
            Some("DeleteApp"),
            "{arn}"
        );
    }
    assert!(!acted.contains_key(&active) && !acted.contains_key(&classic_server));
    assert_eq!(
        report.tally(Rule::MaxLifetime, ResourceType::StudioApp),
        Tally {
            scanned: 5,
            warned: 0,
            acted: 3,
            skipped: 2,
            failed: 0
        }
    );
    assert_eq!(
        report.skipped[&Rule::MaxLifetime][&SkipReason::WithinLifetime],
        1
    );
    assert_eq!(
        report.skipped[&Rule::MaxLifetime][&SkipReason::NoLifetimeLimit],
        1
    );
    assert_eq!(
        report.scanned[&ResourceType::StudioDomain],
        1,
        "the unmanaged domain is not scanned"
    );
    assert!(report.complete && report.failures.is_empty() && !report.dry_run);

    // Deleting, then Deleted: the emulator's transition really ran.
    world
        .wait_app_status(&domain, ALICE, AppType::JupyterLab, "default", "Deleted")
        .await?;
    world
        .wait_app_status(
            &domain,
            TEAM_SPACE,
            AppType::CodeEditor,
            "default",
            "Deleted",
        )
        .await?;
    assert_eq!(
        world
            .app_status(&domain, BOB, AppType::JupyterLab, "default")
            .await?,
        "InService"
    );
    assert_eq!(
        world
            .app_status(&domain, BOB, AppType::JupyterServer, "default")
            .await?,
        "InService"
    );
    assert_eq!(
        world
            .app_status(
                &unmanaged,
                Owner::Profile("carol"),
                AppType::JupyterLab,
                "default"
            )
            .await?,
        "InService"
    );

    // The next run finds nothing more to do: what it deleted is history.
    let again = world.scheduled_run().await?;
    assert!(again.actions.is_empty(), "{:?}", again.actions);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exempt_resources_are_never_touched() -> TestResult {
    let world = CleanupUnderTest::start(&[(
        "MAX_APP_LIFETIME_HOURS",
        "JupyterLab=1,CodeEditor=1,KernelGateway=1",
    )])
    .await?;
    let domain = world.domain(true).await?;
    world.user_profile(&domain, "alice").await?;
    world
        .app(
            &domain,
            ALICE,
            AppType::JupyterLab,
            "default",
            500,
            &[EXEMPT],
        )
        .await?;
    world
        .app(
            &domain,
            ALICE,
            AppType::KernelGateway,
            "expired-but-exempt",
            0,
            &[EXEMPT, EXPIRED],
        )
        .await?;
    let notebook = world.notebook_instance(&[EXPIRED, EXEMPT]).await?;
    let endpoint = world.endpoint(&[EXEMPT, EXPIRED]).await?;
    let product = world.provisioned_product(&[EXPIRED, EXEMPT]).await?;

    let report = world.scheduled_run().await?;

    assert!(report.actions.is_empty(), "{:?}", report.actions);
    assert_eq!(
        report.tally(Rule::Exempt, ResourceType::StudioApp).skipped,
        2
    );
    for resource_type in [
        ResourceType::NotebookInstance,
        ResourceType::Endpoint,
        ResourceType::ProvisionedProduct,
    ] {
        assert_eq!(
            report.tally(Rule::Exempt, resource_type).skipped,
            1,
            "{resource_type:?}"
        );
    }
    assert_all_still_running(&world, &domain, &notebook, &endpoint, &product).await?;
    for operation in ["DeleteApp", "StopNotebookInstance", "DeleteEndpoint"] {
        assert_eq!(
            world.aws.call_count("sagemaker", operation).await?,
            0,
            "{operation}"
        );
    }
    assert_eq!(
        world
            .aws
            .call_count("servicecatalog", "TerminateProvisionedProduct")
            .await?,
        0
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_resources_are_stopped_deleted_or_terminated_but_not_future_or_malformed_ones()
-> TestResult {
    let world = CleanupUnderTest::start(&[("IDLE_SHUTDOWN_DRIFT", "off")]).await?;
    let domain = world.domain(true).await?;
    world.user_profile(&domain, "alice").await?;
    let expired_app = world
        .app(
            &domain,
            ALICE,
            AppType::JupyterLab,
            "default",
            0,
            &[EXPIRED],
        )
        .await?;
    world
        .app(
            &domain,
            ALICE,
            AppType::CodeEditor,
            "default",
            0,
            &[NOT_YET],
        )
        .await?;
    let expired_notebook = world.notebook_instance(&[EXPIRED]).await?;
    let later_notebook = world.notebook_instance(&[NOT_YET]).await?;
    let malformed_notebook = world.notebook_instance(&[MALFORMED]).await?;
    let expired_endpoint = world.endpoint(&[EXPIRED]).await?;
    let malformed_endpoint = world.endpoint(&[MALFORMED]).await?;
    let untagged_endpoint = world.endpoint(&[]).await?;
    let expired_product = world.provisioned_product(&[EXPIRED]).await?;
    let later_product = world.provisioned_product(&[NOT_YET]).await?;
    let malformed_product = world.provisioned_product(&[MALFORMED]).await?;
    let (expired_product_arn, stack) = world
        .provisioned_product_arn_and_stack(&expired_product)
        .await?;

    let report = world.scheduled_run().await?;

    let acted = actions(&report);
    assert_eq!(acted.len(), 4, "{acted:?}");
    assert_eq!(acted[&expired_app], "DeleteApp");
    assert!(acted.values().any(|a| a == "StopNotebookInstance"));
    assert!(acted.values().any(|a| a == "DeleteEndpoint"));
    assert_eq!(acted[&expired_product_arn], "TerminateProvisionedProduct");
    assert!(
        report
            .actions
            .iter()
            .all(|a| a.rule == Rule::Expired && a.reason == "expired at 2024-01-01T00:00:00Z")
    );
    let expired = &report.skipped[&Rule::Expired];
    assert_eq!(expired[&SkipReason::NotExpired], 3);
    assert_eq!(expired[&SkipReason::MalformedExpiryTag], 3);
    // The app without one, and its owner's profile (whose expiry its apps would share).
    assert_eq!(expired[&SkipReason::NoExpiryTag], 2);
    let mut malformed: Vec<(ResourceType, &str)> = report
        .malformed_tags
        .iter()
        .map(|m| (m.resource_type, m.value.as_str()))
        .collect();
    malformed.sort();
    assert_eq!(
        malformed,
        [
            (ResourceType::NotebookInstance, MALFORMED.1),
            (ResourceType::Endpoint, MALFORMED.1),
            (ResourceType::ProvisionedProduct, MALFORMED.1),
        ]
    );

    world
        .wait_notebook_status(&expired_notebook, "Stopped")
        .await?;
    crate::support::wait_until("endpoint deleted", || async {
        Ok(world.endpoint_status(&expired_endpoint).await? == "gone")
    })
    .await?;
    crate::support::wait_until("product terminated", || async {
        Ok(world.provisioned_product_status(&expired_product).await? == "gone")
    })
    .await?;
    let stacks = world
        .cloudformation
        .describe_stacks()
        .stack_name(&stack)
        .send()
        .await?;
    assert_eq!(
        stacks.stacks()[0].stack_status().map(|s| s.as_str()),
        Some("DELETE_COMPLETE"),
        "terminating the product deleted its stack"
    );
    world
        .wait_app_status(&domain, ALICE, AppType::JupyterLab, "default", "Deleted")
        .await?;
    assert_eq!(
        world
            .app_status(&domain, ALICE, AppType::CodeEditor, "default")
            .await?,
        "InService"
    );
    assert_eq!(world.notebook_status(&later_notebook).await?, "InService");
    assert_eq!(
        world.notebook_status(&malformed_notebook).await?,
        "InService"
    );
    assert_eq!(
        world.endpoint_status(&malformed_endpoint).await?,
        "InService"
    );
    assert_eq!(
        world.endpoint_status(&untagged_endpoint).await?,
        "InService"
    );
    assert_eq!(
        world.provisioned_product_status(&later_product).await?,
        "AVAILABLE"
    );
    assert_eq!(
        world.provisioned_product_status(&malformed_product).await?,
        "AVAILABLE"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_reports_what_it_would_do_and_changes_nothing() -> TestResult {
    let world = CleanupUnderTest::start(&[(
        "MAX_APP_LIFETIME_HOURS",
        "JupyterLab=1,CodeEditor=1,KernelGateway=1",
    )])
    .await?;
    let domain = world.domain(true).await?;
    world.user_profile(&domain, "alice").await?;
    let idle = world
        .app(&domain, ALICE, AppType::JupyterLab, "default", 120, &[])
        .await?;
    let notebook = world.notebook_instance(&[EXPIRED]).await?;
    let endpoint = world.endpoint(&[EXPIRED]).await?;
    let product = world.provisioned_product(&[EXPIRED]).await?;
    world.aws.clear_calls().await?;

    let report = world.invoke(crate::support::dry_run_event()).await?;

    assert!(report.dry_run);
    assert_eq!(report.actions.len(), 4, "{:?}", report.actions);
    assert!(report.actions.iter().all(|a| a.dry_run));
    assert_eq!(actions(&report)[&idle], "DeleteApp");
    let calls = world.aws.calls().await?;
    let mutating = [
        "DeleteApp",
        "StopNotebookInstance",
        "DeleteEndpoint",
        "TerminateProvisionedProduct",
    ];
    assert!(
        calls
            .iter()
            .all(|c| !mutating.contains(&c.operation.as_str())),
        "{calls:?}"
    );
    assert_all_still_running(&world, &domain, &notebook, &endpoint, &product).await?;
    // One report event of the run, counts only, marked as a dry run (issue #16).
    assert!(world.published_events().await?.is_empty());
    let reports = world.published_reports().await?;
    assert_eq!(reports.len(), 1, "{reports:?}");
    let detail = &reports[0]["Detail"];
    assert_eq!(detail["dryRun"], true);
    assert_eq!(detail["run"], report.started_at.as_str());
    assert_eq!(detail["estimatedHourlyCostStopped"], 0.0);
    let would_act: u64 = detail["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["acted"].as_u64())
        .sum();
    assert_eq!(would_act, 4);
    let text = reports[0].to_string();
    for name in [
        idle.as_str(),
        notebook.as_str(),
        endpoint.as_str(),
        domain.as_str(),
    ] {
        assert!(!text.contains(name), "{name} in {text}");
    }
    // The report is also the run's last log line, as JSON.
    let line = world
        .lambda
        .wait_for_log(
            crate::support::FUNCTION,
            "cleanup report",
            Duration::from_secs(5),
        )
        .await?;
    let logged: serde_json::Value = serde_json::from_str(&line)?;
    let fields = &logged["fields"];
    assert_eq!(fields["acted"], 4);
    let logged_report: serde_json::Value =
        serde_json::from_str(fields["report"].as_str().unwrap_or_default())?;
    assert_eq!(logged_report["dry_run"], true);
    assert_eq!(logged_report["actions"].as_array().map(Vec::len), Some(4));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_configured_in_the_environment_cannot_be_undone_by_the_event() -> TestResult {
    let world = CleanupUnderTest::start(&[("DRY_RUN", "true")]).await?;
    let notebook = world.notebook_instance(&[EXPIRED]).await?;

    let report = world.invoke(json!({"DryRun": false})).await?;

    assert!(report.dry_run);
    assert_eq!(report.actions.len(), 1);
    assert_eq!(world.notebook_status(&notebook).await?, "InService");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_call_is_retried_and_a_failing_resource_does_not_stop_the_run() -> TestResult {
    let world = CleanupUnderTest::start(&[(
        "MAX_APP_LIFETIME_HOURS",
        "JupyterLab=1,CodeEditor=1,KernelGateway=1",
    )])
    .await?;
    let domain = world.domain(true).await?;
    world.user_profile(&domain, "alice").await?;
    world.user_profile(&domain, "bob").await?;
    world
        .app(&domain, ALICE, AppType::JupyterLab, "default", 120, &[])
        .await?;
    world
        .app(&domain, BOB, AppType::JupyterLab, "default", 120, &[])
        .await?;
    let first = world.notebook_instance(&[EXPIRED]).await?;
    let second = world.notebook_instance(&[EXPIRED]).await?;
    let product = world.provisioned_product(&[EXPIRED]).await?;
    world.aws.clear_calls().await?;
    // One throttled listing and one throttled deletion: the SDK retries them with backoff.
    world
        .aws
        .inject_fault(&Fault::throttling("sagemaker", "ListApps"))
        .await?;
    world
        .aws
        .inject_fault(&Fault::throttling("sagemaker", "DeleteApp"))
        .await?;
    world
        .aws
        .inject_fault(&Fault::throttling(
            "servicecatalog",
            "SearchProvisionedProducts",
        ))
        .await?;
    // One notebook instance the role may not stop.
    world
        .aws
        .inject_fault(
            &Fault::new("sagemaker", "StopNotebookInstance", "AccessDeniedException")
                .message("User is not authorized to perform: sagemaker:StopNotebookInstance"),
        )
        .await?;

    let report = world.scheduled_run().await?;

    assert_eq!(
        report
            .tally(Rule::MaxLifetime, ResourceType::StudioApp)
            .acted,
        2,
        "the throttled delete was retried"
    );
    assert_eq!(
        report.tally(Rule::Expired, ResourceType::NotebookInstance),
        Tally {
            scanned: 2,
            warned: 0,
            acted: 1,
            skipped: 0,
            failed: 1
        }
    );
    assert_eq!(
        report
            .tally(Rule::Expired, ResourceType::ProvisionedProduct)
            .acted,
        1
    );
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    let failure = &report.failures[0];
    assert_eq!(failure.operation, "StopNotebookInstance");
    assert!(
        failure.error.contains("AccessDeniedException"),
        "{}",
        failure.error
    );
    assert!(report.complete);
    assert_eq!(
        world.aws.call_count("sagemaker", "DeleteApp").await?,
        3,
        "2 apps + 1 retry"
    );
    assert_eq!(
        world.aws.call_count("sagemaker", "ListApps").await?,
        2,
        "1 page + 1 retry"
    );
    let stopped = [
        world.notebook_status(&first).await?,
        world.notebook_status(&second).await?,
    ];
    assert!(
        stopped.iter().any(|s| s == "InService") && stopped.iter().any(|s| s != "InService"),
        "{stopped:?}"
    );
    crate::support::wait_until("product terminated", || async {
        Ok(world.provisioned_product_status(&product).await? == "gone")
    })
    .await?;

    // The next run stops the one that failed.
    let next = world.scheduled_run().await?;
    assert_eq!(
        next.tally(Rule::Expired, ResourceType::NotebookInstance)
            .acted,
        1
    );
    assert!(next.failures.is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_reaches_its_deadline_stops_in_time_and_the_next_run_finishes() -> TestResult {
    // 6 s per invocation, no new work after the first 0.5 s: not enough for 120 apps one call
    // at a time.
    let world = CleanupUnderTest::start_with_timeout(
        &[
            (
                "MAX_APP_LIFETIME_HOURS",
                "JupyterLab=1,CodeEditor=1,KernelGateway=1",
            ),
            ("CONCURRENCY", "1"),
            ("DEADLINE_MARGIN_SECONDS", "5.5"),
            // Only the apps: reading the profiles would take the 0.5 s of every run.
            ("IDLE_SHUTDOWN_DRIFT", "off"),
            ("EXPIRED_RESOURCE_TYPES", "studio_app"),
        ],
        Duration::from_secs(6),
    )
    .await?;
    let domain = world.domain(true).await?;
    let mut idle = Vec::new();
    for profile in 0..12 {
        let name = format!("user-{profile}");
        world.user_profile(&domain, &name).await?;
        for kernel in 0..10 {
            let arn = world
                .app(
                    &domain,
                    Owner::Profile(&name),
                    AppType::KernelGateway,
                    &format!("kernel-{kernel}"),
                    90,
                    &[],
                )
                .await?;
            idle.push(arn);
        }
    }

    let first = world.scheduled_run().await?;

    assert!(!first.complete, "{:?}", first.remaining);
    let done_first = first
        .tally(Rule::MaxLifetime, ResourceType::StudioApp)
        .acted;
    assert!(done_first < 120);
    assert!(
        !first.remaining.resources.is_empty() || !first.remaining.listings.is_empty(),
        "what is left is reported"
    );

    let mut done = done_first;
    let mut runs = 1;
    while done < 120 {
        let next = world.scheduled_run().await?;
        runs += 1;
        assert!(next.failures.is_empty(), "{:?}", next.failures);
        done += next.tally(Rule::MaxLifetime, ResourceType::StudioApp).acted;
        if next.complete {
            break;
        }
        assert!(runs < 40, "no progress: {done} of 120 after {runs} runs");
    }
    assert_eq!(
        done, 120,
        "every idle app deleted exactly once over {runs} runs"
    );
    assert_eq!(world.aws.call_count("sagemaker", "DeleteApp").await?, 120);
    let records = world.lambda.invocations(crate::support::FUNCTION);
    assert!(
        records.iter().all(|r| r.outcome.is_success()),
        "no run timed out"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_event_is_refused_before_anything_is_done() -> TestResult {
    let world = CleanupUnderTest::start(&[]).await?;
    world.notebook_instance(&[EXPIRED]).await?;

    let result = world
        .lambda
        .invoke(crate::support::FUNCTION, json!({"DryRun": "perhaps"}))
        .await?;

    assert!(!result.is_success());
    assert_eq!(result.body["errorType"], "InvalidEvent");
    assert_eq!(
        world
            .aws
            .call_count("sagemaker", "StopNotebookInstance")
            .await?,
        0
    );
    Ok(())
}

/// alice's `default` JupyterLab app, the notebook instance and the endpoint still `InService`,
/// the provisioned product still `AVAILABLE`: the run acted on none of them.
async fn assert_all_still_running(
    world: &CleanupUnderTest,
    domain: &str,
    notebook: &str,
    endpoint: &str,
    product: &str,
) -> TestResult {
    assert_eq!(
        world
            .app_status(domain, ALICE, AppType::JupyterLab, "default")
            .await?,
        "InService"
    );
    assert_eq!(world.notebook_status(notebook).await?, "InService");
    assert_eq!(world.endpoint_status(endpoint).await?, "InService");
    assert_eq!(
        world.provisioned_product_status(product).await?,
        "AVAILABLE"
    );
    Ok(())
}
