//! Runs one function's invocations, one at a time, FIFO, like a single
//! execution environment: cold starts, deadlines, crashes, async retries.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::sync::mpsc;

use super::{
    InvocationRecord, InvocationResult, InvocationType, Outcome,
    function::{Function, Job},
    instance::Instance,
    runtime_api::{Dispatch, RuntimeEvent},
};
use crate::{ids, logs::LogBook};

/// Owns a function's execution environment (at most one process at a time).
pub(crate) struct Worker {
    pub function: Arc<Function>,
    pub jobs: mpsc::UnboundedReceiver<Job>,
    pub logs: Arc<LogBook>,
    pub invoke_endpoint: String,
    pub instance: Option<Instance>,
}

/// How an attempt ended, before it becomes a record.
struct Ending {
    outcome: Outcome,
    exit_status: Option<String>,
    /// The process must not serve another invocation.
    discard: bool,
}

impl Worker {
    /// Runs until the queue closes (or the task is aborted).
    pub(super) async fn run(mut self) {
        while let Some(job) = self.jobs.recv().await {
            let record = self.execute(&job).await;
            self.complete(job, record);
        }
    }

    fn log(&self, line: impl Into<String>) {
        self.logs.push(&self.function.spec.name, line);
    }

    async fn execute(&mut self, job: &Job) -> InvocationRecord {
        let started = Instant::now();
        let id = job.request_id.clone();
        self.reap_idle();

        let cold_start = self.instance.is_none();
        let mut record = InvocationRecord {
            request_id: id.clone(),
            payload: job.payload.clone(),
            invocation_type: job.invocation_type,
            attempt: job.attempt,
            outcome: Outcome::Crashed,
            cold_start,
            init_duration: None,
            peak_rss_kib: None,
            exit_status: None,
            queued: job.queued,
            started,
            ended: started,
        };
        if cold_start {
            match Instance::spawn(&self.function.spec, &self.invoke_endpoint, &self.logs).await {
                Ok(instance) => {
                    self.function.note_cold_start();
                    self.log("INIT_START Runtime Version: provided:al2023");
                    self.instance = Some(instance);
                }
                Err(error) => {
                    let reason = format!(
                        "could not start {}: {error}",
                        self.function.spec.binary.display()
                    );
                    self.log(format!("RequestId: {id} Error: {reason}"));
                    record.exit_status = Some(reason);
                    record.ended = Instant::now();
                    return record;
                }
            }
        }
        let Some(instance) = self.instance.as_mut() else {
            // Unreachable: just set above.
            return record;
        };

        self.logs.push(
            &self.function.spec.name,
            format!("START RequestId: {id} Version: $LATEST"),
        );
        instance.api.expect(&id);
        let payload = serde_json::to_vec(&job.payload).unwrap_or_default();
        let _ = instance.dispatch.send(Dispatch {
            request_id: id.clone(),
            body: payload.into(),
        });
        let spec = &self.function.spec;
        let deadline = Instant::now()
            + if cold_start {
                spec.init_timeout
            } else {
                spec.timeout
            };
        let ending = await_ending(instance, &id, deadline).await;
        instance.api.clear();
        record.ended = Instant::now();
        record.peak_rss_kib = instance.child.id().and_then(peak_rss_kib);
        if cold_start {
            record.init_duration = instance.init_duration();
        }
        if let Some(init) = record.init_duration {
            self.function.note_init_duration(init);
        }

        record.outcome = ending.outcome;
        record.exit_status = ending.exit_status;

        match &record.outcome {
            Outcome::TimedOut => self.log(format!(
                "{} {id} Task timed out after {:.2} seconds",
                ids::rfc3339_now(),
                self.function.spec.timeout.as_secs_f64()
            )),
            Outcome::Crashed => {
                let status = record.exit_status.as_deref().unwrap_or("unknown");
                self.log(format!(
                    "RequestId: {id} Error: Runtime exited with error: {status}"
                ));
                self.log("Runtime.ExitError");
            }
            Outcome::Error(_) if ending.discard => self.log(format!(
                "RequestId: {id} Error: init failed; the environment will be reset"
            )),
            Outcome::Success(_) | Outcome::Error(_) => {}
        }
        self.log(format!("END RequestId: {id}"));
        self.log(report_line(&record));

        if ending.discard
            && let Some(instance) = self.instance.take()
        {
            // Crashed: already exited. Timed out / init error: kill it, as Lambda does.
            let _ = instance.kill().await;
        }
        record
    }

