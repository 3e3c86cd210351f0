//! The cleanup's behaviour against the in-memory account.

use std::time::Duration;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use lambda_support::AwsErrorKind;
use tokio::time::Instant;

use super::*;
use crate::memory::{InMemory, MemoryAccount, app_arn, error};
use crate::ports::StackState;
use crate::ports::{App, AppOwner, Termination};
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

fn config() -> Config {
    Config {
        idle_after: Duration::from_secs(3600),
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
        Some(long_ago()),
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
        acted,
        skipped,
        failed,
    }
}

#[tokio::test]
async fn an_idle_app_is_deleted_and_an_active_one_kept() {
    let account = InMemory::new();
    account.managed_domain("d-one");
    let idle = account.app(
        "d-one",
        profile("alice"),
        "JupyterLab",
        "InService",
        at("2025-05-01T00:00:00Z"),
        Some(at("2025-06-01T10:00:00Z")),
        &[],
    );
    let active = account.app(
        "d-one",
        profile("bob"),
        "JupyterLab",
        "InService",
        at("2025-05-01T00:00:00Z"),
        Some(at("2025-06-01T11:30:00Z")),
        &[],
    );

    let (cleanup, report) = run(account, config()).await;

    assert_eq!(acted_arns(&report), [idle.as_str()]);
    assert_eq!(report.actions[0].action, "DeleteApp");
    assert_eq!(
        report.actions[0].reason,
        "no user activity since 2025-06-01T10:00:00Z"
    );
    assert_eq!(
        report.tally(Rule::IdleApp, ResourceType::StudioApp),
        tally(1, 1, 0)
    );
    assert_eq!(report.skipped[&Rule::IdleApp][&SkipReason::Active], 1);
    assert_eq!(cleanup.app_status(&idle).as_deref(), Some("Deleting"));
    assert_eq!(cleanup.app_status(&active).as_deref(), Some("InService"));
    assert!(report.complete);
    assert_eq!(report.scanned[&ResourceType::StudioDomain], 1);
}

#[tokio::test]
async fn an_app_without_recorded_activity_is_idle_from_its_creation() {
    let account = InMemory::new();
    account.managed_domain("d-one");
    let old = account.app(
        "d-one",
        profile("alice"),
        "CodeEditor",
        "InService",
        at("2025-06-01T09:00:00Z"),
        None,
        &[],
    );
    account.app(
        "d-one",
        profile("bob"),
        "CodeEditor",
        "InService",
        at("2025-06-01T11:45:00Z"),
        None,
        &[],
    );

    let (_, report) = run(account, config()).await;

    assert_eq!(acted_arns(&report), [old.as_str()]);
}

#[tokio::test]
async fn studio_classic_jupyter_server_is_kept_unless_configured() {
    let account = InMemory::new();
    account.managed_domain("d-one");
    let server = account.app(
        "d-one",
        profile("alice"),
        "JupyterServer",
        "InService",
        at("2025-01-01T00:00:00Z"),
        Some(at("2025-01-01T00:00:00Z")),
        &[],
    );

    let (cleanup, report) = run(account, config()).await;
    assert!(report.actions.is_empty());
    assert_eq!(report.skipped[&Rule::IdleApp][&SkipReason::AppTypeKept], 1);
    assert!(
        cleanup.calls("DescribeApp").is_empty(),
        "no need to look at its activity"
    );

    let account = InMemory::new();
    account.managed_domain("d-one");
    account.app(
        "d-one",
        profile("alice"),
        "JupyterServer",
        "InService",
        at("2025-01-01T00:00:00Z"),
        Some(at("2025-01-01T00:00:00Z")),
        &[],
    );
    let mut with_server = config();
    with_server
        .idle_app_types
        .insert("JupyterServer".to_owned());
    let (_, report) = run(account, with_server).await;
    assert_eq!(acted_arns(&report), [server.as_str()]);
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
            Some(long_ago),
            &[("expires-at", "2020-01-01T00:00:00Z")],
        );
    }

    let (cleanup, report) = run(account, config()).await;

    assert!(report.actions.is_empty());
    assert_eq!(
        report.skipped[&Rule::IdleApp][&SkipReason::NotInService],
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
    for resource_type in ResourceType::EXPIRABLE {
        assert_eq!(
            report.tally(Rule::Exempt, resource_type),
            Tally {
                scanned: 1,
                acted: 0,
                skipped: 1,
                failed: 0
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
async fn an_idle_app_found_before_its_tags_were_read_is_still_exempt() {
    let account = InMemory::new();
    account.managed_domain("d-one");
    forgotten_app(
        &account,
        "d-one",
        profile("alice"),
        &[("cleanup", "exempt")],
    );
    let config = Config {
        expired: false,
        ..config()
    };

    let (cleanup, report) = run(account, config).await;

    assert!(report.actions.is_empty());
    assert_eq!(
        report.tally(Rule::Exempt, ResourceType::StudioApp).skipped,
        1
    );
    assert_eq!(
        report.tally(Rule::IdleApp, ResourceType::StudioApp),
        Tally::default()
    );
    assert_eq!(
        cleanup.calls("DescribeApp").len(),
        1,
        "activity first, tags only when idle"
    );
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
        None,
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
            Some(long_ago()),
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
        report.tally(Rule::IdleApp, ResourceType::StudioApp),
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
                None,
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
        report.tally(Rule::IdleApp, ResourceType::StudioApp).acted,
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
        Some(long_ago()),
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
    assert_eq!(report.skipped[&Rule::IdleApp][&SkipReason::InProgress], 1);
    assert_eq!(report.skipped[&Rule::IdleApp][&SkipReason::AlreadyGone], 1);
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
        account.add_app("d-one", app, Some(long_ago()), &[]);
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
    let done = first.tally(Rule::IdleApp, ResourceType::StudioApp).acted;
    assert!(done > 0 && done < 40, "{done} deleted");
    assert_eq!(
        first.remaining.resources[&ResourceType::StudioApp] + done,
        40
    );

    let second = cleanup.run(now(), seconds_left(60), false).await;

    assert!(second.complete, "{:?}", second.remaining);
    assert_eq!(
        second.tally(Rule::IdleApp, ResourceType::StudioApp).acted,
        40 - done
    );
    assert_eq!(
        second.skipped[&Rule::IdleApp][&SkipReason::NotInService],
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
        idle_apps: false,
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
                None,
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
        report.tally(Rule::IdleApp, ResourceType::StudioApp).acted,
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
        idle_apps: false,
        expired: false,
        ..config()
    };

    let (cleanup, report) = run(account, config).await;

    assert!(cleanup.all_calls().is_empty());
    assert!(report.complete && report.actions.is_empty());
}

#[tokio::test]
async fn expiry_can_be_limited_to_some_resource_types() {
    let account = InMemory::new();
    let expired = [("expires-at", "2020-01-01T00:00:00Z")];
    account.notebook("nb", "InService", &expired);
    account.endpoint("ep", "InService", &expired);
    let config = Config {
        idle_apps: false,
        expired_types: [ResourceType::Endpoint].into_iter().collect(),
        ..config()
    };

    let (cleanup, report) = run(account, config).await;

    assert_eq!(report.actions.len(), 1);
    assert_eq!(report.actions[0].action, "DeleteEndpoint");
    assert!(cleanup.calls("ListNotebookInstances").is_empty());
}
