//! The emulator wrapper, against a stand-in emulator (`tests/fixtures/fake_emulator.py`).

use std::{path::PathBuf, time::Duration};

use hyper::Method;
use serde_json::json;
use studio_catalog_harness::emulator::{AwsEmulator, EmulatorError, Fault};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn fake() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake_emulator.py")
}

#[tokio::test]
async fn the_wrapper_drives_the_control_api() -> TestResult {
    let emulator = AwsEmulator::builder()
        .script(fake())
        .transition_seconds(0.25)
        .start()
        .await?;
    let endpoint = emulator.endpoint_url();
    assert_eq!(endpoint, format!("http://127.0.0.1:{}", emulator.port()));
    let env = emulator.aws_env();
    assert!(env.contains(&("AWS_ENDPOINT_URL".to_owned(), endpoint.clone())));
    assert!(env.contains(&("AWS_MAX_ATTEMPTS".to_owned(), "2".to_owned())));

    // The flag reached it; configure changes it.
    let config = emulator.control(Method::GET, "/config", None).await?;
    assert_eq!(config["transition_seconds"], 0.25);
    emulator.set_transition_seconds(0.5).await?;
    let config = emulator.control(Method::GET, "/config", None).await?;
    assert_eq!(config["transition_seconds"], 0.5);
    assert!(matches!(
        emulator.configure(&json!({"bogus": 1})).await,
        Err(EmulatorError::Control { status: 400, .. })
    ));

    // awsJson calls, faults and the call log.
    let answer = emulator.sagemaker("ListDomains", &json!({})).await?;
    assert_eq!(answer["Operation"], "ListDomains");
    assert_eq!(answer["ContentType"], "application/x-amz-json-1.1");
    assert!(
        answer["Authorization"]
            .as_str()
            .is_some_and(|a| a.contains("/us-east-1/sagemaker/aws4_request"))
    );
    emulator
        .inject_fault(&Fault::throttling("sagemaker", "CreateDomain"))
        .await?;
    let throttled = emulator
        .sagemaker("CreateDomain", &json!({"DomainName": "d"}))
        .await;
    match &throttled {
        Err(EmulatorError::Aws {
            status: 400,
            error_type,
            message,
            ..
        }) => {
            assert_eq!(error_type, "ThrottlingException");
            assert_eq!(message, "Rate exceeded");
        }
        other => panic!("expected a throttling error, got {other:?}"),
    }
    assert!(
        emulator
            .sagemaker("CreateDomain", &json!({"DomainName": "d"}))
            .await
            .is_ok()
    );
    let missing = emulator
        .sagemaker("DescribeDomain", &json!({"DomainId": "d-missing"}))
        .await;
    assert_eq!(
        missing
            .as_ref()
            .err()
            .and_then(EmulatorError::aws_error_type),
        Some("ResourceNotFound")
    );
    assert_eq!(emulator.call_count("sagemaker", "CreateDomain").await?, 2);
    assert_eq!(emulator.calls().await?.len(), 4);
    emulator.clear_calls().await?;
    assert!(emulator.calls().await?.is_empty());
    emulator.clear_faults().await?;

    // Other helpers.
    let efs = emulator.efs_file_systems().await?;
    assert_eq!(efs[0].file_system_id, "fs-1");
    assert_eq!(efs[0].domain_id.as_deref(), Some("d-1"));
    assert_eq!(efs[0].state, "retained");
    emulator.fail_domain("d-9", "quota").await?;
    emulator
        .set_app_last_activity(
            "arn:aws:sagemaker:us-east-1:123456789012:app/d-9/u/JupyterServer/default",
            "2026-11-23T00:00:00Z",
        )
        .await?;
    let state = emulator.control(Method::GET, "/state", None).await?;
    assert_eq!(state["failed_domains"]["d-9"], "quota");
    assert_eq!(state["activity"].as_object().map(|m| m.len()), Some(1));
    let line = emulator
        .wait_for_log("stderr line", Duration::from_secs(2))
        .await;
    assert_eq!(line.as_deref(), Some("fake emulator stderr line"));
    assert!(
        emulator
            .logs()
            .iter()
            .any(|l| l.starts_with("studio-emulator ready on"))
    );

    // Dropping it stops it.
    drop(emulator);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        tokio::net::TcpStream::connect(endpoint.trim_start_matches("http://"))
            .await
            .is_err()
    );
    Ok(())
}

