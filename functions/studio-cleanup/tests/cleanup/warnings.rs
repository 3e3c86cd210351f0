//! Warn, then act, across runs; idle-shutdown drift repaired; an expired space offboarded; the
//! events on the bus; and the end of the old idle rule.

use aws_sdk_sagemaker::types::{
    AppLifecycleManagement, AppType, IdleSettings, JupyterLabAppSettings, LifecycleManagement,
    SpaceAppLifecycleManagement, SpaceIdleSettings, SpaceJupyterLabAppSettings, SpaceSettings,
    UserSettings,
};
use studio_catalog_harness::cleanup::{WARNING_TAG, lab_idle_settings, space_lab_idle_minutes};
use studio_cleanup::report::{ResourceType, Rule, SkipReason};

use crate::support::{CleanupUnderTest, EXPIRED, Owner, ROLE, TestResult, actions, tag};

/// The cleanup with KernelGateway apps allowed an hour and a grace period of an hour, and
/// alice's (`studiouserid` `alice-idp-id`) kernel `k1`, three hours old: (world, domain, app ARN).
async fn an_app_past_its_lifetime()
-> Result<(CleanupUnderTest, String, String), Box<dyn std::error::Error>> {
    let world = CleanupUnderTest::start(&[
        ("MAX_APP_LIFETIME_HOURS", "KernelGateway=1"),
        ("WARNING_GRACE_MINUTES", "60"),
    ])
    .await?;
    let domain = world.domain(true).await?;
    world
        .user_profile_with(&domain, "alice", &[("studiouserid", "alice-idp-id")], None)
        .await?;
    let kernel = world
        .app(
            &domain,
            Owner::Profile("alice"),
            AppType::KernelGateway,
            "k1",
            180,
            &[],
        )
        .await?;
    Ok((world, domain, kernel))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_past_its_lifetime_is_warned_then_deleted_on_a_run_after_the_grace_period()
-> TestResult {
    let (world, domain, kernel) = an_app_past_its_lifetime().await?;

    let first = world.scheduled_run().await?;
    let second = world.scheduled_run().await?;

    assert!(first.actions.is_empty() && second.actions.is_empty());
    assert_eq!(
        first.warnings.len(),
        1,
        "{:?} {:?}",
        first.warnings,
        first.failures
    );
    assert_eq!(first.warnings[0].arn, kernel);
    let recorded = world.tags_of(&kernel).await?[WARNING_TAG].clone();
    assert!(recorded.ends_with("/max-lifetime"), "{recorded}");
    assert_eq!(
        second.skipped[&Rule::MaxLifetime][&SkipReason::InGracePeriod],
        1,
        "the next run waits for the grace period"
    );
    assert_eq!(
        world
            .app_status(
                &domain,
                Owner::Profile("alice"),
                AppType::KernelGateway,
                "k1"
            )
            .await?,
        "InService"
    );

    // The warning was recorded two hours ago (as if the runs had been an hour apart).
    let two_hours_ago = crate::support::minutes_ago(120);
    world
        .sagemaker
        .add_tags()
        .resource_arn(&kernel)
        .tags(tag(WARNING_TAG, &format!("{two_hours_ago}/max-lifetime")))
        .send()
        .await?;
    let third = world.scheduled_run().await?;

    assert_eq!(
        actions(&third).get(&kernel).map(String::as_str),
        Some("DeleteApp")
    );
    world
        .wait_app_status(
            &domain,
            Owner::Profile("alice"),
            AppType::KernelGateway,
            "k1",
            "Deleted",
        )
        .await?;
    let events = world.published_events().await?;
    let kinds: Vec<&str> = events
        .iter()
        .filter_map(|e| e["DetailType"].as_str())
        .collect();
    assert_eq!(kinds, ["Studio Cleanup Warning", "Studio Cleanup Action"]);
    let warning = &events[0];
    assert_eq!(warning["EventBusName"], "default");
    assert_eq!(warning["Source"], "studio-catalog.cleanup");
    let detail = &warning["Detail"];
    assert_eq!(detail["rule"], "max-lifetime");
    assert_eq!(detail["resourceType"], "studio_app");
    assert_eq!(detail["resourceArn"], kernel.as_str());
    assert_eq!(detail["resourceName"], "k1");
    assert_eq!(detail["domainId"], domain.as_str());
    assert_eq!(detail["ownerProfile"], "alice");
    assert_eq!(detail["ownerIdentity"], "alice-idp-id");
    assert_eq!(detail["action"], "DeleteApp");
    assert_eq!(detail["dryRun"], false);
    assert!(detail["warnedAt"].is_string() && detail["actAfter"].is_string());
    assert_eq!(events[1]["Detail"]["warnedAt"], two_hours_ago.as_str());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warning_is_withdrawn_when_the_app_becomes_exempt() -> TestResult {
    let (world, _, kernel) = an_app_past_its_lifetime().await?;

    let first = world.scheduled_run().await?;
    world
        .sagemaker
        .add_tags()
        .resource_arn(&kernel)
        .tags(tag("cleanup", "exempt"))
        .send()
        .await?;
    let second = world.scheduled_run().await?;

    assert_eq!(first.warnings.len(), 1);
    assert_eq!(
        second.cancelled_warnings.len(),
        1,
        "{:?}",
        second.cancelled_warnings
    );
    assert_eq!(second.cancelled_warnings[0].why, "exempt");
    assert!(!world.tags_of(&kernel).await?.contains_key(WARNING_TAG));
    assert!(second.actions.is_empty());
    Ok(())
}

fn lab_idle(enabled: LifecycleManagement, timeout: i32) -> JupyterLabAppSettings {
    JupyterLabAppSettings::builder()
        .app_lifecycle_management(
            AppLifecycleManagement::builder()
                .idle_settings(
                    IdleSettings::builder()
                        .lifecycle_management(enabled)
                        .idle_timeout_in_minutes(timeout)
                        .build(),
                )
                .build(),
        )
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_shutdown_drift_is_repaired_with_update_user_profile_and_update_space() -> TestResult {
    let world = CleanupUnderTest::start(&[
        ("IDLE_SHUTDOWN_DRIFT", "repair"),
        ("IDLE_SHUTDOWN_MAX_MINUTES", "180"),
    ])
    .await?;
    let defaults = UserSettings::builder()
        .execution_role(ROLE)
        .jupyter_lab_app_settings(
            JupyterLabAppSettings::builder()
                .app_lifecycle_management(
                    AppLifecycleManagement::builder()
                        .idle_settings(
                            IdleSettings::builder()
                                .lifecycle_management(LifecycleManagement::Enabled)
                                .idle_timeout_in_minutes(120)
                                .min_idle_timeout_in_minutes(60)
                                .max_idle_timeout_in_minutes(240)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .build();
    let domain = world.domain_with_defaults(true, defaults).await?;
    let off = UserSettings::builder()
        .jupyter_lab_app_settings(lab_idle(LifecycleManagement::Disabled, 120))
        .build();
    let long = UserSettings::builder()
        .jupyter_lab_app_settings(lab_idle(LifecycleManagement::Enabled, 240))
        .build();
    world
        .user_profile_with(&domain, "off", &[], Some(off))
        .await?;
    world
        .user_profile_with(&domain, "long", &[], Some(long))
        .await?;
    world.user_profile(&domain, "inherits").await?;
    let space_settings = SpaceSettings::builder()
        .jupyter_lab_app_settings(
            SpaceJupyterLabAppSettings::builder()
                .app_lifecycle_management(
                    SpaceAppLifecycleManagement::builder()
                        .idle_settings(
                            SpaceIdleSettings::builder()
                                .idle_timeout_in_minutes(240)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .build();
    world
        .space_with(&domain, "team", &[], Some(space_settings))
        .await?;

    let report = world.scheduled_run().await?;

    assert_eq!(report.drift.len(), 3, "{:?}", report.drift);
    assert!(
        report.drift.iter().all(|d| d.repaired),
        "{:?}",
        report.drift
    );
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
    let idle_of = |profile: &aws_sdk_sagemaker::operation::describe_user_profile::DescribeUserProfileOutput| {
        lab_idle_settings(profile.user_settings())
            .map(|i| (i.lifecycle_management().cloned(), i.idle_timeout_in_minutes()))
    };
    let off = world
        .sagemaker
        .describe_user_profile()
        .domain_id(&domain)
        .user_profile_name("off")
        .send()
        .await?;
    assert_eq!(
        idle_of(&off),
        Some((Some(LifecycleManagement::Enabled), Some(120))),
        "on again, at the domain's default"
    );
    let long = world
        .sagemaker
        .describe_user_profile()
        .domain_id(&domain)
        .user_profile_name("long")
        .send()
        .await?;
    assert_eq!(
        idle_of(&long),
        Some((Some(LifecycleManagement::Enabled), Some(180)))
    );
    let space = world
        .sagemaker
        .describe_space()
        .domain_id(&domain)
        .space_name("team")
        .send()
        .await?;
    assert_eq!(space_lab_idle_minutes(space.space_settings()), Some(180));

    let again = world.scheduled_run().await?;
    assert!(
        again.drift.is_empty(),
        "repaired for good: {:?}",
        again.drift
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_spaces_apps_are_deleted_and_the_space_is_kept() -> TestResult {
    let world = CleanupUnderTest::start(&[]).await?;
    let domain = world.domain(true).await?;
    world
        .space_with(&domain, "project", &[EXPIRED], None)
        .await?;
    world.space(&domain, "ongoing").await?;
    let gone = world
        .app(
            &domain,
            Owner::Space("project"),
            AppType::JupyterLab,
            "default",
            5,
            &[],
        )
        .await?;
    let kept = world
        .app(
            &domain,
            Owner::Space("ongoing"),
            AppType::JupyterLab,
            "default",
            5,
            &[],
        )
        .await?;

    let report = world.scheduled_run().await?;

    let acted = actions(&report);
    assert_eq!(
        acted.get(&gone).map(String::as_str),
        Some("DeleteApp"),
        "{acted:?}"
    );
    assert!(!acted.contains_key(&kept));
    assert_eq!(
        report.skipped[&Rule::Expired][&SkipReason::AppsOffboarded],
        1
    );
    world
        .wait_app_status(
            &domain,
            Owner::Space("project"),
            AppType::JupyterLab,
            "default",
            "Deleted",
        )
        .await?;
    let space = world
        .sagemaker
        .describe_space()
        .domain_id(&domain)
        .space_name("project")
        .send()
        .await?;
    assert_eq!(
        space.status().map(|s| s.as_str()),
        Some("InService"),
        "the space stays"
    );
    let events = world.published_events().await?;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["DetailType"], "Studio Cleanup Action");
    assert_eq!(events[0]["Detail"]["rule"], "expired");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_old_idle_rule_cannot_fire_and_its_variables_refuse_to_start() -> TestResult {
    // An app whose user left it three hours ago: on AWS (and now in the emulator) the health
    // checks keep LastUserActivityTimestamp recent, so idleness by that field never shows.
    let world = CleanupUnderTest::start(&[]).await?;
    let domain = world.domain(true).await?;
    world.user_profile(&domain, "alice").await?;
    let lab = world
        .app(
            &domain,
            Owner::Profile("alice"),
            AppType::JupyterLab,
            "default",
            600,
            &[],
        )
        .await?;
    world
        .aws
        .set_app_last_activity(&lab, &crate::support::minutes_ago(180))
        .await?;

    let report = world.scheduled_run().await?;

    assert!(
        report.actions.is_empty() && report.warnings.is_empty(),
        "{:?}",
        report.actions
    );
    let described = world
        .sagemaker
        .describe_app()
        .domain_id(&domain)
        .user_profile_name("alice")
        .app_type(AppType::JupyterLab)
        .app_name("default")
        .send()
        .await?;
    assert_eq!(
        described.last_user_activity_timestamp(),
        described.last_health_check_timestamp(),
        "the field the old rule read moves with the health checks"
    );

    let old = CleanupUnderTest::start(&[("IDLE_APP_MINUTES", "60")]).await?;
    let refused = old
        .lambda
        .invoke(crate::support::FUNCTION, serde_json::json!({}))
        .await?;
    assert!(!refused.is_success(), "{:?}", refused.outcome);
    Ok(())
}
