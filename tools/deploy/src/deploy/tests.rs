use super::{
    fake::{FakeStacks, Step, event},
    *,
};
use crate::{package::Architecture, report::RecordingReporter};

fn settings() -> DeploySettings {
    DeploySettings {
        poll_interval: Duration::from_millis(1),
        timeout: Duration::from_secs(5),
    }
}

fn request(parameters: &[(&str, &str)]) -> StackRequest {
    StackRequest {
        stack_name: "core".into(),
        template_url: "https://b.s3.us-east-1.amazonaws.com/t.yaml".into(),
        parameters: parameters
            .iter()
            .map(|(k, v)| ParameterValue::Value {
                key: (*k).into(),
                value: (*v).into(),
            })
            .collect(),
        client_request_token: "t".into(),
    }
}

/// Deploys the stack `core` (no parameters given, none left to template defaults) on `stacks`:
/// the outcome and what was reported.
async fn deploy_core(
    stacks: &FakeStacks,
    settings: DeploySettings,
) -> (Result<DeployedStack, DeployError>, RecordingReporter) {
    let mut reporter = RecordingReporter::default();
    let outcome = deploy_stack(stacks, &request(&[]), &[], settings, &mut reporter).await;
    (outcome, reporter)
}

/// The ids of the events `reporter` was shown, in order.
fn event_ids(reporter: &RecordingReporter) -> Vec<&str> {
    reporter
        .events
        .iter()
        .map(|e| e.event_id.as_str())
        .collect()
}

fn step(events: Vec<StackEvent>, status: &'static str) -> Step {
    Step {
        events,
        status,
        reason: None,
        without_stack_event: false,
    }
}

#[tokio::test]
async fn a_new_stack_is_created_and_its_events_reported_in_order() {
    let stacks = FakeStacks {
        outputs_after: BTreeMap::from([("Token".into(), "arn:fn".into())]),
        ..FakeStacks::new(2, &[])
    }
    .playing(vec![
        step(
            vec![
                event(1, "stack", "CREATE_IN_PROGRESS", Some("User Initiated")),
                event(2, "Role", "CREATE_IN_PROGRESS", None),
            ],
            "CREATE_IN_PROGRESS",
        ),
        step(
            vec![
                event(3, "Role", "CREATE_COMPLETE", None),
                event(4, "Function", "CREATE_COMPLETE", None),
                event(5, "stack", "CREATE_COMPLETE", None),
            ],
            "CREATE_COMPLETE",
        ),
    ]);
    let (deployed, reporter) = deploy_core(&stacks, settings()).await;
    let deployed = deployed.unwrap();

    assert_eq!(deployed.status, "CREATE_COMPLETE");
    assert!(deployed.changed);
    assert_eq!(deployed.outputs["Token"], "arn:fn");
    assert_eq!(
        reporter.started,
        vec![("core".to_owned(), StackAction::Create, 2)]
    );
    assert_eq!(event_ids(&reporter), ["e1", "e2", "e3", "e4", "e5"]);
    assert_eq!(reporter.progress.last(), Some(&(2, 2)));
    assert_eq!(stacks.requests.lock().unwrap()[0].0, "create");
}

#[tokio::test]
async fn the_progress_counts_resources_that_finished() {
    let stacks = FakeStacks::new(4, &[]).playing(vec![
        step(
            vec![
                event(1, "A", "CREATE_IN_PROGRESS", None),
                event(2, "B", "CREATE_IN_PROGRESS", None),
            ],
            "CREATE_IN_PROGRESS",
        ),
        step(
            vec![event(3, "A", "CREATE_COMPLETE", None)],
            "CREATE_IN_PROGRESS",
        ),
        step(
            vec![event(4, "B", "CREATE_COMPLETE", None)],
            "CREATE_COMPLETE",
        ),
    ]);
    let (outcome, reporter) = deploy_core(&stacks, settings()).await;
    outcome.unwrap();

    assert_eq!(reporter.progress, vec![(0, 4), (1, 4), (2, 4), (4, 4)]);
}