#[tokio::test]
async fn an_emulator_enforces_iam_unless_its_builder_opts_out() -> TestResult {
    // Given an emulator started with the defaults and one whose builder opts out
    let enforcing = AwsEmulator::builder().script(fake()).start().await?;
    let arranging = AwsEmulator::builder()
        .script(fake())
        .iam_enforcement(false)
        .start()
        .await?;

    // Then the first evaluates IAM, the second does not until asked
    assert!(enforcing.iam_enforced().await?);
    assert!(!arranging.iam_enforced().await?);
    arranging.set_iam_enforcement(true).await?;
    assert!(arranging.iam_enforced().await?);

    // And a reset (which switches enforcement off) gives each handle its builder's choice back
    arranging.reset().await?;
    assert!(!arranging.iam_enforced().await?);
    enforcing.set_iam_enforcement(false).await?;
    enforcing.reset().await?;
    assert!(enforcing.iam_enforced().await?);
    Ok(())
}

#[tokio::test]
async fn start_failures_are_explained() {
    let missing = AwsEmulator::builder()
        .script("/nonexistent/server.py")
        .start()
        .await;
    assert!(matches!(missing, Err(EmulatorError::ScriptMissing { .. })));

    let no_python = AwsEmulator::builder()
        .script(fake())
        .python("/nonexistent/python")
        .start()
        .await;
    match no_python {
        Err(error @ EmulatorError::Spawn { .. }) => {
            assert!(error.to_string().contains("scripts/test"), "{error}");
        }
        other => panic!("expected a spawn error, got {other:?}"),
    }

    // A script that dies at once: its output is in the error.
    let crashing = AwsEmulator::builder()
        .script(fake())
        .python("/bin/sh")
        .ready_timeout(Duration::from_secs(5))
        .start()
        .await;
    assert!(
        matches!(crashing, Err(EmulatorError::Exited { .. })),
        "{crashing:?}"
    );
}

/// Against the real emulator, when the workspace has it (CI does, after `scripts/setup-python`).
#[tokio::test]
async fn the_real_emulator_answers_through_the_wrapper() -> TestResult {
    let script = studio_catalog_harness::workspace_root().join("tests/aws-emulator/server.py");
    if !script.is_file() {
        eprintln!("skipped: {} is not there", script.display());
        return Ok(());
    }
    let emulator = AwsEmulator::builder()
        .transition_seconds(0.05)
        .start()
        .await?;
    assert_eq!(emulator.health().await?["status"], "ok");

    let domains = emulator.sagemaker("ListDomains", &json!({})).await?;
    assert_eq!(domains["Domains"], json!([]));
    // It evaluates IAM: the set-up credentials are the account root's, allowed everything.
    assert!(emulator.iam_enforced().await?);
    let decided = emulator.iam_decisions().await?;
    assert_eq!(
        decided
            .iter()
            .map(|d| (&d["operation"], &d["principal"], &d["result"]))
            .collect::<Vec<_>>(),
        [(
            &json!("ListDomains"),
            &json!("arn:aws:iam::123456789012:root"),
            &json!("Allowed")
        )]
    );
    assert!(emulator.iam_refusals().await?.is_empty());
    let missing = emulator
        .sagemaker("DescribeDomain", &json!({"DomainId": "d-doesnotexist"}))
        .await;
    assert!(
        matches!(&missing, Err(EmulatorError::Aws { status: 400, .. })),
        "{missing:?}"
    );

    emulator
        .inject_fault(&Fault::throttling("sagemaker", "ListDomains"))
        .await?;
    let throttled = emulator.sagemaker("ListDomains", &json!({})).await;
    assert_eq!(
        throttled
            .as_ref()
            .err()
            .and_then(EmulatorError::aws_error_type),
        Some("ThrottlingException"),
        "{throttled:?}"
    );
    assert_eq!(emulator.call_count("sagemaker", "ListDomains").await?, 2);
    assert!(emulator.efs_file_systems().await?.is_empty());
    emulator.set_transition_seconds(0.1).await?;
    emulator.reset().await?;
    assert!(emulator.calls().await?.is_empty());
    Ok(())
}

