//! The cleanup's behaviour against the in-memory account.

use std::time::Duration;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use lambda_support::AwsErrorKind;
use tokio::time::Instant;

use super::*;
use crate::memory::{InMemory, MemoryAccount, app_arn, error};
use crate::ports::StackState;
use crate::ports::{App, AppOwner, IdleSettings, IdleShutdown, Termination};
use crate::report::Tally;
use crate::report::{Report, ResourceType, Rule, SkipReason};
use studio_sagemaker::memory::MemoryStudio;

const NOW: &str = "2025-06-01T12:00:00Z";

fn at(text: &str) -> DateTime {
    DateTime::from_str(text, Format::DateTimeWithOffset).expect("valid time")
}

fn now() -> DateTime {
    at(NOW)
}

/// A deadline `seconds` away.
fn seconds_left(seconds: u64) -> Instant {
    Instant::now() + Duration::from_secs(seconds)
}

/// Plenty of time: a deadline a minute away with the default 30 s margin.
fn deadline() -> Instant {
    seconds_left(60)
}

/// Acting on the first run (no warning), apps of the types with native idle shutdown and
/// kernels living at most an hour, no drift check.
fn config() -> Config {
    Config {
        warning_grace: Duration::ZERO,
        max_app_lifetime: [
            "JupyterLab",
            "CodeEditor",
            "KernelGateway",
            "RStudioServerPro",
        ]
        .into_iter()
        .map(|app_type| (app_type.to_owned(), Duration::from_secs(3600)))
        .collect(),
        idle_shutdown_drift: crate::config::DriftMode::Off,
        ..Config::default()
    }
}

fn profile(name: &str) -> AppOwner {
    AppOwner::UserProfile(name.to_owned())
}

fn long_ago() -> DateTime {
    at("2025-01-01T00:00:00Z")
}

/// A JupyterLab app, `InService`, created and last used long ago: idle by any measure.
fn forgotten_app(
    account: &InMemory,
    domain_id: &str,
    owner: AppOwner,
    tags: &[(&str, &str)],
) -> String {
    account.app(
        domain_id,
        owner,
        "JupyterLab",
        "InService",
        long_ago(),
        tags,
    )
}

/// The cleanup of what `arranged` holds, its calls passing through its latency.
fn cleanup(arranged: InMemory, config: Config) -> Cleanup<MemoryStudio, MemoryAccount> {
    let mut cleanup = Cleanup::new(arranged.studio, arranged.account, config);
    cleanup.latency = arranged.latency;
    cleanup
}

/// What a test looks at after a run: the calls Studio and the cleanup's own fake saw, and the
/// state they were left in.
impl Cleanup<MemoryStudio, MemoryAccount> {
    /// The calls of `operation`, each by its detail (its resource).
    fn calls(&self, operation: &str) -> Vec<String> {
        let studio = self.studio.calls().into_iter().filter_map(|call| {
            let (called, detail) = call.split_once(' ').unwrap_or((call.as_str(), ""));
            (called == operation).then(|| detail.to_owned())
        });
        studio.chain(self.account.calls(operation)).collect()
    }

    /// Every call, as (operation, detail).
    fn all_calls(&self) -> Vec<(String, String)> {
        let studio = self.studio.calls().into_iter().map(|call| {
            let (called, detail) = call.split_once(' ').unwrap_or((call.as_str(), ""));
            (called.to_owned(), detail.to_owned())
        });
        studio.chain(self.account.all_calls()).collect()
    }

    fn app_status(&self, arn: &str) -> Option<String> {
        self.studio
            .state()
            .apps
            .iter()
            .find(|stored| app_arn(&stored.domain_id, &stored.app) == arn)
            .map(|stored| stored.app.status.as_str().to_owned())
    }

    fn notebook_status(&self, name: &str) -> Option<String> {
        self.account.notebook_status(name)
    }

    fn endpoint_status(&self, name: &str) -> Option<String> {
        self.account.endpoint_status(name)
    }

    fn terminations(&self) -> Vec<Termination> {
        self.account.terminations()
    }

    fn max_in_flight(&self) -> usize {
        self.latency.max_in_flight()
    }
}

async fn run(account: InMemory, config: Config) -> (Cleanup<MemoryStudio, MemoryAccount>, Report) {
    let cleanup = cleanup(account, config);
    let report = cleanup.run(now(), deadline(), false).await;
    (cleanup, report)
}

fn acted_arns(report: &Report) -> Vec<&str> {
    let mut arns: Vec<&str> = report.actions.iter().map(|a| a.arn.as_str()).collect();
    arns.sort_unstable();
    arns
}

fn tally(acted: u64, skipped: u64, failed: u64) -> Tally {
    Tally {
        scanned: acted + skipped + failed,
        warned: 0,
        acted,
        skipped,
        failed,
    }
}

#[tokio::test]
async fn an_app_past_its_types_lifetime_is_deleted_and_a_younger_one_kept() {
    let account = InMemory::new();
    account.managed_domain("d-one");
    let old = account.app(
        "d-one",
        profile("alice"),
        "KernelGateway",
        "InService",
        at("2025-06-01T10:59:59Z"),
        &[],
    );
    let young = account.app(
        "d-one",
        profile("bob"),
        "KernelGateway",
        "InService",
        at("2025-06-01T11:30:00Z"),
        &[],
    );

    let (cleanup, report) = run(account, config()).await;

    assert_eq!(acted_arns(&report), [old.as_str()]);
    assert_eq!(report.actions[0].action, "DeleteApp");
    assert_eq!(
        report.actions[0].reason,
        "created 2025-06-01T10:59:59Z, older than 1 h for KernelGateway"
    );
    assert_eq!(report.actions[0].estimated_hourly_cost, Some(0.05));
    assert_eq!(
        report.tally(Rule::MaxLifetime, ResourceType::StudioApp),
        tally(1, 1, 0)
    );
    assert_eq!(
        report.skipped[&Rule::MaxLifetime][&SkipReason::WithinLifetime],
        1
    );
    assert_eq!(cleanup.app_status(&old).as_deref(), Some("Deleting"));
    assert_eq!(cleanup.app_status(&young).as_deref(), Some("InService"));
    assert!(report.complete);
    assert_eq!(report.scanned[&ResourceType::StudioDomain], 1);
    assert!(
        cleanup.calls("DescribeApp").is_empty(),
        "ListApps gives the creation time"
    );
}

