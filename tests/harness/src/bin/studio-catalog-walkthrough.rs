//! The local walk-through: the end-to-end story (`studio_catalog_harness::story`) against a
//! local AWS emulator of its own — deploy, launch from the catalog, sign in, clean up,
//! terminate — printing each step, progress while stacks are in progress, and a summary.
//! Exits non-zero if any step did not behave. `scripts/walkthrough` builds what it needs and
//! runs it.
//!
//! The story goes to stdout (`scripts/walkthrough | tee story.txt` keeps it); diagnostics go to
//! stderr. The binaries (the functions, `studio-catalog-deploy`) are read from
//! `STUDIO_CATALOG_BIN_DIR`, by default the `debug` directory of Cargo's target directory.
//!
//! `--bench`: the figures of the issue — the emulator keeps a Studio domain 20 s in each
//! transition; for each product operation, the time from the call to the record's end, minus
//! that wait, is our overhead (polling, CloudFormation, Lambda starts), printed with the
//! describe calls per second the emulator received meanwhile.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use studio_catalog_harness::emulator::AwsEmulator;
use studio_catalog_harness::story::{Narrator, OperationFigure, StoryOptions, tell};

/// The emulator's SageMaker transitions for the story (profiles, spaces, apps; the domain too
/// unless `--bench`).
const TRANSITION_SECONDS: f64 = 0.5;
/// The domain's transitions with `--bench`, as the figure asks.
const BENCH_DOMAIN_TRANSITION_SECONDS: f64 = 20.0;

const INTRO: &str = "\
studio-catalog walk-through: self-service SageMaker Studio, end to end.
It runs against a local AWS emulator (moto server plus this project's extension, on 127.0.0.1):
no AWS account is touched and no credentials are needed. The emulator runs everything itself:
the deploy tool deploys the core stack and the portfolio; Service Catalog launches each product
from its own template through CloudFormation, under the portfolio's launch role; CloudFormation
delivers the custom resources to the functions the core stack deployed (their zips' bootstrap,
run under a local Lambda runtime); the sign-in goes through the domain's function URL, signed
as the data scientist; the cleanup runs when its schedule fires.

What it shows, as a platform admin, a cloud admin (Service Catalog end-user rights only) and a
data scientist live it:
  1. the deploy (studio-catalog-deploy package from the built binaries, then deploy);
  2. launching the domain, alice's and bob's profiles (bob's with a column-level grant) and a
     data access grant from the catalog, each record followed with its stack's events;
  3. updates: bob's tag and grant columns (same profile, no moment without access), the
     domain's network access in place;
  4. a launch with a bad parameter: FAILED with the function's reason, nothing left;
  5. alice signing in through the function URL, refused bob's profile;
  6. in Studio (her execution role) alice creating her private space and its app, refused a
     space of bob's, opening Canvas and setting her space's idle shutdown to a week; the
     cleanup schedule firing: bob's and alice's idle shutdown repaired, alice warned about her
     Canvas past its lifetime (a tag, an event, the platform team's topic), and after the grace
     period the schedule firing again and the Canvas app deleted; the dashboard's metrics;
  7. termination: profiles first, then the domain, its home file system retained.
IAM is enforced: every call is authorised by a real policy engine against the roles and
policies the templates and the platform admin create, as AWS would (a refusal answers as AWS
answers; a story that stops early shows the last refusals). Each step prints what it found and
its time; a summary follows.
";

fn bin_dir() -> PathBuf {
    std::env::var_os("STUDIO_CATALOG_BIN_DIR")
        .map_or_else(|| StoryOptions::default().bin_dir, PathBuf::from)
}

fn print_figures(out: &mut impl Write, figures: &[OperationFigure]) {
    let _ = writeln!(out, "\nFigures (per product operation)");
    let _ = writeln!(
        out,
        "  {:<66} {:>7} {:>9} {:>9} {:>10}",
        "operation", "took", "SageMaker", "overhead", "describe/s"
    );
    for figure in figures {
        let _ = writeln!(
            out,
            "  {:<66} {:>6.1}s {:>8.1}s {:>8.1}s {:>10.2}",
            figure.operation,
            figure.took.as_secs_f64(),
            figure.sagemaker_wait.as_secs_f64(),
            figure.overhead().as_secs_f64(),
            figure.describe_calls_per_second()
        );
        let calls: Vec<String> = figure
            .describe_calls
            .iter()
            .map(|(call, count)| format!("{call} {count}"))
            .collect();
        let _ = writeln!(out, "      describe calls: {}", calls.join(", "));
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut bench = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--bench" => bench = true,
            "-h" | "--help" => {
                let _ = writeln!(
                    std::io::stdout().lock(),
                    "usage: studio-catalog-walkthrough [--bench]\n\n{INTRO}"
                );
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!(
                    "unknown argument {other:?}; usage: studio-catalog-walkthrough [--bench]"
                );
                return ExitCode::from(2);
            }
        }
    }
    let mut narrator = Narrator::new(Box::new(std::io::stdout()));
    narrator.say(INTRO);
    let aws = match AwsEmulator::builder()
        .transition_seconds(TRANSITION_SECONDS)
        .start()
        .await
    {
        Ok(aws) => aws,
        Err(error) => {
            eprintln!("the walk-through could not start the emulator: {error}");
            return ExitCode::FAILURE;
        }
    };
    narrator.say(&format!("local AWS emulator on {}\n", aws.endpoint_url()));
    let options = StoryOptions {
        bin_dir: bin_dir(),
        domain_transition_seconds: bench.then_some(BENCH_DOMAIN_TRANSITION_SECONDS),
        ..StoryOptions::default()
    };
    let outcome = tell(&aws, &options, &mut narrator).await;
    print_figures(&mut std::io::stdout().lock(), &outcome.figures);
    if outcome.completed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
