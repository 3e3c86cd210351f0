//! How a deploy shows its progress: stack events as they happen, a text progress bar, the
//! outputs, and on failure the failing resources' reasons.

use std::{io::Write, time::Duration};

use crate::deploy::{DeployedStack, ResourceFailure, StackAction, StackEvent};

/// Receives what a deploy does, as it does it.
pub trait DeployReporter: Send {
    /// Something worth telling that is not a stack event.
    fn note(&mut self, message: &str);
    /// A create or update of `stack` starts; the template declares `resources` resources.
    fn stack_started(&mut self, stack: &str, action: StackAction, resources: usize);
    /// A new stack event (in the order they happened).
    fn stack_event(&mut self, event: &StackEvent);
    /// `done` of `total` resources have finished.
    fn progress(&mut self, done: usize, total: usize);
    /// The stack was deployed (or had nothing to change).
    fn stack_finished(&mut self, stack: &DeployedStack, took: Duration);
    /// The stack ended in a failed status.
    fn stack_failed(
        &mut self,
        stack: &str,
        status: &str,
        reason: Option<&str>,
        failures: &[ResourceFailure],
    );
}

/// Width of the progress bar, in characters.
const BAR_WIDTH: usize = 30;

/// Writes the report as text.
///
/// On a terminal (`interactive`) the progress bar stays on the last line and is redrawn in
/// place; otherwise it is printed as a line whenever it moves, so logs stay readable.
#[derive(Debug)]
pub struct TextReporter<W: Write + Send> {
    out: W,
    interactive: bool,
    bar_shown: bool,
    last_progress: Option<(usize, usize)>,
}

impl<W: Write + Send> TextReporter<W> {
    /// A reporter writing to `out`.
    pub fn new(out: W, interactive: bool) -> Self {
        Self {
            out,
            interactive,
            bar_shown: false,
            last_progress: None,
        }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn clear_bar(&mut self) {
        if self.interactive && self.bar_shown {
            let _ = write!(self.out, "\r\x1b[2K");
            self.bar_shown = false;
        }
    }

    fn line(&mut self, text: &str) {
        self.clear_bar();
        // Reporting must never fail the deploy (a closed pipe, a full disk).
        let _ = writeln!(self.out, "{text}");
        if let (true, Some((done, total))) = (self.interactive, self.last_progress) {
            let _ = write!(self.out, "{}", progress_bar(done, total));
            self.bar_shown = true;
        }
        let _ = self.out.flush();
    }
}

impl<W: Write + Send> DeployReporter for TextReporter<W> {
    fn note(&mut self, message: &str) {
        self.line(&format!("--> {message}"));
    }

    fn stack_started(&mut self, stack: &str, action: StackAction, resources: usize) {
        self.last_progress = None;
        self.line(&format!(
            "==> {stack}: {action} ({resources} resources in the template)"
        ));
    }

    fn stack_event(&mut self, event: &StackEvent) {
        self.line(&format_event(event));
    }

    fn progress(&mut self, done: usize, total: usize) {
        if self.last_progress == Some((done, total)) {
            return;
        }
        self.last_progress = Some((done, total));
        if self.interactive {
            self.clear_bar();
            let _ = write!(self.out, "{}", progress_bar(done, total));
            self.bar_shown = true;
            let _ = self.out.flush();
        } else {
            self.line(&progress_bar(done, total));
        }
    }

    fn stack_finished(&mut self, stack: &DeployedStack, took: Duration) {
        self.last_progress = None;
        let what = if stack.changed {
            format!("{} in {}", stack.status, format_duration(took))
        } else {
            "no changes".to_owned()
        };
        self.line(&format!("==> {}: {what}", stack.stack_name));
        if stack.outputs.is_empty() {
            return;
        }
        self.line("    Outputs:");
        let width = stack.outputs.keys().map(String::len).max().unwrap_or(0);
        let lines: Vec<String> = stack
            .outputs
            .iter()
            .map(|(key, value)| format!("      {key:<width$}  {value}"))
            .collect();
        for line in lines {
            self.line(&line);
        }
    }

    fn stack_failed(
        &mut self,
        stack: &str,
        status: &str,
        reason: Option<&str>,
        failures: &[ResourceFailure],
    ) {
        self.last_progress = None;
        let reason = reason.map(|r| format!(" ({r})")).unwrap_or_default();
        self.line(&format!("==> {stack}: FAILED, {status}{reason}"));
        if failures.is_empty() {
            self.line("    no resource reported a failure; see the stack events above");
        } else {
            self.line("    Failing resources (first failure first):");
            for failure in failures {
                self.line(&format!("      {failure}"));
            }
        }
    }
}

/// `[##########--------------------]  10/30 resources`
pub fn progress_bar(done: usize, total: usize) -> String {
    let filled = (done.min(total) * BAR_WIDTH)
        .checked_div(total)
        .unwrap_or(BAR_WIDTH);
    format!(
        "    [{}{}] {done:>3}/{total} resources",
        "#".repeat(filled),
        "-".repeat(BAR_WIDTH - filled)
    )
}

/// `  10:00:05  CREATE_COMPLETE     AWS::IAM::Role  StudioDomainFunctionRole  reason`
pub fn format_event(event: &StackEvent) -> String {
    // RFC 3339: keep the time of day.
    let time = event.timestamp.get(11..19).unwrap_or(&event.timestamp);
    let mut line = format!(
        "    {time}  {:<30}  {:<32}  {}",
        event.status, event.resource_type, event.logical_id
    );
    if let Some(reason) = event.reason.as_deref().filter(|r| !r.is_empty()) {
        line.push_str("  ");
        line.push_str(reason);
    }
    line
}

fn format_duration(took: Duration) -> String {
    let seconds = took.as_secs();
    if seconds >= 60 {
        format!("{}m{:02}s", seconds / 60, seconds % 60)
    } else {
        format!("{:.1}s", took.as_secs_f64())
    }
}

#[cfg(test)]
#[derive(Debug, Default)]
pub(crate) struct RecordingReporter {
    pub notes: Vec<String>,
    pub started: Vec<(String, StackAction, usize)>,
    pub events: Vec<StackEvent>,
    pub progress: Vec<(usize, usize)>,
    pub finished: Vec<DeployedStack>,
    pub failed: Vec<(String, String, Vec<ResourceFailure>)>,
}

#[cfg(test)]
impl DeployReporter for RecordingReporter {
    fn note(&mut self, message: &str) {
        self.notes.push(message.to_owned());
    }