#[tokio::test]
async fn app_types_without_a_lifetime_are_kept_and_the_rule_is_off_unless_configured() {
    let account = InMemory::new();
    account.managed_domain("d-one");
    account.app(
        "d-one",
        profile("alice"),
        "JupyterServer",
        "InService",
        long_ago(),
        &[],
    );
    let (_, report) = run(account, config()).await;
    assert!(report.actions.is_empty());
    assert_eq!(
        report.skipped[&Rule::MaxLifetime][&SkipReason::NoLifetimeLimit],
        1
    );

    let account = InMemory::new();
    account.managed_domain("d-one");
    account.app(
        "d-one",
        profile("alice"),
        "Canvas",
        "InService",
        long_ago(),
        &[],
    );
    let unset = Config {
        max_app_lifetime: Default::default(),
        ..config()
    };
    let (_, report) = run(account, unset).await;
    assert!(report.actions.is_empty());
    assert_eq!(
        report.tally(Rule::MaxLifetime, ResourceType::StudioApp),
        Tally::default()
    );
}

#[tokio::test]
async fn apps_pending_deleting_or_failed_are_left_alone() {
    let account = InMemory::new();
    account.managed_domain("d-one");
    let long_ago = at("2025-01-01T00:00:00Z");
    for (user, status) in [
        ("a", "Pending"),
        ("b", "Deleting"),
        ("c", "Failed"),
        ("d", "Deleted"),
    ] {
        account.app(
            "d-one",
            profile(user),
            "KernelGateway",
            status,
            long_ago,
            &[("expires-at", "2020-01-01T00:00:00Z")],
        );
    }

    let (cleanup, report) = run(account, config()).await;

    assert!(report.actions.is_empty());
    assert_eq!(
        report.skipped[&Rule::MaxLifetime][&SkipReason::NotInService],
        3,
        "Deleted apps are history, not scanned"
    );
    assert_eq!(report.scanned[&ResourceType::StudioApp], 3);
    assert!(cleanup.calls("DeleteApp").is_empty());
    assert!(
        cleanup
            .calls("ListTags")
            .iter()
            .all(|arn| arn.contains(":domain/"))
    );
}

#[tokio::test]
async fn exempt_resources_are_never_touched_whatever_the_other_rules_say() {
    let account = InMemory::new();
    account.managed_domain("d-one");
    let exempt = [
        ("cleanup", "exempt"),
        ("expires-at", "2020-01-01T00:00:00Z"),
    ];
    forgotten_app(&account, "d-one", profile("alice"), &exempt);
    account.notebook("nb", "InService", &exempt);
    account.endpoint("ep", "InService", &exempt);
    account.product(
        "pp-1",
        "AVAILABLE",
        Some(StackState {
            status: "CREATE_COMPLETE".into(),
            termination_protection: false,
        }),
        &exempt,
    );

    let (cleanup, report) = run(account, config()).await;

    assert!(report.actions.is_empty(), "{:?}", report.actions);
    for resource_type in [
        ResourceType::StudioApp,
        ResourceType::NotebookInstance,
        ResourceType::Endpoint,
        ResourceType::ProvisionedProduct,
    ] {
        assert_eq!(
            report.tally(Rule::Exempt, resource_type),
            Tally {
                scanned: 1,
                skipped: 1,
                ..Tally::default()
            },
            "{resource_type:?}"
        );
        assert_eq!(
            report.tally(Rule::Expired, resource_type),
            Tally::default(),
            "{resource_type:?}"
        );
    }
    assert_eq!(report.skipped[&Rule::Exempt][&SkipReason::Exempt], 4);
    let mutating = [
        "DeleteApp",
        "StopNotebookInstance",
        "DeleteEndpoint",
        "TerminateProvisionedProduct",
        "DescribeStacks",
    ];
    for operation in mutating {
        assert!(cleanup.calls(operation).is_empty(), "{operation}");
    }
}

#[tokio::test]
async fn each_kind_of_expired_resource_gets_its_action() {
    let account = InMemory::new();
    account.managed_domain("d-one");
    let expired = [("expires-at", "2025-06-01T11:00:00Z")];
    let app = account.app(
        "d-one",
        profile("alice"),
        "JupyterServer",
        "InService",
        at("2025-06-01T11:50:00Z"),
        &expired,
    );
    let notebook = account.notebook("nb", "InService", &expired);
    let endpoint = account.endpoint("ep", "OutOfService", &expired);
    let product = account.product(
        "pp-1",
        "TAINTED",
        Some(StackState {
            status: "UPDATE_COMPLETE".into(),
            termination_protection: false,
        }),
        &expired,
    );

    let (cleanup, report) = run(account, config()).await;

    let mut expected = vec![
        app.as_str(),
        notebook.as_str(),
        endpoint.as_str(),
        product.as_str(),
    ];
    expected.sort_unstable();
    assert_eq!(acted_arns(&report), expected);
    let actions: Vec<(&str, &str)> = report
        .actions
        .iter()
        .map(|a| (a.action.as_str(), a.reason.as_str()))
        .collect();
    for action in [
        "DeleteApp",
        "StopNotebookInstance",
        "DeleteEndpoint",
        "TerminateProvisionedProduct",
    ] {
        assert!(
            actions.contains(&(action, "expired at 2025-06-01T11:00:00Z")),
            "{action}: {actions:?}"
        );
    }
    assert!(
        report
            .actions
            .iter()
            .all(|a| a.rule == Rule::Expired && !a.dry_run)
    );
    assert_eq!(cleanup.notebook_status("nb").as_deref(), Some("Stopping"));
    assert_eq!(cleanup.endpoint_status("ep").as_deref(), Some("Deleting"));
    assert_eq!(
        cleanup.terminations(),
        [Termination {
            provisioned_product_id: "pp-1".into(),
            terminate_token: "studio-cleanup-pp-1-rec-pp-1".into(),
            ignore_errors: false,
        }]
    );
    assert!(
        cleanup.calls("DescribeApp").is_empty(),
        "expiry settles it: no activity needed"
    );
}