/// The environment variable that makes [`helper_leases_an_emulator_then_exits_without_dropping_it`]
/// run (it is `#[ignore]`d otherwise: it ends its process).
const ORPHAN_HELPER_ENV: &str = "HARNESS_TEST_ORPHAN_HELPER";

#[tokio::test]
async fn a_lease_starts_from_a_reset_emulator_that_the_next_lease_reuses() -> TestResult {
    // Given a leased emulator this test dirtied: a fault armed, a call logged, a domain failed
    let first = AwsEmulator::builder()
        .script(fake())
        .transition_seconds(0.25)
        .lease()
        .await?;
    let port = first.port();
    first
        .inject_fault(&Fault::throttling("sagemaker", "CreateDomain"))
        .await?;
    first.sagemaker("ListDomains", &json!({})).await?;
    first.fail_domain("d-9", "quota").await?;
    assert_eq!(first.calls().await?.len(), 1);

    // When the test is done with it and the next one leases with another delay
    drop(first);
    let second = AwsEmulator::builder()
        .script(fake())
        .transition_seconds(0.5)
        .lease()
        .await?;

    // Then it is the same process, reset, with the delay asked for
    assert_eq!(second.port(), port);
    assert!(second.calls().await?.is_empty());
    let faults = second.control(Method::GET, "/faults", None).await?;
    assert_eq!(faults["faults"], json!([]));
    let state = second.control(Method::GET, "/state", None).await?;
    assert_eq!(state["failed_domains"], json!({}));
    let config = second.control(Method::GET, "/config", None).await?;
    assert_eq!(config["transition_seconds"], 0.5);
    // and IAM enforced again, though the reset switched it off
    assert_eq!(config["iam_enforcement"], true);
    assert!(
        second
            .sagemaker("CreateDomain", &json!({"DomainName": "d"}))
            .await
            .is_ok()
    );
    Ok(())
}

#[tokio::test]
async fn a_shared_emulator_ends_with_the_test_binary_that_started_it() -> TestResult {
    // Given this test binary run again, leasing an emulator and exiting without dropping it
    let helper = std::process::Command::new(std::env::current_exe()?)
        .args([
            "--exact",
            "emulator::helper_leases_an_emulator_then_exits_without_dropping_it",
            "--ignored",
            "--nocapture",
        ])
        .env(ORPHAN_HELPER_ENV, "1")
        .output()?;
    let stderr = String::from_utf8_lossy(&helper.stderr);
    let pid: u32 = stderr
        .lines()
        .find_map(|line| line.strip_prefix("emulator server pid ")?.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "the helper names its emulator's pid: {stderr}\n{}",
                String::from_utf8_lossy(&helper.stdout)
            )
        });

    // Then the emulator's server process is gone soon after (the watchdog saw its pipe close)
    let running = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            !stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
    };
    for _ in 0..200 {
        if !running() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!running(), "emulator pid {pid} outlived the test binary");
    Ok(())
}

#[tokio::test]
#[ignore = "run by a_shared_emulator_ends_with_the_test_binary_that_started_it: it ends its process"]
async fn helper_leases_an_emulator_then_exits_without_dropping_it() -> TestResult {
    if std::env::var_os(ORPHAN_HELPER_ENV).is_none() {
        return Ok(());
    }
    let emulator = AwsEmulator::builder().script(fake()).lease().await?;
    let pid = emulator
        .server_pid()
        .expect("the watchdog names the server");
    eprintln!("emulator server pid {pid}");
    // No destructor runs: as when a test binary panics out, is killed or exits early.
    std::process::exit(0);
}
