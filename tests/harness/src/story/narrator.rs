//! How the story is told: each step's title, its progress while stacks are in progress, its
//! outcome and time, and a summary at the end. Lines go to any `Write` (the walk-through's
//! stdout, a test's captured output); a closed pipe is not the story's failure.

use std::io::Write;
use std::time::{Duration, Instant};

/// The outcome of one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    /// What the step does.
    pub title: String,
    /// What it found (success) or what did not behave (failure).
    pub detail: String,
    /// Whether it behaved.
    pub behaved: bool,
    /// How long it took.
    pub took: Duration,
}

/// Tells the story to a writer and keeps the steps' records.
pub struct Narrator {
    out: Box<dyn Write + Send>,
    steps: Vec<StepRecord>,
    started: Instant,
}

impl std::fmt::Debug for Narrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Narrator")
            .field("steps", &self.steps)
            .finish_non_exhaustive()
    }
}

impl Narrator {
    /// A narrator writing to `out`.
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        Self {
            out,
            steps: Vec::new(),
            started: Instant::now(),
        }
    }

    /// A line of the story as it is.
    pub fn say(&mut self, line: &str) {
        let _ = writeln!(self.out, "{line}");
        let _ = self.out.flush();
    }

    /// A progress line of the step in progress (indented under its title).
    pub fn progress(&mut self, line: &str) {
        let _ = writeln!(self.out, "    {line}");
        let _ = self.out.flush();
    }

    pub(crate) fn begin(&mut self, title: &str) -> Instant {
        self.say(&format!("▶ {title}"));
        Instant::now()
    }

    pub(crate) fn end(&mut self, title: &str, started: Instant, outcome: &Result<String, String>) {
        let took = started.elapsed();
        let (behaved, detail) = match outcome {
            Ok(detail) => (true, detail.clone()),
            Err(problem) => (false, problem.clone()),
        };
        let mark = if behaved { "✔" } else { "✘" };
        self.say(&format!("  {mark} {detail} ({:.1} s)", took.as_secs_f64()));
        self.steps.push(StepRecord {
            title: title.to_owned(),
            detail,
            behaved,
            took,
        });
    }

    /// The steps told so far.
    pub fn steps(&self) -> &[StepRecord] {
        &self.steps
    }

    /// Whether every step so far behaved.
    pub fn all_behaved(&self) -> bool {
        self.steps.iter().all(|step| step.behaved)
    }

    /// Prints the summary: each step with its time, how many behaved, the story's whole time.
    pub fn summary(&mut self) {
        let lines: Vec<String> = self
            .steps
            .iter()
            .map(|step| {
                let mark = if step.behaved { "✔" } else { "✘" };
                format!(
                    "  {mark} {:<74} {:>6.1} s",
                    step.title,
                    step.took.as_secs_f64()
                )
            })
            .collect();
        self.say("\nSummary");
        for line in lines {
            self.say(&line);
        }
        let behaved = self.steps.iter().filter(|step| step.behaved).count();
        let line = format!(
            "  {behaved} of {} steps behaved, {:.1} s in all",
            self.steps.len(),
            self.started.elapsed().as_secs_f64()
        );
        self.say(&line);
    }
}

/// A narrator's output for a test: each line to the standard error stream, which the test
/// harness captures (and shows when the test fails).
#[derive(Debug, Clone, Copy, Default)]
pub struct CapturedOutput;

impl Write for CapturedOutput {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        eprint!("{}", String::from_utf8_lossy(bytes));
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