#[tokio::test]
async fn future_and_malformed_expiry_times_are_not_acted_on_and_malformed_ones_are_reported() {
    let account = InMemory::new();
    account.notebook(
        "future",
        "InService",
        &[("expires-at", "2025-06-01T12:00:01Z")],
    );
    let malformed = account.notebook("malformed", "InService", &[("expires-at", "next friday")]);
    account.notebook("untagged", "InService", &[]);
    account.endpoint("date-only", "InService", &[("expires-at", "2020-01-01")]);

    let (cleanup, report) = run(account, config()).await;

    assert!(report.actions.is_empty());
    let skipped = &report.skipped[&Rule::Expired];
    assert_eq!(skipped[&SkipReason::NotExpired], 1);
    assert_eq!(skipped[&SkipReason::MalformedExpiryTag], 2);
    assert_eq!(skipped[&SkipReason::NoExpiryTag], 1);
    assert_eq!(report.malformed_tags.len(), 2);
    let reported = report
        .malformed_tags
        .iter()
        .find(|m| m.arn == malformed)
        .expect("reported");
    assert_eq!(
        (reported.key.as_str(), reported.value.as_str()),
        ("expires-at", "next friday")
    );
    assert!(cleanup.calls("StopNotebookInstance").is_empty());
    assert!(cleanup.calls("DeleteEndpoint").is_empty());
}

#[tokio::test]
async fn a_dry_run_reports_every_action_and_changes_nothing() {
    let account = InMemory::new();
    account.managed_domain("d-one");
    let expired = [("expires-at", "2020-01-01T00:00:00Z")];
    forgotten_app(&account, "d-one", profile("alice"), &[]);
    account.notebook("nb", "InService", &expired);
    account.endpoint("ep", "InService", &expired);
    account.product(
        "pp-1",
        "AVAILABLE",
        Some(StackState {
            status: "CREATE_COMPLETE".into(),
            termination_protection: false,
        }),
        &expired,
    );
    let cleanup = cleanup(account, config());

    let report = cleanup.run(now(), deadline(), true).await;

    assert!(report.dry_run);
    assert_eq!(report.actions.len(), 4);
    assert!(report.actions.iter().all(|a| a.dry_run));
    let mutating = [
        "DeleteApp",
        "StopNotebookInstance",
        "DeleteEndpoint",
        "TerminateProvisionedProduct",
    ];
    for (operation, _) in cleanup.all_calls() {
        assert!(
            !mutating.contains(&operation.as_str()),
            "{operation} called in a dry run"
        );
    }
    assert_eq!(cleanup.notebook_status("nb").as_deref(), Some("InService"));
}

#[tokio::test]
async fn one_failure_does_not_stop_the_run() {
    let account = InMemory::new();
    account.managed_domain("d-one");
    account.managed_domain("d-two");
    // b's app the only JupyterLab one, so that a fault of Studio's DeleteApp finds it.
    let kernel_gateway = |domain_id: &str, user: &str| {
        account.app(
            domain_id,
            profile(user),
            "KernelGateway",
            "InService",
            long_ago(),
            &[],
        )
    };
    kernel_gateway("d-one", "a");
    forgotten_app(&account, "d-one", profile("b"), &[]);
    kernel_gateway("d-one", "c");
    kernel_gateway("d-two", "z");
    account.studio.fail_next_on(
        "DeleteApp",
        "JupyterLab/default",
        error(
            "DeleteApp",
            "AccessDeniedException",
            AwsErrorKind::AccessDenied,
            "not authorized",
        ),
    );
    account.studio.fail_next_on(
        "ListApps",
        "d-two",
        error(
            "ListApps",
            "InternalFailure",
            AwsErrorKind::Transient,
            "boom",
        ),
    );
    account.fail(
        "ListEndpoints",
        "",
        error(
            "ListEndpoints",
            "AccessDeniedException",
            AwsErrorKind::AccessDenied,
            "denied",
        ),
        1,
    );
    account.notebook("nb", "InService", &[("expires-at", "2020-01-01T00:00:00Z")]);

    let (_, report) = run(account, config()).await;

    assert_eq!(
        report.tally(Rule::MaxLifetime, ResourceType::StudioApp),
        tally(2, 0, 1)
    );
    assert_eq!(
        report
            .tally(Rule::Expired, ResourceType::NotebookInstance)
            .acted,
        1
    );
    let failed: Vec<(&str, &str)> = report
        .failures
        .iter()
        .map(|f| (f.operation.as_str(), f.arn.as_str()))
        .collect();
    assert_eq!(failed.len(), 3, "{failed:?}");
    assert!(failed.contains(&("ListApps", "ListApps d-two")));
    assert!(failed.contains(&("ListEndpoints", "ListEndpoints")));
    let delete = report
        .failures
        .iter()
        .find(|f| f.operation == "DeleteApp")
        .expect("the failed delete");
    assert!(
        delete.arn.ends_with("/b/jupyterlab/default"),
        "{}",
        delete.arn
    );
    assert_eq!(
        delete.error,
        "DeleteApp failed: AccessDeniedException: not authorized"
    );
    assert!(report.complete, "failures are not unfinished work");
}

#[tokio::test]
async fn managed_domains_are_those_tagged_unless_domain_ids_are_given() {
    let account = InMemory::new();
    account.managed_domain("d-managed");
    account.domain(
        "d-other",
        "InService",
        &[("studio-catalog:managed", "false")],
    );
    account.domain("d-untagged", "InService", &[]);
    for domain in ["d-managed", "d-other", "d-untagged"] {
        forgotten_app(&account, domain, profile("alice"), &[]);
    }

    let (cleanup, report) = run(account, config()).await;
    assert_eq!(report.actions.len(), 1);
    assert!(report.actions[0].arn.contains("/d-managed/"));
    assert_eq!(cleanup.calls("ListApps"), ["d-managed"]);

    let account = InMemory {
        studio: cleanup.studio,
        account: cleanup.account,
        latency: cleanup.latency,
    };
    let configured = Config {
        domain_ids: vec!["d-untagged".into(), "d-missing".into()],
        ..config()
    };
    let (cleanup, report) = run(account, configured).await;
    assert_eq!(report.actions.len(), 1);
    assert!(report.actions[0].arn.contains("/d-untagged/"));
    let missing = &report.failures[0];
    assert_eq!(
        (missing.operation.as_str(), missing.arn.as_str()),
        ("DescribeDomain", "d-missing")
    );
    assert_eq!(
        cleanup.calls("ListDomains").len(),
        1,
        "only the first run listed domains"
    );
}