#[tokio::test]
async fn an_update_shows_only_its_own_events_even_across_pages() {
    let stacks = FakeStacks {
        page_size: 2,
        ..FakeStacks::new(1, &[])
    }
    .with_stack("core", "CREATE_COMPLETE", &[], 5)
    .playing(vec![step(
        vec![
            event(1, "Role", "UPDATE_IN_PROGRESS", None),
            event(2, "Role", "UPDATE_COMPLETE", None),
            event(3, "stack", "UPDATE_COMPLETE", None),
        ],
        "UPDATE_COMPLETE",
    )]);
    let (deployed, reporter) = deploy_core(&stacks, settings()).await;
    let deployed = deployed.unwrap();

    assert_eq!(deployed.status, "UPDATE_COMPLETE");
    assert_eq!(event_ids(&reporter), ["e1", "e2", "e3"]);
    assert_eq!(reporter.started[0].1, StackAction::Update);
}

#[tokio::test]
async fn an_update_keeps_the_values_set_before_and_lets_defaults_follow_the_template() {
    let stacks = FakeStacks::new(
        1,
        &[
            ("Admin", None),
            ("CodeKey", Some("new/key.zip")),
            ("Given", Some("default")),
            ("Schedule", Some("rate(60 minutes)")),
            ("LogLevel", Some("WARN")),
            ("Secret", None),
        ],
    )
    .with_stack(
        "core",
        "UPDATE_COMPLETE",
        &[
            ("Admin", "arn:role/admin"),
            ("CodeKey", "old/key.zip"),
            ("Given", "old"),
            ("Removed", "gone"),
            ("Schedule", "rate(60 minutes)"),
            ("LogLevel", "DEBUG"),
            ("Secret", "****"),
        ],
        1,
    )
    .playing(vec![step(vec![], "UPDATE_COMPLETE")]);

    deploy_stack(
        &stacks,
        &request(&[("Given", "new")]),
        &["CodeKey"],
        settings(),
        &mut RecordingReporter::default(),
    )
    .await
    .unwrap();

    let requests = stacks.requests.lock().unwrap();
    assert_eq!(
        requests[0].1.parameters,
        vec![
            ParameterValue::Value {
                key: "Given".into(),
                value: "new".into()
            },
            ParameterValue::Value {
                key: "Admin".into(),
                value: "arn:role/admin".into()
            },
            ParameterValue::Value {
                key: "LogLevel".into(),
                value: "DEBUG".into()
            },
            ParameterValue::Previous {
                key: "Secret".into()
            },
        ]
    );
}

#[tokio::test]
async fn an_unchanged_stack_is_reported_with_its_outputs() {
    let stacks = FakeStacks::new(1, &[]).with_stack("core", "UPDATE_COMPLETE", &[], 1);
    let (deployed, reporter) = deploy_core(&stacks, settings()).await;
    let deployed = deployed.unwrap();

    assert!(!deployed.changed);
    assert_eq!(deployed.outputs["Old"], "output");
    assert_eq!(reporter.finished.len(), 1);
    assert!(reporter.events.is_empty());
}

#[tokio::test]
async fn a_failed_create_reports_the_failing_resources_reasons() {
    let stacks = FakeStacks::new(2, &[]).playing(vec![step(
        vec![
            event(1, "Role", "CREATE_IN_PROGRESS", None),
            event(
                2,
                "Role",
                "CREATE_FAILED",
                Some("Resource handler returned message: \"Access Denied\""),
            ),
            event(
                3,
                "Function",
                "CREATE_FAILED",
                Some("Resource creation cancelled"),
            ),
            event(4, "Role", "DELETE_COMPLETE", None),
            event(5, "stack", "ROLLBACK_COMPLETE", None),
        ],
        "ROLLBACK_COMPLETE",
    )]);
    let (error, reporter) = deploy_core(&stacks, settings()).await;
    let error = error.unwrap_err();

    let DeployError::StackFailed {
        status, failures, ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(status, "ROLLBACK_COMPLETE");
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0].logical_id, "Role");
    assert!(failures[0].reason.contains("Access Denied"));
    assert!(
        error
            .to_string()
            .contains("Role (AWS::IAM::Role) CREATE_FAILED")
    );
    assert_eq!(reporter.failed.len(), 1);
}

