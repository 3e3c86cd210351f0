//! The end-to-end story (`studio_catalog_harness::story`), from an empty emulator: deploy the
//! core stack and the portfolio with the deploy tool, launch the products from the catalog as
//! the cloud admin, update them, a failing launch, the data scientist's sign-in through the
//! function URL, the cleanup schedule (drift repaired, a warning, the action after the grace
//! period, the dashboard), termination. Every step asserts the AWS state it leaves
//! and the records' and stacks' outcomes; this test asserts that each step behaved. IAM is
//! enforced (the harness's default): every call is authorised against the roles and policies
//! the templates and the platform admin create, as AWS would authorise it.
//!
//! It runs the built binaries: the functions and `studio-catalog-deploy`
//! (`cargo build --workspace --bins` first; `scripts/test` does).

use studio_catalog_harness::emulator::AwsEmulator;
use studio_catalog_harness::story::{CapturedOutput, Narrator, StoryOptions, tell};
use studio_catalog_harness::workspace_root;
use studio_catalog_workspace::Workspace;

/// The story's steps, in order (see `story/steps.rs`).
const STEPS: usize = 21;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cloud_admin_and_a_data_scientist_live_the_whole_story() {
    let options = StoryOptions::default();
    let workspace = Workspace::load(&workspace_root()).expect("cargo metadata answers");
    let binaries = workspace.function_names().chain(["studio-catalog-deploy"]);
    for binary in binaries {
        assert!(
            options.bin_dir.join(binary).is_file(),
            "{} is not built: run `cargo build --workspace --bins` first",
            options.bin_dir.join(binary).display()
        );
    }
    let aws = AwsEmulator::builder()
        .transition_seconds(0.5)
        .lease()
        .await
        .expect("the emulator starts");
    assert!(
        aws.iam_enforced().await.expect("the emulator answers"),
        "the story runs with IAM enforced"
    );
    let mut narrator = Narrator::new(Box::new(CapturedOutput));

    let outcome = tell(&aws, &options, &mut narrator).await;

    for step in &outcome.steps {
        assert!(
            step.behaved,
            "step {:?} did not behave: {}",
            step.title, step.detail
        );
    }
    assert_eq!(
        outcome.steps.len(),
        STEPS,
        "the story stopped early: {:?}",
        outcome.steps.last().map(|step| &step.title)
    );
    assert!(outcome.completed);

    // The records were polled at most once a second (the bound on describe calls).
    assert!(!outcome.figures.is_empty());
    for figure in &outcome.figures {
        let records = figure
            .describe_calls
            .iter()
            .filter(|(call, _)| call.ends_with(":DescribeRecord"))
            .map(|(_, count)| count)
            .sum::<usize>();
        let allowed = figure.took.as_secs() as usize + 1;
        assert!(
            records <= allowed,
            "{}: {records} DescribeRecord calls in {:?}",
            figure.operation,
            figure.took
        );
    }

    // With IAM enforced, the one refusal is the one the story asks for: Studio, as alice's
    // execution role, may not create a space owned by bob. Nothing else was refused quietly (a
    // function that tolerates a denial, a handler action the launch role lacks).
    let refusals: Vec<(String, String, String)> = aws
        .iam_refusals()
        .await
        .expect("the emulator answers")
        .iter()
        .map(|refusal| {
            let text = |key: &str| refusal[key].as_str().unwrap_or_default().to_owned();
            (text("principal"), text("action"), text("result"))
        })
        .collect();
    assert_eq!(refusals.len(), 1, "IAM refused: {refusals:#?}");
    let (principal, action, result) = &refusals[0];
    assert!(
        principal.ends_with("/SageMaker") && action == "sagemaker:CreateSpace",
        "IAM refused: {refusals:#?}"
    );
    assert_eq!(result, "ImplicitlyDenied");
}