#[tokio::test]
async fn every_listing_is_followed_to_its_last_page() {
    let account = InMemory::new().with_page_size(2);
    for d in 0..3 {
        account.managed_domain(&format!("d-{d}"));
        for u in 0..5 {
            account.app(
                &format!("d-{d}"),
                profile(&format!("u{u}")),
                "JupyterLab",
                "InService",
                at("2025-01-01T00:00:00Z"),
                &[],
            );
        }
    }
    for n in 0..5 {
        account.notebook(
            &format!("nb-{n}"),
            "InService",
            &[("expires-at", "2020-01-01T00:00:00Z")],
        );
        account.endpoint(
            &format!("ep-{n}"),
            "InService",
            &[("expires-at", "2020-01-01T00:00:00Z")],
        );
        account.product(
            &format!("pp-{n}"),
            "AVAILABLE",
            None,
            &[("expires-at", "2020-01-01T00:00:00Z")],
        );
    }

    let (cleanup, report) = run(account, config()).await;

    assert_eq!(
        report
            .tally(Rule::MaxLifetime, ResourceType::StudioApp)
            .acted,
        15
    );
    for resource_type in [
        ResourceType::NotebookInstance,
        ResourceType::Endpoint,
        ResourceType::ProvisionedProduct,
    ] {
        assert_eq!(
            report.tally(Rule::Expired, resource_type).acted,
            5,
            "{resource_type:?}"
        );
    }
    assert_eq!(cleanup.calls("ListDomains").len(), 2);
    assert_eq!(cleanup.calls("ListApps").len(), 9);
    assert_eq!(cleanup.calls("SearchProvisionedProducts").len(), 3);
}

#[tokio::test]
async fn provisioned_products_are_terminated_according_to_their_stack() {
    let account = InMemory::new();
    let expired = [("expires-at", "2020-01-01T00:00:00Z")];
    let stack = |status: &str, protection: bool| {
        Some(StackState {
            status: status.into(),
            termination_protection: protection,
        })
    };
    account.product("pp-gone", "ERROR", None, &expired);
    account.product(
        "pp-deleted",
        "AVAILABLE",
        stack("DELETE_COMPLETE", false),
        &expired,
    );
    account.product(
        "pp-updating",
        "AVAILABLE",
        stack("UPDATE_IN_PROGRESS", false),
        &expired,
    );
    let protected = account.product(
        "pp-protected",
        "AVAILABLE",
        stack("CREATE_COMPLETE", true),
        &expired,
    );
    account.product(
        "pp-busy",
        "UNDER_CHANGE",
        stack("CREATE_COMPLETE", false),
        &expired,
    );

    let (cleanup, report) = run(account, config()).await;

    let terminated: Vec<(String, bool)> = cleanup
        .account
        .terminations()
        .into_iter()
        .map(|t| (t.provisioned_product_id, t.ignore_errors))
        .collect();
    assert_eq!(terminated.len(), 2);
    assert!(terminated.contains(&("pp-gone".into(), true)));
    assert!(terminated.contains(&("pp-deleted".into(), true)));
    assert_eq!(report.skipped[&Rule::Expired][&SkipReason::InProgress], 2);
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].arn, protected);
    assert!(
        report.failures[0].error.contains("termination protection"),
        "{}",
        report.failures[0].error
    );
    assert_eq!(
        cleanup.calls("DescribeStacks").len(),
        4,
        "the busy product's stack is not looked at"
    );
}

#[tokio::test]
async fn acting_on_a_resource_someone_else_just_handled_is_harmless() {
    let account = InMemory::new();
    account.managed_domain("d-one");
    // alice's app JupyterLab, bob's KernelGateway: each found by its own fault of DeleteApp.
    forgotten_app(&account, "d-one", profile("alice"), &[]);
    account.app(
        "d-one",
        profile("bob"),
        "KernelGateway",
        "InService",
        long_ago(),
        &[],
    );
    account.studio.fail_next_on(
        "DeleteApp",
        "JupyterLab/default",
        error(
            "DeleteApp",
            "ResourceInUse",
            AwsErrorKind::InUse,
            "App is Deleting",
        ),
    );
    account.studio.fail_next_on(
        "DeleteApp",
        "KernelGateway/default",
        error(
            "DeleteApp",
            "ResourceNotFound",
            AwsErrorKind::NotFound,
            "gone",
        ),
    );
    account.notebook("nb", "InService", &[("expires-at", "2020-01-01T00:00:00Z")]);
    account.fail(
        "StopNotebookInstance",
        "nb",
        error(
            "StopNotebookInstance",
            "ValidationException",
            AwsErrorKind::Invalid,
            "Status (Stopping) not in ([InService]). Unable to transition to (Stopping)",
        ),
        1,
    );

    let (_, report) = run(account, config()).await;

    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(
        report.skipped[&Rule::MaxLifetime][&SkipReason::InProgress],
        1
    );
    assert_eq!(
        report.skipped[&Rule::MaxLifetime][&SkipReason::AlreadyGone],
        1
    );
    assert_eq!(report.skipped[&Rule::Expired][&SkipReason::InProgress], 1);
}

#[tokio::test(start_paused = true)]
async fn near_the_deadline_no_new_work_starts_and_the_next_run_finishes_it() {
    let account = InMemory::new().with_delay(Duration::from_millis(100));
    account.managed_domain("d-one");
    // Forgotten apps named each for its user, so that Studio's DeleteApp calls tell them apart.
    let mut idle = Vec::new();
    for u in 0..40 {
        let name = format!("lab-u{u}");
        let app = App {
            creation_time: Some(long_ago()),
            ..App::new(
                profile(&format!("u{u}")),
                "JupyterLab".into(),
                name.clone(),
                "InService".into(),
            )
        };
        account.add_app("d-one", app, &[]);
        idle.push(format!("JupyterLab/{name}"));
    }
    let config = Config {
        concurrency: 2,
        expired: false,
        deadline_margin: Duration::from_secs(3),
        ..config()
    };
    let cleanup = cleanup(account, config);

    // 5 s before the deadline with a 3 s margin: 2 s of work, at 2 calls per 100 ms.
    let first = cleanup.run(now(), seconds_left(5), false).await;

    assert!(!first.complete);
    let done = first
        .tally(Rule::MaxLifetime, ResourceType::StudioApp)
        .acted;
    assert!(done > 0 && done < 40, "{done} deleted");
    assert_eq!(
        first.remaining.resources[&ResourceType::StudioApp] + done,
        40
    );

    let second = cleanup.run(now(), seconds_left(60), false).await;

    assert!(second.complete, "{:?}", second.remaining);
    assert_eq!(
        second
            .tally(Rule::MaxLifetime, ResourceType::StudioApp)
            .acted,
        40 - done
    );
    assert_eq!(
        second.skipped[&Rule::MaxLifetime][&SkipReason::NotInService],
        done,
        "the first run's are Deleting"
    );
    let mut deleted = cleanup.calls("DeleteApp");
    deleted.sort();
    idle.sort();
    assert_eq!(
        deleted, idle,
        "each app deleted exactly once over the two runs"
    );
}