#[tokio::test]
async fn a_stack_left_by_a_failed_create_is_deleted_and_created_again() {
    let stacks = FakeStacks::new(1, &[])
        .with_stack("core", "ROLLBACK_COMPLETE", &[], 2)
        .playing(vec![step(
            vec![event(1, "stack", "CREATE_COMPLETE", None)],
            "CREATE_COMPLETE",
        )]);
    let (deployed, reporter) = deploy_core(&stacks, settings()).await;
    let deployed = deployed.unwrap();

    assert_eq!(deployed.status, "CREATE_COMPLETE");
    assert_eq!(*stacks.deleted.lock().unwrap(), ["arn:stack/core"]);
    assert_eq!(stacks.requests.lock().unwrap()[0].0, "create");
    assert!(reporter.notes[0].contains("deleting it first"));
}

#[tokio::test]
async fn a_busy_stack_is_not_touched() {
    let stacks = FakeStacks::new(1, &[]).with_stack("core", "UPDATE_IN_PROGRESS", &[], 1);

    let error = deploy_core(&stacks, settings()).await.0.unwrap_err();

    assert!(
        matches!(error, DeployError::NotDeployable { .. }),
        "{error:?}"
    );
    assert!(stacks.requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_stack_that_never_settles_times_out() {
    let stacks = FakeStacks::new(1, &[]).playing(
        (0..10_000)
            .map(|_| step(vec![], "CREATE_IN_PROGRESS"))
            .collect(),
    );
    let short = DeploySettings {
        poll_interval: Duration::from_millis(1),
        timeout: Duration::from_millis(30),
    };

    let error = deploy_core(&stacks, short).await.0.unwrap_err();

    assert!(matches!(error, DeployError::Timeout { .. }), "{error:?}");
}

#[tokio::test]
async fn the_suite_deploys_core_then_portfolio_with_the_core_prefixes() {
    let stacks = FakeStacks {
        outputs_after: BTreeMap::from([
            ("NamePrefix".into(), "acme".into()),
            ("ProductRolePrefix".into(), "acme-sc-".into()),
        ]),
        ..FakeStacks::new(1, &[])
    }
    .playing(vec![step(vec![], "CREATE_COMPLETE")])
    .playing(vec![step(vec![], "CREATE_COMPLETE")]);
    let manifest = PackageManifest {
        bucket: "b".into(),
        region: "us-east-1".into(),
        prefix: "p/v".into(),
        version: "v".into(),
        architecture: Architecture::Arm64,
        name_prefix: "acme".into(),
        function_keys: BTreeMap::new(),
        template_urls: BTreeMap::from([
            (CORE_TEMPLATE.into(), "https://core".into()),
            (PORTFOLIO_TEMPLATE.into(), "https://portfolio".into()),
        ]),
        rewritten_parameters: BTreeMap::new(),
    };
    let request = SuiteRequest {
        portfolio_parameters: vec![("CloudAdminRoleArn".into(), "arn:role/admin".into())],
        ..SuiteRequest::new()
    };
    let mut reporter = RecordingReporter::default();

    let deployed = deploy_suite(&stacks, &manifest, &request, settings(), &mut reporter)
        .await
        .unwrap();

    assert!(deployed.portfolio.is_some());
    let requests = stacks.requests.lock().unwrap();
    assert_eq!(requests[0].1.stack_name, "studio-catalog-core");
    assert_eq!(requests[0].1.template_url, "https://core");
    assert_eq!(requests[1].1.stack_name, "studio-catalog-portfolio");
    assert_eq!(requests[1].1.template_url, "https://portfolio");
    assert_eq!(
        requests[1].1.parameters,
        vec![
            ParameterValue::Value {
                key: "CloudAdminRoleArn".into(),
                value: "arn:role/admin".into()
            },
            ParameterValue::Value {
                key: "CoreNamePrefix".into(),
                value: "acme".into()
            },
            ParameterValue::Value {
                key: "ProductRolePrefix".into(),
                value: "acme-sc-".into()
            },
        ]
    );
}

/// A manifest of templates packaged for NamePrefix `name_prefix`.
fn manifest_for(name_prefix: &str) -> PackageManifest {
    PackageManifest {
        bucket: "b".into(),
        region: "us-east-1".into(),
        prefix: "p/v".into(),
        version: "v".into(),
        architecture: Architecture::Arm64,
        name_prefix: name_prefix.into(),
        function_keys: BTreeMap::new(),
        template_urls: BTreeMap::from([
            (CORE_TEMPLATE.into(), "https://core".into()),
            (PORTFOLIO_TEMPLATE.into(), "https://portfolio".into()),
        ]),
        rewritten_parameters: BTreeMap::new(),
    }
}

#[tokio::test]
async fn the_core_stack_gets_the_name_prefix_the_templates_were_packaged_for() {
    // Given templates packaged for NamePrefix acme, and no NamePrefix given
    let stacks = FakeStacks::new(1, &[]).playing(vec![step(vec![], "CREATE_COMPLETE")]);
    let request = SuiteRequest {
        portfolio_stack_name: None,
        core_parameters: vec![("LogLevel".into(), "DEBUG".into())],
        ..SuiteRequest::new()
    };

    // When the suite is deployed
    deploy_suite(
        &stacks,
        &manifest_for("acme"),
        &request,
        settings(),
        &mut RecordingReporter::default(),
    )
    .await
    .unwrap();

    // Then the core stack is created with NamePrefix acme, besides what was given
    let requests = stacks.requests.lock().unwrap();
    assert_eq!(
        requests[0].1.parameters,
        [
            ParameterValue::Value {
                key: "LogLevel".into(),
                value: "DEBUG".into()
            },
            ParameterValue::Value {
                key: "NamePrefix".into(),
                value: "acme".into()
            },
        ]
    );
}

#[tokio::test]
async fn a_name_prefix_given_as_packaged_is_taken() {
    let stacks = FakeStacks::new(1, &[]).playing(vec![step(vec![], "CREATE_COMPLETE")]);
    let request = SuiteRequest {
        portfolio_stack_name: None,
        core_parameters: vec![("NamePrefix".into(), "acme".into())],
        ..SuiteRequest::new()
    };

    let outcome = deploy_suite(
        &stacks,
        &manifest_for("acme"),
        &request,
        settings(),
        &mut RecordingReporter::default(),
    )
    .await;

    assert!(outcome.is_ok(), "{outcome:?}");
    let requests = stacks.requests.lock().unwrap();
    assert_eq!(
        requests[0].1.parameters,
        [ParameterValue::Value {
            key: "NamePrefix".into(),
            value: "acme".into()
        }]
    );
}

#[tokio::test]
async fn a_name_prefix_other_than_the_packaged_one_is_refused_before_any_call() {
    // The staged product templates read /acme/...: a core stack (or a portfolio launch role)
    // under another prefix would make every launch fail.
    for (core, portfolio, parameter) in [
        (vec![("NamePrefix", "other")], vec![], "NamePrefix"),
        (vec![], vec![("CoreNamePrefix", "other")], "CoreNamePrefix"),
    ] {
        let stacks = FakeStacks::new(1, &[]);
        let pairs = |given: Vec<(&str, &str)>| -> Vec<(String, String)> {
            given
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        };
        let request = SuiteRequest {
            core_parameters: pairs(core),
            portfolio_parameters: pairs(portfolio),
            ..SuiteRequest::new()
        };

        let error = deploy_suite(
            &stacks,
            &manifest_for("acme"),
            &request,
            settings(),
            &mut RecordingReporter::default(),
        )
        .await
        .unwrap_err();

        assert!(
            matches!(&error, DeployError::NamePrefixMismatch { parameter: p, given, packaged }
                if *p == parameter && given == "other" && packaged == "acme"),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.contains(&format!("{parameter}=other")), "{message}");
        assert!(message.contains("packaged for (acme)"), "{message}");
        assert!(
            message.contains("re-run `package --name-prefix other`"),
            "{message}"
        );
        assert!(stacks.requests.lock().unwrap().is_empty());
        assert!(stacks.describe_calls.lock().unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_core_stack_under_another_name_prefix_is_moved_only_when_asked() {
    // Given a core stack deployed under NamePrefix old, and templates packaged for acme
    let deployed_under_old = || {
        FakeStacks::new(1, &[("NamePrefix", Some("acme"))])
            .with_stack(
                "studio-catalog-core",
                "UPDATE_COMPLETE",
                &[("NamePrefix", "old")],
                1,
            )
            .playing(vec![step(vec![], "UPDATE_COMPLETE")])
    };
    let core_only = |parameters: &[(&str, &str)]| SuiteRequest {
        portfolio_stack_name: None,
        core_parameters: parameters
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..SuiteRequest::new()
    };

    // When it is deployed without a NamePrefix, it is refused, naming both, nothing updated
    let stacks = deployed_under_old();
    let error = deploy_suite(
        &stacks,
        &manifest_for("acme"),
        &core_only(&[]),
        settings(),
        &mut RecordingReporter::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&error, DeployError::NamePrefixMoved { deployed, packaged, .. }
            if deployed == "old" && packaged == "acme"),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("re-run `package --name-prefix old`"),
        "{message}"
    );
    assert!(message.contains("NamePrefix=acme to move it"), "{message}");
    assert!(stacks.requests.lock().unwrap().is_empty());

    // and with NamePrefix given (the packaged one), it is moved
    let stacks = deployed_under_old();
    deploy_suite(
        &stacks,
        &manifest_for("acme"),
        &core_only(&[("NamePrefix", "acme")]),
        settings(),
        &mut RecordingReporter::default(),
    )
    .await
    .unwrap();
    let requests = stacks.requests.lock().unwrap();
    assert_eq!(requests[0].0, "update");
    assert_eq!(
        requests[0].1.parameters,
        [ParameterValue::Value {
            key: "NamePrefix".into(),
            value: "acme".into()
        }]
    );
}

#[tokio::test]
async fn a_core_stack_under_the_packaged_name_prefix_or_left_by_a_failed_create_is_deployed() {
    for (status, prefix) in [("UPDATE_COMPLETE", "acme"), ("ROLLBACK_COMPLETE", "old")] {
        let stacks = FakeStacks::new(1, &[("NamePrefix", Some("acme"))])
            .with_stack("studio-catalog-core", status, &[("NamePrefix", prefix)], 1)
            .playing(vec![step(vec![], "UPDATE_COMPLETE")]);
        let request = SuiteRequest {
            portfolio_stack_name: None,
            ..SuiteRequest::new()
        };

        let outcome = deploy_suite(
            &stacks,
            &manifest_for("acme"),
            &request,
            settings(),
            &mut RecordingReporter::default(),
        )
        .await;

        assert!(outcome.is_ok(), "{status}: {outcome:?}");
    }
}

#[tokio::test]
async fn each_poll_makes_one_describe_call_and_the_stack_s_own_event_ends_the_wait() {
    // Given a create that takes 25 polls, its resources finishing one by one
    let mut script: Vec<Step> = (0..24)
        .map(|i| {
            step(
                vec![event(i, &format!("R{i}"), "CREATE_COMPLETE", None)],
                "CREATE_IN_PROGRESS",
            )
        })
        .collect();
    script.push(step(vec![], "CREATE_COMPLETE"));
    let stacks = FakeStacks::new(24, &[]).playing(script);

    // When it is deployed
    let (outcome, reporter) = deploy_core(&stacks, settings()).await;

    // Then it succeeds, having asked for its status only before the create (does it exist?),
    // on every STATUS_CHECK_EVERY-th poll and once its own CREATE_COMPLETE event was seen
    // (for the outputs); every other poll read one page of events, nothing else
    assert_eq!(outcome.unwrap().status, "CREATE_COMPLETE");
    let calls = stacks.describe_calls.lock().unwrap().clone();
    let status_calls = calls.iter().filter(|c| **c == "DescribeStacks").count();
    let event_calls = calls
        .iter()
        .filter(|c| **c == "DescribeStackEvents")
        .count();
    let polls = 25 + (25 / STATUS_CHECK_EVERY as usize);
    assert_eq!(event_calls, 25, "{calls:?}");
    assert_eq!(
        status_calls,
        1 + 25 / STATUS_CHECK_EVERY as usize + 1,
        "{calls:?}"
    );
    assert_eq!(event_calls + status_calls - 2, polls, "{calls:?}");
    assert_eq!(reporter.progress.last(), Some(&(24, 24)));
}

#[tokio::test]
async fn a_stack_whose_own_event_went_missing_is_found_settled_by_describe_stacks() {
    // Given a stack that settles without writing the stack's own event (its events page lost it)
    let stacks = FakeStacks::new(1, &[]).playing(vec![Step {
        without_stack_event: true,
        ..step(
            vec![
                event(1, "Role", "CREATE_COMPLETE", None),
                // a nested stack's event: not this stack's own
                StackEvent {
                    resource_type: "AWS::CloudFormation::Stack".into(),
                    ..event(2, "Nested", "CREATE_COMPLETE", None)
                },
            ],
            "CREATE_COMPLETE",
        )
    }]);

    // When it is deployed
    let (outcome, _) = deploy_core(&stacks, settings()).await;

    // Then the periodic DescribeStacks sees CREATE_COMPLETE and the deploy ends
    assert_eq!(outcome.unwrap().status, "CREATE_COMPLETE");
}

#[tokio::test]
async fn a_settled_event_ahead_of_describe_stacks_is_not_taken_for_a_failure() {
    // Given a stack whose own CREATE_COMPLETE event shows while DescribeStacks still says
    // CREATE_IN_PROGRESS, and completes a poll later
    let stacks = FakeStacks::new(1, &[]).playing(vec![
        step(
            vec![
                event(1, "Role", "CREATE_COMPLETE", None),
                event(2, "stack", "CREATE_COMPLETE", None),
            ],
            "CREATE_IN_PROGRESS",
        ),
        Step {
            without_stack_event: true,
            ..step(vec![], "CREATE_COMPLETE")
        },
    ]);

    // When it is deployed
    let (outcome, _) = deploy_core(&stacks, settings()).await;

    // Then the deploy waits for DescribeStacks to agree and reports success
    assert_eq!(outcome.unwrap().status, "CREATE_COMPLETE");
}

#[tokio::test]
async fn a_product_role_prefix_overlapping_the_name_prefix_is_refused_before_any_call() {
    // Given templates packaged for NamePrefix studio-catalog
    let stacks = FakeStacks::new(1, &[]).playing(vec![step(vec![], "CREATE_COMPLETE")]);
    for role_prefix in ["studio-", "Studio-Catalog-x"] {
        let request = SuiteRequest {
            portfolio_stack_name: None,
            core_parameters: vec![("ProductRolePrefix".into(), role_prefix.into())],
            ..SuiteRequest::new()
        };

        // When the suite is deployed with a ProductRolePrefix that starts (or continues) it
        let outcome = deploy_suite(
            &stacks,
            &manifest_for("studio-catalog"),
            &request,
            settings(),
            &mut RecordingReporter::default(),
        )
        .await;

        // Then it is refused, naming both, and no stack was asked for
        let error = outcome.expect_err("overlapping prefixes");
        assert!(
            matches!(error, DeployError::PrefixesOverlap { .. }),
            "{error}"
        );
        assert!(
            error.to_string().contains(&format!(
                "ProductRolePrefix={role_prefix} and NamePrefix=studio-catalog"
            )),
            "{error}"
        );
    }
    assert!(stacks.requests.lock().unwrap().is_empty());
    assert!(!prefixes_overlap("studio-catalog", "studio-sc-"));
}