    fn stack_started(&mut self, stack: &str, action: StackAction, resources: usize) {
        self.started.push((stack.to_owned(), action, resources));
    }

    fn stack_event(&mut self, event: &StackEvent) {
        self.events.push(event.clone());
    }

    fn progress(&mut self, done: usize, total: usize) {
        self.progress.push((done, total));
    }

    fn stack_finished(&mut self, stack: &DeployedStack, _took: Duration) {
        self.finished.push(stack.clone());
    }

    fn stack_failed(
        &mut self,
        stack: &str,
        status: &str,
        _reason: Option<&str>,
        failures: &[ResourceFailure],
    ) {
        self.failed
            .push((stack.to_owned(), status.to_owned(), failures.to_vec()));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn event() -> StackEvent {
        StackEvent {
            event_id: "1".into(),
            logical_id: "StudioDomainFunction".into(),
            physical_id: None,
            resource_type: "AWS::Lambda::Function".into(),
            status: "CREATE_FAILED".into(),
            reason: Some("Access Denied".into()),
            timestamp: "2026-11-23T10:00:05.123Z".into(),
        }
    }

    /// What a reporter (on a terminal or in a log) prints for what `report` tells it.
    fn printed(terminal: bool, report: impl FnOnce(&mut TextReporter<Vec<u8>>)) -> String {
        let mut reporter = TextReporter::new(Vec::new(), terminal);
        report(&mut reporter);
        String::from_utf8(reporter.into_inner()).unwrap()
    }

    #[test]
    fn the_bar_fills_in_proportion_and_survives_an_empty_template() {
        assert_eq!(
            progress_bar(10, 30),
            format!(
                "    [{}{}]  10/30 resources",
                "#".repeat(10),
                "-".repeat(20)
            )
        );
        assert!(progress_bar(0, 0).contains(&"#".repeat(BAR_WIDTH)));
        assert!(progress_bar(5, 3).contains(&"#".repeat(BAR_WIDTH)));
    }

    #[test]
    fn an_event_line_shows_time_status_type_resource_and_reason() {
        let line = format_event(&event());

        assert!(line.starts_with("    10:00:05  CREATE_FAILED"), "{line}");
        assert!(line.contains("AWS::Lambda::Function"));
        assert!(
            line.ends_with("StudioDomainFunction  Access Denied"),
            "{line}"
        );
    }

    #[test]
    fn in_a_log_the_bar_is_a_line_printed_only_when_it_moves() {
        let text = printed(false, |reporter| {
            reporter.progress(1, 4);
            reporter.progress(1, 4);
            reporter.stack_event(&event());
            reporter.progress(2, 4);
        });

        assert_eq!(text.matches("resources").count(), 2);
        assert!(!text.contains('\r'));
    }

    #[test]
    fn on_a_terminal_the_bar_is_redrawn_below_the_events() {
        let text = printed(true, |reporter| {
            reporter.progress(1, 4);
            reporter.stack_event(&event());
        });

        let after_event = text.split("Access Denied\n").nth(1).unwrap();
        assert!(after_event.starts_with("    [#"), "{text:?}");
        assert!(text.contains("\r\x1b[2K"));
    }

    #[test]
    fn a_finished_stack_lists_its_outputs() {
        let stack = DeployedStack {
            stack_name: "studio-catalog-core".into(),
            stack_id: "id".into(),
            status: "CREATE_COMPLETE".into(),
            changed: true,
            outputs: BTreeMap::from([("Token".into(), "arn:fn".into())]),
        };

        let text = printed(false, |r| r.stack_finished(&stack, Duration::from_secs(75)));

        assert!(text.contains("==> studio-catalog-core: CREATE_COMPLETE in 1m15s"));
        assert!(text.contains("      Token  arn:fn"));
    }

    #[test]
    fn a_failure_lists_each_failing_resource_with_its_reason() {
        let failure = ResourceFailure {
            logical_id: "Role".into(),
            resource_type: "AWS::IAM::Role".into(),
            status: "CREATE_FAILED".into(),
            reason: "Access Denied".into(),
        };

        let text = printed(false, |r| {
            r.stack_failed("core", "ROLLBACK_COMPLETE", None, &[failure]);
        });

        assert!(text.contains("FAILED, ROLLBACK_COMPLETE"));
        assert!(text.contains("Role (AWS::IAM::Role) CREATE_FAILED: Access Denied"));
    }
}