#[tokio::test(start_paused = true)]
async fn a_listing_cut_by_the_deadline_is_reported_as_remaining() {
    let account = InMemory::new()
        .with_delay(Duration::from_millis(400))
        .with_page_size(1);
    for n in 0..10 {
        account.notebook(&format!("nb-{n}"), "InService", &[]);
    }
    let config = Config {
        max_app_lifetime: Default::default(),
        deadline_margin: Duration::from_secs(3),
        ..config()
    };
    let cleanup = cleanup(account, config);

    let report = cleanup.run(now(), seconds_left(4), false).await;

    assert!(!report.complete);
    assert!(
        report
            .remaining
            .listings
            .iter()
            .any(|l| l.starts_with("ListNotebookInstances (page ")),
        "{:?}",
        report.remaining
    );
}

#[tokio::test(start_paused = true)]
async fn no_more_calls_than_the_concurrency_are_in_flight() {
    let account = InMemory::new().with_delay(Duration::from_millis(10));
    for d in 0..6 {
        account.managed_domain(&format!("d-{d}"));
        for u in 0..10 {
            account.app(
                &format!("d-{d}"),
                profile(&format!("u{u}")),
                "JupyterLab",
                "InService",
                at("2025-01-01T00:00:00Z"),
                &[],
            );
        }
    }
    for n in 0..10 {
        account.notebook(&format!("nb-{n}"), "InService", &[]);
        account.endpoint(&format!("ep-{n}"), "InService", &[]);
    }
    let config = Config {
        concurrency: 3,
        ..config()
    };

    let (cleanup, report) = run(account, config).await;

    assert!(report.complete);
    assert_eq!(
        report
            .tally(Rule::MaxLifetime, ResourceType::StudioApp)
            .acted,
        60
    );
    assert_eq!(cleanup.max_in_flight(), 3);
    assert_eq!(report.api_calls, cleanup.all_calls().len() as u64);
}

#[tokio::test]
async fn rules_switched_off_list_nothing() {
    let account = InMemory::new();
    account.managed_domain("d-one");
    account.notebook("nb", "InService", &[("expires-at", "2020-01-01T00:00:00Z")]);
    let config = Config {
        max_app_lifetime: Default::default(),
        expired: false,
        ..config()
    };

    let (cleanup, report) = run(account, config).await;

    // Nothing listed: the run's only call is its (empty) report.
    assert_eq!(cleanup.all_calls().len(), 1);
    assert_eq!(cleanup.calls("PutEvents").len(), 1);
    assert!(cleanup.account.reports()[0].1.rules.is_empty());
    assert!(report.complete && report.actions.is_empty());
}

#[tokio::test]
async fn expiry_can_be_limited_to_some_resource_types() {
    let account = InMemory::new();
    let expired = [("expires-at", "2020-01-01T00:00:00Z")];
    account.notebook("nb", "InService", &expired);
    account.endpoint("ep", "InService", &expired);
    let config = Config {
        max_app_lifetime: Default::default(),
        expired_types: [ResourceType::Endpoint].into_iter().collect(),
        ..config()
    };

    let (cleanup, report) = run(account, config).await;

    assert_eq!(report.actions.len(), 1);
    assert_eq!(report.actions[0].action, "DeleteEndpoint");
    assert!(cleanup.calls("ListNotebookInstances").is_empty());
}

// ---- warn, then act -------------------------------------------------------------------------

/// Warning first, an hour's grace.
fn warning_config() -> Config {
    Config {
        warning_grace: Duration::from_secs(3600),
        ..config()
    }
}

fn later(minutes: u64) -> DateTime {
    crate::rules::after(now(), Duration::from_secs(minutes * 60))
}

#[tokio::test]
async fn every_run_publishes_one_report_of_its_counts_without_names() {
    let account = InMemory::new();
    account.managed_domain("d-one");
    account.user_profile(
        "d-one",
        "alice",
        &[("studiouserid", "alice@example.com")],
        IdleShutdown::default(),
    );
    let app = forgotten_app(&account, "d-one", profile("alice"), &[]);
    let cleanup = cleanup(account, warning_config());

    let first = cleanup.run(now(), deadline(), false).await;
    let acting = cleanup.run(later(61), deadline(), false).await;

    let reports = cleanup.account.reports();
    assert_eq!(reports.len(), 2, "one report per run");
    assert!(first.report_published && acting.report_published);
    let (bus, warned) = &reports[0];
    assert_eq!(bus, "default");
    assert_eq!(warned.run, first.started_at);
    assert!(!warned.dry_run);
    let lifetime = warned
        .rules
        .iter()
        .find(|r| r.rule == "max-lifetime" && r.resource_type == "studio_app")
        .expect("the max-lifetime rule's apps");
    assert_eq!(
        (lifetime.scanned, lifetime.warned, lifetime.acted),
        (1, 1, 0)
    );
    let acted = reports[1]
        .1
        .rules
        .iter()
        .find(|r| r.rule == "max-lifetime" && r.resource_type == "studio_app")
        .expect("the max-lifetime rule's apps");
    assert_eq!((acted.acted, acted.failed), (1, 0));
    // The counts of the report are the report's own; nothing names a resource or a person.
    let text = serde_json::to_string(&reports).expect("serialises");
    for name in [app.as_str(), "alice", "d-one"] {
        assert!(!text.contains(name), "{name} in {text}");
    }
}