    /// Forgets a process that exited while idle (the next invocation cold-starts).
    fn reap_idle(&mut self) {
        let exited = match self.instance.as_mut().map(|i| i.child.try_wait()) {
            Some(Ok(Some(status))) => Some(status.to_string()),
            Some(Err(error)) => Some(format!("unknown ({error})")),
            Some(Ok(None)) | None => None,
        };
        if let Some(status) = exited {
            self.log(format!("process exited between invocations: {status}"));
            self.instance = None;
        }
    }

    fn complete(&self, job: Job, record: InvocationRecord) {
        let spec = &self.function.spec;
        let result = job
            .reply
            .is_some()
            .then(|| InvocationResult::from_record(&record, spec.timeout));
        let retry = (job.invocation_type == InvocationType::Event
            && !record.outcome.is_success()
            && job.attempt < spec.async_retries)
            .then(|| Job {
                request_id: job.request_id.clone(),
                payload: job.payload.clone(),
                invocation_type: job.invocation_type,
                attempt: job.attempt + 1,
                queued: Instant::now(),
                reply: None,
            });
        // Record first, so a caller woken by the reply sees its record.
        self.function.finish(record, retry);
        if let (Some(reply), Some(result)) = (job.reply, result) {
            let _ = reply.send(result);
        }
    }
}

/// Waits for the invocation `id` to end: a response or an error from the
/// runtime, the process exiting, or the deadline (until the runtime takes the
/// invocation: `first_deadline`; then the invocation's own deadline).
async fn await_ending(instance: &mut Instance, id: &str, first_deadline: Instant) -> Ending {
    let mut deadline = first_deadline;
    loop {
        tokio::select! {
            biased;
            event = instance.events.recv() => match event {
                Some(RuntimeEvent::Delivered { request_id, deadline: d }) if request_id == id => {
                    deadline = d;
                }
                Some(RuntimeEvent::Response { request_id, body }) if request_id == id => {
                    return Ending { outcome: Outcome::Success(body), exit_status: None, discard: false };
                }
                Some(RuntimeEvent::Error { request_id, body }) if request_id == id => {
                    return Ending { outcome: Outcome::Error(body), exit_status: None, discard: false };
                }
                Some(RuntimeEvent::InitError { body }) => {
                    return Ending { outcome: Outcome::Error(body), exit_status: None, discard: true };
                }
                // Events of other request ids cannot happen (the Runtime API
                // refuses them); the sender lives as long as the instance.
                Some(_) | None => {}
            },
            status = instance.child.wait() => {
                let status = status.map_or_else(|e| format!("unknown ({e})"), |s| s.to_string());
                return Ending { outcome: Outcome::Crashed, exit_status: Some(status), discard: true };
            }
            () = tokio::time::sleep_until(deadline.into()) => {
                return Ending { outcome: Outcome::TimedOut, exit_status: None, discard: true };
            }
        }
    }
}

fn report_line(record: &InvocationRecord) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let duration = ms(record.duration());
    let mut line = format!(
        "REPORT RequestId: {}\tDuration: {duration:.2} ms\tBilled Duration: {} ms\tMemory Size: 128 MB\tMax Memory Used: 0 MB",
        record.request_id,
        duration.ceil()
    );
    if let Some(init) = record.init_duration {
        line.push_str(&format!("\tInit Duration: {:.2} ms", ms(init)));
    }
    if !matches!(record.outcome, Outcome::Success(_) | Outcome::Error(_)) {
        line.push_str(&format!("\tStatus: {}", record.outcome.kind()));
    }
    line
}

/// The process's peak resident set size so far (`VmHWM` in `/proc/<pid>/status`), in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}