#[tokio::test]
async fn a_destructive_action_is_warned_first_and_taken_on_a_run_after_the_grace_period() {
    let account = InMemory::new();
    account.managed_domain("d-one");
    account.user_profile(
        "d-one",
        "alice",
        &[("studiouserid", "alice@example.com")],
        IdleShutdown::default(),
    );
    let app = forgotten_app(&account, "d-one", profile("alice"), &[]);
    let cleanup = cleanup(account, warning_config());

    let first = cleanup.run(now(), deadline(), false).await;
    let second = cleanup.run(later(30), deadline(), false).await;
    let third = cleanup.run(later(61), deadline(), false).await;

    assert!(first.actions.is_empty());
    assert_eq!(first.warnings.len(), 1);
    assert_eq!(first.warnings[0].arn, app);
    assert_eq!(first.warnings[0].warned_at, "2025-06-01T12:00:00Z");
    assert_eq!(first.warnings[0].act_after, "2025-06-01T13:00:00Z");
    assert_eq!(
        first
            .tally(Rule::MaxLifetime, ResourceType::StudioApp)
            .warned,
        1
    );
    assert_eq!(
        second.skipped[&Rule::MaxLifetime][&SkipReason::InGracePeriod],
        1,
        "warned, still within the grace period"
    );
    assert!(second.actions.is_empty() && second.warnings.is_empty());
    assert_eq!(acted_arns(&third), [app.as_str()]);
    assert_eq!(cleanup.app_status(&app).as_deref(), Some("Deleting"));
    assert_eq!(
        cleanup.studio.tags(&app)["studio-catalog:cleanup-warning"],
        "2025-06-01T12:00:00Z/max-lifetime"
    );
    let published = cleanup.account.published();
    let kinds: Vec<&str> = published
        .iter()
        .map(|(_, n)| n.detail_type.as_str())
        .collect();
    assert_eq!(kinds, ["Studio Cleanup Warning", "Studio Cleanup Action"]);
    let warning = &published[0].1.detail;
    assert_eq!(published[0].0, "default");
    assert_eq!(warning.rule, "max-lifetime");
    assert_eq!(warning.resource_type, "studio_app");
    assert_eq!(warning.resource_arn, app);
    assert_eq!(warning.domain_id.as_deref(), Some("d-one"));
    assert_eq!(warning.owner_profile.as_deref(), Some("alice"));
    assert_eq!(warning.owner_identity.as_deref(), Some("alice@example.com"));
    assert_eq!(warning.act_after.as_deref(), Some("2025-06-01T13:00:00Z"));
    assert_eq!(warning.action, "DeleteApp");
    assert!(!warning.dry_run);
    assert_eq!(first.events_published, 1);
    assert_eq!(third.events_published, 1);
}

#[tokio::test]
async fn a_warning_is_withdrawn_when_the_resource_becomes_exempt_or_its_expiry_moves_to_the_future()
{
    let account = InMemory::new();
    account.managed_domain("d-one");
    let exempted = account.app(
        "d-one",
        profile("alice"),
        "JupyterServer",
        "InService",
        long_ago(),
        &[("expires-at", "2025-06-01T11:00:00Z")],
    );
    let extended = account.notebook("nb", "InService", &[("expires-at", "2025-06-01T11:00:00Z")]);
    let cleanup = cleanup(account, warning_config());

    let first = cleanup.run(now(), deadline(), false).await;
    cleanup.studio.set_tags(
        &exempted,
        vec![
            crate::ports::tag("expires-at", "2025-06-01T11:00:00Z"),
            crate::ports::tag("cleanup", "exempt"),
            crate::ports::tag(
                "studio-catalog:cleanup-warning",
                "2025-06-01T12:00:00Z/expired",
            ),
        ],
    );
    cleanup.studio.set_tags(
        &extended,
        vec![
            crate::ports::tag("expires-at", "2099-01-01T00:00:00Z"),
            crate::ports::tag(
                "studio-catalog:cleanup-warning",
                "2025-06-01T12:00:00Z/expired",
            ),
        ],
    );
    let second = cleanup.run(later(90), deadline(), false).await;

    assert_eq!(first.warnings.len(), 2);
    assert!(second.actions.is_empty(), "{:?}", second.actions);
    let mut withdrawn: Vec<(&str, &str)> = second
        .cancelled_warnings
        .iter()
        .map(|c| (c.arn.as_str(), c.why.as_str()))
        .collect();
    withdrawn.sort_unstable();
    let mut expected = vec![
        (exempted.as_str(), "exempt"),
        (extended.as_str(), "no longer applies"),
    ];
    expected.sort_unstable();
    assert_eq!(withdrawn, expected);
    for arn in [&exempted, &extended] {
        assert!(
            !cleanup
                .studio
                .tags(arn)
                .contains_key("studio-catalog:cleanup-warning"),
            "{arn}"
        );
    }
    assert_eq!(cleanup.notebook_status("nb").as_deref(), Some("InService"));
}

#[tokio::test]
async fn a_dry_run_reports_would_warn_and_would_act_changes_nothing_and_publishes_only_its_report()
{
    let account = InMemory::new();
    account.managed_domain("d-one");
    let warned_before = forgotten_app(
        &account,
        "d-one",
        profile("alice"),
        &[(
            "studio-catalog:cleanup-warning",
            "2025-06-01T10:00:00Z/max-lifetime",
        )],
    );
    let new = forgotten_app(&account, "d-one", profile("bob"), &[]);
    let cleanup = cleanup(account, warning_config());

    let report = cleanup.run(now(), deadline(), true).await;

    assert!(report.dry_run);
    assert_eq!(acted_arns(&report), [warned_before.as_str()]);
    assert!(report.actions[0].dry_run);
    assert_eq!(report.warnings.len(), 1);
    assert_eq!(report.warnings[0].arn, new);
    assert!(report.warnings[0].dry_run);
    assert!(cleanup.account.published().is_empty());
    for operation in ["DeleteApp", "AddTags", "DeleteTags"] {
        assert!(cleanup.calls(operation).is_empty(), "{operation}");
    }
    // Only the run's report, which says it was a dry run.
    assert_eq!(cleanup.calls("PutEvents").len(), 1);
    let reports = cleanup.account.reports();
    assert_eq!(reports.len(), 1);
    assert!(reports[0].1.dry_run);
    assert_eq!(reports[0].1.estimated_hourly_cost_stopped, 0.0);
    assert!(
        !cleanup
            .studio
            .tags(&new)
            .contains_key("studio-catalog:cleanup-warning")
    );
}

#[tokio::test]
async fn a_provisioned_products_warning_is_kept_in_the_ledger_and_cleared_after_the_termination() {
    let account = InMemory::new();
    account.product(
        "pp-1",
        "AVAILABLE",
        Some(StackState {
            status: "CREATE_COMPLETE".into(),
            termination_protection: false,
        }),
        &[("expires-at", "2025-06-01T11:00:00Z")],
    );
    let cleanup = cleanup(account, warning_config());
    let path = "/studio-catalog/cleanup/warnings";

    let first = cleanup.run(now(), deadline(), false).await;
    let recorded = cleanup.account.ledger_value(path, "pp-1");
    let second = cleanup.run(later(60), deadline(), false).await;

    assert_eq!(first.warnings.len(), 1);
    assert!(cleanup.terminations().len() == 1 && first.actions.is_empty());
    assert_eq!(recorded.as_deref(), Some("2025-06-01T12:00:00Z/expired"));
    assert_eq!(second.actions.len(), 1);
    assert_eq!(second.actions[0].action, "TerminateProvisionedProduct");
    assert_eq!(
        cleanup.account.ledger_value(path, "pp-1"),
        None,
        "cleared after acting"
    );
}

#[tokio::test]
async fn a_stopped_notebook_instance_loses_its_warning_tag() {
    let account = InMemory::new();
    let notebook = account.notebook("nb", "InService", &[("expires-at", "2025-06-01T11:00:00Z")]);
    let cleanup = cleanup(account, warning_config());

    cleanup.run(now(), deadline(), false).await;
    let second = cleanup.run(later(60), deadline(), false).await;

    assert_eq!(second.actions.len(), 1);
    assert_eq!(second.actions[0].estimated_hourly_cost, Some(0.05));
    assert_eq!(cleanup.notebook_status("nb").as_deref(), Some("Stopping"));
    assert!(
        !cleanup
            .studio
            .tags(&notebook)
            .contains_key("studio-catalog:cleanup-warning")
    );
}

// ---- expiry of profiles and spaces ---------------------------------------------------------

#[tokio::test]
async fn an_expired_profile_or_space_has_its_apps_deleted_and_is_itself_kept() {
    let account = InMemory::new();
    account.managed_domain("d-one");
    let expired = [("expires-at", "2025-06-01T11:00:00Z")];
    account.user_profile("d-one", "leaver", &expired, IdleShutdown::default());
    account.user_profile(
        "d-one",
        "stayer",
        &[("studiouserid", "stayer-id")],
        IdleShutdown::default(),
    );
    account.space(
        "d-one",
        "leavers-lab",
        Some("leaver"),
        true,
        &[],
        IdleShutdown::default(),
    );
    account.space(
        "d-one",
        "old-project",
        Some("stayer"),
        false,
        &expired,
        IdleShutdown::default(),
    );
    account.space(
        "d-one",
        "stayers-lab",
        Some("stayer"),
        true,
        &[],
        IdleShutdown::default(),
    );
    let young = at("2025-06-01T11:59:00Z");
    let own = account.app(
        "d-one",
        profile("leaver"),
        "JupyterServer",
        "InService",
        young,
        &[],
    );
    let private = account.app(
        "d-one",
        AppOwner::Space("leavers-lab".into()),
        "JupyterLab",
        "InService",
        young,
        &[],
    );
    let shared = account.app(
        "d-one",
        AppOwner::Space("old-project".into()),
        "CodeEditor",
        "InService",
        young,
        &[],
    );
    let kept = account.app(
        "d-one",
        AppOwner::Space("stayers-lab".into()),
        "JupyterLab",
        "InService",
        young,
        &[],
    );

    let (cleanup, report) = run(account, config()).await;

    let mut expected = vec![own.as_str(), private.as_str(), shared.as_str()];
    expected.sort_unstable();
    assert_eq!(acted_arns(&report), expected);
    let reasons: Vec<&str> = report.actions.iter().map(|a| a.reason.as_str()).collect();
    assert!(
        reasons.contains(&"its user profile leaver expired at 2025-06-01T11:00:00Z"),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&"its space old-project expired at 2025-06-01T11:00:00Z"),
        "{reasons:?}"
    );
    assert_eq!(cleanup.app_status(&kept).as_deref(), Some("InService"));
    assert!(
        cleanup.calls("DeleteUserProfile").is_empty() && cleanup.calls("DeleteSpace").is_empty()
    );
    assert_eq!(
        report.skipped[&Rule::Expired][&SkipReason::AppsOffboarded],
        2
    );
    assert_eq!(report.scanned[&ResourceType::UserProfile], 2);
    assert_eq!(report.scanned[&ResourceType::Space], 3);
    let events = cleanup.account.published();
    let private_event = events
        .iter()
        .find(|(_, n)| n.detail.resource_arn == private)
        .map(|(_, n)| &n.detail)
        .unwrap();
    assert_eq!(
        private_event.owner_profile.as_deref(),
        Some("leaver"),
        "a private space's owner"
    );
    let kept_profile = events
        .iter()
        .find(|(_, n)| n.detail.resource_arn == shared)
        .map(|(_, n)| &n.detail)
        .unwrap();
    assert_eq!(
        kept_profile.owner_profile, None,
        "a shared space's app has no owner"
    );
}

#[tokio::test]
async fn an_exempt_profiles_expiry_is_not_passed_on_to_its_apps() {
    let account = InMemory::new();
    account.managed_domain("d-one");
    account.user_profile(
        "d-one",
        "alice",
        &[
            ("expires-at", "2025-06-01T11:00:00Z"),
            ("cleanup", "exempt"),
        ],
        IdleShutdown::default(),
    );
    let app = account.app(
        "d-one",
        profile("alice"),
        "JupyterServer",
        "InService",
        long_ago(),
        &[],
    );

    let (cleanup, report) = run(account, config()).await;

    assert!(report.actions.is_empty(), "{:?}", report.actions);
    assert_eq!(cleanup.app_status(&app).as_deref(), Some("InService"));
}

// ---- idle-shutdown drift -------------------------------------------------------------------

fn idle(enabled: Option<bool>, timeout: i32) -> IdleSettings {
    IdleSettings {
        enabled,
        timeout_minutes: Some(timeout),
        ..IdleSettings::default()
    }
}

fn lab(settings: IdleSettings) -> IdleShutdown {
    IdleShutdown {
        jupyter_lab: Some(settings),
        code_editor: None,
    }
}

/// A managed domain whose defaults allow at most 240 minutes (default 120), with a profile whose
/// JupyterLab idle shutdown is off, one whose timeout is a week, one that inherits, and a space
/// of 900 minutes.
fn drifting() -> InMemory {
    let account = InMemory::new();
    account.managed_domain("d-one");
    account.domain_idle_defaults(
        "d-one",
        IdleShutdown {
            jupyter_lab: Some(IdleSettings {
                enabled: Some(true),
                timeout_minutes: Some(120),
                min_timeout_minutes: Some(60),
                max_timeout_minutes: Some(240),
            }),
            code_editor: None,
        },
    );
    account.user_profile("d-one", "off", &[], lab(idle(Some(false), 180)));
    account.user_profile("d-one", "week", &[], lab(idle(Some(true), 10080)));
    account.user_profile("d-one", "inherits", &[], IdleShutdown::default());
    account.space("d-one", "long", None, false, &[], lab(idle(None, 900)));
    account
}

fn drift_config(mode: crate::config::DriftMode) -> Config {
    Config {
        idle_shutdown_drift: mode,
        ..config()
    }
}

#[tokio::test]
async fn drift_is_reported_by_default_and_nothing_is_changed() {
    let (cleanup, report) = run(drifting(), drift_config(crate::config::DriftMode::Report)).await;

    let mut found: Vec<(String, &str)> = report
        .drift
        .iter()
        .map(|d| {
            (
                d.arn.rsplit('/').next().unwrap().to_owned(),
                d.finding.as_str(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (
                "long".to_owned(),
                "idle timeout 900 min exceeds the maximum 240 min"
            ),
            ("off".to_owned(), "idle shutdown is DISABLED"),
            (
                "week".to_owned(),
                "idle timeout 10080 min exceeds the maximum 240 min"
            ),
        ]
    );
    assert!(report.drift.iter().all(|d| !d.repaired));
    assert_eq!(
        report.skipped[&Rule::IdleShutdownDrift][&SkipReason::DriftReported],
        3
    );
    assert_eq!(
        report.skipped[&Rule::IdleShutdownDrift][&SkipReason::NoDrift],
        1
    );
    assert!(
        cleanup.calls("UpdateUserProfile").is_empty() && cleanup.calls("UpdateSpace").is_empty()
    );
    assert!(
        cleanup.account.published().is_empty(),
        "drift is not destructive: no warning"
    );
}

#[tokio::test]
async fn drift_is_repaired_with_update_user_profile_and_update_space_when_configured() {
    let (cleanup, report) = run(drifting(), drift_config(crate::config::DriftMode::Repair)).await;

    let state = cleanup.studio.state();
    let profile = |name: &str| {
        state.profile_idle_shutdown[&("d-one".to_owned(), name.to_owned())]
            .jupyter_lab
            .unwrap()
    };
    assert_eq!(profile("off").enabled, Some(true));
    assert_eq!(
        profile("off").timeout_minutes,
        Some(120),
        "the domain's default when it was off"
    );
    assert_eq!(profile("week").timeout_minutes, Some(240));
    let space = state.space_idle_shutdown[&("d-one".to_owned(), "long".to_owned())]
        .jupyter_lab
        .unwrap();
    assert_eq!(space.timeout_minutes, Some(240));
    drop(state);
    assert_eq!(cleanup.calls("UpdateUserProfile").len(), 2);
    assert_eq!(cleanup.calls("UpdateSpace"), ["long JupyterLab"]);
    assert!(report.drift.iter().all(|d| d.repaired));
    assert_eq!(
        report
            .tally(Rule::IdleShutdownDrift, ResourceType::UserProfile)
            .acted,
        2
    );
    assert_eq!(
        report
            .tally(Rule::IdleShutdownDrift, ResourceType::Space)
            .acted,
        1
    );
}

#[tokio::test]
async fn the_configured_maximum_wins_over_the_domains_and_without_either_only_off_is_drift() {
    let config = Config {
        idle_shutdown_max_minutes: Some(10080),
        ..drift_config(crate::config::DriftMode::Report)
    };
    let (_, report) = run(drifting(), config).await;
    let mut flagged: Vec<&str> = report
        .drift
        .iter()
        .map(|d| d.arn.rsplit('/').next().unwrap())
        .collect();
    flagged.sort_unstable();
    assert_eq!(
        flagged,
        ["off"],
        "a week is allowed by IDLE_SHUTDOWN_MAX_MINUTES=10080"
    );

    let account = drifting();
    account.domain_idle_defaults("d-one", IdleShutdown::default());
    let (_, report) = run(account, drift_config(crate::config::DriftMode::Report)).await;
    let flagged: Vec<&str> = report
        .drift
        .iter()
        .map(|d| d.arn.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(flagged, ["off"], "no maximum anywhere: no timeout check");
}

// ---- calls per app ---------------------------------------------------------------------------

#[tokio::test]
async fn a_run_costs_at_most_two_api_calls_per_app_scanned() {
    let account = InMemory::new();
    for d in 0..5 {
        let domain = format!("d-{d}");
        account.managed_domain(&domain);
        for u in 0..4 {
            account.user_profile(
                &domain,
                &format!("u{u}"),
                &[("studiouserid", "id")],
                IdleShutdown::default(),
            );
        }
        for a in 0..100 {
            let created = if a % 2 == 0 { long_ago() } else { now() };
            let app = App {
                creation_time: Some(created),
                ..App::new(
                    profile(&format!("u{}", a % 4)),
                    "KernelGateway".into(),
                    format!("k{a}"),
                    "InService".into(),
                )
            };
            account.add_app(&domain, app, &[]);
        }
    }
    let config = Config {
        idle_shutdown_drift: crate::config::DriftMode::Report,
        ..config()
    };

    let (cleanup, report) = run(account, config).await;

    let apps = report.scanned[&ResourceType::StudioApp];
    assert_eq!(apps, 500);
    assert_eq!(
        report
            .tally(Rule::MaxLifetime, ResourceType::StudioApp)
            .acted,
        250
    );
    assert_eq!(report.api_calls, cleanup.all_calls().len() as u64);
    let per_app = report.api_calls as f64 / apps as f64;
    assert!(per_app <= 2.0, "{} calls for {apps} apps", report.api_calls);
    assert_eq!(
        cleanup.calls("PutEvents").len(),
        26,
        "250 action events, ten a call, and the run's report"
    );
}
